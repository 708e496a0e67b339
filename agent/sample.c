/* Parsers of /proc/stat, /proc/loadavg, /proc/meminfo and /proc/zoneinfo. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sample.h"

/* The line after pos, or NULL at the end. */
static const char *
next_line(const char *pos)
{
	const char *nl = strchr(pos, '\n');

	return nl != NULL && nl[1] != '\0' ? nl + 1 : NULL;
}

/*
 * The per-core lines ("cpuN ...") of /proc/stat, in file order. Returns 0,
 * or -EINVAL if a core line is malformed or there is none, -E2BIG if there
 * are more than max.
 */
int
sample_parse_stat(const char *text, struct cpu_times *cpus, int max, int *n)
{
	*n = 0;
	for (const char *l = text; l != NULL; l = next_line(l)) {
		uint64_t v[8] = { 0 };
		int cpu, got;

		if (strncmp(l, "cpu", 3) != 0 || l[3] < '0' || l[3] > '9')
			continue;
		got = sscanf(l, "cpu%d %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		    " %" SCNu64 " %" SCNu64 " %" SCNu64, &cpu, &v[0], &v[1], &v[2], &v[3], &v[4],
		    &v[5], &v[6], &v[7]);
		/* kernels since 2.6.11 give at least 8 numbers; steal may be absent before */
		if (got < 8 || cpu < 0 || cpu >= SAMPLE_MAX_CPUS)
			return -EINVAL;
		if (*n >= max)
			return -E2BIG;
		cpus[*n].cpu = cpu;
		cpus[*n].busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		cpus[*n].idle = v[3] + v[4];
		(*n)++;
	}
	return *n > 0 ? 0 : -EINVAL;
}

/* Share of time busy between two samples of one core, 0..1000. */
uint32_t
sample_busy_permille(const struct cpu_times *before, const struct cpu_times *after)
{
	uint64_t busy, total;

	/* counters only grow; a core that went offline and back may restart them */
	if (after->busy < before->busy || after->idle < before->idle)
		return 0;
	busy = after->busy - before->busy;
	total = busy + after->idle - before->idle;
	return total == 0 ? 0 : (uint32_t)(busy * 1000 / total);
}

/* Load averages times 100 ("1.25" -> 125). */
int
sample_parse_loadavg(const char *text, uint32_t *l1, uint32_t *l5, uint32_t *l15)
{
	unsigned a, b, c, d, e, f;

	if (sscanf(text, "%u.%2u %u.%2u %u.%2u", &a, &b, &c, &d, &e, &f) != 6)
		return -EINVAL;
	*l1 = a * 100 + b;
	*l5 = c * 100 + d;
	*l15 = e * 100 + f;
	return 0;
}

static int
meminfo_field(const char *text, const char *name, uint64_t *bytes)
{
	size_t len = strlen(name);

	for (const char *l = text; l != NULL; l = next_line(l)) {
		uint64_t kb;
		if (strncmp(l, name, len) == 0 && l[len] == ':' &&
		    sscanf(l + len + 1, "%" SCNu64 " kB", &kb) == 1) {
			*bytes = kb * 1024;
			return 0;
		}
	}
	return -ENOENT;
}

/* Total and available memory in bytes. */
int
sample_parse_meminfo(const char *text, uint64_t *total, uint64_t *available)
{
	if (meminfo_field(text, "MemTotal", total) < 0)
		return -EINVAL;
	/* kernels before 3.14 have no MemAvailable: count free memory only */
	if (meminfo_field(text, "MemAvailable", available) < 0 &&
	    meminfo_field(text, "MemFree", available) < 0)
		return -EINVAL;
	return 0;
}

/*
 * Bytes present in ZONE_MOVABLE, over all NUMA nodes: what memory hotplug can
 * take away from this kernel.
 */
uint64_t
sample_parse_movable(const char *zoneinfo, uint64_t page_size)
{
	uint64_t pages = 0, v;
	int movable = 0;

	for (const char *l = zoneinfo; l != NULL; l = next_line(l)) {
		char zone[32];
		if (sscanf(l, "Node %*d, zone %31s", zone) == 1)
			movable = strcmp(zone, "Movable") == 0;
		else if (movable && sscanf(l, " present %" SCNu64, &v) == 1)
			pages += v;
	}
	return pages * page_size;
}
