/*
 * mint-libvirt-hook: libvirt's QEMU hook (/etc/libvirt/hooks/qemu.d/mint)
 * for guests whose RAM is in memory every node maps, so that a migration
 * sends only device state. libvirt 11.3 cannot name the file of a guest's
 * main RAM (it is <memory_backing_dir>/<id>-<name>/pc.ram, the id each
 * libvirtd's own, and deleted when the guest stops) nor set QEMU's
 * x-ignore-shared capability; for a guest whose definition says
 *   <metadata><mint:ram xmlns:mint="https://mint.invalid/xmlns/ram/1" path="FILE"/></metadata>
 * this hook, at "start begin", makes FILE (never shrinking it) and links
 * libvirt's path to it; at "started begin" (on a migration's destination,
 * after migrate-incoming and before any data) it sets x-ignore-shared
 * through the guest's own QMP socket, the chardev "mintqmp" of its
 * <qemu:commandline>. Every other guest, and every other call, is left
 * alone. doc/design.md says why it is done this way.
 * Usage (by libvirtd): mint-libvirt-hook NAME OPERATION SUBOPERATION EXTRA, the XML on stdin.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/xml.h"

#define MINT_RAM_NS	"https://mint.invalid/xmlns/ram/1"
#define QEMU_NS		"http://libvirt.org/schemas/domain/qemu/1.0"
#define XML_MAX		(4 << 20)

struct guest {
	char ram[512];		/* the shared file */
	char qmp[108];		/* the guest's own QMP socket */
	long id;		/* libvirt's domain id: in its RAM's path */
	unsigned long long bytes;	/* its memory */
};

/* One line for libvirt's log: the guest, what, and the thing it is about. */
static void
say(const char *name, const char *what, const char *about)
{
	fprintf(stderr, "mint-libvirt-hook: %s: %s%s\n", name, what, about);
}

/* The qemu:arg after "-chardev" that defines id=mintqmp: its path= into g->qmp. */
static void
qmp_path(xmlNode *root, struct guest *g)
{
	int next = 0;

	for (xmlNode *cl = root->children; cl != NULL; cl = cl->next) {
		if (cl->type != XML_ELEMENT_NODE || cl->ns == NULL ||
		    xmlStrcmp(cl->ns->href, (const xmlChar *)QEMU_NS) != 0 ||
		    xmlStrcmp(cl->name, (const xmlChar *)"commandline") != 0)
			continue;
		for (xmlNode *a = cl->children; a != NULL; a = a->next) {
			xmlChar *v = a->type == XML_ELEMENT_NODE ?
			    xmlGetProp(a, (const xmlChar *)"value") : NULL;
			const char *p;

			if (v == NULL)
				continue;
			if (next && strstr((const char *)v, "id=mintqmp") != NULL &&
			    (p = strstr((const char *)v, "path=")) != NULL)
				snprintf(g->qmp, sizeof(g->qmp), "%.*s", (int)strcspn(p + 5, ","), p + 5);
			next = strcmp((const char *)v, "-chardev") == 0;
			xmlFree(v);
		}
	}
}

/* What the definition says of a mint guest: 1, 0 (not one), -1 (unreadable). */
static int
guest_read(const char *xml, size_t len, struct guest *g)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNode *root, *meta, *mem;
	xmlChar *v;
	int found = 0;

	if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
		xmlFreeDoc(doc);
		return -1;
	}
	memset(g, 0, sizeof(*g));
	g->id = -1;
	if ((v = xmlGetProp(root, (const xmlChar *)"id")) != NULL) {
		g->id = strtol((const char *)v, NULL, 10);
		xmlFree(v);
	}
	meta = xml_child(root, "metadata");
	for (xmlNode *m = meta != NULL ? meta->children : NULL; m != NULL; m = m->next) {
		if (m->type != XML_ELEMENT_NODE || m->ns == NULL ||
		    xmlStrcmp(m->ns->href, (const xmlChar *)MINT_RAM_NS) != 0 ||
		    (v = xmlGetProp(m, (const xmlChar *)"path")) == NULL)
			continue;
		if (v[0] == '/' && strlen((const char *)v) < sizeof(g->ram)) {
			snprintf(g->ram, sizeof(g->ram), "%s", (const char *)v);
			found = 1;
		}
		xmlFree(v);
	}
	if ((mem = xml_child(root, "memory")) != NULL && (v = xmlNodeGetContent(mem)) != NULL) {
		xmlChar *unit = xmlGetProp(mem, (const xmlChar *)"unit");

		g->bytes = strtoull((const char *)v, NULL, 10);
		/* libvirt's live XML says KiB */
		if (unit == NULL || xmlStrcmp(unit, (const xmlChar *)"KiB") == 0)
			g->bytes <<= 10;
		else if (xmlStrcmp(unit, (const xmlChar *)"MiB") == 0)
			g->bytes <<= 20;
		xmlFree(unit);
		xmlFree(v);
	}
	qmp_path(root, g);
	xmlFreeDoc(doc);
	return found;
}

/* libvirt's directory for guest RAM files: qemu.conf's memory_backing_dir, or its default. */
static void
memory_dir(char *buf, size_t len)
{
	FILE *f = fopen("/etc/libvirt/qemu.conf", "r");
	char line[600], dir[512] = "";

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " memory_backing_dir = \"%511[^\"]\"", dir) == 1)
			break;
	if (f != NULL)
		fclose(f);
	if (dir[0] != '\0')
		snprintf(buf, len, "%s/libvirt/qemu", dir);
	else
		snprintf(buf, len, "/var/lib/libvirt/qemu/ram");
}

/* start begin: the shared file at the guest's size, and libvirt's path a link to it. */
static int
link_ram(const char *name, const struct guest *g)
{
	char dir[600], link[700];
	struct stat st;
	int fd;

	if (g->id < 0 || g->bytes == 0) {
		say(name, "no domain id or memory size in the definition", "");
		return 1;
	}
	if ((fd = open(g->ram, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 || fstat(fd, &st) < 0 ||
	    ((unsigned long long)st.st_size < g->bytes && ftruncate(fd, (off_t)g->bytes) < 0)) {
		say(name, "cannot make the shared RAM file ", g->ram);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	memory_dir(dir, sizeof(dir));
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%ld-%.20s", g->id, name);
	mkdir(dir, 0750);	/* libvirt made it already; made here if it did not */
	snprintf(link, sizeof(link), "%s/pc.ram", dir);
	unlink(link);
	if (symlink(g->ram, link) < 0) {
		say(name, "cannot link libvirt's RAM path ", link);
		return 1;
	}
	return 0;
}

/* Read one QMP reply line (within 5 s): 0 if it has "return", else -1. */
static int
qmp_reply(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0 || (n = read(fd, buf + got, len - 1 - got)) <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = '\0';
		/* events may come first: wait for the line that answers */
		for (char *l = buf; (l = strstr(l, "{")) != NULL; l++)
			if (strncmp(l, "{\"return\"", 9) == 0)
				return 0;
			else if (strncmp(l, "{\"error\"", 8) == 0)
				return -1;
	}
	return -1;
}

/* started begin: x-ignore-shared on, through the guest's own QMP socket. */
static int
ignore_shared(const char *name, const struct guest *g)
{
	static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
	static const char set[] = "{\"execute\":\"migrate-set-capabilities\",\"arguments\":"
	    "{\"capabilities\":[{\"capability\":\"x-ignore-shared\",\"state\":true}]}}\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096] = "";
	int fd, rc = 1;

	if (g->qmp[0] == '\0') {
		say(name, "no QMP socket (a chardev id=mintqmp in <qemu:commandline>)", "");
		return 1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", g->qmp);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		say(name, "cannot reach the guest's QMP socket ", g->qmp);
	} else if (read(fd, buf, sizeof(buf) - 1) <= 0 || /* the greeting */
	    write(fd, caps, sizeof(caps) - 1) < 0 || qmp_reply(fd, buf, sizeof(buf)) < 0 ||
	    write(fd, set, sizeof(set) - 1) < 0 || qmp_reply(fd, buf, sizeof(buf)) < 0) {
		buf[200] = '\0';
		say(name, "QEMU refused x-ignore-shared: ", buf);
	} else {
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	static char xml[XML_MAX];
	struct guest g;
	size_t len = 0;
	ssize_t n;
	int rc;

	if (argc < 3 || (strcmp(argv[2], "start") != 0 && strcmp(argv[2], "started") != 0))
		return 0;	/* not a call it acts on */
	while (len < sizeof(xml) && (n = read(0, xml + len, sizeof(xml) - len)) > 0)
		len += (size_t)n;
	if ((rc = guest_read(xml, len, &g)) <= 0)
		return rc < 0 && len > 0 ? (say(argv[1], "its definition is not XML", ""), 1) : 0;
	return strcmp(argv[2], "start") == 0 ? link_ram(argv[1], &g) : ignore_shared(argv[1], &g);
}
