/*
 * The other side of test-abi, built 32-bit (-m32) where multilib exists: it
 * attaches a region formatted by a 64-bit process and talks through it.
 * Usage: peer REGION NODE PEER, or peer probe (says it runs, touches nothing).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm/node.h"
#include "shm/resource.h"
#include "shm/ring.h"
#include "shm/stream.h"
#include "tests/helpers/peer.h"
#include "tests/util.h"

#define TIMEOUT_NS	(10LL * 1000000000)

static int
die(const char *what, const char *why)
{
	fprintf(stderr, "peer: %s: %s\n", what, why);
	return 1;
}

/* The second thread qemu-user needs (see main): it only sleeps. */
static void *
idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int
main(int argc, char **argv)
{
	struct mint_region r;
	struct doorbell db;
	struct ring_tx tx, stx;
	struct ring_rx rx;
	struct ring_rec rec;
	struct peer_status st = { PEER_STATUS_MAGIC, (uint32_t)sizeof(void *), 0, 0 };
	static uint8_t buf[1 << 16];
	char cause[256];
	unsigned node, peer, sring;
	uint32_t epoch;
	uint64_t word, h = PEER_SUM_SEED, s = 7;
	pthread_t idle;
	int rc, i;

	/*
	 * First thing: qemu-user (test-abi's fallback) runs a program's atomic
	 * instructions as plain loads and stores until it has a second thread,
	 * and the region's indices and words are shared with another process.
	 */
	if ((rc = pthread_create(&idle, NULL, idle_thread, NULL)) != 0)
		return die("thread", strerror(rc));
	if (argc == 2 && strcmp(argv[1], "probe") == 0) {
		printf("probe %u\n", (unsigned)sizeof(void *));
		return 0;
	}
	if (argc != 4)
		return die("usage", "peer REGION NODE PEER");
	node = (unsigned)atoi(argv[2]);
	peer = (unsigned)atoi(argv[3]);
	if (region_map(&r, argv[1], 0, 0, cause, sizeof(cause)) < 0 ||
	    region_attach(&r, cause, sizeof(cause)) < 0)
		return die(argv[1], cause);
	printf("layout %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu32
	    " %" PRIu32 "\n", r.layout.nodes, r.layout.node_size, r.layout.ring_area.off,
	    r.layout.stream_area.off, region_sb(&r)->total_size, r.generation,
	    region_sb(&r)->layout_crc);
	fflush(stdout);
	doorbell_init(&db, DOORBELL_FUTEX);
	if (node_attach(&r, node, MINT_NODE_ONLINE, (uint32_t)getpid(), &epoch) < 0)
		return die("attach", "node out of range");
	if (ring_tx_open(&tx, &r, region_ring_index(&r, node, peer), epoch, &db, cause, sizeof(cause)) < 0 ||
	    ring_rx_open(&rx, &r, region_ring_index(&r, peer, node), &db, cause, sizeof(cause)) < 0)
		return die("ring", cause);

	/* echo every record back, transformed, until the end marker */
	for (;;) {
		if ((rc = ring_peek_wait(&rx, &rec, TIMEOUT_NS)) < 0)
			return die("receive", rc == -EBADMSG ? ring_rx_error(&rx) : strerror(-rc));
		if (rec.type == PEER_END) {
			ring_release(&rx);
			break;
		}
		for (uint32_t k = 0; k < rec.len; k++)
			buf[k] = ((const uint8_t *)rec.data)[k] ^ 0xa5;
		if (ring_send_wait(&tx, PEER_ECHO, buf, rec.len, TIMEOUT_NS) < 0)
			return die("send", "echo");
		ring_release(&rx);
		st.records++;
	}

	if (node_publish_status(&r, node, &st, sizeof(st)) < 0)
		return die("status", "publish");
	for (i = 0; i < 3; i++)
		node_heartbeat(&r, node);
	word = region_res(&r, 0)->word;
	if (res_move(&r, 0, &word, MINT_RS_CLAIMING, node, peer, epoch, 0) < 0)
		return die("resource", "move");

	/* bulk back through a stream ring, with a checksum at the end */
	if (stream_take(&r, node, peer, &sring) < 0 ||
	    ring_tx_open(&stx, &r, sring, epoch, &db, cause, sizeof(cause)) < 0)
		return die("stream", "take");
	if (ring_send_wait(&tx, PEER_STREAM, &sring, sizeof(sring), TIMEOUT_NS) < 0)
		return die("send", "stream index");
	for (i = 0; i < PEER_BULK_CHUNKS; i++) {
		for (uint32_t k = 0; k < PEER_CHUNK; k += 8) {
			uint64_t v = test_rand(&s);
			memcpy(buf + k, &v, 8);
		}
		h = peer_sum(h, buf, PEER_CHUNK);
		if (ring_send_wait(&stx, PEER_BULK, buf, PEER_CHUNK, TIMEOUT_NS) < 0)
			return die("send", "bulk");
	}
	if (ring_send_wait(&stx, PEER_SUM, &h, sizeof(h), TIMEOUT_NS) < 0)
		return die("send", "sum");
	/* wait for the reader to finish with the stream before giving it back */
	if (ring_peek_wait(&rx, &rec, TIMEOUT_NS) < 0)
		return die("receive", "bulk done");
	stream_put(&r, sring, node);
	node_set_state(&r, node, MINT_NODE_ABSENT);
	region_unmap(&r);
	return 0;
}
