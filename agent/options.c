/* mint-agent's options: the config file, then getopt, into struct agent_options. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/options.h"
#include "agent/tunnel.h"
#include "common/cause.h"
#include "common/parse.h"

/* One code per option: the short ones are their letter, the long-only ones follow. */
enum option_code {
	OPT_REGION = 'r', OPT_NODE = 'n', OPT_HEARTBEAT = 'H', OPT_SAMPLE = 's', OPT_PROC = 'p',
	OPT_CONNECT = 'c', OPT_SOCKET = 'S', OPT_GROUP = 'g', OPT_ADMIN_GROUP = 'a',
	OPT_TIMEOUT = 'T', OPT_DEAD_AFTER = 'D', OPT_CORES = 'C', OPT_MODE = 'M', OPT_CONFIG = 'F',
	OPT_FOREGROUND = 'f', OPT_VERBOSE = 'v', OPT_HELP = 'h',
	OPT_SYSFS = 256, OPT_SIM_ROOT, OPT_CPUSET_ROOT, OPT_MEMCG_ROOT, OPT_MOVE_TIMEOUT,
	OPT_MEM_FLOOR, OPT_IRQ, OPT_KEXEC, OPT_START_HOOK, OPT_STOP_HOOK, OPT_KERNEL, OPT_INITRD,
	OPT_BOOT_TIMEOUT, OPT_REGION_PHYS, OPT_TUNNEL_DIR, OPT_LIBVIRT_SOCKET, OPT_CORE_MAP,
	OPT_MAX_CLIENTS, OPT_MAX_CLIENTS_UID, OPT_CLIENT_TIMEOUT, OPT_LIBVIRT_TIMEOUT,
	OPT_ALLOW_HOST_KEXEC, OPT_METRICS,
};

static const struct option long_opts[] = {
	{ "region", required_argument, NULL, OPT_REGION },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "proc", required_argument, NULL, OPT_PROC },
	{ "connect", required_argument, NULL, OPT_CONNECT },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "admin-group", required_argument, NULL, OPT_ADMIN_GROUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "dead-after", required_argument, NULL, OPT_DEAD_AFTER },
	{ "cores", required_argument, NULL, OPT_CORES },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "sim-root", required_argument, NULL, OPT_SIM_ROOT },
	{ "cpuset-root", required_argument, NULL, OPT_CPUSET_ROOT },
	{ "memcg-root", required_argument, NULL, OPT_MEMCG_ROOT },
	{ "move-timeout", required_argument, NULL, OPT_MOVE_TIMEOUT },
	{ "mem-floor", required_argument, NULL, OPT_MEM_FLOOR },
	{ "irq", required_argument, NULL, OPT_IRQ },
	{ "kexec", required_argument, NULL, OPT_KEXEC },
	{ "start-hook", required_argument, NULL, OPT_START_HOOK },
	{ "stop-hook", required_argument, NULL, OPT_STOP_HOOK },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "boot-timeout", required_argument, NULL, OPT_BOOT_TIMEOUT },
	{ "region-phys", required_argument, NULL, OPT_REGION_PHYS },
	{ "tunnel-dir", required_argument, NULL, OPT_TUNNEL_DIR },
	{ "libvirt-socket", required_argument, NULL, OPT_LIBVIRT_SOCKET },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "core-map", required_argument, NULL, OPT_CORE_MAP },
	{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
	{ "max-clients-uid", required_argument, NULL, OPT_MAX_CLIENTS_UID },
	{ "client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT },
	{ "libvirt-timeout", required_argument, NULL, OPT_LIBVIRT_TIMEOUT },
	{ "allow-host-kexec", no_argument, NULL, OPT_ALLOW_HOST_KEXEC },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

void
options_usage(FILE *f)
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
	    "      --metrics ADDR:PORT  serve the whole machine for Prometheus (GET /metrics)\n"
	    "                         on ADDR:PORT, like 127.0.0.1:9478 (off by default)\n"
	    "  -F, --config FILE      options from FILE, one \"key value\" a line (key: a long\n"
	    "                         option without --); the command line overrides them\n"
	    "  -f, --foreground       stay in the foreground, log to stderr (else: syslog)\n"
	    "  -v, --verbose          log debugging detail\n"
	    "  -h, --help             this text\n");
}

/*
 * A config file of "key value" lines (the long options without "--"): they
 * come first in o->conf_argv, so the command line overrides them. 0 (no
 * file named, or read), or -errno with the sentence in cause.
 */
static int
options_read_config(struct agent_options *o, int argc, char **argv, char *cause, size_t len)
{
	const char *path = NULL;
	char line[1024];
	int n = 1, cap = argc + 64, rc;
	FILE *f;

	for (int i = 1; i < argc; i++)
		if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-F") == 0) && i + 1 < argc)
			path = argv[i + 1];
	if (path == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL)
		return cause_fail(cause, len, -errno, "config %s: %s", path, strerror(errno));
	if ((o->conf_argv = calloc((size_t)cap, sizeof(*o->conf_argv))) == NULL) {
		rc = cause_fail(cause, len, -ENOMEM, "config %s: out of memory", path);
		goto close_file;
	}
	o->conf_argv[0] = argv[0];
	while (fgets(line, sizeof(line), f) != NULL) {
		char *key = strtok(line, " \t\r\n"), *val = strtok(NULL, "\r\n");
		char opt[64];

		if (key == NULL || key[0] == '#')
			continue;
		while (val != NULL && (*val == ' ' || *val == '\t'))
			val++;
		if (n + 2 >= cap - argc) {
			rc = cause_fail(cause, len, -E2BIG, "%s: too many lines", path);
			goto close_file;
		}
		snprintf(opt, sizeof(opt), "--%s", key);
		if ((o->conf_argv[n++] = strdup(opt)) == NULL ||
		    (val != NULL && *val != '\0' && (o->conf_argv[n++] = strdup(val)) == NULL)) {
			rc = cause_fail(cause, len, -ENOMEM, "config %s: out of memory", path);
			goto close_file;
		}
	}
	o->conf_argc = n;
	for (int i = 1; i < argc; i++)
		o->conf_argv[n++] = argv[i];
	rc = 0;
close_file:
	fclose(f);
	return rc;
}

static void
options_defaults(struct agent_options *o, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->heartbeat_ms = 100;
	o->sample_ms = 1000;
	o->dead_after = 3;
	o->proc = "/proc";
	o->uri = "qemu:///system";
	o->socket = CTL_DEFAULT;
	o->group = "mint";
	o->request_ms = 2000;
	o->move_ms = 10000;
	o->libvirt_ms = 20000;
	o->boot_ms = 60000;
	o->mem_floor = 256ull << 20;
	o->sysfs = "/sys";
	o->argv = argv;
}

/* A number from 0 to max into *out, or -EINVAL with the sentence in cause. */
static int
options_uint(const char *s, const char *what, unsigned long max, int *out, char *cause, size_t len)
{
	unsigned long v;

	if (parse_uint(s, max, &v) < 0)
		return cause_fail(cause, len, -EINVAL, "%s '%s' is not a number from 0 to %lu", what, s,
		    max);
	*out = (int)v;
	return 0;
}

static int
options_mode(struct agent_options *o, const char *s, char *cause, size_t len)
{
	if (strcmp(s, "real") == 0)
		o->mode = MINT__CORE_MODE__CORES_REAL;
	else if (strcmp(s, "cpuset") == 0)
		o->mode = MINT__CORE_MODE__CORES_CPUSET;
	else if (strcmp(s, "synthetic") == 0)
		o->mode = MINT__CORE_MODE__CORES_SYNTHETIC;
	else
		return cause_fail(cause, len, -EINVAL, "mode '%s' is not real, cpuset or synthetic", s);
	return 0;
}

/* --region-phys ADDR+SIZE */
static int
options_region_phys(struct agent_options *o, const char *s, char *cause, size_t len)
{
	char *plus = strchr(s, '+'), *end;

	o->region_phys = strtoull(s, &end, 0);
	if (plus == NULL || end != plus || parse_size(plus + 1, &o->region_phys_size) < 0)
		return cause_fail(cause, len, -EINVAL,
		    "region-phys '%s' is not ADDR+SIZE, like 0x100000000+64M", s);
	return 0;
}

/* The options that take a number of some range: 0, 1 (not one of them), -EINVAL. */
static int
options_number(struct agent_options *o, int code, const char *s, char *cause, size_t len)
{
	int v = 0, rc = 0;

	switch (code) {
	case OPT_NODE:
		rc = options_uint(s, "node", MINT_MAX_NODES - 1, &v, cause, len);
		o->node = (unsigned)v, o->have_node = 1;
		break;
	case OPT_HEARTBEAT:
		rc = options_uint(s, "heartbeat period", 60000, &v, cause, len);
		o->heartbeat_ms = (unsigned)v;
		break;
	case OPT_SAMPLE:
		rc = options_uint(s, "sampling period", 600000, &v, cause, len);
		o->sample_ms = (unsigned)v;
		break;
	case OPT_DEAD_AFTER:
		rc = options_uint(s, "dead-after periods", 1000, &v, cause, len);
		o->dead_after = (unsigned)v;
		break;
	case OPT_TIMEOUT:
		return options_uint(s, "timeout", 600000, &o->request_ms, cause, len);
	case OPT_BOOT_TIMEOUT:
		return options_uint(s, "boot timeout", 3600000, &o->boot_ms, cause, len);
	case OPT_MOVE_TIMEOUT:
		return options_uint(s, "move timeout", 600000, &o->move_ms, cause, len);
	case OPT_LIBVIRT_TIMEOUT:
		return options_uint(s, "libvirt timeout", 3600000, &o->libvirt_ms, cause, len);
	case OPT_MAX_CLIENTS:
		o->ctl_given[0] = 1;
		return options_uint(s, "max clients", 1000000, &o->ctl_max, cause, len);
	case OPT_MAX_CLIENTS_UID:
		o->ctl_given[1] = 1;
		return options_uint(s, "max clients of a user", 1000000, &o->ctl_max_uid, cause, len);
	case OPT_CLIENT_TIMEOUT:
		o->ctl_given[2] = 1;
		return options_uint(s, "client timeout", 3600000, &o->ctl_timeout_ms, cause, len);
	default:
		return 1;
	}
	return rc;
}

/* One option: 0, OPTIONS_HELP, OPTIONS_USAGE, or -EINVAL with the sentence in cause. */
static int
options_one(struct agent_options *o, int code, const char *arg, char *cause, size_t len)
{
	int rc;

	if ((rc = options_number(o, code, arg, cause, len)) <= 0)
		return rc;
	switch (code) {
	case OPT_REGION: o->region = arg; break;
	case OPT_PROC: o->proc = arg; break;
	case OPT_CONNECT: o->uri = arg; break;
	case OPT_SOCKET: o->socket = arg; break;
	case OPT_GROUP: o->group = arg; break;
	case OPT_ADMIN_GROUP: o->admin_group = arg; break;
	case OPT_CONFIG: break;		/* read by options_read_config */
	case OPT_SYSFS: o->sysfs = arg; break;
	case OPT_SIM_ROOT: o->sim_root = arg; break;
	case OPT_CPUSET_ROOT: o->cpuset_root = arg; break;
	case OPT_MEMCG_ROOT: o->memcg_root = arg; break;
	case OPT_IRQ: o->irq = arg; break;
	case OPT_KEXEC: o->kexec = arg; break;
	case OPT_ALLOW_HOST_KEXEC: o->allow_host_kexec = 1; break;
	case OPT_START_HOOK: o->start_hook = arg; break;
	case OPT_STOP_HOOK: o->stop_hook = arg; break;
	case OPT_KERNEL: o->kernel = arg; break;
	case OPT_INITRD: o->initrd = arg; break;
	case OPT_TUNNEL_DIR: o->tunnel_dir = arg; break;
	case OPT_LIBVIRT_SOCKET: o->libvirt_socket = arg; break;
	case OPT_METRICS: o->metrics = arg; break;
	case OPT_FOREGROUND: o->foreground = 1; break;
	case OPT_VERBOSE: o->verbose = 1; break;
	case OPT_HELP: return OPTIONS_HELP;
	case OPT_REGION_PHYS: return options_region_phys(o, arg, cause, len);
	case OPT_MODE: return options_mode(o, arg, cause, len);
	case OPT_CORES:
		if (cpulist_parse(arg, o->cores) < 0)
			return cause_fail(cause, len, -EINVAL,
			    "cores '%s' is not a list like 0-2,5 (cores below %d)", arg, CPULIST_MAX);
		o->have_cores = 1;
		break;
	case OPT_CORE_MAP:
		if (strlen(arg) >= BACKEND_PATH)
			return cause_fail(cause, len, -EINVAL, "core map path '%s' is too long", arg);
		o->core_map = arg;
		break;
	case OPT_MEM_FLOOR:
		if (parse_size(arg, &o->mem_floor) < 0)
			return cause_fail(cause, len, -EINVAL,
			    "memory floor '%s' is not a size like 512M or 1G", arg);
		break;
	default:
		return OPTIONS_USAGE;
	}
	return 0;
}

int
options_parse(struct agent_options *o, int argc, char **argv, char *cause, size_t len)
{
	int c, rc;

	options_defaults(o, argv);
	if ((rc = options_read_config(o, argc, argv, cause, len)) < 0)
		return rc;
	if (o->conf_argv != NULL) {
		argc = o->conf_argc + argc - 1;
		argv = o->conf_argv;
	}
	optind = 0;	/* glibc: start afresh, so that a second parse (tests) sees its own argv */
	while ((c = getopt_long(argc, argv, "r:n:H:s:p:c:S:g:a:T:D:F:fvh", long_opts, NULL)) != -1)
		if ((rc = options_one(o, c, optarg, cause, len)) != 0)
			return rc;
	if (optind != argc || o->region == NULL || !o->have_node)
		return OPTIONS_USAGE;
	return 0;
}

/* ADDR:PORT: something, a colon, a port number. */
static int
addr_port_ok(const char *s)
{
	const char *colon = strrchr(s, ':');

	return colon != NULL && colon != s && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1);
}

int
options_check(const struct agent_options *o, char *cause, size_t len)
{
	if (o->heartbeat_ms == 0 || o->sample_ms == 0 || o->dead_after == 0)
		return cause_fail(cause, len, -EINVAL,
		    "periods must be at least 1 ms, and dead-after at least 1");
	/* checked here, before the node attaches; the address itself when it listens */
	if (o->metrics != NULL && !addr_port_ok(o->metrics))
		return cause_fail(cause, len, -EINVAL, "--metrics %s: give ADDR:PORT, like "
		    "127.0.0.1:9478 or [::]:9478", o->metrics);
	/* 0 stands for "not given" in ctl.c: the defaults */
	if (o->ctl_given[0] && o->ctl_max == 0)
		return cause_fail(cause, len, -EINVAL, "max clients must be at least 1");
	if (o->ctl_given[1] && o->ctl_max_uid == 0)
		return cause_fail(cause, len, -EINVAL, "max clients of a user must be at least 1");
	if (o->ctl_given[2] && o->ctl_timeout_ms == 0)
		return cause_fail(cause, len, -EINVAL, "the client timeout must be at least 1 ms");
	if (o->move_ms == 0 || o->boot_ms == 0 || o->libvirt_ms == 0)
		return cause_fail(cause, len, -EINVAL,
		    "the move, boot and libvirt timeouts must be at least 1 ms");
	return 0;
}

void
options_free(struct agent_options *o)
{
	/* the config file's strings; the command line's belong to the caller */
	for (int i = 1; o->conf_argv != NULL && i < o->conf_argc; i++)
		free(o->conf_argv[i]);
	free(o->conf_argv);
	o->conf_argv = NULL;
}
