/*
 * mint-console cpu|mem|dev move: hand a core, memory or a device to another
 * node. The request goes to the node that has it (its agent runs the
 * hand-over); while it runs, the console follows the entry in the table.
 */
#include <inttypes.h>
#include <string.h>

#include "common/clock.h"
#include "common/parse.h"
#include "console/client.h"
#include "console/cmd.h"
#include "shm/resource.h"

struct follow {
	struct cmd_ctx *ctx;
	unsigned res;
	uint64_t word;		/* as last shown */
	const char *what;
};

/* Show each change of the entry while the move runs (stderr: stdout is the result). */
static void
follow_tick(void *arg)
{
	struct follow *f = arg;
	struct res_view v;
	char w[96];

	if (res_read(&f->ctx->region, f->res, &v) < 0 || v.word == f->word)
		return;
	f->word = v.word;
	if (f->ctx->json)
		return;
	res_where(&v, 1, w, sizeof(w));
	fprintf(stderr, "  %s: %s\n", f->what, w);
}

/* One move request as the command line gave it. */
struct move_req {
	unsigned to;
	int from;		/* -1: not given */
	int dry_run;		/* the agents check everything and change nothing */
	uint64_t dry_gone;	/* mem move SIZE --dry-run: what the blocks before this one took */
};

/* The result of a move: a JSON object, or (text) the agent's message; a refusal on stderr. */
static int
move_report(struct cmd_ctx *ctx, unsigned res, const struct res_view *v, const char *what,
    unsigned to, Mint__Envelope *r, double seconds)
{
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	struct res_view after;
	int rc = r->reply->error;

	res_read(&ctx->region, res, &after);
	out_begin(o, NULL);
	out_str(o, "resource", OUT_NOTEXT, what);
	out_str(o, "kind", OUT_NOTEXT, res_kind_name(v->kind));
	out_uint(o, "entry", OUT_NOTEXT, res);
	cmd_out_node(o, "from", OUT_NOTEXT, v->state == MINT_RS_FREE ? MINT_NO_NODE : v->owner, NULL);
	out_uint(o, "to", OUT_NOTEXT, to);
	out_bool(o, "ok", OUT_NOTEXT, rc == 0);
	out_int(o, "error", OUT_NOTEXT, rc);
	out_str(o, "state", OUT_NOTEXT, res_state_name(after.state));
	cmd_out_node(o, "owner", OUT_NOTEXT, after.owner, NULL);
	out_float(o, "seconds", OUT_NOTEXT, 3, seconds);
	out_str(o, "message", OUT_NOTEXT, r->reply->message);
	out_end(o);
	if (rc == 0)
		cmd_reply_text(o, r, "moved");
	else
		cmd_say(cmd_status_of(rc, 1), "%s", r->reply->message ? r->reply->message :
		    strerror(-rc));
	wire_free(r);
	return cmd_status_of(rc, 1);
}

/* Move entry res to node req->to; 0 when it moved. */
static int
move_one(struct cmd_ctx *ctx, const struct move_req *req, unsigned res)
{
	static const Mint__CommandKind kinds[] = {
		[MINT_RES_CPU] = MINT__COMMAND_KIND__CMD_CPU_MOVE,
		[MINT_RES_MEM] = MINT__COMMAND_KIND__CMD_MEM_MOVE,
		[MINT_RES_DEV] = MINT__COMMAND_KIND__CMD_DEV_MOVE,
	};
	struct follow f = { ctx, res, 0, NULL };
	unsigned to = req->to, from;
	struct res_view v;
	Mint__Envelope *r;
	Mint__Command c;
	char what[64], cause[256];
	uint64_t t0;
	int rc, timeout = ctx->timeout_ms > 60000 ? ctx->timeout_ms : 60000;

	if (res_read(&ctx->region, res, &v) < 0)
		return cmd_error("resource %u: damaged entry", res);
	res_describe(&v, what, sizeof(what));
	f.what = what;
	f.word = v.word;
	if (v.state == MINT_RS_OWNED)
		from = v.owner;
	else if (v.state == MINT_RS_FREE)
		from = to;	/* the receiver claims a free one itself */
	else
		return cmd_fail(CMD_REFUSED, "%s is %s by node %u: wait for it to settle%s", what,
		    res_state_name(v.state), v.owner, v.state == MINT_RS_FENCED ?
		    " (fenced: `mint-console node reclaim` the dead node)" : "");
	if (v.state == MINT_RS_OWNED && v.owner == to)
		return cmd_fail(CMD_REFUSED, "%s is on node %u already", what, to);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = kinds[v.kind];
	c.has_node = 1, c.node = from;
	c.has_resource = 1, c.resource = res;
	c.has_to_node = 1, c.to_node = to;
	c.has_dry_run = req->dry_run, c.dry_run = req->dry_run;
	c.has_dry_run_gone = req->dry_run && req->dry_gone > 0, c.dry_run_gone = req->dry_gone;
	if (!ctx->json && !req->dry_run)
		fprintf(stderr, v.state == MINT_RS_FREE ? "giving free %s to node %u...\n" :
		    "moving %s from node %u to node %u...\n", what, v.state == MINT_RS_FREE ? to : from,
		    to);
	t0 = clock_mono_ns();
	rc = client_request_tick(ctx->socket_path, &c, timeout, 50, follow_tick, &f, &r, cause,
	    sizeof(cause));
	follow_tick(&f);
	if (rc < 0)
		return cmd_fail(cmd_status_of(rc, 0), "%s", cause);
	return move_report(ctx, res, &v, what, to, r, (double)(clock_mono_ns() - t0) / 1e9);
}

/* --to, --from and --dry-run into req; 0, or the exit status of a refusal said. */
static int
move_options(struct args *a, struct move_req *req)
{
	memset(req, 0, sizeof(*req));
	if (!args_has(a, "--to"))
		return cmd_fail(CMD_USAGE, "where to? (--to NODE)");
	req->to = (unsigned)args_u64(a, "--to", 0);
	req->from = args_has(a, "--from") ? (int)args_u64(a, "--from", 0) : -1;
	req->dry_run = args_has(a, "--dry-run");
	return 0;
}

static int
cpu_move(struct cmd_ctx *ctx, struct args *a)
{
	struct move_req req;
	unsigned long cpu;
	int i;

	if ((i = move_options(a, &req)) != 0)
		return i;
	if (a->npos != 1 || parse_uint(a->pos[0], UINT32_MAX, &cpu) < 0)
		return cmd_fail(CMD_USAGE, "cpu move: give one core number");
	if ((i = res_find(&ctx->region, MINT_RES_CPU, (uint32_t)cpu)) < 0)
		return cmd_fail(CMD_REFUSED, "cpu %lu: no such core in the machine (mint-console resources)", cpu);
	return move_one(ctx, &req, (unsigned)i);
}

static int
dev_move(struct cmd_ctx *ctx, struct args *a)
{
	struct move_req req;
	int i;

	if ((i = move_options(a, &req)) != 0)
		return i;
	if (a->npos != 1)
		return cmd_fail(CMD_USAGE, "dev move: give one device name");
	if ((i = res_find_name(&ctx->region, MINT_RES_DEV, a->pos[0])) < 0)
		return cmd_fail(CMD_REFUSED, "device %s: no such device in the machine (mint-console resources)",
		    a->pos[0]);
	return move_one(ctx, &req, (unsigned)i);
}

/*
 * mem move SIZE --from N --to M: whole blocks that N owns, highest first.
 * Blocks move one by one; the first that cannot stops the rest, and what
 * moved stays moved (each move is whole).
 */
static int
mem_move_size(struct cmd_ctx *ctx, struct move_req *req, const char *arg, uint64_t size)
{
	unsigned list[1024], n = 0;
	uint64_t got = 0;
	int rc = 0;

	/* the highest blocks first, as a kernel gives up the top of its memory */
	for (unsigned k = ctx->region.layout.res_count; k-- > 0 && got < size;) {
		struct res_view v;
		if (res_read(&ctx->region, k, &v) < 0 || v.kind != MINT_RES_MEM ||
		    v.state != MINT_RS_OWNED || v.owner != (unsigned)req->from)
			continue;
		if (n < sizeof(list) / sizeof(list[0]))
			list[n++] = k;
		got += v.size;
	}
	if (got != size)
		return cmd_fail(CMD_REFUSED, "mem move %s: node %d %s", arg, req->from, got < size ?
		    "does not own that much" : "has no blocks that add up to exactly that (see "
		    "mint-console resources --kind mem)");
	for (unsigned k = 0; k < n && rc == 0; k++) {
		struct res_view v;

		/* a dry run checks each block as if those before it had gone: the floor is theirs too */
		if ((rc = move_one(ctx, req, list[k])) != 0 && k > 0 && !req->dry_run)
			rc = CMD_PARTIAL;
		if (rc != 0 && k > 0)
			cmd_say(rc, req->dry_run ? "mem move %s --dry-run: %u of %u blocks would move before "
			    "this one (to node %u); nothing was done" : "mem move %s: %u of %u blocks moved "
			    "before this one; they stay on node %u", arg, k, n, req->to);
		if (req->dry_run && res_read(&ctx->region, list[k], &v) == 0)
			req->dry_gone += v.size;
	}
	return rc;
}

/* mem move SIZE --from N --to M, or mem move BLOCK --to M: that block. */
static int
mem_move(struct cmd_ctx *ctx, struct args *a)
{
	struct move_req req;
	unsigned long blk;
	uint64_t size = 0;
	const char *arg;
	int i;

	if ((i = move_options(a, &req)) != 0)
		return i;
	if (a->npos != 1)
		return cmd_fail(CMD_USAGE, "mem move: give one SIZE (like 256M) or one block number");
	arg = a->pos[0];
	if (parse_uint(arg, UINT32_MAX, &blk) == 0) {
		struct res_view v;

		if ((i = res_find(&ctx->region, MINT_RES_MEM, (uint32_t)blk)) < 0)
			return cmd_fail(CMD_REFUSED, "memory block %lu: no such block (mint-console resources)", blk);
		if (req.from >= 0 && res_read(&ctx->region, (unsigned)i, &v) == 0 &&
		    (v.state != MINT_RS_OWNED || v.owner != (unsigned)req.from))
			return cmd_fail(CMD_REFUSED, "memory block %lu is not node %d's", blk, req.from);
		return move_one(ctx, &req, (unsigned)i);
	}
	if (parse_size(arg, &size) < 0 || size == 0)
		return cmd_fail(CMD_USAGE, "mem move: '%s' is neither a size (256M, 1G) nor a block number", arg);
	if (req.from < 0)
		return cmd_fail(CMD_USAGE, "mem move %s: from which node? (--from NODE)", arg);
	return mem_move_size(ctx, &req, arg, size);
}

static const struct args_opt move_opts[] = {
	{ "--to", ARGS_NODE, 0, 0, NULL, NULL },
	{ "--from", ARGS_NODE, 0, 0, NULL, NULL },
	{ "--dry-run", ARGS_FLAG, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

#define MOVE_ARGS	{ .opts = move_opts, .max_pos = ARGS_MAX_POS, .unknown = "unknown option %s", \
	.missing = "%s needs a node" }

static const struct cmd_verb cpu_verbs[] = {
	{ "move", "CPU --to NODE [--dry-run] [--json]",
	  "Move core CPU from the node that has it to NODE (or give a free one to NODE). Shows "
	  "each step; refuses cpu 0 and a node's last core. --dry-run: every check, nothing moved.",
	  MOVE_ARGS, 0, cpu_move, CMPL_CPU },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

static const struct cmd_verb mem_verbs[] = {
	{ "move", "SIZE --from NODE --to NODE | BLOCK --to NODE [--dry-run] [--json]",
	  "Move whole memory blocks (SIZE like 256M, or one block number) between nodes, one "
	  "block at a time; a node keeps its memory floor. --dry-run: every check (for a SIZE, "
	  "each block as if those before it had gone), nothing moved.", MOVE_ARGS, 0, mem_move, CMPL_MEM },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

static const struct cmd_verb dev_verbs[] = {
	{ "move", "DEVICE --to NODE [--dry-run] [--json]",
	  "Move DEVICE to NODE; refused while a running guest uses it. --dry-run: every check, "
	  "nothing moved.", MOVE_ARGS, 0, dev_move, CMPL_DEV },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

const struct cmd_entry cmd_cpu_entry = {
	.name = "cpu",
	.usage = "move CPU --to NODE [--dry-run] [--json]",
	.help = "Move core CPU from the node that has it to NODE (or give a free one to NODE). "
	    "Shows each step; refuses cpu 0 and a node's last core. --dry-run: every check, nothing "
	    "moved.",
	.min_args = 2,
	.max_args = 6,
	.flags = CMD_JSON,
	.verbs = cpu_verbs,
};

const struct cmd_entry cmd_mem_entry = {
	.name = "mem",
	.usage = "move SIZE --from NODE --to NODE | move BLOCK --to NODE [--dry-run] [--json]",
	.help = "Move whole memory blocks (SIZE like 256M, or one block number) between nodes, "
	    "one block at a time; a node keeps its memory floor. --dry-run: every check (for a SIZE, "
	    "each block as if those before it had gone), nothing moved.",
	.min_args = 2,
	.max_args = 7,
	.flags = CMD_JSON,
	.verbs = mem_verbs,
};

const struct cmd_entry cmd_dev_entry = {
	.name = "dev",
	.usage = "move DEVICE --to NODE [--dry-run] [--json]",
	.help = "Move DEVICE to NODE; refused while a running guest uses it. --dry-run: every "
	    "check, nothing moved.",
	.min_args = 2,
	.max_args = 6,
	.flags = CMD_JSON,
	.verbs = dev_verbs,
};
