/* Socket helpers shared by the test and benchmark peers (streampeer, bench-tunnel). */
#ifndef MINT_TESTS_SOCK_H
#define MINT_TESTS_SOCK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * A stream socket at path: connected to it, or listening there and the first
 * connection accepted ("listening" on stdout before it waits); -1 on failure.
 */
static inline int
test_unix_at(const char *path, int listening)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), c;

	if (fd < 0 || strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if (!listening)
		return connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? fd : -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 1) < 0)
		return -1;
	printf("listening\n");
	fflush(stdout);
	c = accept(fd, NULL, NULL);
	close(fd);
	return c;
}

/* Write all of buf, across short writes and signals; 0 or -1. */
static inline int
test_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
