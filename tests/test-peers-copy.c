/*
 * A hostile peer rewrites a ring record while the agent decodes it, as
 * agent/peers.c does (wire_unpack_shared on the record, in a buffer the size
 * of the ring's largest record): the decoder only ever reads its own copy,
 * so nothing it allocates is overrun, whatever the bytes become.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"
#include "shm/ring.h"
#include "tests/tap.h"
#include "tests/util.h"

#define ROUNDS		100000
#define PACKED		1024	/* bytes of Boot.cpus: 1024 values of 1, or 512 of 129 */
#define REC_TYPE	1	/* peers.c: a packed Envelope */

static uint8_t *field;		/* the packed cpus, inside the record in the ring */
static int stop;

/*
 * The peer: every even byte of the field flips between 0x01 (one value) and
 * 0x81 (the first byte of a two-byte value), so each state of the bytes, torn
 * or not, decodes, with 512 to 1024 values.
 */
static void *
flipper(void *arg)
{
	uint8_t v = 0x81;

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (size_t i = 0; i < PACKED; i += 2)
			__atomic_store_n(&field[i], v, __ATOMIC_RELAXED);
		v ^= 0x80;
	}
	return NULL;
}

static size_t
put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	for (; v >= 0x80; v >>= 7)
		p[n++] = (uint8_t)(v | 0x80);
	p[n++] = (uint8_t)v;
	return n;
}

/* Field number f, length-delimited, of len bytes already at p + room. */
static size_t
put_len(uint8_t *p, unsigned f, size_t len)
{
	size_t n = put_varint(p, f << 3 | 2);

	return n + put_varint(p + n, len);
}

/*
 * A Boot request of node 1 to node 0 whose cpus come packed, PACKED bytes of
 * 0x01 (protobuf-c takes the packed form of any repeated number); built by
 * hand because protobuf-c packs only fields declared [packed=true].
 */
static size_t
make_boot(uint8_t *buf)
{
	uint8_t boot[PACKED + 8], cmd[PACKED + 32];
	size_t nb, nc, n;

	nb = put_len(boot, 4, PACKED);				/* Boot.cpus */
	memset(boot + nb, 1, PACKED);
	nb += PACKED;
	nc = 0;
	cmd[nc++] = 1 << 3, cmd[nc++] = MINT__COMMAND_KIND__CMD_NODE_BOOT;	/* kind */
	cmd[nc++] = 3 << 3, cmd[nc++] = 3;			/* to_node */
	nc += put_len(cmd + nc, 11, nb);			/* boot */
	memcpy(cmd + nc, boot, nb);
	nc += nb;
	n = 0;
	buf[n++] = 1 << 3, buf[n++] = MINT_PROTO_VERSION;	/* version */
	buf[n++] = 2 << 3, buf[n++] = 1;			/* src */
	buf[n++] = 3 << 3, buf[n++] = 0;			/* dst */
	buf[n++] = 4 << 3, buf[n++] = 1;			/* request_id */
	n += put_len(buf + n, 12, nc);				/* command */
	memcpy(buf + n, cmd, nc);
	return n + nc;
}

int
main(void)
{
	static uint8_t msg[PACKED + 64];
	struct region_params p;
	struct mint_region reg;
	struct doorbell db = { .fd = -1 };
	struct ring_tx tx;
	struct ring_rx rx;
	struct ring_rec rec = { 0 };
	char cause[256];
	uint8_t *copy, *at;
	size_t len, fewest = PACKED, most = 0;
	int bad = 0, overrun = 0;
	pthread_t t;
	unsigned i;

	region_params_default(&p);
	p.nodes = 2;
	p.ring_data = 65536;
	test_region(&reg, &p);
	i = region_ring_index(&reg, 1, 0);
	if (ring_tx_open(&tx, &reg, i, 1, &db, cause, sizeof(cause)) < 0 ||
	    ring_rx_open(&rx, &reg, i, &db, cause, sizeof(cause)) < 0) {
		printf("Bail out! ring: %s\n", cause);
		return 1;
	}
	len = make_boot(msg);
	if (!ok(len > PACKED && ring_send(&tx, REC_TYPE, msg, (uint32_t)len) == 0 &&
	    ring_peek(&rx, &rec) == 0 && rec.len == len, "a Boot request of %zu bytes is in the ring",
	    len)) {
		printf("Bail out! no record to decode\n");
		return 1;
	}
	/* the packed field: the first run of 0x01 bytes in the message */
	if ((at = memmem(rec.data, rec.len, (uint8_t[8]){ 1, 1, 1, 1, 1, 1, 1, 1 }, 8)) == NULL) {
		printf("Bail out! the packed field is not in the record\n");
		return 1;
	}
	field = at;
	/* what peers.c keeps: one buffer, the ring's largest record */
	if ((copy = malloc(rx.max_len)) == NULL) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	if (pthread_create(&t, NULL, flipper, NULL) != 0) {
		printf("Bail out! pthread_create\n");
		return 1;
	}
	for (int k = 0; k < ROUNDS; k++) {
		Mint__Envelope *e;
		const Mint__Boot *b;

		if (wire_unpack_shared(rec.data, rec.len, copy, rx.max_len, &e, cause,
		    sizeof(cause)) < 0) {
			if (bad++ == 0)
				diag("round %d: %s", k, cause);
			continue;
		}
		b = e->body_case == MINT__ENVELOPE__BODY_COMMAND && e->command->boot != NULL ?
		    e->command->boot : NULL;
		if (b == NULL || b->n_cpus < PACKED / 2 || b->n_cpus > PACKED) {
			bad++;
		} else {
			/* without ASan: the array must hold what was decoded into it */
			if (malloc_usable_size(b->cpus) < b->n_cpus * sizeof(b->cpus[0]))
				overrun++;
			fewest = b->n_cpus < fewest ? b->n_cpus : fewest;
			most = b->n_cpus > most ? b->n_cpus : most;
		}
		wire_free(e);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ok(bad == 0, "%d rounds: every state of the bytes decodes (%d did not)", ROUNDS, bad);
	ok(overrun == 0, "  no array decoded past its allocation (%d were)", overrun);
	ok(most > fewest, "  the peer raced the decoder: %zu to %zu values seen", fewest, most);
	ring_release(&rx);
	free(copy);
	region_unmap(&reg);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
