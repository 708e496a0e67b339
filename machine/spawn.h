/*
 * One node's agent started: its simulated tree, its configuration file in
 * the run directory, its partition, its own libvirtd where it has one.
 */
#ifndef MINT_MACHINE_SPAWN_H
#define MINT_MACHINE_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "machine/machine.h"
#include "machine/partition.h"
#include "machine/run.h"

/* Where a node's agent runs. */
struct spawn_place {
	const struct partitions *part;
	int cpuset;		/* in a cpuset partition (else its cores are synthetic) */
	int memcg;		/* under a memory limit */
};

/*
 * Start node i's agent with n's cores (listed in cores) and memory, in its
 * partition when there is one; the agent starts once it is in it. Its pid
 * goes in the run directory and is returned, or -errno with cause. Booted
 * nodes come through here too (run_hook).
 */
pid_t spawn_agent(const struct run *r, const struct machine *m, unsigned i,
    const struct machine_node *n, const char *cores, const struct spawn_place *pl, char *cause,
    size_t causelen);

/* Node i's agent's pid from the run directory (0: none). */
pid_t spawn_pid(const struct run *r, unsigned i);

#endif
