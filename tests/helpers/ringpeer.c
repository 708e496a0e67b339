/*
 * Test helper: act as node NODE's agent towards node TO's agent, through the
 * ring between them: send a record of an unknown type, undecodable bytes, a
 * message with a forged sender, then a ping; print the reply to the ping.
 * Usage: ringpeer REGION NODE TO
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proto/wire.h"
#include "shm/node.h"
#include "shm/ring.h"

static int
send_env(struct ring_tx *tx, Mint__Envelope *e)
{
	uint8_t buf[4096];
	size_t len;

	return wire_pack(e, buf, sizeof(buf), &len) < 0 ? -1 : ring_send(tx, 1, buf, (uint32_t)len);
}

int
main(int argc, char **argv)
{
	struct mint_region r;
	struct doorbell bell;
	struct ring_tx tx;
	struct ring_rx rx;
	struct ring_rec rec;
	Mint__Envelope e, *reply;
	Mint__Command c;
	char cause[256];
	unsigned me, to;
	uint32_t epoch;

	if (argc != 4)
		return 2;
	me = (unsigned)atoi(argv[2]);
	to = (unsigned)atoi(argv[3]);
	if (region_map(&r, argv[1], 0, 0, cause, sizeof(cause)) < 0 ||
	    region_attach(&r, cause, sizeof(cause)) < 0 ||
	    node_attach(&r, me, MINT_NODE_ONLINE, (uint32_t)getpid(), &epoch) < 0 ||
	    doorbell_open_region_sock(&bell, &r, me) < 0 ||
	    ring_tx_open(&tx, &r, region_ring_index(&r, me, to), epoch, &bell, cause, sizeof(cause)) < 0 ||
	    ring_rx_open(&rx, &r, region_ring_index(&r, to, me), &bell, cause, sizeof(cause)) < 0) {
		fprintf(stderr, "ringpeer: %s\n", cause);
		return 1;
	}
	ring_send(&tx, 7, "unknown", 7);
	ring_send(&tx, 1, "\xff\xff\xff\xff garbage", 12);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_PING;
	wire_init(&e, to == 1 ? 2 : 1, to, 41);		/* a forged sender */
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = &c;
	send_env(&tx, &e);
	wire_init(&e, me, to, 42);
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = &c;
	send_env(&tx, &e);
	if (ring_peek_wait(&rx, &rec, 5000000000LL) < 0 ||
	    wire_unpack(rec.data, rec.len, &reply, cause, sizeof(cause)) < 0 ||
	    reply->body_case != MINT__ENVELOPE__BODY_REPLY) {
		printf("no reply\n");
		return 1;
	}
	printf("reply to %" PRIu64 ": %d %s\n", reply->request_id, reply->reply->error,
	    reply->reply->message ? reply->reply->message : "");
	wire_free(reply);
	ring_release(&rx);
	node_set_state(&r, me, MINT_NODE_ABSENT);
	doorbell_close(&bell);
	region_unmap(&r);
	return 0;
}
