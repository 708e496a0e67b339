/*
 * Processes stopped together: signalled at once and waited on together
 * through pidfds, so that stopping a machine costs its slowest process, not
 * the sum of them, and never waits for someone else to reap a zombie.
 */
#ifndef MINT_MACHINE_PROCS_H
#define MINT_MACHINE_PROCS_H

#include <sys/types.h>

#define PROCS_MAX	256

struct procs {
	unsigned n;
	struct {
		pid_t pid;
		int fd;		/* its pidfd, or -1 where the kernel has none */
	} p[PROCS_MAX];
};

void procs_init(struct procs *s);
/* Add pid (0 if it is already gone or pid is not a process, else -errno). */
int procs_add(struct procs *s, pid_t pid);
/* Send sig to every process still in the set. */
void procs_signal(struct procs *s, int sig);
/* Wait up to timeout_ms for them to end; returns how many are still running. */
unsigned procs_wait(struct procs *s, int timeout_ms);
void procs_close(struct procs *s);
/* 1 if pid runs (a zombie has ended), else 0. */
int procs_alive(pid_t pid);

#endif
