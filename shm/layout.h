/*
 * The shared region as every node sees it: superblock, node table, resource
 * table, ring headers and ring data. Offsets only, never pointers; fixed-width
 * little-endian fields with explicit padding, so 32- and 64-bit builds agree.
 */
#ifndef MINT_SHM_LAYOUT_H
#define MINT_SHM_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the region layout is little-endian; add byte swapping before porting"
#endif

#define MINT_MAGIC		0x4d48535f544e494dULL	/* "MINT_SHM" */
#define MINT_LAYOUT_VERSION	2	/* bump on any change to this file */

#define MINT_MAX_NODES		64
#define MINT_LINE		64	/* cache line; every shared block is aligned to it */
#define MINT_PAGE		4096

/* A piece of the region: where it starts and how long it is. */
struct mint_extent {
	uint64_t off;
	uint64_t len;
};

/* Sizes and places of every table; covered by the superblock checksum. */
struct mint_layout {
	uint32_t nodes;		/* node slots */
	uint32_t node_size;	/* bytes per node entry, header + status area */
	uint32_t status_max;	/* bytes of snapshot in each node entry */
	uint32_t res_count;	/* resource table entries */
	uint32_t res_size;	/* bytes per resource entry */
	uint32_t ring_count;	/* pair rings: nodes * (nodes - 1) */
	uint32_t ring_data;	/* data bytes of each pair ring, a power of two */
	uint32_t stream_count;	/* stream rings in the pool */
	uint32_t stream_data;	/* data bytes of each stream ring, a power of two */
	uint32_t ring_hdr_size;	/* bytes per ring header */
	struct mint_extent node_table;
	struct mint_extent res_table;
	struct mint_extent ring_hdrs;	/* pair ring headers, then stream ring headers */
	struct mint_extent ring_area;	/* pair ring data */
	struct mint_extent stream_area;	/* stream ring data */
};

struct mint_sb {
	uint64_t magic;		/* MINT_MAGIC; format stores it last */
	uint32_t version;	/* MINT_LAYOUT_VERSION */
	uint32_t sb_size;	/* sizeof(struct mint_sb) */
	uint64_t total_size;	/* bytes in the region */
	uint32_t generation;	/* bumped by every format */
	uint32_t layout_crc;	/* crc32c of the layout description below */
	struct mint_layout layout;
	uint8_t pad[MINT_PAGE - 32 - sizeof(struct mint_layout)];
};

enum mint_node_state {
	MINT_NODE_ABSENT = 0,
	MINT_NODE_BOOTING,
	MINT_NODE_ONLINE,
	MINT_NODE_STOPPING,
	MINT_NODE_DEAD,
	MINT_NODE_STATE_MAX
};

/*
 * One node's entry, written only by that node. The status snapshot that
 * follows the header is guarded by status_seq (a seqlock: odd while writing).
 */
struct mint_node {
	uint32_t state;		/* enum mint_node_state */
	uint32_t epoch;		/* bumped each time the node's agent attaches */
	uint64_t heartbeat;	/* bumped every heartbeat period */
	uint32_t status_seq;
	uint32_t status_len;	/* bytes of snapshot, <= layout.status_max */
	uint32_t pid;		/* of the attached agent, for diagnostics only */
	uint32_t bell;		/* its doorbell address + 1 (the module's), or its bell
				   socket's random token (one kernel); 0: none */
	uint8_t pad[MINT_LINE - 32];
	/* uint8_t status[layout.status_max] follows */
};

enum mint_res_kind {
	MINT_RES_NONE = 0,
	MINT_RES_CPU,
	MINT_RES_MEM,
	MINT_RES_DEV,
	MINT_RES_POOL,		/* an extent of the guest RAM pool (shm/pool.h) */
	MINT_RES_KIND_MAX
};

/* Hand-over states: owned -> releasing -> free -> claiming -> owned. */
enum mint_res_state {
	MINT_RS_FREE = 0,
	MINT_RS_OWNED,
	MINT_RS_RELEASING,
	MINT_RS_CLAIMING,
	MINT_RS_FENCED,		/* a side died mid-move: untouchable until reclaimed */
	MINT_RS_BOOTING,	/* reserved for a node being booted */
	MINT_RS_STATE_MAX
};

/* No node, in a resource's owner or peer field. */
#define MINT_NO_NODE	0xff

/*
 * One core, memory block, device or guest RAM pool extent. All nodes may change it, so its state,
 * owner and peer live in one 64-bit word changed by compare-and-swap:
 * bits 0-7 state, 8-15 owner, 16-23 peer (the other side of a move),
 * 32-63 a generation bumped by every change.
 */
struct mint_res {
	uint64_t word;
	uint16_t kind;		/* enum mint_res_kind */
	uint16_t flags;
	uint32_t index;		/* cpu number, memory block number, device slot, extent */
	uint64_t base;		/* memory: physical address; pool: offset in it; others 0 */
	uint64_t size;		/* memory, pool: bytes; others 0 */
	uint32_t owner_epoch;	/* epochs of both sides at the last change */
	uint32_t peer_epoch;
	char name[32];		/* device name, pool: its guest's; NUL-padded */
	uint8_t pad[128 - 72];
};

#define MINT_RES_STATE(w)	((unsigned)((w) & 0xff))
#define MINT_RES_OWNER(w)	((unsigned)(((w) >> 8) & 0xff))
#define MINT_RES_PEER(w)	((unsigned)(((w) >> 16) & 0xff))
#define MINT_RES_GEN(w)		((uint32_t)((w) >> 32))
#define MINT_RES_WORD(state, owner, peer, gen) \
	((uint64_t)(state) | (uint64_t)(owner) << 8 | (uint64_t)(peer) << 16 | \
	 (uint64_t)(gen) << 32)

/*
 * A ring header. Each line has a single writer, so the producer's and the
 * consumer's stores never share a line.
 */
struct mint_ring {
	/* line 0: written by format (and by whoever takes a stream ring) */
	uint64_t data_off;	/* region offset of the data */
	uint32_t size;		/* data bytes, power of two */
	uint32_t from;		/* producer node */
	uint32_t to;		/* consumer node */
	uint32_t pad0;
	uint64_t claim;		/* stream rings: see stream.h; pair rings: 0 */
	uint8_t pad1[MINT_LINE - 32];
	/* line 1: producer */
	uint32_t tx_epoch;	/* producer epoch, set before its first record */
	uint32_t tx_sleeping;	/* producer waits for space */
	uint32_t rx_bell;	/* producer bumps it to wake the consumer */
	uint8_t pad2[MINT_LINE - 12];
	/* line 2: consumer position, published in batches */
	uint32_t rx_pos;
	uint8_t pad3[MINT_LINE - 4];
	/* line 3: consumer, rarely written */
	uint32_t rx_sleeping;	/* consumer waits for data */
	uint32_t tx_bell;	/* consumer bumps it to wake the producer */
	uint8_t pad4[MINT_LINE - 8];
};

/*
 * A record in ring data: an 8-byte header, then the payload, padded to 8.
 * commit = type << 24 | payload length; 0 means "nothing here yet".
 * tag = seq (low 16 bits) << 16 | epoch (low 16 bits). The header is stored
 * last, as one 64-bit little-endian word (commit | tag << 32), with release.
 */
struct mint_rec {
	uint32_t commit;
	uint32_t tag;
};

#define MINT_REC_TYPE_PAD	0xffu	/* filler up to the end of the data */
#define MINT_REC_TYPE_MAX	0xfeu	/* user types are 1..0xfe */
#define MINT_REC_LEN_MAX	0xffffff

_Static_assert(sizeof(struct mint_extent) == 16, "extent size");
_Static_assert(sizeof(struct mint_layout) == 120, "layout size");
_Static_assert(sizeof(struct mint_sb) == MINT_PAGE, "superblock size");
_Static_assert(offsetof(struct mint_sb, layout) == 32, "superblock layout offset");
_Static_assert(sizeof(struct mint_node) == MINT_LINE, "node header size");
_Static_assert(offsetof(struct mint_node, heartbeat) == 8, "node heartbeat offset");
_Static_assert(sizeof(struct mint_res) == 128, "resource entry size");
_Static_assert(offsetof(struct mint_res, base) == 16, "resource base offset");
_Static_assert(offsetof(struct mint_res, name) == 40, "resource name offset");
_Static_assert(sizeof(struct mint_ring) == 4 * MINT_LINE, "ring header size");
_Static_assert(offsetof(struct mint_ring, claim) == 24, "ring claim offset");
_Static_assert(offsetof(struct mint_ring, tx_epoch) == MINT_LINE, "ring producer line");
_Static_assert(offsetof(struct mint_ring, rx_pos) == 2 * MINT_LINE, "ring consumer line");
_Static_assert(offsetof(struct mint_ring, rx_sleeping) == 3 * MINT_LINE, "ring sleep line");
_Static_assert(sizeof(struct mint_rec) == 8, "record header size");

#endif
