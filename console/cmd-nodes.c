/*
 * mint-console nodes: every node's state, epoch, heartbeat and load, as a
 * table or JSON. A node whose own entry says online but that another live
 * agent finds silent past its dead-after time is shown dead.
 */
#include <inttypes.h>

#include "console/cmd.h"
#include "view/snapshot.h"
#include "shm/node.h"

/* One node's row: a line of the table, an object of the JSON list (doc/json.md, Node). */
static void
nodes_row(struct out *o, unsigned i, const struct node_view *v, const char *state,
    int64_t silent, const Mint__NodeStatus *st)
{
	out_begin(o, NULL);
	out_uint(o, "node", -4, i);
	out_str(o, "state", -8, state);
	out_uint(o, "epoch", 5, v->epoch);
	out_uint(o, "heartbeat", 10, v->heartbeat);
	out_uint(o, "pid", 7, v->pid);
	if (silent >= 0)
		out_float(o, "silent", OUT_NOTEXT, 3, silent / 1000.0);
	if (st != NULL) {
		cmd_out_cores(o, st);
		out_cell(o, 5, "%zu", st->n_cores);
		out_cell(o, 6, "%.2f", st->load1_centi / 100.0);
		out_list(o, "load");
		out_float(o, NULL, OUT_NOTEXT, 2, st->load1_centi / 100.0);
		out_float(o, NULL, OUT_NOTEXT, 2, st->load5_centi / 100.0);
		out_float(o, NULL, OUT_NOTEXT, 2, st->load15_centi / 100.0);
		out_list_end(o);
		out_begin(o, "memory");
		out_uint(o, "total", OUT_NOTEXT, st->mem_total_bytes);
		out_uint(o, "used", OUT_NOTEXT, st->mem_used_bytes);
		out_end(o);
		out_text(o, " %6.1fG/%.1fG", st->mem_used_bytes / 1073741824.0,
		    st->mem_total_bytes / 1073741824.0);
	}
	if (silent >= 0)
		out_text(o, "  (silent %" PRId64 " ms)", silent);
	out_end(o);
}

static int
cmd_nodes_run(struct cmd_ctx *ctx, struct args *a)
{
	static const struct out_col cols[] = {
		{ "NODE", -4 }, { "STATE", -8 }, { "EPOCH", 5 }, { "HEARTBEAT", 10 }, { "PID", 7 },
		{ "CORES", 5 }, { "LOAD1", 6 }, { "MEM USED/TOTAL", 13 },
	};
	struct out *o = cmd_out(ctx, OUT_LINES);
	struct snapshots s;

	snapshots_read(&ctx->region, &s);
	for (unsigned i = 0; i < s.nodes; i++)
		if (!s.valid[i])
			cmd_error("node %u: its entry holds an impossible state", i);
	out_table(o, NULL, cols, 8);
	cmd_nodes_rows(o, &s);
	out_list_end(o);
	snapshots_free(&s);
	return 0;
}

/* Each node that ever attached, a row (top -b --json shares them). */
void
cmd_nodes_rows(struct out *o, const struct snapshots *s)
{
	for (unsigned i = 0; i < s->nodes; i++) {
		if (!snapshots_attached(s, i))
			continue;	/* never attached */
		nodes_row(o, i, &s->v[i], snapshots_state(s, i), snapshots_dead_ms(s, i),
		    snapshots_status(s, i));
	}
}

static const struct args_template cmd_nodes_args = {
	.unknown = "usage: nodes [--json]",
};

const struct cmd_entry cmd_nodes_entry = {
	.name = "nodes",
	.usage = "[--json]",
	.help = "List the nodes that ever attached: state (dead if another node finds it silent), "
	    "epoch, heartbeat, cores, load, memory.",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_JSON,
	.args = &cmd_nodes_args,
	.run = cmd_nodes_run,
};
