/* eval/: the paper's workloads do the work they claim, and refuse what they cannot read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "eval/chart.h"
#include "eval/report.h"
#include "eval/tsc.h"
#include "eval/workload.h"
#include "tests/tap.h"

/* read() calls this process made (/proc/self/io syscr), or -1 where unreadable */
static long long
syscr(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	long long v = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "syscr: %lld", &v) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return v;
}

static void
test_io(const char *dir)
{
	enum { L = 256, SIZE = 4096 };
	char path[256], cause[256];
	uint64_t offs[L];
	struct wl_io io;
	long long r0, r1;
	size_t i, distinct = 0, bad = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/disk", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ok(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "a 1 MiB file to read");
	close(fd);
	is(wl_io_open(&io, path, SIZE, 0, 7, cause, sizeof(cause)), 0, "opened for reads of 4 KiB");
	diag("O_DIRECT %s, alignment %zu", io.direct ? "taken" : "refused by the file system",
	    io.align);
	io.offsets = offs, io.n_offsets = L;
	r0 = syscr();
	is(wl_io_run(&io, L, cause, sizeof(cause)), 0, "%d lseek+read pairs", L);
	r1 = syscr();
	ok(io.reads == L && io.bytes == (uint64_t)L * SIZE, "  counted: %llu reads, %llu bytes",
	    (unsigned long long)io.reads, (unsigned long long)io.bytes);
	if (r0 >= 0)
		ok(r1 - r0 >= L, "  really issued: %lld read() calls seen by the kernel", r1 - r0);
	for (i = 0; i < L; i++) {
		size_t k;

		if (offs[i] % io.align != 0 || offs[i] + SIZE > (1u << 20))
			bad++;
		for (k = 0; k < i && offs[k] != offs[i]; k++)
			;
		distinct += k == i;
	}
	is(bad, 0, "  every offset aligned and the read inside the file");
	ok(distinct > L / 2, "  offsets random: %zu distinct of %d (256 possible)", distinct, L);
	wl_io_close(&io);

	is(wl_io_open(&io, path, 2 << 20, 0, 7, cause, sizeof(cause)), -EINVAL,
	    "a read larger than the file is refused");
	has(cause, "fewer than one read", "  saying so (%s)", cause);
	snprintf(path, sizeof(path), "%s/none", dir);
	is(wl_io_open(&io, path, SIZE, 0, 7, cause, sizeof(cause)), -ENOENT,
	    "a missing file is refused");
	has(cause, path, "  naming it (%s)", cause);
	is(wl_io_open(&io, dir, SIZE, 1, 7, cause, sizeof(cause)), -EINVAL,
	    "a directory is refused");
	has(cause, "neither a file nor a block device", "  as such (%s)", cause);
}

/* bars (rect class="bar") in the document, or -1 where it is not well-formed XML */
static int
count_bars(xmlNode *n)
{
	int k = 0;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "rect") == 0) {
			xmlChar *cls = xmlGetProp(n, BAD_CAST "class");

			k += cls != NULL && xmlStrcmp(cls, BAD_CAST "bar") == 0;
			xmlFree(cls);
		}
		k += count_bars(n->children);
	}
	return k;
}

static void
test_chart(void)
{
	static const char *const groups[] = { "reg", "copy 256K", "io 1024K" };
	static const char *const series[] = { "node 0 alone", "nodes 0 & 1 <at once>", "two on node 0" };
	static const double values[] = { 8.1, 8.2, 16.5, 9.4, 15.0, 18.8, 21.0, -1, 40.2 };
	const struct chart c = { "mint-bench & the paper", groups, 3, series, 3, values };
	char *buf = NULL, *title;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	xmlDoc *doc;

	is(chart_svg(f, &c), 0, "a chart of 3 panels, 3 configurations");
	fclose(f);
	doc = xmlReadMemory(buf, (int)len, "chart.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	ok(doc != NULL, "  is well-formed XML (%zu bytes)", len);
	ok(doc != NULL && xmlStrcmp(xmlDocGetRootElement(doc)->name, BAD_CAST "svg") == 0,
	    "  an svg document");
	is(doc != NULL ? count_bars(xmlDocGetRootElement(doc)) : -1, 8,
	    "  a bar for each measured value (8 of 9: one not measured)");
	title = strstr(buf, "nodes 0 &amp; 1 &lt;at once&gt;: 15.000 ms");
	ok(title != NULL, "  names escaped, each bar titled with its time");
	xmlFreeDoc(doc);
	free(buf);
	is(chart_svg(stdout, &(struct chart){ "empty", groups, 0, series, 3, values }), -EINVAL,
	    "nothing to draw is refused");
}

/* parse TEXT: its rc, and the cause in why */
static int
parse(const char *text, struct report *r, char *why, size_t len)
{
	why[0] = '\0';
	return report_parse(text, strlen(text), r, why, len);
}

static void
test_report(void)
{
	struct report r = { .clock = "tsc (invariant), 2.5 GHz", .tsc = 1, .virt = "tcg", .cpu = 3,
	    .runs = 10, .n_rows = 2, .rows = { { "reg", 0, 1000, 50, 40, 60, 0 },
	    { "io", 4096, 16, 900, 800, 1200, 1 } } }, back;
	char *buf = NULL, why[256], text[4096];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	report_write(f, &r);
	fclose(f);
	/* a serial console: chatter before, CR LF line ends */
	snprintf(text, sizeof(text), "GUEST UP\r\n[ 1.2] random: crng init done\r\n");
	for (size_t i = 0, o = strlen(text); i < len && o + 2 < sizeof(text); i++) {
		if (buf[i] == '\n')
			text[o++] = '\r';
		text[o++] = buf[i], text[o] = '\0';
	}
	is(parse(buf, &back, why, sizeof(why)), 0, "records read back (%s)", why);
	ok(memcmp(&r, &back, sizeof(r)) == 0, "  the same report");
	is(parse(text, &back, why, sizeof(why)), 0, "  after a console's chatter, CR LF ends (%s)", why);
	ok(back.n_rows == 2 && back.rows[1].median_ns == 900 && back.rows[1].direct == 1 &&
	    strcmp(back.virt, "tcg") == 0, "  the same values");
	buf[len - 4] = '\0';	/* "end\n" cut */
	is(parse(buf, &back, why, sizeof(why)), -EINVAL, "records cut short: refused (%s)", why);
	is(parse("chatter only\n", &back, why, sizeof(why)), -EINVAL, "no records: said (%s)", why);
	is(parse("mint-bench-records 1\nclock c\ntsc 1\nvirt v\ncpu 0\nruns 3\n"
	    "row reg 0 10 5 6 7 0\nend\n", &back, why, sizeof(why)), -EINVAL,
	    "a median below the least: refused (%s)", why);
	is(parse("mint-bench-records 1\nclock c\ntsc 1\nvirt v\ncpu 0\nruns 3\n"
	    "row disk 4096 10 5 5 7 0\nend\n", &back, why, sizeof(why)), -EINVAL,
	    "an unknown workload: refused");
	is(parse("mint-bench-records 1\nclock c\ntsc 1\nvirt v\ncpu 0\nruns 0\n"
	    "row reg 0 10 5 5 7 0\nend\n", &back, why, sizeof(why)), -EINVAL, "0 runs: refused");
	is(parse("mint-bench-records 1\nclock c\nvirt v\ncpu 0\nruns 3\n"
	    "row reg 0 10 5 5 7 0\nend\n", &back, why, sizeof(why)), -EINVAL,
	    "a record missing: refused (%s)", why);
	is(parse("mint-bench-records 1\nclock c\ntsc 1\nvirt v\ncpu 0\nruns 3\n"
	    "row reg 0 10 5 5 7 0 9\nend\n", &back, why, sizeof(why)), -EINVAL,
	    "a row with a field too many: refused");
	{
		char many[4096] = "mint-bench-records 1\nclock c\ntsc 1\nvirt v\ncpu 0\nruns 3\n";

		for (int i = 0; i < REPORT_ROWS + 1; i++)
			strcat(many, "row copy 4096 10 5 5 7 0\n");
		strcat(many, "end\n");
		is(parse(many, &back, why, sizeof(why)), -EINVAL, "%d rows: refused", REPORT_ROWS + 1);
	}
	free(buf);
}

int
main(void)
{
	char dir[] = "/var/tmp/mint-eval-XXXXXX";
	struct tsc_clock clk;
	struct wl_copy c;
	uint64_t t0, ns;

	is(wl_reg(12345), 0, "12345 register increments counted");
	is(wl_copy_init(&c, 0), -EINVAL, "a copy of 0 bytes is refused");
	is(wl_copy_init(&c, 65536), 0, "two 64 KiB buffers");
	is(wl_copy_run(&c, 50), 0, "50 copies, each checked");
	ok(c.done == 50 && memcmp(c.src, c.dst, c.size) == 0, "  all made, destination = source");
	wl_copy_free(&c);

	tsc_init(&clk);
	diag("clock: %s", clk.name);
	t0 = tsc_now(&clk);
	usleep(20000);
	/* a sleep lasts at least what was asked; 5 % for the calibration's error */
	ns = tsc_ns(&clk, tsc_now(&clk) - t0);
	ok(ns >= 19000000, "the clock counts a 20 ms sleep as at least 19 ms (%llu ns)",
	    (unsigned long long)ns);

	test_chart();
	test_report();
	if (mkdtemp(dir) == NULL)
		tap_skip_all("no temporary directory under /var/tmp");
	test_io(dir);
	{
		char p[64];

		snprintf(p, sizeof(p), "%s/disk", dir);
		unlink(p);
		rmdir(dir);
	}
	return tap_done();
}
