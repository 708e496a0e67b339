/*
 * The whole machine in the Prometheus text exposition format (version
 * 0.0.4), from the region alone, so that any node can serve it (mint-console
 * metrics, mint-agent --metrics) and dead nodes are in it too. Series are
 * labelled by node and by resource table entry, so that a core that moves
 * keeps its series.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "shm/resource.h"
#include "view/metrics.h"
#include "view/snapshot.h"

/* A label value, escaped as the format wants: backslash, double quote, newline. */
static void
label(FILE *f, const char *name, const char *value)
{
	fprintf(f, "%s=\"", name);
	for (const char *c = value != NULL ? value : ""; *c != '\0'; c++) {
		if (*c == '\\' || *c == '"')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* A metric family's HELP and TYPE lines, once before its samples. */
static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample: name{node="N"[,k="v"...]} value; kv pairs of strings, NULL-terminated. */
static void
sample(FILE *f, const char *name, int node, double value, ...)
{
	const char *k, *v;
	int first = 1;
	va_list ap;

	fprintf(f, "%s{", name);
	if (node >= 0) {
		fprintf(f, "node=\"%d\"", node);
		first = 0;
	}
	va_start(ap, value);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (!first)
			fputc(',', f);
		label(f, k, v);
		first = 0;
	}
	va_end(ap);
	/* whole numbers as such; others to 15 digits, enough for a double to read back */
	if (value < 9007199254740992.0 && value > -9007199254740992.0 && value == (double)(int64_t)value)
		fprintf(f, "} %.0f\n", value);
	else
		fprintf(f, "} %.15g\n", value);
}

static void
metrics_nodes(FILE *f, const struct snapshots *s)
{
	static const char *const states[] = { "absent", "booting", "online", "stopping", "dead" };

	family(f, "mint_node_state", "gauge", "1 for the node's state (dead: a live node finds it "
	    "silent past its dead-after time), 0 for the others");
	for (unsigned i = 0; i < s->nodes; i++)
		for (unsigned k = 0; k < sizeof(states) / sizeof(states[0]) && s->valid[i]; k++)
			sample(f, "mint_node_state", (int)i, strcmp(snapshots_state(s, i), states[k]) == 0,
			    "state", states[k], NULL);
	family(f, "mint_node_epoch", "gauge", "The node's epoch: one more at each boot");
	for (unsigned i = 0; i < s->nodes; i++)
		if (snapshots_attached(s, i))
			sample(f, "mint_node_epoch", (int)i, s->v[i].epoch, NULL);
	family(f, "mint_node_heartbeat_age_seconds", "gauge", "Since the node's heartbeat last "
	    "moved, as the live nodes see it (the least)");
	for (unsigned i = 0; i < s->nodes; i++) {
		int64_t ms = snapshots_attached(s, i) ? snapshots_silent_ms(s, i) : -1;

		if (ms >= 0)
			sample(f, "mint_node_heartbeat_age_seconds", (int)i, ms / 1000.0, NULL);
	}
}

/* What each online node publishes: load, memory, cores, guests, rings, tunnels. */
static void
metrics_status(FILE *f, const struct snapshots *s)
{
	static const struct { const char *name, *type, *help; } fam[] = {
		{ "mint_node_load1", "gauge", "Load average over 1 minute" },
		{ "mint_node_memory_total_bytes", "gauge", "Memory the node's kernel has" },
		{ "mint_node_memory_used_bytes", "gauge", "Memory in use" },
		{ "mint_node_memory_assigned_bytes", "gauge", "Memory blocks the table gives it" },
		{ "mint_core_busy_ratio", "gauge", "A core's use over the last sample, 0 to 1" },
		{ "mint_guest_state", "gauge", "1 for each guest, with its state" },
		{ "mint_guest_vcpus", "gauge", "A guest's vCPUs" },
		{ "mint_guest_memory_bytes", "gauge", "A guest's memory" },
		{ "mint_guest_cpu_seconds_total", "counter", "CPU time a guest has used" },
		{ "mint_ring_messages_total", "counter", "Messages through the node's rings to a peer" },
		{ "mint_ring_bytes_total", "counter", "Bytes through the node's rings to a peer" },
		{ "mint_ring_errors_total", "counter", "Records refused from a peer's ring" },
		{ "mint_tunnel_bytes_total", "counter", "Bytes a tunnel carried" },
	};
	char cpu[16], peer[16], id[16];

	for (unsigned n = 0; n < sizeof(fam) / sizeof(fam[0]); n++) {
		family(f, fam[n].name, fam[n].type, fam[n].help);
		for (unsigned i = 0; i < s->nodes; i++) {
			const Mint__NodeStatus *st = snapshots_status(s, i);
			int node = (int)i;

			if (st == NULL || s->v[i].state != MINT_NODE_ONLINE)
				continue;
			switch (n) {
			case 0: sample(f, fam[n].name, node, st->load1_centi / 100.0, NULL); break;
			case 1: sample(f, fam[n].name, node, (double)st->mem_total_bytes, NULL); break;
			case 2: sample(f, fam[n].name, node, (double)st->mem_used_bytes, NULL); break;
			case 3:
				if (st->has_mem_assigned_bytes)
					sample(f, fam[n].name, node, (double)st->mem_assigned_bytes, NULL);
				break;
			case 4:
				for (size_t k = 0; k < st->n_cores; k++) {
					if (!st->cores[k]->has_busy_permille)
						continue;
					snprintf(cpu, sizeof(cpu), "%" PRIu32, st->cores[k]->cpu);
					sample(f, fam[n].name, node, st->cores[k]->busy_permille / 1000.0,
					    "cpu", cpu, NULL);
				}
				break;
			case 5: case 6: case 7: case 8:
				for (size_t k = 0; k < st->n_guests; k++) {
					const Mint__Guest *g = st->guests[k];
					double v = n == 5 ? 1 : n == 6 ? g->vcpus : n == 7 ?
					    (double)g->memory_bytes : g->cpu_time_ns / 1e9;

					if (n == 5)
						sample(f, fam[n].name, node, v, "guest", g->name, "state",
						    guest_state_name(g->state), NULL);
					else
						sample(f, fam[n].name, node, v, "guest", g->name, NULL);
				}
				break;
			case 9: case 10: case 11:
				for (size_t k = 0; k < st->n_channels; k++) {
					const Mint__Channel *c = st->channels[k];

					snprintf(peer, sizeof(peer), "%" PRIu32, c->peer);
					if (n == 11) {
						sample(f, fam[n].name, node, (double)c->errors, "peer", peer, NULL);
						continue;
					}
					sample(f, fam[n].name, node, (double)(n == 9 ? c->tx_messages :
					    c->tx_bytes), "peer", peer, "direction", "tx", NULL);
					sample(f, fam[n].name, node, (double)(n == 9 ? c->rx_messages :
					    c->rx_bytes), "peer", peer, "direction", "rx", NULL);
				}
				break;
			case 12:
				for (size_t k = 0; k < st->n_tunnels; k++) {
					const Mint__Tunnel *t = st->tunnels[k];

					snprintf(id, sizeof(id), "%" PRIu32, t->id);
					snprintf(peer, sizeof(peer), "%" PRIu32, t->peer);
					sample(f, fam[n].name, node, (double)t->bytes_out, "tunnel", id, "peer",
					    peer, "direction", "out", NULL);
					sample(f, fam[n].name, node, (double)t->bytes_in, "tunnel", id, "peer",
					    peer, "direction", "in", NULL);
				}
				break;
			}
		}
	}
}

/* A histogram of durations per node: cumulative buckets, their sum and count. */
static void
metrics_hist(FILE *f, const struct snapshots *s, const char *name, const char *help, int mig)
{
	static const char *const le[] = { "0.1", "1", "10", "60", "+Inf" };
	char fam[96];

	snprintf(fam, sizeof(fam), "%s_duration_seconds", name);
	family(f, fam, "histogram", help);
	for (unsigned i = 0; i < s->nodes; i++) {
		const Mint__NodeStatus *st = snapshots_status(s, i);
		const Mint__Counters *c = st != NULL ? st->counters : NULL;
		size_t nb = c == NULL ? 0 : mig ? c->n_migration_buckets : c->n_move_buckets;
		const uint64_t *b = c == NULL ? NULL : mig ? c->migration_buckets : c->move_buckets;

		if (c == NULL || s->v[i].state != MINT_NODE_ONLINE || nb != 5)
			continue;
		snprintf(fam, sizeof(fam), "%s_duration_seconds_bucket", name);
		for (size_t k = 0; k < nb; k++)
			sample(f, fam, (int)i, (double)b[k], "le", le[k], NULL);
		snprintf(fam, sizeof(fam), "%s_duration_seconds_sum", name);
		sample(f, fam, (int)i, mig ? c->migration_seconds : c->move_seconds, NULL);
		snprintf(fam, sizeof(fam), "%s_duration_seconds_count", name);
		sample(f, fam, (int)i, (double)b[nb - 1], NULL);
	}
}

/* Moves and migrations: how many, how many failed, how long they took. */
static void
metrics_work(FILE *f, const struct snapshots *s)
{
	static const char *const names[] = { "mint_moves_total", "mint_move_failures_total",
		"mint_migrations_total", "mint_migration_failures_total" };
	static const char *const helps[] = { "Resource moves asked of the node (the donor; the "
		"receiver of a free one), dry runs aside", "Of those, the ones that failed or were refused",
		"Guest migrations the node sent", "Guest migrations that failed or were cancelled" };

	for (int n = 0; n < 4; n++) {
		family(f, names[n], "counter", helps[n]);
		for (unsigned i = 0; i < s->nodes; i++) {
			const Mint__NodeStatus *st = snapshots_status(s, i);
			const Mint__Counters *c = st != NULL ? st->counters : NULL;

			if (c == NULL || s->v[i].state != MINT_NODE_ONLINE)
				continue;
			sample(f, names[n], (int)i, (double)(n == 0 ? c->moves : n == 1 ?
			    c->move_failures : n == 2 ? c->migrations : c->migration_failures), NULL);
		}
	}
	metrics_hist(f, s, "mint_move", "How long resource moves took", 0);
	metrics_hist(f, s, "mint_migration", "How long guest migrations took", 1);
}

/* The resource table: each entry's owner and state, and the totals per node. */
static void
metrics_resources(FILE *f, const struct mint_region *r)
{
	static const char *const kinds[] = { "cpu", "mem", "dev", "pool" };
	uint64_t count[MINT_MAX_NODES + 1][4] = { { 0 } }, fenced = 0;
	char entry[16], id[40], owner[16];

	family(f, "mint_resource_owner", "gauge", "The node that owns a resource table entry "
	    "(-1: none), with its state");
	for (unsigned i = 0; i < r->layout.res_count; i++) {
		struct res_view v;
		unsigned who;

		if (res_read(r, i, &v) < 0 || v.kind == MINT_RES_NONE || v.kind >= MINT_RES_KIND_MAX)
			continue;
		snprintf(entry, sizeof(entry), "%u", i);
		if (v.kind == MINT_RES_DEV)
			snprintf(id, sizeof(id), "%s", v.name);
		else
			snprintf(id, sizeof(id), "%" PRIu32, v.index);
		who = v.state == MINT_RS_FREE || v.owner >= MINT_MAX_NODES ? MINT_MAX_NODES : v.owner;
		sample(f, "mint_resource_owner", -1, who == MINT_MAX_NODES ? -1 : (double)who, "entry",
		    entry, "kind", kinds[v.kind - 1], "id", id, "state", res_state_name(v.state), NULL);
		count[who][v.kind - 1] += v.kind == MINT_RES_MEM || v.kind == MINT_RES_POOL ? v.size : 1;
		fenced += v.state == MINT_RS_FENCED;
	}
	/* a family's samples together, as the format wants */
	for (int fam = 0; fam < 3; fam++) {
		if (fam == 0)
			family(f, "mint_resources", "gauge", "Cores and devices a node owns "
			    "(node=\"free\": no one's)");
		else if (fam == 1)
			family(f, "mint_resource_memory_bytes", "gauge", "Memory blocks a node owns, "
			    "in bytes (node=\"free\": no one's)");
		else
			family(f, "mint_guest_pool_bytes", "gauge", "Guest RAM pool extents a node "
			    "owns for its guests, in bytes (node=\"free\": no one's)");
		for (unsigned n = 0; n <= MINT_MAX_NODES; n++) {
			if (count[n][0] + count[n][1] + count[n][2] + count[n][3] == 0 ||
			    (fam == 2 && count[n][3] == 0))
				continue;
			if (n < MINT_MAX_NODES)
				snprintf(owner, sizeof(owner), "%u", n);
			else
				snprintf(owner, sizeof(owner), "free");
			if (fam == 0) {
				sample(f, "mint_resources", -1, (double)count[n][0], "node", owner, "kind",
				    "cpu", NULL);
				sample(f, "mint_resources", -1, (double)count[n][2], "node", owner, "kind",
				    "dev", NULL);
			} else if (fam == 1) {
				sample(f, "mint_resource_memory_bytes", -1, (double)count[n][1], "node",
				    owner, NULL);
			} else {
				sample(f, "mint_guest_pool_bytes", -1, (double)count[n][3], "node", owner,
				    NULL);
			}
		}
	}
	family(f, "mint_resources_fenced", "gauge", "Entries fenced: a side died mid-move "
	    "(mint-console node reclaim)");
	fprintf(f, "mint_resources_fenced %" PRIu64 "\n", fenced);
}

void
metrics_write(FILE *f, const struct mint_region *r)
{
	struct snapshots s;

	snapshots_read(r, &s);
	metrics_nodes(f, &s);
	metrics_status(f, &s);
	metrics_work(f, &s);
	metrics_resources(f, r);
	snapshots_free(&s);
}
