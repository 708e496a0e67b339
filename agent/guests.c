/* Listing the hypervisor's guests with libvirt; reconnects when the daemon comes back. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "agent/guests.h"
#include "proto/mint.pb-c.h"
#include "shm/cause.h"

/* libvirt prints its errors by default; the agent reports them itself. */
static void
guests_quiet(void *data, virErrorPtr err)
{
}

void
guests_init(struct guests *g, const char *uri)
{
	memset(g, 0, sizeof(*g));
	g->uri = uri;
	virSetErrorFunc(NULL, guests_quiet);
}

static const char *
last_error(void)
{
	virErrorPtr e = virGetLastError();

	return e != NULL && e->message != NULL ? e->message : "unknown libvirt error";
}

static int
guest_state(int s)
{
	switch (s) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		return MINT__GUEST_STATE__GUEST_RUNNING;
	case VIR_DOMAIN_PAUSED:
	case VIR_DOMAIN_PMSUSPENDED:
		return MINT__GUEST_STATE__GUEST_PAUSED;
	case VIR_DOMAIN_SHUTDOWN:
	case VIR_DOMAIN_SHUTOFF:
		return MINT__GUEST_STATE__GUEST_SHUTOFF;
	case VIR_DOMAIN_CRASHED:
		return MINT__GUEST_STATE__GUEST_CRASHED;
	default:
		return MINT__GUEST_STATE__GUEST_UNKNOWN;
	}
}

/*
 * The guests now, with their CPU use since the last call. Connects (read
 * only) on first use and again after a failure.
 */
int
guests_list(struct guests *g, struct guest_info *out, int max, int *n, uint64_t now_ns,
    char *cause, size_t len)
{
	virDomainPtr *doms = NULL;
	int count;

	*n = 0;
	if (g->conn == NULL) {
		/* an absent daemon is not asked every sample: each try costs an idle node CPU */
		if (now_ns < g->retry_ns)
			return shm_fail(cause, len, -ECONNREFUSED, "libvirt %s: not reachable", g->uri);
		if ((g->conn = virConnectOpenReadOnly(g->uri)) == NULL) {
			g->backoff_ns = g->backoff_ns == 0 ? 1000000000ull :
			    g->backoff_ns >= 64000000000ull ? g->backoff_ns : g->backoff_ns * 2;
			g->retry_ns = now_ns + g->backoff_ns;
			return shm_fail(cause, len, -ECONNREFUSED, "libvirt %s: %s", g->uri, last_error());
		}
		g->backoff_ns = 0;
	}
	count = virConnectListAllDomains(g->conn, &doms, 0);
	if (count < 0) {
		shm_fail(cause, len, -EIO, "libvirt %s: %s", g->uri, last_error());
		virConnectClose(g->conn);
		g->conn = NULL;
		return -EIO;
	}
	for (int i = 0; i < count; i++) {
		struct guest_info *gi = &out[*n];
		virDomainInfo info;

		if (*n < max && virDomainGetInfo(doms[i], &info) == 0) {
			memset(gi, 0, sizeof(*gi));
			snprintf(gi->name, sizeof(gi->name), "%s", virDomainGetName(doms[i]));
			if (virDomainGetUUIDString(doms[i], gi->uuid) < 0)
				gi->uuid[0] = '\0';
			gi->state = guest_state(info.state);
			gi->vcpus = info.nrVirtCpu;
			gi->memory_bytes = (uint64_t)info.memory * 1024;
			gi->cpu_time_ns = info.cpuTime;
			for (int k = 0; k < g->nprev; k++)
				if (strcmp(g->prev[k].uuid, gi->uuid) == 0 && now_ns > g->prev_ns &&
				    gi->cpu_time_ns >= g->prev[k].cpu_time_ns)
					gi->cpu_permille = (uint32_t)((gi->cpu_time_ns - g->prev[k].cpu_time_ns) *
					    1000 / (now_ns - g->prev_ns));
			(*n)++;
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	memcpy(g->prev, out, sizeof(*out) * (size_t)*n);
	g->nprev = *n;
	g->prev_ns = now_ns;
	return 0;
}

/* Does the XML of a domain name dev as the value of some attribute of its devices? */
static int
xml_names(const char *xml, const char *dev)
{
	const char *p = strstr(xml, "<devices>");
	size_t n = strlen(dev);

	for (; p != NULL && (p = strchr(p, '=')) != NULL; p++)
		if ((p[1] == '\'' || p[1] == '"') && strncmp(p + 2, dev, n) == 0 && p[2 + n] == p[1])
			return 1;
	return 0;
}

/*
 * 1 and the guest's name if a running guest uses device dev (its definition
 * names it: a host device, a disk or network source), 0 if none does, or none
 * can be asked (no hypervisor on this node: nothing runs).
 */
int
guests_device_user(struct guests *g, const char *dev, char *guest, size_t len)
{
	virDomainPtr *doms = NULL;
	virConnectPtr c;
	int count, found = 0;

	/* a connection of its own: the listing worker may be using g->conn */
	if ((c = virConnectOpenReadOnly(g->uri)) == NULL)
		return 0;
	count = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (int i = 0; i < count; i++) {
		char *xml = found ? NULL : virDomainGetXMLDesc(doms[i], 0);

		if (xml != NULL && xml_names(xml, dev)) {
			snprintf(guest, len, "%s", virDomainGetName(doms[i]));
			found = 1;
		}
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	return found;
}

void
guests_close(struct guests *g)
{
	if (g->conn != NULL)
		virConnectClose(g->conn);
	g->conn = NULL;
}
