/*
 * The control socket: consoles connect, send framed requests, get framed
 * replies. Who asks is known from the socket's peer credentials.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/cause.h"
#include "common/log.h"
#include "common/sock.h"

#define CLIENT_BUF	(WIRE_MAX + WIRE_FRAME_HDR)
/*
 * One client's pipelined requests must not hold the loop: at most this many
 * of its frames are handled before the others get a turn, and at most
 * CTL_PASS_BUDGET frames of other users' clients in one loop pass.
 */
#define CTL_FRAMES_PER_TURN	4
#define CTL_PASS_BUDGET		64
#define CTL_ACCEPT_PER_PASS	16
#define CTL_WAITING_MAX		16	/* requests of one client waiting for other nodes */
#define CTL_OUT_MAX		(2 * CLIENT_BUF)	/* replies a client has not taken */
#define CTL_RESUME_S		0.1	/* accepting paused at EMFILE: try again after */

struct client {
	ev_io io;		/* first: the watcher is the client; readable */
	ev_io wio;		/* writable, while replies wait in out */
	ev_timer timer;		/* idle, or half a frame, too long */
	struct agent *a;
	struct client *next;	/* a->ctl.clients */
	struct client *rnext;	/* a->ctl.ready */
	struct peer who;
	int privileged;		/* root or the admin group: not held by others' load */
	int ready;		/* on a->ctl.ready (freed from there once dead) */
	int dead;		/* closed, or to be closed: nothing more is sent */
	int waiting;		/* requests answered later (forwarded, HANDLE_LATER) */
	uint8_t *out;		/* framed replies not yet sent: out[off, len) */
	size_t out_off, out_len, out_cap;
	size_t len;
	uint8_t in[CLIENT_BUF];
};

static void client_work(struct client *c);

static void
ready_push(struct client *c)
{
	struct agent *a = c->a;

	if (c->ready)
		return;
	c->ready = 1;
	c->rnext = NULL;
	if (a->ctl.ready_tail != NULL)
		a->ctl.ready_tail->rnext = c;
	else
		a->ctl.ready = c;
	a->ctl.ready_tail = c;
	ev_check_start(a->loop, &a->ctl.check);
	/* the loop must not block in poll while frames wait */
	ev_idle_start(a->loop, &a->ctl.idle);
}

static struct client *
ready_pop(struct agent *a)
{
	struct client *c = a->ctl.ready;

	if (c == NULL)
		return NULL;
	if ((a->ctl.ready = c->rnext) == NULL)
		a->ctl.ready_tail = NULL;
	c->ready = 0;
	return c;
}

/*
 * Close c now: whatever waits to answer it forgets it. Its memory is freed
 * here, or when the ready queue reaches it.
 */
static void
client_close(struct client *c)
{
	struct agent *a = c->a;

	if (c->io.fd >= 0) {
		peers_forget(a, c);
		move_forget(a, c);
		guest_forget(a, c);
		lifecycle_forget(a, c);
		bench_forget(a, c);
		ev_io_stop(a->loop, &c->io);
		ev_io_stop(a->loop, &c->wio);
		ev_timer_stop(a->loop, &c->timer);
		close(c->io.fd);
		c->io.fd = -1;
		for (struct client **pp = &a->ctl.clients; *pp != NULL; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				a->ctl.nclients--;
				break;
			}
	}
	c->dead = 1;
	if (c->ready)
		return;
	free(c->out);
	free(c);
}

/*
 * c cannot go on (a reply it cannot take, a send that failed): nothing more
 * is sent to it, and it is closed from the loop, not under a caller that
 * may still hold it (a reply handed out while a list of requests is walked).
 */
static void
client_fail(struct client *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	ev_io_stop(c->a->loop, &c->io);
	ev_io_stop(c->a->loop, &c->wio);
	ev_timer_stop(c->a->loop, &c->timer);
	ready_push(c);
}

static void
client_peer(struct client *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	socklen_t glen = sizeof(c->who.groups) - sizeof(c->who.groups[0]);

	memset(&c->who, 0, sizeof(c->who));
	c->who.uid = (uid_t)-1;
	if (getsockopt(c->io.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		c->who.pid = cred.pid;
		c->who.uid = cred.uid;
		c->who.groups[0] = cred.gid;
		c->who.ngroups = 1;
	}
#ifdef SO_PEERGROUPS
	/* the supplementary groups too, where the kernel tells them (4.13 and later) */
	if (getsockopt(c->io.fd, SOL_SOCKET, SO_PEERGROUPS, c->who.groups + 1, &glen) == 0)
		c->who.ngroups = 1 + (int)(glen / sizeof(gid_t));
#endif
}

/* Send what is queued; 0, or -errno with c failed. */
static int
client_flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->io.fd, c->out + c->out_off, c->out_len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* the rest when it is writable: a frame is never left half sent */
			ev_io_start(c->a->loop, &c->wio);
			return 0;
		}
		if (n <= 0) {
			int rc = n < 0 ? -errno : -EPIPE;

			log_debug("client pid %d: %s: dropped", (int)c->who.pid, strerror(-rc));
			client_fail(c);
			return rc;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	ev_io_stop(c->a->loop, &c->wio);
	return 0;
}

/* Frame r after what c has not taken yet and send what can be sent. */
static int
client_queue(struct client *c, uint64_t id, Mint__Reply *r)
{
	Mint__Envelope e;
	size_t need, len;

	if (c->dead)
		return -EPIPE;
	wire_init(&e, c->a->node, WIRE_CONSOLE, id);
	e.body_case = MINT__ENVELOPE__BODY_REPLY;
	e.reply = r;
	need = mint__envelope__get_packed_size(&e);
	if (need > WIRE_MAX)
		return -EMSGSIZE;
	need += WIRE_FRAME_HDR;
	if (c->out_len - c->out_off + need > CTL_OUT_MAX) {
		log_warn("client pid %d uid %d: does not take its replies (%zu bytes waiting): "
		    "dropped", (int)c->who.pid, (int)c->who.uid, c->out_len - c->out_off);
		client_fail(c);
		return -ENOBUFS;
	}
	if (c->out_off > 0 && c->out_len + need > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + need > c->out_cap) {
		uint8_t *o = realloc(c->out, c->out_len + need);

		if (o == NULL) {
			client_fail(c);
			return -ENOMEM;
		}
		c->out = o;
		c->out_cap = c->out_len + need;
	}
	if (wire_pack(&e, c->out + c->out_len + WIRE_FRAME_HDR, need - WIRE_FRAME_HDR, &len) < 0)
		return -EMSGSIZE;
	wire_frame_put(c->out + c->out_len, (uint32_t)len);
	c->out_len += len + WIRE_FRAME_HDR;
	/* sent now unless older replies still wait, which go first */
	if (c->out_off == 0 && !ev_is_active(&c->wio))
		return client_flush(c);
	return 0;
}

/*
 * The reply to a request answered later. It is queued whole, and sent when
 * the client can take it; a client that does not take it is dropped.
 */
int
ctl_send_reply(struct client *c, uint64_t id, Mint__Reply *r)
{
	if (c->dead)
		return -EPIPE;
	if (c->waiting > 0 && --c->waiting == CTL_WAITING_MAX - 1)
		ready_push(c);	/* it may have more requests buffered */
	ev_timer_again(c->a->loop, &c->timer);
	return client_queue(c, id, r);
}

static int
client_request(struct client *c, const uint8_t *buf, uint32_t len)
{
	Mint__Envelope *e;
	Mint__Reply r;
	char cause[256], msg[2048];
	int rc;

	mint__reply__init(&r);
	if ((rc = wire_unpack(buf, len, &e, cause, sizeof(cause))) < 0) {
		log_warn("client pid %d: %s: dropped", (int)c->who.pid, cause);
		r.has_error = 1, r.error = rc;
		r.message = cause;
		return client_queue(c, 0, &r);
	}
	if (e->body_case == MINT__ENVELOPE__BODY_COMMAND) {
		/* who asked, as the kernel says: a forwarded request carries it to the far node */
		e->command->has_caller_uid = 1, e->command->caller_uid = (uint32_t)c->who.uid;
		e->command->has_caller_gid = 1, e->command->caller_gid = (uint32_t)c->who.groups[0];
	}
	msg[0] = '\0';
	if (e->body_case != MINT__ENVELOPE__BODY_COMMAND) {
		log_warn("client pid %d: a message that is not a request: dropped", (int)c->who.pid);
		r.has_error = 1, r.error = -EBADMSG;
		r.message = "only requests are taken here";
	} else if ((rc = handle_console_allowed(c->a, &c->who, e->command, msg, sizeof(msg))) < 0) {
		/* refused here, before anything is forwarded to another node */
		r.has_error = 1, r.error = rc;
		r.message = msg;
	} else if (e->command->has_node && e->command->node != c->a->node) {
		/* for another node: through the rings; its reply comes back later */
		if ((rc = peers_forward(c->a, c, e->request_id, e->command, msg, sizeof(msg))) == 0) {
			c->waiting++;
			wire_free(e);
			return 0;
		}
		r.has_error = 1, r.error = rc;
		r.message = msg;
	} else {
		struct reply_to rt = { c, c->a->node, e->request_id };

		/* counted first: a handler may answer through ctl_send_reply before it returns */
		c->waiting++;
		rc = handle_command(c->a, &c->who, &rt, e->command, &r, msg, sizeof(msg));
		if (rc == HANDLE_LATER) {
			wire_free(e);
			return 0;
		}
		c->waiting--;
		r.has_error = 1, r.error = rc;
		if (msg[0] != '\0')
			r.message = msg;
	}
	rc = client_queue(c, e->request_id, &r);
	wire_free(e);
	return rc;
}

/* Is a whole frame buffered? 1, 0, or -EMSGSIZE. */
static int
client_has_frame(const struct client *c, uint32_t *len)
{
	int rc = wire_frame_get(c->in, c->len, len);

	return rc == 0 ? 1 : rc == -EAGAIN ? 0 : rc;
}

/*
 * Handle c's buffered frames, a turn's worth. Frames left wait for the next
 * loop pass (the ready queue); reading stops while whole frames are
 * buffered, replies are not taken or too many requests wait for other nodes.
 */
static void
client_work(struct client *c)
{
	struct agent *a = c->a;
	uint32_t len;
	int rc = 0, turn = 0;

	while (!c->dead && (rc = client_has_frame(c, &len)) == 1) {
		if (c->out_len > 0 || c->waiting >= CTL_WAITING_MAX)
			break;	/* resumed when the replies are taken, or come */
		if (turn == CTL_FRAMES_PER_TURN || (!c->privileged && a->ctl.budget <= 0)) {
			ready_push(c);
			break;
		}
		turn++;
		if (!c->privileged)
			a->ctl.budget--;
		rc = client_request(c, c->in + WIRE_FRAME_HDR, len);
		memmove(c->in, c->in + WIRE_FRAME_HDR + len, c->len - WIRE_FRAME_HDR - len);
		c->len -= WIRE_FRAME_HDR + len;
		if (rc < 0 && !c->dead)
			client_fail(c);
	}
	if (c->dead)
		return;
	if (rc < 0) {
		log_warn("client pid %d: a frame longer than %d bytes: disconnected",
		    (int)c->who.pid, WIRE_MAX);
		client_fail(c);
	} else if (rc == 1) {
		ev_io_stop(a->loop, &c->io);
	} else {
		ev_io_start(a->loop, &c->io);
	}
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = (struct client *)w;
	ssize_t n = read(w->fd, c->in + c->len, sizeof(c->in) - c->len);
	uint32_t len;

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		client_close(c);
		return;
	}
	/* from a request's first byte to its last: a byte now and then does not extend it */
	if (c->len == 0 || wire_frame_get(c->in, c->len + (size_t)n, &len) == 0)
		ev_timer_again(loop, &c->timer);
	c->len += (size_t)n;
	client_work(c);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, wio));

	ev_timer_again(loop, &c->timer);
	if (client_flush(c) == 0 && c->out_len == 0)
		client_work(c);
}

/* Idle with nothing asked, half a frame, or replies not taken, for too long. */
static void
client_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = (struct client *)((char *)w - offsetof(struct client, timer));
	const char *why;
	uint32_t len;

	if (c->out_len > 0)
		why = "did not take its reply";
	else if (c->waiting > 0 || client_has_frame(c, &len) == 1)
		return;		/* waiting for an answer (moves, boots, migrations take long), or its turn */
	else if (c->len > 0)
		why = "sent part of a request and no more";
	else
		why = "asked nothing";
	log_info("client pid %d uid %d: %s for %d ms: disconnected", (int)c->who.pid,
	    (int)c->who.uid, why, c->a->ctl.timeout_ms);
	client_close(c);
}

/* Each loop pass: a new budget, and the clients with frames left get a turn. */
static void
ctl_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	((struct agent *)w->data)->ctl.budget = CTL_PASS_BUDGET;
}

static void
ctl_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	struct agent *a = w->data;
	struct client *c, *last = a->ctl.ready_tail;

	/* the ones queued now wait for the next pass */
	while ((c = ready_pop(a)) != NULL) {
		int was_last = c == last;

		if (c->dead)
			client_close(c);
		else
			client_work(c);
		if (was_last || (a->ctl.ready != NULL && a->ctl.budget <= 0 && !a->ctl.ready->privileged))
			break;
	}
	if (a->ctl.ready == NULL) {
		ev_check_stop(loop, &a->ctl.check);
		ev_idle_stop(loop, &a->ctl.idle);
	}
}

static void
ctl_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
}

/* Refuse fd with a reply saying why, and close it. */
static void
ctl_refuse(struct agent *a, int fd, int err, const char *msg)
{
	Mint__Envelope e;
	Mint__Reply r;
	uint8_t buf[512];
	size_t len;

	a->ctl.refused++;
	mint__reply__init(&r);
	r.has_error = 1, r.error = err;
	r.message = (char *)msg;
	wire_init(&e, a->node, WIRE_CONSOLE, 0);
	e.body_case = MINT__ENVELOPE__BODY_REPLY;
	e.reply = &r;
	/* a fresh socket's buffer takes this small frame whole, or nothing is sent */
	if (wire_pack(&e, buf + WIRE_FRAME_HDR, sizeof(buf) - WIRE_FRAME_HDR, &len) == 0) {
		wire_frame_put(buf, (uint32_t)len);
		if (send(fd, buf, len + WIRE_FRAME_HDR, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("refusal not sent: %s", strerror(errno));
	}
	close(fd);
}

/* Over a cap? 0, or the error with the reason in msg. */
static int
ctl_over_cap(struct agent *a, const struct client *c, char *msg, size_t len)
{
	int mine = 0, reserve = a->ctl.max / 8 > 0 ? a->ctl.max / 8 : 1;

	if (a->ctl.nclients >= a->ctl.max)
		return cause_fail(msg, len, -EBUSY,
		    "node %u's agent has %d connections, its limit: try again later",
		    a->node, a->ctl.nclients);
	if (c->privileged)
		return 0;
	/* the last connections are kept for root and the admin group */
	if (a->ctl.nclients >= a->ctl.max - reserve)
		return cause_fail(msg, len, -EBUSY, "node %u's agent has %d connections, all it "
		    "takes from users other than root: try again later", a->node, a->ctl.nclients);
	for (const struct client *o = a->ctl.clients; o != NULL; o = o->next)
		mine += o->who.uid == c->who.uid;
	if (mine >= a->ctl.max_uid)
		return cause_fail(msg, len, -EUSERS, "too many connections from uid %d (%d, the "
		    "limit of one user): close some", (int)c->who.uid, mine);
	return 0;
}

static void
ctl_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;

	if (a->ctl.spare_fd < 0)
		a->ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ev_io_start(loop, &a->ctl.io);
}

/*
 * No descriptor for a new connection: with the spare one given up, accept it
 * and refuse it with the reason; without one, stop accepting for a moment
 * rather than spin on a listening socket that stays readable.
 */
static void
ctl_out_of_fds(struct agent *a, int err)
{
	int fd = -1;

	if (a->ctl.spare_fd >= 0) {
		close(a->ctl.spare_fd);
		a->ctl.spare_fd = -1;
		fd = accept4(a->ctl.fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	}
	if (fd >= 0) {
		if (a->ctl.refused == 0 || a->ctl.refused % 1000 == 0)
			log_warn("out of file descriptors (%s): connections refused", strerror(err));
		ctl_refuse(a, fd, -EMFILE, "the agent is out of file descriptors: try again later");
		if ((a->ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
			return;
	}
	ev_io_stop(a->loop, &a->ctl.io);
	ev_timer_set(&a->ctl.resume, CTL_RESUME_S, 0);
	ev_timer_start(a->loop, &a->ctl.resume);
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct agent *a = w->data;
	struct client *c;
	char msg[256];

	for (int i = 0; i < CTL_ACCEPT_PER_PASS; i++) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), rc;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				ctl_out_of_fds(a, errno);
			return;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			ctl_refuse(a, fd, -ENOMEM, "the agent is out of memory");
			continue;
		}
		c->a = a;
		ev_io_init(&c->io, client_read_cb, fd, EV_READ);
		ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
		ev_init(&c->timer, client_timer_cb);
		c->timer.repeat = a->ctl.timeout_ms / 1000.0;
		client_peer(c);
		c->privileged = handle_may_change(a, &c->who);
		if ((rc = ctl_over_cap(a, c, msg, sizeof(msg))) < 0) {
			if (a->ctl.refused % 100 == 0)
				log_warn("client pid %d uid %d refused: %s (%" PRIu64 " refused so far)",
				    (int)c->who.pid, (int)c->who.uid, msg, a->ctl.refused + 1);
			ctl_refuse(a, fd, rc, msg);
			free(c);
			continue;
		}
		c->next = a->ctl.clients;
		a->ctl.clients = c;
		a->ctl.nclients++;
		log_debug("client pid %d uid %d connected", (int)c->who.pid, (int)c->who.uid);
		ev_io_start(loop, &c->io);
		ev_timer_again(loop, &c->timer);
	}
}

/*
 * The caps, within the descriptors this process may open: the default cap
 * is lowered to fit; one given (--max-clients) is kept, and past the
 * descriptors connections are refused at accept (ctl_out_of_fds).
 */
static void
ctl_limits(struct agent *a)
{
	struct rlimit rl;
	/* the region, bells, libvirt, tunnels, workers: room for them besides */
	const int others = 64;

	if (a->ctl.timeout_ms <= 0)
		a->ctl.timeout_ms = CTL_TIMEOUT_MS;
	if (a->ctl.max_uid <= 0)
		a->ctl.max_uid = CTL_MAX_PER_UID;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	if (a->ctl.max <= 0) {
		a->ctl.max = CTL_MAX_CLIENTS;
		if ((rlim_t)a->ctl.max + others > rl.rlim_cur)
			a->ctl.max = rl.rlim_cur > (rlim_t)others + 8 ? (int)(rl.rlim_cur - others) : 8;
	} else if ((rlim_t)a->ctl.max + others > rl.rlim_cur) {
		log_warn("%d connections and the agent's own descriptors may not fit in its %llu: "
		    "past them, connections are refused", a->ctl.max, (unsigned long long)rl.rlim_cur);
	}
}

/*
 * Listen on path, mode 0660, group `group` (left to root's if it does not
 * exist): members may read; changes need root or the admin group.
 */
int
ctl_open(struct agent *a, const char *path, const char *group)
{
	struct sockaddr_un sun;
	struct group *gr;
	char dir[sizeof(sun.sun_path)], *slash;
	int fd, rc;

	if ((rc = sock_addr(path, &sun)) < 0) {
		errno = -rc;
		return -1;
	}
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);	/* /run/mint, on a fresh boot */
	}
	unlink(path);
	if ((fd = sock_listen(path, 128)) < 0) {
		errno = -fd;
		return -1;
	}
	if (chmod(path, 0660) < 0) {
		rc = errno;
		close(fd);
		errno = rc;
		return -1;
	}
	if ((gr = getgrnam(group)) == NULL)
		log_warn("group '%s' does not exist: only root can use %s", group, path);
	else if (chown(path, (uid_t)-1, gr->gr_gid) < 0)
		log_warn("%s: cannot give it to group %s: %s", path, group, strerror(errno));
	a->ctl.path = path;
	a->ctl.fd = fd;
	ctl_limits(a);
	a->ctl.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ev_io_init(&a->ctl.io, ctl_accept_cb, fd, EV_READ);
	a->ctl.io.data = a;
	ev_io_start(a->loop, &a->ctl.io);
	ev_init(&a->ctl.resume, ctl_resume_cb);
	a->ctl.resume.data = a;
	ev_prepare_init(&a->ctl.prepare, ctl_prepare_cb);
	a->ctl.prepare.data = a;
	ev_prepare_start(a->loop, &a->ctl.prepare);
	/* a pass's budget does not hold the loop alive on its own */
	ev_unref(a->loop);
	ev_check_init(&a->ctl.check, ctl_check_cb);
	a->ctl.check.data = a;
	ev_idle_init(&a->ctl.idle, ctl_idle_cb);
	return 0;
}

void
ctl_close(struct agent *a)
{
	struct client *c;

	if (a->ctl.fd < 0)
		return;
	while (a->ctl.clients != NULL)
		client_close(a->ctl.clients);
	while ((c = ready_pop(a)) != NULL)
		client_close(c);
	ev_check_stop(a->loop, &a->ctl.check);
	ev_idle_stop(a->loop, &a->ctl.idle);
	ev_ref(a->loop);
	ev_prepare_stop(a->loop, &a->ctl.prepare);
	ev_timer_stop(a->loop, &a->ctl.resume);
	if (a->ctl.spare_fd >= 0)
		close(a->ctl.spare_fd);
	a->ctl.spare_fd = -1;
	ev_io_stop(a->loop, &a->ctl.io);
	close(a->ctl.fd);
	unlink(a->ctl.path);
	a->ctl.fd = -1;
}
