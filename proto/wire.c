/* Envelopes to bytes and back, with every check a peer's bytes need. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "proto/wire.h"
#include "common/cause.h"

/* A fresh envelope of this protocol version. */
void
wire_init(Mint__Envelope *e, uint32_t src, uint32_t dst, uint64_t request_id)
{
	mint__envelope__init(e);
	e->has_version = 1;
	e->version = MINT_PROTO_VERSION;
	e->has_src = 1;
	e->src = src;
	e->has_dst = 1;
	e->dst = dst;
	e->has_request_id = 1;
	e->request_id = request_id;
}

/* Pack e into buf: 0, or -EMSGSIZE if it exceeds cap or WIRE_MAX. */
int
wire_pack(const Mint__Envelope *e, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = mint__envelope__get_packed_size(e);

	if (n > cap || n > WIRE_MAX)
		return -EMSGSIZE;
	*len = mint__envelope__pack(e, buf);
	return 0;
}

/*
 * Does m, or any message inside it, carry fields this build does not know?
 * Peers speak the same version, so such fields are damage; and kept, they
 * would be packed again as they came when a message is passed on.
 */
static int
has_unknown(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (m->n_unknown_fields > 0)
		return 1;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const uint8_t *base = (const uint8_t *)m;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(base + f->offset);
			for (size_t k = 0; k < n; k++)
				if (has_unknown(v[k]))
					return 1;
		} else {
			const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + f->offset);
			/* a oneof member is there only when it is the case that is set */
			if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    *(const uint32_t *)(base + f->quantifier_offset) != f->id)
				continue;
			if (sub != NULL && has_unknown(sub))
				return 1;
		}
	}
	return 0;
}

static int
varint(const uint8_t *p, size_t len, size_t *i, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *i < len; shift += 7) {
		uint8_t b = p[(*i)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/*
 * The repeated entries that decoding p would allocate, counted from the
 * bytes with d's fields and no allocation; counting stops past limit. Bytes
 * that do not parse are left to the decoder to refuse.
 */
static size_t
count_entries(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, int depth,
    size_t limit)
{
	size_t i = 0, n = 0;
	uint64_t key, v;

	while (i < len && n <= limit) {
		const ProtobufCFieldDescriptor *f;

		if (varint(p, len, &i, &key) < 0)
			break;
		switch (key & 7) {
		case 0:
			if (varint(p, len, &i, &v) < 0)
				return n;
			break;
		case 1:
			i += 8;
			break;
		case 5:
			i += 4;
			break;
		case 2:
			if (varint(p, len, &i, &v) < 0 || v > len - i)
				return n;
			f = protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
			if (f != NULL && f->label == PROTOBUF_C_LABEL_REPEATED &&
			    (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING ||
			    f->type == PROTOBUF_C_TYPE_BYTES))
				n++;
			if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE && depth < 16)
				n += count_entries(f->descriptor, p + i, (size_t)v, depth + 1, limit - n);
			i += (size_t)v;
			break;
		default:
			return n;
		}
	}
	return n;
}

static int
node_ok(uint32_t n)
{
	return n < WIRE_MAX_NODES || n == WIRE_CONSOLE;
}

/*
 * Unpack and check an envelope from untrusted bytes: its size, its
 * encoding, the protocol version, the node numbers, that it carries no field
 * unknown to this build and that it has a body.
 * On success *out must be given to wire_free.
 */
int
wire_unpack(const uint8_t *buf, size_t len, Mint__Envelope **out, char *cause, size_t clen)
{
	Mint__Envelope *e;

	*out = NULL;
	if (len > WIRE_MAX)
		return cause_fail(cause, clen, -EMSGSIZE, "message of %zu bytes, more than %d",
		    len, WIRE_MAX);
	/* a frame of empty entries would cost megabytes to decode: counted first */
	if (count_entries(&mint__envelope__descriptor, buf, len, 0, WIRE_MAX_ENTRIES) >
	    WIRE_MAX_ENTRIES)
		return cause_fail(cause, clen, -E2BIG, "message of %zu bytes carries more than %d "
		    "repeated entries", len, WIRE_MAX_ENTRIES);
	e = mint__envelope__unpack(NULL, len, buf);
	if (e == NULL)
		return cause_fail(cause, clen, -EBADMSG, "message of %zu bytes does not decode", len);
	if (!e->has_version || e->version != MINT_PROTO_VERSION) {
		cause_fail(cause, clen, -EPROTONOSUPPORT, "protocol version %" PRIu32
		    ", this build speaks %d", e->has_version ? e->version : 0, MINT_PROTO_VERSION);
		wire_free(e);
		return -EPROTONOSUPPORT;
	}
	if (!e->has_src || !e->has_dst || !node_ok(e->src) || !node_ok(e->dst)) {
		cause_fail(cause, clen, -EBADMSG, "message from node %" PRIu32 " to node %" PRIu32
		    " names a node that cannot exist", e->src, e->dst);
		wire_free(e);
		return -EBADMSG;
	}
	if (has_unknown(&e->base)) {
		cause_fail(cause, clen, -EBADMSG, "message carries fields this build does not know");
		wire_free(e);
		return -EBADMSG;
	}
	if (e->body_case == MINT__ENVELOPE__BODY__NOT_SET) {
		cause_fail(cause, clen, -EBADMSG, "message without a body");
		wire_free(e);
		return -EBADMSG;
	}
	*out = e;
	return 0;
}

/*
 * wire_unpack for bytes in memory another node can write (a ring record):
 * copied to copy (cap bytes, private) first, and only the copy is read.
 * protobuf-c reads packed repeated fields twice, counting then storing with
 * no bound, so bytes rewritten between the passes would overflow its arrays.
 */
int
wire_unpack_shared(const void *shared, size_t len, uint8_t *copy, size_t cap,
    Mint__Envelope **out, char *cause, size_t clen)
{
	*out = NULL;
	if (len > WIRE_MAX || len > cap)
		return cause_fail(cause, clen, -EMSGSIZE, "message of %zu bytes, more than %zu",
		    len, cap < WIRE_MAX ? cap : (size_t)WIRE_MAX);
	memcpy(copy, shared, len);
	return wire_unpack(copy, len, out, cause, clen);
}

void
wire_free(Mint__Envelope *e)
{
	if (e != NULL)
		mint__envelope__free_unpacked(e, NULL);
}

/* The 4-byte length that precedes a message on a stream socket. */
void
wire_frame_put(uint8_t hdr[WIRE_FRAME_HDR], uint32_t len)
{
	hdr[0] = (uint8_t)len;
	hdr[1] = (uint8_t)(len >> 8);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 24);
}

/*
 * The length of the message framed at buf: 0 with *len set, -EAGAIN if the
 * header or the message is not all there yet, -EMSGSIZE if it is too large.
 */
int
wire_frame_get(const uint8_t *buf, size_t avail, uint32_t *len)
{
	uint32_t n;

	if (avail < WIRE_FRAME_HDR)
		return -EAGAIN;
	n = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
	    (uint32_t)buf[3] << 24;
	if (n > WIRE_MAX)
		return -EMSGSIZE;
	*len = n;
	return avail - WIRE_FRAME_HDR < n ? -EAGAIN : 0;
}
