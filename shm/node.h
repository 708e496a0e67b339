/*
 * The node table: each node's state, epoch, heartbeat and a status snapshot
 * under a seqlock. Only the node itself writes its entry.
 */
#ifndef MINT_SHM_NODE_H
#define MINT_SHM_NODE_H

#include <stdint.h>

#include "shm/region.h"

/* A node's entry as read by anyone. */
struct node_view {
	uint32_t state;
	uint32_t epoch;
	uint64_t heartbeat;
	uint32_t pid;
};

int node_attach(const struct mint_region *r, unsigned node, uint32_t state,
	    uint32_t pid, uint32_t *epoch);
int node_set_state(const struct mint_region *r, unsigned node, uint32_t state);
int node_set_bell(const struct mint_region *r, unsigned node, uint32_t bell);
uint32_t node_bell(const struct mint_region *r, unsigned node);
void node_heartbeat(const struct mint_region *r, unsigned node);
int node_read(const struct mint_region *r, unsigned node, struct node_view *v);
int node_publish_status(const struct mint_region *r, unsigned node, const void *buf,
	    uint32_t len);
int node_read_status(const struct mint_region *r, unsigned node, void *buf,
	    uint32_t cap, uint32_t *len);
const char *node_state_name(uint32_t state);

#endif
