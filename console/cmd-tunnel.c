/*
 * mint-console tunnel listen|close|list: byte streams between a Unix socket
 * on one node and one on another, through the region. Guest migration sets
 * up its own; these are for anything else (and for testing them).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "console/snapshot.h"
#include "shm/node.h"
#include "shm/stream.h"

static int
num_arg(const char *what, const char *arg, unsigned max, unsigned *v)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || n > max)
		return cmd_error("tunnel: '%s' is not a %s", arg, what);
	*v = (unsigned)n;
	return 0;
}

static int
tunnel_listen(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned node = MINT_MAX_NODES, to = MINT_MAX_NODES;
	const char *target = NULL, *path = NULL;
	Mint__Envelope *r;
	Mint__Command c;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--node") == 0 && i + 1 < argc) {
			if (cmd_node_arg(argv[++i], &node) != 0)
				return 1;
		} else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc) {
			if (cmd_node_arg(argv[++i], &to) != 0)
				return 1;
		} else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
			target = argv[++i];
		} else if (argv[i][0] == '-' || path != NULL) {
			return cmd_error("tunnel listen: unexpected %s", argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (node == MINT_MAX_NODES || to == MINT_MAX_NODES || target == NULL || path == NULL)
		return cmd_error("usage: tunnel listen --node N --to M --target NAME SOCKET");
	if (path[0] != '/')
		return cmd_error("tunnel listen: %s: give the socket as an absolute path", path);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_TUNNEL_LISTEN;
	c.has_node = 1, c.node = node;
	c.has_to_node = 1, c.to_node = to;
	c.name = (char *)path;
	c.target = (char *)target;
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	if (ctx->json)
		printf("{\"node\":%u,\"tunnel\":%" PRIu64 "}\n", node, r->reply->value);
	else
		printf("%s\n", r->reply->message ? r->reply->message : "listening");
	wire_free(r);
	return 0;
}

static int
tunnel_close(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned node = MINT_MAX_NODES, id = 0;
	Mint__Envelope *r;
	Mint__Command c;

	if (argc != 3 || strcmp(argv[0], "--node") != 0)
		return cmd_error("usage: tunnel close --node N ID");
	if (cmd_node_arg(argv[1], &node) != 0 ||
	    num_arg("tunnel number", argv[2], UINT32_MAX, &id) != 0)
		return 1;
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_TUNNEL_CLOSE;
	c.has_node = 1, c.node = node;
	c.has_resource = 1, c.resource = id;
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	if (ctx->json)
		printf("{\"node\":%u,\"tunnel\":%u,\"closed\":true}\n", node, id);
	else
		printf("%s\n", r->reply->message ? r->reply->message : "closed");
	wire_free(r);
	return 0;
}

/* From every node's published status. */
static int
tunnel_list(struct cmd_ctx *ctx)
{
	int first = 1;

	if (ctx->json)
		printf("[");
	else
		printf("%-4s %-6s %-4s %-10s %-12s %-12s %s\n", "NODE", "TUNNEL", "PEER", "TARGET",
		    "BYTES OUT", "BYTES IN", "LISTENING ON");
	for (unsigned n = 0; n < ctx->region.layout.nodes; n++) {
		Mint__Envelope *e;
		struct node_view v;
		char cause[128];

		if (node_read(&ctx->region, n, &v) < 0 || v.state != MINT_NODE_ONLINE ||
		    snapshot_read(&ctx->region, n, &e, cause, sizeof(cause)) < 0)
			continue;
		for (size_t i = 0; i < e->status->n_tunnels; i++) {
			const Mint__Tunnel *t = e->status->tunnels[i];

			if (ctx->json) {
				printf("%s{\"node\":%u,\"tunnel\":%u,\"peer\":%u,\"target\":", first ? "" : ",",
				    n, t->id, t->peer);
				json_string(stdout, t->target);
				printf(",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64, t->bytes_out,
				    t->bytes_in);
				if (t->listen != NULL) {
					printf(",\"listen\":");
					json_string(stdout, t->listen);
					printf(",\"connections\":%u", t->connections);
				}
				printf("}");
			} else {
				printf("%-4u %-6u %-4u %-10s %-12" PRIu64 " %-12" PRIu64 " %s\n", n, t->id,
				    t->peer, t->target ? t->target : "", t->bytes_out, t->bytes_in,
				    t->listen ? t->listen : "");
			}
			first = 0;
		}
		wire_free(e);
	}
	if (ctx->json) {
		printf("]\n");
	} else {
		unsigned nfree = 0, from, to;
		for (unsigned i = 0; i < ctx->region.layout.stream_count; i++)
			nfree += stream_owner(&ctx->region, ctx->region.layout.ring_count + i, &from, &to) ==
			    -ENOENT;
		printf("stream rings: %u of %u free\n", nfree, ctx->region.layout.stream_count);
	}
	return 0;
}

static int
cmd_tunnel_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	if (strcmp(argv[0], "listen") == 0)
		return tunnel_listen(ctx, argc - 1, argv + 1);
	if (strcmp(argv[0], "close") == 0)
		return tunnel_close(ctx, argc - 1, argv + 1);
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return tunnel_list(ctx);
	return cmd_error("usage: tunnel listen|close|list ...");
}

const struct cmd_entry cmd_tunnel_entry = {
	.name = "tunnel",
	.usage = "listen --node N --to M --target NAME SOCKET | close --node N ID | list",
	.help = "Carry the connections to SOCKET on node N to NAME on node M (\"libvirt\", or a "
	    "socket in M's tunnel directory) through the region; close such a listener; list them",
	.min_args = 1,
	.max_args = 9,
	.flags = CMD_JSON,
	.exec = cmd_tunnel_exec,
};
