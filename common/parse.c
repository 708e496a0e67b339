/* Numbers from people: sizes, unsigned integers and node numbers, one grammar each. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/parse.h"

/* strtoul accepts spaces, signs and 0x: people mean none of them. */
static int
digits(const char *s, unsigned long long *v, const char **end)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &e, 10);
	*end = e;
	return errno == ERANGE ? -ERANGE : 0;
}

int
parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	const char *end;
	unsigned shift = 0;
	int rc;

	if ((rc = digits(s, &v, &end)) < 0)
		return rc;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (shift != 0 && end[0] == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B' || (shift != 0 && *end == 'b'))
		end++;
	if (*end != '\0')
		return -EINVAL;
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long long v;
	const char *end;
	int rc;

	if ((rc = digits(s, &v, &end)) < 0)
		return rc;
	if (*end != '\0')
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*out = (unsigned long)v;
	return 0;
}

int
parse_node(const char *s, unsigned nodes, unsigned *out)
{
	unsigned long v;
	int rc;

	if (nodes == 0)
		return -ERANGE;
	if ((rc = parse_uint(s, nodes - 1, &v)) < 0)
		return rc;
	*out = (unsigned)v;
	return 0;
}
