/* Sample /proc and pack a NodeStatus for the node table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/status.h"
#include "agent/coremap.h"
#include "proto/wire.h"
#include "shm/layout.h"
#include "shm/resource.h"

/* Read a small text file whole: its length, or -errno. */
static int
read_text(const char *dir, const char *name, char *buf, size_t cap)
{
	char path[512];
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

/*
 * Take a sample and pack it into buf. Cores get their use since the last
 * call (0 the first time). Files that cannot be read leave their fields out.
 */
int
status_snapshot(struct status_src *src, unsigned node, uint32_t epoch, uint64_t uptime_ms,
    uint32_t heartbeat_ms, const struct guest_info *guests, int nguests, const struct watch *watch,
    const struct chan_stats *chan, const struct mint_region *region, int64_t now_ns,
    uint8_t *buf, size_t cap, size_t *len)
{
	static Mint__Device ds[64], *dsp[64];
	static char dnames[64][33];
	size_t nd = 0;
	static Mint__Channel cs[MINT_MAX_NODES], *csp[MINT_MAX_NODES];
	size_t nch = 0;
	static Mint__Guest gs[GUESTS_MAX], *gp[GUESTS_MAX];
	static Mint__Peer ps[MINT_MAX_NODES], *pp[MINT_MAX_NODES];
	size_t np = 0, nc = 0;
	static char text[65536];
	static struct coremap map;
	struct cpu_times cur[SAMPLE_MAX_CPUS];
	Mint__Core cores[SAMPLE_MAX_CPUS], *cp[SAMPLE_MAX_CPUS];
	Mint__NodeStatus st;
	Mint__Envelope e;
	char host[64];
	uint64_t total, avail, tcores[CPULIST_WORDS], tonline[CPULIST_WORDS], assigned = 0;
	int n = 0, rc, table_cores = 0, have_mem = 0, have_map;

	mint__node_status__init(&st);
	st.has_node = 1, st.node = node;
	st.has_epoch = 1, st.epoch = epoch;
	st.has_state = 1, st.state = MINT__NODE_STATE__NODE_ONLINE;
	st.has_mode = 1;
	st.has_uptime_ms = 1, st.uptime_ms = uptime_ms;
	st.has_heartbeat_ms = 1, st.heartbeat_ms = heartbeat_ms;
	for (unsigned i = 0; watch != NULL && i < MINT_MAX_NODES; i++) {
		const struct watch_peer *p = &watch->peer[i];
		if (i == node || p->moved_ns == 0 || p->state == MINT_NODE_ABSENT)
			continue;
		mint__peer__init(&ps[np]);
		ps[np].has_node = 1, ps[np].node = i;
		ps[np].has_state = 1;
		ps[np].state = p->dead ? MINT__NODE_STATE__NODE_DEAD : (Mint__NodeState)p->state;
		ps[np].has_epoch = 1, ps[np].epoch = p->epoch;
		ps[np].has_silent_ms = 1, ps[np].silent_ms = (uint64_t)((now_ns - p->moved_ns) / 1000000);
		pp[np] = &ps[np];
		np++;
	}
	st.n_peers = np;
	st.peers = pp;
	for (unsigned i = 0; chan != NULL && i < MINT_MAX_NODES; i++) {
		const struct chan_stats *s = &chan[i];
		if (s->tx_messages == 0 && s->rx_messages == 0 && s->errors == 0)
			continue;
		mint__channel__init(&cs[nch]);
		cs[nch].has_peer = 1, cs[nch].peer = i;
		cs[nch].has_tx_messages = 1, cs[nch].tx_messages = s->tx_messages;
		cs[nch].has_rx_messages = 1, cs[nch].rx_messages = s->rx_messages;
		cs[nch].has_tx_bytes = 1, cs[nch].tx_bytes = s->tx_bytes;
		cs[nch].has_rx_bytes = 1, cs[nch].rx_bytes = s->rx_bytes;
		cs[nch].has_errors = 1, cs[nch].errors = s->errors;
		csp[nch] = &cs[nch];
		nch++;
	}
	st.n_channels = nch;
	st.channels = csp;
	/* the devices the resource table says this node owns */
	for (unsigned i = 0; region != NULL && i < region->layout.res_count && nd < 64; i++) {
		struct res_view v;
		if (res_read(region, i, &v) < 0 || v.kind != MINT_RES_DEV || v.owner != node ||
		    v.state != MINT_RS_OWNED)
			continue;
		mint__device__init(&ds[nd]);
		memcpy(dnames[nd], v.name, sizeof(dnames[nd]));
		ds[nd].name = dnames[nd];
		dsp[nd] = &ds[nd];
		nd++;
	}
	st.n_devices = nd;
	st.devices = dsp;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		st.hostname = host;
	}

	/* the cores the table gives this node, once it has any: moves change them */
	for (unsigned i = 0; region != NULL && i < region->layout.res_count; i++) {
		struct res_view v;
		if (res_read(region, i, &v) < 0 || v.kind != MINT_RES_CPU || v.index >= CPULIST_MAX)
			continue;
		if (!table_cores) {
			memset(tcores, 0, sizeof(tcores));
			memset(tonline, 0, sizeof(tonline));
			table_cores = 1;
		}
		if (v.owner == node && v.state != MINT_RS_FREE) {
			tcores[v.index / 64] |= 1ULL << (v.index % 64);
			if (v.state == MINT_RS_OWNED)
				tonline[v.index / 64] |= 1ULL << (v.index % 64);
		}
	}
	for (unsigned i = 0; region != NULL && i < region->layout.res_count; i++) {
		struct res_view v;
		if (res_read(region, i, &v) == 0 && v.kind == MINT_RES_MEM && v.owner == node &&
		    v.state == MINT_RS_OWNED)
			assigned += v.size;
		have_mem |= v.kind == MINT_RES_MEM;
	}
	if (have_mem)
		st.has_mem_assigned_bytes = 1, st.mem_assigned_bytes = assigned;

	st.mode = (Mint__CoreMode)src->mode;
	if (read_text(src->proc, "stat", text, sizeof(text)) <= 0 ||
	    sample_parse_stat(text, cur, SAMPLE_MAX_CPUS, &n) < 0)
		n = 0;
	/* core ids are hardware ids where the module lists them; /proc counts cpus */
	have_map = src->coremap != NULL && coremap_load(src->coremap, &map) == 0;
	for (unsigned c = 0; c < CPULIST_MAX && nc < SAMPLE_MAX_CPUS; c++) {
		const struct cpu_times *now = NULL, *then = NULL;
		/* a list that does not read names no cpu: no load rather than a wrong one */
		int kc = src->coremap == NULL ? (int)c : have_map ? coremap_cpu(&map, c) : -1;
		/* the node's own cores, or every core its kernel shows */
		for (int i = 0; kc >= 0 && i < n; i++)
			if (cur[i].cpu == kc)
				now = &cur[i];
		if (table_cores ? !cpulist_has(tcores, c) :
		    src->have_cores ? !cpulist_has(src->cores, c) : now == NULL)
			continue;
		mint__core__init(&cores[nc]);
		cores[nc].has_cpu = 1, cores[nc].cpu = c;
		cores[nc].has_online = 1, cores[nc].online = table_cores ? cpulist_has(tonline, c) : 1;
		for (int k = 0; now != NULL && k < src->nprev; k++)
			if (src->prev[k].cpu == kc)
				then = &src->prev[k];
		/* a synthetic core that is no host core has no use to show */
		if (now != NULL) {
			cores[nc].has_busy_permille = 1;
			cores[nc].busy_permille = then != NULL ? sample_busy_permille(then, now) : 0;
		}
		cp[nc] = &cores[nc];
		nc++;
	}
	memcpy(src->prev, cur, sizeof(cur[0]) * (size_t)n);
	src->nprev = n;
	st.n_cores = nc;
	st.cores = cp;
	if (read_text(src->proc, "loadavg", text, sizeof(text)) > 0 &&
	    sample_parse_loadavg(text, &st.load1_centi, &st.load5_centi, &st.load15_centi) == 0)
		st.has_load1_centi = st.has_load5_centi = st.has_load15_centi = 1;
	if (read_text(src->proc, "meminfo", text, sizeof(text)) > 0 &&
	    sample_parse_meminfo(text, &total, &avail) == 0) {
		st.has_mem_total_bytes = 1, st.mem_total_bytes = total;
		st.has_mem_used_bytes = 1, st.mem_used_bytes = total - (avail < total ? avail : total);
	}
	if (read_text(src->proc, "zoneinfo", text, sizeof(text)) > 0) {
		st.has_mem_movable_bytes = 1;
		st.mem_movable_bytes = sample_parse_movable(text, (uint64_t)sysconf(_SC_PAGESIZE));
	}

	for (int i = 0; i < nguests && i < GUESTS_MAX; i++) {
		mint__guest__init(&gs[i]);
		gs[i].name = (char *)guests[i].name;
		gs[i].uuid = (char *)guests[i].uuid;
		gs[i].has_state = 1, gs[i].state = (Mint__GuestState)guests[i].state;
		gs[i].has_vcpus = 1, gs[i].vcpus = guests[i].vcpus;
		gs[i].has_memory_bytes = 1, gs[i].memory_bytes = guests[i].memory_bytes;
		gs[i].has_cpu_time_ns = 1, gs[i].cpu_time_ns = guests[i].cpu_time_ns;
		gs[i].has_cpu_permille = 1, gs[i].cpu_permille = guests[i].cpu_permille;
		gp[i] = &gs[i];
	}
	st.n_guests = (size_t)(nguests < GUESTS_MAX ? nguests : GUESTS_MAX);
	st.guests = gp;
	for (size_t i = 0; src->migrating != NULL && i < st.n_guests; i++)
		if (strcmp(gs[i].name, src->migrating) == 0)
			gs[i].state = MINT__GUEST_STATE__GUEST_MIGRATING;
	st.n_tunnels = src->ntunnels;
	st.tunnels = src->tunnels;

	wire_init(&e, node, node, 0);
	e.body_case = MINT__ENVELOPE__BODY_STATUS;
	e.status = &st;
	rc = wire_pack(&e, buf, cap, len);
	return rc;
}
