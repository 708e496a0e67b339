/*
 * Guest requests: start, stop, destroy, define, and migration to another
 * node. libvirt calls run in worker threads; the loop answers when they are
 * done. A migration is peer to peer between the two nodes' hypervisors, with
 * the libvirt control connection and the migration data each carried by a
 * tunnel through the region (tunnel.c), or the data over TCP (--via tcp).
 */
#include <errno.h>
#include <stddef.h>
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
#include "common/cause.h"
#include "common/clock.h"
#include "common/log.h"
#include "shm/doorbell.h"
#include "shm/node.h"
#include "shm/resource.h"
#include "shm/stream.h"

#define PREPARE_MS	30000	/* a destination's first libvirt call may take seconds */

struct gjob {
	struct job j;
	struct gjob *next;	/* in a->guest.jobs */
	struct agent *a;
	struct reply_to rt;
	Mint__CommandKind kind;
	char name[64];
	char *xml;
	struct gop_info info;
	/* CMD_GUEST_PREPARE: what the source says of the guest */
	uint64_t memory, hv_version;
	uint64_t hv_here;	/* this node's hypervisor version */
	uint32_t vcpus;
	char emulator[256];
	char uuid[40];
};

struct migration {
	struct job j;
	struct agent *a;
	struct reply_to rt;
	char name[64];
	unsigned to;
	int via_tcp, cancelled;
	int dry_run;		/* every check, then stop before the first change */
	struct gop_mig opt;		/* live, bandwidth, auto-converge, post-copy allowed */
	uint64_t postcopy_after_ms, max_downtime_ms, timeout_ms;
	Mint__TimeoutAction timeout_action;
	struct gop_info info;
	struct tlisten *ctl, *data;
	char ctl_path[108], data_path[108], dconnuri[160], miguri[160];
	char dest_host[64];
	int64_t start_ns, copy_ns;	/* asked; the copy began */
	const char *phase;
	struct gop_job final;
	char warning[320];
	char still[96];		/* after a failure: where the guest is */

	/* steering while it copies: every tick, one libvirt call in a worker */
	ev_timer tick;
	struct job steer_j;
	struct gop_steer steer;		/* what the call in flight does */
	struct gop_job last;		/* the job as last read */
	void *conn;			/* the steering's libvirt connection */
	int steering, finished;		/* a call in flight; mig_finish ran (free when it lands) */
	int downtime_set, postcopy_now, postcopy_on, suspended, timed_out;
	int shared_memory;	/* asked: its RAM must be shared (it is not copied either way) */
	int slow;			/* ticks in a row dirtying as fast as it sends */
	uint64_t pass, pass_left;	/* the pass seen last, and what it began with */
	int stuck;			/* passes in a row that began with as much as the last */
	uint32_t throttle;		/* the most auto-converge took from the guest */
	int not_converging;
	uint64_t seq;			/* its record in a->guest.migs (0: a dry run, none) */
	int publishing;			/* done: listings on both nodes still to come */
	char done_msg[1024];
	char note[320];			/* what happened, for the consoles that follow */
};

#define TICK_S		0.5
#define SLOW_TICKS	4	/* 2 s dirtying as fast as it sends: not converging */

/*
 * Read your writes: a change to a guest is answered once a listing that began
 * after it is published, so the next command (guest start after define, stop
 * after migrate) finds the guest where it now is.
 */
struct list_wait {
	uint64_t want;			/* the listing that will do */
	int64_t since_ns;
	void (*fn)(struct agent *a, void *arg);
	void *arg;
	struct list_wait *next;
};

static int
guest_refresh(struct agent *a, void (*fn)(struct agent *, void *), void *arg)
{
	struct list_wait *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	w->want = agent_list_now(a);
	w->since_ns = doorbell_now_ns();
	w->next = a->guest.waits;
	a->guest.waits = w;
	return 0;
}

/* A hypervisor that does not answer (yet) is retried for LIST_WAIT_NS before we answer anyway. */
#define LIST_WAIT_NS	(5LL * 1000000000)

void
guest_listed(struct agent *a, uint64_t seq, int ok)
{
	struct list_wait **pp = &a->guest.waits, *w;
	int64_t now = doorbell_now_ns();

	while ((w = *pp) != NULL) {
		if (w->want > seq || (!ok && now - w->since_ns < LIST_WAIT_NS)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->fn(a, w->arg);
		free(w);
	}
	if (a->guest.waits != NULL)
		agent_list_now(a);
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
	if (j->page_size)
		mj->has_page_size = 1, mj->page_size = j->page_size;
	mj->has_iteration = 1, mj->iteration = j->iteration;
	mj->has_throttle_pct = 1, mj->throttle_pct = j->throttle_pct;
}

/* A migration's own figures on top of libvirt's. */
static void
job_fill_mig(Mint__Job *mj, const struct migration *m, const char *phase, const struct gop_job *j)
{
	job_fill(mj, m->name, phase, j);
	mj->has_not_converging = 1, mj->not_converging = m->not_converging;
	mj->has_postcopy = 1, mj->postcopy = m->postcopy_on;
	if (m->throttle > mj->throttle_pct)
		mj->throttle_pct = m->throttle;
	if (m->max_downtime_ms)
		mj->has_max_downtime_ms = 1, mj->max_downtime_ms = m->max_downtime_ms;
	if (m->note[0] != '\0')
		mj->note = (char *)m->note;
}

/* ---- start, stop, destroy, define, job, abort: one libvirt call each ---- */

static int
gjob_run(struct job *j)
{
	struct gjob *g = j->arg;
	const char *uri = g->a->guests.uri;

	switch (g->kind) {
	case MINT__COMMAND_KIND__CMD_GUEST_START: {
		int rc = gpool_claim(g->a, g->name, j->msg, sizeof(j->msg));

		if (rc < 0)
			return rc;
		if ((rc = gop_action(uri, GOP_START, g->name, j->msg, sizeof(j->msg))) < 0)
			gpool_release(g->a, g->name, "did not start");
		return rc;
	}
	case MINT__COMMAND_KIND__CMD_GUEST_STOP:
		return gop_action(uri, GOP_STOP, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_DESTROY:
		return gop_action(uri, GOP_DESTROY, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_UNDEFINE:
		return gop_action(uri, GOP_UNDEFINE, g->name, j->msg, sizeof(j->msg));
	case MINT__COMMAND_KIND__CMD_GUEST_DEFINE:
		return gop_define(uri, g->xml, g->name, sizeof(g->name), j->msg, sizeof(j->msg));
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

int
guest_busy(const struct agent *a, const char *name)
{
	for (const struct gjob *g = a->guest.jobs; g != NULL; g = g->next)
		if (g->kind == MINT__COMMAND_KIND__CMD_GUEST_START && strcmp(g->name, name) == 0)
			return 1;
	return a->status.migrating != NULL && strcmp(a->status.migrating, name) == 0;
}

static void prepare_done(struct gjob *g);
static void prepare_reply(struct gjob *g, int rc, const char *msg);

static void
gjob_free(struct agent *a, struct gjob *g)
{
	for (struct gjob **pp = &a->guest.jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	free(g->xml);
	free(g);
}

/* The change is in the published list: answer. */
static void
gjob_listed(struct agent *a, void *arg)
{
	struct gjob *g = arg;
	Mint__Reply r;

	mint__reply__init(&r);
	r.has_error = 1, r.error = g->j.rc;
	r.message = g->j.msg;
	agent_reply_with(a, &g->rt, &r);
	gjob_free(a, g);
}

static void
gjob_done(struct job *j)
{
	struct gjob *g = j->arg;
	struct agent *a = g->a;

	if (j->late) {
		/* answered at the deadline already */
		log_about(LOG_INFO, "GUEST", g->name,
		    "guest %s: libvirt answered after the deadline: %s", g->name, j->msg);
		free(g->xml);
		free(g);
		return;
	}
	if (g->kind == MINT__COMMAND_KIND__CMD_GUEST_PREPARE) {
		prepare_done(g);
		gjob_free(a, g);
		return;
	}
	if (j->rc < 0)
		log_about(LOG_INFO, "GUEST", g->name, "guest %s: %s", g->name, j->msg);
	else
		log_about(LOG_INFO, "GUEST", g->name, "%s", j->msg);
	if (j->rc < 0 || g->kind == MINT__COMMAND_KIND__CMD_GUEST_ABORT ||
	    guest_refresh(a, gjob_listed, g) < 0)
		gjob_listed(a, g);
}

/* libvirt did not answer in time, or no worker was free: say so now. */
static void
gjob_expired(struct job *j, int ran)
{
	struct gjob *g = j->arg;
	struct agent *a = g->a;
	unsigned running, waiting;
	double s = a->libvirt_ms / 1000.0;
	char msg[320];
	int rc;

	/*
	 * A call that ran may still be running on its thread, writing j and g:
	 * the answer is made of our own words, and g is left alone until it returns.
	 */
	worker_load(a->worker, WORKER_LIBVIRT, &running, &waiting);
	if (ran)
		rc = cause_fail(msg, sizeof(msg), -ETIMEDOUT, "node %u: libvirt %s did not answer "
		    "within %.1f s (is libvirtd hung?); what was asked may still happen when it does",
		    a->node, a->guests.uri, s);
	else
		rc = cause_fail(msg, sizeof(msg), -EBUSY, "node %u is busy: no libvirt worker free "
		    "within %.1f s (%u calls under way, %u waiting); nothing was done", a->node, s,
		    running, waiting);
	log_about(LOG_WARNING, "GUEST", g->name, "guest %s: %s", g->name, msg);
	/* out of a->guest.jobs now; a call still running keeps g until it returns */
	for (struct gjob **pp = &a->guest.jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	if (g->kind == MINT__COMMAND_KIND__CMD_GUEST_PREPARE) {
		prepare_reply(g, rc, msg);
	} else {
		Mint__Reply r;

		mint__reply__init(&r);
		r.has_error = 1, r.error = rc;
		r.message = msg;
		agent_reply_with(a, &g->rt, &r);
	}
	if (!ran) {
		free(g->xml);
		free(g);
	}
}

static int
gjob_start(struct agent *a, const struct reply_to *rt, const Mint__Command *cmd, const char *name,
    struct gjob **out, char *msg, size_t len)
{
	struct gjob *g = calloc(1, sizeof(*g));
	int rc;

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
	g->j.lane = WORKER_LIBVIRT;
	if ((rc = worker_run_until(a->worker, &g->j, a->libvirt_ms / 1000.0, gjob_expired)) < 0) {
		unsigned running, waiting;

		free(g->xml);
		free(g);
		worker_load(a->worker, WORKER_LIBVIRT, &running, &waiting);
		if (rc == -EBUSY)
			return cause_fail(msg, len, -EBUSY, "node %u is busy: %u libvirt calls "
			    "under way and %u waiting; try again later", a->node, running, waiting);
		return cause_fail(msg, len, -EAGAIN, "node %u: no worker thread", a->node);
	}
	/* listed, so that a console that leaves is forgotten */
	g->next = a->guest.jobs;
	a->guest.jobs = g;
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
	char msg[512];
	uint64_t mem, used = 0, ver = g->hv_here;
	unsigned cores;
	int rc = 0;

	/* gop_inspect ran for the name: -ENOENT is what we want, found means it is here */
	if (g->j.rc == 0 && g->info.active) {
		rc = -EEXIST;
		snprintf(msg, sizeof(msg), "node %u already runs a guest named %s", a->node, g->name);
		goto out;
	}
	/* libvirt would refuse another guest's definition of that name, less clearly */
	if (g->j.rc == 0 && g->uuid[0] != '\0' && strcmp(g->info.uuid, g->uuid) != 0) {
		rc = -EEXIST;
		snprintf(msg, sizeof(msg), "node %u has another guest named %s defined (shut off): "
		    "mint-console guest undefine %s --node %u, or rename one", a->node, g->name,
		    g->name, a->node);
		goto out;
	}
	if (g->j.rc < 0 && g->j.rc != -ENOENT) {
		rc = g->j.rc;
		snprintf(msg, sizeof(msg), "node %u: %s", a->node, g->j.msg);
		goto out;
	}
	node_share(a, &mem, &cores);
	for (int i = 0; i < GUESTS_MAX && a->guest.n > 0 && i < a->guest.n; i++)
		if (a->guest.list[i].state == MINT__GUEST_STATE__GUEST_RUNNING ||
		    a->guest.list[i].state == MINT__GUEST_STATE__GUEST_PAUSED)
			used += a->guest.list[i].memory_bytes;
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
	prepare_reply(g, rc, msg);
}

/* The destination's answer: rc and msg, its tunnel directory and its host name. */
static void
prepare_reply(struct gjob *g, int rc, const char *msg)
{
	struct agent *a = g->a;
	char host[64] = "";
	Mint__NodeStatus st;
	Mint__Reply r;

	mint__reply__init(&r);
	r.has_error = 1, r.error = rc;
	r.message = (char *)msg;
	r.text = (char *)a->tunnel_dir;
	mint__node_status__init(&st);
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		st.hostname = host;
	}
	r.status = &st;
	log_about(LOG_INFO, "GUEST", g->name, "guest %s from node %u: %s", g->name, g->rt.node,
	    msg);
	agent_reply_with(a, &g->rt, &r);
}

/* ---- the source: the migration ---- */

/* The record events see: a new one first, the oldest dropped. */
static void
mig_record(struct migration *m)
{
	struct guest_state *g = &m->a->guest;
	struct status_mig *r = &g->migs[0];

	memmove(&g->migs[1], &g->migs[0], sizeof(g->migs[0]) * (STATUS_MIGS - 1));
	g->nmigs += g->nmigs < STATUS_MIGS;
	memset(r, 0, sizeof(*r));
	r->seq = m->seq = ++g->mig_seq;
	snprintf(r->guest, sizeof(r->guest), "%s", m->name);
	r->to = m->to;
	snprintf(r->phase, sizeof(r->phase), "migrating");
	r->started_ms = clock_real_ms();
}

static struct status_mig *
mig_rec(struct migration *m)
{
	struct guest_state *g = &m->a->guest;

	for (size_t i = 0; m->seq != 0 && i < g->nmigs; i++)
		if (g->migs[i].seq == m->seq)
			return &g->migs[i];
	return NULL;
}

static void
mig_record_end(struct migration *m, const char *phase, const char *msg)
{
	struct status_mig *r = mig_rec(m);

	if (r == NULL)
		return;
	snprintf(r->phase, sizeof(r->phase), "%s", phase);
	r->ended_ms = clock_real_ms();
	if (m->final.data_total != 0)
		r->data_total = m->final.data_total, r->data_processed = m->final.data_processed;
	r->downtime_ms = m->final.have_downtime ? m->final.downtime_ms : 0;
	snprintf(r->message, sizeof(r->message), "%s", msg);
}

static void
mig_finish(struct migration *m, int rc, const char *msg)
{
	struct agent *a = m->a;
	const char *phase;
	Mint__Reply r;
	Mint__Job mj;

	ev_timer_stop(a->loop, &m->tick);
	if (m->ctl != NULL)
		tunnel_unlisten(a, m->ctl);
	if (m->data != NULL)
		tunnel_unlisten(a, m->data);
	m->final.elapsed_ms = (uint64_t)((doorbell_now_ns() - m->start_ns) / 1000000);
	if (!m->dry_run)
		status_hist_add(&a->guest.hist, m->final.elapsed_ms / 1000.0, rc < 0);
	mint__reply__init(&r);
	r.has_error = 1, r.error = rc;
	r.message = (char *)msg;
	phase = rc == 0 ? (m->dry_run ? "dry run" : "completed") : rc == -ECANCELED ? "cancelled" :
	    rc == -ETIMEDOUT ? "timed out" : "failed";
	job_fill_mig(&mj, m, phase, &m->final);
	mig_record_end(m, phase, msg);
	mj.has_total_ms = 1, mj.total_ms = m->final.elapsed_ms;
	r.job = &mj;
	if (m->warning[0] != '\0')
		r.text = m->warning;
	if (rc < 0)
		log_about(LOG_WARNING, "GUEST", m->name, "%s", msg);
	else
		log_about(LOG_INFO, "GUEST", m->name, "%s", msg);
	/* published before the answer: a console that asks next sees it no longer migrating */
	a->guest.mig = NULL;
	a->status.migrating = NULL;
	agent_publish(a);
	agent_reply_with(a, &m->rt, &r);
	m->finished = 1;
	if (!m->steering) {
		gop_close(&m->conn);
		free(m);
	}
}

/* ---- steering a migration that copies: limits, post-copy, timeout, convergence ---- */

static int
steer_run(struct job *j)
{
	struct migration *m = j->arg;

	return gop_steer(m->a->guests.uri, &m->conn, m->name, &m->steer, &m->last, j->msg,
	    sizeof(j->msg));
}

static void
steer_done(struct job *j)
{
	struct migration *m = j->arg;
	const struct gop_job *l = &m->last;
	struct status_mig *r;
	double secs;
	uint64_t dirty;

	m->steering = 0;
	if (m->finished) {
		gop_close(&m->conn);
		free(m);
		return;
	}
	if (j->rc == 0 && l->active && (r = mig_rec(m)) != NULL)
		r->data_total = l->data_total, r->data_processed = l->data_processed;
	secs = (double)(doorbell_now_ns() - m->copy_ns) / 1e9;
	if (j->rc < 0) {
		/* the job may be over already; a refused action is said once */
		if (m->steer.postcopy || m->steer.suspend || m->steer.max_downtime_ms) {
			snprintf(m->note, sizeof(m->note), "%s", j->msg);
			log_about(LOG_WARNING, "GUEST", m->name, "%s: %s", m->name, j->msg);
		}
		m->postcopy_now = 0;
		m->downtime_set |= m->steer.max_downtime_ms > 0;
		return;
	}
	if (m->steer.max_downtime_ms)
		m->downtime_set = 1;
	if (l->throttle_pct > m->throttle)
		m->throttle = l->throttle_pct;
	if (m->steer.postcopy) {
		m->postcopy_on = 1;
		m->phase = "post-copy";
		snprintf(m->note, sizeof(m->note), "switched to post-copy after %.1f s%s", secs,
		    m->timed_out ? " (timeout)" : "");
		log_about(LOG_INFO, "GUEST", m->name, "%s: %s", m->name, m->note);
	}
	if (m->steer.suspend) {
		m->suspended = 1;
		snprintf(m->note, sizeof(m->note), "timeout after %.1f s: guest paused so that the copy "
		    "finishes; it resumes on node %u", secs, m->to);
		log_about(LOG_INFO, "GUEST", m->name, "%s: %s", m->name, m->note);
	}
	/*
	 * Not converging: memory dirtied about as fast as it is sent, or pass after
	 * pass beginning with as much to send as the one before.
	 */
	dirty = l->dirty_rate * (l->page_size ? l->page_size : 4096);
	if (l->active && !m->postcopy_on && !m->suspended && l->iteration >= 2 &&
	    l->bytes_per_s > 0 && dirty * 10 >= l->bytes_per_s * 9)
		m->slow++;
	else
		m->slow = 0;
	if (l->active && l->iteration > m->pass) {
		if (m->pass >= 2 && l->data_remaining * 10 >= m->pass_left * 8)
			m->stuck++;
		else if (m->pass >= 2)
			m->stuck = 0;
		m->pass = l->iteration;
		m->pass_left = l->data_remaining;
	}
	if (m->postcopy_on || m->suspended)
		m->slow = 0, m->stuck = 0;
	if ((m->slow >= SLOW_TICKS || m->stuck >= 2) && !m->not_converging) {
		m->not_converging = 1;
		snprintf(m->note, sizeof(m->note), "not converging: the guest dirties %.1f MiB/s and "
		    "the copy sends %.1f MiB/s (pass %" PRIu64 ")%s", (double)dirty / 1048576.0,
		    (double)l->bytes_per_s / 1048576.0, l->iteration,
		    m->opt.auto_converge || m->opt.postcopy || m->timeout_ms ? "" :
		    "; --auto-converge, --postcopy or --timeout would end it");
		log_about(LOG_WARNING, "GUEST", m->name, "%s: %s", m->name, m->note);
	} else if (m->slow == 0 && m->stuck == 0 && m->not_converging && l->active) {
		m->not_converging = 0;
	}
}

static void
mig_tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct migration *m = (struct migration *)((char *)w - offsetof(struct migration, tick));
	uint64_t ms = (uint64_t)((doorbell_now_ns() - m->copy_ns) / 1000000);
	int running = m->last.active && m->last.data_processed > 0;

	if (m->steering)
		return;
	memset(&m->steer, 0, sizeof(m->steer));
	/* actions only on a job that copies: libvirt refuses them before */
	if (running && m->max_downtime_ms && !m->downtime_set)
		m->steer.max_downtime_ms = m->max_downtime_ms;
	if (running && m->opt.postcopy && !m->postcopy_on &&
	    (m->postcopy_now || (m->postcopy_after_ms && ms >= m->postcopy_after_ms)))
		m->steer.postcopy = 1;
	if (running && m->timeout_ms && !m->timed_out && ms >= m->timeout_ms) {
		m->timed_out = 1;
		if (m->timeout_action == MINT__TIMEOUT_ACTION__TIMEOUT_PAUSE && m->opt.live)
			m->steer.suspend = 1;
		else if (m->timeout_action == MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY && !m->postcopy_on)
			m->steer.postcopy = 1;
		else if (m->timeout_action == MINT__TIMEOUT_ACTION__TIMEOUT_ABORT)
			m->steer.abort = 1;
		log_about(LOG_INFO, "GUEST", m->name, "%s: timeout after %" PRIu64 " ms", m->name,
		    ms);
	}
	m->steer_j.fn = steer_run;
	m->steer_j.done = steer_done;
	m->steer_j.arg = m;
	m->steer_j.lane = WORKER_LIBVIRT;
	if (worker_run(m->a->worker, &m->steer_j) == 0)
		m->steering = 1;
	(void)loop, (void)revents;
}

static int
mig_run(struct job *j)
{
	struct migration *m = j->arg;
	struct gop_info now;
	char why[64];
	int rc;

	m->opt.dconnuri = m->dconnuri;
	m->opt.miguri = m->miguri;
	rc = gop_migrate(m->a->guests.uri, m->name, &m->opt, &m->final, j->msg, sizeof(j->msg));
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

/* One of the two nodes published its list after the migration. */
static void
mig_listed(struct agent *a, void *arg)
{
	struct migration *m = arg;

	if (--m->publishing == 0)
		mig_finish(m, 0, m->done_msg);
}

static void
mig_dest_listed(struct agent *a, void *arg, const Mint__Reply *r)
{
	struct migration *m = arg;

	if (r == NULL || (r->has_error && r->error < 0))
		log_about(LOG_WARNING, "GUEST", m->name,
		    "%s: node %u did not publish its guests at once: %s", m->name, m->to,
		    r == NULL ? "no answer" : r->message ? r->message : "refused");
	mig_listed(a, m);
}

static void
mig_done(struct job *j)
{
	struct migration *m = j->arg;
	char msg[1024];
	double secs = (double)(doorbell_now_ns() - m->start_ns) / 1e9;

	int rc = j->rc;

	if (rc == 0) {
		uint64_t bytes = m->final.data_processed;
		char throttle[48] = "";

		if (m->throttle)
			snprintf(throttle, sizeof(throttle), ", vCPUs throttled up to %u%%", m->throttle);
		snprintf(msg, sizeof(msg), "%s: migrated from node %u to node %u in %.1f s (downtime %"
		    PRIu64 " ms, %" PRIu64 " MiB sent, %.0f MiB/s, via %s%s%s%s)", m->name, m->a->node,
		    m->to, secs, m->final.downtime_ms, bytes >> 20,
		    secs > 0 ? (double)bytes / 1048576.0 / secs : 0, m->via_tcp ? "tcp" : "the region",
		    m->postcopy_on ? ", post-copy" : "", m->suspended ? ", paused at the timeout" : "",
		    throttle);
		/* answered once both nodes publish where the guest now is */
		Mint__Command c;

		gpool_hand(m->a, m->name, m->to);	/* the switch-over is behind us */
		ev_timer_stop(m->a->loop, &m->tick);
		snprintf(m->done_msg, sizeof(m->done_msg), "%s", msg);
		m->phase = "completed";
		m->publishing = 2;
		mint__command__init(&c);
		c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_REFRESH;
		c.name = m->name;
		if (peers_request(m->a, m->to, &c, 5000, mig_dest_listed, m) < 0)
			m->publishing--;
		if (guest_refresh(m->a, mig_listed, m) < 0)
			m->publishing--;
		if (m->publishing == 0)
			mig_finish(m, 0, m->done_msg);
		return;
	} else if (m->timed_out && !m->cancelled &&
	    m->timeout_action == MINT__TIMEOUT_ACTION__TIMEOUT_ABORT) {
		rc = -ETIMEDOUT;
		snprintf(msg, sizeof(msg), "%s: migration to node %u timed out after %.1f s and was "
		    "cancelled%s; %s", m->name, m->to, (double)m->timeout_ms / 1000,
		    m->not_converging ? " (it was not converging)" : "", m->still);
	} else {
		snprintf(msg, sizeof(msg), "%s: migration to node %u %s: %s; %s", m->name, m->to,
		    rc == -ECANCELED || m->cancelled ? "cancelled" : "failed", j->msg, m->still);
		if (m->cancelled)
			rc = -ECANCELED;
	}
	mig_finish(m, rc, msg);
}

static void
mig_prepared(struct agent *a, void *arg, const Mint__Reply *r)
{
	struct migration *m = arg;
	char msg[512], base[64];
	static unsigned seq;
	unsigned need, nfree;

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
	/* each connection takes two stream rings: control, data, and post-copy's own channel */
	need = 2 * (1 + !m->via_tcp + (m->opt.postcopy && !m->via_tcp));
	if ((nfree = stream_free_count(&a->region)) < need) {
		snprintf(msg, sizeof(msg), "%s: not migrated: it needs %u free stream rings and the "
		    "region has %u free of %u (a region formatted with more: mint-console format "
		    "streams=N)", m->name, need, nfree, a->region.layout.stream_count);
		mig_finish(m, -ENOSPC, msg);
		return;
	}
	if (m->dry_run) {
		/* checked here and on the destination; next come the tunnels: a change */
		snprintf(msg, sizeof(msg), "dry run: %s would migrate from node %u to node %u (%s, via "
		    "%s; %s); nothing was done", m->name, a->node, m->to, m->opt.live ? "live" : "paused",
		    m->via_tcp ? "tcp" : "the region", r->message ? r->message : "the destination agrees");
		mig_finish(m, 0, msg);
		return;
	}
	seq++;
	snprintf(base, sizeof(base), "mig-%u-%u", (unsigned)getpid(), seq);
	snprintf(m->ctl_path, sizeof(m->ctl_path), "%s/%s-ctl.sock", a->tunnel_dir, base);
	if (tunnel_listen(a, m->ctl_path, m->to, TUN_TARGET_LIBVIRT, NULL, &m->ctl, msg, sizeof(msg)) < 0) {
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
		if (tunnel_listen(a, m->data_path, m->to, name, NULL, &m->data, msg, sizeof(msg)) < 0) {
			mig_finish(m, -EIO, msg);
			return;
		}
		snprintf(m->miguri, sizeof(m->miguri), "unix://%s", m->data_path);
	}
	m->phase = "migrating";
	m->j.fn = mig_run;
	m->j.done = mig_done;
	m->j.arg = m;
	m->j.lane = WORKER_LIBVIRT;
	log_about(LOG_INFO, "GUEST", m->name, "%s: migrating to node %u (%s%s%s, data %s)", m->name,
	    m->to, m->opt.live ? "live" : "paused", m->opt.auto_converge ? ", auto-converge" : "",
	    m->opt.postcopy ? ", post-copy allowed" : "", m->miguri);
	if (worker_run(a->worker, &m->j) < 0) {
		mig_finish(m, -EAGAIN, "no worker thread for the migration");
		return;
	}
	m->copy_ns = doorbell_now_ns();
	ev_timer_init(&m->tick, mig_tick_cb, TICK_S, TICK_S);
	ev_timer_start(a->loop, &m->tick);
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
	if (m->info.shared_ram && m->opt.postcopy) {
		snprintf(msg, sizeof(msg), "%s: not migrated: its RAM is shared, and QEMU cannot "
		    "switch such a guest to post-copy: leave --postcopy out", m->name);
		mig_finish(m, -EINVAL, msg);
		return;
	}
	if (m->shared_memory && !m->info.shared_ram) {
		snprintf(msg, sizeof(msg), "%s: not migrated: its RAM is not in memory the nodes "
		    "share (a <mint:ram path=.../> in its metadata, with <memoryBacking> <source "
		    "type='file'/> <access mode='shared'/>: tests/guest/mkguest.sh --shared makes one)",
		    m->name);
		mig_finish(m, -EINVAL, msg);
		return;
	}
	/* virConnectGetVersion: major * 1000000 + minor * 1000 + micro */
	if (m->opt.live && m->info.emulated && m->info.hv_version > 0 &&
	    m->info.hv_version < 9000000)
		snprintf(m->warning, sizeof(m->warning), "warning: %s runs under TCG (no KVM) on QEMU "
		    "%" PRIu64 ".%" PRIu64 "; before 9.0 QEMU can lose pages the guest writes during a "
		    "live migration: use --paused where its memory matters", m->name,
		    m->info.hv_version / 1000000, m->info.hv_version / 1000 % 1000);
	m->phase = "preparing";
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_GUEST_PREPARE;
	c.name = m->name;
	c.has_size_bytes = 1, c.size_bytes = m->info.memory_bytes;
	c.has_cpu = 1, c.cpu = m->info.vcpus;
	c.emulator = m->info.emulator;
	c.uuid = m->info.uuid;
	c.has_hypervisor_version = 1, c.hypervisor_version = m->info.hv_version;
	if (peers_request(a, m->to, &c, PREPARE_MS, mig_prepared, m) < 0)
		mig_finish(m, -EIO, "cannot ask the destination");
}

#define MS_MAX	(7ULL * 24 * 3600 * 1000)	/* a week: any limit beyond is a typo */

/* The migration's options from a console or a peer: consistent and in range. */
static int
mig_options_ok(const Mint__Command *cmd, char *msg, size_t len)
{
	int live = !cmd->has_mode || cmd->mode == MINT__MIGRATE_MODE__MIGRATE_LIVE;
	int postcopy = cmd->has_postcopy && cmd->postcopy;
	int action = cmd->has_timeout_action ? (int)cmd->timeout_action : 0;

	if (cmd->has_mode && cmd->mode != MINT__MIGRATE_MODE__MIGRATE_LIVE &&
	    cmd->mode != MINT__MIGRATE_MODE__MIGRATE_PAUSED)
		return cause_fail(msg, len, -EINVAL, "migrate: unknown mode %d", (int)cmd->mode);
	if (!live && ((cmd->has_auto_converge && cmd->auto_converge) || postcopy))
		return cause_fail(msg, len, -EINVAL, "migrate: --auto-converge and --postcopy are "
		    "for a live migration, not --paused");
	if ((cmd->has_auto_converge_initial && cmd->auto_converge_initial > 99) ||
	    (cmd->has_auto_converge_increment && cmd->auto_converge_increment > 99))
		return cause_fail(msg, len, -EINVAL,
		    "migrate: auto-converge takes 1 to 99 percent");
	if (((cmd->has_auto_converge_initial && cmd->auto_converge_initial) ||
	    (cmd->has_auto_converge_increment && cmd->auto_converge_increment)) &&
	    !(cmd->has_auto_converge && cmd->auto_converge))
		return cause_fail(msg, len, -EINVAL,
		    "migrate: auto-converge percentages need --auto-converge");
	if (cmd->has_postcopy_after_ms && cmd->postcopy_after_ms > 0 && !postcopy)
		return cause_fail(msg, len, -EINVAL, "migrate: a post-copy delay needs --postcopy");
	if ((cmd->has_postcopy_after_ms && cmd->postcopy_after_ms > MS_MAX) ||
	    (cmd->has_timeout_ms && cmd->timeout_ms > MS_MAX))
		return cause_fail(msg, len, -EINVAL, "migrate: a time limit of more than a week");
	if (cmd->has_max_downtime_ms && (cmd->max_downtime_ms == 0 ||
	    cmd->max_downtime_ms > 3600000))
		return cause_fail(msg, len, -EINVAL,
		    "migrate: the maximum downtime is 1 ms to an hour");
	if (action < MINT__TIMEOUT_ACTION__TIMEOUT_ABORT ||
	    action > MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY)
		return cause_fail(msg, len, -EINVAL, "migrate: unknown timeout action %d", action);
	if (action != MINT__TIMEOUT_ACTION__TIMEOUT_ABORT && !(cmd->has_timeout_ms &&
	    cmd->timeout_ms > 0))
		return cause_fail(msg, len, -EINVAL, "migrate: a timeout action needs --timeout");
	if (action == MINT__TIMEOUT_ACTION__TIMEOUT_POSTCOPY && !postcopy)
		return cause_fail(msg, len, -EINVAL, "migrate: switching to post-copy at the "
		    "timeout needs --postcopy");
	if (cmd->has_shared_memory && cmd->shared_memory && postcopy)
		return cause_fail(msg, len, -EINVAL, "migrate: --postcopy cannot be with "
		    "--shared-memory (QEMU: post-copy is not compatible with ignore-shared)");
	if (action == MINT__TIMEOUT_ACTION__TIMEOUT_PAUSE && !live)
		return cause_fail(msg, len, -EINVAL,
		    "migrate: a --paused migration is paused already");
	return 0;
}

/* A peer asked for our list after a migration: it is published. */
static void
refresh_listed(struct agent *a, void *arg)
{
	struct reply_to *rt = arg;
	Mint__Reply r;
	char msg[96];

	snprintf(msg, sizeof(msg), "node %u: guests published", a->node);
	mint__reply__init(&r);
	r.has_error = 1, r.error = 0;
	r.message = msg;
	agent_reply_with(a, rt, &r);
	free(rt);
}

static int
handle_migrate(struct agent *a, const struct reply_to *rt, const Mint__Command *cmd, char *msg,
    size_t len)
{
	struct migration *m;
	struct node_view v;
	int rc;

	if (!cmd->has_to_node || cmd->to_node >= a->region.layout.nodes || cmd->to_node == a->node)
		return cause_fail(msg, len, -EINVAL,
		    "migrate: give another node as the destination");
	if (node_read(&a->region, cmd->to_node, &v) < 0 || v.state != MINT_NODE_ONLINE)
		return cause_fail(msg, len, -EHOSTDOWN, "node %u is not online", cmd->to_node);
	if (a->guest.mig != NULL)
		return cause_fail(msg, len, -EBUSY, "node %u is already migrating %s", a->node,
		    a->guest.mig->name);
	if ((rc = mig_options_ok(cmd, msg, len)) < 0)
		return rc;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->a = a;
	m->rt = *rt;
	snprintf(m->name, sizeof(m->name), "%s", cmd->name);
	m->to = cmd->to_node;
	m->opt.live = !cmd->has_mode || cmd->mode == MINT__MIGRATE_MODE__MIGRATE_LIVE;
	m->via_tcp = cmd->has_via_tcp && cmd->via_tcp;
	m->dry_run = cmd->has_dry_run && cmd->dry_run;
	m->opt.bandwidth_mib = cmd->has_bandwidth ? cmd->bandwidth : 0;
	m->opt.auto_converge = cmd->has_auto_converge && cmd->auto_converge;
	m->opt.ac_initial = cmd->has_auto_converge_initial ? cmd->auto_converge_initial : 0;
	m->opt.ac_increment = cmd->has_auto_converge_increment ? cmd->auto_converge_increment : 0;
	m->opt.postcopy = cmd->has_postcopy && cmd->postcopy;
	m->shared_memory = cmd->has_shared_memory && cmd->shared_memory;
	m->postcopy_after_ms = cmd->has_postcopy_after_ms ? cmd->postcopy_after_ms : 0;
	m->max_downtime_ms = cmd->has_max_downtime_ms ? cmd->max_downtime_ms : 0;
	m->timeout_ms = cmd->has_timeout_ms ? cmd->timeout_ms : 0;
	m->timeout_action = cmd->has_timeout_action ? cmd->timeout_action :
	    MINT__TIMEOUT_ACTION__TIMEOUT_ABORT;
	m->start_ns = doorbell_now_ns();
	m->phase = "checking";
	m->j.fn = mig_inspect;
	m->j.done = mig_inspected;
	m->j.arg = m;
	m->j.lane = WORKER_LIBVIRT;
	if (worker_run(a->worker, &m->j) < 0) {
		free(m);
		return cause_fail(msg, len, -EAGAIN, "node %u: no worker thread", a->node);
	}
	a->guest.mig = m;
	a->status.migrating = m->name;
	if (!m->dry_run)
		mig_record(m);
	agent_republish(a);
	return HANDLE_LATER;
}

int
handle_guest(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	struct gjob *g;
	int rc;

	if (a->guests.uri == NULL && cmd->kind != MINT__COMMAND_KIND__CMD_GUEST_REFRESH &&
	    cmd->kind != MINT__COMMAND_KIND__CMD_GUEST_JOB)
		return cause_fail(msg, len, -EOPNOTSUPP,
		    "node %u runs no hypervisor (mint-agent --connect none)",
		    a->node);
	if (cmd->kind == MINT__COMMAND_KIND__CMD_GUEST_DEFINE) {
		if (!cmd->has_data || cmd->data.len == 0 || cmd->data.len > (1u << 20) ||
		    memchr(cmd->data.data, '\0', cmd->data.len) != NULL)
			return cause_fail(msg, len, -EINVAL, "define: the guest definition must be "
			    "XML text of at most 1 MiB");
		return gjob_start(a, rt, cmd, NULL, NULL, msg, len);
	}
	if (!gop_name_ok(cmd->name))
		return cause_fail(msg, len, -EINVAL, "'%s' is not a guest name",
		    cmd->name ? cmd->name : "");
	switch (cmd->kind) {
	case MINT__COMMAND_KIND__CMD_GUEST_MIGRATE:
		return handle_migrate(a, rt, cmd, msg, len);
	case MINT__COMMAND_KIND__CMD_GUEST_JOB: {
		/* from what the migration's own tick read last: no libvirt call per console */
		static Mint__Job mj;

		if (a->guest.mig == NULL || strcmp(a->guest.mig->name, cmd->name) != 0)
			return cause_fail(msg, len, -ENOENT, "node %u is not migrating %s", a->node,
			    cmd->name);
		job_fill_mig(&mj, a->guest.mig, a->guest.mig->phase, &a->guest.mig->last);
		if (a->guest.mig->warning[0] != '\0')
			reply->text = a->guest.mig->warning;
		reply->job = &mj;
		snprintf(msg, len, "%s: %s", cmd->name, a->guest.mig->phase);
		return 0;
	}
	case MINT__COMMAND_KIND__CMD_GUEST_POSTCOPY:
		if (a->guest.mig == NULL || strcmp(a->guest.mig->name, cmd->name) != 0)
			return cause_fail(msg, len, -ENOENT, "node %u is not migrating %s", a->node,
			    cmd->name);
		if (!a->guest.mig->opt.postcopy)
			return cause_fail(msg, len, -EINVAL, "%s: its migration did not allow "
			    "post-copy (start it with --postcopy)", cmd->name);
		if (a->guest.mig->postcopy_on) {
			snprintf(msg, len, "%s: post-copy already", cmd->name);
			return 0;
		}
		a->guest.mig->postcopy_now = 1;
		snprintf(msg, len, "%s: switching to post-copy", cmd->name);
		return 0;
	case MINT__COMMAND_KIND__CMD_GUEST_ABORT:
		if (a->guest.mig == NULL || strcmp(a->guest.mig->name, cmd->name) != 0)
			return cause_fail(msg, len, -ENOENT, "node %u is not migrating %s", a->node,
			    cmd->name);
		if (a->guest.mig->postcopy_on || a->guest.mig->publishing)
			return cause_fail(msg, len, -EBUSY, "%s runs on node %u already%s: its "
			    "migration cannot be cancelled", cmd->name, a->guest.mig->to,
			    a->guest.mig->postcopy_on ? " (post-copy)" : "");
		a->guest.mig->cancelled = 1;
		if (strcmp(a->guest.mig->phase, "migrating") != 0) {
			snprintf(msg, len, "%s: migration cancelled", cmd->name);
			return 0;
		}
		return gjob_start(a, rt, cmd, cmd->name, NULL, msg, len);
	case MINT__COMMAND_KIND__CMD_GUEST_REFRESH: {
		struct reply_to *w;

		if ((w = malloc(sizeof(*w))) == NULL)
			return -ENOMEM;
		*w = *rt;
		if (guest_refresh(a, refresh_listed, w) < 0) {
			free(w);
			return -ENOMEM;
		}
		return HANDLE_LATER;
	}
	case MINT__COMMAND_KIND__CMD_GUEST_PREPARE:
		if ((rc = gjob_start(a, rt, cmd, cmd->name, &g, msg, len)) != HANDLE_LATER)
			return rc;
		g->memory = cmd->has_size_bytes ? cmd->size_bytes : 0;
		g->vcpus = cmd->has_cpu ? cmd->cpu : 0;
		g->hv_version = cmd->has_hypervisor_version ? cmd->hypervisor_version : 0;
		snprintf(g->emulator, sizeof(g->emulator), "%s", cmd->emulator ? cmd->emulator : "");
		snprintf(g->uuid, sizeof(g->uuid), "%s", cmd->uuid ? cmd->uuid : "");
		if (g->emulator[0] != '\0' && g->emulator[0] != '/')
			g->emulator[0] = '\0';
		return rc;
	default:
		if (a->guest.mig != NULL && strcmp(a->guest.mig->name, cmd->name) == 0)
			return cause_fail(msg, len, -EBUSY, "%s is being migrated", cmd->name);
		return gjob_start(a, rt, cmd, cmd->name, NULL, msg, len);
	}
}

/* A console left: whatever it asked is still done, but nobody is told. */
void
guest_forget(struct agent *a, struct client *c)
{
	for (struct gjob *g = a->guest.jobs; g != NULL; g = g->next)
		if (g->rt.client == c)
			g->rt.client = NULL, g->rt.node = MINT_NO_NODE;
	if (a->guest.mig != NULL && a->guest.mig->rt.client == c)
		a->guest.mig->rt.client = NULL, a->guest.mig->rt.node = MINT_NO_NODE;
}
