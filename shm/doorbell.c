/* Doorbell backends: futex for one kernel, polling with back-off anywhere. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/doorbell.h"

int64_t
doorbell_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Shared (not private) futexes: the word lives in a mapping of several processes. */
static int
futex_wait(const struct doorbell *db, uint32_t *word, uint32_t expect, int64_t timeout_ns)
{
	struct timespec ts, *tp = NULL;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000;
		ts.tv_nsec = timeout_ns % 1000000000;
		tp = &ts;
	}
	if (syscall(SYS_futex, word, FUTEX_WAIT, expect, tp, NULL, 0) < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	return 0;
}

static void
futex_ring(const struct doorbell *db, uint32_t *word, unsigned peer)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Back off from 20 us to 1 ms between looks: cheap when idle, prompt when busy. */
static int
poll_wait(const struct doorbell *db, uint32_t *word, uint32_t expect, int64_t timeout_ns)
{
	int64_t end = timeout_ns >= 0 ? doorbell_now_ns() + timeout_ns : INT64_MAX;
	int64_t nap = 20000;
	struct timespec ts;

	while (load_acquire(word) == expect) {
		int64_t left = end - doorbell_now_ns();
		if (left <= 0)
			return 0;
		if (nap > left)
			nap = left;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)nap;
		nanosleep(&ts, NULL);
		if (nap < 1000000)
			nap *= 2;
	}
	return 0;
}

static void
poll_ring(const struct doorbell *db, uint32_t *word, unsigned peer)
{
}

static const struct doorbell_ops futex_ops = { futex_wait, futex_ring };
static const struct doorbell_ops poll_ops = { poll_wait, poll_ring };

int
doorbell_init(struct doorbell *db, enum doorbell_kind kind)
{
	memset(db, 0, sizeof(*db));
	db->kind = kind;
	db->fd = -1;
	switch (kind) {
	case DOORBELL_FUTEX:
		db->ops = &futex_ops;
		return 0;
	case DOORBELL_POLL:
		db->ops = &poll_ops;
		return 0;
	}
	return -EINVAL;
}

static const char *const doorbell_names[] = {
	[DOORBELL_FUTEX] = "futex",
	[DOORBELL_POLL] = "poll",
};

const char *
doorbell_name(enum doorbell_kind kind)
{
	if ((unsigned)kind < sizeof(doorbell_names) / sizeof(doorbell_names[0]))
		return doorbell_names[kind];
	return "?";
}

int
doorbell_parse(const char *name, enum doorbell_kind *kind)
{
	for (unsigned i = 0; i < sizeof(doorbell_names) / sizeof(doorbell_names[0]); i++)
		if (strcmp(name, doorbell_names[i]) == 0) {
			*kind = (enum doorbell_kind)i;
			return 0;
		}
	return -EINVAL;
}
