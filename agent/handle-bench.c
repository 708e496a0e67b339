/*
 * bench: run mint-bench on this node for mint-console bench. The programs
 * are children of the agent, so they run in its partition (its cores, its
 * memory); several at once when asked (two workloads sharing a node), all
 * waiting for the same TSC reading so that programs on several nodes begin
 * together. Their records come back as the reply; the console that asked
 * going away, or the time given running out, kills them. One bench at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/cause.h"
#include "common/log.h"
#include "eval/report.h"

#define BENCH_PROGRAMS_MAX	4
#define BENCH_OUT_MAX		16384	/* records are well under 2 KiB */
#define BENCH_TIMEOUT_MS	(10 * 60 * 1000)
#define BENCH_ARGS		32

struct bench_prog {
	struct bench_run *run;
	pid_t pid;
	ev_io io;		/* its stdout and stderr */
	ev_child child;
	char out[BENCH_OUT_MAX];
	size_t len;
	int eof, exited, status;
};

struct bench_run {
	struct agent *a;
	struct reply_to rt;
	unsigned n;
	struct bench_prog p[BENCH_PROGRAMS_MAX];
	ev_timer timer;
	int timed_out;
	char program[PATH_MAX];
};

static struct bench_run *running;	/* one at a time, per agent process */

/* mint-bench beside the agent (installed, or in the build tree), else in BINDIR. */
static void
bench_program(char *path, size_t len)
{
	char self[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, len, "%s/mint-bench", self);
			if (access(path, X_OK) == 0)
				return;
			snprintf(path, len, "%s/../eval/mint-bench", self);
			if (access(path, X_OK) == 0)
				return;
		}
	}
	snprintf(path, len, "%s", BINDIR "/mint-bench");
}

/* The spec as mint-bench's arguments, into argv (strings in buf): 0, or -EINVAL said in msg. */
static int
bench_args(const Mint__BenchSpec *s, const char *program, char **argv, char *buf, size_t blen,
    char *msg, size_t len)
{
	size_t off = 0;
	int n = 0;

#define ARG(...) do {							\
		int k_ = snprintf(buf + off, blen - off, __VA_ARGS__);	\
		if (k_ < 0 || (size_t)k_ >= blen - off || n >= BENCH_ARGS - 1)	\
			return cause_fail(msg, len, -EINVAL, "bench: arguments too long"); \
		argv[n++] = buf + off;					\
		off += (size_t)k_ + 1;					\
	} while (0)

	ARG("%s", program);
	ARG("--records");
	if (s->n_workloads == 0 || s->n_workloads > 3)
		return cause_fail(msg, len, -EINVAL, "bench: give one to three workloads");
	{
		char list[32] = "";

		for (size_t i = 0; i < s->n_workloads; i++) {
			const char *w = s->workloads[i];

			if (strcmp(w, "reg") != 0 && strcmp(w, "copy") != 0 && strcmp(w, "io") != 0)
				return cause_fail(msg, len, -EINVAL,
				    "bench: '%.16s' is not reg, copy or io", w);
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "",
			    w);
		}
		ARG("--workload");
		ARG("%s", list);
	}
	if (s->n_sizes > 8)
		return cause_fail(msg, len, -EINVAL, "bench: at most 8 sizes");
	if (s->n_sizes > 0) {
		char list[256] = "";

		for (size_t i = 0; i < s->n_sizes; i++) {
			if (s->sizes[i] == 0 || s->sizes[i] > (1ull << 30))
				return cause_fail(msg, len, -EINVAL,
				    "bench: a size from 1 byte to 1 GiB, not %" PRIu64, s->sizes[i]);
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%" PRIu64,
			    i ? "," : "", s->sizes[i]);
		}
		ARG("--sizes");
		ARG("%s", list);
	}
	if (s->reg > 1000000000000ull || s->copies > 100000000 || s->reads > 100000000 ||
	    s->runs > REPORT_RUNS_MAX)
		return cause_fail(msg, len, -EINVAL, "bench: a count out of range (register "
		    "increments to 10^12, copies and reads to 10^8, runs to %d)", REPORT_RUNS_MAX);
	if (s->reg != 0) {
		ARG("--reg");
		ARG("%" PRIu64, s->reg);
	}
	if (s->copies != 0) {
		ARG("--copies");
		ARG("%" PRIu64, s->copies);
	}
	if (s->reads != 0) {
		ARG("--reads");
		ARG("%" PRIu64, s->reads);
	}
	if (s->runs != 0) {
		ARG("--runs");
		ARG("%u", s->runs);
	}
	if (s->io != NULL && s->io[0] != '\0') {
		if (s->io[0] != '/' || strlen(s->io) >= PATH_MAX)
			return cause_fail(msg, len, -EINVAL, "bench: --io takes an absolute path");
		ARG("--io");
		ARG("%s", s->io);
	}
	if (s->start_tsc != 0) {
		ARG("--start-tsc");
		ARG("%" PRIu64, s->start_tsc);
	}
#undef ARG
	argv[n] = NULL;
	return 0;
}

static void
bench_free(struct bench_run *b)
{
	struct ev_loop *loop = b->a->loop;

	for (unsigned i = 0; i < b->n; i++) {
		struct bench_prog *p = &b->p[i];

		if (!p->exited && p->pid > 0) {
			kill(p->pid, SIGKILL);
			/* reaped by libev's child handler; nobody watches it now */
		}
		ev_child_stop(loop, &p->child);
		if (p->io.fd >= 0) {
			ev_io_stop(loop, &p->io);
			close(p->io.fd);
			p->io.fd = -1;
		}
	}
	ev_timer_stop(loop, &b->timer);
	if (running == b)
		running = NULL;
	free(b);
}

/* The last line of a program's output (its complaint), into msg. */
static void
last_line(const struct bench_prog *p, char *msg, size_t len)
{
	size_t end = p->len, start;

	while (end > 0 && (p->out[end - 1] == '\n' || p->out[end - 1] == '\r'))
		end--;
	start = end;
	while (start > 0 && p->out[start - 1] != '\n')
		start--;
	snprintf(msg, len, "%.*s", (int)(end - start), p->out + start);
}

void
bench_report_fill(Mint__BenchReport *rep, Mint__BenchRow *rows, Mint__BenchRow **rowp,
    const struct report *r, unsigned node, const char *guest)
{
	mint__bench_report__init(rep);
	rep->has_node = 1, rep->node = node;
	rep->guest = (char *)guest;
	rep->clock = (char *)r->clock;
	rep->has_tsc = 1, rep->tsc = r->tsc;
	rep->virt = (char *)r->virt;
	rep->has_cpu = 1, rep->cpu = r->cpu;
	rep->has_runs = 1, rep->runs = r->runs;
	rep->has_late_ns = 1, rep->late_ns = r->late_ns;
	rep->n_rows = r->n_rows;
	rep->rows = rowp;
	for (unsigned k = 0; k < r->n_rows; k++) {
		const struct report_row *w = &r->rows[k];
		Mint__BenchRow *o = &rows[k];

		mint__bench_row__init(o);
		rowp[k] = o;
		o->workload = (char *)w->workload;
		o->has_size = 1, o->size = w->size;
		o->has_count = 1, o->count = w->count;
		o->has_median_ns = 1, o->median_ns = w->median_ns;
		o->has_min_ns = 1, o->min_ns = w->min_ns;
		o->has_max_ns = 1, o->max_ns = w->max_ns;
		o->has_direct = 1, o->direct = w->direct;
	}
}

static void
bench_finish(struct bench_run *b)
{
	struct agent *a = b->a;
	Mint__BenchReport reps[BENCH_PROGRAMS_MAX], *rp[BENCH_PROGRAMS_MAX];
	Mint__BenchRow rows[BENCH_PROGRAMS_MAX][REPORT_ROWS], *rowp[BENCH_PROGRAMS_MAX][REPORT_ROWS];
	struct report r[BENCH_PROGRAMS_MAX];
	char msg[512] = "", why[256];
	Mint__Reply reply;
	int rc = 0;

	for (unsigned i = 0; i < b->n && rc == 0; i++) {
		struct bench_prog *p = &b->p[i];

		if (b->timed_out) {
			rc = cause_fail(msg, sizeof(msg), -ETIMEDOUT, "node %u: mint-bench did not "
			    "finish in time: killed", a->node);
		} else if (!WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0) {
			last_line(p, why, sizeof(why));
			rc = cause_fail(msg, sizeof(msg), -EIO, "node %u: %s", a->node,
			    why[0] != '\0' ? why : "mint-bench failed");
			if (strncmp(why, "mint-bench: ", 12) != 0 && WIFEXITED(p->status) &&
			    WEXITSTATUS(p->status) == 127)
				snprintf(msg, sizeof(msg), "node %u: cannot run %.400s", a->node,
				    b->program);
		} else if (report_parse(p->out, p->len, &r[i], why, sizeof(why)) < 0) {
			rc = cause_fail(msg, sizeof(msg), -EIO, "node %u: mint-bench's records: %s",
			    a->node, why);
		}
	}
	mint__reply__init(&reply);
	reply.has_error = 1, reply.error = rc;
	if (rc == 0) {
		for (unsigned i = 0; i < b->n; i++) {
			bench_report_fill(&reps[i], rows[i], rowp[i], &r[i], a->node, NULL);
			rp[i] = &reps[i];
		}
		reply.n_bench = b->n;
		reply.bench = rp;
		snprintf(msg, sizeof(msg), "node %u: %u mint-bench done", a->node, b->n);
		log_info("%s", msg);
	} else {
		log_warn("%s", msg);
	}
	reply.message = msg;
	agent_reply_with(a, &b->rt, &reply);
	bench_free(b);
}

static void
bench_check(struct bench_run *b)
{
	for (unsigned i = 0; i < b->n; i++)
		if (!b->p[i].eof || !b->p[i].exited)
			return;
	bench_finish(b);
}

static void
bench_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct bench_prog *p = w->data;
	char sink[512];
	ssize_t n;

	(void)revents;
	if (p->len < sizeof(p->out))
		n = read(w->fd, p->out + p->len, sizeof(p->out) - p->len);
	else
		n = read(w->fd, sink, sizeof(sink));	/* beyond what records need: dropped */
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		if (p->len < sizeof(p->out))
			p->len += (size_t)n;
		return;
	}
	ev_io_stop(loop, w);
	close(w->fd);
	w->fd = -1;
	p->eof = 1;
	bench_check(p->run);
}

static void
bench_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct bench_prog *p = w->data;

	(void)revents;
	ev_child_stop(loop, w);
	p->status = w->rstatus;
	p->exited = 1;
	bench_check(p->run);
}

static void
bench_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bench_run *b = w->data;

	(void)loop, (void)revents;
	b->timed_out = 1;
	bench_finish(b);
}

static int
bench_spawn(struct bench_run *b, struct bench_prog *p, char *const argv[])
{
	int fds[2];

	p->run = b;
	p->io.fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	if ((p->pid = fork()) < 0) {
		int e = errno;

		close(fds[0]), close(fds[1]);
		return -e;
	}
	if (p->pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	ev_io_init(&p->io, bench_io_cb, fds[0], EV_READ);
	p->io.data = p;
	ev_io_start(b->a->loop, &p->io);
	ev_child_init(&p->child, bench_child_cb, p->pid, 0);
	p->child.data = p;
	ev_child_start(b->a->loop, &p->child);
	return 0;
}

int
handle_bench(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	const Mint__BenchSpec *s = cmd->bench;
	char *argv[BENCH_ARGS], buf[8192];
	struct bench_run *b;
	unsigned programs;
	int rc;

	(void)who, (void)reply;
	if (s == NULL)
		return cause_fail(msg, len, -EINVAL, "bench: no specification");
	programs = s->programs == 0 ? 1 : s->programs;
	if (programs > BENCH_PROGRAMS_MAX)
		return cause_fail(msg, len, -EINVAL, "bench: at most %d programs at once on a node",
		    BENCH_PROGRAMS_MAX);
	if (s->timeout_ms > 24ull * 3600 * 1000)
		return cause_fail(msg, len, -EINVAL, "bench: a timeout of at most a day");
	if (running != NULL && (s->guest == NULL || s->guest[0] == '\0'))
		return cause_fail(msg, len, -EBUSY, "node %u runs a bench already", a->node);
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return cause_fail(msg, len, -ENOMEM, "bench: out of memory");
	b->a = a;
	b->rt = *rt;
	bench_program(b->program, sizeof(b->program));
	if ((rc = bench_args(s, b->program, argv, buf, sizeof(buf), msg, len)) < 0) {
		free(b);
		return rc;
	}
	if (s->guest != NULL && s->guest[0] != '\0') {
		rc = bench_guest(a, rt, s, argv, msg, len);
		free(b);
		return rc;
	}
	if (access(b->program, X_OK) != 0) {
		rc = cause_fail(msg, len, -ENOENT, "node %u: no mint-bench to run (%s: %s)", a->node,
		    b->program, strerror(errno));
		free(b);
		return rc;
	}
	running = b;
	ev_timer_init(&b->timer, bench_timer_cb, (s->timeout_ms ? s->timeout_ms :
	    BENCH_TIMEOUT_MS) / 1000.0, 0);
	b->timer.data = b;
	ev_timer_start(a->loop, &b->timer);
	for (b->n = 0; b->n < programs; b->n++)
		if ((rc = bench_spawn(b, &b->p[b->n], argv)) < 0) {
			bench_free(b);
			return cause_fail(msg, len, rc, "bench: cannot start mint-bench: %s",
			    strerror(-rc));
		}
	log_info("node %u: %u mint-bench started (%s)", a->node, programs, b->program);
	return HANDLE_LATER;
}

void
bench_forget(struct agent *a, struct client *c)
{
	bench_guest_forget(a, c);
	if (running != NULL && running->rt.client == c) {
		log_info("the console that asked for the bench went away: its programs are killed");
		bench_free(running);
	}
}
