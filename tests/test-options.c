/* mint-agent's options: a config file under the command line, the numbers' ranges, the checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/options.h"
#include "tests/tap.h"

static char conf[] = "/tmp/test-options.XXXXXX";

static int
parse(struct agent_options *o, char *cause, size_t len, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "mint-agent";
	va_start(ap, len);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	cause[0] = '\0';
	return options_parse(o, argc, argv, cause, len);
}

int
main(void)
{
	struct agent_options o;
	char cause[256];
	int fd;

	is(parse(&o, cause, sizeof(cause), "-r", "file:/x", "-n", "2", NULL), 0, "region and node");
	ok(o.node == 2 && o.heartbeat_ms == 100 && o.sample_ms == 1000 && o.dead_after == 3 &&
	    strcmp(o.proc, "/proc") == 0 && o.mem_floor == 256ull << 20 && o.kexec == NULL,
	    "  the defaults for the rest");
	is(parse(&o, cause, sizeof(cause), "-n", "2", NULL), OPTIONS_USAGE, "no region: usage");
	is(parse(&o, cause, sizeof(cause), "-r", "file:/x", NULL), OPTIONS_USAGE, "no node: usage");
	is(parse(&o, cause, sizeof(cause), "--help", NULL), OPTIONS_HELP, "--help");
	is(parse(&o, cause, sizeof(cause), "-r", "x", "-n", "64", NULL), -EINVAL, "node 64 refused");
	has(cause, "node '64' is not a number from 0 to 63", "  with the range");
	is(parse(&o, cause, sizeof(cause), "-r", "x", "-n", "1", "--mem-floor", "lots", NULL),
	    -EINVAL, "a floor that is no size");
	has(cause, "not a size like 512M", "  said so");
	ok(parse(&o, cause, sizeof(cause), "-r", "x", "-n", "1", "--region-phys", "0x100000000+64M",
	    "--mode", "real", "--cores", "1-3", NULL) == 0 && o.region_phys == 0x100000000ull &&
	    o.region_phys_size == 64ull << 20 && o.have_cores, "region-phys, mode, cores");
	is(parse(&o, cause, sizeof(cause), "-r", "x", "-n", "1", "--mode", "odd", NULL), -EINVAL,
	    "an unknown mode");
	is(parse(&o, cause, sizeof(cause), "-r", "x", "-n", "1", "-H", "0", NULL), 0,
	    "a zero heartbeat parses");
	ok(options_check(&o, cause, sizeof(cause)) < 0 && strstr(cause, "at least 1 ms") != NULL,
	    "  but does not pass the checks");
	is(parse(&o, cause, sizeof(cause), "-r", "x", "-n", "1", "--max-clients", "0", NULL), 0,
	    "--max-clients 0 parses");
	ok(options_check(&o, cause, sizeof(cause)) < 0, "  and is refused: 0 would mean the default");

	if ((fd = mkstemp(conf)) < 0 || dprintf(fd, "# comment\nregion file:/from-conf\n"
	    "node 3\nheartbeat   250\nforeground\nstop-hook poweroff -f\n") < 0) {
		printf("Bail out! no config file\n");
		return 1;
	}
	close(fd);
	is(parse(&o, cause, sizeof(cause), "-F", conf, "-H", "50", NULL), 0, "a config file");
	ok(strcmp(o.region, "file:/from-conf") == 0 && o.node == 3 && o.foreground &&
	    strcmp(o.stop_hook, "poweroff -f") == 0, "  its keys are the long options, values "
	    "to the end of the line");
	is(o.heartbeat_ms, 50, "  the command line wins");
	options_free(&o);
	is(parse(&o, cause, sizeof(cause), "--config", "/nonexistent", NULL), -ENOENT,
	    "a missing config file");
	has(cause, "config /nonexistent: No such file or directory", "  named");
	unlink(conf);
	return tap_done();
}
