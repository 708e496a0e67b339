/*
 * Node lifecycle: boot another node (check, reserve, kexec --load, the start
 * hook, follow it until it heartbeats), shut this node down, reboot it in
 * place through kexec. Stock Linux cannot start a second kernel on spare
 * cores: that step is the start hook, which Mint's kernel (or, in the
 * simulated machine, mint-console machine hook) provides.
 */
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

#include <libvirt/libvirt.h>

#include "agent/agent.h"
#include "agent/worker.h"
#include "common/cause.h"
#include "common/cpulist.h"
#include "common/log.h"
#include "shm/node.h"

struct boot {
	struct agent *a;
	struct reply_to rt;
	unsigned node;
	uint32_t epoch0;		/* the node's epoch before: it must come back with another */
	unsigned *res;			/* entries reserved (BOOTING for the node) */
	uint64_t *word;
	int nres, cap;			/* cap: the table's entries, each wanted once at most */
	int full;			/* more were asked for than cap */
	char kernel[256], initrd[256], cmdline[2048], cpus[256], mem[512], devices[512];
	ev_child child;
	ev_timer timer;
	int phase;			/* 0: kexec --load, 1: the start hook, 2: waiting */
	ev_tstamp started;
};

/* Append one problem to the list of a refused request. */
static void
problem(char *msg, size_t len, size_t *off, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(char *msg, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;

	if (*off >= len)
		return;
	if (*off > 0)
		*off += (size_t)snprintf(msg + *off, len - *off, "; ");
	if (*off >= len)
		return;
	va_start(ap, fmt);
	*off += (size_t)vsnprintf(msg + *off, len - *off, fmt, ap);
	va_end(ap);
}

/* Release what a failed boot reserved; what the node took meanwhile stays its. */
static void
boot_release(struct boot *b)
{
	for (int i = 0; i < b->nres; i++)
		if (res_move(&b->a->region, b->res[i], &b->word[i], MINT_RS_FREE, MINT_NO_NODE, b->node,
		    b->a->epoch, 0) < 0)
			log_debug("boot of node %u: entry %u changed meanwhile", b->node, b->res[i]);
	b->nres = 0;
}

static void
boot_free(struct boot *b)
{
	free(b->res);
	free(b->word);
	free(b);
}

static void
boot_end(struct boot *b, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
boot_end(struct boot *b, int rc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rc < 0) {
		boot_release(b);
		log_warn("%s", msg);
	} else {
		log_info("%s", msg);
	}
	ev_child_stop(b->a->loop, &b->child);
	ev_timer_stop(b->a->loop, &b->timer);
	agent_reply(b->a, &b->rt, rc, msg);
	if (b->a->life.booting == b)
		b->a->life.booting = NULL;
	boot_free(b);
}

static void boot_child_cb(struct ev_loop *loop, ev_child *w, int revents);

int
lifecycle_real_node(const char *region_spec)
{
	return strncmp(region_spec, "dev:", 4) == 0 || strncmp(region_spec, "pci:", 4) == 0;
}

/*
 * The kexec stand-in's --load: the checks kexec would make of the files,
 * nothing loaded. 0, or -errno with the reason in msg.
 */
static int
stand_in_load(const char *kernel, const char *initrd, char *msg, size_t len)
{
	const char *f[2] = { kernel, initrd };
	struct stat st;

	for (int i = 0; i < 2; i++) {
		if (f[i] == NULL || f[i][0] == '\0')
			continue;
		if (stat(f[i], &st) < 0 || (S_ISREG(st.st_mode) && access(f[i], R_OK) < 0)) {
			int e = errno;
			snprintf(msg, len, "kexec stand-in: %s: %s", f[i], strerror(e));
			return -e;
		}
		if (!S_ISREG(st.st_mode))
			return cause_fail(msg, len, -EINVAL, "kexec stand-in: %s: not a file",
			    f[i]);
	}
	return 0;
}

/*
 * Run argv (phase 0; NULL: the stand-in, which has nothing to run) or the
 * hook through sh -c (phase 1), with the boot's environment.
 */
static int
boot_spawn(struct boot *b, char *const argv[])
{
	struct agent *a = b->a;
	char node[16];
	pid_t pid;

	snprintf(node, sizeof(node), "%u", b->node);
	if ((pid = fork()) < 0)
		return -errno;
	if (pid == 0) {
		if (argv == NULL)
			_exit(0);
		setenv("MINT_NODE", node, 1);
		setenv("MINT_CPUS", b->cpus, 1);
		setenv("MINT_MEM", b->mem, 1);
		setenv("MINT_DEVICES", b->devices, 1);
		setenv("MINT_KERNEL", b->kernel, 1);
		setenv("MINT_INITRD", b->initrd, 1);
		setenv("MINT_CMDLINE", b->cmdline, 1);
		setenv("MINT_REGION", a->region_spec, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	ev_child_init(&b->child, boot_child_cb, pid, 0);
	b->child.data = b;
	ev_child_start(a->loop, &b->child);
	return 0;
}

static void
boot_wait_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct boot *b = w->data;
	struct node_view v;

	if (node_read(&b->a->region, b->node, &v) == 0 && v.state == MINT_NODE_ONLINE &&
	    v.epoch != b->epoch0) {
		/* its agent took what was reserved for it (BOOTING -> OWNED) */
		b->nres = 0;
		boot_end(b, 0, "node %u booted: epoch %" PRIu32 ", cpus %s%s%s%s%s, in %.1f s",
		    b->node, v.epoch, b->cpus, b->mem[0] ? ", memory " : "", b->mem,
		    b->devices[0] ? ", devices " : "", b->devices, ev_now(loop) - b->started);
		return;
	}
	if (ev_now(loop) - b->started > b->a->life.boot_ms / 1000.0)
		boot_end(b, -ETIMEDOUT, "node %u did not heartbeat within %d ms: what was "
		    "reserved for it is free again", b->node, b->a->life.boot_ms);
}

static void
boot_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct boot *b = w->data;
	struct agent *a = b->a;
	int st = w->rstatus;

	ev_child_stop(loop, w);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		boot_end(b, -EIO, "node %u: %s failed (%s %d): nothing was started, the "
		    "reservation is released", b->node, b->phase == 0 ? "kexec --load" : "the start hook",
		    WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) :
		    WTERMSIG(st));
		return;
	}
	if (b->phase == 0) {
		char *argv[] = { "/bin/sh", "-c", a->life.start_hook, NULL };
		int rc;

		log_info("node %u: kernel loaded; starting it with the start hook", b->node);
		b->phase = 1;
		if ((rc = boot_spawn(b, argv)) < 0)
			boot_end(b, rc, "node %u: the start hook: %s", b->node, strerror(-rc));
		return;
	}
	log_info("node %u: started; waiting for its heartbeat", b->node);
	b->phase = 2;
	ev_timer_init(&b->timer, boot_wait_cb, 0.05, 0.1);
	b->timer.data = b;
	ev_timer_start(loop, &b->timer);
}

/*
 * Note entry i (its word as read) to reserve once every check passed. All or
 * nothing: what the kernel is given is reserved, every entry of it.
 */
static void
boot_add(struct boot *b, unsigned i, uint64_t word, char *msg, size_t len, size_t *off)
{
	if (b->nres == b->cap) {
		/* only a request that names an entry twice gets here (a problem noted already) */
		if (!b->full)
			problem(msg, len, off, "more than the %d entries of the resource table asked for",
			    b->cap);
		b->full = 1;
		return;
	}
	b->res[b->nres] = i;
	b->word[b->nres++] = word;
}

/* Check one wanted entry: it exists and is free; reserve it later. */
static void
want(struct agent *a, struct boot *b, int i, const char *what, char *msg, size_t len, size_t *off)
{
	struct res_view v;
	char w[64];

	if (i < 0) {
		problem(msg, len, off, "%s is not in the machine", what);
		return;
	}
	if (res_read(&a->region, (unsigned)i, &v) < 0) {
		problem(msg, len, off, "%s: damaged entry", what);
		return;
	}
	if (v.state != MINT_RS_FREE) {
		res_where(&v, 0, w, sizeof(w));
		problem(msg, len, off, "%s is %s", what, w);
		return;
	}
	for (int k = 0; k < b->nres; k++)
		if (b->res[k] == (unsigned)i) {
			problem(msg, len, off, "%s is asked for twice", what);
			return;
		}
	boot_add(b, (unsigned)i, v.word, msg, len, off);
}

/*
 * --append may not set what the boot sets itself: a second mint.node= or
 * memmap= would give the kernel another node's identity or memory. The
 * kernel splits its command line at any white space and takes a parameter
 * in quotes ("memmap=...") as the parameter: so does this check, and a
 * control character (a newline) is refused outright.
 */
static void
append_check(const char *append, char *msg, size_t len, size_t *off)
{
	static const char *const own[] = { "mint.node", "mint.region", "mint.cpus", "mint.devices",
	    "memmap" };
	char found[128] = "";
	size_t fo = 0;

	for (const char *c = append; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			problem(msg, len, off, "--append holds a control character (byte %d): only "
			    "printable words separated by spaces", (unsigned char)*c);
			return;
		}
	for (const char *w = append + strspn(append, " \t"); *w != '\0'; ) {
		size_t n = strcspn(w, " \t"), k;
		const char *name = w + (*w == '"');	/* the kernel drops a quote before a name */

		k = strcspn(name, "= \t\"");

		for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			if (k == strlen(own[i]) && strncmp(name, own[i], k) == 0 && fo < sizeof(found) &&
			    strstr(found, own[i]) == NULL)
				fo += (size_t)snprintf(found + fo, sizeof(found) - fo, "%s%s=", fo ? ", " : "",
				    own[i]);
		w += n;
		w += strspn(w, " \t");
	}
	if (found[0] != '\0')
		problem(msg, len, off, "--append sets %s, which the boot sets itself", found);
}

/* Append to buf at *off; -E2BIG, not a string cut in the middle of a token, if it does not fit. */
static int
put(char *buf, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= size)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *off) {
		buf[*off] = '\0';
		return -E2BIG;
	}
	*off += (size_t)n;
	return 0;
}

/*
 * What the kernel and the start hook are given: its cores, memory, devices
 * and the command line a Mint node needs (who it is, its memory, its cores,
 * the region). Whole, or the boot is refused: a list cut short would name a
 * core or a block that was never reserved.
 */
static int
boot_strings(struct agent *a, struct boot *b, const Mint__Boot *req, const uint64_t *bits,
    char *msg, size_t len)
{
	size_t o = 0;

	if (cpulist_format(bits, b->cpus, sizeof(b->cpus)) < 0)
		return cause_fail(msg, len, -E2BIG, "the core list does not fit in %zu bytes: boot "
		    "ranges of cores", sizeof(b->cpus));
	for (size_t i = 0; i < req->n_mem; i++)
		if (put(b->mem, sizeof(b->mem), &o, "%s%" PRIu64 "M@0x%" PRIx64, i ? "," : "",
		    req->mem[i]->bytes >> 20, req->mem[i]->addr) < 0)
			return cause_fail(msg, len, -E2BIG, "the memory list does not fit in %zu "
			    "bytes: give fewer, larger ranges", sizeof(b->mem));
	o = 0;
	for (size_t i = 0; i < req->n_devices; i++)
		if (put(b->devices, sizeof(b->devices), &o, "%s%s", i ? "," : "", req->devices[i]) < 0)
			return cause_fail(msg, len, -E2BIG,
			    "the device list does not fit in %zu bytes",
			    sizeof(b->devices));
	o = 0;
	if (put(b->kernel, sizeof(b->kernel), &o, "%s", req->kernel) < 0)
		return cause_fail(msg, len, -E2BIG, "the kernel's path is longer than %zu bytes",
		    sizeof(b->kernel) - 1);
	o = 0;
	if (put(b->initrd, sizeof(b->initrd), &o, "%s", req->initrd ? req->initrd : "") < 0)
		return cause_fail(msg, len, -E2BIG, "the initrd's path is longer than %zu bytes",
		    sizeof(b->initrd) - 1);
	o = 0;
	if (put(b->cmdline, sizeof(b->cmdline), &o, "mint.node=%u mint.region=%s mint.cpus=%s",
	    b->node, a->region_spec, b->cpus) < 0)
		goto long_cmdline;
	for (size_t i = 0; i < req->n_mem; i++)
		if (put(b->cmdline, sizeof(b->cmdline), &o, " memmap=%" PRIu64 "M@0x%" PRIx64,
		    req->mem[i]->bytes >> 20, req->mem[i]->addr) < 0)
			goto long_cmdline;
	if (req->n_devices > 0 &&
	    put(b->cmdline, sizeof(b->cmdline), &o, " mint.devices=%s", b->devices) < 0)
		goto long_cmdline;
	if (req->append != NULL && req->append[0] != '\0' &&
	    put(b->cmdline, sizeof(b->cmdline), &o, " %s", req->append) < 0)
		goto long_cmdline;
	return 0;
long_cmdline:
	return cause_fail(msg, len, -E2BIG, "the kernel command line does not fit in %zu bytes: a "
	    "shorter --append, or fewer memory ranges", sizeof(b->cmdline) - 1);
}

static struct boot *
boot_new(struct agent *a, const struct reply_to *rt, unsigned node)
{
	struct boot *b;

	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->res = calloc(a->region.layout.res_count + 1u, sizeof(*b->res))) == NULL ||
	    (b->word = calloc(a->region.layout.res_count + 1u, sizeof(*b->word))) == NULL) {
		if (b != NULL)
			boot_free(b);
		return NULL;
	}
	b->cap = (int)a->region.layout.res_count;
	b->a = a;
	b->rt = *rt;
	b->node = node;
	return b;
}

/* The node to boot exists, is not this one, and is down. */
static void
boot_check_node(struct agent *a, struct boot *b, char *msg, size_t len, size_t *off)
{
	struct node_view nv;

	if (b->node >= a->region.layout.nodes)
		problem(msg, len, off, "node %u: the region has nodes 0 to %u", b->node,
		    a->region.layout.nodes - 1);
	else if (node_read(&a->region, b->node, &nv) == 0 && nv.state != MINT_NODE_ABSENT &&
	    nv.state != MINT_NODE_DEAD && !a->watch.peer[b->node].dead && b->node != a->node)
		problem(msg, len, off, "node %u is %s (epoch %" PRIu32 "): shut it down first", b->node,
		    node_state_name(nv.state), nv.epoch);
	else if (b->node == a->node)
		problem(msg, len, off, "node %u is this node, running", b->node);
	else
		b->epoch0 = nv.epoch;
}

/* The kernel and the initrd are files, named so that kexec cannot take them for options. */
static void
boot_check_files(const Mint__Boot *req, char *msg, size_t len, size_t *off)
{
	struct stat st;

	if (req->kernel == NULL || req->kernel[0] == '\0')
		problem(msg, len, off, "no kernel (--kernel IMAGE)");
	else if (req->kernel[0] == '-')
		/* kexec would take it for an option */
		problem(msg, len, off, "kernel %s: a path may not start with '-' (./%s)", req->kernel,
		    req->kernel);
	else if (stat(req->kernel, &st) < 0 || !S_ISREG(st.st_mode))
		problem(msg, len, off, "kernel %s: %s", req->kernel,
		    errno ? strerror(errno) : "not a file");
	if (req->initrd != NULL && req->initrd[0] == '-')
		problem(msg, len, off, "initrd %s: a path may not start with '-' (./%s)", req->initrd,
		    req->initrd);
	else if (req->initrd != NULL && req->initrd[0] != '\0' &&
	    (stat(req->initrd, &st) < 0 || !S_ISREG(st.st_mode)))
		problem(msg, len, off, "initrd %s: %s", req->initrd, errno ? strerror(errno) : "not a file");
	if (req->append != NULL)
		append_check(req->append, msg, len, off);
}

/* Each core asked for is a free entry of the table; bits collects them for the command line. */
static void
boot_want_cpus(struct agent *a, struct boot *b, const Mint__Boot *req, uint64_t *bits, char *msg,
    size_t len, size_t *off)
{
	if (req->n_cpus == 0)
		problem(msg, len, off, "no cores (--cpus LIST)");
	for (size_t i = 0; i < req->n_cpus; i++) {
		char what[32];
		snprintf(what, sizeof(what), "cpu %" PRIu32, req->cpus[i]);
		want(a, b, res_find(&a->region, MINT_RES_CPU, req->cpus[i]), what, msg, len, off);
		if (req->cpus[i] < CPULIST_MAX)
			bits[req->cpus[i] / 64] |= 1ULL << (req->cpus[i] % 64);
	}
}

/* Every block of the range base+size must be a whole, free block of the table. */
static void
boot_want_range(struct agent *a, struct boot *b, uint64_t base, uint64_t size, char *msg,
    size_t len, size_t *off)
{
	uint64_t covered = 0;

	for (unsigned e = 0; e < a->region.layout.res_count; e++) {
		struct res_view v;
		char what[64], w[64];

		if (res_read(&a->region, e, &v) < 0 || v.kind != MINT_RES_MEM ||
		    v.base + v.size <= base || v.base >= base + size)
			continue;
		if (v.base < base || v.base + v.size > base + size) {
			problem(msg, len, off, "memory 0x%" PRIx64 "+%" PRIu64 "M cuts block %u "
			    "(0x%" PRIx64 "+%" PRIu64 "M): whole blocks only", base, size >> 20, v.index,
			    v.base, v.size >> 20);
			continue;
		}
		covered += v.size;
		res_describe(&v, what, sizeof(what));
		if (v.state != MINT_RS_FREE) {
			res_where(&v, 0, w, sizeof(w));
			problem(msg, len, off, "memory 0x%" PRIx64 ": %s is %s (it overlaps node "
			    "%u's memory)", base, what, w, v.owner);
		} else {
			boot_add(b, e, v.word, msg, len, off);
		}
	}
	if (covered < size)
		problem(msg, len, off, "memory 0x%" PRIx64 "+%" PRIu64 "M is not all memory "
		    "blocks of the machine", base, size >> 20);
}

/* The memory ranges: apart from each other and from the region, whole free blocks. */
static void
boot_want_mem(struct agent *a, struct boot *b, const Mint__Boot *req, char *msg, size_t len,
    size_t *off)
{
	for (size_t i = 0; i < req->n_mem; i++) {
		uint64_t base = req->mem[i]->addr, size = req->mem[i]->bytes;

		for (size_t k = 0; k < i; k++)
			if (base < req->mem[k]->addr + req->mem[k]->bytes &&
			    req->mem[k]->addr < base + size)
				problem(msg, len, off, "memory 0x%" PRIx64 " overlaps memory 0x%" PRIx64
				    " of the same request", base, req->mem[k]->addr);
		if (a->life.region_phys_size > 0 && base < a->life.region_phys + a->life.region_phys_size &&
		    a->life.region_phys < base + size)
			problem(msg, len, off, "memory 0x%" PRIx64 "+%" PRIu64 "M overlaps the shared "
			    "region", base, size >> 20);
		boot_want_range(a, b, base, size, msg, len, off);
	}
}

/*
 * Every check of a boot request, every problem at once as one message
 * (nothing is reserved until all is well): 0, or -errno.
 */
static int
boot_check(struct agent *a, struct boot *b, const Mint__Boot *req, uint64_t *bits, char *msg,
    size_t len)
{
	size_t off = 0;
	int rc;

	msg[0] = '\0';
	boot_check_node(a, b, msg, len, &off);
	boot_check_files(req, msg, len, &off);
	boot_want_cpus(a, b, req, bits, msg, len, &off);
	boot_want_mem(a, b, req, msg, len, &off);
	for (size_t i = 0; i < req->n_devices; i++) {
		char what[64];
		snprintf(what, sizeof(what), "device %s", req->devices[i]);
		want(a, b, res_find_name(&a->region, MINT_RES_DEV, req->devices[i]), what, msg, len,
		    &off);
	}
	if (a->life.start_hook == NULL && off == 0)
		problem(msg, len, &off, "node %u has no start hook (mint-agent --start-hook): stock "
		    "Linux cannot start a kernel on spare cores", a->node);
	if (off > 0 || b->full)
		return -EINVAL;
	if ((rc = boot_strings(a, b, req, bits, msg, len)) < 0)
		return rc;
	return 0;
}

/* Reserve: every entry BOOTING for the node, or none (-EAGAIN, the reason in msg). */
static int
boot_reserve(struct agent *a, struct boot *b, char *msg, size_t len)
{
	for (int i = 0; i < b->nres; i++)
		if (res_move(&a->region, b->res[i], &b->word[i], MINT_RS_BOOTING, b->node, MINT_NO_NODE,
		    a->epoch, 0) < 0) {
			struct res_view v;
			char what[64];

			res_read(&a->region, b->res[i], &v);
			res_describe(&v, what, sizeof(what));
			b->nres = i;
			boot_release(b);
			return cause_fail(msg, len, -EAGAIN,
			    "%s was taken meanwhile: nothing is reserved", what);
		}
	return 0;
}

/* kexec --load, or the stand-in's checks; the boot goes on in boot_child_cb. */
static void
boot_load(struct agent *a, struct boot *b)
{
	char initrd[300], line[2100];
	char *argv[6];
	int n = 0, rc;

	snprintf(initrd, sizeof(initrd), "--initrd=%s", b->initrd);
	snprintf(line, sizeof(line), "--command-line=%s", b->cmdline);
	argv[n++] = a->life.kexec;
	argv[n++] = "--load";
	argv[n++] = b->kernel;
	if (b->initrd[0] != '\0')
		argv[n++] = initrd;
	argv[n++] = line;
	argv[n] = NULL;
	if (a->life.kexec_stand_in)
		log_info("node %u: kexec stand-in: %s checked, nothing loaded (a simulated node)",
		    b->node, b->kernel);
	if ((rc = boot_spawn(b, a->life.kexec_stand_in ? NULL : argv)) < 0)
		boot_end(b, rc, "node %u: cannot run %s: %s", b->node, a->life.kexec, strerror(-rc));
}

int
handle_boot(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	const Mint__Boot *req = cmd->boot;
	uint64_t bits[CPULIST_WORDS] = { 0 };
	struct boot *b;
	int rc;

	if (req == NULL || !cmd->has_to_node)
		return cause_fail(msg, len, -EINVAL,
		    "boot which node, with what? (node boot NODE --kernel ... --cpus ...)");
	if (a->life.booting != NULL)
		return cause_fail(msg, len, -EBUSY,
		    "node %u is booting node %u: one boot at a time", a->node,
		    a->life.booting->node);
	if (a->life.stopping)
		return cause_fail(msg, len, -EBUSY, "node %u is shutting down: it boots no node "
		    "now (ask another node)", a->node);
	if ((b = boot_new(a, rt, cmd->to_node)) == NULL)
		return cause_fail(msg, len, -ENOMEM, "out of memory");
	if ((rc = boot_check(a, b, req, bits, msg, len)) < 0) {
		log_info("boot refused: %s", msg);
		goto free_boot;
	}
	if (cmd->has_dry_run && cmd->dry_run) {
		snprintf(msg, len, "dry run: node %u would boot, %d entries reserved for it: cpus %s%s%s%s%s; "
		    "%s --load %s --command-line=%s; then the start hook. Nothing was done", b->node,
		    b->nres, b->cpus, b->mem[0] ? ", memory " : "", b->mem, b->devices[0] ?
		    ", devices " : "", b->devices, a->life.kexec, b->kernel, b->cmdline);
		rc = 0;
		goto free_boot;
	}
	if ((rc = boot_reserve(a, b, msg, len)) < 0)
		goto free_boot;
	b->started = ev_now(a->loop);
	a->life.booting = b;
	log_info("booting node %u (asked by uid %d): %d entries reserved; %s --load %s: %s",
	    b->node, (int)who->uid, b->nres, a->life.kexec, b->kernel, b->cmdline);
	boot_load(a, b);
	return HANDLE_LATER;
free_boot:
	boot_free(b);
	return rc;
}

/*
 * A console left: the boot, shutdown or reboot it asked for goes on, and its
 * answer goes to nobody (the client is freed once this returns).
 */
void
lifecycle_forget(struct agent *a, struct client *c)
{
	if (a->life.booting != NULL && a->life.booting->rt.client == c)
		a->life.booting->rt.client = NULL, a->life.booting->rt.node = MINT_NO_NODE;
	if (a->life.shutdown_rt.client == c)
		a->life.shutdown_rt.client = NULL, a->life.shutdown_rt.node = MINT_NO_NODE;
}

/* ---- shutdown ---- */

/* Stop every running guest: a clean shutdown, then destroy after a while. */
static int
guests_stop_all(struct job *j)
{
	struct agent *a = j->arg;
	virConnectPtr c = virConnectOpen(a->guests.uri);
	virDomainPtr *doms = NULL;
	int n;

	if (c == NULL) {
		snprintf(j->msg, sizeof(j->msg), "libvirt %s: cannot connect", a->guests.uri);
		return -ECONNREFUSED;
	}
	n = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (int i = 0; i < n; i++)
		virDomainShutdown(doms[i]);
	for (int t = 0; t < 100 && n > 0; t++) {
		int left = 0;
		for (int i = 0; i < n; i++)
			left += virDomainIsActive(doms[i]) == 1;
		if (left == 0)
			break;
		usleep(100000);
	}
	for (int i = 0; i < n; i++) {
		if (virDomainIsActive(doms[i]) == 1)
			virDomainDestroy(doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	snprintf(j->msg, sizeof(j->msg), "%d guests stopped", n < 0 ? 0 : n);
	return n < 0 ? -EIO : 0;
}

static void
shutdown_exit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

/* The guests are stopped: give everything back, answer, and leave. */
static void
shutdown_release(struct job *j)
{
	struct agent *a = j->arg;
	char msg[1024], what[64], why[256];
	size_t off;
	unsigned freed = 0;

	node_set_state(&a->region, a->node, MINT_NODE_STOPPING);
	if (a->backend.ops->leave != NULL)
		a->backend.ops->leave(&a->backend, why, sizeof(why));
	off = (size_t)snprintf(msg, sizeof(msg), "node %u shut down (%s); free now:", a->node, j->msg);
	for (unsigned i = 0; i < a->region.layout.res_count; i++) {
		struct res_view v;

		if (res_read(&a->region, i, &v) < 0 || v.kind == MINT_RES_NONE || v.owner != a->node ||
		    v.state == MINT_RS_FREE || v.state == MINT_RS_CLAIMING)
			continue;
		res_describe(&v, what, sizeof(what));
		/* its kernel is going away: what it cannot take down goes anyway */
		if (backend_apply(&a->backend, &v, a->node, 0, why, sizeof(why)) < 0)
			log_debug("%s: %s", what, why);
		if (res_move(&a->region, i, &v.word, MINT_RS_FREE, MINT_NO_NODE, a->node, a->epoch, 0) == 0) {
			freed++;
			if (off < sizeof(msg))
				off += (size_t)snprintf(msg + off, sizeof(msg) - off, " %s", what);
		}
	}
	if (freed == 0 && off < sizeof(msg))
		snprintf(msg + off, sizeof(msg) - off, " nothing");
	log_info("%s", msg);
	agent_reply(a, &a->life.shutdown_rt, 0, msg);
	a->life.stopping = 1;
	/* a moment for the answer to reach the asker's ring, then out */
	ev_timer_init(&a->life.exit_timer, shutdown_exit_cb, 0.2, 0);
	ev_timer_start(a->loop, &a->life.exit_timer);
	free(j);
}

/*
 * What a shutdown asks libvirt, in workers with the libvirt timeout: a hung
 * libvirtd must not stall the loop (and get the node declared dead). The job
 * comes first: shutdown_release frees it as a struct job.
 */
struct shut {
	struct job j;
	struct agent *a;
	int force;
	int n;
	char cause[256];
	struct guest_info g[GUESTS_MAX];
};

static void shutdown_stop_expired(struct job *j, int ran);
static void shutdown_stop_done(struct job *j);

static void
shutdown_refuse(struct agent *a, int rc, const char *msg)
{
	log_info("shutdown refused: %s", msg);
	a->life.stopping = 0;
	agent_reply(a, &a->life.shutdown_rt, rc, msg);
	a->life.shutdown_rt.client = NULL, a->life.shutdown_rt.node = MINT_NO_NODE;
}

static int
shutdown_list_run(struct job *j)
{
	struct shut *s = (struct shut *)j;
	struct guests now;
	int rc;

	/* asked now, not the last sample; on a connection of its own (the sampler has one) */
	memset(&now, 0, sizeof(now));	/* not guests_init: that sets libvirt's globals */
	now.uri = s->a->guests.uri;
	rc = guests_list(&now, s->g, GUESTS_MAX, &s->n, 0, s->cause, sizeof(s->cause));
	guests_close(&now);
	return rc;
}

static void
shutdown_listed(struct job *j)
{
	struct shut *s = (struct shut *)j;
	struct agent *a = s->a;
	char msg[1024];
	size_t off;
	int running = 0;

	if (j->late) {
		free(s);	/* refused at the deadline already */
		return;
	}
	if (a->move.list != NULL || a->life.booting != NULL) {
		shutdown_refuse(a, -EBUSY, a->move.list ? "node busy moving resources: try again when it is "
		    "done" : "node busy booting a node: try again when it is done");
		free(s);
		return;
	}
	/* guests that could not be listed may run: only --force goes on without knowing */
	if (j->rc < 0 && !s->force) {
		snprintf(msg, sizeof(msg), "node %u not shut down: its guests could not be listed "
		    "(%s), so whether any runs is unknown; nothing was stopped (--force shuts it "
		    "down all the same)", a->node, s->cause);
		shutdown_refuse(a, j->rc, msg);
		free(s);
		return;
	}
	if (j->rc < 0)
		log_warn("shutting down with --force, its guests unknown: %s", s->cause);
	/* a hypervisor that is not there runs no guests */
	off = (size_t)snprintf(msg, sizeof(msg), "node %u runs guests:", a->node);
	for (int i = 0; j->rc == 0 && i < s->n; i++)
		if (s->g[i].state == MINT__GUEST_STATE__GUEST_RUNNING ||
		    s->g[i].state == MINT__GUEST_STATE__GUEST_PAUSED) {
			running++;
			if (off < sizeof(msg))
				off += (size_t)snprintf(msg + off, sizeof(msg) - off, " %s", s->g[i].name);
		}
	if (running > 0 && !s->force) {
		if (off < sizeof(msg))
			snprintf(msg + off, sizeof(msg) - off, ": stop them first, or --force to stop them");
		shutdown_refuse(a, -EBUSY, msg);
		free(s);
		return;
	}
	log_info("shutting down%s", running ? ", stopping its guests first" : "");
	memset(&s->j, 0, sizeof(s->j));
	s->j.arg = a;
	if (running == 0) {
		snprintf(s->j.msg, sizeof(s->j.msg), "no guests");
		shutdown_release(&s->j);
		return;
	}
	s->j.fn = guests_stop_all;
	s->j.done = shutdown_stop_done;
	s->j.lane = WORKER_LIBVIRT;
	/* guests_stop_all gives them 10 s to shut down */
	if (worker_run_until(a->worker, &s->j, a->libvirt_ms / 1000.0 + 10, shutdown_stop_expired) < 0) {
		shutdown_refuse(a, -EBUSY, "node busy: no libvirt worker free to stop its guests; "
		    "nothing was stopped");
		free(s);
	}
}

static void
shutdown_stop_done(struct job *j)
{
	if (j->late) {
		log_info("shutdown: libvirt answered after the deadline (%s); the node stays up", j->msg);
		free(j);
		return;
	}
	shutdown_release(j);
}

static void
shutdown_stop_expired(struct job *j, int ran)
{
	struct agent *a = j->arg;
	char msg[512];

	snprintf(msg, sizeof(msg), "node %u not shut down: libvirt %s did not answer within %.1f s "
	    "while its guests were stopped; it stays up with everything it owns (some guests may "
	    "have stopped)", a->node, a->guests.uri, a->libvirt_ms / 1000.0 + 10);
	shutdown_refuse(a, -ETIMEDOUT, msg);
	if (!ran)
		free(j);
}

static void
shutdown_list_expired(struct job *j, int ran)
{
	struct shut *s = (struct shut *)j;
	struct agent *a = s->a;
	char msg[512];

	if (ran)
		snprintf(msg, sizeof(msg), "node %u not shut down: libvirt %s did not answer within "
		    "%.1f s, so whether guests run is unknown (is libvirtd hung?); nothing was stopped",
		    a->node, a->guests.uri, a->libvirt_ms / 1000.0);
	else
		snprintf(msg, sizeof(msg), "node %u not shut down: no libvirt worker free within %.1f "
		    "s; nothing was stopped", a->node, a->libvirt_ms / 1000.0);
	shutdown_refuse(a, ran ? -ETIMEDOUT : -EBUSY, msg);
	if (!ran)
		free(s);
}

int
handle_shutdown(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	struct shut *s;

	if (a->life.stopping || a->move.list != NULL || a->life.booting != NULL)
		return cause_fail(msg, len, -EBUSY,
		    "node %u is busy (%s): try again when it is done", a->node,
		    a->life.stopping ? "stopping" : a->move.list ? "moving resources" : "booting a node");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return cause_fail(msg, len, -ENOMEM, "out of memory");
	s->a = a;
	s->force = cmd->has_force && cmd->force;
	s->j.fn = shutdown_list_run;
	s->j.done = shutdown_listed;
	s->j.lane = WORKER_LIBVIRT;
	log_info("shutdown asked by uid %d%s", (int)who->uid, s->force ? " (--force)" : "");
	if (worker_run_until(a->worker, &s->j, a->libvirt_ms / 1000.0, shutdown_list_expired) < 0) {
		free(s);
		return cause_fail(msg, len, -EBUSY,
		    "node %u is busy: no libvirt worker free; try again", a->node);
	}
	/* busy meanwhile: no second shutdown or reboot */
	a->life.shutdown_rt = *rt;
	a->life.stopping = 1;
	return HANDLE_LATER;
}

/* ---- reboot ---- */

static int
run_wait(char *const argv[], char *msg, size_t len)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	return cause_fail(msg, len, -EIO,
	    "%s %s failed (%s %d)", argv[0], argv[1], WIFEXITED(st) ? "exit status" :
	    "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* kexec -e: on a real node it does not return; where it does, the agent starts again. */
static void
reboot_exec_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;
	char *argv[] = { a->life.kexec, "-e", NULL };
	char msg[256];

	if (a->life.kexec_stand_in || (!lifecycle_real_node(a->region_spec) && !a->life.allow_host_kexec)) {
		/* on a simulated node kexec -e would reboot the host: never, unless told */
		log_info("node %u: %s, no kexec -e (it would reboot the host; --allow-host-kexec "
		    "runs it): starting again as the new kernel would", a->node,
		    a->life.kexec_stand_in ? "kexec stand-in" : "a simulated node");
		a->life.reexec = 1;
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	log_info("node %u: kexec -e", a->node);
	if (run_wait(argv, msg, sizeof(msg)) < 0) {
		log_warn("reboot: %s: staying up", msg);
		a->life.stopping = 0;
		node_set_state(&a->region, a->node, MINT_NODE_ONLINE);
		return;
	}
	/* still here (a stand-in kexec): what the new kernel would do, the agent starting */
	a->life.reexec = 1;
	ev_break(loop, EVBREAK_ALL);
}

/* kexec --load ended: answer, then kexec -e (or stay up if the load failed) */
static void
reboot_loaded_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct agent *a = w->data;
	int st = w->rstatus;
	char msg[256];

	ev_child_stop(loop, w);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(msg, sizeof(msg), "kexec --load %s failed (%s %d)", a->life.reboot_kernel,
		    WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		log_warn("reboot: %s", msg);
		a->life.stopping = 0;
		agent_reply(a, &a->life.shutdown_rt, -EIO, msg);
		return;
	}
	log_info("node %u: rebooting through kexec, epoch %" PRIu32, a->node, a->epoch);
	node_set_state(&a->region, a->node, MINT_NODE_STOPPING);
	snprintf(msg, sizeof(msg), "node %u: %s loaded, rebooting (epoch %" PRIu32 ")", a->node,
	    a->life.reboot_kernel, a->epoch);
	agent_reply(a, &a->life.shutdown_rt, 0, msg);
	ev_timer_init(&a->life.exit_timer, reboot_exec_cb, 0.2, 0);
	a->life.exit_timer.data = a;
	ev_timer_start(loop, &a->life.exit_timer);
}

int
handle_reboot(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	char initrd[300], *argv[6];
	int n = 0;
	pid_t pid;

	if (a->life.stopping || a->move.list != NULL || a->life.booting != NULL)
		return cause_fail(msg, len, -EBUSY, "node %u is busy: try again when it is done",
		    a->node);
	if (a->life.reboot_kernel == NULL)
		return cause_fail(msg, len, -ENOENT,
		    "node %u has no kernel to reboot into (mint-agent --kernel)", a->node);
	if (a->life.kexec_stand_in && stand_in_load(a->life.reboot_kernel, a->life.reboot_initrd, msg, len) < 0) {
		log_info("reboot refused: %s", msg);
		return -ENOENT;
	}
	snprintf(initrd, sizeof(initrd), "--initrd=%s", a->life.reboot_initrd ? a->life.reboot_initrd : "");
	argv[n++] = a->life.kexec;
	argv[n++] = "--load";
	argv[n++] = a->life.reboot_kernel;
	if (a->life.reboot_initrd != NULL)
		argv[n++] = initrd;
	argv[n++] = "--reuse-cmdline";
	argv[n] = NULL;
	/* loading takes seconds on a slow machine: the loop goes on heartbeating */
	if ((pid = fork()) < 0) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (a->life.kexec_stand_in)
			_exit(0);
		execvp(argv[0], argv);
		_exit(127);
	}
	log_info("node %u: reboot asked by uid %d: %s --load %s%s", a->node, (int)who->uid, a->life.kexec,
	    a->life.reboot_kernel, a->life.kexec_stand_in ? ": checked, nothing loaded (a simulated node)" : "");
	a->life.stopping = 1;
	a->life.shutdown_rt = *rt;
	ev_child_init(&a->life.reboot_child, reboot_loaded_cb, pid, 0);
	a->life.reboot_child.data = a;
	ev_child_start(a->loop, &a->life.reboot_child);
	return HANDLE_LATER;
}
