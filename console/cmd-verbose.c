/* mint-console verbose on|off: the local agent's debugging log (root or admin group). */
#include "console/cmd.h"

static int
verbose_set(struct cmd_ctx *ctx, struct args *a)
{
	Mint__Command c;
	Mint__Envelope *r;
	int rc;

	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_SET_VERBOSE;
	c.has_force = 1, c.force = ctx->verb->kind;
	if ((rc = cmd_ask_agent(ctx, &c, &r)) != 0)
		return rc;
	printf("%s\n", r->reply->message ? r->reply->message : "done");
	wire_free(r);
	return 0;
}

static const struct cmd_verb verbose_verbs[] = {
	{ "on", "", "The local agent logs at debug level.",
	  { .unknown = "usage: verbose on|off" }, 1, verbose_set, CMPL_NONE },
	{ "off", "", "The local agent logs at its usual level again.",
	  { .unknown = "usage: verbose on|off" }, 0, verbose_set, CMPL_NONE },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

const struct cmd_entry cmd_verbose_entry = {
	.name = "verbose",
	.usage = "on|off",
	.help = "Turn the local agent's debugging log on or off (root or its admin group).",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NOREGION,
	.verbs = verbose_verbs,
	.no_verb = "verbose: '%s' is neither on nor off",
};
