/* The evaluation's clock: the TSC calibrated to nanoseconds where it is invariant, else CLOCK_MONOTONIC_RAW. */
#ifndef MINT_EVAL_TSC_H
#define MINT_EVAL_TSC_H

#include <stdint.h>

struct tsc_clock {
	int tsc;		/* 1: ticks are TSC cycles; 0: ticks are nanoseconds */
	double ns_per_tick;
	char name[96];		/* what a report prints: "tsc (invariant), 2.59 GHz" */
};

/* Choose and calibrate (about 50 ms when the TSC is used). */
void tsc_init(struct tsc_clock *c);

/* Now, in ticks of c. */
uint64_t tsc_now(const struct tsc_clock *c);

/* Ticks of c as nanoseconds. */
static inline uint64_t
tsc_ns(const struct tsc_clock *c, uint64_t ticks)
{
	return (uint64_t)((double)ticks * c->ns_per_tick + 0.5);
}

#endif
