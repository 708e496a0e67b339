/* A node's status snapshot, read from its node table entry and decoded. */
#ifndef MINT_CONSOLE_SNAPSHOT_H
#define MINT_CONSOLE_SNAPSHOT_H

#include "proto/wire.h"
#include "shm/region.h"

int snapshot_read(const struct mint_region *r, unsigned node, Mint__Envelope **env,
	    char *cause, size_t causelen);

#endif
