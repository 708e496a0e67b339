/* mint-console nodes: every node's state, epoch, heartbeat and load, as a table or JSON. */
#include <inttypes.h>
#include <string.h>

#include "console/cmd.h"
#include "console/snapshot.h"
#include "shm/node.h"

static int
cmd_nodes_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct mint_region *r = &ctx->region;
	int first = 1;

	if (ctx->json)
		printf("[");
	else
		printf("%-4s %-8s %5s %10s %7s %5s %6s %13s\n", "NODE", "STATE", "EPOCH", "HEARTBEAT",
		    "PID", "CORES", "LOAD1", "MEM USED/TOTAL");
	for (unsigned i = 0; i < r->layout.nodes; i++) {
		struct node_view v;
		Mint__Envelope *env = NULL;
		Mint__NodeStatus *st = NULL;

		if (node_read(r, i, &v) < 0) {
			cmd_error("node %u: its entry holds an impossible state", i);
			continue;
		}
		if (v.state == MINT_NODE_ABSENT && v.epoch == 0)
			continue;	/* never attached */
		if (snapshot_read(r, i, &env, NULL, 0) == 0)
			st = env->status;
		if (ctx->json) {
			printf("%s\n  {\"node\": %u, \"state\": ", first ? "" : ",", i);
			json_string(stdout, node_state_name(v.state));
			printf(", \"epoch\": %" PRIu32 ", \"heartbeat\": %" PRIu64 ", \"pid\": %" PRIu32,
			    v.epoch, v.heartbeat, v.pid);
			if (st != NULL) {
				printf(", \"cores\": [");
				for (size_t k = 0; k < st->n_cores; k++)
					printf("%s%" PRIu32, k ? ", " : "", st->cores[k]->cpu);
				printf("], \"load1\": %.2f, \"mem_total\": %" PRIu64 ", \"mem_used\": %" PRIu64,
				    st->load1_centi / 100.0, st->mem_total_bytes, st->mem_used_bytes);
			}
			printf("}");
		} else {
			printf("%-4u %-8s %5" PRIu32 " %10" PRIu64 " %7" PRIu32, i,
			    node_state_name(v.state), v.epoch, v.heartbeat, v.pid);
			if (st != NULL)
				printf(" %5zu %6.2f %6.1fG/%.1fG", st->n_cores, st->load1_centi / 100.0,
				    st->mem_used_bytes / 1073741824.0, st->mem_total_bytes / 1073741824.0);
			printf("\n");
		}
		first = 0;
		wire_free(env);
	}
	if (ctx->json)
		printf("%s]\n", first ? "" : "\n");
	return 0;
}

const struct cmd_entry cmd_nodes_entry = {
	.name = "nodes",
	.usage = "[--json]",
	.help = "List the nodes that ever attached: state, epoch, heartbeat, cores, load, memory.",
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_JSON,
	.exec = cmd_nodes_exec,
};
