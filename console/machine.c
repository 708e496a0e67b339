/* Parsing and checking a machine description; every problem named with its line. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpulist.h"
#include "console/machine.h"
#include "common/cause.h"

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

int
machine_parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	if (end == s)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K': n <<= 10; end++; break;
	case 'M': n <<= 20; end++; break;
	case 'G': n <<= 30; end++; break;
	}
	if (*end != '\0')
		return -EINVAL;
	*v = n;
	return 0;
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
			rc = machine_parse_size(val, &nd->memory);
		} else if (strcmp(kv, "floor") == 0) {
			rc = machine_parse_size(val, &nd->floor);
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

/*
 * Parse a description. Refused: unknown words, node numbers out of range or
 * repeated, a node without cores, a core or device given to two nodes.
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
		if (strcmp(word, "region") == 0) {
			char *spec = strtok_r(NULL, " \t", &save);
			if (spec == NULL || strlen(spec) >= sizeof(m->region))
				return cause_fail(cause, len, -EINVAL, "line %d: region needs one spec", lineno);
			strcpy(m->region, spec);
		} else if (strcmp(word, "memory-block") == 0) {
			char *v = strtok_r(NULL, " \t", &save);
			if (v == NULL || machine_parse_size(v, &m->block) < 0 || m->block < 4096 ||
			    (m->block & (m->block - 1)) != 0)
				return cause_fail(cause, len, -EINVAL, "line %d: memory-block needs a size that is "
				    "a power of two, like 128M", lineno);
		} else if (strcmp(word, "node") == 0) {
			char *num = strtok_r(NULL, " \t", &save), *end;
			unsigned long id = num ? strtoul(num, &end, 10) : 0;
			struct machine_node *nd;

			if (num == NULL || *end != '\0' || id >= MINT_MAX_NODES)
				return cause_fail(cause, len, -EINVAL, "line %d: node needs a number from 0 to %d",
				    lineno, MINT_MAX_NODES - 1);
			nd = &m->node[id];
			if (nd->present)
				return cause_fail(cause, len, -EINVAL, "line %d: node %lu given twice", lineno, id);
			nd->present = 1;
			nd->floor = MACHINE_FLOOR;
			if (id + 1 > m->nodes)
				m->nodes = (unsigned)id + 1;
			if ((rc = settings(nd, &save, lineno, cause, len)) < 0)
				return rc;
		} else if (strcmp(word, "spare") == 0) {
			if (m->spare.present)
				return cause_fail(cause, len, -EINVAL, "line %d: spare given twice", lineno);
			m->spare.present = 1;
			if ((rc = settings(&m->spare, &save, lineno, cause, len)) < 0)
				return rc;
		} else if (strcmp(word, "boot-timeout") == 0) {
			char *v = strtok_r(NULL, " \t", &save), *end;
			unsigned long k = v ? strtoul(v, &end, 10) : 0;
			if (v == NULL || *end != '\0' || k == 0 || k > 3600000)
				return cause_fail(cause, len, -EINVAL, "line %d: boot-timeout needs milliseconds",
				    lineno);
			m->boot_ms = (unsigned)k;
		} else if (strcmp(word, "slots") == 0) {
			char *v = strtok_r(NULL, " \t", &save), *end;
			unsigned long k = v ? strtoul(v, &end, 10) : 0;
			if (v == NULL || *end != '\0' || k == 0 || k > MINT_MAX_NODES)
				return cause_fail(cause, len, -EINVAL, "line %d: slots needs a number from 1 to %d",
				    lineno, MINT_MAX_NODES);
			m->slots = (unsigned)k;
		} else if (strcmp(word, "kexec") == 0 || strcmp(word, "start-hook") == 0) {
			char *rest = strtok_r(NULL, "", &save);
			char *dst = word[0] == 'k' ? m->kexec : m->start_hook;
			size_t cap = word[0] == 'k' ? sizeof(m->kexec) : sizeof(m->start_hook);
			while (rest != NULL && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest == NULL || *rest == '\0' || strlen(rest) >= cap)
				return cause_fail(cause, len, -EINVAL, "line %d: %s needs a command", lineno, word);
			strcpy(dst, rest);
		} else if (strcmp(word, "allow-host-kexec") == 0) {
			/* in so many words: kexec -e on this host's kernel */
			if (strtok_r(NULL, " \t", &save) != NULL)
				return cause_fail(cause, len, -EINVAL, "line %d: allow-host-kexec takes nothing",
				    lineno);
			m->allow_host_kexec = 1;
		} else if (strcmp(word, "libvirtd") == 0) {
			/* every node gets its own libvirtd, in a mount namespace of its own */
			char *v = strtok_r(NULL, " \t", &save);
			if (v != NULL && (v[0] != '/' || strlen(v) >= sizeof(m->libvirtd)))
				return cause_fail(cause, len, -EINVAL, "line %d: libvirtd takes the daemon's "
				    "absolute path, or nothing for %s", lineno, MACHINE_LIBVIRTD);
			snprintf(m->libvirtd, sizeof(m->libvirtd), "%s", v ? v : MACHINE_LIBVIRTD);
		} else {
			return cause_fail(cause, len, -EINVAL, "line %d: unknown word '%s' (region, "
			    "memory-block, node, spare, slots, kexec, allow-host-kexec, start-hook, "
			    "boot-timeout, libvirtd)", lineno, word);
		}
	}
	if (m->region[0] == '\0')
		return cause_fail(cause, len, -EINVAL, "no region line");
	if (m->nodes == 0)
		return cause_fail(cause, len, -EINVAL, "no node");
	for (unsigned i = 0; i < m->nodes; i++) {
		int any = 0;
		if (!m->node[i].present)
			return cause_fail(cause, len, -EINVAL, "node %u is missing (nodes are numbered from 0 "
			    "without gaps)", i);
		for (unsigned w = 0; w < CPULIST_WORDS; w++)
			any |= m->node[i].cores[w] != 0;
		if (!any)
			return cause_fail(cause, len, -EINVAL, "node %u has no core: every node needs one", i);
		if (m->node[i].memory % m->block != 0)
			return cause_fail(cause, len, -EINVAL, "node %u: memory %" PRIu64 " MiB is not whole "
			    "blocks of %" PRIu64 " MiB", i, m->node[i].memory >> 20, m->block >> 20);
		for (unsigned j = 0; j < i; j++) {
			for (unsigned w = 0; w < CPULIST_WORDS; w++)
				if (m->node[i].cores[w] & m->node[j].cores[w])
					return cause_fail(cause, len, -EINVAL, "nodes %u and %u both have core %u", j, i,
					    w * 64 + (unsigned)__builtin_ctzll(m->node[i].cores[w] & m->node[j].cores[w]));
			for (int a = 0; a < m->node[i].ndevices; a++)
				for (int b = 0; b < m->node[j].ndevices; b++)
					if (strcmp(m->node[i].devices[a], m->node[j].devices[b]) == 0)
						return cause_fail(cause, len, -EINVAL, "nodes %u and %u both have device %s",
						    j, i, m->node[i].devices[a]);
		}
		if (m->node[i].memory > 0 && m->node[i].floor > m->node[i].memory)
			return cause_fail(cause, len, -EINVAL, "node %u: its floor (%" PRIu64 " MiB) is more "
			    "than its memory (%" PRIu64 " MiB)", i, m->node[i].floor >> 20,
			    m->node[i].memory >> 20);
		/* what is spare is nobody's */
		for (unsigned w = 0; w < CPULIST_WORDS; w++)
			if (m->node[i].cores[w] & m->spare.cores[w])
				return cause_fail(cause, len, -EINVAL, "core %u is node %u's and spare",
				    w * 64 + (unsigned)__builtin_ctzll(m->node[i].cores[w] & m->spare.cores[w]), i);
		for (int a = 0; a < m->node[i].ndevices; a++)
			for (int b = 0; b < m->spare.ndevices; b++)
				if (strcmp(m->node[i].devices[a], m->spare.devices[b]) == 0)
					return cause_fail(cause, len, -EINVAL, "device %s is node %u's and spare",
					    m->spare.devices[b], i);
	}
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
