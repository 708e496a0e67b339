/* mint-agent: one per node; attaches the region, heartbeats, publishes its status. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <ev.h>

#include "agent/agent.h"
#include "agent/options.h"
#include "common/log.h"

int
main(int argc, char **argv)
{
	static struct agent a;
	struct agent_options o;
	char cause[512];
	int rc;

	log_open("mint-agent", 0, LOG_TO_STDERR);	/* until the options say where */
	if ((rc = options_parse(&o, argc, argv, cause, sizeof(cause))) < 0)
		fatalx("%s", cause);
	if (rc == OPTIONS_HELP) {
		options_usage(stdout);
		return 0;
	}
	log_open("mint-agent", o.verbose, o.foreground ? LOG_TO_STDERR : LOG_TO_SYSLOG);
	if (rc == OPTIONS_USAGE) {
		options_usage(stderr);
		return 2;
	}
	if (options_check(&o, cause, sizeof(cause)) < 0 ||
	    agent_open(&a, &o, cause, sizeof(cause)) < 0)
		fatalx("%s", cause);
	if (!o.foreground && daemon(0, 0) < 0)
		fatal("daemon");
	if (agent_start(&a, &o, cause, sizeof(cause)) < 0)
		fatalx("%s", cause);
	service_ready(&a);

	ev_run(a.loop, 0);

	service_stopping(&a);
	agent_close(&a);
	if (a.life.reexec) {
		log_info("node %u: starting again after kexec", a.node);
		execv("/proc/self/exe", o.argv);
		fatal("execv");
	}
	if (a.life.stopping && a.life.stop_hook != NULL) {
		log_info("node %u: shut down; %s", a.node, a.life.stop_hook);
		execl("/bin/sh", "sh", "-c", a.life.stop_hook, (char *)NULL);
		fatal("stop hook");
	}
	options_free(&o);
	return 0;
}
