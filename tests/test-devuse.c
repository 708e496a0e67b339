/*
 * Which devices a guest's domain XML uses (guests_xml_uses), on fixture
 * definitions in tests/fixtures/domains: a host PCI function by its address,
 * a disk by its /dev path, an interface by its host device; what the guest
 * sees (<target>, its own PCI <address>) never counts; XML that cannot be read
 * is an error, so that a device move is refused rather than allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/backend.h"
#include "agent/guests.h"
#include "tests/tap.h"

static char *
fixture(const char *name)
{
	static char buf[16384];
	char path[512];
	const char *top = getenv("top_srcdir");
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/domains/%s", top ? top : ".", name);
	if ((f = fopen(path, "r")) == NULL) {
		printf("Bail out! %s: cannot open\n", path);
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* guests_xml_uses on fixture file for dev; what it says in what. */
static int
uses(const char *file, const char *dev, char *what)
{
	what[0] = '\0';
	return guests_xml_uses(fixture(file), dev, what, 160);
}

/* A sysfs tree as a real node has it: a NIC and a disk behind PCI functions, a virtual netdev. */
static char sysroot[64];

static void
mk(const char *rel)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", sysroot, rel);
	if (system(cmd) != 0)
		diag("cannot make %s", rel);
}

static void
ln(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", sysroot, rel);
	if (symlink(target, path) < 0)
		diag("cannot link %s", rel);
}

/* The aliases of dev, space-separated, sorted as found. */
static const char *
aliases(const char *dev)
{
	static char buf[512];
	char out[8][BACKEND_ALIAS_LEN];
	int n = backend_dev_aliases(sysroot, dev, out, 8);

	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "", out[i]);
	return buf;
}

static void
test_aliases(void)
{
	char cmd[128], what[160];

	snprintf(sysroot, sizeof(sysroot), "/tmp/mint-test-sysfs-%d", (int)getpid());
	mk("devices/pci0000:00/0000:00:04.0/virtio1/net/eth1");
	mk("devices/pci0000:00/0000:00:05.0/virtio2/block/vdb");
	mk("devices/virtual/net/lo");
	mk("bus/pci/devices");
	mk("class/net");
	mk("class/block");
	ln("../../../devices/pci0000:00/0000:00:04.0", "bus/pci/devices/0000:00:04.0");
	ln("../../../devices/pci0000:00/0000:00:05.0", "bus/pci/devices/0000:00:05.0");
	ln("../../devices/pci0000:00/0000:00:04.0/virtio1/net/eth1", "class/net/eth1");
	ln("../../devices/virtual/net/lo", "class/net/lo");
	ln("../../devices/pci0000:00/0000:00:05.0/virtio2/block/vdb", "class/block/vdb");
	ok(strcmp(aliases("0000:00:04.0"), "eth1") == 0, "a PCI function goes by the interface behind it (%s)",
	    aliases("0000:00:04.0"));
	ok(strcmp(aliases("eth1"), "0000:00:04.0") == 0, "  an interface by its PCI function (%s)",
	    aliases("eth1"));
	ok(strcmp(aliases("0000:00:05.0"), "vdb") == 0 && strcmp(aliases("vdb"), "0000:00:05.0") == 0,
	    "  a disk's function by the disk, the disk by its function");
	ok(aliases("lo")[0] == '\0' && aliases("nosuch")[0] == '\0',
	    "  a virtual interface or a name sysfs does not have: none");
	/* the move of 0000:00:04.0 is refused for a guest that names its NIC eth1 */
	is(uses("interface.xml", aliases("0000:00:04.0"), what), 1,
	    "a guest that names the NIC eth1 uses the function 0000:00:04.0 through it");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysroot);
	if (system(cmd) != 0)
		diag("cannot remove %s", sysroot);
}

int
main(void)
{
	char what[160];

	is(uses("hostdev-pci.xml", "0000:03:00.1", what), 1, "hostdev: a PCI function by its address");
	has(what, "hostdev 0000:03:00.1", "  said as the hostdev and its address");
	is(uses("hostdev-pci.xml", "03:00.1", what), 1, "  also without the PCI domain 0000");
	is(uses("hostdev-pci.xml", "0000:03:00.0", what), 0, "  another function of the card is not");
	is(uses("hostdev-pci.xml", "0000:00:07.0", what), 0,
	    "  the address the guest sees it at is not the host's");
	is(uses("hostdev-pci.xml", "0000:00:04.0", what), 0, "  nor a virtual disk's guest address");

	is(uses("disk-dev.xml", "sdb", what), 1, "disk: a block device by its /dev path");
	has(what, "disk /dev/sdb", "  said as the disk and its path");
	is(uses("disk-dev.xml", "/dev/sdb", what), 1, "  also given as /dev/sdb");
	is(uses("disk-dev.xml", "vdb", what), 0, "  its target (the guest's name for it) is not");
	is(uses("disk-dev.xml", "sdb1", what), 0, "  nor a longer name that begins the same");

	is(uses("interface.xml", "eth1", what), 1, "interface: a macvtap on a host device");
	has(what, "interface eth1", "  said as the interface");
	is(uses("interface.xml", "0001:82:10.2", what), 1,
	    "interface type hostdev: a virtual function by its address");
	is(uses("interface.xml", "0001:82:10.3", what), 0, "  not its neighbour");

	is(uses("none.xml", "eth1", what), 0,
	    "no match: a network source and a target named like the device");
	is(uses("none.xml", "sdb", what), 0, "  a disk target named like it");
	is(uses("none.xml", "0000:03:00.1", what), 0, "  a guest-side PCI address equal to it");
	is(uses("none.xml", "diskimage1", what), 0, "  an image file is not a device");
	is(uses("none.xml", "3", what), 0, "  a USB host device's bus number");

	is(uses("malformed.xml", "0000:03:00.1", what), -EINVAL,
	    "malformed XML: an error (the move is refused), not 'unused'");
	is(guests_xml_uses("", "eth1", what, sizeof(what)), -EINVAL, "  empty text likewise");
	is(guests_xml_uses("<network><name>default</name></network>", "eth1", what, sizeof(what)),
	    -EINVAL, "  XML that is not a domain likewise");
	is(guests_xml_uses("<domain><name>x</name></domain>", "eth1", what, sizeof(what)), 0,
	    "a domain without devices uses none");
	test_aliases();
	return tap_done();
}
