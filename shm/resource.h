/*
 * The resource table: who owns each core, memory block and device, and where
 * a hand-over stands. Any node may change an entry, by compare-and-swap.
 */
#ifndef MINT_SHM_RESOURCE_H
#define MINT_SHM_RESOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "shm/region.h"

/* An entry as read by anyone. */
struct res_view {
	uint32_t kind, index, state, owner, peer, gen;
	uint32_t owner_epoch, peer_epoch;
	uint64_t base, size;
	uint64_t word;		/* the raw word, for res_move */
	char name[33];
};

int res_define(const struct mint_region *r, unsigned i, uint32_t kind, uint32_t index,
	    uint64_t base, uint64_t size, const char *name, unsigned owner);
int res_read(const struct mint_region *r, unsigned i, struct res_view *v);
int res_find(const struct mint_region *r, uint32_t kind, uint32_t index);
int res_find_name(const struct mint_region *r, uint32_t kind, const char *name);
void res_describe(const struct res_view *v, char *buf, size_t len);
int res_move(const struct mint_region *r, unsigned i, uint64_t *word, uint32_t state,
	    unsigned owner, unsigned peer, uint32_t owner_epoch, uint32_t peer_epoch);
const char *res_state_name(uint32_t state);
/*
 * The state an entry is in, for messages: "free", "owned by node 2", and with
 * with_peer, the other side of a move: "claiming by node 1 (with node 0)".
 */
void res_where(const struct res_view *v, int with_peer, char *buf, size_t len);
const char *res_kind_name(uint32_t kind);

#endif
