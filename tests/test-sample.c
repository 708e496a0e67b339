/* The /proc parsers on fixture files (tests/fixtures/proc: a /proc tree for agents, and a later /proc/stat). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/coremap.h"
#include "agent/sample.h"
#include "tests/tap.h"

static char *
fixture(const char *name)
{
	static char bufs[6][4096];
	static int next;
	char path[512];
	const char *top = getenv("top_srcdir");
	char *b = bufs[next++ % 6];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", top ? top : ".", name);
	f = fopen(path, "r");
	if (f == NULL) {
		printf("Bail out! %s: cannot open\n", path);
		exit(1);
	}
	n = fread(b, 1, 4095, f);
	b[n] = '\0';
	fclose(f);
	return b;
}

int
main(void)
{
	struct cpu_times a[8], b[8];
	int na, nb;
	uint32_t l1, l5, l15;
	uint64_t total, avail;

	ok(sample_parse_stat(fixture("proc/stat"), a, 8, &na) == 0 && na == 3,
	    "three cores in /proc/stat, the aggregate line skipped");
	ok(a[2].cpu == 3 && a[2].busy == 310 && a[2].idle == 1550, "cpu3: busy and idle jiffies");
	sample_parse_stat(fixture("proc-stat-b"), b, 8, &nb);
	is(sample_busy_permille(&a[0], &b[0]), 500, "cpu0 busy half the time between samples");
	is(sample_busy_permille(&a[1], &b[1]), 0, "cpu1 idle");
	is(sample_busy_permille(&a[2], &b[2]), 1000 * 170 / 220, "cpu3 at 772 permille");
	is(sample_busy_permille(&b[0], &a[0]), 0, "counters that went backwards read 0");
	is(sample_parse_stat(fixture("proc/stat"), a, 2, &na), -E2BIG, "more cores than room");
	is(sample_parse_stat("cpu0 1 2\n", a, 8, &na), -EINVAL, "a short core line is refused");
	is(sample_parse_stat("intr 1 2 3\n", a, 8, &na), -EINVAL, "no core at all is refused");
	is(sample_parse_stat("cpu9999 1 2 3 4 5 6 7 8\n", a, 8, &na), -EINVAL,
	    "an impossible core number is refused");

	ok(sample_parse_loadavg(fixture("proc/loadavg"), &l1, &l5, &l15) == 0 && l1 == 125 &&
	    l5 == 70 && l15 == 5, "load averages 1.25 0.70 0.05 in hundredths");
	is(sample_parse_loadavg("x y z", &l1, &l5, &l15), -EINVAL, "garbage load average refused");

	ok(sample_parse_meminfo(fixture("proc/meminfo"), &total, &avail) == 0 &&
	    total == 8167848ull * 1024 && avail == 5632520ull * 1024, "total and available memory");
	ok(sample_parse_meminfo("MemTotal: 100 kB\nMemFree: 40 kB\n", &total, &avail) == 0 &&
	    avail == 40 * 1024, "free memory where the kernel has no MemAvailable");
	is(sample_parse_meminfo("Cached: 1 kB\n", &total, &avail), -EINVAL, "no MemTotal refused");

	is(sample_parse_movable(fixture("proc/zoneinfo"), 4096), (65536ull + 32768) * 4096,
	    "movable memory summed over the Movable zones of both NUMA nodes");
	is(sample_parse_movable("Node 0, zone Normal\n present 5\n", 4096), 0, "no Movable zone: 0");

	/* the module's cores list: the table's core ids (hardware ids) to this kernel's cpus */
	static struct coremap m;
	ok(coremap_parse("0 0\n1 2\n2 3\n", &m) == 0 && m.n == 3, "cores list: three present cpus");
	ok(coremap_cpu(&m, 2) == 1 && coremap_cpu(&m, 3) == 2 && coremap_cpu(&m, 0) == 0,
	    "core 2 is this kernel's cpu 1, core 3 its cpu 2");
	is(coremap_cpu(&m, 1), -ENOENT, "core 1 is not in this kernel");
	ok(coremap_parse("", &m) == 0 && m.n == 0, "an empty list is no core");
	is(coremap_parse("0 0\n1 0\n", &m), -EINVAL, "two cpus claiming one core refused");
	is(coremap_parse("0 0\n0 4\n", &m), -EINVAL, "one cpu listed twice refused");
	is(coremap_parse("0 0 7\n", &m), -EINVAL, "a line with more than two numbers refused");
	is(coremap_parse("0\n", &m), -EINVAL, "a line with one number refused");
	is(coremap_parse("0 99999999999\n", &m), -EINVAL, "an id beyond 32 bits refused");
	is(coremap_parse("x 1\n", &m), -EINVAL, "garbage refused");
	is(coremap_parse("4294967295 1\n", &m), -EINVAL, "a cpu number beyond int refused");
	return tap_done();
}
