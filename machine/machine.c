/* Parsing and checking a machine description; every problem named with its line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cause.h"
#include "common/cpulist.h"
#include "common/parse.h"
#include "machine/machine.h"

/* A description is a few lines; a file larger than this is not one. */
#define MACHINE_FILE_MAX	(1 << 20)

int
machine_core(const struct machine_node *n, unsigned cpu)
{
	return cpulist_has(n->cores, cpu);
}

int
machine_cores_str(const struct machine_node *n, char *buf, size_t len)
{
	return cpulist_format(n->cores, buf, len);
}

/* KEY=VALUE settings of a node (or of the spare resources) up to the end of the line. */
static int
settings(struct machine_node *nd, char **save, int lineno, char *cause, size_t len)
{
	char *kv, *ds;

	while ((kv = strtok_r(NULL, " \t", save)) != NULL) {
		char *val = strchr(kv, '=');
		int rc = 0;

		if (val == NULL)
			return cause_fail(cause, len, -EINVAL, "line %d: '%s' is not KEY=VALUE", lineno, kv);
		*val++ = '\0';
		if (strcmp(kv, "cores") == 0) {
			rc = cpulist_parse(val, nd->cores);
		} else if (strcmp(kv, "memory") == 0) {
			rc = parse_size(val, &nd->memory);
		} else if (strcmp(kv, "floor") == 0) {
			rc = parse_size(val, &nd->floor);
		} else if (strcmp(kv, "libvirt") == 0 || strcmp(kv, "sysfs") == 0 ||
		    strcmp(kv, "irq") == 0 || strcmp(kv, "coremap") == 0) {
			char *dst = kv[0] == 'l' ? nd->libvirt : kv[0] == 's' ? nd->sysfs :
			    kv[0] == 'i' ? nd->irq : nd->coremap;

			if (strlen(val) >= sizeof(nd->libvirt))
				rc = -EINVAL;
			else
				strcpy(dst, val);
		} else if (strcmp(kv, "devices") == 0) {
			for (char *d = strtok_r(val, ",", &ds); d != NULL; d = strtok_r(NULL, ",", &ds)) {
				if (nd->ndevices >= MACHINE_MAX_DEVICES || strlen(d) >= sizeof(nd->devices[0]))
					return cause_fail(cause, len, -EINVAL, "line %d: too many devices, or a "
					    "name over 31 characters", lineno);
				strcpy(nd->devices[nd->ndevices++], d);
			}
		} else {
			return cause_fail(cause, len, -EINVAL, "line %d: unknown setting '%s' (cores, "
			    "memory, floor, devices, libvirt, sysfs, irq, coremap)", lineno, kv);
		}
		if (rc < 0)
			return cause_fail(cause, len, rc, "line %d: bad %s '%s'", lineno, kv, val);
	}
	return 0;
}

/* The rest of the line, without leading blanks: a command (kexec, start-hook). */
static int
command_word(char *dst, size_t cap, const char *word, char **save, int lineno, char *cause,
    size_t len)
{
	char *rest = strtok_r(NULL, "", save);

	while (rest != NULL && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (rest == NULL || *rest == '\0' || strlen(rest) >= cap)
		return cause_fail(cause, len, -EINVAL, "line %d: %s needs a command", lineno, word);
	strcpy(dst, rest);
	return 0;
}

/* A node line: its number, then its settings. */
static int
node_line(struct machine *m, char **save, int lineno, char *cause, size_t len)
{
	char *num = strtok_r(NULL, " \t", save);
	struct machine_node *nd;
	unsigned id;

	if (num == NULL || parse_node(num, MINT_MAX_NODES, &id) < 0)
		return cause_fail(cause, len, -EINVAL, "line %d: node needs a number from 0 to %d",
		    lineno, MINT_MAX_NODES - 1);
	nd = &m->node[id];
	if (nd->present)
		return cause_fail(cause, len, -EINVAL, "line %d: node %u given twice", lineno, id);
	nd->present = 1;
	nd->floor = MACHINE_FLOOR;
	if (id + 1 > m->nodes)
		m->nodes = id + 1;
	return settings(nd, save, lineno, cause, len);
}

/* A line that sets one number of the machine (memory-block, boot-timeout, slots). */
static int
number_line(struct machine *m, const char *word, char **save, int lineno, char *cause,
    size_t len)
{
	char *v = strtok_r(NULL, " \t", save);
	unsigned long k = 0;

	if (strcmp(word, "memory-block") == 0) {
		if (v == NULL || parse_size(v, &m->block) < 0 || m->block < 4096 ||
		    (m->block & (m->block - 1)) != 0)
			return cause_fail(cause, len, -EINVAL, "line %d: memory-block needs a size that is "
			    "a power of two, like 128M", lineno);
	} else if (strcmp(word, "boot-timeout") == 0) {
		if (v == NULL || parse_uint(v, 3600000, &k) < 0 || k == 0)
			return cause_fail(cause, len, -EINVAL, "line %d: boot-timeout needs milliseconds",
			    lineno);
		m->boot_ms = (unsigned)k;
	} else {
		if (v == NULL || parse_uint(v, MINT_MAX_NODES, &k) < 0 || k == 0)
			return cause_fail(cause, len, -EINVAL, "line %d: slots needs a number from 1 to %d",
			    lineno, MINT_MAX_NODES);
		m->slots = (unsigned)k;
	}
	return 0;
}

/*
 * guest-pool SIZE [extent=SIZE]: memory every node maps for guest RAM, in
 * extents of the resource table (64 MiB unless said), all free at start.
 */
static int
pool_line(struct machine *m, char **save, int lineno, char *cause, size_t len)
{
	char *v = strtok_r(NULL, " \t", save), *e = strtok_r(NULL, " \t", save);

	m->pool_extent = MACHINE_POOL_EXTENT;
	if (v == NULL || parse_size(v, &m->pool) < 0 || m->pool == 0)
		return cause_fail(cause, len, -EINVAL, "line %d: guest-pool needs a size, like 1G",
		    lineno);
	if (e != NULL && (strncmp(e, "extent=", 7) != 0 || parse_size(e + 7, &m->pool_extent) < 0 ||
	    m->pool_extent < 4096 || (m->pool_extent & (m->pool_extent - 1)) != 0))
		return cause_fail(cause, len, -EINVAL, "line %d: guest-pool takes extent=SIZE, a power "
		    "of two like 64M", lineno);
	if (strtok_r(NULL, " \t", save) != NULL || m->pool % m->pool_extent != 0 ||
	    m->pool / m->pool_extent > MACHINE_POOL_EXTENTS)
		return cause_fail(cause, len, -EINVAL, "line %d: guest-pool is whole extents, at most "
		    "%u of them", lineno, MACHINE_POOL_EXTENTS);
	return 0;
}

/* One line's first word and what follows it. */
static int
parse_line(struct machine *m, const char *word, char **save, int lineno, char *cause, size_t len)
{
	char *v;

	if (strcmp(word, "region") == 0) {
		v = strtok_r(NULL, " \t", save);
		if (v == NULL || strlen(v) >= sizeof(m->region))
			return cause_fail(cause, len, -EINVAL, "line %d: region needs one spec", lineno);
		strcpy(m->region, v);
	} else if (strcmp(word, "node") == 0) {
		return node_line(m, save, lineno, cause, len);
	} else if (strcmp(word, "spare") == 0) {
		if (m->spare.present)
			return cause_fail(cause, len, -EINVAL, "line %d: spare given twice", lineno);
		m->spare.present = 1;
		return settings(&m->spare, save, lineno, cause, len);
	} else if (strcmp(word, "memory-block") == 0 || strcmp(word, "boot-timeout") == 0 ||
	    strcmp(word, "slots") == 0) {
		return number_line(m, word, save, lineno, cause, len);
	} else if (strcmp(word, "guest-pool") == 0) {
		return pool_line(m, save, lineno, cause, len);
	} else if (strcmp(word, "kexec") == 0) {
		return command_word(m->kexec, sizeof(m->kexec), word, save, lineno, cause, len);
	} else if (strcmp(word, "start-hook") == 0) {
		return command_word(m->start_hook, sizeof(m->start_hook), word, save, lineno, cause, len);
	} else if (strcmp(word, "allow-host-kexec") == 0) {
		/* in so many words: kexec -e on this host's kernel */
		if (strtok_r(NULL, " \t", save) != NULL)
			return cause_fail(cause, len, -EINVAL, "line %d: allow-host-kexec takes nothing",
			    lineno);
		m->allow_host_kexec = 1;
	} else if (strcmp(word, "libvirtd") == 0) {
		/* every node gets its own libvirtd, in a mount namespace of its own */
		v = strtok_r(NULL, " \t", save);
		if (v != NULL && (v[0] != '/' || strlen(v) >= sizeof(m->libvirtd)))
			return cause_fail(cause, len, -EINVAL, "line %d: libvirtd takes the daemon's "
			    "absolute path, or nothing for %s", lineno, MACHINE_LIBVIRTD);
		snprintf(m->libvirtd, sizeof(m->libvirtd), "%s", v ? v : MACHINE_LIBVIRTD);
	} else {
		return cause_fail(cause, len, -EINVAL, "line %d: unknown word '%s' (region, "
		    "memory-block, node, spare, slots, kexec, allow-host-kexec, start-hook, "
		    "boot-timeout, libvirtd, guest-pool)", lineno, word);
	}
	return 0;
}

/* The first core two bitmaps share, or -1. */
static int
common_core(const uint64_t *a, const uint64_t *b)
{
	for (unsigned w = 0; w < CPULIST_WORDS; w++)
		if (a[w] & b[w])
			return (int)(w * 64 + (unsigned)__builtin_ctzll(a[w] & b[w]));
	return -1;
}

/* The first device two nodes share, or NULL. */
static const char *
common_device(const struct machine_node *a, const struct machine_node *b)
{
	for (int i = 0; i < a->ndevices; i++)
		for (int j = 0; j < b->ndevices; j++)
			if (strcmp(a->devices[i], b->devices[j]) == 0)
				return a->devices[i];
	return NULL;
}

/* Node i on its own, and against the nodes before it and the spare resources. */
static int
check_node(const struct machine *m, unsigned i, char *cause, size_t len)
{
	const struct machine_node *n = &m->node[i];
	const char *dev;
	int core;

	if (!n->present)
		return cause_fail(cause, len, -EINVAL, "node %u is missing (nodes are numbered from 0 "
		    "without gaps)", i);
	if (cpulist_count(n->cores) == 0)
		return cause_fail(cause, len, -EINVAL, "node %u has no core: every node needs one", i);
	if (n->memory % m->block != 0)
		return cause_fail(cause, len, -EINVAL, "node %u: memory %" PRIu64 " MiB is not whole "
		    "blocks of %" PRIu64 " MiB", i, n->memory >> 20, m->block >> 20);
	for (unsigned j = 0; j < i; j++) {
		if ((core = common_core(n->cores, m->node[j].cores)) >= 0)
			return cause_fail(cause, len, -EINVAL, "nodes %u and %u both have core %d", j, i,
			    core);
		if ((dev = common_device(n, &m->node[j])) != NULL)
			return cause_fail(cause, len, -EINVAL, "nodes %u and %u both have device %s", j, i,
			    dev);
	}
	if (n->memory > 0 && n->floor > n->memory)
		return cause_fail(cause, len, -EINVAL, "node %u: its floor (%" PRIu64 " MiB) is more "
		    "than its memory (%" PRIu64 " MiB)", i, n->floor >> 20, n->memory >> 20);
	/* what is spare is nobody's */
	if ((core = common_core(n->cores, m->spare.cores)) >= 0)
		return cause_fail(cause, len, -EINVAL, "core %d is node %u's and spare", core, i);
	if ((dev = common_device(n, &m->spare)) != NULL)
		return cause_fail(cause, len, -EINVAL, "device %s is node %u's and spare", dev, i);
	return 0;
}

/* The description as a whole, once every line is read. */
static int
check_machine(struct machine *m, char *cause, size_t len)
{
	static const char *const kinds[] = { "file:", "dev:", "pci:", "memfd:" };
	size_t k;
	int rc;

	if (m->region[0] == '\0')
		return cause_fail(cause, len, -EINVAL, "no region line");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (strncmp(m->region, kinds[k], strlen(kinds[k])) == 0)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return cause_fail(cause, len, -EINVAL, "region '%s' is not file:PATH, dev:PATH, "
		    "pci:PATH or memfd:NAME", m->region);
	if (m->nodes == 0)
		return cause_fail(cause, len, -EINVAL, "no node");
	for (unsigned i = 0; i < m->nodes; i++)
		if ((rc = check_node(m, i, cause, len)) < 0)
			return rc;
	if (m->spare.memory % m->block != 0)
		return cause_fail(cause, len, -EINVAL, "spare memory %" PRIu64 " MiB is not whole blocks "
		    "of %" PRIu64 " MiB", m->spare.memory >> 20, m->block >> 20);
	if (m->slots == 0)
		m->slots = m->nodes;
	if (m->slots < m->nodes)
		return cause_fail(cause, len, -EINVAL, "slots %u: the description has %u nodes", m->slots,
		    m->nodes);
	return 0;
}

/*
 * Refused: unknown words, node numbers out of range or repeated, a node
 * without cores, a core or device given to two nodes or to a node and spare,
 * memory that is not whole blocks, a region that is not a region's spec.
 */
int
machine_parse(const char *text, struct machine *m, char *cause, size_t len)
{
	char line[1024];
	int lineno = 0, rc;

	memset(m, 0, sizeof(*m));
	m->block = MACHINE_BLOCK;
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		char *word, *save, *hash;

		lineno++;
		if (n >= sizeof(line))
			return cause_fail(cause, len, -EINVAL, "line %d: too long", lineno);
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (text[n] == '\n');
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((word = strtok_r(line, " \t", &save)) == NULL)
			continue;
		if ((rc = parse_line(m, word, &save, lineno, cause, len)) < 0)
			return rc;
	}
	return check_machine(m, cause, len);
}

int
machine_load(const char *path, struct machine *m, char *cause, size_t len)
{
	FILE *f = fopen(path, "re");
	char *text;
	long n;
	int rc;

	if (f == NULL)
		return cause_fail(cause, len, -errno, "cannot read it: %s", strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
		rc = cause_fail(cause, len, -errno, "cannot read it: %s", strerror(errno));
		goto close_file;
	}
	rewind(f);
	if (n > MACHINE_FILE_MAX) {
		rc = cause_fail(cause, len, -EFBIG, "too large for a machine description");
		goto close_file;
	}
	if ((text = calloc(1, (size_t)n + 1)) == NULL) {
		rc = cause_fail(cause, len, -ENOMEM, "out of memory");
		goto close_file;
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		rc = cause_fail(cause, len, -EIO, "read error");
		goto free_text;
	}
	rc = machine_parse(text, m, cause, len);
free_text:
	free(text);
close_file:
	fclose(f);
	return rc;
}

void
machine_totals(const struct machine *m, struct machine_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < m->nodes; i++) {
		t->cores += (unsigned)cpulist_count(m->node[i].cores);
		t->memory += m->node[i].memory;
		t->devices += (unsigned)m->node[i].ndevices;
	}
}
