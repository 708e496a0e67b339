# tests/: the TAP tests make check runs (test-*.c, t-*.sh) and their fixtures;
# helpers/ the programs they drive, bench/ make bench, fuzz/ the fuzz targets
# and their corpus, vm/ the VM harness, guest/ the TCG guest image.
EXTRA_DIST += tests/run-test tests/tap.h tests/util.h tests/lib.sh tests/helpers/sock.h

check_PROGRAMS += tests/test-common
tests_test_common_LDADD = common/libmintcommon.a
TESTS += tests/test-common

check_PROGRAMS += tests/test-eval
tests_test_eval_CPPFLAGS = $(AM_CPPFLAGS) $(LIBXML_CFLAGS)
tests_test_eval_LDADD = eval/libminteval.a common/libmintcommon.a $(LIBXML_LIBS)
TESTS += tests/test-eval tests/t-mint-bench.sh
EXTRA_DIST += tests/t-mint-bench.sh

# the machine description parser: good files, the examples, every fault
check_PROGRAMS += tests/test-machine
tests_test_machine_LDADD = $(MACHINE_LIBS)
TESTS += tests/test-machine

# the console's argument templates and its text-or-JSON output
check_PROGRAMS += tests/test-args
tests_test_args_LDADD = console/libmintconsole.a common/libmintcommon.a
TESTS += tests/test-args tests/t-console.sh tests/t-manpage.sh tests/t-json.sh tests/t-install.sh \
	tests/t-service.sh tests/t-journal.sh tests/t-bench.sh
EXTRA_DIST += tests/t-console.sh tests/t-manpage.sh tests/t-json.sh tests/t-install.sh \
	tests/t-service.sh tests/t-journal.sh tests/t-bench.sh doc/mint-console.schema.json

check_PROGRAMS += tests/test-region
tests_test_region_LDADD = $(SHM_LIBS)
TESTS += tests/test-region

check_PROGRAMS += tests/test-ring
tests_test_ring_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring

check_PROGRAMS += tests/test-sample
tests_test_sample_LDADD = agent/libmintagent.a
TESTS += tests/test-sample
EXTRA_DIST += tests/fixtures

# the agent's worker: a node's backend jobs in order, lanes within their threads
check_PROGRAMS += tests/test-worker
tests_test_worker_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
tests_test_worker_LDADD = $(AGENT_LIBS)
TESTS += tests/test-worker

# mint-agent's options: config file and command line
check_PROGRAMS += tests/test-options
tests_test_options_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_test_options_LDADD = $(AGENT_LIBS)
TESTS += tests/test-options

# a node's status gathered on the /proc fixtures and a memfd region's table, then packed
check_PROGRAMS += tests/test-status
tests_test_status_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_test_status_LDADD = $(AGENT_LIBS)
TESTS += tests/test-status

# handle_move and handle_claim: two agents in one process on a memfd region, a fake backend
check_PROGRAMS += tests/test-move
tests_test_move_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_test_move_LDADD = $(AGENT_LIBS)
TESTS += tests/test-move

# the domain XML matcher behind "device in use by a running guest"
check_PROGRAMS += tests/test-devuse
tests_test_devuse_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML_CFLAGS)
tests_test_devuse_LDADD = $(AGENT_LIBS)
TESTS += tests/test-devuse

check_PROGRAMS += tests/test-wire
tests_test_wire_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_test_wire_LDADD = $(PROTO_LIBS)
TESTS += tests/test-wire

# a peer rewrites a ring record while the agent decodes it
check_PROGRAMS += tests/test-peers-copy
tests_test_peers_copy_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_test_peers_copy_LDADD = $(PROTO_LIBS) $(SHM_LIBS) -lpthread
TESTS += tests/test-peers-copy

check_PROGRAMS += tests/test-ring-procs
tests_test_ring_procs_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring-procs

check_PROGRAMS += tests/test-ring-kill
tests_test_ring_kill_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring-kill

check_PROGRAMS += tests/test-ring-scribble
tests_test_ring_scribble_LDADD = $(SHM_LIBS)
TESTS += tests/test-ring-scribble

# test-abi talks to tests/helpers/peer32, the same peer.c built with -m32 (static when
# it can be, see configure), natively or under qemu-i386; t-abi-qemu.sh forces
# qemu, so that the fallback is proved on kernels that run 32-bit programs too.
check_PROGRAMS += tests/test-abi tests/helpers/peer
tests_test_abi_LDADD = $(SHM_LIBS)
tests_helpers_peer_LDADD = $(SHM_LIBS)
TESTS += tests/test-abi tests/t-abi-qemu.sh
EXTRA_DIST += tests/helpers/peer.h tests/t-abi-qemu.sh
if HAVE_M32
check_DATA += tests/helpers/peer32
CLEANFILES += tests/helpers/peer32
tests/helpers/peer32: $(addprefix $(top_srcdir)/,$(SHM_C_FILES)) $(top_srcdir)/tests/helpers/peer.c
	$(AM_V_CCLD)$(CC) -m32 $(PEER32_LDFLAGS) -std=gnu11 -O2 $(WARN_CFLAGS) \
	    -include $(top_builddir)/config.h -I$(top_srcdir) -I$(top_builddir) -o $@ $^ -lpthread
endif

# Fuzzing: a gcc-built driver always, the libFuzzer target when clang has it.
check_PROGRAMS += tests/fuzz/fuzz-region-run
tests_fuzz_fuzz_region_run_SOURCES = tests/fuzz/fuzz-region.c
tests_fuzz_fuzz_region_run_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_STANDALONE
tests_fuzz_fuzz_region_run_LDADD = $(SHM_LIBS)
TESTS += tests/t-fuzz.sh
EXTRA_DIST += tests/t-fuzz.sh tests/fuzz/corpus tests/fuzz/fuzz-driver.h
check_PROGRAMS += tests/fuzz/fuzz-wire-run
tests_fuzz_fuzz_wire_run_SOURCES = tests/fuzz/fuzz-wire.c
tests_fuzz_fuzz_wire_run_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) -DFUZZ_STANDALONE
tests_fuzz_fuzz_wire_run_LDADD = $(PROTO_LIBS)
if HAVE_LIBFUZZER
FUZZ_CC = $(CLANG) -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
	-include $(top_builddir)/config.h -I$(top_srcdir) -I$(top_builddir)
check_DATA += tests/fuzz/fuzz-region tests/fuzz/fuzz-wire
CLEANFILES += tests/fuzz/fuzz-region tests/fuzz/fuzz-wire
tests/fuzz/fuzz-region: $(addprefix $(top_srcdir)/,$(SHM_C_FILES)) $(top_srcdir)/tests/fuzz/fuzz-region.c
	$(AM_V_CCLD)$(FUZZ_CC) -o $@ $^ -lpthread
tests/fuzz/fuzz-wire: $(top_srcdir)/proto/wire.c proto/mint.pb-c.c $(top_srcdir)/tests/fuzz/fuzz-wire.c
	$(AM_V_CCLD)$(FUZZ_CC) $(PROTOBUF_C_CFLAGS) -o $@ $^ $(PROTOBUF_C_LIBS)
endif

# make bench: not part of make check.
noinst_PROGRAMS += tests/bench/bench-ring
tests_bench_bench_ring_LDADD = $(SHM_LIBS)
noinst_PROGRAMS += tests/bench/bench-tunnel
noinst_PROGRAMS += tests/bench/idle-floor
EXTRA_DIST += tests/bench/bench.sh tests/bench/bench-agent.sh tests/bench/bench-tunnel.sh tests/bench/bench-migrate.sh \
	tests/bench/bench-migrate-shared.sh tests/bench/peer-spsc.cpp \
    tests/bench/bench-ctl.sh
bench: tests/bench/bench-ring$(EXEEXT) tests/bench/bench-tunnel$(EXEEXT) tests/bench/idle-floor$(EXEEXT) \
    agent/mint-agent$(EXEEXT) \
    console/mint-console$(EXEEXT) tests/helpers/ctlflood$(EXEEXT) tests/helpers/beatgap$(EXEEXT)
	$(SHELL) $(top_srcdir)/tests/bench/bench.sh $(top_builddir)/tests/bench/bench-ring$(EXEEXT)
.PHONY: bench

# make check-valgrind: the single-process tests under memcheck (CI runs it).
check-valgrind: tests/test-region$(EXEEXT) tests/test-ring$(EXEEXT) tests/fuzz/fuzz-region-run$(EXEEXT) \
    tests/test-status$(EXEEXT) tests/test-move$(EXEEXT)
	@test -n "$(VALGRIND)" || { echo "valgrind not found (Debian package: valgrind)"; exit 1; }
	for t in tests/test-region tests/test-ring "tests/fuzz/fuzz-region-run -runs 2000" \
	    tests/test-status tests/test-move; do \
		top_srcdir=$(top_srcdir) $(VALGRIND) -q --error-exitcode=1 --leak-check=full \
		    $(top_builddir)/$$t >/dev/null || exit 1; \
		echo "valgrind: $$t: clean"; \
	done
.PHONY: check-valgrind

TESTS += tests/t-agent.sh
EXTRA_DIST += tests/t-agent.sh
TESTS += tests/t-libvirt.sh
EXTRA_DIST += tests/t-libvirt.sh

check_PROGRAMS += tests/helpers/hang-sock

check_PROGRAMS += tests/helpers/sockpeer
tests_helpers_sockpeer_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_helpers_sockpeer_LDADD = $(PROTO_LIBS)

check_PROGRAMS += tests/helpers/ctlflood tests/helpers/beatgap
tests_helpers_ctlflood_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_helpers_ctlflood_LDADD = $(PROTO_LIBS)
tests_helpers_beatgap_LDADD = $(SHM_LIBS)

# the control socket under a hostile local user: caps, fair turns, timeouts
TESTS += tests/t-ctl.sh
EXTRA_DIST += tests/t-ctl.sh

check_PROGRAMS += tests/helpers/ringpeer
tests_helpers_ringpeer_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_helpers_ringpeer_LDADD = $(PROTO_LIBS) $(SHM_LIBS)

TESTS += tests/t-machine.sh
EXTRA_DIST += tests/t-machine.sh
TESTS += tests/t-demo.sh tests/t-readme.sh tests/t-migrate.sh
EXTRA_DIST += tests/t-demo.sh tests/t-readme.sh tests/t-migrate.sh

check_PROGRAMS += tests/helpers/qmp
check_PROGRAMS += tests/helpers/streampeer
tests_helpers_streampeer_LDADD = $(SHM_LIBS)
TESTS += tests/t-tunnel.sh tests/t-guest.sh tests/t-bench-guest.sh tests/t-migrate-shared.sh
EXTRA_DIST += tests/t-tunnel.sh tests/t-guest.sh tests/t-bench-guest.sh tests/t-migrate-shared.sh tests/guest/mkguest.sh tests/guest/dirtier.c

TESTS += tests/t-handover.sh
EXTRA_DIST += tests/t-handover.sh agent/handover.pml

# moving cores, memory and devices: on synthetic cores here, on real cpusets in a 4-CPU VM
TESTS += tests/t-move.sh tests/t-sysfs.sh tests/t-move-cpuset.sh
EXTRA_DIST += tests/t-move.sh tests/t-sysfs.sh tests/t-move-cpuset.sh tests/vm/mkinitramfs.sh tests/vm/run-vm.sh \
    tests/vm/mint-hold.c
# two cores out of one node at once: the backend's read-modify-writes of one node in order
TESTS += tests/t-move-together.sh
EXTRA_DIST += tests/t-move-together.sh

# node lifecycle: boot, shutdown, reboot, death, events, reclaim, config check
TESTS += tests/t-lifecycle.sh
EXTRA_DIST += tests/t-lifecycle.sh

# real kernels as nodes: two VMs sharing a region through ivshmem-doorbell and the module
TESTS += tests/t-vm.sh
EXTRA_DIST += tests/t-vm.sh

# the VM tests alone (they are in make check too)
check-vm: all tests/test-ivshmem-server
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="tests/t-vm.sh tests/t-move-cpuset.sh"
.PHONY: check-vm

# make bench-vm: the ring between two VMs, doorbell against polling (not in make check)
noinst_PROGRAMS += tests/bench/bench-vm-side
tests_bench_bench_vm_side_LDADD = $(SHM_LIBS)
EXTRA_DIST += tests/bench/bench-vm.sh
bench-vm: all tests/bench/bench-vm-side$(EXEEXT)
	$(SHELL) $(top_srcdir)/tests/bench/bench-vm.sh $(top_builddir) $(top_srcdir)
.PHONY: bench-vm
