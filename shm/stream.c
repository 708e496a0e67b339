/* Taking and returning stream rings; the claim word changes by CAS only. */
#include <errno.h>

#include "shm/atomic.h"
#include "shm/stream.h"

/*
 * Take a free stream ring for from -> to and reset it; *ring is its header
 * index, to open with ring_tx_open/ring_rx_open. -EBUSY if all are taken.
 */
int
stream_take(const struct mint_region *r, unsigned from, unsigned to, unsigned *ring)
{
	const struct mint_layout *l = &r->layout;

	if (from >= l->nodes || to >= l->nodes || from == to)
		return -EINVAL;
	for (unsigned i = 0; i < l->stream_count; i++) {
		unsigned idx = l->ring_count + i;
		struct mint_ring *h = region_ring_hdr(r, idx);
		uint64_t w = load_acquire(&h->claim);
		uint8_t *data = r->base + l->stream_area.off + (uint64_t)i * l->stream_data;

		if ((w & 0xff) != STREAM_FREE)
			continue;
		if (!__atomic_compare_exchange_n(&h->claim, &w,
		    STREAM_CLAIM(STREAM_TAKEN, from, to, (w >> 32) + 1), 0,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		/* ours now: start empty; old bytes lie behind a zero commit word */
		store_relaxed((uint64_t *)data, 0);
		h->from = from;
		h->to = to;
		store_relaxed(&h->tx_sleeping, 0);
		store_relaxed(&h->rx_sleeping, 0);
		store_release(&h->rx_pos, 0);
		*ring = idx;
		return 0;
	}
	return -EBUSY;
}

/* Return a stream ring; only its producer may, once both ends are done. */
int
stream_put(const struct mint_region *r, unsigned ring, unsigned from)
{
	const struct mint_layout *l = &r->layout;
	struct mint_ring *h;
	uint64_t w;

	if (ring < l->ring_count || ring - l->ring_count >= l->stream_count)
		return -EINVAL;
	h = region_ring_hdr(r, ring);
	w = load_acquire(&h->claim);
	if (((w & 0xff) != STREAM_TAKEN && (w & 0xff) != STREAM_ABORTED) || ((w >> 8) & 0xff) != from)
		return -EPERM;
	if (!__atomic_compare_exchange_n(&h->claim, &w,
	    STREAM_CLAIM(STREAM_FREE, 0xff, 0xff, (w >> 32) + 1), 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	return 0;
}

/* The claim word of a stream ring (0 for an index outside the pool). */
uint64_t
stream_claim(const struct mint_region *r, unsigned ring)
{
	const struct mint_layout *l = &r->layout;

	if (ring < l->ring_count || ring - l->ring_count >= l->stream_count)
		return 0;
	return load_acquire(&region_ring_hdr(r, ring)->claim);
}

int
stream_intact(const struct mint_region *r, unsigned ring, uint64_t claim)
{
	return (claim & 0xff) == STREAM_TAKEN && stream_claim(r, ring) == claim;
}

int
stream_taken(const struct mint_region *r, unsigned ring)
{
	return (stream_claim(r, ring) & 0xff) == STREAM_TAKEN;
}

unsigned
stream_free_count(const struct mint_region *r)
{
	const struct mint_layout *l = &r->layout;
	unsigned n = 0;

	for (unsigned i = 0; i < l->stream_count; i++)
		n += (stream_claim(r, l->ring_count + i) & 0xff) == STREAM_FREE;
	return n;
}

/*
 * Either end gives up on a ring it holds with the claim word it saw: the
 * other end sees the word change and stops. -ESTALE if it changed already.
 */
int
stream_abort(const struct mint_region *r, unsigned ring, uint64_t claim)
{
	const struct mint_layout *l = &r->layout;
	uint64_t w = claim;

	if (ring < l->ring_count || ring - l->ring_count >= l->stream_count)
		return -EINVAL;
	if ((claim & 0xff) != STREAM_TAKEN)
		return -ESTALE;
	if (!__atomic_compare_exchange_n(&region_ring_hdr(r, ring)->claim, &w,
	    (claim & ~0xffull) | STREAM_ABORTED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return -ESTALE;
	return 0;
}

/* Who holds stream ring ring (taken or aborted): -ENOENT if it is free. */
int
stream_owner(const struct mint_region *r, unsigned ring, unsigned *from, unsigned *to)
{
	const struct mint_layout *l = &r->layout;
	uint64_t w;

	if (ring < l->ring_count || ring - l->ring_count >= l->stream_count)
		return -EINVAL;
	w = load_acquire(&region_ring_hdr(r, ring)->claim);
	if ((w & 0xff) != STREAM_TAKEN && (w & 0xff) != STREAM_ABORTED)
		return -ENOENT;
	*from = (w >> 8) & 0xff;
	*to = (w >> 16) & 0xff;
	if (*from >= l->nodes || *to >= l->nodes)
		return -EBADMSG;
	return 0;
}
