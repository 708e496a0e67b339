/* Finding a command, parsing its options, opening the region for it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "console/client.h"
#include "console/cmd.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_bench_entry,
	&cmd_config_entry,
	&cmd_cpu_entry,
	&cmd_dev_entry,
	&cmd_events_entry,
	&cmd_format_entry,
	&cmd_guest_entry,
	&cmd_machine_entry,
	&cmd_mem_entry,
	&cmd_metrics_entry,
	&cmd_node_entry,
	&cmd_nodes_entry,
	&cmd_ping_entry,
	&cmd_resources_entry,
	&cmd_status_entry,
	&cmd_top_entry,
	&cmd_tunnel_entry,
	&cmd_verbose_entry,
	NULL
};

/* Under --json, errors are also JSON objects, on stdout where the answer would be. */
static int json_errors;

/* The line on stderr, and under --json (json) the object on stdout: the exit status. */
static int
cmd_vfail(enum cmd_status status, int json, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "mint-console: %s\n", msg);
	if (json) {
		struct out o;

		fflush(stdout);
		out_init(&o, stdout, 1, OUT_COMPACT);
		out_begin(&o, NULL);
		out_str(&o, "error", OUT_NOTEXT, msg);
		out_str(&o, "status", OUT_NOTEXT, cmd_status_name(status));
		out_uint(&o, "exit", OUT_NOTEXT, (unsigned)status);
		out_end(&o);
	}
	return (int)status;
}

/* One line on stderr only (a JSON answer carries the error itself); the exit status. */
int
cmd_say(enum cmd_status status, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cmd_vfail(status, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* One line on stderr (and an object under --json); the exit status, given. */
int
cmd_fail(enum cmd_status status, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cmd_vfail(status, json_errors, fmt, ap);
	va_end(ap);
	return rc;
}

/* A failure (CMD_FAILED): one line on stderr and its exit status. */
int
cmd_error(const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cmd_vfail(CMD_FAILED, json_errors, fmt, ap);
	va_end(ap);
	return rc;
}

void
cmd_list(FILE *f)
{
	for (int i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "  %-8s %-28s %s\n", cmd_table[i]->name, cmd_table[i]->usage,
		    cmd_table[i]->help);
}

/*
 * A destructive command typed short ("f" for format, "node shut"): refused,
 * naming the full command. 1 after saying so, 0 if it may run.
 */
static int
cmd_typed_short(const struct cmd_entry *e, int argc, char **argv)
{
	int exact = strcmp(argv[0], e->name) == 0 || (e->alias != NULL && strcmp(argv[0], e->alias) == 0);
	const char *sub = NULL;

	/* the subcommand is the first word that is not one of the options every command takes */
	for (int i = 1; i < argc && sub == NULL; i++)
		if (strcmp(argv[i], "--json") != 0 && strcmp(argv[i], "--help") != 0 &&
		    strcmp(argv[i], "-h") != 0)
			sub = argv[i];

	for (const char *const *d = e->full_name_only; d != NULL && *d != NULL; d++) {
		if ((*d)[0] == '\0') {
			if (!exact) {
				cmd_fail(CMD_USAGE, "'%s': a command that cannot be undone runs only under its full "
				    "name: mint-console %s", argv[0], e->name);
				return 1;
			}
		} else if (sub != NULL && sub[0] != '\0' && strncmp(*d, sub, strlen(sub)) == 0 &&
		    (!exact || strcmp(*d, sub) != 0)) {
			cmd_fail(CMD_USAGE, "'%s %s': a command that cannot be undone runs only under its full "
			    "name: mint-console %s %s", argv[0], sub, e->name, *d);
			return 1;
		}
	}
	return 0;
}

const struct cmd_entry *const *
cmd_entries(void)
{
	return cmd_table;
}

/* Exact name or alias first, then an unambiguous prefix. */
const struct cmd_entry *
cmd_find(const char *name, int *ambiguous)
{
	const struct cmd_entry *found = NULL;

	*ambiguous = 0;
	for (int i = 0; cmd_table[i] != NULL; i++)
		if (strcmp(cmd_table[i]->name, name) == 0 ||
		    (cmd_table[i]->alias != NULL && strcmp(cmd_table[i]->alias, name) == 0))
			return cmd_table[i];
	for (int i = 0; cmd_table[i] != NULL; i++)
		if (strncmp(cmd_table[i]->name, name, strlen(name)) == 0) {
			if (found != NULL)
				*ambiguous = 1;
			found = cmd_table[i];
		}
	return *ambiguous ? NULL : found;
}

/* Map the region read-only: reading commands need only read access to it. */
int
cmd_open_region(struct cmd_ctx *ctx)
{
	char cause[256];

	if (ctx->mapped)
		return 0;
	if (cmd_map_region(ctx, REGION_RDONLY, cause, sizeof(cause)) < 0)
		return cmd_error("%s: %s", ctx->region_spec, cause);
	return 0;
}

/* Map and attach the region (flags as region_map takes them): 0, or -1 with the cause, unsaid. */
int
cmd_map_region(struct cmd_ctx *ctx, int flags, char *cause, size_t len)
{
	if (region_map(&ctx->region, ctx->region_spec, 0, flags, cause, len) < 0)
		return -1;
	if (region_attach(&ctx->region, cause, len) < 0) {
		region_unmap(&ctx->region);
		return -1;
	}
	ctx->mapped = 1;
	return 0;
}

/* Map the region again, writable, for a command that changes it (what says which). */
int
cmd_region_writable(struct cmd_ctx *ctx, const char *what)
{
	char cause[256];

	if (ctx->mapped)
		region_unmap(&ctx->region);
	ctx->mapped = 0;
	if (cmd_map_region(ctx, 0, cause, sizeof(cause)) < 0)
		return cmd_error("%s: %s: %s", what, ctx->region_spec, cause);
	return 0;
}

/* The verb of e that word names (exactly), or NULL. */
const struct cmd_verb *
cmd_verb_find(const struct cmd_entry *e, const char *word)
{
	for (const struct cmd_verb *v = e->verbs; v != NULL && v->name != NULL; v++)
		if (strcmp(v->name, word) == 0)
			return v;
	return NULL;
}

/* --help: the command's usage and verbs, or one verb's usage ("guest migrate --help"). */
static int
cmd_help(const struct cmd_entry *e, int argc, char **argv)
{
	const struct cmd_verb *v = argc > 0 && e->verbs != NULL ? cmd_verb_find(e, argv[0]) : NULL;

	if (v != NULL) {
		printf("usage: mint-console %s %s%s%s\n%s\n", e->name, v->name, v->usage[0] ? " " : "",
		    v->usage, v->help);
		return 0;
	}
	printf("usage: mint-console %s %s\n%s\n", e->name, e->usage, e->help);
	if (e->verbs == NULL)
		return 0;
	printf("\nVerbs (mint-console %s VERB --help for each):\n", e->name);
	for (v = e->verbs; v->name != NULL; v++) {
		const char *u = v->usage[0] ? v->usage : v->help;
		int len = (int)strcspn(u, "\n");

		/* the first line of a usage that runs on: its verb's --help has the rest */
		printf("  %-9s %.*s%s\n", v->name, len, u, u[len] ? " ..." : "");
	}
	return 0;
}

/* "NAME: 'W' is not A, B or C": a word that names no verb of e. */
static int
cmd_no_verb(const struct cmd_entry *e, const char *word)
{
	char list[256] = "", msg[320];
	size_t len = 0;
	int n = 0;

	if (e->no_verb != NULL) {
		args_say(msg, sizeof(msg), e->no_verb, word);
		return cmd_fail(CMD_USAGE, "%s", msg);
	}
	while (e->verbs[n].name != NULL)
		n++;
	for (int i = 0; i < n && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    i == 0 ? "" : i == n - 1 ? " or " : ", ", e->verbs[i].name);
	return cmd_fail(CMD_USAGE, "%s: '%s' is not %s", e->name, word, list);
}

/* A templated command: find the verb, parse its arguments once, run it. */
static int
cmd_dispatch(struct cmd_ctx *ctx, const struct cmd_entry *e, int argc, char **argv)
{
	const struct cmd_verb *v = argc > 0 && e->verbs != NULL ? cmd_verb_find(e, argv[0]) : NULL;
	const struct args_template *t = e->args;
	int (*fn)(struct cmd_ctx *, struct args *) = e->run;
	struct args a;
	char cause[512];

	if (v != NULL) {
		t = &v->args, fn = v->exec;
		argc--, argv++;
	} else if (fn == NULL) {
		return cmd_no_verb(e, argc > 0 ? argv[0] : "");
	}
	ctx->verb = v;
	if (args_parse(t, argc, argv, ctx->mapped ? ctx->region.layout.nodes : 0, &a, cause,
	    sizeof(cause)) < 0) {
		return cmd_fail(CMD_USAGE, "%s", cause);
	}
	return fn(ctx, &a);
}

/* Run argv[0] with its arguments; --json and --help are taken here for every command. */
int
cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;
	char *args[64];
	int n = 0, ambiguous, help = 0, rc;

	if (strcmp(argv[0], "__complete") == 0)
		return cmd_complete(ctx, argc - 1, argv + 1);
	for (int i = 1; i < argc; i++)
		json_errors |= strcmp(argv[i], "--json") == 0;
	e = cmd_find(argv[0], &ambiguous);
	if (e == NULL)
		return cmd_fail(CMD_USAGE, ambiguous ? "ambiguous command: %s" : "unknown command: %s "
		    "(mint-console --help lists them)", argv[0]);
	if (cmd_typed_short(e, argc, argv))
		return CMD_USAGE;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && (e->flags & CMD_JSON))
			ctx->json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			help = 1;
		else if (n < (int)(sizeof(args) / sizeof(args[0])))
			args[n++] = argv[i];
	}
	if (help)
		return cmd_help(e, n, args);
	if (n < e->min_args || n > e->max_args)
		return cmd_fail(CMD_USAGE, "usage: mint-console %s %s", e->name, e->usage);
	out_init(&ctx->out, stdout, ctx->json, OUT_COMPACT);
	if (!(e->flags & CMD_NOREGION) && cmd_open_region(ctx) != 0)
		return 1;
	rc = cmd_dispatch(ctx, e, n, args);
	if (ctx->mapped)
		region_unmap(&ctx->region);
	return rc;
}

/* The output, text or JSON as --json says, in style. */
struct out *
cmd_out(struct cmd_ctx *ctx, enum out_style style)
{
	out_init(&ctx->out, stdout, ctx->json, style);
	return &ctx->out;
}

/*
 * Send cmd to the local agent. 0 with *reply set (wire_free it) when the
 * agent did it; else the exit status, the reason said on stderr.
 */
int
cmd_ask_agent(struct cmd_ctx *ctx, const Mint__Command *cmd, Mint__Envelope **reply)
{
	char cause[256];
	int rc;

	if ((rc = client_request(ctx->socket_path, cmd, ctx->timeout_ms, reply, cause,
	    sizeof(cause))) < 0)
		return cmd_fail(cmd_status_of(rc, 0), "%s", cause);
	if ((rc = cmd_reply_fail(*reply)) != 0) {
		wire_free(*reply);
		*reply = NULL;
	}
	return rc;
}

/* A reply that says the agent did not do it: said, and its exit status; else 0. */
int
cmd_reply_fail(const Mint__Envelope *r)
{
	if (r->reply->error == 0)
		return 0;
	return cmd_fail(cmd_status_of(r->reply->error, 1), "%s",
	    r->reply->message ? r->reply->message : "refused");
}

/* In text, the reply's message (def if it has none) on a line of its own. */
void
cmd_reply_text(struct out *o, const Mint__Envelope *r, const char *def)
{
	out_text(o, "%s", r->reply->message ? r->reply->message : def);
	out_line(o);
}

/* Ask the agent, and report its answer: {"node","ok","message"}, or the message. */
int
cmd_ask_report(struct cmd_ctx *ctx, const Mint__Command *cmd, unsigned node)
{
	struct out *o = cmd_out(ctx, OUT_COMPACT);
	Mint__Envelope *r;
	int rc;

	if ((rc = cmd_ask_agent(ctx, cmd, &r)) != 0)
		return rc;
	out_begin(o, NULL);
	out_uint(o, "node", OUT_NOTEXT, node);
	out_bool(o, "ok", OUT_NOTEXT, 1);
	out_str(o, "message", OUT_NOTEXT, r->reply->message);
	out_end(o);
	cmd_reply_text(o, r, "done");
	wire_free(r);
	return 0;
}

/* A node number, or null in JSON and "-" (or text) in text for none. */
void
cmd_out_node(struct out *o, const char *key, int width, unsigned n, const char *none)
{
	if (n == MINT_NO_NODE)
		out_null(o, key, width, none);
	else
		out_uint(o, key, width, n);
}

/* A node's cores in JSON, as nodes and status give them: [{cpu, online, busy}] (busy in %). */
void
cmd_out_cores(struct out *o, const Mint__NodeStatus *st)
{
	out_list(o, "cores");
	for (size_t k = 0; k < st->n_cores; k++) {
		out_begin(o, NULL);
		out_uint(o, "cpu", OUT_NOTEXT, st->cores[k]->cpu);
		out_bool(o, "online", OUT_NOTEXT, st->cores[k]->online);
		if (st->cores[k]->has_busy_permille)
			out_float(o, "busy", OUT_NOTEXT, 1, st->cores[k]->busy_permille / 10.0);
		out_end(o);
	}
	out_list_end(o);
}

/* A node number from the command line: 0, or an error said and 1. */
int
cmd_node_arg(const char *arg, unsigned *n)
{
	if (parse_node(arg, MINT_MAX_NODES, n) < 0)
		return cmd_fail(CMD_USAGE, "'%s' is not a node number", arg);
	return 0;
}
