/* Node table entries: attach with a new epoch, heartbeat, seqlocked status. */
#include <errno.h>
#include <string.h>

#include "shm/atomic.h"
#include "shm/node.h"

static uint8_t *
node_status_area(const struct mint_region *r, unsigned node)
{
	return (uint8_t *)region_node(r, node) + sizeof(struct mint_node);
}

/*
 * Take node's entry for this agent: bump the epoch, so peers and rings can
 * tell a restarted agent from the old one, and repair a seqlock left odd by
 * a writer that died mid-update.
 */
int
node_attach(const struct mint_region *r, unsigned node, uint32_t state, uint32_t pid,
    uint32_t *epoch)
{
	struct mint_node *n;
	uint32_t e, s;

	if (node >= r->layout.nodes || state >= MINT_NODE_STATE_MAX)
		return -EINVAL;
	n = region_node(r, node);
	s = load_relaxed(&n->status_seq);
	if (s & 1)
		store_release(&n->status_seq, s + 1);
	e = load_relaxed(&n->epoch) + 1;
	if (e == 0)
		e = 1;
	store_release(&n->epoch, e);
	store_relaxed(&n->pid, pid);
	store_relaxed(&n->bell, 0);	/* the last life's doorbell is not this one's */
	store_release(&n->state, state);
	*epoch = e;
	return 0;
}

/* Where node's doorbell rings (the module's bell address + 1; 0: none). */
int
node_set_bell(const struct mint_region *r, unsigned node, uint32_t bell)
{
	if (node >= r->layout.nodes)
		return -EINVAL;
	store_release(&region_node(r, node)->bell, bell);
	return 0;
}

uint32_t
node_bell(const struct mint_region *r, unsigned node)
{
	return node < r->layout.nodes ? load_acquire(&region_node(r, node)->bell) : 0;
}

int
node_set_state(const struct mint_region *r, unsigned node, uint32_t state)
{
	if (node >= r->layout.nodes || state >= MINT_NODE_STATE_MAX)
		return -EINVAL;
	store_release(&region_node(r, node)->state, state);
	return 0;
}

void
node_heartbeat(const struct mint_region *r, unsigned node)
{
	struct mint_node *n = region_node(r, node);

	store_release(&n->heartbeat, load_relaxed(&n->heartbeat) + 1);
}

/* Read a node's header fields; -EBADMSG if they hold impossible values. */
int
node_read(const struct mint_region *r, unsigned node, struct node_view *v)
{
	struct mint_node *n;

	if (node >= r->layout.nodes)
		return -EINVAL;
	n = region_node(r, node);
	v->state = load_acquire(&n->state);
	v->epoch = load_acquire(&n->epoch);
	v->heartbeat = load_acquire(&n->heartbeat);
	v->pid = load_relaxed(&n->pid);
	return v->state < MINT_NODE_STATE_MAX ? 0 : -EBADMSG;
}

/* Replace the node's status snapshot; readers never see half of it. */
int
node_publish_status(const struct mint_region *r, unsigned node, const void *buf,
    uint32_t len)
{
	struct mint_node *n;
	uint32_t s;

	if (node >= r->layout.nodes)
		return -EINVAL;
	if (len > r->layout.status_max)
		return -EMSGSIZE;
	n = region_node(r, node);
	s = load_relaxed(&n->status_seq);
	store_relaxed(&n->status_seq, s + 1);
	/* the odd count must be visible before any byte of the new snapshot */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(node_status_area(r, node), buf, len);
	store_relaxed(&n->status_len, len);
	store_release(&n->status_seq, s + 2);
	return 0;
}

/*
 * Copy a consistent status snapshot: its length in *len. -EBUSY if the writer
 * stays mid-update (it may have died there), -EBADMSG if the length is bad,
 * -EMSGSIZE if cap is too small.
 */
int
node_read_status(const struct mint_region *r, unsigned node, void *buf, uint32_t cap,
    uint32_t *len)
{
	struct mint_node *n;
	uint32_t s1, s2, l;

	if (node >= r->layout.nodes)
		return -EINVAL;
	n = region_node(r, node);
	for (int tries = 0; tries < 10000; tries++) {
		s1 = load_acquire(&n->status_seq);
		if (s1 & 1) {
			cpu_relax();
			continue;
		}
		l = load_relaxed(&n->status_len);
		if (l > r->layout.status_max)
			return -EBADMSG;
		if (l > cap)
			return -EMSGSIZE;
		memcpy(buf, node_status_area(r, node), l);
		/* the copy must be complete before the count is checked again */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = load_relaxed(&n->status_seq);
		if (s1 == s2) {
			*len = l;
			return 0;
		}
	}
	return -EBUSY;
}

static const char *const node_states[] = {
	[MINT_NODE_ABSENT] = "absent",
	[MINT_NODE_BOOTING] = "booting",
	[MINT_NODE_ONLINE] = "online",
	[MINT_NODE_STOPPING] = "stopping",
	[MINT_NODE_DEAD] = "dead",
};

const char *
node_state_name(uint32_t state)
{
	return state < MINT_NODE_STATE_MAX ? node_states[state] : "invalid";
}
