/*
 * A node's status: gathered from /proc (or a tree standing in for it), the
 * node and resource tables and the agent's own counters into a plain struct
 * (status_gather), then packed as a NodeStatus message for the node table
 * (status_encode, whose buffers the encoder owns).
 */
#ifndef MINT_AGENT_STATUS_H
#define MINT_AGENT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "agent/coremap.h"
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

/* Where the status comes from, and what it keeps between samples. */
struct status_src {
	const char *proc;			/* "/proc", or a test tree */
	int mode;				/* Mint__CoreMode */
	int have_cores;				/* report only these cores: */
	uint64_t cores[CPULIST_WORDS];
	const char *coremap;			/* the table's core ids in this kernel (coremap.h) */
	struct cpu_times prev[SAMPLE_MAX_CPUS];	/* the last sample, for deltas */
	int nprev;
	const char *migrating;			/* a guest leaving this node, if any */
	struct coremap map;			/* read anew for each sample */
	/* movable memory, read again only when MemTotal moves (hotplug) */
	int movable_known;
	uint64_t movable_total, movable;
	char text[65536];			/* a /proc file as read */
};

/* What the agent itself knows, for status_gather. */
struct status_in {
	unsigned node;
	uint32_t epoch;
	uint64_t uptime_ms;
	uint32_t heartbeat_ms;
	const struct watch *watch;		/* the peers' verdicts, or NULL */
	const struct chan_stats *chan;		/* MINT_MAX_NODES of them, or NULL */
	const struct mint_region *region;	/* the tables, or NULL */
	int64_t now_ns;
};

#define STATUS_DEVICES_MAX	64

struct status_peer {
	unsigned node;
	uint32_t state;				/* Mint__NodeState */
	uint32_t epoch;
	uint64_t silent_ms;
};

struct status_core {
	unsigned cpu;				/* the table's core id */
	int online;
	int has_busy;				/* a synthetic core that is no host core has none */
	uint32_t busy_permille;
};

/*
 * What a node has done, for metrics: how many, how many failed, and how long
 * they took in cumulative buckets (at most 0.1, 1, 10, 60 s, all).
 */
#define STATUS_BUCKETS	5
struct status_hist {
	uint64_t count, failures;
	uint64_t buckets[STATUS_BUCKETS];
	double seconds;
};

void status_hist_add(struct status_hist *h, double seconds, int failed);

/* A guest migration this node sent, for events: under way (ended_ms 0) or among the last ended. */
#define STATUS_MIGS	4
struct status_mig {
	uint64_t seq;
	char guest[64];
	unsigned to;
	char phase[16];				/* "migrating", then how it ended */
	int64_t started_ms, ended_ms;		/* Unix time */
	uint64_t data_total, data_processed, downtime_ms;
	char message[160];
};

/* A snapshot, gathered: plain data, nothing of the wire. has_* 0: unknown, left out. */
struct status {
	unsigned node;
	uint32_t epoch;
	int mode;
	uint64_t uptime_ms;
	uint32_t heartbeat_ms;
	char hostname[64];			/* "" when unknown */
	struct status_peer peers[MINT_MAX_NODES];
	size_t npeers;
	struct { unsigned peer; struct chan_stats s; } channels[MINT_MAX_NODES];
	size_t nchannels;
	char devices[STATUS_DEVICES_MAX][33];	/* the devices the table gives this node */
	size_t ndevices;
	struct status_core cores[SAMPLE_MAX_CPUS];
	size_t ncores;
	int has_load;
	uint32_t load1_centi, load5_centi, load15_centi;
	int has_mem;
	uint64_t mem_total, mem_used;
	int has_movable;
	uint64_t mem_movable;
	int has_assigned;
	uint64_t mem_assigned;			/* what the table gives this node */
	struct status_hist moves, migrations;	/* the agent's, copied in before encoding */
	const struct status_mig *migs;		/* the agent's, newest first */
	size_t nmigs;
};

/*
 * Take a sample into st. Cores get their use since the last call (0 the
 * first time). Files that cannot be read leave their fields unknown.
 */
void status_gather(struct status_src *src, const struct status_in *in, struct status *st);

/* The protobuf side of a snapshot: the encoder owns every array the message points into. */
struct status_enc {
	Mint__NodeStatus st;
	Mint__Peer peers[MINT_MAX_NODES], *peerp[MINT_MAX_NODES];
	Mint__Channel chans[MINT_MAX_NODES], *chanp[MINT_MAX_NODES];
	Mint__Device devs[STATUS_DEVICES_MAX], *devp[STATUS_DEVICES_MAX];
	Mint__Core cores[SAMPLE_MAX_CPUS], *corep[SAMPLE_MAX_CPUS];
	Mint__Guest guests[GUESTS_MAX], *guestp[GUESTS_MAX];
	Mint__Counters counters;
	uint64_t move_b[STATUS_BUCKETS], mig_b[STATUS_BUCKETS];
	Mint__Migration migs[STATUS_MIGS], *migp[STATUS_MIGS];
};

/*
 * Pack st, the guests (migrating: the one leaving, shown so) and the tunnels
 * into buf as an Envelope: 0, or -errno (-ENOSPC when it does not fit).
 */
int status_encode(struct status_enc *enc, const struct status *st, const struct guest_info *guests,
	    int nguests, const char *migrating, Mint__Tunnel **tunnels, size_t ntunnels, uint8_t *buf,
	    size_t cap, size_t *len);

#endif
