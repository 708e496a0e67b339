/* mint-console verbose on|off: the local agent's debugging log (root or admin group). */
#include <string.h>

#include "console/cmd.h"

static int
cmd_verbose_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	Mint__Command c;
	Mint__Envelope *r;

	if (strcmp(argv[0], "on") != 0 && strcmp(argv[0], "off") != 0)
		return cmd_error("verbose: '%s' is neither on nor off", argv[0]);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_SET_VERBOSE;
	c.has_force = 1, c.force = strcmp(argv[0], "on") == 0;
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	printf("%s\n", r->reply->message ? r->reply->message : "done");
	wire_free(r);
	return 0;
}

const struct cmd_entry cmd_verbose_entry = {
	.name = "verbose",
	.usage = "on|off",
	.help = "Turn the local agent's debugging log on or off (root or its admin group).",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NOREGION,
	.exec = cmd_verbose_exec,
};
