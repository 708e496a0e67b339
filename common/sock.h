/* Unix stream sockets by path: the address, listening and connecting, done once. */
#ifndef MINT_COMMON_SOCK_H
#define MINT_COMMON_SOCK_H

#include <sys/socket.h>
#include <sys/un.h>

/* Fill sun with path: 0, or -ENAMETOOLONG when it does not fit sun_path. */
int sock_addr(const char *path, struct sockaddr_un *sun);

/*
 * A non-blocking, close-on-exec stream socket bound to path, not listening
 * yet, so that the caller may set its mode and owner first: fd, or -errno.
 */
int sock_bind(const char *path);

/*
 * A non-blocking, close-on-exec stream socket listening on path (an old
 * socket there is replaced by the caller, not here): fd, or -errno.
 */
int sock_listen(const char *path, int backlog);

/*
 * Connect to path, non-blocking and close-on-exec; a full backlog (EAGAIN)
 * is retried until wait_ms have passed, then -ETIMEDOUT: fd, or -errno.
 */
int sock_connect(const char *path, int wait_ms);

#endif
