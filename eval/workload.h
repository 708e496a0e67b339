/*
 * The paper's three workloads: register increments, memcpy of a buffer, and
 * random lseek() + read() on a disk. Each checks that it did the work.
 */
#ifndef MINT_EVAL_WORKLOAD_H
#define MINT_EVAL_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* m register increments; 0, or -EIO if the count came out wrong. */
int wl_reg(uint64_t m);

struct wl_copy {
	uint8_t *src, *dst;
	size_t size;
	uint64_t done;		/* copies made so far */
};

/* Two buffers of size bytes, the source patterned: 0 or -ENOMEM/-EINVAL. */
int wl_copy_init(struct wl_copy *c, size_t size);
/* n memcpy()s of the whole buffer, each one different and checked: 0 or -EIO. */
int wl_copy_run(struct wl_copy *c, uint64_t n);
void wl_copy_free(struct wl_copy *c);

struct wl_io {
	int fd;
	int direct;		/* O_DIRECT took: the page cache is bypassed */
	uint64_t span;		/* bytes of the file or device */
	size_t size;		/* bytes a read() asks for */
	size_t align;		/* offsets and the buffer are multiples of it */
	void *buf;
	uint64_t rng;		/* xorshift state: the offsets */
	uint64_t reads, bytes;	/* issued and read so far */
	uint64_t *offsets;	/* if not NULL, each read's offset, up to n_offsets */
	size_t n_offsets;
};

/*
 * Open path for reads of size bytes at random aligned offsets, with
 * O_DIRECT unless no_direct (or the file system refuses it: then direct is
 * 0). 0, or -errno with a sentence in cause.
 */
int wl_io_open(struct wl_io *io, const char *path, size_t size, int no_direct, uint64_t seed,
    char *cause, size_t len);
/* l lseek() + read() pairs: 0, or -errno with a sentence in cause. */
int wl_io_run(struct wl_io *io, uint64_t l, char *cause, size_t len);
void wl_io_close(struct wl_io *io);

#endif
