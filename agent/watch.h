/*
 * Liveness of the other nodes, from their heartbeats: a node whose heartbeat
 * has not moved for the dead-after time is dead to this agent.
 */
#ifndef MINT_AGENT_WATCH_H
#define MINT_AGENT_WATCH_H

#include <stdint.h>

#include "shm/region.h"

struct watch_peer {
	uint32_t state;		/* as its entry says */
	uint32_t epoch;
	uint64_t heartbeat;
	int64_t moved_ns;	/* when the heartbeat or epoch last changed */
	int dead;
};

struct watch {
	unsigned self;
	int64_t dead_after_ns;
	struct watch_peer peer[MINT_MAX_NODES];
};

typedef void (*watch_report_fn)(void *arg, unsigned node, const struct watch_peer *p,
    int64_t silent_ns);

void watch_init(struct watch *w, unsigned self, int64_t dead_after_ns);
int watch_scan(struct watch *w, const struct mint_region *r, int64_t now_ns,
	    watch_report_fn report, void *arg);

#endif
