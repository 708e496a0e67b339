/*
 * The idle agent's floor: the least a process can do that wakes 10 times a
 * second and writes a word to the region, as the heartbeat does. Runs until
 * killed. Usage: idle-floor FILE
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec t;
	volatile uint64_t *word;
	uint64_t beat = 0;
	int fd;

	if (argc != 2 || (fd = open(argv[1], O_RDWR)) < 0) {
		fprintf(stderr, "usage: idle-floor FILE (an existing file of at least 4 KiB)\n");
		return 2;
	}
	word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (word == MAP_FAILED) {
		perror("idle-floor: mmap");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (;;) {
		t.tv_nsec += 100000000;
		if (t.tv_nsec >= 1000000000)
			t.tv_sec++, t.tv_nsec -= 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		__atomic_store_n(word, ++beat, __ATOMIC_RELEASE);
	}
}
