/*
 * Producers killed with SIGKILL at random moments, again and again, while one
 * consumer keeps reading: it must never see a torn, duplicated or reordered
 * record, and nothing a producer had committed may be lost.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
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

#define ROUNDS		300
#define LAST_COUNT	2000	/* the last producer is not killed and sends this many */

/* What producers, consumer and parent share, outside the region under test. */
struct board {
	uint32_t committed[ROUNDS + 1];	/* records each producer knows are published */
	uint32_t batch[ROUNDS + 1];
	uint32_t received[ROUNDS + 1];
	uint32_t done;			/* the last producer has finished */
	uint32_t errors;
	char why[200];
};

struct payload {
	uint32_t round;
	uint32_t n;
	uint32_t len;
	uint32_t crc;
};

static struct mint_region reg;
static struct doorbell db;
static struct board *board;
static char cause[256];

static void
producer(uint32_t round, uint32_t count, uint64_t seed)
{
	struct ring_tx tx;
	uint8_t buf[600];
	struct payload *pl = (struct payload *)buf;
	uint32_t batch = board->batch[round];

	if (ring_tx_open(&tx, &reg, region_ring_index(&reg, 0, 1), round, &db, cause,
	    sizeof(cause)) < 0)
		_exit(2);
	ring_tx_set_batch(&tx, batch);
	for (uint32_t n = 0; n < count; n++) {
		uint32_t len = sizeof(*pl) + (uint32_t)(test_rand(&seed) % 500);
		pl->round = round;
		pl->n = n;
		pl->len = len;
		for (uint32_t i = sizeof(*pl); i < len; i++)
			buf[i] = (uint8_t)(n * 7 + i + round);
		pl->crc = 0;
		pl->crc = crc32c(0, buf, len);
		int rc = ring_send_wait(&tx, 1, buf, len, 5000000000LL);
		if (rc < 0)
			_exit(rc == -ETIMEDOUT ? 3 : rc == -EBADMSG ? 4 : 5);
		/* everything sent but the open batch is visible to the consumer now */
		store_release(&board->committed[round], n + 1 - tx.pending);
	}
	ring_tx_publish(&tx);
	store_release(&board->committed[round], count);
	_exit(0);
}

static void __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	if (board->errors++ == 0) {
		va_start(ap, fmt);
		vsnprintf(board->why, sizeof(board->why), fmt, ap);
		va_end(ap);
	}
}

static void
consumer(void)
{
	struct ring_rx rx;
	struct ring_rec rec;
	struct payload pl;
	uint32_t round = 0, next = 0, crc;
	static uint8_t buf[1024];
	int rc;

	if (ring_rx_open(&rx, &reg, region_ring_index(&reg, 0, 1), &db, cause, sizeof(cause)) < 0)
		_exit(2);
	for (;;) {
		rc = ring_peek(&rx, &rec);
		if (rc == -EAGAIN) {
			if (load_acquire(&board->done) && ring_rx_wait(&rx, 200000000) == -ETIMEDOUT)
				break;
			ring_rx_wait(&rx, 50000000);
			continue;
		}
		if (rc < 0) {
			fail("ring error after round %u record %u", round, next);
			snprintf(board->why, sizeof(board->why), "%s", ring_rx_error(&rx));
			break;
		}
		if (rec.len < sizeof(pl) || rec.len > sizeof(buf)) {
			fail("record of %u bytes in round %u at %u", rec.len, round, next);
			break;
		}
		memcpy(buf, rec.data, rec.len);
		memcpy(&pl, buf, sizeof(pl));
		((struct payload *)buf)->crc = 0;
		crc = crc32c(0, buf, rec.len);
		if (pl.len != rec.len || crc != pl.crc)
			fail("torn record: round %u n %u len %u", pl.round, pl.n, rec.len);
		else if (pl.round != rec.epoch)
			fail("record of round %u arrived under epoch %u (n %u)", pl.round, rec.epoch, pl.n);
		else if (pl.round < round || pl.round > ROUNDS)
			fail("round %u after round %u (n %u)", pl.round, round, pl.n);
		else {
			if (pl.round != round) {
				round = pl.round;
				next = 0;
			}
			if (pl.n != next)
				fail("round %u: record %u where %u was due", round, pl.n, next);
			next = pl.n + 1;
			board->received[round] = next;
		}
		ring_release(&rx);
	}
	_exit(0);
}

int
main(void)
{
	struct region_params p;
	uint64_t seed = (uint64_t)time(NULL) * 2654435761u | 1;
	uint32_t lost = 0, extra = 0, killed = 0, rounds_seen = 0;
	pid_t cons, prod;
	int st;

	region_params_default(&p);
	p.nodes = 2;
	p.ring_data = 16384;	/* small: the producers often wait for space */
	p.stream_count = 0;
	test_region(&reg, &p);
	doorbell_init(&db, DOORBELL_FUTEX);
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (board == MAP_FAILED)
		return 1;
	diag("seed %llu", (unsigned long long)seed);

	cons = fork();
	if (cons == 0)
		consumer();
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		board->batch[r] = test_rand(&seed) % 3 == 0 ? 1 + (uint32_t)(test_rand(&seed) % 16) : 1;
		prod = fork();
		if (prod == 0)
			producer(r, r == ROUNDS ? LAST_COUNT : 1000000, test_rand(&seed));
		if (r < ROUNDS) {
			struct timespec ts = { 0, (long)(test_rand(&seed) % 4000000) };
			nanosleep(&ts, NULL);
			kill(prod, SIGKILL);
		}
		waitpid(prod, &st, 0);
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			killed++;
		else if (getenv("KILL_DEBUG"))
			diag("producer %u: status %d", r, st);
		else if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && r == ROUNDS))
			fail("producer %u ended with status %d", r, st);
	}
	store_release(&board->done, 1);
	waitpid(cons, &st, 0);

	for (uint32_t r = 1; r <= ROUNDS; r++) {
		uint32_t c = board->committed[r], got = board->received[r];
		if (got < c)
			lost += c - got;
		if (got > c + board->batch[r])
			extra += got - c;
		rounds_seen += got > 0;
	}
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "consumer survived");
	ok(killed >= ROUNDS - 10, "%u of %u producers were killed mid-stream", killed, ROUNDS - 1);
	if (!ok(board->errors == 0, "no torn, duplicated, reordered or foreign record"))
		diag("%u errors; first: %s", board->errors, board->why);
	ok(lost == 0, "no committed record lost (%u missing)", lost);
	ok(extra == 0, "nothing beyond what was sent (%u extra)", extra);
	is(board->received[ROUNDS], LAST_COUNT, "the last producer's records all arrived");
	diag("records from %u rounds arrived", rounds_seen);
	region_unmap(&reg);
	return tap_done();
}
