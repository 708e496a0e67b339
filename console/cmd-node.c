/*
 * mint-console node boot|shutdown|reboot|reclaim: a node's life. Boot goes to
 * the local agent (any node may boot another); shutdown and reboot go to the
 * node itself; reclaim to the local agent, for a node that is dead.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cpulist.h"
#include "console/cmd.h"
#include "common/parse.h"
#include "shm/node.h"

static int
report(struct cmd_ctx *ctx, unsigned node, Mint__Envelope *r)
{
	if (ctx->json) {
		printf("{\"node\":%u,\"ok\":true,\"message\":", node);
		json_string(stdout, r->reply->message);
		printf("}\n");
	} else {
		printf("%s\n", r->reply->message ? r->reply->message : "done");
	}
	wire_free(r);
	return 0;
}

static int
node_reclaim(struct cmd_ctx *ctx, int argc, char **argv)
{
	Mint__Envelope *r;
	Mint__Command c;
	unsigned n = 0;

	if (argc != 1)
		return cmd_error("usage: node reclaim NODE");
	if (cmd_node_arg(argv[0], &n) != 0)
		return 1;
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_RECLAIM;
	c.has_to_node = 1, c.to_node = n;
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	return report(ctx, n, r);
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
		char *at = strchr(tok, '@'), *end;
		uint64_t size;

		if (at == NULL || *n >= max)
			return -EINVAL;
		*at = '\0';
		if (parse_size(tok, &size) < 0 || size == 0)
			return -EINVAL;
		mint__mem_range__init(&ranges[*n]);
		ranges[*n].has_bytes = 1, ranges[*n].bytes = size;
		ranges[*n].has_addr = 1, ranges[*n].addr = strtoull(at + 1, &end, 0);
		if (*end != '\0' && parse_size(at + 1, &ranges[*n].addr) < 0)
			return -EINVAL;
		ptrs[*n] = &ranges[*n];
		(*n)++;
	}
	return *n > 0 ? 0 : -EINVAL;
}

static int
node_boot(struct cmd_ctx *ctx, int argc, char **argv)
{
	static Mint__MemRange ranges[64], *rptr[64];
	static uint32_t cpus[CPULIST_MAX];
	static char *devs[64], devbuf[1024];
	uint64_t bits[CPULIST_WORDS] = { 0 };
	Mint__Envelope *r;
	Mint__Command c;
	Mint__Boot b;
	unsigned n = 0;
	size_t nm = 0, nd = 0, nc = 0;
	int timeout = ctx->timeout_ms;

	mint__command__init(&c);
	mint__boot__init(&b);
	if (argc < 1 || cmd_node_arg(argv[0], &n) != 0)
		return argc < 1 ? cmd_error("usage: node boot NODE --kernel IMAGE --cpus LIST ...") : 1;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--dry-run") == 0) {
			c.has_dry_run = 1, c.dry_run = 1;
			continue;
		}
		if (val == NULL)
			return cmd_error("node boot: %s needs a value", opt);
		i++;
		if (strcmp(opt, "--kernel") == 0) {
			b.kernel = (char *)val;
		} else if (strcmp(opt, "--initrd") == 0) {
			b.initrd = (char *)val;
		} else if (strcmp(opt, "--append") == 0) {
			b.append = (char *)val;
		} else if (strcmp(opt, "--cpus") == 0) {
			if (cpulist_parse(val, bits) < 0)
				return cmd_error("node boot: --cpus '%s' is not a core list like 4-5,7", val);
		} else if (strcmp(opt, "--mem") == 0) {
			if (parse_mem(val, ranges, rptr, 64, &nm) < 0)
				return cmd_error("node boot: --mem '%s' is not SIZE@ADDR[,SIZE@ADDR...], like "
				    "512M@0x140000000", val);
		} else if (strcmp(opt, "--devices") == 0) {
			snprintf(devbuf, sizeof(devbuf), "%s", val);
			for (char *s, *d = strtok_r(devbuf, ",", &s); d != NULL && nd < 64;
			    d = strtok_r(NULL, ",", &s))
				devs[nd++] = d;
		} else {
			return cmd_error("node boot: unknown option %s", opt);
		}
	}
	for (unsigned cpu = 0; cpu < CPULIST_MAX; cpu++)
		if (cpulist_has(bits, cpu))
			cpus[nc++] = cpu;
	b.n_cpus = nc, b.cpus = cpus;
	b.n_mem = nm, b.mem = rptr;
	b.n_devices = nd, b.devices = devs;
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_BOOT;
	c.has_to_node = 1, c.to_node = n;
	c.boot = &b;
	/* the agent answers once the node heartbeats, or gives up */
	ctx->timeout_ms = timeout > 120000 ? timeout : 120000;
	if (!ctx->json && !c.dry_run)
		fprintf(stderr, "booting node %u...\n", n);
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	return report(ctx, n, r);
}

static int
node_shutdown(struct cmd_ctx *ctx, int argc, char **argv)
{
	Mint__Envelope *r;
	Mint__Command c;
	unsigned n = 0;

	if (argc < 1 || argc > 2 || (argc == 2 && strcmp(argv[1], "--force") != 0))
		return cmd_error("usage: node shutdown NODE [--force]");
	if (cmd_node_arg(argv[0], &n) != 0)
		return 1;
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_SHUTDOWN;
	c.has_node = 1, c.node = n;
	c.has_force = 1, c.force = argc == 2;
	if (ctx->timeout_ms < 30000)
		ctx->timeout_ms = 30000;	/* guests get time to stop */
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	return report(ctx, n, r);
}

/* Reboot through kexec, then follow the node until it is back with a new epoch. */
static int
node_reboot(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct node_view v0, v;
	struct timespec t0, t1, tw;
	Mint__Envelope *r;
	Mint__Command c;
	unsigned n = 0;
	int back_ms;

	if (argc != 1 || cmd_node_arg(argv[0], &n) != 0)
		return argc != 1 ? cmd_error("usage: node reboot NODE") : 1;
	if (cmd_open_region(ctx) != 0)
		return 1;
	if (n >= ctx->region.layout.nodes || node_read(&ctx->region, n, &v0) < 0)
		return cmd_error("no node %u in this region", n);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_NODE_REBOOT;
	c.has_node = 1, c.node = n;
	if (ctx->timeout_ms < 30000)
		ctx->timeout_ms = 30000;	/* the node loads its kernel first */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cmd_ask_agent(ctx, &c, &r) != 0)
		return 1;
	if (!ctx->json)
		fprintf(stderr, "%s\n", r->reply->message);
	wire_free(r);
	/* a slow machine (a VM under emulation) may take longer: -t above 60 s */
	back_ms = ctx->timeout_ms > 60000 ? ctx->timeout_ms : 60000;
	clock_gettime(CLOCK_MONOTONIC, &tw);
	for (;;) {
		struct timespec ts = { 0, 50000000 };

		if (node_read(&ctx->region, n, &v) == 0 && v.state == MINT_NODE_ONLINE &&
		    v.epoch != v0.epoch) {
			double s;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
			if (ctx->json) {
				printf("{\"node\":%u,\"ok\":true,\"old_epoch\":%" PRIu32 ",\"epoch\":%" PRIu32
				    ",\"seconds\":%.3f}\n", n, v0.epoch, v.epoch, s);
			} else {
				printf("node %u is back: epoch %" PRIu32 " (was %" PRIu32 "), in %.1f s\n", n,
				    v.epoch, v0.epoch, s);
			}
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - tw.tv_sec) * 1000 + (t1.tv_nsec - tw.tv_nsec) / 1000000 >= back_ms)
			break;
		nanosleep(&ts, NULL);
	}
	return cmd_error("node %u did not come back within %d s (epoch still %" PRIu32 ")", n,
	    back_ms / 1000, v0.epoch);
}

/* One table for the node subcommands. */
static const struct {
	const char *name;
	int (*fn)(struct cmd_ctx *ctx, int argc, char **argv);
} node_cmds[] = {
	{ "boot", node_boot },
	{ "shutdown", node_shutdown },
	{ "reboot", node_reboot },
	{ "reclaim", node_reclaim },
};

static int
cmd_node_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(node_cmds) / sizeof(node_cmds[0]); i++)
		if (strcmp(argv[0], node_cmds[i].name) == 0)
			return node_cmds[i].fn(ctx, argc - 1, argv + 1);
	return cmd_error("node: '%s' is not boot, shutdown, reboot or reclaim", argv[0]);
}

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
	.exec = cmd_node_exec,
};
