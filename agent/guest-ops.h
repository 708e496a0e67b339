/*
 * What the agent asks of its node's hypervisor besides listing: start, stop,
 * destroy, define, and migrate a guest. Each call opens its own read-write
 * connection, so that it may run in a worker thread; libvirt's error
 * becomes one line in msg.
 */
#ifndef MINT_AGENT_GUEST_OPS_H
#define MINT_AGENT_GUEST_OPS_H

#include <stddef.h>
#include <stdint.h>

enum gop {
	GOP_START,
	GOP_STOP,	/* ask the guest to shut down */
	GOP_DESTROY,	/* pull the plug */
	GOP_UNDEFINE,	/* forget its definition */
};

struct gop_info {
	int active;
	int emulated;		/* <domain type='qemu'>: TCG, no hardware virtualisation */
	uint32_t vcpus;
	uint64_t memory_bytes;
	uint64_t hv_version;	/* of this node's hypervisor */
	char emulator[256];
	char uuid[40];
	int shared_ram;		/* its RAM is in a file every node maps (mint:ram metadata) */
};

struct gop_job {
	int active;		/* a job is running */
	uint64_t elapsed_ms;
	uint64_t data_total, data_processed, data_remaining;
	uint64_t dirty_rate;	/* pages per second */
	uint64_t bytes_per_s;
	uint64_t downtime_ms;
	int have_downtime;
	uint64_t page_size;	/* of dirty_rate */
	uint64_t iteration;	/* passes over the memory */
	uint32_t throttle_pct;	/* auto-converge's share of vCPU time taken */
};

/* How a migration runs. */
struct gop_mig {
	const char *dconnuri;	/* the destination's libvirt, peer to peer */
	const char *miguri;	/* where the data goes */
	uint64_t bandwidth_mib;	/* MiB/s, 0 = unlimited */
	int live;
	int auto_converge;
	unsigned ac_initial, ac_increment;	/* percent; 0 = libvirt's (20, 10) */
	int postcopy;		/* allow a switch to post-copy (gop_steer) */
};

/* What to do to a running migration, in this order, before reading its job. */
struct gop_steer {
	uint64_t max_downtime_ms;	/* set it, if not 0 */
	int postcopy;		/* switch to post-copy now */
	int suspend;		/* pause the guest: the copy finishes, it resumes there */
	int abort;
};

int gop_name_ok(const char *name);
int gop_action(const char *uri, enum gop op, const char *name, char *msg, size_t len);
int gop_define(const char *uri, const char *xml, char *name, size_t namelen, char *msg,
	    size_t len);
int gop_inspect(const char *uri, const char *name, struct gop_info *gi, char *msg, size_t len);
/* The socket of the running guest's bench port (guests_xml_bench_socket): 0, -ENOENT, ... */
int gop_bench_socket(const char *uri, const char *name, char *path, size_t plen, char *msg,
	    size_t len);
int gop_hv_version(const char *uri, uint64_t *v, char *msg, size_t len);
int gop_abort(const char *uri, const char *name, char *msg, size_t len);
/* Migrate name peer to peer as mig says; blocks until it is over. */
int gop_migrate(const char *uri, const char *name, const struct gop_mig *mig,
	    struct gop_job *final, char *msg, size_t len);
/*
 * Steer the running migration of name (from another thread), then read its
 * job; *conn keeps the connection from one call to the next (NULL at first),
 * gop_close ends it.
 */
int gop_steer(const char *uri, void **conn, const char *name, const struct gop_steer *s,
	    struct gop_job *j, char *msg, size_t len);
void gop_close(void **conn);

#endif
