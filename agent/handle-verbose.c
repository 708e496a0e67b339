/* set-verbose: turn the agent's debugging log on or off. */
#include <stdio.h>

#include "agent/agent.h"
#include "common/log.h"

int
handle_set_verbose(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd,
    Mint__Reply *reply, char *msg, size_t len)
{
	int on = cmd->has_force && cmd->force;

	log_set_verbose(on);
	log_info("debugging log %s (asked by uid %d)", on ? "on" : "off", (int)who->uid);
	snprintf(msg, len, "node %u: debugging log %s", a->node, on ? "on" : "off");
	return 0;
}
