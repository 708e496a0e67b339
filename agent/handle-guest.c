/*
 * Guest requests: start, stop, destroy, define, and migration to another
 * node. libvirt calls run in worker threads; the loop answers when they are
 * done. A migration is peer to peer between the two nodes' hypervisors, with
 * the libvirt control connection and the migration data each carried by a
 * tunnel through the region (tunnel.c), or the data over TCP (--via tcp).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/guest-ops.h"
#include "agent/tunnel.h"
#include "agent/worker.h"
#include "common/log.h"
#include "shm/doorbell.h"
#include "shm/node.h"
#include "shm/resource.h"

#define PREPARE_MS	30000	/* a destination's first libvirt call may take seconds */

struct gjob {
	struct job j;
	struct gjob *next;	/* in a->gjobs */
	struct agent *a;
	struct reply_to rt;
	Mint__CommandKind kind;
	char name[64];
	char *xml;
	struct gop_job job;
	struct gop_info info;
	/* CMD_GUEST_PREPARE: what the source says of the guest */
	uint64_t memory, hv_version;
	uint64_t hv_here;	/* this node's hypervisor version */
	uint32_t vcpus;
	char emulator[256];
};

struct migration {
	struct job j;
	struct agent *a;
	struct reply_to rt;
	char name[64];
	unsigned to;
	int live, via_tcp, cancelled;
	uint64_t bandwidth;
	struct gop_info info;
	struct tlisten *ctl, *data;
	char ctl_path[108], data_path[108], dconnuri[160], miguri[160];
	char dest_host[64];
	int64_t start_ns;
	const char *phase;
	struct gop_job final;
	char warning[320];
	char still[96];		/* after a failure: where the guest is */
};

/* Send a full reply to whoever asked (a console, or a node). */
static void
reply_to(struct agent *a, const struct reply_to *rt, Mint__Reply *r)
{
	if (rt->client != NULL)
		ctl_send_reply(rt->client, rt->id, r);
	else if (rt->node < a->region.layout.nodes && rt->node != a->node)
		peers_reply(a, rt->node, rt->id, r);
}

static void
job_fill(Mint__Job *mj, const char *name, const char *phase, const struct gop_job *j)
{
	mint__job__init(mj);
	mj->guest = (char *)name;
	mj->phase = (char *)phase;
	mj->has_elapsed_ms = 1, mj->elapsed_ms = j->elapsed_ms;
	mj->has_data_total = 1, mj->data_total = j->data_total;
	mj->has_data_processed = 1, mj->data_processed = j->data_processed;
	mj->has_data_remaining = 1, mj->data_remaining = j->data_remaining;
	mj->has_dirty_rate = 1, mj->dirty_rate = j->dirty_rate;
	mj->has_bytes_per_s = 1, mj->bytes_per_s = j->bytes_per_s;
	if (j->have_downtime)
		mj->has_downtime_ms = 1, mj->downtime_ms = j->downtime_ms;
}

/* ---- start, stop, destroy, define, job, abort: one libvirt call each ---- */

static int
gjob_run(struct job *j)
{
	struct gjob *g = j->arg;
	const char *uri = g->a->guests.uri;

	switch (g->kind) {
	case MINT__COMMAND_KIND__CMD_GUEST_START:
		return gop_action(uri, GOP_START, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_STOP:
		return gop_action(uri, GOP_STOP, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_DESTROY:
		return gop_action(uri, GOP_DESTROY, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_DEFINE:
		return gop_define(uri, g->xml, g->name, sizeof(g->name), j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_JOB:
		return gop_job(uri, g->name, &g->job, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_ABORT:
		return gop_abort(uri, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_PREPARE: {
		/* here the guest must not exist yet; and the hypervisor must answer */
		char why[256];
		int rc = gop_inspect(uri, g->name, &g->info, j->msg, sizeof(j->msg));

		if ((rc == 0 || rc == -ENOENT) &&
		    gop_hv_version(uri, &g->hv_here, why, sizeof(why)) < 0) {
			snprintf(j->msg, sizeof(j->msg), "%s", why);
			return -ECONNREFUSED;
		}
		return rc;
	}
	default:
		return -EOPNOTSUPP;
	}
}

static void prepare_done(struct gjob *g);

static void
gjob_done(struct job *j)
{
	struct gjob *g = j->arg;
	struct agent *a = g->a;
	Mint__Reply r;
	Mint__Job mj;

	if (g->kind == MINT__COMMAND_KIND__CMD_GUEST_PREPARE) {
		prepare_done(g);
	} else {
		mint__reply__init(&r);
		r.has_error = 1, r.error = j->rc;
		r.message = j->msg;
		if (g->kind == MINT__COMMAND_KIND__CMD_GUEST_JOB && j->rc == 0) {
			job_fill(&mj, g->name, a->mig != NULL ? a->mig->phase : "none", &g->job);
			if (a->mig != NULL && a->mig->warning[0] != '\0')
				r.text = a->mig->warning;
			r.job = &mj;
			snprintf(j->msg, sizeof(j->msg), "%s: %s", g->name, mj.phase);
		}
		if (j->rc < 0)
			log_info("guest %s: %s", g->name, j->msg);
		else if (g->kind != MINT__COMMAND_KIND__CMD_GUEST_JOB)
			log_info("%s", j->msg);
		/* the list in the status shows the change at the next heartbeat */
		if (g->kind != MINT__COMMAND_KIND__CMD_GUEST_JOB)
			a->republish = 1;
		reply_to(a, &g->rt, &r);
	}
	for (struct gjob **pp = &a->gjobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	free(g->xml);
	free(g);
}

static int
gjob_start(struct agent *a, const struct reply_to *rt, const Mint__Command *cmd, const char *name,
    struct gjob **out, char *msg, size_t len)
{
	struct gjob *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return -ENOMEM;
	g->a = a;
	g->rt = *rt;
	g->kind = cmd->kind;
	snprintf(g->name, sizeof(g->name), "%s", name != NULL ? name : "");
	g->j.fn = gjob_run;
	g->j.done = gjob_done;
	g->j.arg = g;
	if (out != NULL)
		*out = g;
	if (cmd->kind == MINT__COMMAND_KIND__CMD_GUEST_DEFINE &&
	    (g->xml = strndup((const char *)cmd->data.data, cmd->data.len)) == NULL) {
		free(g);
		return -ENOMEM;
	}
	if (worker_run(&g->j) < 0) {
		free(g->xml);
		free(g);
		return snprintf(msg, len, "node %u: no worker thread", a->node), -EAGAIN;
	}
	/* listed, so that a console that leaves is forgotten */
	g->next = a->gjobs;
	a->gjobs = g;
	return HANDLE_LATER;
}

/* ---- the destination: may this guest come here? ---- */

/* Memory the table gives this node, and its cores (0, 0 where there is no table). */
static void
node_share(struct agent *a, uint64_t *mem, unsigned *cores)
{
	*mem = 0, *cores = 0;
	for (unsigned i = 0; i < a->region.layout.res_count; i++) {
		struct res_view v;

		if (res_read(&a->region, i, &v) < 0 || v.owner != a->node || v.state != MINT_RS_OWNED)
			continue;
		if (v.kind == MINT_RES_MEM)
			*mem += v.size;
		else if (v.kind == MINT_RES_CPU)
			(*cores)++;
	}
	if (*mem == 0)
		*mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	if (*cores == 0)
		*cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
}

static void
prepare_done(struct gjob *g)
{
	struct agent *a = g->a;
	char msg[512], host[64] = "";
	uint64_t mem, used = 0, ver = g->hv_here;
	unsigned cores;
	int rc = 0;
	Mint__NodeStatus st;
	Mint__Reply r;

	/* gop_inspect ran for the name: -ENOENT is what we want, found means it is here */
	if (g->j.rc == 0 && g->info.active) {
		rc = -EEXIST;
		snprintf(msg, sizeof(msg), "node %u already runs a guest named %s", a->node, g->name);
		goto out;
	}
	if (g->j.rc < 0 && g->j.rc != -ENOENT) {
		rc = g->j.rc;
		snprintf(msg, sizeof(msg), "node %u: %s", a->node, g->j.msg);
		goto out;
	}
	node_share(a, &mem, &cores);
	for (int i = 0; i < GUESTS_MAX && a->guests_n > 0 && i < a->guests_n; i++)
		if (a->guest_list[i].state == MINT__GUEST_STATE__GUEST_RUNNING ||
		    a->guest_list[i].state == MINT__GUEST_STATE__GUEST_PAUSED)
			used += a->guest_list[i].memory_bytes;
	if (used + g->memory > mem) {
		rc = -ENOMEM;
		snprintf(msg, sizeof(msg), "node %u has %" PRIu64 " MiB for guests and %" PRIu64
		    " MiB in use; %s needs %" PRIu64 " MiB", a->node, mem >> 20, used >> 20, g->name,
		    g->memory >> 20);
		goto out;
	}
	if (g->vcpus > cores) {
		rc = -ENOSPC;
		snprintf(msg, sizeof(msg), "node %u has %u core%s; %s has %u vCPUs", a->node, cores,
		    cores == 1 ? "" : "s", g->name, g->vcpus);
		goto out;
	}
	if (g->emulator[0] != '\0' && access(g->emulator, X_OK) != 0) {
		rc = -ENOENT;
		snprintf(msg, sizeof(msg), "node %u has no emulator %s", a->node, g->emulator);
		goto out;
	}
	if (g->hv_version != 0 && ver != g->hv_version) {
		rc = -EPROTO;
		snprintf(msg, sizeof(msg), "node %u runs hypervisor version %" PRIu64 ", the source %"
		    PRIu64 ": migration between different emulators is refused", a->node, ver,
		    g->hv_version);
		goto out;
	}
	snprintf(msg, sizeof(msg), "node %u can take %s (%" PRIu64 " of %" PRIu64 " MiB free)",
	    a->node, g->name, (mem - used) >> 20, mem >> 20);
out:
	mint__reply__init(&r);
	r.has_error = 1, r.error = rc;
	r.message = msg;
	r.text = (char *)a->tunnel_dir;
	mint__node_status__init(&st);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		st.hostname = host;
	}
	r.status = &st;
	log_info("guest %s from node %u: %s", g->name, g->rt.node, msg);
	reply_to(a, &g->rt, &r);
}

/* ---- the source: the migration ---- */

static void
mig_finish(struct migration *m, int rc, const char *msg)
{
	struct agent *a = m->a;
	Mint__Reply r;
	Mint__Job mj;

	if (m->ctl != NULL)
		tunnel_unlisten(a, m->ctl);
	if (m->data != NULL)
		tunnel_unlisten(a, m->data);
	m->final.elapsed_ms = (uint64_t)((doorbell_now_ns() - m->start_ns) / 1000000);
	mint__reply__init(&r);
	r.has_error = 1, r.error = rc;
	r.message = (char *)msg;
	job_fill(&mj, m->name, rc == 0 ? "completed" : rc == -ECANCELED ? "cancelled" : "failed",
	    &m->final);
	mj.has_total_ms = 1, mj.total_ms = m->final.elapsed_ms;
	r.job = &mj;
	if (m->warning[0] != '\0')
		r.text = m->warning;
	if (rc < 0)
		log_warn("%s", msg);
	else
		log_info("%s", msg);
	reply_to(a, &m->rt, &r);
	a->mig = NULL;
	a->status.migrating = NULL;
	a->republish = 1;
	free(m);
}

static int
mig_run(struct job *j)
{
	struct migration *m = j->arg;
	struct gop_info now;
	char why[64];
	int rc;

	rc = gop_migrate(m->a->guests.uri, m->name, m->dconnuri, m->miguri, m->bandwidth, m->live,
	    &m->final, j->msg, sizeof(j->msg));
	if (rc < 0) {
		/* say where the guest is now */
		if (gop_inspect(m->a->guests.uri, m->name, &now, why, sizeof(why)) == 0 && now.active)
			snprintf(m->still, sizeof(m->still), "%s still runs on node %u", m->name,
			    m->a->node);
		else
			snprintf(m->still, sizeof(m->still), "%s is no longer running on node %u", m->name,
			    m->a->node);
	}
	return rc;
}

static void
mig_done(struct job *j)
{
	struct migration *m = j->arg;
	char msg[1024];
	double secs = (double)(doorbell_now_ns() - m->start_ns) / 1e9;

	if (j->rc == 0) {
		uint64_t bytes = m->final.data_processed;
		snprintf(msg, sizeof(msg), "%s: migrated from node %u to node %u in %.1f s (downtime %"
		    PRIu64 " ms, %" PRIu64 " MiB sent, %.0f MiB/s, via %s)", m->name, m->a->node, m->to,
		    secs, m->final.downtime_ms, bytes >> 20, secs > 0 ? (double)bytes / 1048576.0 / secs : 0,
		    m->via_tcp ? "tcp" : "the region");
	} else {
		snprintf(msg, sizeof(msg), "%s: migration to node %u %s: %s; %s", m->name, m->to,
		    j->rc == -ECANCELED || m->cancelled ? "cancelled" : "failed", j->msg, m->still);
	}
	mig_finish(m, j->rc == 0 ? 0 : m->cancelled ? -ECANCELED : j->rc, msg);
}

static void
mig_prepared(struct agent *a, void *arg, const Mint__Reply *r)
{
	struct migration *m = arg;
	char msg[512], base[64];
	static unsigned seq;

	if (r == NULL || (r->has_error && r->error < 0)) {
		snprintf(msg, sizeof(msg), "%s: not migrated: %s", m->name,
		    r == NULL ? "the destination did not answer" : r->message ? r->message : "refused");
		mig_finish(m, r == NULL ? -ETIMEDOUT : r->error, msg);
		return;
	}
	if (m->cancelled) {
		mig_finish(m, -ECANCELED, "migration cancelled before it began");
		return;
	}
	if (!m->via_tcp && (r->text == NULL || strcmp(r->text, a->tunnel_dir) != 0)) {
		snprintf(msg, sizeof(msg), "%s: not migrated: node %u keeps tunnel sockets in %s and "
		    "node %u in %s; the migration socket must have one name on both", m->name, m->to,
		    r->text ? r->text : "?", a->node, a->tunnel_dir);
		mig_finish(m, -EINVAL, msg);
		return;
	}
	if (m->via_tcp && (r->status == NULL || r->status->hostname == NULL)) {
		mig_finish(m, -EINVAL, "not migrated: the destination did not say its host name");
		return;
	}
	seq++;
	snprintf(base, sizeof(base), "mig-%u-%u", (unsigned)getpid(), seq);
	snprintf(m->ctl_path, sizeof(m->ctl_path), "%s/%s-ctl.sock", a->tunnel_dir, base);
	if (tunnel_listen(a, m->ctl_path, m->to, TUN_TARGET_LIBVIRT, &m->ctl, msg, sizeof(msg)) < 0) {
		mig_finish(m, -EIO, msg);
		return;
	}
	snprintf(m->dconnuri, sizeof(m->dconnuri), "qemu+unix:///system?socket=%s", m->ctl_path);
	if (m->via_tcp) {
		snprintf(m->miguri, sizeof(m->miguri), "tcp://%s", r->status->hostname);
	} else {
		char name[80];

		snprintf(name, sizeof(name), "%s-data.sock", base);
		snprintf(m->data_path, sizeof(m->data_path), "%s/%s", a->tunnel_dir, name);
		if (tunnel_listen(a, m->data_path, m->to, name, &m->data, msg, sizeof(msg)) < 0) {
			mig_finish(m, -EIO, msg);
			return;
		}
		snprintf(m->miguri, sizeof(m->miguri), "unix://%s", m->data_path);
	}
	m->phase = "migrating";
	m->j.fn = mig_run;
	m->j.done = mig_done;
	m->j.arg = m;
	log_info("%s: migrating to node %u (%s, data %s)", m->name, m->to,
	    m->live ? "live" : "paused", m->miguri);
	if (worker_run(&m->j) < 0)
		mig_finish(m, -EAGAIN, "no worker thread for the migration");
}

static int
mig_inspect(struct job *j)
{
	struct migration *m = j->arg;

	return gop_inspect(m->a->guests.uri, m->name, &m->info, j->msg, sizeof(j->msg));
}

static void
mig_inspected(struct job *j)
{
	struct migration *m = j->arg;
	struct agent *a = m->a;
	Mint__Command c;
	char msg[512];

	if (j->rc < 0) {
		snprintf(msg, sizeof(msg), "%s: not migrated: %s", m->name, j->msg);
		mig_finish(m, j->rc, msg);
		return;
	}
	if (!m->info.active) {
		snprintf(msg, sizeof(msg), "%s is not running on node %u: start it, or define it on "
		    "node %u", m->name, a->node, m->to);
		mig_finish(m, -EINVAL, msg);
		return;
	}
	if (m->cancelled) {
		mig_finish(m, -ECANCELED, "migration cancelled before it began");
		return;
	}
	if (m->live && m->info.emulated)
		snprintf(m->warning, sizeof(m->warning), "warning: %s runs under TCG (no KVM); QEMU "
		    "before 9.0 can lose pages the guest writes during a live migration: use --paused "
		    "where its memory matters", m->name);
	m->phase = "preparing";
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_PREPARE;
	c.name = m->name;
	c.has_size_bytes = 1, c.size_bytes = m->info.memory_bytes;
	c.has_cpu = 1, c.cpu = m->info.vcpus;
	c.emulator = m->info.emulator;
	c.has_hypervisor_version = 1, c.hypervisor_version = m->info.hv_version;
	if (peers_request(a, m->to, &c, PREPARE_MS, mig_prepared, m) < 0)
		mig_finish(m, -EIO, "cannot ask the destination");
}

static int
handle_migrate(struct agent *a, const struct reply_to *rt, const Mint__Command *cmd, char *msg,
    size_t len)
{
	struct migration *m;
	struct node_view v;

	if (!cmd->has_to_node || cmd->to_node >= a->region.layout.nodes || cmd->to_node == a->node)
		return snprintf(msg, len, "migrate: give another node as the destination"), -EINVAL;
	if (node_read(&a->region, cmd->to_node, &v) < 0 || v.state != MINT_NODE_ONLINE)
		return snprintf(msg, len, "node %u is not online", cmd->to_node), -EHOSTDOWN;
	if (a->mig != NULL)
		return snprintf(msg, len, "node %u is already migrating %s", a->node, a->mig->name),
		    -EBUSY;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->a = a;
	m->rt = *rt;
	snprintf(m->name, sizeof(m->name), "%s", cmd->name);
	m->to = cmd->to_node;
	m->live = !cmd->has_mode || cmd->mode == MINT__MIGRATE_MODE__MIGRATE_LIVE;
	m->via_tcp = cmd->has_via_tcp && cmd->via_tcp;
	m->bandwidth = cmd->has_bandwidth ? cmd->bandwidth : 0;
	m->start_ns = doorbell_now_ns();
	m->phase = "checking";
	m->j.fn = mig_inspect;
	m->j.done = mig_inspected;
	m->j.arg = m;
	if (worker_run(&m->j) < 0) {
		free(m);
		return snprintf(msg, len, "node %u: no worker thread", a->node), -EAGAIN;
	}
	a->mig = m;
	a->status.migrating = m->name;
	a->republish = 1;
	return HANDLE_LATER;
}

int
handle_guest(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	struct gjob *g;
	int rc;

	if (cmd->kind == MINT__COMMAND_KIND__CMD_GUEST_DEFINE) {
		if (!cmd->has_data || cmd->data.len == 0 || cmd->data.len > (1u << 20) ||
		    memchr(cmd->data.data, '\0', cmd->data.len) != NULL)
			return snprintf(msg, len, "define: the guest definition must be XML text of at most "
			    "1 MiB"), -EINVAL;
		return gjob_start(a, rt, cmd, NULL, NULL, msg, len);
	}
	if (!gop_name_ok(cmd->name))
		return snprintf(msg, len, "'%s' is not a guest name", cmd->name ? cmd->name : ""),
		    -EINVAL;
	switch (cmd->kind) {
	case MINT__COMMAND_KIND__CMD_GUEST_MIGRATE:
		return handle_migrate(a, rt, cmd, msg, len);
	case MINT__COMMAND_KIND__CMD_GUEST_JOB:
		if (a->mig == NULL || strcmp(a->mig->name, cmd->name) != 0)
			return snprintf(msg, len, "node %u is not migrating %s", a->node, cmd->name),
			    -ENOENT;
		if (strcmp(a->mig->phase, "migrating") != 0) {
			/* no libvirt job yet: say where we are */
			static Mint__Job mj;
			static struct gop_job none;
			job_fill(&mj, a->mig->name, a->mig->phase, &none);
			reply->job = &mj;
			snprintf(msg, len, "%s: %s", cmd->name, a->mig->phase);
			return 0;
		}
		return gjob_start(a, rt, cmd, cmd->name, NULL, msg, len);
	case MINT__COMMAND_KIND__CMD_GUEST_ABORT:
		if (a->mig == NULL || strcmp(a->mig->name, cmd->name) != 0)
			return snprintf(msg, len, "node %u is not migrating %s", a->node, cmd->name),
			    -ENOENT;
		a->mig->cancelled = 1;
		if (strcmp(a->mig->phase, "migrating") != 0)
			return snprintf(msg, len, "%s: migration cancelled", cmd->name), 0;
		return gjob_start(a, rt, cmd, cmd->name, NULL, msg, len);
	case MINT__COMMAND_KIND__CMD_GUEST_PREPARE:
		if (rt->client != NULL)
			return snprintf(msg, len, "prepare is a request between agents"), -EPERM;
		if ((rc = gjob_start(a, rt, cmd, cmd->name, &g, msg, len)) != HANDLE_LATER)
			return rc;
		g->memory = cmd->has_size_bytes ? cmd->size_bytes : 0;
		g->vcpus = cmd->has_cpu ? cmd->cpu : 0;
		g->hv_version = cmd->has_hypervisor_version ? cmd->hypervisor_version : 0;
		snprintf(g->emulator, sizeof(g->emulator), "%s", cmd->emulator ? cmd->emulator : "");
		if (g->emulator[0] != '\0' && g->emulator[0] != '/')
			g->emulator[0] = '\0';
		return rc;
	default:
		if (a->mig != NULL && strcmp(a->mig->name, cmd->name) == 0)
			return snprintf(msg, len, "%s is being migrated", cmd->name), -EBUSY;
		return gjob_start(a, rt, cmd, cmd->name, NULL, msg, len);
	}
}

/* A console left: whatever it asked is still done, but nobody is told. */
void
guest_forget(struct agent *a, struct client *c)
{
	for (struct gjob *g = a->gjobs; g != NULL; g = g->next)
		if (g->rt.client == c)
			g->rt.client = NULL, g->rt.node = MINT_NO_NODE;
	if (a->mig != NULL && a->mig->rt.client == c)
		a->mig->rt.client = NULL, a->mig->rt.node = MINT_NO_NODE;
}
