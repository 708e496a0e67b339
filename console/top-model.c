/* top's model: sample every node's entry and snapshot, keep rows, sort them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/snapshot.h"
#include "console/top.h"
#include "shm/node.h"
#include "shm/resource.h"

void
top_model_init(struct top_model *m, const struct mint_region *r)
{
	memset(m, 0, sizeof(*m));
	m->region = r;
	m->selected = -1;
}

void
top_model_free(struct top_model *m)
{
	for (int i = 0; i < MINT_MAX_NODES; i++) {
		wire_free(m->snaps[i]);
		m->snaps[i] = NULL;
	}
}

static struct top_row *
row_of(struct top_model *m, unsigned node)
{
	for (int i = 0; i < m->nrows; i++)
		if (m->rows[i].node == node)
			return &m->rows[i];
	return NULL;
}

/* Resources that are not simply owned or free: moves under way, fenced ones. */
static void
sample_moves(struct top_model *m)
{
	m->nmoves = 0;
	for (unsigned i = 0; i < m->region->layout.res_count && m->nmoves < 16; i++) {
		struct res_view v;
		char what[64];

		if (res_read(m->region, i, &v) < 0 || v.kind == MINT_RES_NONE ||
		    v.state == MINT_RS_OWNED || v.state == MINT_RS_FREE)
			continue;
		res_describe(&v, what, sizeof(what));
		if (v.state == MINT_RS_RELEASING)
			snprintf(m->moves[m->nmoves++], 128, "%s: node %u releasing it to node %u", what,
			    v.owner, v.peer);
		else if (v.state == MINT_RS_CLAIMING && v.peer != MINT_NO_NODE)
			snprintf(m->moves[m->nmoves++], 128, "%s: node %u claiming it from node %u", what,
			    v.owner, v.peer);
		else
			snprintf(m->moves[m->nmoves++], 128, "%s: %s by node %u", what,
			    res_state_name(v.state), v.owner);
	}
}

/* Read the region now; heartbeat ages come from comparing with the last sample. */
void
top_model_sample(struct top_model *m, int64_t now_ns)
{
	const struct mint_region *r = m->region;
	struct top_row old[MINT_MAX_NODES];
	int nold = m->nrows;

	memcpy(old, m->rows, sizeof(old[0]) * (size_t)nold);
	top_model_free(m);
	sample_moves(m);
	m->nrows = 0;
	for (unsigned i = 0; i < r->layout.nodes; i++) {
		struct node_view v;
		struct top_row *row = &m->rows[m->nrows];

		if (node_read(r, i, &v) < 0 || (v.state == MINT_NODE_ABSENT && v.epoch == 0))
			continue;
		memset(row, 0, sizeof(*row));
		row->node = i;
		row->state = v.state;
		row->epoch = v.epoch;
		row->heartbeat = v.heartbeat;
		row->moved_ns = now_ns;
		row->age_ms = -1;
		for (int k = 0; k < nold; k++)
			if (old[k].node == i) {
				if (old[k].heartbeat == v.heartbeat && old[k].epoch == v.epoch)
					row->moved_ns = old[k].moved_ns;
				row->age_ms = (now_ns - row->moved_ns) / 1000000;
			}
		if (snapshot_read(r, i, &m->snaps[i], NULL, 0) == 0)
			row->st = m->snaps[i]->status;
		m->nrows++;
	}
	/* dead: a live node's agent says so of this epoch */
	for (int k = 0; k < m->nrows; k++) {
		const struct top_row *w = &m->rows[k];
		if (w->st == NULL || w->state != MINT_NODE_ONLINE)
			continue;
		for (size_t p = 0; p < w->st->n_peers; p++) {
			struct top_row *t = row_of(m, w->st->peers[p]->node);
			if (t != NULL && t != w && w->st->peers[p]->state == MINT__NODE_STATE__NODE_DEAD &&
			    w->st->peers[p]->epoch == t->epoch)
				t->dead = 1;
		}
	}
	m->samples++;
	top_model_sort(m);
}

/* How the nodes' cores are had: real, cpuset, synthetic, or mixed. */
const char *
top_model_mode(const struct top_model *m)
{
	static const char *const names[] = { "real", "cpuset", "synthetic" };
	int mode = -1;

	for (int i = 0; i < m->nrows; i++) {
		const Mint__NodeStatus *st = m->rows[i].st;
		if (st == NULL || !st->has_mode || (unsigned)st->mode >= 3)
			continue;
		if (mode >= 0 && mode != (int)st->mode)
			return "mixed";
		mode = (int)st->mode;
	}
	return mode < 0 ? "unknown" : names[mode];
}

static struct top_model *sorting;

static int
row_cmp(const void *a, const void *b)
{
	int c = top_columns[sorting->sort].compare(a, b);

	if (c == 0)
		c = ((const struct top_row *)a)->node < ((const struct top_row *)b)->node ? -1 : 1;
	return sorting->reverse ? -c : c;
}

void
top_model_sort(struct top_model *m)
{
	sorting = m;
	qsort(m->rows, (size_t)m->nrows, sizeof(m->rows[0]), row_cmp);
}
