# tools/: helpers around the programs: the ivshmem server QEMU's ivshmem-doorbell needs.
bin_PROGRAMS += tools/ivshmem-server
tools_ivshmem_server_SOURCES = tools/ivshmem-server.c
tools_ivshmem_server_LDADD = common/libmintcommon.a

# the test starts tools/ivshmem-server, so make check builds it first
check_PROGRAMS += tests/test-ivshmem-server
TESTS += tests/test-ivshmem-server
