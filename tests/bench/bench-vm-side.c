/*
 * One side of make bench-vm: node 0 and node 1 are two VMs sharing the
 * module's region; node 0 measures the ring's round trip and message
 * throughput with the receiver asleep, woken by the doorbell interrupt, then
 * the same with polling instead (rings reopened with a new epoch).
 * Usage: bench-vm-side REGION NODE [ITERS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm/doorbell.h"
#include "shm/node.h"
#include "shm/region.h"
#include "shm/ring.h"

#define MSG	1024

static struct mint_region reg;

static void
die(const char *what)
{
	fprintf(stderr, "bench-vm-side: %s\n", what);
	exit(1);
}

/* Both sides of the ring pair between us and the peer, epoch e, waking through db. */
static void
open_pair(unsigned self, unsigned peer, uint32_t e, struct doorbell *db, struct ring_tx *tx,
    struct ring_rx *rx)
{
	char cause[256];

	if (ring_tx_open(tx, &reg, region_ring_index(&reg, self, peer), e, db, cause,
	    sizeof(cause)) < 0 || ring_rx_open(rx, &reg, region_ring_index(&reg, peer, self), db,
	    cause, sizeof(cause)) < 0)
		die(cause);
	tx->spin_ns = rx->spin_ns = 0;	/* sleep at once: the wake-up is what is measured */
}

/* One phase; node 0 prints "MODE rtt_us rate_msgs_s". */
static void
phase(const char *mode, unsigned self, uint32_t epoch, struct doorbell *db, long iters)
{
	unsigned peer = 1 - self;
	struct ring_tx tx;
	struct ring_rx rx;
	uint8_t buf[MSG] = { 0 };
	int64_t t0, rtt, rate;

	open_pair(self, peer, epoch, db, &tx, &rx);
	if (self == 1) {
		for (long i = 0; i < iters; i++)	/* echo the round trips */
			if (ring_recv_wait(&rx, buf, sizeof(buf), NULL, -1) < 0 ||
			    ring_send_wait(&tx, 1, buf, 64, -1) < 0)
				die("echo");
		for (long i = 0; i < iters * 4; i++)	/* take the stream, then say so */
			if (ring_recv_wait(&rx, buf, sizeof(buf), NULL, -1) < 0)
				die("stream");
		if (ring_send_wait(&tx, 1, buf, 8, -1) < 0)
			die("ack");
		return;
	}
	t0 = doorbell_now_ns();
	for (long i = 0; i < iters; i++)
		if (ring_send_wait(&tx, 1, buf, 64, -1) < 0 ||
		    ring_recv_wait(&rx, buf, sizeof(buf), NULL, -1) < 0)
			die("ping");
	rtt = (doorbell_now_ns() - t0) / iters;
	t0 = doorbell_now_ns();
	for (long i = 0; i < iters * 4; i++)
		if (ring_send_wait(&tx, 1, buf, MSG, -1) < 0)
			die("send");
	if (ring_recv_wait(&rx, buf, sizeof(buf), NULL, -1) < 0)
		die("ack");
	rate = iters * 4 * 1000000000LL / (doorbell_now_ns() - t0);
	printf("%s %.1f %lld\n", mode, rtt / 1000.0, (long long)rate);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct doorbell dev, poll;
	struct node_view v;
	char cause[256];
	uint32_t epoch, bell = 0;
	unsigned self;
	long iters;

	if (argc < 3 || argc > 4)
		die("usage: bench-vm-side REGION NODE [ITERS]");
	self = (unsigned)atoi(argv[2]);
	iters = argc == 4 ? atol(argv[3]) : 2000;
	if (self > 1 || iters <= 0)
		die("NODE is 0 or 1, ITERS at least 1");
	if (region_map(&reg, argv[1], 0, 0, cause, sizeof(cause)) < 0 ||
	    region_attach(&reg, cause, sizeof(cause)) < 0)
		die(cause);
	if (doorbell_open_dev(&dev, reg.fd, &reg, &bell) < 0)
		die("the region has no doorbell");
	if (node_attach(&reg, self, MINT_NODE_ONLINE, (uint32_t)getpid(), &epoch) < 0)
		die("attach");
	node_set_bell(&reg, self, bell);
	/* the peer is there once its bell is */
	for (int t = 0; node_bell(&reg, 1 - self) == 0; t++) {
		if (t > 6000)
			die("the other node did not come");
		usleep(10000);
	}
	doorbell_init(&poll, DOORBELL_POLL);
	phase("doorbell", self, epoch * 2, &dev, iters);
	phase("poll", self, epoch * 2 + 1, &poll, iters);
	node_read(&reg, self, &v);
	node_set_state(&reg, self, MINT_NODE_ABSENT);
	return 0;
}
