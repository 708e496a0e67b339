/*
 * A machine description: which node owns which cores, memory and devices at
 * start, and how the simulated machine runs them (machine/three-nodes.conf).
 */
#ifndef MINT_MACHINE_MACHINE_H
#define MINT_MACHINE_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpulist.h"
#include "shm/layout.h"

#define MACHINE_MAX_CORES	CPULIST_MAX
#define MACHINE_MAX_DEVICES	64
#define MACHINE_BLOCK		(128ull << 20)	/* x86's memory block */
#define MACHINE_POOL_EXTENT	(64ull << 20)	/* a guest RAM pool's extent, unless said */
#define MACHINE_POOL_EXTENTS	4096u		/* at most, in the resource table */
#define MACHINE_FLOOR		(256ull << 20)
#define MACHINE_LIBVIRTD	"/usr/sbin/libvirtd"

struct machine_node {
	int present;
	uint64_t cores[CPULIST_WORDS];	/* bitmap */
	uint64_t memory;
	uint64_t floor;			/* memory the node keeps whatever moves */
	char libvirt[128];		/* its hypervisor's URI; none: it runs none */
	char sysfs[128];		/* a real node's backend on this sysfs tree (tests) */
	char irq[128];			/* and this /proc/irq */
	char coremap[128];		/* and this list of its cores' hardware ids */
	char devices[MACHINE_MAX_DEVICES][32];
	int ndevices;
};

struct machine {
	char region[256];
	unsigned nodes;		/* highest node number + 1 */
	uint64_t block;		/* memory moves in blocks of this size */
	unsigned slots;		/* node slots in the region: nodes, or more for boots */
	struct machine_node spare;	/* resources nobody owns at start */
	char kexec[256];	/* what the agents run as kexec ("": the agent's stand-in) */
	int allow_host_kexec;	/* the agents may run kexec -e, rebooting the host */
	char start_hook[512];	/* starts a booted node (default: machine hook) */
	unsigned boot_ms;	/* how long a booted node may take (0: the agent's default) */
	char libvirtd[128];	/* each node's own hypervisor daemon, or "" for none */
	uint64_t pool;		/* guest RAM pool: bytes, in extents of pool_extent (0: none) */
	uint64_t pool_extent;
	struct machine_node node[MINT_MAX_NODES];
};

/* What a description gives the nodes at start, all nodes together. */
struct machine_totals {
	unsigned cores;
	uint64_t memory;
	unsigned devices;
};

/*
 * Parse and check a description: 0, or -EINVAL with the fault (and its line)
 * in cause.
 */
int machine_parse(const char *text, struct machine *m, char *cause, size_t causelen);
/*
 * Read, parse and check the description in file path: the one validator
 * behind machine start, machine check and config check. 0; -EINVAL with the
 * fault in cause; or another -errno where the file could not be read.
 */
int machine_load(const char *path, struct machine *m, char *cause, size_t causelen);
/* The cores, memory and devices of every node (spare ones aside). */
void machine_totals(const struct machine *m, struct machine_totals *t);
/* 1 if node n has core cpu at start, else 0. */
int machine_core(const struct machine_node *n, unsigned cpu);
/* Node n's cores as a list ("0-2,5"): snprintf's return. */
int machine_cores_str(const struct machine_node *n, char *buf, size_t len);

#endif
