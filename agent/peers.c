/*
 * Messages between agents: one ring to and one from every other node, woken
 * through this node's bell. Requests from consoles for another node go out
 * here and their replies come back, or time out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "common/cause.h"
#include "common/log.h"
#include "shm/node.h"
#include "proto/wire.h"

_Static_assert(WIRE_MAX_NODES == MINT_MAX_NODES, "a message can name every node the region holds, and no more");

#define PEER_REC_ENVELOPE	1	/* ring record type: a packed Envelope */
#define PEERS_POLL_MS		5	/* without a doorbell */
/* records taken from one node in a loop pass: a busy peer does not hold the loop */
#define PEER_DRAIN_MAX		64

/* A request sent to another node for a console, until its reply or timeout. */
struct pending {
	ev_timer timer;		/* first: the watcher is the entry */
	struct agent *a;
	struct pending *next;
	struct client *client;	/* a console's request, or: */
	peer_reply_fn cb;	/* one of this agent's own */
	void *arg;
	uint64_t id;		/* ours, on the ring */
	uint64_t client_id;	/* the console's */
	unsigned node;
	int timeout_ms;
};

static void
pending_drop(struct agent *a, struct pending *p)
{
	for (struct pending **pp = &a->peers.pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	ev_timer_stop(a->loop, &p->timer);
	free(p);
}

static int
peer_send(struct agent *a, unsigned node, Mint__Envelope *e)
{
	static uint8_t buf[WIRE_MAX];
	size_t len;
	int rc;

	/* packed first: reserving the largest record would find a half-full ring full */
	if ((rc = wire_pack(e, buf, sizeof(buf), &len)) < 0)
		return rc;
	if ((rc = ring_send(&a->peers.tx[node], PEER_REC_ENVELOPE, buf, (uint32_t)len)) < 0)
		return rc;
	a->peers.chan[node].tx_messages++;
	a->peers.chan[node].tx_bytes += len;
	return 0;
}

static void
peer_request(struct agent *a, unsigned from, Mint__Envelope *e)
{
	/* another node's agent: part of the machine, trusted like root; logged as the console
	   it asks for (caller_uid, set by the agent whose socket took the request) */
	struct peer who = { 0, 0, { 0 }, 0, 1 };
	Mint__Reply r;
	char msg[2048] = "";
	int rc;

	struct reply_to rt = { NULL, from, e->request_id };

	if (e->command->has_caller_uid)
		who.uid = e->command->caller_uid;
	mint__reply__init(&r);
	rc = handle_command(a, &who, &rt, e->command, &r, msg, sizeof(msg));
	if (rc == HANDLE_LATER)
		return;
	r.has_error = 1, r.error = rc;
	if (msg[0] != '\0')
		r.message = msg;
	peers_reply(a, from, e->request_id, &r);
}

/* Answer request id of node. */
int
peers_reply(struct agent *a, unsigned node, uint64_t id, Mint__Reply *r)
{
	Mint__Envelope out;
	int rc;

	wire_init(&out, a->node, node, id);
	out.body_case = MINT__ENVELOPE__BODY_REPLY;
	out.reply = r;
	if ((rc = peer_send(a, node, &out)) < 0)
		log_warn("reply to node %u lost: %s", node, strerror(-rc));
	return rc;
}

static void
peer_reply(struct agent *a, unsigned from, Mint__Envelope *e)
{
	for (struct pending *p = a->peers.pending; p != NULL; p = p->next)
		if (p->id == e->request_id && p->node == from) {
			if (p->cb != NULL)
				p->cb(a, p->arg, e->reply);
			else
				ctl_send_reply(p->client, p->client_id, e->reply);
			pending_drop(a, p);
			return;
		}
	log_debug("node %u: a reply to nothing pending (late?): dropped", from);
}

/* Take the records waiting from node j, up to a pass's share: 1 if some are left. */
static int
peer_drain(struct agent *a, unsigned j)
{
	struct ring_rx *rx = &a->peers.rx[j];
	struct ring_rec rec;
	char cause[256];
	int rc, taken = 0;

	do {
		while ((rc = ring_peek(rx, &rec)) == 0) {
			Mint__Envelope *e;

			if (taken++ == PEER_DRAIN_MAX)
				return 1;

			a->peers.chan[j].rx_messages++;
			a->peers.chan[j].rx_bytes += rec.len;
			if (rec.type != PEER_REC_ENVELOPE) {
				a->peers.chan[j].errors++;
				log_warn("node %u: record of type %u: dropped", j, rec.type);
			} else if (wire_unpack_shared(rec.data, rec.len, a->peers.rx_copy, a->peers.rx_copy_len, &e,
			    cause, sizeof(cause)) < 0) {
				a->peers.chan[j].errors++;
				log_warn("node %u: %s: dropped", j, cause);
			} else {
				if (e->src != j || e->dst != a->node)
					log_warn("node %u: a message from %" PRIu32 " to %" PRIu32 ": dropped",
					    j, e->src, e->dst);
				else if (e->body_case == MINT__ENVELOPE__BODY_COMMAND)
					peer_request(a, j, e);
				else if (e->body_case == MINT__ENVELOPE__BODY_REPLY)
					peer_reply(a, j, e);
				else
					log_debug("node %u: message %d ignored", j, (int)e->body_case);
				wire_free(e);
			}
			ring_release(rx);
		}
		if (rc != -EAGAIN) {
			a->peers.chan[j].errors++;
			if (!a->peers.rx_broken[j])
				log_warn("channel from node %u is damaged: %s", j, ring_rx_error(rx));
			a->peers.rx_broken[j] = 1;
			return 0;
		}
	} while (ring_rx_arm(rx) == 1);
	return 0;
}

static void
peers_bell_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct agent *a = w->data;
	int more = 0;

	doorbell_drain(&a->peers.bell);
	/* a dead node's ring is fenced: nothing from it until it comes back, new epoch */
	for (unsigned j = 0; j < a->region.layout.nodes; j++)
		if (j != a->node && !a->peers.rx_broken[j] && !a->watch.peer[j].dead)
			more |= peer_drain(a, j);
	/* the rest in the next pass, after the timers and the consoles */
	if (more && !ev_is_active(&a->peers.bell_more))
		ev_timer_start(loop, &a->peers.bell_more);
}

static void
peers_more_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_feed_event(loop, &((struct agent *)w->data)->peers.bell_io, EV_READ);
}

/* No doorbell: look at every ring now and then. */
static void
peers_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_feed_event(loop, &((struct agent *)w->data)->peers.bell_io, EV_READ);
}

static void
pending_fail(struct pending *p, const char *why)
{
	Mint__Reply r;
	char msg[128];

	mint__reply__init(&r);
	snprintf(msg, sizeof(msg), "node %u %s", p->node, why);
	r.has_error = 1, r.error = -ETIMEDOUT;
	r.message = msg;
	if (p->cb != NULL)
		p->cb(p->a, p->arg, NULL);
	else
		ctl_send_reply(p->client, p->client_id, &r);
	pending_drop(p->a, p);
}

static void
pending_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pending *p = (struct pending *)w;
	char why[64];

	snprintf(why, sizeof(why), "did not answer within %d ms", p->timeout_ms);
	pending_fail(p, why);
}

/* node is dead: what it was asked will not be answered; say so now. */
void
peers_node_dead(struct agent *a, unsigned node)
{
	struct pending *p = a->peers.pending, *next;

	for (; p != NULL; p = next) {
		next = p->next;
		if (p->node == node)
			pending_fail(p, "died before it answered");
	}
}

/* Send cmd to node, remember it until its reply or timeout_ms. */
static int
pending_start(struct agent *a, unsigned node, const Mint__Command *cmd, int timeout_ms,
    struct pending *p, char *msg, size_t len)
{
	Mint__Envelope e;
	int rc;

	p->a = a;
	p->node = node;
	p->id = ++a->peers.next_id;
	p->timeout_ms = timeout_ms;
	wire_init(&e, a->node, node, p->id);
	e.body_case = MINT__ENVELOPE__BODY_COMMAND;
	e.command = (Mint__Command *)cmd;
	if ((rc = peer_send(a, node, &e)) < 0) {
		free(p);
		snprintf(msg, len, "channel to node %u: %s", node, rc == -EAGAIN ?
		    "full (the node is not taking its messages)" : strerror(-rc));
		return rc == -EAGAIN ? -EBUSY : rc;
	}
	ev_timer_init(&p->timer, pending_timeout_cb, timeout_ms / 1000.0, 0);
	ev_timer_start(a->loop, &p->timer);
	p->next = a->peers.pending;
	a->peers.pending = p;
	return 0;
}

/* Is node there to ask? 0, or an errno with the reason in msg. */
static int
peer_reachable(struct agent *a, unsigned node, char *msg, size_t len)
{
	struct node_view v;

	if (node >= a->region.layout.nodes)
		return cause_fail(msg, len, -ENOENT,
		    "no node %u (the machine has nodes 0 to %u)", node,
		    a->region.layout.nodes - 1);
	if (node_read(&a->region, node, &v) < 0 || v.state != MINT_NODE_ONLINE)
		return cause_fail(msg, len, -EHOSTDOWN, "node %u is %s", node,
		    node_state_name(v.state));
	if (a->watch.peer[node].dead)
		return cause_fail(msg, len, -EHOSTDOWN,
		    "node %u is dead: its heartbeat has not moved for %" PRId64 " ms",
		    node, ((int64_t)(ev_now(a->loop) * 1e9) - a->watch.peer[node].moved_ns) / 1000000);
	return 0;
}

/*
 * Send a console's request to the node it names. 0: the reply (or a timeout)
 * will go to the client; < 0: refused now, with msg.
 */
int
peers_forward(struct agent *a, struct client *c, uint64_t id, const Mint__Command *cmd,
    char *msg, size_t len)
{
	struct pending *p;
	int rc;

	if ((rc = peer_reachable(a, cmd->node, msg, len)) < 0)
		return rc;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return cause_fail(msg, len, -ENOMEM, "out of memory");
	p->client = c;
	p->client_id = id;
	return pending_start(a, cmd->node, cmd, handle_timeout_ms(a, cmd), p, msg, len);
}

/* A request of this agent's own; cb(reply) or cb(NULL) on timeout, unless this fails. */
int
peers_request(struct agent *a, unsigned node, const Mint__Command *cmd, int timeout_ms,
    peer_reply_fn cb, void *arg)
{
	struct pending *p;
	char msg[256];
	int rc;

	if ((rc = peer_reachable(a, node, msg, sizeof(msg))) < 0)
		return rc;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->cb = cb;
	p->arg = arg;
	return pending_start(a, node, cmd, timeout_ms, p, msg, sizeof(msg));
}

/* A client went away: its pending requests are answered to nobody. */
void
peers_forget(struct agent *a, struct client *c)
{
	struct pending *p = a->peers.pending, *next;

	for (; p != NULL; p = next) {
		next = p->next;
		if (p->client == c)
			pending_drop(a, p);
	}
}

/* Open the rings to and from every other node, and this node's bell. */
int
peers_open(struct agent *a)
{
	char cause[256];
	int rc;

	if (a->region.kind == REGION_DEV) {
		/* kernels of a Mint machine: the module's doorbell, or polling without one */
		uint32_t bell = 0;

		if ((rc = doorbell_open_dev(&a->peers.bell, a->region.fd, &a->region, &bell)) == 0) {
			node_set_bell(&a->region, a->node, bell);
			log_info("node %u: doorbell %u (interrupts)", a->node, bell - 1);
		} else {
			log_warn("node %u: no doorbell (%s): polling the rings every %d ms", a->node,
			    strerror(-rc), PEERS_POLL_MS);
			a->peers.bell.fd = -1;
		}
	} else if ((rc = doorbell_open_region_sock(&a->peers.bell, &a->region, a->node)) < 0) {
		log_warn("node %u: bell: %s", a->node, strerror(-rc));
		return rc;
	}
	for (unsigned j = 0; j < a->region.layout.nodes; j++) {
		if (j == a->node)
			continue;
		if ((rc = ring_tx_open(&a->peers.tx[j], &a->region, region_ring_index(&a->region, a->node, j),
		    a->epoch, &a->peers.bell, cause, sizeof(cause))) < 0 ||
		    (rc = ring_rx_open(&a->peers.rx[j], &a->region, region_ring_index(&a->region, j, a->node),
		    &a->peers.bell, cause, sizeof(cause))) < 0) {
			log_warn("channel with node %u: %s", j, cause);
			a->peers.rx_broken[j] = 1;
		}
	}
	/* records are decoded from a private copy: the sender can still write the ring */
	for (unsigned j = 0; j < a->region.layout.nodes; j++)
		if (j != a->node && !a->peers.rx_broken[j] && a->peers.rx[j].max_len > a->peers.rx_copy_len)
			a->peers.rx_copy_len = a->peers.rx[j].max_len;
	if (a->peers.rx_copy_len > WIRE_MAX)
		a->peers.rx_copy_len = WIRE_MAX;
	if ((a->peers.rx_copy = malloc(a->peers.rx_copy_len + 1)) == NULL) {
		doorbell_close(&a->peers.bell);
		return -ENOMEM;
	}
	ev_io_init(&a->peers.bell_io, peers_bell_cb, a->peers.bell.fd, EV_READ);
	a->peers.bell_io.data = a;
	ev_timer_init(&a->peers.bell_more, peers_more_cb, 0, 0);
	a->peers.bell_more.data = a;
	if (a->peers.bell.fd >= 0) {
		ev_io_start(a->loop, &a->peers.bell_io);
	} else {
		ev_timer_init(&a->peers.bell_poll, peers_poll_cb, PEERS_POLL_MS / 1000.0, PEERS_POLL_MS / 1000.0);
		a->peers.bell_poll.data = a;
		ev_timer_start(a->loop, &a->peers.bell_poll);
	}
	/* records may have come while no agent was here */
	ev_feed_event(a->loop, &a->peers.bell_io, EV_READ);
	return 0;
}

void
peers_close(struct agent *a)
{
	while (a->peers.pending != NULL)
		pending_drop(a, a->peers.pending);
	ev_io_stop(a->loop, &a->peers.bell_io);
	ev_timer_stop(a->loop, &a->peers.bell_poll);
	ev_timer_stop(a->loop, &a->peers.bell_more);
	doorbell_close(&a->peers.bell);
	free(a->peers.rx_copy);
	a->peers.rx_copy = NULL;
	a->peers.rx_copy_len = 0;
}
