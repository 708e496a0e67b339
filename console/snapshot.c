/* Read and check a node's status snapshot: the region is shared, so it is untrusted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "console/snapshot.h"
#include "common/cause.h"
#include "shm/node.h"

/* *env holds the node's NodeStatus (free with wire_free); -ENOENT if it has none yet. */
int
snapshot_read(const struct mint_region *r, unsigned node, Mint__Envelope **env, char *cause,
    size_t len)
{
	uint8_t *buf;
	uint32_t n;
	int rc;

	*env = NULL;
	if ((buf = malloc(r->layout.status_max + 1)) == NULL)
		return -ENOMEM;
	rc = node_read_status(r, node, buf, r->layout.status_max, &n);
	if (rc == 0 && n == 0)
		rc = -ENOENT;
	if (rc < 0) {
		free(buf);
		return cause_fail(cause, len, rc, "node %u: %s", node, rc == -ENOENT ?
		    "no status published yet" : rc == -EBUSY ? "status being rewritten (or its writer died)" :
		    "status area damaged");
	}
	rc = wire_unpack(buf, n, env, cause, len);
	free(buf);
	if (rc == 0 && (*env)->body_case != MINT__ENVELOPE__BODY_STATUS) {
		wire_free(*env);
		*env = NULL;
		return cause_fail(cause, len, -EBADMSG, "node %u: its snapshot is not a status", node);
	}
	return rc;
}

int
snapshot_each(const struct mint_region *r, unsigned only, snapshot_fn fn, void *arg)
{
	int rc = 0;

	for (unsigned n = 0; n < r->layout.nodes && rc == 0; n++) {
		Mint__Envelope *e;
		struct node_view v;

		if ((only != MINT_MAX_NODES && n != only) || node_read(r, n, &v) < 0 ||
		    v.state != MINT_NODE_ONLINE || snapshot_read(r, n, &e, NULL, 0) < 0)
			continue;
		rc = fn(arg, n, e->status);
		wire_free(e);
	}
	return rc;
}
