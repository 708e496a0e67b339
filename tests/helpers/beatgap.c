/*
 * Test and benchmark helper: watch node NODE's heartbeat in the region for
 * SECONDS, sampling every millisecond, and print the largest time it stood
 * still: "largest gap MS ms, N beats in S s". Usage: beatgap REGION NODE SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "shm/node.h"

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	struct mint_region r;
	struct node_view v;
	char cause[256];
	int64_t start, moved, gap = 0, end;
	uint64_t last, beats = 0;
	unsigned node;

	if (argc != 4)
		return 2;
	node = (unsigned)atoi(argv[2]);
	if (region_map(&r, argv[1], 0, 0, cause, sizeof(cause)) < 0 ||
	    region_attach(&r, cause, sizeof(cause)) < 0) {
		fprintf(stderr, "beatgap: %s\n", cause);
		return 1;
	}
	if (node >= r.layout.nodes || node_read(&r, node, &v) < 0) {
		fprintf(stderr, "beatgap: no node %u\n", node);
		return 1;
	}
	start = moved = mono_ns();
	end = start + (int64_t)(atof(argv[3]) * 1e9);
	last = v.heartbeat;
	while (mono_ns() < end) {
		struct timespec ms = { 0, 1000000 };
		int64_t now;

		nanosleep(&ms, NULL);
		now = mono_ns();
		if (node_read(&r, node, &v) == 0 && v.heartbeat != last) {
			beats += v.heartbeat - last;
			last = v.heartbeat;
			moved = now;
		}
		if (now - moved > gap)
			gap = now - moved;
	}
	printf("largest gap %.1f ms, %llu beats in %.1f s\n", gap / 1e6, (unsigned long long)beats,
	    (mono_ns() - start) / 1e9);
	return 0;
}
