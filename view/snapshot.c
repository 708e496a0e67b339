/* Read and check a node's status snapshot: the region is shared, so it is untrusted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "view/snapshot.h"
#include "common/cause.h"
#include "shm/node.h"

/* *env holds the node's NodeStatus (free with wire_free); -ENOENT if it has none yet. */
int
snapshot_read(const struct mint_region *r, unsigned node, Mint__Envelope **env, char *cause,
    size_t len)
{
	uint8_t *buf;
	uint32_t n;
	int rc;

	*env = NULL;
	if ((buf = malloc(r->layout.status_max + 1)) == NULL)
		return -ENOMEM;
	rc = node_read_status(r, node, buf, r->layout.status_max, &n);
	if (rc == 0 && n == 0)
		rc = -ENOENT;
	if (rc < 0) {
		free(buf);
		return cause_fail(cause, len, rc, "node %u: %s", node, rc == -ENOENT ?
		    "no status published yet" : rc == -EBUSY ? "status being rewritten (or its writer died)" :
		    "status area damaged");
	}
	rc = wire_unpack(buf, n, env, cause, len);
	free(buf);
	if (rc == 0 && (*env)->body_case != MINT__ENVELOPE__BODY_STATUS) {
		wire_free(*env);
		*env = NULL;
		return cause_fail(cause, len, -EBADMSG, "node %u: its snapshot is not a status", node);
	}
	return rc;
}

int
snapshot_each(const struct mint_region *r, unsigned only, snapshot_fn fn, void *arg)
{
	int rc = 0;

	for (unsigned n = 0; n < r->layout.nodes && rc == 0; n++) {
		Mint__Envelope *e;
		struct node_view v;

		if ((only != MINT_MAX_NODES && n != only) || node_read(r, n, &v) < 0 ||
		    v.state != MINT_NODE_ONLINE || snapshot_read(r, n, &e, NULL, 0) < 0)
			continue;
		rc = fn(arg, n, e->status);
		wire_free(e);
	}
	return rc;
}

void
snapshots_read(const struct mint_region *r, struct snapshots *s)
{
	s->nodes = r->layout.nodes < MINT_MAX_NODES ? r->layout.nodes : MINT_MAX_NODES;
	for (unsigned i = 0; i < s->nodes; i++) {
		s->env[i] = NULL;
		s->valid[i] = node_read(r, i, &s->v[i]) == 0;
		if (s->valid[i] && snapshot_read(r, i, &s->env[i], NULL, 0) < 0)
			s->env[i] = NULL;
	}
}

void
snapshots_free(struct snapshots *s)
{
	for (unsigned i = 0; i < s->nodes; i++) {
		wire_free(s->env[i]);
		s->env[i] = NULL;
	}
}

int
snapshots_attached(const struct snapshots *s, unsigned i)
{
	return i < s->nodes && s->valid[i] &&
	    !(s->v[i].state == MINT_NODE_ABSENT && s->v[i].epoch == 0);
}

const Mint__NodeStatus *
snapshots_status(const struct snapshots *s, unsigned i)
{
	return i < s->nodes && s->env[i] != NULL ? s->env[i]->status : NULL;
}

/* What live node k's agent says of node i's current epoch, or NULL. */
static const Mint__Peer *
peer_view(const struct snapshots *s, unsigned k, unsigned i)
{
	const Mint__NodeStatus *st = snapshots_status(s, k);

	if (k == i || st == NULL || !s->valid[k] || s->v[k].state != MINT_NODE_ONLINE)
		return NULL;
	for (size_t p = 0; p < st->n_peers; p++)
		if (st->peers[p]->node == i && st->peers[p]->epoch == s->v[i].epoch)
			return st->peers[p];
	return NULL;
}

int64_t
snapshots_dead_ms(const struct snapshots *s, unsigned i)
{
	for (unsigned k = 0; k < s->nodes; k++) {
		const Mint__Peer *p = peer_view(s, k, i);

		if (p != NULL && p->state == MINT__NODE_STATE__NODE_DEAD)
			return (int64_t)p->silent_ms;
	}
	return -1;
}

const char *
snapshots_state(const struct snapshots *s, unsigned i)
{
	if (!s->valid[i])
		return "damaged";
	return snapshots_dead_ms(s, i) >= 0 ? "dead" : node_state_name(s->v[i].state);
}

int64_t
snapshots_silent_ms(const struct snapshots *s, unsigned i)
{
	int64_t least = -1;

	for (unsigned k = 0; k < s->nodes; k++) {
		const Mint__Peer *p = peer_view(s, k, i);

		if (p != NULL && p->has_silent_ms && (least < 0 || (int64_t)p->silent_ms < least))
			least = (int64_t)p->silent_ms;
	}
	return least;
}

const char *
guest_state_name(int state)
{
	static const char *const names[] = {
		"unknown", "running", "paused", "shut off", "crashed", "migrating",
	};

	return state >= 0 && state < (int)(sizeof(names) / sizeof(names[0])) ? names[state] :
	    "unknown";
}
