/*
 * mint-console bench: the paper's evaluation through the agents. mint-bench
 * runs on each target alone, on both at once, and (two nodes) twice at once
 * on the first (the sharing partitioning avoids); a guest is compared with
 * the node that runs it. Programs meant to run together begin at one TSC
 * reading (on nodes) or when their agents pass on the start (in guests).
 * Then the comparison: per workload and size each configuration's median
 * and its ratio to what it is compared with; --chart draws it as SVG.
 */
#include <errno.h>
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

#define BENCH_CONFIGS	12
#define BENCH_TARGETS	5	/* on the command line: up to two nodes, and guests */
#define BENCH_AT_ONCE	2	/* targets of one configuration */
#define BENCH_PROGS	4	/* reports of one configuration */
#define START_MARGIN_NS	500000000ull	/* requests delivered, programs calibrated */
#define LATE_WARN_NS	1000000ull

/* Where a program runs: a node, or a guest on it. */
struct bench_target {
	unsigned node;
	const char *guest;	/* NULL: on the node itself */
};

struct bench_config {
	char name[160];
	char label;		/* its column: A, B, ... */
	struct bench_target t[BENCH_AT_ONCE];
	unsigned nt;
	unsigned programs;	/* at once on each target (2: sharing it) */
	int base[2];		/* compared with these configurations' mean */
	unsigned nbase;
	/* what came back */
	int measured;
	unsigned nprogs;
	const Mint__BenchReport *progs[BENCH_PROGS];
	Mint__Envelope *replies[BENCH_AT_ONCE];
};

struct bench_opts {
	Mint__BenchSpec spec;
	char *workloads[3];
	uint64_t sizes[8];
	struct bench_target t[BENCH_TARGETS];
	unsigned nt;
	const char *chart;
	const char *guest_io;	/* what io reads in a guest */
	struct tsc_clock clk;
	struct bench_config cf[BENCH_CONFIGS];
	unsigned ncf;
};

/* One request: a target, and what came back. */
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
	int started;
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

	for (unsigned i = 0; i < n; i++) {
		q[i].started = pthread_create(&q[i].thread, NULL, bench_ask_thread, &q[i]) == 0;
		if (!q[i].started) {
			q[i].rc = -EAGAIN;
			snprintf(q[i].cause, sizeof(q[i].cause), "bench: no thread to ask node %u",
			    q[i].node);
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (q[i].started)
			pthread_join(q[i].thread, NULL);
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (q[i].rc < 0)
			rc = cmd_fail(cmd_status_of(q[i].rc, 0), "%s", q[i].cause);
		else if ((rc = cmd_reply_fail(q[i].reply)) == 0 && q[i].reply->reply->n_bench == 0)
			rc = cmd_fail(CMD_FAILED, "node %u answered without results", q[i].node);
	}
	return rc;
}

/* Run configuration c: its programs' reports into it, or the failure said. */
static int
bench_run_config(struct cmd_ctx *ctx, const struct bench_opts *o, struct bench_config *c)
{
	struct bench_ask q[BENCH_AT_ONCE];
	uint64_t start = 0;
	int rc;

	if (o->clk.tsc)
		start = tsc_now(&o->clk) + (uint64_t)((double)START_MARGIN_NS / o->clk.ns_per_tick);
	memset(q, 0, sizeof(q));
	for (unsigned i = 0; i < c->nt; i++) {
		q[i].ctx = ctx;
		q[i].spec = o->spec;
		q[i].spec.has_start_tsc = start != 0, q[i].spec.start_tsc = start;
		q[i].spec.has_programs = 1, q[i].spec.programs = c->programs;
		q[i].spec.guest = (char *)c->t[i].guest;
		if (c->t[i].guest != NULL && o->spec.io != NULL)
			q[i].spec.io = (char *)o->guest_io;	/* the guest's own disk */
		q[i].node = c->t[i].node;
		mint__command__init(&q[i].cmd);
		q[i].cmd.has_kind = 1, q[i].cmd.kind = MINT__COMMAND_KIND__CMD_BENCH;
		q[i].cmd.has_node = 1, q[i].cmd.node = q[i].node;
		q[i].cmd.bench = &q[i].spec;
		q[i].timeout_ms = (int)o->spec.timeout_ms + 10000;
	}
	fprintf(stderr, "bench: %s...\n", c->name);
	rc = bench_ask_all(q, c->nt);
	for (unsigned i = 0; i < c->nt; i++) {
		Mint__Reply *r = q[i].reply != NULL ? q[i].reply->reply : NULL;

		c->replies[i] = q[i].reply;
		for (size_t j = 0; rc == 0 && r != NULL && j < r->n_bench && c->nprogs < BENCH_PROGS;
		    j++)
			c->progs[c->nprogs++] = r->bench[j];
	}
	c->measured = rc == 0;
	return rc;
}

/* The median of c for (workload, size), mean over its programs: ns, or -1. */
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

/* c against its bases for (workload, size): the ratio, or -1. */
static double
config_ratio(const struct bench_opts *o, const struct bench_config *c, const char *workload,
    uint64_t size)
{
	double v = config_ns(c, workload, size), base = 0;

	if (v < 0 || c->nbase == 0)
		return -1;
	for (unsigned i = 0; i < c->nbase; i++) {
		double b = config_ns(&o->cf[c->base[i]], workload, size);

		if (b <= 0)
			return -1;
		base += b / c->nbase;
	}
	return v / base;
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
target_name(char *buf, size_t len, const struct bench_target *t)
{
	if (t->guest != NULL)
		snprintf(buf, len, "guest %s (node %u)", t->guest, t->node);
	else
		snprintf(buf, len, "node %u", t->node);
}

/* Add a configuration: its index. */
static int
config_add(struct bench_opts *o, const struct bench_target *t, unsigned nt, unsigned programs,
    int b0, int b1)
{
	struct bench_config *c = &o->cf[o->ncf];
	char a[64], b[64];

	c->label = (char)('A' + o->ncf);
	memcpy(c->t, t, nt * sizeof(*t));
	c->nt = nt;
	c->programs = programs;
	if (b0 >= 0)
		c->base[c->nbase++] = b0;
	if (b1 >= 0)
		c->base[c->nbase++] = b1;
	target_name(a, sizeof(a), &t[0]);
	if (nt == 2) {
		target_name(b, sizeof(b), &t[1]);
		snprintf(c->name, sizeof(c->name), "%s + %s at once", a, b);
	} else if (programs == 2) {
		snprintf(c->name, sizeof(c->name), "two at once on %s", a);
	} else {
		snprintf(c->name, sizeof(c->name), "%s alone", a);
	}
	return (int)o->ncf++;
}

/* The configuration of target t alone, or -1. */
static int
alone_of(const struct bench_opts *o, const struct bench_target *t)
{
	for (unsigned k = 0; k < o->ncf; k++) {
		const struct bench_config *c = &o->cf[k];

		if (c->nt == 1 && c->programs == 1 && c->t[0].node == t->node &&
		    (c->t[0].guest == NULL) == (t->guest == NULL) &&
		    (t->guest == NULL || strcmp(c->t[0].guest, t->guest) == 0))
			return (int)k;
	}
	return -1;
}

/*
 * The configurations, as the paper's table has them: each node alone, the
 * nodes at once, two programs sharing the first node; each guest alone
 * against its node alone, and every two guests at once against each alone
 * (on two nodes, or on one).
 */
static void
bench_plan(struct bench_opts *o)
{
	struct bench_target nodes[BENCH_TARGETS], guests[BENCH_TARGETS];
	unsigned nn = 0, ng = 0;

	for (unsigned i = 0; i < o->nt; i++)
		if (o->t[i].guest == NULL)
			nodes[nn++] = o->t[i];
		else
			guests[ng++] = o->t[i];
	for (unsigned i = 0; i < nn; i++)
		config_add(o, &nodes[i], 1, 1, -1, -1);
	if (nn == 2)
		config_add(o, nodes, 2, 1, alone_of(o, &nodes[0]), alone_of(o, &nodes[1]));
	if (nn > 0)
		config_add(o, nodes, 1, 2, alone_of(o, &nodes[0]), -1);
	for (unsigned i = 0; i < ng; i++) {
		struct bench_target n = { guests[i].node, NULL };

		if (alone_of(o, &n) < 0)
			config_add(o, &n, 1, 1, -1, -1);
		config_add(o, &guests[i], 1, 1, alone_of(o, &n), -1);
	}
	for (unsigned i = 0; i < ng; i++)
		for (unsigned j = i + 1; j < ng; j++) {
			struct bench_target pair[2] = { guests[i], guests[j] };

			config_add(o, pair, 2, 1, alone_of(o, &guests[i]), alone_of(o, &guests[j]));
		}
}

static void
out_secs(struct out *o, const char *key, int width, double ns)
{
	if (ns < 0)
		out_null(o, key, width, "-");
	else if (out_json(o))
		out_float(o, key, width, 9, ns / 1e9);
	else
		out_cell(o, width, "%.3f", ns / 1e6);
}

static void
bench_out_program(struct out *o, const Mint__BenchReport *p)
{
	out_begin(o, NULL);
	out_uint(o, "node", OUT_NOTEXT, p->node);
	if (p->guest != NULL)
		out_str(o, "guest", OUT_NOTEXT, p->guest);
	else
		out_null(o, "guest", OUT_NOTEXT, "-");
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

/* What was run: in text the legend of the columns, in JSON every program's results. */
static void
bench_out_configs(struct out *o, const struct bench_opts *bo)
{
	out_list(o, "configurations");
	for (unsigned k = 0; k < bo->ncf; k++) {
		const struct bench_config *c = &bo->cf[k];

		out_begin(o, NULL);
		out_str(o, "name", OUT_NOTEXT, c->name);
		out_list(o, "compared_to");
		for (unsigned i = 0; out_json(o) && i < c->nbase; i++)
			out_str(o, NULL, OUT_NOTEXT, bo->cf[c->base[i]].name);
		out_list_end(o);
		if (!out_json(o)) {
			out_text(o, "  %c: %s", c->label, c->name);
			for (unsigned i = 0; i < c->nbase; i++)
				out_text(o, "%s%c", i ? ", " : " (ratio to ", bo->cf[c->base[i]].label);
			out_text(o, "%s", c->nbase ? ")" : "");
		}
		out_list(o, "programs");
		for (unsigned i = 0; out_json(o) && i < c->nprogs; i++)
			bench_out_program(o, c->progs[i]);
		out_list_end(o);
		out_end(o);
		if (!out_json(o))
			out_line(o);	/* inside the report's object: a line each */
	}
	out_list_end(o);
}

/* The paper's comparison: a row per workload and size, a column per configuration. */
static void
bench_out_table(struct out *o, const struct bench_opts *bo, const Mint__BenchReport *ref)
{
	if (!out_json(o)) {
		out_text(o, "%-10s", "workload");
		for (unsigned k = 0; k < bo->ncf; k++)
			out_text(o, " %7c ms%s", bo->cf[k].label, bo->cf[k].nbase ? "  ratio" : "");
		out_line(o);
	}
	out_list(o, "comparison");
	for (size_t r = 0; r < ref->n_rows; r++) {
		const Mint__BenchRow *w = ref->rows[r];
		char name[32];

		row_name(name, sizeof(name), w);
		out_begin(o, NULL);
		out_str(o, "workload", OUT_NOTEXT, w->workload);
		out_uint(o, "size", OUT_NOTEXT, w->size);
		out_cell(o, -10, "%s", name);
		out_list(o, "times");
		for (unsigned k = 0; k < bo->ncf; k++) {
			const struct bench_config *c = &bo->cf[k];
			double ratio = config_ratio(bo, c, w->workload, w->size);

			out_begin(o, NULL);
			out_str(o, "configuration", OUT_NOTEXT, c->name);
			out_secs(o, "median", 10, config_ns(c, w->workload, w->size));
			if (ratio >= 0)
				out_float(o, "ratio", 6, 2, ratio);
			else
				out_null(o, "ratio", c->nbase ? 6 : OUT_NOTEXT, "-");
			out_end(o);
		}
		out_list_end(o);
		out_end(o);
		if (!out_json(o))
			out_line(o);
	}
	out_list_end(o);
}

static int
bench_chart(const struct bench_opts *bo, const Mint__BenchReport *ref)
{
	const char *series[BENCH_CONFIGS], *groups[REPORT_ROWS];
	char gname[REPORT_ROWS][32];
	double values[REPORT_ROWS * BENCH_CONFIGS];
	struct chart c = { "mint-bench: each configuration's median time", groups, 0, series,
	    bo->ncf, values };
	FILE *f;
	int rc;

	for (unsigned k = 0; k < bo->ncf; k++)
		series[k] = bo->cf[k].name;
	for (size_t r = 0; r < ref->n_rows && r < REPORT_ROWS; r++, c.n_groups++) {
		row_name(gname[r], sizeof(gname[r]), ref->rows[r]);
		groups[r] = gname[r];
		for (unsigned k = 0; k < bo->ncf; k++) {
			double v = config_ns(&bo->cf[k], ref->rows[r]->workload, ref->rows[r]->size);

			values[r * bo->ncf + k] = v < 0 ? -1 : v / 1e6;
		}
	}
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
bench_spec(struct args *a, struct bench_opts *o)
{
	static char wl[64], sz[256];
	char *items[9];
	int n;

	mint__bench_spec__init(&o->spec);
	snprintf(wl, sizeof(wl), "%s", args_str(a, "--workload", args_has(a, "--io") ?
	    "reg,copy,io" : "reg,copy"));
	if ((n = split_list(wl, o->workloads, 3)) <= 0)
		return cmd_fail(CMD_USAGE, "bench: --workload takes up to three of reg, copy, io");
	for (int i = 0; i < n; i++) {
		if (strcmp(o->workloads[i], "reg") != 0 && strcmp(o->workloads[i], "copy") != 0 &&
		    strcmp(o->workloads[i], "io") != 0)
			return cmd_fail(CMD_USAGE, "bench: '%s' is not reg, copy or io",
			    o->workloads[i]);
		if (strcmp(o->workloads[i], "io") == 0 && !args_has(a, "--io"))
			return cmd_fail(CMD_USAGE, "bench: the io workload needs --io PATH (a file "
			    "or block device, on the nodes)");
	}
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
	o->guest_io = args_str(a, "--guest-io", "/dev/vda");
	if (o->guest_io[0] != '/')
		return cmd_fail(CMD_USAGE, "bench: --guest-io takes an absolute path (in the "
		    "guests), not '%s'", o->guest_io);
	o->spec.has_timeout_ms = 1, o->spec.timeout_ms = args_u64(a, "--limit", 600000);
	return 0;
}

/* The targets: as given (a node number or a guest's name), else the first two online nodes. */
static int
bench_targets(struct cmd_ctx *ctx, struct args *a, struct bench_opts *o)
{
	struct node_view v;
	int rc;

	for (int i = 0; i < a->npos; i++) {
		struct bench_target *t = &o->t[o->nt++];

		if (a->pos[i][0] >= '0' && a->pos[i][0] <= '9') {
			if ((rc = cmd_node_arg(a->pos[i], &t->node)) != 0)
				return rc;
			if (t->node >= ctx->region.layout.nodes)
				return cmd_fail(CMD_USAGE, "bench: this machine has nodes 0 to %u",
				    ctx->region.layout.nodes - 1);
		} else {
			t->guest = a->pos[i];
			if ((rc = cmd_find_guest(ctx, t->guest, 0, &t->node)) != 0)
				return rc;
		}
	}
	for (unsigned i = 0, nodes = 0; i < o->nt; i++) {
		nodes += o->t[i].guest == NULL;
		if (nodes > 2)
			return cmd_fail(CMD_USAGE, "bench: at most two nodes (and guests besides)");
		for (unsigned k = 0; k < i; k++)
			if ((o->t[i].guest == NULL && o->t[k].guest == NULL &&
			    o->t[i].node == o->t[k].node) || (o->t[i].guest != NULL &&
			    o->t[k].guest != NULL && strcmp(o->t[i].guest, o->t[k].guest) == 0))
				return cmd_fail(CMD_USAGE, "bench: '%s' named twice", a->pos[i]);
	}
	if (a->npos == 0) {
		for (unsigned i = 0; i < ctx->region.layout.nodes && o->nt < 2; i++)
			if (node_read(&ctx->region, i, &v) == 0 && v.state == MINT_NODE_ONLINE)
				o->t[o->nt++].node = i;
		if (o->nt == 0)
			return cmd_fail(CMD_UNREACHABLE, "bench: no node is online");
	}
	for (unsigned i = 0; i < o->nt; i++)
		if (node_read(&ctx->region, o->t[i].node, &v) < 0 || v.state != MINT_NODE_ONLINE)
			return cmd_fail(CMD_UNREACHABLE, "bench: node %u is not online", o->t[i].node);
	return 0;
}

static void
bench_free(struct bench_opts *o)
{
	for (unsigned k = 0; k < o->ncf; k++)
		for (unsigned i = 0; i < BENCH_AT_ONCE; i++)
			if (o->cf[k].replies[i] != NULL)
				wire_free(o->cf[k].replies[i]);
	free(o);
}

/* What the programs ran under, and what that means for the figures. */
static void
bench_out_head(struct out *out, const struct bench_opts *o, const Mint__BenchReport *ref)
{
	const char *node_virt = NULL, *guest_virt = NULL;

	for (unsigned k = 0; k < o->ncf; k++)
		for (unsigned i = 0; i < o->cf[k].nprogs; i++)
			if (o->cf[k].t[0].guest != NULL && o->cf[k].nt == 1)
				guest_virt = o->cf[k].progs[i]->virt;
			else if (o->cf[k].t[0].guest == NULL)
				node_virt = o->cf[k].progs[i]->virt;
	out_uint(out, "runs", OUT_NOTEXT, ref->runs);
	out_str(out, "clock", OUT_NOTEXT, ref->clock);
	if (out_json(out))
		return;
	out_text(out, "mint-bench, medians of %u runs, in ms; clock %s", ref->runs, ref->clock);
	out_line(out);
	if (node_virt != NULL && strcmp(node_virt, "none") != 0) {
		out_text(out, "note: the nodes' programs ran under %s: this machine is itself virtual, "
		    "its figures are a guest's, not bare metal's", node_virt);
		out_line(out);
	}
	if (guest_virt != NULL && strcmp(guest_virt, "kvm") != 0) {
		out_text(out, "note: the guests ran under %s, not KVM: their ratios to the node "
		    "measure that emulator, not the paper's KVM guests", guest_virt);
		out_line(out);
	}
	if (!o->clk.tsc) {
		out_text(out, "note: no invariant TSC here: programs meant to run together began "
		    "as their requests arrived");
		out_line(out);
	}
	for (unsigned k = 0; k < o->ncf; k++)
		for (unsigned i = 0; i < o->cf[k].nprogs; i++)
			if (o->cf[k].progs[i]->late_ns > LATE_WARN_NS && (o->cf[k].nt > 1 ||
			    o->cf[k].programs > 1)) {
				out_text(out, "note: %s: a program on node %u began %.1f ms after the "
				    "others", o->cf[k].name, o->cf[k].progs[i]->node,
				    (double)o->cf[k].progs[i]->late_ns / 1e6);
				out_line(out);
			}
}

static int
cmd_bench_run(struct cmd_ctx *ctx, struct args *a)
{
	const Mint__BenchReport *ref = NULL;
	struct bench_opts *o;
	struct out *out;
	int rc;

	if ((rc = cmd_open_region(ctx)) != 0)
		return rc;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return cmd_fail(CMD_FAILED, "bench: out of memory");
	if ((rc = bench_spec(a, o)) != 0 || (rc = bench_targets(ctx, a, o)) != 0) {
		free(o);
		return rc;
	}
	o->chart = args_str(a, "--chart", NULL);
	tsc_init(&o->clk);
	bench_plan(o);
	for (unsigned k = 0; k < o->ncf && rc == 0; k++)
		rc = bench_run_config(ctx, o, &o->cf[k]);
	for (unsigned k = 0; rc == 0 && ref == NULL && k < o->ncf; k++)
		if (o->cf[k].nprogs > 0)
			ref = o->cf[k].progs[0];
	if (rc != 0 || ref == NULL) {
		bench_free(o);
		return rc != 0 ? rc : cmd_fail(CMD_FAILED, "bench: no results");
	}
	out = cmd_out(ctx, OUT_SPACED);
	out_begin(out, NULL);
	out_list(out, "targets");
	for (unsigned i = 0; out_json(out) && i < o->nt; i++) {
		out_begin(out, NULL);
		out_uint(out, "node", OUT_NOTEXT, o->t[i].node);
		if (o->t[i].guest != NULL)
			out_str(out, "guest", OUT_NOTEXT, o->t[i].guest);
		else
			out_null(out, "guest", OUT_NOTEXT, "-");
		out_end(out);
	}
	out_list_end(out);
	bench_out_head(out, o, ref);
	bench_out_configs(out, o);
	bench_out_table(out, o, ref);
	out_end(out);
	if (o->chart != NULL)
		rc = bench_chart(o, ref);
	bench_free(o);
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
	{ "--guest-io", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--quick", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--chart", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--limit", ARGS_SECONDS, 1000, 24 * 3600 * 1000UL, "bench: --limit takes seconds (1 to a "
	  "day)", NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template cmd_bench_args = {
	.opts = cmd_bench_opts,
	.max_pos = BENCH_TARGETS,
	.unknown = "bench: unknown argument %s",
};

const struct cmd_entry cmd_bench_entry = {
	.name = "bench",
	.usage = "[TARGET...] [--workload reg,copy,io] [--sizes LIST] [--reg M] [--copies N] "
	    "[--reads L] [--io PATH] [--guest-io PATH] [--runs R] [--quick] [--chart FILE.svg] [--limit SECONDS] "
	    "[--json]",
	.help = "The paper's evaluation: mint-bench on each TARGET (up to two nodes, and guests; "
	    "five in all) alone; the nodes at once and twice at once on the first; each guest "
	    "against its node, every two guests at once (default: the first two online nodes). "
	    "Then each median and its ratio; --chart draws them.",
	.min_args = 0,
	.max_args = 24,
	.flags = CMD_JSON,
	.args = &cmd_bench_args,
	.run = cmd_bench_run,
	.complete = CMPL_NODE,
};
