/*
 * The paper's three workloads: register increments, memcpy of a buffer, and
 * random lseek() + read() on a disk. Each checks that it did the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cause.h"
#include "eval/workload.h"

int
wl_reg(uint64_t m)
{
	uint64_t x = 0, i;

	for (i = 0; i < m; i++) {
		x++;
		/* the value is in a register and "used": no folding the loop into x = m */
		__asm__ volatile("" : "+r"(x));
	}
	return x == m ? 0 : -EIO;
}

int
wl_copy_init(struct wl_copy *c, size_t size)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	if (size == 0)
		return -EINVAL;
	if ((c->src = malloc(size)) == NULL || (c->dst = malloc(size)) == NULL) {
		free(c->src);
		c->src = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < size; i++)
		c->src[i] = (uint8_t)(i * 131 + 7);
	memset(c->dst, 0, size);	/* fault the pages in before anything is timed */
	c->size = size;
	return 0;
}

int
wl_copy_run(struct wl_copy *c, uint64_t n)
{
	uint64_t i;
	size_t at;

	for (i = 0; i < n; i++) {
		/* a byte that changes each copy, so no copy can be skipped as the same */
		at = (size_t)((c->done * 4099u) % c->size);
		c->src[at] = (uint8_t)c->done;
		memcpy(c->dst, c->src, c->size);
		__asm__ volatile("" : : "r"(c->dst) : "memory");
		if (c->dst[at] != (uint8_t)c->done)
			return -EIO;
		c->done++;
	}
	return memcmp(c->dst, c->src, c->size) == 0 ? 0 : -EIO;
}

void
wl_copy_free(struct wl_copy *c)
{
	free(c->src);
	free(c->dst);
	memset(c, 0, sizeof(*c));
}

/* The bytes of a file or block device, and the alignment O_DIRECT wants there. */
static int
io_span(struct wl_io *io, const char *path, char *cause, size_t len)
{
	struct stat st;
	int ssz = 512;

	if (fstat(io->fd, &st) < 0)
		return cause_fail(cause, len, -errno, "%s: %s", path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(io->fd, BLKGETSIZE64, &io->span) < 0)
			return cause_fail(cause, len, -errno, "%s: size: %s", path, strerror(errno));
		if (ioctl(io->fd, BLKSSZGET, &ssz) < 0 || ssz <= 0)
			ssz = 512;
	} else if (S_ISREG(st.st_mode)) {
		io->span = (uint64_t)st.st_size;
		ssz = st.st_blksize > 0 ? (int)st.st_blksize : 4096;
	} else {
		return cause_fail(cause, len, -EINVAL, "%s is neither a file nor a block device", path);
	}
	io->align = ssz < 4096 ? 4096 : (size_t)ssz;
	return 0;
}

int
wl_io_open(struct wl_io *io, const char *path, size_t size, int no_direct, uint64_t seed,
    char *cause, size_t len)
{
	int rc;

	memset(io, 0, sizeof(*io));
	io->fd = -1;
	io->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
	io->size = size;
	if (!no_direct && (io->fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC)) >= 0)
		io->direct = 1;
	else if ((io->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cause_fail(cause, len, -errno, "%s: cannot open for reading: %s", path,
		    strerror(errno));
	if ((rc = io_span(io, path, cause, len)) < 0)
		goto fail_close;
	if (size == 0 || (io->direct && size % io->align != 0)) {
		rc = cause_fail(cause, len, -EINVAL, "a read of %zu bytes is not a multiple of %zu "
		    "(the block size O_DIRECT needs; --no-direct reads any size)", size, io->align);
		goto fail_close;
	}
	if (io->span < size) {
		rc = cause_fail(cause, len, -EINVAL, "%s holds %llu bytes, fewer than one read of %zu",
		    path, (unsigned long long)io->span, size);
		goto fail_close;
	}
	if ((rc = posix_memalign(&io->buf, io->align, size)) != 0) {
		rc = cause_fail(cause, len, -rc, "out of memory for a %zu-byte buffer", size);
		goto fail_close;
	}
	return 0;
fail_close:
	close(io->fd);
	io->fd = -1;
	return rc;
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int
wl_io_run(struct wl_io *io, uint64_t l, char *cause, size_t len)
{
	uint64_t slots = (io->span - io->size) / io->align + 1, i;

	for (i = 0; i < l; i++) {
		off_t at = (off_t)((xorshift(&io->rng) % slots) * io->align);
		ssize_t n;

		if (lseek(io->fd, at, SEEK_SET) != at)
			return cause_fail(cause, len, -errno, "lseek to %lld: %s", (long long)at,
			    strerror(errno));
		if ((n = read(io->fd, io->buf, io->size)) != (ssize_t)io->size)
			return cause_fail(cause, len, n < 0 ? -errno : -EIO, "read of %zu bytes at "
			    "%lld: %s", io->size, (long long)at, n < 0 ? strerror(errno) : "short read");
		if (io->offsets != NULL && io->reads < io->n_offsets)
			io->offsets[io->reads] = (uint64_t)at;
		io->reads++;
		io->bytes += (uint64_t)n;
	}
	return 0;
}

void
wl_io_close(struct wl_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	free(io->buf);
	io->fd = -1;
	io->buf = NULL;
}
