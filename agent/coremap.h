/*
 * Which of this kernel's cpus is which core of the machine. The resource
 * table names a core by its hardware id (x86: the local APIC id), the same in
 * every kernel of a Mint machine; each kernel numbers its cpus its own way
 * (the core it booted on is its cpu 0). The mint module lists "cpu hwid" for
 * every present cpu in /sys/class/misc/mintN/cores. Without such a list
 * (the simulated machine, a test tree) a core's id is the cpu number.
 */
#ifndef MINT_AGENT_COREMAP_H
#define MINT_AGENT_COREMAP_H

#include <stdint.h>

#define COREMAP_MAX	1024

struct coremap {
	unsigned n;
	struct { uint32_t cpu, hwid; } e[COREMAP_MAX];
};

/* Parse the module's list; 0, or -EINVAL on a malformed or repeated entry. */
int coremap_parse(const char *text, struct coremap *m);
/* Read and parse the list at path; 0 or -errno (-EFBIG past 16 KiB). */
int coremap_load(const char *path, struct coremap *m);
/* The kernel's cpu number for a core, or -ENOENT when this kernel has none. */
int coremap_cpu(const struct coremap *m, uint32_t hwid);

#endif
