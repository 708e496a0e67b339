/*
 * mint-console tunnel listen|close|list: byte streams between a Unix socket
 * on one node and one on another, through the region. Guest migration sets
 * up its own; these are for anything else (and for testing them).
 */
#include <errno.h>
#include <inttypes.h>

#include "common/parse.h"
#include "console/cmd.h"
#include "view/snapshot.h"
#include "shm/node.h"
#include "shm/stream.h"

static int
tunnel_listen(struct cmd_ctx *ctx, struct args *a)
{
	unsigned node = (unsigned)args_u64(a, "--node", MINT_MAX_NODES);
	unsigned to = (unsigned)args_u64(a, "--to", MINT_MAX_NODES);
	const char *target = args_str(a, "--target", NULL);
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	Mint__Envelope *r;
	Mint__Command c;
	int rc;

	if (node == MINT_MAX_NODES || to == MINT_MAX_NODES || target == NULL || a->npos != 1)
		return cmd_fail(CMD_USAGE, "usage: tunnel listen --node N --to M --target NAME SOCKET");
	if (a->pos[0][0] != '/')
		return cmd_fail(CMD_USAGE, "tunnel listen: %s: give the socket as an absolute path", a->pos[0]);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_TUNNEL_LISTEN;
	c.has_node = 1, c.node = node;
	c.has_to_node = 1, c.to_node = to;
	c.name = a->pos[0];
	c.target = (char *)target;
	if ((rc = cmd_ask_agent(ctx, &c, &r)) != 0)
		return rc;
	out_begin(o, NULL);
	out_uint(o, "node", OUT_NOTEXT, node);
	out_uint(o, "tunnel", OUT_NOTEXT, r->reply->value);
	out_end(o);
	cmd_reply_text(o, r, "listening");
	wire_free(r);
	return 0;
}

static int
tunnel_close(struct cmd_ctx *ctx, struct args *a)
{
	unsigned node = (unsigned)args_u64(a, "--node", MINT_MAX_NODES);
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	Mint__Envelope *r;
	Mint__Command c;
	int rc;
	unsigned long id;

	if (node == MINT_MAX_NODES || a->npos != 1)
		return cmd_fail(CMD_USAGE, "usage: tunnel close --node N ID");
	if (parse_uint(a->pos[0], UINT32_MAX, &id) < 0)
		return cmd_fail(CMD_USAGE, "tunnel: '%s' is not a tunnel number", a->pos[0]);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_TUNNEL_CLOSE;
	c.has_node = 1, c.node = node;
	c.has_resource = 1, c.resource = (uint32_t)id;
	if ((rc = cmd_ask_agent(ctx, &c, &r)) != 0)
		return rc;
	out_begin(o, NULL);
	out_uint(o, "node", OUT_NOTEXT, node);
	out_uint(o, "tunnel", OUT_NOTEXT, id);
	out_bool(o, "closed", OUT_NOTEXT, 1);
	out_end(o);
	cmd_reply_text(o, r, "closed");
	wire_free(r);
	return 0;
}

/* One node's tunnels, from its published status: a row each. */
static int
tunnel_rows(void *arg, unsigned n, const Mint__NodeStatus *st)
{
	struct out *o = arg;

	for (size_t i = 0; i < st->n_tunnels; i++) {
		const Mint__Tunnel *t = st->tunnels[i];

		out_begin(o, NULL);
		out_uint(o, "node", -4, n);
		out_uint(o, "tunnel", -6, t->id);
		out_uint(o, "peer", -4, t->peer);
		out_str(o, "target", -10, t->target);
		out_uint(o, "bytes_out", -12, t->bytes_out);
		out_uint(o, "bytes_in", -12, t->bytes_in);
		if (t->listen != NULL) {
			out_str(o, "listen", 0, t->listen);
			out_uint(o, "connections", OUT_NOTEXT, t->connections);
		} else {
			out_cell(o, 0, "%s", "");
		}
		out_end(o);
	}
	return 0;
}

static int
tunnel_list(struct cmd_ctx *ctx, struct args *a)
{
	static const struct out_col cols[] = {
		{ "NODE", -4 }, { "TUNNEL", -6 }, { "PEER", -4 }, { "TARGET", -10 },
		{ "BYTES OUT", -12 }, { "BYTES IN", -12 }, { "LISTENING ON", 0 },
	};
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	unsigned nfree = 0, from, to;

	out_table(o, NULL, cols, 7);
	snapshot_each(&ctx->region, MINT_MAX_NODES, tunnel_rows, o);
	out_list_end(o);
	for (unsigned i = 0; i < ctx->region.layout.stream_count; i++)
		nfree += stream_owner(&ctx->region, ctx->region.layout.ring_count + i, &from, &to) ==
		    -ENOENT;
	out_text(o, "stream rings: %u of %u free", nfree, ctx->region.layout.stream_count);
	out_line(o);
	return 0;
}

static const struct args_opt tunnel_listen_opts[] = {
	{ "--node", ARGS_NODE, 0, MINT_MAX_NODES, NULL, NULL },
	{ "--to", ARGS_NODE, 0, MINT_MAX_NODES, NULL, NULL },
	{ "--target", ARGS_STRING, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_opt tunnel_close_opts[] = {
	{ "--node", ARGS_NODE, 0, MINT_MAX_NODES, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct cmd_verb tunnel_verbs[] = {
	{ "listen", "--node N --to M --target NAME SOCKET [--json]",
	  "Carry the connections to SOCKET (an absolute path) on node N to NAME on node M "
	  "(\"libvirt\", or a socket in M's tunnel directory) through the region.",
	  { .opts = tunnel_listen_opts, .max_pos = 1, .unknown = "tunnel listen: unexpected %s" },
	  0, tunnel_listen, CMPL_NONE },
	{ "close", "--node N ID [--json]", "Close node N's listener ID and its connections.",
	  { .opts = tunnel_close_opts, .max_pos = 1, .unknown = "usage: tunnel close --node N ID" },
	  0, tunnel_close, CMPL_NONE },
	{ "list", "[--json]", "List every node's tunnels, from their published status, and the "
	  "stream rings free.", { .unknown = "usage: tunnel listen|close|list ..." }, 0, tunnel_list,
	  CMPL_NONE },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

const struct cmd_entry cmd_tunnel_entry = {
	.name = "tunnel",
	.usage = "listen --node N --to M --target NAME SOCKET | close --node N ID | list",
	.help = "Carry the connections to SOCKET on node N to NAME on node M (\"libvirt\", or a "
	    "socket in M's tunnel directory) through the region; close such a listener; list them",
	.min_args = 1,
	.max_args = 9,
	.flags = CMD_JSON,
	.verbs = tunnel_verbs,
	.no_verb = "usage: tunnel listen|close|list ...",
};
