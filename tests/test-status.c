/*
 * A node's status: gathered from the /proc fixtures (tests/fixtures/proc, and
 * proc-stat-b a sample later), the resource table of a memfd region and the
 * watch's verdicts; then packed and read back as the consoles read it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/status.h"
#include "proto/wire.h"
#include "shm/layout.h"
#include "shm/resource.h"
#include "tests/tap.h"

static char proc[4096], later[4096], mapfile[4096];

/* proc: the fixture tree; later: a tree whose stat is proc-stat-b; a core map file. */
static void
setup_trees(void)
{
	const char *top = getenv("top_srcdir");
	static char tmpl[] = "/tmp/test-status.XXXXXX";
	static const char *const same[] = { "loadavg", "meminfo", "zoneinfo" };
	char *src_top = realpath(top != NULL ? top : ".", NULL), path[4096], target[4096];
	FILE *f;

	if (src_top == NULL || mkdtemp(tmpl) == NULL) {
		printf("Bail out! no source tree or no temporary directory\n");
		exit(1);
	}
	snprintf(proc, sizeof(proc), "%s/tests/fixtures/proc", src_top);
	snprintf(target, sizeof(target), "%s/tests/fixtures/proc-stat-b", src_top);
	free(src_top);
	snprintf(later, sizeof(later), "%s/proc", tmpl);
	snprintf(mapfile, sizeof(mapfile), "%s/cores", tmpl);
	snprintf(path, sizeof(path), "%.4000s/stat", later);
	if (mkdir(later, 0700) < 0 || symlink(target, path) < 0) {
		printf("Bail out! %s: cannot make the later tree\n", later);
		exit(1);
	}
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(target, sizeof(target), "%.4000s/%s", proc, same[i]);
		snprintf(path, sizeof(path), "%.4000s/%s", later, same[i]);
		if (symlink(target, path) < 0)
			exit(1);
	}
	/* "cpu hwid": table core 5 is this kernel's cpu 3 */
	if ((f = fopen(mapfile, "w")) == NULL)
		exit(1);
	fputs("0 0\n1 1\n3 5\n", f);
	fclose(f);
}

static void
cleanup_trees(void)
{
	static const char *const names[] = { "stat", "loadavg", "meminfo", "zoneinfo" };
	char path[4096];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%.4000s/%s", later, names[i]);
		unlink(path);
	}
	rmdir(later);
	unlink(mapfile);
	*strrchr(mapfile, '/') = '\0';
	rmdir(mapfile);
}

static const struct status_core *
core(const struct status *st, unsigned cpu)
{
	for (size_t i = 0; i < st->ncores; i++)
		if (st->cores[i].cpu == cpu)
			return &st->cores[i];
	return NULL;
}

static struct status_src src;
static struct status st;

static void
test_proc(void)
{
	struct status_in in = { .node = 2, .epoch = 7, .uptime_ms = 1500, .heartbeat_ms = 100 };

	src.proc = proc;
	status_gather(&src, &in, &st);
	ok(st.node == 2 && st.epoch == 7 && st.uptime_ms == 1500 && st.heartbeat_ms == 100,
	    "who and since when, as the agent says");
	ok(st.ncores == 3 && core(&st, 0) && core(&st, 1) && core(&st, 3),
	    "no table, no --cores: the cores its kernel shows, 0, 1 and 3");
	ok(core(&st, 0)->has_busy && core(&st, 0)->busy_permille == 0 && core(&st, 3)->online,
	    "  online, their use 0 at the first sample");
	ok(st.has_load && st.load1_centi == 125 && st.load5_centi == 70 && st.load15_centi == 5,
	    "load averages from loadavg");
	ok(st.has_mem && st.mem_total == 8167848ull * 1024 &&
	    st.mem_used == (8167848ull - 5632520ull) * 1024, "memory total and used from meminfo");
	ok(st.has_movable && st.mem_movable == (65536ull + 32768) * (uint64_t)sysconf(_SC_PAGESIZE),
	    "movable memory from zoneinfo");
	ok(!st.has_assigned && st.ndevices == 0 && st.npeers == 0 && st.nchannels == 0,
	    "no region, no watch, no traffic: nothing of them");

	src.proc = later;
	status_gather(&src, &in, &st);
	is(core(&st, 0)->busy_permille, 500, "a sample later: cpu 0 busy half the time");
	is(core(&st, 1)->busy_permille, 0, "  cpu 1 idle");
	is(core(&st, 3)->busy_permille, 1000 * 170 / 220, "  cpu 3 at 772 permille");

	src.proc = "/nonexistent";
	status_gather(&src, &in, &st);
	ok(st.ncores == 0 && !st.has_load && !st.has_mem && !st.has_movable,
	    "a tree that cannot be read leaves everything out");

	src.proc = proc;
	src.have_cores = 1;
	cpulist_parse("0,2", src.cores);
	status_gather(&src, &in, &st);
	ok(st.ncores == 2 && core(&st, 0)->has_busy && !core(&st, 2)->has_busy,
	    "--cores 0,2: both, core 2 (no host core) without a use");
	src.have_cores = 0;

	src.coremap = mapfile;
	status_gather(&src, &in, &st);
	ok(st.ncores == 3 && core(&st, 5) != NULL && core(&st, 5)->has_busy && core(&st, 3) == NULL,
	    "with a core map: the kernel's cpu 3 is core 5 of the table");
	src.coremap = "/nonexistent";
	status_gather(&src, &in, &st);
	is(st.ncores, 0, "a core map that cannot be read names no core");
	src.coremap = NULL;
}

static struct mint_region reg;

static void
test_table(void)
{
	struct region_params p;
	struct mint_layout l;
	struct watch w;
	struct chan_stats chan[MINT_MAX_NODES] = { { 0 } };
	struct status_in in = { .node = 0, .region = &reg, .watch = &w, .chan = chan,
	    .now_ns = 5000000000ll };
	struct res_view v;
	uint64_t total;
	char cause[256];

	region_params_default(&p);
	p.nodes = 3;
	p.res_count = 8;
	if (region_layout(&p, &l, &total, cause, sizeof(cause)) < 0 ||
	    region_map(&reg, "memfd:test-status", total, REGION_CREATE, cause, sizeof(cause)) < 0 ||
	    region_format(&reg, &p, cause, sizeof(cause)) < 0 ||
	    region_attach(&reg, cause, sizeof(cause)) < 0) {
		printf("Bail out! region: %s\n", cause);
		exit(1);
	}
	res_define(&reg, 0, MINT_RES_CPU, 0, 0, 0, "", 0);
	res_define(&reg, 1, MINT_RES_CPU, 1, 0, 0, "", 0);
	res_define(&reg, 2, MINT_RES_CPU, 3, 0, 0, "", 1);
	res_define(&reg, 3, MINT_RES_MEM, 0, 0, 128ull << 20, "", 0);
	res_define(&reg, 4, MINT_RES_MEM, 1, 128ull << 20, 128ull << 20, "", 1);
	res_define(&reg, 5, MINT_RES_DEV, 0, 0, 0, "eth1", 0);
	res_define(&reg, 6, MINT_RES_DEV, 1, 0, 0, "eth2", 1);
	/* cpu 1 on its way out: still this node's, no longer online */
	res_read(&reg, 1, &v);
	res_move(&reg, 1, &v.word, MINT_RS_RELEASING, 0, 1, 1, 1);

	watch_init(&w, 0, 1000000000ll);
	w.peer[1] = (struct watch_peer){ .state = MINT_NODE_ONLINE, .epoch = 3, .moved_ns = 4900000000ll };
	w.peer[2] = (struct watch_peer){ .state = MINT_NODE_ONLINE, .epoch = 1, .moved_ns = 1000000000ll,
	    .dead = 1 };
	chan[1] = (struct chan_stats){ .tx_messages = 4, .rx_messages = 3, .tx_bytes = 400,
	    .rx_bytes = 300 };

	src.proc = proc;
	status_gather(&src, &in, &st);
	ok(st.ncores == 2 && core(&st, 0) && core(&st, 1) && !core(&st, 3),
	    "the table's cores for this node, not what its kernel shows");
	ok(core(&st, 0)->online && !core(&st, 1)->online, "  cpu 1, releasing, not online");
	ok(st.has_assigned && st.mem_assigned == 128ull << 20, "the memory the table gives it");
	ok(st.ndevices == 1 && strcmp(st.devices[0], "eth1") == 0, "its device, not node 1's");
	ok(st.npeers == 2 && st.peers[0].node == 1 && st.peers[0].state == MINT_NODE_ONLINE &&
	    st.peers[0].epoch == 3 && st.peers[0].silent_ms == 100, "node 1: online, silent 100 ms");
	ok(st.peers[1].node == 2 && st.peers[1].state == MINT__NODE_STATE__NODE_DEAD &&
	    st.peers[1].silent_ms == 4000, "node 2: dead to this node's watch");
	ok(st.nchannels == 1 && st.channels[0].peer == 1 && st.channels[0].s.rx_bytes == 300,
	    "the one channel with traffic");
	/* the heartbeat thread looked after the loop read its clock (now is 5 s) */
	w.peer[1].moved_ns = 5000000001ll;
	status_gather(&src, &in, &st);
	ok(st.npeers == 2 && st.peers[0].node == 1 && st.peers[0].silent_ms == 0,
	    "a heartbeat seen after now: silent 0 ms, not a wrapped count (%" PRIu64 ")",
	    st.peers[0].silent_ms);
}

static void
test_encode(void)
{
	static struct status_enc enc;
	static uint8_t buf[65536];
	struct guest_info g[2] = { { .name = "web", .uuid = "u1", .state = 1, .vcpus = 2 },
	    { .name = "db", .uuid = "u2", .state = 1, .vcpus = 4 } };
	Mint__Envelope *e = NULL;
	Mint__NodeStatus *m;
	char cause[256];
	size_t len;

	ok(status_encode(&enc, &st, g, 2, "db", NULL, 0, buf, sizeof(buf), &len) == 0 && len > 0,
	    "packed");
	ok(wire_unpack(buf, len, &e, cause, sizeof(cause)) == 0 && e->status != NULL,
	    "  and read back as a status");
	if (e == NULL || e->status == NULL)
		return;
	m = e->status;
	ok(m->node == 0 && m->state == MINT__NODE_STATE__NODE_ONLINE && m->n_cores == 2 &&
	    m->n_peers == 2 && m->n_channels == 1 && m->n_devices == 1, "  the lists, whole");
	ok(m->has_mem_assigned_bytes && m->mem_assigned_bytes == 128ull << 20 &&
	    m->has_load1_centi && m->load1_centi == 125, "  memory and load");
	ok(m->cores[1]->has_busy_permille && !m->cores[1]->online, "  cpu 1 not online");
	ok(m->n_guests == 2 && m->guests[0]->state == 1 &&
	    m->guests[1]->state == MINT__GUEST_STATE__GUEST_MIGRATING,
	    "  the guest leaving shows as migrating");
	ok(m->hostname != NULL && strcmp(m->hostname, st.hostname) == 0, "  the host's name");
	wire_free(e);
	is(status_encode(&enc, &st, g, 2, NULL, NULL, 0, buf, 16, &len), -EMSGSIZE,
	    "a buffer too small is refused");
}

int
main(void)
{
	setup_trees();
	test_proc();
	test_table();
	test_encode();
	region_unmap(&reg);
	cleanup_trees();
	return tap_done();
}
