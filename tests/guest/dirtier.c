/*
 * The test guest's program (its /init runs it): keeps MIB mebibytes of its
 * memory full of a known pattern and rewrites it pass after pass. Each pass
 * first checks every page still holds what the last pass wrote, so a page
 * lost on the way (a migration that dropped a write) shows. Once a second it
 * prints "TICK <seconds> <pass> <checksum of the last whole pass>" on the console; a bad
 * page prints "CORRUPT ..." and the program stops.
 *   dirtier MIB [--idle]   (--idle: fill once and only check, no rewriting)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32, pages = mib * 256;
	int idle = argc > 2 && strcmp(argv[2], "--idle") == 0;
	uint64_t *mem = malloc(pages * PAGE), pass = 1, ticks = 0, whole = 0;
	time_t last = time(NULL);

	if (mem == NULL) {
		printf("NOMEM\n");
		return 1;
	}
	for (size_t p = 0; p < pages; p++)
		for (size_t w = 0; w < PAGE / 8; w++)
			mem[p * (PAGE / 8) + w] = (uint64_t)p * 0x9e3779b97f4a7c15ull ^ w ^ pass;
	printf("READY %zu MiB\n", mib);
	fflush(stdout);
	for (;;) {
		uint64_t sum = 0;

		for (size_t p = 0; p < pages; p++) {
			uint64_t *pg = mem + p * (PAGE / 8);

			for (size_t w = 0; w < PAGE / 8; w++) {
				uint64_t want = (uint64_t)p * 0x9e3779b97f4a7c15ull ^ w ^ pass;
				if (pg[w] != want) {
					printf("CORRUPT page %zu word %zu pass %llu got %llx want %llx\n", p, w,
					    (unsigned long long)pass, (unsigned long long)pg[w],
					    (unsigned long long)want);
					fflush(stdout);
					for (;;)
						sleep(60);
				}
				sum += pg[w] ^ pass;
				if (!idle)
					pg[w] = want ^ pass ^ (pass + 1);
			}
			if (time(NULL) != last) {
				last = time(NULL);
				printf("TICK %llu %llu %016llx\n", (unsigned long long)++ticks,
				    (unsigned long long)pass, (unsigned long long)whole);
				fflush(stdout);
			}
		}
		whole = sum;	/* the same every pass while no page is lost */
		if (!idle)
			pass++;
	}
}
