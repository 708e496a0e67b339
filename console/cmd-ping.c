/* mint-console ping: is an agent there, and how fast does it answer through the rings? */
#include "common/clock.h"
#include "common/parse.h"
#include "console/cmd.h"

static int
cmd_ping_run(struct cmd_ctx *ctx, struct args *a)
{
	Mint__Command c;
	Mint__Envelope *r;
	int rc;
	unsigned long n;
	uint64_t t0;

	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_PING;
	if (a->npos == 1) {
		if (parse_uint(a->pos[0], 0xffff, &n) < 0)
			return cmd_fail(CMD_USAGE, "ping: '%s' is not a node number", a->pos[0]);
		c.has_node = 1, c.node = (uint32_t)n;
	}
	t0 = clock_mono_ns();
	if ((rc = cmd_ask_agent(ctx, &c, &r)) != 0)
		return rc;
	printf("%s (%.0f us)\n", r->reply->message ? r->reply->message : "alive",
	    (double)(clock_mono_ns() - t0) / 1e3);
	wire_free(r);
	return 0;
}

static const struct args_template cmd_ping_args = {
	.max_pos = 1,
	.unknown = "ping: '%s' is not a node number",
	.dash_args = 1,
};

const struct cmd_entry cmd_ping_entry = {
	.name = "ping",
	.usage = "[NODE]",
	.help = "Ask the local agent, or through it NODE's agent, whether it is there.",
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_NOREGION,
	.args = &cmd_ping_args,
	.run = cmd_ping_run,
	.complete = CMPL_NODE,
};
