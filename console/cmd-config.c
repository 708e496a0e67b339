/* mint-console config check FILE: validate a machine description, touching nothing. */
#include <errno.h>
#include <inttypes.h>

#include "console/cmd.h"
#include "machine/machine.h"

static int
config_check(struct cmd_ctx *ctx, struct args *a)
{
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	const char *file = a->pos[0];
	struct machine m;
	struct machine_totals t;
	char cause[256];
	int rc;

	if (a->npos != 1)
		return cmd_fail(CMD_USAGE, "usage: config check FILE");
	/* the validator machine start and machine check use */
	if ((rc = machine_load(file, &m, cause, sizeof(cause))) < 0) {
		if (!out_json(o) || rc != -EINVAL)
			return cmd_error("%s: %s", file, cause);
		out_begin(o, NULL);
		out_str(o, "file", OUT_NOTEXT, file);
		out_bool(o, "ok", OUT_NOTEXT, 0);
		out_str(o, "error", OUT_NOTEXT, cause);
		out_end(o);
		return 1;
	}
	machine_totals(&m, &t);
	out_begin(o, NULL);
	out_str(o, "file", OUT_NOTEXT, file);
	out_bool(o, "ok", OUT_NOTEXT, 1);
	out_uint(o, "nodes", OUT_NOTEXT, m.nodes);
	out_uint(o, "slots", OUT_NOTEXT, m.slots);
	out_uint(o, "cores", OUT_NOTEXT, t.cores);
	out_uint(o, "memory", OUT_NOTEXT, t.memory);
	out_uint(o, "block", OUT_NOTEXT, m.block);
	out_uint(o, "devices", OUT_NOTEXT, t.devices);
	out_str(o, "region", OUT_NOTEXT, m.region);
	out_end(o);
	out_text(o, "%s: fine: %u nodes (%u slots), %u cores, %" PRIu64 " MiB in blocks of %"
	    PRIu64 " MiB, %u devices; region %s", file, m.nodes, m.slots, t.cores, t.memory >> 20,
	    m.block >> 20, t.devices, m.region);
	out_line(o);
	return 0;
}

static const struct cmd_verb config_verbs[] = {
	{ "check", "FILE [--json]", "Validate a machine description (what machine start reads) "
	  "without touching anything: every node, core, memory block and device, the spare ones, "
	  "the region.", { .max_pos = 1, .unknown = "usage: config check FILE" }, 0, config_check, CMPL_FILE },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.usage = "check FILE [--json]",
	.help = "Validate a machine description (what machine start reads) without touching "
	    "anything: every node, core, memory block and device, the spare ones, the region.",
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_JSON | CMD_NOREGION,
	.verbs = config_verbs,
};
