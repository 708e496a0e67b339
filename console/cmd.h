/* The console's command table: one file per command, found by name, alias or prefix. */
#ifndef MINT_CONSOLE_CMD_H
#define MINT_CONSOLE_CMD_H

#include <stdio.h>

#include "console/args.h"
#include "console/exit.h"
#include "console/output.h"
#include "proto/wire.h"
#include "shm/region.h"

struct cmd_verb;

/* What every command gets: the global options and, once opened, the region. */
struct cmd_ctx {
	const char *region_spec;
	const char *socket_path;	/* the local agent's control socket */
	int timeout_ms;
	int json;
	struct mint_region region;
	int mapped;
	const struct cmd_verb *verb;	/* the verb running, if the command has verbs */
	struct out out;
};

#define CMD_JSON	0x1	/* takes --json */
#define CMD_NOREGION	0x2	/* opens the region itself */

/* What a command's positional argument names, for completion. */
enum cmd_complete {
	CMPL_NONE,
	CMPL_NODE,	/* a node number of the region */
	CMPL_CPU,	/* a core of the resource table */
	CMPL_MEM,	/* a memory block */
	CMPL_DEV,	/* a device name */
	CMPL_GUEST,	/* a guest some online node runs or defines */
	CMPL_FILE,	/* a file: the shell's own completion */
};

/* A verb of a command ("guest migrate"): its own template, usage and --help. */
struct cmd_verb {
	const char *name;
	const char *usage;	/* after "mint-console NAME VERB " */
	const char *help;
	struct args_template args;
	int kind;		/* for an exec that serves several verbs */
	int (*exec)(struct cmd_ctx *ctx, struct args *a);
	enum cmd_complete complete;	/* its positional arguments */
};

struct cmd_entry {
	const char *name;
	const char *alias;
	const char *usage;	/* after "mint-console NAME " */
	const char *help;	/* one line */
	int min_args, max_args;
	int flags;
	/*
	 * What cannot be undone runs only under its full name: these
	 * subcommands ("" for the command itself), NULL-terminated.
	 */
	const char *const *full_name_only;
	/* Its verbs (up to a NULL name), found by the first argument. */
	const struct cmd_verb *verbs;
	const char *no_verb;	/* "%s" is the word; NULL: "NAME: 'W' is not A, B or C" */
	/* Without a verb: the command's own template and function. */
	const struct args_template *args;
	int (*run)(struct cmd_ctx *ctx, struct args *a);
	enum cmd_complete complete;
};

extern const struct cmd_entry cmd_bench_entry;
extern const struct cmd_entry cmd_config_entry;
extern const struct cmd_entry cmd_cpu_entry;
extern const struct cmd_entry cmd_dev_entry;
extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_format_entry;
extern const struct cmd_entry cmd_guest_entry;
extern const struct cmd_entry cmd_machine_entry;
extern const struct cmd_entry cmd_mem_entry;
extern const struct cmd_entry cmd_metrics_entry;
extern const struct cmd_entry cmd_node_entry;
extern const struct cmd_entry cmd_nodes_entry;
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_resources_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_top_entry;
extern const struct cmd_entry cmd_tunnel_entry;
extern const struct cmd_entry cmd_verbose_entry;

int cmd_run(struct cmd_ctx *ctx, int argc, char **argv);
struct snapshots;
void cmd_nodes_rows(struct out *o, const struct snapshots *s);
/* The table, NULL-terminated; an entry by name, alias or unambiguous prefix; a verb by name. */
const struct cmd_entry *const *cmd_entries(void);
const struct cmd_entry *cmd_find(const char *name, int *ambiguous);
const struct cmd_verb *cmd_verb_find(const struct cmd_entry *e, const char *word);
/* mint-console __complete WORD...: the candidates for the last word, one a line. */
int cmd_complete(struct cmd_ctx *ctx, int argc, char **argv);
void cmd_list(FILE *f);
int cmd_open_region(struct cmd_ctx *ctx);
int cmd_map_region(struct cmd_ctx *ctx, int flags, char *cause, size_t len);
int cmd_region_writable(struct cmd_ctx *ctx, const char *what);
int cmd_ask_agent(struct cmd_ctx *ctx, const Mint__Command *cmd, Mint__Envelope **reply);
int cmd_ask_report(struct cmd_ctx *ctx, const Mint__Command *cmd, unsigned node);
int cmd_node_arg(const char *arg, unsigned *n);
/* The node whose hypervisor has guest name (cmd-guest.c): 0, or the failure said. */
int cmd_find_guest(struct cmd_ctx *ctx, const char *name, int want_migrating, unsigned *node);
int cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cmd_fail(enum cmd_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cmd_say(enum cmd_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cmd_reply_fail(const Mint__Envelope *r);
struct out *cmd_out(struct cmd_ctx *ctx, enum out_style style);
void cmd_reply_text(struct out *o, const Mint__Envelope *r, const char *def);
void cmd_out_cores(struct out *o, const Mint__NodeStatus *st);
void cmd_out_node(struct out *o, const char *key, int width, unsigned n, const char *none);

#endif
