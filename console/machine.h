/* A machine description: which node owns which cores, memory and devices at start. */
#ifndef MINT_CONSOLE_MACHINE_H
#define MINT_CONSOLE_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cpulist.h"
#include "shm/layout.h"

#define MACHINE_MAX_CORES	CPULIST_MAX
#define MACHINE_MAX_DEVICES	64

struct machine_node {
	int present;
	uint64_t cores[CPULIST_WORDS];	/* bitmap */
	uint64_t memory;
	char devices[MACHINE_MAX_DEVICES][32];
	int ndevices;
};

struct machine {
	char region[256];
	unsigned nodes;		/* highest node number + 1 */
	struct machine_node node[MINT_MAX_NODES];
};

int machine_parse(const char *text, struct machine *m, char *cause, size_t causelen);
int machine_core(const struct machine_node *n, unsigned cpu);
int machine_cores_str(const struct machine_node *n, char *buf, size_t len);

#endif
