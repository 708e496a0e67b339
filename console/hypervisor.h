/* A simulated node's own libvirtd, in a mount namespace that its agent shares. */
#ifndef MINT_CONSOLE_HYPERVISOR_H
#define MINT_CONSOLE_HYPERVISOR_H

#include <stddef.h>
#include <sys/types.h>

/* In the node's process: enter a new mount namespace and start libvirtd there. */
int hv_enter(const char *run_dir, unsigned node, const char *libvirtd, pid_t *daemon_pid,
	    char *cause, size_t len);
/* Stop the node's guests and its daemon. */
void hv_stop(const char *run_dir, unsigned node);

#endif
