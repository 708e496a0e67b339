/*
 * The agent's start-up and teardown, and its timers: heartbeat (watching the
 * other nodes), sampling (listing the guests, publishing the status), signals.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ev.h>

#include "agent/agent.h"
#include "agent/beat.h"
#include "agent/options.h"
#include "agent/tunnel.h"
#include "agent/worker.h"
#include "common/cause.h"
#include "common/log.h"
#include "shm/node.h"
#include "shm/region.h"

static void agent_sample(struct agent *a);

static void
agent_peer_report(void *arg, unsigned node, const struct watch_peer *p, int64_t silent_ns)
{
	if (p->dead) {
		log_warn("node %u: heartbeat silent for %" PRId64 " ms: dead", node, silent_ns / 1000000);
		peers_node_dead(arg, node);
		move_node_dead(arg, node);
		tunnel_node_dead(arg, node);
	} else {
		struct agent *a = arg;

		log_info("node %u: heartbeat again (epoch %" PRIu32 ")", node, p->epoch);
		/* its ring was fenced while it was dead: take what came meanwhile */
		ev_feed_event(a->loop, &a->peers.bell_io, EV_READ);
	}
}

/*
 * The loop's copy of the heartbeat thread's watch: a node that died or came
 * back is reported here, on the loop.
 */
static void
agent_watch_sync(struct agent *a)
{
	struct watch now;

	beat_watch_copy(&a->beat, &now);
	for (unsigned i = 0; i < MINT_MAX_NODES; i++) {
		struct watch_peer *p = &a->watch.peer[i];
		int report = now.peer[i].dead != p->dead;

		*p = now.peer[i];
		if (report)
			agent_peer_report(a, i, p, (int64_t)(ev_now(a->loop) * 1e9) - p->moved_ns);
	}
}

/* From the heartbeat thread: wake the loop (once it can be woken). */
static void
agent_watch_changed(void *arg)
{
	struct agent *a = arg;

	if (__atomic_load_n(&a->watch_armed, __ATOMIC_ACQUIRE))
		ev_async_send(a->loop, &a->watch_wake);
}

static void
agent_watch_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct agent *a = w->data;

	(void)loop, (void)revents;
	agent_watch_sync(a);
	/* a verdict or an epoch that changed is published at once, not at the next sample */
	agent_republish(a);
}

static void
agent_publish_soon_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;

	(void)loop, (void)revents;
	a->republish = 0;
	agent_sample(a);
}

void
agent_republish(struct agent *a)
{
	/* a burst of changes is one listing and one publication; only once the timers run */
	if (a->republish || !ev_is_active(&a->sample))
		return;
	a->republish = 1;
	ev_timer_set(&a->publish_soon, 0.02, 0);
	ev_timer_start(a->loop, &a->publish_soon);
}

/* Listing the guests asks libvirtd, which may be slow: in a worker, never on the loop. */
struct list_job {
	struct job j;
	struct agent *a;
	uint64_t now_ns;
	uint64_t seq;
	int retry;		/* the last listing failed: give the hypervisor a moment */
	int n;
	char cause[256];
	struct guest_info out[GUESTS_MAX];
};

static int
list_run(struct job *j)
{
	struct list_job *l = j->arg;

	if (l->retry)
		usleep(100000);
	return guests_list(&l->a->guests, l->out, GUESTS_MAX, &l->n, l->now_ns, l->cause,
	    sizeof(l->cause));
}

static void
list_done(struct job *j)
{
	struct list_job *l = j->arg;
	struct agent *a = l->a;
	int changed;

	if (j->rc < 0 && !a->guest.failing)
		log_warn("guests unknown: %s", l->cause);
	else if (j->rc == 0 && a->guest.failing)
		log_info("guests listed again through %s", a->guests.uri);
	a->guest.failing = j->rc < 0;
	/* a change is published now, not a sample later */
	changed = a->guest.n != (j->rc < 0 ? 0 : l->n);
	for (int i = 0; j->rc == 0 && i < l->n && i < a->guest.n; i++)
		if (strcmp(a->guest.list[i].name, l->out[i].name) != 0 ||
		    a->guest.list[i].state != l->out[i].state)
			changed = 1;
	a->guest.n = j->rc < 0 ? 0 : l->n;
	if (j->rc == 0) {
		memcpy(a->guest.list, l->out, sizeof(l->out[0]) * (size_t)l->n);
		gpool_reconcile(a);
	}
	a->guest.listing = 0;
	if (a->guest.relist) {
		a->guest.relist = 0;
		agent_list_now(a);	/* an event came while this one ran */
	}
	if (a->guest.waits != NULL) {
		/* someone waits for this listing: publish it now */
		agent_publish(a);
		guest_listed(a, l->seq, j->rc == 0);
	} else if (changed) {
		agent_publish(a);
	}
	free(l);
}

uint64_t
agent_list_now(struct agent *a)
{
	struct list_job *l;

	/* one runs: the one after it began after the caller's change */
	if (a->guest.listing)
		return a->guest.seq + 1;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return a->guest.seq + 1;
	l->a = a;
	l->now_ns = (uint64_t)(ev_time() * 1e9);
	l->seq = ++a->guest.seq;
	l->retry = a->guest.failing;
	l->j.fn = list_run;
	l->j.lane = WORKER_LIBVIRT;
	l->j.done = list_done;
	l->j.arg = l;
	if (worker_run(a->worker, &l->j) == 0) {
		a->guest.listing = 1;
	} else {
		free(l);
		a->guest.seq--;
	}
	return a->guest.seq + !a->guest.listing;
}

/* A guest changed, libvirt says: list them now. */
static void
agent_event_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct agent *a = w->data;

	(void)loop, (void)revents;
	if (a->guest.listing)
		a->guest.relist = 1;
	else
		agent_list_now(a);
}

static void
agent_sample(struct agent *a)
{
	/* the status shows the last listing; the next one is under way */
	agent_list_now(a);
	agent_publish(a);
}

/*
 * The loop's one tick, every sample period (a second; four times a systemd
 * watchdog period where that is shorter): the heartbeat thread hears that
 * the loop is alive, systemd's watchdog is petted, the node is sampled.
 * Watching is the heartbeat thread's, which wakes the loop only when a node
 * changed: an idle agent's loop wakes once a sample period.
 */
static void
agent_sample_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct agent *a = w->data;
	double tick = a->sample_ms / 1000.0, now = ev_now(loop);

	(void)revents;
	beat_loop_alive(&a->beat);
	service_beat(a, (int64_t)(now * 1e9));
	if (a->service.watchdog_ns > 0 && (double)a->service.watchdog_ns / 4e9 < tick)
		tick = (double)a->service.watchdog_ns / 4e9;
	if (w->repeat != tick) {
		w->repeat = tick;
		ev_timer_again(loop, w);
	}
	/* ticking faster for the watchdog: still sample once a period */
	if (now - a->sampled >= a->sample_ms / 1000.0 - tick / 2) {
		a->sampled = now;
		agent_sample(a);
	}
}

/* What systemctl status shows: the node, its epoch, what it has and runs. */
static void
agent_tell_status(struct agent *a)
{
	char text[128];
	int running = 0;

	for (int i = 0; i < a->guest.n; i++)
		running += a->guest.list[i].state == MINT__GUEST_STATE__GUEST_RUNNING;
	snprintf(text, sizeof(text), "node %u online, epoch %" PRIu32 ": %u cores, %d guests running",
	    a->node, a->epoch, (unsigned)a->status_now.ncores, running);
	service_status(a, text);
}

void
agent_publish(struct agent *a)
{
	struct ev_loop *loop = a->loop;
	struct status_in in = {
		.node = a->node, .epoch = a->epoch, .heartbeat_ms = a->heartbeat_ms,
		.uptime_ms = (uint64_t)((ev_now(loop) - a->started) * 1000),
		.watch = &a->watch, .chan = a->peers.chan, .region = &a->region,
		.now_ns = (int64_t)(ev_now(loop) * 1e9),
	};
	Mint__Tunnel **tunnels = NULL;
	size_t len, ntunnels;
	int rc;

	/* the peers' heartbeats as the thread saw them last period, not at the last change */
	agent_watch_sync(a);
	move_check_own(a);
	status_gather(&a->status, &in, &a->status_now);
	a->status_now.moves = a->move.hist;
	a->status_now.migrations = a->guest.hist;
	a->status_now.migs = a->guest.migs, a->status_now.nmigs = a->guest.nmigs;
	ntunnels = tunnel_status(a, &tunnels);
	rc = status_encode(&a->status_enc, &a->status_now, a->guest.list, a->guest.n,
	    a->status.migrating, tunnels, ntunnels, a->snapshot, sizeof(a->snapshot), &len);
	tunnel_status_free(tunnels, ntunnels);
	if (rc == 0) {
		a->snapshot_len = len;
		rc = node_publish_status(&a->region, a->node, a->snapshot, (uint32_t)len);
	}
	if (rc < 0)
		log_warn("status not published: %s", strerror(-rc));
	agent_tell_status(a);
}

static void
agent_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct agent *a = w->data;

	log_info("node %u: signal %d, leaving", a->node, w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/* What node reboot loads: the running kernel's image and initrd, unless told. */
static void
reboot_files(struct agent *a)
{
	static char kernel[300], initrd[300];
	struct utsname u;

	if (a->life.reboot_kernel != NULL || uname(&u) < 0)
		return;
	snprintf(kernel, sizeof(kernel), "/boot/vmlinuz-%s", u.release);
	a->life.reboot_kernel = kernel;
	snprintf(initrd, sizeof(initrd), "/boot/initrd.img-%s", u.release);
	if (a->life.reboot_initrd == NULL && access(initrd, R_OK) == 0)
		a->life.reboot_initrd = initrd;
}

/* The seam: a real node's sysfs, or the simulated machine's partitions. */
static void
backend_setup(struct agent *a, const struct agent_options *o)
{
	struct backend *b = &a->backend;
	const char *sim_root = o->sim_root;

	snprintf(b->sysfs, sizeof(b->sysfs), "%s", o->sysfs);
	if (o->cpuset_root != NULL)
		snprintf(b->cpuset_root, sizeof(b->cpuset_root), "%s", o->cpuset_root);
	if (o->memcg_root != NULL)
		snprintf(b->memcg_root, sizeof(b->memcg_root), "%s", o->memcg_root);
	if (o->irq != NULL)
		snprintf(b->irq, sizeof(b->irq), "%s", o->irq);
	if (o->core_map != NULL)
		snprintf(b->coremap, sizeof(b->coremap), "%s", o->core_map);

	if (b->irq[0] == '\0')
		snprintf(b->irq, sizeof(b->irq), "%s/irq", a->status.proc);
	if (a->status.mode == MINT__CORE_MODE__CORES_REAL) {
		b->ops = &backend_sysfs;
		/* a block handed to us may need a moment to appear; the donor waits move_ms */
		b->appear_ms = a->move.timeout_ms / 2;
		/* the module knows each present cpu's hardware id, offline ones too */
		if (b->coremap[0] == '\0' && strncmp(a->region_spec, "dev:", 4) == 0) {
			const char *name = strrchr(a->region_spec, '/');
			char path[BACKEND_PATH + 64];

			name = name != NULL ? name + 1 : a->region_spec + 4;
			snprintf(path, sizeof(path), "%s/class/misc/%s/cores", b->sysfs, name);
			if (access(path, R_OK) == 0 && strlen(path) < BACKEND_PATH)
				memcpy(b->coremap, path, strlen(path) + 1);
		}
		if (b->coremap[0] != '\0')
			a->status.coremap = b->coremap;
		return;
	}
	b->ops = &backend_sim;
	if (sim_root == NULL)
		return;
	if (b->cpuset_root[0] == '\0')
		snprintf(b->cpuset_root, sizeof(b->cpuset_root), "%s", sim_root);
	if (b->memcg_root[0] == '\0')
		snprintf(b->memcg_root, sizeof(b->memcg_root), "%s", sim_root);
	snprintf(b->dev_root, sizeof(b->dev_root), "%s", sim_root);
}


/* The options that become the context's settings. */
static void
agent_configure(struct agent *a, const struct agent_options *o)
{
	a->node = o->node;
	a->heartbeat_ms = o->heartbeat_ms;
	a->status.proc = o->proc;
	a->status.mode = o->mode;
	a->status.have_cores = o->have_cores;
	memcpy(a->status.cores, o->cores, sizeof(a->status.cores));
	a->ctl.fd = -1;
	a->request_ms = o->request_ms;
	a->move.timeout_ms = o->move_ms;
	a->libvirt_ms = o->libvirt_ms;
	a->life.boot_ms = o->boot_ms;
	a->move.mem_floor = o->mem_floor;
	a->ctl.max = o->ctl_max;
	a->ctl.max_uid = o->ctl_max_uid;
	a->ctl.timeout_ms = o->ctl_timeout_ms;
	a->life.allow_host_kexec = o->allow_host_kexec;
	a->life.start_hook = (char *)o->start_hook;
	a->life.stop_hook = o->stop_hook;
	a->life.reboot_kernel = (char *)o->kernel;
	a->life.reboot_initrd = (char *)o->initrd;
	a->life.region_phys = o->region_phys;
	a->life.region_phys_size = o->region_phys_size;
	a->tunnel_dir = o->tunnel_dir;
	a->libvirt_sock = o->libvirt_socket;
	a->region_spec = o->region;
	/* a simulated node runs no kexec-tools unless named: its kernel is the host's */
	a->life.kexec = (char *)(o->kexec != NULL ? o->kexec :
	    lifecycle_real_node(o->region) ? "kexec" : "stand-in");
	a->life.kexec_stand_in = strcmp(a->life.kexec, "stand-in") == 0;
	reboot_files(a);
	backend_setup(a, o);
}

int
agent_open(struct agent *a, const struct agent_options *o, char *cause, size_t len)
{
	char why[256];
	int rc;

	agent_configure(a, o);
	if ((rc = region_map(&a->region, o->region, 0, 0, why, sizeof(why))) < 0 ||
	    (rc = region_attach(&a->region, why, sizeof(why))) < 0)
		return cause_fail(cause, len, rc, "%s: %s", o->region, why);
	if (a->node >= a->region.layout.nodes)
		return cause_fail(cause, len, -EINVAL, "node %u: the region has nodes 0 to %u", a->node,
		    a->region.layout.nodes - 1);
	if (o->admin_group != NULL) {
		struct group *gr = getgrnam(o->admin_group);
		if (gr == NULL)
			return cause_fail(cause, len, -ENOENT, "admin group '%s' does not exist",
			    o->admin_group);
		a->ctl.admin_gid = gr->gr_gid;
		a->ctl.have_admin_gid = 1;
	}
	return 0;
}

/* The heartbeat thread: from attaching on, so that taking back a large boot's entries is no silence. */
static int
agent_beat(struct agent *a, const struct agent_options *o, char *cause, size_t len)
{
	unsigned hb_ms = o->heartbeat_ms, wedged = o->dead_after * o->heartbeat_ms * 10;
	int rc;

	/* the loop silent for 10 dead-after periods (at least 5 s) is wedged: go silent too */
	if ((rc = beat_start(&a->beat, &a->region, a->node, hb_ms,
	    (int64_t)(wedged < 5000 ? 5000 : wedged) * 1000000,
	    (int64_t)o->dead_after * o->heartbeat_ms * 1000000, agent_watch_changed, a)) < 0)
		return cause_fail(cause, len, rc, "node %u: no heartbeat thread: %s", a->node,
		    strerror(-rc));
	if (!a->beat.realtime)
		log_info("heartbeat without a real-time priority (no CAP_SYS_NICE): a starved host may "
		    "get this node declared dead");
	return 0;
}

static void
agent_timers(struct agent *a, const struct agent_options *o)
{
	a->started = ev_now(a->loop);
	ev_timer_init(&a->publish_soon, agent_publish_soon_cb, 0.02, 0);
	a->publish_soon.data = a;
	ev_async_init(&a->watch_wake, agent_watch_cb);
	a->watch_wake.data = a;
	ev_async_start(a->loop, &a->watch_wake);
	__atomic_store_n(&a->watch_armed, 1, __ATOMIC_RELEASE);
	/* what the thread saw before the loop could hear it */
	ev_async_send(a->loop, &a->watch_wake);
	a->sample_ms = o->sample_ms;
	ev_timer_init(&a->sample, agent_sample_cb, 0, o->sample_ms / 1000.0);
	a->sample.data = a;
	ev_timer_start(a->loop, &a->sample);
	ev_signal_init(&a->sigint, agent_signal_cb, SIGINT);
	a->sigint.data = a;
	ev_signal_start(a->loop, &a->sigint);
	ev_signal_init(&a->sigterm, agent_signal_cb, SIGTERM);
	a->sigterm.data = a;
	ev_signal_start(a->loop, &a->sigterm);
	ev_async_init(&a->guest.event_wake, agent_event_cb);
	a->guest.event_wake.data = a;
	ev_async_start(a->loop, &a->guest.event_wake);
}

int
agent_start(struct agent *a, const struct agent_options *o, char *cause, size_t len)
{
	int rc;

	if ((rc = node_attach(&a->region, a->node, MINT_NODE_ONLINE, (uint32_t)getpid(),
	    &a->epoch)) < 0)
		return cause_fail(cause, len, rc, "node %u: cannot attach: %s", a->node, strerror(-rc));
	service_journal(a);
	log_info("node %u online, epoch %" PRIu32 ", region generation %" PRIu32, a->node, a->epoch,
	    a->region.generation);
	if ((rc = agent_beat(a, o, cause, len)) < 0)
		return rc;
	guests_init(&a->guests, strcmp(o->uri, "none") == 0 ? NULL : o->uri);
	watch_init(&a->watch, a->node, (int64_t)o->dead_after * o->heartbeat_ms * 1000000);
	a->loop = EV_DEFAULT;
	if (ctl_open(a, o->socket, o->group) < 0)
		return cause_fail(cause, len, -errno, "control socket %s: %s", o->socket,
		    strerror(errno));
	if (peers_open(a) < 0)
		return cause_fail(cause, len, -EIO, "node %u: cannot reach the other nodes", a->node);
	a->backend.self = a->node;
	if ((rc = worker_new(a->loop, &a->worker)) < 0)
		return cause_fail(cause, len, rc, "node %u: no worker: %s", a->node, strerror(-rc));
	if (move_init(a) < 0)
		return cause_fail(cause, len, -EAGAIN, "node %u: moves cannot start", a->node);
	move_check_own(a);
	tunnel_init(a);
	agent_timers(a, o);
	if (o->metrics != NULL && (rc = metrics_http_open(a, o->metrics, cause, len)) < 0)
		return rc;
	if (guest_events_start(a) < 0)
		log_warn("no libvirt event loop: guests are listed at each sample only");
	return 0;
}

void
agent_close(struct agent *a)
{
	beat_stop(&a->beat);
	tunnel_shutdown(a);
	peers_close(a);
	ctl_close(a);
	(void)worker_free(a->worker);	/* -EBUSY: a call still hangs; the exit ends it */
	if (!a->guest.listing)
		guests_close(&a->guests);
	/* a kexec that returned: the agent comes back as a new kernel's would, with a new epoch */
	if (!a->life.reexec)
		node_set_state(&a->region, a->node, MINT_NODE_ABSENT);
	region_unmap(&a->region);
}
