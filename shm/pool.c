/* Guest RAM pool extents in the resource table: claim, release, hand over. */
#include <errno.h>
#include <string.h>

#include "shm/atomic.h"
#include "shm/layout.h"
#include "shm/pool.h"
#include "shm/resource.h"

#define NAME_MAX_LEN	sizeof(((struct mint_res *)0)->name)

static int
named(const struct res_view *v, const char *guest)
{
	return guest != NULL && v->kind == MINT_RES_POOL && v->state == MINT_RS_OWNED &&
	    strncmp(v->name, guest, NAME_MAX_LEN) == 0;
}

/* Also fenced: a dead node's, whose guest may have moved on before it died. */
static int
named_or_fenced(const struct res_view *v, const char *guest)
{
	return named(v, guest) || (guest != NULL && v->kind == MINT_RES_POOL &&
	    v->state == MINT_RS_FENCED && strncmp(v->name, guest, NAME_MAX_LEN) == 0);
}

void
pool_count(const struct mint_region *r, unsigned node, const char *guest, struct pool_count *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct res_view v;

		if (res_read(r, i, &v) < 0 || v.kind != MINT_RES_POOL)
			continue;
		c->extents++, c->bytes += v.size;
		if (v.state == MINT_RS_FREE)
			c->free++, c->free_bytes += v.size;
		if (v.owner == node && named(&v, guest))
			c->held++, c->held_bytes += v.size;
	}
}

/* The name goes in while the extent is claiming: nobody else writes it then. */
static void
set_name(const struct mint_region *r, unsigned i, const char *guest)
{
	struct mint_res *e = region_res(r, i);

	memset(e->name, 0, sizeof(e->name));
	if (guest != NULL)
		memcpy(e->name, guest, strlen(guest));
}

int
pool_claim(const struct mint_region *r, unsigned node, uint32_t epoch, const char *guest,
    uint64_t bytes)
{
	struct pool_count c;
	uint64_t have;

	if (strlen(guest) == 0 || strlen(guest) > NAME_MAX_LEN)
		return -ENAMETOOLONG;
	pool_count(r, node, guest, &c);
	if (c.extents == 0)
		return -ENOENT;
	have = c.held_bytes;
	if (have >= bytes)
		return 0;
	if (c.free_bytes < bytes - have)
		return -ENOSPC;
	for (unsigned i = 0; i < r->layout.res_count && have < bytes; i++) {
		struct res_view v;

		if (res_read(r, i, &v) < 0 || v.kind != MINT_RES_POOL || v.state != MINT_RS_FREE)
			continue;
		if (res_move(r, i, &v.word, MINT_RS_CLAIMING, node, MINT_NO_NODE, epoch, 0) < 0)
			continue;	/* another node took it first */
		set_name(r, i, guest);
		if (res_move(r, i, &v.word, MINT_RS_OWNED, node, MINT_NO_NODE, epoch, 0) == 0)
			have += v.size;
	}
	if (have < bytes) {
		/* others claimed at the same time: give back what this call took */
		pool_release(r, node, epoch, guest);
		return -ENOSPC;
	}
	return 0;
}

int
pool_release(const struct mint_region *r, unsigned node, uint32_t epoch, const char *guest)
{
	int n = 0;

	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct res_view v;

		if (res_read(r, i, &v) < 0 || v.owner != node || !named(&v, guest))
			continue;
		if (res_move(r, i, &v.word, MINT_RS_RELEASING, node, MINT_NO_NODE, epoch, 0) < 0)
			continue;
		set_name(r, i, NULL);
		if (res_move(r, i, &v.word, MINT_RS_FREE, MINT_NO_NODE, node, epoch, 0) == 0)
			n++;
	}
	return n;
}

int
pool_hand(const struct mint_region *r, unsigned from, unsigned to, uint32_t epoch,
    const char *guest)
{
	int n = 0;

	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct res_view v;

		if (res_read(r, i, &v) < 0 || v.owner == to ||
		    !(from == MINT_NO_NODE ? named_or_fenced(&v, guest) : named(&v, guest) &&
		    v.owner == from))
			continue;
		if (res_move(r, i, &v.word, MINT_RS_OWNED, to, v.owner, epoch, v.owner_epoch) == 0)
			n++;
	}
	return n;
}
