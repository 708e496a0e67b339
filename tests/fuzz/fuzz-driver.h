/*
 * The part of the gcc-built fuzz drivers that is the same for every target:
 * "-runs N" or files to replay through LLVMFuzzerTestOneInput.
 */
#ifndef MINT_TESTS_FUZZ_DRIVER_H
#define MINT_TESTS_FUZZ_DRIVER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Replay the files named on the command line: returns 0 after them, 1 if
 * one cannot be read, or -1 when there were none (*runs then holds -runs N).
 */
static inline int
fuzz_replay(int argc, char **argv, long *runs)
{
	static uint8_t in[1 << 16];

	if (argc > 2 && strcmp(argv[1], "-runs") == 0) {
		*runs = atol(argv[2]);
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (f == NULL)
			return 1;
		n = fread(in, 1, sizeof(in), f);
		fclose(f);
		LLVMFuzzerTestOneInput(in, n);
	}
	return argc > 1 ? 0 : -1;
}

#endif
