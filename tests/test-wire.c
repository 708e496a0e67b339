/* Messages: every kind round-trips; damaged, foreign and oversized bytes are refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wire.h"
#include "tests/tap.h"

static uint8_t buf[WIRE_MAX + 16];
static char cause[256];

static Mint__Envelope *
round_trip(const Mint__Envelope *e)
{
	Mint__Envelope *out;
	size_t len;

	if (wire_pack(e, buf, sizeof(buf), &len) < 0 ||
	    wire_unpack(buf, len, &out, cause, sizeof(cause)) < 0)
		return NULL;
	return out;
}

static void
test_status(void)
{
	Mint__Envelope e, *o = NULL;
	Mint__NodeStatus st;
	Mint__Core cores[3], *cp[3];
	Mint__Guest g, *gp[1];
	Mint__Device d, *dp[1];
	Mint__Channel ch, *chp[1];

	wire_init(&e, 2, 0, 77);
	mint__node_status__init(&st);
	st.has_node = 1, st.node = 2;
	st.has_epoch = 1, st.epoch = 9;
	st.has_state = 1, st.state = MINT__NODE_STATE__NODE_ONLINE;
	st.has_mode = 1, st.mode = MINT__CORE_MODE__CORES_CPUSET;
	for (int i = 0; i < 3; i++) {
		mint__core__init(&cores[i]);
		cores[i].has_cpu = 1, cores[i].cpu = (uint32_t)i + 4;
		cores[i].has_online = 1, cores[i].online = 1;
		cores[i].has_busy_permille = 1, cores[i].busy_permille = (uint32_t)i * 300;
		cp[i] = &cores[i];
	}
	st.n_cores = 3, st.cores = cp;
	st.has_mem_total_bytes = 1, st.mem_total_bytes = 8ull << 30;
	st.has_load1_centi = 1, st.load1_centi = 125;
	mint__guest__init(&g);
	g.name = "web1";
	g.has_state = 1, g.state = MINT__GUEST_STATE__GUEST_RUNNING;
	g.has_vcpus = 1, g.vcpus = 2;
	g.has_memory_bytes = 1, g.memory_bytes = 512ull << 20;
	gp[0] = &g;
	st.n_guests = 1, st.guests = gp;
	mint__device__init(&d);
	d.name = "eth1", d.kind = "net", d.driver = "virtio_net";
	dp[0] = &d;
	st.n_devices = 1, st.devices = dp;
	mint__channel__init(&ch);
	ch.has_peer = 1, ch.peer = 0;
	ch.has_tx_messages = 1, ch.tx_messages = 1ull << 40;
	chp[0] = &ch;
	st.n_channels = 1, st.channels = chp;
	e.body_case = MINT__ENVELOPE__BODY_STATUS;
	e.status = &st;

	o = round_trip(&e);
	ok(o != NULL, "a node status packs and unpacks");
	if (o == NULL)
		return;
	ok(o->src == 2 && o->dst == 0 && o->request_id == 77 && o->version == MINT_PROTO_VERSION,
	    "  envelope fields survive");
	ok(o->body_case == MINT__ENVELOPE__BODY_STATUS && o->status->node == 2 &&
	    o->status->epoch == 9 && o->status->state == MINT__NODE_STATE__NODE_ONLINE &&
	    o->status->mode == MINT__CORE_MODE__CORES_CPUSET, "  node, epoch, state and mode survive");
	ok(o->status->n_cores == 3 && o->status->cores[2]->cpu == 6 &&
	    o->status->cores[2]->busy_permille == 600, "  cores survive");
	ok(o->status->n_guests == 1 && strcmp(o->status->guests[0]->name, "web1") == 0 &&
	    o->status->guests[0]->memory_bytes == 512ull << 20, "  guests survive");
	ok(o->status->n_devices == 1 && strcmp(o->status->devices[0]->driver, "virtio_net") == 0,
	    "  devices survive");
	ok(o->status->n_channels == 1 && o->status->channels[0]->tx_messages == 1ull << 40,
	    "  channel counters survive");
	wire_free(o);
}

static void
test_command_reply(void)
{
	Mint__Envelope e, *o = NULL;
	Mint__Command c;
	Mint__Reply r;

	wire_init(&e, WIRE_CONSOLE, 1, 5);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_CPU_MOVE;
	c.has_cpu = 1, c.cpu = 3;
	c.has_to_node = 1, c.to_node = 2;
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = &c;
	o = round_trip(&e);
	ok(o != NULL && o->src == WIRE_CONSOLE && o->command->kind == MINT__COMMAND_KIND__CMD_CPU_MOVE &&
	    o->command->cpu == 3 && o->command->to_node == 2, "a command from a console round-trips");
	wire_free(o);

	wire_init(&e, 1, WIRE_CONSOLE, 5);
	mint__reply__init(&r);
	r.has_error = 1, r.error = -EBUSY;
	r.message = "cpu3 is the last core of node 1";
	e.body_case = MINT__ENVELOPE__BODY_REPLY;
	e.reply = &r;
	o = round_trip(&e);
	ok(o != NULL && o->reply->error == -EBUSY && strcmp(o->reply->message, r.message) == 0,
	    "a reply with an error and its sentence round-trips");
	wire_free(o);
}

static void
test_refused(void)
{
	Mint__Envelope e, *o = NULL;
	Mint__Hello h;
	Mint__Command c;
	static uint8_t big[WIRE_MAX];
	size_t len, n;
	int bad = 0;

	mint__hello__init(&h);
	h.software = "mint-agent test";
	wire_init(&e, 1, 2, 1);
	e.body_case = MINT__ENVELOPE__BODY_HELLO;
	e.hello = &h;

	e.version = MINT_PROTO_VERSION + 1;
	wire_pack(&e, buf, sizeof(buf), &len);
	is(wire_unpack(buf, len, &o, cause, sizeof(cause)), -EPROTONOSUPPORT,
	    "another protocol version is refused");
	has(cause, "protocol version 2", "  and the message names both versions");
	e.has_version = 0;
	wire_pack(&e, buf, sizeof(buf), &len);
	is(wire_unpack(buf, len, &o, cause, sizeof(cause)), -EPROTONOSUPPORT, "no version is refused");
	e.has_version = 1, e.version = MINT_PROTO_VERSION;

	e.src = 200;
	wire_pack(&e, buf, sizeof(buf), &len);
	is(wire_unpack(buf, len, &o, cause, sizeof(cause)), -EBADMSG, "a node number out of range is refused");
	has(cause, "cannot exist", "  as such");
	e.src = 1;

	e.body_case = MINT__ENVELOPE__BODY__NOT_SET;
	wire_pack(&e, buf, sizeof(buf), &len);
	is(wire_unpack(buf, len, &o, cause, sizeof(cause)), -EBADMSG, "a message without a body is refused");
	e.body_case = MINT__ENVELOPE__BODY_HELLO;

	memset(buf, 0xff, 32);
	is(wire_unpack(buf, 32, &o, cause, sizeof(cause)), -EBADMSG, "garbage is refused");
	has(cause, "does not decode", "  as undecodable");

	/* fields this build does not know: at the top, and inside the hello */
	wire_pack(&e, buf, sizeof(buf), &len);
	buf[len] = 0xa0, buf[len + 1] = 0x01, buf[len + 2] = 0x01;	/* field 20 = 1 */
	is(wire_unpack(buf, len + 3, &o, cause, sizeof(cause)), -EBADMSG,
	    "an unknown field is refused");
	has(cause, "does not know", "  as such");
	e.body_case = MINT__ENVELOPE__BODY__NOT_SET;
	wire_pack(&e, buf, sizeof(buf), &len);
	n = mint__hello__pack(&h, big);
	big[n] = 0x78, big[n + 1] = 0x01;				/* field 15 = 1 */
	buf[len] = 0x52, buf[len + 1] = (uint8_t)(n + 2);		/* field 10, the hello */
	memcpy(buf + len + 2, big, n + 2);
	is(wire_unpack(buf, len + 2 + n + 2, &o, cause, sizeof(cause)), -EBADMSG,
	    "an unknown field inside the body is refused");
	e.body_case = MINT__ENVELOPE__BODY_HELLO;

	wire_pack(&e, buf, sizeof(buf), &len);
	for (n = 0; n < len; n++)
		if (wire_unpack(buf, n, &o, cause, sizeof(cause)) == 0) {
			bad++;
			wire_free(o);
		}
	is(bad, 0, "every truncation of a message is refused (%zu tried)", len);

	is(wire_unpack(buf, WIRE_MAX + 1, &o, cause, sizeof(cause)), -EMSGSIZE,
	    "more than WIRE_MAX bytes is refused unread");
	mint__command__init(&c);
	c.has_data = 1, c.data.len = sizeof(big), c.data.data = big;
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = &c;
	is(wire_pack(&e, buf, sizeof(buf), &len), -EMSGSIZE, "an oversized message is not packed");
	c.data.len = 1000;
	is(wire_pack(&e, buf, 100, &len), -EMSGSIZE, "nor one larger than the buffer");
}

/* Entries that cost an allocation each, however small on the wire, are bounded. */
static void
test_entries(void)
{
	Mint__Envelope e, *o = NULL;
	Mint__NodeStatus st;
	static Mint__Core core, *cores[WIRE_MAX_ENTRIES + 1];
	size_t len;
	int i;

	mint__core__init(&core);
	for (i = 0; i <= WIRE_MAX_ENTRIES; i++)
		cores[i] = &core;
	mint__node_status__init(&st);
	st.cores = cores;
	wire_init(&e, 1, 2, 1);
	e.body_case = MINT__ENVELOPE__BODY_STATUS;
	e.status = &st;
	st.n_cores = WIRE_MAX_ENTRIES;
	ok(wire_pack(&e, buf, sizeof(buf), &len) == 0 &&
	    wire_unpack(buf, len, &o, cause, sizeof(cause)) == 0 && o->status->n_cores == WIRE_MAX_ENTRIES,
	    "a status of %d empty cores decodes", WIRE_MAX_ENTRIES);
	if (o != NULL)
		wire_free(o);
	st.n_cores = WIRE_MAX_ENTRIES + 1;
	wire_pack(&e, buf, sizeof(buf), &len);
	is(wire_unpack(buf, len, &o, cause, sizeof(cause)), -E2BIG,
	    "one more is refused before it is decoded (%zu bytes)", len);
	has(cause, "repeated entries", "  with the reason");
}

static void
test_frames(void)
{
	uint8_t f[16];
	uint32_t len = 0;

	wire_frame_put(f, 10);
	is(wire_frame_get(f, 3, &len), -EAGAIN, "a partial frame header waits");
	is(wire_frame_get(f, 8, &len), -EAGAIN, "a partial message waits");
	ok(wire_frame_get(f, 14, &len) == 0 && len == 10, "a whole frame gives its length");
	wire_frame_put(f, WIRE_MAX + 1);
	is(wire_frame_get(f, 16, &len), -EMSGSIZE, "an oversized frame is refused at once");
}

int
main(void)
{
	test_status();
	test_command_reply();
	test_refused();
	test_entries();
	test_frames();
	return tap_done();
}
