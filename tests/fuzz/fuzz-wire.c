/*
 * Fuzz target: arbitrary bytes to the message decoder and the frame parser.
 * What decodes must pack again and decode to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t a[WIRE_MAX], b[WIRE_MAX];
	Mint__Envelope *e, *e2;
	size_t la, lb;
	uint32_t len;

	wire_frame_get(data, size, &len);
	if (wire_unpack(data, size, &e, NULL, 0) < 0)
		return 0;
	if (wire_pack(e, a, sizeof(a), &la) == 0) {
		if (wire_unpack(a, la, &e2, NULL, 0) != 0)
			abort();	/* what we packed must decode */
		if (wire_pack(e2, b, sizeof(b), &lb) != 0 || la != lb || memcmp(a, b, la) != 0)
			abort();	/* and pack the same way again */
		wire_free(e2);
	}
	wire_free(e);
	return 0;
}

#ifdef FUZZ_STANDALONE
#include "tests/fuzz/fuzz-driver.h"

/* Replay the files given, or mutate a valid message pseudo-randomly. */
int
main(int argc, char **argv)
{
	static uint8_t seed[512], in[512];
	Mint__Envelope e;
	Mint__Command c;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	long runs = 20000;
	size_t len;
	int rc = fuzz_replay(argc, argv, &runs);

	if (rc >= 0)
		return rc;
	wire_init(&e, 1, 2, 3);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_START;
	c.name = "guest-one";
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = &c;
	wire_pack(&e, seed, sizeof(seed), &len);
	for (long k = 0; k < runs; k++) {
		memcpy(in, seed, len);
		for (int m = 0; m < 3; m++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			in[s % len] = (uint8_t)(s >> 32);
		}
		LLVMFuzzerTestOneInput(in, len - (size_t)(k % 3));
	}
	printf("ok 1 - %ld mutated messages decoded or refused without a fault\n", runs);
	return 0;
}
#endif
