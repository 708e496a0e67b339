/* The one clock for timeouts and durations: monotonic, never stepped by NTP. */
#ifndef MINT_COMMON_CLOCK_H
#define MINT_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t
clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in milliseconds. */
static inline int64_t
clock_mono_ms(void)
{
	return (int64_t)(clock_mono_ns() / 1000000u);
}

/* Wall-clock time in milliseconds since the epoch: for what is shown with a date, never for waits. */
static inline int64_t
clock_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
