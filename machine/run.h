/*
 * The simulated machine running: start (one region file, one agent per node,
 * each in its partition, started from a configuration file of its own), stop
 * (every agent, guest and libvirtd at once) and the start hook through which
 * a booted node's agent comes up.
 */
#ifndef MINT_MACHINE_RUN_H
#define MINT_MACHINE_RUN_H

#include <signal.h>
#include <stddef.h>

#include "machine/machine.h"
#include "shm/region.h"

/* What the machine has to say while it starts or stops, besides its result. */
enum run_say {
	RUN_NOTE,	/* progress, and what a failure left */
	RUN_WARN,	/* something went wrong, and the machine goes on */
};

/* How to run one machine; the caller fills it, nothing of it is global. */
struct run {
	const char *dir;	/* agents' configurations, sockets, pids and logs */
	const char *agent;	/* the mint-agent to start */
	/* a booted node's start hook, unless the description names one (NULL: none) */
	const char *hook;
	const char *libvirt_hook;	/* mint-libvirt-hook for the nodes' libvirtd (NULL: none) */
	int timeout_s;		/* how long start waits for the machine to be usable */
	/* a signal number once one came: start stops what it started */
	const volatile sig_atomic_t *signal;
	void (*say_cb)(void *arg, enum run_say kind, const char *text);
	void *arg;
	/* filled by run_start */
	const char *cores;	/* "cpuset (cgroup v2)", "cpuset" or "synthetic" */
	int mapped;		/* the region is mapped (the caller unmaps it) */
	int stopped;		/* start failed waiting, and stopped all it had started */
};

/*
 * The default start hook: "SELF machine hook FILE", each path quoted for sh.
 * 0, or -ENAMETOOLONG.
 */
int run_hook_command(char *buf, size_t len, const char *self, const char *file);

/*
 * Start the machine: format its region, start every node's agent and wait
 * until every node is online (and every node's libvirtd answers). On a
 * failure it stops what it started: -errno with the reason in cause.
 */
int run_start(struct run *r, const struct machine *m, struct mint_region *region, char *cause,
    size_t causelen);

/*
 * Stop everything the machine runs. *killed (if given): how many needed
 * SIGKILL. -EBUSY when some process would not end (each one said).
 */
int run_stop(struct run *r, const struct machine *m, unsigned *killed, char *cause,
    size_t causelen);

/*
 * The start hook: start booted node's agent on cores cpus with memory mem
 * ("SIZE@ADDR,..."), as the booting node's agent asked ($MINT_NODE,
 * $MINT_CPUS, $MINT_MEM). 0 or -errno with cause.
 */
int run_hook(struct run *r, const struct machine *m, const char *node, const char *cpus,
    const char *mem, char *cause, size_t causelen);

/* Say text through the caller's callback (printf-like). */
void run_say(const struct run *r, enum run_say kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
