/* mint-agent: one per node; attaches the region, heartbeats, publishes its status. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ev.h>

#include "agent/agent.h"
#include "agent/beat.h"
#include "agent/tunnel.h"
#include "agent/worker.h"
#include "common/log.h"
#include "shm/node.h"
#include "shm/region.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mint-agent -r REGION -n NODE [options]\n"
	    "Attach the shared region as node NODE, heartbeat, and publish this node's\n"
	    "status (cores, load, memory, guests) in its node table entry.\n"
	    "\n"
	    "  -r, --region SPEC      the region: file:PATH, dev:PATH (module), pci:PATH\n"
	    "  -n, --node N           this node's number in the region\n"
	    "  -H, --heartbeat MS     heartbeat period in milliseconds (100)\n"
	    "  -s, --sample MS        status sampling period in milliseconds (1000)\n"
	    "  -p, --proc DIR         read load and memory from DIR instead of /proc\n"
	    "  -c, --connect URI      libvirt URI of this node's hypervisor (qemu:///system);\n"
	    "                         none: the node runs no hypervisor (no guests)\n"
	    "  -S, --socket PATH      control socket for consoles (" CTL_DEFAULT ")\n"
	    "  -g, --group NAME       group that may read through the socket (mint)\n"
	    "  -a, --admin-group NAME group that may also change things (only root if unset)\n"
	    "  -T, --timeout MS       how long a request to another node may take (2000)\n"
	    "      --max-clients N    connections to the socket in all (256, fewer if the\n"
	    "                         descriptor limit is lower); the last eighth are kept for\n"
	    "                         root and the admin group\n"
	    "      --max-clients-uid N  connections of one user other than root (32)\n"
	    "      --client-timeout MS  a connection that asks nothing, or stops in the middle\n"
	    "                         of a request, for this long is closed (30000)\n"
	    "  -D, --dead-after N     a node silent for N heartbeat periods is dead (3)\n"
	    "      --cores LIST       the cores this node owns (default: all its kernel shows)\n"
	    "      --mode MODE        real (a Mint node), cpuset or synthetic (a simulated one)\n"
	    "      --sysfs DIR        real mode: the kernel's sysfs for hotplug (/sys)\n"
	    "      --irq DIR          real mode: interrupts to steer off a core (PROC/irq)\n"
	    "      --core-map FILE    real mode: \"cpu hwid\" lines, this kernel's cpu for each\n"
	    "                         core id of the table (default: the region device's\n"
	    "                         SYSFS/class/misc/NAME/cores; none: ids are cpu numbers)\n"
	    "      --sim-root DIR     simulated: node<N>/ holds cpuset.cpus, memory.limit_in_bytes\n"
	    "                         and devices/ of each node\n"
	    "      --cpuset-root DIR  simulated: node<N>/cpuset.cpus here instead (a cgroup)\n"
	    "      --memcg-root DIR   simulated: node<N>/memory.limit_in_bytes here instead\n"
	    "      --move-timeout MS  how long the receiver of a resource may take (10000)\n"
	    "      --mem-floor SIZE   memory this node keeps, whatever moves (256M)\n"
	    "      --kexec PATH       kexec-tools, for node boot and reboot: kexec on a real\n"
	    "                         node (dev: or pci: region), else stand-in, the agent's\n"
	    "                         own, which checks the files and loads nothing\n"
	    "      --allow-host-kexec run kexec -e on a simulated node too (a file: region):\n"
	    "                         with kexec-tools that reboots the host at once\n"
	    "      --start-hook CMD   starts a loaded kernel on its cores (Mint's step; stock\n"
	    "                         Linux has none), run by sh with MINT_NODE, MINT_CPUS, ...\n"
	    "      --stop-hook CMD    run once this node has shut down (e.g. poweroff -f)\n"
	    "      --kernel FILE      what node reboot loads (/boot/vmlinuz-RELEASE)\n"
	    "      --initrd FILE      and its initrd (/boot/initrd.img-RELEASE, if there)\n"
	    "      --boot-timeout MS  how long a booted node may take to heartbeat (60000)\n"
	    "      --region-phys ADDR+SIZE  where the region is in physical memory (boot checks)\n"
	    "      --tunnel-dir DIR   sockets that peers' tunnels may connect to\n"
	    "                         (" TUNNEL_DIR_DEFAULT ")\n"
	    "      --libvirt-socket PATH  the tunnel target \"libvirt\" (/run/libvirt/libvirt-sock)\n"
	    "      --libvirt-timeout MS  how long a libvirt call may take before the request\n"
	    "                         that made it is refused (20000)\n"
	    "  -F, --config FILE      options from FILE, one \"key value\" a line (key: a long\n"
	    "                         option without --); the command line overrides them\n"
	    "  -f, --foreground       stay in the foreground, log to stderr (else: syslog)\n"
	    "  -v, --verbose          log debugging detail\n"
	    "  -h, --help             this text\n");
}

static void agent_sample_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void
agent_peer_report(void *arg, unsigned node, const struct watch_peer *p, int64_t silent_ns)
{
	if (p->dead) {
		log_warn("node %u: heartbeat silent for %" PRId64 " ms: dead", node, silent_ns / 1000000);
		peers_node_dead(arg, node);
		move_node_dead(arg, node);
		tunnel_node_dead(arg, node);
	} else {
		struct agent *a = arg;

		log_info("node %u: heartbeat again (epoch %" PRIu32 ")", node, p->epoch);
		/* its ring was fenced while it was dead: take what came meanwhile */
		ev_feed_event(a->loop, &a->bell_io, EV_READ);
	}
}

static void
agent_heartbeat_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;

	beat_loop_alive(&a->beat);
	/* a verdict that changed is published at once, not at the next sample */
	if (watch_scan(&a->watch, &a->region, (int64_t)(ev_now(loop) * 1e9), agent_peer_report, a) > 0 ||
	    a->republish) {
		a->republish = 0;
		agent_sample_cb(loop, &a->sample, 0);
	}
}

/* Listing the guests asks libvirtd, which may be slow: in a worker, never on the loop. */
struct list_job {
	struct job j;
	struct agent *a;
	uint64_t now_ns;
	uint64_t seq;
	int retry;		/* the last listing failed: give the hypervisor a moment */
	int n;
	char cause[256];
	struct guest_info out[GUESTS_MAX];
};

static int
list_run(struct job *j)
{
	struct list_job *l = j->arg;

	if (l->retry)
		usleep(100000);
	return guests_list(&l->a->guests, l->out, GUESTS_MAX, &l->n, l->now_ns, l->cause,
	    sizeof(l->cause));
}

static void
list_done(struct job *j)
{
	struct list_job *l = j->arg;
	struct agent *a = l->a;

	if (j->rc < 0 && !a->guests_failing)
		log_warn("guests unknown: %s", l->cause);
	else if (j->rc == 0 && a->guests_failing)
		log_info("guests listed again through %s", a->guests.uri);
	a->guests_failing = j->rc < 0;
	/* a change is published at the next heartbeat, not a sample later */
	if (a->guests_n != (j->rc < 0 ? 0 : l->n))
		a->republish = 1;
	for (int i = 0; j->rc == 0 && i < l->n && i < a->guests_n; i++)
		if (strcmp(a->guest_list[i].name, l->out[i].name) != 0 ||
		    a->guest_list[i].state != l->out[i].state)
			a->republish = 1;
	a->guests_n = j->rc < 0 ? 0 : l->n;
	if (j->rc == 0)
		memcpy(a->guest_list, l->out, sizeof(l->out[0]) * (size_t)l->n);
	a->listing = 0;
	if (a->list_waits != NULL) {
		/* someone waits for this listing: publish it now, not at the next heartbeat */
		a->republish = 0;
		agent_publish(a);
		guest_listed(a, l->seq, j->rc == 0);
	}
	free(l);
}

uint64_t
agent_list_now(struct agent *a)
{
	struct list_job *l;

	/* one runs: the one after it began after the caller's change */
	if (a->listing)
		return a->list_seq + 1;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return a->list_seq + 1;
	l->a = a;
	l->now_ns = (uint64_t)(ev_time() * 1e9);
	l->seq = ++a->list_seq;
	l->retry = a->guests_failing;
	l->j.fn = list_run;
	l->j.lane = WORKER_LIBVIRT;
	l->j.done = list_done;
	l->j.arg = l;
	if (worker_run(a->worker, &l->j) == 0) {
		a->listing = 1;
	} else {
		free(l);
		a->list_seq--;
	}
	return a->list_seq + !a->listing;
}

static void
agent_sample_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;

	/* the status shows the last listing; the next one is under way */
	agent_list_now(a);
	agent_publish(a);
}

void
agent_publish(struct agent *a)
{
	struct ev_loop *loop = a->loop;
	size_t len;
	int rc, n;

	n = a->guests_n;
	move_check_own(a);
	a->status.ntunnels = tunnel_status(a, &a->status.tunnels);
	rc = status_snapshot(&a->status, a->node, a->epoch,
	    (uint64_t)((ev_now(loop) - a->started) * 1000), a->heartbeat_ms, a->guest_list, n,
	    &a->watch, a->chan, &a->region, (int64_t)(ev_now(loop) * 1e9), a->snapshot,
	    sizeof(a->snapshot), &len);
	tunnel_status_free(a->status.tunnels, a->status.ntunnels);
	a->status.tunnels = NULL;
	a->status.ntunnels = 0;
	if (rc == 0) {
		a->snapshot_len = len;
		rc = node_publish_status(&a->region, a->node, a->snapshot, (uint32_t)len);
	}
	if (rc < 0)
		log_warn("status not published: %s", strerror(-rc));
}

static void
agent_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct agent *a = w->data;

	log_info("node %u: signal %d, leaving", a->node, w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static unsigned
parse_uint(const char *s, const char *what, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max)
		fatalx("%s '%s' is not a number from 0 to %u", what, s, max);
	return (unsigned)v;
}

/* 512M, 2G, 4096: bytes. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	case 'T': case 't': v <<= 40; end++; break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

/* What node reboot loads: the running kernel's image and initrd, unless told. */
static void
reboot_files(struct agent *a)
{
	static char kernel[300], initrd[300];
	struct utsname u;

	if (a->reboot_kernel != NULL || uname(&u) < 0)
		return;
	snprintf(kernel, sizeof(kernel), "/boot/vmlinuz-%s", u.release);
	a->reboot_kernel = kernel;
	snprintf(initrd, sizeof(initrd), "/boot/initrd.img-%s", u.release);
	if (a->reboot_initrd == NULL && access(initrd, R_OK) == 0)
		a->reboot_initrd = initrd;
}

/* The seam: a real node's sysfs, or the simulated machine's partitions. */
static void
backend_setup(struct agent *a, const char *sim_root)
{
	struct backend *b = &a->backend;

	if (b->irq[0] == '\0')
		snprintf(b->irq, sizeof(b->irq), "%s/irq", a->status.proc);
	if (a->status.mode == MINT__CORE_MODE__CORES_REAL) {
		b->ops = &backend_sysfs;
		/* a block handed to us may need a moment to appear; the donor waits move_ms */
		b->appear_ms = a->move_ms / 2;
		/* the module knows each present cpu's hardware id, offline ones too */
		if (b->coremap[0] == '\0' && strncmp(a->region_spec, "dev:", 4) == 0) {
			const char *name = strrchr(a->region_spec, '/');
			char path[BACKEND_PATH + 64];

			name = name != NULL ? name + 1 : a->region_spec + 4;
			snprintf(path, sizeof(path), "%s/class/misc/%s/cores", b->sysfs, name);
			if (access(path, R_OK) == 0 && strlen(path) < BACKEND_PATH)
				memcpy(b->coremap, path, strlen(path) + 1);
		}
		if (b->coremap[0] != '\0')
			a->status.coremap = b->coremap;
		return;
	}
	b->ops = &backend_sim;
	if (sim_root == NULL)
		return;
	if (b->cpuset_root[0] == '\0')
		snprintf(b->cpuset_root, sizeof(b->cpuset_root), "%s", sim_root);
	if (b->memcg_root[0] == '\0')
		snprintf(b->memcg_root, sizeof(b->memcg_root), "%s", sim_root);
	snprintf(b->dev_root, sizeof(b->dev_root), "%s", sim_root);
}

/*
 * A config file of "key value" lines (the long options without "--"):
 * they come first in the returned argv, so the command line overrides them.
 */
static char **
with_config(int *argc, char **argv)
{
	const char *path = NULL;
	char **out, line[1024];
	int n = 1, cap = *argc + 64;
	FILE *f;

	for (int i = 1; i < *argc; i++)
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-F") == 0) && i + 1 < *argc)
			path = argv[i + 1];
	if (path == NULL)
		return argv;
	if ((f = fopen(path, "r")) == NULL)
		fatal("config %s", path);
	if ((out = calloc((size_t)cap, sizeof(*out))) == NULL)
		fatal("calloc");
	out[0] = argv[0];
	for (int lineno = 1; fgets(line, sizeof(line), f) != NULL; lineno++) {
		char *key = strtok(line, " \t\r\n"), *val = strtok(NULL, "\r\n");
		char opt[64];

		if (key == NULL || key[0] == '#')
			continue;
		while (val != NULL && (*val == ' ' || *val == '\t'))
			val++;
		if (n + 2 >= cap - *argc)
			fatalx("%s: too many lines", path);
		snprintf(opt, sizeof(opt), "--%s", key);
		out[n++] = strdup(opt);
		if (val != NULL && *val != '\0')
			out[n++] = strdup(val);
		(void)lineno;
	}
	fclose(f);
	for (int i = 1; i < *argc; i++)
		out[n++] = argv[i];
	*argc = n;
	return out;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "node", required_argument, NULL, 'n' },
		{ "heartbeat", required_argument, NULL, 'H' },
		{ "sample", required_argument, NULL, 's' },
		{ "proc", required_argument, NULL, 'p' },
		{ "connect", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "group", required_argument, NULL, 'g' },
		{ "admin-group", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "dead-after", required_argument, NULL, 'D' },
		{ "cores", required_argument, NULL, 'C' },
		{ "mode", required_argument, NULL, 'M' },
		{ "config", required_argument, NULL, 'F' },
		{ "sysfs", required_argument, NULL, 1 },
		{ "sim-root", required_argument, NULL, 2 },
		{ "cpuset-root", required_argument, NULL, 3 },
		{ "memcg-root", required_argument, NULL, 4 },
		{ "move-timeout", required_argument, NULL, 5 },
		{ "mem-floor", required_argument, NULL, 6 },
		{ "irq", required_argument, NULL, 7 },
		{ "kexec", required_argument, NULL, 8 },
		{ "start-hook", required_argument, NULL, 9 },
		{ "stop-hook", required_argument, NULL, 10 },
		{ "kernel", required_argument, NULL, 11 },
		{ "initrd", required_argument, NULL, 12 },
		{ "boot-timeout", required_argument, NULL, 13 },
		{ "region-phys", required_argument, NULL, 14 },
		{ "tunnel-dir", required_argument, NULL, 15 },
		{ "libvirt-socket", required_argument, NULL, 16 },
		{ "core-map", required_argument, NULL, 17 },
		{ "max-clients", required_argument, NULL, 18 },
		{ "max-clients-uid", required_argument, NULL, 19 },
		{ "client-timeout", required_argument, NULL, 20 },
		{ "libvirt-timeout", required_argument, NULL, 21 },
		{ "allow-host-kexec", no_argument, NULL, 22 },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct agent a;
	const char *region = NULL, *sim_root = NULL;
	unsigned hb_ms = 100, sample_ms = 1000, dead_after = 3;
	int c, foreground = 0, verbose = 0, have_node = 0, rc, ctl_given[3] = { 0, 0, 0 };
	char cause[256];

	const char *uri = "qemu:///system", *sock = CTL_DEFAULT, *group = "mint", *admin = NULL;

	char **orig_argv = argv;

	log_open("mint-agent", 0, LOG_TO_STDERR);	/* until the options say where */
	argv = with_config(&argc, argv);
	a.status.proc = "/proc";
	a.ctl_fd = -1;
	a.request_ms = 2000;
	a.move_ms = 10000;
	a.libvirt_ms = 20000;
	a.boot_ms = 60000;
	a.kexec = NULL;
	a.mem_floor = 256ull << 20;
	snprintf(a.backend.sysfs, sizeof(a.backend.sysfs), "/sys");
	while ((c = getopt_long(argc, argv, "r:n:H:s:p:c:S:g:a:T:D:F:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': region = optarg; break;
		case 'n': a.node = parse_uint(optarg, "node", MINT_MAX_NODES - 1); have_node = 1; break;
		case 'H': hb_ms = parse_uint(optarg, "heartbeat period", 60000); break;
		case 's': sample_ms = parse_uint(optarg, "sampling period", 600000); break;
		case 'p': a.status.proc = optarg; break;
		case 'c': uri = optarg; break;
		case 'S': sock = optarg; break;
		case 'g': group = optarg; break;
		case 'a': admin = optarg; break;
		case 'T': a.request_ms = (int)parse_uint(optarg, "timeout", 600000); break;
		case 'D': dead_after = parse_uint(optarg, "dead-after periods", 1000); break;
		case 'C':
			if (cpulist_parse(optarg, a.status.cores) < 0)
				fatalx("cores '%s' is not a list like 0-2,5 (cores below %d)", optarg, CPULIST_MAX);
			a.status.have_cores = 1;
			break;
		case 'F': break;	/* read by with_config */
		case 1: snprintf(a.backend.sysfs, sizeof(a.backend.sysfs), "%s", optarg); break;
		case 2: sim_root = optarg; break;
		case 3: snprintf(a.backend.cpuset_root, BACKEND_PATH, "%s", optarg); break;
		case 4: snprintf(a.backend.memcg_root, BACKEND_PATH, "%s", optarg); break;
		case 7: snprintf(a.backend.irq, sizeof(a.backend.irq), "%s", optarg); break;
		case 8: a.kexec = optarg; break;
		case 22: a.allow_host_kexec = 1; break;
		case 9: a.start_hook = optarg; break;
		case 10: a.stop_hook = optarg; break;
		case 11: a.reboot_kernel = optarg; break;
		case 12: a.reboot_initrd = optarg; break;
		case 13: a.boot_ms = (int)parse_uint(optarg, "boot timeout", 3600000); break;
		case 14: {
			char *plus = strchr(optarg, '+'), *end;
			a.region_phys = strtoull(optarg, &end, 0);
			if (plus == NULL || end != plus || parse_size(plus + 1, &a.region_phys_size) < 0)
				fatalx("region-phys '%s' is not ADDR+SIZE, like 0x100000000+64M", optarg);
			break;
		}
		case 15: a.tunnel_dir = optarg; break;
		case 16: a.libvirt_sock = optarg; break;
		case 17:
			if (snprintf(a.backend.coremap, BACKEND_PATH, "%s", optarg) >= BACKEND_PATH)
				fatalx("core map path '%s' is too long", optarg);
			break;
		case 18: a.ctl_max = (int)parse_uint(optarg, "max clients", 1000000); ctl_given[0] = 1; break;
		case 19:
			a.ctl_max_uid = (int)parse_uint(optarg, "max clients of a user", 1000000);
			ctl_given[1] = 1;
			break;
		case 20:
			a.ctl_timeout_ms = (int)parse_uint(optarg, "client timeout", 3600000);
			ctl_given[2] = 1;
			break;
		case 21: a.libvirt_ms = (int)parse_uint(optarg, "libvirt timeout", 3600000); break;
		case 5: a.move_ms = (int)parse_uint(optarg, "move timeout", 600000); break;
		case 6:
			if (parse_size(optarg, &a.mem_floor) < 0)
				fatalx("memory floor '%s' is not a size like 512M or 1G", optarg);
			break;
		case 'M':
			if (strcmp(optarg, "real") == 0)
				a.status.mode = MINT__CORE_MODE__CORES_REAL;
			else if (strcmp(optarg, "cpuset") == 0)
				a.status.mode = MINT__CORE_MODE__CORES_CPUSET;
			else if (strcmp(optarg, "synthetic") == 0)
				a.status.mode = MINT__CORE_MODE__CORES_SYNTHETIC;
			else
				fatalx("mode '%s' is not real, cpuset or synthetic", optarg);
			break;
		case 'f': foreground = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_open("mint-agent", verbose, foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG);
	if (optind != argc || region == NULL || !have_node) {
		usage(stderr);
		return 2;
	}
	if (hb_ms == 0 || sample_ms == 0 || dead_after == 0)
		fatalx("periods must be at least 1 ms, and dead-after at least 1");
	a.heartbeat_ms = hb_ms;
	/* 0 stands for "not given" in ctl.c: the defaults */
	if (ctl_given[0] && a.ctl_max == 0)
		fatalx("max clients must be at least 1");
	if (ctl_given[1] && a.ctl_max_uid == 0)
		fatalx("max clients of a user must be at least 1");
	if (ctl_given[2] && a.ctl_timeout_ms == 0)
		fatalx("the client timeout must be at least 1 ms");
	if (a.move_ms == 0 || a.boot_ms == 0 || a.libvirt_ms == 0)
		fatalx("the move, boot and libvirt timeouts must be at least 1 ms");
	a.region_spec = region;
	/* a simulated node runs no kexec-tools unless named: its kernel is the host's */
	if (a.kexec == NULL)
		a.kexec = lifecycle_real_node(region) ? "kexec" : "stand-in";
	a.kexec_stand_in = strcmp(a.kexec, "stand-in") == 0;
	reboot_files(&a);
	backend_setup(&a, sim_root);
	if ((rc = region_map(&a.region, region, 0, 0, cause, sizeof(cause))) < 0 ||
	    (rc = region_attach(&a.region, cause, sizeof(cause))) < 0)
		fatalx("%s: %s", region, cause);
	if (a.node >= a.region.layout.nodes)
		fatalx("node %u: the region has nodes 0 to %u", a.node, a.region.layout.nodes - 1);
	if (admin != NULL) {
		struct group *gr = getgrnam(admin);
		if (gr == NULL)
			fatalx("admin group '%s' does not exist", admin);
		a.admin_gid = gr->gr_gid;
		a.have_admin_gid = 1;
	}
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon");
	if ((rc = node_attach(&a.region, a.node, MINT_NODE_ONLINE, (uint32_t)getpid(), &a.epoch)) < 0)
		fatalx("node %u: cannot attach: %s", a.node, strerror(-rc));
	log_info("node %u online, epoch %" PRIu32 ", region generation %" PRIu32, a.node, a.epoch,
	    a.region.generation);
	/*
	 * Beat from now on: taking back what the table gives this node (many
	 * entries after a large boot) must not get it declared dead. The loop
	 * silent for 10 dead-after periods (at least 5 s) is wedged: go silent too.
	 */
	if ((rc = beat_start(&a.beat, &a.region, a.node, hb_ms, (int64_t)(dead_after * hb_ms * 10 <
	    5000 ? 5000 : dead_after * hb_ms * 10) * 1000000)) < 0)
		fatalx("node %u: no heartbeat thread: %s", a.node, strerror(-rc));
	if (!a.beat.realtime)
		log_info("heartbeat without a real-time priority (no CAP_SYS_NICE): a starved host may "
		    "get this node declared dead");

	guests_init(&a.guests, strcmp(uri, "none") == 0 ? NULL : uri);
	watch_init(&a.watch, a.node, (int64_t)dead_after * hb_ms * 1000000);
	a.loop = EV_DEFAULT;
	if (ctl_open(&a, sock, group) < 0)
		fatal("control socket %s", sock);
	if (peers_open(&a) < 0)
		fatalx("node %u: cannot reach the other nodes", a.node);
	a.backend.self = a.node;
	if ((rc = worker_new(a.loop, &a.worker)) < 0)
		fatalx("node %u: no worker: %s", a.node, strerror(-rc));
	if (move_init(&a) < 0)
		fatalx("node %u: moves cannot start", a.node);
	move_check_own(&a);
	tunnel_init(&a);
	a.started = ev_now(a.loop);
	ev_timer_init(&a.heartbeat, agent_heartbeat_cb, 0, hb_ms / 1000.0);
	a.heartbeat.data = &a;
	ev_timer_start(a.loop, &a.heartbeat);
	ev_timer_init(&a.sample, agent_sample_cb, 0, sample_ms / 1000.0);
	a.sample.data = &a;
	ev_timer_start(a.loop, &a.sample);
	ev_signal_init(&a.sigint, agent_signal_cb, SIGINT);
	a.sigint.data = &a;
	ev_signal_start(a.loop, &a.sigint);
	ev_signal_init(&a.sigterm, agent_signal_cb, SIGTERM);
	a.sigterm.data = &a;
	ev_signal_start(a.loop, &a.sigterm);

	ev_run(a.loop, 0);

	beat_stop(&a.beat);
	tunnel_shutdown(&a);
	peers_close(&a);
	ctl_close(&a);
	(void)worker_free(a.worker);	/* -EBUSY: a call still hangs; the exit ends it */
	if (!a.listing)
		guests_close(&a.guests);
	if (a.reexec) {
		/* a kexec that returned: the agent comes back as a new kernel's would, new epoch */
		region_unmap(&a.region);
		log_info("node %u: starting again after kexec", a.node);
		execv("/proc/self/exe", orig_argv);
		fatal("execv");
	}
	node_set_state(&a.region, a.node, MINT_NODE_ABSENT);
	region_unmap(&a.region);
	if (a.stopping && a.stop_hook != NULL) {
		log_info("node %u: shut down; %s", a.node, a.stop_hook);
		execl("/bin/sh", "sh", "-c", a.stop_hook, (char *)NULL);
		fatal("stop hook");
	}
	return 0;
}
