/*
 * Test helper: send stdin's bytes to a Unix socket as they are, then print
 * each framed reply as "reply ERROR MESSAGE" (and "status of node N, C cores"
 * when it carries a status). Usage: sockpeer PATH
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto/wire.h"

int
main(int argc, char **argv)
{
	static uint8_t in[65536], buf[WIRE_MAX + WIRE_FRAME_HDR];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = fread(in, 1, sizeof(in), stdin), got = 0;
	uint32_t len;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || write(fd, in, n) != (ssize_t)n) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		Mint__Envelope *e;
		ssize_t r;

		while (wire_frame_get(buf, got, &len) == 0) {
			if (wire_unpack(buf + WIRE_FRAME_HDR, len, &e, NULL, 0) == 0 &&
			    e->body_case == MINT__ENVELOPE__BODY_REPLY)
			{
				printf("reply %d %s\n", e->reply->error, e->reply->message ? e->reply->message : "");
				if (e->reply->status != NULL)
					printf("status of node %u, %zu cores\n", e->reply->status->node,
					    e->reply->status->n_cores);
			}
			else
				printf("undecodable reply\n");
			wire_free(e);
			memmove(buf, buf + WIRE_FRAME_HDR + len, got - WIRE_FRAME_HDR - len);
			got -= WIRE_FRAME_HDR + len;
		}
		if (poll(&p, 1, 2000) <= 0 || (r = read(fd, buf + got, sizeof(buf) - got)) <= 0)
			break;
		got += (size_t)r;
	}
	printf("closed\n");
	return 0;
}
