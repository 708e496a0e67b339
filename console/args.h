/*
 * A command's arguments against its template, parsed once (tmux's
 * args_parse): options with or without a value, typed where a type helps,
 * and the positional arguments in order.
 */
#ifndef MINT_CONSOLE_ARGS_H
#define MINT_CONSOLE_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define ARGS_MAX_OPTS	24
#define ARGS_MAX_POS	64

enum args_type {
	ARGS_FLAG,	/* no value */
	ARGS_STRING,
	ARGS_NODE,	/* a node number below max, or (max 0) this machine's */
	ARGS_UINT,	/* from min to max */
	ARGS_SIZE,	/* bytes: 4096, 256M, 1GiB */
	ARGS_ADDR,	/* an address: 0x140000000, or as a size: 5G */
	ARGS_SECONDS,	/* 10, 2.5: in ms, from min to max ms */
	ARGS_CHOICE,	/* one of choices: its index */
};

/*
 * Messages are templates: "%s" stands for the argument (the value, or the
 * option or word refused), and in a node's message "%u" for the highest
 * node number of this machine; no other conversion.
 */
struct args_opt {
	const char *name;	/* "--to", "-n" */
	enum args_type type;
	unsigned long min, max;
	const char *bad;	/* a value of the wrong type; NULL: the type's own sentence */
	const char *const *choices;	/* ARGS_CHOICE, NULL-terminated */
};

struct args_template {
	const struct args_opt *opts;	/* up to a NULL name */
	int max_pos;		/* positional arguments it takes at the most */
	const char *unknown;	/* an unknown option or an extra argument: "%s" is it */
	const char *missing;	/* an option given no value; NULL: as unknown */
	int dash_args;		/* a word like "-x" that is no option is an argument */
};

struct args_value {
	int set;
	const char *str;	/* as given */
	uint64_t u;		/* NODE, UINT, SIZE, SECONDS (ms), CHOICE (index) */
};

struct args {
	const struct args_template *tmpl;
	struct args_value v[ARGS_MAX_OPTS];
	int npos;
	char *pos[ARGS_MAX_POS];
};

/*
 * Sort argv against t; nodes is this machine's node count. 0, or -1 with the sentence
 * in cause (a usage error).
 */
int args_parse(const struct args_template *t, int argc, char **argv, unsigned nodes,
	    struct args *a, char *cause, size_t causelen);

/* Whether option name was given; its value (def when it was not). */
int args_has(const struct args *a, const char *name);
const char *args_str(const struct args *a, const char *name, const char *def);
uint64_t args_u64(const struct args *a, const char *name, uint64_t def);

/* An address as ARGS_ADDR takes it: 0, -EINVAL or -ERANGE. */
int args_addr(const char *s, uint64_t *out);

/* A message template with "%s" replaced by arg. */
void args_say(char *buf, size_t len, const char *tmpl, const char *arg);

#endif
