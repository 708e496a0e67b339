/*
 * Packing, unpacking, framing and the version check of mint messages: the
 * one place where bytes from a peer become an Envelope.
 */
#ifndef MINT_PROTO_WIRE_H
#define MINT_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/mint.pb-c.h"

#define MINT_PROTO_VERSION	1	/* bump on an incompatible schema change */
#define WIRE_MAX		(256 * 1024)	/* largest packed envelope */
#define WIRE_CONSOLE		0xffu	/* src of a message from a console */
/* node numbers a message may name; the region holds as many (agent/peers.c asserts it) */
#define WIRE_MAX_NODES		64
#define WIRE_FRAME_HDR		4	/* stream framing: u32 little-endian length */
/*
 * Repeated entries (submessages, strings, bytes) one message may carry: far
 * more than any status (256 cores, 256 guests, 64 channels...) needs, and
 * each costs protobuf-c an allocation however few bytes it takes on the wire.
 */
#define WIRE_MAX_ENTRIES	8192

void wire_init(Mint__Envelope *e, uint32_t src, uint32_t dst, uint64_t request_id);
int wire_pack(const Mint__Envelope *e, uint8_t *buf, size_t cap, size_t *len);
int wire_unpack(const uint8_t *buf, size_t len, Mint__Envelope **out, char *cause,
	    size_t causelen);
int wire_unpack_shared(const void *shared, size_t len, uint8_t *copy, size_t cap,
	    Mint__Envelope **out, char *cause, size_t causelen);
void wire_free(Mint__Envelope *e);
void wire_frame_put(uint8_t hdr[WIRE_FRAME_HDR], uint32_t len);
int wire_frame_get(const uint8_t *buf, size_t avail, uint32_t *len);

#endif
