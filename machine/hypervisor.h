/* A simulated node's own libvirtd, in a mount namespace that its agent shares. */
#ifndef MINT_MACHINE_HYPERVISOR_H
#define MINT_MACHINE_HYPERVISOR_H

#include <stddef.h>
#include <sys/types.h>

#include "machine/procs.h"

/* How long a node's daemon and guests have to end on SIGTERM before SIGKILL. */
#define HV_STOP_MS	3000

/* In the node's process: enter a new mount namespace and start libvirtd there. */
int hv_enter(const char *run_dir, unsigned node, const char *libvirtd, const char *libvirt_hook,
	    pid_t *daemon_pid, char *cause, size_t len);
/* The pid of the node's daemon, from its pid file (0: none). */
pid_t hv_daemon_pid(const char *run_dir, unsigned node);
/* Add the node's guests (their QEMU processes) and its daemon to s. */
void hv_pids(const char *run_dir, unsigned node, struct procs *s);
/* Stop the node's guests and its daemon, all at once. */
void hv_stop(const char *run_dir, unsigned node);
/*
 * Fork a child that exits 0 once the node's daemon answers a libvirt
 * connection on its socket, else 1; returns its pid or -errno.
 */
pid_t hv_probe(const char *run_dir, unsigned node);

#endif
