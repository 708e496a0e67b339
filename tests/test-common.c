/* common/: the one grammar for sizes, integers and node numbers; Unix sockets by path. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/notify.h"
#include "common/parse.h"
#include "common/sock.h"
#include "tests/tap.h"

static void
size_is(const char *s, int rc, uint64_t want)
{
	uint64_t v = 12345;
	int got = parse_size(s, &v);

	if (rc == 0)
		ok(got == 0 && v == want, "size '%s' is %llu bytes (rc %d, got %llu)", s,
		    (unsigned long long)want, got, (unsigned long long)v);
	else
		ok(got == rc && v == 12345, "size '%s' refused with %s, nothing stored", s,
		    strerror(-rc));
}

/* Log lines on a stderr that is (or is not) the journal's stream: what lands there. */
static void
test_log_journal(void)
{
	char path[] = "/tmp/mint-test-log-XXXXXX", buf[256] = "", js[64];
	int fd = mkstemp(path), saved = dup(2);
	struct stat st;
	FILE *f;

	if (fd < 0 || saved < 0 || fstat(fd, &st) < 0) {
		ok(0, "a file for stderr: %s", strerror(errno));
		return;
	}
	dup2(fd, 2);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_open("t", 0, LOG_TO_STDERR);
	log_warn("careful");
	log_info("fine");
	setenv("JOURNAL_STREAM", "1:2", 1);	/* another stream's: not ours */
	log_open("t", 0, LOG_TO_STDERR);
	log_warn("plain");
	unsetenv("JOURNAL_STREAM");
	dup2(saved, 2);
	close(saved);
	if ((f = fdopen(fd, "r")) != NULL) {
		rewind(f);
		buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
		fclose(f);
	}
	unlink(path);
	ok(strcmp(buf, "<4>careful\n<6>fine\nt: plain\n") == 0,
	    "stderr that is the journal's stream: <priority> first; another stream: the name first");
	if (strcmp(buf, "<4>careful\n<6>fine\nt: plain\n") != 0)
		diag("got '%s'", buf);
}

/* sd_notify by hand: what a fake service manager's socket receives. */
static void
test_notify(void)
{
	char path[64], buf[128];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	ssize_t n;
	int fd;

	unsetenv("NOTIFY_SOCKET");
	ok(notify_send("READY=1") == 0, "notify: no NOTIFY_SOCKET, nothing to tell (0)");
	snprintf(path, sizeof(path), "/tmp/mint-test-notify-%d", (int)getpid());
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ok(0, "notify: a datagram socket: %s", strerror(errno));
		return;
	}
	setenv("NOTIFY_SOCKET", path, 1);
	ok(notify_send("READY=1\nSTATUS=up") == 1, "notify: sent to $NOTIFY_SOCKET");
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	ok(strcmp(buf, "READY=1\nSTATUS=up") == 0, "  the manager receives it whole (%s)", buf);
	setenv("NOTIFY_SOCKET", "relative", 1);
	ok(notify_send("READY=1") == -EINVAL, "notify: a socket neither absolute nor abstract: -EINVAL");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(path);
	setenv("WATCHDOG_USEC", "2000000", 1);
	unsetenv("WATCHDOG_PID");
	ok(notify_watchdog_ns() == 2000000000ull, "the watchdog period from $WATCHDOG_USEC, in ns");
	setenv("WATCHDOG_PID", "1", 1);
	ok(notify_watchdog_ns() == 0, "  none when $WATCHDOG_PID is another process");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int
main(void)
{
	static const struct { const char *s; uint64_t v; } good[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4096B", 4096 }, { "1K", 1024 }, { "1k", 1024 },
		{ "512M", 512ull << 20 }, { "512MiB", 512ull << 20 }, { "512MB", 512ull << 20 },
		{ "512mb", 512ull << 20 }, { "1GiB", 1ull << 30 }, { "2g", 2ull << 30 },
		{ "3T", 3ull << 40 }, { "16777215T", 16777215ull << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *bad[] = {
		"", "M", "-1", "+1", " 1", "1 ", "0x10", "1.5G", "1X", "1GiBB", "1iB", "1Gi",
		"1b", "1KM",
	};
	unsigned long u;
	unsigned node;
	struct sockaddr_un sun;
	char path[64], longp[200];
	int lfd, cfd, afd;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		size_is(good[i].s, 0, good[i].v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		size_is(bad[i], -EINVAL, 0);
	size_is("16777216T", -ERANGE, 0);
	size_is("18446744073709551616", -ERANGE, 0);

	ok(parse_uint("42", 100, &u) == 0 && u == 42, "42 is an integer up to 100");
	ok(parse_uint("100", 100, &u) == 0 && u == 100, "the bound itself is taken");
	is(parse_uint("101", 100, &u), -ERANGE, "101 is past 100");
	is(parse_uint("-1", 100, &u), -EINVAL, "-1 is not an unsigned integer");
	is(parse_uint("4k", 10000, &u), -EINVAL, "no suffixes on plain integers");
	is(parse_uint("", 1, &u), -EINVAL, "an empty string is no number");
	ok(parse_node("3", 4, &node) == 0 && node == 3, "node 3 of 4");
	is(parse_node("4", 4, &node), -ERANGE, "node 4 of 4 is out of range");
	is(parse_node("0", 0, &node), -ERANGE, "no node of a machine of none");
	is(parse_node("x", 4, &node), -EINVAL, "x is no node number");

	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	is(sock_addr(longp, &sun), -ENAMETOOLONG, "a path longer than sun_path is refused");
	is(sock_connect(longp, 0), -ENAMETOOLONG, "  by connect too");
	snprintf(path, sizeof(path), "/tmp/mint-test-common-%d", (int)getpid());
	unlink(path);
	is(sock_connect(path, 0), -ENOENT, "connecting to no socket says ENOENT");
	lfd = sock_listen(path, 1);
	ok(lfd >= 0, "listening on %s", path);
	is(sock_listen(path, 1), -EADDRINUSE, "  a second listener on the same path is refused");
	cfd = sock_connect(path, 1000);
	ok(cfd >= 0, "  and a client connects");
	afd = accept(lfd, NULL, NULL);
	ok(afd >= 0 && write(cfd, "x", 1) == 1 && read(afd, path + 60, 1) == 1 && path[60] == 'x',
	    "  and what it sends arrives");
	path[60] = '\0';
	{
		/* fill the backlog (it may hold a few past the asked 1); then a bounded wait */
		int extra[16], k, got = 0;
		int64_t t0;

		for (k = 0; k < 16; k++)
			if ((extra[k] = sock_connect(path, 0)) < 0)
				break;
		got = k < 16 ? extra[k] : 0;
		ok(k < 16 && got == -ETIMEDOUT, "a full backlog times out (after %d connections)", k);
		t0 = clock_mono_ms();
		is(sock_connect(path, 100) == -ETIMEDOUT && clock_mono_ms() - t0 >= 100, 1,
		    "  after waiting the time given");
		while (k-- > 0)
			close(extra[k]);
	}
	close(afd);
	close(cfd);
	close(lfd);
	unlink(path);
	lfd = sock_bind(path);
	ok(lfd >= 0, "a socket bound, not listening yet");
	is(sock_connect(path, 0), -ECONNREFUSED, "  refuses connections");
	ok(listen(lfd, 1) == 0 && (cfd = sock_connect(path, 0)) >= 0, "  until it listens");
	close(cfd);
	close(lfd);
	unlink(path);
	test_log_journal();
	test_notify();
	return tap_done();
}
