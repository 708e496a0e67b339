/*
 * mint-console guest list|start|stop|destroy|define|migrate: the guests of
 * every node's hypervisor. The list comes from the nodes' published status;
 * the rest goes to the agent of the node that has the guest.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "console/client.h"
#include "console/cmd.h"
#include "view/snapshot.h"
#include "shm/node.h"

/* One node's guests: a row each, a line of the table or an object of the JSON list. */
static int
guest_rows(void *arg, unsigned n, const Mint__NodeStatus *st)
{
	struct out *o = arg;

	for (size_t i = 0; i < st->n_guests; i++) {
		const Mint__Guest *g = st->guests[i];

		out_begin(o, NULL);
		out_uint(o, "node", -4, n);
		out_str(o, "name", -20, g->name);
		out_str(o, "uuid", OUT_NOTEXT, g->uuid);
		out_str(o, "state", -10, guest_state_name(g->state));
		out_uint(o, "vcpus", 5, g->vcpus);
		out_uint(o, "memory", OUT_NOTEXT, g->memory_bytes);
		out_cell(o, 0, "%8" PRIu64 "M", g->memory_bytes >> 20);
		out_float(o, "cpu", 5, 1, g->cpu_permille / 10.0);
		out_end(o);
	}
	return 0;
}

static int
guest_list(struct cmd_ctx *ctx, struct args *a)
{
	static const struct out_col cols[] = {
		{ "NODE", -4 }, { "GUEST", -20 }, { "STATE", -10 }, { "VCPUS", 5 }, { "MEMORY", 9 },
		{ "CPU%", 6 },
	};
	struct out *o = cmd_out(ctx, OUT_COMPACT);

	out_table(o, NULL, cols, 6);
	snapshot_each(&ctx->region, (unsigned)args_u64(a, "--node", MINT_MAX_NODES), guest_rows, o);
	out_list_end(o);
	return 0;
}

/* What cmd_find_guest looks for, and what it found so far. */
struct guest_search {
	const char *name;
	int want_migrating;
	unsigned found[MINT_MAX_NODES], nf, best;
	int best_rank;
};

static int
guest_search_cb(void *arg, unsigned n, const Mint__NodeStatus *st)
{
	static const int rank[] = {
		[MINT__GUEST_STATE__GUEST_RUNNING] = 4, [MINT__GUEST_STATE__GUEST_PAUSED] = 3,
		[MINT__GUEST_STATE__GUEST_MIGRATING] = 2, [MINT__GUEST_STATE__GUEST_CRASHED] = 1,
	};
	struct guest_search *s = arg;

	for (size_t i = 0; i < st->n_guests; i++) {
		const Mint__Guest *g = st->guests[i];
		int r;

		if (strcmp(g->name, s->name) != 0)
			continue;
		s->found[s->nf++] = n;
		r = g->state >= 0 && g->state < (int)(sizeof(rank) / sizeof(rank[0])) ? rank[g->state] : 0;
		if (s->want_migrating)
			r = g->state == MINT__GUEST_STATE__GUEST_MIGRATING ? 5 : 0;
		if (r > s->best_rank)
			s->best_rank = r, s->best = n;
		break;
	}
	return 0;
}

/*
 * The node whose hypervisor has name. During a migration both nodes list it
 * (the destination's copy paused until it is complete): a guest that runs
 * wins, then one paused, then one migrating; with want_migrating, the node
 * that migrates it.
 */
int
cmd_find_guest(struct cmd_ctx *ctx, const char *name, int want_migrating, unsigned *node)
{
	struct guest_search s = { .name = name, .want_migrating = want_migrating,
	    .best = MINT_MAX_NODES };

	snapshot_each(&ctx->region, MINT_MAX_NODES, guest_search_cb, &s);
	if (s.nf == 0)
		return cmd_fail(CMD_REFUSED, "guest %s: no node has it (guest list shows them; the list is at most a "
		    "second old)", name);
	if (want_migrating && s.best == MINT_MAX_NODES)
		return cmd_fail(CMD_REFUSED, "guest %s is not being migrated", name);
	if (s.nf > 1 && s.best == MINT_MAX_NODES)
		return cmd_fail(CMD_USAGE, "guest %s is defined on nodes %u and %u: say which with --node", name,
		    s.found[0], s.found[1]);
	*node = s.nf > 1 ? s.best : s.found[0];
	return 0;
}

/* A request libvirt carries out: the agent gives libvirt 20 s before it answers that it did not. */
static void
libvirt_wait(struct cmd_ctx *ctx)
{
	if (ctx->timeout_ms < 25000)
		ctx->timeout_ms = 25000;
}

/* Ask the agent of node to do kind to guest name, and report. */
static int
ask(struct cmd_ctx *ctx, Mint__CommandKind kind, const char *name, unsigned node)
{
	Mint__Command c;

	mint__command__init(&c);
	c.has_kind = 1, c.kind = kind;
	c.name = (char *)name;
	c.has_node = 1, c.node = node;
	libvirt_wait(ctx);
	return cmd_ask_report(ctx, &c, node);
}

/* start, stop, destroy, undefine NAME [--node N]: the verb says which. */
static int
guest_simple(struct cmd_ctx *ctx, struct args *a)
{
	unsigned node = (unsigned)args_u64(a, "--node", MINT_MAX_NODES);
	int rc;

	if (a->npos != 1)
		return cmd_fail(CMD_USAGE, "usage: guest %s NAME [--node N]", ctx->verb->name);
	if (node == MINT_MAX_NODES && (rc = cmd_find_guest(ctx, a->pos[0], 0, &node)) != 0)
		return rc;
	return ask(ctx, (Mint__CommandKind)ctx->verb->kind, a->pos[0], node);
}

static int
guest_define(struct cmd_ctx *ctx, struct args *a)
{
	unsigned node = (unsigned)args_u64(a, "--node", MINT_MAX_NODES);
	const char *file = a->npos == 1 ? a->pos[0] : NULL;
	Mint__Command c;
	char *xml;
	size_t len = 0, cap = 1 << 20;
	FILE *f;
	int rc;

	if (file == NULL || node == MINT_MAX_NODES)
		return cmd_fail(CMD_USAGE, "usage: guest define --node N FILE.xml");
	if ((f = fopen(file, "r")) == NULL)
		return cmd_error("guest define: %s: %s", file, strerror(errno));
	if ((xml = malloc(cap + 1)) == NULL) {
		fclose(f);
		return cmd_error("out of memory");
	}
	len = fread(xml, 1, cap + 1, f);
	fclose(f);
	if (len == 0 || len > cap) {
		free(xml);
		return cmd_error("guest define: %s: %s", file, len == 0 ? "empty" :
		    "larger than 1 MiB");
	}
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_DEFINE;
	c.has_data = 1, c.data.data = (uint8_t *)xml, c.data.len = len;
	c.has_node = 1, c.node = node;
	libvirt_wait(ctx);
	rc = cmd_ask_report(ctx, &c, node);
	free(xml);
	return rc;
}

/* ---- migrate ---- */

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct follow {
	struct cmd_ctx *ctx;
	const char *name;
	unsigned node;
	int aborted;
	int warned;
	int tty;
	int64_t last_print;
	char note[320];		/* the agent's last note, said once */
};

static void
send_abort(struct follow *f)
{
	Mint__Command c;
	Mint__Envelope *r;
	char cause[256];

	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_ABORT;
	c.name = (char *)f->name;
	c.has_node = 1, c.node = f->node;
	if (client_request(f->ctx->socket_path, &c, 10000, &r, cause, sizeof(cause)) < 0) {
		fprintf(stderr, "\ncancelling: %s\n", cause);
		return;
	}
	fprintf(stderr, "%scancelling: %s\n", f->tty ? "\n" : "",
	    r->reply->message ? r->reply->message : "asked");
	wire_free(r);
}

/* Every half second: how far the migration is, on stderr. */
static void
follow_tick(void *arg)
{
	struct follow *f = arg;
	Mint__Command c;
	Mint__Envelope *r;
	const Mint__Job *j;
	char cause[256];

	if (interrupted && !f->aborted) {
		f->aborted = 1;
		send_abort(f);
	}
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_JOB;
	c.name = (char *)f->name;
	c.has_node = 1, c.node = f->node;
	if (client_request(f->ctx->socket_path, &c, 5000, &r, cause, sizeof(cause)) < 0)
		return;
	if (r->reply->error == 0 && (j = r->reply->job) != NULL) {
		if (r->reply->text != NULL && !f->warned) {
			fprintf(stderr, "%s%s\n", f->tty ? "\r" : "", r->reply->text);
			f->warned = 1;
		}
		if (j->note != NULL && strcmp(j->note, f->note) != 0) {
			snprintf(f->note, sizeof(f->note), "%s", j->note);
			fprintf(stderr, "%s%s: %s\n", f->tty ? "\r" : "", f->name, j->note);
		}
		if (j->data_total == 0 && (f->tty || clock_mono_ms() - f->last_print >= 1000)) {
			fprintf(stderr, "%s%s: %s%s", f->tty ? "\r" : "", f->name, j->phase ? j->phase : "",
			    f->tty ? "  " : "\n");
			f->last_print = clock_mono_ms();
		} else if (f->tty || clock_mono_ms() - f->last_print >= 1000) {
			/* a pass after the first sends again what the guest wrote: what is left counts */
			double pct = j->data_total && j->data_remaining <= j->data_total ?
			    100.0 * (double)(j->data_total - j->data_remaining) / (double)j->data_total : 0;
			double eta = j->bytes_per_s ? (double)j->data_remaining / (double)j->bytes_per_s : 0;
			double dirty = (double)j->dirty_rate * (double)(j->page_size ? j->page_size : 4096);
			char extra[64] = "";

			if (j->throttle_pct)
				snprintf(extra, sizeof(extra), ", vCPUs throttled %u%%", j->throttle_pct);
			/* the dirty rate against the transfer rate: whether the copy can catch up */
			fprintf(stderr, "%s%s: %s %4.1f%%  %" PRIu64 " of %" PRIu64 " MiB sent, %" PRIu64
			    " MiB left, pass %" PRIu64 ", dirtying %.1f MiB/s, sending %.1f MiB/s%s, %s%.0f s%s",
			    f->tty ? "\r" : "", f->name, j->phase ? j->phase : "", pct,
			    j->data_processed >> 20, j->data_total >> 20, j->data_remaining >> 20,
			    j->iteration, dirty / 1048576.0, (double)j->bytes_per_s / 1048576.0, extra,
			    j->not_converging ? "NOT CONVERGING, " : "ETA ", j->not_converging ? 0 : eta,
			    f->tty ? "  " : "\n");
			f->last_print = clock_mono_ms();
		}
	}
	wire_free(r);
}

/* A migration as the command line asks for it. */
struct migration {
	const char *name;
	unsigned node, to;
	int live;		/* -1: not said (live) */
	int postcopy, auto_converge, via_tcp, dry_run;
	int action;		/* -1: not said */
};

/* The options into m and c, checked together: 0, or the exit status, said. */
static int
migrate_options(struct args *a, struct migration *m, Mint__Command *c)
{
	static const Mint__TimeoutAction actions[] = { MINT__TIMEOUT_ACTION__TIMEOUT_ABORT,
	    MINT__TIMEOUT_ACTION__TIMEOUT_PAUSE, MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY };
	uint64_t v;

	if (args_has(a, "--live") && args_has(a, "--paused"))
		return cmd_fail(CMD_USAGE, "guest migrate: --live or --paused, not both");
	m->live = args_has(a, "--live") ? 1 : args_has(a, "--paused") ? 0 : -1;
	m->auto_converge = args_has(a, "--auto-converge") || args_has(a, "--auto-converge-initial") ||
	    args_has(a, "--auto-converge-increment");
	m->postcopy = args_has(a, "--postcopy") || args_has(a, "--postcopy-after");
	m->action = args_has(a, "--timeout-action") ?
	    (int)actions[args_u64(a, "--timeout-action", 0)] : -1;
	if (m->live == 0 && (m->auto_converge || m->postcopy))
		return cmd_fail(CMD_USAGE, "guest migrate: --auto-converge and --postcopy are for a live "
		    "migration, not --paused");
	if (m->action >= 0 && !args_has(a, "--timeout"))
		return cmd_fail(CMD_USAGE, "guest migrate: --timeout-action needs --timeout");
	if (m->action == MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY && !m->postcopy)
		return cmd_fail(CMD_USAGE, "guest migrate: --timeout-action postcopy needs --postcopy");
	if (m->action == MINT__TIMEOUT_ACTION__TIMEOUT_PAUSE && m->live == 0)
		return cmd_fail(CMD_USAGE, "guest migrate: a --paused migration is paused already");
	if (args_has(a, "--shared-memory") && m->postcopy)
		return cmd_fail(CMD_USAGE, "guest migrate: --postcopy cannot be with --shared-memory "
		    "(QEMU cannot switch a guest with shared RAM to post-copy)");
	m->via_tcp = args_u64(a, "--via", 0) == 1;
	m->dry_run = args_has(a, "--dry-run");
	mint__command__init(c);
	c->has_kind = 1, c->kind = MINT__COMMAND_KIND__CMD_GUEST_MIGRATE;
	c->name = (char *)m->name;
	c->has_to_node = 1, c->to_node = m->to;
	c->has_mode = 1;
	c->mode = m->live == 0 ? MINT__MIGRATE_MODE__MIGRATE_PAUSED : MINT__MIGRATE_MODE__MIGRATE_LIVE;
	c->has_via_tcp = 1, c->via_tcp = m->via_tcp;
	c->has_dry_run = m->dry_run, c->dry_run = m->dry_run;
	if ((v = args_u64(a, "--bandwidth", 0)) > 0)
		c->has_bandwidth = 1, c->bandwidth = v;
	c->has_auto_converge = 1, c->auto_converge = m->auto_converge;
	if ((v = args_u64(a, "--auto-converge-initial", 0)) > 0)
		c->has_auto_converge_initial = 1, c->auto_converge_initial = (uint32_t)v;
	if ((v = args_u64(a, "--auto-converge-increment", 0)) > 0)
		c->has_auto_converge_increment = 1, c->auto_converge_increment = (uint32_t)v;
	c->has_postcopy = 1, c->postcopy = m->postcopy;
	c->has_shared_memory = 1, c->shared_memory = args_has(a, "--shared-memory");
	if ((v = args_u64(a, "--postcopy-after", 0)) > 0)
		c->has_postcopy_after_ms = 1, c->postcopy_after_ms = v;
	if ((v = args_u64(a, "--max-downtime", 0)) > 0)
		c->has_max_downtime_ms = 1, c->max_downtime_ms = v;
	if ((v = args_u64(a, "--timeout", 0)) > 0) {
		c->has_timeout_ms = 1, c->timeout_ms = v;
		c->has_timeout_action = 1;
		c->timeout_action = m->action >= 0 ? (Mint__TimeoutAction)m->action :
		    MINT__TIMEOUT_ACTION__TIMEOUT_ABORT;
	}
	return 0;
}

/* The migration's end: a JSON object, or its message; a failure on stderr. */
static int
migrate_report(struct cmd_ctx *ctx, const struct migration *m, Mint__Envelope *r)
{
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	const Mint__Job *j = r->reply->job;
	int rc = r->reply->error;

	out_begin(o, NULL);
	out_str(o, "guest", OUT_NOTEXT, m->name);
	out_uint(o, "from", OUT_NOTEXT, m->node);
	out_uint(o, "to", OUT_NOTEXT, m->to);
	out_bool(o, "ok", OUT_NOTEXT, rc == 0);
	out_str(o, "message", OUT_NOTEXT, r->reply->message);
	if (j != NULL) {
		out_str(o, "phase", OUT_NOTEXT, j->phase ? j->phase : "");
		out_float(o, "seconds", OUT_NOTEXT, 3, j->total_ms / 1000.0);
		out_float(o, "downtime", OUT_NOTEXT, 3, j->downtime_ms / 1000.0);
		out_uint(o, "bytes", OUT_NOTEXT, j->data_processed);
		out_uint(o, "bytes_per_s", OUT_NOTEXT,
		    j->total_ms ? j->data_processed * 1000 / j->total_ms : 0);
		out_uint(o, "passes", OUT_NOTEXT, j->iteration);
		out_bool(o, "postcopy", OUT_NOTEXT, j->postcopy);
		out_uint(o, "throttle_pct", OUT_NOTEXT, j->throttle_pct);
		out_bool(o, "not_converging", OUT_NOTEXT, j->not_converging);
	}
	out_end(o);
	if (rc == 0)
		cmd_reply_text(o, r, "migrated");
	else
		cmd_say(cmd_status_of(rc, 1), "%s", r->reply->message ? r->reply->message :
		    "migration failed");
	wire_free(r);
	return cmd_status_of(rc, 1);
}

/* Send the migration and follow it until it ends; Ctrl-C cancels it. */
static int
migrate_follow(struct cmd_ctx *ctx, const struct migration *m, Mint__Command *c)
{
	struct follow f;
	struct sigaction sa, old;
	Mint__Envelope *r;
	char cause[512];
	int rc;

	memset(&f, 0, sizeof(f));
	f.ctx = ctx, f.name = m->name, f.node = m->node, f.tty = isatty(2);
	c->has_node = 1, c->node = m->node;
	/* Ctrl-C cancels the migration, and we wait for the guest to be back */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	fprintf(stderr, "%s %s from node %u to node %u (%s%s%s, via %s); Ctrl-C cancels\n",
	    m->dry_run ? "checking a migration of" : "migrating", m->name, m->node, m->to,
	    m->live == 0 ? "paused" : "live", m->auto_converge ? ", auto-converge" : "",
	    m->postcopy ? ", post-copy allowed" : "", m->via_tcp ? "tcp" : "the region");
	rc = client_request_tick(ctx->socket_path, c, 24 * 3600 * 1000, 500, follow_tick, &f, &r,
	    cause, sizeof(cause));
	sigaction(SIGINT, &old, NULL);
	if (f.tty)
		fputc('\n', stderr);
	if (rc < 0)
		return cmd_fail(cmd_status_of(rc, 0), "%s", cause);
	if (r->reply->text != NULL && !f.warned)
		fprintf(stderr, "%s\n", r->reply->text);
	return migrate_report(ctx, m, r);
}

static int
guest_migrate(struct cmd_ctx *ctx, struct args *a)
{
	struct migration m = { .node = (unsigned)args_u64(a, "--node", MINT_MAX_NODES),
	    .to = (unsigned)args_u64(a, "--to", MINT_MAX_NODES) };
	int abort_it = args_has(a, "--abort"), postcopy_now = args_has(a, "--postcopy-now"), rc;
	Mint__Command c;

	m.name = a->npos == 1 ? a->pos[0] : NULL;
	if (m.name == NULL || (m.to == MINT_MAX_NODES && !abort_it && !postcopy_now) ||
	    (abort_it && postcopy_now))
		return cmd_fail(CMD_USAGE, "usage: guest migrate NAME --to NODE [options], guest migrate --abort "
		    "NAME or guest migrate --postcopy-now NAME");
	if ((rc = migrate_options(a, &m, &c)) != 0)
		return rc;
	if (m.node == MINT_MAX_NODES &&
	    (rc = cmd_find_guest(ctx, m.name, abort_it || postcopy_now, &m.node)) != 0)
		return rc;
	if (abort_it || postcopy_now)
		return ask(ctx, abort_it ? MINT__COMMAND_KIND__CMD_GUEST_ABORT :
		    MINT__COMMAND_KIND__CMD_GUEST_POSTCOPY, m.name, m.node);
	if (m.to == m.node)
		return cmd_fail(CMD_REFUSED, "guest migrate: %s is on node %u already", m.name, m.node);
	if (m.to >= ctx->region.layout.nodes)
		return cmd_fail(CMD_UNREACHABLE, "guest migrate: node %u is not online (this machine has nodes 0 to %u)",
		    m.to, ctx->region.layout.nodes - 1);
	return migrate_follow(ctx, &m, &c);
}

/* What migrate does with a guest that does not converge, and the limits it takes. */
#define MIGRATE_HELP \
	    "A guest that dirties its memory faster than the copy sends it does not converge; the " \
	    "progress says so. --auto-converge slows its vCPUs down until the copy catches up (by " \
	    "--auto-converge-initial percent at first, 20, and --auto-converge-increment more at " \
	    "each pass that does not converge, 10); " \
	    "--postcopy lets it switch to post-copy (the guest runs on the destination and fetches " \
	    "the pages it still lacks), after --postcopy-after S or when `guest migrate " \
	    "--postcopy-now NAME` asks; --max-downtime MS is the pause the final copy may take " \
	    "(libvirt's default 300); --timeout S ends a migration that takes longer: " \
	    "--timeout-action abort (the default: the guest runs on where it was), pause (the copy " \
	    "finishes with the guest paused, it resumes on the destination) or postcopy. " \
	    "A guest whose RAM is in memory every node maps (tests/guest/mkguest.sh --shared) " \
	    "sends only its device state; --shared-memory refuses a guest whose RAM is not."
static const char *const migrate_via[] = { "region", "tcp", NULL };
static const char *const migrate_actions[] = { "abort", "pause", "postcopy", NULL };

static const struct args_opt guest_node_opts[] = {
	{ "--node", ARGS_NODE, 0, MINT_MAX_NODES, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_opt guest_migrate_opts[] = {
	{ "--node", ARGS_NODE, 0, MINT_MAX_NODES, NULL, NULL },
	{ "--to", ARGS_NODE, 0, MINT_MAX_NODES, NULL, NULL },
	{ "--live", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--paused", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--bandwidth", ARGS_UINT, 1, ~0UL, "guest migrate: --bandwidth takes MiB/s, like 100",
	  NULL },
	{ "--via", ARGS_CHOICE, 0, 0, "guest migrate: --via region (the default) or tcp",
	  migrate_via },
	{ "--dry-run", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--auto-converge", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--auto-converge-initial", ARGS_UINT, 1, 99,
	  "guest migrate: --auto-converge-initial takes a percentage, 1 to 99", NULL },
	{ "--auto-converge-increment", ARGS_UINT, 1, 99,
	  "guest migrate: --auto-converge-increment takes a percentage, 1 to 99", NULL },
	{ "--postcopy", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--postcopy-after", ARGS_SECONDS, 1, 7 * 24 * 3600 * 1000UL,
	  "guest migrate: --postcopy-after takes seconds, like 10", NULL },
	{ "--max-downtime", ARGS_UINT, 1, 3600000,
	  "guest migrate: --max-downtime takes milliseconds, like 300", NULL },
	{ "--timeout", ARGS_SECONDS, 1, 7 * 24 * 3600 * 1000UL,
	  "guest migrate: --timeout takes seconds, like 60", NULL },
	{ "--timeout-action", ARGS_CHOICE, 0, 0,
	  "guest migrate: --timeout-action abort, pause or postcopy", migrate_actions },
	{ "--abort", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--postcopy-now", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--shared-memory", ARGS_FLAG, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

/* start, stop, destroy, undefine: one function, the kind in the table. */
#define GUEST_SIMPLE(verb, kind, what) \
	{ verb, "NAME [--node N] [--json]", what " (on the node that has it, unless --node says)", \
	  { .opts = guest_node_opts, .max_pos = 1, \
	    .unknown = "usage: guest " verb " NAME [--node N]" }, \
	  MINT__COMMAND_KIND__CMD_GUEST_##kind, guest_simple, CMPL_GUEST }

static const struct cmd_verb guest_verbs[] = {
	{ "list", "[--node N] [--json]", "Every node's guests (or node N's), from the status the "
	  "nodes publish: at most a second old.", { .opts = guest_node_opts,
	  .unknown = "usage: guest list [--node N]" }, 0, guest_list, CMPL_NONE },
	GUEST_SIMPLE("start", START, "Start the guest"),
	GUEST_SIMPLE("stop", STOP, "Ask the guest to shut down"),
	GUEST_SIMPLE("destroy", DESTROY, "Stop the guest at once"),
	{ "define", "--node N FILE.xml [--json]", "Define a guest on node N's hypervisor from a "
	  "libvirt domain XML file (at most 1 MiB).", { .opts = guest_node_opts, .max_pos = 1,
	  .unknown = "usage: guest define --node N FILE.xml" }, 0, guest_define, CMPL_FILE },
	GUEST_SIMPLE("undefine", UNDEFINE, "Remove the guest's definition"),
	{ "migrate", "NAME --to N [--live | --paused] [--bandwidth MIB/S] [--via region|tcp]\n"
	  "          [--dry-run]\n"
	  "          [--auto-converge [--auto-converge-initial PCT] [--auto-converge-increment PCT]]\n"
	  "          [--postcopy [--postcopy-after S]] [--max-downtime MS]\n"
	  "          [--timeout S [--timeout-action abort|pause|postcopy]] [--shared-memory]\n"
	  "          [--json] |\n"
	  "        --abort NAME | --postcopy-now NAME",
	  "Move a running guest to node N through the region, live unless --paused (Ctrl-C "
	  "cancels, the guest stays where it was); --dry-run makes every check, here and on the "
	  "destination, and migrates nothing.\n" MIGRATE_HELP,
	  { .opts = guest_migrate_opts, .max_pos = 1, .unknown = "guest migrate: unexpected %s" },
	  0, guest_migrate, CMPL_GUEST },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

static const char *const guest_full_only[] = { "destroy", NULL };

const struct cmd_entry cmd_guest_entry = {
	.name = "guest",
	.usage = "list [--node N] | start|stop|destroy|undefine NAME [--node N] |\n"
	    "        define --node N FILE.xml |\n"
	    "        migrate NAME --to N [--live | --paused] [--bandwidth MIB/S] [--via region|tcp]\n"
	    "          [--dry-run]\n"
	    "          [--auto-converge [--auto-converge-initial PCT] [--auto-converge-increment PCT]]\n"
	    "          [--postcopy [--postcopy-after S]] [--max-downtime MS]\n"
	    "          [--timeout S [--timeout-action abort|pause|postcopy]] [--shared-memory] |\n"
	    "        migrate --abort NAME | migrate --postcopy-now NAME   [--json]",
	.help = "The guests of every node's hypervisor; migrate moves a running guest to another "
	    "node through the region, live unless --paused (Ctrl-C cancels, the guest stays where "
	    "it was); --dry-run makes every check, here and on the destination, and migrates nothing.\n"
	    MIGRATE_HELP,
	.min_args = 1,
	.max_args = 24,
	.flags = CMD_JSON,
	.full_name_only = guest_full_only,
	.verbs = guest_verbs,
};
