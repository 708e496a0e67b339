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
	return tap_done();
}
