/* mint-console config check FILE: validate a machine description, touching nothing. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "console/machine.h"

static int
cmd_config_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine m;
	char *text, cause[256];
	unsigned cores = 0, devices = 0;
	uint64_t memory = 0;
	FILE *f;
	long n;

	if (strcmp(argv[0], "check") != 0)
		return cmd_error("config: '%s' is not check", argv[0]);
	if ((f = fopen(argv[1], "r")) == NULL)
		return cmd_error("%s: cannot read it", argv[1]);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || n > 1 << 20 || (text = calloc(1, (size_t)n + 1)) == NULL) {
		fclose(f);
		return cmd_error("%s: too large for a machine description", argv[1]);
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(text);
		return cmd_error("%s: read error", argv[1]);
	}
	fclose(f);
	if (machine_parse(text, &m, cause, sizeof(cause)) < 0) {
		free(text);
		if (ctx->json) {
			printf("{\"file\":");
			json_string(stdout, argv[1]);
			printf(",\"ok\":false,\"error\":");
			json_string(stdout, cause);
			printf("}\n");
			return 1;
		}
		return cmd_error("%s: %s", argv[1], cause);
	}
	free(text);
	if (strncmp(m.region, "file:", 5) != 0 && strncmp(m.region, "dev:", 4) != 0 &&
	    strncmp(m.region, "pci:", 4) != 0 && strncmp(m.region, "memfd:", 6) != 0)
		return cmd_error("%s: region '%s' is not file:PATH, dev:PATH, pci:PATH or memfd:NAME",
		    argv[1], m.region);
	for (unsigned i = 0; i < m.nodes; i++) {
		for (unsigned c = 0; c < MACHINE_MAX_CORES; c++)
			cores += machine_core(&m.node[i], c);
		memory += m.node[i].memory;
		devices += (unsigned)m.node[i].ndevices;
	}
	if (ctx->json) {
		printf("{\"file\":");
		json_string(stdout, argv[1]);
		printf(",\"ok\":true,\"nodes\":%u,\"slots\":%u,\"cores\":%u,\"memory\":%" PRIu64
		    ",\"block\":%" PRIu64 ",\"devices\":%u,\"region\":", m.nodes, m.slots, cores, memory,
		    m.block, devices);
		json_string(stdout, m.region);
		printf("}\n");
	} else {
		printf("%s: fine: %u nodes (%u slots), %u cores, %" PRIu64 " MiB in blocks of %" PRIu64
		    " MiB, %u devices; region %s\n", argv[1], m.nodes, m.slots, cores, memory >> 20,
		    m.block >> 20, devices, m.region);
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
