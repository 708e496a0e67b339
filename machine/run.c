/* Starting and stopping the simulated machine, and its start hook for booted nodes. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cause.h"
#include "common/clock.h"
#include "common/parse.h"
#include "machine/hypervisor.h"
#include "machine/partition.h"
#include "machine/procs.h"
#include "machine/run.h"
#include "machine/spawn.h"
#include "shm/node.h"
#include "shm/resource.h"

void
run_say(const struct run *r, enum run_say kind, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (r->say_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	r->say_cb(r->arg, kind, text);
}

/* s as one sh word: in single quotes, each ' as '\'' (a path may hold any byte). */
static int
sh_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 3)
		return -ENAMETOOLONG;
	buf[o++] = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			if (o + 4 >= len)
				return -ENAMETOOLONG;
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			if (o + 1 >= len)
				return -ENAMETOOLONG;
			buf[o++] = *s;
		}
	}
	if (o + 2 > len - 1)
		return -ENAMETOOLONG;
	buf[o++] = '\'';
	buf[o] = '\0';
	return 0;
}

int
run_hook_command(char *buf, size_t len, const char *self, const char *file)
{
	char qself[1000], qfile[2200];
	int rc;

	if ((rc = sh_quote(qself, sizeof(qself), self)) < 0 ||
	    (rc = sh_quote(qfile, sizeof(qfile), file)) < 0)
		return rc;
	if ((size_t)snprintf(buf, len, "%s machine hook %s", qself, qfile) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Resources of one owner in the table from *r on: its cores, memory blocks, devices. */
static int
define_owned(struct mint_region *region, const struct machine *m, const struct machine_node *n,
    uint32_t owner, unsigned *r, uint64_t *base, unsigned *dev)
{
	for (unsigned c = 0; c < MACHINE_MAX_CORES; c++)
		if (machine_core(n, c) && res_define(region, (*r)++, MINT_RES_CPU, c, 0, 0, NULL, owner) < 0)
			return -EINVAL;
	/* memory in blocks, numbered by address as the kernel numbers them */
	for (uint64_t off = 0; off < n->memory; off += m->block, *base += m->block)
		if (res_define(region, (*r)++, MINT_RES_MEM, (uint32_t)(*base / m->block), *base,
		    m->block, NULL, owner) < 0)
			return -EINVAL;
	for (int d = 0; d < n->ndevices; d++)
		if (res_define(region, (*r)++, MINT_RES_DEV, (*dev)++, 0, 0, n->devices[d], owner) < 0)
			return -EINVAL;
	return 0;
}

/* The resource table as the description says: each node's, then the spare ones (free). */
static int
define_resources(struct mint_region *region, const struct machine *m)
{
	unsigned r = 0, dev = 0;
	uint64_t base = 0;

	for (unsigned i = 0; i < m->nodes; i++)
		if (define_owned(region, m, &m->node[i], i, &r, &base, &dev) < 0)
			return -EINVAL;
	if (define_owned(region, m, &m->spare, MINT_NO_NODE, &r, &base, &dev) < 0)
		return -EINVAL;
	/* the guest RAM pool: free extents, claimed by the node that starts a guest */
	for (uint64_t off = 0; off < m->pool; off += m->pool_extent)
		if (res_define(region, r++, MINT_RES_POOL, (uint32_t)(off / m->pool_extent), off,
		    m->pool_extent, NULL, MINT_NO_NODE) < 0)
			return -EINVAL;
	return 0;
}

/* Create and format the machine's region, its resource table filled in. */
static int
make_region(struct run *r, const struct machine *m, struct mint_region *region, char *cause,
    size_t len)
{
	struct region_params p;
	struct mint_layout l;
	uint64_t total;
	char why[256];
	int rc;

	region_params_default(&p);
	p.nodes = m->slots;
	p.res_count = cpulist_count(m->spare.cores) + (uint32_t)(m->spare.memory / m->block) +
	    (uint32_t)m->spare.ndevices;
	for (unsigned i = 0; i < m->nodes; i++)
		p.res_count += cpulist_count(m->node[i].cores) + (uint32_t)(m->node[i].memory / m->block) +
		    (uint32_t)m->node[i].ndevices;
	if (m->pool_extent != 0)
		p.res_count += (uint32_t)(m->pool / m->pool_extent);
	p.res_count += 16;
	if ((rc = region_layout(&p, &l, &total, why, sizeof(why))) < 0 ||
	    (rc = region_map(region, m->region, total, REGION_CREATE, why, sizeof(why))) < 0)
		return cause_fail(cause, len, rc, "%s: %s", m->region, why);
	r->mapped = 1;
	if ((rc = region_format(region, &p, why, sizeof(why))) < 0)
		return cause_fail(cause, len, rc, "format: %s", why);
	if (define_resources(region, m) < 0)
		return cause_fail(cause, len, -ENOSPC, "machine: the resource table is too small for "
		    "this machine");
	return 0;
}

/*
 * Stop everything the machine runs, all at once: every agent, guest (QEMU)
 * and libvirtd gets SIGTERM together, what is left after HV_STOP_MS gets
 * SIGKILL. Returns how many processes could not be ended; *killed (if
 * given) says how many needed SIGKILL.
 */
static unsigned
kill_all(const struct run *r, const struct machine *m, unsigned *killed)
{
	struct procs s;
	unsigned left;
	char path[512];

	procs_init(&s);
	for (unsigned i = 0; i < m->slots; i++) {
		procs_add(&s, spawn_pid(r, i));
		if (m->libvirtd[0] != '\0')
			hv_pids(r->dir, i, &s);
	}
	procs_signal(&s, SIGTERM);
	left = procs_wait(&s, HV_STOP_MS);
	if (killed != NULL)
		*killed = left;
	if (left > 0) {
		procs_signal(&s, SIGKILL);
		left = procs_wait(&s, 1000);
	}
	for (unsigned i = 0; i < s.n; i++)
		run_say(r, RUN_NOTE, "pid %d did not end, even on SIGKILL", (int)s.p[i].pid);
	procs_close(&s);
	for (unsigned i = 0; i < m->slots; i++) {
		snprintf(path, sizeof(path), "%s/node%u.pid", r->dir, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/node%u.libvirtd.pid", r->dir, i);
		unlink(path);
	}
	partitions_remove(m->slots);
	return left;
}

/* The last non-empty line of a log, to quote in an error ("" if none). */
static void
last_line(const char *path, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0')
			snprintf(buf, len, "%s", line);
	}
	fclose(f);
}

/* What start knows of a node while it waits. */
struct node_wait {
	pid_t agent;		/* its agent */
	int online;		/* in the node table */
	int answers;		/* its libvirtd answered a connection */
	pid_t probe;		/* a hv_probe child under way */
	int64_t probe_at;	/* when to try the next one */
};

/* Node i's agent ended: why, from its exit status and its log. */
static int
agent_ended(const struct run *r, unsigned i, int status, char *cause, size_t len)
{
	char line[512], log[600];

	snprintf(log, sizeof(log), "%s/node%u.log", r->dir, i);
	last_line(log, line, sizeof(line));
	return cause_fail(cause, len, -ECHILD, "machine: node %u's agent ended (%s %d) before the "
	    "machine was up: \"%s\"; see %s", i, WIFEXITED(status) ? "exit status" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), line, log);
}

/* Node i's libvirtd ended: why, from its output or else its log. */
static int
daemon_ended(const struct run *r, unsigned i, pid_t dpid, char *cause, size_t len)
{
	char line[512], log[600];

	snprintf(log, sizeof(log), "%s/node%u-hv/log/daemon.out", r->dir, i);
	last_line(log, line, sizeof(line));
	if (line[0] == '\0') {
		snprintf(log, sizeof(log), "%s/node%u-hv/log/libvirtd.log", r->dir, i);
		last_line(log, line, sizeof(line));
	}
	return cause_fail(cause, len, -ECHILD, "machine: node %u's libvirtd (pid %d) ended before it "
	    "answered: \"%s\"; see %s and %s/node%u-hv/log/libvirtd.log", i, (int)dpid, line, log,
	    r->dir, i);
}

/* Look at node i once: 1 when it is ready, 0 not yet, -errno when it cannot be. */
static int
wait_node(const struct run *r, const struct machine *m, struct mint_region *region, unsigned i,
    struct node_wait *w, int64_t now, char *cause, size_t len)
{
	int hv = m->libvirtd[0] != '\0', status;
	struct node_view v;
	pid_t dpid;

	if (!w->online)
		w->online = node_read(region, i, &v) == 0 && v.state == MINT_NODE_ONLINE;
	if (waitpid(w->agent, &status, WNOHANG) == w->agent)
		return agent_ended(r, i, status, cause, len);
	if (hv && !w->answers) {
		dpid = hv_daemon_pid(r->dir, i);
		if (dpid > 0 && !procs_alive(dpid))
			return daemon_ended(r, i, dpid, cause, len);
		if (w->probe > 0 && waitpid(w->probe, &status, WNOHANG) == w->probe) {
			w->probe = 0;
			w->answers = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			w->probe_at = now + 100;
		}
		/* one probe at a time per node: a daemon still starting may hold it */
		if (!w->answers && w->probe <= 0 && now >= w->probe_at)
			w->probe = hv_probe(r->dir, i);
	}
	return w->online && (!hv || w->answers);
}

/* Say which nodes start still waits for (late: it gives up on them). */
static void
wait_report(const struct run *r, const struct machine *m, const struct node_wait *w,
    int64_t waited_ms, int late)
{
	const char *what = late ? "gave up waiting for" : "waiting for";

	for (unsigned i = 0; i < m->nodes; i++) {
		if (!w[i].online)
			run_say(r, RUN_NOTE, "%s node %u's agent to come online (%lld s; log "
			    "%s/node%u.log)", what, i, (long long)waited_ms / 1000, r->dir, i);
		if (m->libvirtd[0] != '\0' && !w[i].answers)
			run_say(r, RUN_NOTE, "%s node %u's libvirtd to answer on "
			    "%s/node%u-hv/run/libvirt-sock (%lld s; log %s/node%u-hv/log/libvirtd.log)",
			    what, i, r->dir, i, (long long)waited_ms / 1000, r->dir, i);
	}
}

/*
 * Wait until the machine is usable: every agent online in the region and,
 * where nodes have their own libvirtd, every daemon answering on its socket.
 * An agent or daemon that ends first fails at once, naming the node and its
 * log; so does the timeout. Progress while it is slow.
 */
static int
wait_up(const struct run *r, const struct machine *m, struct mint_region *region,
    struct node_wait *w, char *cause, size_t len)
{
	int64_t t0 = clock_mono_ms(), note = t0 + 3000;
	int rc = 0, backoff = 5;

	for (;;) {
		int64_t now = clock_mono_ms();
		unsigned ready = 0;

		if (r->signal != NULL && *r->signal != 0) {
			rc = cause_fail(cause, len, -EINTR, "machine: %s while starting",
			    strsignal(*r->signal));
			break;
		}
		for (unsigned i = 0; i < m->nodes && rc >= 0; i++)
			if ((rc = wait_node(r, m, region, i, &w[i], now, cause, len)) > 0)
				ready++;
		if (rc < 0)
			break;
		if (ready == m->nodes)
			break;
		if (now - t0 >= r->timeout_s * 1000LL || now >= note) {
			int late = now - t0 >= r->timeout_s * 1000LL;

			wait_report(r, m, w, now - t0, late);
			if (late) {
				rc = cause_fail(cause, len, -ETIMEDOUT, "machine: not up within %d s (a slow "
				    "host may need MINT_START_TIMEOUT=SECONDS)", r->timeout_s);
				break;
			}
			note = now + 5000;
		}
		usleep((useconds_t)backoff * 1000);
		backoff = backoff < 100 ? backoff * 2 : 100;
	}
	for (unsigned i = 0; i < m->nodes; i++)
		if (w[i].probe > 0) {
			kill(w[i].probe, SIGKILL);
			waitpid(w[i].probe, NULL, 0);
		}
	return rc < 0 ? rc : 0;
}

/* Where the nodes run: cpuset partitions where the host allows, else synthetic cores. */
static void
place(const struct machine *m, struct partitions *part, struct spawn_place *pl)
{
	pl->part = part;
	pl->cpuset = partitions_probe(part, m) > 0;
	pl->memcg = part->memory;
	for (unsigned i = 0; i < m->nodes; i++)
		if (m->node[i].sysfs[0] != '\0')
			pl->cpuset = pl->memcg = 0;	/* nodes on sysfs trees: no partitions for anyone */
}

int
run_start(struct run *r, const struct machine *m, struct mint_region *region, char *cause,
    size_t len)
{
	struct node_wait w[MINT_MAX_NODES];
	struct partitions part;
	struct spawn_place pl;
	char cores[256];
	int rc;

	place(m, &part, &pl);
	for (unsigned i = 0; i < m->nodes; i++) {
		pid_t pid = spawn_pid(r, i);
		if (procs_alive(pid))
			return cause_fail(cause, len, -EBUSY, "machine: node %u already has an agent (pid "
			    "%d): stop the machine first", i, (int)pid);
	}
	mkdir(r->dir, 0755);
	if ((rc = make_region(r, m, region, cause, len)) < 0)
		return rc;
	memset(w, 0, sizeof(w));
	for (unsigned i = 0; i < m->nodes; i++) {
		machine_cores_str(&m->node[i], cores, sizeof(cores));
		if ((w[i].agent = spawn_agent(r, m, i, &m->node[i], cores, &pl, cause, len)) < 0) {
			rc = w[i].agent;
			kill_all(r, m, NULL);
			return rc;
		}
	}
	if ((rc = wait_up(r, m, region, w, cause, len)) < 0) {
		/* no half-started machine: the next start would find it in the way */
		r->stopped = kill_all(r, m, NULL) == 0;
		return rc;
	}
	r->cores = !pl.cpuset ? "synthetic" : part.version == 2 ? "cpuset (cgroup v2)" : "cpuset";
	return 0;
}

int
run_stop(struct run *r, const struct machine *m, unsigned *killed, char *cause, size_t len)
{
	if (kill_all(r, m, killed) > 0)
		return cause_fail(cause, len, -EBUSY, "machine: some processes of the machine still run "
		    "(see above)");
	return 0;
}

/*
 * A Mint kernel would start the new kernel on the booted node's cores; here
 * the new node's agent starts in a partition of those cores.
 */
int
run_hook(struct run *r, const struct machine *m, const char *node, const char *cpus,
    const char *mem, char *cause, size_t len)
{
	struct machine_node n;
	struct partitions part;
	struct spawn_place pl;
	char buf[512], *save;
	unsigned i;
	pid_t pid;

	if (node == NULL || cpus == NULL || parse_node(node, m->slots, &i) < 0)
		return cause_fail(cause, len, -EINVAL, "machine hook: run by an agent for a node boot "
		    "(MINT_NODE, MINT_CPUS)");
	memset(&n, 0, sizeof(n));
	if (cpulist_parse(cpus, n.cores) < 0)
		return cause_fail(cause, len, -EINVAL, "machine hook: MINT_CPUS '%s' is not a core list",
		    cpus);
	/* its memory: SIZE@ADDR ranges, comma-separated */
	snprintf(buf, sizeof(buf), "%s", mem != NULL ? mem : "");
	for (char *rg = strtok_r(buf, ",", &save); rg != NULL; rg = strtok_r(NULL, ",", &save)) {
		uint64_t size;
		char *at = strchr(rg, '@');

		if (at != NULL)
			*at = '\0';
		if (parse_size(rg, &size) == 0)
			n.memory += size;
	}
	if (i < m->nodes)
		snprintf(n.libvirt, sizeof(n.libvirt), "%s", m->node[i].libvirt);
	partitions_probe(&part, m);
	pl.part = &part;
	pl.cpuset = part.version > 0;
	pl.memcg = part.memory && n.memory > 0;
	pid = spawn_agent(r, m, i, &n, cpus, &pl, cause, len);
	return pid < 0 ? (int)pid : 0;
}
