/*
 * The console's exit statuses: what a script can tell apart without reading
 * the message (doc/mint-console.8, EXIT STATUS).
 */
#ifndef MINT_CONSOLE_EXIT_H
#define MINT_CONSOLE_EXIT_H

enum cmd_status {
	CMD_OK = 0,
	CMD_FAILED = 1,		/* it was tried and failed: the message says why */
	CMD_USAGE = 2,		/* the command line is wrong: nothing was asked */
	CMD_REFUSED = 3,	/* an agent refused it by a rule: nothing changed */
	CMD_UNREACHABLE = 4,	/* no agent to ask: not running, or its node is down */
	CMD_TIMEDOUT = 5,	/* no answer in time: what was asked may still happen */
	CMD_CANCELLED = 6,	/* cancelled (Ctrl-C, --abort): left as it was before */
	CMD_PARTIAL = 7,	/* part of it was done, then refused: the message says how much */
	CMD_NSTATUS
};

/*
 * The status of an error: err is -errno, from the agent's reply (from_agent)
 * or from reaching the agent at all.
 */
enum cmd_status cmd_status_of(int err, int from_agent);

/* Its name in JSON: "refused", "unreachable", ... */
const char *cmd_status_name(enum cmd_status s);

#endif
