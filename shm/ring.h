/*
 * Single-producer single-consumer record ring in the shared region.
 * A record is valid once its commit word (written last, with release) is
 * non-zero; the producer zeroes the word after each record before committing
 * it, so the consumer never mistakes old bytes for a record. The fast paths
 * are inline here; waiting, wrapping and validation failures are in ring.c.
 */
#ifndef MINT_SHM_RING_H
#define MINT_SHM_RING_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "shm/atomic.h"
#include "shm/doorbell.h"
#include "shm/layout.h"
#include "shm/region.h"

struct ring_tx {
	uint8_t *data;
	uint32_t mask;		/* data bytes - 1; the size is a power of two */
	uint32_t pos;		/* next write position, free-running */
	uint32_t stop;		/* the fast path writes up to here: min(limit, end of lap) */
	uint32_t len_lim;	/* largest payload + 1; 0 once the ring is damaged */
	uint64_t tag;		/* header bits of the next record: (seq << 16 | epoch) << 32 */
	uint32_t *rx_sleeping;	/* in the ring header: the consumer sleeps */
	uint32_t batch;		/* records per publication */
	uint32_t pending;	/* records in the unpublished batch */
	uint32_t resv_off;	/* offset of the reserved record */
	uint64_t *held;		/* header held back until the batch is published */
	uint64_t held_val;
	struct mint_ring *hdr;
	const struct doorbell *db;
	uint32_t limit;		/* consumer position + size - 8: the 8 keep the next header */
	uint32_t head;		/* consumer position last read */
	uint32_t epoch;
	uint32_t max_len;	/* largest payload */
	int err;		/* sticky: the ring is damaged */
	int64_t spin_ns;	/* busy-wait budget before sleeping */
	unsigned peer;		/* consumer node, for the doorbell */
};

struct ring_rx {
	uint8_t *data;
	uint32_t mask;		/* data size - 1 */
	uint32_t lim;		/* data size; 0 sends every record down the slow path */
	uint32_t pos;		/* next read position */
	uint32_t expect;	/* tag of the next record: seq << 16 | epoch */
	uint32_t publish_at;	/* give space back once pos passes this */
	uint32_t cur;		/* bytes of the record peek returned */
	uint32_t epoch;		/* full producer epoch of the records being read */
	uint32_t published;	/* position last stored in hdr->rx_pos */
	uint32_t publish_every;	/* bytes consumed between publications */
	uint32_t max_len;
	struct mint_ring *hdr;
	const struct doorbell *db;
	int synced;		/* expect is known (false until the first record) */
	int err;		/* sticky: the ring is damaged */
	int64_t spin_ns;
	unsigned peer;		/* producer node, for the doorbell */
	char why[112];		/* what was wrong, once err is set */
};

/* A record as the consumer sees it; data points into the ring. */
struct ring_rec {
	const void *data;
	uint32_t len;
	uint8_t type;
	uint16_t seq;
	uint32_t epoch;
};

#define RING_ALIGN(n)	(((n) + 7u) & ~7u)
#define RING_SPIN_NS	20000	/* default busy-wait before sleeping: 20 us */
#define RING_NAP_NS	1000000	/* a producer waiting for space looks again after 1 ms */
#define RING_STREAM_MIN	32768	/* ring_recv copies records this large past the cache */

/* The ring data of header h, as the trusted layout places it. */
int ring_locate(const struct mint_region *r, unsigned index, uint8_t **data,
	    uint32_t *size, char *cause, size_t causelen);

/* Open one side of ring index; db NULL: a polled ring (doorbell_polled), no wake-ups. */
int ring_tx_open(struct ring_tx *tx, const struct mint_region *r, unsigned index,
	    uint32_t epoch, const struct doorbell *db, char *cause, size_t causelen);
int ring_rx_open(struct ring_rx *rx, const struct mint_region *r, unsigned index,
	    const struct doorbell *db, char *cause, size_t causelen);
void ring_tx_set_batch(struct ring_tx *tx, uint32_t batch);
/* Busy-wait budget of the waits before they sleep; 0 sleeps at once (RING_SPIN_NS by default). */
void ring_tx_set_spin(struct ring_tx *tx, int64_t spin_ns);
void ring_rx_set_spin(struct ring_rx *rx, int64_t spin_ns);
/* Bytes written that the consumer has not given back yet: 0 once it read them all. */
uint32_t ring_tx_unread(const struct ring_tx *tx);

int ring_reserve_slow(struct ring_tx *tx, uint32_t len, void **payload);
int ring_send_slow(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len);
void ring_tx_publish(struct ring_tx *tx);
int ring_rx_peek_slow(struct ring_rx *rx);
void ring_rx_publish(struct ring_rx *rx);

int ring_tx_wait(struct ring_tx *tx, uint32_t len, int64_t timeout_ns);
int ring_rx_wait(struct ring_rx *rx, int64_t timeout_ns);
int ring_send_wait(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len,
	    int64_t timeout_ns);
int ring_recv_wait(struct ring_rx *rx, void *buf, uint32_t cap, uint8_t *type,
	    int64_t timeout_ns);
int ring_peek_wait(struct ring_rx *rx, struct ring_rec *rec, int64_t timeout_ns);
int ring_rx_arm(struct ring_rx *rx);
uint32_t ring_rx_backlog(const struct ring_rx *rx);
void ring_copy_stream(void *dst, const void *src, uint32_t len);
const char *ring_rx_error(const struct ring_rx *rx);

/* A record header as one word: commit in the low half, tag in the high half. */
#define RING_HDR(type, len, tag) \
	((uint64_t)(tag) << 32 | (uint32_t)(type) << 24 | (uint32_t)(len))

/* The largest payload one record of this ring may carry. */
static inline uint32_t
ring_tx_max_len(const struct ring_tx *tx)
{
	return tx->max_len;
}

/* Room for need bytes of record without leaving the fast path? */
static inline int
ring_tx_fits(const struct ring_tx *tx, uint32_t len, uint32_t need)
{
	/* stop keeps the record inside this lap of the ring and off unread data */
	return likely(len < tx->len_lim && (int32_t)(tx->stop - tx->pos - need) >= 0);
}

/*
 * Make the record with header h valid: zero the next header (next) first,
 * so the consumer stops there, then store this one (v) with release.
 */
static inline void
ring_tx_finish(struct ring_tx *tx, uint64_t *h, uint64_t *next, uint64_t v)
{
	*next = 0;
	if (tx->batch > 1) {
		if (tx->held == NULL) {
			tx->held = h;
			tx->held_val = v;
		} else {
			store_release(h, v);
		}
		if (++tx->pending >= tx->batch)
			ring_tx_publish(tx);
		return;
	}
	store_release(h, v);
	/* Dekker with a consumer going to sleep: our header before its flag */
	full_fence();
	if (unlikely(load_relaxed(tx->rx_sleeping)))
		ring_tx_publish(tx);
}

/*
 * Reserve room for a payload of len bytes; *payload points at it. Returns 0,
 * -EAGAIN while the ring is full, -EMSGSIZE if len can never fit.
 */
static inline int
ring_reserve(struct ring_tx *tx, uint32_t len, void **payload)
{
	if (unlikely(!ring_tx_fits(tx, len, RING_ALIGN(len + 8))))
		return ring_reserve_slow(tx, len, payload);
	tx->resv_off = tx->pos & tx->mask;
	*payload = tx->data + tx->resv_off + 8;
	return 0;
}

/*
 * Commit the reserved record with its type (1..MINT_REC_TYPE_MAX) and real
 * length (at most the reserved one). Batched rings publish every tx->batch
 * records; others publish each at once.
 */
static inline void
ring_commit(struct ring_tx *tx, uint8_t type, uint32_t len)
{
	uint32_t need = RING_ALIGN(len + 8), off = tx->resv_off;
	uint64_t v = tx->tag | (uint32_t)type << 24 | len;

	tx->pos += need;
	tx->tag += 1ull << 48;
	ring_tx_finish(tx, (uint64_t *)(tx->data + off),
	    (uint64_t *)(tx->data + ((off + need) & tx->mask)), v);
}

/* Copy a record in: 0, -EAGAIN (full), -EMSGSIZE or a ring error. */
static inline int
ring_send(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len)
{
	uint32_t need = RING_ALIGN(len + 8), off = tx->pos & tx->mask;
	uint64_t v = tx->tag | (uint32_t)type << 24 | len, *h, *next;

	if (unlikely(!ring_tx_fits(tx, len, need)))
		return ring_send_slow(tx, type, buf, len);
	tx->pos += need;
	tx->tag += 1ull << 48;
	memcpy(tx->data + off + 8, buf, len);
	h = (uint64_t *)(tx->data + off);
	next = (uint64_t *)(tx->data + ((off + need) & tx->mask));
	ring_tx_finish(tx, h, next, v);
	return 0;
}

/*
 * Look at the next record without consuming it: 0, -EAGAIN (empty), or
 * -EBADMSG when the ring is damaged (see ring_rx_error); the error sticks.
 */
static inline int
ring_peek(struct ring_rx *rx, struct ring_rec *rec)
{
	for (;;) {
		uint32_t off = rx->pos & rx->mask;
		uint64_t h = load_acquire((uint64_t *)(rx->data + off));
		uint32_t c = (uint32_t)h, need = RING_ALIGN((c & MINT_REC_LEN_MAX) + 8);
		int rc;

		/* type 1..0xfe, the tag due next, inside the ring (lim is 0 off the fast path) */
		if (likely(c - 0x01000000u < 0xfe000000u && (uint32_t)(h >> 32) == rx->expect &&
		    off + need <= rx->lim)) {
			rec->data = rx->data + off + 8;
			rec->len = c & MINT_REC_LEN_MAX;
			rec->type = (uint8_t)(c >> 24);
			rec->seq = (uint16_t)(rx->expect >> 16);
			rec->epoch = rx->epoch;
			rx->cur = need;
			return 0;
		}
		/* pads, the first record, a new epoch: settled there, then retried here */
		if ((rc = ring_rx_peek_slow(rx)) < 0)
			return rc;
	}
}

/* Consume the record that peek returned; the space goes back in batches. */
static inline void
ring_release(struct ring_rx *rx)
{
	rx->pos += rx->cur;
	rx->expect += 0x10000;
	if (unlikely((int32_t)(rx->pos - rx->publish_at) >= 0))
		ring_rx_publish(rx);
}

/* Copy the next record out: its length, -EAGAIN, -EMSGSIZE (buf too small). */
static inline int
ring_recv(struct ring_rx *rx, void *buf, uint32_t cap, uint8_t *type)
{
	struct ring_rec rec;
	uint32_t pos, expect;
	int rc = ring_peek(rx, &rec);

	if (unlikely(rc < 0))
		return rc;
	if (unlikely(rec.len > cap))
		return -EMSGSIZE;
	/* before the copy, which the compiler must assume may write to *rx */
	pos = rx->pos + rx->cur;
	expect = rx->expect + 0x10000;
	if (unlikely(rec.len >= RING_STREAM_MIN)) {
		ring_copy_stream(buf, rec.data, rec.len);
	} else {
		size_t n = rec.len;

		/* hide the bound cap puts on n: gcc would copy with a slow "rep movs" */
		__asm__("" : "+r"(n));
		memcpy(buf, rec.data, n);
	}
	if (type != NULL)
		*type = rec.type;
	rx->pos = pos;
	rx->expect = expect;
	if (unlikely((int32_t)(pos - rx->publish_at) >= 0))
		ring_rx_publish(rx);
	return (int)rec.len;
}

#endif
