/* The agent's one context object, shared by its loop, control socket and handlers. */
#ifndef MINT_AGENT_AGENT_H
#define MINT_AGENT_AGENT_H

#include <sys/types.h>

#include <ev.h>

#include "agent/beat.h"

#include "agent/backend.h"
#include "agent/guests.h"
#include "agent/status.h"
#include "agent/watch.h"
#include "common/paths.h"
#include "proto/wire.h"
#include "shm/region.h"
#include "shm/ring.h"

struct client;
struct worker;

/* Where the answer to a request goes: a console, or the node that asked. */
struct reply_to {
	struct client *client;	/* a console on the control socket, or NULL: */
	unsigned node;		/* the node that asked over the rings */
	uint64_t id;		/* the request's id */
};

/* The rings to and from every other node, woken through this node's bell (peers.c's). */
struct peers {
	struct doorbell bell;
	ev_io bell_io;
	ev_timer bell_poll;		/* without a doorbell: drain the rings now and then */
	ev_timer bell_more;		/* records left after a pass's share: the next pass */
	struct ring_tx tx[MINT_MAX_NODES];
	struct ring_rx rx[MINT_MAX_NODES];
	int rx_broken[MINT_MAX_NODES];	/* damage reported once */
	uint8_t *rx_copy;		/* a record copied out of the region to be decoded */
	uint32_t rx_copy_len;		/* the rings' largest record */
	struct pending *pending;	/* requests forwarded to other nodes */
	uint64_t next_id;
	struct chan_stats chan[MINT_MAX_NODES];	/* traffic with each node */
};

/* The control socket's state (ctl.c's alone). */
struct ctl {
	const char *path;
	int fd;
	ev_io io;
	ev_timer resume;		/* accepting paused: no descriptor left */
	ev_prepare prepare;		/* a new loop pass: a new budget */
	ev_check check;			/* clients with frames left get their turn */
	ev_idle idle;			/* ... without the loop blocking in between */
	struct client *clients;		/* every connected console */
	struct client *ready, *ready_tail;	/* frames buffered, waiting for a turn */
	int nclients;
	int budget;			/* frames this loop pass may still handle */
	int spare_fd;			/* given up to refuse a client at EMFILE */
	int max;			/* connections in all (root and the admin group) */
	int max_uid;			/* connections of one other user */
	int timeout_ms;			/* idle, or half a frame, for this long: dropped */
	uint64_t refused;		/* connections refused (over a cap, no descriptor) */
	gid_t admin_gid;		/* besides root, members of this group may change things */
	int have_admin_gid;
};

/* Moving resources (move.c's): the moves in progress and their rules. */
struct moves {
	struct move *list;
	int timeout_ms;			/* how long the receiver of a resource may take */
	uint64_t mem_floor;		/* memory this node keeps whatever moves */
	const char *die_at;		/* tests: the step at which to SIGKILL ourselves */
	int epoch_checked;		/* the backend was made to agree with the table */
	struct status_hist hist;	/* the moves that ended here, for metrics */
};

/* The guests as last listed, and the requests about them (handle-guest.c). */
struct guest_state {
	struct guest_info list[GUESTS_MAX];
	int n;				/* entries of list */
	int failing;			/* the last listing failed (warned once) */
	int listing;			/* a listing runs in a worker */
	uint64_t seq;			/* listings begun */
	struct list_wait *waits;	/* waiting for a listing that began after them */
	struct gjob *jobs;		/* libvirt calls under way */
	struct migration *mig;		/* a guest leaving this node */
	int64_t pool_warned_ns;		/* a guest without room in the pool, said at (guest-pool.c) */
	struct status_hist hist;	/* the migrations this node sent, for metrics */
	struct status_mig migs[STATUS_MIGS];	/* ... the last of them, newest first, for events */
	size_t nmigs;
	uint64_t mig_seq;
	ev_async event_wake;		/* libvirt said a guest changed (guest-events.c) */
	int relist;			/* ... while a listing ran: list again after it */
};

/* Boot, shutdown, reboot (lifecycle.c's). */
struct lifecycle {
	uint64_t region_phys, region_phys_size;	/* where the region is in memory, if known */
	struct boot *booting;		/* a boot of another node under way */
	char *kexec;			/* kexec-tools, or another program named by --kexec */
	int kexec_stand_in;		/* no program: check the files, load nothing (simulated) */
	int allow_host_kexec;		/* a simulated node may still run kexec -e (the host's) */
	char *start_hook;		/* starts a loaded kernel on its cores (Mint's step) */
	const char *stop_hook;		/* run when this node has shut down (poweroff, ...) */
	char *reboot_kernel;		/* what node reboot loads */
	char *reboot_initrd;
	int boot_ms;			/* how long a booted node may take to heartbeat */
	struct reply_to shutdown_rt;
	int stopping;			/* shutting down or rebooting */
	int reexec;			/* rebooted through a kexec that returned: start again */
	ev_timer exit_timer;
	ev_child reboot_child;		/* kexec --load of a reboot */
};

/* What systemd was last told (service.c's). */
struct service {
	uint64_t watchdog_ns;		/* $WATCHDOG_USEC: pet twice in it; 0: no watchdog */
	int64_t petted_ns;
	char status[128];		/* the last STATUS= */
};

struct agent {
	struct ev_loop *loop;
	struct mint_region region;
	unsigned node;
	uint32_t epoch;
	ev_async watch_wake;		/* beat.c saw a node die, come back or change */
	int watch_armed;		/* watch_wake may be sent (atomic) */
	ev_timer publish_soon;		/* agent_republish's */
	struct beat beat;
	ev_timer sample;		/* the loop's tick: liveness, watchdog, the sample */
	unsigned sample_ms;
	ev_tstamp sampled;		/* when the last sample was taken */
	ev_signal sigint;
	ev_signal sigterm;
	struct status_src status;
	struct status status_now;	/* the last sample, gathered */
	struct status_enc status_enc;	/* and packed */
	struct watch watch;
	uint32_t heartbeat_ms;
	struct guests guests;		/* uri NULL: no hypervisor on this node (--connect none) */
	int libvirt_ms;			/* a libvirt call that takes longer fails its request */
	ev_tstamp started;
	uint8_t snapshot[65536];
	size_t snapshot_len;

	struct peers peers;		/* peers.c's */
	int request_ms;			/* how long a forwarded request may take */

	struct worker *worker;		/* the threads off the loop: backend and libvirt calls */

	/* the seam to the machine: hotplug on a real node, the simulated partitions */
	struct backend backend;
	struct moves move;		/* move.c's */
	int republish;			/* publish_soon is armed */
	const char *region_spec;

	struct lifecycle life;		/* lifecycle.c's */

	/* stream tunnels (tunnel.c) */
	struct tunnel *tunnels;
	struct tlisten *listeners;
	ev_async tunnel_wake;		/* a tunnel thread ended */
	unsigned tunnel_ids;
	const char *tunnel_dir;		/* sockets peers may ask us to connect to */
	const char *libvirt_sock;	/* the target "libvirt" */

	struct guest_state guest;	/* the listing (agent.c) and handle-guest.c's */

	struct ctl ctl;			/* ctl.c's */
	struct service service;		/* service.c's */
};

/* libvirt's domain events wake the loop to list the guests again (guest-events.c). */
int guest_events_start(struct agent *a);

/* The Prometheus endpoint, --metrics ADDR:PORT (metrics-http.c): 0, or -errno said in cause. */
int metrics_http_open(struct agent *a, const char *spec, char *cause, size_t len);

/* Talking to systemd (service.c's). */
void service_journal(struct agent *a);
void service_ready(struct agent *a);
void service_beat(struct agent *a, int64_t now_ns);
void service_status(struct agent *a, const char *text);
void service_stopping(struct agent *a);

/* Who is asking, from the socket's peer credentials. */
struct peer {
	pid_t pid;
	uid_t uid;
	gid_t groups[64];
	int ngroups;
	int agent;		/* another node's agent: trusted like root; uid is that of
				   the console it asks for, if any (caller_uid), for the log */
};

#define CTL_DEFAULT	MINT_AGENT_SOCKET

struct client;
struct boot;
struct tunnel;
struct tlisten;
struct gjob;
struct list_wait;
struct migration;


struct agent_options;

/* Start-up (agent.c): the region mapped and checked, before the agent becomes a daemon. */
int agent_open(struct agent *a, const struct agent_options *o, char *cause, size_t len);
/* Attach as the node, start heartbeating, open the socket and the rings, arm the timers. */
int agent_start(struct agent *a, const struct agent_options *o, char *cause, size_t len);
/* After the loop: everything agent_start made, undone; the node is left ABSENT unless reexec. */
void agent_close(struct agent *a);

/* A handler that returns HANDLE_LATER answers through agent_reply itself. */
#define HANDLE_LATER	1

void agent_reply(struct agent *a, const struct reply_to *rt, int rc, const char *msg);
void agent_reply_with(struct agent *a, const struct reply_to *rt, Mint__Reply *r);

int ctl_open(struct agent *a, const char *path, const char *group);
void ctl_close(struct agent *a);
int ctl_send_reply(struct client *c, uint64_t id, Mint__Reply *r);
/* Defaults of the control socket's limits (mint-agent --max-clients ...). */
#define CTL_MAX_CLIENTS		256
#define CTL_MAX_PER_UID		32
#define CTL_TIMEOUT_MS		30000

int peers_open(struct agent *a);
void peers_close(struct agent *a);
int peers_forward(struct agent *a, struct client *c, uint64_t id, const Mint__Command *cmd,
	    char *msg, size_t msglen);
void peers_forget(struct agent *a, struct client *c);
int peers_reply(struct agent *a, unsigned node, uint64_t id, Mint__Reply *r);
void peers_node_dead(struct agent *a, unsigned node);
/* A request of this agent's own: cb gets the reply, or NULL after timeout_ms. */
typedef void (*peer_reply_fn)(struct agent *a, void *arg, const Mint__Reply *r);
int peers_request(struct agent *a, unsigned node, const Mint__Command *cmd, int timeout_ms,
	    peer_reply_fn cb, void *arg);

/* Guests (handle-guest.c). */
int handle_guest(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
void guest_forget(struct agent *a, struct client *c);
/* A listing has been published (main.c): answer whoever waited for it. */
void guest_listed(struct agent *a, uint64_t seq, int ok);
/* Start a listing now if none runs (main.c); returns the sequence number of the next one. */
uint64_t agent_list_now(struct agent *a);
/* Publish this node's status now (main.c). */
void agent_publish(struct agent *a);
/* Something changed (a move ended, a guest, a migration): list and publish within 20 ms. */
void agent_republish(struct agent *a);

/*
 * Is a start or a migration of guest name under way here (handle-guest.c)?
 * Its pool extents are then that request's to change.
 */
int guest_busy(const struct agent *a, const char *name);
/*
 * The guest RAM pool's extents of guests (guest-pool.c). gpool_claim, in a
 * worker before a start: a guest whose RAM is shared gets extents for it,
 * or the start is refused with the reason in msg (-ENOSPC, ...).
 */
int gpool_claim(struct agent *a, const char *name, char *msg, size_t len);
void gpool_release(struct agent *a, const char *name, const char *why);
/* At the switch-over: the guest's extents become node to's. */
void gpool_hand(struct agent *a, const char *name, unsigned to);
/* After a listing: extents follow the guests as they run or stopped. */
void gpool_reconcile(struct agent *a);

/* Boot, shutdown, reboot (lifecycle.c): a console that left is answered no more. */
void lifecycle_forget(struct agent *a, struct client *c);
/* A real node's region (dev: or pci:), where kexec -e reboots this node, not the host. */
int lifecycle_real_node(const char *region_spec);

/* Moves (move.c). */
int move_init(struct agent *a);
void move_forget(struct agent *a, struct client *c);
/* mint-bench for mint-console bench (handle-bench.c) */
int handle_bench(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len);
void bench_forget(struct agent *a, struct client *c);
struct report;
/* r as the BenchReport rep (its rows in rows, pointed at by rowp), of node, in guest or not */
void bench_report_fill(Mint__BenchReport *rep, Mint__BenchRow *rows, Mint__BenchRow **rowp,
    const struct report *r, unsigned node, const char *guest);
/* the same in a guest, through its bench port (bench-guest.c); argv: mint-bench's arguments */
int bench_guest(struct agent *a, const struct reply_to *rt, const Mint__BenchSpec *s,
    char *const argv[], char *msg, size_t len);
void bench_guest_forget(struct agent *a, struct client *c);
void move_node_dead(struct agent *a, unsigned node);
void move_check_own(struct agent *a);

/* A request handler fills the reply; it returns 0 or a negative errno for it. */
typedef int (*handler_fn)(struct agent *a, const struct peer *who, const struct reply_to *rt,
    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);

/* How long a request may take when forwarded to another node (the table's timeout column). */
int handle_timeout_ms(const struct agent *a, const Mint__Command *cmd);
int handle_allowed(struct agent *a, const struct peer *who, const Mint__Command *cmd,
	    char *msg, size_t msglen);
/* Root or the admin group: may change the node. */
int handle_may_change(const struct agent *a, const struct peer *who);
/* May a console make this request, here or through node=? Checked before forwarding. */
int handle_console_allowed(struct agent *a, const struct peer *who, const Mint__Command *cmd,
	    char *msg, size_t msglen);
int handle_command(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
int handle_ping(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd,
	    Mint__Reply *reply, char *msg, size_t msglen);
int handle_status(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd,
	    Mint__Reply *reply, char *msg, size_t msglen);
int handle_set_verbose(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd,
	    Mint__Reply *reply, char *msg, size_t msglen);
int handle_move(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
int handle_claim(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
int handle_boot(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
int handle_shutdown(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
int handle_reboot(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);
int handle_reclaim(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t msglen);

#endif
