/*
 * Work off the event loop: offlining a core or a memory block can take
 * seconds on a real kernel, and libvirt may be slow or hung; the loop must
 * keep answering meanwhile. One worker object per agent: a bounded pool of
 * threads, made as jobs come and ended when idle, and a FIFO per lane. Each
 * lane may use a fixed number of the threads, so that calls stuck in a hung
 * libvirtd never hold up a move. In the backend lane the jobs of one node run
 * one at a time, in the order they came: the backend's changes of a node are
 * read-modify-writes (a cpuset's list, a memory limit) that must not overlap.
 * A job's done callback runs on the loop.
 */
#ifndef MINT_AGENT_WORKER_H
#define MINT_AGENT_WORKER_H

#include <stdint.h>

#include <ev.h>

#include "agent/backend.h"
#include "shm/resource.h"

enum worker_lane {
	WORKER_BACKEND,		/* hotplug, driver bind: one job at a time per node */
	WORKER_LIBVIRT,		/* every libvirt call */
	WORKER_LANES
};

#define WORKER_BACKEND_THREADS	4
#define WORKER_LIBVIRT_THREADS	6	/* a listing, a migration and its steering, and some */
#define WORKER_LIBVIRT_QUEUE	32	/* libvirt calls waiting beyond: refused, busy */
#define WORKER_IDLE_SECS	2	/* a thread without a job for this long ends */

struct worker;

struct job {
	/* in */
	const struct backend *backend;
	struct res_view res;	/* what to bring up or down */
	unsigned node;		/* in whose kernel; the backend lane's order is per node */
	int up;
	int (*fn)(struct job *j);	/* other work instead of the backend, if set */
	void (*done)(struct job *j);
	void *arg;
	enum worker_lane lane;
	/* with a deadline (worker_run_until): what to do when it passes */
	void (*expired)(struct job *j, int ran);
	ev_timer deadline;
	int late;		/* it passed while the job ran: done still comes, to discard */
	/* out */
	int rc;
	char msg[256];
	/* the worker's */
	struct worker *w;
	int queued;		/* waits for a thread */
	struct job *next;
};

/* A worker whose done callbacks run on loop; -errno. */
int worker_new(struct ev_loop *loop, struct worker **out);
/*
 * End the idle threads and free w: only once no job runs or waits (the
 * agent, exiting with a libvirt call hung, lets the process end it): -EBUSY.
 */
int worker_free(struct worker *w);
/*
 * Run j in its lane when a thread and (backend lane) its node are free, or
 * queue it; -EBUSY when the lane's queue is full, -EAGAIN (or another -errno)
 * when no thread exists and none can be made: then nothing of j runs.
 */
int worker_run(struct worker *w, struct job *j);
/*
 * The same, with a deadline: after secs, expired(j, ran) runs on the loop.
 * ran 0: it never left the queue and done will not be called; ran 1: it runs
 * (a call that hangs), j->late is set, and done comes when it returns.
 */
int worker_run_until(struct worker *w, struct job *j, double secs,
	    void (*expired)(struct job *j, int ran));
/* Take j out of its queue before it runs: 1 (done will not be called), else 0. */
int worker_cancel(struct job *j);
/* Jobs of lane that run now, and jobs waiting for a thread or their node. */
void worker_load(struct worker *w, enum worker_lane lane, unsigned *running, unsigned *waiting);
/* Threads of the pool now, and how many of them wait for a job (tests). */
void worker_threads(struct worker *w, unsigned *threads, unsigned *idle);
int backend_apply(const struct backend *b, const struct res_view *v, unsigned node, int up,
	    char *msg, size_t len);

#endif
