/* The heartbeat thread (see beat.h). */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "agent/beat.h"
#include "common/clock.h"
#include "shm/node.h"

/* The clock the loop's stamps and the thread's checks share. */
static int64_t
mono_ns(void)
{
	return (int64_t)clock_mono_ns();
}

/* Scan the other nodes; 1 when the loop should hear of it. */
static int
watch_period(struct beat *b)
{
	struct watch_peer before[MINT_MAX_NODES];
	unsigned n = b->region->layout.nodes < MINT_MAX_NODES ? b->region->layout.nodes :
	    MINT_MAX_NODES;
	struct timespec now;
	int tell;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&b->lock);
	memcpy(before, b->watch.peer, sizeof(before[0]) * n);
	tell = watch_scan(&b->watch, b->region, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
	    NULL, NULL) > 0;
	for (unsigned i = 0; i < n && !tell; i++)
		tell = before[i].epoch != b->watch.peer[i].epoch ||
		    before[i].state != b->watch.peer[i].state;
	pthread_mutex_unlock(&b->lock);
	return tell;
}

static void *
beat_thread(void *arg)
{
	struct beat *b = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		if (mono_ns() - __atomic_load_n(&b->loop_ns, __ATOMIC_RELAXED) <= b->stall_ns)
			node_heartbeat(b->region, b->node);
		if (watch_period(b) && b->changed != NULL)
			b->changed(b->arg);
		next.tv_nsec += (long)b->period_ms * 1000000;
		while (next.tv_nsec >= 1000000000)
			next.tv_nsec -= 1000000000, next.tv_sec++;
		/* late (a stopped process, a starved host): beat now, not once per lost period */
		if (mono_ns() > (int64_t)next.tv_sec * 1000000000 + next.tv_nsec)
			clock_gettime(CLOCK_MONOTONIC, &next);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return NULL;
}

int
beat_start(struct beat *b, const struct mint_region *r, unsigned node, unsigned period_ms,
    int64_t stall_ns, int64_t dead_after_ns, void (*changed)(void *arg), void *arg)
{
	struct sched_param sp;
	int rc;

	memset(b, 0, sizeof(*b));
	b->region = r;
	b->node = node;
	b->period_ms = period_ms;
	b->stall_ns = stall_ns;
	b->loop_ns = mono_ns();
	b->changed = changed;
	b->arg = arg;
	watch_init(&b->watch, node, dead_after_ns);
	if ((rc = pthread_mutex_init(&b->lock, NULL)) != 0)
		return -rc;
	if ((rc = pthread_create(&b->thread, NULL, beat_thread, b)) != 0) {
		pthread_mutex_destroy(&b->lock);
		return -rc;
	}
	b->running = 1;
	/* the lowest real-time priority: ahead of any guest's vCPU, for a few µs a period */
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = sched_get_priority_min(SCHED_FIFO);
	b->realtime = pthread_setschedparam(b->thread, SCHED_FIFO, &sp) == 0;
	return 0;
}

void
beat_loop_alive(struct beat *b)
{
	__atomic_store_n(&b->loop_ns, mono_ns(), __ATOMIC_RELAXED);
}

void
beat_watch_copy(struct beat *b, struct watch *out)
{
	pthread_mutex_lock(&b->lock);
	*out = b->watch;
	pthread_mutex_unlock(&b->lock);
}

void
beat_stop(struct beat *b)
{
	if (!b->running)
		return;
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
	pthread_join(b->thread, NULL);
	pthread_mutex_destroy(&b->lock);
	b->running = 0;
}
