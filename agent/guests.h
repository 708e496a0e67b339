/*
 * The guests of this node's hypervisor, through libvirt: qemu:///system on a
 * node, any URI by option (test:///default in tests).
 */
#ifndef MINT_AGENT_GUESTS_H
#define MINT_AGENT_GUESTS_H

#include <stddef.h>
#include <stdint.h>

#define GUESTS_MAX	256

struct guest_info {
	char name[64];
	char uuid[37];
	int state;		/* Mint__GuestState */
	uint32_t vcpus;
	uint64_t memory_bytes;
	uint64_t cpu_time_ns;
	uint32_t cpu_permille;	/* of one core, since the last listing */
	int shared_ram;		/* running, its RAM in memory the nodes share: 1, 0; -1 not known */
};

struct guests {
	const char *uri;
	void *conn;		/* virConnectPtr, NULL while not connected */
	struct guest_info prev[GUESTS_MAX];
	int nprev;
	uint64_t prev_ns;	/* when prev was taken */
	uint64_t retry_ns;	/* no connection: try again from then */
	uint64_t backoff_ns;	/* doubling from 1 s to 64 s while the daemon stays away */
};

void guests_init(struct guests *g, const char *uri);
int guests_list(struct guests *g, struct guest_info *out, int max, int *n, uint64_t now_ns,
	    char *cause, size_t causelen);
/*
 * Does a running guest of the hypervisor at uri use the device that devs
 * names (NULL-terminated: its name, then the others it goes by)? 1 and its
 * name in guest, 0 if none does (or uri is NULL: no hypervisor), or -errno and
 * the reason in cause when libvirt cannot be asked or a definition read: a
 * device move must then be refused, not allowed.
 */
int guests_device_user(const char *uri, const char *const *devs, char *guest, size_t len,
	    char *cause, size_t clen);
/*
 * Does this domain XML use device dev: a host PCI function by its address
 * (0000:03:00.0, or 03:00.0), a disk or other source by its /dev path or name
 * (/dev/sdb for sdb), an interface by its host device? 1 and what in what, 0,
 * or -EINVAL for XML that is not a domain.
 */
int guests_xml_uses(const char *xml, const char *dev, char *what, size_t len);
/*
 * The socket of the guest's bench port (a <serial type='unix'> whose alias is
 * ua-mint-bench: the guest's ttyS1) into path: 1, 0 if it has none, -EINVAL.
 */
int guests_xml_bench_socket(const char *xml, char *path, size_t len);
/*
 * Whether the guest's RAM is in memory every node maps: a file named by
 * <mint:ram path=.../> in its metadata, with <memoryBacking> <source
 * type='file'/> and <access mode='shared'/> (mint-libvirt-hook links libvirt's
 * RAM file to it): 1, 0, -EINVAL.
 */
int guests_xml_shared_ram(const char *xml);
void guests_close(struct guests *g);

#endif
