/*
 * tools/mint-ivshmem-server against plain Unix-socket clients speaking QEMU's
 * ivshmem protocol: the greeting, the shared memory, eventfds that really
 * connect peers, peers leaving, ids not reused soon, the 64-peer cap, a stale socket,
 * SIGTERM, and bad options.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"

#define VECTORS		2
#define SHM_SIZE	(1 << 20)
#define TIMEOUT_MS	5000
#define MAX_PEERS	64

static char server[PATH_MAX], dir[PATH_MAX], sock_path[PATH_MAX + 16], shm_path[PATH_MAX + 16];

struct msg {
	int64_t val;
	int fd;		/* -1: none came */
};

/* One message: 1, 0 at end of file, -1 on timeout or error. */
static int
recv_msg(int sock, struct msg *m, int timeout_ms)
{
	uint64_t le;
	struct iovec iov = { &le, sizeof(le) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct pollfd p = { sock, POLLIN, 0 };
	struct cmsghdr *cm;
	ssize_t n;

	m->val = 0;
	m->fd = -1;
	if (poll(&p, 1, timeout_ms) != 1)
		return -1;
	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n == 0)
		return 0;
	if (n != sizeof(le))
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&m->fd, CMSG_DATA(cm), sizeof(int));
	m->val = (int64_t)le64toh(le);
	return 1;
}

/* Expect (val, an fd or none); return the fd, or -1 after saying what came. */
static int
expect(int sock, int64_t val, int with_fd, const char *what)
{
	struct msg m;
	int rc = recv_msg(sock, &m, TIMEOUT_MS);

	if (!ok(rc == 1 && m.val == val && (m.fd >= 0) == with_fd, "%s", what)) {
		if (rc != 1)
			diag("  %s", rc == 0 ? "end of file" : "nothing within the timeout");
		else
			diag("  got (%lld, %s), want (%lld, %s)", (long long)m.val,
			    m.fd >= 0 ? "fd" : "no fd", (long long)val, with_fd ? "fd" : "no fd");
	}
	return m.fd;
}

/* Nothing arrives within ms. */
static int
quiet(int sock, int ms)
{
	struct pollfd p = { sock, POLLIN, 0 };

	return poll(&p, 1, ms) == 0;
}

/* Read and close whatever a client has been sent so far. */
static void
drain(int sock)
{
	struct msg m;

	while (recv_msg(sock, &m, 0) == 1)
		if (m.fd >= 0)
			close(m.fd);
}

static int
readable(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static int
ring(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

static uint64_t
take(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static int
client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, sock_path, strlen(sock_path) + 1);	/* main checked the length */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		printf("Bail out! connect %s: %s\n", sock_path, strerror(errno));
		exit(1);
	}
	return fd;
}

/* Run the server with args, stdout into a pipe, stderr too unless err is NULL. */
static pid_t
spawn(const char *const *args, int *out, int *err)
{
	const char *argv[16] = { server };
	int o[2], e[2];
	pid_t pid;
	int n = 1;

	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* no server outlives a killed test */
		dup2(o[1], 1);
		if (err != NULL)
			dup2(e[1], 2);
		execv(server, (char *const *)argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	*out = o[0];
	if (err != NULL)
		*err = e[0];
	else
		close(e[0]);
	return pid;
}

/* Read a pipe to its end (or the buffer's). */
static void
slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && readable(fd, TIMEOUT_MS) &&
	    (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
}

/* Start a server on sock_path and shm_path; its pid once it says ready, else -1. */
static pid_t
start(const char *vectors)
{
	const char *args[] = { "-S", sock_path, "-m", shm_path, "-l", "1M", "-n", vectors, "-F", NULL };
	char line[64] = "";
	ssize_t n;
	pid_t pid;
	int out;

	/* its stderr is ours: warnings land in the test's log */
	if ((pid = spawn(args, &out, NULL)) < 0)
		return -1;
	if (readable(out, TIMEOUT_MS) && (n = read(out, line, sizeof(line) - 1)) > 0)
		line[n] = '\0';
	close(out);
	if (strcmp(line, "ready\n") != 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* Run the server to its exit; the exit code, its stderr in err. */
static int
run(const char *const *args, char *err, size_t size)
{
	char out[256];
	int o, e, status;
	pid_t pid;

	if ((pid = spawn(args, &o, &e)) < 0)
		return -1;
	slurp(e, err, size);
	slurp(o, out, sizeof(out));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Wait for the server: its exit code, or 1000 + the signal that killed it. */
static int
stopped(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Two clients, the memory, the doorbells, a departure, new ids, a vanished client, the cap. */
static void
peers(void)
{
	int c0, c1, c2, c3, fd, f;
	int own0[VECTORS], own1[VECTORS], peer1_at0[VECTORS], peer0_at1[VECTORS];
	int socks[MAX_PEERS + 1];
	char want[] = "written through client 0's mapping", got[sizeof(want)] = "";
	struct stat a, b;
	char what[128];
	struct msg m;
	unsigned v;
	pid_t pid;
	void *map;
	int status, n, in_order;

	pid = start("2");
	if (!ok(pid > 0, "the server starts on a fresh socket and says ready"))
		exit(tap_done());
	ok(stat(sock_path, &a) == 0 && S_ISSOCK(a.st_mode), "it listens on the socket file");

	c0 = client();
	expect(c0, 0, 0, "client 0: protocol version 0, no fd");
	expect(c0, 0, 0, "client 0: its id, 0, no fd");
	fd = expect(c0, -1, 1, "client 0: -1 with the shared memory fd");
	ok(fd >= 0 && fstat(fd, &a) == 0 && stat(shm_path, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == SHM_SIZE,
	    "the fd is the shared memory file, 1M long");
	map = fd >= 0 ? mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (map != MAP_FAILED) {
		memcpy((char *)map + 12345, want, sizeof(want));
		munmap(map, SHM_SIZE);
	}
	f = open(shm_path, O_RDONLY | O_CLOEXEC);
	ok(map != MAP_FAILED && f >= 0 && pread(f, got, sizeof(got), 12345) == sizeof(got) &&
	    memcmp(got, want, sizeof(want)) == 0,
	    "written through client 0's mapping, read back through the file");
	if (f >= 0)
		close(f);
	if (fd >= 0)
		close(fd);
	for (v = 0; v < VECTORS; v++) {
		snprintf(what, sizeof(what), "client 0: its own eventfd for vector %u, (0, fd)", v);
		own0[v] = expect(c0, 0, 1, what);
	}
	ok(quiet(c0, 100), "client 0: nothing more while alone");

	c1 = client();
	expect(c1, 0, 0, "client 1: protocol version 0");
	expect(c1, 1, 0, "client 1: its id, 1");
	fd = expect(c1, -1, 1, "client 1: -1 with the shared memory fd");
	if (fd >= 0)
		close(fd);
	for (v = 0; v < VECTORS; v++) {
		snprintf(what, sizeof(what), "client 1 learns client 0's eventfd for vector %u, (0, fd)", v);
		peer0_at1[v] = expect(c1, 0, 1, what);
	}
	for (v = 0; v < VECTORS; v++) {
		snprintf(what, sizeof(what), "client 1: its own eventfd for vector %u, (1, fd)", v);
		own1[v] = expect(c1, 1, 1, what);
	}
	for (v = 0; v < VECTORS; v++) {
		snprintf(what, sizeof(what), "client 0 learns client 1's eventfd for vector %u, (1, fd)", v);
		peer1_at0[v] = expect(c0, 1, 1, what);
	}

	ok(!readable(own1[1], 0) && !readable(own1[0], 0), "client 1's own eventfds start quiet");
	ok(ring(peer1_at0[1]) == 0 && readable(own1[1], TIMEOUT_MS) && take(own1[1]) == 1,
	    "client 0 writes 1 to client 1's vector 1: client 1's own vector-1 eventfd reads 1");
	ok(!readable(own1[0], 0), "and client 1's vector 0 stays quiet");
	ok(ring(peer0_at1[0]) == 0 && readable(own0[0], TIMEOUT_MS) && take(own0[0]) == 1 &&
	    !readable(own0[1], 0), "client 1 rings client 0's vector 0, and only that");

	close(c1);
	for (v = 0; v < VECTORS; v++) {
		close(own1[v]);
		close(peer0_at1[v]);
		close(peer1_at0[v]);
	}
	expect(c0, 1, 0, "client 1 disconnects: client 0 receives (1, no fd)");

	c2 = client();
	expect(c2, 0, 0, "client 2: protocol version 0");
	/* QEMU's device writes a returning id's eventfds into memory it freed */
	expect(c2, 2, 0, "client 2 gets a new id, 2, not the departed peer's 1");
	drain(c2);
	n = 0;
	for (v = 0; v < VECTORS; v++)
		if (recv_msg(c0, &m, TIMEOUT_MS) == 1 && m.val == 2 && m.fd >= 0) {
			close(m.fd);
			n++;
		}
	is(n, VECTORS, "client 0 learns the new peer 2's eventfds");

	/* stopped, the server cannot accept before the client is gone */
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	c3 = client();
	close(c3);
	kill(pid, SIGCONT);
	c3 = client();
	expect(c3, 0, 0, "after a client vanished before its greeting: the server still answers");
	/* the vanished one was given id 3 before its greeting failed */
	expect(c3, 4, 0, "and the next client gets id 4");
	drain(c3);
	n = f = 0;
	while (recv_msg(c0, &m, 300) == 1) {
		if (m.val == 4 && m.fd >= 0)
			n++;
		else
			f++;
		if (m.fd >= 0)
			close(m.fd);
	}
	ok(n == VECTORS && f == 0,
	    "client 0 hears of the new peer 4 only: the vanished one was never announced");
	if (n != VECTORS || f != 0)
		diag("  %d eventfds of peer 4, %d other messages", n, f);

	/* fill up to 64 peers; keep draining, so no client's buffer fills */
	socks[0] = c0;
	socks[1] = c2;
	socks[2] = c3;
	in_order = 1;
	for (int k = 3; k < MAX_PEERS; k++) {
		socks[k] = client();
		if (recv_msg(socks[k], &m, TIMEOUT_MS) != 1 || m.val != 0 ||
		    recv_msg(socks[k], &m, TIMEOUT_MS) != 1 || m.val != k + 2) {
			in_order = 0;
			diag("  client %d got id %lld", k, (long long)m.val);
		}
		for (int j = 0; j <= k; j++)
			drain(socks[j]);
	}
	ok(in_order, "64 peers: ids 5 to 65 follow in order");
	socks[MAX_PEERS] = client();
	ok(recv_msg(socks[MAX_PEERS], &m, TIMEOUT_MS) == 0,
	    "a 65th client is closed before any message");
	close(socks[MAX_PEERS]);

	close(socks[5]);	/* id 7 */
	n = 0;
	for (int k = 0; k < MAX_PEERS; k++) {
		if (k == 5)
			continue;
		/* the leaving may come after other messages still in flight */
		while (recv_msg(socks[k], &m, TIMEOUT_MS) == 1) {
			if (m.fd >= 0) {
				close(m.fd);
				continue;
			}
			n += m.val == 7;
			break;
		}
	}
	is(n, MAX_PEERS - 1, "peer 7 leaves: all 63 others hear (7, no fd)");
	socks[5] = client();
	expect(socks[5], 0, 0, "a new client in its slot: version 0");
	expect(socks[5], 66, 0, "and the next new id, 66 (the 65th client took none)");

	kill(pid, SIGTERM);
	is(stopped(pid), 0, "SIGTERM: the server exits 0");
	ok(access(sock_path, F_OK) < 0 && errno == ENOENT, "and removes its socket file");
	drain(c0);	/* peer 5's comings and goings, still unread */
	ok(recv_msg(c0, &m, TIMEOUT_MS) == 0, "its clients see end of file");
	for (int k = 0; k < MAX_PEERS; k++)
		close(socks[k]);
	for (v = 0; v < VECTORS; v++)
		close(own0[v]);
}

/* A socket left by a killed server is taken over; a live one is not. */
static void
stale(void)
{
	const char *args[] = { "-S", sock_path, "-m", shm_path, "-l", "1M", NULL };
	char err[1024];
	struct msg m;
	pid_t pid;
	int c;

	pid = start("1");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ok(access(sock_path, F_OK) == 0, "a killed server leaves its socket file");
	pid = start("1");
	ok(pid > 0, "a new server takes the stale socket over");
	if (pid < 0)
		return;
	is(run(args, err, sizeof(err)), 1, "a second server on a live socket exits 1");
	has(err, "another server is listening", "saying why");
	c = client();
	ok(recv_msg(c, &m, TIMEOUT_MS) == 1 && m.val == 0 && recv_msg(c, &m, TIMEOUT_MS) == 1 &&
	    m.val == 1, "the first server still serves (id 1: the second's probe was given 0)");
	close(c);
	kill(pid, SIGINT);
	is(stopped(pid), 0, "SIGINT: the server exits 0");
	ok(access(sock_path, F_OK) < 0, "and removes its socket file");
}

static void
bad_options(void)
{
	char err[1024], nodir[PATH_MAX + 32];
	const char *unknown[] = { "-S", sock_path, "-m", shm_path, "-l", "1M", "-x", NULL };
	const char *missing[] = { "-m", shm_path, "-l", "1M", NULL };
	const char *size[] = { "-S", sock_path, "-m", shm_path, "-l", "3M", NULL };
	const char *vectors[] = { "-S", sock_path, "-m", shm_path, "-l", "1M", "-n", "65", NULL };
	const char *extra[] = { "-S", sock_path, "-m", shm_path, "-l", "1M", "more", NULL };
	const char *fail[] = { "-S", sock_path, "-m", nodir, "-l", "1M", NULL };

	is(run(unknown, err, sizeof(err)), 2, "an unknown option exits 2");
	has(err, "usage: mint-ivshmem-server", "with the usage");
	is(run(missing, err, sizeof(err)), 2, "no -S exits 2");
	has(err, "-S, -m and -l are required", "saying what is missing");
	is(run(size, err, sizeof(err)), 2, "a size of 3M exits 2");
	has(err, "not a power of two", "saying why");
	is(run(vectors, err, sizeof(err)), 2, "65 vectors exit 2");
	has(err, "from 1 to 64", "saying the range");
	is(run(extra, err, sizeof(err)), 2, "a stray argument exits 2");
	snprintf(nodir, sizeof(nodir), "%s/no/such/dir/shm", dir);
	is(run(fail, err, sizeof(err)), 1, "a shared memory file it cannot create exits 1");
	has(err, "No such file or directory", "with the reason");
	ok(access(sock_path, F_OK) < 0, "and leaves no socket behind");
}

int
main(int argc, char **argv)
{
	const char *top = getenv("top_builddir"), *tmp = getenv("TMPDIR");

	snprintf(server, sizeof(server), "%s/tools/mint-ivshmem-server", top ? top : ".");
	if (argc > 1)
		snprintf(server, sizeof(server), "%s", argv[1]);
	if (access(server, X_OK) != 0) {
		printf("Bail out! %s: %s (make tools/mint-ivshmem-server)\n", server, strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/mint-ivshmem-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	snprintf(shm_path, sizeof(shm_path), "%s/shm", dir);
	if (strlen(sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		printf("Bail out! %s: too long for a Unix socket; set TMPDIR shorter\n", sock_path);
		rmdir(dir);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	alarm(120);	/* a hang fails the test instead of the whole make check */

	peers();
	stale();
	bad_options();

	unlink(sock_path);
	unlink(shm_path);
	rmdir(dir);
	return tap_done();
}
