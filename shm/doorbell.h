/*
 * Waking a peer that sleeps on a word of the region. Under one kernel the
 * word is a futex; across kernels it is the module's doorbell interrupt; and
 * polling with back-off always works.
 */
#ifndef MINT_SHM_DOORBELL_H
#define MINT_SHM_DOORBELL_H

#include <stdint.h>

enum doorbell_kind {
	DOORBELL_FUTEX,		/* processes under one kernel */
	DOORBELL_POLL,		/* no wake-up at all: sleep with back-off and look */
	DOORBELL_SOCK,		/* processes under one kernel, with a pollable fd per node */
	DOORBELL_DEV,		/* kernels of a Mint machine: the module's doorbell interrupt */
};

struct doorbell;

struct doorbell_ops {
	/* Sleep while *word == expect, at most timeout_ns (< 0: forever). */
	int (*wait)(const struct doorbell *db, uint32_t *word, uint32_t expect,
	    int64_t timeout_ns);
	/* Wake whoever sleeps on word; peer is the node it belongs to. */
	void (*ring)(const struct doorbell *db, uint32_t *word, unsigned peer);
};

struct doorbell {
	const struct doorbell_ops *ops;
	enum doorbell_kind kind;
	int fd;			/* pollable backends: readable when rung */
	char machine[32];	/* DOORBELL_SOCK: names this machine's bells */
	const void *region;	/* the region, whose node table says each node's bell */
};

/*
 * The bell of a ring nobody sleeps on (both ends poll): ringing it does
 * nothing, waiting on it looks again with back-off. What a NULL doorbell means.
 */
extern const struct doorbell doorbell_polled;

int doorbell_init(struct doorbell *db, enum doorbell_kind kind);
struct mint_region;
int doorbell_open_region_sock(struct doorbell *db, const struct mint_region *r, unsigned self);
int doorbell_open_dev(struct doorbell *db, int dev_fd, const void *region, uint32_t *bell);
void doorbell_drain(const struct doorbell *db);
void doorbell_close(struct doorbell *db);
int doorbell_parse(const char *name, enum doorbell_kind *kind);
const char *doorbell_name(enum doorbell_kind kind);

/* Monotonic nanoseconds, for time-based spin budgets. */
int64_t doorbell_now_ns(void);

#endif
