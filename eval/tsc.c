/* The evaluation's clock: the TSC calibrated to nanoseconds where it is invariant, else CLOCK_MONOTONIC_RAW. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "eval/tsc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at one rate in every P-, C- and T-state. */
static int
tsc_invariant(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid(0x80000000, &a, &b, &c, &d) == 0 || a < 0x80000007)
		return 0;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return (d >> 8) & 1;
}

static uint64_t
tsc_read(void)
{
	unsigned aux;

	return __rdtscp(&aux);	/* waits for earlier instructions: the end of the timed work */
}
#else
static int tsc_invariant(void) { return 0; }
static uint64_t tsc_read(void) { return 0; }
#endif

static uint64_t
raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
tsc_init(struct tsc_clock *c)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	uint64_t t0, n0, t1, n1;

	memset(c, 0, sizeof(*c));
	if (!tsc_invariant()) {
		c->ns_per_tick = 1.0;
		snprintf(c->name, sizeof(c->name), "clock_gettime(CLOCK_MONOTONIC_RAW) (no invariant TSC)");
		return;
	}
	n0 = raw_ns(), t0 = tsc_read();
	nanosleep(&nap, NULL);
	n1 = raw_ns(), t1 = tsc_read();
	c->tsc = 1;
	c->ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
	snprintf(c->name, sizeof(c->name), "tsc (invariant), %.3f GHz against CLOCK_MONOTONIC_RAW",
	    1.0 / c->ns_per_tick);
}

uint64_t
tsc_now(const struct tsc_clock *c)
{
	return c->tsc ? tsc_read() : raw_ns();
}
