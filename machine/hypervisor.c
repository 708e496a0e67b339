/*
 * A simulated node's own hypervisor: a libvirtd of its own in a mount
 * namespace of its own, which the node's agent shares. Inside, the usual
 * paths (/run/libvirt, /var/lib/libvirt, /etc/libvirt, ...) are the node's
 * directories, so the agent and libvirt run exactly as on a real node,
 * with qemu:///system and the default sockets. The daemon starts inside the
 * node's cgroup partition, and with no cgroup controllers of its own, its
 * QEMU processes stay there: a node's guests run on the node's cores.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <grp.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "common/cause.h"
#include "common/paths.h"
#include "machine/hypervisor.h"

static const struct {
	const char *dir;	/* under the node's directory */
	const char *target;	/* what it stands for inside the namespace */
} binds[] = {
	{ "run", "/run/libvirt" },
	{ "lib", "/var/lib/libvirt" },
	{ "cache", "/var/cache/libvirt" },
	{ "log", "/var/log/libvirt" },
	{ "etc", "/etc/libvirt" },
	{ "tunnels", MINT_TUNNEL_DIR },
};

static int
mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -errno;
	fputs(text, f);
	return fclose(f) < 0 ? -errno : 0;
}

/* A copy of /etc/passwd or /etc/group with line added, bound over the original. */
static int
bind_with_line(const char *base, const char *file, const char *line, char *cause, size_t len)
{
	char copy[512], buf[4096];
	FILE *in, *out;
	size_t n;

	snprintf(copy, sizeof(copy), "%s/%s", base, strrchr(file, '/') + 1);
	if ((in = fopen(file, "r")) == NULL || (out = fopen(copy, "w")) == NULL) {
		if (in != NULL)
			fclose(in);
		return cause_fail(cause, len, -errno, "%s: %s", copy, strerror(errno));
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fprintf(out, "%s\n", line);
	fclose(out);
	if (mount(copy, file, NULL, MS_BIND, NULL) < 0)
		return cause_fail(cause, len, -errno, "bind %s over %s: %s", copy, file, strerror(errno));
	return 0;
}

int
hv_enter(const char *run_dir, unsigned node, const char *libvirtd, const char *libvirt_hook,
    pid_t *daemon_pid, char *cause, size_t len)
{
	char base[400], path[512], conf[512];
	pid_t pid;
	int fd, rc;

	snprintf(base, sizeof(base), "%s/node%u-hv", run_dir, node);
	if (unshare(CLONE_NEWNS) < 0)
		return cause_fail(cause, len, -errno, "a mount namespace for node %u: %s", node,
		    strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cause_fail(cause, len, -errno, "make mounts private: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, binds[i].dir);
		if ((rc = mkdirs(path)) < 0 || (rc = mkdirs(binds[i].target)) < 0)
			return cause_fail(cause, len, rc, "%s: %s", path, strerror(-rc));
		if (mount(path, binds[i].target, NULL, MS_BIND, NULL) < 0)
			return cause_fail(cause, len, -errno, "bind %s over %s: %s", path, binds[i].target,
			    strerror(errno));
	}
	/* libvirt's QEMU driver wants its user even when it runs QEMU as root */
	if (getpwnam("libvirt-qemu") == NULL &&
	    ((rc = bind_with_line(base, "/etc/passwd",
	    "libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin", cause,
	    len)) < 0 || (rc = bind_with_line(base, "/etc/group", "libvirt-qemu:x:64055:", cause,
	    len)) < 0))
		return rc;
	/* the host uuid tells the daemons apart in a migration: "mint" and the node */
	snprintf(conf, sizeof(conf),
	    "# node %u's libvirtd (written by mint-console machine start)\n"
	    "host_uuid = \"6d696e74-0000-4000-8000-%012x\"\n"
	    "log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\n"
	    "keepalive_interval = 5\n", node, node + 1);
	if ((rc = write_file("/etc/libvirt/libvirtd.conf", conf)) < 0 ||
	    (rc = write_file("/etc/libvirt/qemu.conf",
	    "# QEMU as root, logs to files (no virtlogd), and no cgroups of its own:\n"
	    "# the guests stay in the node's partition\n"
	    "user = \"root\"\ngroup = \"root\"\nstdio_handler = \"file\"\n"
	    "cgroup_controllers = [ ]\n")) < 0)
		return cause_fail(cause, len, rc, "node %u's libvirt configuration: %s", node,
		    strerror(-rc));
	/* guests whose RAM every node maps: libvirt runs mint's hook for them */
	if (libvirt_hook != NULL && libvirt_hook[0] != '\0') {
		char script[700];

		snprintf(script, sizeof(script), "#!/bin/sh\n# written by mint-console machine start\n"
		    "exec '%s' \"$@\"\n", libvirt_hook);
		if ((rc = mkdirs("/etc/libvirt/hooks/qemu.d")) < 0 ||
		    (rc = write_file("/etc/libvirt/hooks/qemu.d/mint", script)) < 0 ||
		    chmod("/etc/libvirt/hooks/qemu.d/mint", 0755) < 0)
			return cause_fail(cause, len, rc < 0 ? rc : -errno, "node %u's libvirt hook: %s",
			    node, strerror(rc < 0 ? -rc : errno));
	}
	if ((pid = fork()) < 0)
		return cause_fail(cause, len, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/log/daemon.out", base);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(libvirtd, libvirtd, "--pid-file", "/run/libvirt/libvirtd.pid", (char *)NULL);
		_exit(127);
	}
	*daemon_pid = pid;
	return 0;
}

static pid_t
pid_in(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (pid_t)atoi(buf);
}

pid_t
hv_daemon_pid(const char *run_dir, unsigned node)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/node%u.libvirtd.pid", run_dir, node);
	return pid_in(path);
}

void
hv_pids(const char *run_dir, unsigned node, struct procs *s)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/node%u-hv/run/qemu", run_dir, node);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);
			char pf[800];

			if (n < 5 || strcmp(de->d_name + n - 4, ".pid") != 0)
				continue;
			snprintf(pf, sizeof(pf), "%s/%s", path, de->d_name);
			procs_add(s, pid_in(pf));
		}
		closedir(d);
	}
	procs_add(s, hv_daemon_pid(run_dir, node));
}

void
hv_stop(const char *run_dir, unsigned node)
{
	char path[512];
	struct procs s;

	procs_init(&s);
	hv_pids(run_dir, node, &s);
	procs_signal(&s, SIGTERM);
	if (procs_wait(&s, HV_STOP_MS) > 0) {
		procs_signal(&s, SIGKILL);
		procs_wait(&s, 1000);
	}
	procs_close(&s);
	snprintf(path, sizeof(path), "%s/node%u.libvirtd.pid", run_dir, node);
	unlink(path);
}

static void
probe_error_cb(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;	/* a daemon not up yet is no news: only the outcome counts */
}

/*
 * The daemon answers when a connection to its socket opens and a call
 * through its QEMU driver returns. In a child, so that a daemon that accepted
 * the connection but hangs cannot hang the console's wait.
 */
pid_t
hv_probe(const char *run_dir, unsigned node)
{
	char uri[600];
	virConnectPtr c;
	pid_t pid;
	int ok;

	snprintf(uri, sizeof(uri), "qemu+unix:///system?socket=%s/node%u-hv/run/libvirt-sock",
	    run_dir, node);
	if ((pid = fork()) != 0)
		return pid < 0 ? -errno : pid;
	virSetErrorFunc(NULL, probe_error_cb);
	if ((c = virConnectOpen(uri)) == NULL)
		_exit(1);
	ok = virConnectNumOfDomains(c) >= 0;
	virConnectClose(c);
	_exit(ok ? 0 : 1);
}
