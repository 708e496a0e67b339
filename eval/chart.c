/*
 * A bar chart of the evaluation as SVG, shaped like the paper's figures: a
 * panel per workload and size with its own scale, a bar per configuration in
 * the same colour in every panel, the time written on each bar.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eval/chart.h"

#define PANEL_W		220	/* at the least: wider with more bars */
#define BAR_W		30	/* room for a bar and its label */
#define PANEL_H		180
#define PLOT_H		120	/* bar area inside a panel */
#define TOP		60	/* title and legend */
#define PER_ROW		4

static const char *const colours[] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
	"#ff9da7", "#bab0ac", "#1b3a5c", "#8cd17d",
};
#define NCOLOURS	(sizeof(colours) / sizeof(colours[0]))

/* Where things go: panels as wide as their bars need, a legend in columns as wide as its names. */
struct layout {
	int panel_w, width;
	int legend_w, legend_cols, legend_rows;
};

static void
layout(const struct chart *c, struct layout *l)
{
	unsigned cols = c->n_groups < PER_ROW ? c->n_groups : PER_ROW;
	size_t longest = 0;

	l->panel_w = (int)c->n_series * BAR_W + 20;
	if (l->panel_w < PANEL_W)
		l->panel_w = PANEL_W;
	l->width = (int)cols * l->panel_w + 20;
	for (unsigned s = 0; s < c->n_series; s++)
		if (strlen(c->series[s]) > longest)
			longest = strlen(c->series[s]);
	l->legend_w = (int)longest * 7 + 24;	/* 11 px sans-serif: about 6.5 px a character */
	l->legend_cols = (l->width - 10) / l->legend_w;
	if (l->legend_cols < 1)
		l->legend_cols = 1;
	l->legend_rows = ((int)c->n_series + l->legend_cols - 1) / l->legend_cols;
}

/* Text with &, <, > and quotes escaped. */
static void
svg_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

static void
legend(FILE *f, const struct chart *c, const struct layout *l)
{
	for (int s = 0; s < (int)c->n_series; s++) {
		int x = 10 + (s % l->legend_cols) * l->legend_w, y = 30 + (s / l->legend_cols) * 16;

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>", x, y,
		    colours[(size_t)s % NCOLOURS]);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", x + 14, y + 9);
		svg_text(f, c->series[s]);
		fputs("</text>\n", f);
	}
}

static void
panel(FILE *f, const struct chart *c, const struct layout *l, unsigned g, int x0, int y0)
{
	const double *v = c->values + (size_t)g * c->n_series;
	double max = 0;
	int bw = (l->panel_w - 20) / (int)c->n_series, s;

	for (s = 0; s < (int)c->n_series; s++)
		if (v[s] > max)
			max = v[s];
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">", x0 + 10, y0 + 14);
	svg_text(f, c->groups[g]);
	fputs(" (ms)</text>\n", f);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", x0 + 8,
	    y0 + 30 + PLOT_H, x0 + l->panel_w - 8, y0 + 30 + PLOT_H);
	for (s = 0; s < (int)c->n_series; s++) {
		int h = max > 0 && v[s] > 0 ? (int)(v[s] / max * PLOT_H + 0.5) : 0;
		int x = x0 + 10 + s * bw, y = y0 + 30 + PLOT_H - h;

		if (v[s] < 0)
			continue;
		fprintf(f, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "fill=\"%s\"><title>", x, y, bw - 4, h, colours[(size_t)s % NCOLOURS]);
		svg_text(f, c->series[s]);
		fprintf(f, ": %.3f ms</title></rect>\n", v[s]);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">%.3g</text>\n",
		    x + (bw - 4) / 2, y - 2, v[s]);
	}
}

int
chart_svg(FILE *f, const struct chart *c)
{
	struct layout l;
	unsigned g, rows;
	int top;

	if (c->n_groups == 0 || c->n_series == 0)
		return -EINVAL;
	layout(c, &l);
	rows = (c->n_groups + PER_ROW - 1) / PER_ROW;
	top = TOP + 16 * (l.legend_rows - 1);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"%d\" height=\"%d\" font-family=\"sans-serif\">\n", l.width,
	    top + (int)rows * PANEL_H);
	fputs("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"18\" "
	    "font-size=\"14\" font-weight=\"bold\">", f);
	svg_text(f, c->title);
	fputs("</text>\n", f);
	legend(f, c, &l);
	for (g = 0; g < c->n_groups; g++)
		panel(f, c, &l, g, 10 + (int)(g % PER_ROW) * l.panel_w,
		    top + (int)(g / PER_ROW) * PANEL_H);
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}
