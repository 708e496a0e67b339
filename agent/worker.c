/* Backend jobs in threads; results handed back to the loop through an ev_async. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "agent/worker.h"
#include "shm/cause.h"

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
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
	return shm_fail(msg, len, -EINVAL, "resource of kind %u", v->kind);
}

static void *
job_thread(void *arg)
{
	struct job *j = arg;

	j->msg[0] = '\0';
	j->rc = j->fn != NULL ? j->fn(j) :
	    backend_apply(j->backend, &j->res, j->node, j->up, j->msg, sizeof(j->msg));
	pthread_mutex_lock(&done_lock);
	j->next = done_list;
	done_list = j;
	pthread_mutex_unlock(&done_lock);
	ev_async_send(done_loop, &done_async);
	return NULL;
}

static void
done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct job *list;

	pthread_mutex_lock(&done_lock);
	list = done_list;
	done_list = NULL;
	pthread_mutex_unlock(&done_lock);
	while (list != NULL) {
		struct job *j = list;
		list = j->next;
		j->done(j);
	}
}

int
worker_init(struct ev_loop *loop)
{
	done_loop = loop;
	ev_async_init(&done_async, done_cb);
	ev_async_start(loop, &done_async);
	ev_unref(loop);		/* a waiting async alone does not keep the loop running */
	return 0;
}

/* Start j; j->done runs on the loop when it is over. */
int
worker_run(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, job_thread, j);
	pthread_attr_destroy(&attr);
	return -rc;
}
