/*
 * libvirt's domain events: a guest that starts, stops, pauses, resumes or
 * migrates is listed again at once, instead of at the next sample. A thread
 * of its own runs libvirt's event loop on a connection of its own (a slow
 * libvirtd never stalls the agent's loop); an event only wakes the loop,
 * which lists the guests in a worker as it always does. Without a
 * hypervisor, or while libvirtd is away, the sample's listing goes on alone.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <libvirt/libvirt.h>

#include "agent/agent.h"
#include "common/log.h"

static const char *const lifecycle[] = {
	"defined", "undefined", "started", "suspended", "resumed", "stopped", "shut down",
	"pmsuspended", "crashed",
};

struct guest_events {
	struct agent *a;
	virConnectPtr conn;	/* the event thread's alone */
	int callback;
	int closed;		/* libvirtd went away: connect again */
};

static struct guest_events events;

static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct guest_events *e = opaque;
	const char *name = virDomainGetName(dom);

	(void)conn, (void)detail;
	log_about(LOG_INFO, "GUEST", name, "guest %s %s (libvirt event)", name,
	    event >= 0 && event < (int)(sizeof(lifecycle) / sizeof(lifecycle[0])) ?
	    lifecycle[event] : "changed");
	ev_async_send(e->a->loop, &e->a->guest.event_wake);
	return 0;
}

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct guest_events *e = opaque;

	(void)conn, (void)reason;
	e->closed = 1;
}

/* Connect and subscribe: 0, or -1 (libvirtd away: the caller tries again later). */
static int
events_connect(struct guest_events *e)
{
	if ((e->conn = virConnectOpenReadOnly(e->a->guests.uri)) == NULL)
		return -1;
	e->closed = 0;
	virConnectRegisterCloseCallback(e->conn, on_close, e, NULL);
	e->callback = virConnectDomainEventRegisterAny(e->conn, NULL,
	    VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), e, NULL);
	if (e->callback < 0) {
		/* a driver without events (test:///): the sample's listing will do */
		virConnectUnregisterCloseCallback(e->conn, on_close);
		virConnectClose(e->conn);
		e->conn = NULL;
		return 1;
	}
	log_info("guests listed on libvirt's domain events too (%s)", e->a->guests.uri);
	return 0;
}

static void
events_disconnect(struct guest_events *e)
{
	if (e->conn == NULL)
		return;
	if (e->callback >= 0)
		virConnectDomainEventDeregisterAny(e->conn, e->callback);
	virConnectUnregisterCloseCallback(e->conn, on_close);
	virConnectClose(e->conn);
	e->conn = NULL;
}

/* A timer of libvirt's loop, so that a connection can be tried while no event comes. */
static void
events_tick(int timer, void *opaque)
{
	(void)timer, (void)opaque;
}

static void *
events_thread(void *arg)
{
	struct guest_events *e = arg;
	int rc = -1;

	virEventAddTimeout(5000, events_tick, NULL, NULL);
	for (;;) {
		if (e->conn != NULL && e->closed)
			events_disconnect(e);
		/* away: try again at each tick (5 s); no events from this driver: stop trying */
		if (e->conn == NULL && rc != 1 && (rc = events_connect(e)) == 1)
			return NULL;
		if (virEventRunDefaultImpl() < 0)
			sleep(1);
	}
	return NULL;
}

int
guest_events_start(struct agent *a)
{
	pthread_t t;
	pthread_attr_t at;
	int rc;

	if (a->guests.uri == NULL)
		return 0;
	if (virEventRegisterDefaultImpl() < 0)
		return -1;
	events.a = a;
	events.callback = -1;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, events_thread, &events);
	pthread_attr_destroy(&at);
	return rc == 0 ? 0 : -1;
}
