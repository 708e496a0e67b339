/*
 * The one seam between the agent and the machine: bringing a core, a memory
 * block or a device up or down in a node's kernel. Everything above it (the
 * hand-over protocol, the rules, the console) is the same on a real Mint node
 * and in the simulated machine. Library code: returns -errno with a sentence
 * in msg, never prints.
 */
#ifndef MINT_AGENT_BACKEND_H
#define MINT_AGENT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#define BACKEND_PATH	256

struct backend;

struct backend_ops {
	const char *name;
	/* up = 1 brings the resource into node's kernel, 0 takes it out */
	int (*cpu)(const struct backend *b, unsigned node, unsigned cpu, int up,
	    char *msg, size_t len);
	int (*mem)(const struct backend *b, unsigned node, uint64_t base, uint64_t size,
	    int up, char *msg, size_t len);
	int (*dev)(const struct backend *b, unsigned node, const char *name, int up,
	    char *msg, size_t len);
	/*
	 * How many cores this node's kernel has online, table or not (a VM's own
	 * boot cores, say), or -errno when it cannot tell (may be NULL).
	 */
	int (*cores_up)(const struct backend *b);
	/* the agent leaves its node's partition: the node is shutting down (may be NULL) */
	int (*leave)(const struct backend *b, char *msg, size_t len);
};

struct backend {
	const struct backend_ops *ops;
	unsigned self;			/* the node this agent is */
	/* real nodes */
	char sysfs[BACKEND_PATH];	/* /sys, or a test tree */
	char irq[BACKEND_PATH];		/* /proc/irq, or a test tree */
	int appear_ms;			/* how long a core, block or device handed over may take to appear */
	char coremap[BACKEND_PATH];	/* cores by hardware id (coremap.h); "" = cpu numbers */
	/* the simulated machine: node<N>/ under each root */
	char cpuset_root[BACKEND_PATH];	/* node<N>/cpuset.cpus (a cgroup, v1 or v2, or a file) */
	char memcg_root[BACKEND_PATH];	/* node<N>/memory.limit_in_bytes */
	char dev_root[BACKEND_PATH];	/* node<N>/devices/<name> while the node has it */
};

extern const struct backend_ops backend_sysfs;	/* real node: CPU and memory hotplug, bind */
extern const struct backend_ops backend_sim;	/* simulated: cpusets, memory limits, files */

/*
 * The other names of device dev on a real node, as a guest's definition may
 * give them: the PCI function it sits behind and the network interfaces and
 * block devices behind that function (eth1, vdb, 0000:00:04.0), under the
 * sysfs tree at sysfs. Up to max names of up to 64 bytes into out: their
 * count (0 when dev is not in sysfs).
 */
#define BACKEND_ALIAS_LEN	64
int backend_dev_aliases(const char *sysfs, const char *dev, char (*out)[BACKEND_ALIAS_LEN], int max);

/* Small file helpers shared by the backends. */
int backend_read(const char *path, char *buf, size_t cap);
int backend_write(const char *path, const char *text);

#endif
