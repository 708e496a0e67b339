/*
 * The console's output: the same calls print aligned text or JSON. A value
 * is a JSON member (or list element) and a text cell; what only one of the
 * two shows says so (OUT_NOTEXT, out_cell, out_text).
 */
#ifndef MINT_CONSOLE_OUTPUT_H
#define MINT_CONSOLE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#define OUT_DEPTH	8
#define OUT_NOTEXT	(-10000)	/* as a width: JSON only */

enum out_style {
	OUT_COMPACT,	/* {"a":1,"b":[1,2]} */
	OUT_SPACED,	/* {"a": 1, "b": [1, 2]} */
	OUT_LINES,	/* spaced, and each element of the outer list on a line of its own */
};

/* A column of a text table: its title and width (negative: left aligned). */
struct out_col {
	const char *title;
	int width;
};

struct out {
	FILE *f;
	int json;
	enum out_style style;
	int depth;
	int count[OUT_DEPTH];	/* members written so far at each depth */
	char line[2048];	/* the text line being built */
	size_t len;
	int cells;		/* cells on it */
	int objs;		/* text: objects open; the outermost one's end ends the line */
};

void out_init(struct out *o, FILE *f, int json, enum out_style style);
int out_json(const struct out *o);

/* JSON containers; key NULL inside a list. In text, out_end ends the line. */
void out_begin(struct out *o, const char *key);
void out_end(struct out *o);
void out_list(struct out *o, const char *key);
void out_list_end(struct out *o);
/* A list that is a table in text: the titles' line. */
void out_table(struct out *o, const char *key, const struct out_col *cols, int ncols);

/* Values: a member in JSON, a cell of width in text (negative: left aligned). */
void out_uint(struct out *o, const char *key, int width, uint64_t v);
void out_int(struct out *o, const char *key, int width, int64_t v);
void out_float(struct out *o, const char *key, int width, int prec, double v);
void out_str(struct out *o, const char *key, int width, const char *s);
void out_bool(struct out *o, const char *key, int width, int v);
/* A null in JSON, text in text ("-"), for what is not there. */
void out_null(struct out *o, const char *key, int width, const char *text);

/* A time (ms since the epoch), or now: RFC 3339 with the zone in JSON, HH:MM:SS.mmm in text. */
void out_time_ms(struct out *o, const char *key, int width, int64_t unix_ms);
void out_time_now(struct out *o, const char *key, int width);

/* Text only: a cell (with its separating space), raw text, the end of the line. */
void out_cell(struct out *o, int width, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_line(struct out *o);

/* A JSON string, escaped: the one place that escapes. */
void out_json_string(FILE *f, const char *s);

#endif
