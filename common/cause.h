/* Error sentences for callers: libraries return -errno and fill a buffer. */
#ifndef MINT_COMMON_CAUSE_H
#define MINT_COMMON_CAUSE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Fill cause (if given) and return err, a negative errno. */
static inline int __attribute__((format(printf, 4, 5)))
cause_fail(char *cause, size_t causelen, int err, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL && causelen > 0) {
		va_start(ap, fmt);
		vsnprintf(cause, causelen, fmt, ap);
		va_end(ap);
	}
	return err;
}

#endif
