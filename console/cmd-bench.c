/*
 * mint-console bench: the paper's evaluation through the agents. mint-bench
 * runs on node A alone, on node B alone, on A and B at once, and twice at
 * once on A (the sharing that partitioning avoids); programs meant to run
 * together wait for one TSC reading, so they begin within microseconds of
 * each other. Then the comparison: per workload and size, each time, and
 * the ratios of together and shared to alone; --chart draws it as SVG.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "console/client.h"
#include "console/cmd.h"
#include "eval/chart.h"
#include "eval/report.h"
#include "eval/tsc.h"
#include "shm/node.h"

#define BENCH_CONFIGS	4
#define BENCH_PROGS	2	/* programs of one configuration */
#define START_MARGIN_NS	500000000ull	/* requests delivered, programs calibrated */
#define LATE_WARN_NS	1000000ull

enum { C_ALONE_A, C_ALONE_B, C_TOGETHER, C_SHARED };

/* One request: a node, how many programs there, and what came back. */
struct bench_ask {
	struct cmd_ctx *ctx;
	Mint__Command cmd;
	Mint__BenchSpec spec;
	unsigned node;
	int timeout_ms;
	Mint__Envelope *reply;
	int rc;
	char cause[512];
	pthread_t thread;
};

struct bench_config {
	char name[48];
	int measured;
	unsigned nprogs;
	const Mint__BenchReport *progs[BENCH_PROGS];
	Mint__Envelope *replies[BENCH_PROGS];
};

static void *
bench_ask_thread(void *arg)
{
	struct bench_ask *q = arg;

	q->rc = client_request(q->ctx->socket_path, &q->cmd, q->timeout_ms, &q->reply, q->cause,
	    sizeof(q->cause));
	return NULL;
}

/* Ask each of n requests at once and wait for every answer: 0, or the first failure said. */
static int
bench_ask_all(struct bench_ask *q, unsigned n)
{
	int rc = 0;

	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&q[i].thread, NULL, bench_ask_thread, &q[i]) != 0) {
			q[i].rc = -EAGAIN;
			snprintf(q[i].cause, sizeof(q[i].cause), "bench: no thread to ask node %u",
			    q[i].node);
			q[i].thread = 0;
		}
	for (unsigned i = 0; i < n; i++)
		if (q[i].thread != 0)
			pthread_join(q[i].thread, NULL);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (q[i].rc < 0)
			rc = cmd_fail(cmd_status_of(q[i].rc, 0), "%s", q[i].cause);
		else if ((rc = cmd_reply_fail(q[i].reply)) == 0 && q[i].reply->reply->n_bench == 0)
			rc = cmd_fail(CMD_FAILED, "node %u answered without results", q[i].node);
	}
	return rc;
}

struct bench_opts {
	Mint__BenchSpec spec;
	char *workloads[3];
	uint64_t sizes[8];
	unsigned nodes[2], nnodes;
	const char *chart;
	struct tsc_clock clk;
};

/* Run configuration k: its programs' reports into c, or the failure said. */
static int
bench_config(struct cmd_ctx *ctx, const struct bench_opts *o, int k, struct bench_config *c)
{
	struct bench_ask q[BENCH_PROGS];
	uint64_t start = 0;
	unsigned n = k == C_TOGETHER ? 2 : 1;
	int rc;

	if (o->clk.tsc)
		start = tsc_now(&o->clk) + (uint64_t)((double)START_MARGIN_NS / o->clk.ns_per_tick);
	memset(q, 0, sizeof(q));
	for (unsigned i = 0; i < n; i++) {
		q[i].ctx = ctx;
		q[i].spec = o->spec;
		q[i].spec.has_start_tsc = start != 0, q[i].spec.start_tsc = start;
		q[i].spec.has_programs = 1, q[i].spec.programs = k == C_SHARED ? 2 : 1;
		q[i].node = k == C_ALONE_B || (k == C_TOGETHER && i == 1) ? o->nodes[1] : o->nodes[0];
		mint__command__init(&q[i].cmd);
		q[i].cmd.has_kind = 1, q[i].cmd.kind = MINT__COMMAND_KIND__CMD_BENCH;
		q[i].cmd.has_node = 1, q[i].cmd.node = q[i].node;
		q[i].cmd.bench = &q[i].spec;
		q[i].timeout_ms = (int)o->spec.timeout_ms + 10000;
	}
	fprintf(stderr, "bench: %s...\n", c->name);
	rc = bench_ask_all(q, n);
	c->nprogs = 0;
	for (unsigned i = 0; i < n; i++) {
		Mint__Reply *r = q[i].reply != NULL ? q[i].reply->reply : NULL;

		c->replies[i] = q[i].reply;
		for (size_t j = 0; rc == 0 && r != NULL && j < r->n_bench &&
		    c->nprogs < BENCH_PROGS; j++)
			c->progs[c->nprogs++] = r->bench[j];
	}
	if (rc == 0)
		c->measured = 1;
	return rc;
}

/* The median of configuration c for row (workload, size), mean over its programs: ns, or -1. */
static double
config_ns(const struct bench_config *c, const char *workload, uint64_t size)
{
	double sum = 0;
	unsigned got = 0;

	for (unsigned i = 0; c->measured && i < c->nprogs; i++)
		for (size_t k = 0; k < c->progs[i]->n_rows; k++) {
			const Mint__BenchRow *w = c->progs[i]->rows[k];

			if (strcmp(w->workload, workload) == 0 && w->size == size) {
				sum += (double)w->median_ns;
				got++;
			}
		}
	return got ? sum / got : -1;
}

static void
out_ratio(struct out *o, const char *key, int width, double v, double base)
{
	if (v < 0 || base <= 0)
		out_null(o, key, width, "-");
	else
		out_float(o, key, width, 2, v / base);
}

static void
out_secs(struct out *o, const char *key, int width, double ns)
{
	if (ns < 0) {
		out_null(o, key, width, "-");
		return;
	}
	if (out_json(o))
		out_float(o, key, width, 9, ns / 1e9);
	else
		out_cell(o, width, "%.3f", ns / 1e6);
}

/* The rows of the first measured program: the workloads and sizes every configuration ran. */
static const Mint__BenchReport *
first_report(const struct bench_config *cf)
{
	for (int k = 0; k < BENCH_CONFIGS; k++)
		if (cf[k].measured && cf[k].nprogs > 0)
			return cf[k].progs[0];
	return NULL;
}

static void
row_name(char *buf, size_t len, const Mint__BenchRow *w)
{
	if (w->size == 0)
		snprintf(buf, len, "%s", w->workload);
	else if (w->size % 1024 == 0)
		snprintf(buf, len, "%s %lluK", w->workload, (unsigned long long)(w->size >> 10));
	else
		snprintf(buf, len, "%s %llu", w->workload, (unsigned long long)w->size);
}

static void
bench_out_configs(struct out *o, const struct bench_config *cf)
{
	out_list(o, "configurations");
	for (int k = 0; k < BENCH_CONFIGS; k++) {
		if (!cf[k].measured)
			continue;
		out_begin(o, NULL);
		out_str(o, "name", OUT_NOTEXT, cf[k].name);
		out_list(o, "programs");
		for (unsigned i = 0; i < cf[k].nprogs; i++) {
			const Mint__BenchReport *p = cf[k].progs[i];

			out_begin(o, NULL);
			out_uint(o, "node", OUT_NOTEXT, p->node);
			out_int(o, "cpu", OUT_NOTEXT, p->cpu);
			out_str(o, "virt", OUT_NOTEXT, p->virt);
			out_float(o, "late", OUT_NOTEXT, 9, (double)p->late_ns / 1e9);
			out_list(o, "results");
			for (size_t r = 0; r < p->n_rows; r++) {
				const Mint__BenchRow *w = p->rows[r];

				out_begin(o, NULL);
				out_str(o, "workload", OUT_NOTEXT, w->workload);
				out_uint(o, "size", OUT_NOTEXT, w->size);
				out_uint(o, "count", OUT_NOTEXT, w->count);
				out_float(o, "median", OUT_NOTEXT, 9, (double)w->median_ns / 1e9);
				out_float(o, "min", OUT_NOTEXT, 9, (double)w->min_ns / 1e9);
				out_float(o, "max", OUT_NOTEXT, 9, (double)w->max_ns / 1e9);
				if (strcmp(w->workload, "io") == 0)
					out_bool(o, "direct", OUT_NOTEXT, w->direct);
				out_end(o);
			}
			out_list_end(o);
			out_end(o);
		}
		out_list_end(o);
		out_end(o);
	}
	out_list_end(o);
}

/* The paper's comparison: a row per workload and size. */
static void
bench_out_table(struct out *o, const struct bench_config *cf, const Mint__BenchReport *ref)
{
	char title[2][64];

	snprintf(title[0], sizeof(title[0]), "%s ms", cf[C_ALONE_A].name);
	snprintf(title[1], sizeof(title[1]), "%s ms", cf[C_ALONE_B].measured ? cf[C_ALONE_B].name :
	    "-");
	if (!out_json(o)) {
		out_text(o, "%-10s %14s %14s %12s %6s %13s %6s", "workload", title[0], title[1],
		    "together ms", "ratio", "shared ms", "ratio");
		out_line(o);
	}
	out_list(o, "comparison");
	for (size_t r = 0; r < ref->n_rows; r++) {
		const Mint__BenchRow *w = ref->rows[r];
		double a = config_ns(&cf[C_ALONE_A], w->workload, w->size);
		double b = config_ns(&cf[C_ALONE_B], w->workload, w->size);
		double t = config_ns(&cf[C_TOGETHER], w->workload, w->size);
		double s = config_ns(&cf[C_SHARED], w->workload, w->size);
		double alone = b >= 0 ? (a + b) / 2 : a;
		char name[32];

		row_name(name, sizeof(name), w);
		out_begin(o, NULL);
		out_str(o, "workload", OUT_NOTEXT, w->workload);
		out_uint(o, "size", OUT_NOTEXT, w->size);
		out_cell(o, -10, "%s", name);
		out_secs(o, "alone_a", 14, a);
		out_secs(o, "alone_b", 14, b);
		out_secs(o, "together", 12, t);
		out_ratio(o, "together_ratio", 6, t, alone);
		out_secs(o, "shared", 13, s);
		out_ratio(o, "shared_ratio", 6, s, a);
		out_end(o);
		if (!out_json(o))
			out_line(o);	/* inside the report's object: a row a line */
	}
	out_list_end(o);
}

static int
bench_chart(const struct bench_opts *bo, const struct bench_config *cf,
    const Mint__BenchReport *ref)
{
	const char *series[BENCH_CONFIGS], *groups[REPORT_ROWS];
	static char gname[REPORT_ROWS][32];
	double values[REPORT_ROWS * BENCH_CONFIGS];
	unsigned ns = 0, ng = 0;
	struct chart c = { "mint-bench: alone, together on two nodes, shared on one", NULL, 0,
	    NULL, 0, values };
	FILE *f;
	int rc;

	for (int k = 0; k < BENCH_CONFIGS; k++)
		if (cf[k].measured)
			series[ns++] = cf[k].name;
	for (size_t r = 0; r < ref->n_rows && ng < REPORT_ROWS; r++, ng++) {
		unsigned s = 0;

		row_name(gname[ng], sizeof(gname[ng]), ref->rows[r]);
		groups[ng] = gname[ng];
		for (int k = 0; k < BENCH_CONFIGS; k++) {
			double v;

			if (!cf[k].measured)
				continue;
			v = config_ns(&cf[k], ref->rows[r]->workload, ref->rows[r]->size);
			values[ng * ns + s++] = v < 0 ? -1 : v / 1e6;
		}
	}
	c.groups = groups, c.n_groups = ng, c.series = series, c.n_series = ns;
	if ((f = fopen(bo->chart, "w")) == NULL)
		return cmd_fail(CMD_FAILED, "bench: --chart %s: %s", bo->chart, strerror(errno));
	rc = chart_svg(f, &c);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		return cmd_fail(CMD_FAILED, "bench: --chart %s: %s", bo->chart, strerror(-rc));
	return 0;
}

/* The comma-separated list s into out (at most max items of at most 15 bytes): n, or -1. */
static int
split_list(char *s, char **out, int max)
{
	int n = 0;

	for (char *tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
		if (n == max || strlen(tok) > 15)
			return -1;
		out[n++] = tok;
	}
	return n;
}

static int
bench_opts(struct cmd_ctx *ctx, struct args *a, struct bench_opts *o)
{
	static char wl[64], sz[256];
	char *items[9];
	int n;

	memset(o, 0, sizeof(*o));
	mint__bench_spec__init(&o->spec);
	snprintf(wl, sizeof(wl), "%s", args_str(a, "--workload", args_has(a, "--io") ?
	    "reg,copy,io" : "reg,copy"));
	if ((n = split_list(wl, o->workloads, 3)) <= 0)
		return cmd_fail(CMD_USAGE, "bench: --workload takes up to three of reg, copy, io");
	for (int i = 0; i < n; i++)
		if (strcmp(o->workloads[i], "reg") != 0 && strcmp(o->workloads[i], "copy") != 0 &&
		    strcmp(o->workloads[i], "io") != 0)
			return cmd_fail(CMD_USAGE, "bench: '%s' is not reg, copy or io",
			    o->workloads[i]);
		else if (strcmp(o->workloads[i], "io") == 0 && !args_has(a, "--io"))
			return cmd_fail(CMD_USAGE, "bench: the io workload needs --io PATH (a file "
			    "or block device, on the nodes)");
	o->spec.n_workloads = (size_t)n, o->spec.workloads = o->workloads;
	if (args_has(a, "--sizes")) {
		if (strlen(args_str(a, "--sizes", "")) >= sizeof(sz))
			return cmd_fail(CMD_USAGE, "bench: --sizes: too long");
		snprintf(sz, sizeof(sz), "%s", args_str(a, "--sizes", ""));
		if ((n = split_list(sz, items, 8)) <= 0)
			return cmd_fail(CMD_USAGE, "bench: --sizes takes up to 8 sizes, like 256K,1M");
		for (int i = 0; i < n; i++)
			if (parse_size(items[i], &o->sizes[i]) < 0 || o->sizes[i] == 0 ||
			    o->sizes[i] > (1ull << 30))
				return cmd_fail(CMD_USAGE, "bench: --sizes: '%s' is not a size from 1 "
				    "byte to 1G", items[i]);
		o->spec.n_sizes = (size_t)n, o->spec.sizes = o->sizes;
	}
	if (args_has(a, "--quick")) {	/* a check that it all works, not a measurement */
		o->spec.has_reg = 1, o->spec.reg = 200000;
		o->spec.has_copies = 1, o->spec.copies = 20;
		o->spec.has_reads = 1, o->spec.reads = 4;
		o->spec.has_runs = 1, o->spec.runs = 3;
	}
	if (args_has(a, "--reg"))
		o->spec.has_reg = 1, o->spec.reg = args_u64(a, "--reg", 0);
	if (args_has(a, "--copies"))
		o->spec.has_copies = 1, o->spec.copies = args_u64(a, "--copies", 0);
	if (args_has(a, "--reads"))
		o->spec.has_reads = 1, o->spec.reads = args_u64(a, "--reads", 0);
	if (args_has(a, "--runs"))
		o->spec.has_runs = 1, o->spec.runs = (uint32_t)args_u64(a, "--runs", 0);
	o->spec.io = (char *)args_str(a, "--io", NULL);
	if (o->spec.io != NULL && o->spec.io[0] != '/')
		return cmd_fail(CMD_USAGE, "bench: --io takes an absolute path (of a file or block "
		    "device on the nodes), not '%s'", o->spec.io);
	o->spec.has_timeout_ms = 1, o->spec.timeout_ms = args_u64(a, "--limit", 600000);
	o->chart = args_str(a, "--chart", NULL);
	/* the nodes: as given, else the first two online */
	for (int i = 0; i < a->npos; i++)
		if (cmd_node_arg(a->pos[i], &o->nodes[o->nnodes++]) != 0)
			return CMD_USAGE;
	if (o->nnodes == 2 && o->nodes[0] == o->nodes[1])
		return cmd_fail(CMD_USAGE, "bench: two different nodes, or one");
	if (o->nnodes == 0) {
		struct node_view v;

		for (unsigned i = 0; i < ctx->region.layout.nodes && o->nnodes < 2; i++)
			if (node_read(&ctx->region, i, &v) == 0 && v.state == MINT_NODE_ONLINE)
				o->nodes[o->nnodes++] = i;
		if (o->nnodes == 0)
			return cmd_fail(CMD_UNREACHABLE, "bench: no node is online");
	}
	for (unsigned i = 0; i < o->nnodes; i++) {
		struct node_view v;

		if (o->nodes[i] >= ctx->region.layout.nodes)
			return cmd_fail(CMD_USAGE, "bench: this machine has nodes 0 to %u",
			    ctx->region.layout.nodes - 1);
		if (node_read(&ctx->region, o->nodes[i], &v) < 0 || v.state != MINT_NODE_ONLINE)
			return cmd_fail(CMD_UNREACHABLE, "bench: node %u is not online", o->nodes[i]);
	}
	tsc_init(&o->clk);
	return 0;
}

static void
bench_free_configs(struct bench_config *cf)
{
	for (int k = 0; k < BENCH_CONFIGS; k++)
		for (int i = 0; i < BENCH_PROGS; i++)
			if (cf[k].replies[i] != NULL)
				wire_free(cf[k].replies[i]);
}

static int
cmd_bench_run(struct cmd_ctx *ctx, struct args *a)
{
	struct bench_config cf[BENCH_CONFIGS];
	const Mint__BenchReport *ref;
	struct bench_opts o;
	struct out *out;
	int rc;

	if ((rc = cmd_open_region(ctx)) != 0 || (rc = bench_opts(ctx, a, &o)) != 0)
		return rc;
	memset(cf, 0, sizeof(cf));
	snprintf(cf[C_ALONE_A].name, sizeof(cf[0].name), "node %u", o.nodes[0]);
	if (o.nnodes == 2) {
		snprintf(cf[C_ALONE_B].name, sizeof(cf[0].name), "node %u", o.nodes[1]);
		snprintf(cf[C_TOGETHER].name, sizeof(cf[0].name), "nodes %u+%u at once", o.nodes[0],
		    o.nodes[1]);
	}
	snprintf(cf[C_SHARED].name, sizeof(cf[0].name), "two on node %u", o.nodes[0]);
	for (int k = 0; k < BENCH_CONFIGS && rc == 0; k++)
		if (cf[k].name[0] != '\0')
			rc = bench_config(ctx, &o, k, &cf[k]);
	if (rc != 0 || (ref = first_report(cf)) == NULL) {
		bench_free_configs(cf);
		return rc != 0 ? rc : cmd_fail(CMD_FAILED, "bench: no results");
	}
	out = cmd_out(ctx, OUT_SPACED);
	out_begin(out, NULL);
	out_list(out, "nodes");
	for (unsigned i = 0; out_json(out) && i < o.nnodes; i++)
		out_uint(out, NULL, OUT_NOTEXT, o.nodes[i]);
	out_list_end(out);
	out_uint(out, "runs", OUT_NOTEXT, ref->runs);
	out_str(out, "clock", OUT_NOTEXT, ref->clock);
	out_str(out, "virt", OUT_NOTEXT, ref->virt);
	if (!out_json(out)) {
		out_text(out, "mint-bench, medians of %u runs; clock %s; run under: %s%s", ref->runs,
		    ref->clock, ref->virt, strcmp(ref->virt, "none") == 0 ? "" :
		    " (this machine itself is virtual: its figures are the guest's, not bare metal's)");
		out_line(out);
	}
	for (int k = 0; k < BENCH_CONFIGS; k++)
		for (unsigned i = 0; cf[k].measured && i < cf[k].nprogs; i++)
			if (cf[k].progs[i]->late_ns > LATE_WARN_NS && !out_json(out)) {
				out_text(out, "note: %s: a program on node %u began %.1f ms late (not at "
				    "once with the others)", cf[k].name, cf[k].progs[i]->node,
				    (double)cf[k].progs[i]->late_ns / 1e6);
				out_line(out);
			}
	if (!o.clk.tsc && !out_json(out)) {
		out_text(out, "note: no invariant TSC here: programs meant to run together began "
		    "as their requests arrived");
		out_line(out);
	}
	bench_out_table(out, cf, ref);
	if (out_json(out))
		bench_out_configs(out, cf);
	out_end(out);
	if (o.chart != NULL)
		rc = bench_chart(&o, cf, ref);
	bench_free_configs(cf);
	return rc;
}

static const struct args_opt cmd_bench_opts[] = {
	{ "--workload", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--sizes", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--reg", ARGS_UINT, 1, 1000000000000UL, "bench: --reg takes a count from 1 to 10^12", NULL },
	{ "--copies", ARGS_UINT, 1, 100000000, "bench: --copies takes a count from 1 to 10^8", NULL },
	{ "--reads", ARGS_UINT, 1, 100000000, "bench: --reads takes a count from 1 to 10^8", NULL },
	{ "--runs", ARGS_UINT, 1, 1000, "bench: --runs takes a count from 1 to 1000", NULL },
	{ "--io", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--quick", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--chart", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--limit", ARGS_SECONDS, 1000, 24 * 3600 * 1000UL, "bench: --limit takes seconds (1 to a "
	  "day)", NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template cmd_bench_args = {
	.opts = cmd_bench_opts,
	.max_pos = 2,
	.unknown = "bench: unknown argument %s",
};

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.usage = "[NODE [NODE]] [--workload reg,copy,io] [--sizes LIST] [--reg M] [--copies N] "
	    "[--reads L] [--io PATH] [--runs R] [--quick] [--chart FILE.svg] [--limit SECONDS] "
	    "[--json]",
	.help = "The paper's evaluation: mint-bench on NODE alone, on the other NODE alone, on "
	    "both at once, and twice at once on the first (default: the first two online nodes), "
	    "then each time and the ratios of together and shared to alone; --chart draws them.",
	.min_args = 0,
	.max_args = 24,
	.flags = CMD_JSON,
	.args = &cmd_bench_args,
	.run = cmd_bench_run,
	.complete = CMPL_NODE,
};
