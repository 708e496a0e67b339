/*
 * The pool of large stream rings for bulk transfers (guest migration
 * streams): a node takes one for a transfer to a peer and puts it back.
 */
#ifndef MINT_SHM_STREAM_H
#define MINT_SHM_STREAM_H

#include <stdint.h>

#include "shm/region.h"

/* claim word: bits 0-7 state, 8-15 producer, 16-23 consumer, 32-63 generation */
#define STREAM_FREE	0
#define STREAM_TAKEN	1
#define STREAM_ABORTED	2	/* taken, and one end gave up: the other stops using it */
#define STREAM_CLAIM(state, from, to, gen) \
	((uint64_t)(state) | (uint64_t)(from) << 8 | (uint64_t)(to) << 16 | (uint64_t)(gen) << 32)
#define STREAM_CLAIM_FREE	STREAM_CLAIM(STREAM_FREE, 0xff, 0xff, 0)

int stream_take(const struct mint_region *r, unsigned from, unsigned to, unsigned *ring);
int stream_put(const struct mint_region *r, unsigned ring, unsigned from);
int stream_owner(const struct mint_region *r, unsigned ring, unsigned *from, unsigned *to);
uint64_t stream_claim(const struct mint_region *r, unsigned ring);
/* Is ring still held as claim said: taken, the same generation, neither end gave up? */
int stream_intact(const struct mint_region *r, unsigned ring, uint64_t claim);
/* Is ring taken, and neither end gave up on it? */
int stream_taken(const struct mint_region *r, unsigned ring);
/* Stream rings free to take now. */
unsigned stream_free_count(const struct mint_region *r);
int stream_abort(const struct mint_region *r, unsigned ring, uint64_t claim);

#endif
