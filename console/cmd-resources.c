/* mint-console resources: every core, memory block and device, its owner and state. */
#include <inttypes.h>
#include <string.h>

#include "console/cmd.h"
#include "shm/resource.h"

static void
json_node(unsigned n)
{
	if (n == MINT_NO_NODE)
		printf("null");
	else
		printf("%u", n);
}

static int
cmd_resources_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *kind = NULL;
	int first = 1, shown = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
			kind = argv[++i];
		else
			return cmd_error("resources: unknown argument %s", argv[i]);
	}
	if (kind != NULL && strcmp(kind, "cpu") != 0 && strcmp(kind, "mem") != 0 &&
	    strcmp(kind, "dev") != 0)
		return cmd_error("resources: kind '%s' is not cpu, mem or dev", kind);
	if (ctx->json)
		printf("[");
	else
		printf("%-5s %-4s %-8s %-10s %-5s %-5s %-8s %s\n", "ENTRY", "KIND", "ID", "STATE",
		    "OWNER", "PEER", "GEN", "DETAIL");
	for (unsigned i = 0; i < ctx->region.layout.res_count; i++) {
		struct res_view v;
		char id[48], owner[8], peer[8];

		if (res_read(&ctx->region, i, &v) < 0) {
			if (!ctx->json)
				printf("%-5u damaged entry\n", i);
			continue;
		}
		if (v.kind == MINT_RES_NONE || (kind != NULL && strcmp(kind, res_kind_name(v.kind)) != 0))
			continue;
		shown++;
		if (ctx->json) {
			printf("%s{\"entry\":%u,\"kind\":\"%s\",\"id\":", first ? "" : ",", i,
			    res_kind_name(v.kind));
			if (v.kind == MINT_RES_DEV)
				json_string(stdout, v.name);
			else
				printf("%u", v.index);
			printf(",\"state\":\"%s\",\"owner\":", res_state_name(v.state));
			json_node(v.owner);
			printf(",\"peer\":");
			json_node(v.peer);
			printf(",\"gen\":%" PRIu32 ",\"owner_epoch\":%" PRIu32 ",\"peer_epoch\":%" PRIu32,
			    v.gen, v.owner_epoch, v.peer_epoch);
			if (v.kind == MINT_RES_MEM)
				printf(",\"base\":%" PRIu64 ",\"size\":%" PRIu64, v.base, v.size);
			printf("}");
			first = 0;
			continue;
		}
		if (v.kind == MINT_RES_DEV)
			snprintf(id, sizeof(id), "%s", v.name);
		else
			snprintf(id, sizeof(id), "%u", v.index);
		snprintf(owner, sizeof(owner), v.owner == MINT_NO_NODE ? "-" : "%u", v.owner);
		snprintf(peer, sizeof(peer), v.peer == MINT_NO_NODE ? "-" : "%u", v.peer);
		printf("%-5u %-4s %-8s %-10s %-5s %-5s %-8" PRIu32, i, res_kind_name(v.kind), id,
		    res_state_name(v.state), owner, peer, v.gen);
		if (v.kind == MINT_RES_MEM)
			printf(" %" PRIu64 " MiB at 0x%" PRIx64, v.size >> 20, v.base);
		printf("\n");
	}
	if (ctx->json)
		printf("]\n");
	else if (shown == 0)
		printf("(no resources: the machine description gave none)\n");
	return 0;
}

const struct cmd_entry cmd_resources_entry = {
	.name = "resources",
	.alias = "res",
	.usage = "[--kind cpu|mem|dev] [--json]",
	.help = "List every core, memory block and device in the resource table: state, owner, "
	    "the other side of a move (peer), generation.",
	.min_args = 0,
	.max_args = 2,
	.flags = CMD_JSON,
	.exec = cmd_resources_exec,
};
