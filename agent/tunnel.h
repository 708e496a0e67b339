/*
 * Stream tunnels: a byte stream between a Unix socket on this node and one
 * on a peer, carried by two stream rings of the region (one each way). A
 * listener accepts connections here; for each, the peer connects to the
 * target it names and a thread on each side copies socket <-> ring.
 */
#ifndef MINT_AGENT_TUNNEL_H
#define MINT_AGENT_TUNNEL_H

#include <stdint.h>
#include <sys/types.h>

#include "common/paths.h"
#include "proto/mint.pb-c.h"

struct agent;
struct peer;
struct reply_to;

/* record types in a tunnel's rings */
#define TUN_DATA	1	/* bytes */
#define TUN_EOF		2	/* the sender's socket said end of file: shut our write side */
#define TUN_RESET	3	/* the sender gave up: close, nothing more comes or is read */

/* the peer's end of a tunnel: its libvirt socket, or a socket in its tunnel directory */
#define TUN_TARGET_LIBVIRT	"libvirt"
/* where a node's tunnel sockets live (--tunnel-dir) */
#define TUNNEL_DIR_DEFAULT	MINT_TUNNEL_DIR

struct tlisten;

/* Whose listening socket it is: the console's user, on the node it asked. */
struct tunnel_caller {
	uid_t uid;
	gid_t gid;
};

int tunnel_init(struct agent *a);
void tunnel_shutdown(struct agent *a);
void tunnel_node_dead(struct agent *a, unsigned node);
/*
 * Listen on path (created 0600, owned by who; a socket there replaced, nothing
 * else); connections go to target on node peer. who NULL: the agent's own.
 */
int tunnel_listen(struct agent *a, const char *path, unsigned peer, const char *target,
	    const struct tunnel_caller *who, struct tlisten **out, char *msg, size_t len);
void tunnel_unlisten(struct agent *a, struct tlisten *l);
unsigned tunnel_listen_id(const struct tlisten *l);
/* Bytes carried so far by l's tunnels (both ways), and how many are open. */
uint64_t tunnel_listen_bytes(const struct tlisten *l, unsigned *open);
int tunnel_target_ok(const char *target);
int handle_tunnel(struct agent *a, const struct peer *who, const struct reply_to *rt,
	    const Mint__Command *cmd, Mint__Reply *reply, char *msg, size_t len);
/* The status: one entry per listener and per tunnel (freed by tunnel_status_free). */
size_t tunnel_status(struct agent *a, Mint__Tunnel ***out);
void tunnel_status_free(Mint__Tunnel **t, size_t n);

#endif
