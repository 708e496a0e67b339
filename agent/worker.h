/*
 * Backend work off the event loop: offlining a core or a memory block can
 * take seconds on a real kernel, and the loop must keep heartbeating
 * meanwhile. Each job runs in a thread of its own; its done callback runs
 * back on the loop.
 */
#ifndef MINT_AGENT_WORKER_H
#define MINT_AGENT_WORKER_H

#include <stdint.h>

#include <ev.h>

#include "agent/backend.h"
#include "shm/resource.h"

struct job {
	/* in */
	const struct backend *backend;
	struct res_view res;	/* what to bring up or down */
	unsigned node;		/* in whose kernel */
	int up;
	int (*fn)(struct job *j);	/* other work instead of the backend, if set */
	void (*done)(struct job *j);
	void *arg;
	/* out */
	int rc;
	char msg[256];
	struct job *next;
};

int worker_init(struct ev_loop *loop);
int worker_run(struct job *j);
int backend_apply(const struct backend *b, const struct res_view *v, unsigned node, int up,
	    char *msg, size_t len);

#endif
