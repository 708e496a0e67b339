/*
 * mint-console nodes: every node's state, epoch, heartbeat and load, as a
 * table or JSON. A node whose own entry says online but that another live
 * agent finds silent past its dead-after time is shown dead.
 */
#include <inttypes.h>

#include "console/cmd.h"
#include "console/snapshot.h"
#include "shm/node.h"

/* How long node i has been silent, if a live node other than i calls it dead; else -1. */
static int64_t
dead_verdict(unsigned i, unsigned nodes, const struct node_view *v, Mint__Envelope *const *snap)
{
	for (unsigned k = 0; k < nodes; k++) {
		if (k == i || snap[k] == NULL || v[k].state != MINT_NODE_ONLINE)
			continue;
		for (size_t p = 0; p < snap[k]->status->n_peers; p++) {
			const Mint__Peer *peer = snap[k]->status->peers[p];
			if (peer->node == i && peer->state == MINT__NODE_STATE__NODE_DEAD &&
			    peer->epoch == v[i].epoch)
				return (int64_t)peer->silent_ms;
		}
	}
	return -1;
}

/* One node's row: a line of the table, an object of the JSON list. */
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
		out_int(o, "silent_ms", OUT_NOTEXT, silent);
	if (st != NULL) {
		out_list(o, "cores");
		for (size_t k = 0; k < st->n_cores; k++)
			out_uint(o, NULL, OUT_NOTEXT, st->cores[k]->cpu);
		out_list_end(o);
		out_cell(o, 5, "%zu", st->n_cores);
		out_float(o, "load1", 6, 2, st->load1_centi / 100.0);
		out_uint(o, "mem_total", OUT_NOTEXT, st->mem_total_bytes);
		out_uint(o, "mem_used", OUT_NOTEXT, st->mem_used_bytes);
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
	const struct mint_region *r = &ctx->region;
	unsigned nodes = r->layout.nodes;
	struct node_view v[MINT_MAX_NODES];
	Mint__Envelope *snap[MINT_MAX_NODES];
	int valid[MINT_MAX_NODES];

	for (unsigned i = 0; i < nodes; i++) {
		snap[i] = NULL;
		valid[i] = node_read(r, i, &v[i]) == 0;
		if (!valid[i])
			cmd_error("node %u: its entry holds an impossible state", i);
		else if (snapshot_read(r, i, &snap[i], NULL, 0) < 0)
			snap[i] = NULL;
	}
	out_table(o, NULL, cols, 8);
	for (unsigned i = 0; i < nodes; i++) {
		int64_t silent;

		if (!valid[i] || (v[i].state == MINT_NODE_ABSENT && v[i].epoch == 0))
			continue;	/* never attached */
		silent = dead_verdict(i, nodes, v, snap);
		nodes_row(o, i, &v[i], silent >= 0 ? "dead" : node_state_name(v[i].state), silent,
		    snap[i] != NULL ? snap[i]->status : NULL);
	}
	out_list_end(o);
	for (unsigned i = 0; i < nodes; i++)
		wire_free(snap[i]);
	return 0;
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
