/*
 * mint-console events: follow node and resource events as they happen, from
 * the region itself (the node table, the agents' verdicts on each other, the
 * resource table), one line each, or one JSON object a line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "console/cmd.h"
#include "console/top.h"
#include "shm/node.h"
#include "shm/resource.h"

struct seen {
	uint32_t state, epoch;
	int dead, known;
};

static void
stamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03ld", (long)(tv.tv_usec / 1000));
}

static void
node_event(const struct cmd_ctx *ctx, unsigned node, const char *what, uint32_t epoch)
{
	char t[32];

	stamp(t, sizeof(t));
	if (ctx->json)
		printf("{\"time\":\"%s\",\"type\":\"node\",\"node\":%u,\"event\":\"%s\",\"epoch\":%" PRIu32
		    "}\n", t, node, what, epoch);
	else
		printf("%s node %u %s (epoch %" PRIu32 ")\n", t, node, what, epoch);
	fflush(stdout);
}

static void
res_event(const struct cmd_ctx *ctx, const struct res_view *v)
{
	char t[32], what[64];

	stamp(t, sizeof(t));
	res_describe(v, what, sizeof(what));
	if (ctx->json) {
		printf("{\"time\":\"%s\",\"type\":\"resource\",\"resource\":", t);
		json_string(stdout, what);
		printf(",\"kind\":\"%s\",\"state\":\"%s\",\"owner\":", res_kind_name(v->kind),
		    res_state_name(v->state));
		if (v->owner == MINT_NO_NODE)
			printf("null");
		else
			printf("%u", v->owner);
		printf(",\"peer\":");
		if (v->peer == MINT_NO_NODE)
			printf("null");
		else
			printf("%u", v->peer);
		printf(",\"gen\":%" PRIu32 "}\n", v->gen);
	} else if (v->owner == MINT_NO_NODE) {
		printf("%s %s %s\n", t, what, res_state_name(v->state));
	} else {
		printf("%s %s %s by node %u%s\n", t, what, res_state_name(v->state), v->owner,
		    v->peer != MINT_NO_NODE && v->state != MINT_RS_OWNED ? " (moving)" : "");
	}
	fflush(stdout);
}

static int
cmd_events_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static struct seen nodes[MINT_MAX_NODES];
	static uint64_t words[65536];
	struct top_model m;
	long count = -1, got = 0;
	double timeout = 0, waited = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = strtod(argv[++i], NULL);
		else
			return cmd_error("events: unknown argument %s", argv[i]);
	}
	top_model_init(&m, &ctx->region);
	for (unsigned i = 0; i < ctx->region.layout.res_count && i < 65536; i++) {
		struct res_view v;
		words[i] = res_read(&ctx->region, i, &v) == 0 ? v.word : 0;
	}
	/* the state as it is now is the baseline; what changes from here is an event */
	for (int first = 1;; first = 0) {
		struct timespec ts = { 0, 100000000 };

		top_model_sample(&m, (int64_t)time(NULL) * 1000000000);
		for (int r = 0; r < m.nrows; r++) {
			const struct top_row *row = &m.rows[r];
			struct seen *s = &nodes[row->node];

			if (!first && s->known) {
				if (row->epoch != s->epoch && row->state == MINT_NODE_ONLINE)
					node_event(ctx, row->node, "online", row->epoch), got++;
				else if (row->state != s->state)
					node_event(ctx, row->node, node_state_name(row->state), row->epoch), got++;
				if (row->dead && !s->dead)
					node_event(ctx, row->node, "dead", row->epoch), got++;
			} else if (!first && !s->known) {
				node_event(ctx, row->node, node_state_name(row->state), row->epoch), got++;
			}
			s->state = row->state;
			s->epoch = row->epoch;
			s->dead = row->dead;
			s->known = 1;
		}
		for (unsigned i = 0; i < ctx->region.layout.res_count && i < 65536; i++) {
			struct res_view v;

			if (res_read(&ctx->region, i, &v) < 0 || v.word == words[i])
				continue;
			words[i] = v.word;
			if (v.kind != MINT_RES_NONE)
				res_event(ctx, &v), got++;
		}
		if (count >= 0 && got >= count)
			break;
		if (timeout > 0 && waited >= timeout) {
			top_model_free(&m);
			return count >= 0 ? cmd_error("events: %ld of %ld events within %.1f s", got, count,
			    timeout) : 0;
		}
		nanosleep(&ts, NULL);
		waited += 0.1;
	}
	top_model_free(&m);
	return 0;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.usage = "[-n COUNT] [--timeout SECONDS] [--json]",
	.help = "Follow node events (online, new epoch, stopping, absent, dead as the live nodes "
	    "judge it) and resource events (each change of owner or state) as they happen; stop "
	    "after COUNT events or SECONDS.",
	.min_args = 0,
	.max_args = 4,
	.flags = CMD_JSON,
	.exec = cmd_events_exec,
};
