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
#include <time.h>
#include <unistd.h>

#include "console/client.h"
#include "console/cmd.h"
#include "console/snapshot.h"
#include "shm/node.h"

static const char *const state_names[] = {
	"unknown", "running", "paused", "shut off", "crashed", "migrating",
};

static const char *
state_name(int s)
{
	return s >= 0 && s < (int)(sizeof(state_names) / sizeof(state_names[0])) ? state_names[s] :
	    "unknown";
}

static int
guest_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned only = MINT_MAX_NODES;
	int first = 1;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--node") == 0 && i + 1 < argc) {
			if (cmd_node_arg(argv[++i], &only) != 0)
				return 1;
		} else {
			return cmd_error("usage: guest list [--node N]");
		}
	}
	if (ctx->json)
		printf("[");
	else
		printf("%-4s %-20s %-10s %5s %9s %6s\n", "NODE", "GUEST", "STATE", "VCPUS", "MEMORY", "CPU%");
	for (unsigned n = 0; n < ctx->region.layout.nodes; n++) {
		Mint__Envelope *e;
		struct node_view v;
		char cause[128];

		if ((only != MINT_MAX_NODES && n != only) || node_read(&ctx->region, n, &v) < 0 ||
		    v.state != MINT_NODE_ONLINE || snapshot_read(&ctx->region, n, &e, cause,
		    sizeof(cause)) < 0)
			continue;
		for (size_t i = 0; i < e->status->n_guests; i++) {
			const Mint__Guest *g = e->status->guests[i];

			if (ctx->json) {
				printf("%s{\"node\":%u,\"name\":", first ? "" : ",", n);
				json_string(stdout, g->name);
				printf(",\"uuid\":");
				json_string(stdout, g->uuid);
				printf(",\"state\":\"%s\",\"vcpus\":%u,\"memory_bytes\":%" PRIu64
				    ",\"cpu_permille\":%u}", state_name(g->state), g->vcpus, g->memory_bytes,
				    g->cpu_permille);
			} else {
				printf("%-4u %-20s %-10s %5u %8" PRIu64 "M %5.1f\n", n, g->name,
				    state_name(g->state), g->vcpus, g->memory_bytes >> 20,
				    g->cpu_permille / 10.0);
			}
			first = 0;
		}
		wire_free(e);
	}
	if (ctx->json)
		printf("]\n");
	return 0;
}

/*
 * The node whose hypervisor has name. During a migration both nodes list it
 * (the destination's copy paused until it is complete): a guest that runs
 * wins, then one paused, then one migrating; with want_migrating, the node
 * that migrates it.
 */
static int
find_guest(struct cmd_ctx *ctx, const char *name, int want_migrating, unsigned *node)
{
	static const int rank[] = {
		[MINT__GUEST_STATE__GUEST_RUNNING] = 4, [MINT__GUEST_STATE__GUEST_PAUSED] = 3,
		[MINT__GUEST_STATE__GUEST_MIGRATING] = 2, [MINT__GUEST_STATE__GUEST_CRASHED] = 1,
	};
	unsigned found[MINT_MAX_NODES], nf = 0, best = MINT_MAX_NODES;
	int best_rank = 0;

	for (unsigned n = 0; n < ctx->region.layout.nodes; n++) {
		Mint__Envelope *e;
		struct node_view v;
		char cause[128];

		if (node_read(&ctx->region, n, &v) < 0 || v.state != MINT_NODE_ONLINE ||
		    snapshot_read(&ctx->region, n, &e, cause, sizeof(cause)) < 0)
			continue;
		for (size_t i = 0; i < e->status->n_guests; i++) {
			const Mint__Guest *g = e->status->guests[i];
			int r;

			if (strcmp(g->name, name) != 0)
				continue;
			found[nf++] = n;
			r = g->state >= 0 && g->state < (int)(sizeof(rank) / sizeof(rank[0])) ?
			    rank[g->state] : 0;
			if (want_migrating)
				r = g->state == MINT__GUEST_STATE__GUEST_MIGRATING ? 5 : 0;
			if (r > best_rank)
				best_rank = r, best = n;
			break;
		}
		wire_free(e);
	}
	if (nf == 0)
		return cmd_error("guest %s: no node has it (guest list shows them; the list is at most a "
		    "second old)", name);
	if (want_migrating && best == MINT_MAX_NODES)
		return cmd_error("guest %s is not being migrated", name);
	if (nf > 1 && best == MINT_MAX_NODES)
		return cmd_error("guest %s is defined on nodes %u and %u: say which with --node", name,
		    found[0], found[1]);
	*node = nf > 1 ? best : found[0];
	return 0;
}

static int
ask(struct cmd_ctx *ctx, Mint__Command *c, unsigned node)
{
	Mint__Envelope *r;

	c->has_node = 1, c->node = node;
	if (cmd_ask_agent(ctx, c, &r) != 0)
		return 1;
	if (ctx->json) {
		printf("{\"node\":%u,\"ok\":true,\"message\":", node);
		json_string(stdout, r->reply->message);
		printf("}\n");
	} else {
		printf("%s\n", r->reply->message ? r->reply->message : "done");
	}
	wire_free(r);
	return 0;
}

static int
guest_simple(struct cmd_ctx *ctx, Mint__CommandKind kind, const char *verb, int argc, char **argv)
{
	unsigned node = MINT_MAX_NODES;
	const char *name = NULL;
	Mint__Command c;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--node") == 0 && i + 1 < argc) {
			if (cmd_node_arg(argv[++i], &node) != 0)
				return 1;
		} else if (argv[i][0] != '-' && name == NULL) {
			name = argv[i];
		} else {
			return cmd_error("usage: guest %s NAME [--node N]", verb);
		}
	}
	if (name == NULL)
		return cmd_error("usage: guest %s NAME [--node N]", verb);
	if (node == MINT_MAX_NODES && find_guest(ctx, name, 0, &node) != 0)
		return 1;
	mint__command__init(&c);
	c.has_kind = 1, c.kind = kind;
	c.name = (char *)name;
	return ask(ctx, &c, node);
}

static int
guest_define(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned node = MINT_MAX_NODES;
	const char *file = NULL;
	Mint__Command c;
	char *xml;
	size_t len = 0, cap = 1 << 20;
	FILE *f;
	int rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--node") == 0 && i + 1 < argc) {
			if (cmd_node_arg(argv[++i], &node) != 0)
				return 1;
		} else if (file == NULL && argv[i][0] != '-') {
			file = argv[i];
		} else {
			return cmd_error("usage: guest define --node N FILE.xml");
		}
	}
	if (file == NULL || node == MINT_MAX_NODES)
		return cmd_error("usage: guest define --node N FILE.xml");
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
	rc = ask(ctx, &c, node);
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

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
		if (j->data_total == 0 && (f->tty || mono_ms() - f->last_print >= 1000)) {
			fprintf(stderr, "%s%s: %s%s", f->tty ? "\r" : "", f->name, j->phase ? j->phase : "",
			    f->tty ? "  " : "\n");
			f->last_print = mono_ms();
		} else if (f->tty || mono_ms() - f->last_print >= 1000) {
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
			f->last_print = mono_ms();
		}
	}
	wire_free(r);
}

/* Seconds as the user gives them (10, 2.5) in milliseconds; at most a week. */
static int
seconds_ms(const char *v, uint64_t *ms)
{
	char *end;
	double d = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !(d > 0) || d > 7 * 24 * 3600.0)
		return -1;
	*ms = (uint64_t)(d * 1000 + 0.5);
	return *ms > 0 ? 0 : -1;
}

static int
guest_migrate(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned node = MINT_MAX_NODES, to = MINT_MAX_NODES;
	const char *name = NULL;
	int live = -1, abort_it = 0, postcopy_now = 0, via_tcp = 0, auto_converge = 0, postcopy = 0;
	int action = -1, dry_run = 0;
	uint64_t bw = 0, postcopy_after = 0, downtime = 0, timeout = 0;
	unsigned ac_initial = 0, ac_increment = 0;
	struct follow f;
	struct sigaction sa, old;
	Mint__Command c;
	Mint__Envelope *r;
	char cause[512];
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--to") == 0 && v != NULL) {
			if (cmd_node_arg(v, &to) != 0)
				return 1;
			i++;
		} else if (strcmp(o, "--node") == 0 && v != NULL) {
			if (cmd_node_arg(v, &node) != 0)
				return 1;
			i++;
		} else if (strcmp(o, "--live") == 0 || strcmp(o, "--paused") == 0) {
			if (live != -1)
				return cmd_error("guest migrate: --live or --paused, not both");
			live = o[2] == 'l';
		} else if (strcmp(o, "--bandwidth") == 0 && v != NULL) {
			char *end;
			bw = strtoull(v, &end, 10);
			if (*v == '\0' || *end != '\0' || bw == 0)
				return cmd_error("guest migrate: --bandwidth takes MiB/s, like 100");
			i++;
		} else if (strcmp(o, "--via") == 0 && v != NULL) {
			if (strcmp(v, "tcp") != 0 && strcmp(v, "region") != 0)
				return cmd_error("guest migrate: --via region (the default) or tcp");
			via_tcp = v[0] == 't';
			i++;
		} else if (strcmp(o, "--dry-run") == 0) {
			dry_run = 1;
		} else if (strcmp(o, "--auto-converge") == 0) {
			auto_converge = 1;
		} else if ((strcmp(o, "--auto-converge-initial") == 0 ||
		    strcmp(o, "--auto-converge-increment") == 0) && v != NULL) {
			char *end;
			unsigned long pct = strtoul(v, &end, 10);

			if (*v == '\0' || *end != '\0' || pct == 0 || pct > 99)
				return cmd_error("guest migrate: %s takes a percentage, 1 to 99", o);
			*(strcmp(o, "--auto-converge-initial") == 0 ? &ac_initial : &ac_increment) =
			    (unsigned)pct;
			auto_converge = 1;
			i++;
		} else if (strcmp(o, "--postcopy") == 0) {
			postcopy = 1;
		} else if (strcmp(o, "--postcopy-after") == 0 && v != NULL) {
			if (seconds_ms(v, &postcopy_after) != 0)
				return cmd_error("guest migrate: --postcopy-after takes seconds, like 10");
			postcopy = 1;
			i++;
		} else if (strcmp(o, "--max-downtime") == 0 && v != NULL) {
			char *end;
			downtime = strtoull(v, &end, 10);
			if (*v == '\0' || *end != '\0' || downtime == 0 || downtime > 3600000)
				return cmd_error("guest migrate: --max-downtime takes milliseconds, like 300");
			i++;
		} else if (strcmp(o, "--timeout") == 0 && v != NULL) {
			if (seconds_ms(v, &timeout) != 0)
				return cmd_error("guest migrate: --timeout takes seconds, like 60");
			i++;
		} else if (strcmp(o, "--timeout-action") == 0 && v != NULL) {
			if (strcmp(v, "abort") == 0)
				action = MINT__TIMEOUT_ACTION__TIMEOUT_ABORT;
			else if (strcmp(v, "pause") == 0)
				action = MINT__TIMEOUT_ACTION__TIMEOUT_PAUSE;
			else if (strcmp(v, "postcopy") == 0)
				action = MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY;
			else
				return cmd_error("guest migrate: --timeout-action abort, pause or postcopy");
			i++;
		} else if (strcmp(o, "--abort") == 0) {
			abort_it = 1;
		} else if (strcmp(o, "--postcopy-now") == 0) {
			postcopy_now = 1;
		} else if (o[0] != '-' && name == NULL) {
			name = o;
		} else {
			return cmd_error("guest migrate: unexpected %s", o);
		}
	}
	if (name == NULL || (to == MINT_MAX_NODES && !abort_it && !postcopy_now) ||
	    (abort_it && postcopy_now))
		return cmd_error("usage: guest migrate NAME --to NODE [options], guest migrate --abort "
		    "NAME or guest migrate --postcopy-now NAME");
	if (live == 0 && (auto_converge || postcopy))
		return cmd_error("guest migrate: --auto-converge and --postcopy are for a live "
		    "migration, not --paused");
	if (action >= 0 && timeout == 0)
		return cmd_error("guest migrate: --timeout-action needs --timeout");
	if (action == MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY && !postcopy)
		return cmd_error("guest migrate: --timeout-action postcopy needs --postcopy");
	if (action == MINT__TIMEOUT_ACTION__TIMEOUT_PAUSE && live == 0)
		return cmd_error("guest migrate: a --paused migration is paused already");
	if (node == MINT_MAX_NODES && find_guest(ctx, name, abort_it || postcopy_now, &node) != 0)
		return 1;
	memset(&f, 0, sizeof(f));
	f.ctx = ctx, f.name = name, f.node = node, f.tty = isatty(2);
	if (abort_it || postcopy_now) {
		mint__command__init(&c);
		c.has_kind = 1;
		c.kind = abort_it ? MINT__COMMAND_KIND__CMD_GUEST_ABORT :
		    MINT__COMMAND_KIND__CMD_GUEST_POSTCOPY;
		c.name = (char *)name;
		return ask(ctx, &c, node);
	}
	if (to == node)
		return cmd_error("guest migrate: %s is on node %u already", name, node);
	if (to >= ctx->region.layout.nodes)
		return cmd_error("guest migrate: node %u is not online (this machine has nodes 0 to %u)",
		    to, ctx->region.layout.nodes - 1);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_MIGRATE;
	c.name = (char *)name;
	c.has_node = 1, c.node = node;
	c.has_to_node = 1, c.to_node = to;
	c.has_mode = 1;
	c.mode = live == 0 ? MINT__MIGRATE_MODE__MIGRATE_PAUSED : MINT__MIGRATE_MODE__MIGRATE_LIVE;
	c.has_via_tcp = 1, c.via_tcp = via_tcp;
	c.has_dry_run = dry_run, c.dry_run = dry_run;
	if (bw > 0)
		c.has_bandwidth = 1, c.bandwidth = bw;
	c.has_auto_converge = 1, c.auto_converge = auto_converge;
	if (ac_initial)
		c.has_auto_converge_initial = 1, c.auto_converge_initial = ac_initial;
	if (ac_increment)
		c.has_auto_converge_increment = 1, c.auto_converge_increment = ac_increment;
	c.has_postcopy = 1, c.postcopy = postcopy;
	if (postcopy_after > 0)
		c.has_postcopy_after_ms = 1, c.postcopy_after_ms = postcopy_after;
	if (downtime > 0)
		c.has_max_downtime_ms = 1, c.max_downtime_ms = downtime;
	if (timeout > 0) {
		c.has_timeout_ms = 1, c.timeout_ms = timeout;
		c.has_timeout_action = 1;
		c.timeout_action = action >= 0 ? (Mint__TimeoutAction)action :
		    MINT__TIMEOUT_ACTION__TIMEOUT_ABORT;
	}
	/* Ctrl-C cancels the migration, and we wait for the guest to be back */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	fprintf(stderr, "%s %s from node %u to node %u (%s%s%s, via %s); Ctrl-C cancels\n",
	    dry_run ? "checking a migration of" : "migrating",
	    name, node, to, live == 0 ? "paused" : "live", auto_converge ? ", auto-converge" : "",
	    postcopy ? ", post-copy allowed" : "", via_tcp ? "tcp" : "the region");
	rc = client_request_tick(ctx->socket_path, &c, 24 * 3600 * 1000, 500, follow_tick, &f, &r,
	    cause, sizeof(cause));
	sigaction(SIGINT, &old, NULL);
	if (f.tty)
		fputc('\n', stderr);
	if (rc < 0)
		return cmd_error("%s", cause);
	if (r->reply->text != NULL && !f.warned)
		fprintf(stderr, "%s\n", r->reply->text);
	if (ctx->json) {
		const Mint__Job *j = r->reply->job;

		printf("{\"guest\":");
		json_string(stdout, name);
		printf(",\"from\":%u,\"to\":%u,\"ok\":%s,\"message\":", node, to,
		    r->reply->error == 0 ? "true" : "false");
		json_string(stdout, r->reply->message);
		if (j != NULL)
			printf(",\"phase\":\"%s\",\"total_ms\":%" PRIu64 ",\"downtime_ms\":%" PRIu64
			    ",\"bytes\":%" PRIu64 ",\"bytes_per_s\":%" PRIu64 ",\"passes\":%" PRIu64
			    ",\"postcopy\":%s,\"throttle_pct\":%u,\"not_converging\":%s",
			    j->phase ? j->phase : "", j->total_ms, j->downtime_ms, j->data_processed,
			    j->total_ms ? j->data_processed * 1000 / j->total_ms : 0, j->iteration,
			    j->postcopy ? "true" : "false", j->throttle_pct,
			    j->not_converging ? "true" : "false");
		printf("}\n");
	} else if (r->reply->error == 0) {
		printf("%s\n", r->reply->message ? r->reply->message : "migrated");
	}
	rc = r->reply->error;
	if (rc != 0)
		cmd_error("%s", r->reply->message ? r->reply->message : "migration failed");
	wire_free(r);
	return rc != 0;
}

static int
cmd_guest_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *sub = argv[0];

	if (strcmp(sub, "list") == 0)
		return guest_list(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "start") == 0)
		return guest_simple(ctx, MINT__COMMAND_KIND__CMD_GUEST_START, sub, argc - 1, argv + 1);
	if (strcmp(sub, "stop") == 0)
		return guest_simple(ctx, MINT__COMMAND_KIND__CMD_GUEST_STOP, sub, argc - 1, argv + 1);
	if (strcmp(sub, "destroy") == 0)
		return guest_simple(ctx, MINT__COMMAND_KIND__CMD_GUEST_DESTROY, sub, argc - 1, argv + 1);
	if (strcmp(sub, "undefine") == 0)
		return guest_simple(ctx, MINT__COMMAND_KIND__CMD_GUEST_UNDEFINE, sub, argc - 1, argv + 1);
	if (strcmp(sub, "define") == 0)
		return guest_define(ctx, argc - 1, argv + 1);
	if (strcmp(sub, "migrate") == 0)
		return guest_migrate(ctx, argc - 1, argv + 1);
	return cmd_error("guest: '%s' is not list, start, stop, destroy, define, undefine or migrate",
	    sub);
}

static const char *const guest_full_only[] = { "destroy", NULL };

const struct cmd_entry cmd_guest_entry = {
	.name = "guest",
	.usage = "list [--node N] | start|stop|destroy|undefine NAME [--node N] |\n"
	    "        define --node N FILE.xml |\n"
	    "        migrate NAME --to N [--live | --paused] [--bandwidth MIB/S] [--via region|tcp]\n"
	    "          [--dry-run]\n"
	    "          [--auto-converge [--auto-converge-initial PCT] [--auto-converge-increment PCT]]\n"
	    "          [--postcopy [--postcopy-after S]] [--max-downtime MS]\n"
	    "          [--timeout S [--timeout-action abort|pause|postcopy]] |\n"
	    "        migrate --abort NAME | migrate --postcopy-now NAME   [--json]",
	.help = "The guests of every node's hypervisor; migrate moves a running guest to another "
	    "node through the region, live unless --paused (Ctrl-C cancels, the guest stays where "
	    "it was); --dry-run makes every check, here and on the destination, and migrates nothing.\n"
	    "A guest that dirties its memory faster than the copy sends it does not converge; the "
	    "progress says so. --auto-converge slows its vCPUs down until the copy catches up (by "
	    "--auto-converge-initial percent at first, 20, and --auto-converge-increment more at "
	    "each pass that does not converge, 10); "
	    "--postcopy lets it switch to post-copy (the guest runs on the destination and fetches "
	    "the pages it still lacks), after --postcopy-after S or when `guest migrate "
	    "--postcopy-now NAME` asks; --max-downtime MS is the pause the final copy may take "
	    "(libvirt's default 300); --timeout S ends a migration that takes longer: "
	    "--timeout-action abort (the default: the guest runs on where it was), pause (the copy "
	    "finishes with the guest paused, it resumes on the destination) or postcopy.",
	.min_args = 1,
	.max_args = 24,
	.flags = CMD_JSON,
	.full_name_only = guest_full_only,
	.exec = cmd_guest_exec,
};
