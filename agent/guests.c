/* Listing the hypervisor's guests with libvirt; reconnects when the daemon comes back. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "agent/guests.h"
#include "common/cause.h"
#include "common/xml.h"
#include "proto/mint.pb-c.h"

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
	xmlInitParser();	/* once, before worker threads parse */
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
	if (g->uri == NULL)
		return 0;	/* no hypervisor: no guests */
	if (g->conn == NULL) {
		/* an absent daemon is not asked every sample: each try costs an idle node CPU */
		if (now_ns < g->retry_ns)
			return cause_fail(cause, len, -ECONNREFUSED, "libvirt %s: not reachable", g->uri);
		if ((g->conn = virConnectOpenReadOnly(g->uri)) == NULL) {
			g->backoff_ns = g->backoff_ns == 0 ? 1000000000ull :
			    g->backoff_ns >= 64000000000ull ? g->backoff_ns : g->backoff_ns * 2;
			g->retry_ns = now_ns + g->backoff_ns;
			return cause_fail(cause, len, -ECONNREFUSED, "libvirt %s: %s", g->uri, last_error());
		}
		g->backoff_ns = 0;
	}
	count = virConnectListAllDomains(g->conn, &doms, 0);
	if (count < 0) {
		cause_fail(cause, len, -EIO, "libvirt %s: %s", g->uri, last_error());
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
			gi->shared_ram = -1;
			for (int k = 0; k < g->nprev; k++) {
				if (strcmp(g->prev[k].uuid, gi->uuid) != 0)
					continue;
				if (now_ns > g->prev_ns && gi->cpu_time_ns >= g->prev[k].cpu_time_ns)
					gi->cpu_permille = (uint32_t)((gi->cpu_time_ns - g->prev[k].cpu_time_ns) *
					    1000 / (now_ns - g->prev_ns));
				if (gi->state == g->prev[k].state)
					gi->shared_ram = g->prev[k].shared_ram;
			}
			/* its definition read once a run, not every listing */
			if (gi->shared_ram < 0 && gi->state == MINT__GUEST_STATE__GUEST_RUNNING) {
				char *xml = virDomainGetXMLDesc(doms[i], 0);

				gi->shared_ram = xml != NULL ? guests_xml_shared_ram(xml) == 1 : -1;
				free(xml);
			}
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

/* A source path or name is dev: the same, or /dev/dev (a disk given by its node). */
static int
same_dev(const char *v, const char *dev)
{
	const char *base;

	if (strcmp(v, dev) == 0)
		return 1;
	if (strncmp(v, "/dev/", 5) != 0)
		return 0;
	base = strrchr(v, '/') + 1;
	return strcmp(v + 5, dev) == 0 || strcmp(base, dev) == 0 ||
	    (strncmp(dev, "/dev/", 5) == 0 && strcmp(base, strrchr(dev, '/') + 1) == 0);
}

/* <address type='pci' domain= bus= slot= function=/> as the kernel names it: 0000:03:00.0. */
static int
pci_name(xmlNode *addr, char *out, size_t len)
{
	static const char *const part[] = { "domain", "bus", "slot", "function" };
	unsigned long v[4];
	xmlChar *t = xmlGetProp(addr, (const xmlChar *)"type");
	int ok = t == NULL || xmlStrcmp(t, (const xmlChar *)"pci") == 0;

	xmlFree(t);
	for (int i = 0; ok && i < 4; i++) {
		xmlChar *a = xmlGetProp(addr, (const xmlChar *)part[i]);
		char *end;

		v[i] = 0;
		if (a != NULL) {
			v[i] = strtoul((const char *)a, &end, 0);
			ok = end != (char *)a && *end == '\0';
		} else {
			ok = i == 0;	/* libvirt's default domain is 0 */
		}
		xmlFree(a);
	}
	if (!ok || v[0] > 0xffff || v[1] > 0xff || v[2] > 0x1f || v[3] > 7)
		return 0;
	snprintf(out, len, "%04lx:%02lx:%02lx.%lx", v[0], v[1], v[2], v[3]);
	return 1;
}

/* dev names a PCI function, with or without its domain (0000:03:00.0, 03:00.0). */
static int
same_pci(const char *pci, const char *dev)
{
	return strcasecmp(pci, dev) == 0 || (strncmp(pci, "0000:", 5) == 0 &&
	    strcasecmp(pci + 5, dev) == 0);
}

int
guests_xml_uses(const char *xml, const char *dev, char *what, size_t len)
{
	xmlDoc *doc;
	xmlNode *root, *devs = NULL;
	int found = 0;

	if ((doc = xmlReadMemory(xml, (int)strnlen(xml, 1 << 24), "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)) == NULL)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || xmlStrcmp(root->name, (const xmlChar *)"domain") != 0) {
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	for (xmlNode *n = root->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)"devices") == 0)
			devs = n;
	/* only a device's <source> says what of the host it uses; <target> and <address> are the guest's */
	for (xmlNode *d = devs ? devs->children : NULL; d != NULL && !found; d = d->next) {
		if (d->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNode *src = d->children; src != NULL && !found; src = src->next) {
			static const char *const attrs[] = { "dev", "path" };

			if (src->type != XML_ELEMENT_NODE ||
			    xmlStrcmp(src->name, (const xmlChar *)"source") != 0)
				continue;
			for (size_t i = 0; i < 2 && !found; i++) {
				xmlChar *v = xmlGetProp(src, (const xmlChar *)attrs[i]);

				if (v != NULL && same_dev((const char *)v, dev)) {
					snprintf(what, len, "%s %s", (const char *)d->name, (const char *)v);
					found = 1;
				}
				xmlFree(v);
			}
			for (xmlNode *ad = src->children; ad != NULL && !found; ad = ad->next) {
				char pci[16];

				if (ad->type == XML_ELEMENT_NODE &&
				    xmlStrcmp(ad->name, (const xmlChar *)"address") == 0 &&
				    pci_name(ad, pci, sizeof(pci)) && same_pci(pci, dev)) {
					snprintf(what, len, "%s %s", (const char *)d->name, pci);
					found = 1;
				}
			}
		}
	}
	xmlFreeDoc(doc);
	return found;
}

int
guests_xml_bench_socket(const char *xml, char *path, size_t len)
{
	xmlDoc *doc;
	xmlNode *root;
	int found = 0;

	if ((doc = xmlReadMemory(xml, (int)strnlen(xml, 1 << 24), "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)) == NULL)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	for (xmlNode *d = xml_child(xml_child(root, "devices"), "serial"); d != NULL && !found;
	    d = d->next) {
		xmlChar *p;

		if (d->type != XML_ELEMENT_NODE || xmlStrcmp(d->name, (const xmlChar *)"serial") != 0 ||
		    !xml_attr_is(d, "type", "unix") ||
		    !xml_attr_is(xml_child(d, "alias"), "name", "ua-mint-bench"))
			continue;
		if ((p = xmlGetProp(xml_child(d, "source"), (const xmlChar *)"path")) != NULL &&
		    strlen((const char *)p) < len) {
			snprintf(path, len, "%s", (const char *)p);
			found = 1;
		}
		xmlFree(p);
	}
	xmlFreeDoc(doc);
	return found;
}

int
guests_xml_shared_ram(const char *xml)
{
	xmlDoc *doc;
	xmlNode *root, *mb;
	int meta = 0;

	if ((doc = xmlReadMemory(xml, (int)strnlen(xml, 1 << 24), "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)) == NULL)
		return -EINVAL;
	root = xmlDocGetRootElement(doc);
	for (xmlNode *m = xml_child(xml_child(root, "metadata"), "ram"); m != NULL; m = m->next)
		if (m->type == XML_ELEMENT_NODE && m->ns != NULL &&
		    xmlStrcmp(m->ns->href, (const xmlChar *)"https://mint.invalid/xmlns/ram/1") == 0)
			meta = 1;
	mb = xml_child(root, "memoryBacking");
	meta = meta && xml_attr_is(xml_child(mb, "source"), "type", "file") &&
	    xml_attr_is(xml_child(mb, "access"), "mode", "shared");
	xmlFreeDoc(doc);
	return meta;
}

int
guests_device_user(const char *uri, const char *const *devs, char *guest, size_t len,
    char *cause, size_t clen)
{
	virDomainPtr *doms = NULL;
	virConnectPtr c;
	int count, rc = 0;

	if (uri == NULL)
		return 0;	/* no hypervisor on this node: nothing runs */
	/* a connection of its own: the listing worker may be using the shared one */
	if ((c = virConnectOpenReadOnly(uri)) == NULL)
		return cause_fail(cause, clen, -ECONNREFUSED, "libvirt %s could not be asked (%s)", uri,
		    last_error());
	if ((count = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0)
		rc = cause_fail(cause, clen, -EIO, "libvirt %s could not list its guests (%s)", uri,
		    last_error());
	for (int i = 0; i < count; i++) {
		char *xml = rc != 0 ? NULL : virDomainGetXMLDesc(doms[i], 0);
		char what[160];
		int r;

		if (rc == 0 && xml == NULL && virDomainIsActive(doms[i]) == 1) {
			rc = cause_fail(cause, clen, -EIO, "libvirt %s could not give the definition of "
			    "guest %s (%s)", uri, virDomainGetName(doms[i]), last_error());
		} else {
			for (const char *const *d = devs; xml != NULL && rc == 0 && *d != NULL; d++)
				if ((r = guests_xml_uses(xml, *d, what, sizeof(what))) != 0) {
					snprintf(guest, len, "%s", virDomainGetName(doms[i]));
					rc = r > 0 ? 1 : cause_fail(cause, clen, r, "the definition of "
					    "running guest %s could not be read", guest);
				}
		}
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	return rc;
}

void
guests_close(struct guests *g)
{
	if (g->conn != NULL)
		virConnectClose(g->conn);
	g->conn = NULL;
}
