/* mint-console top: a live view of every node, or plain text for scripts (-b). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console/cmd.h"
#include "console/top.h"
#include "shm/node.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

static int
cmd_top_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct top_model m;
	int batch = 0, count = -1, delay_ms = 1000, sort = 0;
	char *end;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-b") == 0) {
			batch = 1;
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			count = (int)strtol(argv[++i], &end, 10);
			if (*end != '\0' || count < 1)
				return cmd_error("top: -n takes a number of updates, 1 or more");
		} else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			double d = strtod(argv[++i], &end);
			if (*end != '\0' || d < 0.05 || d > 3600)
				return cmd_error("top: -d takes seconds, from 0.05 to 3600");
			delay_ms = (int)(d * 1000);
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			if ((sort = top_column_find(argv[++i])) < 0)
				return cmd_error("top: no column '%s'", argv[i]);
		} else {
			return cmd_error("top: unknown option '%s' (mint-console top --help)", argv[i]);
		}
	}
	if (!batch && !isatty(STDOUT_FILENO))
		batch = 1;	/* like top(1) in a pipe: plain text */
	top_model_init(&m, &ctx->region);
	m.sort = sort;
	if (!batch) {
		int rc = top_view_run(&m, delay_ms);
		top_model_free(&m);
		return rc;
	}
	for (int n = 0; count < 0 || n < count; n++) {
		struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000 };
		if (n > 0)
			nanosleep(&ts, NULL);
		top_model_sample(&m, now_ns());
		print_batch(&m);
	}
	top_model_free(&m);
	return 0;
}

const struct cmd_entry cmd_top_entry = {
	.name = "top",
	.usage = "[-b] [-n COUNT] [-d SECONDS] [-o COLUMN]",
	.help = "Live view of every node: state, epoch, heartbeat age, cores and their use, load, "
	    "memory, guests. -b prints plain text (COUNT times, every SECONDS); keys: h for help.",
	.min_args = 0,
	.max_args = 7,
	.flags = 0,
	.exec = cmd_top_exec,
};
