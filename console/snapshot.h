/* A node's status snapshot, read from its node table entry and decoded. */
#ifndef MINT_CONSOLE_SNAPSHOT_H
#define MINT_CONSOLE_SNAPSHOT_H

#include "proto/wire.h"
#include "shm/region.h"

int snapshot_read(const struct mint_region *r, unsigned node, Mint__Envelope **env,
	    char *cause, size_t causelen);

/*
 * Call fn with the status of each online node that has published one (only
 * that node unless only is MINT_MAX_NODES), in node order; a non-zero return
 * from fn stops the walk and is returned.
 */
typedef int (*snapshot_fn)(void *arg, unsigned node, const Mint__NodeStatus *st);
int snapshot_each(const struct mint_region *r, unsigned only, snapshot_fn fn, void *arg);

#endif
