/* ping: the agent answers with its node and epoch. */
#include <inttypes.h>
#include <stdio.h>

#include "agent/agent.h"

int
handle_ping(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd,
    Mint__Reply *reply, char *msg, size_t len)
{
	snprintf(msg, len, "node %u epoch %" PRIu32 ": alive", a->node, a->epoch);
	return 0;
}
