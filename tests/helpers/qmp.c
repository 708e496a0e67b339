/*
 * Test helper: one QMP command to a QEMU, for the VM machine's harness (the
 * part a Mint machine's hardware plays: vCPUs and DIMMs unplugged from one
 * VM and plugged into another).
 *   qmp SOCKET 'JSON' [EVENT]   send the command; print its answer; with
 *                               EVENT, also wait (up to 30 s) for that event
 * Exit 0 on "return", 1 on "error" or a timeout, with the line on stdout.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];
static size_t have;

/* The next line from fd within the deadline, or NULL. */
static char *
next_line(int fd, time_t deadline)
{
	static char line[sizeof(buf)];

	for (;;) {
		char *nl = memchr(buf, '\n', have);
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (nl != NULL) {
			size_t len = (size_t)(nl - buf);
			memcpy(line, buf, len);
			line[len] = '\0';
			memmove(buf, nl + 1, have - len - 1);
			have -= len + 1;
			return line;
		}
		if (time(NULL) >= deadline || have == sizeof(buf) || poll(&p, 1, 200) < 0)
			return NULL;
		if (p.revents & (POLLIN | POLLHUP)) {
			if ((n = read(fd, buf + have, sizeof(buf) - have)) <= 0)
				return NULL;
			have += (size_t)n;
		}
	}
}

/*
 * Send cmd and return the line that answers it; events on the way are
 * skipped, except that *seen is set if one is the event want (which may
 * come before the answer).
 */
static char *
command(int fd, const char *cmd, const char *want, int *seen, time_t deadline)
{
	char *l;

	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0)
		return NULL;
	while ((l = next_line(fd, deadline)) != NULL) {
		if (want != NULL && strstr(l, want) != NULL)
			*seen = 1;
		else if (strstr(l, "\"return\"") != NULL || strstr(l, "\"error\"") != NULL)
			return l;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	time_t deadline = time(NULL) + 30;
	char want[128] = "", *l;
	int fd, rc, seen = 0;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: qmp SOCKET 'JSON' [EVENT]\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "qmp: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (next_line(fd, deadline) == NULL ||
	    (l = command(fd, "{\"execute\":\"qmp_capabilities\"}", NULL, &seen, deadline)) == NULL ||
	    strstr(l, "\"return\"") == NULL) {
		fprintf(stderr, "qmp: %s: no QMP greeting\n", argv[1]);
		return 1;
	}
	if (argc > 3)
		snprintf(want, sizeof(want), "\"event\": \"%s\"", argv[3]);
	if ((l = command(fd, argv[2], argc > 3 ? want : NULL, &seen, deadline)) == NULL) {
		printf("timeout\n");
		return 1;
	}
	printf("%s\n", l);
	rc = strstr(l, "\"return\"") == NULL;
	if (rc == 0 && argc > 3 && !seen) {
		while ((l = next_line(fd, deadline)) != NULL && strstr(l, want) == NULL)
			;
		printf("%s\n", l != NULL ? l : "no event");
		rc = l == NULL;
	}
	close(fd);
	return rc;
}
