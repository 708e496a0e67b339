/* One request to the agent and its reply, framed, with a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "console/client.h"
#include "common/cause.h"

/* how long the agent may take to accept a connection */
#define CLIENT_CONNECT_MS	5000

/*
 * Send cmd to the agent at path and wait up to timeout_ms for its reply;
 * *reply must go to wire_free. -errno and a sentence in cause on failure.
 */
int
client_request(const char *path, const Mint__Command *cmd, int timeout_ms,
    Mint__Envelope **reply, char *cause, size_t clen)
{
	return client_request_tick(path, cmd, timeout_ms, 0, NULL, NULL, reply, cause, clen);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The same, calling tick(arg) every tick_ms while it waits. */
int
client_request_tick(const char *path, const Mint__Command *cmd, int timeout_ms, int tick_ms,
    client_tick_fn tick, void *arg, Mint__Envelope **reply, char *cause, size_t clen)
{
	int64_t deadline = mono_ms() + timeout_ms;
	const int connect_ms = timeout_ms < CLIENT_CONNECT_MS ? timeout_ms : CLIENT_CONNECT_MS;
	/* not static: a tick may make requests of its own */
	uint8_t *buf;
	const size_t cap = WIRE_MAX + WIRE_FRAME_HDR;
	struct sockaddr_un sun;
	Mint__Envelope e;
	size_t len, got = 0;
	uint32_t n;
	int fd, rc;

	*reply = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return cause_fail(cause, clen, -ENAMETOOLONG, "%s: path too long", path);
	strcpy(sun.sun_path, path);
	if ((buf = malloc(cap)) == NULL)
		return cause_fail(cause, clen, -ENOMEM, "out of memory");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		rc = cause_fail(cause, clen, -errno, "socket: %s", strerror(errno));
		goto out;
	}
	/*
	 * Non-blocking: a Unix socket whose backlog is full says EAGAIN, where a
	 * blocking connect would wait for as long as the agent does not accept.
	 */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int64_t waited = mono_ms() - (deadline - timeout_ms);

		rc = -errno;
		if (rc == -EINTR)
			continue;
		if (rc == -EAGAIN && waited < connect_ms) {
			poll(NULL, 0, 20);
			continue;
		}
		close(fd);
		if (rc == -EAGAIN)
			rc = cause_fail(cause, clen, -ETIMEDOUT, "%s: the agent accepted no connection "
			    "within %d ms (its backlog is full: overloaded or hung?)", path, connect_ms);
		else
			rc = cause_fail(cause, clen, rc, "%s: %s%s", path, strerror(-rc),
			    rc == -ENOENT || rc == -ECONNREFUSED ? " (is mint-agent running?)" :
			    rc == -EACCES ? " (root or the group of the socket may use it)" : "");
		goto out;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	wire_init(&e, WIRE_CONSOLE, WIRE_CONSOLE, (uint64_t)getpid());
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = (Mint__Command *)cmd;
	if ((rc = wire_pack(&e, buf + WIRE_FRAME_HDR, cap - WIRE_FRAME_HDR, &len)) < 0) {
		close(fd);
		rc = cause_fail(cause, clen, rc, "request too large");
		goto out;
	}
	wire_frame_put(buf, (uint32_t)len);
	if (send(fd, buf, len + WIRE_FRAME_HDR, MSG_NOSIGNAL) != (ssize_t)(len + WIRE_FRAME_HDR) &&
	    errno != EPIPE && errno != ECONNRESET) {
		/* (an agent that refused the connection has left its reason to read) */
		rc = -errno;
		close(fd);
		rc = cause_fail(cause, clen, rc, "%s: cannot send: %s", path, strerror(-rc));
		goto out;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if ((rc = wire_frame_get(buf, got, &n)) != -EAGAIN)
			break;
		int64_t left = deadline - mono_ms();
		int pr;

		if (left > 0)
			pr = poll(&p, 1, tick != NULL && tick_ms < left ? tick_ms : (int)left);
		else
			pr = 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0 && tick != NULL && left > 0) {
			tick(arg);
			continue;
		}
		if (pr <= 0) {
			close(fd);
			rc = cause_fail(cause, clen, -ETIMEDOUT, "%s: no reply within %d ms", path,
			    timeout_ms);
			goto out;
		}
		if ((r = read(fd, buf + got, cap - got)) <= 0) {
			close(fd);
			rc = cause_fail(cause, clen, -ECONNRESET, "%s: the agent hung up", path);
			goto out;
		}
		got += (size_t)r;
	}
	close(fd);
	if (rc < 0) {
		rc = cause_fail(cause, clen, rc, "%s: reply too large", path);
		goto out;
	}
	if ((rc = wire_unpack(buf + WIRE_FRAME_HDR, n, reply, cause, clen)) < 0)
		goto out;
	if ((*reply)->body_case != MINT__ENVELOPE__BODY_REPLY) {
		wire_free(*reply);
		*reply = NULL;
		rc = cause_fail(cause, clen, -EBADMSG, "%s: the answer is not a reply", path);
	}
out:
	free(buf);
	return rc;
}
