/*
 * The guest RAM pool: memory every node maps, in extents of the resource
 * table (kind pool), so that whichever node runs a guest whose RAM is there
 * owns its extents, and a migration hands them over. An owned extent names
 * its guest; the name is written while the extent is claiming and cleared
 * while it is releasing, so a name read in the owned state is the owner's.
 */
#ifndef MINT_SHM_POOL_H
#define MINT_SHM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "shm/region.h"

struct pool_count {
	unsigned extents, free, held;	/* in the table, free, and held for the guest asked about */
	uint64_t bytes, free_bytes, held_bytes;
};

/* The pool's extents, and those owned by node for guest (NULL: none). */
void pool_count(const struct mint_region *r, unsigned node, const char *guest,
	    struct pool_count *c);
/*
 * Extents for bytes of guest's RAM, owned by node: those it holds already
 * count. -ENOSPC when the pool has too little free (nothing is kept then),
 * -ENAMETOOLONG for a name the table cannot hold, -ENOENT with no pool.
 */
int pool_claim(const struct mint_region *r, unsigned node, uint32_t epoch, const char *guest,
	    uint64_t bytes);
/* node's extents of guest become free; how many. */
int pool_release(const struct mint_region *r, unsigned node, uint32_t epoch, const char *guest);
/*
 * guest's extents owned by from become to's, one compare-and-swap each; how
 * many. from MINT_NO_NODE: whichever node owns them, or owned them when it
 * died (fenced).
 */
int pool_hand(const struct mint_region *r, unsigned from, unsigned to, uint32_t epoch,
	    const char *guest);

#endif
