/* CPU list parsing and formatting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpulist.h"

int
cpulist_has(const uint64_t bits[CPULIST_WORDS], unsigned cpu)
{
	return cpu < CPULIST_MAX && (bits[cpu / 64] >> (cpu % 64) & 1);
}

unsigned
cpulist_count(const uint64_t bits[CPULIST_WORDS])
{
	unsigned n = 0;

	for (unsigned w = 0; w < CPULIST_WORDS; w++)
		n += (unsigned)__builtin_popcountll(bits[w]);
	return n;
}

/* Add the cores of s to bits: 0, -EINVAL if malformed, -ERANGE past CPULIST_MAX. */
int
cpulist_parse(const char *s, uint64_t bits[CPULIST_WORDS])
{
	if (*s == '\0')
		return -EINVAL;
	while (*s != '\0') {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			b = strtoul(s, &end, 10);
			if (b < a)
				return -EINVAL;
		}
		if (b >= CPULIST_MAX)
			return -ERANGE;
		for (unsigned long c = a; c <= b; c++)
			bits[c / 64] |= 1ull << (c % 64);
		if (*end == ',' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			return -EINVAL;
		s = end;
	}
	return 0;
}

/* "0,2-3": 0, or -ENAMETOOLONG if buf is too short. */
int
cpulist_format(const uint64_t bits[CPULIST_WORDS], char *buf, size_t len)
{
	size_t off = 0;

	if (len > 0)
		buf[0] = '\0';
	for (unsigned c = 0; c < CPULIST_MAX; c++) {
		unsigned e = c;
		if (!cpulist_has(bits, c))
			continue;
		while (e + 1 < CPULIST_MAX && cpulist_has(bits, e + 1))
			e++;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, off ? ",%u" : "%u", c);
		if (e > c)
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "-%u", e);
		c = e;
	}
	return off < len ? 0 : -ENAMETOOLONG;
}
