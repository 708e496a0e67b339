/* Helpers shared by the C tests: a formatted region in a memfd. */
#ifndef MINT_TESTS_UTIL_H
#define MINT_TESTS_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "shm/region.h"

/* Map and format a fresh memfd region, or exit with the reason. */
static inline void
test_region(struct mint_region *r, const struct region_params *p)
{
	struct mint_layout l;
	uint64_t total;
	char cause[256];

	if (region_layout(p, &l, &total, cause, sizeof(cause)) < 0 ||
	    region_map(r, "memfd:mint-test", total, REGION_CREATE, cause, sizeof(cause)) < 0 ||
	    region_format(r, p, cause, sizeof(cause)) < 0) {
		printf("Bail out! region: %s\n", cause);
		exit(1);
	}
}

/* Small xorshift PRNG: reproducible sequences for tests. */
static inline uint64_t
test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

#endif
