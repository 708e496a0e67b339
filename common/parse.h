/* Numbers from people: sizes, unsigned integers and node numbers, one grammar each. */
#ifndef MINT_COMMON_PARSE_H
#define MINT_COMMON_PARSE_H

#include <stdint.h>

/*
 * A size in bytes: decimal digits, then optionally K, M, G or T (either case,
 * powers of 1024), then optionally "iB" or "B": 4096, 512M, 1GiB, 2gb.
 * 0, -EINVAL (not a size) or -ERANGE (more than 2^64-1 bytes).
 */
int parse_size(const char *s, uint64_t *out);

/* A decimal integer from 0 to max, nothing else: 0, -EINVAL or -ERANGE. */
int parse_uint(const char *s, unsigned long max, unsigned long *out);

/* A node number below nodes (decimal): 0, -EINVAL or -ERANGE. */
int parse_node(const char *s, unsigned nodes, unsigned *out);

#endif
