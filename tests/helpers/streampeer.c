/*
 * Test helper for stream tunnels: the two programs at the ends of a tunnel.
 *   streampeer sink PATH            listen on PATH, take one connection, read to EOF,
 *                                   print "received BYTES CRC", answer with those 4+8 bytes
 *   streampeer echo PATH            listen, echo everything back until EOF, then close
 *   streampeer send PATH BYTES [SEED] [RATE]   connect, send BYTES pseudo-random bytes
 *                                   (at most RATE bytes/s), shut the write side, read the
 *                                   answer to EOF; print "sent BYTES CRC" and what came back
 *   streampeer hold PATH            connect, then read until EOF or error and say which
 *   streampeer close PATH           listen, take one connection and close it at once
 * Exit 0, or 1 with the reason on stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shm/crc32c.h"
#include "tests/helpers/sock.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	uint64_t total = 0;
	uint32_t crc = 0;
	ssize_t n;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: streampeer sink|echo|send|hold PATH ...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((fd = test_unix_at(argv[2], strcmp(argv[1], "sink") == 0 || strcmp(argv[1], "echo") == 0 ||
	    strcmp(argv[1], "close") == 0)) < 0) {
		fprintf(stderr, "streampeer: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "close") == 0)
		return close(fd) < 0;
	if (strcmp(argv[1], "sink") == 0 || strcmp(argv[1], "echo") == 0) {
		int echo = argv[1][0] == 'e';

		while ((n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fprintf(stderr, "streampeer: read after %" PRIu64 " bytes: %s\n", total,
				    strerror(errno));
				return 1;
			}
			total += (uint64_t)n;
			crc = crc32c(crc, buf, (size_t)n);
			if (echo && test_write_all(fd, buf, (size_t)n) < 0) {
				fprintf(stderr, "streampeer: echo: %s\n", strerror(errno));
				return 1;
			}
		}
		printf("received %" PRIu64 " %08x\n", total, crc);
		if (!echo) {
			uint8_t ans[12];
			memcpy(ans, &crc, 4);
			memcpy(ans + 4, &total, 8);
			test_write_all(fd, ans, sizeof(ans));
		}
		close(fd);
		return 0;
	}
	if (strcmp(argv[1], "send") == 0) {
		uint64_t want = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
		uint64_t x = argc > 4 ? strtoull(argv[4], NULL, 0) | 1 : 88172645463325252ull;
		uint64_t rate = argc > 5 ? strtoull(argv[5], NULL, 0) : 0, start = now_ns();
		uint64_t back = 0;
		uint32_t bcrc = 0;
		static uint8_t in[1 << 16];
		size_t have = 0, off = 0;
		int reading = 1;

		if (want == 0) {
			shutdown(fd, SHUT_WR);
			printf("sent 0 00000000\n");
			fflush(stdout);
		}
		/* write and read at once: an echo on the other side must never wait on us */
		while (reading) {
			struct pollfd p = { fd, POLLIN, 0 };

			if (have == off && total < want) {
				have = want - total < sizeof(buf) ? (size_t)(want - total) : sizeof(buf);
				off = 0;
				for (size_t i = 0; i < have; i += 8) {
					x ^= x << 13, x ^= x >> 7, x ^= x << 17;
					memcpy(buf + i, &x, have - i < 8 ? have - i : 8);
				}
				crc = crc32c(crc, buf, have);
				total += have;
			}
			if (off < have && (rate == 0 ||
			    (total - have + off) * 1000000000.0 / rate <= (double)(now_ns() - start)))
				p.events |= POLLOUT;
			if (poll(&p, 1, off < have ? 1 : -1) < 0 && errno != EINTR)
				break;
			if (p.revents & POLLOUT) {
				n = write(fd, buf + off, have - off);
				if (n < 0 && errno != EINTR && errno != EAGAIN) {
					fprintf(stderr, "streampeer: write after %" PRIu64 " bytes: %s\n",
					    total - have + off, strerror(errno));
					return 1;
				}
				off += n > 0 ? (size_t)n : 0;
				if (off == have && total == want) {
					shutdown(fd, SHUT_WR);
					printf("sent %" PRIu64 " %08x\n", total, crc);
					fflush(stdout);
				}
			}
			if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
				n = read(fd, in, sizeof(in));
				if (n < 0 && errno != EINTR && errno != EAGAIN) {
					fprintf(stderr, "streampeer: reading the answer: %s\n", strerror(errno));
					return 1;
				}
				if (n == 0)
					reading = 0;
				if (n > 0) {
					bcrc = crc32c(bcrc, in, (size_t)n);
					back += (uint64_t)n;
				}
			}
		}
		if (off < have || total < want) {
			fprintf(stderr, "streampeer: the other end closed after %" PRIu64 " bytes\n",
			    total - have + off);
			return 1;
		}
		printf("back %" PRIu64 " %08x\n", back, bcrc);
		return 0;
	}
	if (strcmp(argv[1], "hold") == 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			;
		printf("%s\n", n == 0 ? "eof" : "error");
		return 0;
	}
	fprintf(stderr, "streampeer: unknown mode %s\n", argv[1]);
	return 2;
}
