/* Unix stream sockets by path: the address, listening and connecting, done once. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/sock.h"

int
sock_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

int
sock_bind(const char *path)
{
	struct sockaddr_un sun;
	int fd, rc;

	if ((rc = sock_addr(path, &sun)) < 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
sock_listen(const char *path, int backlog)
{
	int fd, rc;

	if ((fd = sock_bind(path)) < 0)
		return fd;
	if (listen(fd, backlog) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
sock_connect(const char *path, int wait_ms)
{
	struct sockaddr_un sun;
	int64_t deadline = clock_mono_ms() + wait_ms;
	int fd, rc;

	if ((rc = sock_addr(path, &sun)) < 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -errno;
	/* a Unix socket whose backlog is full says EAGAIN where a blocking one would wait */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		if (rc == -EINTR)
			continue;
		if (rc == -EAGAIN && clock_mono_ms() < deadline) {
			poll(NULL, 0, 20);
			continue;
		}
		close(fd);
		return rc == -EAGAIN ? -ETIMEDOUT : rc;
	}
	return fd;
}
