/*
 * mint-console format: write a fresh region layout. Refused while the region
 * is in use (a node heartbeats, a process maps it) unless --force; on a
 * terminal it asks before wiping a layout.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/parse.h"
#include "console/cmd.h"
#include "shm/node.h"

/* A process of this host that maps the region's file or device: its pid, else 0. */
static pid_t
format_mapper(const char *spec, char *comm, size_t len)
{
	char real[PATH_MAX], path[64], line[PATH_MAX + 128];
	const char *p;
	enum region_kind kind;
	struct dirent *de;
	pid_t found = 0;
	size_t rl;
	DIR *dir;

	if ((p = region_spec_path(spec, &kind)) == NULL || realpath(p, real) == NULL)
		return 0;
	rl = strlen(real);
	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (de = readdir(dir)) != NULL) {
		pid_t pid = (pid_t)atoi(de->d_name);
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]) || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
		if ((f = fopen(path, "re")) == NULL)
			continue;	/* gone, or not ours to read */
		while (found == 0 && fgets(line, sizeof(line), f) != NULL) {
			size_t n = strcspn(line, "\n");
			/* the path is the last field; a deleted file is another file */
			if (n > rl && strncmp(line + n - rl, real, rl) == 0 && line[n - rl - 1] == ' ')
				found = pid;
		}
		fclose(f);
	}
	closedir(dir);
	snprintf(comm, len, "?");
	if (found != 0) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)found);
		if ((f = fopen(path, "re")) != NULL) {
			if (fgets(comm, (int)len, f) != NULL)
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return found;
}

/*
 * Is the region in use? A node whose heartbeat moves within a second (on any
 * kernel), or a process of this host that maps it. 1 with the reason in why,
 * else 0; *laid_out says whether it holds a layout to lose.
 */
static int
format_in_use(const char *spec, int *laid_out, char *why, size_t len)
{
	struct mint_region r;
	struct node_view v;
	uint64_t hb[MINT_MAX_NODES];
	int watch[MINT_MAX_NODES], nwatch = 0, live = 0;
	char cause[256], comm[64];
	pid_t pid;

	*laid_out = 0;
	if (region_map(&r, spec, 0, 0, cause, sizeof(cause)) == 0) {
		if (region_attach(&r, cause, sizeof(cause)) == 0) {
			*laid_out = 1;
			for (unsigned i = 0; i < r.layout.nodes && i < MINT_MAX_NODES; i++)
				if (node_read(&r, i, &v) == 0 && (v.state == MINT_NODE_ONLINE ||
				    v.state == MINT_NODE_BOOTING || v.state == MINT_NODE_STOPPING)) {
					hb[i] = v.heartbeat;
					watch[nwatch++] = (int)i;
				}
			/* a node table entry may be stale (a crash): only a moving heartbeat counts */
			for (int t = 0; t < 20 && nwatch > 0 && !live; t++) {
				struct timespec ts = { 0, 50000000 };

				nanosleep(&ts, NULL);
				for (int k = 0; k < nwatch && !live; k++)
					if (node_read(&r, (unsigned)watch[k], &v) == 0 &&
					    v.heartbeat != hb[watch[k]]) {
						snprintf(why, len, "node %d heartbeats (%s, epoch %u)", watch[k],
						    node_state_name(v.state), v.epoch);
						live = 1;
					}
			}
		}
		region_unmap(&r);
	}
	if (!live && (pid = format_mapper(spec, comm, sizeof(comm))) > 0) {
		snprintf(why, len, "%s (pid %d) maps it", comm, (int)pid);
		live = 1;
	}
	return live;
}

/* On a terminal: does the operator mean it? */
static int
format_confirmed(const char *spec)
{
	char line[16];

	fprintf(stderr, "format %s: every node's table entry, resource and ring is lost. "
	    "Type yes to go on: ", spec);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	return strcmp(line, "yes\n") == 0 || strcmp(line, "yes") == 0;
}

/* KEY=NUMBER settings over the defaults in p. */
static int
format_settings(struct args *a, struct region_params *p)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "nodes", offsetof(struct region_params, nodes) },
		{ "ring", offsetof(struct region_params, ring_data) },
		{ "streams", offsetof(struct region_params, stream_count) },
		{ "stream", offsetof(struct region_params, stream_data) },
		{ "resources", offsetof(struct region_params, res_count) },
	};

	for (int i = 0; i < a->npos; i++) {
		const char *kv = a->pos[i], *eq = strchr(kv, '=');
		size_t k = 0;
		uint64_t v;

		if (eq == NULL || parse_size(eq + 1, &v) < 0 || v > UINT32_MAX)
			return cmd_error("format: '%s' is not KEY=NUMBER", kv);
		while (k < sizeof(keys) / sizeof(keys[0]) && (strncmp(keys[k].key, kv, (size_t)(eq - kv))
		    != 0 || keys[k].key[eq - kv] != '\0'))
			k++;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return cmd_error("format: unknown setting '%.*s' (nodes, ring, streams, stream, "
			    "resources)", (int)(eq - kv), kv);
		*(uint32_t *)((char *)p + keys[k].off) = (uint32_t)v;
	}
	return 0;
}

static int
cmd_format_run(struct cmd_ctx *ctx, struct args *a)
{
	struct region_params p;
	struct mint_layout l;
	uint64_t total;
	char cause[256], why[256];
	int force = args_has(a, "--force"), laid_out, rc;

	region_params_default(&p);
	if ((rc = format_settings(a, &p)) != 0)
		return rc;
	if (region_layout(&p, &l, &total, cause, sizeof(cause)) < 0)
		return cmd_error("format: %s", cause);
	if (format_in_use(ctx->region_spec, &laid_out, why, sizeof(why)) && !force)
		return cmd_error("format: %s is in use: %s. Stop the machine first (or --force, which "
		    "wipes it under the running nodes)", ctx->region_spec, why);
	if (laid_out && !force && isatty(0) && !format_confirmed(ctx->region_spec))
		return cmd_error("format: not confirmed; %s is untouched", ctx->region_spec);
	if (region_map(&ctx->region, ctx->region_spec, total, REGION_CREATE, cause, sizeof(cause)) < 0 &&
	    region_map(&ctx->region, ctx->region_spec, 0, 0, cause, sizeof(cause)) < 0)
		return cmd_error("%s: %s", ctx->region_spec, cause);
	ctx->mapped = 1;
	if (region_format(&ctx->region, &p, cause, sizeof(cause)) < 0)
		return cmd_error("format: %s", cause);
	printf("formatted %s: %u nodes, %llu bytes, generation %u\n", ctx->region_spec, p.nodes,
	    (unsigned long long)total, ctx->region.generation);
	return 0;
}

static const struct args_opt cmd_format_opts[] = {
	{ "--force", ARGS_FLAG, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template cmd_format_args = {
	.opts = cmd_format_opts,
	.max_pos = ARGS_MAX_POS,
	.unknown = "format: '%s' is not KEY=NUMBER",
};

static const char *const format_full_only[] = { "", NULL };

const struct cmd_entry cmd_format_entry = {
	.name = "format",
	.usage = "[nodes=N] [ring=BYTES] [streams=N] [stream=BYTES] [resources=N] [--force]",
	.help = "Write a fresh layout over the region. Refused while it is in use (a node whose "
	    "heartbeat moves, a process of this host that maps it) unless --force; on a terminal, "
	    "asks before wiping a layout (--force does not ask). Only under its full name.",
	.min_args = 0,
	.max_args = 6,
	.flags = CMD_NOREGION,
	.full_name_only = format_full_only,
	.args = &cmd_format_args,
	.run = cmd_format_run,
};
