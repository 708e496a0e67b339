/*
 * The worker: a bounded pool of reusable threads over one FIFO per lane, in
 * the backend lane one job at a time per node; results go back to the loop
 * through an ev_async.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "agent/worker.h"
#include "common/cause.h"

#define WORKER_THREADS	(WORKER_BACKEND_THREADS + WORKER_LIBVIRT_THREADS)

static const struct {
	unsigned threads, queue;	/* queue 0: unbounded (what waits is bounded elsewhere) */
} limits[WORKER_LANES] = {
	[WORKER_BACKEND] = { WORKER_BACKEND_THREADS, 0 },
	[WORKER_LIBVIRT] = { WORKER_LIBVIRT_THREADS, WORKER_LIBVIRT_QUEUE },
};

struct worker_thread {
	struct worker *w;
	pthread_t t;
	int started;		/* t is to be joined */
	int ended;		/* it returned: join it before its slot is used again */
	pthread_cond_t wake;	/* idle: a job for this thread, or stopping */
	int woken;		/* taken off the idle stack for a job */
	struct job *job;	/* handed to it, picked already */
	struct worker_thread *next_idle;
};

struct worker {
	struct ev_loop *loop;
	ev_async async;		/* jobs on done_list */
	pthread_mutex_t lock;	/* everything below */
	struct {
		unsigned running, waiting;
		struct job *head, **tail;
	} lanes[WORKER_LANES];
	/* backend lane: nodes with a job running (node % 64: two nodes that
	   share a bit only wait for each other) */
	uint64_t busy;
	struct worker_thread slot[WORKER_THREADS];
	unsigned threads;	/* running a job or idle */
	/*
	 * Idle threads, the last to go idle on top: the next job wakes that
	 * one, so that a trickle of jobs keeps one thread and the rest end.
	 */
	struct worker_thread *idle_top;
	unsigned idle;
	int stopping;
	struct job *done_list;
};

int
backend_apply(const struct backend *b, const struct res_view *v, unsigned node, int up,
    char *msg, size_t len)
{
	switch (v->kind) {
	case MINT_RES_CPU:
		return b->ops->cpu(b, node, v->index, up, msg, len);
	case MINT_RES_MEM:
		return b->ops->mem(b, node, v->base, v->size, up, msg, len);
	case MINT_RES_DEV:
		return b->ops->dev(b, node, v->name, up, msg, len);
	case MINT_RES_POOL:
		return 0;	/* every node maps the pool: only its owner in the table changes */
	}
	return cause_fail(msg, len, -EINVAL, "resource of kind %u", v->kind);
}

static uint64_t
node_bit(unsigned node)
{
	return 1ULL << (node % 64);
}

/* May j start now: its lane has a thread to spare and, backend, its node none running? */
static int
runnable(const struct worker *w, const struct job *j)
{
	return w->lanes[j->lane].running < limits[j->lane].threads &&
	    (j->lane != WORKER_BACKEND || !(w->busy & node_bit(j->node)));
}

static void
dequeue(struct worker *w, struct job **pp)
{
	struct job *j = *pp;

	if ((*pp = j->next) == NULL)
		w->lanes[j->lane].tail = pp;
	w->lanes[j->lane].waiting--;
	j->queued = 0;
}

/*
 * The first job that may start, out of its queue and counted as running. A
 * node's jobs are all skipped while one of them runs, so they keep their order.
 */
static struct job *
pick(struct worker *w)
{
	for (int lane = 0; lane < WORKER_LANES; lane++) {
		if (w->lanes[lane].running >= limits[lane].threads)
			continue;
		for (struct job **pp = &w->lanes[lane].head; *pp != NULL; pp = &(*pp)->next) {
			struct job *j = *pp;

			if (!runnable(w, j))
				continue;
			dequeue(w, pp);
			w->lanes[lane].running++;
			if (lane == WORKER_BACKEND)
				w->busy |= node_bit(j->node);
			return j;
		}
	}
	return NULL;
}

/*
 * Undo pick: j goes back first in its lane. Whatever was before it there is
 * of other nodes (pick took the first that could start), so order holds.
 */
static void
unpick(struct worker *w, struct job *j)
{
	w->lanes[j->lane].running--;
	if (j->lane == WORKER_BACKEND)
		w->busy &= ~node_bit(j->node);
	if ((j->next = w->lanes[j->lane].head) == NULL)
		w->lanes[j->lane].tail = &j->next;
	w->lanes[j->lane].head = j;
	w->lanes[j->lane].waiting++;
	j->queued = 1;
}

static void *worker_thread(void *arg);

/* Give j, picked, to the idle thread on top, or to a new one: 0 or -errno. */
static int
hand(struct worker *w, struct job *j)
{
	struct worker_thread *s = NULL;
	int rc;

	if ((s = w->idle_top) != NULL) {
		w->idle_top = s->next_idle;
		w->idle--;
		s->job = j;
		s->woken = 1;
		pthread_cond_signal(&s->wake);
		return 0;
	}
	for (unsigned i = 0; i < WORKER_THREADS && s == NULL; i++) {
		if (w->slot[i].started && w->slot[i].ended) {
			/* it has given up the lock for good: the join does not wait long */
			pthread_join(w->slot[i].t, NULL);
			w->slot[i].started = 0;
		}
		if (!w->slot[i].started)
			s = &w->slot[i];
	}
	if (s == NULL)
		return -EAGAIN;
	s->w = w;
	s->ended = 0;
	s->job = j;
	if ((rc = pthread_create(&s->t, NULL, worker_thread, s)) != 0) {
		s->job = NULL;
		return -rc;
	}
	s->started = 1;
	w->threads++;
	return 0;
}

/* Start what may start while there is a thread for it. Under the lock. */
static int
dispatch(struct worker *w)
{
	struct job *j;
	int rc;

	while ((w->idle_top != NULL || w->threads < WORKER_THREADS) && (j = pick(w)) != NULL)
		if ((rc = hand(w, j)) < 0) {
			unpick(w, j);
			return rc;
		}
	return 0;
}

/* A thread of the pool: jobs while there are any, then idle a while, then it ends. */
static void *
worker_thread(void *arg)
{
	struct worker_thread *s = arg;
	struct worker *w = s->w;
	struct timespec until;
	int timed_out = 0;
	struct job *j;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		if ((j = s->job) != NULL || (j = pick(w)) != NULL) {
			s->job = NULL;
			pthread_mutex_unlock(&w->lock);
			j->msg[0] = '\0';
			j->rc = j->fn != NULL ? j->fn(j) : backend_apply(j->backend, &j->res, j->node,
			    j->up, j->msg, sizeof(j->msg));
			pthread_mutex_lock(&w->lock);
			w->lanes[j->lane].running--;
			if (j->lane == WORKER_BACKEND)
				w->busy &= ~node_bit(j->node);
			j->next = w->done_list;
			w->done_list = j;
			ev_async_send(w->loop, &w->async);
			timed_out = 0;
			continue;
		}
		/* looked once more after the wait timed out: nothing, so it ends */
		if (w->stopping || timed_out)
			break;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += WORKER_IDLE_SECS;
		s->woken = 0;
		s->next_idle = w->idle_top;
		w->idle_top = s;
		w->idle++;
		while (!s->woken && !w->stopping)
			if (pthread_cond_timedwait(&s->wake, &w->lock, &until) == ETIMEDOUT)
				break;
		if (!s->woken) {
			/* nobody took us off the stack: we do */
			for (struct worker_thread **pp = &w->idle_top; *pp != NULL; pp = &(*pp)->next_idle)
				if (*pp == s) {
					*pp = s->next_idle;
					break;
				}
			w->idle--;
			timed_out = 1;
		}
	}
	w->threads--;
	s->ended = 1;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
worker_done_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct worker *w = a->data;
	struct job *list;

	pthread_mutex_lock(&w->lock);
	list = w->done_list;
	w->done_list = NULL;
	pthread_mutex_unlock(&w->lock);
	while (list != NULL) {
		struct job *j = list;
		list = j->next;
		if (j->expired != NULL)
			ev_timer_stop(loop, &j->deadline);
		j->done(j);
	}
}

int
worker_new(struct ev_loop *loop, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	unsigned i = 0;
	int rc;

	if (w == NULL)
		return -ENOMEM;
	w->loop = loop;
	for (int l = 0; l < WORKER_LANES; l++)
		w->lanes[l].tail = &w->lanes[l].head;
	if ((rc = pthread_mutex_init(&w->lock, NULL)) != 0)
		goto free_w;
	if ((rc = pthread_condattr_init(&ca)) != 0)
		goto destroy_conds;
	/* idle timeouts on the monotonic clock: a clock set back does not keep threads */
	if ((rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0)
		for (; i < WORKER_THREADS; i++)
			if ((rc = pthread_cond_init(&w->slot[i].wake, &ca)) != 0)
				break;
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		goto destroy_conds;
	ev_async_init(&w->async, worker_done_cb);
	w->async.data = w;
	ev_async_start(loop, &w->async);
	ev_unref(loop);		/* a waiting async alone does not keep the loop running */
	*out = w;
	return 0;

destroy_conds:
	while (i-- > 0)
		pthread_cond_destroy(&w->slot[i].wake);
	pthread_mutex_destroy(&w->lock);
free_w:
	free(w);
	return -rc;
}

int
worker_free(struct worker *w)
{
	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < WORKER_LANES; i++)
		if (w->lanes[i].running > 0 || w->lanes[i].waiting > 0 || w->done_list != NULL) {
			pthread_mutex_unlock(&w->lock);
			return -EBUSY;
		}
	w->stopping = 1;
	for (struct worker_thread *s = w->idle_top; s != NULL; s = s->next_idle)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < WORKER_THREADS; i++)
		if (w->slot[i].started)
			pthread_join(w->slot[i].t, NULL);
	ev_ref(w->loop);
	ev_async_stop(w->loop, &w->async);
	for (unsigned i = 0; i < WORKER_THREADS; i++)
		pthread_cond_destroy(&w->slot[i].wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return 0;
}

int
worker_run(struct worker *w, struct job *j)
{
	unsigned lane = (unsigned)j->lane < WORKER_LANES ? j->lane : WORKER_BACKEND;
	int rc = 0;

	j->w = w;
	j->lane = lane;
	pthread_mutex_lock(&w->lock);
	/* running and waiting alike: jobs queued a moment ago may not have a thread yet */
	if (limits[lane].queue > 0 && w->lanes[lane].running + w->lanes[lane].waiting >=
	    limits[lane].threads + limits[lane].queue) {
		pthread_mutex_unlock(&w->lock);
		return -EBUSY;
	}
	j->next = NULL;
	j->queued = 1;
	*w->lanes[lane].tail = j;
	w->lanes[lane].tail = &j->next;
	w->lanes[lane].waiting++;
	/*
	 * Left queued, the thread that holds its node or its lane's last thread
	 * takes it when done. No thread at all, and none can be made: refused.
	 */
	if ((rc = dispatch(w)) < 0 && j->queued && w->threads == 0) {
		struct job **pp = &w->lanes[lane].head;

		while (*pp != j)
			pp = &(*pp)->next;
		dequeue(w, pp);
		pthread_mutex_unlock(&w->lock);
		return rc;
	}
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct job *j = (struct job *)((char *)t - offsetof(struct job, deadline));

	if (worker_cancel(j)) {
		j->expired(j, 0);
		return;
	}
	j->late = 1;
	j->expired(j, 1);
}

int
worker_run_until(struct worker *w, struct job *j, double secs,
    void (*expired)(struct job *j, int ran))
{
	int rc;

	j->expired = expired;
	j->late = 0;
	/* armed before the job can finish: done_cb, on this loop, stops it */
	ev_timer_init(&j->deadline, deadline_cb, secs, 0);
	if ((rc = worker_run(w, j)) < 0)
		return rc;
	ev_timer_start(w->loop, &j->deadline);
	return 0;
}

int
worker_cancel(struct job *j)
{
	struct worker *w = j->w;
	int found = 0;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->lock);
	if (j->queued) {
		struct job **pp = &w->lanes[j->lane].head;

		while (*pp != NULL && *pp != j)
			pp = &(*pp)->next;
		if (*pp == j) {
			dequeue(w, pp);
			found = 1;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return found;
}

void
worker_load(struct worker *w, enum worker_lane lane, unsigned *running, unsigned *waiting)
{
	pthread_mutex_lock(&w->lock);
	*running = w->lanes[lane].running;
	*waiting = w->lanes[lane].waiting;
	pthread_mutex_unlock(&w->lock);
}

void
worker_threads(struct worker *w, unsigned *threads, unsigned *idle)
{
	pthread_mutex_lock(&w->lock);
	*threads = w->threads;
	*idle = w->idle;
	pthread_mutex_unlock(&w->lock);
}
