/*
 * mint-console __complete WORD...: what the shell may offer for the last
 * word, from the command table (commands, verbs, options, choices) and from
 * the running machine (node numbers, cores, memory blocks, devices, guests).
 * console/mint-console.bash calls it; it prints candidates, never errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/cmd.h"
#include "view/snapshot.h"
#include "shm/node.h"
#include "shm/resource.h"

static const char *cur;		/* the word being completed */

static void
offer(const char *word)
{
	if (strncmp(word, cur, strlen(cur)) == 0)
		printf("%s\n", word);
}

static void
offer_uint(unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	offer(buf);
}

/* The region, read-only and quietly: no candidates from it when it is not there. */
static int
region_open(struct cmd_ctx *ctx)
{
	char cause[256];

	/* completion says nothing: no region, no candidates */
	return ctx->mapped ? 0 : cmd_map_region(ctx, REGION_RDONLY, cause, sizeof(cause));
}

/* Guests by name, once each: nodes may define guests of one name (the same guest's halves). */
struct names {
	char *seen[256];
	unsigned n;
};

static int
guest_names(void *arg, unsigned node, const Mint__NodeStatus *st)
{
	struct names *nm = arg;

	(void)node;
	for (size_t i = 0; i < st->n_guests; i++) {
		char *name = st->guests[i]->name;
		unsigned k = 0;

		while (name != NULL && k < nm->n && strcmp(nm->seen[k], name) != 0)
			k++;
		if (name == NULL || k < nm->n || nm->n == 256)
			continue;
		if ((nm->seen[nm->n] = strdup(name)) != NULL)
			nm->n++;
		offer(name);
	}
	return 0;
}

/* Candidates of a kind the running machine knows. */
static void
offer_machine(struct cmd_ctx *ctx, enum cmd_complete what)
{
	static const uint32_t kinds[] = {
		[CMPL_CPU] = MINT_RES_CPU, [CMPL_MEM] = MINT_RES_MEM, [CMPL_DEV] = MINT_RES_DEV,
	};

	if (what == CMPL_NONE || what == CMPL_FILE || region_open(ctx) < 0)
		return;
	if (what == CMPL_NODE) {
		for (unsigned n = 0; n < ctx->region.layout.nodes; n++)
			offer_uint(n);
	} else if (what == CMPL_GUEST) {
		struct names nm = { .n = 0 };

		snapshot_each(&ctx->region, MINT_MAX_NODES, guest_names, &nm);
		while (nm.n > 0)
			free(nm.seen[--nm.n]);
	} else {
		for (unsigned i = 0; i < ctx->region.layout.res_count; i++) {
			struct res_view v;

			if (res_read(&ctx->region, i, &v) < 0 || v.kind != kinds[what])
				continue;
			if (what == CMPL_DEV)
				offer(v.name);
			else
				offer_uint(v.index);
		}
	}
}

/* The option of t that word names, or NULL. */
static const struct args_opt *
opt_named(const struct args_template *t, const char *word)
{
	for (const struct args_opt *o = t != NULL ? t->opts : NULL; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, word) == 0)
			return o;
	return NULL;
}

/* After the command: its verb, an option, an option's value, or a positional argument. */
static void
complete_args(struct cmd_ctx *ctx, const struct cmd_entry *e, int n, char **w)
{
	const struct cmd_verb *v = NULL;
	const struct args_template *t = e->args;
	enum cmd_complete what = e->complete;
	const struct args_opt *prev;

	if (e->verbs != NULL) {
		if (n == 1) {
			for (v = e->verbs; v->name != NULL; v++)
				offer(v->name);
			return;
		}
		if ((v = cmd_verb_find(e, w[0])) == NULL)
			return;
		t = &v->args, what = v->complete;
		w++, n--;
	}
	prev = n >= 2 ? opt_named(t, w[n - 2]) : NULL;
	if (prev != NULL && prev->type != ARGS_FLAG) {
		if (prev->type == ARGS_NODE)
			offer_machine(ctx, CMPL_NODE);
		for (const char *const *c = prev->choices; prev->type == ARGS_CHOICE && *c; c++)
			offer(*c);
		return;
	}
	if (cur[0] == '-') {
		for (const struct args_opt *o = t != NULL ? t->opts : NULL; o && o->name; o++)
			offer(o->name);
		if (e->flags & CMD_JSON)
			offer("--json");
		offer("--help");
		return;
	}
	offer_machine(ctx, what);
}

int
cmd_complete(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *e;
	int i = 0, ambiguous;

	cur = argc > 0 ? argv[argc - 1] : "";
	/* the console's own options before the command; -r and -s say where to look */
	while (i < argc - 1 && argv[i][0] == '-') {
		int has_value = argv[i][1] != '\0' && strchr("rst", argv[i][1]) != NULL &&
		    argv[i][2] == '\0';

		if (strcmp(argv[i], "--region") == 0 || strcmp(argv[i], "-r") == 0)
			ctx->region_spec = argv[i + 1];
		else if (strcmp(argv[i], "--socket") == 0 || strcmp(argv[i], "-s") == 0)
			ctx->socket_path = argv[i + 1];
		has_value |= strcmp(argv[i], "--region") == 0 || strcmp(argv[i], "--socket") == 0 ||
		    strcmp(argv[i], "--timeout") == 0;
		if (has_value && i + 1 == argc - 1)
			return 0;	/* the option's value: the shell's own completion */
		i += has_value ? 2 : 1;
	}
	if (i >= argc - 1) {
		if (cur[0] == '-') {
			static const char *const globals[] = { "--region", "--socket", "--timeout",
				"--help", NULL };

			for (const char *const *g = globals; *g != NULL; g++)
				offer(*g);
			return 0;
		}
		for (const struct cmd_entry *const *t = cmd_entries(); *t != NULL; t++)
			offer((*t)->name);
		return 0;
	}
	if ((e = cmd_find(argv[i], &ambiguous)) != NULL)
		complete_args(ctx, e, argc - i - 1, argv + i + 1);
	if (ctx->mapped)
		region_unmap(&ctx->region);
	return 0;
}
