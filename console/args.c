/* Parsing a command's arguments against its template: one grammar for every command. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "console/args.h"

void
args_say(char *buf, size_t len, const char *tmpl, const char *arg)
{
	const char *p = strstr(tmpl, "%s");

	if (p == NULL)
		snprintf(buf, len, "%s", tmpl);
	else
		snprintf(buf, len, "%.*s%s%s", (int)(p - tmpl), tmpl, arg, p + 2);
}

/* The same, and "%u" (in a node's message) is the highest node number. */
static void
args_say_node(char *buf, size_t len, const char *tmpl, const char *arg, unsigned last)
{
	char t[256];
	const char *p = strstr(tmpl, "%u");

	if (p == NULL) {
		args_say(buf, len, tmpl, arg);
		return;
	}
	snprintf(t, sizeof(t), "%.*s%u%s", (int)(p - tmpl), tmpl, last, p + 2);
	args_say(buf, len, t, arg);
}

int
args_addr(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (*end == '\0')
		return errno == ERANGE ? -ERANGE : 0;
	return parse_size(s, out);
}

static int
args_find(const struct args_template *t, const char *name)
{
	for (int i = 0; t->opts != NULL && t->opts[i].name != NULL; i++)
		if (strcmp(t->opts[i].name, name) == 0)
			return i;
	return -1;
}

/* Seconds as people write them (10, 2.5) in ms, within [min, max] ms. */
static int
args_seconds(const char *s, unsigned long min, unsigned long max, uint64_t *ms)
{
	char *end;
	double d;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	d = strtod(s, &end);
	if (*end != '\0' || d * 1000 < (double)min || d * 1000 > (double)max)
		return -EINVAL;
	*ms = (uint64_t)(d * 1000 + 0.5);
	return 0;
}

/* A value for option o: 0, or -1 with the sentence in cause. */
static int
args_value(const struct args_opt *o, const char *s, unsigned nodes, uint64_t *out,
    char *cause, size_t len)
{
	unsigned long ul;
	unsigned n;
	int rc = 0;

	switch (o->type) {
	case ARGS_FLAG:
	case ARGS_STRING:
		break;
	case ARGS_NODE:
		if ((rc = parse_node(s, o->max != 0 ? (unsigned)o->max : nodes, &n)) == 0)
			*out = n;
		break;
	case ARGS_UINT:
		if ((rc = parse_uint(s, o->max, &ul)) == 0 && ul < o->min)
			rc = -ERANGE;
		*out = ul;
		break;
	case ARGS_SIZE:
		rc = parse_size(s, out);
		break;
	case ARGS_ADDR:
		rc = args_addr(s, out);
		break;
	case ARGS_SECONDS:
		rc = args_seconds(s, o->min, o->max, out);
		break;
	case ARGS_CHOICE:
		rc = -EINVAL;
		for (uint64_t i = 0; o->choices[i] != NULL; i++)
			if (strcmp(o->choices[i], s) == 0)
				*out = i, rc = 0;
		break;
	}
	if (rc == 0)
		return 0;
	if (o->bad != NULL)
		args_say_node(cause, len, o->bad, s, nodes - 1);
	else if (o->type == ARGS_NODE && o->max != 0)
		snprintf(cause, len, "'%s' is not a node number", s);
	else if (o->type == ARGS_NODE)
		snprintf(cause, len, "'%s' is not a node of this machine (0 to %u)", s, nodes - 1);
	else
		snprintf(cause, len, "%s: '%s' is not %s", o->name, s,
		    o->type == ARGS_SIZE || o->type == ARGS_ADDR ? "a size" : o->type == ARGS_CHOICE ? "one of its choices" :
		    "a number in range");
	return -1;
}

int
args_parse(const struct args_template *t, int argc, char **argv, unsigned nodes,
    struct args *a, char *cause, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->tmpl = t;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		int k = s[0] == '-' && s[1] != '\0' ? args_find(t, s) : -2;

		if (k == -1 && t->dash_args)
			k = -2;

		if (k == -2 && a->npos < t->max_pos && a->npos < ARGS_MAX_POS) {
			a->pos[a->npos++] = argv[i];
			continue;
		}
		if (k < 0 || k >= ARGS_MAX_OPTS) {
			args_say(cause, len, t->unknown, s);
			return -1;
		}
		a->v[k].set = 1;
		if (t->opts[k].type == ARGS_FLAG)
			continue;
		if (i + 1 >= argc) {
			args_say(cause, len, t->missing != NULL ? t->missing : t->unknown, s);
			return -1;
		}
		a->v[k].str = argv[++i];
		if (args_value(&t->opts[k], a->v[k].str, nodes, &a->v[k].u, cause, len) < 0)
			return -1;
	}
	return 0;
}

int
args_has(const struct args *a, const char *name)
{
	int k = args_find(a->tmpl, name);

	return k >= 0 && a->v[k].set;
}

const char *
args_str(const struct args *a, const char *name, const char *def)
{
	int k = args_find(a->tmpl, name);

	return k >= 0 && a->v[k].set && a->v[k].str != NULL ? a->v[k].str : def;
}

uint64_t
args_u64(const struct args *a, const char *name, uint64_t def)
{
	int k = args_find(a->tmpl, name);

	return k >= 0 && a->v[k].set && a->v[k].str != NULL ? a->v[k].u : def;
}
