/* Resource table entries: define, read with validation, change by CAS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shm/atomic.h"
#include "shm/resource.h"

/* Describe resource i; at format or machine set-up, before nodes race for it. */
int
res_define(const struct mint_region *r, unsigned i, uint32_t kind, uint32_t index,
    uint64_t base, uint64_t size, const char *name, unsigned owner)
{
	struct mint_res *e;
	uint64_t w;

	if (i >= r->layout.res_count || kind == MINT_RES_NONE || kind >= MINT_RES_KIND_MAX ||
	    (owner >= r->layout.nodes && owner != MINT_NO_NODE))
		return -EINVAL;
	if (name != NULL && strlen(name) > sizeof(e->name))
		return -ENAMETOOLONG;
	e = region_res(r, i);
	w = load_acquire(&e->word);
	e->kind = (uint16_t)kind;
	e->flags = 0;
	e->index = index;
	e->base = base;
	e->size = size;
	e->owner_epoch = e->peer_epoch = 0;
	memset(e->name, 0, sizeof(e->name));
	if (name != NULL)
		memcpy(e->name, name, strlen(name));
	store_release(&e->word, MINT_RES_WORD(owner == MINT_NO_NODE ? MINT_RS_FREE :
	    MINT_RS_OWNED, owner, MINT_NO_NODE, MINT_RES_GEN(w) + 1));
	return 0;
}

/* Read entry i; -EBADMSG if it holds values no node could have written. */
int
res_read(const struct mint_region *r, unsigned i, struct res_view *v)
{
	struct mint_res *e;
	uint64_t w;

	if (i >= r->layout.res_count)
		return -EINVAL;
	e = region_res(r, i);
	w = load_acquire(&e->word);
	v->word = w;
	v->state = MINT_RES_STATE(w);
	v->owner = MINT_RES_OWNER(w);
	v->peer = MINT_RES_PEER(w);
	v->gen = MINT_RES_GEN(w);
	v->kind = load_relaxed(&e->kind);
	v->index = e->index;
	v->base = e->base;
	v->size = e->size;
	v->owner_epoch = e->owner_epoch;
	v->peer_epoch = e->peer_epoch;
	memcpy(v->name, e->name, sizeof(e->name));
	v->name[sizeof(e->name)] = '\0';
	if (v->kind >= MINT_RES_KIND_MAX || v->state >= MINT_RS_STATE_MAX ||
	    (v->owner >= r->layout.nodes && v->owner != MINT_NO_NODE) ||
	    (v->peer >= r->layout.nodes && v->peer != MINT_NO_NODE))
		return -EBADMSG;
	return 0;
}

/* The entry describing (kind, index), or -ENOENT. */
int
res_find(const struct mint_region *r, uint32_t kind, uint32_t index)
{
	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct mint_res *e = region_res(r, i);
		if (load_relaxed(&e->kind) == kind && e->index == index)
			return (int)i;
	}
	return -ENOENT;
}

/* The entry of the device (or any kind) called name, or -ENOENT. */
int
res_find_name(const struct mint_region *r, uint32_t kind, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > sizeof(((struct mint_res *)0)->name))
		return -ENOENT;
	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct mint_res *e = region_res(r, i);
		if (load_relaxed(&e->kind) == kind && strncmp(e->name, name, sizeof(e->name)) == 0 &&
		    (n == sizeof(e->name) || e->name[n] == '\0'))
			return (int)i;
	}
	return -ENOENT;
}

/* "cpu 3", "memory block 12", "device eth1": how messages name an entry. */
void
res_describe(const struct res_view *v, char *buf, size_t len)
{
	switch (v->kind) {
	case MINT_RES_CPU:
		snprintf(buf, len, "cpu %u", v->index);
		break;
	case MINT_RES_MEM:
		snprintf(buf, len, "memory block %u", v->index);
		break;
	case MINT_RES_DEV:
		snprintf(buf, len, "device %s", v->name);
		break;
	case MINT_RES_POOL:
		snprintf(buf, len, "pool extent %u", v->index);
		break;
	default:
		snprintf(buf, len, "resource of kind %u", v->kind);
	}
}

/*
 * Move entry i from *word to (state, owner, peer) if nobody changed it since
 * *word was read. -EAGAIN (and *word refreshed) if somebody did.
 */
int
res_move(const struct mint_region *r, unsigned i, uint64_t *word, uint32_t state,
    unsigned owner, unsigned peer, uint32_t owner_epoch, uint32_t peer_epoch)
{
	struct mint_res *e;
	uint64_t nw;

	if (i >= r->layout.res_count || state >= MINT_RS_STATE_MAX ||
	    (owner >= r->layout.nodes && owner != MINT_NO_NODE) ||
	    (peer >= r->layout.nodes && peer != MINT_NO_NODE))
		return -EINVAL;
	e = region_res(r, i);
	nw = MINT_RES_WORD(state, owner, peer, MINT_RES_GEN(*word) + 1);
	if (!__atomic_compare_exchange_n(&e->word, word, nw, 0, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE))
		return -EAGAIN;
	/* informational: the word above is the truth, these say who did it */
	store_relaxed(&e->owner_epoch, owner_epoch);
	store_relaxed(&e->peer_epoch, peer_epoch);
	*word = nw;
	return 0;
}

static const char *const res_states[] = {
	[MINT_RS_FREE] = "free",
	[MINT_RS_OWNED] = "owned",
	[MINT_RS_RELEASING] = "releasing",
	[MINT_RS_CLAIMING] = "claiming",
	[MINT_RS_FENCED] = "fenced",
	[MINT_RS_BOOTING] = "booting",
};

const char *
res_state_name(uint32_t state)
{
	return state < MINT_RS_STATE_MAX ? res_states[state] : "invalid";
}

void
res_where(const struct res_view *v, int with_peer, char *buf, size_t len)
{
	if (v->state == MINT_RS_FREE || v->owner == MINT_NO_NODE)
		snprintf(buf, len, "%s", res_state_name(v->state));
	else if (with_peer && v->peer != MINT_NO_NODE && v->state != MINT_RS_OWNED)
		snprintf(buf, len, "%s by node %u (with node %u)", res_state_name(v->state), v->owner,
		    v->peer);
	else
		snprintf(buf, len, "%s by node %u", res_state_name(v->state), v->owner);
}

static const char *const res_kinds[] = {
	[MINT_RES_NONE] = "none",
	[MINT_RES_CPU] = "cpu",
	[MINT_RES_MEM] = "mem",
	[MINT_RES_DEV] = "dev",
	[MINT_RES_POOL] = "pool",
};

const char *
res_kind_name(uint32_t kind)
{
	return kind < MINT_RES_KIND_MAX ? res_kinds[kind] : "invalid";
}
