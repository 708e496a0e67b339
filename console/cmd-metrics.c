/* mint-console metrics: the whole machine for Prometheus (view/metrics.c). */
#include "console/cmd.h"
#include "view/metrics.h"

static int
cmd_metrics_run(struct cmd_ctx *ctx, struct args *a)
{
	(void)a;
	metrics_write(stdout, &ctx->region);
	return 0;
}

static const struct args_template cmd_metrics_args = {
	.unknown = "usage: metrics",
};

const struct cmd_entry cmd_metrics_entry = {
	.name = "metrics",
	.usage = "",
	.help = "The whole machine in the Prometheus text format, dead nodes too: node states, "
	    "epochs, heartbeat ages, resources per owner, cores, load, memory, guests, rings, "
	    "tunnels.",
	.min_args = 0,
	.max_args = 0,
	.args = &cmd_metrics_args,
	.run = cmd_metrics_run,
};
