/*
 * The simulated machine's partitions: a cgroup per node (v1: cpuset and
 * memory hierarchies; v2: one unified tree) holding its agent, with the
 * node's cores in cpuset.cpus and its memory as the memory limit.
 */
#ifndef MINT_MACHINE_PARTITION_H
#define MINT_MACHINE_PARTITION_H

#include <stdint.h>
#include <sys/types.h>

#include "machine/machine.h"

struct partitions {
	int version;		/* 1 or 2; 0: none (synthetic cores) */
	int memory;		/* memory limits too */
	char cpuset[128];	/* the parent of node<N>/ for cores */
	char memcg[128];	/* the parent of node<N>/ for memory */
};

int partitions_probe(struct partitions *p, const struct machine *m);
int partitions_join(const struct partitions *p, unsigned node, const char *cores,
	    uint64_t memory, pid_t pid);
void partitions_remove(unsigned nodes);

#endif
