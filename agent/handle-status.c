/* status: the agent's latest status snapshot, as published in the region. */
#include <errno.h>
#include <stdio.h>

#include "agent/agent.h"
#include "common/cause.h"

int
handle_status(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd,
    Mint__Reply *reply, char *msg, size_t len)
{
	/* kept until the next request: the reply points into it */
	static Mint__Envelope *last;

	wire_free(last);
	last = NULL;
	if (a->snapshot_len == 0)
		return cause_fail(msg, len, -EAGAIN, "node %u has no status yet", a->node);
	if (wire_unpack(a->snapshot, a->snapshot_len, &last, msg, len) < 0)
		return -EIO;
	reply->status = last->status;
	return 0;
}
