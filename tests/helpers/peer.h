/* What test-abi and its peer agree on. */
#ifndef MINT_TESTS_PEER_H
#define MINT_TESTS_PEER_H

#include <stddef.h>
#include <stdint.h>

enum { PEER_DATA = 1, PEER_ECHO, PEER_END, PEER_STREAM, PEER_BULK, PEER_SUM, PEER_DONE };

#define PEER_STATUS_MAGIC	0x50454552u
#define PEER_CHUNK		65536
#define PEER_BULK_CHUNKS	128
#define PEER_SUM_SEED		0xcbf29ce484222325ull

/* The status snapshot the peer publishes: fixed-width fields only. */
struct peer_status {
	uint32_t magic;
	uint32_t ptr_size;	/* 4 from a 32-bit build */
	uint64_t records;
	uint64_t reserved;
};

static inline uint64_t
peer_sum(uint64_t h, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}


#endif
