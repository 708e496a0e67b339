/*
 * The heartbeat, in a thread of its own: a loop busy with requests, a
 * libvirt call or a core shared with a TCG guest must not get its node
 * declared dead. The thread beats only while the loop shows it is alive
 * (beat_loop_alive), so a wedged agent still goes silent.
 */
#ifndef MINT_AGENT_BEAT_H
#define MINT_AGENT_BEAT_H

#include <pthread.h>
#include <stdint.h>

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
};

/* Start beating node every period_ms; 0 or -errno. */
int beat_start(struct beat *b, const struct mint_region *r, unsigned node, unsigned period_ms,
	    int64_t stall_ns);
/* From the loop: it is alive. */
void beat_loop_alive(struct beat *b);
/* Stop and join the thread (no beat after it returns). */
void beat_stop(struct beat *b);

#endif
