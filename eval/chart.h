/* A bar chart of the evaluation as SVG: a panel per workload and size, a bar per configuration. */
#ifndef MINT_EVAL_CHART_H
#define MINT_EVAL_CHART_H

#include <stdio.h>

struct chart {
	const char *title;
	const char *const *groups;	/* a panel each: "reg", "copy 256K", ... */
	unsigned n_groups;
	const char *const *series;	/* a bar each in every panel: the configurations */
	unsigned n_series;
	const double *values;		/* ms, [group * n_series + series]; < 0: not measured */
};

/* Write c as an SVG document to f: 0, or -EINVAL (nothing to draw) / -EIO. */
int chart_svg(FILE *f, const struct chart *c);

#endif
