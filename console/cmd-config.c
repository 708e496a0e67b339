/* mint-console config check FILE: validate a machine description, touching nothing. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "console/cmd.h"
#include "machine/machine.h"

static int
cmd_config_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine m;
	struct machine_totals t;
	char cause[256];
	int rc;

	(void)argc;
	if (strcmp(argv[0], "check") != 0)
		return cmd_error("config: '%s' is not check", argv[0]);
	/* the validator machine start and machine check use */
	if ((rc = machine_load(argv[1], &m, cause, sizeof(cause))) < 0) {
		if (!ctx->json || rc != -EINVAL)
			return cmd_error("%s: %s", argv[1], cause);
		printf("{\"file\":");
		json_string(stdout, argv[1]);
		printf(",\"ok\":false,\"error\":");
		json_string(stdout, cause);
		printf("}\n");
		return 1;
	}
	machine_totals(&m, &t);
	if (ctx->json) {
		printf("{\"file\":");
		json_string(stdout, argv[1]);
		printf(",\"ok\":true,\"nodes\":%u,\"slots\":%u,\"cores\":%u,\"memory\":%" PRIu64
		    ",\"block\":%" PRIu64 ",\"devices\":%u,\"region\":", m.nodes, m.slots, t.cores,
		    t.memory, m.block, t.devices);
		json_string(stdout, m.region);
		printf("}\n");
	} else {
		printf("%s: fine: %u nodes (%u slots), %u cores, %" PRIu64 " MiB in blocks of %" PRIu64
		    " MiB, %u devices; region %s\n", argv[1], m.nodes, m.slots, t.cores, t.memory >> 20,
		    m.block >> 20, t.devices, m.region);
	}
	return 0;
}

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.usage = "check FILE [--json]",
	.help = "Validate a machine description (what machine start reads) without touching "
	    "anything: every node, core, memory block and device, the spare ones, the region.",
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_JSON | CMD_NOREGION,
	.exec = cmd_config_exec,
};
