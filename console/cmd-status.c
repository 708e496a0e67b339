/* mint-console status NODE: one node's published status in full. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "console/snapshot.h"
#include "shm/node.h"

static const char *
guest_state_name(Mint__GuestState s)
{
	static const char *const names[] = {
		"unknown", "running", "paused", "shut off", "crashed", "migrating"
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static void
print_json(const Mint__NodeStatus *st, const struct node_view *v)
{
	printf("{\"node\": %" PRIu32 ", \"state\": ", st->node);
	json_string(stdout, node_state_name(v->state));
	printf(", \"epoch\": %" PRIu32 ", \"heartbeat\": %" PRIu64 ", \"hostname\": ", v->epoch,
	    v->heartbeat);
	json_string(stdout, st->hostname);
	printf(", \"uptime_ms\": %" PRIu64 ", \"load\": [%.2f, %.2f, %.2f]", st->uptime_ms,
	    st->load1_centi / 100.0, st->load5_centi / 100.0, st->load15_centi / 100.0);
	printf(", \"mode\": \"%s\"", st->mode == MINT__CORE_MODE__CORES_CPUSET ? "cpuset" :
	    st->mode == MINT__CORE_MODE__CORES_SYNTHETIC ? "synthetic" : "real");
	printf(", \"memory\": {\"total\": %" PRIu64 ", \"used\": %" PRIu64 ", \"movable\": %" PRIu64,
	    st->mem_total_bytes, st->mem_used_bytes, st->mem_movable_bytes);
	if (st->has_mem_assigned_bytes)
		printf(", \"assigned\": %" PRIu64, st->mem_assigned_bytes);
	printf("}");
	printf(", \"cores\": [");
	for (size_t k = 0; k < st->n_cores; k++)
	{
		printf("%s{\"cpu\": %" PRIu32 ", \"online\": %s", k ? ", " : "",
		    st->cores[k]->cpu, st->cores[k]->online ? "true" : "false");
		if (st->cores[k]->has_busy_permille)
			printf(", \"busy\": %.1f", st->cores[k]->busy_permille / 10.0);
		printf("}");
	}
	printf("], \"devices\": [");
	for (size_t k = 0; k < st->n_devices; k++) {
		printf("%s", k ? ", " : "");
		json_string(stdout, st->devices[k]->name);
	}
	printf("], \"guests\": [");
	for (size_t k = 0; k < st->n_guests; k++) {
		printf("%s{\"name\": ", k ? ", " : "");
		json_string(stdout, st->guests[k]->name);
		printf(", \"state\": ");
		json_string(stdout, guest_state_name(st->guests[k]->state));
		printf(", \"vcpus\": %" PRIu32 ", \"memory\": %" PRIu64 ", \"cpu\": %.1f}",
		    st->guests[k]->vcpus, st->guests[k]->memory_bytes,
		    st->guests[k]->cpu_permille / 10.0);
	}
	printf("], \"channels\": [");
	for (size_t k = 0; k < st->n_channels; k++) {
		const Mint__Channel *c = st->channels[k];
		printf("%s{\"peer\": %" PRIu32 ", \"tx_messages\": %" PRIu64 ", \"rx_messages\": %"
		    PRIu64 ", \"tx_bytes\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"errors\": %" PRIu64
		    "}", k ? ", " : "", c->peer, c->tx_messages, c->rx_messages, c->tx_bytes, c->rx_bytes,
		    c->errors);
	}
	printf("]}\n");
}

static int
cmd_status_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct node_view v;
	Mint__Envelope *env;
	Mint__NodeStatus *st;
	char cause[256], *end;
	unsigned long node = strtoul(argv[0], &end, 10);

	if (*argv[0] == '\0' || *end != '\0' || node >= ctx->region.layout.nodes)
		return cmd_error("status: no node '%s' (this region has nodes 0 to %u)", argv[0],
		    ctx->region.layout.nodes - 1);
	if (node_read(&ctx->region, (unsigned)node, &v) < 0)
		return cmd_error("node %lu: its entry holds an impossible state", node);
	if (snapshot_read(&ctx->region, (unsigned)node, &env, cause, sizeof(cause)) < 0)
		return cmd_error("%s", cause);
	st = env->status;
	if (ctx->json) {
		print_json(st, &v);
	} else {
		printf("node %" PRIu32 " (%s): %s, epoch %" PRIu32 ", heartbeat %" PRIu64 "\n", st->node,
		    st->hostname ? st->hostname : "?", node_state_name(v.state), v.epoch, v.heartbeat);
		printf("load %.2f %.2f %.2f; memory %.1f of %.1f GiB used, %.1f GiB movable\n",
		    st->load1_centi / 100.0, st->load5_centi / 100.0, st->load15_centi / 100.0,
		    st->mem_used_bytes / 1073741824.0, st->mem_total_bytes / 1073741824.0,
		    st->mem_movable_bytes / 1073741824.0);
		if (st->has_mem_assigned_bytes)
			printf("memory blocks the table gives it: %.2f GiB\n",
			    st->mem_assigned_bytes / 1073741824.0);
		printf("cores: %s\n", st->mode == MINT__CORE_MODE__CORES_CPUSET ? "a cpuset of this host" :
		    st->mode == MINT__CORE_MODE__CORES_SYNTHETIC ? "synthetic" : "its kernel's own");
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
	wire_free(env);
	return 0;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "NODE [--json]",
	.help = "Show one node's status: load, memory, cores and their use, guests.",
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_JSON,
	.exec = cmd_status_exec,
};
