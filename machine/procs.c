/* A set of processes stopped together, waited on through pidfds. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "machine/procs.h"

/*
 * kill(pid, 0) succeeds on a zombie, and the machine's processes are
 * orphans whose zombies only init reaps, when it gets to them (seconds, in
 * some containers): the state letter in /proc tells.
 */
int
procs_alive(pid_t pid)
{
	char path[64], buf[512], *paren;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return kill(pid, 0) == 0 || errno == EPERM;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((paren = strrchr(buf, ')')) == NULL || paren[1] == '\0')
		return 1;
	return paren[2] != 'Z' && paren[2] != 'X';
}

void
procs_init(struct procs *s)
{
	s->n = 0;
}

int
procs_add(struct procs *s, pid_t pid)
{
	int fd = -1;

	if (pid <= 1 || pid == getpid())
		return 0;
	for (unsigned i = 0; i < s->n; i++)
		if (s->p[i].pid == pid)
			return 0;
	if (s->n == PROCS_MAX)
		return -ENOSPC;
#ifdef SYS_pidfd_open
	/* a pidfd pins the process: no signal goes to a pid reused meanwhile */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno != ENOSYS)
		return errno == ESRCH || errno == EINVAL ? 0 : -errno;
#endif
	if (fd < 0 && !procs_alive(pid))
		return 0;
	s->p[s->n].pid = pid;
	s->p[s->n].fd = fd;
	s->n++;
	return 0;
}

void
procs_signal(struct procs *s, int sig)
{
	for (unsigned i = 0; i < s->n; i++) {
#ifdef SYS_pidfd_send_signal
		if (s->p[i].fd >= 0 && syscall(SYS_pidfd_send_signal, s->p[i].fd, sig, NULL, 0) == 0)
			continue;
		if (s->p[i].fd >= 0)
			continue;	/* it ended: its pid may be someone else's now */
#endif
		kill(s->p[i].pid, sig);
	}
}

/* Drop process i: it ended (reaped if it is our child). */
static void
drop(struct procs *s, unsigned i)
{
	waitpid(s->p[i].pid, NULL, WNOHANG);
	if (s->p[i].fd >= 0)
		close(s->p[i].fd);
	s->p[i] = s->p[--s->n];
}

unsigned
procs_wait(struct procs *s, int timeout_ms)
{
	int64_t end = clock_mono_ms() + timeout_ms;
	int backoff = 1;

	for (;;) {
		struct pollfd pfd[PROCS_MAX];
		unsigned idx[PROCS_MAX], np = 0;
		int nofd = 0, wait_ms;
		int64_t left;

		for (unsigned i = 0; i < s->n; ) {
			if (s->p[i].fd < 0 && !procs_alive(s->p[i].pid)) {
				drop(s, i);
				continue;
			}
			if (s->p[i].fd < 0)
				nofd = 1;
			else {
				pfd[np].fd = s->p[i].fd;
				pfd[np].events = POLLIN;
				idx[np++] = i;
			}
			i++;
		}
		left = end - clock_mono_ms();
		if (s->n == 0 || left <= 0)
			return s->n;
		/* without pidfds, look again soon, then less often */
		wait_ms = nofd && backoff < left ? backoff : (int)left;
		backoff = backoff < 64 ? backoff * 2 : 64;
		if (poll(pfd, np, wait_ms) < 0 && errno != EINTR)
			return s->n;
		/* a pidfd is readable once its process has ended, zombie or not */
		for (unsigned k = np; k-- > 0; )
			if (pfd[k].revents != 0)
				drop(s, idx[k]);
	}
}

void
procs_close(struct procs *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->p[i].fd >= 0)
			close(s->p[i].fd);
	s->n = 0;
}
