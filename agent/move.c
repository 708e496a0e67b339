/*
 * Moving a core, a memory block or a device from one node to another, as
 * modelled in agent/handover.pml (the same steps, the same names):
 *
 *   donor (coordinates)               table                  receiver
 *   check the rules                   OWNED(d)
 *   cas                               RELEASING(d, peer r)
 *   take it down in its kernel
 *   cas                               FREE(peer r)
 *   cas                               CLAIMING(r, peer d)
 *   send claim  ------------------------------------------>  bring it up
 *                                     OWNED(r, peer d)       cas
 *   reply to the console  <--------------------------------  reply
 *
 * Failures: the donor refuses or cannot take it down -> back to OWNED(d);
 * the receiver cannot bring it up -> it says so, the donor takes it back;
 * the receiver does not answer -> FENCED(r) until a reclaim. A node found dead
 * has its resources fenced by whoever sees it first; a receiver whose donor
 * died after handing over finishes the claim itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/guests.h"
#include "agent/worker.h"
#include "common/cause.h"
#include "common/clock.h"
#include "common/log.h"
#include "shm/node.h"

enum move_role {
	ROLE_DONOR,		/* takes it down, hands it over, answers the console */
	ROLE_RECEIVER,		/* brings it up */
	ROLE_TAKEBACK,		/* the donor brings it up again after a failed hand-over */
};

struct move {
	struct agent *a;
	struct move *next;
	enum move_role role;
	struct reply_to rt[2];	/* who to answer at the end (a repeated claim too) */
	int nrt;
	unsigned res;		/* table entry */
	struct res_view v;	/* as read at the start */
	uint64_t word;		/* the entry's word as this move last set it */
	unsigned donor, receiver;
	int64_t started_ns;
	char what[64];		/* "cpu 3" */
	char why[256];		/* the receiver's reason, for a take-back */
	struct job job;
	int alone;		/* a receiver's claim with nobody to give it back to */
	int dry;		/* --dry-run: every check, then answer; nothing changes */
};

/*
 * Every step goes to the log with the epochs the entry now records. Tests:
 * MINT_TEST_DIE_AT=NODE:STEP makes node NODE's agent die right there, like a crash.
 */
static void
step(struct agent *a, const char *name, const struct move *m)
{
	struct res_view v;
	char *end;

	if (res_read(&a->region, m->res, &v) == 0)
		log_about(LOG_INFO, "RESOURCE", m->what,
		    "%s: %s (node %u epoch %" PRIu32 ", node %u epoch %" PRIu32 ", gen %" PRIu32 ")",
		    m->what, name, m->donor, v.owner_epoch, m->receiver, v.peer_epoch, v.gen);
	if (a->move.die_at != NULL && strtoul(a->move.die_at, &end, 10) == a->node && *end == ':' &&
	    strcmp(end + 1, name) == 0) {
		log_warn("dying at step '%s' as MINT_TEST_DIE_AT asks", name);
		raise(SIGKILL);
	}
}

static uint32_t
epoch_of(const struct agent *a, unsigned node)
{
	if (node == a->node)
		return a->epoch;
	if (node < MINT_MAX_NODES && a->watch.peer[node].epoch != 0)
		return a->watch.peer[node].epoch;
	return node < a->region.layout.nodes ? region_node(&a->region, node)->epoch : 0;
}

/* Every change of a move records the epochs of its two sides: donor, receiver. */
static int
cas(struct move *m, uint32_t state, unsigned owner, unsigned peer)
{
	struct agent *a = m->a;

	return res_move(&a->region, m->res, &m->word, state, owner, peer, epoch_of(a, m->donor),
	    epoch_of(a, m->receiver));
}

static struct move *
move_new(struct agent *a, enum move_role role, unsigned res, const struct res_view *v,
    const struct reply_to *rt)
{
	struct move *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->a = a;
	m->role = role;
	m->res = res;
	m->v = *v;
	m->word = v->word;
	m->started_ns = (int64_t)clock_mono_ns();
	res_describe(v, m->what, sizeof(m->what));
	if (rt != NULL)
		m->rt[m->nrt++] = *rt;
	m->next = a->move.list;
	a->move.list = m;
	return m;
}

static struct move *
move_of(struct agent *a, unsigned res)
{
	for (struct move *m = a->move.list; m != NULL; m = m->next)
		if (m->res == res)
			return m;
	return NULL;
}

/* Answer whoever asked, and forget the move. */
static void
move_end(struct move *m, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
move_end(struct move *m, int rc, const char *fmt, ...)
{
	struct agent *a = m->a;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rc < 0)
		log_about(LOG_WARNING, "RESOURCE", m->what, "%s", msg);
	else
		log_about(LOG_INFO, "RESOURCE", m->what, "%s", msg);
	/* counted once, where the move was asked (the donor; the receiver of a free one) */
	if (!m->dry && m->donor == a->node)
		status_hist_add(&a->move.hist, (double)(clock_mono_ns() - m->started_ns) / 1e9, rc < 0);
	for (int i = 0; i < m->nrt; i++)
		agent_reply(a, &m->rt[i], rc, msg);
	agent_republish(a);	/* the node's status shows it now, not a sample later */
	for (struct move **pp = &a->move.list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	free(m);
}

static void
job_start(struct move *m, int up, void (*done)(struct job *))
{
	m->job.backend = &m->a->backend;
	m->job.res = m->v;
	m->job.node = m->a->node;
	m->job.up = up;
	m->job.done = done;
	m->job.arg = m;
	if (worker_run(m->a->worker, &m->job) < 0) {
		/* no thread: do it here, the loop waits */
		m->job.rc = backend_apply(m->job.backend, &m->job.res, m->job.node, up, m->job.msg,
		    sizeof(m->job.msg));
		done(&m->job);
	}
}

static double
secs(const struct move *m)
{
	return (double)((int64_t)clock_mono_ns() - m->started_ns) / 1e9;
}

/* ---- the receiver ---- */

static void receiver_done(struct job *j);

static void
receiver_undone(struct job *j)
{
	struct move *m = j->arg;

	move_end(m, -ESTALE, "%s: fenced or taken back while node %u brought it up; taken down "
	    "again%s%s", m->what, m->a->node, j->rc < 0 ? ", but: " : "", j->rc < 0 ? j->msg : "");
}

static void
receiver_done(struct job *j)
{
	struct move *m = j->arg;
	struct agent *a = m->a;
	char w[96];

	if (j->rc < 0) {
		/* nothing is used; with no donor to take it back, it goes free */
		if (m->alone && cas(m, MINT_RS_FREE, MINT_NO_NODE, a->node) == 0)
			step(a, "free", m);
		move_end(m, j->rc, "node %u could not bring %s up: %s", a->node, m->what, j->msg);
		return;
	}
	step(a, "online", m);
	if (cas(m, MINT_RS_OWNED, a->node, m->donor) < 0) {
		struct res_view v;
		res_read(&a->region, m->res, &v);
		if (v.state == MINT_RS_OWNED && v.owner == a->node) {
			move_end(m, 0, "%s is on node %u", m->what, a->node);
			return;
		}
		/* the donor gave up on us (timeout, fence): we must not keep it */
		res_where(&v, 1, w, sizeof(w));
		log_about(LOG_WARNING, "RESOURCE", m->what,
		    "%s: %s before the claim finished: taking it down again", m->what, w);
		m->v.state = v.state;
		job_start(m, 0, receiver_undone);
		return;
	}
	step(a, "owned", m);
	if (m->donor == MINT_NO_NODE)
		snprintf(w, sizeof(w), "claimed by node %u", a->node);
	else
		snprintf(w, sizeof(w), "moved from node %u to node %u", m->donor, a->node);
	move_end(m, 0, "%s %s in %.2f s", m->what, w, secs(m));
}

/* Bring up an entry that says CLAIMING for this node; alone: nobody gives it back. */
static int
receiver_start(struct agent *a, unsigned res, const struct res_view *v, const struct reply_to *rt,
    int alone)
{
	struct move *m = move_new(a, ROLE_RECEIVER, res, v, rt);

	if (m == NULL)
		return -ENOMEM;
	m->donor = v->peer;
	m->receiver = a->node;
	m->alone = alone;
	step(a, "claim", m);
	job_start(m, 1, receiver_done);
	return HANDLE_LATER;
}

int
handle_claim(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	struct res_view v;
	struct move *m;
	char what[64], w[96];

	if (!cmd->has_resource || res_read(&a->region, cmd->resource, &v) < 0)
		return cause_fail(msg, len, -EINVAL, "claim of an entry the table does not have");
	res_describe(&v, what, sizeof(what));
	if ((m = move_of(a, cmd->resource)) != NULL && m->role == ROLE_RECEIVER && m->nrt < 2) {
		m->rt[m->nrt++] = *rt;	/* already on it: answer both at the end */
		return HANDLE_LATER;
	}
	if (v.state == MINT_RS_OWNED && v.owner == a->node) {
		snprintf(msg, len, "%s is on node %u", what, a->node);
		return 0;
	}
	if (v.state != MINT_RS_CLAIMING || v.owner != a->node || m != NULL) {
		res_where(&v, 1, w, sizeof(w));
		return cause_fail(msg, len, -ESTALE, "%s is %s, not being handed to node %u", what,
		    w, a->node);
	}
	return receiver_start(a, cmd->resource, &v, rt, 0);
}

/* ---- the donor ---- */

static void takeback_done(struct job *j);

static void
takeback_done(struct job *j)
{
	struct move *m = j->arg;
	struct agent *a = m->a;

	if (j->rc < 0) {
		cas(m, MINT_RS_FENCED, a->node, m->receiver);
		move_end(m, j->rc, "node %u could not take %s (%s), and node %u could not bring "
		    "it back (%s): it is fenced until `mint-console node reclaim`", m->receiver, m->what,
		    m->why, a->node, j->msg);
		return;
	}
	if (cas(m, MINT_RS_OWNED, a->node, MINT_NO_NODE) < 0) {
		move_end(m, -ESTALE, "%s: the table changed while node %u took it back",
		    m->what, a->node);
		return;
	}
	step(a, "taken-back", m);
	move_end(m, -EIO, "node %u could not take %s: %s; it is back on node %u", m->receiver,
	    m->what, m->why, a->node);
}

/* The receiver did not bring it up: take it back (it is not in use anywhere). */
static void
takeback(struct move *m, const char *why)
{
	struct agent *a = m->a;

	snprintf(m->why, sizeof(m->why), "%s", why);
	if (cas(m, MINT_RS_CLAIMING, a->node, m->receiver) < 0) {
		struct res_view v;
		char w[96];

		res_read(&a->region, m->res, &v);
		if (v.state == MINT_RS_OWNED && v.owner == m->receiver) {
			move_end(m, 0, "%s moved from node %u to node %u in %.2f s", m->what,
			    a->node, m->receiver, secs(m));
			return;
		}
		res_where(&v, 1, w, sizeof(w));
		move_end(m, -ESTALE, "node %u could not take %s (%s); it is now %s", m->receiver,
		    m->what, why, w);
		return;
	}
	m->role = ROLE_TAKEBACK;
	step(a, "taking-back", m);
	job_start(m, 1, takeback_done);
}

static void
donor_claimed(struct agent *a, void *arg, const Mint__Reply *r)
{
	struct move *m = arg;
	struct res_view v;
	char w[96];

	if (r != NULL && (!r->has_error || r->error == 0)) {
		move_end(m, 0, "%s moved from node %u to node %u in %.2f s", m->what, a->node,
		    m->receiver, secs(m));
		return;
	}
	if (r != NULL) {	/* it says it did not bring it up: safe to take back */
		takeback(m, r->message != NULL ? r->message : strerror(-r->error));
		return;
	}
	/* no answer: it may be using it, or not; nobody else may until an operator decides */
	if (cas(m, MINT_RS_FENCED, m->receiver, a->node) == 0) {
		step(a, "fenced", m);
		move_end(m, -ETIMEDOUT, "node %u did not answer within %d ms: %s is fenced until "
		    "`mint-console node reclaim %u` (or until that node's agent comes back)",
		    m->receiver, a->move.timeout_ms, m->what, m->receiver);
		return;
	}
	res_read(&a->region, m->res, &v);
	if (v.state == MINT_RS_OWNED && v.owner == m->receiver) {
		move_end(m, 0, "%s moved from node %u to node %u in %.2f s (the answer was late)",
		    m->what, a->node, m->receiver, secs(m));
		return;
	}
	res_where(&v, 1, w, sizeof(w));
	move_end(m, -ETIMEDOUT, "node %u did not answer within %d ms; %s is now %s", m->receiver,
	    a->move.timeout_ms, m->what, w);
}

static void
donor_released(struct job *j)
{
	struct move *m = j->arg;
	struct agent *a = m->a;
	Mint__Command c;
	struct res_view v;
	char w[96];
	int rc;

	if (j->rc < 0) {
		/* refused or failed: the backend left it up; it stays here */
		if (cas(m, MINT_RS_OWNED, a->node, MINT_NO_NODE) < 0) {
			res_read(&a->region, m->res, &v);
			res_where(&v, 1, w, sizeof(w));
			move_end(m, j->rc, "node %u refused to release %s: %s; meanwhile it "
			    "became %s", a->node, m->what, j->msg, w);
			return;
		}
		step(a, "refused", m);
		move_end(m, j->rc, "node %u refused to release %s: %s; it stays on node %u",
		    a->node, m->what, j->msg, a->node);
		return;
	}
	step(a, "offline", m);
	if (cas(m, MINT_RS_FREE, MINT_NO_NODE, m->receiver) < 0) {
		/* fenced meanwhile (somebody thought us dead): it stays down */
		res_read(&a->region, m->res, &v);
		res_where(&v, 1, w, sizeof(w));
		move_end(m, -ESTALE, "%s became %s while node %u released it; it is down here",
		    m->what, w, a->node);
		return;
	}
	step(a, "free", m);
	if (cas(m, MINT_RS_CLAIMING, m->receiver, a->node) < 0) {
		res_read(&a->region, m->res, &v);
		res_where(&v, 1, w, sizeof(w));
		move_end(m, -ESTALE, "%s was taken while free: it is %s", m->what, w);
		return;
	}
	step(a, "claiming", m);
	mint__command__init(&c);
	c.has_kind = 1, c.kind = MINT__COMMAND_KIND__CMD_RES_CLAIM;
	c.has_resource = 1, c.resource = m->res;
	c.has_epoch = 1, c.epoch = a->epoch;
	if ((rc = peers_request(a, m->receiver, &c, a->move.timeout_ms, donor_claimed, m)) < 0)
		takeback(m, rc == -EHOSTDOWN ? "it went down" : strerror(-rc));
}

/* Count what node owns (OWNED only: what is leaving already does not count). */
static void
owned(const struct agent *a, unsigned node, unsigned *cores, uint64_t *mem)
{
	*cores = 0;
	*mem = 0;
	for (unsigned i = 0; i < a->region.layout.res_count; i++) {
		struct res_view v;
		if (res_read(&a->region, i, &v) < 0 || v.state != MINT_RS_OWNED || v.owner != node)
			continue;
		if (v.kind == MINT_RES_CPU)
			(*cores)++;
		else if (v.kind == MINT_RES_MEM)
			*mem += v.size;
	}
}

static const uint32_t kind_of_cmd[] = {
	[MINT__COMMAND_KIND__CMD_CPU_MOVE] = MINT_RES_CPU,
	[MINT__COMMAND_KIND__CMD_MEM_MOVE] = MINT_RES_MEM,
	[MINT__COMMAND_KIND__CMD_DEV_MOVE] = MINT_RES_DEV,
};

/* The rules a move must keep; 0 or -errno with the reason. */
static int
move_rules(struct agent *a, const struct res_view *v, uint64_t gone, const char *what, char *msg,
    size_t len)
{
	unsigned cores;
	uint64_t mem;

	owned(a, a->node, &cores, &mem);
	mem = mem > gone ? mem - gone : 0;	/* a dry run's earlier blocks, as if gone */
	switch (v->kind) {
	case MINT_RES_CPU:
		if (v->index == 0)
			return cause_fail(msg, len, -EPERM,
			    "cpu 0 is the boot CPU: it never moves");
		/* a kernel may run on cores the table does not list (a VM's boot cores) */
		if (cores < 2 && (a->backend.ops->cores_up == NULL ||
		    a->backend.ops->cores_up(&a->backend) < 2))
			return cause_fail(msg, len, -EPERM,
			    "node %u would have no core left: a node keeps at least one",
			    a->node);
		break;
	case MINT_RES_MEM:
		if (mem < v->size || mem - v->size < a->move.mem_floor)
			return cause_fail(msg, len, -EPERM,
			    "node %u keeps at least %" PRIu64 " MiB of memory: it has %"
			    PRIu64 " MiB, %s is %" PRIu64 " MiB", a->node, a->move.mem_floor >> 20, mem >> 20,
			    what, v->size >> 20);
		break;
	case MINT_RES_DEV:
		break;		/* whether a guest uses it: libvirt is asked in a worker (dev_check) */
	}
	return 0;
}

/*
 * A device leaves only if no running guest uses it, and only libvirt can say:
 * asked in a worker (a hung libvirtd must not stall the loop), with the
 * libvirt timeout; no answer, or no way to ask, refuses the move. The entry
 * stays OWNED meanwhile, the move listed so that nobody else moves it.
 */
struct dev_check {
	struct job j;
	struct move *m;		/* NULL once answered at the deadline */
	const char *uri;
	char dev[64];
	char alias[8][BACKEND_ALIAS_LEN];	/* on a real node: what else it goes by */
	const char *devs[10];			/* dev, its aliases, NULL */
	char guest[64];
	char cause[256];
};

static int
dev_check_run(struct job *j)
{
	struct dev_check *c = j->arg;

	return guests_device_user(c->uri, c->devs, c->guest, sizeof(c->guest), c->cause,
	    sizeof(c->cause));
}

static void
dev_check_done(struct job *j)
{
	struct dev_check *c = j->arg;
	struct move *m = c->m;
	struct agent *a;

	if (j->late || m == NULL) {
		log_info("device check of %s: libvirt answered after the deadline (%s); the move "
		    "was refused then", c->dev, j->rc < 0 ? c->cause : "ignored");
		free(c);
		return;
	}
	a = m->a;
	if (j->rc == 1) {
		move_end(m, -EBUSY, "%s is in use by running guest %s: stop or migrate it first",
		    m->what, c->guest);
	} else if (j->rc < 0) {
		move_end(m, j->rc, "%s not moved: %s, so whether a running guest uses it is unknown "
		    "(a node without a hypervisor runs mint-agent --connect none)", m->what, c->cause);
	} else if (m->dry) {
		move_end(m, 0, "dry run: %s would move from node %u to node %u; nothing was done "
		    "(no running guest uses it)", m->what, m->donor, m->receiver);
	} else if (cas(m, MINT_RS_RELEASING, a->node, m->receiver) < 0) {
		move_end(m, -EAGAIN, "%s changed meanwhile: try again", m->what);
	} else {
		step(a, "releasing", m);
		job_start(m, 0, donor_released);
	}
	free(c);
}

static void
dev_check_expired(struct job *j, int ran)
{
	struct dev_check *c = j->arg;
	struct move *m = c->m;
	double s = m->a->libvirt_ms / 1000.0;
	unsigned running, waiting;

	c->m = NULL;
	if (ran) {
		/* the call hangs on: its thread ends when libvirt answers, c with it */
		move_end(m, -ETIMEDOUT, "%s not moved: libvirt %s did not answer within %.1f s, so "
		    "whether a running guest uses it is unknown; nothing changed", m->what, c->uri, s);
		return;
	}
	worker_load(m->a->worker, WORKER_LIBVIRT, &running, &waiting);
	move_end(m, -EBUSY, "%s not moved: node %u's libvirt calls (%u under way) left none free "
	    "within %.1f s; nothing changed", m->what, m->a->node, running, s);
	free(c);
}

static int
dev_check(struct move *m, char *msg, size_t len)
{
	struct agent *a = m->a;
	struct dev_check *c = calloc(1, sizeof(*c));
	unsigned running, waiting;
	int rc, n;

	if (c == NULL) {
		m->nrt = 0;
		move_end(m, -ENOMEM, "%s: out of memory", m->what);
		return cause_fail(msg, len, -ENOMEM, "out of memory");
	}
	c->m = m;
	c->uri = a->guests.uri;
	snprintf(c->dev, sizeof(c->dev), "%s", m->v.name);
	c->devs[0] = c->dev;
	/* a guest may name a real node's NIC or disk by its interface, its disk or its PCI function */
	n = a->backend.ops == &backend_sysfs ? backend_dev_aliases(a->backend.sysfs, c->dev,
	    c->alias, 8) : 0;
	for (int i = 0; i < n; i++)
		c->devs[1 + i] = c->alias[i];
	c->devs[1 + n] = NULL;
	c->j.fn = dev_check_run;
	c->j.done = dev_check_done;
	c->j.arg = c;
	c->j.lane = WORKER_LIBVIRT;
	if ((rc = worker_run_until(a->worker, &c->j, a->libvirt_ms / 1000.0, dev_check_expired)) < 0) {
		free(c);
		worker_load(a->worker, WORKER_LIBVIRT, &running, &waiting);
		snprintf(msg, len, "node %u is busy: %u libvirt calls under way and %u waiting; %s "
		    "not moved, try again", a->node, running, waiting, m->what);
		m->nrt = 0;	/* answered by the caller */
		move_end(m, rc, "%s", msg);
		return rc == -EBUSY ? -EBUSY : -EAGAIN;
	}
	log_about(LOG_INFO, "RESOURCE", m->what, "%s: asking libvirt whether a running guest uses it",
	    m->what);
	return HANDLE_LATER;
}

int
handle_move(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	struct node_view nv;
	struct res_view v;
	struct move *m;
	char what[64], w[96];
	unsigned to = cmd->to_node;
	int rc, dry = cmd->has_dry_run && cmd->dry_run;

	if (!cmd->has_resource || res_read(&a->region, cmd->resource, &v) < 0 ||
	    v.kind != kind_of_cmd[cmd->kind])
		return cause_fail(msg, len, -ENOENT, "no such %s in the resource table",
		    res_kind_name(kind_of_cmd[cmd->kind]));
	res_describe(&v, what, sizeof(what));
	if (!cmd->has_to_node || to >= a->region.layout.nodes)
		return cause_fail(msg, len, -EINVAL,
		    "move %s to which node? (the machine has nodes 0 to %u)", what,
		    a->region.layout.nodes - 1);
	if (move_of(a, cmd->resource) != NULL)
		return cause_fail(msg, len, -EBUSY, "%s is already being moved", what);
	if (a->life.stopping)
		return cause_fail(msg, len, -EBUSY,
		    "node %u is shutting down or rebooting: %s stays", a->node, what);
	if (v.state == MINT_RS_FREE && to == a->node) {
		if (dry) {
			snprintf(msg, len, "dry run: free %s would be given to node %u; nothing was done",
			    what, to);
			return 0;
		}
		/* nobody has it (reclaimed, or never given): just claim it */
		if ((rc = res_move(&a->region, cmd->resource, &v.word, MINT_RS_CLAIMING, a->node,
		    MINT_NO_NODE, a->epoch, 0)) < 0)
			return cause_fail(msg, len, -EAGAIN, "%s changed meanwhile: try again",
			    what);
		return receiver_start(a, cmd->resource, &v, rt, 1);
	}
	if (v.state != MINT_RS_OWNED || v.owner != a->node) {
		res_where(&v, 1, w, sizeof(w));
		return cause_fail(msg, len, -EBUSY, "%s is %s, not owned by node %u", what, w,
		    a->node);
	}
	if (to == a->node)
		return cause_fail(msg, len, -EALREADY, "%s is on node %u already", what, to);
	if (node_read(&a->region, to, &nv) < 0 || nv.state != MINT_NODE_ONLINE ||
	    a->watch.peer[to].dead)
		return cause_fail(msg, len, -EHOSTDOWN,
		    "node %u cannot receive %s: it is %s", to, what,
		    a->watch.peer[to].dead ? "dead" : node_state_name(nv.state));
	if ((rc = move_rules(a, &v, dry && cmd->has_dry_run_gone ? cmd->dry_run_gone : 0, what, msg,
	    len)) < 0) {
		log_about(LOG_INFO, "RESOURCE", what, "move of %s to node %u refused: %s", what, to, msg);
		return rc;
	}
	/* the receiver's bring-up is the one step a dry run cannot try */
	if (dry && v.kind != MINT_RES_DEV) {
		snprintf(msg, len, "dry run: %s would move from node %u to node %u; nothing was done",
		    what, a->node, to);
		return 0;
	}
	if ((m = move_new(a, ROLE_DONOR, cmd->resource, &v, rt)) == NULL)
		return cause_fail(msg, len, -ENOMEM, "out of memory");
	m->donor = a->node;
	m->receiver = to;
	m->dry = dry;
	if (v.kind == MINT_RES_DEV)
		return dev_check(m, msg, len);	/* a dry run too: the guest check is a check */
	if (cas(m, MINT_RS_RELEASING, a->node, to) < 0) {
		m->nrt = 0;	/* answered below */
		move_end(m, 0, "%s: changed meanwhile", what);
		return cause_fail(msg, len, -EAGAIN, "%s changed meanwhile: try again", what);
	}
	step(a, "releasing", m);
	job_start(m, 0, donor_released);
	return HANDLE_LATER;
}

/* ---- dead nodes, reclaim, coming back ---- */

/*
 * node is dead: whatever it owns or was moving is fenced (its kernel may
 * still use it; nobody else may). A hand-over it had finished giving away
 * (CLAIMING for this node) is completed here.
 */
void
move_node_dead(struct agent *a, unsigned node)
{
	for (unsigned i = 0; i < a->region.layout.res_count; i++) {
		struct res_view v;
		char what[64];

		if (res_read(&a->region, i, &v) < 0 || v.kind == MINT_RES_NONE)
			continue;
		res_describe(&v, what, sizeof(what));
		if (v.owner == node && (v.state == MINT_RS_OWNED || v.state == MINT_RS_RELEASING ||
		    v.state == MINT_RS_CLAIMING)) {
			if (res_move(&a->region, i, &v.word, MINT_RS_FENCED, node, v.peer,
			    v.owner_epoch, v.peer_epoch) == 0)
				log_about(LOG_WARNING, "RESOURCE", what,
				    "%s: node %u is dead: fenced until it comes back or is reclaimed",
				    what, node);
		} else if (v.state == MINT_RS_CLAIMING && v.owner == a->node && v.peer == node &&
		    move_of(a, i) == NULL) {
			/* a new generation first: the donor, if only slow, can no longer take it back */
			if (res_move(&a->region, i, &v.word, MINT_RS_CLAIMING, a->node, node, a->epoch,
			    v.peer_epoch) < 0)
				continue;
			log_about(LOG_INFO, "RESOURCE", what,
			    "%s: node %u died after handing it over: claiming it", what, node);
			receiver_start(a, i, &v, NULL, 1);
		}
	}
}

static void
own_done(struct job *j)
{
	struct move *m = j->arg;

	if (j->rc < 0)
		move_end(m, j->rc, "%s: the table gives it to node %u, but: %s", m->what, m->a->node,
		    j->msg);
	else
		move_end(m, 0, "%s: back on node %u", m->what, m->a->node);
}

/*
 * What the table says is this node's is up in its kernel: at start, and when
 * a peer fenced this node's resources in the belief that it was dead.
 */
void
move_check_own(struct agent *a)
{
	for (unsigned i = 0; i < a->region.layout.res_count; i++) {
		struct res_view v;
		struct move *m;
		char what[64], msg[256];
		int rc;

		if (res_read(&a->region, i, &v) < 0 || v.kind == MINT_RES_NONE || move_of(a, i) != NULL)
			continue;
		res_describe(&v, what, sizeof(what));
		if (v.owner == a->node && (v.state == MINT_RS_FENCED || v.state == MINT_RS_RELEASING ||
		    v.state == MINT_RS_BOOTING)) {
			/* ours and nobody else's: this life takes over from the last one */
			if (res_move(&a->region, i, &v.word, MINT_RS_OWNED, a->node, MINT_NO_NODE, a->epoch,
			    0) < 0 || (m = move_new(a, ROLE_RECEIVER, i, &v, NULL)) == NULL)
				continue;
			m->word = v.word;
			log_about(LOG_INFO, "RESOURCE", what,
			    "%s: %s by this node before: taking it back", what,
			    res_state_name(v.state));
			job_start(m, 1, own_done);
		} else if (v.owner == a->node && v.state == MINT_RS_OWNED && a->move.epoch_checked == 0) {
			/* up only: taking down what the table gives others is for a move to do */
			if ((rc = backend_apply(&a->backend, &v, a->node, 1, msg, sizeof(msg))) < 0 &&
			    rc != -ENOTSUP)
				log_about(LOG_WARNING, "RESOURCE", what,
				    "%s: the table gives it to node %u, but: %s", what, a->node, msg);
		}
	}
	a->move.epoch_checked = 1;
}

/*
 * node reclaim NODE: a dead node's resources become free. Its partition gives
 * them up first where this machine can make it (the simulated one); on a real
 * machine its kernel must be stopped, which is what the operator asserts.
 */
int
handle_reclaim(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len)
{
	unsigned node = cmd->to_node, freed = 0, kept = 0;
	struct node_view nv;
	size_t off;
	int rc;

	if (!cmd->has_to_node || node >= a->region.layout.nodes)
		return cause_fail(msg, len, -EINVAL,
		    "reclaim which node? (the machine has nodes 0 to %u)",
		    a->region.layout.nodes - 1);
	if (node == a->node)
		return cause_fail(msg, len, -EBUSY,
		    "node %u is this node, alive: ask another node to reclaim it", node);
	if (node_read(&a->region, node, &nv) == 0 && nv.state != MINT_NODE_ABSENT &&
	    nv.state != MINT_NODE_DEAD && !a->watch.peer[node].dead)
		return cause_fail(msg, len, -EBUSY, "node %u still heartbeats (epoch %" PRIu32 "): "
		    "reclaim is for dead nodes", node, nv.epoch);
	off = (size_t)snprintf(msg, len, "node %u:", node);
	for (unsigned i = 0; i < a->region.layout.res_count && off < len; i++) {
		struct res_view v;
		char what[64], why[256];

		if (res_read(&a->region, i, &v) < 0 || v.kind == MINT_RES_NONE || v.owner != node ||
		    v.state == MINT_RS_FREE)
			continue;
		res_describe(&v, what, sizeof(what));
		rc = backend_apply(&a->backend, &v, node, 0, why, sizeof(why));
		if (rc < 0 && rc != -EOPNOTSUPP) {
			log_about(LOG_WARNING, "RESOURCE", what, "reclaim %s of node %u: %s", what, node, why);
			off += (size_t)snprintf(msg + off, len - off, " %s kept (%s);", what, why);
			kept++;
			continue;
		}
		if (res_move(&a->region, i, &v.word, MINT_RS_FREE, MINT_NO_NODE, node, a->epoch,
		    v.owner_epoch) < 0) {
			off += (size_t)snprintf(msg + off, len - off, " %s changed meanwhile;", what);
			kept++;
			continue;
		}
		log_about(LOG_INFO, "RESOURCE", what, "%s: reclaimed from dead node %u: free", what, node);
		if (off < len)
			off += (size_t)snprintf(msg + off, len - off, " %s", what);
		freed++;
	}
	if (off < len)
		snprintf(msg + off, len - off, freed == 0 && kept == 0 ? " nothing to reclaim" :
		    " %u free now%s", freed, a->backend.ops == &backend_sysfs ?
		    " (its kernel must be stopped before they are given to another node)" : "");
	return kept > 0 ? -EBUSY : 0;
}

/* A console went away: its moves go on, their answers go nowhere. */
void
move_forget(struct agent *a, struct client *c)
{
	for (struct move *m = a->move.list; m != NULL; m = m->next)
		for (int i = 0; i < m->nrt; i++)
			if (m->rt[i].client == c)
				m->rt[i].client = NULL, m->rt[i].node = MINT_NO_NODE;
}

int
move_init(struct agent *a)
{
	a->move.die_at = getenv("MINT_TEST_DIE_AT");
	return 0;
}
