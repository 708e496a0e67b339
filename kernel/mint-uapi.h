/*
 * The mint kernel module's interface to user space, shared by the module and
 * shm/: a character device per region (/dev/mintN) that maps the region
 * write-back cacheable, rings a peer's doorbell (ioctl), and is readable
 * while a doorbell has rung for this node (poll/epoll, read).
 */
#ifndef MINT_UAPI_H
#define MINT_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MINT_DEV_PREFIX		"mint"

enum mint_source {
	MINT_SOURCE_RESERVED = 1,	/* a reserved physical range (memmap=), module parameters */
	MINT_SOURCE_IVSHMEM = 2,	/* QEMU's ivshmem PCI device, BAR2 */
};

/* What MINT_IOC_INFO tells. */
struct mint_info {
	__u64 phys;		/* physical address of the region */
	__u64 size;		/* bytes */
	__u32 source;		/* enum mint_source */
	__u32 bell;		/* this node's doorbell address + 1; 0: it has none */
	__u32 vectors;		/* doorbell vectors this node can be rung on */
	__u32 pad;
};

/* A doorbell to ring: another node's bell address (as MINT_IOC_INFO gave it there). */
struct mint_bell {
	__u32 bell;		/* the peer's bell address + 1 */
	__u32 vector;
};

#define MINT_IOC_MAGIC	0xb7
#define MINT_IOC_INFO	_IOR(MINT_IOC_MAGIC, 1, struct mint_info)
#define MINT_IOC_RING	_IOW(MINT_IOC_MAGIC, 2, struct mint_bell)

/*
 * read() gives a __u64: how many doorbells rang since this file last read
 * (it blocks for one unless O_NONBLOCK); poll() says POLLIN while that is
 * not zero. mmap() is MAP_SHARED only.
 *
 * When the region goes while a file is open (its PCI device is unbound or
 * unplugged), every later read(), ioctl() and mmap() of the file fails with
 * ENODEV, a sleeping read() wakes with it, poll() says POLLERR | POLLHUP, and
 * the next access through a mapping of it raises SIGBUS.
 */

#endif
