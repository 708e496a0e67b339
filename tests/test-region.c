/* The region: layout, format, attach, and a clear error for each damaged field. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/node.h"
#include "shm/pool.h"
#include "shm/region.h"
#include "shm/resource.h"
#include "shm/stream.h"
#include "tests/tap.h"
#include "tests/util.h"

static struct mint_region reg;
static struct region_params params;
static uint8_t *pristine;
static char cause[256];

static void
restore(void)
{
	memcpy(reg.base, pristine, sizeof(struct mint_sb));
}

static int
attach_now(void)
{
	struct mint_region r = reg;

	cause[0] = '\0';
	return region_check(r.base, r.size, NULL, NULL, cause, sizeof(cause));
}

/* Damage one superblock field; attach must fail and the message must name it. */
static void
corrupt(size_t off, size_t len, const char *expect, const char *what)
{
	restore();
	for (size_t i = 0; i < len; i++)
		reg.base[off + i] ^= 0x5a;
	ok(attach_now() < 0, "damaged %s is refused", what);
	has(cause, expect, "  and the message says why");
	restore();
}

/* Damage a layout field but keep the checksum right: the value checks must catch it. */
static void
corrupt_layout(size_t off, uint64_t value, size_t width, const char *expect, const char *what)
{
	struct mint_sb *sb = region_sb(&reg);

	restore();
	memcpy((uint8_t *)sb + off, &value, width);
	sb->layout_crc = region_layout_crc(sb);
	ok(attach_now() < 0, "consistent but impossible %s is refused", what);
	has(cause, expect, "  and the message says why");
	restore();
}

static void
test_layout(void)
{
	struct mint_layout l;
	uint64_t total;
	struct region_params p = params;

	ok(region_layout(&p, &l, &total, cause, sizeof(cause)) == 0, "layout for 4 nodes");
	is(l.ring_count, 12, "12 pair rings for 4 nodes");
	ok(l.node_table.off % MINT_LINE == 0 && l.ring_area.off % MINT_PAGE == 0,
	    "tables are aligned");
	ok(l.stream_area.off + l.stream_area.len <= total, "everything inside the total");
	p.nodes = 0;
	ok(region_layout(&p, &l, &total, cause, sizeof(cause)) == -EINVAL, "0 nodes refused");
	has(cause, "node slots", "  with a message");
	p = params;
	p.ring_data = 5000;
	ok(region_layout(&p, &l, &total, cause, sizeof(cause)) == -EINVAL,
	    "ring size not a power of two refused");
	has(cause, "power of two", "  with a message");
	p = params;
	p.nodes = MINT_MAX_NODES + 1;
	ok(region_layout(&p, &l, &total, cause, sizeof(cause)) == -EINVAL, "65 nodes refused");
}

static void
test_attach(void)
{
	struct mint_region r2;
	struct mint_sb *sb = region_sb(&reg);

	ok(region_attach(&reg, cause, sizeof(cause)) == 0, "a fresh region attaches");
	is(reg.layout.nodes, 4, "  with its node count");
	is(reg.generation, 1, "  generation 1 after the first format");
	ok(region_format(&reg, &params, cause, sizeof(cause)) == 0, "format again");
	is(region_sb(&reg)->generation, 2, "  bumps the generation");
	memcpy(pristine, reg.base, sizeof(struct mint_sb));

	/* every field of the superblock, damaged in turn */
	corrupt(offsetof(struct mint_sb, magic), 8, "bad magic", "magic");
	corrupt(offsetof(struct mint_sb, version), 4, "layout version", "version");
	corrupt(offsetof(struct mint_sb, sb_size), 4, "superblock size", "superblock size");
	corrupt(offsetof(struct mint_sb, total_size), 8, "mapped", "total size");
	corrupt(offsetof(struct mint_sb, generation), 4, "checksum", "generation");
	corrupt(offsetof(struct mint_sb, layout_crc), 4, "checksum", "checksum");
	corrupt(offsetof(struct mint_sb, layout.nodes), 4, "checksum", "node count");
	corrupt(offsetof(struct mint_sb, layout.ring_area.off), 8, "checksum", "ring area offset");
	corrupt(offsetof(struct mint_sb, layout.stream_data), 4, "checksum", "stream ring size");

	/* a checksum that matches does not make wrong values right */
#define LO(f) offsetof(struct mint_sb, layout.f)
	corrupt_layout(LO(nodes), 65, 4, "node slots", "node count");
	corrupt_layout(LO(node_size), 64, 4, "status area", "node entry size");
	corrupt_layout(LO(res_size), 100, 4, "resource table", "resource entry size");
	corrupt_layout(LO(ring_count), 11, 4, "pair rings", "ring count");
	corrupt_layout(LO(ring_data), 65536 + 8, 4, "power of two", "ring size");
	corrupt_layout(LO(stream_data), 100, 4, "power of two", "stream ring size");
	corrupt_layout(LO(ring_hdr_size), 128, 4, "ring header", "ring header size");
	corrupt_layout(LO(ring_area.off), reg.layout.ring_area.off + 64 * 1024 * 1024, 8,
	    "outside the region", "ring area offset");
	corrupt_layout(LO(ring_area.off), reg.layout.res_table.off, 8, "overlap",
	    "overlapping tables");
	corrupt_layout(LO(node_table.off), 64, 8, "outside the region",
	    "node table over the superblock");
	corrupt_layout(LO(res_table.off), reg.layout.res_table.off + 4, 8, "aligned",
	    "misaligned table");
	corrupt_layout(LO(stream_area.len), 12345, 8, "entries need", "stream area length");

	/* an unformatted region */
	restore();
	memset(&sb->magic, 0, 8);
	ok(attach_now() < 0, "unformatted region is refused");
	has(cause, "not formatted", "  as not formatted");
	restore();
	ok(attach_now() == 0, "restored superblock attaches again");

	/* a mapping shorter than the region */
	ok(region_check(reg.base, reg.size - 4096, NULL, NULL, cause, sizeof(cause)) < 0,
	    "truncated mapping is refused");
	has(cause, "mapped", "  with the sizes");
	ok(region_check(reg.base, 100, NULL, NULL, cause, sizeof(cause)) < 0,
	    "mapping smaller than a superblock is refused");

	/* map specs */
	ok(region_map(&r2, "memfd:x", 0, 0, cause, sizeof(cause)) == -EINVAL,
	    "memfd without a size is refused");
	ok(region_map(&r2, "file:", 0, 0, cause, sizeof(cause)) == -EINVAL,
	    "empty path is refused");
	ok(region_map(&r2, "/nonexistent/mint", 0, 0, cause, sizeof(cause)) == -ENOENT,
	    "missing file is refused");
	has(cause, "/nonexistent/mint", "  naming the file");
}

static void
test_file_region(void)
{
	char path[] = "/tmp/mint-test-XXXXXX", spec[64];
	struct mint_region a, b;
	uint64_t total;
	struct mint_layout l;
	int fd = mkstemp(path);

	close(fd);
	region_layout(&params, &l, &total, cause, sizeof(cause));
	ok(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)) == 0 &&
	    region_format(&a, &params, cause, sizeof(cause)) == 0, "file region formatted");
	ok(region_map(&b, path, 0, 0, cause, sizeof(cause)) == 0 &&
	    region_attach(&b, cause, sizeof(cause)) == 0, "second mapping attaches, size from the file");
	ok(a.base != b.base && b.layout.ring_area.off == a.layout.ring_area.off,
	    "  at another address, same offsets");
	node_heartbeat(&a, 2);
	is(region_node(&b, 2)->heartbeat, 1, "  and sees the other mapping's writes");
	region_unmap(&b);
	snprintf(spec, sizeof(spec), "pci:%s", path);
	ok(region_map(&b, spec, 0, 0, cause, sizeof(cause)) == 0 && b.kind == REGION_PCI &&
	    region_attach(&b, cause, sizeof(cause)) == 0, "a pci: spec maps a fixed-size file whole");
	region_unmap(&b);
	snprintf(spec, sizeof(spec), "dev:%s", path);
	ok(region_map(&b, spec, total, REGION_CREATE, cause, sizeof(cause)) == -EINVAL,
	    "a device region cannot be created");
	has(cause, "fixed size", "  and says why");
	region_unmap(&a);
	unlink(path);
}

/* How /proc/self/maps lists the mapping at base: "rw-s", "r--s", or "" if absent. */
static const char *
map_perms(const void *base)
{
	static char perms[8];
	char line[512];
	unsigned long lo;
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%*x %4s", &lo, perms) == 2 && lo == (unsigned long)base)
			break;
		else
			perms[0] = '\0';
	if (f != NULL)
		fclose(f);
	return perms;
}

/*
 * As nobody, on a region file root owns and nobody may only read: the
 * read-only mapping works, the writable one is refused with the reason.
 * The child's exit status: 0, or which step failed.
 */
static int
as_reader(const char *path, uid_t uid, gid_t gid)
{
	struct mint_region r;
	char c[256];
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
			_exit(10);
		if (region_map(&r, path, 0, REGION_RDONLY, c, sizeof(c)) < 0 ||
		    region_attach(&r, c, sizeof(c)) < 0)
			_exit(11);
		if (strcmp(map_perms(r.base), "r--s") != 0)
			_exit(12);
		region_unmap(&r);
		if (region_map(&r, path, 0, 0, c, sizeof(c)) != -EACCES ||
		    strstr(c, "write access") == NULL)
			_exit(13);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * Region files live in shared directories: a planted symlink is never
 * followed, a file another user planted is refused, a new file is 0660 at
 * most, readers map read-only.
 */
static void
test_file_safety(void)
{
	char dir[] = "/tmp/mint-safety-XXXXXX", path[128], target[128], buf[8];
	struct passwd *nobody = getpwnam("nobody");
	struct mint_region a;
	struct stat st;
	uint64_t total;
	struct mint_layout l;
	mode_t old;
	int fd, rc;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	region_layout(&params, &l, &total, cause, sizeof(cause));

	/* a new file: created 0660 even under umask 0, never more */
	snprintf(path, sizeof(path), "%s/new", dir);
	old = umask(0);
	rc = region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause));
	umask(old);
	ok(rc == 0 && stat(path, &st) == 0, "a new region file is created");
	is(st.st_mode & 07777, 0660, "  with mode 0660 under umask 0 (no access for others)");
	if (rc == 0) {
		region_format(&a, &params, cause, sizeof(cause));
		region_unmap(&a);
	}
	ok(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)) == 0,
	    "our own existing file is taken again");
	region_unmap(&a);

	/* a symlink planted at the path: refused, its target untouched */
	snprintf(target, sizeof(target), "%s/precious", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = fd >= 0 && write(fd, "keep", 4) == 4;
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/link", dir);
	ok(rc && symlink(target, path) == 0, "a symlink planted at the region's path");
	is(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)), -ELOOP,
	    "  creating the region through it is refused");
	has(cause, "symbolic link", "  saying it is a symlink (%s)", cause);
	has(cause, path, "  and naming it");
	is(region_map(&a, path, 0, 0, cause, sizeof(cause)), -ELOOP,
	    "  attaching through it is refused too");
	fd = open(target, O_RDONLY);
	ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 4 && read(fd, buf, 4) == 4 &&
	    memcmp(buf, "keep", 4) == 0, "  and its target is untouched (4 bytes, \"keep\")");
	if (fd >= 0)
		close(fd);

	/* a file anyone may write: refused */
	snprintf(path, sizeof(path), "%s/open", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	rc = fd >= 0 && ftruncate(fd, (off_t)total) == 0 && fchmod(fd, 0666) == 0;
	if (fd >= 0)
		close(fd);
	ok(rc, "a region file of mode 0666");
	is(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)), -EPERM,
	    "  is refused");
	has(cause, "0666", "  naming the mode (%s)", cause);

	/* a second name of a file (a hard link to someone's file, where the kernel allows it) */
	{
		char other[160];

		snprintf(path, sizeof(path), "%s/linked", dir);
		snprintf(other, sizeof(other), "%s/linked-other", dir);
		fd = open(other, O_RDWR | O_CREAT, 0600);
		rc = fd >= 0 && ftruncate(fd, (off_t)total) == 0 && link(other, path) == 0;
		if (fd >= 0)
			close(fd);
		ok(rc, "a region file with a second hard link");
		is(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)), -EPERM,
		    "  is refused");
		has(cause, "2 hard links", "  saying why (%s)", cause);
		fd = open(other, O_RDONLY);
		ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == (off_t)total,
		    "  and the other name's file is untouched");
		if (fd >= 0)
			close(fd);
	}

	/* a file another user planted: refused, naming the path and the owner */
	snprintf(path, sizeof(path), "%s/planted", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	rc = fd >= 0 && ftruncate(fd, (off_t)total) == 0;
	if (rc && geteuid() == 0 && nobody != NULL) {
		rc = fchown(fd, nobody->pw_uid, nobody->pw_gid) == 0;
		ok(rc, "a region file planted by nobody (uid %u)", (unsigned)nobody->pw_uid);
		is(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)), -EPERM,
		    "  is refused when creating");
		is(region_map(&a, path, 0, 0, cause, sizeof(cause)), -EPERM,
		    "  and when attaching");
		has(cause, path, "  naming the path (%s)", cause);
		snprintf(target, sizeof(target), "owned by uid %u,", (unsigned)nobody->pw_uid);
		has(cause, target, "  and the owner");
	} else {
		for (int i = 0; i < 5; i++)
			ok(1, "# SKIP not root, or no user nobody: cannot plant another user's file");
	}
	if (fd >= 0)
		close(fd);

	/* a reader with read access only: maps read-only; writing is refused */
	snprintf(path, sizeof(path), "%s/ro", dir);
	ok(region_map(&a, path, total, REGION_CREATE, cause, sizeof(cause)) == 0 &&
	    region_format(&a, &params, cause, sizeof(cause)) == 0, "a region for readers");
	region_unmap(&a);
	ok(chmod(path, 0444) == 0 && region_map(&a, path, 0, REGION_RDONLY, cause,
	    sizeof(cause)) == 0 && region_attach(&a, cause, sizeof(cause)) == 0,
	    "  a read-only mapping of a 0444 file attaches");
	is(strcmp(map_perms(a.base), "r--s"), 0, "  and is mapped PROT_READ (%s)", map_perms(a.base));
	region_unmap(&a);
	is(region_map(&a, path, total, REGION_CREATE | REGION_RDONLY, cause, sizeof(cause)), -EINVAL,
	    "  a region is not created read-only");
	if (geteuid() == 0 && nobody != NULL) {
		rc = chmod(dir, 0755) == 0 ? as_reader(path, nobody->pw_uid, nobody->pw_gid) : -1;
		is(rc, 0, "as nobody: read-only mapping works, a writable one is refused as such "
		    "(0, or the step that failed: 10 setuid, 11 map, 12 not r--s, 13 not refused)");
	} else {
		ok(1, "# SKIP not root, or no user nobody: cannot act as a reader");
	}

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
}

static void
test_nodes(void)
{
	struct node_view v;
	uint32_t e1, e2, len;
	char buf[64], big[20000];

	ok(node_attach(&reg, 1, MINT_NODE_ONLINE, 42, &e1) == 0, "node 1 attaches");
	ok(node_attach(&reg, 1, MINT_NODE_ONLINE, 43, &e2) == 0 && e2 == e1 + 1,
	    "attaching again bumps the epoch");
	node_heartbeat(&reg, 1);
	node_heartbeat(&reg, 1);
	ok(node_read(&reg, 1, &v) == 0 && v.heartbeat == 2 && v.state == MINT_NODE_ONLINE &&
	    v.pid == 43, "node view has state, heartbeat and pid");
	ok(node_attach(&reg, 4, MINT_NODE_ONLINE, 1, &e1) == -EINVAL, "node 4 of 4 is refused");
	ok(node_publish_status(&reg, 1, "hello", 5) == 0, "status published");
	ok(node_read_status(&reg, 1, buf, sizeof(buf), &len) == 0 && len == 5 &&
	    memcmp(buf, "hello", 5) == 0, "  and read back");
	memset(big, 'x', sizeof(big));
	ok(node_publish_status(&reg, 1, big, reg.layout.status_max + 1) == -EMSGSIZE,
	    "oversized status refused");
	ok(node_read_status(&reg, 1, buf, 3, &len) == -EMSGSIZE, "short buffer refused");
	region_node(&reg, 1)->status_len = reg.layout.status_max + 1;
	ok(node_read_status(&reg, 1, buf, sizeof(buf), &len) == -EBADMSG,
	    "impossible status length reported");
	region_node(&reg, 1)->status_seq |= 1;
	ok(node_read_status(&reg, 1, buf, sizeof(buf), &len) == -EBUSY,
	    "writer dead mid-update reported busy");
	ok(node_attach(&reg, 1, MINT_NODE_ONLINE, 44, &e1) == 0 &&
	    node_publish_status(&reg, 1, "ok", 2) == 0 &&
	    node_read_status(&reg, 1, buf, sizeof(buf), &len) == 0 && len == 2,
	    "re-attach repairs the seqlock");
	region_node(&reg, 3)->state = 99;
	ok(node_read(&reg, 3, &v) == -EBADMSG, "impossible node state reported");
	is(strcmp(node_state_name(MINT_NODE_DEAD), "dead"), 0, "state names");
}

static void
test_resources(void)
{
	struct res_view v;
	uint64_t w, stale;
	int i;

	ok(res_define(&reg, 0, MINT_RES_CPU, 3, 0, 0, NULL, 1) == 0, "cpu3 defined, owned by node 1");
	ok(res_define(&reg, 1, MINT_RES_DEV, 0, 0, 0, "eth1", MINT_NO_NODE) == 0, "device defined free");
	ok(res_define(&reg, 2, MINT_RES_MEM, 7, 1ull << 32, 128 << 20, NULL, 2) == 0, "memory block");
	ok(res_define(&reg, 3, MINT_RES_DEV, 1, 0, 0, "a-name-longer-than-thirty-two-bytes!", 1) ==
	    -ENAMETOOLONG, "long device name refused");
	i = res_find(&reg, MINT_RES_MEM, 7);
	is(i, 2, "find by kind and index");
	ok(res_read(&reg, 1, &v) == 0 && v.state == MINT_RS_FREE && strcmp(v.name, "eth1") == 0,
	    "device reads back free with its name");
	ok(res_read(&reg, 0, &v) == 0 && v.owner == 1 && v.state == MINT_RS_OWNED, "cpu reads owned");
	w = region_res(&reg, 0)->word;
	stale = w;
	ok(res_move(&reg, 0, &w, MINT_RS_RELEASING, 1, 2, 5, 6) == 0, "owned -> releasing");
	ok(res_move(&reg, 0, &stale, MINT_RS_FREE, MINT_NO_NODE, MINT_NO_NODE, 0, 0) == -EAGAIN,
	    "a move from a stale word fails");
	ok(stale == w, "  and hands back the current word");
	ok(res_move(&reg, 0, &w, MINT_RS_FREE, MINT_NO_NODE, 2, 5, 6) == 0 &&
	    res_move(&reg, 0, &w, MINT_RS_CLAIMING, 2, 1, 6, 5) == 0 &&
	    res_move(&reg, 0, &w, MINT_RS_OWNED, 2, MINT_NO_NODE, 6, 0) == 0,
	    "releasing -> free -> claiming -> owned");
	ok(res_read(&reg, 0, &v) == 0 && v.owner == 2 && v.gen == 5, "owner and generation follow");
	ok(res_move(&reg, 0, &w, MINT_RS_OWNED, 9, MINT_NO_NODE, 0, 0) == -EINVAL,
	    "owner outside the node table refused");
	region_res(&reg, 5)->word = MINT_RES_WORD(MINT_RS_OWNED, 77, MINT_NO_NODE, 0);
	ok(res_read(&reg, 5, &v) == -EBADMSG, "impossible owner in the region reported");
}

/* The guest RAM pool: claim, refuse, hand over, take from a dead node, free. */
static void
test_pool(void)
{
	const uint64_t mib = 1ULL << 20;
	struct pool_count c;
	struct res_view v;
	unsigned base = 40;

	for (unsigned i = 0; i < base + 6; i++)
		memset(region_res(&reg, i), 0, sizeof(struct mint_res));
	pool_count(&reg, 0, "g", &c);
	ok(c.extents == 0 && pool_claim(&reg, 0, 1, "g", 64 * mib) == -ENOENT,
	    "no pool: nothing to claim");
	for (unsigned i = 0; i < 6; i++)
		res_define(&reg, base + i, MINT_RES_POOL, i, i * 64 * mib, 64 * mib, NULL, MINT_NO_NODE);
	ok(pool_claim(&reg, 0, 1, "g", 100 * mib) == 0, "100 MiB claimed");
	pool_count(&reg, 0, "g", &c);
	ok(c.held == 2 && c.held_bytes == 128 * mib && c.free == 4, "as two 64 MiB extents (%u, %u free)",
	    c.held, c.free);
	ok(pool_claim(&reg, 0, 1, "g", 128 * mib) == 0 && (pool_count(&reg, 0, "g", &c), c.held == 2),
	    "claimed again: what it holds counts");
	ok(pool_claim(&reg, 1, 1, "h", 320 * mib) == -ENOSPC && (pool_count(&reg, 1, "h", &c),
	    c.held == 0 && c.free == 4), "more than is free: refused, nothing kept");
	ok(pool_claim(&reg, 1, 1, "a-name-longer-than-the-table-holds", mib) == -ENAMETOOLONG,
	    "a name the table cannot hold: refused");
	ok(res_read(&reg, base, &v) == 0 && v.state == MINT_RS_OWNED && strcmp(v.name, "g") == 0 &&
	    res_read(&reg, base + 5, &v) == 0 && v.state == MINT_RS_FREE && v.name[0] == '\0',
	    "an owned extent names its guest, a free one nobody");
	ok(pool_hand(&reg, 1, 2, 1, "g") == 0, "handing from a node that does not hold them: nothing");
	ok(pool_hand(&reg, 0, 1, 1, "g") == 2 && (pool_count(&reg, 1, "g", &c), c.held == 2) &&
	    res_read(&reg, base, &v) == 0 && v.peer == 0, "handed over: node 1's, node 0 the peer");
	/* node 1 dies holding them: fenced, and the node that runs the guest now takes them */
	res_read(&reg, base, &v);
	res_move(&reg, base, &v.word, MINT_RS_FENCED, 1, MINT_NO_NODE, 1, 0);
	ok(pool_hand(&reg, 0, 2, 1, "g") == 0 && pool_hand(&reg, MINT_NO_NODE, 2, 1, "g") == 2 &&
	    (pool_count(&reg, 2, "g", &c), c.held == 2), "taken by any node, a fenced one too");
	ok(pool_release(&reg, 1, 1, "g") == 0, "released by a node that does not hold them: nothing");
	ok(pool_release(&reg, 2, 1, "g") == 2 && (pool_count(&reg, 2, NULL, &c), c.free == 6) &&
	    res_read(&reg, base, &v) == 0 && v.name[0] == '\0', "released: free, the name gone");
	for (unsigned i = 0; i < 6; i++)
		memset(region_res(&reg, base + i), 0, sizeof(struct mint_res));
}

static void
test_streams(void)
{
	unsigned a, b, c, from, to;

	ok(stream_take(&reg, 0, 1, &a) == 0 && stream_take(&reg, 1, 2, &b) == 0 && a != b,
	    "two stream rings taken");
	ok(stream_owner(&reg, a, &from, &to) == 0 && from == 0 && to == 1, "owner recorded");
	ok(stream_take(&reg, 0, 1, &c) == -EBUSY, "pool of two is then empty");
	ok(stream_put(&reg, a, 3) == -EPERM, "only the taker returns it");
	ok(stream_put(&reg, a, 0) == 0, "returned");
	ok(stream_owner(&reg, a, &from, &to) == -ENOENT, "  and free again");
	ok(stream_take(&reg, 2, 3, &c) == 0 && c == a, "taken again by another pair");
	ok(stream_take(&reg, 2, 2, &c) == -EINVAL, "a stream to oneself refused");
	{
		uint64_t w = stream_claim(&reg, c);

		ok(stream_abort(&reg, c, w) == 0, "either end may give up on a ring");
		ok(stream_claim(&reg, c) != w, "  which the other end sees as a changed claim");
		ok(stream_abort(&reg, c, w) == -ESTALE, "  once only");
		ok(stream_owner(&reg, c, &from, &to) == 0 && from == 2 && to == 3,
		    "  still held by its pair until its producer returns it");
		ok(stream_put(&reg, c, 2) == 0 && stream_owner(&reg, c, &from, &to) == -ENOENT,
		    "  which it then may");
	}
}

int
main(void)
{
	region_params_default(&params);
	params.nodes = 4;
	params.ring_data = 4096;
	params.stream_count = 2;
	params.stream_data = 65536;
	params.status_max = 4096;
	test_region(&reg, &params);
	pristine = malloc(sizeof(struct mint_sb));
	memcpy(pristine, reg.base, sizeof(struct mint_sb));
	test_layout();
	test_attach();
	test_file_region();
	test_file_safety();
	test_nodes();
	test_resources();
	test_pool();
	test_streams();
	region_unmap(&reg);
	free(pristine);
	return tap_done();
}
