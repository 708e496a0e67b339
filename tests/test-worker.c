/*
 * The agent's worker: a node's backend jobs one at a time and in order,
 * other nodes' beside them, each lane within its threads, a full libvirt
 * queue refused, a queued job cancelled, threads reused and ended when idle.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "agent/worker.h"
#include "tests/tap.h"

#define JOBS	24

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t opened = PTHREAD_COND_INITIALIZER;
static int gate_open = 1;		/* 0: libvirt jobs wait for it */
static int inside[4], most_inside[4];	/* per node; [3]: the libvirt lane */
static int together, most_together;	/* every job that runs */
static int order[4][JOBS], ordered[4];	/* per node: job numbers as they ran */
static int done_n;

struct tjob {
	struct job j;
	int seq;
	int slot;		/* node 0..2, or 3 for libvirt */
};

static void
nap_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int
tjob_run(struct job *j)
{
	struct tjob *t = j->arg;

	pthread_mutex_lock(&lock);
	if (++inside[t->slot] > most_inside[t->slot])
		most_inside[t->slot] = inside[t->slot];
	if (++together > most_together)
		most_together = together;
	if (t->slot < 3)
		order[t->slot][ordered[t->slot]++] = t->seq;
	while (t->slot == 3 && !gate_open)
		pthread_cond_wait(&opened, &lock);
	pthread_mutex_unlock(&lock);
	/* long enough that the nodes' jobs overlap on a loaded host too */
	nap_ms(t->slot < 3 ? 30 : 10);
	pthread_mutex_lock(&lock);
	inside[t->slot]--;
	together--;
	pthread_mutex_unlock(&lock);
	return 0;
}

static void
tjob_done(struct job *j)
{
	done_n++;
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Run the loop until n jobs are done in all, or 10 s pass: 1 if they are. */
static int
wait_done(struct ev_loop *loop, int n)
{
	ev_tstamp end = ev_time() + 10;

	while (done_n < n && ev_time() < end)
		ev_run(loop, EVRUN_ONCE);
	return done_n >= n;
}

static void
tjob_init(struct tjob *t, int seq, int slot)
{
	t->seq = seq;
	t->slot = slot;
	t->j.fn = tjob_run;
	t->j.done = tjob_done;
	t->j.arg = t;
	t->j.node = slot < 3 ? (unsigned)slot : 0;
	t->j.lane = slot < 3 ? WORKER_BACKEND : WORKER_LIBVIRT;
}

int
main(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	static struct tjob jobs[JOBS], lv[WORKER_LIBVIRT_THREADS + WORKER_LIBVIRT_QUEUE + 1];
	struct worker *w;
	unsigned threads, idle, running, waiting;
	ev_timer tick;
	int in_order = 1, rc, started = 0;

	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &tick);
	is(worker_new(loop, &w), 0, "a worker is made");

	/* backend jobs: node 1 gets most, nodes 0 and 2 some, all at once */
	for (int i = 0; i < JOBS; i++) {
		tjob_init(&jobs[i], i, i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : i < JOBS / 2 ? 1 : 2);
		rc = worker_run(w, &jobs[i].j);
		started += rc == 0;
	}
	is(started, JOBS, "%d backend jobs for three nodes are taken", JOBS);
	worker_threads(w, &threads, &idle);
	ok(threads <= WORKER_BACKEND_THREADS, "  at most %d threads for them (%u)",
	    WORKER_BACKEND_THREADS, threads);
	ok(wait_done(loop, JOBS), "  every one is done, its callback on the loop");
	for (int k = 0; k < 3; k++)
		for (int i = 1; i < ordered[k]; i++)
			in_order &= order[k][i] > order[k][i - 1];
	ok(most_inside[0] == 1 && most_inside[1] == 1 && most_inside[2] == 1,
	    "  never two jobs of one node at once (most %d, %d, %d)", most_inside[0],
	    most_inside[1], most_inside[2]);
	ok(in_order, "  each node's jobs ran in the order they came");
	ok(most_together >= 2 && most_together <= 3,
	    "  the nodes' jobs ran beside one another (%d at most)", most_together);

	/* libvirt jobs held at a gate: the lane's threads, then its queue, then refused */
	done_n = 0;
	most_together = 0;
	gate_open = 0;
	started = 0;
	for (unsigned i = 0; i < sizeof(lv) / sizeof(lv[0]); i++) {
		tjob_init(&lv[i], (int)i, 3);
		if ((rc = worker_run(w, &lv[i].j)) == 0)
			started++;
	}
	is(started, WORKER_LIBVIRT_THREADS + WORKER_LIBVIRT_QUEUE,
	    "libvirt jobs: %d run, %d wait", WORKER_LIBVIRT_THREADS, WORKER_LIBVIRT_QUEUE);
	is(rc, -EBUSY, "  one more is refused: busy");
	/* the threads reach the gate: then the lane is full */
	for (int i = 0; i < 200; i++) {
		worker_load(w, WORKER_LIBVIRT, &running, &waiting);
		pthread_mutex_lock(&lock);
		rc = inside[3];
		pthread_mutex_unlock(&lock);
		if (rc == WORKER_LIBVIRT_THREADS)
			break;
		nap_ms(10);
	}
	is(running, WORKER_LIBVIRT_THREADS, "  worker_load: %u running", running);
	is(waiting, WORKER_LIBVIRT_QUEUE, "  and %u waiting", waiting);
	is(worker_cancel(&lv[WORKER_LIBVIRT_THREADS].j), 1, "  a waiting job is cancelled");
	is(worker_cancel(&lv[0].j), 0, "  a running one is not");
	is(worker_free(w), -EBUSY, "  the worker is not freed while jobs run");
	pthread_mutex_lock(&lock);
	gate_open = 1;
	pthread_cond_broadcast(&opened);
	pthread_mutex_unlock(&lock);
	ok(wait_done(loop, started - 1), "  the gate opens: the rest are done");
	ok(most_inside[3] <= WORKER_LIBVIRT_THREADS, "  never more than %d at once (%d)",
	    WORKER_LIBVIRT_THREADS, most_inside[3]);
	nap_ms(50);
	ev_run(loop, EVRUN_NOWAIT);
	is(done_n, started - 1, "  the cancelled one never ran its callback");

	worker_threads(w, &threads, &idle);
	ok(threads > 0 && threads <= WORKER_BACKEND_THREADS + WORKER_LIBVIRT_THREADS && idle == threads,
	    "the threads wait for more work (%u, %u idle)", threads, idle);
	sleep(WORKER_IDLE_SECS);
	for (int i = 0; i < 100; i++) {
		worker_threads(w, &threads, &idle);
		if (threads == 0)
			break;
		nap_ms(100);
	}
	is(threads, 0, "  and end when idle for %d s", WORKER_IDLE_SECS);
	tjob_init(&jobs[0], 0, 1);
	done_n = 0;
	ok(worker_run(w, &jobs[0].j) == 0 && wait_done(loop, 1), "a job after that gets a new thread");
	is(worker_free(w), 0, "the worker is freed when nothing runs");
	ev_timer_stop(loop, &tick);
	ev_loop_destroy(loop);
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
