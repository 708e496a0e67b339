/*
 * Work off the event loop: offlining a core or a memory block can take
 * seconds on a real kernel, and libvirt may be slow or hung; the loop must
 * keep answering meanwhile. A bounded pool: each lane has a fixed number of
 * threads, made as jobs come and gone when none waits, and a queue behind
 * them. Backend work (moves) has a lane of its own, so that calls stuck in
 * a hung libvirtd never hold up a move. A job's done callback runs on the
 * loop.
 */
#ifndef MINT_AGENT_WORKER_H
#define MINT_AGENT_WORKER_H

#include <stdint.h>

#include <ev.h>

#include "agent/backend.h"
#include "shm/resource.h"

enum worker_lane {
	WORKER_BACKEND,		/* hotplug, driver bind: bounded by the table's entries */
	WORKER_LIBVIRT,		/* every libvirt call */
	WORKER_LANES
};

#define WORKER_BACKEND_THREADS	4
#define WORKER_LIBVIRT_THREADS	6	/* a listing, a migration and its steering, and some */
#define WORKER_LIBVIRT_QUEUE	32	/* libvirt calls waiting beyond: refused, busy */

struct job {
	/* in */
	const struct backend *backend;
	struct res_view res;	/* what to bring up or down */
	unsigned node;		/* in whose kernel */
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
	/* the pool's */
	int queued;		/* waits for a thread */
	struct job *next;
};

int worker_init(struct ev_loop *loop);
/* Run j in its lane, or queue it; -EBUSY when the lane's queue is full. */
int worker_run(struct job *j);
/*
 * The same, with a deadline: after secs, expired(j, ran) runs on the loop.
 * ran 0: it never left the queue and done will not be called; ran 1: it runs
 * (a call that hangs), j->late is set, and done comes when it returns.
 */
int worker_run_until(struct job *j, double secs, void (*expired)(struct job *j, int ran));
/* Take j out of its queue before it runs: 1 (done will not be called), else 0. */
int worker_cancel(struct job *j);
/* Threads of lane that run a job now, and jobs waiting for one. */
void worker_load(enum worker_lane lane, unsigned *running, unsigned *waiting);
int backend_apply(const struct backend *b, const struct res_view *v, unsigned node, int up,
	    char *msg, size_t len);

#endif
