/*
 * mint-console nodes: every node's state, epoch, heartbeat and load, as a
 * table or JSON. A node whose own entry says online but that another live
 * agent finds silent past its dead-after time is shown dead.
 */
#include <inttypes.h>
#include <string.h>

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

static int
cmd_nodes_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct mint_region *r = &ctx->region;
	unsigned nodes = r->layout.nodes;
	struct node_view v[MINT_MAX_NODES];
	Mint__Envelope *snap[MINT_MAX_NODES];
	int first = 1, valid[MINT_MAX_NODES];

	for (unsigned i = 0; i < nodes; i++) {
		snap[i] = NULL;
		valid[i] = node_read(r, i, &v[i]) == 0;
		if (!valid[i])
			cmd_error("node %u: its entry holds an impossible state", i);
		else if (snapshot_read(r, i, &snap[i], NULL, 0) < 0)
			snap[i] = NULL;
	}
	if (ctx->json)
		printf("[");
	else
		printf("%-4s %-8s %5s %10s %7s %5s %6s %13s\n", "NODE", "STATE", "EPOCH", "HEARTBEAT",
		    "PID", "CORES", "LOAD1", "MEM USED/TOTAL");
	for (unsigned i = 0; i < nodes; i++) {
		Mint__NodeStatus *st = snap[i] != NULL ? snap[i]->status : NULL;
		int64_t silent;
		const char *state;

		if (!valid[i] || (v[i].state == MINT_NODE_ABSENT && v[i].epoch == 0))
			continue;	/* never attached */
		silent = dead_verdict(i, nodes, v, snap);
		state = silent >= 0 ? "dead" : node_state_name(v[i].state);
		if (ctx->json) {
			printf("%s\n  {\"node\": %u, \"state\": ", first ? "" : ",", i);
			json_string(stdout, state);
			printf(", \"epoch\": %" PRIu32 ", \"heartbeat\": %" PRIu64 ", \"pid\": %" PRIu32,
			    v[i].epoch, v[i].heartbeat, v[i].pid);
			if (silent >= 0)
				printf(", \"silent_ms\": %" PRId64, silent);
			if (st != NULL) {
				printf(", \"cores\": [");
				for (size_t k = 0; k < st->n_cores; k++)
					printf("%s%" PRIu32, k ? ", " : "", st->cores[k]->cpu);
				printf("], \"load1\": %.2f, \"mem_total\": %" PRIu64 ", \"mem_used\": %" PRIu64,
				    st->load1_centi / 100.0, st->mem_total_bytes, st->mem_used_bytes);
			}
			printf("}");
		} else {
			printf("%-4u %-8s %5" PRIu32 " %10" PRIu64 " %7" PRIu32, i, state, v[i].epoch,
			    v[i].heartbeat, v[i].pid);
			if (st != NULL)
				printf(" %5zu %6.2f %6.1fG/%.1fG", st->n_cores, st->load1_centi / 100.0,
				    st->mem_used_bytes / 1073741824.0, st->mem_total_bytes / 1073741824.0);
			if (silent >= 0)
				printf("  (silent %" PRId64 " ms)", silent);
			printf("\n");
		}
		first = 0;
	}
	if (ctx->json)
		printf("%s]\n", first ? "" : "\n");
	for (unsigned i = 0; i < nodes; i++)
		wire_free(snap[i]);
	return 0;
}

const struct cmd_entry cmd_nodes_entry = {
	.name = "nodes",
	.usage = "[--json]",
	.help = "List the nodes that ever attached: state (dead if another node finds it silent), "
	    "epoch, heartbeat, cores, load, memory.",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_JSON,
	.exec = cmd_nodes_exec,
};
