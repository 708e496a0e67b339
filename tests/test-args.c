/* console/args and console/output: the template parser's answers, and text or JSON from one set of calls. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/args.h"
#include "console/exit.h"
#include "console/output.h"
#include "tests/tap.h"

static const char *const vias[] = { "region", "tcp", NULL };

static const struct args_opt opts[] = {
	{ "--to", ARGS_NODE, 0, 64, NULL, NULL },
	{ "--from", ARGS_NODE, 0, 0, NULL, NULL },
	{ "--dry-run", ARGS_FLAG, 0, 0, NULL, NULL },
	{ "--target", ARGS_STRING, 0, 0, NULL, NULL },
	{ "--pct", ARGS_UINT, 1, 99, "%s is not a percentage, 1 to 99", NULL },
	{ "--size", ARGS_SIZE, 0, 0, NULL, NULL },
	{ "--timeout", ARGS_SECONDS, 1, 3600000, "--timeout takes seconds, like 60", NULL },
	{ "--via", ARGS_CHOICE, 0, 0, "--via region or tcp", vias },
	{ "-n", ARGS_UINT, 0, 1000, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL }
};

static const struct args_template tmpl = {
	.opts = opts,
	.max_pos = 2,
	.unknown = "test: unexpected %s",
	.missing = "test: %s needs a value",
};

/* Parse the words of line (split at spaces) against tmpl. */
static int
parse(const char *line, struct args *a, char *cause, size_t len)
{
	static char buf[512];
	char *argv[32], *save;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w != NULL && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	cause[0] = '\0';
	return args_parse(&tmpl, argc, argv, 3, a, cause, len);
}

static void
refused(const char *line, const char *want)
{
	struct args a;
	char cause[256];
	int rc = parse(line, &a, cause, sizeof(cause));

	ok(rc < 0 && strcmp(cause, want) == 0, "'%s' refused: %s", line, want);
	if (strcmp(cause, want) != 0)
		diag("  said '%s'", cause);
}

static void
test_accepted(void)
{
	struct args a;
	char cause[256];

	ok(parse("web --to 5 --dry-run --via tcp other", &a, cause, sizeof(cause)) == 0,
	    "options among positional arguments are accepted");
	is(a.npos, 2, "  two positional arguments");
	ok(strcmp(a.pos[0], "web") == 0 && strcmp(a.pos[1], "other") == 0, "  in their order");
	is(args_u64(&a, "--to", 99), 5, "  --to is node 5 (its bound is 64, not the machine's 3)");
	ok(args_has(&a, "--dry-run") && !args_has(&a, "--from"), "  a flag given, an option not");
	is(args_u64(&a, "--via", 9), 1, "  --via tcp is choice 1");
	is(args_u64(&a, "--from", 7), 7, "  an option not given has its default");
	ok(args_str(&a, "--target", NULL) == NULL, "  a string not given is the default NULL");
	ok(parse("--from 2 --size 1GiB --pct 99 --timeout 2.5 -n 0 --target x", &a, cause,
	    sizeof(cause)) == 0, "every type at its edge: %s", cause);
	is(args_u64(&a, "--from", 9), 2, "  --from 2 is within this machine's 3 nodes");
	is(args_u64(&a, "--size", 0), 1ULL << 30, "  --size 1GiB in bytes");
	is(args_u64(&a, "--pct", 0), 99, "  --pct 99");
	is(args_u64(&a, "--timeout", 0), 2500, "  --timeout 2.5 is 2500 ms");
	ok(args_has(&a, "-n") && args_u64(&a, "-n", 5) == 0, "  -n 0 given as 0");
	ok(strcmp(args_str(&a, "--target", ""), "x") == 0, "  --target x");
	ok(parse("-", &a, cause, sizeof(cause)) == 0 && a.npos == 1, "a lone - is an argument");
}

static void
test_refused(void)
{
	refused("--zap", "test: unexpected --zap");
	refused("a b c", "test: unexpected c");
	refused("--to", "test: --to needs a value");
	refused("--to x", "'x' is not a node number");
	refused("--to 64", "'64' is not a node number");
	refused("--from 3", "'3' is not a node of this machine (0 to 2)");
	refused("--from -1", "'-1' is not a node of this machine (0 to 2)");
	refused("--pct 0", "0 is not a percentage, 1 to 99");
	refused("--pct 100", "100 is not a percentage, 1 to 99");
	refused("--size 1Q", "--size: '1Q' is not a size");
	refused("--timeout 0", "--timeout takes seconds, like 60");
	refused("--timeout x", "--timeout takes seconds, like 60");
	refused("--timeout 1e9", "--timeout takes seconds, like 60");
	refused("--via udp", "--via region or tcp");
	refused("-n +5", "-n: '+5' is not a number in range");
	refused("-n 1001", "-n: '1001' is not a number in range");
}

/* What the calls f makes print, text or JSON, in style. */
static char *
capture(void (*f)(struct out *), int json, enum out_style style)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	struct out o;

	out_init(&o, mf, json, style);
	f(&o);
	fclose(mf);
	return buf;
}

static void
table(struct out *o)
{
	static const struct out_col cols[] = { { "NODE", -4 }, { "NAME", -6 }, { "LOAD", 6 }, { "X", 0 } };

	out_table(o, NULL, cols, 4);
	for (unsigned i = 0; i < 2; i++) {
		out_begin(o, NULL);
		out_uint(o, "node", -4, i);
		out_str(o, "name", -6, i ? "b\"\\\n\x01" : "a");
		out_float(o, "load", 6, 2, 1.5 * i);
		out_uint(o, "bytes", OUT_NOTEXT, 1024 * i);
		out_cell(o, 0, "%uK", i);
		out_null(o, "peer", OUT_NOTEXT, "-");
		out_text(o, " (text only)");
		out_list(o, "cores");
		out_int(o, NULL, OUT_NOTEXT, -1);
		out_int(o, NULL, OUT_NOTEXT, 2);
		out_list_end(o);
		out_bool(o, "ok", OUT_NOTEXT, 1);
		out_end(o);
	}
	out_list_end(o);
}

static void
empty(struct out *o)
{
	out_list(o, NULL);
	out_list_end(o);
}

static void
test_output(void)
{
	char *s;

	s = capture(table, 0, OUT_COMPACT);
	ok(strcmp(s, "NODE NAME     LOAD X\n"
	    "0    a        0.00 0K (text only)\n"
	    "1    b\"\\\n\x01    1.50 1K (text only)\n") == 0, "text: titles and cells aligned, one line a row");
	free(s);
	s = capture(table, 1, OUT_COMPACT);
	ok(strcmp(s, "[{\"node\":0,\"name\":\"a\",\"load\":0.00,\"bytes\":0,\"peer\":null,"
	    "\"cores\":[-1,2],\"ok\":true},{\"node\":1,\"name\":\"b\\\"\\\\\\u000a\\u0001\","
	    "\"load\":1.50,\"bytes\":1024,\"peer\":null,\"cores\":[-1,2],\"ok\":true}]\n") == 0,
	    "JSON compact: the same calls, quotes, backslashes and control characters escaped");
	free(s);
	s = capture(table, 1, OUT_SPACED);
	has(s, "{\"node\": 0, \"name\": \"a\", \"load\": 0.00", "JSON spaced: \", \" and \": \"");
	has(s, "\"cores\": [-1, 2]", "  in nested lists too");
	free(s);
	s = capture(table, 1, OUT_LINES);
	ok(strncmp(s, "[\n  {\"node\": 0,", 15) == 0 && strstr(s, "},\n  {\"node\": 1,") != NULL &&
	    strcmp(s + strlen(s) - 4, "}\n]\n") == 0, "JSON lines: each row on a line of its own");
	free(s);
	s = capture(empty, 1, OUT_LINES);
	ok(strcmp(s, "[]\n") == 0, "JSON lines: an empty list is []");
	free(s);
}

/* The exit statuses a script tells apart (doc/mint-console.8, EXIT STATUS). */
static void
test_status(void)
{
	ok(cmd_status_of(-ENOENT, 0) == CMD_UNREACHABLE && cmd_status_of(-ECONNREFUSED, 0) ==
	    CMD_UNREACHABLE && cmd_status_of(-ECONNRESET, 0) == CMD_UNREACHABLE,
	    "no agent's socket, nobody listening, a hang-up: unreachable (4)");
	ok(cmd_status_of(-EHOSTDOWN, 1) == CMD_UNREACHABLE,
	    "an agent relaying to a node that is not online: unreachable (4)");
	ok(cmd_status_of(-EBUSY, 1) == CMD_REFUSED && cmd_status_of(-EPERM, 1) == CMD_REFUSED &&
	    cmd_status_of(-EINVAL, 1) == CMD_REFUSED && cmd_status_of(-ENOENT, 1) == CMD_REFUSED,
	    "an agent's rule (in use, not allowed, invalid, no such thing): refused (3)");
	ok(cmd_status_of(-ETIMEDOUT, 0) == CMD_TIMEDOUT && cmd_status_of(-ETIMEDOUT, 1) ==
	    CMD_TIMEDOUT, "no reply in time, from either side: timed out (5)");
	ok(cmd_status_of(-ECANCELED, 1) == CMD_CANCELLED, "cancelled (6)");
	ok(cmd_status_of(-EIO, 1) == CMD_FAILED && cmd_status_of(-ECONNREFUSED, 1) == CMD_FAILED,
	    "the agent tried and failed (I/O, its libvirtd unreachable): failed (1)");
	ok(CMD_USAGE == 2 && CMD_PARTIAL == 7 && cmd_status_of(0, 1) == CMD_OK, "usage 2, partial 7, 0 ok");
	for (int i = 0; i < CMD_NSTATUS; i++)
		for (int j = i + 1; j < CMD_NSTATUS; j++)
			if (strcmp(cmd_status_name(i), cmd_status_name(j)) == 0)
				diag("statuses %d and %d share the name %s", i, j, cmd_status_name(i));
	ok(strcmp(cmd_status_name(CMD_REFUSED), "refused") == 0 &&
	    strcmp(cmd_status_name(CMD_UNREACHABLE), "unreachable") == 0 &&
	    strcmp(cmd_status_name(99), "failed") == 0, "each status has its name for JSON errors");
}

int
main(void)
{
	test_accepted();
	test_refused();
	test_output();
	test_status();
	return tap_done();
}
