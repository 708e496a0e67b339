/* machine/: the description parser on good files (the examples too) and on every fault it names. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine/machine.h"
#include "machine/run.h"
#include "tests/tap.h"

/* A description refused with exactly this sentence. */
struct bad {
	const char *text;
	const char *cause;
};

static const struct bad bads[] = {
	/* lines */
	{ "region file:/x\nnode 0 cores=0 memory\n", "line 2: 'memory' is not KEY=VALUE" },
	{ "region file:/x\nnode 0 cores=0 devices=a23456789012345678901234567890123\n",
	    "line 2: too many devices, or a name over 31 characters" },
	{ "region file:/x\nnode 0 cores=0 colour=red\n", "line 2: unknown setting 'colour' (cores, "
	    "memory, floor, devices, libvirt, sysfs, irq, coremap)" },
	{ "region file:/x\nnode 0 cores=2-1\n", "line 2: bad cores '2-1'" },
	{ "region file:/x\nnode 0 cores=0 memory=1X\n", "line 2: bad memory '1X'" },
	{ "region file:/x\nnode 0 cores=0 memory=-1G\n", "line 2: bad memory '-1G'" },
	{ "region file:/x\nnode 0 cores=0 floor=1.5G\n", "line 2: bad floor '1.5G'" },
	{ "region file:/x\nnode 0 cores=0 sysfs=/a2345678901234567890123456789012345678901234567890"
	    "12345678901234567890123456789012345678901234567890123456789012345678901234567890\n",
	    "line 2: bad sysfs '/a2345678901234567890123456789012345678901234567890"
	    "12345678901234567890123456789012345678901234567890123456789012345678901234567890'" },
	{ "region\n", "line 1: region needs one spec" },
	{ "region file:/x\nmemory-block 100M\n", "line 2: memory-block needs a size that is a power "
	    "of two, like 128M" },
	{ "region file:/x\nmemory-block 2K\n", "line 2: memory-block needs a size that is a power "
	    "of two, like 128M" },
	{ "region file:/x\nmemory-block\n", "line 2: memory-block needs a size that is a power of "
	    "two, like 128M" },
	{ "region file:/x\nnode\n", "line 2: node needs a number from 0 to 63" },
	{ "region file:/x\nnode x cores=0\n", "line 2: node needs a number from 0 to 63" },
	{ "region file:/x\nnode 64 cores=0\n", "line 2: node needs a number from 0 to 63" },
	{ "region file:/x\nnode 1x cores=0\n", "line 2: node needs a number from 0 to 63" },
	{ "region file:/x\nnode 0 cores=0\nnode 0 cores=1\n", "line 3: node 0 given twice" },
	{ "region file:/x\nspare cores=1\nspare cores=2\n", "line 3: spare given twice" },
	{ "region file:/x\nboot-timeout 0\n", "line 2: boot-timeout needs milliseconds" },
	{ "region file:/x\nboot-timeout 3600001\n", "line 2: boot-timeout needs milliseconds" },
	{ "region file:/x\nboot-timeout 5s\n", "line 2: boot-timeout needs milliseconds" },
	{ "region file:/x\nslots 0\n", "line 2: slots needs a number from 1 to 64" },
	{ "region file:/x\nslots 65\n", "line 2: slots needs a number from 1 to 64" },
	{ "region file:/x\nkexec\n", "line 2: kexec needs a command" },
	{ "region file:/x\nstart-hook   \n", "line 2: start-hook needs a command" },
	{ "region file:/x\nallow-host-kexec yes\n", "line 2: allow-host-kexec takes nothing" },
	{ "region file:/x\nlibvirtd sbin/libvirtd\n", "line 2: libvirtd takes the daemon's absolute "
	    "path, or nothing for /usr/sbin/libvirtd" },
	{ "region file:/x\nnode 0 cores=0\nfrob 1\n", "line 3: unknown word 'frob' (region, "
	    "memory-block, node, spare, slots, kexec, allow-host-kexec, start-hook, boot-timeout, "
	    "libvirtd, guest-pool)" },
	{ "region file:/x\nguest-pool\n", "line 2: guest-pool needs a size, like 1G" },
	{ "region file:/x\nguest-pool 0\n", "line 2: guest-pool needs a size, like 1G" },
	{ "region file:/x\nguest-pool 1G size=64M\n", "line 2: guest-pool takes extent=SIZE, a "
	    "power of two like 64M" },
	{ "region file:/x\nguest-pool 1G extent=100M\n", "line 2: guest-pool takes extent=SIZE, a "
	    "power of two like 64M" },
	{ "region file:/x\nguest-pool 100M\n", "line 2: guest-pool is whole extents, at most 4096 "
	    "of them" },
	{ "region file:/x\nguest-pool 1T extent=64M\n", "line 2: guest-pool is whole extents, at "
	    "most 4096 of them" },
	{ "region file:/x\nguest-pool 1G extent=64M x\n", "line 2: guest-pool is whole extents, at "
	    "most 4096 of them" },
	/* the description as a whole */
	{ "node 0 cores=0\n", "no region line" },
	{ "region /dev/shm/x\nnode 0 cores=0\n", "region '/dev/shm/x' is not file:PATH, dev:PATH, "
	    "pci:PATH or memfd:NAME" },
	{ "region file:/x\n", "no node" },
	{ "region file:/x\nnode 0 cores=0\nnode 2 cores=1\n", "node 1 is missing (nodes are "
	    "numbered from 0 without gaps)" },
	{ "region file:/x\nnode 0\n", "node 0 has no core: every node needs one" },
	{ "region file:/x\nnode 0 cores=0 memory=100M\n", "node 0: memory 100 MiB is not whole "
	    "blocks of 128 MiB" },
	{ "region file:/x\nnode 0 cores=0\nnode 1 cores=0-1\n", "nodes 0 and 1 both have core 0" },
	{ "region file:/x\nnode 0 cores=0 devices=eth0\nnode 1 cores=1 devices=eth1,eth0\n",
	    "nodes 0 and 1 both have device eth0" },
	{ "region file:/x\nnode 0 cores=0 memory=256M floor=512M\n", "node 0: its floor (512 MiB) "
	    "is more than its memory (256 MiB)" },
	{ "region file:/x\nnode 0 cores=0-3\nspare cores=3-4\n", "core 3 is node 0's and spare" },
	{ "region file:/x\nnode 0 cores=0 devices=disk1\nspare devices=disk1\n",
	    "device disk1 is node 0's and spare" },
	{ "region file:/x\nnode 0 cores=0\nspare memory=64M\n", "spare memory 64 MiB is not whole "
	    "blocks of 128 MiB" },
	{ "region file:/x\nslots 1\nnode 0 cores=0\nnode 1 cores=1\n", "slots 1: the description "
	    "has 2 nodes" },
};

/* Every word of the language at once. */
static void
test_everything(void)
{
	static const char text[] =
	    "# every word\n"
	    "region memfd:everything   # a comment after a word\n"
	    "memory-block 256MiB\n"
	    "\n"
	    "node 1 cores=2-3,5 memory=1GiB floor=512M devices=eth1,disk1 libvirt=test:///default\n"
	    "node 0 cores=0 memory=512m sysfs=/tmp/sys irq=/tmp/irq coremap=/tmp/map\n"
	    "\tspare cores=6 memory=256M devices=disk9\n"
	    "slots 4\n"
	    "kexec  /sbin/kexec -x  \n"
	    "start-hook sh -c 'echo $MINT_NODE'\n"
	    "allow-host-kexec\n"
	    "boot-timeout 3000\n"
	    "guest-pool 2G extent=128M\n"
	    "libvirtd\n";
	struct machine m;
	struct machine_totals t;
	char cause[256] = "", cores[64];

	is(machine_parse(text, &m, cause, sizeof(cause)), 0, "a description with every word parses");
	if (cause[0] != '\0')
		diag("  %s", cause);
	ok(strcmp(m.region, "memfd:everything") == 0, "  its region");
	is(m.block, 256ull << 20, "  memory-block 256MiB");
	is(m.nodes, 2, "  two nodes");
	is(m.slots, 4, "  four slots");
	ok(m.pool == 2ull << 30 && m.pool_extent == 128ull << 20, "  a guest pool of 2 GiB in 128 MiB");
	machine_cores_str(&m.node[1], cores, sizeof(cores));
	ok(strcmp(cores, "2-3,5") == 0, "  node 1's cores (%s)", cores);
	ok(machine_core(&m.node[1], 5) && !machine_core(&m.node[1], 4), "  machine_core says so");
	is(m.node[1].memory, 1ull << 30, "  memory=1GiB is a size like --mem-floor 1GiB");
	is(m.node[1].floor, 512ull << 20, "  its floor");
	is(m.node[0].floor, MACHINE_FLOOR, "  a node without floor= keeps the default");
	is(m.node[0].memory, 512ull << 20, "  memory=512m, either case");
	ok(m.node[1].ndevices == 2 && strcmp(m.node[1].devices[1], "disk1") == 0, "  its devices");
	ok(strcmp(m.node[1].libvirt, "test:///default") == 0, "  its libvirt URI");
	ok(strcmp(m.node[0].sysfs, "/tmp/sys") == 0 && strcmp(m.node[0].irq, "/tmp/irq") == 0 &&
	    strcmp(m.node[0].coremap, "/tmp/map") == 0, "  node 0's sysfs, irq and coremap");
	ok(m.spare.present && machine_core(&m.spare, 6) && m.spare.memory == 256ull << 20 &&
	    m.spare.ndevices == 1, "  the spare resources");
	ok(strcmp(m.kexec, "/sbin/kexec -x  ") == 0, "  kexec: the rest of the line ('%s')", m.kexec);
	ok(strcmp(m.start_hook, "sh -c 'echo $MINT_NODE'") == 0, "  start-hook");
	ok(m.allow_host_kexec && m.boot_ms == 3000, "  allow-host-kexec and boot-timeout");
	ok(strcmp(m.libvirtd, MACHINE_LIBVIRTD) == 0, "  libvirtd alone: the default daemon");
	machine_totals(&m, &t);
	ok(t.cores == 4 && t.memory == (1ull << 30) + (512ull << 20) && t.devices == 2,
	    "  totals: 4 cores, 1.5 GiB, 2 devices (the spare ones aside)");
}

/* The examples beside the library, read as machine start reads them. */
static void
test_examples(void)
{
	const char *top = getenv("top_srcdir");
	static const char *const names[] = { "three-nodes.conf", "two-hypervisors.conf" };
	struct machine m;
	char path[512], cause[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/machine/%s", top != NULL ? top : ".", names[i]);
		cause[0] = '\0';
		if (!ok(machine_load(path, &m, cause, sizeof(cause)) == 0, "machine/%s loads", names[i]))
			diag("  %s", cause);
	}
	snprintf(path, sizeof(path), "%s/machine/three-nodes.conf", top != NULL ? top : ".");
	if (machine_load(path, &m, cause, sizeof(cause)) == 0)
		ok(m.nodes == 3 && m.slots == 3 && m.node[1].memory == 2ull << 30 &&
		    m.node[2].ndevices == 1, "  three-nodes.conf: 3 nodes, node 1 with 2G");
	snprintf(path, sizeof(path), "%s/machine/two-hypervisors.conf", top != NULL ? top : ".");
	if (machine_load(path, &m, cause, sizeof(cause)) == 0)
		ok(m.nodes == 2 && strcmp(m.libvirtd, MACHINE_LIBVIRTD) == 0,
		    "  two-hypervisors.conf: 2 nodes, each with its libvirtd");
}

/* Files machine_load cannot read as a description. */
static void
test_load_faults(void)
{
	char path[] = "/tmp/test-machine-XXXXXX", cause[256];
	struct machine m;
	FILE *f;
	int fd;

	is(machine_load("/nonexistent/m.conf", &m, cause, sizeof(cause)), -ENOENT,
	    "a missing file: -ENOENT");
	ok(strcmp(cause, "cannot read it: No such file or directory") == 0, "  'cannot read it' (%s)",
	    cause);
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		ok(0, "a temporary file");
		return;
	}
	for (int i = 0; i < (1 << 20) / 16 + 1; i++)
		fputs("# sixteen bytes\n", f);
	fclose(f);
	is(machine_load(path, &m, cause, sizeof(cause)), -EFBIG, "a file over 1 MiB: -EFBIG");
	ok(strcmp(cause, "too large for a machine description") == 0, "  'too large' (%s)", cause);
	unlink(path);
}

/* The default start hook quotes both paths for sh. */
static void
test_hook_command(void)
{
	char buf[256], big[3000];

	is(run_hook_command(buf, sizeof(buf), "/usr/bin/mint-console", "/tmp/it's.conf"), 0,
	    "the default start hook");
	ok(strcmp(buf, "'/usr/bin/mint-console' machine hook '/tmp/it'\\''s.conf'") == 0,
	    "  each path one sh word (%s)", buf);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is(run_hook_command(buf, sizeof(buf), "/usr/bin/mint-console", big), -ENAMETOOLONG,
	    "  a path too long for it: -ENAMETOOLONG");
}

int
main(void)
{
	struct machine m;
	char cause[256], longline[1100];

	test_everything();
	test_examples();
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		int rc;

		cause[0] = '\0';
		rc = machine_parse(bads[i].text, &m, cause, sizeof(cause));
		if (!ok(rc == -EINVAL && strcmp(cause, bads[i].cause) == 0, "refused: %s", bads[i].cause))
			diag("  rc %d, said '%s'", rc, cause);
	}
	/* one device more than a node can have */
	snprintf(longline, sizeof(longline), "region file:/x\nnode 0 cores=0 devices=d0");
	for (int d = 1; d <= MACHINE_MAX_DEVICES; d++)
		snprintf(longline + strlen(longline), sizeof(longline) - strlen(longline), ",d%d", d);
	is(machine_parse(longline, &m, cause, sizeof(cause)), -EINVAL, "%d devices on a node",
	    MACHINE_MAX_DEVICES + 1);
	ok(strcmp(cause, "line 2: too many devices, or a name over 31 characters") == 0,
	    "  refused: too many devices (%s)", cause);
	memset(longline, ' ', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "region", 6);
	is(machine_parse(longline, &m, cause, sizeof(cause)), -EINVAL, "a line of 1099 bytes");
	ok(strcmp(cause, "line 1: too long") == 0, "  refused: line 1: too long (%s)", cause);
	test_load_faults();
	test_hook_command();
	return tap_done();
}
