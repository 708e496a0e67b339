/* Requests: one table from kind to handler, and who may make each. */
#include <errno.h>
#include <stdio.h>

#include "agent/agent.h"
#include "common/log.h"

static const struct {
	Mint__CommandKind kind;
	int changes;		/* changes the node: root or the admin group only */
	handler_fn fn;
} handlers[] = {
	{ MINT__COMMAND_KIND__CMD_PING, 0, handle_ping },
	{ MINT__COMMAND_KIND__CMD_STATUS, 0, handle_status },
	{ MINT__COMMAND_KIND__CMD_SET_VERBOSE, 1, handle_set_verbose },
};

static int
may_change(const struct agent *a, const struct peer *who)
{
	if (who->uid == 0)
		return 1;
	for (int i = 0; a->have_admin_gid && i < who->ngroups; i++)
		if (who->groups[i] == a->admin_gid)
			return 1;
	return 0;
}

/* May who make this request? 0, or -EACCES with the reason in msg. */
int
handle_allowed(struct agent *a, const struct peer *who, const Mint__Command *cmd, char *msg,
    size_t len)
{
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (cmd->has_kind && handlers[i].kind == cmd->kind && handlers[i].changes &&
		    !may_change(a, who)) {
			snprintf(msg, len, "permission denied: changing a node needs root%s",
			    a->have_admin_gid ? " or the admin group" : "");
			log_info("client pid %d uid %d: refused a change", (int)who->pid, (int)who->uid);
			return -EACCES;
		}
	return 0;
}

int
handle_command(struct agent *a, const struct peer *who, const Mint__Command *cmd,
    Mint__Reply *reply, char *msg, size_t len)
{
	int rc;

	if ((rc = handle_allowed(a, who, cmd, msg, len)) < 0)
		return rc;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (cmd->has_kind && handlers[i].kind == cmd->kind)
			return handlers[i].fn(a, who, cmd, reply, msg, len);
	snprintf(msg, len, "node %u does not handle request %d", a->node,
	    cmd->has_kind ? (int)cmd->kind : 0);
	return -EOPNOTSUPP;
}
