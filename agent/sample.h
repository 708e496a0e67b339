/*
 * What a node's kernel says about its load and memory, from /proc text:
 * pure parsers, tested on fixture files. Reading the files is the caller's.
 */
#ifndef MINT_AGENT_SAMPLE_H
#define MINT_AGENT_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#define SAMPLE_MAX_CPUS	256

/* Jiffies of one core from /proc/stat. */
struct cpu_times {
	int cpu;		/* its number; cores missing from the file are offline */
	uint64_t busy;		/* user + nice + system + irq + softirq + steal */
	uint64_t idle;		/* idle + iowait */
};

int sample_parse_stat(const char *text, struct cpu_times *cpus, int max, int *n);
uint32_t sample_busy_permille(const struct cpu_times *before, const struct cpu_times *after);
int sample_parse_loadavg(const char *text, uint32_t *l1, uint32_t *l5, uint32_t *l15);
int sample_parse_meminfo(const char *text, uint64_t *total, uint64_t *available);
uint64_t sample_parse_movable(const char *zoneinfo, uint64_t page_size);

#endif
