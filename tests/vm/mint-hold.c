/*
 * mint-hold: what a process holding /dev/mintN sees when the region goes
 * (t-vm.sh unbinds the ivshmem PCI device under it), and that a fresh open
 * works once it is back. Built static by t-vm.sh, run inside the VM; prints
 * "ok - ..." / "not ok - ..." lines.
 *
 *   mint-hold hold DEV    open, map, write a mark at the region's last word,
 *                         print "held", wait for a line on stdin (the unbind
 *                         happens meanwhile), then check the open file
 *   mint-hold fresh DEV OLD  open and map again: the mark is there (then
 *                         put back as OLD), and a doorbell rung to itself
 *                         comes back through the interrupt
 *   mint-hold ring DEV BELL SECONDS  ring BELL's vectors 0 and 1 through DEV
 *                         without a pause, for SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../kernel/mint-uapi.h"

#define MARK 0x6d696e7448f1dULL

static int failed;
static pid_t reader;
static sigjmp_buf jb;

static void
check(int cond, const char *what, int err)
{
	if (cond)
		printf("ok - %s\n", what);
	else {
		printf("not ok - %s (%s)\n", what, err ? strerror(err) : "no error");
		failed = 1;
	}
	fflush(stdout);
}

static void
bus_cb(int sig)
{
	siglongjmp(jb, sig);
}

/* a file whose region went and nobody told: its reader sleeps for ever */
static void
alarm_cb(int sig)
{
	static const char msg[] = "not ok - the checks of the open file end within 60 s\n";

	(void)sig;
	(void)!write(1, msg, sizeof(msg) - 1);
	if (reader > 0)
		kill(reader, SIGKILL);
	_exit(1);
}

/* touch: read the word at p; the signal it raised, or 0 */
static int
touch(volatile uint64_t *p)
{
	struct sigaction sa;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bus_cb;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sig = sigsetjmp(jb, 1);
	if (sig == 0) {
		(void)*p;
		sig = 0;
	}
	signal(SIGBUS, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	return sig;
}

static int
hold(const char *path)
{
	struct mint_info info;
	struct mint_bell ring = { 0, 0 };
	struct pollfd pfd;
	volatile uint64_t *last;
	uint64_t n;
	char line[16];
	void *p;
	int fd, st, sig;

	fd = open(path, O_RDWR);
	if (fd < 0 || ioctl(fd, MINT_IOC_INFO, &info) < 0) {
		check(0, "hold: open and MINT_IOC_INFO", errno);
		return 1;
	}
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		check(0, "hold: mmap", errno);
		return 1;
	}
	last = (volatile uint64_t *)((char *)p + info.size - sizeof(uint64_t));
	/* what was there, for fresh to put back */
	printf("# old %llu\n", (unsigned long long)*last);
	*last = MARK;
	/* a reader asleep in read() when the region goes must wake */
	reader = fork();
	if (reader == 0) {
		while (read(fd, &n, sizeof(n)) == sizeof(n))
			;
		_exit(errno == ENODEV ? 0 : 1);
	}
	printf("held\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	signal(SIGALRM, alarm_cb);
	alarm(60);

	errno = 0;
	check(read(fd, &n, sizeof(n)) < 0 && errno == ENODEV, "read on the open file: ENODEV", errno);
	errno = 0;
	check(ioctl(fd, MINT_IOC_INFO, &info) < 0 && errno == ENODEV,
	    "MINT_IOC_INFO on the open file: ENODEV", errno);
	errno = 0;
	check(ioctl(fd, MINT_IOC_RING, &ring) < 0 && errno == ENODEV,
	    "MINT_IOC_RING on the open file: ENODEV", errno);
	errno = 0;
	check(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == ENODEV,
	    "a new mmap of the open file: ENODEV", errno);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	check(poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP)),
	    "poll on the open file: POLLERR|POLLHUP", errno);
	sig = touch(last);
	printf("# touching the old mapping: signal %d\n", sig);
	check(sig == SIGBUS, "the old mapping was zapped: touching it is SIGBUS", 0);
	check(waitpid(reader, &st, 0) == reader && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "a reader asleep in read() woke with ENODEV", 0);
	alarm(0);
	/* close and unmap the last references: the state is freed now */
	munmap(p, info.size);
	close(fd);
	return failed;
}

static int
fresh(const char *path, unsigned long long old)
{
	struct mint_info info;
	struct mint_bell ring;
	struct pollfd pfd;
	volatile uint64_t *last;
	uint64_t n = 0;
	void *p;
	int fd;

	fd = open(path, O_RDWR);
	check(fd >= 0 && ioctl(fd, MINT_IOC_INFO, &info) == 0, "a fresh open and MINT_IOC_INFO", errno);
	if (fd < 0)
		return 1;
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "a fresh mmap", errno);
	if (p == MAP_FAILED)
		return 1;
	last = (volatile uint64_t *)((char *)p + info.size - sizeof(uint64_t));
	check(*last == MARK, "  it shows what the old mapping wrote", 0);
	*last = old;
	check(info.bell != 0 && info.vectors > 0, "  with a doorbell again", 0);
	if (info.bell && info.vectors) {
		ring.bell = info.bell;	/* its own: QEMU delivers it like a peer's */
		ring.vector = 0;
		check(ioctl(fd, MINT_IOC_RING, &ring) == 0, "  rings its own doorbell", errno);
		pfd.fd = fd;
		pfd.events = POLLIN;
		check(poll(&pfd, 1, 10000) == 1 && read(fd, &n, sizeof(n)) == sizeof(n) && n >= 1,
		    "  and the interrupt wakes it (read gives a count)", errno);
	}
	munmap(p, info.size);
	close(fd);
	return failed;
}

static int
ring(const char *path, unsigned int bell, int seconds)
{
	struct mint_bell b = { bell, 0 };
	time_t end = time(NULL) + seconds;
	unsigned long n = 0;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		return 1;
	while (time(NULL) < end) {
		b.vector = n & 1;
		if (ioctl(fd, MINT_IOC_RING, &b) < 0)
			return 1;
		n++;
	}
	printf("# rang bell %u %lu times\n", bell, n);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "ring") == 0)
		return ring(argv[2], strtoul(argv[3], NULL, 0), atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2]);
	if (argc == 4 && strcmp(argv[1], "fresh") == 0)
		return fresh(argv[2], strtoull(argv[3], NULL, 0));
	fprintf(stderr, "usage: mint-hold hold DEV | fresh DEV OLD | ring DEV BELL SECONDS\n");
	return 2;
}
