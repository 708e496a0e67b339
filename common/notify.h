/*
 * The systemd notification protocol (sd_notify(3)) without libsystemd: a
 * datagram of "KEY=value" lines to $NOTIFY_SOCKET, for a Type=notify unit.
 */
#ifndef MINT_COMMON_NOTIFY_H
#define MINT_COMMON_NOTIFY_H

#include <stdint.h>

/*
 * Send msg ("READY=1", "WATCHDOG=1", "STATUS=...") to the service manager:
 * 1 when sent, 0 when there is none to tell ($NOTIFY_SOCKET unset), -errno.
 */
int notify_send(const char *msg);

/* The watchdog period systemd asks of this process ($WATCHDOG_USEC), in ns; 0: none. */
uint64_t notify_watchdog_ns(void);

#endif
