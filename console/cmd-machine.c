/*
 * mint-console machine start|stop|check FILE: a simulated Mint machine on
 * this host: one region file, one agent per node, each node a cgroup cpuset
 * where the host allows it, synthetic cores where it does not.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "console/cmd.h"
#include "console/hypervisor.h"
#include "console/machine.h"
#include "console/partition.h"
#include "console/procs.h"
#include "shm/node.h"
#include "shm/resource.h"


static char run_dir[256] = "/run/mint";

static int
read_file(const char *path, char **text)
{
	FILE *f = fopen(path, "r");
	long n;

	if (f == NULL)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || n > 1 << 20 || (*text = calloc(1, (size_t)n + 1)) == NULL) {
		fclose(f);
		return -EFBIG;
	}
	if (fread(*text, 1, (size_t)n, f) != (size_t)n) {
		free(*text);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

static int
load(const char *path, struct machine *m)
{
	char *text = NULL, cause[256];
	int rc;

	if ((rc = read_file(path, &text)) < 0)
		return cmd_error("%s: %s", path, strerror(-rc));
	rc = machine_parse(text, m, cause, sizeof(cause));
	free(text);
	if (rc < 0)
		return cmd_error("%s: %s", path, cause);
	return 0;
}

static pid_t
read_pid(unsigned node)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/node%u.pid", run_dir, node);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (pid_t)atoi(buf);
}

/*
 * The simulated node's own tree: its devices as files, and (where there are
 * no cgroups for them) its cores and memory limit as plain files.
 */
static int
sim_tree(const struct machine_node *n, unsigned node, const char *cores, int memcg)
{
	char path[512], num[32];
	struct dirent *de;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "%s/sim", run_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sim/node%u", run_dir, node);
	mkdir(path, 0755);
	for (int k = 0; k < 2; k++) {
		/* what an earlier run left: the agent brings up what the table gives it */
		snprintf(path, sizeof(path), "%s/sim/node%u/%s", run_dir, node, k ? "memory" : "devices");
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		if ((dir = opendir(path)) == NULL)
			continue;
		while ((de = readdir(dir)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(dirfd(dir), de->d_name, 0);
		closedir(dir);
	}
	snprintf(path, sizeof(path), "%s/sim/node%u/cpuset.cpus", run_dir, node);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%s\n", cores);
	fclose(f);
	if (!memcg) {
		/* none until the agent brings its blocks up */
		snprintf(path, sizeof(path), "%s/sim/node%u/memory.limit_in_bytes", run_dir, node);
		snprintf(num, sizeof(num), "0\n");
		if ((f = fopen(path, "w")) == NULL)
			return -1;
		fputs(num, f);
		fclose(f);
	}
	return 0;
}

static int
machine_define(struct cmd_ctx *ctx, const struct machine *m)
{
	unsigned r = 0, dev = 0;
	uint64_t base = 0;

	for (unsigned i = 0; i < m->nodes; i++) {
		const struct machine_node *n = &m->node[i];
		for (unsigned c = 0; c < MACHINE_MAX_CORES; c++)
			if (machine_core(n, c) && res_define(&ctx->region, r++, MINT_RES_CPU, c, 0, 0, NULL, i) < 0)
				return -EINVAL;
		/* memory in blocks, numbered by address as the kernel numbers them */
		for (uint64_t off = 0; off < n->memory; off += m->block, base += m->block)
			if (res_define(&ctx->region, r++, MINT_RES_MEM, (uint32_t)(base / m->block), base,
			    m->block, NULL, i) < 0)
				return -EINVAL;
		for (int d = 0; d < n->ndevices; d++)
			if (res_define(&ctx->region, r++, MINT_RES_DEV, dev++, 0, 0, n->devices[d], i) < 0)
				return -EINVAL;
	}
	/* the spare resources: free, for node boot to give */
	for (unsigned c = 0; c < MACHINE_MAX_CORES; c++)
		if (machine_core(&m->spare, c) &&
		    res_define(&ctx->region, r++, MINT_RES_CPU, c, 0, 0, NULL, MINT_NO_NODE) < 0)
			return -EINVAL;
	for (uint64_t off = 0; off < m->spare.memory; off += m->block, base += m->block)
		if (res_define(&ctx->region, r++, MINT_RES_MEM, (uint32_t)(base / m->block), base,
		    m->block, NULL, MINT_NO_NODE) < 0)
			return -EINVAL;
	for (int d = 0; d < m->spare.ndevices; d++)
		if (res_define(&ctx->region, r++, MINT_RES_DEV, dev++, 0, 0, m->spare.devices[d],
		    MINT_NO_NODE) < 0)
			return -EINVAL;
	return 0;
}

/* s as one sh word: in single quotes, each ' as '\'' (a path may hold any byte). */
static int
sh_quote(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 3)
		return -1;
	buf[o++] = '\'';
	for (; *s != '\0'; s++) {
		if (*s == '\'') {
			if (o + 4 >= len)
				return -1;
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			if (o + 1 >= len)
				return -1;
			buf[o++] = *s;
		}
	}
	if (o + 2 > len - 1)
		return -1;
	buf[o++] = '\'';
	buf[o] = '\0';
	return 0;
}

/*
 * Start node i's agent with cores (and memory), in its partition when there
 * are partitions; the agent starts once it is in it. Its pid goes in the run
 * directory and is returned. Booted nodes come through here too (machine hook).
 */
static pid_t
spawn_agent(const struct machine *m, unsigned i, const struct machine_node *n, const char *cores,
    uint64_t memory, const struct partitions *part, int cpuset, int memcg, const char *agent,
    const char *file)
{
	char node[16], sock[300], logf[300], floor[32], sim[300], path[512], hook[3400], self[400];
	char qself[1000], qfile[2200];
	char boot[16], tdir[320];
	const char *argv[48];
	int gate[2], k = 0;
	ssize_t len;
	pid_t pid;
	FILE *f;

	if (sim_tree(n, i, cores, memcg) < 0) {
		cmd_error("node %u: cannot make its partition under %s/sim: %s", i, run_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(node, sizeof(node), "%u", i);
	snprintf(floor, sizeof(floor), "%" PRIu64, n->floor ? n->floor : (uint64_t)MACHINE_FLOOR);
	snprintf(sim, sizeof(sim), "%s/sim", run_dir);
	snprintf(sock, sizeof(sock), "%s/node%u.sock", run_dir, i);
	snprintf(logf, sizeof(logf), "%s/node%u.log", run_dir, i);
	/* a booted node is started by machine hook, run by the booting node's agent */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = '\0';
	if (m->start_hook[0] != '\0')
		snprintf(hook, sizeof(hook), "%s", m->start_hook);
	else if (sh_quote(qself, sizeof(qself), self) < 0 || sh_quote(qfile, sizeof(qfile), file) < 0) {
		cmd_error("node %u: the console's or the description's path is too long", i);
		return -1;
	} else
		snprintf(hook, sizeof(hook), "%s machine hook %s", qself, qfile);
	argv[k++] = agent;
	argv[k++] = "-r", argv[k++] = m->region;
	argv[k++] = "-n", argv[k++] = node;
	argv[k++] = "-f";
	argv[k++] = "-S", argv[k++] = sock;
	argv[k++] = "--cores", argv[k++] = cores;
	argv[k++] = "--mem-floor", argv[k++] = floor;
	/* no libvirt= and no libvirtd of its own: the node runs no hypervisor */
	argv[k++] = "--connect", argv[k++] = n->libvirt[0] ? n->libvirt :
	    m->libvirtd[0] != '\0' ? "qemu:///system" : "none";
	argv[k++] = "--start-hook", argv[k++] = hook;
	/* each node's own tunnel directory: with a hypervisor, its namespace's default path */
	snprintf(tdir, sizeof(tdir), "%s/node%u-tunnels", run_dir, i);
	if (m->libvirtd[0] == '\0')
		argv[k++] = "--tunnel-dir", argv[k++] = tdir;
	/* the host's kexec-tools would replace the host's kernel: the stand-in unless named */
	argv[k++] = "--kexec", argv[k++] = m->kexec[0] != '\0' ? m->kexec : "stand-in";
	if (m->allow_host_kexec)
		argv[k++] = "--allow-host-kexec";
	if (m->boot_ms > 0) {
		snprintf(boot, sizeof(boot), "%u", m->boot_ms);
		argv[k++] = "--boot-timeout", argv[k++] = boot;
	}
	if (n->sysfs[0] != '\0') {
		/* a real node's backend, on a tree of its own */
		argv[k++] = "--mode", argv[k++] = "real";
		argv[k++] = "--sysfs", argv[k++] = n->sysfs;
		argv[k++] = "--irq", argv[k++] = n->irq[0] ? n->irq : "/nonexistent";
		if (n->coremap[0] != '\0')
			argv[k++] = "--core-map", argv[k++] = n->coremap;
	} else {
		argv[k++] = "--mode", argv[k++] = cpuset ? "cpuset" : "synthetic";
		argv[k++] = "--sim-root", argv[k++] = sim;
		argv[k++] = "--cpuset-root", argv[k++] = cpuset ? part->cpuset : sim;
		argv[k++] = "--memcg-root", argv[k++] = memcg ? part->memcg : sim;
	}
	argv[k] = NULL;
	if (m->libvirtd[0] != '\0') {
		if (access(m->libvirtd, X_OK) != 0) {
			cmd_error("node %u: cannot run %s for its hypervisor (apt-get install "
			    "libvirt-daemon libvirt-daemon-driver-qemu)", i, m->libvirtd);
			return -1;
		}
		hv_stop(run_dir, i);	/* what an earlier life of this node left */
	}
	if (pipe2(gate, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		cmd_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open(logf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		char c;

		close(gate[1]);
		while (read(gate[0], &c, 1) < 0 && errno == EINTR)
			;
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setsid();	/* the machine outlives this console */
		if (m->libvirtd[0] != '\0') {
			char cause[256], pidf[400];
			pid_t dpid;

			if (hv_enter(run_dir, i, m->libvirtd, &dpid, cause, sizeof(cause)) < 0) {
				fprintf(stderr, "machine: node %u's hypervisor: %s\n", i, cause);
				_exit(1);
			}
			snprintf(pidf, sizeof(pidf), "%s/node%u.libvirtd.pid", run_dir, i);
			if ((f = fopen(pidf, "w")) != NULL) {
				fprintf(f, "%d\n", (int)dpid);
				fclose(f);
			}
		}
		/*
		 * Above its guests, as a node's agent should be: a heartbeat that waits
		 * behind busy QEMU threads makes the other nodes think it died.
		 */
		setpriority(PRIO_PROCESS, 0, -5);
		execv(agent, (char *const *)argv);
		_exit(127);
	}
	close(gate[0]);
	if (cpuset && partitions_join(part, i, cores, memory, pid) < 0)
		cmd_error("node %u: could not be put in its cgroup v%d partition", i, part->version);
	close(gate[1]);
	snprintf(path, sizeof(path), "%s/node%u.pid", run_dir, i);
	if ((f = fopen(path, "w")) != NULL) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	return pid;
}

/*
 * machine hook FILE: the simulated machine's start hook. The booting node's
 * agent loaded the kernel (kexec --load) and runs this with MINT_NODE,
 * MINT_CPUS, MINT_MEM, ...: a Mint kernel would start the new kernel on those
 * cores; here the new node's agent starts in a partition of those cores.
 */
static int
machine_hook(const struct machine *m, const char *agent, const char *file)
{
	const char *node = getenv("MINT_NODE"), *cpus = getenv("MINT_CPUS"), *mem = getenv("MINT_MEM");
	struct machine_node n;
	struct partitions part;
	uint64_t memory = 0;
	char buf[512], *save;
	unsigned long i;
	int cpuset, memcg;

	if (node == NULL || cpus == NULL || (i = strtoul(node, NULL, 10)) >= m->slots)
		return cmd_error("machine hook: run by an agent for a node boot (MINT_NODE, MINT_CPUS)");
	memset(&n, 0, sizeof(n));
	if (cpulist_parse(cpus, n.cores) < 0)
		return cmd_error("machine hook: MINT_CPUS '%s' is not a core list", cpus);
	snprintf(buf, sizeof(buf), "%s", mem != NULL ? mem : "");
	for (char *r = strtok_r(buf, ",", &save); r != NULL; r = strtok_r(NULL, ",", &save)) {
		uint64_t size;
		char *at = strchr(r, '@');
		if (at != NULL)
			*at = '\0';
		if (machine_parse_size(r, &size) == 0)
			memory += size;
	}
	n.memory = memory;
	if (i < m->nodes)
		snprintf(n.libvirt, sizeof(n.libvirt), "%s", m->node[i].libvirt);
	cpuset = partitions_probe(&part, m) > 0;
	memcg = part.memory && memory > 0;
	return spawn_agent(m, (unsigned)i, &n, cpus, memory, &part, cpuset, memcg, agent, file) < 0;
}

/*
 * Stop everything the machine runs, all at once: every agent, guest (QEMU)
 * and libvirtd gets SIGTERM together, what is left after HV_STOP_MS gets
 * SIGKILL. Returns how many processes could not be ended; *killed (if
 * given) says how many needed SIGKILL.
 */
static unsigned
machine_kill(const struct machine *m, unsigned *killed)
{
	struct procs s;
	unsigned left;
	char path[512];

	procs_init(&s);
	for (unsigned i = 0; i < m->slots; i++) {
		procs_add(&s, read_pid(i));
		if (m->libvirtd[0] != '\0')
			hv_pids(run_dir, i, &s);
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
		fprintf(stderr, "machine: pid %d did not end, even on SIGKILL\n", (int)s.p[i].pid);
	procs_close(&s);
	for (unsigned i = 0; i < m->slots; i++) {
		snprintf(path, sizeof(path), "%s/node%u.pid", run_dir, i);
		unlink(path);
		snprintf(path, sizeof(path), "%s/node%u.libvirtd.pid", run_dir, i);
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

/* How long start waits for the machine to be usable: $MINT_START_TIMEOUT s, else 60 s. */
static int
start_timeout_s(void)
{
	const char *env = getenv("MINT_START_TIMEOUT");
	long v = env != NULL ? strtol(env, NULL, 10) : 0;

	return v > 0 && v < 3600 ? (int)v : 60;
}

/* A signal that came while starting: stop what started rather than leave half a machine. */
static volatile sig_atomic_t start_signal;

static void
start_signal_cb(int sig)
{
	start_signal = sig;
}

struct node_wait {
	int online;		/* in the node table */
	int answers;		/* its libvirtd answered a connection */
	pid_t probe;		/* a hv_probe child under way */
	long long probe_at;	/* when to try the next one */
};

/*
 * Wait until the machine is usable: every agent online in the region and,
 * where nodes have their own libvirtd, every daemon answering on its socket.
 * An agent or daemon that ends first fails at once, naming the node and its
 * log; so does the timeout. Progress on stderr while it is slow.
 */
static int
machine_wait(struct cmd_ctx *ctx, const struct machine *m, const pid_t *agent)
{
	struct node_wait w[MINT_MAX_NODES];
	int hv = m->libvirtd[0] != '\0', timeout = start_timeout_s(), rc = -1, backoff = 5;
	long long t0 = procs_now_ms(), note = t0 + 3000;
	char line[512], log[600];

	memset(w, 0, sizeof(w));
	for (;;) {
		long long now = procs_now_ms();
		unsigned ready = 0;
		int status;

		if (start_signal != 0) {
			cmd_error("machine: %s while starting", strsignal(start_signal));
			goto out;
		}

		for (unsigned i = 0; i < m->nodes; i++) {
			struct node_view v;
			pid_t dpid;

			if (!w[i].online)
				w[i].online = node_read(&ctx->region, i, &v) == 0 &&
				    v.state == MINT_NODE_ONLINE;
			if (waitpid(agent[i], &status, WNOHANG) == agent[i]) {
				snprintf(log, sizeof(log), "%s/node%u.log", run_dir, i);
				last_line(log, line, sizeof(line));
				cmd_error("machine: node %u's agent ended (%s %d) before the machine was "
				    "up: \"%s\"; see %s", i, WIFEXITED(status) ? "exit status" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), line, log);
				goto out;
			}
			if (hv && !w[i].answers) {
				dpid = hv_daemon_pid(run_dir, i);
				if (dpid > 0 && !procs_alive(dpid)) {
					snprintf(log, sizeof(log), "%s/node%u-hv/log/daemon.out", run_dir, i);
					last_line(log, line, sizeof(line));
					if (line[0] == '\0') {
						snprintf(log, sizeof(log), "%s/node%u-hv/log/libvirtd.log",
						    run_dir, i);
						last_line(log, line, sizeof(line));
					}
					cmd_error("machine: node %u's libvirtd (pid %d) ended before it answered: "
					    "\"%s\"; see %s and %s/node%u-hv/log/libvirtd.log", i, (int)dpid,
					    line, log, run_dir, i);
					goto out;
				}
				if (w[i].probe > 0 && waitpid(w[i].probe, &status, WNOHANG) == w[i].probe) {
					w[i].probe = 0;
					w[i].answers = WIFEXITED(status) && WEXITSTATUS(status) == 0;
					w[i].probe_at = now + 100;
				}
				/* one probe at a time per node: a daemon still starting may hold it */
				if (!w[i].answers && w[i].probe <= 0 && now >= w[i].probe_at)
					w[i].probe = hv_probe(run_dir, i);
			}
			ready += w[i].online && (!hv || w[i].answers);
		}
		if (ready == m->nodes) {
			rc = 0;
			goto out;
		}
		if (now - t0 >= timeout * 1000LL || now >= note) {
			int late = now - t0 >= timeout * 1000LL;

			for (unsigned i = 0; i < m->nodes; i++) {
				if (!w[i].online) {
					snprintf(log, sizeof(log), "%s/node%u.log", run_dir, i);
					fprintf(stderr, "machine: %s node %u's agent to come online (%lld s; "
					    "log %s)\n", late ? "gave up waiting for" : "waiting for", i,
					    (now - t0) / 1000, log);
				}
				if (hv && !w[i].answers) {
					snprintf(log, sizeof(log), "%s/node%u-hv/log/libvirtd.log", run_dir, i);
					fprintf(stderr, "machine: %s node %u's libvirtd to answer on "
					    "%s/node%u-hv/run/libvirt-sock (%lld s; log %s)\n",
					    late ? "gave up waiting for" : "waiting for", i, run_dir, i,
					    (now - t0) / 1000, log);
				}
			}
			if (late) {
				cmd_error("machine: not up within %d s (a slow host may need "
				    "MINT_START_TIMEOUT=SECONDS)", timeout);
				goto out;
			}
			note = now + 5000;
		}
		usleep((useconds_t)backoff * 1000);
		backoff = backoff < 100 ? backoff * 2 : 100;
	}
out:
	for (unsigned i = 0; i < m->nodes; i++)
		if (w[i].probe > 0) {
			kill(w[i].probe, SIGKILL);
			waitpid(w[i].probe, NULL, 0);
		}
	return rc;
}

static int
machine_start(struct cmd_ctx *ctx, const struct machine *m, const char *agent, const char *file)
{
	struct region_params p;
	struct mint_layout l;
	uint64_t total;
	char cause[256], cores[256];
	struct partitions part;
	pid_t agents[MINT_MAX_NODES];
	int cpuset = partitions_probe(&part, m) > 0, memcg = part.memory;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = start_signal_cb;	/* no SA_RESTART: the wait wakes up */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	for (unsigned i = 0; i < m->nodes; i++)
		if (m->node[i].sysfs[0] != '\0')
			cpuset = memcg = 0;	/* nodes on sysfs trees: no partitions for anyone */

	for (unsigned i = 0; i < m->nodes; i++) {
		pid_t pid = read_pid(i);
		if (procs_alive(pid))
			return cmd_error("machine: node %u already has an agent (pid %d): stop the machine "
			    "first", i, (int)pid);
	}
	mkdir(run_dir, 0755);
	region_params_default(&p);
	p.nodes = m->slots;
	p.res_count = cpulist_count(m->spare.cores) + (uint32_t)(m->spare.memory / m->block) +
	    (uint32_t)m->spare.ndevices;
	for (unsigned i = 0; i < m->nodes; i++)
		p.res_count += cpulist_count(m->node[i].cores) + (uint32_t)(m->node[i].memory / m->block) +
		    (uint32_t)m->node[i].ndevices;
	p.res_count += 16;
	if (region_layout(&p, &l, &total, cause, sizeof(cause)) < 0 ||
	    region_map(&ctx->region, m->region, total, REGION_CREATE, cause, sizeof(cause)) < 0)
		return cmd_error("%s: %s", m->region, cause);
	ctx->mapped = 1;
	if (region_format(&ctx->region, &p, cause, sizeof(cause)) < 0)
		return cmd_error("format: %s", cause);
	if (machine_define(ctx, m) < 0)
		return cmd_error("machine: the resource table is too small for this machine");

	for (unsigned i = 0; i < m->nodes; i++) {
		machine_cores_str(&m->node[i], cores, sizeof(cores));
		if ((agents[i] = spawn_agent(m, i, &m->node[i], cores, m->node[i].memory, &part, cpuset,
		    memcg, agent, file)) < 0) {
			machine_kill(m, NULL);
			return 1;
		}
	}
	if (machine_wait(ctx, m, agents) < 0) {
		/* no half-started machine: the next start would find it in the way */
		if (machine_kill(m, NULL) == 0)
			fprintf(stderr, "machine: stopped what had started; nothing of it runs\n");
		return 1;
	}
	printf("machine started: %u nodes on %s, %s cores; sockets and logs in %s\n", m->nodes,
	    m->region, cpuset ? part.version == 2 ? "cpuset (cgroup v2)" : "cpuset" : "synthetic",
	    run_dir);
	return 0;
}

static int
machine_stop(const struct machine *m)
{
	unsigned killed = 0;

	/* a stop cut short leaves half a machine; it takes seconds at most */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);

	if (machine_kill(m, &killed) > 0)
		return cmd_error("machine: some processes of the machine still run (see above)");
	printf("machine stopped: %u nodes%s\n", m->nodes, killed ? " (some had to be killed)" : "");
	return 0;
}

static int
cmd_machine_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct machine m;
	char agent[512], file[PATH_MAX];
	const char *env = getenv("MINT_AGENT");
	const char *rd = getenv("MINT_RUN_DIR");

	if (rd != NULL)
		snprintf(run_dir, sizeof(run_dir), "%s", rd);
	if (load(argv[1], &m) != 0)
		return 1;
	if (strcmp(argv[0], "check") == 0) {
		printf("%s: %u nodes, region %s: fine\n", argv[1], m.nodes, m.region);
		return 0;
	}
	if (strcmp(argv[0], "stop") == 0)
		return machine_stop(&m);
	if (strcmp(argv[0], "start") != 0 && strcmp(argv[0], "hook") != 0)
		return cmd_error("machine: '%s' is not start, stop or check", argv[0]);
	/* $MINT_AGENT, else the agent beside this console (installed, or in the build tree) */
	if (env != NULL) {
		snprintf(agent, sizeof(agent), "%s", env);
	} else {
		char self[400];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		agent[0] = '\0';
		if (n > 0 && (self[n] = '\0', slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(agent, sizeof(agent), "%s/mint-agent", self);
			if (access(agent, X_OK) != 0)
				snprintf(agent, sizeof(agent), "%s/../agent/mint-agent", self);
		}
		if (agent[0] == '\0' || access(agent, X_OK) != 0)
			snprintf(agent, sizeof(agent), "%s", BINDIR "/mint-agent");
	}
	if (access(agent, X_OK) != 0)
		return cmd_error("machine: cannot run %s (set $MINT_AGENT to the mint-agent to use)", agent);
	if (realpath(argv[1], file) == NULL)
		snprintf(file, sizeof(file), "%s", argv[1]);
	if (strcmp(argv[0], "hook") == 0)
		return machine_hook(&m, agent, file);
	return machine_start(ctx, &m, agent, file);
}

static const char *const machine_full_only[] = { "stop", NULL };

const struct cmd_entry cmd_machine_entry = {
	.name = "machine",
	.usage = "start|stop|check FILE",
	.help = "Start or stop a simulated machine described in FILE (machine/three-nodes.conf), "
	    "or check FILE. start returns once every node is online and every node's libvirtd "
	    "answers ($MINT_START_TIMEOUT s, 60), else stops what started; stop ends every agent, "
	    "guest and libvirtd at once. $MINT_RUN_DIR (/run/mint) holds sockets, pids and logs.",
	.min_args = 2,
	.max_args = 2,
	.flags = CMD_NOREGION,
	.full_name_only = machine_full_only,
	.exec = cmd_machine_exec,
};
