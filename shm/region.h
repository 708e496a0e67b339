/*
 * Mapping, formatting and attaching the shared region. A region comes from a
 * file (tmpfs, hugetlbfs), a memfd, the kernel module's device or a PCI BAR.
 */
#ifndef MINT_SHM_REGION_H
#define MINT_SHM_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "shm/layout.h"

enum region_kind {
	REGION_FILE,		/* a regular, tmpfs or hugetlbfs file */
	REGION_FD,		/* a descriptor given by the caller (memfd) */
	REGION_DEV,		/* the mint kernel module's character device */
	REGION_PCI,		/* a PCI BAR through sysfs resourceN */
};

/* A mapped region. layout is a validated private copy: trust it, not the region. */
struct mint_region {
	uint8_t *base;
	uint64_t size;		/* bytes mapped */
	int fd;
	enum region_kind kind;
	uint32_t generation;	/* format generation seen at attach */
	uint64_t phys;		/* the module's region: its physical address; else 0 */
	struct mint_layout layout;
};

/* What format lays out; region_params_default fills in sane values. */
struct region_params {
	uint32_t nodes;
	uint32_t status_max;
	uint32_t res_count;
	uint32_t ring_data;
	uint32_t stream_count;
	uint32_t stream_data;
};

#define REGION_CREATE	0x1	/* create or resize the file to the size given */
#define REGION_RDONLY	0x2	/* open O_RDONLY and map PROT_READ: for readers */

void region_params_default(struct region_params *p);
int region_layout(const struct region_params *p, struct mint_layout *l,
	    uint64_t *total, char *cause, size_t causelen);

/* The path a spec (file:P, dev:P, pci:P, a bare path) names; NULL for memfd:NAME. */
const char *region_spec_path(const char *spec, enum region_kind *kind);
int region_map(struct mint_region *r, const char *spec, uint64_t size,
	    int flags, char *cause, size_t causelen);
int region_map_fd(struct mint_region *r, int fd, uint64_t size, int flags,
	    char *cause, size_t causelen);
void region_unmap(struct mint_region *r);

int region_format(struct mint_region *r, const struct region_params *p,
	    char *cause, size_t causelen);
int region_attach(struct mint_region *r, char *cause, size_t causelen);
int region_check(const void *base, uint64_t size, struct mint_layout *out,
	    uint32_t *generation, char *cause, size_t causelen);
uint32_t region_layout_crc(const struct mint_sb *sb);

/* Accessors; the index must be in range of the attached layout. */
static inline struct mint_sb *
region_sb(const struct mint_region *r)
{
	return (struct mint_sb *)r->base;
}

static inline struct mint_node *
region_node(const struct mint_region *r, unsigned node)
{
	return (struct mint_node *)(r->base + r->layout.node_table.off +
	    (uint64_t)node * r->layout.node_size);
}

static inline struct mint_res *
region_res(const struct mint_region *r, unsigned i)
{
	return (struct mint_res *)(r->base + r->layout.res_table.off +
	    (uint64_t)i * r->layout.res_size);
}

/* The ring index of the ordered pair from -> to (from != to). */
static inline unsigned
region_ring_index(const struct mint_region *r, unsigned from, unsigned to)
{
	return from * (r->layout.nodes - 1) + (to < from ? to : to - 1);
}

/* Ring header i: pair rings first, then the stream pool. */
static inline struct mint_ring *
region_ring_hdr(const struct mint_region *r, unsigned i)
{
	return (struct mint_ring *)(r->base + r->layout.ring_hdrs.off +
	    (uint64_t)i * r->layout.ring_hdr_size);
}

#endif
