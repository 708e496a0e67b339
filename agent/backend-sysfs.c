/*
 * A real node's kernel: CPU hotplug (cpuN/online), memory hotplug
 * (memoryN/state, ZONE_MOVABLE blocks only) and devices unbound from and
 * bound to their driver. The sysfs and proc roots are options, so tests run
 * this code against a tree that behaves like the kernel's.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/backend.h"
#include "agent/coremap.h"
#include "common/cpulist.h"
#include "common/cause.h"

/* Read a small file whole; its length or -errno. */
int
backend_read(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (int)n;
}

/* Write text in one write(2), as sysfs wants; the kernel's refusal is the errno. */
int
backend_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int rc = 0;

	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IONBF, 0);
	if (fputs(text, f) == EOF)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static int
only_self(const struct backend *b, unsigned node, char *msg, size_t len)
{
	if (node == b->self)
		return 0;
	return cause_fail(msg, len, -EOPNOTSUPP, "a real node cannot take a resource out of "
	    "node %u's kernel; that kernel must be stopped (its resources are free once it is)",
	    node);
}

/* Steer every interrupt that may run on cpu elsewhere, before it goes offline. */
static void
irqs_off(const struct backend *b, unsigned cpu)
{
	char dir[BACKEND_PATH + 16], path[BACKEND_PATH + 300], text[1024];
	uint64_t bits[CPULIST_WORDS] = { 0 };
	struct dirent *d;
	DIR *irq;

	snprintf(dir, sizeof(dir), "%s", b->irq);
	if ((irq = opendir(dir)) == NULL)
		return;
	while ((d = readdir(irq)) != NULL) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		memset(bits, 0, sizeof(bits));
		snprintf(path, sizeof(path), "%s/%s/smp_affinity_list", dir, d->d_name);
		if (backend_read(path, text, sizeof(text)) <= 0 ||
		    (text[strcspn(text, "\n")] = '\0', cpulist_parse(text, bits) < 0) ||
		    !cpulist_has(bits, cpu))
			continue;
		bits[cpu / 64] &= ~(1ULL << (cpu % 64));
		if (cpulist_count(bits) == 0 || cpulist_format(bits, text, sizeof(text)) < 0)
			continue;	/* bound to this core alone: the kernel moves it */
		(void)backend_write(path, text);	/* some cannot move (per-cpu): fine */
	}
	closedir(irq);
}

static void
nap_50ms(void)
{
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
}

/*
 * This kernel's cpu number for core id. A core handed over from another
 * node may not be in this kernel yet: the platform adds it (Mint's hand-over;
 * a vCPU hot-added in the VM machine).
 */
static int
kernel_cpu(const struct backend *b, unsigned id, int up, char *msg, size_t len)
{
	struct coremap *m;
	int cpu, rc, waited = 0;

	if (b->coremap[0] == '\0')
		return (int)id;
	if ((m = malloc(sizeof(*m))) == NULL)
		return cause_fail(msg, len, -ENOMEM, "out of memory");
	for (;;) {
		if ((rc = coremap_load(b->coremap, m)) < 0) {
			free(m);
			return cause_fail(msg, len, rc, "cannot read this kernel's cores from %s: %s",
			    b->coremap, rc == -EINVAL ? "not a list of \"cpu hwid\" lines" :
			    strerror(-rc));
		}
		if ((cpu = coremap_cpu(m, id)) >= 0 || !up || waited >= b->appear_ms)
			break;
		nap_50ms();
		waited += 50;
	}
	free(m);
	if (cpu < 0)
		return cause_fail(msg, len, -ENOENT, "core %u: no cpu of this kernel has that "
		    "hardware id%s", id, up && b->appear_ms > 0 ? " (nor did one appear)" : "");
	return cpu;
}

static int
sysfs_cpu(const struct backend *b, unsigned node, unsigned id, int up, char *msg, size_t len)
{
	char path[BACKEND_PATH + 64], text[16], as[32] = "";
	int rc, cpu;

	if ((rc = only_self(b, node, msg, len)) < 0 || (cpu = rc = kernel_cpu(b, id, up, msg, len)) < 0)
		return rc;
	if ((unsigned)cpu != id)
		snprintf(as, sizeof(as), " (this kernel's cpu %d)", cpu);
	snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/online", b->sysfs, cpu);
	if (backend_read(path, text, sizeof(text)) < 0) {
		/* a core without an online file is always up (x86's boot cpu) */
		path[strlen(path) - strlen("/online")] = '\0';
		if (up && access(path, F_OK) == 0)
			return 0;
		snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/online", b->sysfs, cpu);
		return cause_fail(msg, len, -ENOENT, "cpu %u%s: this kernel has no such core, or it "
		    "cannot be taken offline (%s)", id, as, path + strlen(b->sysfs));
	}
	if (atoi(text) == up)
		return 0;
	if (!up)
		irqs_off(b, (unsigned)cpu);
	if ((rc = backend_write(path, up ? "1" : "0")) < 0)
		return cause_fail(msg, len, rc, "cpu %u%s: the kernel refused to take it %s: %s", id,
		    as, up ? "online" : "offline", strerror(-rc));
	return 0;
}

static int
block_size(const struct backend *b, uint64_t *bs, char *msg, size_t len)
{
	char path[BACKEND_PATH + 64], text[32];

	snprintf(path, sizeof(path), "%s/devices/system/memory/block_size_bytes", b->sysfs);
	if (backend_read(path, text, sizeof(text)) <= 0 ||
	    (*bs = strtoull(text, NULL, 16)) == 0)
		return cause_fail(msg, len, -ENOTSUP, "this kernel has no memory hotplug (%s)",
		    path + strlen(b->sysfs));
	return 0;
}

static int
block_set(const struct backend *b, uint64_t blk, int up, char *msg, size_t len)
{
	char path[BACKEND_PATH + 64], text[32];
	int rc;

	snprintf(path, sizeof(path), "%s/devices/system/memory/memory%" PRIu64 "/state",
	    b->sysfs, blk);
	/*
	 * A block handed over from another node may not be in this kernel yet: the
	 * platform adds it (Mint's hand-over; a DIMM hot-added in the VM machine).
	 */
	for (int waited = 0; up && waited < b->appear_ms && access(path, F_OK) != 0; waited += 50)
		nap_50ms();
	if (backend_read(path, text, sizeof(text)) < 0)
		return cause_fail(msg, len, -ENOENT, "memory block %" PRIu64 ": not in this kernel%s",
		    blk, up && b->appear_ms > 0 ? " (nor did it appear)" : "");
	if ((strncmp(text, "online", 6) == 0) == !!up)
		return 0;
	if (!up) {
		/* only a ZONE_MOVABLE block can be emptied; the kernel says which are */
		snprintf(path, sizeof(path), "%s/devices/system/memory/memory%" PRIu64 "/removable",
		    b->sysfs, blk);
		if (backend_read(path, text, sizeof(text)) > 0 && atoi(text) == 0)
			return cause_fail(msg, len, -EBUSY, "memory block %" PRIu64 " is not removable "
			    "(not movable memory)", blk);
		snprintf(path, sizeof(path), "%s/devices/system/memory/memory%" PRIu64 "/state",
		    b->sysfs, blk);
	}
	/* online_movable: onlined as movable, the block can go again later */
	if ((rc = backend_write(path, up ? "online_movable" : "offline")) < 0)
		return cause_fail(msg, len, rc, "memory block %" PRIu64 ": the kernel refused to take "
		    "it %s: %s", blk, up ? "online" : "offline", strerror(-rc));
	return 0;
}

static int
sysfs_mem(const struct backend *b, unsigned node, uint64_t base, uint64_t size, int up,
    char *msg, size_t len)
{
	uint64_t bs, first, last;
	int rc;

	if ((rc = only_self(b, node, msg, len)) < 0 || (rc = block_size(b, &bs, msg, len)) < 0)
		return rc;
	if (size == 0 || base % bs != 0 || size % bs != 0)
		return cause_fail(msg, len, -EINVAL, "memory at 0x%" PRIx64 " (+%" PRIu64 ") is not "
		    "whole blocks of %" PRIu64 " bytes", base, size, bs);
	first = base / bs;
	last = first + size / bs - 1;
	for (uint64_t blk = first; blk <= last; blk++)
		if ((rc = block_set(b, blk, up, msg, len)) < 0) {
			/* what went already comes back: all of it moves, or none */
			for (uint64_t k = first; k < blk; k++)
				(void)block_set(b, k, !up, NULL, 0);
			return rc;
		}
	return 0;
}

static int
dev_path(const struct backend *b, const char *name, char *out, size_t cap)
{
	static const char *const buses[] = { "pci", "platform", "usb", "virtio" };
	char path[BACKEND_PATH + 128];

	if (strchr(name, '/') != NULL || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(buses) / sizeof(buses[0]); i++) {
		snprintf(path, sizeof(path), "%s/bus/%s/devices/%s", b->sysfs, buses[i], name);
		if (access(path, F_OK) == 0) {
			snprintf(out, cap, "%s/bus/%s", b->sysfs, buses[i]);
			return 0;
		}
	}
	return -ENOENT;
}

static int
sysfs_dev(const struct backend *b, unsigned node, const char *name, int up, char *msg,
    size_t len)
{
	char bus[BACKEND_PATH + 64], path[BACKEND_PATH + 256];
	int rc;

	if ((rc = only_self(b, node, msg, len)) < 0)
		return rc;
	/*
	 * A device handed over from another node may not be in this kernel yet:
	 * the platform adds it (Mint's hand-over; a PCI hot-plug in the VM machine).
	 */
	for (int waited = 0; (rc = dev_path(b, name, bus, sizeof(bus))) == -ENOENT && up &&
	    waited < b->appear_ms; waited += 50)
		nap_50ms();
	if (rc < 0)
		return cause_fail(msg, len, -ENOENT, "device %s: not in this kernel%s", name,
		    up && b->appear_ms > 0 ? " (nor did it appear)" : "");
	snprintf(path, sizeof(path), "%s/devices/%s/driver_override", bus, name);
	if (up) {
		/* forget the override, then let the kernel find its driver */
		(void)backend_write(path, "\n");
		snprintf(path, sizeof(path), "%s/drivers_probe", bus);
		if ((rc = backend_write(path, name)) < 0)
			return cause_fail(msg, len, rc, "device %s: no driver took it: %s", name,
			    strerror(-rc));
		return 0;
	}
	/* an override no driver has keeps this kernel from binding it again */
	if ((rc = backend_write(path, "mint-elsewhere")) < 0)
		return cause_fail(msg, len, rc, "device %s: driver_override: %s", name, strerror(-rc));
	snprintf(path, sizeof(path), "%s/devices/%s/driver", bus, name);
	if (access(path, F_OK) != 0)
		return 0;	/* no driver: nothing to unbind */
	snprintf(path, sizeof(path), "%s/devices/%s/driver/unbind", bus, name);
	if ((rc = backend_write(path, name)) < 0) {
		snprintf(path, sizeof(path), "%s/devices/%s/driver_override", bus, name);
		(void)backend_write(path, "\n");
		return cause_fail(msg, len, rc, "device %s: its driver would not let it go: %s", name,
		    strerror(-rc));
	}
	return 0;
}

static int
sysfs_cores_up(const struct backend *b)
{
	char path[BACKEND_PATH + 64], text[1024];
	uint64_t bits[CPULIST_WORDS] = { 0 };

	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", b->sysfs);
	if (backend_read(path, text, sizeof(text)) <= 0)
		return -ENOENT;
	text[strcspn(text, "\n")] = '\0';
	if (cpulist_parse(text, bits) < 0)
		return -EINVAL;
	return (int)cpulist_count(bits);
}

const struct backend_ops backend_sysfs = {
	.name = "sysfs",
	.cores_up = sysfs_cores_up,
	.cpu = sysfs_cpu,
	.mem = sysfs_mem,
	.dev = sysfs_dev,
};

/* A kernel's PCI function name: 0000:00:04.0. */
static int
is_pci_name(const char *s)
{
	unsigned d, b, sl, f;
	char end;

	return sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &sl, &f, &end) == 4 && strlen(s) == 12;
}

/* The PCI function dev sits behind (its sysfs directory, resolved), or "" if none. */
static void
dev_pci_dir(const char *sysfs, const char *dev, char *dir, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX], *slash;

	dir[0] = '\0';
	if (is_pci_name(dev))
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", sysfs, dev);
	else if (snprintf(path, sizeof(path), "%s/class/net/%s", sysfs, dev) > 0 &&
	    access(path, F_OK) != 0)
		snprintf(path, sizeof(path), "%s/class/block/%s", sysfs, dev);
	if (realpath(path, real) == NULL)
		return;
	/* up from the interface or disk to the first PCI function on its way */
	while (!is_pci_name(strrchr(real, '/') + 1) && (slash = strrchr(real, '/')) != NULL &&
	    slash != real)
		*slash = '\0';
	if (is_pci_name(strrchr(real, '/') + 1))
		snprintf(dir, len, "%s", real);
}

/* The entries of sysfs/class/CLASS whose device lies under dir, into out[*n...]. */
static void
aliases_of_class(const char *sysfs, const char *cls, const char *dir, const char *dev,
    char (*out)[BACKEND_ALIAS_LEN], int max, int *n)
{
	char path[PATH_MAX], real[PATH_MAX];
	size_t dl = strlen(dir);
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/class/%s", sysfs, cls);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && *n < max) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, dev) == 0 ||
		    strlen(de->d_name) >= BACKEND_ALIAS_LEN)
			continue;
		snprintf(path, sizeof(path), "%s/class/%s/%s", sysfs, cls, de->d_name);
		if (realpath(path, real) != NULL && strncmp(real, dir, dl) == 0 && real[dl] == '/')
			snprintf(out[(*n)++], BACKEND_ALIAS_LEN, "%s", de->d_name);
	}
	closedir(d);
}

int
backend_dev_aliases(const char *sysfs, const char *dev, char (*out)[BACKEND_ALIAS_LEN], int max)
{
	char dir[PATH_MAX];
	const char *fn;
	int n = 0;

	dev_pci_dir(sysfs, dev, dir, sizeof(dir));
	if (dir[0] == '\0')
		return 0;
	fn = strrchr(dir, '/') + 1;
	if (strcmp(fn, dev) != 0 && n < max)
		snprintf(out[n++], BACKEND_ALIAS_LEN, "%s", fn);
	aliases_of_class(sysfs, "net", dir, dev, out, max, &n);
	aliases_of_class(sysfs, "block", dir, dev, out, max, &n);
	return n;
}
