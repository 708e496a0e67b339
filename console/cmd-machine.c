/*
 * mint-console machine start|stop|check FILE: a simulated Mint machine on
 * this host (machine/): one region file, one agent per node, each node a
 * cgroup cpuset where the host allows it, synthetic cores where it does not.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/paths.h"
#include "console/cmd.h"
#include "machine/machine.h"
#include "machine/run.h"

/* A signal that came while starting: stop what started rather than leave half a machine. */
static volatile sig_atomic_t start_signal;

static void
start_signal_cb(int sig)
{
	start_signal = sig;
}

/* The machine's progress and warnings, on stderr as the console says things. */
static void
machine_say_cb(void *arg, enum run_say kind, const char *text)
{
	(void)arg;
	if (kind == RUN_WARN)
		cmd_error("%s", text);
	else
		fprintf(stderr, "machine: %s\n", text);
}

/* How long start waits for the machine to be usable: $MINT_START_TIMEOUT s, else 60 s. */
static int
start_timeout_s(void)
{
	const char *env = getenv("MINT_START_TIMEOUT");
	long v = env != NULL ? strtol(env, NULL, 10) : 0;

	return v > 0 && v < 3600 ? (int)v : 60;
}

/*
 * A program of ours: $env if set, else beside this console (installed), else
 * in the build tree (subdir), else where it is installed (dir).
 */
static void
find_program(char *out, size_t len, const char *self, const char *env, const char *name,
    const char *subdir, const char *dir)
{
	const char *e = env != NULL ? getenv(env) : NULL;
	char here[400], *slash;

	if (e != NULL) {
		snprintf(out, len, "%s", e);
		return;
	}
	out[0] = '\0';
	snprintf(here, sizeof(here), "%s", self);
	if (here[0] != '\0' && (slash = strrchr(here, '/')) != NULL) {
		*slash = '\0';
		snprintf(out, len, "%s/%s", here, name);
		if (access(out, X_OK) != 0)
			snprintf(out, len, "%s/../%s/%s", here, subdir, name);
	}
	if (out[0] == '\0' || access(out, X_OK) != 0)
		snprintf(out, len, "%s/%s", dir, name);
}

static int
machine_start(struct cmd_ctx *ctx, struct run *r, const struct machine *m)
{
	struct sigaction sa;
	char cause[512];
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = start_signal_cb;	/* no SA_RESTART: the wait wakes up */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r->signal = &start_signal;
	r->timeout_s = start_timeout_s();
	rc = run_start(r, m, &ctx->region, cause, sizeof(cause));
	ctx->mapped = r->mapped;
	if (rc < 0) {
		cmd_error("%s", cause);
		if (r->stopped)
			fprintf(stderr, "machine: stopped what had started; nothing of it runs\n");
		return 1;
	}
	printf("machine started: %u nodes on %s, %s cores; sockets and logs in %s\n", m->nodes,
	    m->region, r->cores, r->dir);
	return 0;
}

static int
machine_stop(struct run *r, const struct machine *m)
{
	unsigned killed = 0;
	char cause[256];

	/* a stop cut short leaves half a machine; it takes seconds at most */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (run_stop(r, m, &killed, cause, sizeof(cause)) < 0)
		return cmd_error("%s", cause);
	printf("machine stopped: %u nodes%s\n", m->nodes, killed ? " (some had to be killed)" : "");
	return 0;
}

/* The description the verb names, loaded and checked: 0, or 1 said. */
static int
machine_arg(struct args *a, const char *usage, struct machine *m, struct run *r)
{
	const char *rd = getenv("MINT_RUN_DIR");
	char cause[256];

	if (a->npos != 1)
		return cmd_fail(CMD_USAGE, "%s", usage);
	r->dir = rd != NULL ? rd : MINT_RUN_DIR;
	if (machine_load(a->pos[0], m, cause, sizeof(cause)) < 0)
		return cmd_error("%s: %s", a->pos[0], cause);
	return 0;
}

/*
 * What start and hook need besides the description: the agent to run and
 * the start hook a booted node runs (machine hook, by this console).
 */
static int
machine_programs(struct run *r, const struct machine *m, const char *arg, char *agent,
	    size_t agentlen, char *hook, size_t hooklen)
{
	static char libvirt_hook[512];
	char file[PATH_MAX], self[400];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	find_program(agent, agentlen, self, "MINT_AGENT", "mint-agent", "agent", BINDIR);
	if (access(agent, X_OK) != 0)
		return cmd_error("machine: cannot run %s (set $MINT_AGENT to the mint-agent to use)", agent);
	r->agent = agent;
	/* the nodes' libvirtd run it for guests whose RAM every node maps; none: they cannot have one */
	find_program(libvirt_hook, sizeof(libvirt_hook), self, "MINT_LIBVIRT_HOOK",
	    "mint-libvirt-hook", "tools", PKGLIBEXECDIR);
	r->libvirt_hook = access(libvirt_hook, X_OK) == 0 ? libvirt_hook : NULL;
	if (realpath(arg, file) == NULL)
		snprintf(file, sizeof(file), "%s", arg);
	hook[0] = '\0';
	if (m->start_hook[0] == '\0' && run_hook_command(hook, hooklen, self, file) < 0)
		return cmd_error("machine: the console's or the description's path is too long");
	r->hook = hook;
	return 0;
}

static int
machine_start_verb(struct cmd_ctx *ctx, struct args *a)
{
	struct run r = { .say_cb = machine_say_cb };
	struct machine m;
	char agent[512], hook[3400];
	int rc;

	if ((rc = machine_arg(a, "usage: machine start FILE", &m, &r)) != 0 ||
	    (rc = machine_programs(&r, &m, a->pos[0], agent, sizeof(agent), hook, sizeof(hook))) != 0)
		return rc;
	return machine_start(ctx, &r, &m);
}

static int
machine_stop_verb(struct cmd_ctx *ctx, struct args *a)
{
	struct run r = { .say_cb = machine_say_cb };
	struct machine m;
	int rc;

	(void)ctx;
	if ((rc = machine_arg(a, "usage: machine stop FILE", &m, &r)) != 0)
		return rc;
	return machine_stop(&r, &m);
}

static int
machine_check_verb(struct cmd_ctx *ctx, struct args *a)
{
	struct run r = { .say_cb = machine_say_cb };
	struct machine m;
	int rc;

	(void)ctx;
	if ((rc = machine_arg(a, "usage: machine check FILE", &m, &r)) != 0)
		return rc;
	printf("%s: %u nodes, region %s: fine\n", a->pos[0], m.nodes, m.region);
	return 0;
}

/*
 * machine hook FILE: the start hook. The booting node's agent loaded the
 * kernel (kexec --load) and runs this with MINT_NODE, MINT_CPUS, MINT_MEM.
 */
static int
machine_hook_verb(struct cmd_ctx *ctx, struct args *a)
{
	struct run r = { .say_cb = machine_say_cb };
	struct machine m;
	char agent[512], hook[3400], cause[256];
	int rc;

	(void)ctx;
	if ((rc = machine_arg(a, "usage: machine hook FILE", &m, &r)) != 0 ||
	    (rc = machine_programs(&r, &m, a->pos[0], agent, sizeof(agent), hook, sizeof(hook))) != 0)
		return rc;
	if (run_hook(&r, &m, getenv("MINT_NODE"), getenv("MINT_CPUS"), getenv("MINT_MEM"), cause,
	    sizeof(cause)) < 0)
		return cmd_error("%s", cause);
	return 0;
}

static const struct cmd_verb machine_verbs[] = {
	{ "start", "FILE", "Start the machine FILE describes; returns once every node is online "
	  "and every node's libvirtd answers ($MINT_START_TIMEOUT s, 60), else stops what started.",
	  { .max_pos = 1, .unknown = "usage: machine start FILE" }, 0, machine_start_verb, CMPL_FILE },
	{ "stop", "FILE", "End every agent, guest and libvirtd of the machine at once.",
	  { .max_pos = 1, .unknown = "usage: machine stop FILE" }, 0, machine_stop_verb, CMPL_FILE },
	{ "check", "FILE", "Check the description, as config check does.",
	  { .max_pos = 1, .unknown = "usage: machine check FILE" }, 0, machine_check_verb, CMPL_FILE },
	{ "hook", "FILE", "The start hook a booting node's agent runs (with $MINT_NODE, "
	  "$MINT_CPUS, $MINT_MEM): starts the booted node's agent.",
	  { .max_pos = 1, .unknown = "usage: machine hook FILE" }, 0, machine_hook_verb, CMPL_FILE },
	{ NULL, NULL, NULL, { 0 }, 0, NULL, CMPL_NONE }
};

static const char *const machine_full_only[] = { "stop", NULL };

const struct cmd_entry cmd_machine_entry = {
	.name = "machine",
	.usage = "start|stop|check FILE",
	.help = "Start or stop a simulated machine described in FILE (machine/three-nodes.conf), "
	    "or check FILE. start returns once every node is online and every node's libvirtd "
	    "answers ($MINT_START_TIMEOUT s, 60), else stops what started; stop ends every agent, "
	    "guest and libvirtd at once. $MINT_RUN_DIR (/run/mint) holds sockets, pids and logs.",
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_NOREGION,
	.full_name_only = machine_full_only,
	.verbs = machine_verbs,
	.no_verb = "machine: '%s' is not start, stop or check",
};
