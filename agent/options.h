/*
 * mint-agent's options: a config file of "key value" lines (the long options
 * without "--") and the command line after it, parsed into one plain struct.
 */
#ifndef MINT_AGENT_OPTIONS_H
#define MINT_AGENT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cpulist.h"

struct agent_options {
	const char *region;		/* -r SPEC */
	unsigned node;
	int have_node;
	unsigned heartbeat_ms, sample_ms, dead_after;
	const char *proc;		/* "/proc", or a test tree */
	const char *uri;		/* libvirt; "none": no hypervisor */
	const char *socket, *group, *admin_group;
	int request_ms;
	int have_cores;
	uint64_t cores[CPULIST_WORDS];
	int mode;			/* Mint__CoreMode */
	const char *sysfs, *sim_root, *cpuset_root, *memcg_root, *irq, *core_map;
	int move_ms, boot_ms, libvirt_ms;
	uint64_t mem_floor;
	const char *kexec;		/* NULL: kexec on a real node, else the stand-in */
	int allow_host_kexec;
	const char *start_hook, *stop_hook, *kernel, *initrd;
	uint64_t region_phys, region_phys_size;
	const char *tunnel_dir, *libvirt_socket;
	const char *metrics;		/* ADDR:PORT of the Prometheus endpoint, or NULL */
	int ctl_max, ctl_max_uid, ctl_timeout_ms;	/* 0: the defaults (ctl.c) */
	int ctl_given[3];		/* given, so 0 is an error rather than "default" */
	int foreground, verbose;
	char **argv;			/* the command line as given: a kexec that returns runs it again */
	char **conf_argv;		/* the config file's lines and the command line, if a file */
	int conf_argc;
};

/* What options_parse found besides options to run with. */
#define OPTIONS_HELP	1	/* --help: the usage goes to stdout, exit 0 */
#define OPTIONS_USAGE	2	/* a wrong option or a missing one: usage to stderr, exit 2 */

/*
 * Parse argv (and the file --config names, read first, so that the command
 * line overrides it) into o: 0, OPTIONS_HELP, OPTIONS_USAGE, or -errno with
 * the sentence in cause.
 */
int options_parse(struct agent_options *o, int argc, char **argv, char *cause, size_t len);
/* The checks between options, once parsed: 0, or -EINVAL with the sentence in cause. */
int options_check(const struct agent_options *o, char *cause, size_t len);
void options_usage(FILE *f);
void options_free(struct agent_options *o);

#endif
