/* CPU lists as the kernel writes them ("0-2,5"), to and from bitmaps. */
#ifndef MINT_COMMON_CPULIST_H
#define MINT_COMMON_CPULIST_H

#include <stddef.h>
#include <stdint.h>

#define CPULIST_MAX	256	/* cores a list may name: 0 to 255 */
#define CPULIST_WORDS	(CPULIST_MAX / 64)

int cpulist_parse(const char *s, uint64_t bits[CPULIST_WORDS]);
int cpulist_format(const uint64_t bits[CPULIST_WORDS], char *buf, size_t len);
int cpulist_has(const uint64_t bits[CPULIST_WORDS], unsigned cpu);
unsigned cpulist_count(const uint64_t bits[CPULIST_WORDS]);

#endif
