/*
 * mint-console events: follow node, guest, migration and resource events as
 * they happen, from the region itself (the node table, the agents' verdicts
 * on each other, the guests and migrations they publish, the resource
 * table), one line each, or one JSON object a line.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "console/cmd.h"
#include "view/snapshot.h"
#include "console/top.h"
#include "shm/node.h"
#include "shm/resource.h"

struct seen {
	uint32_t state, epoch;
	int dead, known;
};

static void
node_event(struct out *o, unsigned node, const char *what, uint32_t epoch)
{
	out_begin(o, NULL);
	out_time_now(o, "time", 0);
	out_str(o, "type", OUT_NOTEXT, "node");
	out_cell(o, 0, "node");
	out_uint(o, "node", 0, node);
	out_str(o, "event", 0, what);
	out_uint(o, "epoch", OUT_NOTEXT, epoch);
	out_text(o, " (epoch %" PRIu32 ")", epoch);
	out_end(o);
	fflush(stdout);
}

static void
res_event(struct out *o, const struct res_view *v)
{
	char what[64];

	res_describe(v, what, sizeof(what));
	out_begin(o, NULL);
	out_time_now(o, "time", 0);
	out_str(o, "type", OUT_NOTEXT, "resource");
	out_str(o, "resource", 0, what);
	out_str(o, "kind", OUT_NOTEXT, res_kind_name(v->kind));
	out_str(o, "state", 0, res_state_name(v->state));
	cmd_out_node(o, "owner", OUT_NOTEXT, v->owner, NULL);
	if (v->owner != MINT_NO_NODE)
		out_text(o, " by node %u%s", v->owner,
		    v->peer != MINT_NO_NODE && v->state != MINT_RS_OWNED ? " (moving)" : "");
	cmd_out_node(o, "peer", OUT_NOTEXT, v->peer, NULL);
	out_uint(o, "gen", OUT_NOTEXT, v->gen);
	out_end(o);
	fflush(stdout);
}

/* A guest that started, stopped, paused, began or ended a migration, or left a node. */
static void
guest_event(struct out *o, unsigned node, const char *name, const char *what)
{
	out_begin(o, NULL);
	out_time_now(o, "time", 0);
	out_str(o, "type", OUT_NOTEXT, "guest");
	out_cell(o, 0, "guest");
	out_str(o, "guest", 0, name);
	out_text(o, " on node");
	out_uint(o, "node", 0, node);
	out_text(o, ":");
	out_str(o, "event", 0, what);
	out_end(o);
	fflush(stdout);
}

struct gseen {
	unsigned node;
	int state, live;
	char name[64];
};

/* The guests each live node publishes against the last sample: a change is an event. */
static long
guests_changed(struct out *o, const struct top_model *m, struct gseen *gs, int *ngs, int first)
{
	long got = 0;
	int k;

	for (k = 0; k < *ngs; k++)
		gs[k].live = 0;
	for (int r = 0; r < m->nrows; r++) {
		const struct top_row *row = &m->rows[r];

		/* a node that publishes nothing now keeps its guests as last seen */
		for (k = 0; k < *ngs && (row->st == NULL || row->state != MINT_NODE_ONLINE); k++)
			gs[k].live |= gs[k].node == row->node;
		for (size_t i = 0; row->st != NULL && row->state == MINT_NODE_ONLINE &&
		    i < row->st->n_guests; i++) {
			const Mint__Guest *g = row->st->guests[i];

			for (k = 0; k < *ngs && (gs[k].node != row->node ||
			    strcmp(gs[k].name, g->name ? g->name : "") != 0); k++)
				;
			if (k == *ngs && *ngs < 256) {
				gs[k].node = row->node, gs[k].state = -1;
				snprintf(gs[k].name, sizeof(gs[k].name), "%s", g->name ? g->name : "");
				(*ngs)++;
			}
			if (k == *ngs)
				continue;
			if (!first && gs[k].state != (int)g->state)
				guest_event(o, row->node, gs[k].name, guest_state_name(g->state)), got++;
			gs[k].state = (int)g->state, gs[k].live = 1;
		}
	}
	for (k = 0; k < *ngs; k++)
		if (!gs[k].live) {
			if (!first)
				guest_event(o, gs[k].node, gs[k].name, "gone"), got++;
			gs[k--] = gs[--(*ngs)];
		}
	return got;
}

/* A migration a node sent: it began, or it ended (how, in how long, with what sent). */
static void
mig_event(struct out *o, unsigned node, const Mint__Migration *mg, int ended)
{
	out_begin(o, NULL);
	out_time_ms(o, "time", 0, (int64_t)(ended ? mg->ended_ms : mg->started_ms));
	out_str(o, "type", OUT_NOTEXT, "migration");
	out_cell(o, 0, "migration of");
	out_str(o, "guest", 0, mg->guest ? mg->guest : "");
	out_text(o, " from node");
	out_uint(o, "node", 0, node);
	out_text(o, " to node");
	out_uint(o, "to", 0, mg->to_node);
	out_text(o, ":");
	out_str(o, "event", 0, ended ? (mg->phase ? mg->phase : "ended") : "started");
	if (ended) {
		out_text(o, " in");
		out_float(o, "seconds", 0, 3, (double)(mg->ended_ms - mg->started_ms) / 1000.0);
		out_text(o, " s,");
		out_uint(o, "bytes", 0, mg->data_processed);
		out_text(o, " bytes sent");
		if (mg->has_downtime_ms) {
			out_text(o, ", downtime");
			out_float(o, "downtime", 0, 3, (double)mg->downtime_ms / 1000.0);
			out_text(o, " s");
		}
		if (mg->message != NULL)
			out_str(o, "message", OUT_NOTEXT, mg->message);
	}
	out_end(o);
	fflush(stdout);
}

struct mseen {
	unsigned node;
	uint64_t seq, started_ms;
	int ended, live;
};

#define MSEEN_MAX	(MINT_MAX_NODES * 4)

/*
 * The migrations each live node publishes (under way, and the last that
 * ended): one seen first is an event "started" (and its end, if it ended
 * between two samples); one that ended since, its end.
 */
static long
migrations_changed(struct out *o, const struct top_model *m, struct mseen *ms, int *nms, int first)
{
	long got = 0;
	int k;

	for (k = 0; k < *nms; k++)
		ms[k].live = 0;
	for (int r = 0; r < m->nrows; r++) {
		const struct top_row *row = &m->rows[r];

		for (k = 0; k < *nms && (row->st == NULL || row->state != MINT_NODE_ONLINE); k++)
			ms[k].live |= ms[k].node == row->node;
		for (size_t i = 0; row->st != NULL && row->state == MINT_NODE_ONLINE &&
		    i < row->st->n_migrations; i++) {
			const Mint__Migration *mg = row->st->migrations[i];
			int ended = mg->has_ended_ms && mg->ended_ms >= mg->started_ms;

			for (k = 0; k < *nms && (ms[k].node != row->node || ms[k].seq != mg->seq ||
			    ms[k].started_ms != mg->started_ms); k++)
				;
			if (k == *nms) {
				if (*nms == MSEEN_MAX)
					continue;
				ms[k] = (struct mseen){ .node = row->node, .seq = mg->seq,
				    .started_ms = mg->started_ms, .ended = first && ended };
				(*nms)++;
				if (!first)
					mig_event(o, row->node, mg, 0), got++;
			}
			if (ended && !ms[k].ended)
				mig_event(o, row->node, mg, 1), got++;
			ms[k].ended |= ended;
			ms[k].live = 1;
		}
	}
	for (k = 0; k < *nms; k++)
		if (!ms[k].live)
			ms[k--] = ms[--(*nms)];
	return got;
}

/* Each node's state against the last sample. */
static long
nodes_changed(struct out *o, const struct top_model *m, struct seen *nodes, int first)
{
	long got = 0;

	for (int r = 0; r < m->nrows; r++) {
		const struct top_row *row = &m->rows[r];
		struct seen *s = &nodes[row->node];

		if (!first && s->known) {
			if (row->epoch != s->epoch && row->state == MINT_NODE_ONLINE)
				node_event(o, row->node, "online", row->epoch), got++;
			else if (row->state != s->state)
				node_event(o, row->node, node_state_name(row->state), row->epoch), got++;
			if (row->dead && !s->dead)
				node_event(o, row->node, "dead", row->epoch), got++;
		} else if (!first && !s->known) {
			node_event(o, row->node, node_state_name(row->state), row->epoch), got++;
		}
		s->state = row->state;
		s->epoch = row->epoch;
		s->dead = row->dead;
		s->known = 1;
	}
	return got;
}

/* Each resource entry's word against the last sample. */
static long
resources_changed(struct out *o, const struct mint_region *r, uint64_t *words, int first)
{
	long got = 0;

	for (unsigned i = 0; i < r->layout.res_count && i < 65536; i++) {
		struct res_view v;

		if (res_read(r, i, &v) < 0 || v.word == words[i])
			continue;
		words[i] = v.word;
		if (!first && v.kind != MINT_RES_NONE)
			res_event(o, &v), got++;
	}
	return got;
}

static int
cmd_events_run(struct cmd_ctx *ctx, struct args *a)
{
	static struct seen nodes[MINT_MAX_NODES];
	static uint64_t words[65536];
	static struct gseen guests[256];
	static struct mseen migs[MSEEN_MAX];
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	struct top_model m;
	long count = args_has(a, "-n") ? (long)args_u64(a, "-n", 0) : -1, got = 0;
	double timeout = (double)args_u64(a, "--timeout", 0) / 1000, waited = 0;
	int nguests = 0, nmigs = 0;

	top_model_init(&m, &ctx->region);
	/* the state as it is now is the baseline; what changes from here is an event */
	for (int first = 1;; first = 0) {
		struct timespec ts = { 0, 100000000 };

		top_model_sample(&m, (int64_t)time(NULL) * 1000000000);
		got += nodes_changed(o, &m, nodes, first);
		got += guests_changed(o, &m, guests, &nguests, first);
		got += migrations_changed(o, &m, migs, &nmigs, first);
		got += resources_changed(o, &ctx->region, words, first);
		if (count >= 0 && got >= count)
			break;
		if (timeout > 0 && waited >= timeout) {
			top_model_free(&m);
			return count >= 0 ? cmd_fail(CMD_TIMEDOUT, "events: %ld of %ld events within "
			    "%.1f s", got, count, timeout) : 0;
		}
		nanosleep(&ts, NULL);
		waited += 0.1;
	}
	top_model_free(&m);
	return 0;
}

static const struct args_opt cmd_events_opts[] = {
	{ "-n", ARGS_UINT, 0, 1000000000, "events: -n takes a number of events", NULL },
	{ "--timeout", ARGS_SECONDS, 0, 7 * 24 * 3600 * 1000UL, "events: --timeout takes seconds",
	  NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template cmd_events_args = {
	.opts = cmd_events_opts,
	.unknown = "events: unknown argument %s",
};

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.usage = "[-n COUNT] [--timeout SECONDS] [--json]",
	.help = "Follow node events (online, new epoch, stopping, absent, dead as the live nodes "
	    "judge it), guest events (a change of state, a guest gone from a node), migration events "
	    "(started; completed, failed, cancelled or timed out) and resource events (each change of owner or state) as they happen; stop after COUNT events or "
	    "SECONDS.",
	.min_args = 0,
	.max_args = 4,
	.flags = CMD_JSON,
	.args = &cmd_events_args,
	.run = cmd_events_run,
};
