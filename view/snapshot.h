/* A node's status snapshot, read from its node table entry and decoded. */
#ifndef MINT_VIEW_SNAPSHOT_H
#define MINT_VIEW_SNAPSHOT_H

#include "proto/wire.h"
#include "shm/node.h"
#include "shm/region.h"

int snapshot_read(const struct mint_region *r, unsigned node, Mint__Envelope **env,
	    char *cause, size_t causelen);

/*
 * Call fn with the status of each online node that has published one (only
 * that node unless only is MINT_MAX_NODES), in node order; a non-zero return
 * from fn stops the walk and is returned.
 */
typedef int (*snapshot_fn)(void *arg, unsigned node, const Mint__NodeStatus *st);
int snapshot_each(const struct mint_region *r, unsigned only, snapshot_fn fn, void *arg);

/*
 * Every node at once, as the region shows it now: its entry, its snapshot,
 * and what the live nodes say of it. nodes, status and metrics judge a node
 * from this, so that they agree.
 */
struct snapshots {
	unsigned nodes;
	struct node_view v[MINT_MAX_NODES];
	int valid[MINT_MAX_NODES];		/* its entry could be read */
	Mint__Envelope *env[MINT_MAX_NODES];	/* its snapshot, or NULL */
};

void snapshots_read(const struct mint_region *r, struct snapshots *s);
void snapshots_free(struct snapshots *s);
/* The node ever attached (its entry is not the empty one format left). */
int snapshots_attached(const struct snapshots *s, unsigned i);
/* Its status, or NULL. */
const Mint__NodeStatus *snapshots_status(const struct snapshots *s, unsigned i);
/*
 * How long node i has been silent, if a live node other than i calls this
 * epoch of it dead; else -1.
 */
int64_t snapshots_dead_ms(const struct snapshots *s, unsigned i);
/* Its state's name: "dead" where a live node says so, else its entry's. */
const char *snapshots_state(const struct snapshots *s, unsigned i);
/* Since its heartbeat last moved, as the live nodes see it (the least); -1 if none says. */
int64_t snapshots_silent_ms(const struct snapshots *s, unsigned i);

/* A guest's state as virsh says it: running, paused, shut off, ... */
const char *guest_state_name(int state);

#endif
