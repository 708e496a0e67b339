/*
 * mint-bench: the evaluation program of the Mint paper. Register increments
 * (M), memcpy() of 256 KiB, 512 KiB and 1 MiB (N), random lseek() + read()
 * on a disk (L), each timed with the TSC over 10 runs; medians and spread,
 * as text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/parse.h"
#include "eval/report.h"
#include "eval/tsc.h"
#include "eval/workload.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define MAX_SIZES	8
#define MAX_RUNS	1000

enum { W_REG = 1, W_COPY = 2, W_IO = 4 };

struct opts {
	unsigned workloads;
	uint64_t sizes[MAX_SIZES];
	unsigned n_sizes;
	uint64_t reg, copies, reads, seed, start_tsc;
	unsigned runs;
	const char *io;
	int no_direct, json, records, print_tsc, start_stdin;
};

struct result {
	const char *workload;
	uint64_t size, count;
	uint64_t ns[MAX_RUNS];
	int direct;
};

static const char usage[] =
    "usage: mint-bench [OPTIONS]\n"
    "The Mint paper's evaluation program: each workload timed with the TSC over\n"
    "RUNS runs; the median, least and most time of a run.\n"
    "  -w, --workload LIST  reg, copy, io, comma-separated (default: reg,copy;\n"
    "                       reg,copy,io with --io)\n"
    "  -s, --sizes LIST     bytes a memcpy() copies and a read() reads\n"
    "                       (default 256K,512K,1M)\n"
    "  -M, --reg M          register increments a run (default 20000000)\n"
    "  -N, --copies N       memcpy()s a run, per size (default 1000)\n"
    "  -L, --reads L        lseek() + read()s a run, per size (default 16)\n"
    "  -f, --io PATH        the file or block device the io workload reads (at\n"
    "                       random offsets, O_DIRECT where the file system has it)\n"
    "      --no-direct      read through the page cache\n"
    "  -r, --runs RUNS      runs of each workload (default 10, at most 1000)\n"
    "      --seed S         seed of the random offsets (default fixed)\n"
    "      --start-tsc T    wait until the TSC reads T before the first workload:\n"
    "                       programs on several nodes of one machine start at once\n"
    "                       (needs an invariant TSC; --tsc prints it now)\n"
    "      --start-stdin    say \"mint-bench ready\", then wait for a line on stdin\n"
    "                       before the first workload (a guest's runner)\n"
    "      --tsc            print the TSC and its rate and exit\n"
    "  -j, --json           one JSON object\n"
    "      --records        the records an agent reads (mint-console bench)\n"
    "  -h, --help           this text\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("mint-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
count_arg(const char *opt, const char *s, unsigned long max)
{
	unsigned long v;

	if (parse_uint(s, max, &v) < 0 || v == 0)
		die("%s '%s': give a whole number from 1 to %lu", opt, s, max);
	return v;
}

static void
parse_sizes(struct opts *o, const char *list)
{
	char buf[256], *tok, *save;

	if (strlen(list) >= sizeof(buf))
		die("--sizes '%s': too long", list);
	strcpy(buf, list);
	o->n_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_sizes == MAX_SIZES)
			die("--sizes: at most %d sizes", MAX_SIZES);
		if (parse_size(tok, &o->sizes[o->n_sizes]) < 0 || o->sizes[o->n_sizes] == 0 ||
		    o->sizes[o->n_sizes] > (1ull << 30))
			die("--sizes: '%s' is not a size from 1 byte to 1G (like 256K)", tok);
		o->n_sizes++;
	}
	if (o->n_sizes == 0)
		die("--sizes: no size given");
}

static unsigned
parse_workloads(const char *list)
{
	char buf[64], *tok, *save;
	unsigned w = 0;

	if (strlen(list) >= sizeof(buf))
		die("--workload '%s': too long", list);
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "reg") == 0)
			w |= W_REG;
		else if (strcmp(tok, "copy") == 0)
			w |= W_COPY;
		else if (strcmp(tok, "io") == 0)
			w |= W_IO;
		else
			die("--workload: '%s' is not reg, copy or io", tok);
	}
	if (w == 0)
		die("--workload: none given");
	return w;
}

static void
parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "workload", required_argument, NULL, 'w' }, { "sizes", required_argument, NULL, 's' },
		{ "reg", required_argument, NULL, 'M' }, { "copies", required_argument, NULL, 'N' },
		{ "reads", required_argument, NULL, 'L' }, { "io", required_argument, NULL, 'f' },
		{ "no-direct", no_argument, NULL, 'D' }, { "runs", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' }, { "json", no_argument, NULL, 'j' },
		{ "start-tsc", required_argument, NULL, 'T' }, { "tsc", no_argument, NULL, 't' },
		{ "records", no_argument, NULL, 'R' }, { "start-stdin", no_argument, NULL, 'G' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *workloads = NULL;
	int c;

	*o = (struct opts){ .reg = 20000000, .copies = 1000, .reads = 16, .runs = 10,
	    .seed = 1, .sizes = { 256 << 10, 512 << 10, 1 << 20 }, .n_sizes = 3 };
	while ((c = getopt_long(argc, argv, "w:s:M:N:L:f:r:jh", longs, NULL)) != -1) {
		switch (c) {
		case 'w': workloads = optarg; break;
		case 's': parse_sizes(o, optarg); break;
		case 'M': o->reg = count_arg("--reg", optarg, 1000000000000ul); break;
		case 'N': o->copies = count_arg("--copies", optarg, 100000000ul); break;
		case 'L': o->reads = count_arg("--reads", optarg, 100000000ul); break;
		case 'f': o->io = optarg; break;
		case 'D': o->no_direct = 1; break;
		case 'r': o->runs = (unsigned)count_arg("--runs", optarg, MAX_RUNS); break;
		case 'S': o->seed = count_arg("--seed", optarg, ~0ul); break;
		case 'j': o->json = 1; break;
		case 'R': o->records = 1; break;
		case 'G': o->start_stdin = 1; break;
		case 'T': o->start_tsc = count_arg("--start-tsc", optarg, ~0ul); break;
		case 't': o->print_tsc = 1; break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs(usage, stderr); exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	o->workloads = workloads != NULL ? parse_workloads(workloads) :
	    W_REG | W_COPY | (o->io != NULL ? W_IO : 0);
	if ((o->workloads & W_IO) && o->io == NULL)
		die("the io workload needs --io PATH: a file or block device to read");
}

/* Who runs us: "none", or the hypervisor's CPUID signature (KVM, TCG...). */
static const char *
virt_name(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static char sig[13];
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) == 0 || !(c & (1u << 31)))
		return "none";
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4), memcpy(sig + 4, &c, 4), memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	if (strncmp(sig, "KVMKVMKVM", 9) == 0)
		return "kvm";
	if (strcmp(sig, "TCGTCGTCGTCG") == 0)
		return "tcg";
	return sig[0] != '\0' ? sig : "unknown hypervisor";
#else
	return "unknown";
#endif
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(const struct result *r, unsigned runs, uint64_t *lo, uint64_t *hi)
{
	uint64_t s[MAX_RUNS];

	memcpy(s, r->ns, runs * sizeof(s[0]));
	qsort(s, runs, sizeof(s[0]), cmp_u64);
	*lo = s[0], *hi = s[runs - 1];
	return runs % 2 ? s[runs / 2] : (s[runs / 2 - 1] + s[runs / 2]) / 2;
}

static void
run_reg(const struct opts *o, const struct tsc_clock *clk, struct result *r)
{
	unsigned i;

	*r = (struct result){ .workload = "reg", .count = o->reg };
	for (i = 0; i < o->runs; i++) {
		uint64_t t0 = tsc_now(clk);

		if (wl_reg(o->reg) < 0)
			die("reg: the register count came out wrong");
		r->ns[i] = tsc_ns(clk, tsc_now(clk) - t0);
	}
}

static void
run_copy(const struct opts *o, const struct tsc_clock *clk, uint64_t size, struct result *r)
{
	struct wl_copy c;
	unsigned i;

	*r = (struct result){ .workload = "copy", .size = size, .count = o->copies };
	if (wl_copy_init(&c, (size_t)size) < 0)
		die("copy: no memory for two buffers of %llu bytes", (unsigned long long)size);
	for (i = 0; i < o->runs; i++) {
		uint64_t t0 = tsc_now(clk);

		if (wl_copy_run(&c, o->copies) < 0)
			die("copy: a copy of %llu bytes came out wrong", (unsigned long long)size);
		r->ns[i] = tsc_ns(clk, tsc_now(clk) - t0);
	}
	wl_copy_free(&c);
}

static void
run_io(const struct opts *o, const struct tsc_clock *clk, uint64_t size, struct result *r)
{
	struct wl_io io;
	char cause[256];
	unsigned i;

	*r = (struct result){ .workload = "io", .size = size, .count = o->reads };
	if (wl_io_open(&io, o->io, (size_t)size, o->no_direct, o->seed, cause, sizeof(cause)) < 0)
		die("io: %s", cause);
	r->direct = io.direct;
	for (i = 0; i < o->runs; i++) {
		uint64_t t0 = tsc_now(clk);

		if (wl_io_run(&io, o->reads, cause, sizeof(cause)) < 0)
			die("io: %s: %s", o->io, cause);
		r->ns[i] = tsc_ns(clk, tsc_now(clk) - t0);
	}
	wl_io_close(&io);
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void
print_json(const struct opts *o, const struct tsc_clock *clk, const struct result *res, unsigned n)
{
	unsigned i, k;

	printf("{\"clock\":");
	json_str(clk->name);
	printf(",\"tsc\":%s,\"virt\":", clk->tsc ? "true" : "false");
	json_str(virt_name());
	printf(",\"cpu\":%d,\"runs\":%u,\"results\":[", sched_getcpu(), o->runs);
	for (i = 0; i < n; i++) {
		uint64_t lo, hi, med = median(&res[i], o->runs, &lo, &hi);

		printf("%s{\"workload\":\"%s\",\"size\":%llu,\"count\":%llu,\"median_ns\":%llu,"
		    "\"min_ns\":%llu,\"max_ns\":%llu,\"per_op_ns\":%.1f", i ? "," : "",
		    res[i].workload, (unsigned long long)res[i].size, (unsigned long long)res[i].count,
		    (unsigned long long)med, (unsigned long long)lo, (unsigned long long)hi,
		    (double)med / (double)res[i].count);
		if (strcmp(res[i].workload, "io") == 0)
			printf(",\"direct\":%s", res[i].direct ? "true" : "false");
		printf(",\"ns\":[");
		for (k = 0; k < o->runs; k++)
			printf("%s%llu", k ? "," : "", (unsigned long long)res[i].ns[k]);
		printf("]}");
	}
	printf("]}\n");
}

static void
print_records(const struct opts *o, const struct tsc_clock *clk, const struct result *res,
    unsigned n, uint64_t late_ns)
{
	struct report r = { .tsc = clk->tsc, .cpu = sched_getcpu(), .runs = o->runs, .n_rows = n,
	    .late_ns = late_ns };

	snprintf(r.clock, sizeof(r.clock), "%s", clk->name);
	snprintf(r.virt, sizeof(r.virt), "%s", virt_name());
	for (unsigned i = 0; i < n && i < REPORT_ROWS; i++) {
		struct report_row *w = &r.rows[i];

		snprintf(w->workload, sizeof(w->workload), "%.7s", res[i].workload);
		w->size = res[i].size, w->count = res[i].count, w->direct = res[i].direct;
		w->median_ns = median(&res[i], o->runs, &w->min_ns, &w->max_ns);
	}
	report_write(stdout, &r);
}

static void
print_text(const struct opts *o, const struct tsc_clock *clk, const struct result *res, unsigned n)
{
	unsigned i;

	printf("clock: %s; virtualisation: %s; cpu %d; %u runs each\n", clk->name, virt_name(),
	    sched_getcpu(), o->runs);
	printf("%-9s %8s %11s %12s %12s %12s %12s\n", "workload", "size", "count", "median ms",
	    "least ms", "most ms", "per op ns");
	for (i = 0; i < n; i++) {
		uint64_t lo, hi, med = median(&res[i], o->runs, &lo, &hi);
		char size[32] = "-";

		if (res[i].size != 0)
			snprintf(size, sizeof(size), "%lluK", (unsigned long long)(res[i].size >> 10));
		printf("%-9s %8s %11llu %12.3f %12.3f %12.3f %12.1f%s\n", res[i].workload, size,
		    (unsigned long long)res[i].count, med / 1e6, lo / 1e6, hi / 1e6,
		    (double)med / (double)res[i].count,
		    strcmp(res[i].workload, "io") == 0 && !res[i].direct ? " (page cache)" : "");
	}
}

int
main(int argc, char **argv)
{
	static struct result res[1 + 2 * MAX_SIZES];
	struct tsc_clock clk;
	uint64_t now = 0, late_ns = 0;
	struct opts o;
	unsigned n = 0, i;

	parse_opts(&o, argc, argv);
	tsc_init(&clk);
	if ((o.print_tsc || o.start_tsc != 0) && !clk.tsc)
		die("no invariant TSC here: runs cannot be started together by it");
	if (o.print_tsc) {
		printf("%llu %.6f\n", (unsigned long long)tsc_now(&clk), 1.0 / clk.ns_per_tick);
		return 0;
	}
	/*
	 * Sleep to within 5 ms of the start, then spin: a sleep alone wakes tens
	 * of microseconds late, and a spin all along takes the cores the other
	 * programs need to get ready.
	 */
	while (o.start_tsc != 0 && (now = tsc_now(&clk)) < o.start_tsc) {
		uint64_t left = tsc_ns(&clk, o.start_tsc - now);

		if (left > 5000000) {
			struct timespec nap = { 0, (long)((left - 5000000) % 1000000000) };

			nap.tv_sec = (time_t)((left - 5000000) / 1000000000);
			nanosleep(&nap, NULL);
		}
	}
	if (o.start_tsc != 0)
		late_ns = tsc_ns(&clk, now - o.start_tsc);
	if (o.start_stdin) {
		char line[64];

		printf("mint-bench ready\n");
		fflush(stdout);
		if (fgets(line, sizeof(line), stdin) == NULL)
			die("--start-stdin: no start came (end of input)");
	}
	if (o.workloads & W_REG)
		run_reg(&o, &clk, &res[n++]);
	for (i = 0; (o.workloads & W_COPY) && i < o.n_sizes; i++)
		run_copy(&o, &clk, o.sizes[i], &res[n++]);
	for (i = 0; (o.workloads & W_IO) && i < o.n_sizes; i++)
		run_io(&o, &clk, o.sizes[i], &res[n++]);
	if (o.records)
		print_records(&o, &clk, res, n, late_ns);
	else if (o.json)
		print_json(&o, &clk, res, n);
	else
		print_text(&o, &clk, res, n);
	return 0;
}
