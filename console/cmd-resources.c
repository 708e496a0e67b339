/* mint-console resources: every core, memory block and device, its owner and state. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "common/parse.h"
#include "shm/resource.h"

static void
json_node(unsigned n)
{
	if (n == MINT_NO_NODE)
		printf("null");
	else
		printf("%u", n);
}

/*
 * resources define cpu N | mem BLOCK --addr A --size S | dev NAME [--owner N]:
 * an entry in a free slot of the table, for a region that format left empty
 * (a machine description fills it at machine start instead).
 */
static int
res_define_cmd(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned owner = MINT_NO_NODE, slot = UINT32_MAX;
	uint64_t addr = 0, size = 0;
	uint32_t kind, index = 0;
	const char *id;
	char *end;
	int rc;

	if (argc < 2)
		return cmd_error("usage: resources define cpu N | mem BLOCK --addr A --size S | "
		    "dev NAME [--owner NODE]");
	/* the only console command that writes the region itself */
	if (cmd_region_writable(ctx, "resources define") != 0)
		return 1;
	kind = strcmp(argv[0], "cpu") == 0 ? MINT_RES_CPU : strcmp(argv[0], "mem") == 0 ?
	    MINT_RES_MEM : strcmp(argv[0], "dev") == 0 ? MINT_RES_DEV : MINT_RES_NONE;
	if (kind == MINT_RES_NONE)
		return cmd_error("resources define: kind '%s' is not cpu, mem or dev", argv[0]);
	id = argv[1];
	if (kind != MINT_RES_DEV) {
		unsigned long v = strtoul(id, &end, 0);
		if (*id == '\0' || *end != '\0' || v > UINT32_MAX)
			return cmd_error("resources define: '%s' is not a number", id);
		index = (uint32_t)v;
	}
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			return cmd_error("resources define: %s needs a value", o);
		i++;
		if (strcmp(o, "--owner") == 0) {
			unsigned long n = strtoul(v, &end, 10);
			if (*v == '\0' || *end != '\0' || n >= ctx->region.layout.nodes)
				return cmd_error("resources define: node '%s' is not in this region (0 to %u)",
				    v, ctx->region.layout.nodes - 1);
			owner = (unsigned)n;
		} else if (strcmp(o, "--addr") == 0 || strcmp(o, "--size") == 0) {
			uint64_t *dst = o[2] == 'a' ? &addr : &size;

			/* 0x100000000, or 128M */
			*dst = strtoull(v, &end, 0);
			if (*v == '\0' || (*end != '\0' && parse_size(v, dst) < 0))
				return cmd_error("resources define: %s '%s' is not a size", o, v);
		} else {
			return cmd_error("resources define: unknown option %s", o);
		}
	}
	if (kind == MINT_RES_MEM && size == 0)
		return cmd_error("resources define: a memory block needs --addr and --size");
	if ((kind == MINT_RES_DEV ? res_find_name(&ctx->region, kind, id) :
	    res_find(&ctx->region, kind, index)) >= 0)
		return cmd_error("resources define: %s %s is in the table already", argv[0], id);
	for (unsigned i = 0; i < ctx->region.layout.res_count && slot == UINT32_MAX; i++) {
		struct res_view v;
		if (res_read(&ctx->region, i, &v) == 0 && v.kind == MINT_RES_NONE)
			slot = i;
	}
	if (slot == UINT32_MAX)
		return cmd_error("resources define: the table is full (format resources=N)");
	if ((rc = res_define(&ctx->region, slot, kind, index, addr, size,
	    kind == MINT_RES_DEV ? id : NULL, owner)) < 0)
		return cmd_error("resources define: %s", strerror(-rc));
	if (ctx->json)
		printf("{\"entry\":%u}\n", slot);
	else
		printf("entry %u: %s %s, %s\n", slot, argv[0], id, owner == MINT_NO_NODE ? "free" :
		    "owned");
	return 0;
}

static int
cmd_resources_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *kind = NULL;
	int first = 1, shown = 0;

	if (argc > 0 && strcmp(argv[0], "define") == 0)
		return res_define_cmd(ctx, argc - 1, argv + 1);
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
	.usage = "[--kind cpu|mem|dev] [--json] | define cpu N|mem BLOCK --addr A --size S|dev NAME "
	    "[--owner NODE]",
	.help = "List every core, memory block and device in the resource table: state, owner, "
	    "the other side of a move (peer), generation. define adds one to a region that format "
	    "left empty.",
	.min_args = 0,
	.max_args = 9,
	.flags = CMD_JSON,
	.exec = cmd_resources_exec,
};
