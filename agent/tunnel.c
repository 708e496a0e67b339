/*
 * Stream tunnels through the region (see tunnel.h). The loop accepts and
 * sets up; each tunnel then has a thread that copies socket -> ring and
 * ring -> socket, so a migration stream never stalls the heartbeat. Flow
 * control is the ring: a full ring stops the socket reads, and the sending
 * program's socket then blocks. Either end closing is passed on as EOF (a
 * half close); a peer that dies or restarts ends the tunnel at once, and
 * the sockets are closed so that both programs see EOF or an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/tunnel.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/sock.h"
#include "shm/node.h"
#include "shm/stream.h"

#define TUN_CHUNK	(256u << 10)	/* most bytes one record carries */
#define TUN_NAP_MAX_NS	2000000		/* longest look-again sleep of an idle tunnel */
#define TUN_DRAIN_MS	10000		/* how long the last records may wait for the peer */
#define TUN_SUN_PATH	sizeof(((struct sockaddr_un *)NULL)->sun_path)

struct tunnel {
	struct tunnel *next;
	struct agent *a;
	struct tlisten *l;	/* the listener it came through (initiator side) */
	unsigned id, peer;
	uint32_t peer_epoch;
	int fd;
	unsigned tx_ring, rx_ring;
	uint64_t tx_claim, rx_claim;	/* the rings' claim words: a change means the peer gave up */
	struct ring_tx tx;
	struct ring_rx rx;	/* both rings polled: no doorbell */
	pthread_t thread;
	int running;		/* the thread was started */
	int stop;		/* atomic: the loop asks the thread to end */
	int peer_dead;		/* atomic: the peer died, its ring is ours to return */
	int done;		/* atomic: the thread ended */
	uint64_t out, in;	/* atomic: bytes socket -> ring, ring -> socket */
	char target[108];
	char why[160];
};

struct tlisten {
	struct tlisten *next;
	struct agent *a;
	unsigned id, peer;
	int fd;
	ev_io io;
	int dirfd;		/* the socket's directory, held so that closing removes our socket only */
	ino_t ino;		/* the socket file we made */
	char path[108];
	char name[108];		/* its name in dirfd */
	char target[108];
	uint64_t carried;	/* bytes of tunnels that ended */
};

/* Names a peer may ask us to connect to: "libvirt", or a plain file name in our directory. */
int
tunnel_target_ok(const char *t)
{
	size_t n = strlen(t);

	if (strcmp(t, TUN_TARGET_LIBVIRT) == 0)
		return 1;
	if (n == 0 || n > 64 || t[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(t[i] >= 'a' && t[i] <= 'z') && !(t[i] >= 'A' && t[i] <= 'Z') &&
		    !(t[i] >= '0' && t[i] <= '9') && t[i] != '-' && t[i] != '_' && t[i] != '.')
			return 0;
	return 1;
}

static int
peer_gone(struct tunnel *t)
{
	struct node_view v;

	if (__atomic_load_n(&t->peer_dead, __ATOMIC_ACQUIRE))
		return 1;
	/* a new epoch is a restarted agent: its end of this tunnel is gone */
	if (node_read(&t->a->region, t->peer, &v) < 0 || v.epoch != t->peer_epoch ||
	    v.state != MINT_NODE_ONLINE)
		return 1;
	return 0;
}

static int
rings_intact(const struct tunnel *t)
{
	return stream_intact(&t->a->region, t->tx_ring, t->tx_claim) &&
	    stream_intact(&t->a->region, t->rx_ring, t->rx_claim);
}

/* Wait (bounded) until the peer has read everything we wrote: 0, or -1. */
static int
tx_drain(struct tunnel *t)
{
	int64_t end = clock_mono_ms() + TUN_DRAIN_MS;
	struct timespec ts = { 0, 200000 };

	while (ring_tx_unread(&t->tx) != 0) {
		if (peer_gone(t) || !rings_intact(t))
			return -1;
		if (clock_mono_ms() > end) {
			log_warn("tunnel %u: node %u did not read the last %u bytes", t->id, t->peer,
			    ring_tx_unread(&t->tx));
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * A clean end returns our ring once the peer has read it all. Otherwise we
 * mark both rings aborted, which the peer sees even when the rings are full
 * and it is stuck writing to its socket; then each side returns its own.
 */
static void
tunnel_end(struct tunnel *t, int clean, const char *why)
{
	ring_rx_publish(&t->rx);
	shutdown(t->fd, SHUT_RDWR);
	close(t->fd);
	t->fd = -1;
	if (clean && tx_drain(t) < 0)
		clean = 0;
	if (!clean) {
		stream_abort(&t->a->region, t->tx_ring, t->tx_claim);
		stream_abort(&t->a->region, t->rx_ring, t->rx_claim);
	}
	stream_put(&t->a->region, t->tx_ring, t->a->node);
	if (peer_gone(t))
		stream_put(&t->a->region, t->rx_ring, t->peer);	/* its producer cannot */
	snprintf(t->why, sizeof(t->why), "%s", why);
}

/* Where one tunnel's copy loop is. */
struct pump {
	struct tunnel *t;
	uint32_t chunk;		/* a record takes at most half a ring */
	int sock_eof, peer_eof, ring_full, want_out, progress;
	struct ring_rec rec;	/* the record being written to the socket */
	int have_rec;
	uint32_t woff;		/* how much of it is written */
	const char *why;	/* why it ended */
	char buf[160];
};

/* Socket to ring: one chunk if the ring has room. 0, or -1 with p->why. */
static int
pump_out(struct pump *p)
{
	struct tunnel *t = p->t;
	void *at;
	int rc = ring_reserve(&t->tx, p->chunk, &at);
	ssize_t n;

	p->ring_full = rc == -EAGAIN;
	if (rc == -EAGAIN)
		return 0;
	if (rc < 0) {
		snprintf(p->buf, sizeof(p->buf), "ring damaged (%s)", strerror(-rc));
		p->why = p->buf;
		return -1;
	}
	n = recv(t->fd, at, p->chunk, MSG_DONTWAIT);
	if (n > 0) {
		ring_commit(&t->tx, TUN_DATA, (uint32_t)n);
		__atomic_fetch_add(&t->out, (uint64_t)n, __ATOMIC_RELAXED);
		p->progress = 1;
	} else if (n == 0) {
		ring_commit(&t->tx, TUN_EOF, 0);
		p->sock_eof = 1;
		p->progress = 1;
	} else if (errno != EAGAIN && errno != EINTR) {
		snprintf(p->buf, sizeof(p->buf), "socket: %s", strerror(errno));
		p->why = p->buf;
		return -1;
	}
	return 0;
}

/* Ring to socket: records until the ring is empty or the socket full. 0, or -1 with p->why. */
static int
pump_in(struct pump *p)
{
	struct tunnel *t = p->t;

	while (!p->peer_eof) {
		if (!p->have_rec) {
			int rc = ring_peek(&t->rx, &p->rec);

			if (rc == -EAGAIN)
				return 0;
			if (rc < 0) {
				snprintf(p->buf, sizeof(p->buf), "ring from node %u: %s", t->peer,
				    ring_rx_error(&t->rx));
				p->why = p->buf;
				return -1;
			}
			p->have_rec = 1;
			p->woff = 0;
			p->progress = 1;
		}
		if (p->rec.type == TUN_EOF) {
			ring_release(&t->rx);
			p->have_rec = 0;
			shutdown(t->fd, SHUT_WR);
			p->peer_eof = 1;
			return 0;
		}
		if (p->rec.type != TUN_DATA) {
			ring_release(&t->rx);
			p->why = p->rec.type == TUN_RESET ? "reset by the other end" :
			    "unknown record in the ring";
			return -1;
		}
		if (p->woff < p->rec.len) {
			ssize_t n = send(t->fd, (const char *)p->rec.data + p->woff,
			    p->rec.len - p->woff, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				p->want_out = 1;
				return 0;
			}
			if (n < 0) {
				snprintf(p->buf, sizeof(p->buf), "socket: %s", strerror(errno));
				p->why = p->buf;
				return -1;
			}
			p->woff += (uint32_t)n;
			__atomic_fetch_add(&t->in, (uint64_t)n, __ATOMIC_RELAXED);
			p->progress = 1;
		}
		if (p->woff >= p->rec.len) {
			ring_release(&t->rx);
			p->have_rec = 0;
		}
	}
	return 0;
}

/* Nothing moved: sleep on the socket, look at the rings after a nap that grows. */
static void
pump_nap(struct pump *p, int64_t *nap)
{
	struct pollfd pfd = { p->t->fd, 0, 0 };
	struct timespec ts;

	*nap = *nap == 0 ? 20000 : *nap * 2 > TUN_NAP_MAX_NS ? TUN_NAP_MAX_NS : *nap * 2;
	ts.tv_sec = 0, ts.tv_nsec = *nap;
	/* with the ring full, a readable socket must not wake us at once */
	if (!p->sock_eof && !p->ring_full)
		pfd.events |= POLLIN;
	if (p->want_out)
		pfd.events |= POLLOUT;
	/* idle: give the peer all the space we have read */
	ring_rx_publish(&p->t->rx);
	ppoll(&pfd, 1, &ts, NULL);
}

/* The copy loop of one tunnel, in its own thread. */
static void *
tunnel_pump(void *arg)
{
	struct tunnel *t = arg;
	struct pump p = { .t = t, .why = "closed" };
	int clean = 0;
	int64_t nap = 0;
	unsigned idle = 0;
	sigset_t all;

	p.chunk = ring_tx_max_len(&t->tx) < TUN_CHUNK ? ring_tx_max_len(&t->tx) : TUN_CHUNK;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		p.progress = 0, p.want_out = 0;
		if (__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
			p.why = "closed by this agent";
			break;
		}
		if (!rings_intact(t)) {
			p.why = "the other end gave up";
			break;
		}
		if ((!p.sock_eof && pump_out(&p) < 0) || pump_in(&p) < 0)
			break;
		if (p.sock_eof && p.peer_eof) {
			clean = 1;
			p.why = "closed";
			break;
		}
		/* a peer that restarted leaves its ring silent: look now and then */
		if ((!p.progress || (++idle & 1023) == 0) && peer_gone(t)) {
			p.why = "the other node's agent is gone";
			break;
		}
		if (p.progress)
			nap = 0;
		else
			pump_nap(&p, &nap);
	}
	tunnel_end(t, clean, p.why);
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	ev_async_send(t->a->loop, &t->a->tunnel_wake);
	return NULL;
}

static struct tunnel *
tunnel_new(struct agent *a, unsigned peer, int fd, const char *target)
{
	struct tunnel *t = calloc(1, sizeof(*t));
	struct node_view v;

	if (t == NULL)
		return NULL;
	t->a = a;
	t->id = ++a->tunnel_ids;
	t->peer = peer;
	t->fd = fd;
	t->tx_ring = t->rx_ring = UINT32_MAX;
	snprintf(t->target, sizeof(t->target), "%s", target);
	if (node_read(&a->region, peer, &v) == 0)
		t->peer_epoch = v.epoch;
	t->next = a->tunnels;
	a->tunnels = t;
	return t;
}

static void
tunnel_free(struct agent *a, struct tunnel *t)
{
	for (struct tunnel **pp = &a->tunnels; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

static int
tunnel_start(struct tunnel *t, char *msg, size_t len)
{
	char cause[160];
	int rc;

	if ((rc = ring_rx_open(&t->rx, &t->a->region, t->rx_ring, NULL, cause, sizeof(cause))) < 0) {
		snprintf(msg, len, "tunnel %u: %s", t->id, cause);
		return rc;
	}
	/* the pump never waits in the ring code; should it, it sleeps at once */
	ring_tx_set_spin(&t->tx, 0);
	ring_rx_set_spin(&t->rx, 0);
	if ((rc = pthread_create(&t->thread, NULL, tunnel_pump, t)) != 0) {
		snprintf(msg, len, "tunnel %u: no thread: %s", t->id, strerror(rc));
		return -rc;
	}
	t->running = 1;
	log_info("tunnel %u: node %u's %s <-> %s (rings %u out, %u in)", t->id, t->peer, t->target,
	    t->l != NULL ? t->l->path : "socket", t->tx_ring, t->rx_ring);
	return 0;
}

/* Take our outgoing ring; 0 or -errno with msg. */
static int
tunnel_take(struct tunnel *t, char *msg, size_t len)
{
	char cause[160];
	int rc;

	if ((rc = stream_take(&t->a->region, t->a->node, t->peer, &t->tx_ring)) < 0) {
		t->tx_ring = UINT32_MAX;
		snprintf(msg, len, "no free stream ring in the region for a tunnel to node %u%s",
		    t->peer, rc == -EBUSY ? " (all in use)" : "");
		return rc == -EBUSY ? -EAGAIN : rc;
	}
	if ((rc = ring_tx_open(&t->tx, &t->a->region, t->tx_ring, t->a->epoch, NULL, cause,
	    sizeof(cause))) < 0) {
		stream_put(&t->a->region, t->tx_ring, t->a->node);
		t->tx_ring = UINT32_MAX;
		snprintf(msg, len, "tunnel ring: %s", cause);
		return rc;
	}
	t->tx_claim = stream_claim(&t->a->region, t->tx_ring);
	return 0;
}

/* The peer answered our CMD_TUNNEL_OPEN. */
static void
tunnel_opened(struct agent *a, void *arg, const Mint__Reply *r)
{
	struct tunnel *t = arg;
	char msg[256];
	unsigned from, to;

	if (r == NULL || (r->has_error && r->error < 0) || !r->has_value) {
		/* the connection is closed unanswered: its program sees EOF */
		log_warn("tunnel %u: node %u refused: %s", t->id, t->peer,
		    r == NULL ? "no answer" : r->message ? r->message : "no ring");
		goto fail;
	}
	/* the peer's ring must be one it holds for us */
	if (r->value > UINT32_MAX || stream_owner(&a->region, (unsigned)r->value, &from, &to) < 0 ||
	    from != t->peer || to != a->node) {
		log_warn("tunnel %u: node %u answered with ring %" PRIu64 ", not one of its own for us",
		    t->id, t->peer, r->value);
		goto fail;
	}
	t->rx_ring = (unsigned)r->value;
	t->rx_claim = stream_claim(&a->region, t->rx_ring);
	if (tunnel_start(t, msg, sizeof(msg)) < 0) {
		log_warn("%s", msg);
		goto fail;
	}
	return;
fail:
	stream_put(&a->region, t->tx_ring, a->node);
	tunnel_free(a, t);
}

static void
listen_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tlisten *l = w->data;
	struct agent *a = l->a;
	Mint__Command c;
	struct tunnel *t;
	char msg[256];
	int fd;

	if ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0)
		return;
	if ((t = tunnel_new(a, l->peer, fd, l->target)) == NULL) {
		close(fd);
		return;
	}
	t->l = l;
	if (tunnel_take(t, msg, sizeof(msg)) < 0) {
		log_warn("tunnel %u: %s", t->id, msg);
		tunnel_free(a, t);
		return;
	}
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_TUNNEL_OPEN;
	c.target = l->target;
	c.has_resource = 1, c.resource = t->tx_ring;
	c.has_epoch = 1, c.epoch = a->epoch;
	if (peers_request(a, l->peer, &c, a->request_ms, tunnel_opened, t) < 0) {
		log_warn("tunnel %u: cannot ask node %u", t->id, l->peer);
		stream_put(&a->region, t->tx_ring, a->node);
		tunnel_free(a, t);
	}
}

/*
 * May the console's user have a listening socket at dir? The agent runs as
 * root and binds where it is told: so only in our tunnel directory, or in a
 * directory of the caller's own that nobody else may use (a socket there is
 * theirs alone; /etc or /tmp are neither). dirfd is dir, opened; 0 or -EACCES.
 */
/*
 * Whether a socket file is live: 1 when something accepts on it, 0 when
 * nobody does (a stale file), else -errno.
 */
static int
socket_answers(int dirfd, const char *name, const char *path)
{
	char at[TUN_SUN_PATH];
	int fd;

	if (snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", dirfd, name) >= (int)sizeof(at) ||
	    access("/proc/self/fd", X_OK) < 0)
		snprintf(at, sizeof(at), "%s", path);
	if ((fd = sock_connect(at, 0)) >= 0) {
		close(fd);
		return 1;
	}
	/* a full backlog is somebody listening too */
	return fd == -ECONNREFUSED || fd == -ENOENT ? 0 : fd == -ETIMEDOUT ? 1 : fd;
}

static int
listen_dir_ok(struct agent *a, int dirfd, const char *dir, uid_t uid, char *msg, size_t len)
{
	struct stat d, t;

	if (fstat(dirfd, &d) < 0)
		return snprintf(msg, len, "%s: %s", dir, strerror(errno)), -errno;
	if (stat(a->tunnel_dir, &t) == 0 && t.st_dev == d.st_dev && t.st_ino == d.st_ino)
		return 0;
	if (d.st_uid == uid && (d.st_mode & 077) == 0)
		return 0;
	return snprintf(msg, len, "tunnel listen: a socket goes in node %u's tunnel directory (%s) "
	    "or in a directory of yours (uid %u) that only you may use (mode 0700); %s is owned "
	    "by uid %u with mode %04o", a->node, a->tunnel_dir, (unsigned)uid, dir,
	    (unsigned)d.st_uid, (unsigned)(d.st_mode & 07777)), -EACCES;
}

/*
 * Make the socket bind just created at dirfd/name 0600 and uid's, through a
 * descriptor of that very file: if the name was swapped meanwhile for a link
 * to something else, that is refused, not changed. Its stat in st.
 */
static int
socket_own(int dirfd, const char *name, uid_t uid, gid_t gid, struct stat *st)
{
	char proc[64];
	int pfd, rc = 0;

	if ((pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(pfd, st) < 0 || !S_ISSOCK(st->st_mode)) {
		errno = EEXIST;
		rc = -1;
	} else if ((uid != geteuid() || gid != getegid()) &&
	    fchownat(pfd, "", uid, gid, AT_EMPTY_PATH) < 0) {
		rc = -1;
	} else {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
		if (chmod(proc, 0600) < 0 && fchmodat(dirfd, name, 0600, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
	}
	close(pfd);
	return rc;
}

/*
 * Listen on path for connections to target on node peer. who is the console
 * that asked (its directory rules apply, the socket becomes its own), or NULL
 * for the agent's own sockets in its tunnel directory (root's). An existing
 * socket at path is replaced; anything else there is refused, never removed.
 */
int
tunnel_listen(struct agent *a, const char *path, unsigned peer, const char *target,
    const struct tunnel_caller *who, struct tlisten **out, char *msg, size_t len)
{
	char dir[TUN_SUN_PATH], at[TUN_SUN_PATH], real[PATH_MAX];
	const char *name, *slash;
	uid_t uid = who != NULL ? who->uid : geteuid();
	gid_t gid = who != NULL ? who->gid : getegid();
	struct tlisten *l;
	struct stat st;
	int fd = -1, dirfd, e, n;

	if (strlen(path) >= TUN_SUN_PATH || strlen(path) >= sizeof(l->path))
		return snprintf(msg, len, "socket path too long: %s", path), -ENAMETOOLONG;
	if (!tunnel_target_ok(target))
		return snprintf(msg, len, "'%s' is not a tunnel target (\"libvirt\" or a socket name "
		    "in the other node's tunnel directory)", target), -EINVAL;
	if (peer >= a->region.layout.nodes || peer == a->node)
		return snprintf(msg, len, "node %u cannot be the far end of a tunnel from node %u",
		    peer, a->node), -EINVAL;
	if (path[0] != '/' || (slash = strrchr(path, '/')) == NULL)
		return snprintf(msg, len, "%s: a socket path must be absolute", path), -EINVAL;
	name = slash + 1;
	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return snprintf(msg, len, "%s: names no socket", path), -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	/* the directory as named, no symlink or ".." on the way: what is checked is what is used */
	if (who != NULL && realpath(dir, real) == NULL)
		return snprintf(msg, len, "tunnel listen: %s: %s", dir, strerror(errno)), -errno;
	if (who != NULL && strcmp(real, dir) != 0)
		return snprintf(msg, len, "tunnel listen: %s is reached through a symlink or '..' "
		    "(it is %s): give the real path", dir, real), -EINVAL;
	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return snprintf(msg, len, "tunnel listen: %s: %s", dir, strerror(errno)), -errno;
	if (who != NULL && (e = listen_dir_ok(a, dirfd, dir, uid, msg, len)) < 0)
		goto fail_dir;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(msg, len, "tunnel listen: %s exists and is not a socket: not replaced",
			    path);
			e = -EEXIST;
			goto fail_dir;
		}
		/* a socket a listener left: replace it, unless something still answers on it */
		if ((e = socket_answers(dirfd, name, path)) != 0) {
			if (e > 0)
				e = -EADDRINUSE;
			snprintf(msg, len, "tunnel listen: %s: %s", path, e == -EADDRINUSE ?
			    "a live socket (something answers on it): not replaced" : strerror(-e));
			goto fail_dir;
		}
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) {
			e = -errno;
			snprintf(msg, len, "tunnel listen: cannot replace %s: %s", path, strerror(errno));
			goto fail_dir;
		}
	}
	/* bind in the directory we checked, even if a path component is swapped meanwhile */
	n = snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", dirfd, name);
	if (n >= (int)sizeof(at) || access("/proc/self/fd", X_OK) < 0)
		snprintf(at, sizeof(at), "%s", path);
	if ((fd = sock_bind(at)) < 0) {
		e = fd;
		snprintf(msg, len, "cannot listen on %s: %s", path, strerror(-e));
		goto fail_sock;
	}
	/* mode and owner before listen(): until then nobody can connect */
	if (socket_own(dirfd, name, uid, gid, &st) < 0 || listen(fd, 16) < 0) {
		e = -errno;
		snprintf(msg, len, "cannot listen on %s: %s", path, strerror(errno));
		unlinkat(dirfd, name, 0);
		goto fail_sock;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		e = -ENOMEM;
		snprintf(msg, len, "out of memory");
		unlinkat(dirfd, name, 0);
		goto fail_sock;
	}
	l->a = a;
	l->id = ++a->tunnel_ids;
	l->peer = peer;
	l->fd = fd;
	l->dirfd = dirfd;
	l->ino = st.st_ino;
	snprintf(l->path, sizeof(l->path), "%s", path);
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->target, sizeof(l->target), "%s", target);
	ev_io_init(&l->io, listen_accept_cb, fd, EV_READ);
	l->io.data = l;
	ev_io_start(a->loop, &l->io);
	l->next = a->listeners;
	a->listeners = l;
	log_info("tunnel listener %u: %s (uid %u, mode 0600) -> node %u's %s", l->id, path,
	    (unsigned)uid, peer, target);
	if (out != NULL)
		*out = l;
	return 0;
fail_sock:
	if (fd >= 0)
		close(fd);
fail_dir:
	close(dirfd);
	return e;
}

/* Close l and end its tunnels (their threads finish on their own). */
void
tunnel_unlisten(struct agent *a, struct tlisten *l)
{
	struct stat st;

	for (struct tunnel *t = a->tunnels; t != NULL; t = t->next)
		if (t->l == l) {
			__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
			t->l = NULL;
		}
	for (struct tlisten **pp = &a->listeners; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	ev_io_stop(a->loop, &l->io);
	close(l->fd);
	/* our socket only: whatever someone put at the path since stays */
	if (fstatat(l->dirfd, l->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_ino == l->ino)
		unlinkat(l->dirfd, l->name, 0);
	close(l->dirfd);
	log_info("tunnel listener %u closed", l->id);
	free(l);
}

unsigned
tunnel_listen_id(const struct tlisten *l)
{
	return l->id;
}

uint64_t
tunnel_listen_bytes(const struct tlisten *l, unsigned *open)
{
	uint64_t n = l->carried;

	*open = 0;
	for (struct tunnel *t = l->a->tunnels; t != NULL; t = t->next)
		if (t->l == l) {
			n += __atomic_load_n(&t->out, __ATOMIC_RELAXED) +
			    __atomic_load_n(&t->in, __ATOMIC_RELAXED);
			(*open)++;
		}
	return n;
}

/* Reap the tunnels whose threads ended. */
static void
tunnel_wake_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct agent *a = w->data;
	struct tunnel *t, *next;

	for (t = a->tunnels; t != NULL; t = next) {
		next = t->next;
		if (!t->running || !__atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
			continue;
		pthread_join(t->thread, NULL);
		log_info("tunnel %u to node %u ended (%s): %" PRIu64 " bytes out, %" PRIu64 " in",
		    t->id, t->peer, t->why, t->out, t->in);
		if (t->l != NULL)
			t->l->carried += t->out + t->in;
		tunnel_free(a, t);
	}
}

/*
 * CMD_TUNNEL_OPEN from a peer: connect to the target, take a ring back, and
 * answer with it.
 */
static int
handle_tunnel_open(struct agent *a, const struct reply_to *rt, const Mint__Command *cmd,
    Mint__Reply *reply, char *msg, size_t len)
{
	char path[TUN_SUN_PATH];
	unsigned from, to, peer = rt->node;
	struct tunnel *t;
	int fd, rc;

	if (cmd->target == NULL || !tunnel_target_ok(cmd->target))
		return snprintf(msg, len, "node %u: not a tunnel target", a->node), -EINVAL;
	if (!cmd->has_resource || stream_owner(&a->region, cmd->resource, &from, &to) < 0 ||
	    from != peer || to != a->node ||
	    !stream_taken(&a->region, cmd->resource))
		return snprintf(msg, len, "node %u: ring %u is not a stream ring from node %u to us",
		    a->node, cmd->has_resource ? cmd->resource : 0, peer), -EINVAL;
	if (strcmp(cmd->target, TUN_TARGET_LIBVIRT) == 0)
		rc = snprintf(path, sizeof(path), "%s", a->libvirt_sock);
	else
		rc = snprintf(path, sizeof(path), "%s/%s", a->tunnel_dir, cmd->target);
	if (rc >= (int)sizeof(path))
		return snprintf(msg, len, "node %u: socket path too long", a->node), -ENAMETOOLONG;
	/* no wait: a listener with a full backlog must not stop our loop */
	if ((fd = sock_connect(path, 0)) < 0) {
		snprintf(msg, len, "node %u: cannot connect to %s: %s", a->node, path,
		    fd == -ETIMEDOUT ? "its listener is busy" : strerror(-fd));
		return fd == -ETIMEDOUT ? -EAGAIN : fd;
	}
	if ((t = tunnel_new(a, peer, fd, cmd->target)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	if ((rc = tunnel_take(t, msg, len)) < 0) {
		tunnel_free(a, t);
		return rc;
	}
	t->rx_ring = cmd->resource;
	t->rx_claim = stream_claim(&a->region, t->rx_ring);
	if ((rc = tunnel_start(t, msg, len)) < 0) {
		stream_put(&a->region, t->tx_ring, a->node);
		tunnel_free(a, t);
		return rc;
	}
	reply->has_value = 1, reply->value = t->tx_ring;
	snprintf(msg, len, "tunnel %u open", t->id);
	return 0;
}

/* CMD_TUNNEL_LISTEN / CMD_TUNNEL_CLOSE from a console. */
int
handle_tunnel(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	struct tunnel_caller caller;
	struct tlisten *l;
	int rc;

	switch (cmd->kind) {
	case MINT__COMMAND_KIND__CMD_TUNNEL_OPEN:
		return handle_tunnel_open(a, rt, cmd, reply, msg, len);
	case MINT__COMMAND_KIND__CMD_TUNNEL_LISTEN:
		if (cmd->name == NULL || cmd->name[0] != '/' || !cmd->has_to_node || cmd->target == NULL)
			return snprintf(msg, len, "tunnel listen needs an absolute socket path, a node "
			    "and a target"), -EINVAL;
		/* the console's uid, from the agent whose socket it used; a peer's own: root */
		caller.uid = cmd->has_caller_uid ? (uid_t)cmd->caller_uid : who->uid;
		caller.gid = cmd->has_caller_gid ? (gid_t)cmd->caller_gid :
		    who->ngroups > 0 ? who->groups[0] : 0;
		if ((rc = tunnel_listen(a, cmd->name, cmd->to_node, cmd->target, &caller, &l, msg,
		    len)) < 0)
			return rc;
		reply->has_value = 1, reply->value = l->id;
		snprintf(msg, len, "tunnel %u: %s -> node %u's %s", l->id, l->path, l->peer, l->target);
		return 0;
	case MINT__COMMAND_KIND__CMD_TUNNEL_CLOSE:
		for (l = a->listeners; l != NULL; l = l->next)
			if (cmd->has_resource && l->id == cmd->resource) {
				snprintf(msg, len, "tunnel %u closed", l->id);
				tunnel_unlisten(a, l);
				return 0;
			}
		return snprintf(msg, len, "node %u has no tunnel %u", a->node,
		    cmd->has_resource ? cmd->resource : 0), -ENOENT;
	default:
		return -EOPNOTSUPP;
	}
}

/* The peer died: its tunnels end, and its rings come back to the pool. */
void
tunnel_node_dead(struct agent *a, unsigned node)
{
	for (struct tunnel *t = a->tunnels; t != NULL; t = t->next)
		if (t->peer == node)
			__atomic_store_n(&t->peer_dead, 1, __ATOMIC_RELEASE);
}

/*
 * Rings a previous life of this node held: its own outgoing ones, and those
 * to it from nodes that are not up. A live peer returns its own.
 */
static void
tunnel_clean_rings(struct agent *a)
{
	const struct mint_layout *l = &a->region.layout;

	for (unsigned i = 0; i < l->stream_count; i++) {
		unsigned ring = l->ring_count + i, from, to;
		struct node_view v;

		if (stream_owner(&a->region, ring, &from, &to) < 0)
			continue;
		if (from == a->node ||
		    (to == a->node && (node_read(&a->region, from, &v) < 0 || v.state != MINT_NODE_ONLINE))) {
			stream_put(&a->region, ring, from);
			log_info("stream ring %u (node %u -> %u) was left taken: returned", ring, from, to);
		}
	}
}

int
tunnel_init(struct agent *a)
{
	if (a->tunnel_dir == NULL)
		a->tunnel_dir = TUNNEL_DIR_DEFAULT;
	if (a->libvirt_sock == NULL)
		a->libvirt_sock = "/run/libvirt/libvirt-sock";
	if (mkdir(a->tunnel_dir, 0700) < 0 && errno != EEXIST)
		log_warn("tunnel directory %s: %s", a->tunnel_dir, strerror(errno));
	tunnel_clean_rings(a);
	ev_async_init(&a->tunnel_wake, tunnel_wake_cb);
	a->tunnel_wake.data = a;
	ev_async_start(a->loop, &a->tunnel_wake);
	return 0;
}

/* The agent stops: end every tunnel and wait for the threads. */
void
tunnel_shutdown(struct agent *a)
{
	while (a->listeners != NULL)
		tunnel_unlisten(a, a->listeners);
	for (struct tunnel *t = a->tunnels; t != NULL; t = t->next)
		__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	while (a->tunnels != NULL) {
		struct tunnel *t = a->tunnels;

		if (t->running)
			pthread_join(t->thread, NULL);
		else if (t->tx_ring != UINT32_MAX)
			stream_put(&a->region, t->tx_ring, a->node);
		tunnel_free(a, t);
	}
}

static Mint__Tunnel *
status_entry(unsigned id, unsigned peer, const char *target, const char *listen, uint64_t out,
    uint64_t in, unsigned conns)
{
	Mint__Tunnel *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	mint__tunnel__init(e);
	e->has_id = 1, e->id = id;
	e->has_peer = 1, e->peer = peer;
	e->target = strdup(target);
	e->listen = listen != NULL ? strdup(listen) : NULL;
	e->has_bytes_out = 1, e->bytes_out = out;
	e->has_bytes_in = 1, e->bytes_in = in;
	if (listen != NULL)
		e->has_connections = 1, e->connections = conns;
	return e;
}

size_t
tunnel_status(struct agent *a, Mint__Tunnel ***out)
{
	size_t n = 0, cap = 0;
	Mint__Tunnel **v = NULL, *e;

	for (struct tlisten *l = a->listeners; l != NULL; l = l->next)
		cap++;
	for (struct tunnel *t = a->tunnels; t != NULL; t = t->next)
		cap++;
	if (cap == 0 || (v = calloc(cap, sizeof(*v))) == NULL) {
		*out = NULL;
		return 0;
	}
	for (struct tlisten *l = a->listeners; l != NULL; l = l->next) {
		unsigned open;
		uint64_t bytes = tunnel_listen_bytes(l, &open);
		if ((e = status_entry(l->id, l->peer, l->target, l->path, bytes, 0, open)) != NULL)
			v[n++] = e;
	}
	for (struct tunnel *t = a->tunnels; t != NULL; t = t->next)
		if ((e = status_entry(t->id, t->peer, t->target, NULL,
		    __atomic_load_n(&t->out, __ATOMIC_RELAXED),
		    __atomic_load_n(&t->in, __ATOMIC_RELAXED), 0)) != NULL)
			v[n++] = e;
	*out = v;
	return n;
}

void
tunnel_status_free(Mint__Tunnel **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]->target);
		free(v[i]->listen);
		free(v[i]);
	}
	free(v);
}
