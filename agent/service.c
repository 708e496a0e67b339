/*
 * The agent as a systemd service (Type=notify): READY=1 once the region is
 * attached and the control socket listens, WATCHDOG=1 from the loop's
 * heartbeat (a hung loop stops it), STATUS= when what it says changes,
 * STOPPING=1 at the end; log lines as journal entries with the node, its
 * epoch and what they are about as fields (with libsystemd). Outside systemd
 * every call does nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "common/log.h"
#include "common/notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <sys/uio.h>
#include <systemd/sd-journal.h>

/* set once, before the sink is installed: workers' lines read them too */
static char journal_node[32], journal_epoch[32];

static int
journal_sink(int prio, const char *key, const char *value, const char *line)
{
	char msg[1100], pr[16], about[192];
	struct iovec iov[6];
	int n = 0;

	snprintf(msg, sizeof(msg), "MESSAGE=%s", line);
	snprintf(pr, sizeof(pr), "PRIORITY=%d", prio);
	iov[n++] = (struct iovec){ msg, strlen(msg) };
	iov[n++] = (struct iovec){ pr, strlen(pr) };
	iov[n++] = (struct iovec){ (char *)"SYSLOG_IDENTIFIER=mint-agent", 28 };
	iov[n++] = (struct iovec){ journal_node, strlen(journal_node) };
	iov[n++] = (struct iovec){ journal_epoch, strlen(journal_epoch) };
	if (key != NULL && value != NULL) {
		snprintf(about, sizeof(about), "MINT_%s=%s", key, value);
		iov[n++] = (struct iovec){ about, strlen(about) };
	}
	return sd_journal_sendv(iov, n);
}
#endif

void
service_journal(struct agent *a)
{
#ifdef HAVE_LIBSYSTEMD
	if (!log_to_journal())
		return;
	snprintf(journal_node, sizeof(journal_node), "MINT_NODE=%u", a->node);
	snprintf(journal_epoch, sizeof(journal_epoch), "MINT_EPOCH=%" PRIu32, a->epoch);
	log_set_sink(journal_sink);
#else
	(void)a;
#endif
}

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
