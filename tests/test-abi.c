/*
 * A 32-bit and a 64-bit build share one region file: the 32-bit peer reads
 * the layout alike, echoes records of every size, publishes its status,
 * moves a resource by CAS and streams bulk data back through a stream ring.
 * Where the kernel does not execute 32-bit programs (no IA32 emulation), the
 * peer runs under qemu-i386; MINT_TEST_ABI_QEMU=1 forces that here.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/node.h"
#include "shm/resource.h"
#include "shm/ring.h"
#include "tests/helpers/peer.h"
#include "tests/tap.h"
#include "tests/util.h"

#define TIMEOUT_NS	(20LL * 1000000000)
#define QEMU		"qemu-i386"

static const char *qemu;	/* QEMU when the peer runs emulated */

/* In a child: run the peer with its arguments, natively or under qemu. */
static void __attribute__((noreturn))
peer_exec(const char *peer, const char *a1, const char *a2, const char *a3)
{
	char *av[] = { (char *)QEMU, (char *)peer, (char *)a1, (char *)a2, (char *)a3, NULL };

	/* not execvp for the peer: it gives a file the kernel refuses to /bin/sh */
	if (qemu)
		execvp(av[0], av);
	else
		execv(av[1], av + 1);
	fprintf(stderr, "%s: %s", qemu ? av[0] : av[1], strerror(errno));
	/* the shell's codes: 127 not found, 126 found but not executable */
	_exit(errno == ENOENT ? 127 : 126);
}

/* Run the peer's probe; its wait status, its output (and errors) in out. */
static int
peer_probe(const char *peer, char *out, size_t size)
{
	char scrap[256];
	size_t n = 0;
	ssize_t got;
	int fds[2], status = -1;
	pid_t pid;

	out[0] = '\0';
	if (pipe(fds) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		peer_exec(peer, "probe", NULL, NULL);
	}
	close(fds[1]);
	/* read to the end, keeping the start, so that the child never blocks */
	for (;;) {
		char *to = n + 1 < size ? out + n : scrap;

		got = read(fds[0], to, to == scrap ? sizeof(scrap) : size - 1 - n);
		if (got <= 0)
			break;
		if (to != scrap)
			n += (size_t)got;
	}
	out[n] = '\0';
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return status;
}

/* Ran and said so; a loader's warnings may come first. */
static int
probe_ok(int status, const char *out)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    (strncmp(out, "probe ", 6) == 0 || strstr(out, "\nprobe ") != NULL);
}

/* The probe's exit and output on one line, for a diagnostic. */
static const char *
probe_said(int status, char *out)
{
	static char line[400];
	char *p;

	while ((p = strchr(out, '\n')) != NULL)
		*p = p[1] == '\0' ? '\0' : ' ';
	if (status != -1 && WIFSIGNALED(status))
		snprintf(line, sizeof(line), "killed by signal %d%s%s", WTERMSIG(status),
		    *out ? ": " : "", out);
	else if (status != -1 && WIFEXITED(status))
		snprintf(line, sizeof(line), "exit %d%s%s", WEXITSTATUS(status), *out ? ": " : "", out);
	else
		snprintf(line, sizeof(line), "no pipe or no fork for the probe");
	return line;
}

/*
 * Natively if the kernel runs the peer; else, or when forced, under qemu-i386
 * if that runs it; else skip with both reasons.
 */
static void
peer_choose(const char *peer)
{
	const char *env = getenv("MINT_TEST_ABI_QEMU");
	char out[256], why[320], skip[700];
	int status;

	if (env != NULL && strcmp(env, "1") == 0)
		snprintf(why, sizeof(why), "forced by MINT_TEST_ABI_QEMU=1");
	else {
		status = peer_probe(peer, out, sizeof(out));
		if (probe_ok(status, out)) {
			diag("the 32-bit peer runs natively%s",
			    access("/proc/sys/fs/binfmt_misc/" QEMU, F_OK) == 0 ?
			    " (or through binfmt_misc's " QEMU " handler, registered here)" : "");
			return;
		}
		/* a peer that runs and fails is a fault of ours, not of the host */
		if (status == -1 || !WIFEXITED(status) ||
		    (WEXITSTATUS(status) != 126 && WEXITSTATUS(status) != 127)) {
			printf("Bail out! the 32-bit peer's probe failed: %s\n",
			    probe_said(status, out));
			exit(1);
		}
		snprintf(why, sizeof(why), "the kernel does not execute it (%s)",
		    probe_said(status, out));
	}
	qemu = QEMU;
	status = peer_probe(peer, out, sizeof(out));
	if (probe_ok(status, out)) {
		diag("the 32-bit peer runs under " QEMU ": %s", why);
		return;
	}
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(skip, sizeof(skip), "32-bit peer: %s; and no " QEMU
		    " on PATH (Debian package: qemu-user)", why);
	else
		snprintf(skip, sizeof(skip), "32-bit peer: %s; and " QEMU
		    " does not run it either (%s)", why, probe_said(status, out));
	tap_skip_all(skip);
}

int
main(int argc, char **argv)
{
	struct region_params p;
	struct mint_region reg;
	struct mint_layout l;
	struct doorbell db;
	struct ring_tx tx;
	struct ring_rx rx, srx;
	struct ring_rec rec;
	struct node_view nv;
	struct res_view rv;
	struct peer_status st;
	static uint8_t buf[1 << 16];
	char peer[PATH_MAX], path[] = "/tmp/mint-abi-XXXXXX", cause[256], line[512], want[512];
	const char *top = getenv("top_builddir");
	uint64_t total, h = PEER_SUM_SEED, sum = 0, got = 0;
	uint32_t len, bad = 0, sent = 0, echoed = 0, slen;
	unsigned sring = 0;
	int fds[2], status, fd, rc;
	FILE *out;
	pid_t pid;

	snprintf(peer, sizeof(peer), "%s", argc > 1 ? argv[1] : "");
	if (argc < 2)
		snprintf(peer, sizeof(peer), "%s/tests/helpers/peer32", top ? top : ".");
	if (access(peer, X_OK) != 0)
		tap_skip_all("no 32-bit peer (tests/helpers/peer32): install gcc-multilib and re-run configure");
	peer_choose(peer);

	region_params_default(&p);
	p.nodes = 3;
	p.ring_data = 16384;
	p.stream_count = 2;
	p.stream_data = 1 << 20;
	p.status_max = 1024;
	region_layout(&p, &l, &total, cause, sizeof(cause));
	fd = mkstemp(path);
	close(fd);
	if (region_map(&reg, path, total, REGION_CREATE, cause, sizeof(cause)) < 0 ||
	    region_format(&reg, &p, cause, sizeof(cause)) < 0) {
		printf("Bail out! %s\n", cause);
		return 1;
	}
	doorbell_init(&db, DOORBELL_FUTEX);
	res_define(&reg, 0, MINT_RES_CPU, 5, 0, 0, NULL, 0);
	ring_tx_open(&tx, &reg, region_ring_index(&reg, 0, 1), 1, &db, cause, sizeof(cause));
	ring_rx_open(&rx, &reg, region_ring_index(&reg, 1, 0), &db, cause, sizeof(cause));

	if (pipe(fds) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		peer_exec(peer, path, "1", "0");
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	snprintf(want, sizeof(want), "layout %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRIu64 " %"
	    PRIu64 " %" PRIu32 " %" PRIu32 "\n", reg.layout.nodes, reg.layout.node_size,
	    reg.layout.ring_area.off, reg.layout.stream_area.off, region_sb(&reg)->total_size,
	    reg.generation, region_sb(&reg)->layout_crc);
	if (fgets(line, sizeof(line), out) == NULL)
		line[0] = '\0';
	if (!ok(strcmp(line, want) == 0, "the 32-bit peer attaches and reads the same layout"))
		diag("peer: %s# want: %s", line, want);

	/* every size from 1 to the largest, echoed back transformed */
	for (len = 1; len <= tx.max_len || echoed < sent;) {
		if (len <= tx.max_len) {
			for (uint32_t k = 0; k < len; k++)
				buf[k] = (uint8_t)(k + len);
			rc = ring_send(&tx, PEER_DATA, buf, len);
			if (rc == 0) {
				sent++;
				len++;
				continue;
			}
			if (rc != -EAGAIN)
				break;
			/* full, and every echo read: the peer has yet to give space back */
			if (echoed == sent) {
				if ((rc = ring_tx_wait(&tx, len, TIMEOUT_NS)) < 0)
					break;
				continue;
			}
		}
		if ((rc = ring_peek_wait(&rx, &rec, TIMEOUT_NS)) < 0)
			break;
		echoed++;
		if (rec.type != PEER_ECHO || rec.len != echoed)
			bad++;
		else
			for (uint32_t k = 0; k < rec.len; k++)
				if ((((const uint8_t *)rec.data)[k] ^ 0xa5) != (uint8_t)(k + echoed))
					bad++;
		ring_release(&rx);
	}
	if (rc < 0)
		diag("stopped: %s; sent %u; producer pos %u head %u, published head %u",
		    strerror(-rc), sent, tx.pos, tx.head, tx.hdr->rx_pos);
	ok(sent == tx.max_len && echoed == sent && bad == 0,
	    "records of every size 1..%u went there and back (%u echoed, %u bad)", tx.max_len,
	    echoed, bad);
	ring_send_wait(&tx, PEER_END, "", 0, TIMEOUT_NS);

	/* the stream ring index, then the bulk data */
	rc = ring_peek_wait(&rx, &rec, TIMEOUT_NS);
	ok(rc == 0 && rec.type == PEER_STREAM && rec.len == sizeof(sring), "peer took a stream ring");
	if (rc == 0) {
		memcpy(&sring, rec.data, sizeof(sring));
		ring_release(&rx);
	}
	rc = ring_rx_open(&srx, &reg, sring, &db, cause, sizeof(cause));
	while (rc == 0) {
		if ((rc = ring_peek_wait(&srx, &rec, TIMEOUT_NS)) < 0)
			break;
		if (rec.type == PEER_SUM) {
			memcpy(&sum, rec.data, sizeof(sum));
			ring_release(&srx);
			break;
		}
		h = peer_sum(h, rec.data, rec.len);
		got += rec.len;
		ring_release(&srx);
	}
	ok(got == (uint64_t)PEER_CHUNK * PEER_BULK_CHUNKS && h == sum && sum != 0,
	    "%" PRIu64 " bytes of bulk data from the 32-bit peer, checksum %s", got,
	    h == sum ? "matches" : "differs");
	ring_send_wait(&tx, PEER_DONE, "", 0, TIMEOUT_NS);

	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer exited cleanly (status %d)", status);
	ok(node_read(&reg, 1, &nv) == 0 && nv.epoch == 1 && nv.heartbeat == 3 &&
	    nv.pid == (uint32_t)pid && nv.state == MINT_NODE_ABSENT,
	    "its node entry: epoch 1, 3 heartbeats, its pid, absent after leaving");
	memset(&st, 0, sizeof(st));
	rc = node_read_status(&reg, 1, &st, sizeof(st), &slen);
	ok(rc == 0 && slen == sizeof(st) &&
	    st.magic == PEER_STATUS_MAGIC && st.ptr_size == 4 && st.records == sent,
	    "its status snapshot reads alike (pointer size %u, %" PRIu64 " records)",
	    st.ptr_size, st.records);
	ok(res_read(&reg, 0, &rv) == 0 && rv.state == MINT_RS_CLAIMING && rv.owner == 1 &&
	    rv.peer == 0 && rv.owner_epoch == 1 && rv.gen == 2,
	    "its 64-bit CAS on the resource word took effect");
	fclose(out);
	region_unmap(&reg);
	unlink(path);
	return tap_done();
}
