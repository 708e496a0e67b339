/* Cgroup partitions for the simulated machine's nodes, v1 or v2. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine/partition.h"

#define CG		"/sys/fs/cgroup"
#define CPUSET_V1	CG "/cpuset"
#define MEMCG_V1	CG "/memory"

static int
write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f == NULL)
		return -errno;
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * Which cgroups can hold this machine: only as root, and only where every
 * node's cores are cores of this host (else the cores are synthetic).
 */
int
partitions_probe(struct partitions *p, const struct machine *m)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char ctl[256];
	struct stat st;

	memset(p, 0, sizeof(*p));
	if (geteuid() != 0)
		return 0;
	for (unsigned i = 0; i < m->nodes; i++)
		for (unsigned c = (unsigned)ncpu; c < MACHINE_MAX_CORES; c++)
			if (machine_core(&m->node[i], c))
				return 0;
	if (stat(CPUSET_V1 "/cpuset.cpus", &st) == 0) {
		p->version = 1;
		snprintf(p->cpuset, sizeof(p->cpuset), CPUSET_V1 "/mint");
		snprintf(p->memcg, sizeof(p->memcg), MEMCG_V1 "/mint");
		p->memory = access(MEMCG_V1 "/memory.limit_in_bytes", W_OK) == 0;
	} else if (read_line(CG "/cgroup.controllers", ctl, sizeof(ctl)) == 0 &&
	    strstr(ctl, "cpuset") != NULL) {
		p->version = 2;
		snprintf(p->cpuset, sizeof(p->cpuset), CG "/mint");
		snprintf(p->memcg, sizeof(p->memcg), CG "/mint");
		p->memory = strstr(ctl, "memory") != NULL;
	}
	/* a memory limit only where every node has memory to put under it */
	for (unsigned i = 0; i < m->nodes; i++)
		p->memory &= m->node[i].memory > 0;
	return p->version;
}

static int
join_v1(const struct partitions *p, unsigned node, const char *cores, uint64_t memory, pid_t pid)
{
	char path[300], all[256], num[32];
	int rc;

	/* the parent of the nodes' cpusets takes every core of the root */
	read_line(CPUSET_V1 "/cpuset.cpus", all, sizeof(all));
	mkdir(p->cpuset, 0755);
	snprintf(path, sizeof(path), "%s/cpuset.cpus", p->cpuset);
	write_text(path, all);
	snprintf(path, sizeof(path), "%s/cpuset.mems", p->cpuset);
	write_text(path, "0");
	snprintf(path, sizeof(path), "%s/node%u", p->cpuset, node);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/node%u/cpuset.cpus", p->cpuset, node);
	if ((rc = write_text(path, cores)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/node%u/cpuset.mems", p->cpuset, node);
	if ((rc = write_text(path, "0")) < 0)
		return rc;
	snprintf(num, sizeof(num), "%d", (int)pid);
	snprintf(path, sizeof(path), "%s/node%u/tasks", p->cpuset, node);
	if ((rc = write_text(path, num)) < 0 || !p->memory)
		return rc;
	mkdir(p->memcg, 0755);
	snprintf(path, sizeof(path), "%s/node%u", p->memcg, node);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/node%u/memory.limit_in_bytes", p->memcg, node);
	snprintf(num, sizeof(num), "%" PRIu64, memory);
	if ((rc = write_text(path, num)) < 0)
		return rc;
	snprintf(num, sizeof(num), "%d", (int)pid);
	snprintf(path, sizeof(path), "%s/node%u/tasks", p->memcg, node);
	return write_text(path, num);
}

static int
join_v2(const struct partitions *p, unsigned node, const char *cores, uint64_t memory, pid_t pid)
{
	const char *ctl = p->memory ? "+cpuset +memory" : "+cpuset";
	char path[300], num[32];
	int rc;

	write_text(CG "/cgroup.subtree_control", ctl);
	mkdir(p->cpuset, 0755);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", p->cpuset);
	if ((rc = write_text(path, ctl)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/node%u", p->cpuset, node);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/node%u/cpuset.cpus", p->cpuset, node);
	if ((rc = write_text(path, cores)) < 0)
		return rc;
	if (p->memory) {
		snprintf(path, sizeof(path), "%s/node%u/memory.max", p->cpuset, node);
		snprintf(num, sizeof(num), "%" PRIu64, memory);
		if ((rc = write_text(path, num)) < 0)
			return rc;
	}
	snprintf(path, sizeof(path), "%s/node%u/cgroup.procs", p->cpuset, node);
	snprintf(num, sizeof(num), "%d", (int)pid);
	return write_text(path, num);
}

/* Make node's partition with its cores and memory, and put pid in it. */
int
partitions_join(const struct partitions *p, unsigned node, const char *cores, uint64_t memory,
    pid_t pid)
{
	if (p->version == 1)
		return join_v1(p, node, cores, memory, pid);
	if (p->version == 2)
		return join_v2(p, node, cores, memory, pid);
	return -ENOTSUP;
}

/* Remove every node's partition (empty once its agent is gone), then the parents. */
void
partitions_remove(unsigned nodes)
{
	static const char *const parents[] = { CPUSET_V1 "/mint", MEMCG_V1 "/mint", CG "/mint" };
	char path[300];

	for (size_t k = 0; k < sizeof(parents) / sizeof(parents[0]); k++) {
		for (unsigned i = 0; i < nodes; i++) {
			snprintf(path, sizeof(path), "%s/node%u", parents[k], i);
			rmdir(path);
		}
		rmdir(parents[k]);
	}
}
