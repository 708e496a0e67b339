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

/* $MINT_AGENT, else the agent beside this console (installed, or in the build tree). */
static void
find_agent(char *agent, size_t len, const char *self)
{
	const char *env = getenv("MINT_AGENT");
	char dir[400], *slash;

	if (env != NULL) {
		snprintf(agent, len, "%s", env);
		return;
	}
	agent[0] = '\0';
	snprintf(dir, sizeof(dir), "%s", self);
	if (dir[0] != '\0' && (slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		snprintf(agent, len, "%s/mint-agent", dir);
		if (access(agent, X_OK) != 0)
			snprintf(agent, len, "%s/../agent/mint-agent", dir);
	}
	if (agent[0] == '\0' || access(agent, X_OK) != 0)
		snprintf(agent, len, "%s", BINDIR "/mint-agent");
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

static int
cmd_machine_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct run r = { .say_cb = machine_say_cb };
	struct machine m;
	char agent[512], file[PATH_MAX], self[400], hook[3400] = "", cause[256];
	const char *rd = getenv("MINT_RUN_DIR");
	ssize_t n;

	(void)argc;
	r.dir = rd != NULL ? rd : MINT_RUN_DIR;
	if (machine_load(argv[1], &m, cause, sizeof(cause)) < 0)
		return cmd_error("%s: %s", argv[1], cause);
	if (strcmp(argv[0], "check") == 0) {
		printf("%s: %u nodes, region %s: fine\n", argv[1], m.nodes, m.region);
		return 0;
	}
	if (strcmp(argv[0], "stop") == 0)
		return machine_stop(&r, &m);
	if (strcmp(argv[0], "start") != 0 && strcmp(argv[0], "hook") != 0)
		return cmd_error("machine: '%s' is not start, stop or check", argv[0]);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	find_agent(agent, sizeof(agent), self);
	if (access(agent, X_OK) != 0)
		return cmd_error("machine: cannot run %s (set $MINT_AGENT to the mint-agent to use)", agent);
	r.agent = agent;
	if (realpath(argv[1], file) == NULL)
		snprintf(file, sizeof(file), "%s", argv[1]);
	/* a booted node is started by machine hook, run by the booting node's agent */
	if (m.start_hook[0] == '\0' && run_hook_command(hook, sizeof(hook), self, file) < 0)
		return cmd_error("machine: the console's or the description's path is too long");
	r.hook = hook;
	if (strcmp(argv[0], "start") == 0)
		return machine_start(ctx, &r, &m);
	/*
	 * machine hook FILE: the start hook. The booting node's agent loaded the
	 * kernel (kexec --load) and runs this with MINT_NODE, MINT_CPUS, MINT_MEM.
	 */
	if (run_hook(&r, &m, getenv("MINT_NODE"), getenv("MINT_CPUS"), getenv("MINT_MEM"), cause,
	    sizeof(cause)) < 0)
		return cmd_error("%s", cause);
	return 0;
}

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
	.exec = cmd_machine_exec,
};
