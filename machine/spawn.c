/* A node's agent started from a configuration file the machine writes for it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cause.h"
#include "machine/hypervisor.h"
#include "machine/spawn.h"

/* The agent reads its configuration in lines of up to 1023 bytes (agent/options.c). */
#define CONF_LINE_MAX	1000

/* Empty what an earlier run left in dir: the agent brings up what the table gives it. */
static int
empty_dir(const char *path)
{
	struct dirent *de;
	DIR *dir;

	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((dir = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(dir), de->d_name, 0);
	closedir(dir);
	return 0;
}

static int
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -errno;
	fputs(text, f);
	return fclose(f) < 0 ? -errno : 0;
}

/*
 * The simulated node's own tree: its devices as files, and (where there are
 * no cgroups for them) its cores and memory limit as plain files.
 */
static int
sim_tree(const struct run *r, unsigned node, const char *cores, int memcg)
{
	char path[512], text[300];
	int rc;

	snprintf(path, sizeof(path), "%s/sim", r->dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sim/node%u", r->dir, node);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sim/node%u/devices", r->dir, node);
	if ((rc = empty_dir(path)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/sim/node%u/memory", r->dir, node);
	if ((rc = empty_dir(path)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/sim/node%u/cpuset.cpus", r->dir, node);
	snprintf(text, sizeof(text), "%s\n", cores);
	if ((rc = write_text(path, text)) < 0)
		return rc;
	if (memcg)
		return 0;
	/* none until the agent brings its blocks up */
	snprintf(path, sizeof(path), "%s/sim/node%u/memory.limit_in_bytes", r->dir, node);
	return write_text(path, "0\n");
}

/* A configuration file being written: the first key whose value cannot be in it. */
struct conf {
	FILE *f;
	const char *bad;
};

/* One "key value" line (value NULL: the key alone, an option without argument). */
static void __attribute__((format(printf, 3, 4)))
conf_put(struct conf *c, const char *key, const char *fmt, ...)
{
	char val[CONF_LINE_MAX];
	va_list ap;
	int n;

	if (fmt == NULL) {
		fprintf(c->f, "%s\n", key);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	/* one line each, read with its leading blanks dropped */
	if (n < 1 || (size_t)n + strlen(key) + 2 > CONF_LINE_MAX || strpbrk(val, "\r\n") != NULL ||
	    val[0] == ' ' || val[0] == '\t') {
		if (c->bad == NULL)
			c->bad = key;
		return;
	}
	fprintf(c->f, "%s %s\n", key, val);
}

/* How the agent runs the node's resources: a real node's backend, cpusets, or synthetic. */
static void
conf_backend(struct conf *c, const struct run *r, const struct machine_node *n,
    const struct spawn_place *pl)
{
	if (n->sysfs[0] != '\0') {
		/* a real node's backend, on a tree of its own */
		conf_put(c, "mode", "real");
		conf_put(c, "sysfs", "%s", n->sysfs);
		conf_put(c, "irq", "%s", n->irq[0] ? n->irq : "/nonexistent");
		if (n->coremap[0] != '\0')
			conf_put(c, "core-map", "%s", n->coremap);
		return;
	}
	conf_put(c, "mode", "%s", pl->cpuset ? "cpuset" : "synthetic");
	conf_put(c, "sim-root", "%s/sim", r->dir);
	if (pl->cpuset)
		conf_put(c, "cpuset-root", "%s", pl->part->cpuset);
	else
		conf_put(c, "cpuset-root", "%s/sim", r->dir);
	if (pl->memcg)
		conf_put(c, "memcg-root", "%s", pl->part->memcg);
	else
		conf_put(c, "memcg-root", "%s/sim", r->dir);
}

/* Write node i's agent's configuration (mint-agent --config) to path. */
static int
conf_write(const char *path, const struct run *r, const struct machine *m, unsigned i,
    const struct machine_node *n, const char *cores, const struct spawn_place *pl, char *cause,
    size_t len)
{
	struct conf c = { fopen(path, "we"), NULL };

	if (c.f == NULL)
		return cause_fail(cause, len, -errno, "node %u: cannot write %s: %s", i, path,
		    strerror(errno));
	fprintf(c.f, "# node %u's agent (written by mint-console machine start)\n", i);
	conf_put(&c, "region", "%s", m->region);
	conf_put(&c, "node", "%u", i);
	conf_put(&c, "foreground", NULL);
	conf_put(&c, "socket", "%s/node%u.sock", r->dir, i);
	conf_put(&c, "cores", "%s", cores);
	conf_put(&c, "mem-floor", "%" PRIu64, n->floor ? n->floor : (uint64_t)MACHINE_FLOOR);
	/* no libvirt= and no libvirtd of its own: the node runs no hypervisor */
	conf_put(&c, "connect", "%s", n->libvirt[0] ? n->libvirt :
	    m->libvirtd[0] != '\0' ? "qemu:///system" : "none");
	/* a booted node is started by the start hook, run by the booting node's agent */
	if (m->start_hook[0] != '\0' || r->hook != NULL)
		conf_put(&c, "start-hook", "%s", m->start_hook[0] != '\0' ? m->start_hook : r->hook);
	/* each node's own tunnel directory: with a hypervisor, its namespace's default path */
	if (m->libvirtd[0] == '\0')
		conf_put(&c, "tunnel-dir", "%s/node%u-tunnels", r->dir, i);
	/* the host's kexec-tools would replace the host's kernel: the stand-in unless named */
	conf_put(&c, "kexec", "%s", m->kexec[0] != '\0' ? m->kexec : "stand-in");
	if (m->allow_host_kexec)
		conf_put(&c, "allow-host-kexec", NULL);
	if (m->boot_ms > 0)
		conf_put(&c, "boot-timeout", "%u", m->boot_ms);
	conf_backend(&c, r, n, pl);
	if (fclose(c.f) < 0)
		return cause_fail(cause, len, -errno, "node %u: cannot write %s: %s", i, path,
		    strerror(errno));
	if (c.bad != NULL)
		return cause_fail(cause, len, -EINVAL, "node %u: its agent's %s does not fit one line "
		    "of %s", i, c.bad, path);
	return 0;
}

static void
write_pid(const char *path, pid_t pid)
{
	char num[32];

	snprintf(num, sizeof(num), "%d\n", (int)pid);
	write_text(path, num);
}

/*
 * In the node's process: wait at the gate until it is in its partition, then
 * (with a libvirtd of its own) enter its namespace and start the daemon
 * there, then become the agent.
 */
static void __attribute__((noreturn))
spawn_child(const struct run *r, const struct machine *m, unsigned i, const char *conf,
    const int gate[2])
{
	char path[512], c;
	int fd;

	snprintf(path, sizeof(path), "%s/node%u.log", r->dir, i);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	close(gate[1]);
	while (read(gate[0], &c, 1) < 0 && errno == EINTR)
		;
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	setsid();	/* the machine outlives this console */
	/*
	 * The node's init, as far as its guests go: libvirtd's QEMUs are
	 * orphans, and libvirt waits for one it stopped until it is reaped.
	 * A real node's systemd reaps at once; a host's PID 1 may not (one
	 * took 1.6 s, and every migration waited for it). The agent's loop
	 * reaps any child (libev's SIGCHLD watcher).
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (m->libvirtd[0] != '\0') {
		char cause[256];
		pid_t dpid;

		if (hv_enter(r->dir, i, m->libvirtd, r->libvirt_hook, &dpid, cause, sizeof(cause)) < 0) {
			run_say(r, RUN_NOTE, "node %u's hypervisor: %s", i, cause);
			_exit(1);
		}
		snprintf(path, sizeof(path), "%s/node%u.libvirtd.pid", r->dir, i);
		write_pid(path, dpid);
	}
	/*
	 * Above its guests, as a node's agent should be: a heartbeat that waits
	 * behind busy QEMU threads makes the other nodes think it died.
	 */
	setpriority(PRIO_PROCESS, 0, -5);
	execl(r->agent, r->agent, "--config", conf, (char *)NULL);
	_exit(127);
}

pid_t
spawn_agent(const struct run *r, const struct machine *m, unsigned i,
    const struct machine_node *n, const char *cores, const struct spawn_place *pl, char *cause,
    size_t len)
{
	char conf[512], path[512];
	int gate[2], rc;
	pid_t pid;

	if ((rc = sim_tree(r, i, cores, pl->memcg)) < 0)
		return cause_fail(cause, len, rc, "node %u: cannot make its partition under %s/sim: %s",
		    i, r->dir, strerror(-rc));
	snprintf(conf, sizeof(conf), "%s/node%u.conf", r->dir, i);
	if ((rc = conf_write(conf, r, m, i, n, cores, pl, cause, len)) < 0)
		return rc;
	if (m->libvirtd[0] != '\0') {
		if (access(m->libvirtd, X_OK) != 0)
			return cause_fail(cause, len, -ENOENT, "node %u: cannot run %s for its hypervisor "
			    "(apt-get install libvirt-daemon libvirt-daemon-driver-qemu)", i, m->libvirtd);
		hv_stop(r->dir, i);	/* what an earlier life of this node left */
	}
	if (pipe2(gate, O_CLOEXEC) < 0)
		return cause_fail(cause, len, -errno, "fork: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		rc = cause_fail(cause, len, -errno, "fork: %s", strerror(errno));
		close(gate[0]);
		close(gate[1]);
		return rc;
	}
	if (pid == 0)
		spawn_child(r, m, i, conf, gate);
	close(gate[0]);
	if (pl->cpuset && partitions_join(pl->part, i, cores, n->memory, pid) < 0)
		run_say(r, RUN_WARN, "node %u: could not be put in its cgroup v%d partition", i,
		    pl->part->version);
	close(gate[1]);
	snprintf(path, sizeof(path), "%s/node%u.pid", r->dir, i);
	write_pid(path, pid);
	return pid;
}

pid_t
spawn_pid(const struct run *r, unsigned i)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/node%u.pid", r->dir, i);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (pid_t)atoi(buf);
}
