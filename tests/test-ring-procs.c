/*
 * Two processes on one region: 10^7 records with sequence and content
 * checks through a pair ring, then 1 GiB of bulk data with a checksum
 * through a stream ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/ring.h"
#include "shm/stream.h"
#include "tests/tap.h"
#include "tests/util.h"

#define TIMEOUT_NS	(20LL * 1000000000)	/* a peer silent this long is dead */
#define CHUNK		65536

static struct mint_region reg;
static struct doorbell db;
static char cause[256];

/* Record n: its number, then bytes derived from it; 8 to 200 bytes long. */
static uint32_t
rec_len(uint64_t n)
{
	return 8 + (uint32_t)((n * 2654435761u) >> 7) % 193;
}

static void
rec_fill(uint8_t *p, uint64_t n, uint32_t len)
{
	memcpy(p, &n, 8);
	for (uint32_t i = 8; i < len; i++)
		p[i] = (uint8_t)(n + i);
}

static int
rec_check(const uint8_t *p, uint64_t n, uint32_t len)
{
	uint64_t m;

	if (len != rec_len(n))
		return 0;
	memcpy(&m, p, 8);
	if (m != n)
		return 0;
	for (uint32_t i = 8; i < len; i++)
		if (p[i] != (uint8_t)(n + i))
			return 0;
	return 1;
}

static int
producer_records(uint64_t count)
{
	struct ring_tx tx;
	uint8_t buf[256];
	void *p;
	int rc;

	if (ring_tx_open(&tx, &reg, region_ring_index(&reg, 0, 1), 1, &db, cause, sizeof(cause)) < 0)
		return 2;
	ring_tx_set_batch(&tx, 16);
	for (uint64_t n = 0; n < count; n++) {
		uint32_t len = rec_len(n);
		while ((rc = ring_reserve(&tx, len, &p)) == -EAGAIN)
			if ((rc = ring_tx_wait(&tx, len, TIMEOUT_NS)) < 0)
				return 3;
		if (rc < 0)
			return 4;
		if (n & 1) {
			rec_fill(p, n, len);	/* zero-copy */
			ring_commit(&tx, 1, len);
		} else {
			/* the copying path for the even ones reserves again */
			rec_fill(buf, n, len);
			if (ring_send(&tx, 1, buf, len) < 0)
				return 5;
		}
	}
	ring_tx_publish(&tx);
	return 0;
}

static void
test_records(void)
{
	const uint64_t count = 10000000;
	struct ring_rx rx;
	struct ring_rec rec;
	uint64_t n = 0, bad = 0;
	pid_t pid;
	int st, rc;

	ring_rx_open(&rx, &reg, region_ring_index(&reg, 0, 1), &db, cause, sizeof(cause));
	pid = fork();
	if (pid == 0)
		_exit(producer_records(count));
	while (n < count) {
		if ((rc = ring_peek_wait(&rx, &rec, TIMEOUT_NS)) < 0)
			break;
		if (!rec_check(rec.data, n, rec.len) || rec.type != 1 || rec.seq != (uint16_t)n)
			bad++;
		ring_release(&rx);
		n++;
	}
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "producer of records finished cleanly (status %d)", st);
	ok(n == count && bad == 0 && rx.err == 0,
	    "10^7 records of 8-200 bytes in order, intact: got %" PRIu64 ", bad %" PRIu64 "%s%s",
	    n, bad, rx.err ? ", ring error: " : "", rx.err ? ring_rx_error(&rx) : "");
	ok(ring_peek(&rx, &rec) == -EAGAIN, "and nothing after them");
}

/* A cheap checksum that sees order: FNV-style mixing of 64-bit words. */
static uint64_t
sum_words(uint64_t h, const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return h;
}

static int
producer_bulk(unsigned ring, uint64_t total, int pipefd)
{
	struct ring_tx tx;
	uint64_t s = 0x9e3779b97f4a7c15ull, h = 0xcbf29ce484222325ull;
	void *p;
	int rc;

	if (ring_tx_open(&tx, &reg, ring, 1, &db, cause, sizeof(cause)) < 0)
		return 2;
	for (uint64_t off = 0; off < total; off += CHUNK) {
		while ((rc = ring_reserve(&tx, CHUNK, &p)) == -EAGAIN)
			if ((rc = ring_tx_wait(&tx, CHUNK, TIMEOUT_NS)) < 0)
				return 3;
		if (rc < 0)
			return 4;
		for (uint64_t *w = p, *e = w + CHUNK / 8; w < e; w++)
			*w = test_rand(&s);
		h = sum_words(h, p, CHUNK);
		ring_commit(&tx, 2, CHUNK);
	}
	if (write(pipefd, &h, sizeof(h)) != sizeof(h))
		return 6;
	return 0;
}

static void
test_bulk(void)
{
	const uint64_t total = 1ull << 30;
	struct ring_rx rx;
	struct ring_rec rec;
	uint64_t got = 0, h = 0xcbf29ce484222325ull, want = 0;
	unsigned ring;
	int fds[2], st, rc, bad = 0;
	pid_t pid;

	ok(stream_take(&reg, 0, 1, &ring) == 0, "stream ring taken for the bulk transfer");
	ring_rx_open(&rx, &reg, ring, &db, cause, sizeof(cause));
	if (pipe(fds) < 0)
		exit(1);
	pid = fork();
	if (pid == 0)
		_exit(producer_bulk(ring, total, fds[1]));
	while (got < total) {
		if ((rc = ring_peek_wait(&rx, &rec, TIMEOUT_NS)) < 0)
			break;
		if (rec.len != CHUNK || rec.type != 2)
			bad++;
		h = sum_words(h, rec.data, rec.len);	/* used in place */
		got += rec.len;
		ring_release(&rx);
	}
	waitpid(pid, &st, 0);
	if (read(fds[0], &want, sizeof(want)) != sizeof(want))
		want = ~h;
	close(fds[0]);
	close(fds[1]);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "bulk producer finished cleanly (status %d)", st);
	ok(got == total && bad == 0 && rx.err == 0, "1 GiB in 64 KiB chunks arrived (%" PRIu64 " bytes)", got);
	ok(h == want, "checksum matches (%016" PRIx64 ")", h);
	ok(stream_put(&reg, ring, 0) == 0, "stream ring returned");
}

int
main(int argc, char **argv)
{
	struct region_params p;

	region_params_default(&p);
	p.nodes = 2;
	p.ring_data = 65536;
	p.stream_count = 1;
	p.stream_data = 4 << 20;
	test_region(&reg, &p);
	doorbell_init(&db, DOORBELL_FUTEX);
	test_records();
	test_bulk();
	region_unmap(&reg);
	return tap_done();
}
