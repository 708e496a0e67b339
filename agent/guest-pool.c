/*
 * The guest RAM pool's extents (shm/pool.h) follow the guests whose RAM they
 * hold: claimed when such a guest starts here, handed to the destination
 * when it migrates, freed when it stops. A listing puts right what a killed
 * agent left half done: a guest running here takes its extents from
 * whichever node holds them, and one stopped here frees them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/guest-ops.h"
#include "common/cause.h"
#include "common/log.h"
#include "shm/doorbell.h"
#include "shm/layout.h"
#include "shm/pool.h"
#include "shm/resource.h"

int
gpool_claim(struct agent *a, const char *name, char *msg, size_t len)
{
	struct gop_info gi;
	struct pool_count c;
	int rc;

	pool_count(&a->region, a->node, NULL, &c);
	if (c.extents == 0)
		return 0;	/* no pool: the RAM file is wherever <mint:ram> says */
	memset(&gi, 0, sizeof(gi));
	if ((rc = gop_inspect(a->guests.uri, name, &gi, msg, len)) < 0)
		return rc;
	if (!gi.shared_ram || gi.active)
		return 0;
	rc = pool_claim(&a->region, a->node, a->epoch, name, gi.memory_bytes);
	if (rc == -ENOSPC)
		return cause_fail(msg, len, rc, "%s: not started: its %" PRIu64 " MiB of RAM need "
		    "extents of the guest RAM pool, which has %" PRIu64 " MiB free of %" PRIu64
		    " MiB", name, gi.memory_bytes >> 20, c.free_bytes >> 20, c.bytes >> 20);
	if (rc == -ENAMETOOLONG)
		return cause_fail(msg, len, rc, "%s: not started: a guest whose RAM is in the pool "
		    "needs a name of at most 32 characters (the resource table's)", name);
	if (rc < 0)
		return cause_fail(msg, len, rc, "%s: not started: the guest RAM pool: %s", name,
		    strerror(-rc));
	pool_count(&a->region, a->node, name, &c);
	log_about(LOG_INFO, "GUEST", name, "%s: %u extents of the guest RAM pool (%" PRIu64
	    " MiB) are node %u's for it", name, c.held, c.held_bytes >> 20, a->node);
	return 0;
}

void
gpool_release(struct agent *a, const char *name, const char *why)
{
	int n = pool_release(&a->region, a->node, a->epoch, name);

	if (n > 0)
		log_about(LOG_INFO, "GUEST", name, "%s: %s: its %d extents of the guest RAM pool are "
		    "free", name, why, n);
}

void
gpool_hand(struct agent *a, const char *name, unsigned to)
{
	int n = pool_hand(&a->region, a->node, to, a->epoch, name);

	if (n > 0)
		log_about(LOG_INFO, "GUEST", name, "%s: its %d extents of the guest RAM pool are "
		    "node %u's now", name, n, to);
}

static const struct guest_info *
listed(const struct agent *a, const char *name)
{
	for (int i = 0; i < a->guest.n; i++)
		if (strcmp(a->guest.list[i].name, name) == 0)
			return &a->guest.list[i];
	return NULL;
}

void
gpool_reconcile(struct agent *a)
{
	for (unsigned i = 0; i < a->region.layout.res_count; i++) {
		const struct guest_info *g;
		struct res_view v;
		char name[40];
		int n;

		/* one read an entry: the scan runs after every listing */
		if (res_read(&a->region, i, &v) < 0 || v.kind != MINT_RES_POOL || v.name[0] == '\0' ||
		    (v.state != MINT_RS_OWNED && v.state != MINT_RS_FENCED))
			continue;
		memcpy(name, v.name, sizeof(v.name));
		if ((g = listed(a, name)) == NULL || guest_busy(a, name))
			continue;
		/* running, not paused: a guest coming here waits paused until the switch-over */
		if (v.owner != a->node && g->state == MINT__GUEST_STATE__GUEST_RUNNING) {
			if ((n = pool_hand(&a->region, MINT_NO_NODE, a->node, a->epoch, name)) > 0)
				log_about(LOG_NOTICE, "GUEST", name, "%s runs here: its %d extents of the "
				    "guest RAM pool were node %u's; node %u's now", name, n, v.owner,
				    a->node);
		} else if (v.owner == a->node && (g->state == MINT__GUEST_STATE__GUEST_SHUTOFF ||
		    g->state == MINT__GUEST_STATE__GUEST_CRASHED)) {
			gpool_release(a, name, "stopped");
		}
	}
	/* a shared guest running here without its extents (started past the agent: virsh) */
	for (int i = 0; i < a->guest.n; i++) {
		const struct guest_info *g = &a->guest.list[i];
		struct pool_count c;
		int rc;

		if (g->state != MINT__GUEST_STATE__GUEST_RUNNING || g->shared_ram != 1 ||
		    guest_busy(a, g->name))
			continue;
		pool_count(&a->region, a->node, g->name, &c);
		if (c.extents == 0 || c.held_bytes >= g->memory_bytes)
			continue;
		if ((rc = pool_claim(&a->region, a->node, a->epoch, g->name, g->memory_bytes)) == 0) {
			log_about(LOG_NOTICE, "GUEST", g->name, "%s runs here without its extents of the "
			    "guest RAM pool (started past the agent?): node %u's now", g->name, a->node);
		} else if (a->guest.pool_warned_ns == 0 ||
		    doorbell_now_ns() - a->guest.pool_warned_ns > 60000000000ll) {
			/* once a minute: the listing comes every second */
			a->guest.pool_warned_ns = doorbell_now_ns();
			log_about(LOG_WARNING, "GUEST", g->name, "%s runs here, its RAM shared, but the "
			    "guest RAM pool cannot hold its %" PRIu64 " MiB (%" PRIu64 " MiB free): %s",
			    g->name, g->memory_bytes >> 20, c.free_bytes >> 20, strerror(-rc));
		}
	}
}
