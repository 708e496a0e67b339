/* mint-console resources: every core, memory block and device, its owner and state. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "shm/resource.h"

/* The kind a word names (cpu, mem, dev), else MINT_RES_NONE. */
static uint32_t
res_kind_of(const char *word)
{
	for (uint32_t k = MINT_RES_CPU; k <= MINT_RES_DEV; k++)
		if (strcmp(word, res_kind_name(k)) == 0)
			return k;
	return MINT_RES_NONE;
}

/* The first slot of the table that holds nothing, or UINT32_MAX. */
static unsigned
res_free_slot(const struct mint_region *r)
{
	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct res_view v;

		if (res_read(r, i, &v) == 0 && v.kind == MINT_RES_NONE)
			return i;
	}
	return UINT32_MAX;
}

/*
 * resources define cpu N | mem BLOCK --addr A --size S | dev NAME [--owner N]:
 * an entry in a free slot of the table, for a region that format left empty
 * (a machine description fills it at machine start instead).
 */
static int
res_define_run(struct cmd_ctx *ctx, struct args *a)
{
	unsigned owner = (unsigned)args_u64(a, "--owner", MINT_NO_NODE), slot;
	uint64_t addr = args_u64(a, "--addr", 0), size = args_u64(a, "--size", 0);
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	uint32_t kind, index = 0;
	const char *id;
	int rc;

	if (a->npos < 2)
		return cmd_fail(CMD_USAGE, "usage: resources define cpu N | mem BLOCK --addr A --size S | "
		    "dev NAME [--owner NODE]");
	/* the only console command that writes the region itself */
	if (cmd_region_writable(ctx, "resources define") != 0)
		return 1;
	if ((kind = res_kind_of(a->pos[0])) == MINT_RES_NONE)
		return cmd_fail(CMD_USAGE, "resources define: kind '%s' is not cpu, mem or dev", a->pos[0]);
	id = a->pos[1];
	if (kind != MINT_RES_DEV) {
		char *end;
		unsigned long long v = strtoull(id, &end, 0);

		if (*id < '0' || *id > '9' || *end != '\0' || v > UINT32_MAX)
			return cmd_fail(CMD_USAGE, "resources define: '%s' is not a number", id);
		index = (uint32_t)v;
	}
	if (kind == MINT_RES_MEM && size == 0)
		return cmd_fail(CMD_USAGE, "resources define: a memory block needs --addr and --size");
	if ((kind == MINT_RES_DEV ? res_find_name(&ctx->region, kind, id) :
	    res_find(&ctx->region, kind, index)) >= 0)
		return cmd_fail(CMD_REFUSED, "resources define: %s %s is in the table already", a->pos[0], id);
	if ((slot = res_free_slot(&ctx->region)) == UINT32_MAX)
		return cmd_fail(CMD_REFUSED, "resources define: the table is full (format resources=N)");
	if ((rc = res_define(&ctx->region, slot, kind, index, addr, size,
	    kind == MINT_RES_DEV ? id : NULL, owner)) < 0)
		return cmd_error("resources define: %s", strerror(-rc));
	out_begin(o, NULL);
	out_uint(o, "entry", OUT_NOTEXT, slot);
	out_end(o);
	out_text(o, "entry %u: %s %s, %s", slot, a->pos[0], id, owner == MINT_NO_NODE ? "free" :
	    "owned");
	out_line(o);
	return 0;
}

/* One entry's row: a line of the table, an object of the JSON list. */
static void
res_row(struct out *o, unsigned i, const struct res_view *v)
{
	out_begin(o, NULL);
	out_uint(o, "entry", -5, i);
	out_str(o, "kind", -4, res_kind_name(v->kind));
	if (v->kind == MINT_RES_DEV)
		out_str(o, "id", -8, v->name);
	else
		out_uint(o, "id", -8, v->index);
	out_str(o, "state", -10, res_state_name(v->state));
	cmd_out_node(o, "owner", -5, v->owner, "-");
	cmd_out_node(o, "peer", -5, v->peer, "-");
	out_uint(o, "gen", -8, v->gen);
	out_uint(o, "owner_epoch", OUT_NOTEXT, v->owner_epoch);
	out_uint(o, "peer_epoch", OUT_NOTEXT, v->peer_epoch);
	if (v->kind == MINT_RES_MEM || v->kind == MINT_RES_POOL) {
		out_uint(o, "base", OUT_NOTEXT, v->base);
		out_uint(o, "size", OUT_NOTEXT, v->size);
		out_text(o, " %" PRIu64 " MiB at %s0x%" PRIx64, v->size >> 20,
		    v->kind == MINT_RES_POOL ? "pool offset " : "", v->base);
	}
	/* a pool extent's guest, whose RAM it holds (or held when its node died) */
	if (v->kind == MINT_RES_POOL && (v->state == MINT_RS_OWNED || v->state == MINT_RS_FENCED) &&
	    v->name[0] != '\0') {
		out_str(o, "guest", OUT_NOTEXT, v->name);
		out_text(o, ", guest %s", v->name);
	}
	out_end(o);
}

static int
cmd_resources_run(struct cmd_ctx *ctx, struct args *a)
{
	static const struct out_col cols[] = {
		{ "ENTRY", -5 }, { "KIND", -4 }, { "ID", -8 }, { "STATE", -10 }, { "OWNER", -5 },
		{ "PEER", -5 }, { "GEN", -8 }, { "DETAIL", 0 },
	};
	const char *kind = args_str(a, "--kind", NULL);
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	int shown = 0;

	out_table(o, NULL, cols, 8);
	for (unsigned i = 0; i < ctx->region.layout.res_count; i++) {
		struct res_view v;

		if (res_read(&ctx->region, i, &v) < 0) {
			out_text(o, "%-5u damaged entry", i);
			out_line(o);
			continue;
		}
		if (v.kind == MINT_RES_NONE || (kind != NULL && strcmp(kind, res_kind_name(v.kind)) != 0))
			continue;
		shown++;
		res_row(o, i, &v);
	}
	out_list_end(o);
	if (shown == 0) {
		out_text(o, "(no resources: the machine description gave none)");
		out_line(o);
	}
	return 0;
}

static const char *const res_kinds[] = { "cpu", "mem", "dev", "pool", NULL };

static const struct args_opt cmd_resources_opts[] = {
	{ "--kind", ARGS_CHOICE, 0, 0, "resources: kind '%s' is not cpu, mem, dev or pool", res_kinds },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template cmd_resources_args = {
	.opts = cmd_resources_opts,
	.unknown = "resources: unknown argument %s",
};

static const struct args_opt res_define_opts[] = {
	{ "--owner", ARGS_NODE, 0, 0, "resources define: node '%s' is not in this region (0 to %u)",
	  NULL },
	{ "--addr", ARGS_ADDR, 0, 0, "resources define: --addr '%s' is not a size", NULL },
	{ "--size", ARGS_ADDR, 0, 0, "resources define: --size '%s' is not a size", NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct cmd_verb res_verbs[] = {
	{ "define", "cpu N | mem BLOCK --addr A --size S | dev NAME [--owner NODE] [--json]",
	  "Add a core, a memory block or a device to the resource table of a region that format "
	  "left empty (a machine description fills it at machine start instead); free unless "
	  "--owner gives it to a node.",
	  { .opts = res_define_opts, .max_pos = 2, .unknown = "resources define: unknown option %s",
	    .missing = "resources define: %s needs a value" }, 0, res_define_run, CMPL_NONE },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

const struct cmd_entry cmd_resources_entry = {
	.name = "resources",
	.alias = "res",
	.usage = "[--kind cpu|mem|dev|pool] [--json] | define cpu N|mem BLOCK --addr A --size S|dev NAME "
	    "[--owner NODE]",
	.help = "List every core, memory block and device in the resource table: state, owner, "
	    "the other side of a move (peer), generation. define adds one to a region that format "
	    "left empty.",
	.min_args = 0,
	.max_args = 9,
	.flags = CMD_JSON,
	.verbs = res_verbs,
	.args = &cmd_resources_args,
	.run = cmd_resources_run,
};
