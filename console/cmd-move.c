/*
 * mint-console cpu|mem|dev move: hand a core, memory or a device to another
 * node. The request goes to the node that has it (its agent runs the
 * hand-over); while it runs, the console follows the entry in the table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console/client.h"
#include "console/cmd.h"
#include "common/parse.h"
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

	if (res_read(&f->ctx->region, f->res, &v) < 0 || v.word == f->word)
		return;
	f->word = v.word;
	if (f->ctx->json)
		return;
	if (v.state == MINT_RS_FREE)
		fprintf(stderr, "  %s: free\n", f->what);
	else if (v.peer != MINT_NO_NODE && v.state != MINT_RS_OWNED)
		fprintf(stderr, "  %s: %s by node %u (with node %u)\n", f->what,
		    res_state_name(v.state), v.owner, v.peer);
	else
		fprintf(stderr, "  %s: %s by node %u\n", f->what, res_state_name(v.state), v.owner);
}

static int
move_node_arg(const struct cmd_ctx *ctx, const char *s, unsigned *node)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n >= ctx->region.layout.nodes)
		return cmd_error("'%s' is not a node of this machine (0 to %u)", s,
		    ctx->region.layout.nodes - 1);
	*node = (unsigned)n;
	return 0;
}

/* --dry-run: the agents check everything and change nothing. */
static int dry_run;
/* mem move SIZE --dry-run: what the blocks before this one would have taken */
static uint64_t dry_gone;

/* Move entry res to node `to`; 0 when it moved. */
static int
move_one(struct cmd_ctx *ctx, unsigned res, unsigned to)
{
	static const Mint__CommandKind kinds[] = {
		[MINT_RES_CPU] = MINT__COMMAND_KIND__CMD_CPU_MOVE,
		[MINT_RES_MEM] = MINT__COMMAND_KIND__CMD_MEM_MOVE,
		[MINT_RES_DEV] = MINT__COMMAND_KIND__CMD_DEV_MOVE,
	};
	struct follow f = { ctx, res, 0, NULL };
	struct res_view v, after;
	struct timespec t0, t1;
	Mint__Envelope *r;
	Mint__Command c;
	char what[64], cause[256];
	unsigned from;
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
		return cmd_error("%s is %s by node %u: wait for it to settle%s", what,
		    res_state_name(v.state), v.owner, v.state == MINT_RS_FENCED ?
		    " (fenced: `mint-console node reclaim` the dead node)" : "");
	if (v.state == MINT_RS_OWNED && v.owner == to)
		return cmd_error("%s is on node %u already", what, to);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = kinds[v.kind];
	c.has_node = 1, c.node = from;
	c.has_resource = 1, c.resource = res;
	c.has_to_node = 1, c.to_node = to;
	c.has_dry_run = dry_run, c.dry_run = dry_run;
	c.has_dry_run_gone = dry_run && dry_gone > 0, c.dry_run_gone = dry_gone;
	if (!ctx->json && !dry_run)
		fprintf(stderr, v.state == MINT_RS_FREE ? "giving free %s to node %u...\n" :
		    "moving %s from node %u to node %u...\n", what, v.state == MINT_RS_FREE ? to : from,
		    to);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = client_request_tick(ctx->socket_path, &c, timeout, 50, follow_tick, &f, &r, cause,
	    sizeof(cause));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	follow_tick(&f);
	if (rc < 0)
		return cmd_error("%s", cause);
	rc = r->reply->error;
	res_read(&ctx->region, res, &after);
	if (ctx->json) {
		printf("{\"resource\":");
		json_string(stdout, what);
		printf(",\"kind\":\"%s\",\"entry\":%u,\"from\":", res_kind_name(v.kind), res);
		if (v.state == MINT_RS_FREE)
			printf("null");
		else
			printf("%u", v.owner);
		printf(",\"to\":%u,\"ok\":%s,\"error\":%d,\"state\":\"%s\",\"owner\":", to,
		    rc == 0 ? "true" : "false", rc, res_state_name(after.state));
		if (after.owner == MINT_NO_NODE)
			printf("null");
		else
			printf("%u", after.owner);
		printf(",\"seconds\":%.3f,\"message\":", (t1.tv_sec - t0.tv_sec) +
		    (t1.tv_nsec - t0.tv_nsec) / 1e9);
		json_string(stdout, r->reply->message);
		printf("}\n");
	} else if (rc == 0) {
		printf("%s\n", r->reply->message ? r->reply->message : "moved");
	}
	if (rc != 0 && !ctx->json)
		cmd_error("%s", r->reply->message ? r->reply->message : strerror(-rc));
	wire_free(r);
	return rc == 0 ? 0 : 1;
}

/* "--to N", "--from N" and "--dry-run" among the arguments; the rest left in place. */
static int
options(struct cmd_ctx *ctx, int *argc, char **argv, int *to, int *from)
{
	int n = 0;

	*to = *from = -1;
	for (int i = 0; i < *argc; i++) {
		unsigned node = 0;
		if ((strcmp(argv[i], "--to") == 0 || strcmp(argv[i], "--from") == 0) && i + 1 < *argc) {
			if (move_node_arg(ctx, argv[i + 1], &node) != 0)
				return 2;
			*(argv[i][2] == 't' ? to : from) = (int)node;
			i++;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = 1;
		} else if (strncmp(argv[i], "--", 2) == 0) {
			return cmd_error("unknown option %s", argv[i]) + 1;
		} else {
			argv[n++] = argv[i];
		}
	}
	*argc = n;
	if (*to < 0)
		return cmd_error("where to? (--to NODE)") + 1;
	return 0;
}

static int
cmd_cpu_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	int to, from, i;
	char *end;
	unsigned long cpu;

	if (strcmp(argv[0], "move") != 0)
		return cmd_error("cpu: '%s' is not move", argv[0]);
	argc--, argv++;
	if ((i = options(ctx, &argc, argv, &to, &from)) != 0)
		return i;
	if (argc != 1 || (cpu = strtoul(argv[0], &end, 10), *argv[0] == '\0' || *end != '\0'))
		return cmd_error("cpu move: give one core number");
	if ((i = res_find(&ctx->region, MINT_RES_CPU, (uint32_t)cpu)) < 0)
		return cmd_error("cpu %lu: no such core in the machine (mint-console resources)", cpu);
	return move_one(ctx, (unsigned)i, (unsigned)to);
}

static int
cmd_dev_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	int to, from, i;

	if (strcmp(argv[0], "move") != 0)
		return cmd_error("dev: '%s' is not move", argv[0]);
	argc--, argv++;
	if ((i = options(ctx, &argc, argv, &to, &from)) != 0)
		return i;
	if (argc != 1)
		return cmd_error("dev move: give one device name");
	if ((i = res_find_name(&ctx->region, MINT_RES_DEV, argv[0])) < 0)
		return cmd_error("device %s: no such device in the machine (mint-console resources)",
		    argv[0]);
	return move_one(ctx, (unsigned)i, (unsigned)to);
}

/*
 * mem move SIZE --from N --to M: whole blocks that N owns, highest first;
 * mem move BLOCK --to M: that block. Blocks move one by one; the first that
 * cannot stops the rest, and what moved stays moved (each move is whole).
 */
static int
cmd_mem_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned list[1024], n = 0;
	uint64_t size = 0, got = 0;
	int to, from, i, rc = 0;
	char *end;
	const char *arg;

	if (strcmp(argv[0], "move") != 0)
		return cmd_error("mem: '%s' is not move", argv[0]);
	argc--, argv++;
	if ((i = options(ctx, &argc, argv, &to, &from)) != 0)
		return i;
	if (argc != 1)
		return cmd_error("mem move: give one SIZE (like 256M) or one block number");
	arg = argv[0];
	strtoull(arg, &end, 10);
	if (*arg != '\0' && *end == '\0') {
		unsigned long blk = strtoul(arg, NULL, 10);
		struct res_view v;

		if ((i = res_find(&ctx->region, MINT_RES_MEM, (uint32_t)blk)) < 0)
			return cmd_error("memory block %lu: no such block (mint-console resources)", blk);
		if (from >= 0 && res_read(&ctx->region, (unsigned)i, &v) == 0 &&
		    (v.state != MINT_RS_OWNED || v.owner != (unsigned)from))
			return cmd_error("memory block %lu is not node %d's", blk, from);
		return move_one(ctx, (unsigned)i, (unsigned)to);
	}
	if (parse_size(arg, &size) < 0 || size == 0)
		return cmd_error("mem move: '%s' is neither a size (256M, 1G) nor a block number", arg);
	if (from < 0)
		return cmd_error("mem move %s: from which node? (--from NODE)", arg);
	/* the highest blocks first, as a kernel gives up the top of its memory */
	for (unsigned k = ctx->region.layout.res_count; k-- > 0 && got < size;) {
		struct res_view v;
		if (res_read(&ctx->region, k, &v) < 0 || v.kind != MINT_RES_MEM ||
		    v.state != MINT_RS_OWNED || v.owner != (unsigned)from)
			continue;
		if (n < sizeof(list) / sizeof(list[0]))
			list[n++] = k;
		got += v.size;
	}
	if (got != size)
		return cmd_error("mem move %s: node %d %s", arg, from, got < size ?
		    "does not own that much" : "has no blocks that add up to exactly that (see "
		    "mint-console resources --kind mem)");
	for (unsigned k = 0; k < n && rc == 0; k++) {
		struct res_view v;

		/* a dry run checks each block as if those before it had gone: the floor is theirs too */
		if ((rc = move_one(ctx, list[k], (unsigned)to)) != 0 && k > 0)
			cmd_error(dry_run ? "mem move %s --dry-run: %u of %u blocks would move before this "
			    "one (to node %d); nothing was done" : "mem move %s: %u of %u blocks moved "
			    "before this one; they stay on node %d", arg, k, n, to);
		if (dry_run && res_read(&ctx->region, list[k], &v) == 0)
			dry_gone += v.size;
	}
	return rc;
}

const struct cmd_entry cmd_cpu_entry = {
	.name = "cpu",
	.usage = "move CPU --to NODE [--dry-run] [--json]",
	.help = "Move core CPU from the node that has it to NODE (or give a free one to NODE). "
	    "Shows each step; refuses cpu 0 and a node's last core. --dry-run: every check, nothing "
	    "moved.",
	.min_args = 2,
	.max_args = 6,
	.flags = CMD_JSON,
	.exec = cmd_cpu_exec,
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
	.exec = cmd_mem_exec,
};

const struct cmd_entry cmd_dev_entry = {
	.name = "dev",
	.usage = "move DEVICE --to NODE [--dry-run] [--json]",
	.help = "Move DEVICE to NODE; refused while a running guest uses it. --dry-run: every "
	    "check, nothing moved.",
	.min_args = 2,
	.max_args = 6,
	.flags = CMD_JSON,
	.exec = cmd_dev_exec,
};
