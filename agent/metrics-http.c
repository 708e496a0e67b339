/*
 * mint-agent --metrics ADDR:PORT: GET /metrics answers the whole machine in
 * the Prometheus text format (view/metrics.c), on the agent's loop. It is
 * bounded: a few connections at once (more are closed at once), a request
 * of at most 4 KiB within 5 s, one answer a connection, then it is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "agent/agent.h"
#include "common/cause.h"
#include "common/log.h"
#include "view/metrics.h"

#define HTTP_CONNS_MAX	8
#define HTTP_REQ_MAX	4096
#define HTTP_TIMEOUT_S	5.0

struct http_conn {
	ev_io io;
	ev_timer timer;
	struct agent *a;
	int fd;
	size_t len;
	char req[HTTP_REQ_MAX + 1];
};

static ev_io listener;
static int nconns;

static void
conn_close(struct ev_loop *loop, struct http_conn *c)
{
	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->timer);
	close(c->fd);
	free(c);
	nconns--;
}

/* Write it all: the answer is small, and a client that does not read gets 5 s. */
static void
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		struct pollfd p = { fd, POLLOUT, 0 };

		if (n > 0) {
			buf += n, len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (poll(&p, 1, (int)(HTTP_TIMEOUT_S * 1000)) <= 0)
				return;
		} else {
			return;
		}
	}
}

static void
answer(struct http_conn *c, int code, const char *reason, const char *body, size_t len)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, reason, code == 200 ?
	    "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8", len);
	send_all(c->fd, head, (size_t)n);
	send_all(c->fd, body, len);
}

/* A whole request line and headers: answer it. */
static void
serve(struct http_conn *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (strncmp(c->req, "GET ", 4) != 0) {
		answer(c, 405, "Method Not Allowed", "GET /metrics\n", 13);
		return;
	}
	if (strncmp(c->req + 4, "/metrics ", 9) != 0 && strncmp(c->req + 4, "/metrics?", 9) != 0) {
		answer(c, 404, "Not Found", "GET /metrics\n", 13);
		return;
	}
	if ((f = open_memstream(&text, &len)) == NULL) {
		answer(c, 500, "Internal Server Error", "out of memory\n", 14);
		return;
	}
	metrics_write(f, &c->a->region);
	if (fclose(f) != 0 || text == NULL)
		answer(c, 500, "Internal Server Error", "out of memory\n", 14);
	else
		answer(c, 200, "OK", text, len);
	free(text);
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct http_conn *c = w->data;
	ssize_t n;

	(void)revents;
	n = recv(c->fd, c->req + c->len, HTTP_REQ_MAX - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(loop, c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL || strstr(c->req, "\n\n") != NULL)
		serve(c);
	else if (c->len < HTTP_REQ_MAX)
		return;
	else
		answer(c, 431, "Request Header Fields Too Large", "too large\n", 10);
	conn_close(loop, c);
}

static void
conn_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	conn_close(loop, w->data);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct agent *a = w->data;
	struct http_conn *c;
	int fd;

	(void)revents;
	if ((fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
		return;
	if (nconns >= HTTP_CONNS_MAX || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);	/* busy: Prometheus tries again at the next scrape */
		return;
	}
	nconns++;
	c->a = a, c->fd = fd;
	ev_io_init(&c->io, conn_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_init(&c->timer, conn_timeout_cb, HTTP_TIMEOUT_S, 0);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
}

int
metrics_http_open(struct agent *a, const char *spec, char *cause, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res = NULL;
	char host[256];
	const char *colon = strrchr(spec, ':');
	int fd = -1, one = 1, rc;

	if (colon == NULL || colon == spec || colon[1] == '\0' ||
	    (size_t)(colon - spec) >= sizeof(host))
		return cause_fail(cause, len, -EINVAL, "--metrics %s: give ADDR:PORT, like "
		    "127.0.0.1:9478 or [::]:9478", spec);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0)
		return cause_fail(cause, len, -EINVAL, "--metrics %s: %s", spec, gai_strerror(rc));
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return cause_fail(cause, len, rc, "--metrics %s: %s", spec, strerror(-rc));
	}
	freeaddrinfo(res);
	ev_io_init(&listener, accept_cb, fd, EV_READ);
	listener.data = a;
	ev_io_start(a->loop, &listener);
	log_info("metrics for Prometheus on http://%s/metrics", spec);
	return 0;
}
