/* mint-bench's records: written by the program, read back by whoever ran it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cause.h"
#include "eval/report.h"

#define HEADER	"mint-bench-records 1"

void
report_write(FILE *f, const struct report *r)
{
	fprintf(f, HEADER "\nclock %s\ntsc %d\nvirt %s\ncpu %d\nruns %u\nlate %" PRIu64 "\n", r->clock,
	    r->tsc, r->virt, r->cpu, r->runs, r->late_ns);
	for (unsigned i = 0; i < r->n_rows; i++) {
		const struct report_row *w = &r->rows[i];

		fprintf(f, "row %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %d\n",
		    w->workload, w->size, w->count, w->median_ns, w->min_ns, w->max_ns, w->direct);
	}
	fputs("end\n", f);
}

/* Copy a printable value of at most len - 1 bytes: 0, or -EINVAL. */
static int
printable(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)src[i] < 0x20 || (unsigned char)src[i] > 0x7e)
			return -EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

static int
parse_row(const char *s, struct report_row *w)
{
	char name[16];
	int direct, used = 0;

	if (sscanf(s, "%15s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %d%n",
	    name, &w->size, &w->count, &w->median_ns, &w->min_ns, &w->max_ns, &direct,
	    &used) != 7 || s[used] != '\0')
		return -EINVAL;
	if (strcmp(name, "reg") != 0 && strcmp(name, "copy") != 0 && strcmp(name, "io") != 0)
		return -EINVAL;
	if (w->count == 0 || w->min_ns > w->median_ns || w->median_ns > w->max_ns ||
	    (direct != 0 && direct != 1) || (strcmp(name, "reg") == 0) != (w->size == 0))
		return -EINVAL;
	memcpy(w->workload, name, strlen(name) + 1);	/* one of the three names */
	w->direct = direct;
	return 0;
}

/* One record (its line without the newline): 1 at "end", 0 for more, -EINVAL. */
static int
parse_line(char *line, struct report *r, unsigned *seen)
{
	char *val = strchr(line, ' ');
	unsigned long v;
	char *end;

	if (strcmp(line, "end") == 0)
		return 1;
	if (val == NULL)
		return -EINVAL;
	*val++ = '\0';
	if (strcmp(line, "clock") == 0)
		return *seen |= 1, printable(r->clock, sizeof(r->clock), val);
	if (strcmp(line, "virt") == 0)
		return *seen |= 2, printable(r->virt, sizeof(r->virt), val);
	if (strcmp(line, "row") == 0) {
		if (r->n_rows == REPORT_ROWS)
			return -EINVAL;
		return parse_row(val, &r->rows[r->n_rows++]);
	}
	errno = 0;
	if (strcmp(line, "late") == 0) {	/* optional */
		r->late_ns = strtoull(val, &end, 10);
		return errno != 0 || end == val || *end != '\0' || val[0] == '-' ? -EINVAL : 0;
	}
	v = strtoul(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || val[0] == '-')
		return -EINVAL;
	if (strcmp(line, "tsc") == 0 && v <= 1)
		r->tsc = (int)v, *seen |= 4;
	else if (strcmp(line, "cpu") == 0 && v < 65536)
		r->cpu = (int)v, *seen |= 8;
	else if (strcmp(line, "runs") == 0 && v >= 1 && v <= REPORT_RUNS_MAX)
		r->runs = (unsigned)v, *seen |= 16;
	else
		return -EINVAL;
	return 0;
}

int
report_parse(const char *text, size_t len, struct report *r, char *cause, size_t clen)
{
	const char *p = text, *stop = text + len;
	unsigned seen = 0, lineno = 0;
	int started = 0, rc = 0;

	memset(r, 0, sizeof(*r));
	while (p < stop && rc == 0) {
		const char *start = p, *nl = memchr(p, '\n', (size_t)(stop - p));
		size_t n = (size_t)((nl != NULL ? nl : stop) - start);
		char line[256];

		p = nl != NULL ? nl + 1 : stop;
		if (n > 0 && start[n - 1] == '\r')	/* a serial console's */
			n--;
		if (n >= sizeof(line) || memchr(start, '\0', n) != NULL) {
			if (started)
				return cause_fail(cause, clen, -EINVAL, "record %u: too long", lineno + 1);
			continue;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		if (!started) {
			started = strcmp(line, HEADER) == 0;
			continue;
		}
		lineno++;
		if ((rc = parse_line(line, r, &seen)) < 0) {
			memcpy(line, start, n);	/* whole again, for the message */
			return cause_fail(cause, clen, -EINVAL, "record %u is not valid: %.80s", lineno,
			    line);
		}
	}
	if (!started)
		return cause_fail(cause, clen, -EINVAL, "no records (no \"" HEADER "\" line)");
	if (rc != 1)
		return cause_fail(cause, clen, -EINVAL, "the records end before \"end\"");
	if (seen != 31)
		return cause_fail(cause, clen, -EINVAL, "the records lack clock, tsc, virt, cpu or runs");
	if (r->n_rows == 0)
		return cause_fail(cause, clen, -EINVAL, "the records have no result");
	return 0;
}
