/* A machine description: which node owns which cores, memory and devices at start. */
#ifndef MINT_CONSOLE_MACHINE_H
#define MINT_CONSOLE_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpulist.h"
#include "shm/layout.h"

#define MACHINE_MAX_CORES	CPULIST_MAX
#define MACHINE_MAX_DEVICES	64
#define MACHINE_BLOCK		(128ull << 20)	/* x86's memory block */
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
	struct machine_node node[MINT_MAX_NODES];
};

int machine_parse(const char *text, struct machine *m, char *cause, size_t causelen);
int machine_core(const struct machine_node *n, unsigned cpu);
int machine_cores_str(const struct machine_node *n, char *buf, size_t len);
int machine_parse_size(const char *s, uint64_t *v);

#endif
