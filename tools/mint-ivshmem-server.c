/*
 * mint-ivshmem-server: the peer server behind QEMU's ivshmem-doorbell device, which
 * Debian 12 does not ship. It hands every client the shared memory and, for
 * each peer, one eventfd per vector (QEMU docs/specs/ivshmem-spec.rst).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

#define PROTOCOL_VERSION	0	/* what QEMU >= 2.5 expects first */
#define MAX_PEERS		64
#define MAX_VECTORS		64	/* as QEMU's own server */
#define SEND_TIMEOUT_S		5	/* a client that reads nothing this long is dropped */

#define MAX_ID			0xffff	/* QEMU's IVSHMEM_MAX_PEERS */

/*
 * A peer has a slot here and an id on the wire. Ids go up and are not given
 * again until the 16-bit space wraps: QEMU's ivshmem device (10.0) frees the
 * eventfd array of a peer that left but keeps the pointer, and writes the
 * next peer of that id's eventfds into the freed memory (seen as heap
 * corruption, "corrupted size vs. prev_size", in every VM that had seen the
 * id leave). QEMU's own server never reuses an id soon either.
 */
struct peer {
	int sock;			/* -1: the slot is free */
	unsigned id;
	int efd[MAX_VECTORS];
	int dead;			/* a send failed or it hung up: drop at the next reap */
	int announced;			/* the others have its eventfds, so must hear it leave */
};

struct server {
	const char *sock_path;
	dev_t sock_dev;
	ino_t sock_ino;
	int listen_fd;
	int shm_fd;
	int sig_fd;
	unsigned vectors;
	int accept_paused;		/* out of fds: wait for a peer to leave, or a second */
	unsigned next_id;		/* the id the next peer gets, unless one has it */
	struct peer peers[MAX_PEERS];
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mint-ivshmem-server -S SOCKET -m SHMFILE -l SIZE [-n VECTORS] [-F] [-v]\n"
	    "  -S SOCKET   Unix socket to listen on (QEMU: -chardev socket,path=SOCKET)\n"
	    "  -m SHMFILE  shared memory file, created or resized (best under /dev/shm)\n"
	    "  -l SIZE     its size, a power of two like 16M, 64M or 1G\n"
	    "  -n VECTORS  interrupt vectors per peer, 1 to %d (default 1)\n"
	    "  -F          stay in the foreground (always; kept for QEMU's option set)\n"
	    "  -v          log peers coming and going on stderr\n"
	    "Prints \"ready\" on stdout once listening; SIGTERM or SIGINT stop it.\n",
	    MAX_VECTORS);
}

/* A size with an optional binary suffix K, M, G or T. */
static int
parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	if (*end != '\0' || (shift > 0 && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

/* One protocol message: a little-endian int64, with fd in SCM_RIGHTS unless it is -1. */
static int
send_msg(int sock, int64_t val, int fd)
{
	uint64_t le = htole64((uint64_t)val);
	struct iovec iov = { &le, sizeof(le) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* a torn message would garble the rest of the stream */
	return n == sizeof(le) ? 0 : -EPIPE;
}

/* Send to the peer in slot; one that cannot take it is marked for dropping, not waited for. */
static void
peer_send(struct server *s, unsigned slot, int64_t val, int fd)
{
	struct peer *p = &s->peers[slot];
	int rc;

	if (p->dead)
		return;
	if ((rc = send_msg(p->sock, val, fd)) < 0) {
		log_debug("peer %u: send: %s", p->id, strerror(-rc));
		p->dead = 1;
	}
}

static void
peer_close(struct peer *p, unsigned vectors)
{
	for (unsigned v = 0; v < vectors; v++)
		if (p->efd[v] >= 0)
			close(p->efd[v]);
	close(p->sock);
	p->sock = -1;
	p->dead = 0;
	p->announced = 0;
}

/* Drop dead peers and tell the others; telling them may find more dead peers. */
static void
server_reap(struct server *s)
{
	int again = 1;

	while (again) {
		again = 0;
		for (unsigned slot = 0; slot < MAX_PEERS; slot++) {
			struct peer *p = &s->peers[slot];
			int announced = p->announced;

			if (p->sock < 0 || !p->dead)
				continue;
			peer_close(p, s->vectors);
			s->accept_paused = 0;
			log_debug("peer %u left", p->id);
			if (announced)
				for (unsigned o = 0; o < MAX_PEERS; o++)
					if (s->peers[o].sock >= 0)
						peer_send(s, o, p->id, -1);
			again = 1;
		}
	}
}

/* The greeting, in the order the spec gives; a client gone mid-way leaves unannounced. */
static void
server_welcome(struct server *s, unsigned slot)
{
	struct peer *p = &s->peers[slot];

	peer_send(s, slot, PROTOCOL_VERSION, -1);
	peer_send(s, slot, p->id, -1);
	peer_send(s, slot, -1, s->shm_fd);
	for (unsigned o = 0; o < MAX_PEERS && !p->dead; o++)
		if (o != slot && s->peers[o].sock >= 0 && !s->peers[o].dead)
			for (unsigned v = 0; v < s->vectors; v++)
				peer_send(s, slot, s->peers[o].id, s->peers[o].efd[v]);
	if (p->dead)
		return;
	p->announced = 1;
	for (unsigned o = 0; o < MAX_PEERS; o++)
		if (o != slot && s->peers[o].sock >= 0)
			for (unsigned v = 0; v < s->vectors; v++)
				peer_send(s, o, p->id, p->efd[v]);
	for (unsigned v = 0; v < s->vectors; v++)
		peer_send(s, slot, p->id, p->efd[v]);
}

/* The next id no peer has (one of at most MAX_PEERS is taken). */
static unsigned
next_id(struct server *s)
{
	for (;;) {
		unsigned id = s->next_id, o;

		s->next_id = id == MAX_ID ? 0 : id + 1;
		for (o = 0; o < MAX_PEERS; o++)
			if (s->peers[o].sock >= 0 && s->peers[o].id == id)
				break;
		if (o == MAX_PEERS)
			return id;
	}
}

/* Give a new connection a free slot, a new id and its eventfds; 0, or -errno. */
static int
server_add(struct server *s, int sock)
{
	struct timeval tv = { SEND_TIMEOUT_S, 0 };
	struct peer *p = NULL;
	unsigned slot;
	int rc;

	for (slot = 0; slot < MAX_PEERS; slot++)
		if (s->peers[slot].sock < 0) {
			p = &s->peers[slot];
			break;
		}
	if (p == NULL)
		return -EUSERS;
	/* blocking sends, bounded: the greeting can outgrow the socket buffer */
	if (setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	for (unsigned v = 0; v < s->vectors; v++) {
		/* non-blocking, as QEMU's own server makes them: readers drain without hanging */
		p->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->efd[v] < 0) {
			rc = -errno;
			while (v-- > 0) {
				close(p->efd[v]);
				p->efd[v] = -1;
			}
			return rc;
		}
	}
	p->id = next_id(s);	/* before the slot counts as taken */
	p->sock = sock;
	p->dead = 0;
	p->announced = 0;
	log_debug("peer %u joined", p->id);
	server_welcome(s, slot);
	server_reap(s);
	return 0;
}

static void
server_accept(struct server *s)
{
	int sock, rc;

	for (;;) {
		sock = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (sock < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept: %s; waiting for a peer to leave", strerror(errno));
				s->accept_paused = 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn("accept: %s", strerror(errno));
			}
			return;
		}
		if ((rc = server_add(s, sock)) < 0) {
			/* the client sees the connection close before any message */
			if (rc == -EUSERS)
				log_warn("refusing a client: already %d peers", MAX_PEERS);
			else
				log_warn("refusing a client: %s", strerror(-rc));
			close(sock);
		}
	}
}

/* Clients never speak: input is discarded, end of file or an error means it left. */
static void
peer_input(struct server *s, unsigned slot)
{
	struct peer *p = &s->peers[slot];
	char buf[256];
	ssize_t n;

	do
		n = recv(p->sock, buf, sizeof(buf), MSG_DONTWAIT);
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		p->dead = 1;
}

/*
 * Take over a socket file only if nobody listens on it any more. A live server
 * sees the probe as a peer that comes and goes at once, which its clients survive.
 */
static int
clear_stale_socket(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	if (errno != ECONNREFUSED)
		return -errno;
	return unlink(sun->sun_path) < 0 ? -errno : 0;
}

static int
server_listen(struct server *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int rc;

	if (strlen(s->sock_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, s->sock_path, strlen(s->sock_path) + 1);
	if ((rc = clear_stale_socket(&sun)) < 0)
		return rc;
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return -errno;
	if (bind(s->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(s->listen_fd, 16) < 0 || stat(s->sock_path, &st) < 0) {
		rc = -errno;
		goto err_close;
	}
	/* remember which file is ours, so that exiting removes no one else's */
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	return 0;

err_close:
	close(s->listen_fd);
	s->listen_fd = -1;
	return rc;
}

static void
server_unlink(const struct server *s)
{
	struct stat st;

	if (stat(s->sock_path, &st) == 0 && st.st_dev == s->sock_dev && st.st_ino == s->sock_ino)
		unlink(s->sock_path);
}

/* 64 peers with 64 vectors need over 4096 descriptors; take what the hard limit allows. */
static void
raise_fd_limit(unsigned vectors)
{
	rlim_t want = (rlim_t)MAX_PEERS * (vectors + 1) + 32;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_warn("only %llu file descriptors: fewer than %d peers may fit",
		    (unsigned long long)rl.rlim_cur, MAX_PEERS);
}

static void
server_run(struct server *s)
{
	struct pollfd pfd[2 + MAX_PEERS];
	unsigned slots[MAX_PEERS];

	for (;;) {
		nfds_t n = 0, first;
		int rc;

		pfd[n++] = (struct pollfd){ s->sig_fd, POLLIN, 0 };
		pfd[n++] = (struct pollfd){ s->listen_fd, s->accept_paused ? 0 : POLLIN, 0 };
		first = n;
		for (unsigned slot = 0; slot < MAX_PEERS; slot++)
			if (s->peers[slot].sock >= 0) {
				slots[n - first] = slot;
				pfd[n++] = (struct pollfd){ s->peers[slot].sock, POLLIN, 0 };
			}
		rc = poll(pfd, n, s->accept_paused ? 1000 : -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
				log_debug("signal %u: stopping", si.ssi_signo);
				return;
			}
		}
		for (nfds_t i = first; i < n; i++)
			if (pfd[i].revents != 0)
				peer_input(s, slots[i - first]);
		server_reap(s);
		if (rc == 0)
			s->accept_paused = 0;
		if (pfd[1].revents & POLLIN)
			server_accept(s);
	}
}

int
main(int argc, char **argv)
{
	static struct server s;
	const char *shm_path = NULL, *size_arg = NULL;
	unsigned long vectors = 1;
	int c, verbose = 0;
	uint64_t size = 0;
	sigset_t sigs;
	char *end;

	log_open("mint-ivshmem-server", 0, LOG_TO_STDERR);
	while ((c = getopt(argc, argv, "S:m:l:n:Fvh")) != -1) {
		switch (c) {
		case 'S': s.sock_path = optarg; break;
		case 'm': shm_path = optarg; break;
		case 'l': size_arg = optarg; break;
		case 'n':
			errno = 0;
			vectors = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || *optarg < '0' || *optarg > '9' ||
			    vectors < 1 || vectors > MAX_VECTORS) {
				fprintf(stderr, "mint-ivshmem-server: vectors '%s' is not a number from 1 to %d\n",
				    optarg, MAX_VECTORS);
				return 2;
			}
			break;
		case 'F': break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mint-ivshmem-server: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (s.sock_path == NULL || shm_path == NULL || size_arg == NULL) {
		fprintf(stderr, "mint-ivshmem-server: -S, -m and -l are required\n");
		usage(stderr);
		return 2;
	}
	/* QEMU maps the memory as a PCI BAR, and BARs are powers of two */
	if (parse_size(size_arg, &size) < 0 || size < 4096 || (size & (size - 1)) != 0 ||
	    size > (uint64_t)INT64_MAX) {
		fprintf(stderr, "mint-ivshmem-server: size '%s' is not a power of two from 4K, like "
		    "16M, 64M or 1G\n", size_arg);
		return 2;
	}
	log_set_verbose(verbose);
	s.vectors = (unsigned)vectors;
	s.listen_fd = -1;
	for (unsigned slot = 0; slot < MAX_PEERS; slot++) {
		s.peers[slot].sock = -1;
		for (unsigned v = 0; v < MAX_VECTORS; v++)
			s.peers[slot].efd[v] = -1;
	}
	raise_fd_limit(s.vectors);

	/* signals arrive through the poll loop, so none is lost between two polls */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0 ||
	    (s.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);

	/* the socket first: a second server must not resize the first one's memory */
	if ((c = server_listen(&s)) < 0) {
		if (c == -EEXIST)
			fatalx("%s: exists and is not a socket", s.sock_path);
		if (c == -EADDRINUSE)
			fatalx("%s: another server is listening there", s.sock_path);
		fatalx("%s: cannot listen: %s", s.sock_path, strerror(-c));
	}
	/* not O_TRUNC: clients of a previous run may still map this memory */
	s.shm_fd = open(shm_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s.shm_fd < 0 || ftruncate(s.shm_fd, (off_t)size) < 0) {
		int e = errno;

		server_unlink(&s);
		errno = e;
		fatal("%s: cannot create it with %s", shm_path, size_arg);
	}
	printf("ready\n");
	fflush(stdout);

	server_run(&s);

	for (unsigned slot = 0; slot < MAX_PEERS; slot++)
		if (s.peers[slot].sock >= 0)
			peer_close(&s.peers[slot], s.vectors);
	server_unlink(&s);
	close(s.listen_fd);
	close(s.shm_fd);
	close(s.sig_fd);
	return 0;
}
