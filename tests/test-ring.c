/* The ring in one process: empty, full, wrap-around, every size, batches, restarts, damage. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/ring.h"
#include "shm/stream.h"
#include "tests/tap.h"
#include "tests/util.h"

static struct mint_region reg;
static struct doorbell db;
static char cause[256];

static void
fill(uint8_t *p, uint32_t len, uint32_t salt)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + salt);
}

static int
check(const uint8_t *p, uint32_t len, uint32_t salt)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 31 + salt))
			return 0;
	return 1;
}

static void
open_pair(unsigned from, unsigned to, uint32_t epoch, struct ring_tx *tx, struct ring_rx *rx)
{
	unsigned i = region_ring_index(&reg, from, to);

	if (ring_tx_open(tx, &reg, i, epoch, &db, cause, sizeof(cause)) < 0 ||
	    ring_rx_open(rx, &reg, i, &db, cause, sizeof(cause)) < 0) {
		printf("Bail out! %s\n", cause);
		exit(1);
	}
}

static void
test_basics(void)
{
	struct ring_tx tx;
	struct ring_rx rx;
	struct ring_rec rec;
	uint8_t buf[8192], out[8192];
	void *p;
	int n;

	open_pair(0, 1, 1, &tx, &rx);
	is(ring_peek(&rx, &rec), -EAGAIN, "empty ring: nothing to read");
	is(tx.max_len, 4096 / 2 - 8, "largest record is half the ring less 8");
	is(ring_send(&tx, 0x10, "hello", 5), 0, "send 5 bytes");
	ok(ring_peek(&rx, &rec) == 0 && rec.len == 5 && rec.type == 0x10 && rec.seq == 0 &&
	    rec.epoch == 1 && memcmp(rec.data, "hello", 5) == 0,
	    "peek sees length, type, seq, epoch and bytes");
	ok(ring_peek(&rx, &rec) == 0 && rec.len == 5, "peek again: still there");
	ring_release(&rx);
	is(ring_peek(&rx, &rec), -EAGAIN, "released: empty again");
	is(ring_send(&tx, 1, buf, tx.max_len + 1), -EMSGSIZE, "too large for the ring");
	is(ring_send(&tx, 1, "", 0), 0, "zero-length record");
	ok(ring_recv(&rx, out, sizeof(out), NULL) == 0, "  received");

	/* zero-copy: reserve the maximum, commit less */
	ok(ring_reserve(&tx, 1000, &p) == 0, "reserve 1000 bytes in place");
	fill(p, 300, 7);
	ring_commit(&tx, 3, 300);
	ok(ring_peek(&rx, &rec) == 0 && rec.len == 300 && check(rec.data, 300, 7),
	    "commit of 300 delivers 300 bytes, read in place");
	ring_release(&rx);

	/* full: an idle consumer has given all space back */
	is(ring_peek(&rx, &rec), -EAGAIN, "consumer idle");
	n = 0;
	while (ring_send(&tx, 1, buf, 100) == 0)
		n++;
	ok(n >= (4096 - 8 - 112) / 112 && n <= (4096 - 8) / 112,
	    "a 4 KiB ring fills up to one record's worth of padding (%d records of 100 bytes)", n);
	is(ring_send(&tx, 1, buf, 100), -EAGAIN, "full ring says EAGAIN");
	ok(ring_recv(&rx, out, sizeof(out), NULL) == 100, "take one out");
	is(ring_send(&tx, 1, buf, 100), -EAGAIN, "space is given back in batches, not per record");
	while (ring_recv(&rx, out, sizeof(out), NULL) == 100)
		n--;
	is(n, 1, "drained all but the one taken earlier");
	is(ring_send(&tx, 1, buf, 100), 0, "space back once the consumer is idle");
	ok(ring_recv(&rx, out, 10, NULL) == -EMSGSIZE, "short buffer refused");
	ok(ring_recv(&rx, out, sizeof(out), NULL) == 100, "  and the record kept for a bigger one");
}

/* Every size from 1 to the maximum, in order, so the ring wraps at every offset. */
static void
test_every_size(unsigned from, unsigned to, uint32_t batch)
{
	static uint8_t buf[1 << 16], out[1 << 16];
	struct ring_tx tx;
	struct ring_rx rx;
	uint8_t type;
	uint32_t len, bad = 0, sent = 0, got = 0;
	int rc;

	open_pair(from, to, 1, &tx, &rx);
	ring_tx_set_batch(&tx, batch);
	for (len = 1; len <= tx.max_len; len++) {
		fill(buf, len, len);
		while ((rc = ring_send(&tx, (uint8_t)(len % 250 + 1), buf, len)) == -EAGAIN) {
			ring_tx_publish(&tx);
			while ((rc = ring_recv(&rx, out, sizeof(out), &type)) >= 0) {
				got++;
				if ((uint32_t)rc != got || type != got % 250 + 1 || !check(out, got, got))
					bad++;
			}
			if (rc != -EAGAIN)
				break;
		}
		if (rc < 0)
			break;
		sent++;
	}
	ring_tx_publish(&tx);
	while ((rc = ring_recv(&rx, out, sizeof(out), &type)) >= 0) {
		got++;
		if ((uint32_t)rc != got || type != got % 250 + 1 || !check(out, got, got))
			bad++;
	}
	ok(sent == tx.max_len && got == sent && bad == 0 && rx.err == 0,
	    "every size 1..%u through a %u-byte ring, batch %u: sent %u, got %u, bad %u",
	    tx.max_len, tx.mask + 1, batch, sent, got, bad);
}

/* Random sizes and random interleaving: many wraps, content and order checked. */
static void
test_random(void)
{
	static uint8_t buf[1 << 16], out[1 << 16];
	struct ring_tx tx;
	struct ring_rx rx;
	uint64_t s = 12345;
	uint32_t sent = 0, got = 0, bad = 0, len;
	int rc;

	open_pair(1, 0, 1, &tx, &rx);
	while (sent < 200000) {
		unsigned burst = test_rand(&s) % 40;
		if (test_rand(&s) % 50 == 0)
			ring_tx_set_batch(&tx, 1 + test_rand(&s) % 20);
		for (unsigned i = 0; i < burst; i++) {
			len = test_rand(&s) % 3 == 0 ? test_rand(&s) % tx.max_len + 1 : test_rand(&s) % 64 + 1;
			fill(buf, len, sent);
			memcpy(buf, &sent, len < 4 ? len : 4);
			if (ring_send(&tx, 9, buf, len) < 0)
				break;
			sent++;
		}
		if (test_rand(&s) % 3 == 0)
			ring_tx_publish(&tx);
		burst = test_rand(&s) % 60;
		for (unsigned i = 0; i < burst && (rc = ring_recv(&rx, out, sizeof(out), NULL)) >= 0; i++) {
			uint32_t tag = 0;
			memcpy(&tag, out, rc < 4 ? (size_t)rc : 4);
			if (rc >= 4 && tag != got)
				bad++;
			got++;
		}
	}
	ring_tx_publish(&tx);
	while (ring_recv(&rx, out, sizeof(out), NULL) >= 0)
		got++;
	ok(got == sent && bad == 0 && rx.err == 0,
	    "200000 random-size records, random bursts and batches: got %u of %u, bad %u",
	    got, sent, bad);
}

static void
test_batches(void)
{
	struct ring_tx tx;
	struct ring_rx rx;
	struct ring_rec rec;
	uint8_t out[64];
	int n = 0;

	open_pair(2, 3, 1, &tx, &rx);
	ring_tx_set_batch(&tx, 16);
	for (int i = 0; i < 15; i++)
		ring_send(&tx, 1, &i, sizeof(i));
	is(ring_peek(&rx, &rec), -EAGAIN, "15 records of a batch of 16 stay invisible");
	ring_send(&tx, 1, &n, sizeof(n));
	while (ring_recv(&rx, out, sizeof(out), NULL) == sizeof(int))
		n++;
	is(n, 16, "the 16th publishes all of them at once");
	ring_send(&tx, 1, &n, sizeof(n));
	ring_send(&tx, 1, &n, sizeof(n));
	is(ring_peek(&rx, &rec), -EAGAIN, "two more wait for the batch");
	ring_tx_publish(&tx);
	ok(ring_recv(&rx, out, sizeof(out), NULL) == 4 && ring_recv(&rx, out, sizeof(out), NULL) == 4,
	    "publish shows them");
}

/* A producer that restarts keeps what was committed and starts a new epoch. */
static void
test_restart(void)
{
	struct ring_tx tx, tx2;
	struct ring_rx rx, rx2;
	struct ring_rec rec;
	unsigned i = region_ring_index(&reg, 3, 2);
	int v, n;

	open_pair(3, 2, 7, &tx, &rx);
	for (v = 0; v < 5; v++)
		ring_send(&tx, 1, &v, sizeof(v));
	ok(ring_peek(&rx, &rec) == 0 && rec.epoch == 7, "records of epoch 7");
	ring_release(&rx);
	ring_tx_set_batch(&tx, 8);
	ring_send(&tx, 1, &v, sizeof(v));	/* held in a batch: never committed */
	/* the producer dies here; a new one attaches with epoch 8 */
	ok(ring_tx_open(&tx2, &reg, i, 8, &db, cause, sizeof(cause)) == 0,
	    "a restarted producer re-attaches");
	v = 100;
	ring_send(&tx2, 1, &v, sizeof(v));
	for (n = 1; n < 5; n++) {
		ok(ring_peek(&rx, &rec) == 0 && rec.epoch == 7 && *(const int *)rec.data == n,
		    "  committed record %d of epoch 7 is still delivered", n);
		ring_release(&rx);
	}
	ok(ring_peek(&rx, &rec) == 0 && rec.epoch == 8 && rec.seq == 0 &&
	    *(const int *)rec.data == 100, "then epoch 8 from seq 0; the uncommitted batch is gone");
	ring_release(&rx);
	is(ring_peek(&rx, &rec), -EAGAIN, "nothing else");

	/* consumer restart: resumes at the published position */
	v = 101;
	ring_send(&tx2, 1, &v, sizeof(v));
	ok(ring_rx_open(&rx2, &reg, i, &db, cause, sizeof(cause)) == 0, "a restarted consumer re-attaches");
	ok(ring_peek(&rx2, &rec) == 0 && *(const int *)rec.data == 101 && rec.epoch == 8,
	    "  and reads on from where the old one published");
	ring_release(&rx2);

	/* an old epoch after a new one is refused */
	v = 102;
	ring_send(&tx2, 1, &v, sizeof(v));
	((uint32_t *)(rx2.data + (rx2.pos & rx2.mask)))[1] = 2u << 16 | 7;
	ok(ring_peek(&rx2, &rec) == -EBADMSG, "a record of an older epoch is never taken");
	has(ring_rx_error(&rx2), "epoch 7", "  and the error names the epoch");
	ok(ring_peek(&rx2, &rec) == -EBADMSG, "  the error sticks");
}

/* A consumer that sleeps, woken through each doorbell; waits that time out. */
static void
test_waiting(enum doorbell_kind kind)
{
	struct doorbell bell;
	struct ring_tx tx;
	struct ring_rx rx;
	unsigned i = region_ring_index(&reg, 2, 0);
	static uint8_t buf[1024];
	int64_t t0;
	pid_t pid;
	int st, rc, n = 0;

	doorbell_init(&bell, kind);
	ring_rx_open(&rx, &reg, i, &bell, cause, sizeof(cause));
	rx.spin_ns = 0;		/* sleep at once */
	t0 = doorbell_now_ns();
	is(ring_recv_wait(&rx, buf, sizeof(buf), NULL, 30000000), -ETIMEDOUT,
	    "%s: an empty ring times out", doorbell_name(kind));
	ok(doorbell_now_ns() - t0 >= 30000000, "  after the time asked for");
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 50000000 };
		ring_tx_open(&tx, &reg, i, 9, &bell, cause, sizeof(cause));
		for (int k = 0; k < 3; k++) {
			nanosleep(&ts, NULL);	/* the consumer is asleep by now */
			if (ring_send(&tx, 1, &k, sizeof(k)) < 0)
				_exit(1);
		}
		_exit(0);
	}
	while (n < 3 && (rc = ring_recv_wait(&rx, buf, sizeof(buf), NULL, 5000000000LL)) == 4 &&
	    *(int *)buf == n)
		n++;
	waitpid(pid, &st, 0);
	is(n, 3, "%s: a sleeping consumer is woken for each of 3 records", doorbell_name(kind));

	/* a producer that waits for space is woken when the consumer frees it */
	ring_tx_open(&tx, &reg, i, 10, &bell, cause, sizeof(cause));
	tx.spin_ns = 0;
	for (n = 0; ring_send(&tx, 1, buf, 1000) == 0; n++)
		;
	pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
		while (ring_recv(&rx, buf, sizeof(buf), NULL) > 0)
			;
		ring_rx_wait(&rx, 0);	/* idle: gives the space back */
		_exit(0);
	}
	t0 = doorbell_now_ns();
	rc = ring_send_wait(&tx, 1, buf, 1000, 5000000000LL);
	waitpid(pid, &st, 0);
	ok(rc == 0 && doorbell_now_ns() - t0 >= 40000000,
	    "%s: a full ring's producer waits until the consumer frees space (%d records)",
	    doorbell_name(kind), n);
	is(ring_tx_wait(&tx, tx.max_len + 1, 0), -EMSGSIZE, "  and is told at once when a record can never fit");
	while (ring_recv(&rx, buf, sizeof(buf), NULL) > 0)
		;
}

/* Records large enough to be copied out past the cache, to any alignment. */
static void
test_large(void)
{
	static uint8_t buf[RING_STREAM_MIN + 40000], out[RING_STREAM_MIN + 40001];
	unsigned ring = reg.layout.ring_count;
	struct ring_tx tx;
	struct ring_rx rx;
	uint32_t bad = 0, n = 0;

	ring_tx_open(&tx, &reg, ring, 1, &db, cause, sizeof(cause));
	ring_rx_open(&rx, &reg, ring, &db, cause, sizeof(cause));
	for (uint32_t len = RING_STREAM_MIN - 1; len < RING_STREAM_MIN + 40000; len += 3331, n++) {
		uint8_t *o = out + n % 2;	/* odd and even destinations */
		fill(buf, len, len);
		if (ring_send(&tx, 1, buf, len) < 0 || ring_recv(&rx, o, len, NULL) != (int)len ||
		    !check(o, len, len))
			bad++;
	}
	ok(bad == 0 && n > 10, "%u large records (%u to %u bytes) copied out intact, %u bad",
	    n, RING_STREAM_MIN - 1, RING_STREAM_MIN + 40000, bad);
}

/* A stream ring as a tunnel uses it: taken, polled (no doorbell), watched through accessors. */
static void
test_polled(void)
{
	struct ring_tx tx;
	struct ring_rx rx;
	uint8_t buf[100] = { 0 };
	unsigned ring;
	uint64_t claim;

	is(stream_free_count(&reg), 1, "the region's one stream ring is free");
	ok(stream_take(&reg, 0, 1, &ring) == 0, "a stream ring is taken");
	is(stream_free_count(&reg), 0, "  none is free then");
	claim = stream_claim(&reg, ring);
	ok(stream_taken(&reg, ring) && stream_intact(&reg, ring, claim), "  taken, and intact");
	ok(ring_tx_open(&tx, &reg, ring, 1, NULL, cause, sizeof(cause)) == 0 &&
	    ring_rx_open(&rx, &reg, ring, NULL, cause, sizeof(cause)) == 0,
	    "  both ends open it without a doorbell");
	ok(ring_tx_max_len(&tx) > 0 && ring_tx_max_len(&tx) < reg.layout.stream_data,
	    "  its largest record: %u bytes", ring_tx_max_len(&tx));
	is(ring_tx_unread(&tx), 0, "  nothing unread yet");
	ring_tx_set_spin(&tx, 0);
	ring_rx_set_spin(&rx, 0);
	is(ring_rx_wait(&rx, 2000000), -ETIMEDOUT, "  an empty polled ring waits out its timeout");
	ring_send(&tx, 1, buf, sizeof(buf));
	is(ring_tx_unread(&tx), RING_ALIGN(sizeof(buf) + 8), "  a record sent is unread");
	is(ring_rx_wait(&rx, 2000000), 0, "  and the polled wait sees it");
	ring_recv(&rx, buf, sizeof(buf), NULL);
	ring_rx_publish(&rx);
	is(ring_tx_unread(&tx), 0, "  read and given back: nothing unread");
	is(stream_abort(&reg, ring, claim), 0, "one end gives up");
	ok(!stream_taken(&reg, ring) && !stream_intact(&reg, ring, claim), "  no longer taken, nor intact");
	is(stream_put(&reg, ring, 0), 0, "  the producer returns it");
	is(stream_free_count(&reg), 1, "  and it is free again");
	ok(!stream_intact(&reg, ring, stream_claim(&reg, ring)), "  a free ring is never intact");
}

static uint8_t *
buf_dummy(void)
{
	static uint8_t b[4096];
	return b;
}

static void
test_damage(void)
{
	struct ring_tx tx, tx2;
	struct ring_rx rx, rx2;
	struct ring_rec rec;
	uint32_t *h;
	int v = 1;

	open_pair(0, 2, 1, &tx, &rx);
	open_pair(0, 3, 1, &tx2, &rx2);
	ring_send(&tx, 1, &v, sizeof(v));
	ring_send(&tx, 1, &v, sizeof(v));
	ring_recv(&rx, &v, sizeof(v), NULL);
	h = (uint32_t *)(rx.data + (rx.pos & rx.mask));
	h[1] ^= 0x30000;
	ok(ring_peek(&rx, &rec) == -EBADMSG, "a sequence break is reported");
	has(ring_rx_error(&rx), "sequence", "  as a sequence break");
	ok(ring_send(&tx2, 1, &v, sizeof(v)) == 0 && ring_recv(&rx2, &v, sizeof(v), NULL) == 4,
	    "another ring keeps working");

	open_pair(0, 2, 2, &tx, &rx);
	ring_send(&tx, 1, &v, sizeof(v));
	h = (uint32_t *)(rx.data + (rx.pos & rx.mask));
	h[0] = 1u << 24 | 0xfffff0;
	ok(ring_peek(&rx, &rec) == -EBADMSG, "a length past the end is reported");
	has(ring_rx_error(&rx), "past the end", "  as such");
	h[0] = MINT_REC_TYPE_PAD << 24 | 16;
	ring_rx_open(&rx, &reg, region_ring_index(&reg, 0, 2), &db, cause, sizeof(cause));
	ok(rx.err == 0 && ring_peek(&rx, &rec) == -EBADMSG, "a pad that does not end the ring is reported");
	has(ring_rx_error(&rx), "pad", "  as a bad pad");
	ok(ring_tx_open(&tx, &reg, region_ring_index(&reg, 0, 2), 4, &db, cause, sizeof(cause)) ==
	    -EBADMSG, "a producer will not attach to a broken chain");
	has(cause, "reset", "  and says the ring needs a reset");
	region_ring_hdr(&reg, region_ring_index(&reg, 0, 3))->rx_pos = tx2.pos + 4096;
	{
		int rc, n = 0;
		while ((rc = ring_send(&tx2, 1, buf_dummy(), 1000)) == 0 && n < 100)
			n++;
		is(rc, -EBADMSG, "a consumer position ahead of the producer is reported");
	}
}

int
main(void)
{
	struct region_params p;

	region_params_default(&p);
	p.nodes = 4;
	p.ring_data = 4096;
	p.stream_count = 1;
	p.stream_data = 256 * 1024;
	p.status_max = 0;
	test_region(&reg, &p);
	doorbell_init(&db, DOORBELL_FUTEX);
	test_basics();
	test_every_size(1, 2, 1);
	test_every_size(2, 1, 7);
	test_random();
	test_batches();
	test_restart();
	test_damage();
	test_large();
	test_polled();
	test_waiting(DOORBELL_FUTEX);
	test_waiting(DOORBELL_POLL);
	region_unmap(&reg);
	return tap_done();
}
