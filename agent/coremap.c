/* The mint module's list of cores: "cpu hwid" lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/coremap.h"

static int
number(const char **p, uint32_t *out)
{
	char *end;
	unsigned long v;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno != 0 || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	*p = end;
	return 0;
}

int
coremap_parse(const char *text, struct coremap *m)
{
	const char *p = text;

	m->n = 0;
	while (*p != '\0') {
		uint32_t cpu, hwid;

		if (*p == '\n') {
			p++;
			continue;
		}
		if (number(&p, &cpu) < 0 || cpu > INT32_MAX || number(&p, &hwid) < 0 ||
		    (*p != '\n' && *p != '\0'))
			return -EINVAL;
		if (m->n == COREMAP_MAX)
			return -EINVAL;
		/* one entry per cpu and per core: two would make a move ambiguous */
		for (unsigned i = 0; i < m->n; i++)
			if (m->e[i].cpu == cpu || m->e[i].hwid == hwid)
				return -EINVAL;
		m->e[m->n].cpu = cpu;
		m->e[m->n].hwid = hwid;
		m->n++;
	}
	return 0;
}

int
coremap_load(const char *path, struct coremap *m)
{
	char text[16384];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	if (n == sizeof(text) - 1)
		return -EFBIG;	/* it may end in a cut line, naming a wrong core */
	text[n] = '\0';
	return coremap_parse(text, m);
}

int
coremap_cpu(const struct coremap *m, uint32_t hwid)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->e[i].hwid == hwid)
			return (int)m->e[i].cpu;
	return -ENOENT;
}
