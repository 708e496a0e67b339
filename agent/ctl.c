/*
 * The control socket: consoles connect, send framed requests, get framed
 * replies. Who asks is known from the socket's peer credentials.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/log.h"

#define CLIENT_BUF	(WIRE_MAX + WIRE_FRAME_HDR)

struct client {
	ev_io io;		/* first: the watcher is the client */
	struct agent *a;
	struct peer who;
	size_t len;
	uint8_t in[CLIENT_BUF];
	uint8_t out[CLIENT_BUF];
};

static void
client_close(struct client *c)
{
	peers_forget(c->a, c);
	move_forget(c->a, c);
	guest_forget(c->a, c);
	lifecycle_forget(c->a, c);
	ev_io_stop(c->a->loop, &c->io);
	close(c->io.fd);
	free(c);
}

static void
client_peer(struct client *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	socklen_t glen = sizeof(c->who.groups);

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

/* Send one framed reply; a client that cannot take it is dropped. */
int
ctl_send_reply(struct client *c, uint64_t id, Mint__Reply *r)
{
	Mint__Envelope e;
	size_t len, off = 0;

	wire_init(&e, c->a->node, WIRE_CONSOLE, id);
	e.body_case = MINT__ENVELOPE__BODY_REPLY;
	e.reply = r;
	if (wire_pack(&e, c->out + WIRE_FRAME_HDR, sizeof(c->out) - WIRE_FRAME_HDR, &len) < 0)
		return -EMSGSIZE;
	wire_frame_put(c->out, (uint32_t)len);
	len += WIRE_FRAME_HDR;
	while (off < len) {
		ssize_t n = send(c->io.fd, c->out + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
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
		return ctl_send_reply(c, 0, &r);
	}
	if (e->body_case == MINT__ENVELOPE__BODY_COMMAND) {
		/* who asked, as the kernel says: a forwarded request carries it to the far node */
		e->command->has_caller_uid = 1, e->command->caller_uid = (uint32_t)c->who.uid;
		e->command->has_caller_gid = 1, e->command->caller_gid = (uint32_t)c->who.groups[0];
	}
	if (e->body_case != MINT__ENVELOPE__BODY_COMMAND) {
		log_warn("client pid %d: a message that is not a request: dropped", (int)c->who.pid);
		r.has_error = 1, r.error = -EBADMSG;
		r.message = "only requests are taken here";
	} else if (e->command->has_kind && e->command->kind == MINT__COMMAND_KIND__CMD_RES_CLAIM) {
		r.has_error = 1, r.error = -EPERM;
		r.message = "claims come from the agent that moves the resource, not from consoles";
	} else if (e->command->has_node && e->command->node != c->a->node) {
		/* for another node: through the rings; its reply comes back later */
		msg[0] = '\0';
		if ((rc = handle_allowed(c->a, &c->who, e->command, msg, sizeof(msg))) == 0 &&
		    (rc = peers_forward(c->a, c, e->request_id, e->command, msg, sizeof(msg))) == 0) {
			wire_free(e);
			return 0;
		}
		r.has_error = 1, r.error = rc;
		r.message = msg;
	} else {
		struct reply_to rt = { c, c->a->node, e->request_id };

		msg[0] = '\0';
		rc = handle_command(c->a, &c->who, &rt, e->command, &r, msg, sizeof(msg));
		if (rc == HANDLE_LATER) {
			wire_free(e);
			return 0;
		}
		r.has_error = 1, r.error = rc;
		if (msg[0] != '\0')
			r.message = msg;
	}
	rc = ctl_send_reply(c, e->request_id, &r);
	wire_free(e);
	return rc;
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = (struct client *)w;
	ssize_t n = read(w->fd, c->in + c->len, sizeof(c->in) - c->len);
	uint32_t len;
	int rc;

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	while ((rc = wire_frame_get(c->in, c->len, &len)) == 0) {
		if (client_request(c, c->in + WIRE_FRAME_HDR, len) < 0) {
			client_close(c);
			return;
		}
		memmove(c->in, c->in + WIRE_FRAME_HDR + len, c->len - WIRE_FRAME_HDR - len);
		c->len -= WIRE_FRAME_HDR + len;
	}
	if (rc == -EMSGSIZE) {
		log_warn("client pid %d: a frame longer than %d bytes: disconnected",
		    (int)c->who.pid, WIRE_MAX);
		client_close(c);
	}
}

static void
ctl_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct agent *a = w->data;
	struct client *c;
	int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->a = a;
	ev_io_init(&c->io, client_read_cb, fd, EV_READ);
	client_peer(c);
	log_debug("client pid %d uid %d connected", (int)c->who.pid, (int)c->who.uid);
	ev_io_start(loop, &c->io);
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
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	strcpy(dir, path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);	/* /run/mint, on a fresh boot */
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 16) < 0 ||
	    chmod(path, 0660) < 0) {
		close(fd);
		return -1;
	}
	if ((gr = getgrnam(group)) == NULL)
		log_warn("group '%s' does not exist: only root can use %s", group, path);
	else if (chown(path, (uid_t)-1, gr->gr_gid) < 0)
		log_warn("%s: cannot give it to group %s: %s", path, group, strerror(errno));
	a->ctl_path = path;
	a->ctl_fd = fd;
	ev_io_init(&a->ctl_io, ctl_accept_cb, fd, EV_READ);
	a->ctl_io.data = a;
	ev_io_start(a->loop, &a->ctl_io);
	return 0;
}

void
ctl_close(struct agent *a)
{
	if (a->ctl_fd < 0)
		return;
	ev_io_stop(a->loop, &a->ctl_io);
	close(a->ctl_fd);
	unlink(a->ctl_path);
	a->ctl_fd = -1;
}
