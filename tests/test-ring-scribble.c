/*
 * A third process scribbles on one ring's record headers and indices while
 * its producer and consumer run: the consumer reports the damage on that
 * ring alone, nobody crashes, and a second ring carries on untouched.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/crc32c.h"
#include "shm/ring.h"
#include "tests/tap.h"
#include "tests/util.h"

#define B_COUNT	200000

static struct mint_region reg;
static struct doorbell db;
static uint32_t *stop;
static char cause[256];

static void
produce(unsigned from, unsigned to, uint32_t count)
{
	struct ring_tx tx;
	uint8_t buf[128];
	uint64_t s = from + 1;
	int rc;

	if (ring_tx_open(&tx, &reg, region_ring_index(&reg, from, to), 1, &db, cause,
	    sizeof(cause)) < 0)
		_exit(2);
	for (uint32_t n = 0; n < count && !load_acquire(stop); n++) {
		uint32_t len = 8 + (uint32_t)(test_rand(&s) % 100);
		memcpy(buf, &n, 4);
		memset(buf + 8, (int)n, len - 8);
		uint32_t crc = crc32c(0, buf + 8, len - 8);
		memcpy(buf + 4, &crc, 4);
		while ((rc = ring_send_wait(&tx, 1, buf, len, 100000000)) == -ETIMEDOUT)
			if (load_acquire(stop))
				_exit(0);
		if (rc < 0)
			_exit(0);	/* the damage was seen from this side: fine */
	}
	_exit(0);
}

static void
scribble(unsigned ring)
{
	uint8_t *data;
	uint32_t size;
	struct mint_ring *h = region_ring_hdr(&reg, ring);
	uint64_t s = 99;
	struct timespec ts = { 0, 20000 };

	ring_locate(&reg, ring, &data, &size, cause, sizeof(cause));
	while (!load_acquire(stop)) {
		uint64_t r = test_rand(&s);
		switch (r % 8) {
		case 0:
			store_relaxed(&h->rx_pos, (uint32_t)(r >> 8));
			break;
		case 1:
			store_relaxed(&h->tx_epoch, (uint32_t)(r >> 8));
			break;
		default:
			store_relaxed((uint32_t *)(data + ((r >> 16) % size & ~3u)), (uint32_t)(r >> 32));
			break;
		}
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

/* Read one record from a ring; 1 if one was taken, 0 if empty, -1 on error. */
static int
take(struct ring_rx *rx, uint32_t *n, uint32_t *bad)
{
	struct ring_rec rec;
	uint32_t m, crc;
	int rc = ring_peek(rx, &rec);

	if (rc == -EAGAIN)
		return 0;
	if (rc < 0)
		return -1;
	if (rec.len < 8 || rec.len > 108) {
		(*bad)++;
	} else {
		memcpy(&m, rec.data, 4);
		memcpy(&crc, (const uint8_t *)rec.data + 4, 4);
		if (m != *n || crc != crc32c(0, (const uint8_t *)rec.data + 8, rec.len - 8))
			(*bad)++;
	}
	(*n)++;
	ring_release(rx);
	return 1;
}

int
main(void)
{
	struct region_params p;
	struct ring_rx ra, rb;
	uint32_t na = 0, nb = 0, bada = 0, badb = 0;
	int64_t end;
	pid_t pa, pb, ps;
	int sa, sb, ss, ea = 0;
	unsigned ring_a;

	region_params_default(&p);
	p.nodes = 3;
	p.ring_data = 16384;
	p.stream_count = 0;
	test_region(&reg, &p);
	doorbell_init(&db, DOORBELL_FUTEX);
	stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stop == MAP_FAILED)
		return 1;
	ring_a = region_ring_index(&reg, 0, 1);
	ring_rx_open(&ra, &reg, ring_a, &db, cause, sizeof(cause));
	ring_rx_open(&rb, &reg, region_ring_index(&reg, 2, 1), &db, cause, sizeof(cause));
	if ((pa = fork()) == 0)
		produce(0, 1, UINT32_MAX);
	if ((pb = fork()) == 0)
		produce(2, 1, B_COUNT);
	if ((ps = fork()) == 0)
		scribble(ring_a);

	end = doorbell_now_ns() + 60000000000LL;
	while (nb < B_COUNT && doorbell_now_ns() < end) {
		int a = 0, b;
		if (!ea && (a = take(&ra, &na, &bada)) < 0)
			ea = 1;
		if ((b = take(&rb, &nb, &badb)) < 0)
			break;
		if (a == 0 && b == 0)
			ring_rx_wait(&rb, 1000000);
	}
	/* give the consumer of A its chance to see damage if B was quick */
	while (!ea && doorbell_now_ns() < end) {
		int a = take(&ra, &na, &bada);
		if (a < 0)
			ea = 1;
		else if (a == 0)
			ring_rx_wait(&ra, 1000000);
	}
	store_release(stop, 1);
	waitpid(pa, &sa, 0);
	waitpid(pb, &sb, 0);
	waitpid(ps, &ss, 0);

	ok(ea, "the consumer of the scribbled ring reported damage after %u records", na);
	diag("ring A: %s; %u records failed the payload check before that", ring_rx_error(&ra), bada);
	ok(rb.err == 0 && nb == B_COUNT && badb == 0,
	    "the other ring delivered all %u records intact (got %u, bad %u)", B_COUNT, nb, badb);
	ok(WIFEXITED(sa) && WIFEXITED(sb) && WIFEXITED(ss),
	    "no process crashed (statuses %d %d %d)", sa, sb, ss);
	region_unmap(&reg);
	return tap_done();
}
