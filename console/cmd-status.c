/* mint-console status NODE: one node's published status in full. */
#include <inttypes.h>

#include "common/parse.h"
#include "console/cmd.h"
#include "view/snapshot.h"
#include "shm/node.h"

static const char *
core_mode(const Mint__NodeStatus *st, int json)
{
	if (st->mode == MINT__CORE_MODE__CORES_CPUSET)
		return json ? "cpuset" : "a cpuset of this host";
	if (st->mode == MINT__CORE_MODE__CORES_SYNTHETIC)
		return "synthetic";
	return json ? "real" : "its kernel's own";
}

static void
status_json(struct out *o, const Mint__NodeStatus *st, const struct node_view *v,
    const char *state)
{
	out_begin(o, NULL);
	out_uint(o, "node", 0, st->node);
	out_str(o, "state", 0, state);
	out_uint(o, "epoch", 0, v->epoch);
	out_uint(o, "heartbeat", 0, v->heartbeat);
	out_str(o, "hostname", 0, st->hostname);
	out_float(o, "uptime", 0, 3, st->uptime_ms / 1000.0);
	out_list(o, "load");
	out_float(o, NULL, 0, 2, st->load1_centi / 100.0);
	out_float(o, NULL, 0, 2, st->load5_centi / 100.0);
	out_float(o, NULL, 0, 2, st->load15_centi / 100.0);
	out_list_end(o);
	out_str(o, "mode", 0, core_mode(st, 1));
	out_begin(o, "memory");
	out_uint(o, "total", 0, st->mem_total_bytes);
	out_uint(o, "used", 0, st->mem_used_bytes);
	out_uint(o, "movable", 0, st->mem_movable_bytes);
	if (st->has_mem_assigned_bytes)
		out_uint(o, "assigned", 0, st->mem_assigned_bytes);
	out_end(o);
	cmd_out_cores(o, st);
	out_list(o, "devices");
	for (size_t k = 0; k < st->n_devices; k++)
		out_str(o, NULL, 0, st->devices[k]->name);
	out_list_end(o);
	out_list(o, "guests");
	for (size_t k = 0; k < st->n_guests; k++) {
		out_begin(o, NULL);
		out_str(o, "name", 0, st->guests[k]->name);
		out_str(o, "state", 0, guest_state_name(st->guests[k]->state));
		out_uint(o, "vcpus", 0, st->guests[k]->vcpus);
		out_uint(o, "memory", 0, st->guests[k]->memory_bytes);
		out_float(o, "cpu", 0, 1, st->guests[k]->cpu_permille / 10.0);
		out_end(o);
	}
	out_list_end(o);
	out_list(o, "channels");
	for (size_t k = 0; k < st->n_channels; k++) {
		const Mint__Channel *c = st->channels[k];

		out_begin(o, NULL);
		out_uint(o, "peer", 0, c->peer);
		out_uint(o, "tx_messages", 0, c->tx_messages);
		out_uint(o, "rx_messages", 0, c->rx_messages);
		out_uint(o, "tx_bytes", 0, c->tx_bytes);
		out_uint(o, "rx_bytes", 0, c->rx_bytes);
		out_uint(o, "errors", 0, c->errors);
		out_end(o);
	}
	out_list_end(o);
	out_end(o);
}

/* The same as prose: a sentence a line. */
static void
status_text(const Mint__NodeStatus *st, const struct node_view *v, const char *state)
{
	printf("node %" PRIu32 " (%s): %s, epoch %" PRIu32 ", heartbeat %" PRIu64 "\n", st->node,
	    st->hostname ? st->hostname : "?", state, v->epoch, v->heartbeat);
	printf("load %.2f %.2f %.2f; memory %.1f of %.1f GiB used, %.1f GiB movable\n",
	    st->load1_centi / 100.0, st->load5_centi / 100.0, st->load15_centi / 100.0,
	    st->mem_used_bytes / 1073741824.0, st->mem_total_bytes / 1073741824.0,
	    st->mem_movable_bytes / 1073741824.0);
	if (st->has_mem_assigned_bytes)
		printf("memory blocks the table gives it: %.2f GiB\n",
		    st->mem_assigned_bytes / 1073741824.0);
	printf("cores: %s\n", core_mode(st, 0));
	for (size_t k = 0; k < st->n_cores; k++)
		if (st->cores[k]->has_busy_permille)
			printf("  cpu%-3" PRIu32 " %5.1f%% busy\n", st->cores[k]->cpu,
			    st->cores[k]->busy_permille / 10.0);
		else
			printf("  cpu%-3" PRIu32 "     - (no host core behind it)\n", st->cores[k]->cpu);
	for (size_t k = 0; k < st->n_devices; k++)
		printf("  device %s\n", st->devices[k]->name);
	for (size_t k = 0; k < st->n_guests; k++)
		printf("  guest %-20s %-9s %2" PRIu32 " vcpus %6" PRIu64 " MiB %5.1f%% cpu\n",
		    st->guests[k]->name, guest_state_name(st->guests[k]->state),
		    st->guests[k]->vcpus, st->guests[k]->memory_bytes >> 20,
		    st->guests[k]->cpu_permille / 10.0);
}

static int
cmd_status_run(struct cmd_ctx *ctx, struct args *a)
{
	struct out *o = cmd_out(ctx, OUT_SPACED);
	struct snapshots s;
	Mint__Envelope *env;
	char cause[256];
	unsigned node;

	if (parse_node(a->pos[0], ctx->region.layout.nodes, &node) < 0)
		return cmd_fail(CMD_USAGE, "status: no node '%s' (this region has nodes 0 to %u)",
		    a->pos[0], ctx->region.layout.nodes - 1);
	/* its state as nodes judges it: dead where a live node says so */
	snapshots_read(&ctx->region, &s);
	if (!s.valid[node]) {
		snapshots_free(&s);
		return cmd_error("node %u: its entry holds an impossible state", node);
	}
	if (snapshot_read(&ctx->region, node, &env, cause, sizeof(cause)) < 0) {
		snapshots_free(&s);
		return cmd_error("%s", cause);
	}
	if (out_json(o))
		status_json(o, env->status, &s.v[node], snapshots_state(&s, node));
	else
		status_text(env->status, &s.v[node], snapshots_state(&s, node));
	wire_free(env);
	snapshots_free(&s);
	return 0;
}

static const struct args_template cmd_status_args = {
	.max_pos = 1,
	.unknown = "usage: status NODE [--json]",
	.dash_args = 1,
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "NODE [--json]",
	.help = "Show one node's status: load, memory, cores and their use, guests.",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_JSON,
	.args = &cmd_status_args,
	.run = cmd_status_run,
	.complete = CMPL_NODE,
};
