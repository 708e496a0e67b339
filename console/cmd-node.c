/*
 * mint-console node boot|shutdown|reboot|reclaim: a node's life. Boot goes to
 * the local agent (any node may boot another); shutdown and reboot go to the
 * node itself; reclaim to the local agent, for a node that is dead.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/cpulist.h"
#include "common/parse.h"
#include "console/cmd.h"
#include "shm/node.h"

/* The node a verb's one argument names: 0, or 1 said (usage when there is not one). */
static int
node_arg(struct args *a, const char *usage, unsigned *n)
{
	if (a->npos != 1)
		return cmd_fail(CMD_USAGE, "%s", usage);
	return cmd_node_arg(a->pos[0], n);
}

static int
node_reclaim(struct cmd_ctx *ctx, struct args *a)
{
	Mint__Command c;
	unsigned n = 0;
	int rc;

	if ((rc = node_arg(a, "usage: node reclaim NODE", &n)) != 0)
		return rc;
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_RECLAIM;
	c.has_to_node = 1, c.to_node = n;
	return cmd_ask_report(ctx, &c, n);
}

/* SIZE@ADDR[,SIZE@ADDR...] into ranges. */
static int
parse_mem(const char *arg, Mint__MemRange *ranges, Mint__MemRange **ptrs, size_t max, size_t *n)
{
	char buf[512], *save, *tok;

	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *at = strchr(tok, '@');
		uint64_t size;

		if (at == NULL || *n >= max)
			return -EINVAL;
		*at = '\0';
		if (parse_size(tok, &size) < 0 || size == 0)
			return -EINVAL;
		mint__mem_range__init(&ranges[*n]);
		ranges[*n].has_bytes = 1, ranges[*n].bytes = size;
		ranges[*n].has_addr = 1;
		if (args_addr(at + 1, &ranges[*n].addr) < 0)
			return -EINVAL;
		ptrs[*n] = &ranges[*n];
		(*n)++;
	}
	return *n > 0 ? 0 : -EINVAL;
}

/* --cpus, --mem and --devices into b: 0, or 1 said. */
static int
boot_resources(struct args *a, Mint__Boot *b)
{
	static Mint__MemRange ranges[64], *rptr[64];
	static uint32_t cpus[CPULIST_MAX];
	static char *devs[64], devbuf[1024];
	uint64_t bits[CPULIST_WORDS] = { 0 };
	const char *val;
	size_t nm = 0, nd = 0, nc = 0;

	if ((val = args_str(a, "--cpus", NULL)) != NULL && cpulist_parse(val, bits) < 0)
		return cmd_fail(CMD_USAGE, "node boot: --cpus '%s' is not a core list like 4-5,7", val);
	if ((val = args_str(a, "--mem", NULL)) != NULL && parse_mem(val, ranges, rptr, 64, &nm) < 0)
		return cmd_fail(CMD_USAGE, "node boot: --mem '%s' is not SIZE@ADDR[,SIZE@ADDR...], like "
		    "512M@0x140000000", val);
	if ((val = args_str(a, "--devices", NULL)) != NULL) {
		snprintf(devbuf, sizeof(devbuf), "%s", val);
		for (char *s, *d = strtok_r(devbuf, ",", &s); d != NULL && nd < 64;
		    d = strtok_r(NULL, ",", &s))
			devs[nd++] = d;
	}
	for (unsigned cpu = 0; cpu < CPULIST_MAX; cpu++)
		if (cpulist_has(bits, cpu))
			cpus[nc++] = cpu;
	b->n_cpus = nc, b->cpus = cpus;
	b->n_mem = nm, b->mem = rptr;
	b->n_devices = nd, b->devices = devs;
	return 0;
}

static int
node_boot(struct cmd_ctx *ctx, struct args *a)
{
	Mint__Command c;
	Mint__Boot b;
	unsigned n = 0;
	int timeout = ctx->timeout_ms, rc;

	mint__command__init(&c);
	mint__boot__init(&b);
	if (a->npos < 1)
		return cmd_fail(CMD_USAGE, "usage: node boot NODE --kernel IMAGE --cpus LIST ...");
	if ((rc = cmd_node_arg(a->pos[0], &n)) != 0 || (rc = boot_resources(a, &b)) != 0)
		return rc;
	if (args_has(a, "--dry-run"))
		c.has_dry_run = 1, c.dry_run = 1;
	b.kernel = (char *)args_str(a, "--kernel", NULL);
	b.initrd = (char *)args_str(a, "--initrd", NULL);
	b.append = (char *)args_str(a, "--append", NULL);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_BOOT;
	c.has_to_node = 1, c.to_node = n;
	c.boot = &b;
	/* the agent answers once the node heartbeats, or gives up */
	ctx->timeout_ms = timeout > 120000 ? timeout : 120000;
	if (!ctx->json && !c.dry_run)
		fprintf(stderr, "booting node %u...\n", n);
	return cmd_ask_report(ctx, &c, n);
}

static int
node_shutdown(struct cmd_ctx *ctx, struct args *a)
{
	Mint__Command c;
	unsigned n = 0;
	int rc;

	if ((rc = node_arg(a, "usage: node shutdown NODE [--force]", &n)) != 0)
		return rc;
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_SHUTDOWN;
	c.has_node = 1, c.node = n;
	c.has_force = 1, c.force = args_has(a, "--force");
	if (ctx->timeout_ms < 30000)
		ctx->timeout_ms = 30000;	/* guests get time to stop */
	return cmd_ask_report(ctx, &c, n);
}

/* The node is back with a new epoch: say so, in seconds since t0. */
static void
reboot_report(struct cmd_ctx *ctx, unsigned n, uint32_t old_epoch, uint32_t epoch, uint64_t t0)
{
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	double s = (double)(clock_mono_ns() - t0) / 1e9;

	out_begin(o, NULL);
	out_uint(o, "node", OUT_NOTEXT, n);
	out_bool(o, "ok", OUT_NOTEXT, 1);
	out_uint(o, "old_epoch", OUT_NOTEXT, old_epoch);
	out_uint(o, "epoch", OUT_NOTEXT, epoch);
	out_float(o, "seconds", OUT_NOTEXT, 3, s);
	out_end(o);
	out_text(o, "node %u is back: epoch %" PRIu32 " (was %" PRIu32 "), in %.1f s", n, epoch,
	    old_epoch, s);
	out_line(o);
}

/* Reboot through kexec, then follow the node until it is back with a new epoch. */
static int
node_reboot(struct cmd_ctx *ctx, struct args *a)
{
	struct node_view v0, v;
	Mint__Envelope *r;
	Mint__Command c;
	uint64_t t0;
	int64_t tw;
	unsigned n = 0;
	int back_ms, rc;

	if ((rc = node_arg(a, "usage: node reboot NODE", &n)) != 0)
		return rc;
	if (cmd_open_region(ctx) != 0)
		return 1;
	if (n >= ctx->region.layout.nodes || node_read(&ctx->region, n, &v0) < 0)
		return cmd_fail(CMD_USAGE, "no node %u in this region", n);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_REBOOT;
	c.has_node = 1, c.node = n;
	if (ctx->timeout_ms < 30000)
		ctx->timeout_ms = 30000;	/* the node loads its kernel first */
	t0 = clock_mono_ns();
	if ((rc = cmd_ask_agent(ctx, &c, &r)) != 0)
		return rc;
	if (!ctx->json)
		fprintf(stderr, "%s\n", r->reply->message);
	wire_free(r);
	/* a slow machine (a VM under emulation) may take longer: -t above 60 s */
	back_ms = ctx->timeout_ms > 60000 ? ctx->timeout_ms : 60000;
	tw = clock_mono_ms();
	for (;;) {
		struct timespec ts = { 0, 50000000 };

		if (node_read(&ctx->region, n, &v) == 0 && v.state == MINT_NODE_ONLINE &&
		    v.epoch != v0.epoch) {
			reboot_report(ctx, n, v0.epoch, v.epoch, t0);
			return 0;
		}
		if (clock_mono_ms() - tw >= back_ms)
			break;
		nanosleep(&ts, NULL);
	}
	return cmd_fail(CMD_TIMEDOUT, "node %u did not come back within %d s (epoch still %" PRIu32
	    ")", n, back_ms / 1000, v0.epoch);
}

static const struct args_opt node_boot_opts[] = {
	{ "--dry-run", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--kernel", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--initrd", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--append", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--cpus", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--mem", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--devices", ARGS_STRING, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_opt node_shutdown_opts[] = {
	{ "--force", ARGS_FLAG, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct cmd_verb node_verbs[] = {
	{ "boot", "NODE --kernel IMAGE [--initrd FILE] [--append ARGS] --cpus LIST "
	  "[--mem SIZE@ADDR[,...]] [--devices LIST] [--dry-run] [--json]",
	  "Check the request against the resource table (every problem at once), reserve, "
	  "kexec --load, run the start hook, wait for the node's heartbeat (--dry-run: every "
	  "check, nothing reserved or run).",
	  { .opts = node_boot_opts, .max_pos = 1, .unknown = "node boot: unknown option %s",
	    .missing = "node boot: %s needs a value" }, 0, node_boot, CMPL_NODE },
	{ "shutdown", "NODE [--force] [--json]",
	  "The node stops (refused while guests run, unless --force stops them) and frees what "
	  "it had.", { .opts = node_shutdown_opts, .max_pos = 1,
	  .unknown = "usage: node shutdown NODE [--force]" }, 0, node_shutdown, CMPL_NODE },
	{ "reboot", "NODE [--json]", "Reboot the node in place through kexec; waits for its new "
	  "epoch.", { .max_pos = 1, .unknown = "usage: node reboot NODE" }, 0, node_reboot, CMPL_NODE },
	{ "reclaim", "NODE [--json]", "Free a dead node's resources (refused while it heartbeats).",
	  { .max_pos = 1, .unknown = "usage: node reclaim NODE" }, 0, node_reclaim, CMPL_NODE },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

static const char *const node_full_only[] = { "shutdown", "reclaim", NULL };

const struct cmd_entry cmd_node_entry = {
	.name = "node",
	.usage = "boot NODE --kernel IMAGE [--initrd FILE] [--append ARGS] --cpus LIST "
	    "[--mem SIZE@ADDR[,...]] [--devices LIST] [--dry-run] | shutdown NODE [--force] | "
	    "reboot NODE | "
	    "reclaim NODE [--json]",
	.help = "A node's life. boot: check the request against the resource table (every problem "
	    "at once), reserve, kexec --load, run the start hook, wait for its heartbeat (--dry-run: "
	    "every check, nothing reserved or run). shutdown: "
	    "the node stops (refused while guests run, unless --force stops them) and frees what it "
	    "had. reboot: in place through kexec; waits for the new epoch. reclaim: free a dead "
	    "node's resources (refused while it heartbeats).",
	.min_args = 2,
	.max_args = 16,
	.flags = CMD_JSON | CMD_NOREGION,
	.full_name_only = node_full_only,
	.verbs = node_verbs,
};
