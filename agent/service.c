/*
 * The agent as a systemd service (Type=notify): READY=1 once the region is
 * attached and the control socket listens, WATCHDOG=1 from the loop's
 * heartbeat (a hung loop stops it), STATUS= when what it says changes,
 * STOPPING=1 at the end. Outside systemd every call does nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "common/log.h"
#include "common/notify.h"

void
service_ready(struct agent *a)
{
	char msg[192];

	a->service.watchdog_ns = notify_watchdog_ns();
	snprintf(a->service.status, sizeof(a->service.status), "node %u online, epoch %" PRIu32,
	    a->node, a->epoch);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", a->service.status);
	if (notify_send(msg) < 0)
		log_warn("cannot tell systemd the agent is ready ($NOTIFY_SOCKET)");
}

void
service_beat(struct agent *a, int64_t now_ns)
{
	struct service *s = &a->service;

	/* twice a period, as sd_watchdog_enabled(3) advises */
	if (s->watchdog_ns == 0 || now_ns - s->petted_ns < (int64_t)(s->watchdog_ns / 2))
		return;
	s->petted_ns = now_ns;
	notify_send("WATCHDOG=1");
}

void
service_status(struct agent *a, const char *text)
{
	char msg[192];

	if (strcmp(text, a->service.status) == 0)
		return;
	snprintf(a->service.status, sizeof(a->service.status), "%s", text);
	snprintf(msg, sizeof(msg), "STATUS=%s", text);
	notify_send(msg);
}

void
service_stopping(struct agent *a)
{
	(void)a;
	notify_send("STOPPING=1");
}
