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
	struct mint_ring *hdr;
	const struct doorbell *db;
	uint32_t mask;		/* data size - 1 */
	uint32_t pos;		/* next write position, free-running */
	uint32_t head;		/* consumer position last read */
	uint32_t seq;		/* sequence number of the next record */
	uint32_t tagbase;	/* epoch << 16 */
	uint32_t epoch;
	uint32_t max_len;	/* largest payload */
	uint32_t batch;		/* records per publication */
	uint32_t pending;	/* records in the unpublished batch */
	uint32_t *held;		/* commit word held back until the batch is published */
	uint32_t held_val;
	uint32_t resv_off;	/* offset of the reserved record */
	int64_t spin_ns;	/* busy-wait budget before sleeping */
	unsigned peer;		/* consumer node, for the doorbell */
	int err;		/* sticky: the ring is damaged */
};

struct ring_rx {
	uint8_t *data;
	struct mint_ring *hdr;
	const struct doorbell *db;
	uint32_t mask;
	uint32_t pos;		/* next read position */
	uint32_t published;	/* position last stored in hdr->rx_pos */
	uint32_t publish_every;	/* bytes consumed between publications */
	uint32_t expect;	/* tag of the next record: epoch << 16 | seq */
	uint32_t epoch;		/* full producer epoch of the records being read */
	uint32_t max_len;
	uint32_t cur;		/* bytes of the record peek returned, 0: none */
	int synced;		/* expect is known (false until the first record) */
	int slow;		/* !synced or err: the fast path must not run */
	int64_t spin_ns;
	unsigned peer;		/* producer node, for the doorbell */
	int err;		/* sticky: the ring is damaged */
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

/* The ring data of header h, as the trusted layout places it. */
int ring_locate(const struct mint_region *r, unsigned index, uint8_t **data,
	    uint32_t *size, char *cause, size_t causelen);

int ring_tx_open(struct ring_tx *tx, const struct mint_region *r, unsigned index,
	    uint32_t epoch, const struct doorbell *db, char *cause, size_t causelen);
int ring_rx_open(struct ring_rx *rx, const struct mint_region *r, unsigned index,
	    const struct doorbell *db, char *cause, size_t causelen);
void ring_tx_set_batch(struct ring_tx *tx, uint32_t batch);

int ring_reserve_slow(struct ring_tx *tx, uint32_t len, void **payload);
void ring_tx_publish(struct ring_tx *tx);
int ring_rx_peek_slow(struct ring_rx *rx, struct ring_rec *rec);
void ring_rx_publish(struct ring_rx *rx);

int ring_tx_wait(struct ring_tx *tx, uint32_t len, int64_t timeout_ns);
int ring_rx_wait(struct ring_rx *rx, int64_t timeout_ns);
int ring_send_wait(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len,
	    int64_t timeout_ns);
int ring_recv_wait(struct ring_rx *rx, void *buf, uint32_t cap, uint8_t *type,
	    int64_t timeout_ns);
uint32_t ring_rx_backlog(const struct ring_rx *rx);
const char *ring_rx_error(const struct ring_rx *rx);

/*
 * Reserve room for a payload of len bytes; *payload points at it. Returns 0,
 * -EAGAIN while the ring is full, -EMSGSIZE if len can never fit.
 */
static inline int
ring_reserve(struct ring_tx *tx, uint32_t len, void **payload)
{
	uint32_t need = RING_ALIGN(len + 8), off = tx->pos & tx->mask;

	if (unlikely(len > tx->max_len || need > tx->mask + 1 - off ||
	    tx->pos - tx->head + need + 8 > tx->mask + 1 || tx->err))
		return ring_reserve_slow(tx, len, payload);
	tx->resv_off = off;
	*payload = tx->data + off + 8;
	return 0;
}

/*
 * Commit the reserved record with its type (1..MINT_REC_TYPE_MAX) and real
 * length (<= the reserved one). Batched rings publish every tx->batch records.
 */
static inline void
ring_commit(struct ring_tx *tx, uint8_t type, uint32_t len)
{
	uint8_t *p = tx->data + tx->resv_off;
	uint32_t need = RING_ALIGN(len + 8);
	uint32_t *commit = (uint32_t *)p;

	((uint32_t *)p)[1] = tx->tagbase | (tx->seq & 0xffff);
	/* the next record's commit word must read 0 before this one is valid */
	*(uint32_t *)(tx->data + ((tx->resv_off + need) & tx->mask)) = 0;
	tx->pos += need;
	tx->seq++;
	if (tx->batch > 1) {
		if (tx->held == NULL) {
			tx->held = commit;
			tx->held_val = (uint32_t)type << 24 | len;
		} else {
			store_release(commit, (uint32_t)type << 24 | len);
		}
		if (++tx->pending >= tx->batch)
			ring_tx_publish(tx);
		return;
	}
	/* release: the payload and the zeroed next word are visible first */
	store_release(commit, (uint32_t)type << 24 | len);
	full_fence();
	if (unlikely(load_relaxed(&tx->hdr->rx_sleeping)))
		ring_tx_publish(tx);
}

/* Copy a record in: 0, -EAGAIN (full), -EMSGSIZE or a ring error. */
static inline int
ring_send(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len)
{
	void *p;
	int rc = ring_reserve(tx, len, &p);

	if (unlikely(rc < 0))
		return rc;
	memcpy(p, buf, len);
	ring_commit(tx, type, len);
	return 0;
}

/*
 * Look at the next record without consuming it: 0, -EAGAIN (empty), or
 * -EBADMSG when the ring is damaged (see ring_rx_error); the error sticks.
 */
static inline int
ring_peek(struct ring_rx *rx, struct ring_rec *rec)
{
	uint32_t off = rx->pos & rx->mask;
	uint32_t c = load_acquire((uint32_t *)(rx->data + off));
	uint32_t len = c & MINT_REC_LEN_MAX;

	if (unlikely(c == 0 || (c >> 24) == MINT_REC_TYPE_PAD ||
	    ((uint32_t *)(rx->data + off))[1] != rx->expect ||
	    len > rx->max_len || RING_ALIGN(len + 8) > rx->mask + 1 - off || rx->slow))
		return ring_rx_peek_slow(rx, rec);
	rec->data = rx->data + off + 8;
	rec->len = len;
	rec->type = (uint8_t)(c >> 24);
	rec->seq = (uint16_t)rx->expect;
	rec->epoch = rx->epoch;
	rx->cur = RING_ALIGN(len + 8);
	return 0;
}

/* Consume the record that peek returned; the space goes back in batches. */
static inline void
ring_release(struct ring_rx *rx)
{
	rx->pos += rx->cur;
	rx->cur = 0;
	rx->expect = (rx->expect & 0xffff0000u) | ((rx->expect + 1) & 0xffff);
	if (unlikely(rx->pos - rx->published >= rx->publish_every ||
	    load_relaxed(&rx->hdr->tx_sleeping)))
		ring_rx_publish(rx);
}

/* Copy the next record out: its length, -EAGAIN, -EMSGSIZE (buf too small). */
static inline int
ring_recv(struct ring_rx *rx, void *buf, uint32_t cap, uint8_t *type)
{
	struct ring_rec rec;
	int rc = ring_peek(rx, &rec);

	if (unlikely(rc < 0))
		return rc;
	if (unlikely(rec.len > cap))
		return -EMSGSIZE;
	memcpy(buf, rec.data, rec.len);
	if (type != NULL)
		*type = rec.type;
	ring_release(rx);
	return (int)rec.len;
}

#endif
