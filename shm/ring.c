/*
 * Ring slow paths: opening a ring (and recovering the producer position after
 * a restart), wrapping, waiting, waking, and validating what the fast path
 * would not take.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/cause.h"
#include "shm/ring.h"

/* Where ring header index's data is, by the trusted layout, never by the region. */
int
ring_locate(const struct mint_region *r, unsigned index, uint8_t **data, uint32_t *size,
    char *cause, size_t len)
{
	const struct mint_layout *l = &r->layout;

	if (index < l->ring_count) {
		*data = r->base + l->ring_area.off + (uint64_t)index * l->ring_data;
		*size = l->ring_data;
	} else if (index - l->ring_count < l->stream_count) {
		*data = r->base + l->stream_area.off +
		    (uint64_t)(index - l->ring_count) * l->stream_data;
		*size = l->stream_data;
	} else {
		return cause_fail(cause, len, -ENOENT, "no ring %u in this region (%" PRIu32
		    " pair rings, %" PRIu32 " stream rings)", index, l->ring_count,
		    l->stream_count);
	}
	return 0;
}

static uint32_t
max_payload(uint32_t size)
{
	/* half the ring, so an empty ring always takes one, even after a pad */
	uint32_t m = size / 2 - 8;

	return m > MINT_REC_LEN_MAX ? MINT_REC_LEN_MAX : m;
}

/* Length in bytes of the record or pad whose commit word is c at offset off. */
static uint32_t
rec_span(uint32_t c, uint32_t off, uint32_t size)
{
	return (c >> 24) == MINT_REC_TYPE_PAD ? size - off : RING_ALIGN((c & MINT_REC_LEN_MAX) + 8);
}

/* The fast path's bound: no further than the consumer allows, nor past this lap. */
static void
tx_update_stop(struct ring_tx *tx)
{
	uint32_t lap_end = (tx->pos | tx->mask) + 1;

	tx->stop = (int32_t)(tx->limit - lap_end) < 0 ? tx->limit : lap_end;
}

static void
tx_set_head(struct ring_tx *tx, uint32_t head)
{
	tx->head = head;
	tx->limit = head + tx->mask + 1 - 8;
	tx_update_stop(tx);
}

static int
tx_broken(struct ring_tx *tx)
{
	tx->len_lim = 0;	/* every reserve now takes the slow path */
	return tx->err = -EBADMSG;
}

/*
 * Open the producer side. Records already committed stay: the producer
 * resumes after the last one, found by walking from the consumer position.
 */
int
ring_tx_open(struct ring_tx *tx, const struct mint_region *r, unsigned index,
    uint32_t epoch, const struct doorbell *db, char *cause, size_t len)
{
	struct mint_ring *h = region_ring_hdr(r, index);
	uint32_t size, head, p, off, c, n;
	int rc;

	memset(tx, 0, sizeof(*tx));
	if ((rc = ring_locate(r, index, &tx->data, &size, cause, len)) < 0)
		return rc;
	tx->hdr = h;
	tx->db = db != NULL ? db : &doorbell_polled;
	tx->mask = size - 1;
	tx->max_len = max_payload(size);
	tx->len_lim = tx->max_len + 1;
	tx->batch = 1;
	tx->spin_ns = RING_SPIN_NS;
	tx->peer = h->to;
	tx->rx_sleeping = &h->rx_sleeping;
	head = load_acquire(&h->rx_pos);
	if ((head & 7) != 0)
		return cause_fail(cause, len, -EBADMSG, "ring %u: consumer position %" PRIu32
		    " is not record-aligned; the ring must be reset", index, head);
	p = head;
	for (;;) {
		off = p & (size - 1);
		c = (uint32_t)load_acquire((uint64_t *)(tx->data + off));
		if (c == 0)
			break;
		n = rec_span(c, off, size);
		if ((c >> 24) == 0 || (off & 7) != 0 || n > size - off || p - head + n + 8 > size)
			return cause_fail(cause, len, -EBADMSG, "ring %u: committed records do not"
			    " chain from the consumer position %" PRIu32 " (bad record at %" PRIu32
			    "); the ring must be reset", index, head, off);
		p += n;
	}
	tx->pos = p;
	tx_set_head(tx, head);
	tx->epoch = epoch;
	tx->tag = (uint64_t)(epoch & 0xffff) << 32;	/* seq 0 */
	/* before our first record: the consumer checks a new epoch against it */
	store_release(&h->tx_epoch, epoch);
	return 0;
}

/* Open the consumer side at the published position; the first record sets the pace. */
int
ring_rx_open(struct ring_rx *rx, const struct mint_region *r, unsigned index,
    const struct doorbell *db, char *cause, size_t len)
{
	struct mint_ring *h = region_ring_hdr(r, index);
	uint32_t size;
	int rc;

	memset(rx, 0, sizeof(*rx));
	if ((rc = ring_locate(r, index, &rx->data, &size, cause, len)) < 0)
		return rc;
	rx->hdr = h;
	rx->db = db != NULL ? db : &doorbell_polled;
	rx->mask = size - 1;
	rx->lim = 0;		/* slow path until the first record is seen */
	rx->max_len = max_payload(size);
	rx->publish_every = size / 8;
	rx->spin_ns = RING_SPIN_NS;
	rx->peer = h->from;
	rx->pos = rx->published = load_acquire(&h->rx_pos);
	rx->publish_at = rx->pos + rx->publish_every;
	rx->epoch = load_acquire(&h->tx_epoch);
	if ((rx->pos & 7) != 0)
		return cause_fail(cause, len, -EBADMSG, "ring %u: consumer position %" PRIu32
		    " is not record-aligned; the ring must be reset", index, rx->pos);
	return 0;
}

/* Records per publication: 1 publishes each record, more amortise the cost. */
void
ring_tx_set_batch(struct ring_tx *tx, uint32_t batch)
{
	ring_tx_publish(tx);
	tx->batch = batch ? batch : 1;
}

void
ring_tx_set_spin(struct ring_tx *tx, int64_t spin_ns)
{
	tx->spin_ns = spin_ns;
}

void
ring_rx_set_spin(struct ring_rx *rx, int64_t spin_ns)
{
	rx->spin_ns = spin_ns;
}

uint32_t
ring_tx_unread(const struct ring_tx *tx)
{
	/*
	 * Acquire pairs with the consumer's release of rx_pos after its reads.
	 * The peer's word, unchecked: a position past ours reads as a huge count,
	 * which a caller waiting for 0 waits out with its deadline.
	 */
	return tx->pos - load_acquire(&tx->hdr->rx_pos);
}

/* Make every committed record visible and wake a sleeping consumer. */
void
ring_tx_publish(struct ring_tx *tx)
{
	struct mint_ring *h = tx->hdr;

	if (tx->held != NULL) {
		store_release(tx->held, tx->held_val);
		tx->held = NULL;
	}
	tx->pending = 0;
	/* Dekker with ring_rx_wait: our header before their flag, or they see it */
	full_fence();
	if (load_relaxed(&h->rx_sleeping) &&
	    __atomic_exchange_n(&h->rx_sleeping, 0, __ATOMIC_ACQ_REL)) {
		__atomic_fetch_add(&h->rx_bell, 1, __ATOMIC_RELEASE);
		tx->db->ops->ring(tx->db, &h->rx_bell, tx->peer);
	}
}

static int
tx_refresh_head(struct ring_tx *tx)
{
	uint32_t head = load_acquire(&tx->hdr->rx_pos);

	/* the consumer may only move forward, and never past what we wrote */
	if (head - tx->head > tx->pos - tx->head || (head & 7) != 0)
		return tx_broken(tx);
	tx_set_head(tx, head);
	return 0;
}

/* Reserve when the fast path could not: wrap with a pad record, refresh the head. */
int
ring_reserve_slow(struct ring_tx *tx, uint32_t len, void **payload)
{
	uint32_t size = tx->mask + 1, need, off, pad = 0, tot;
	uint64_t *w;

	if (tx->err)
		return tx->err;
	if (len > tx->max_len)
		return -EMSGSIZE;
	need = RING_ALIGN(len + 8);
	/* a new lap may have begun since stop was set */
	tx_update_stop(tx);
	if (ring_tx_fits(tx, len, need))
		return ring_reserve(tx, len, payload);
	off = tx->pos & (size - 1);
	if (need > size - off)
		pad = size - off;
	tot = pad + need;
	if (tx->pos - tx->head + tot + 8 > size) {
		if (tx_refresh_head(tx) < 0)
			return tx->err;
		if (tx->pos - tx->head + tot + 8 > size) {
			/* a held batch would leave the consumer nothing to free space with */
			if (tx->held != NULL)
				ring_tx_publish(tx);
			return -EAGAIN;
		}
	}
	if (pad) {
		/* a pad to the end: the record goes to offset 0, whose header reads 0 first */
		w = (uint64_t *)(tx->data + off);
		*(uint64_t *)tx->data = 0;
		if (tx->batch > 1 && tx->held == NULL) {
			tx->held = w;
			tx->held_val = tx->tag | MINT_REC_TYPE_PAD << 24 | (pad - 8);
		} else {
			store_release(w, tx->tag | MINT_REC_TYPE_PAD << 24 | (pad - 8));
		}
		tx->pos += pad;
		tx_update_stop(tx);
		off = 0;
	}
	tx->resv_off = off;
	*payload = tx->data + off + 8;
	return 0;
}

/* ring_send when the fast path could not: wrap, refresh the head, or refuse. */
int
ring_send_slow(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len)
{
	void *p;
	int rc = ring_reserve_slow(tx, len, &p);

	if (rc < 0)
		return rc;
	memcpy(p, buf, len);
	ring_commit(tx, type, len);
	return 0;
}

static void
rx_wake_producer(struct ring_rx *rx)
{
	struct mint_ring *h = rx->hdr;

	if (__atomic_exchange_n(&h->tx_sleeping, 0, __ATOMIC_ACQ_REL)) {
		__atomic_fetch_add(&h->tx_bell, 1, __ATOMIC_RELEASE);
		rx->db->ops->ring(rx->db, &h->tx_bell, rx->peer);
	}
}

/*
 * The consumer found the ring empty: give the space back without a fence,
 * which would cost every idle moment. A producer that went to sleep just
 * before this store sees it within RING_NAP_NS (see ring_tx_wait).
 */
static void
rx_give_back(struct ring_rx *rx)
{
	if (rx->pos != rx->published) {
		store_release(&rx->hdr->rx_pos, rx->pos);
		rx->published = rx->pos;
		rx->publish_at = rx->pos + rx->publish_every;
	}
	if (unlikely(load_relaxed(&rx->hdr->tx_sleeping)))
		ring_rx_publish(rx);
}

static int
rx_fail(struct ring_rx *rx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
rx_fail(struct ring_rx *rx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rx->why, sizeof(rx->why), fmt, ap);
	va_end(ap);
	rx->lim = 0;
	return rx->err = -EBADMSG;
}

/*
 * Everything the fast path would not take: empty ring, pad records, the
 * first record after opening, a producer's new epoch, and damage. Returns 0
 * once the record at rx->pos will pass the fast path.
 */
int
ring_rx_peek_slow(struct ring_rx *rx)
{
	uint32_t size = rx->mask + 1, off, c, tag, len, type, ep;
	uint64_t h;

	if (rx->err)
		return rx->err;
	for (int pads = 0;; pads++) {
		off = rx->pos & rx->mask;
		h = load_acquire((uint64_t *)(rx->data + off));
		c = (uint32_t)h;
		tag = (uint32_t)(h >> 32);
		if (c == 0) {
			rx_give_back(rx);
			return -EAGAIN;
		}
		type = c >> 24;
		len = c & MINT_REC_LEN_MAX;
		if (type == 0)
			return rx_fail(rx, "record type 0 at offset %" PRIu32, off);
		if (type == MINT_REC_TYPE_PAD) {
			if (pads > 0 || off == 0 || len + 8 != size - off)
				return rx_fail(rx, "pad of %" PRIu32 " bytes at offset %" PRIu32
				    " does not end the ring", len, off);
		} else if (RING_ALIGN(len + 8) > size - off) {
			return rx_fail(rx, "record of %" PRIu32 " bytes at offset %" PRIu32
			    " runs past the end of the ring", len, off);
		}
		if (tag != rx->expect) {
			if (!rx->synced) {
				/* first record since opening: take its place in the sequence */
				rx->expect = tag;
			} else if ((tag & 0xffff) != (rx->expect & 0xffff)) {
				/*
				 * A restarted producer: its epoch lies after ours and not after
				 * the latest one announced (more restarts may have followed).
				 */
				ep = load_acquire(&rx->hdr->tx_epoch);
				ep -= (ep - tag) & 0xffff;
				if ((int32_t)(ep - rx->epoch) <= 0 || (tag >> 16) != 0)
					return rx_fail(rx, "record of epoch %" PRIu32 " seq %" PRIu32
					    " at offset %" PRIu32 "; expected epoch %" PRIu32 " seq %"
					    PRIu32 " or a new epoch from seq 0", tag & 0xffff, tag >> 16,
					    off, rx->expect & 0xffff, rx->expect >> 16);
				rx->epoch = ep;
				rx->expect = tag;
			} else {
				return rx_fail(rx, "sequence break at offset %" PRIu32 ": expected %"
				    PRIu32 ", found %" PRIu32 " (lost, repeated or reordered record)",
				    off, rx->expect >> 16, tag >> 16);
			}
		}
		if (!rx->synced && (rx->epoch & 0xffff) != (tag & 0xffff)) {
			/* opened behind records of an older epoch: its full value, near enough */
			ep = load_acquire(&rx->hdr->tx_epoch);
			rx->epoch = ep - ((ep - tag) & 0xffff);
		}
		rx->synced = 1;
		rx->lim = size;
		if (type != MINT_REC_TYPE_PAD)
			return 0;
		rx->pos += size - off;
	}
}

/* Give consumed space back to the producer and wake it if it waits for space. */
void
ring_rx_publish(struct ring_rx *rx)
{
	struct mint_ring *h = rx->hdr;

	store_release(&h->rx_pos, rx->pos);
	rx->published = rx->pos;
	rx->publish_at = rx->pos + rx->publish_every;
	/* Dekker with ring_tx_wait: our position before their flag, or they see it */
	full_fence();
	if (load_relaxed(&h->tx_sleeping))
		rx_wake_producer(rx);
}

/* Bytes committed and visible but not yet consumed (an estimate, for status). */
uint32_t
ring_rx_backlog(const struct ring_rx *rx)
{
	uint32_t n = 0, p = rx->pos, size = rx->mask + 1, off, c;

	while (n < size) {
		off = p & rx->mask;
		c = (uint32_t)load_acquire((uint64_t *)(rx->data + off));
		if (c == 0 || (c >> 24) == 0)
			break;
		off = rec_span(c, off, size);
		n += off;
		p += off;
	}
	return n;
}

/*
 * Copy a large record out with non-temporal stores: the destination of bulk
 * data is rarely read again soon, and plain stores would first read every
 * destination line from memory (a third of the DRAM traffic of a copy).
 */
void
ring_copy_stream(void *dst, const void *src, uint32_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
#ifdef __SSE2__
	uint32_t head = (uint32_t)(-(uintptr_t)d & 15);

	memcpy(d, s, head);
	d += head;
	s += head;
	len -= head;
	for (; len >= 64; d += 64, s += 64, len -= 64) {
		__m128i a = _mm_loadu_si128((const __m128i *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
		__m128i e = _mm_loadu_si128((const __m128i *)(s + 48));
		_mm_stream_si128((__m128i *)d, a);
		_mm_stream_si128((__m128i *)(d + 16), b);
		_mm_stream_si128((__m128i *)(d + 32), c);
		_mm_stream_si128((__m128i *)(d + 48), e);
	}
	/* streaming stores are weakly ordered: make them visible like plain ones */
	_mm_sfence();
#endif
	memcpy(d, s, len);
}

const char *
ring_rx_error(const struct ring_rx *rx)
{
	return rx->err ? rx->why : "no error";
}

/* What a side waits for, and where it sleeps. */
struct waiter {
	int (*ready)(struct waiter *w);	/* 1: done, 0: not yet, < 0: error */
	void (*before_sleep)(struct waiter *w);
	uint32_t *sleeping;	/* our flag in the ring header */
	uint32_t *bell;		/* the word the other side bumps */
	const struct doorbell *db;
	int64_t spin_ns;
	int64_t nap_ns;		/* longest single sleep, < 0: none */
	void *side;		/* the ring_tx or ring_rx */
	uint32_t need;
};

/*
 * Spin for the budget, then sleep on the bell with our flag raised. The
 * clock is first read after some spins: a peer that answers at once costs
 * no clock read. Returns 0, -ETIMEDOUT, or the error ready reported.
 */
static int
wait_for(struct waiter *w, int64_t timeout_ns)
{
	int64_t start = 0, now = 0, left;
	uint32_t bell;
	unsigned n = 0;
	int rc;

	for (;;) {
		if ((rc = w->ready(w)) != 0)
			return rc < 0 ? rc : 0;
		/* a spin budget of 0 means: sleep at once */
		if (w->spin_ns > 0 && (++n < 64 || (n & 63) != 0)) {
			cpu_relax();
			continue;
		}
		now = doorbell_now_ns();
		if (start == 0)
			start = now;
		if (now - start < w->spin_ns)
			continue;
		left = timeout_ns < 0 ? -1 : timeout_ns - (now - start);
		if (timeout_ns >= 0 && left <= 0)
			return -ETIMEDOUT;
		if (w->nap_ns >= 0 && (left < 0 || left > w->nap_ns))
			left = w->nap_ns;
		if (w->before_sleep != NULL)
			w->before_sleep(w);
		bell = load_acquire(w->bell);
		store_relaxed(w->sleeping, 1);
		/* Dekker: our flag before the other side's next check, or we see its work */
		full_fence();
		if ((rc = w->ready(w)) == 0) {
			rc = w->db->ops->wait(w->db, w->bell, bell, left);
			if (rc == -ETIMEDOUT)
				rc = 0;		/* the clock above decides */
		}
		store_relaxed(w->sleeping, 0);
		if (rc < 0)
			return rc;
		if (rc > 0)
			return 0;
	}
}

static int
tx_space_ready(struct waiter *w)
{
	struct ring_tx *tx = w->side;

	if (tx_refresh_head(tx) < 0)
		return tx->err;
	return tx->pos - tx->head + w->need + 8 <= tx->mask + 1;
}

/*
 * Wait until len bytes fit: spin for the budget, then sleep on the doorbell.
 * 0 when they fit, -ETIMEDOUT, or a ring error. The sleeps last at most
 * RING_NAP_NS, since a consumer gives space back without waking anybody.
 */
int
ring_tx_wait(struct ring_tx *tx, uint32_t len, int64_t timeout_ns)
{
	struct waiter w = {
		tx_space_ready, NULL, &tx->hdr->tx_sleeping, &tx->hdr->tx_bell, tx->db,
		tx->spin_ns, RING_NAP_NS, tx, RING_ALIGN(len + 8)
	};
	uint32_t off = tx->pos & tx->mask;

	if (len > tx->max_len)
		return -EMSGSIZE;
	if (tx->held != NULL)
		ring_tx_publish(tx);
	/* the worst case: a pad up to the end, then the record */
	if (off + w.need > tx->mask + 1)
		w.need += tx->mask + 1 - off;
	return wait_for(&w, timeout_ns);
}

static int
rx_data_ready(struct waiter *w)
{
	struct ring_rx *rx = w->side;

	if (rx->err)
		return rx->err;
	return (uint32_t)load_acquire((uint64_t *)(rx->data + (rx->pos & rx->mask))) != 0;
}

static void
rx_before_sleep(struct waiter *w)
{
	struct ring_rx *rx = w->side;

	/* idle from here on: give all space back, waking a producer that waits for it */
	if (rx->pos != rx->published)
		ring_rx_publish(rx);
}

/* Wait until a record (or an error) is there: 0, -ETIMEDOUT, or an error. */
int
ring_rx_wait(struct ring_rx *rx, int64_t timeout_ns)
{
	struct waiter w = {
		rx_data_ready, rx_before_sleep, &rx->hdr->rx_sleeping, &rx->hdr->rx_bell, rx->db,
		rx->spin_ns, -1, rx, 0
	};

	return wait_for(&w, timeout_ns);
}

/* ring_send, waiting for space up to timeout_ns (< 0: forever). */
int
ring_send_wait(struct ring_tx *tx, uint8_t type, const void *buf, uint32_t len,
    int64_t timeout_ns)
{
	int rc;

	while ((rc = ring_send(tx, type, buf, len)) == -EAGAIN)
		if ((rc = ring_tx_wait(tx, len, timeout_ns)) < 0)
			return rc;
	return rc;
}

/*
 * For event loops: raise the consumer's sleep flag so that the producer
 * rings the doorbell at its next record. Returns 1 if records are already
 * there (take them, then arm again), 0 once armed, or a ring error.
 */
int
ring_rx_arm(struct ring_rx *rx)
{
	if (rx->err)
		return rx->err;
	if (rx->pos != rx->published)
		ring_rx_publish(rx);
	store_relaxed(&rx->hdr->rx_sleeping, 1);
	/* Dekker with the producer's commit: our flag before its check, or we see its record */
	full_fence();
	return (uint32_t)load_acquire((uint64_t *)(rx->data + (rx->pos & rx->mask))) != 0;
}

/* ring_peek, waiting for a record up to timeout_ns (< 0: forever). */
int
ring_peek_wait(struct ring_rx *rx, struct ring_rec *rec, int64_t timeout_ns)
{
	int rc;

	while ((rc = ring_peek(rx, rec)) == -EAGAIN)
		if ((rc = ring_rx_wait(rx, timeout_ns)) < 0)
			return rc;
	return rc;
}

/* ring_recv, waiting for a record up to timeout_ns (< 0: forever). */
int
ring_recv_wait(struct ring_rx *rx, void *buf, uint32_t cap, uint8_t *type,
    int64_t timeout_ns)
{
	int rc;

	while ((rc = ring_recv(rx, buf, cap, type)) == -EAGAIN)
		if ((rc = ring_rx_wait(rx, timeout_ns)) < 0)
			return rc;
	return rc;
}
