/*
 * The heartbeat, in a thread of its own: a loop busy with requests, a
 * libvirt call or a core shared with a TCG guest must not get its node
 * declared dead. The thread beats only while the loop shows it is alive
 * (beat_loop_alive), so a wedged agent still goes silent. In the same
 * wake-up it watches the other nodes' heartbeats, and calls changed (from
 * the thread) only when a node died, came back, or changed epoch or state:
 * an idle loop sleeps through the periods where nothing happens.
 */
#ifndef MINT_AGENT_BEAT_H
#define MINT_AGENT_BEAT_H

#include <pthread.h>
#include <stdint.h>

#include "agent/watch.h"
#include "shm/region.h"

struct beat {
	const struct mint_region *region;
	unsigned node;
	unsigned period_ms;
	int64_t stall_ns;	/* the loop silent this long: stop beating */
	int64_t loop_ns;	/* when the loop last said it is alive (atomic) */
	int stop;		/* atomic */
	int realtime;		/* the thread got a real-time priority */
	int running;
	pthread_t thread;
	pthread_mutex_t lock;	/* around watch */
	struct watch watch;	/* the thread's, scanned each period (realtime clock, as ev_now) */
	void (*changed)(void *arg);
	void *arg;
};

/*
 * Start beating node every period_ms and watching the others (dead after
 * dead_after_ns of silence); 0 or -errno.
 */
int beat_start(struct beat *b, const struct mint_region *r, unsigned node, unsigned period_ms,
	    int64_t stall_ns, int64_t dead_after_ns, void (*changed)(void *arg), void *arg);
/* The thread's view of the other nodes, as of its last period. */
void beat_watch_copy(struct beat *b, struct watch *out);
/* From the loop: it is alive. */
void beat_loop_alive(struct beat *b);
/* Stop and join the thread (no beat after it returns). */
void beat_stop(struct beat *b);

#endif
