# tests/: TAP tests run by make check, the benchmark run by make bench.
EXTRA_DIST += tests/run-test tests/tap.h tests/util.h

check_PROGRAMS += tests/test-region
tests_test_region_LDADD = $(SHM_LIBS)
TESTS += tests/test-region

check_PROGRAMS += tests/test-ring
tests_test_ring_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring

check_PROGRAMS += tests/test-ring-procs
tests_test_ring_procs_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring-procs

check_PROGRAMS += tests/test-ring-kill
tests_test_ring_kill_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring-kill
