/* A small TAP producer for the C tests: ok, is, has, diag, skip_all, done. */
#ifndef MINT_TESTS_TAP_H
#define MINT_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

/* Skip the whole test with a reason: exit 77. */
static inline void __attribute__((noreturn))
tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	fflush(stdout);
	exit(77);
}

static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Compare numbers and say both on failure. */
#define is(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!ok(g_ == w_, __VA_ARGS__)) \
		diag("  got %lld, want %lld", g_, w_); \
} while (0)

/* Check that a string contains a piece, and say it on failure. */
#define has(str, piece, ...) do { \
	const char *s_ = (str), *p_ = (piece); \
	if (!ok(s_ != NULL && strstr(s_, p_) != NULL, __VA_ARGS__)) \
		diag("  '%s' does not contain '%s'", s_ ? s_ : "(null)", p_); \
} while (0)

/* Print the plan after the tests (TAP allows it last) and give the exit code. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
