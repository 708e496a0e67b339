/* mint-console format: write a fresh region layout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"

static int
parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end != '\0')
		return -EINVAL;
	*v = n;
	return 0;
}

static int
cmd_format_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct region_params p;
	struct mint_layout l;
	uint64_t total, v;
	char cause[256];

	region_params_default(&p);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL || parse_size(eq + 1, &v) < 0 || v > UINT32_MAX)
			return cmd_error("format: '%s' is not KEY=NUMBER", argv[i]);
		*eq = '\0';
		if (strcmp(argv[i], "nodes") == 0) p.nodes = (uint32_t)v;
		else if (strcmp(argv[i], "ring") == 0) p.ring_data = (uint32_t)v;
		else if (strcmp(argv[i], "streams") == 0) p.stream_count = (uint32_t)v;
		else if (strcmp(argv[i], "stream") == 0) p.stream_data = (uint32_t)v;
		else if (strcmp(argv[i], "resources") == 0) p.res_count = (uint32_t)v;
		else
			return cmd_error("format: unknown setting '%s' (nodes, ring, streams, stream, "
			    "resources)", argv[i]);
	}
	if (region_layout(&p, &l, &total, cause, sizeof(cause)) < 0)
		return cmd_error("format: %s", cause);
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

const struct cmd_entry cmd_format_entry = {
	.name = "format",
	.usage = "[nodes=N] [ring=BYTES] [streams=N] [stream=BYTES] [resources=N]",
	.help = "Write a fresh layout over the region (every node must be stopped).",
	.min_args = 0,
	.max_args = 5,
	.flags = CMD_NOREGION,
	.exec = cmd_format_exec,
};
