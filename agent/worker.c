/* The bounded worker pool; results handed back to the loop through an ev_async. */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>

#include "agent/worker.h"
#include "common/cause.h"

static const struct {
	unsigned threads, queue;	/* queue 0: unbounded (what waits is bounded elsewhere) */
} limits[WORKER_LANES] = {
	[WORKER_BACKEND] = { WORKER_BACKEND_THREADS, 0 },
	[WORKER_LIBVIRT] = { WORKER_LIBVIRT_THREADS, WORKER_LIBVIRT_QUEUE },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned running, waiting;
	struct job *head, **tail;
} lanes[WORKER_LANES];
static struct job *done_list;
static struct ev_loop *done_loop;
static ev_async done_async;

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
	}
	return cause_fail(msg, len, -EINVAL, "resource of kind %u", v->kind);
}

/* One thread of a lane: its first job, then whatever waits, then it ends. */
static void *
job_thread(void *arg)
{
	struct job *j = arg;
	enum worker_lane lane = j->lane;

	while (j != NULL) {
		j->msg[0] = '\0';
		j->rc = j->fn != NULL ? j->fn(j) :
		    backend_apply(j->backend, &j->res, j->node, j->up, j->msg, sizeof(j->msg));
		pthread_mutex_lock(&lock);
		j->next = done_list;
		done_list = j;
		if ((j = lanes[lane].head) != NULL) {
			if ((lanes[lane].head = j->next) == NULL)
				lanes[lane].tail = &lanes[lane].head;
			lanes[lane].waiting--;
			j->queued = 0;
		} else {
			lanes[lane].running--;
		}
		pthread_mutex_unlock(&lock);
		ev_async_send(done_loop, &done_async);
	}
	return NULL;
}

static void
done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct job *list;

	pthread_mutex_lock(&lock);
	list = done_list;
	done_list = NULL;
	pthread_mutex_unlock(&lock);
	while (list != NULL) {
		struct job *j = list;
		list = j->next;
		if (j->expired != NULL)
			ev_timer_stop(loop, &j->deadline);
		j->done(j);
	}
}

int
worker_init(struct ev_loop *loop)
{
	for (int i = 0; i < WORKER_LANES; i++)
		lanes[i].tail = &lanes[i].head;
	done_loop = loop;
	ev_async_init(&done_async, done_cb);
	ev_async_start(loop, &done_async);
	ev_unref(loop);		/* a waiting async alone does not keep the loop running */
	return 0;
}

/* Start j, or queue it behind the lane's busy threads; j->done runs on the loop when it is over. */
int
worker_run(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	unsigned lane = (unsigned)j->lane < WORKER_LANES ? j->lane : WORKER_BACKEND;
	int rc;

	j->lane = lane;
	j->queued = 0;
	pthread_mutex_lock(&lock);
	if (lanes[lane].tail == NULL)
		lanes[lane].tail = &lanes[lane].head;
	if (lanes[lane].running >= limits[lane].threads) {
		if (limits[lane].queue > 0 && lanes[lane].waiting >= limits[lane].queue) {
			pthread_mutex_unlock(&lock);
			return -EBUSY;
		}
		j->next = NULL;
		j->queued = 1;
		*lanes[lane].tail = j;
		lanes[lane].tail = &j->next;
		lanes[lane].waiting++;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	lanes[lane].running++;
	pthread_mutex_unlock(&lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, job_thread, j);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&lock);
		lanes[lane].running--;
		pthread_mutex_unlock(&lock);
	}
	return -rc;
}

static void
deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct job *j = (struct job *)((char *)w - offsetof(struct job, deadline));

	if (worker_cancel(j)) {
		j->expired(j, 0);
		return;
	}
	j->late = 1;
	j->expired(j, 1);
}

int
worker_run_until(struct job *j, double secs, void (*expired)(struct job *j, int ran))
{
	int rc;

	j->expired = expired;
	j->late = 0;
	if ((rc = worker_run(j)) < 0)
		return rc;
	ev_timer_init(&j->deadline, deadline_cb, secs, 0);
	ev_timer_start(done_loop, &j->deadline);
	return 0;
}

int
worker_cancel(struct job *j)
{
	int found = 0;

	pthread_mutex_lock(&lock);
	if (j->queued) {
		struct job **pp = &lanes[j->lane].head;

		while (*pp != NULL && *pp != j)
			pp = &(*pp)->next;
		if (*pp == j) {
			*pp = j->next;
			if (*pp == NULL)
				lanes[j->lane].tail = pp;
			lanes[j->lane].waiting--;
			j->queued = 0;
			found = 1;
		}
	}
	pthread_mutex_unlock(&lock);
	return found;
}

void
worker_load(enum worker_lane lane, unsigned *running, unsigned *waiting)
{
	pthread_mutex_lock(&lock);
	*running = lanes[lane].running;
	*waiting = lanes[lane].waiting;
	pthread_mutex_unlock(&lock);
}
