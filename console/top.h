/*
 * mint-console top, in four parts: the model samples the region and keeps
 * one row per node (no curses); the columns format rows into text and
 * compare them; the keys map keys to actions; the view draws with curses.
 */
#ifndef MINT_CONSOLE_TOP_H
#define MINT_CONSOLE_TOP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/wire.h"
#include "shm/region.h"

struct top_row {
	unsigned node;
	uint32_t state;		/* from the node's entry */
	int dead;		/* another live node finds it silent */
	uint32_t epoch;
	uint64_t heartbeat;
	int64_t moved_ns;	/* when the heartbeat last moved, as seen here */
	int64_t age_ms;		/* since then; -1 before the second sample */
	Mint__NodeStatus *st;	/* its snapshot, NULL if none */
};

struct top_model {
	const struct mint_region *region;
	struct top_row rows[MINT_MAX_NODES];
	Mint__Envelope *snaps[MINT_MAX_NODES];
	int nrows;
	int sort;		/* column index */
	int reverse;
	int selected;		/* row index, or -1 */
	int samples;
	char moves[16][128];	/* resources between owners, or fenced, right now */
	int nmoves;
};

void top_model_init(struct top_model *m, const struct mint_region *r);
void top_model_sample(struct top_model *m, int64_t now_ns);
void top_model_sort(struct top_model *m);
void top_model_free(struct top_model *m);
const char *top_model_mode(const struct top_model *m);

struct top_column {
	const char *name;
	int width;
	void (*format)(const struct top_row *r, char *buf, size_t len);
	int (*compare)(const struct top_row *a, const struct top_row *b);
};

extern const struct top_column top_columns[];
extern const int top_ncolumns;
int top_column_find(const char *name);
void top_format_header(char *buf, size_t len);
void top_format_row(const struct top_row *r, char *buf, size_t len);
void top_format_detail(const struct top_row *r, char *buf, size_t len);

enum top_action { TOP_NONE, TOP_QUIT, TOP_HELP, TOP_NEXT_SORT, TOP_REVERSE, TOP_UP, TOP_DOWN,
	TOP_REFRESH };
enum top_action top_key_action(int key);
const char *top_keys_help(void);

/* the live view (top-view.c, the only curses user) */
int top_view_run(struct top_model *m, int delay_ms);

#endif
