/*
 * bench in a guest: the guest's runner (tests/guest/mkguest.sh --bench)
 * listens on its ttyS1, which QEMU offers on this node as a Unix socket
 * (the serial port aliased ua-mint-bench). The agent finds the socket in
 * the guest's live definition, sends the arguments, waits for "mint-bench
 * ready" (the program calibrated), sends "go" when this node's TSC reaches
 * the common start, and reads the records back. A guest's TSC is not the
 * host's, so the agent, not the program, waits for the start.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/guest-ops.h"
#include "agent/worker.h"
#include "common/cause.h"
#include "common/log.h"
#include "eval/report.h"
#include "eval/tsc.h"

#define GB_OUT_MAX	16384
#define GB_TIMEOUT_MS	(10 * 60 * 1000)

enum gb_phase { GB_LOOKUP, GB_READY, GB_WAIT_START, GB_RUNNING };

struct gbench {
	struct agent *a;
	struct reply_to rt;
	struct job job;
	char guest[64];
	char line[1024];	/* "mint-bench ARGS\n" */
	uint64_t start_tsc;
	uint64_t timeout_ms;
	char path[108];		/* the port's socket */
	int fd;
	ev_io io;
	ev_timer start, limit;
	enum gb_phase phase;
	char out[GB_OUT_MAX];
	size_t len, ready_at;	/* where the output after "ready" begins */
	struct gbench *next;
};

static struct gbench *gb_running;	/* under way, one a guest */
static struct tsc_clock gb_clock;	/* calibrated once, in a worker thread */
static pthread_once_t gb_calibrated = PTHREAD_ONCE_INIT;

static void
gb_calibrate(void)
{
	tsc_init(&gb_clock);
}

static void
gb_free(struct gbench *g)
{
	struct ev_loop *loop = g->a->loop;

	if (g->fd >= 0) {
		ev_io_stop(loop, &g->io);
		close(g->fd);
	}
	ev_timer_stop(loop, &g->start);
	ev_timer_stop(loop, &g->limit);
	for (struct gbench **pp = &gb_running; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	free(g);
}

static void
gb_reply(struct gbench *g, int rc, const char *msg, const struct report *r)
{
	struct agent *a = g->a;
	Mint__BenchReport rep, *rp = &rep;
	Mint__BenchRow rows[REPORT_ROWS], *rowp[REPORT_ROWS];
	Mint__Reply reply;

	mint__reply__init(&reply);
	reply.has_error = 1, reply.error = rc;
	reply.message = (char *)msg;
	if (rc == 0) {
		bench_report_fill(&rep, rows, rowp, r, a->node, g->guest);
		reply.n_bench = 1, reply.bench = &rp;
		log_about(LOG_INFO, "GUEST", g->guest, "%s", msg);
	} else {
		log_about(LOG_WARNING, "GUEST", g->guest, "%s", msg);
	}
	agent_reply_with(a, &g->rt, &reply);
	gb_free(g);
}

static void
gb_fail(struct gbench *g, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
gb_fail(struct gbench *g, int rc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gb_reply(g, rc, msg, NULL);
}

/* A whole line of the output after from that is text exactly: its end, else 0. */
static size_t
gb_line(const struct gbench *g, size_t from, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = from; i + n <= g->len; i++)
		if ((i == from || g->out[i - 1] == '\n') && memcmp(g->out + i, text, n) == 0 &&
		    i + n < g->len && (g->out[i + n] == '\n' || g->out[i + n] == '\r'))
			return i + n + 1;
	return 0;
}

static void
gb_send_go(struct gbench *g)
{
	if (write(g->fd, "go\n", 3) != 3) {
		gb_fail(g, -EIO, "guest %s: cannot start its mint-bench: %s", g->guest,
		    strerror(errno));
		return;
	}
	g->phase = GB_RUNNING;
}

static void
gb_start_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop, (void)revents;
	gb_send_go(w->data);
}

/* The program is ready: "go" at the common start, in this node's TSC. */
static void
gb_ready(struct gbench *g)
{
	double wait_s = 0;

	if (g->start_tsc != 0 && gb_clock.tsc) {
		uint64_t now = tsc_now(&gb_clock);

		if (g->start_tsc > now)
			wait_s = (double)tsc_ns(&gb_clock, g->start_tsc - now) / 1e9;
	}
	g->phase = GB_WAIT_START;
	if (wait_s <= 0) {
		gb_send_go(g);
		return;
	}
	ev_timer_init(&g->start, gb_start_cb, wait_s, 0);
	g->start.data = g;
	ev_timer_start(g->a->loop, &g->start);
}

static void
gb_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct gbench *g = w->data;
	struct report r;
	char why[256], msg[256];
	ssize_t n;
	size_t end;

	(void)loop, (void)revents;
	if (g->len == sizeof(g->out)) {
		gb_fail(g, -EIO, "guest %s: its bench port says too much", g->guest);
		return;
	}
	n = read(w->fd, g->out + g->len, sizeof(g->out) - g->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		gb_fail(g, -EIO, "guest %s: its bench port closed%s", g->guest,
		    g->phase == GB_RUNNING ? " before the records ended" : "");
		return;
	}
	g->len += (size_t)n;
	if (g->phase == GB_READY && (end = gb_line(g, 0, "mint-bench ready")) != 0) {
		g->ready_at = end;
		gb_ready(g);
		return;
	}
	/* a mint-bench that could not start or run says why, then its runner waits again */
	for (size_t i = 0; i + 12 <= g->len; i++)
		if ((i == 0 || g->out[i - 1] == '\n') && memcmp(g->out + i, "mint-bench: ", 12) == 0) {
			char *nl = memchr(g->out + i, '\n', g->len - i);

			if (nl != NULL) {
				gb_fail(g, -EIO, "guest %s: %.*s", g->guest,
				    (int)(nl - (g->out + i)) - (nl[-1] == '\r'), g->out + i);
				return;
			}
		}
	if (g->phase != GB_RUNNING || gb_line(g, g->ready_at, "end") == 0)
		return;
	if (report_parse(g->out + g->ready_at, g->len - g->ready_at, &r, why, sizeof(why)) < 0) {
		gb_fail(g, -EIO, "guest %s: mint-bench's records: %s", g->guest, why);
		return;
	}
	snprintf(msg, sizeof(msg), "guest %s: mint-bench done (%s)", g->guest, r.virt);
	gb_reply(g, 0, msg, &r);
}

static void
gb_limit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct gbench *g = w->data;

	(void)loop, (void)revents;
	gb_fail(g, -ETIMEDOUT, "guest %s: mint-bench %s in %.0f s", g->guest,
	    g->phase == GB_READY ? "did not get ready" : "did not finish", w->repeat);
}

/* In the worker: where the port is, and connect to it; the TSC calibrated once. */
static int
gb_lookup(struct job *j)
{
	struct gbench *g = j->arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rc;

	pthread_once(&gb_calibrated, gb_calibrate);
	if ((rc = gop_bench_socket(g->a->guests.uri, g->guest, g->path, sizeof(g->path), j->msg,
	    sizeof(j->msg))) < 0)
		return rc;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", g->path);
	if ((g->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(j->msg, sizeof(j->msg), "guest %s: its bench port %s: %s", g->guest,
		    g->path, strerror(errno));
		return rc;
	}
	/* whatever an earlier bench left unread, then the request */
	fcntl(g->fd, F_SETFL, O_NONBLOCK);
	while (read(g->fd, g->out, sizeof(g->out)) > 0)
		;
	if (write(g->fd, g->line, strlen(g->line)) != (ssize_t)strlen(g->line)) {
		rc = -errno;
		snprintf(j->msg, sizeof(j->msg), "guest %s: its bench port: %s", g->guest,
		    strerror(errno));
		return rc;
	}
	return 0;
}

static void
gb_lookup_done(struct job *j)
{
	struct gbench *g = j->arg;

	if (j->rc < 0) {
		gb_reply(g, j->rc, j->msg, NULL);
		return;
	}
	if (g->rt.client == NULL && g->rt.node == g->a->node) {
		gb_free(g);	/* whoever asked went away meanwhile */
		return;
	}
	g->phase = GB_READY;
	ev_timer_start(g->a->loop, &g->limit);
	ev_io_init(&g->io, gb_io_cb, g->fd, EV_READ);
	g->io.data = g;
	ev_io_start(g->a->loop, &g->io);
}

int
bench_guest(struct agent *a, const struct reply_to *rt, const Mint__BenchSpec *s,
    char *const argv[], char *msg, size_t len)
{
	struct gbench *g;
	size_t off;
	int rc;

	if (a->guests.uri == NULL)
		return cause_fail(msg, len, -EOPNOTSUPP, "node %u has no hypervisor", a->node);
	if (!gop_name_ok(s->guest))
		return cause_fail(msg, len, -EINVAL, "bench: '%.64s' is not a guest's name", s->guest);
	if (s->programs > 1)
		return cause_fail(msg, len, -EINVAL, "bench: one program at a time in a guest");
	for (struct gbench *o = gb_running; o != NULL; o = o->next)
		if (strcmp(o->guest, s->guest) == 0)
			return cause_fail(msg, len, -EBUSY, "guest %s runs a bench already", s->guest);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return cause_fail(msg, len, -ENOMEM, "bench: out of memory");
	g->a = a;
	g->rt = *rt;
	g->fd = -1;
	g->start_tsc = s->start_tsc;
	snprintf(g->guest, sizeof(g->guest), "%s", s->guest);
	/* the program's own arguments, without the agent's --records and --start-tsc */
	off = (size_t)snprintf(g->line, sizeof(g->line), "mint-bench");
	for (int i = 2; argv[i] != NULL && off < sizeof(g->line); i++) {
		if (strcmp(argv[i], "--start-tsc") == 0) {
			i++;
			continue;
		}
		if (strpbrk(argv[i], " \t\n\r") != NULL) {
			free(g);
			return cause_fail(msg, len, -EINVAL, "bench: in a guest, no blank in '%.64s'",
			    argv[i]);
		}
		off += (size_t)snprintf(g->line + off, sizeof(g->line) - off, " %s", argv[i]);
	}
	if (off + 2 >= sizeof(g->line)) {
		free(g);
		return cause_fail(msg, len, -EINVAL, "bench: arguments too long");
	}
	strcat(g->line, "\n");
	ev_timer_init(&g->limit, gb_limit_cb, (s->timeout_ms ? s->timeout_ms : GB_TIMEOUT_MS) / 1000.0,
	    0);
	g->limit.data = g;
	g->job.fn = gb_lookup;
	g->job.done = gb_lookup_done;
	g->job.arg = g;
	g->job.lane = WORKER_LIBVIRT;
	if ((rc = worker_run(a->worker, &g->job)) < 0) {
		free(g);
		return cause_fail(msg, len, rc, "bench: no worker for guest %s: %s", s->guest,
		    strerror(-rc));
	}
	g->next = gb_running;
	gb_running = g;
	log_about(LOG_INFO, "GUEST", g->guest, "guest %s: mint-bench asked on its bench port",
	    g->guest);
	return HANDLE_LATER;
}

void
bench_guest_forget(struct agent *a, struct client *c)
{
	struct gbench *g = gb_running, *next;

	for (; g != NULL; g = next) {
		next = g->next;
		if (g->rt.client != c)
			continue;
		log_info("the console that asked for guest %s's bench went away", g->guest);
		if (g->phase == GB_LOOKUP) {
			g->rt.client = NULL;	/* the worker has it: freed when it is done */
			g->rt.node = a->node;
		} else {
			gb_free(g);
		}
	}
}
