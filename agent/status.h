/*
 * A node's status snapshot: sampled from /proc (or a tree standing in for
 * it), packed as a NodeStatus message for the node table.
 */
#ifndef MINT_AGENT_STATUS_H
#define MINT_AGENT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/guests.h"
#include "common/cpulist.h"
#include "proto/mint.pb-c.h"
#include "shm/region.h"
#include "agent/sample.h"
#include "agent/watch.h"

/* Messages and bytes through the rings with one node. */
struct chan_stats {
	uint64_t tx_messages, rx_messages, tx_bytes, rx_bytes, errors;
};

struct status_src {
	const char *proc;			/* "/proc", or a test tree */
	int mode;				/* Mint__CoreMode */
	int have_cores;				/* report only these cores: */
	uint64_t cores[CPULIST_WORDS];
	const char *coremap;			/* the table's core ids in this kernel (coremap.h) */
	struct cpu_times prev[SAMPLE_MAX_CPUS];	/* the last sample, for deltas */
	int nprev;
	Mint__Tunnel **tunnels;			/* set by the caller for each snapshot */
	size_t ntunnels;
	const char *migrating;			/* a guest leaving this node, if any */
};

int status_snapshot(struct status_src *src, unsigned node, uint32_t epoch,
	    uint64_t uptime_ms, uint32_t heartbeat_ms, const struct guest_info *guests,
	    int nguests, const struct watch *watch, const struct chan_stats *chan,
	    const struct mint_region *region, int64_t now_ns, uint8_t *buf, size_t cap, size_t *len);

#endif
