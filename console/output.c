/* Text or JSON from the same calls: commands say what they show, this says how. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "console/output.h"

void
out_init(struct out *o, FILE *f, int json, enum out_style style)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	o->style = style;
}

int
out_json(const struct out *o)
{
	return o->json;
}

void
out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* The comma, the line break of OUT_LINES and the key before a JSON member. */
static void
out_member(struct out *o, const char *key)
{
	int d = o->depth;

	if (d > 0 && d <= OUT_DEPTH) {
		if (o->count[d - 1]++ > 0)
			fputc(',', o->f);
		if (o->style == OUT_LINES && d == 1)
			fputs("\n  ", o->f);
		else if (o->count[d - 1] > 1 && o->style != OUT_COMPACT)
			fputc(' ', o->f);
	}
	if (key != NULL) {
		out_json_string(o->f, key);
		fputs(o->style == OUT_COMPACT ? ":" : ": ", o->f);
	}
}

static void
out_open(struct out *o, const char *key, int ch)
{
	if (!o->json) {
		o->objs += ch == '{';
		return;
	}
	out_member(o, key);
	fputc(ch, o->f);
	if (o->depth < OUT_DEPTH)
		o->count[o->depth] = 0;
	o->depth++;
}

static void
out_close(struct out *o, int ch)
{
	if (!o->json) {
		/* the end of a row ends its line; lists and objects may be inside one */
		if (ch == '}' && --o->objs <= 0 && (o->len > 0 || o->cells > 0))
			out_line(o);
		if (o->objs < 0)
			o->objs = 0;
		return;
	}
	if (o->style == OUT_LINES && o->depth == 1 && o->count[0] > 0)
		fputc('\n', o->f);
	fputc(ch, o->f);
	if (--o->depth == 0)
		fputc('\n', o->f);
}

void
out_begin(struct out *o, const char *key)
{
	out_open(o, key, '{');
}

void
out_end(struct out *o)
{
	out_close(o, '}');
}

void
out_list(struct out *o, const char *key)
{
	out_open(o, key, '[');
}

void
out_list_end(struct out *o)
{
	out_close(o, ']');
}

/* Append text to the line being built. */
static void
out_vappend(struct out *o, const char *fmt, va_list ap)
{
	int n;

	if (o->len >= sizeof(o->line) - 1)
		return;
	n = vsnprintf(o->line + o->len, sizeof(o->line) - o->len, fmt, ap);
	if (n > 0)
		o->len += (size_t)n < sizeof(o->line) - o->len ? (size_t)n : sizeof(o->line) - 1 - o->len;
}

static void __attribute__((format(printf, 2, 3)))
out_append(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_vappend(o, fmt, ap);
	va_end(ap);
}

/* A text cell: a space after the one before, the text padded to width. */
static void
out_pad(struct out *o, int width, const char *s)
{
	if (o->cells++ > 0)
		out_append(o, " ");
	out_append(o, "%*s", width, s);
}

void
out_table(struct out *o, const char *key, const struct out_col *cols, int ncols)
{
	if (o->json) {
		out_list(o, key);
		return;
	}
	for (int i = 0; i < ncols; i++)
		out_pad(o, cols[i].width, cols[i].title);
	out_line(o);
}

/* A value already formatted: as it is in JSON (a number, true, null), a cell in text. */
static void
out_raw(struct out *o, const char *key, int width, const char *json, const char *text)
{
	if (o->json) {
		out_member(o, key);
		fputs(json, o->f);
	} else if (width != OUT_NOTEXT) {
		out_pad(o, width, text);
	}
}

void
out_uint(struct out *o, const char *key, int width, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	out_raw(o, key, width, buf, buf);
}

void
out_int(struct out *o, const char *key, int width, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	out_raw(o, key, width, buf, buf);
}

void
out_float(struct out *o, const char *key, int width, int prec, double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	out_raw(o, key, width, buf, buf);
}

void
out_str(struct out *o, const char *key, int width, const char *s)
{
	if (o->json) {
		out_member(o, key);
		out_json_string(o->f, s);
	} else if (width != OUT_NOTEXT) {
		out_pad(o, width, s != NULL ? s : "");
	}
}

void
out_bool(struct out *o, const char *key, int width, int v)
{
	out_raw(o, key, width, v ? "true" : "false", v ? "yes" : "no");
}

void
out_null(struct out *o, const char *key, int width, const char *text)
{
	out_raw(o, key, width, "null", text != NULL ? text : "");
}

/* Now: RFC 3339 with milliseconds and the zone in JSON, the local HH:MM:SS.mmm in text. */
void
out_time_ms(struct out *o, const char *key, int width, int64_t unix_ms)
{
	char buf[64], zone[8];
	time_t secs = (time_t)(unix_ms / 1000);
	long ms = (long)(unix_ms % 1000);
	struct tm tm;
	size_t n;

	localtime_r(&secs, &tm);
	if (!o->json) {
		n = strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		snprintf(buf + n, sizeof(buf) - n, ".%03ld", ms);
		out_pad(o, width, buf);
		return;
	}
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* +0100: RFC 3339 wants +01:00 */
	snprintf(buf + n, sizeof(buf) - n, ".%03ld%.3s:%.2s", ms, zone, zone + 3);
	out_str(o, key, width, buf);
}

void
out_time_now(struct out *o, const char *key, int width)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	out_time_ms(o, key, width, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
out_cell(struct out *o, int width, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_pad(o, width, buf);
}

void
out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	out_vappend(o, fmt, ap);
	va_end(ap);
}

void
out_line(struct out *o)
{
	if (o->json)
		return;
	fprintf(o->f, "%.*s\n", (int)o->len, o->line);
	o->len = 0;
	o->cells = 0;
}
