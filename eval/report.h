/*
 * What one run of mint-bench found, and its records: the line format that
 * carries it from the program to the agent that ran it (and from a guest's
 * serial console), read back with every field checked.
 */
#ifndef MINT_EVAL_REPORT_H
#define MINT_EVAL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REPORT_ROWS	17	/* reg, and copy and io at up to 8 sizes each */
#define REPORT_RUNS_MAX	1000

struct report_row {
	char workload[8];	/* "reg", "copy", "io" */
	uint64_t size;		/* bytes a copy or read; 0 for reg */
	uint64_t count;		/* operations a run */
	uint64_t median_ns, min_ns, max_ns;
	int direct;		/* io: O_DIRECT took */
};

struct report {
	char clock[96];		/* "tsc (invariant), 2.59 GHz" */
	int tsc;
	char virt[16];		/* "none", "kvm", "tcg", ... */
	int cpu;		/* where it ended */
	unsigned runs;
	uint64_t late_ns;	/* began this long after the TSC it waited for (0: none given) */
	struct report_row rows[REPORT_ROWS];
	unsigned n_rows;
};

/* The records of r, "mint-bench-records 1" first and "end" last. */
void report_write(FILE *f, const struct report *r);
/*
 * Read records from text (len bytes; lines before the first record, such
 * as a console's chatter, are skipped): 0, or -EINVAL with the sentence in
 * cause when a record is missing, malformed or out of range.
 */
int report_parse(const char *text, size_t len, struct report *r, char *cause, size_t clen);

#endif
