/*
 * Test helper: a Unix socket that takes connections and never answers, as a
 * libvirtd stopped with SIGSTOP looks to its clients. Usage: hang-sock PATH;
 * it prints "ready" once it listens, and ends on SIGTERM (its connections
 * then fail, as when the daemon dies).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: hang-sock PATH\n");
		return 2;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 256) < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	/* never accept: connect() succeeds into the backlog, and no byte ever comes back */
	for (;;)
		pause();
}
