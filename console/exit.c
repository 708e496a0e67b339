/* The console's exit statuses, and which errors give which. */
#include <errno.h>

#include "console/exit.h"

enum cmd_status
cmd_status_of(int err, int from_agent)
{
	switch (-err) {
	case 0:
		return CMD_OK;
	case ETIMEDOUT:
		return CMD_TIMEDOUT;
	case ECANCELED:
		return CMD_CANCELLED;
	case EHOSTDOWN:
	case EHOSTUNREACH:
		return CMD_UNREACHABLE;	/* the agent relays to a node that is not online */
	case ENOENT:
		/* no agent's socket; from the agent, no such guest or resource */
		return from_agent ? CMD_REFUSED : CMD_UNREACHABLE;
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
	case ENOTCONN:
		/* nobody listens or it hung up; from the agent, libvirtd or a peer did */
		return from_agent ? CMD_FAILED : CMD_UNREACHABLE;
	case EIO:
	case ENOMEM:
	case EAGAIN:
	case EPROTO:
	case EBADMSG:
	case EMSGSIZE:
		return CMD_FAILED;
	default:
		/* the agent's rules: in use, not allowed, no such thing, no room */
		return from_agent ? CMD_REFUSED : CMD_FAILED;
	}
}

const char *
cmd_status_name(enum cmd_status s)
{
	static const char *const names[CMD_NSTATUS] = {
		[CMD_OK] = "ok",
		[CMD_FAILED] = "failed",
		[CMD_USAGE] = "usage",
		[CMD_REFUSED] = "refused",
		[CMD_UNREACHABLE] = "unreachable",
		[CMD_TIMEDOUT] = "timed out",
		[CMD_CANCELLED] = "cancelled",
		[CMD_PARTIAL] = "partial",
	};

	return (unsigned)s < CMD_NSTATUS ? names[s] : "failed";
}
