/* mint-console ping: is an agent there, and how fast does it answer through the rings? */
#include <stdlib.h>
#include <time.h>

#include "console/cmd.h"

static int
cmd_ping_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	Mint__Command c;
	Mint__Envelope *r;
	struct timespec t0, t1;

	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_PING;
	if (argc == 1) {
		char *end;
		unsigned long n = strtoul(argv[0], &end, 10);
		if (*argv[0] == '\0' || *end != '\0' || n > 0xffff)
			return cmd_error("ping: '%s' is not a node number", argv[0]);
		c.has_node = 1, c.node = (uint32_t)n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s (%.0f us)\n", r->reply->message ? r->reply->message : "alive",
	    (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3);
	wire_free(r);
	return 0;
}

const struct cmd_entry cmd_ping_entry = {
	.name = "ping",
	.usage = "[NODE]",
	.help = "Ask the local agent, or through it NODE's agent, whether it is there.",
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_NOREGION,
	.exec = cmd_ping_exec,
};
