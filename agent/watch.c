/* Heartbeat watching: who is alive, who went silent, who came back. */
#include <string.h>

#include "agent/watch.h"
#include "shm/node.h"

void
watch_init(struct watch *w, unsigned self, int64_t dead_after_ns)
{
	memset(w, 0, sizeof(*w));
	w->self = self;
	w->dead_after_ns = dead_after_ns;
}

/*
 * Look at every node's entry at now_ns; report each node that goes dead or
 * comes back. Returns how many changed. A node that left (absent) is not dead.
 */
int
watch_scan(struct watch *w, const struct mint_region *r, int64_t now_ns, watch_report_fn report,
    void *arg)
{
	int changed = 0;

	for (unsigned i = 0; i < r->layout.nodes; i++) {
		struct watch_peer *p = &w->peer[i];
		struct node_view v;
		int dead;

		if (i == w->self || node_read(r, i, &v) < 0)
			continue;
		if (v.heartbeat != p->heartbeat || v.epoch != p->epoch || p->moved_ns == 0) {
			p->heartbeat = v.heartbeat;
			p->epoch = v.epoch;
			p->moved_ns = now_ns;
		}
		p->state = v.state;
		dead = (v.state == MINT_NODE_ONLINE || v.state == MINT_NODE_BOOTING ||
		    v.state == MINT_NODE_STOPPING) && now_ns - p->moved_ns > w->dead_after_ns;
		if (dead != p->dead) {
			p->dead = dead;
			changed++;
			if (report != NULL)
				report(arg, i, p, now_ns - p->moved_ns);
		}
	}
	return changed;
}
