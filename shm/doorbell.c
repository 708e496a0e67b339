/* Doorbell backends: futex and bell sockets under one kernel, polling with back-off anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "kernel/mint-uapi.h"
#include "shm/atomic.h"
#include "shm/doorbell.h"
#include "shm/node.h"

int64_t
doorbell_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Shared (not private) futexes: the word lives in a mapping of several processes. */
static int
futex_wait(const struct doorbell *db, uint32_t *word, uint32_t expect, int64_t timeout_ns)
{
	struct timespec ts, *tp = NULL;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tp = &ts;
	}
	if (syscall(SYS_futex, word, FUTEX_WAIT, expect, tp, NULL, 0) < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	return 0;
}

static void
futex_ring(const struct doorbell *db, uint32_t *word, unsigned peer)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Back off from 20 us to 1 ms between looks: cheap when idle, prompt when busy. */
static int
poll_wait(const struct doorbell *db, uint32_t *word, uint32_t expect, int64_t timeout_ns)
{
	int64_t end = timeout_ns >= 0 ? doorbell_now_ns() + timeout_ns : INT64_MAX;
	int64_t nap = 20000;
	struct timespec ts;

	while (load_acquire(word) == expect) {
		int64_t left = end - doorbell_now_ns();
		if (left <= 0)
			return 0;
		if (nap > left)
			nap = left;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)nap;
		nanosleep(&ts, NULL);
		if (nap < 1000000)
			nap *= 2;
	}
	return 0;
}

static void
poll_ring(const struct doorbell *db, uint32_t *word, unsigned peer)
{
}

/*
 * A node's bell: an abstract Unix datagram socket; ringing sends it a byte.
 * Its name ends in a random token the node's agent draws at each start and
 * then publishes in its node entry: abstract names belong to whoever binds
 * first, and a name anyone can work out could be taken by any local user
 * before the agent starts, which then could not.
 */
static void
sock_addr(const struct doorbell *db, unsigned node, uint32_t token, struct sockaddr_un *sun,
    socklen_t *len)
{
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* abstract namespace: sun_path[0] is NUL, nothing to clean up on exit */
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "mint-%s-bell-%u-%08x",
	    db->machine, node, token);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* Empty the bell: one wake-up stands for any number of rings. */
void
doorbell_drain(const struct doorbell *db)
{
	char buf[64];

	if (db->fd < 0)
		return;
	if (db->kind == DOORBELL_DEV)	/* the device reads a count; one read takes them all */
		while (read(db->fd, buf, sizeof(uint64_t)) > 0)
			;
	else
		while (recv(db->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
}

static int
sock_wait(const struct doorbell *db, uint32_t *word, uint32_t expect, int64_t timeout_ns)
{
	struct pollfd p = { db->fd, POLLIN, 0 };

	if (load_acquire(word) != expect)
		return 0;
	if (poll(&p, 1, timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000)) < 0 &&
	    errno != EINTR)
		return -errno;
	doorbell_drain(db);
	return 0;
}

static void
sock_ring(const struct doorbell *db, uint32_t *word, unsigned peer)
{
	struct sockaddr_un sun;
	socklen_t len;
	uint32_t token = node_bell(db->region, peer);
	char b = 1;

	/* no token yet: the peer has not opened its bell, and drains every ring when it does */
	if (token == 0)
		return;
	sock_addr(db, peer, token, &sun, &len);
	/* a full or absent bell needs no second ring: its owner drains all rings anyway */
	sendto(db->fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
}

/* Under the module: ring the peer's doorbell interrupt; its device turns readable. */
static void
dev_ring(const struct doorbell *db, uint32_t *word, unsigned peer)
{
	struct mint_bell ring = { node_bell(db->region, peer), 0 };

	/* a peer with no bell yet has not attached: it drains every ring when it does */
	if (ring.bell != 0)
		(void)ioctl(db->fd, MINT_IOC_RING, &ring);
}

static const struct doorbell_ops futex_ops = { futex_wait, futex_ring };
static const struct doorbell_ops poll_ops = { poll_wait, poll_ring };
static const struct doorbell_ops sock_ops = { sock_wait, sock_ring };
static const struct doorbell_ops dev_ops = { sock_wait, dev_ring };	/* waits alike: poll, drain */

const struct doorbell doorbell_polled = { .ops = &poll_ops, .kind = DOORBELL_POLL, .fd = -1 };

/*
 * The bell of node self on the machine whose region r is (a file: named
 * after the file itself, whatever path each agent used for it). Its token
 * goes in the node entry, where the peers that ring it read it.
 */
int
doorbell_open_region_sock(struct doorbell *db, const struct mint_region *r, unsigned self)
{
	struct sockaddr_un sun;
	struct stat st;
	socklen_t len;
	uint32_t token;
	int rc = -EADDRINUSE;

	memset(db, 0, sizeof(*db));
	db->kind = DOORBELL_SOCK;
	db->ops = &sock_ops;
	db->region = r;
	db->fd = -1;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	snprintf(db->machine, sizeof(db->machine), "%jx-%jx", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	if ((db->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	/* a taken name is someone's squatting on it, or chance: draw again */
	for (int tries = 0; tries < 16 && rc == -EADDRINUSE; tries++) {
		if (getrandom(&token, sizeof(token), 0) != (ssize_t)sizeof(token)) {
			rc = -errno;
			break;
		}
		if (token == 0)
			continue;
		sock_addr(db, self, token, &sun, &len);
		rc = bind(db->fd, (struct sockaddr *)&sun, len) < 0 ? -errno : 0;
	}
	if (rc < 0 || (rc = node_set_bell(r, self, token)) < 0) {
		close(db->fd);
		db->fd = -1;
		return rc;
	}
	return 0;
}

/*
 * This node's doorbell on the module's device dev_fd (the region's own fd):
 * *bell is where peers ring it, for the node table. -EOPNOTSUPP when the
 * device has none (a reserved range without a Mint kernel's IPI): poll then.
 */
int
doorbell_open_dev(struct doorbell *db, int dev_fd, const void *region, uint32_t *bell)
{
	struct mint_info info;

	memset(db, 0, sizeof(*db));
	db->fd = -1;
	db->kind = DOORBELL_DEV;
	db->ops = &dev_ops;
	db->region = region;
	if (ioctl(dev_fd, MINT_IOC_INFO, &info) < 0)
		return -errno;
	if (info.bell == 0)
		return -EOPNOTSUPP;
	if ((db->fd = fcntl(dev_fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -errno;
	/* drain reads must not block; the region's mapping does not care */
	(void)fcntl(db->fd, F_SETFL, fcntl(db->fd, F_GETFL) | O_NONBLOCK);
	*bell = info.bell;
	return 0;
}

void
doorbell_close(struct doorbell *db)
{
	if (db->fd >= 0)
		close(db->fd);
	db->fd = -1;
}

int
doorbell_init(struct doorbell *db, enum doorbell_kind kind)
{
	memset(db, 0, sizeof(*db));
	db->kind = kind;
	db->fd = -1;
	switch (kind) {
	case DOORBELL_FUTEX:
		db->ops = &futex_ops;
		return 0;
	case DOORBELL_POLL:
		db->ops = &poll_ops;
		return 0;
	case DOORBELL_SOCK:
	case DOORBELL_DEV:
		break;		/* doorbell_open_region_sock, doorbell_open_dev */
	}
	return -EINVAL;
}

static const char *const doorbell_names[] = {
	[DOORBELL_FUTEX] = "futex",
	[DOORBELL_POLL] = "poll",
	[DOORBELL_SOCK] = "sock",
	[DOORBELL_DEV] = "dev",
};

const char *
doorbell_name(enum doorbell_kind kind)
{
	if ((unsigned)kind < sizeof(doorbell_names) / sizeof(doorbell_names[0]))
		return doorbell_names[kind];
	return "?";
}

int
doorbell_parse(const char *name, enum doorbell_kind *kind)
{
	for (unsigned i = 0; i < sizeof(doorbell_names) / sizeof(doorbell_names[0]); i++)
		if (strcmp(name, doorbell_names[i]) == 0) {
			*kind = (enum doorbell_kind)i;
			return 0;
		}
	return -EINVAL;
}
