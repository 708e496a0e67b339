/* mint-console top: a live view of every node, or plain text for scripts (-b). */
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "console/cmd.h"
#include "view/snapshot.h"
#include "console/top.h"
#include "shm/node.h"

static void
print_batch(struct top_model *m)
{
	char line[1024], detail[4096];
	time_t t = time(NULL);
	int online = 0, dead = 0;

	for (int i = 0; i < m->nrows; i++) {
		online += m->rows[i].state == MINT_NODE_ONLINE && !m->rows[i].dead;
		dead += m->rows[i].dead;
	}
	strftime(line, sizeof(line), "%H:%M:%S", localtime(&t));
	printf("mint top - %s  %d nodes: %d online, %d dead  cores: %s\n\n", line, m->nrows, online,
	    dead, top_model_mode(m));
	top_format_header(line, sizeof(line));
	printf("%s\n", line);
	for (int i = 0; i < m->nrows; i++) {
		top_format_row(&m->rows[i], line, sizeof(line));
		printf("%s\n", line);
		top_format_detail(&m->rows[i], detail, sizeof(detail));
		if (detail[0] != '\0')
			printf("%s\n", detail);
	}
	for (int i = 0; i < m->nmoves; i++)
		printf("  moving: %s\n", m->moves[i]);
	printf("\n");
	fflush(stdout);
}

/* top -b --json: a sample a line (NDJSON), its nodes as nodes --json has them. */
static void
print_json(struct cmd_ctx *ctx)
{
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	struct snapshots s;

	snapshots_read(&ctx->region, &s);
	out_begin(o, NULL);
	out_time_now(o, "time", 0);
	out_list(o, "nodes");
	cmd_nodes_rows(o, &s);
	out_list_end(o);
	out_end(o);
	fflush(stdout);
	snapshots_free(&s);
}

static int
cmd_top_run(struct cmd_ctx *ctx, struct args *a)
{
	struct top_model m;
	int batch = args_has(a, "-b"), delay_ms = (int)args_u64(a, "-d", 1000), sort = 0;
	long count = args_has(a, "-n") ? (long)args_u64(a, "-n", 1) : -1;

	if (args_has(a, "-o") && (sort = top_column_find(args_str(a, "-o", ""))) < 0)
		return cmd_fail(CMD_USAGE, "top: no column '%s'", args_str(a, "-o", ""));
	if (!batch && (!isatty(STDOUT_FILENO) || ctx->json))
		batch = 1;	/* like top(1) in a pipe: plain text (or JSON) */
	top_model_init(&m, &ctx->region);
	m.sort = sort;
	if (!batch) {
		int rc = top_view_run(&m, delay_ms);
		top_model_free(&m);
		return rc;
	}
	for (long n = 0; count < 0 || n < count; n++) {
		struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000 };
		if (n > 0)
			nanosleep(&ts, NULL);
		if (ctx->json) {
			print_json(ctx);
			continue;
		}
		top_model_sample(&m, (int64_t)clock_mono_ns());
		print_batch(&m);
	}
	top_model_free(&m);
	return 0;
}

static const struct args_opt cmd_top_opts[] = {
	{ "-b", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "-n", ARGS_UINT, 1, 1000000000, "top: -n takes a number of updates, 1 or more", NULL },
	{ "-d", ARGS_SECONDS, 50, 3600000, "top: -d takes seconds, from 0.05 to 3600", NULL },
	{ "-o", ARGS_STRING, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template cmd_top_args = {
	.opts = cmd_top_opts,
	.unknown = "top: unknown option '%s' (mint-console top --help)",
};

const struct cmd_entry cmd_top_entry = {
	.name = "top",
	.usage = "[-b] [-n COUNT] [-d SECONDS] [-o COLUMN] [--json]",
	.help = "Live view of every node: state, epoch, heartbeat age, cores and their use, load, "
	    "memory, guests. -b prints plain text (COUNT times, every SECONDS); --json a JSON "
	    "object a line, each with the nodes as nodes --json has them; keys: h for help.",
	.min_args = 0,
	.max_args = 7,
	.flags = CMD_JSON,
	.args = &cmd_top_args,
	.run = cmd_top_run,
};
