# shm/: the region layout and its ring channels, as a library every program links.
noinst_LIBRARIES += shm/libmintshm.a
shm_libmintshm_a_SOURCES = \
	shm/atomic.h \
	shm/crc32c.c shm/crc32c.h \
	shm/doorbell.c shm/doorbell.h \
	shm/layout.h \
	shm/node.c shm/node.h \
	shm/pool.c shm/pool.h \
	shm/region.c shm/region.h \
	shm/resource.c shm/resource.h \
	shm/ring.c shm/ring.h \
	shm/stream.c shm/stream.h
SHM_LIBS = shm/libmintshm.a $(PTHREAD_LIBS)
# the same sources, for the 32-bit helper
SHM_C_FILES = $(filter %.c,$(shm_libmintshm_a_SOURCES))
