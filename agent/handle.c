/* Requests: one table from kind to handler, and who may make each. */
#include <errno.h>
#include <stdio.h>

#include "agent/agent.h"
#include "agent/tunnel.h"
#include "common/cause.h"
#include "common/log.h"

/* How long a request may take when forwarded to another node (handle_timeout_ms). */
enum handle_timeout {
	T_REQUEST,		/* the agent's request timeout (--timeout) */
	T_MOVE,			/* a receiver may take a move timeout, twice: a move, a reboot's load */
	T_MOVE_LIBVIRT,		/* the same after asking libvirt: a device move, a shutdown */
	T_GUEST,		/* a guest's start, stop, define: a minute */
	T_UNBOUNDED,		/* a migration takes what it takes; the destination dying ends it */
};

static const struct {
	Mint__CommandKind kind;
	int changes;		/* changes the node: root or the admin group only */
	int agent_only;		/* between agents: never from a console, here or forwarded */
	enum handle_timeout timeout;
	handler_fn fn;
} handlers[] = {
	{ MINT__COMMAND_KIND__CMD_PING, 0, 0, T_REQUEST, handle_ping },
	{ MINT__COMMAND_KIND__CMD_STATUS, 0, 0, T_REQUEST, handle_status },
	{ MINT__COMMAND_KIND__CMD_SET_VERBOSE, 1, 0, T_REQUEST, handle_set_verbose },
	{ MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 0, T_MOVE, handle_move },
	{ MINT__COMMAND_KIND__CMD_MEM_MOVE, 1, 0, T_MOVE, handle_move },
	{ MINT__COMMAND_KIND__CMD_DEV_MOVE, 1, 0, T_MOVE_LIBVIRT, handle_move },
	{ MINT__COMMAND_KIND__CMD_RES_CLAIM, 1, 1, T_REQUEST, handle_claim },
	{ MINT__COMMAND_KIND__CMD_NODE_RECLAIM, 1, 0, T_REQUEST, handle_reclaim },
	{ MINT__COMMAND_KIND__CMD_NODE_BOOT, 1, 0, T_REQUEST, handle_boot },
	{ MINT__COMMAND_KIND__CMD_NODE_SHUTDOWN, 1, 0, T_MOVE_LIBVIRT, handle_shutdown },
	{ MINT__COMMAND_KIND__CMD_NODE_REBOOT, 1, 0, T_MOVE, handle_reboot },
	{ MINT__COMMAND_KIND__CMD_GUEST_START, 1, 0, T_GUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_STOP, 1, 0, T_GUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_DESTROY, 1, 0, T_GUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_UNDEFINE, 1, 0, T_GUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_DEFINE, 1, 0, T_GUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_MIGRATE, 1, 0, T_UNBOUNDED, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_PREPARE, 1, 1, T_REQUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_ABORT, 1, 0, T_REQUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_POSTCOPY, 1, 0, T_REQUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_REFRESH, 0, 1, T_REQUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_GUEST_JOB, 0, 0, T_REQUEST, handle_guest },
	{ MINT__COMMAND_KIND__CMD_TUNNEL_OPEN, 1, 1, T_REQUEST, handle_tunnel },
	{ MINT__COMMAND_KIND__CMD_TUNNEL_LISTEN, 1, 0, T_REQUEST, handle_tunnel },
	{ MINT__COMMAND_KIND__CMD_TUNNEL_CLOSE, 1, 0, T_REQUEST, handle_tunnel },
	{ MINT__COMMAND_KIND__CMD_BENCH, 1, 0, T_UNBOUNDED, handle_bench },
};

#define NHANDLERS	(sizeof(handlers) / sizeof(handlers[0]))

/* The table's line for cmd's kind, or -1. */
static int
handle_find(const Mint__Command *cmd)
{
	for (size_t i = 0; cmd->has_kind && i < NHANDLERS; i++)
		if (handlers[i].kind == cmd->kind)
			return (int)i;
	return -1;
}

int
handle_timeout_ms(const struct agent *a, const Mint__Command *cmd)
{
	int i = handle_find(cmd);

	switch (i < 0 ? T_REQUEST : handlers[i].timeout) {
	case T_MOVE:
		return 2 * a->move.timeout_ms + a->request_ms;
	case T_MOVE_LIBVIRT:
		return 2 * a->move.timeout_ms + a->request_ms + a->libvirt_ms;
	case T_GUEST:
		return 60000 + a->request_ms;
	case T_UNBOUNDED:
		return 24 * 3600 * 1000;
	case T_REQUEST:
		break;
	}
	return a->request_ms;
}

int
handle_may_change(const struct agent *a, const struct peer *who)
{
	if (who->uid == 0 || who->agent)
		return 1;
	for (int i = 0; a->ctl.have_admin_gid && i < who->ngroups; i++)
		if (who->groups[i] == a->ctl.admin_gid)
			return 1;
	return 0;
}

/* May who make this request? 0, or -EACCES with the reason in msg. */
int
handle_allowed(struct agent *a, const struct peer *who, const Mint__Command *cmd, char *msg,
    size_t len)
{
	int i = handle_find(cmd);

	if (i < 0 || !handlers[i].changes || handle_may_change(a, who))
		return 0;
	snprintf(msg, len, "permission denied: changing a node needs root%s",
	    a->ctl.have_admin_gid ? " or the admin group" : "");
	log_info("client pid %d uid %d: refused a change", (int)who->pid, (int)who->uid);
	return -EACCES;
}

/*
 * May a console make this request, for this node or (node=) another? The
 * requests between agents are refused here, before anything is forwarded.
 */
int
handle_console_allowed(struct agent *a, const struct peer *who, const Mint__Command *cmd,
    char *msg, size_t len)
{
	int i = handle_find(cmd);

	if (i >= 0 && handlers[i].agent_only) {
		snprintf(msg, len, "request %d is one agents make of each other, not consoles",
		    (int)cmd->kind);
		log_info("client pid %d uid %d: refused a request between agents",
		    (int)who->pid, (int)who->uid);
		return -EPERM;
	}
	return handle_allowed(a, who, cmd, msg, len);
}

int
handle_command(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	int i = handle_find(cmd), rc;

	if ((rc = handle_allowed(a, who, cmd, msg, len)) < 0)
		return rc;
	if (i >= 0)
		return handlers[i].fn(a, who, rt, cmd, reply, msg, len);
	return cause_fail(msg, len, -EOPNOTSUPP, "node %u does not handle request %d", a->node,
	    cmd->has_kind ? (int)cmd->kind : 0);
}

/* Send a full reply to whoever asked: a console here, or a node (nobody: dropped). */
void
agent_reply_with(struct agent *a, const struct reply_to *rt, Mint__Reply *r)
{
	if (rt->client != NULL)
		ctl_send_reply(rt->client, rt->id, r);
	else if (rt->node < a->region.layout.nodes && rt->node != a->node)
		peers_reply(a, rt->node, rt->id, r);
}

/* Answer a request that was handled later (HANDLE_LATER). */
void
agent_reply(struct agent *a, const struct reply_to *rt, int rc, const char *msg)
{
	Mint__Reply r;

	mint__reply__init(&r);
	r.has_error = 1, r.error = rc;
	r.message = (char *)msg;
	agent_reply_with(a, rt, &r);
}
