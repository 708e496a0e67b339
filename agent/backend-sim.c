/*
 * The simulated machine: a node is a cgroup cpuset partition of the host (v1
 * or v2: both name the file cpuset.cpus), so the node's processes and guests
 * really run on a core once it is in the set; its memory is a memory cgroup
 * limit; its devices are files. Where the host has no cpusets the same files
 * are plain files (synthetic cores). Any agent may take a resource out of a
 * dead node's partition: the host is the "hardware" of this machine.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/backend.h"
#include "common/cpulist.h"
#include "common/cause.h"

/*
 * Tests: MINT_TEST_SIM_RMW_MS=N holds every change of a cpuset.cpus for N ms
 * between reading the file and writing it back, so that two changes of one
 * node that overlap are sure to be seen doing so (t-move-together.sh).
 */
static void
rmw_pause(void)
{
	const char *e = getenv("MINT_TEST_SIM_RMW_MS");
	long ms = e != NULL ? strtol(e, NULL, 10) : 0;

	if (ms > 0 && ms <= 10000)
		usleep((useconds_t)ms * 1000);
}

static int
sim_cpu(const struct backend *b, unsigned node, unsigned cpu, int up, char *msg, size_t len)
{
	char path[BACKEND_PATH + 64], text[1024];
	uint64_t bits[CPULIST_WORDS] = { 0 };
	int rc;

	if (b->cpuset_root[0] == '\0')
		return cause_fail(msg, len, -ENOTSUP, "this node has no partition to put cores in "
		    "(mint-agent --cpuset-root or --sim-root)");
	if (cpu >= CPULIST_MAX)
		return cause_fail(msg, len, -EINVAL, "cpu %u: cores go up to %d", cpu, CPULIST_MAX - 1);
	snprintf(path, sizeof(path), "%s/node%u/cpuset.cpus", b->cpuset_root, node);
	if ((rc = backend_read(path, text, sizeof(text))) < 0)
		return cause_fail(msg, len, rc, "node %u has no partition (%s): %s", node, path,
		    strerror(-rc));
	text[strcspn(text, "\n")] = '\0';
	if (text[0] != '\0' && cpulist_parse(text, bits) < 0)
		return cause_fail(msg, len, -EBADMSG, "%s: '%s' is not a core list", path, text);
	if (cpulist_has(bits, cpu) == up)
		return 0;
	rmw_pause();
	if (up)
		bits[cpu / 64] |= 1ULL << (cpu % 64);
	else
		bits[cpu / 64] &= ~(1ULL << (cpu % 64));
	/* an empty set is for a node that is gone (reclaim, shutdown); the move rules
	   keep a live node's last core, and a cgroup with tasks refuses it anyway */
	cpulist_format(bits, text, sizeof(text));
	if ((rc = backend_write(path, text[0] != '\0' ? text : "\n")) < 0)
		return cause_fail(msg, len, rc, "cpu %u: node %u's cpuset refused %s: %s", cpu, node,
		    text, strerror(-rc));
	return 0;
}

/* Bytes in node's block files: what its memory limit must be. */
static int
blocks_total(const struct backend *b, unsigned node, uint64_t *total)
{
	char path[BACKEND_PATH + 300], text[32];
	struct dirent *d;
	DIR *dir;

	*total = 0;
	snprintf(path, sizeof(path), "%s/node%u/memory", b->dev_root, node);
	if ((dir = opendir(path)) == NULL)
		return -errno;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/node%u/memory/%s", b->dev_root, node, d->d_name);
		if (backend_read(path, text, sizeof(text)) > 0)
			*total += strtoull(text, NULL, 10);
	}
	closedir(dir);
	return 0;
}

/*
 * A node's memory: one file per block it has (node<N>/memory/<base>), and a
 * limit (a memory cgroup's, or a file) that is their sum. A memory cgroup
 * refuses a limit below what its processes use: then the block is busy.
 */
static int
sim_mem(const struct backend *b, unsigned node, uint64_t base, uint64_t size, int up,
    char *msg, size_t len)
{
	char path[BACKEND_PATH + 64], limit_path[BACKEND_PATH + 64], text[64];
	uint64_t total;
	FILE *f;
	int rc, have;

	if (b->memcg_root[0] == '\0' || b->dev_root[0] == '\0')
		return cause_fail(msg, len, -ENOTSUP, "this node has no memory limit to change "
		    "(mint-agent --memcg-root or --sim-root)");
	snprintf(path, sizeof(path), "%s/node%u/memory", b->dev_root, node);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return cause_fail(msg, len, -errno, "%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/node%u/memory/%" PRIx64, b->dev_root, node, base);
	have = access(path, F_OK) == 0;
	if (have == !!up)
		return 0;
	if (blocks_total(b, node, &total) < 0)
		return cause_fail(msg, len, -EIO, "node %u's memory blocks cannot be read", node);
	total = up ? total + size : total - size;
	/* cgroup v2 calls the limit memory.max */
	snprintf(limit_path, sizeof(limit_path), "%s/node%u/memory.max", b->memcg_root, node);
	if (access(limit_path, F_OK) != 0)
		snprintf(limit_path, sizeof(limit_path), "%s/node%u/memory.limit_in_bytes",
		    b->memcg_root, node);
	snprintf(text, sizeof(text), "%" PRIu64, total);
	if (up) {
		/* the block first, then the room for it */
		if ((f = fopen(path, "we")) == NULL)
			return cause_fail(msg, len, -errno, "%s: %s", path, strerror(errno));
		fprintf(f, "%" PRIu64 "\n", size);
		fclose(f);
		if ((rc = backend_write(limit_path, text)) < 0) {
			unlink(path);
			return cause_fail(msg, len, rc, "node %u's memory limit refused %s: %s", node, text,
			    strerror(-rc));
		}
		return 0;
	}
	if ((rc = backend_write(limit_path, total == 0 ? "0" : text)) < 0)
		return cause_fail(msg, len, rc, "memory at 0x%" PRIx64 ": node %u's memory limit refused "
		    "%s (its processes use more): %s", base, node, text, strerror(-rc));
	unlink(path);
	return 0;
}

static int
sim_dev(const struct backend *b, unsigned node, const char *name, int up, char *msg, size_t len)
{
	char path[BACKEND_PATH + 128];
	FILE *f;

	if (b->dev_root[0] == '\0')
		return cause_fail(msg, len, -ENOTSUP, "this node has no device tree (mint-agent --sim-root)");
	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0')
		return cause_fail(msg, len, -EINVAL, "'%s' is not a device name", name);
	snprintf(path, sizeof(path), "%s/node%u/devices/%s", b->dev_root, node, name);
	if (!up) {
		if (unlink(path) < 0 && errno != ENOENT)
			return cause_fail(msg, len, -errno, "device %s: %s", name, strerror(errno));
		return 0;
	}
	if ((f = fopen(path, "we")) == NULL)
		return cause_fail(msg, len, -errno, "device %s: %s", name, strerror(errno));
	fprintf(f, "%u\n", node);
	fclose(f);
	return 0;
}

/*
 * A node shutting down gives its partition back whole: its agent moves to the
 * parent cgroup first (v1: the parent holds tasks; v2: the root does).
 */
static int
sim_leave(const struct backend *b, char *msg, size_t len)
{
	const char *roots[] = { b->cpuset_root, b->memcg_root };
	char path[BACKEND_PATH + 32], pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (int i = 0; i < 2; i++) {
		if (roots[i][0] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/tasks", roots[i]);
		if (access(path, F_OK) == 0) {
			(void)backend_write(path, pid);
			continue;
		}
		snprintf(path, sizeof(path), "%s/../cgroup.procs", roots[i]);
		if (access(path, F_OK) == 0)
			(void)backend_write(path, pid);
	}
	return cause_fail(msg, len, 0, "left the partition");
}

const struct backend_ops backend_sim = {
	.name = "simulated",
	.cpu = sim_cpu,
	.mem = sim_mem,
	.dev = sim_dev,
	.leave = sim_leave,
};
