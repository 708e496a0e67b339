# machine/: the simulated machine: its description (the example ones beside
# it), cgroup partitions, each node's own libvirtd, start, stop and the start
# hook. mint-console machine and config are thin commands over it.
EXTRA_DIST += machine/three-nodes.conf machine/two-hypervisors.conf
noinst_LIBRARIES += machine/libmintmachine.a
machine_libmintmachine_a_SOURCES = machine/machine.c machine/machine.h \
	machine/partition.c machine/partition.h machine/hypervisor.c machine/hypervisor.h \
	machine/procs.c machine/procs.h machine/spawn.c machine/spawn.h machine/run.c machine/run.h
machine_libmintmachine_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBVIRT_CFLAGS)
MACHINE_LIBS = machine/libmintmachine.a $(SHM_LIBS) common/libmintcommon.a $(LIBVIRT_LIBS)
