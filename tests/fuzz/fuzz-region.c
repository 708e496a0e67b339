/*
 * Fuzz target: arbitrary bytes written over a formatted region (superblock,
 * tables, ring headers, ring data), then attach, read every table, consume a
 * ring and produce into it. Nothing may crash or read out of bounds.
 * Input: byte 0 = flags (bit 0: fix the checksum after damage), then
 * patches of [u32 offset][u8 length][bytes].
 * Built with libFuzzer when clang is there; otherwise a driver feeds it
 * pseudo-random patches (FUZZ_STANDALONE).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm/node.h"
#include "shm/resource.h"
#include "shm/ring.h"
#include "shm/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *tmpl, *work;
static uint64_t total;

static void
setup(void)
{
	struct region_params p;
	struct mint_layout l;
	struct mint_region r;
	struct doorbell db;
	struct ring_tx tx;
	uint8_t buf[300];

	region_params_default(&p);
	p.nodes = 3;
	p.status_max = 128;
	p.res_count = 4;
	p.ring_data = 4096;
	p.stream_count = 1;
	p.stream_data = 4096;
	region_layout(&p, &l, &total, NULL, 0);
	tmpl = calloc(1, total);
	work = malloc(total);
	memset(&r, 0, sizeof(r));
	r.base = tmpl;
	r.size = total;
	r.fd = -1;
	region_format(&r, &p, NULL, 0);
	doorbell_init(&db, DOORBELL_POLL);
	/* some real records to walk, one of them across the wrap */
	ring_tx_open(&tx, &r, region_ring_index(&r, 0, 1), 1, &db, NULL, 0);
	for (int i = 0; i < 40; i++) {
		memset(buf, i, sizeof(buf));
		ring_send(&tx, 1, buf, (uint32_t)(i * 37 % 300));
	}
	res_define(&r, 0, MINT_RES_CPU, 1, 0, 0, NULL, 0);
	res_define(&r, 1, MINT_RES_DEV, 0, 0, 0, "eth0", 1);
	node_publish_status(&r, 1, "status", 6);
}

static void
exercise(struct mint_region *r)
{
	struct doorbell db;
	struct ring_rx rx;
	struct ring_tx tx;
	struct ring_rec rec;
	struct node_view nv;
	struct res_view rv;
	uint8_t buf[256];
	uint32_t len;
	unsigned from, to;

	doorbell_init(&db, DOORBELL_POLL);
	for (unsigned n = 0; n < r->layout.nodes; n++) {
		node_read(r, n, &nv);
		node_read_status(r, n, buf, sizeof(buf), &len);
	}
	for (unsigned i = 0; i < r->layout.res_count; i++)
		res_read(r, i, &rv);
	for (unsigned i = 0; i < r->layout.stream_count; i++)
		stream_owner(r, r->layout.ring_count + i, &from, &to);
	for (unsigned i = 0; i < r->layout.ring_count + r->layout.stream_count && i < 8; i++) {
		if (ring_rx_open(&rx, r, i, &db, NULL, 0) == 0) {
			for (int k = 0; k < 1000 && ring_peek(&rx, &rec) == 0; k++) {
				volatile uint8_t sink = 0;
				for (uint32_t b = 0; b < rec.len; b++)
					sink ^= ((const uint8_t *)rec.data)[b];
				(void)sink;
				ring_release(&rx);
			}
			ring_rx_backlog(&rx);
		}
		if (ring_tx_open(&tx, r, i, 2, &db, NULL, 0) == 0) {
			memset(buf, 0xab, sizeof(buf));
			for (int k = 0; k < 20 && ring_send(&tx, 1, buf, (uint32_t)(k * 13)) == 0; k++)
				;
			ring_tx_publish(&tx);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mint_region r;
	size_t i = 1;

	if (tmpl == NULL)
		setup();
	memcpy(work, tmpl, total);
	while (i + 5 <= size) {
		uint32_t off, n;
		memcpy(&off, data + i, 4);
		n = data[i + 4];
		i += 5;
		if (n > size - i)
			n = (uint32_t)(size - i);
		off %= (uint32_t)total;
		if (n > total - off)
			n = (uint32_t)(total - off);
		memcpy(work + off, data + i, n);
		i += n;
	}
	if (size > 0 && (data[0] & 1))
		((struct mint_sb *)work)->layout_crc = region_layout_crc((struct mint_sb *)work);
	memset(&r, 0, sizeof(r));
	r.base = work;
	r.size = total;
	r.fd = -1;
	if (region_attach(&r, NULL, 0) == 0)
		exercise(&r);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "tests/fuzz/fuzz-driver.h"

/* Replay the files given, or run N pseudo-random inputs aimed at the hot spots. */
int
main(int argc, char **argv)
{
	static uint8_t in[4096];
	uint64_t s = 0x2545f4914f6cdd1dull;
	long runs = 20000;
	int rc = fuzz_replay(argc, argv, &runs);

	if (rc >= 0)
		return rc;
	if (tmpl == NULL)
		setup();
	for (long k = 0; k < runs; k++) {
		size_t n = 1;
		int patches = 1 + (int)(s % 4);
		in[0] = (uint8_t)(k & 1);
		for (int p = 0; p < patches && n + 5 + 8 < sizeof(in); p++) {
			uint32_t off, len;
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			/* mostly the superblock and the first ring's header and data */
			switch (s % 4) {
			case 0: off = (uint32_t)(s >> 8) % 4096; break;
			case 1: off = (uint32_t)(((struct mint_sb *)tmpl)->layout.ring_hdrs.off + (s >> 8) % 512); break;
			case 2: off = (uint32_t)(((struct mint_sb *)tmpl)->layout.ring_area.off + (s >> 8) % 4096); break;
			default: off = (uint32_t)((s >> 8) % total); break;
			}
			len = 1 + (uint32_t)(s >> 40) % 8;
			memcpy(in + n, &off, 4);
			in[n + 4] = (uint8_t)len;
			n += 5;
			for (uint32_t b = 0; b < len; b++) {
				s ^= s << 13, s ^= s >> 7, s ^= s << 17;
				in[n++] = (uint8_t)(s % 3 == 0 ? 0xff : s >> 24);
			}
		}
		LLVMFuzzerTestOneInput(in, n);
	}
	printf("ok 1 - %ld pseudo-random damaged regions attached or refused without a fault\n", runs);
	free(tmpl);
	free(work);
	return 0;
}
#endif
