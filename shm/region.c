/*
 * The shared region: map it from a file, memfd, device or PCI BAR; format a
 * fresh layout; attach to an existing one after checking every field.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kernel/mint-uapi.h"
#include "shm/atomic.h"
#include "common/cause.h"
#include "shm/crc32c.h"
#include "shm/region.h"
#include "shm/stream.h"

#define HUGETLBFS_MAGIC	0x958458f6
#define RING_DATA_MIN	4096u
#define RING_DATA_MAX	(1u << 30)

void
region_params_default(struct region_params *p)
{
	p->nodes = 8;
	p->status_max = 16384 - MINT_LINE;
	p->res_count = 256;
	p->ring_data = 64 * 1024;
	p->stream_count = 8;	/* a migration takes 4, 6 with post-copy (its preempt channel) */
	p->stream_data = 4 * 1024 * 1024;
}

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int
is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int
check_ring_size(uint32_t v, const char *what, char *cause, size_t len)
{
	if (!is_pow2(v) || v < RING_DATA_MIN || v > RING_DATA_MAX)
		return cause_fail(cause, len, -EINVAL,
		    "%s is %" PRIu32 " bytes; it must be a power of two from %u to %u",
		    what, v, RING_DATA_MIN, RING_DATA_MAX);
	return 0;
}

/* Compute where every table goes for these parameters. */
int
region_layout(const struct region_params *p, struct mint_layout *l,
    uint64_t *total, char *cause, size_t len)
{
	uint64_t off;
	int rc;

	if (p->nodes < 1 || p->nodes > MINT_MAX_NODES)
		return cause_fail(cause, len, -EINVAL,
		    "%" PRIu32 " node slots; a region holds 1 to %d", p->nodes, MINT_MAX_NODES);
	if (p->status_max > (1u << 24) || p->status_max % 8 != 0)
		return cause_fail(cause, len, -EINVAL,
		    "status area of %" PRIu32 " bytes; it must be a multiple of 8 up to 16 MiB",
		    p->status_max);
	if (p->res_count > (1u << 20))
		return cause_fail(cause, len, -EINVAL,
		    "%" PRIu32 " resources; at most %u", p->res_count, 1u << 20);
	if ((rc = check_ring_size(p->ring_data, "pair ring data", cause, len)) < 0)
		return rc;
	if (p->stream_count > 1024)
		return cause_fail(cause, len, -EINVAL,
		    "%" PRIu32 " stream rings; at most 1024", p->stream_count);
	if (p->stream_count > 0 &&
	    (rc = check_ring_size(p->stream_data, "stream ring data", cause, len)) < 0)
		return rc;

	memset(l, 0, sizeof(*l));
	l->nodes = p->nodes;
	l->status_max = p->status_max;
	l->node_size = (uint32_t)align_up(sizeof(struct mint_node) + p->status_max, MINT_LINE);
	l->res_count = p->res_count;
	l->res_size = sizeof(struct mint_res);
	l->ring_count = p->nodes * (p->nodes - 1);
	l->ring_data = p->ring_data;
	l->stream_count = p->stream_count;
	l->stream_data = p->stream_count > 0 ? p->stream_data : 0;
	l->ring_hdr_size = sizeof(struct mint_ring);

	off = sizeof(struct mint_sb);
	l->node_table.off = off;
	l->node_table.len = (uint64_t)l->nodes * l->node_size;
	off = align_up(off + l->node_table.len, MINT_PAGE);
	l->res_table.off = off;
	l->res_table.len = (uint64_t)l->res_count * l->res_size;
	off = align_up(off + l->res_table.len, MINT_PAGE);
	l->ring_hdrs.off = off;
	l->ring_hdrs.len = (uint64_t)(l->ring_count + l->stream_count) * l->ring_hdr_size;
	off = align_up(off + l->ring_hdrs.len, MINT_PAGE);
	l->ring_area.off = off;
	l->ring_area.len = (uint64_t)l->ring_count * l->ring_data;
	off = align_up(off + l->ring_area.len, MINT_PAGE);
	l->stream_area.off = off;
	l->stream_area.len = (uint64_t)l->stream_count * l->stream_data;
	off = align_up(off + l->stream_area.len, MINT_PAGE);
	*total = off;
	return 0;
}

/* The checksum covers everything in the superblock but the magic and itself. */
uint32_t
region_layout_crc(const struct mint_sb *sb)
{
	uint32_t c;

	c = crc32c(0, &sb->version, offsetof(struct mint_sb, layout_crc) -
	    offsetof(struct mint_sb, version));
	return crc32c(c, &sb->layout, sizeof(sb->layout));
}

static int
map_fd(struct mint_region *r, int fd, uint64_t size, int flags, int prot_rw,
    char *cause, size_t len)
{
	struct stat st;
	struct statfs sfs;
	void *p;

	if (fstat(fd, &st) < 0)
		return cause_fail(cause, len, -errno, "cannot stat the region: %s", strerror(errno));
	if (flags & REGION_CREATE) {
		if (size == 0)
			return cause_fail(cause, len, -EINVAL, "creating a region needs a size");
		/* hugetlbfs files must be a whole number of huge pages */
		if (fstatfs(fd, &sfs) == 0 && (uint32_t)sfs.f_type == HUGETLBFS_MAGIC &&
		    sfs.f_bsize > 0)
			size = align_up(size, (uint64_t)sfs.f_bsize);
		if ((uint64_t)st.st_size != size && ftruncate(fd, (off_t)size) < 0)
			return cause_fail(cause, len, -errno, "cannot size the region to %" PRIu64
			    " bytes: %s", size, strerror(errno));
	} else {
		struct mint_info info;

		/* the module's device says how large its region is, and where */
		if (S_ISCHR(st.st_mode) && ioctl(fd, MINT_IOC_INFO, &info) == 0) {
			if (size == 0 || size > info.size)
				size = info.size;
			r->phys = info.phys;
		}
		if (size == 0)
			size = (uint64_t)st.st_size;
		if (size == 0)
			return cause_fail(cause, len, -EINVAL,
			    "the region is empty (size 0); format it first");
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < size)
			return cause_fail(cause, len, -EINVAL, "the region file holds %" PRIu64
			    " bytes, fewer than the %" PRIu64 " asked for",
			    (uint64_t)st.st_size, size);
	}
	if (size > SIZE_MAX)
		return cause_fail(cause, len, -EFBIG, "a region of %" PRIu64
		    " bytes does not fit this address space", size);
	p = mmap(NULL, (size_t)size, prot_rw ? PROT_READ | PROT_WRITE : PROT_READ,
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return cause_fail(cause, len, -errno, "cannot map %" PRIu64 " bytes: %s",
		    size, strerror(errno));
	r->base = p;
	r->size = size;
	r->fd = fd;
	return 0;
}

/* Map a region given by the caller's descriptor; the region owns fd afterwards. */
int
region_map_fd(struct mint_region *r, int fd, uint64_t size, int flags,
    char *cause, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->kind = REGION_FD;
	return map_fd(r, fd, size, flags, !(flags & REGION_RDONLY), cause, len);
}

/*
 * Open a region file. Region files live in shared directories (/dev/shm,
 * /tmp): a symlink planted there would make us write through it, and a file
 * planted by another user would stay writable by that user, who would then
 * write the region every node trusts. So: never follow a symlink, create
 * with O_EXCL, and take an existing file only if it is ours or root's and
 * nobody else may write it.
 */
static int
open_file(const char *path, int flags, char *cause, size_t len)
{
	int oflags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, fd, e;
	struct stat st;

	oflags |= (flags & REGION_RDONLY) ? O_RDONLY : O_RDWR;
	if (flags & REGION_CREATE) {
		/* 0660 less the umask: never more than owner and group */
		fd = open(path, oflags | O_CREAT | O_EXCL, 0660);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			goto fail;
	}
	if ((fd = open(path, oflags | O_NONBLOCK)) < 0)
		goto fail;
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return cause_fail(cause, len, -e, "%s: cannot stat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return cause_fail(cause, len, -EINVAL, "%s is not a regular file; a device region "
		    "is named dev:PATH", path);
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		/* by number: the library looks no names up (static 32-bit peers link it) */
		return cause_fail(cause, len, -EPERM, "%s is owned by uid %u, not by us (uid %u) or "
		    "root: another user may have planted it; refusing it (remove it, or use another "
		    "path)", path, (unsigned)st.st_uid, (unsigned)geteuid());
	}
	if (st.st_mode & S_IWOTH) {
		close(fd);
		return cause_fail(cause, len, -EPERM, "%s (owned by uid %u) has mode %04o: any user "
		    "may write it; refusing it (region files are 0600 or 0660)", path,
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
	if (st.st_nlink != 1) {
		/* where hard links to others' files are allowed, ours could be /etc/shadow */
		close(fd);
		return cause_fail(cause, len, -EPERM, "%s has %lu hard links: another name may be "
		    "someone else's file; refusing it (region files have one name)", path,
		    (unsigned long)st.st_nlink);
	}
	/* back to blocking: O_NONBLOCK only kept a planted FIFO from hanging the open */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		return cause_fail(cause, len, -e, "%s: %s", path, strerror(e));
	}
	return fd;
fail:
	e = errno;
	if (e == ELOOP)
		return cause_fail(cause, len, -ELOOP, "%s is a symbolic link; a region file is never "
		    "opened through one (someone may have planted it): give the real path", path);
	return cause_fail(cause, len, -e, "%s: %s%s", path, strerror(e),
	    e == EACCES && !(flags & REGION_RDONLY) ?
	    " (writing the region needs write access to it: root, or the group it belongs to)" : "");
}

/*
 * Map a region named by spec: "file:PATH" (or a bare path), "memfd:NAME"
 * (needs REGION_CREATE), "dev:PATH" (the module's device) or "pci:PATH"
 * (a sysfs resourceN file; mapped uncached by the kernel, so slow).
 */
/* The path a region spec names, and its kind; NULL for a memfd (it has none). */
const char *
region_spec_path(const char *spec, enum region_kind *kind)
{
	*kind = REGION_FILE;
	if (strncmp(spec, "memfd:", 6) == 0)
		return NULL;
	if (strncmp(spec, "file:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "dev:", 4) == 0) {
		*kind = REGION_DEV;
		return spec + 4;
	}
	if (strncmp(spec, "pci:", 4) == 0) {
		*kind = REGION_PCI;
		return spec + 4;
	}
	return spec;	/* a bare path is a file */
}

int
region_map(struct mint_region *r, const char *spec, uint64_t size, int flags,
    char *cause, size_t len)
{
	const char *path;
	enum region_kind kind;
	int fd, rc, oflags;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if ((path = region_spec_path(spec, &kind)) == NULL) {
		if (!(flags & REGION_CREATE))
			return cause_fail(cause, len, -EINVAL,
			    "a memfd region exists only once created: pass a size");
		fd = memfd_create(spec + 6, MFD_CLOEXEC);
		if (fd < 0)
			return cause_fail(cause, len, -errno, "memfd_create: %s", strerror(errno));
		rc = region_map_fd(r, fd, size, flags, cause, len);
		if (rc < 0)
			close(fd);
		return rc;
	}
	if (*path == '\0')
		return cause_fail(cause, len, -EINVAL, "region '%s' names no path", spec);
	if ((flags & REGION_CREATE) && (flags & REGION_RDONLY))
		return cause_fail(cause, len, -EINVAL, "%s: a region is not created read-only", path);
	if (kind != REGION_FILE && (flags & REGION_CREATE))
		return cause_fail(cause, len, -EINVAL,
		    "%s: a device region has a fixed size and cannot be created", path);
	if (kind == REGION_FILE) {
		if ((fd = open_file(path, flags, cause, len)) < 0)
			return fd;
	} else {
		oflags = ((flags & REGION_RDONLY) ? O_RDONLY : O_RDWR) | O_CLOEXEC;
		if ((fd = open(path, oflags)) < 0) {
			int e = errno;

			return cause_fail(cause, len, -e, "%s: %s%s", path, strerror(e),
			    e == EACCES && !(flags & REGION_RDONLY) ? " (writing the region "
			    "needs write access to it: root, or the group it belongs to)" : "");
		}
	}
	rc = map_fd(r, fd, size, flags, !(flags & REGION_RDONLY), cause, len);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	r->kind = kind;
	return 0;
}

void
region_unmap(struct mint_region *r)
{
	if (r->base != NULL)
		munmap(r->base, (size_t)r->size);
	if (r->fd >= 0)
		close(r->fd);
	r->base = NULL;
	r->fd = -1;
}

static void
format_ring(struct mint_ring *h, uint64_t data_off, uint32_t size, uint32_t from,
    uint32_t to)
{
	memset(h, 0, sizeof(*h));
	h->data_off = data_off;
	h->size = size;
	h->from = from;
	h->to = to;
}

/*
 * Write a fresh layout over the whole mapping. The magic goes in last, so a
 * node attaching meanwhile sees "not formatted" rather than half a layout.
 */
int
region_format(struct mint_region *r, const struct region_params *p, char *cause,
    size_t len)
{
	struct mint_sb *sb = region_sb(r);
	struct mint_layout l;
	uint64_t total;
	uint32_t gen = 1;
	unsigned i, from, to;
	int rc;

	if ((rc = region_layout(p, &l, &total, cause, len)) < 0)
		return rc;
	if (total > r->size)
		return cause_fail(cause, len, -ENOSPC, "this layout needs %" PRIu64
		    " bytes but the region has %" PRIu64, total, r->size);
	if (r->size >= sizeof(*sb) && load_acquire(&sb->magic) == MINT_MAGIC)
		gen = sb->generation + 1;

	store_release(&sb->magic, 0);
	memset(r->base + sizeof(*sb), 0, (size_t)(total - sizeof(*sb)));
	memset(sb, 0, sizeof(*sb));
	sb->version = MINT_LAYOUT_VERSION;
	sb->sb_size = sizeof(*sb);
	sb->total_size = total;
	sb->generation = gen;
	sb->layout = l;
	sb->layout_crc = region_layout_crc(sb);
	r->layout = l;
	r->generation = gen;

	for (i = 0; i < l.res_count; i++)
		region_res(r, i)->word = MINT_RES_WORD(MINT_RS_FREE, MINT_NO_NODE, MINT_NO_NODE, 0);
	i = 0;
	for (from = 0; from < l.nodes; from++)
		for (to = 0; to < l.nodes; to++) {
			if (from == to)
				continue;
			format_ring(region_ring_hdr(r, i), l.ring_area.off +
			    (uint64_t)i * l.ring_data, l.ring_data, from, to);
			i++;
		}
	for (i = 0; i < l.stream_count; i++) {
		format_ring(region_ring_hdr(r, l.ring_count + i), l.stream_area.off +
		    (uint64_t)i * l.stream_data, l.stream_data, MINT_NO_NODE, MINT_NO_NODE);
		region_ring_hdr(r, l.ring_count + i)->claim = STREAM_CLAIM_FREE;
	}
	store_release(&sb->magic, MINT_MAGIC);
	return 0;
}

static int
check_extent(const struct mint_extent *e, uint64_t want_len, uint64_t total,
    const char *what, char *cause, size_t len)
{
	if (e->off % MINT_LINE != 0)
		return cause_fail(cause, len, -EINVAL, "%s offset %" PRIu64
		    " is not aligned to %d bytes", what, e->off, MINT_LINE);
	if (e->len != want_len)
		return cause_fail(cause, len, -EINVAL, "%s is %" PRIu64
		    " bytes but its entries need %" PRIu64, what, e->len, want_len);
	if (e->off < sizeof(struct mint_sb) || e->off > total || e->len > total - e->off)
		return cause_fail(cause, len, -EINVAL, "%s (offset %" PRIu64 ", %" PRIu64
		    " bytes) lies outside the region of %" PRIu64 " bytes",
		    what, e->off, e->len, total);
	return 0;
}

static int
extents_overlap(const struct mint_extent *a, const struct mint_extent *b)
{
	if (a->len == 0 || b->len == 0)
		return 0;
	return a->off < b->off + b->len && b->off < a->off + a->len;
}

/*
 * Validate a region image: magic, version, sizes, checksum, and that every
 * table lies inside the region with no overlap. Pure: reads base only.
 */
int
region_check(const void *base, uint64_t size, struct mint_layout *out,
    uint32_t *generation, char *cause, size_t len)
{
	static const char *const names[] = {
		"node table", "resource table", "ring headers", "ring area", "stream area"
	};
	const struct mint_sb *sb = base;
	struct mint_layout l;
	struct mint_extent e[5];
	uint64_t magic, total, want[5];
	uint32_t crc;
	unsigned i, j;
	int rc;

	if (size < sizeof(*sb))
		return cause_fail(cause, len, -EINVAL, "region of %" PRIu64
		    " bytes is smaller than a superblock (%zu bytes)", size, sizeof(*sb));
	magic = load_acquire(&sb->magic);
	if (magic != MINT_MAGIC)
		return cause_fail(cause, len, -EINVAL, magic == 0 ?
		    "region is not formatted (no mint magic)" :
		    "bad magic 0x%016" PRIx64 ": not a mint region, or damaged", magic);
	if (sb->version != MINT_LAYOUT_VERSION)
		return cause_fail(cause, len, -EPROTONOSUPPORT, "layout version %" PRIu32
		    ", but this build reads version %d", sb->version, MINT_LAYOUT_VERSION);
	if (sb->sb_size != sizeof(*sb))
		return cause_fail(cause, len, -EINVAL, "superblock size %" PRIu32
		    ", expected %zu", sb->sb_size, sizeof(*sb));
	total = sb->total_size;
	if (total < sizeof(*sb) || total > size)
		return cause_fail(cause, len, -EINVAL, "superblock says the region is %" PRIu64
		    " bytes, but %" PRIu64 " are mapped", total, size);
	memcpy(&l, &sb->layout, sizeof(l));
	crc = region_layout_crc(sb);
	if (crc != sb->layout_crc)
		return cause_fail(cause, len, -EINVAL, "layout checksum mismatch (stored 0x%08"
		    PRIx32 ", computed 0x%08" PRIx32 "): the superblock is damaged",
		    sb->layout_crc, crc);
	/* The checksum may be right and the values still wrong: check them all. */
	if (l.nodes < 1 || l.nodes > MINT_MAX_NODES)
		return cause_fail(cause, len, -EINVAL, "%" PRIu32 " node slots; 1 to %d allowed",
		    l.nodes, MINT_MAX_NODES);
	if (l.status_max % 8 != 0 || l.status_max > (1u << 24) ||
	    l.node_size != align_up(sizeof(struct mint_node) + l.status_max, MINT_LINE))
		return cause_fail(cause, len, -EINVAL, "node entry of %" PRIu32
		    " bytes does not fit a status area of %" PRIu32, l.node_size, l.status_max);
	if (l.res_size != sizeof(struct mint_res) || l.res_count > (1u << 20))
		return cause_fail(cause, len, -EINVAL, "resource table of %" PRIu32
		    " entries of %" PRIu32 " bytes; expected entries of %zu", l.res_count,
		    l.res_size, sizeof(struct mint_res));
	if (l.ring_count != l.nodes * (l.nodes - 1))
		return cause_fail(cause, len, -EINVAL, "%" PRIu32 " pair rings for %" PRIu32
		    " nodes; expected %" PRIu32, l.ring_count, l.nodes, l.nodes * (l.nodes - 1));
	if (l.ring_hdr_size != sizeof(struct mint_ring))
		return cause_fail(cause, len, -EINVAL, "ring header of %" PRIu32
		    " bytes; expected %zu", l.ring_hdr_size, sizeof(struct mint_ring));
	if ((rc = check_ring_size(l.ring_data, "pair ring data", cause, len)) < 0)
		return rc;
	if (l.stream_count > 1024)
		return cause_fail(cause, len, -EINVAL, "%" PRIu32 " stream rings; at most 1024",
		    l.stream_count);
	if (l.stream_count > 0 &&
	    (rc = check_ring_size(l.stream_data, "stream ring data", cause, len)) < 0)
		return rc;

	e[0] = l.node_table;	want[0] = (uint64_t)l.nodes * l.node_size;
	e[1] = l.res_table;	want[1] = (uint64_t)l.res_count * l.res_size;
	e[2] = l.ring_hdrs;	want[2] = (uint64_t)(l.ring_count + l.stream_count) * l.ring_hdr_size;
	e[3] = l.ring_area;	want[3] = (uint64_t)l.ring_count * l.ring_data;
	e[4] = l.stream_area;	want[4] = (uint64_t)l.stream_count * l.stream_data;
	for (i = 0; i < 5; i++)
		if ((rc = check_extent(&e[i], want[i], total, names[i], cause, len)) < 0)
			return rc;
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if (extents_overlap(&e[i], &e[j]))
				return cause_fail(cause, len, -EINVAL, "%s and %s overlap",
				    names[i], names[j]);
	if (out != NULL)
		*out = l;
	if (generation != NULL)
		*generation = sb->generation;
	return 0;
}

/* Check the mapped region and keep a private copy of its layout. */
int
region_attach(struct mint_region *r, char *cause, size_t len)
{
	return region_check(r->base, r->size, &r->layout, &r->generation, cause, len);
}
