/*
 * Test and benchmark helper: a hostile or careless user of an agent's control
 * socket.
 *   ctlflood flood PATH CONNS PIPELINE SECONDS  CONNS connections, PIPELINE
 *       STATUS requests written at once on each, replies read for up to SECONDS
 *   ctlflood hold PATH CONNS SECONDS     CONNS connections that ask nothing
 *   ctlflood half PATH SECONDS           half a frame, then silence
 *   ctlflood drip PATH SECONDS           a frame a byte every half second
 *   ctlflood req PATH KIND NODE [FORCE [UID]]  one request of kind KIND for node NODE,
 *       claiming to come from UID (caller_uid, which only agents may say)
 *   ctlflood listen PATH SECONDS         a socket that never accepts
 * CTLFLOOD_READ_AFTER=S: flood writes all its requests, then reads nothing for S s.
 * Prints what came back: counts of connections, refusals, replies, closes,
 * and the first refusal's message.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/wire.h"

struct conn {
	int fd;
	int refused;
	size_t sent, got;
	uint8_t *in;
};

static uint8_t *out;
static size_t out_len;
static char refusal[512];
static int nrefused;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connected to path; a full backlog is waited out for up to patience seconds. */
static int
dial(const char *path, double patience)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	double t0 = now_s();

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	while (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EAGAIN && now_s() - t0 < patience) {
			poll(NULL, 0, 1);
			continue;
		}
		close(fd);
		return -1;
	}
	return fd;
}

/* A socket at path that never accepts: its backlog fills. */
static int
listen_only(const char *path, double secs)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 1) < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	poll(NULL, 0, (int)(secs * 1000));
	return 0;
}

/* n framed requests of kind for node (node < 0: none) in out. */
static void
requests(int n, int kind, int node, int force, long caller)
{
	Mint__Envelope e;
	Mint__Command c;
	uint8_t one[1024];
	size_t len;

	mint__command__init(&c);
	c.has_kind = 1, c.kind = (Mint__CommandKind)kind;
	if (node >= 0)
		c.has_node = 1, c.node = (uint32_t)node;
	if (force)
		c.has_force = 1, c.force = 1;
	if (caller >= 0)
		c.has_caller_uid = 1, c.caller_uid = (uint32_t)caller;
	wire_init(&e, WIRE_CONSOLE, WIRE_CONSOLE, 1);
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = &c;
	if (wire_pack(&e, one + WIRE_FRAME_HDR, sizeof(one) - WIRE_FRAME_HDR, &len) < 0)
		exit(1);
	wire_frame_put(one, (uint32_t)len);
	len += WIRE_FRAME_HDR;
	out_len = len * (size_t)n;
	if ((out = malloc(out_len)) == NULL)
		exit(1);
	for (int i = 0; i < n; i++)
		memcpy(out + len * (size_t)i, one, len);
}

/* Take the frames c has read: replies counted, a refusal noted. */
static void
frames(struct conn *c, unsigned long *replies, int print)
{
	uint32_t len;

	while (wire_frame_get(c->in, c->got, &len) == 0) {
		Mint__Envelope *e;

		if (wire_unpack(c->in + WIRE_FRAME_HDR, len, &e, NULL, 0) == 0 &&
		    e->body_case == MINT__ENVELOPE__BODY_REPLY) {
			if (print)
				printf("reply %d %s\n", e->reply->error,
				    e->reply->message ? e->reply->message : "");
			if (e->request_id == 0 && e->reply->error != 0) {
				nrefused += !c->refused;
				c->refused = 1;
				if (refusal[0] == '\0' && e->reply->message != NULL)
					snprintf(refusal, sizeof(refusal), "%s", e->reply->message);
			} else {
				(*replies)++;
			}
		}
		wire_free(e);
		memmove(c->in, c->in + WIRE_FRAME_HDR + len, c->got - WIRE_FRAME_HDR - len);
		c->got -= WIRE_FRAME_HDR + len;
	}
}

/* A request a byte every half second, never whole: when is it cut off? */
static int
drip(const char *path, double secs)
{
	double t0 = now_s();
	int fd = dial(path, 0);

	if (fd < 0)
		return 1;
	requests(1, MINT__COMMAND_KIND__CMD_PING, -1, 0, -1);
	for (size_t i = 0; i + 1 < out_len && now_s() - t0 < secs; i++) {
		struct pollfd p = { fd, POLLIN, 0 };
		char c;

		if (send(fd, out + i, 1, MSG_NOSIGNAL) != 1 ||
		    (poll(&p, 1, 500) == 1 && read(fd, &c, 1) <= 0)) {
			printf("after %.1f s: closed\n", now_s() - t0);
			return 0;
		}
	}
	printf("after %.1f s: still open\n", now_s() - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode, *path;
	int conns = 1, pipeline = 0, print = 0, open_ = 0, closed = 0, failed = 0;
	double secs = 10, t0 = now_s();
	unsigned long replies = 0;
	struct conn *cs;
	struct pollfd *pf;

	if (argc < 4)
		return 2;
	mode = argv[1];
	path = argv[2];
	if (strcmp(mode, "drip") == 0 && argc == 4)
		return drip(path, atof(argv[3]));
	if (strcmp(mode, "listen") == 0 && argc == 4)
		return listen_only(path, atof(argv[3]));
	if (strcmp(mode, "flood") == 0 && argc == 6) {
		conns = atoi(argv[3]), pipeline = atoi(argv[4]), secs = atof(argv[5]);
		requests(pipeline, MINT__COMMAND_KIND__CMD_STATUS, -1, 0, -1);
	} else if (strcmp(mode, "hold") == 0 && argc == 5) {
		conns = atoi(argv[3]), secs = atof(argv[4]);
	} else if (strcmp(mode, "half") == 0 && argc == 4) {
		secs = atof(argv[3]);
		requests(1, MINT__COMMAND_KIND__CMD_PING, -1, 0, -1);
		out_len /= 2;
	} else if (strcmp(mode, "req") == 0 && argc >= 5 && argc <= 7) {
		requests(1, atoi(argv[3]), atoi(argv[4]), argc >= 6, argc == 7 ? atol(argv[6]) : -1);
		pipeline = 1, print = 1, secs = 10;
	} else {
		return 2;
	}
	cs = calloc((size_t)conns, sizeof(*cs));
	pf = calloc((size_t)conns, sizeof(*pf));
	if (cs == NULL || pf == NULL)
		return 1;
	for (int i = 0; i < conns; i++) {
		if ((cs[i].fd = dial(path, pipeline > 0 ? 5 : 0)) < 0) {
			failed++;
			continue;
		}
		if ((cs[i].in = malloc(WIRE_MAX + WIRE_FRAME_HDR)) == NULL)
			return 1;
		open_++;
	}
	if (getenv("CTLFLOOD_READ_AFTER") != NULL) {
		/* write everything first, read nothing for a while: replies pile up */
		for (int i = 0; i < conns; i++)
			while (cs[i].fd >= 0 && cs[i].sent < out_len) {
				struct pollfd p = { cs[i].fd, POLLOUT, 0 };
				ssize_t n;

				if (poll(&p, 1, 2000) <= 0)
					break;
				if ((n = send(cs[i].fd, out + cs[i].sent, out_len - cs[i].sent,
				    MSG_NOSIGNAL)) <= 0)
					break;
				cs[i].sent += (size_t)n;
			}
		poll(NULL, 0, (int)(atof(getenv("CTLFLOOD_READ_AFTER")) * 1000));
	}
	while (now_s() - t0 < secs) {
		int live = 0, r;

		for (int i = 0; i < conns; i++) {
			pf[i].fd = cs[i].fd;
			pf[i].events = POLLIN | (cs[i].sent < out_len ? POLLOUT : 0);
			live += cs[i].fd >= 0;
		}
		/* every connection not refused has all its replies */
		if (live == 0 || (pipeline > 0 &&
		    replies >= (unsigned long)(open_ - nrefused) * (unsigned long)pipeline))
			break;
		if ((r = poll(pf, (nfds_t)conns, 100)) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < conns; i++) {
			struct conn *c = &cs[i];
			ssize_t n;

			if (c->fd < 0 || pf[i].revents == 0)
				continue;
			if ((pf[i].revents & POLLOUT) && c->sent < out_len &&
			    (n = send(c->fd, out + c->sent, out_len - c->sent, MSG_NOSIGNAL)) > 0)
				c->sent += (size_t)n;
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(c->fd, c->in + c->got, WIRE_MAX + WIRE_FRAME_HDR - c->got);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n > 0) {
				c->got += (size_t)n;
				frames(c, &replies, print);
				continue;
			}
			closed += !c->refused;
			close(c->fd);
			c->fd = -1;
		}
	}
	if (strcmp(mode, "half") == 0 || strcmp(mode, "hold") == 0)
		printf("after %.1f s: ", now_s() - t0);
	printf("open %d refused %d closed %d replies %lu failed %d\n", open_ - nrefused - closed,
	    nrefused, closed, replies, failed);
	if (refusal[0] != '\0')
		printf("refusal: %s\n", refusal);
	fflush(stdout);	/* before a leak checker's exit, which would lose it */
	for (int i = 0; i < conns; i++)
		free(cs[i].in);
	free(cs);
	free(pf);
	return 0;
}
