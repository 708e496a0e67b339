/* mint-console node reclaim NODE: free a dead node's resources. */
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"

static int
node_reclaim(struct cmd_ctx *ctx, const char *arg)
{
	Mint__Envelope *r;
	Mint__Command c;
	char *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || n >= MINT_MAX_NODES)
		return cmd_error("node reclaim: '%s' is not a node number", arg);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_RECLAIM;
	c.has_to_node = 1, c.to_node = (uint32_t)n;
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	if (ctx->json) {
		printf("{\"node\":%lu,\"ok\":true,\"message\":", n);
		json_string(stdout, r->reply->message);
		printf("}\n");
	} else {
		printf("%s\n", r->reply->message ? r->reply->message : "reclaimed");
	}
	wire_free(r);
	return 0;
}

/* One table for the node subcommands; the lifecycle ones join it. */
static const struct {
	const char *name;
	int (*fn)(struct cmd_ctx *ctx, const char *arg);
} node_cmds[] = {
	{ "reclaim", node_reclaim },
};

static int
cmd_node_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(node_cmds) / sizeof(node_cmds[0]); i++)
		if (strcmp(argv[0], node_cmds[i].name) == 0)
			return node_cmds[i].fn(ctx, argv[1]);
	return cmd_error("node: '%s' is not reclaim", argv[0]);
}

const struct cmd_entry cmd_node_entry = {
	.name = "node",
	.usage = "reclaim NODE [--json]",
	.help = "reclaim: make a dead node's cores, memory and devices free again (refused while "
	    "it heartbeats); on a real machine its kernel must be stopped first.",
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_JSON | CMD_NOREGION,
	.exec = cmd_node_exec,
};
