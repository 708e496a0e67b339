/*
 * The two ends of the tunnel benchmark (tests/bench/bench-tunnel.sh): a sender and
 * a receiver that move BYTES of a fixed pseudo-random stream in 64 KiB writes
 * and reads, the receiver checksumming what arrives and answering with it.
 *   bench-tunnel sink PATH [CPU]           listen on PATH, take one connection,
 *                                          read to EOF, answer with length and checksum
 *   bench-tunnel send PATH BYTES [CPU]     connect to PATH, send, half close, read the answer
 *   bench-tunnel direct BYTES [CPU CPU]    the same two ends on one socketpair (sender, receiver)
 * The sender prints "BYTES NS ok" (or "BYTES NS MISMATCH ..."): nanoseconds from its
 * first write to the receiver's answer. CPU pins that end; -1 or none leaves it free.
 * The checksum is a four-lane multiplicative hash, not CRC32C: the bytewise
 * CRC32C of shm/ runs at a few hundred MB/s and would be what is measured.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/sock.h"

#define CHUNK		65536			/* bytes per write and per read, both paths */
#define PATTERN		(4u << 20)		/* pseudo-random bytes the chunks are cut from */
#define STEP		(8u * 7919u)		/* chunk i starts at i * STEP mod PATTERN */
#define K		0x9e3779b97f4a7c15ull

/* A checksum of a byte stream, the same however the stream is split. */
struct sum {
	uint64_t h[4];
	uint64_t len;
	uint8_t tail[32];
	unsigned ntail;
};

static void
sum_block(struct sum *s, const uint8_t *p)
{
	for (int j = 0; j < 4; j++) {
		uint64_t w;

		memcpy(&w, p + 8 * j, 8);
		s->h[j] = ((s->h[j] ^ w) * K) ^ (s->h[j] >> 29);
	}
}

static void
sum_add(struct sum *s, const uint8_t *p, size_t n)
{
	s->len += n;
	if (s->ntail > 0) {
		size_t take = 32 - s->ntail < n ? 32 - s->ntail : n;

		memcpy(s->tail + s->ntail, p, take);
		s->ntail += (unsigned)take, p += take, n -= take;
		if (s->ntail < 32)
			return;
		sum_block(s, s->tail);
		s->ntail = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		sum_block(s, p);
	memcpy(s->tail, p, n);
	s->ntail = (unsigned)n;
}

static uint64_t
sum_end(struct sum *s)
{
	uint64_t r = s->len * K;

	memset(s->tail + s->ntail, 0, 32 - s->ntail);
	sum_block(s, s->tail);
	for (int j = 0; j < 4; j++)
		r = (r ^ s->h[j]) * K;
	return r ^ (r >> 31);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
pin(const char *arg)
{
	long cpu = arg != NULL ? strtol(arg, NULL, 10) : -1;
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET((int)cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "bench-tunnel: cannot pin to CPU %ld: %s\n", cpu, strerror(errno));
}

/* Read to EOF with the checksum, answer with length and checksum; 0 or -1. */
static int
sink(int fd)
{
	static uint8_t buf[CHUNK];
	struct sum s = { .ntail = 0 };
	uint64_t ans[2];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "bench-tunnel: read after %" PRIu64 " bytes: %s\n", s.len,
			    strerror(errno));
			return -1;
		}
		sum_add(&s, buf, (size_t)n);
	}
	ans[0] = s.len;
	ans[1] = sum_end(&s);
	return test_write_all(fd, (const uint8_t *)ans, sizeof(ans));
}

/* Send BYTES of the stream, half close, wait for the answer and judge it. */
static int
send_stream(int fd, uint64_t bytes)
{
	uint8_t *pat = malloc(PATTERN + CHUNK);
	uint64_t x = 88172645463325252ull, want, t0, t1, ans[2];
	struct sum s = { .ntail = 0 };
	size_t got = 0;

	if (pat == NULL)
		return -1;
	for (size_t i = 0; i < PATTERN + CHUNK; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(pat + i, &x, 8);
	}
	/* the checksum the receiver must find, before the clock starts */
	for (uint64_t off = 0, i = 0; off < bytes; off += CHUNK, i++) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;

		sum_add(&s, pat + (i * STEP) % PATTERN, n);
	}
	want = sum_end(&s);
	t0 = now_ns();
	for (uint64_t off = 0, i = 0; off < bytes; off += CHUNK, i++) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;

		if (test_write_all(fd, pat + (i * STEP) % PATTERN, n) < 0) {
			fprintf(stderr, "bench-tunnel: write after %" PRIu64 " bytes: %s\n", off,
			    strerror(errno));
			return -1;
		}
	}
	shutdown(fd, SHUT_WR);
	while (got < sizeof(ans)) {
		ssize_t n = read(fd, (uint8_t *)ans + got, sizeof(ans) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "bench-tunnel: no answer from the receiver\n");
			return -1;
		}
		got += (size_t)n;
	}
	t1 = now_ns();
	if (ans[0] == bytes && ans[1] == want)
		printf("%" PRIu64 " %" PRIu64 " ok\n", bytes, t1 - t0);
	else
		printf("%" PRIu64 " %" PRIu64 " MISMATCH received %" PRIu64 " bytes, checksum %016"
		    PRIx64 ", sent %016" PRIx64 "\n", bytes, t1 - t0, ans[0], ans[1], want);
	free(pat);
	return 0;
}

int
main(int argc, char **argv)
{
	int fd, sv[2], status;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && strcmp(argv[1], "sink") == 0) {
		pin(argc > 3 ? argv[3] : NULL);
		if ((fd = test_unix_at(argv[2], 1)) < 0) {
			fprintf(stderr, "bench-tunnel: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return sink(fd) < 0;
	}
	if (argc >= 4 && strcmp(argv[1], "send") == 0) {
		pin(argc > 4 ? argv[4] : NULL);
		if ((fd = test_unix_at(argv[2], 0)) < 0) {
			fprintf(stderr, "bench-tunnel: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		return send_stream(fd, strtoull(argv[3], NULL, 0)) < 0;
	}
	if (argc >= 3 && strcmp(argv[1], "direct") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
			perror("bench-tunnel: socketpair");
			return 1;
		}
		if ((pid = fork()) < 0) {
			perror("bench-tunnel: fork");
			return 1;
		}
		if (pid == 0) {
			close(sv[0]);
			pin(argc > 4 ? argv[4] : NULL);
			_exit(sink(sv[1]) < 0);
		}
		close(sv[1]);
		pin(argc > 3 ? argv[3] : NULL);
		if (send_stream(sv[0], strtoull(argv[2], NULL, 0)) < 0)
			return 1;
		return waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0;
	}
	fprintf(stderr, "usage: bench-tunnel sink PATH [CPU] | send PATH BYTES [CPU] | "
	    "direct BYTES [CPU CPU]\n");
	return 2;
}
