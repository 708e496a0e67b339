/* One request to the agent and its reply, framed, with a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cause.h"
#include "common/clock.h"
#include "common/sock.h"
#include "console/client.h"

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

/* Connect to the agent: fd, or -errno with the sentence in cause. */
static int
client_connect(const char *path, int connect_ms, char *cause, size_t clen)
{
	int fd = sock_connect(path, connect_ms);

	if (fd == -ETIMEDOUT)
		return cause_fail(cause, clen, fd, "%s: the agent accepted no connection within %d ms "
		    "(its backlog is full: overloaded or hung?)", path, connect_ms);
	if (fd == -ENAMETOOLONG)
		return cause_fail(cause, clen, fd, "%s: path too long", path);
	if (fd < 0)
		return cause_fail(cause, clen, fd, "%s: %s%s", path, strerror(-fd),
		    fd == -ENOENT || fd == -ECONNREFUSED ? " (is mint-agent running?)" :
		    fd == -EACCES ? " (root or the group of the socket may use it)" : "");
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* Frame cmd into buf and send it: 0, or -errno with the sentence in cause. */
static int
client_send(int fd, const char *path, const Mint__Command *cmd, uint8_t *buf, size_t cap,
    char *cause, size_t clen)
{
	Mint__Envelope e;
	size_t len;
	int rc;

	wire_init(&e, WIRE_CONSOLE, WIRE_CONSOLE, (uint64_t)getpid());
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = (Mint__Command *)cmd;
	if ((rc = wire_pack(&e, buf + WIRE_FRAME_HDR, cap - WIRE_FRAME_HDR, &len)) < 0)
		return cause_fail(cause, clen, rc, "request too large");
	wire_frame_put(buf, (uint32_t)len);
	if (send(fd, buf, len + WIRE_FRAME_HDR, MSG_NOSIGNAL) != (ssize_t)(len + WIRE_FRAME_HDR) &&
	    errno != EPIPE && errno != ECONNRESET) {
		/* (an agent that refused the connection has left its reason to read) */
		rc = -errno;
		return cause_fail(cause, clen, rc, "%s: cannot send: %s", path, strerror(-rc));
	}
	return 0;
}

/*
 * Read one frame into buf by deadline, calling tick every tick_ms meanwhile:
 * its length in *n, or -errno with the sentence in cause.
 */
static int
client_receive(int fd, const char *path, uint8_t *buf, size_t cap, int64_t deadline,
    int timeout_ms, int tick_ms, client_tick_fn tick, void *arg, uint32_t *n, char *cause,
    size_t clen)
{
	size_t got = 0;
	int rc;

	while ((rc = wire_frame_get(buf, got, n)) == -EAGAIN) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - clock_mono_ms();
		ssize_t r;
		int pr = 0;

		if (left > 0)
			pr = poll(&p, 1, tick != NULL && tick_ms < left ? tick_ms : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0 && tick != NULL && left > 0) {
			tick(arg);
			continue;
		}
		if (pr <= 0)
			return cause_fail(cause, clen, -ETIMEDOUT, "%s: no reply within %d ms", path,
			    timeout_ms);
		if ((r = read(fd, buf + got, cap - got)) <= 0)
			return cause_fail(cause, clen, -ECONNRESET, "%s: the agent hung up", path);
		got += (size_t)r;
	}
	if (rc < 0)
		return cause_fail(cause, clen, rc, "%s: reply too large", path);
	return 0;
}

/* The same, calling tick(arg) every tick_ms while it waits. */
int
client_request_tick(const char *path, const Mint__Command *cmd, int timeout_ms, int tick_ms,
    client_tick_fn tick, void *arg, Mint__Envelope **reply, char *cause, size_t clen)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	const int connect_ms = timeout_ms < CLIENT_CONNECT_MS ? timeout_ms : CLIENT_CONNECT_MS;
	const size_t cap = WIRE_MAX + WIRE_FRAME_HDR;
	/* not static: a tick may make requests of its own */
	uint8_t *buf;
	uint32_t n;
	int fd, rc;

	*reply = NULL;
	if ((buf = malloc(cap)) == NULL)
		return cause_fail(cause, clen, -ENOMEM, "out of memory");
	if ((rc = fd = client_connect(path, connect_ms, cause, clen)) < 0)
		goto out_free;
	if ((rc = client_send(fd, path, cmd, buf, cap, cause, clen)) < 0 ||
	    (rc = client_receive(fd, path, buf, cap, deadline, timeout_ms, tick_ms, tick, arg, &n,
	    cause, clen)) < 0)
		goto out_close;
	if ((rc = wire_unpack(buf + WIRE_FRAME_HDR, n, reply, cause, clen)) < 0)
		goto out_close;
	if ((*reply)->body_case != MINT__ENVELOPE__BODY_REPLY) {
		wire_free(*reply);
		*reply = NULL;
		rc = cause_fail(cause, clen, -EBADMSG, "%s: the answer is not a reply", path);
	}
out_close:
	close(fd);
out_free:
	free(buf);
	return rc;
}
