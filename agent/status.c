/* Sample /proc and the tables into a struct status; pack it as a NodeStatus for the node table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/status.h"
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

/* The other nodes as this node's watch last saw them. */
static void
gather_peers(const struct status_in *in, struct status *st)
{
	for (unsigned i = 0; in->watch != NULL && i < MINT_MAX_NODES; i++) {
		const struct watch_peer *p = &in->watch->peer[i];
		struct status_peer *sp = &st->peers[st->npeers];

		if (i == in->node || p->moved_ns == 0 || p->state == MINT_NODE_ABSENT)
			continue;
		sp->node = i;
		sp->state = p->dead ? MINT__NODE_STATE__NODE_DEAD : p->state;
		sp->epoch = p->epoch;
		/* the heartbeat thread may have looked after the loop read its clock */
		sp->silent_ms = in->now_ns > p->moved_ns ?
		    (uint64_t)((in->now_ns - p->moved_ns) / 1000000) : 0;
		st->npeers++;
	}
}

static void
gather_channels(const struct status_in *in, struct status *st)
{
	for (unsigned i = 0; in->chan != NULL && i < MINT_MAX_NODES; i++) {
		const struct chan_stats *s = &in->chan[i];

		if (s->tx_messages == 0 && s->rx_messages == 0 && s->errors == 0)
			continue;
		st->channels[st->nchannels].peer = i;
		st->channels[st->nchannels].s = *s;
		st->nchannels++;
	}
}

/*
 * From the resource table: the devices this node owns, the memory it is
 * given, and its cores (tcores, online in tonline) once the table has any
 * core at all: 1 then, else 0.
 */
static int
gather_table(const struct status_in *in, struct status *st, uint64_t *tcores, uint64_t *tonline)
{
	const struct mint_region *r = in->region;
	int table_cores = 0, have_mem = 0;

	memset(tcores, 0, CPULIST_WORDS * sizeof(*tcores));
	memset(tonline, 0, CPULIST_WORDS * sizeof(*tonline));
	for (unsigned i = 0; r != NULL && i < r->layout.res_count; i++) {
		struct res_view v;

		if (res_read(r, i, &v) < 0)
			continue;
		if (v.kind == MINT_RES_DEV && v.owner == in->node && v.state == MINT_RS_OWNED &&
		    st->ndevices < STATUS_DEVICES_MAX)
			memcpy(st->devices[st->ndevices++], v.name, sizeof(st->devices[0]));
		have_mem |= v.kind == MINT_RES_MEM;
		if (v.kind == MINT_RES_MEM && v.owner == in->node && v.state == MINT_RS_OWNED)
			st->mem_assigned += v.size;
		if (v.kind != MINT_RES_CPU || v.index >= CPULIST_MAX)
			continue;
		/* the cores the table gives this node, once it has any: moves change them */
		table_cores = 1;
		if (v.owner == in->node && v.state != MINT_RS_FREE) {
			tcores[v.index / 64] |= 1ULL << (v.index % 64);
			if (v.state == MINT_RS_OWNED)
				tonline[v.index / 64] |= 1ULL << (v.index % 64);
		}
	}
	st->has_assigned = have_mem;
	return table_cores;
}

/* Each core's use since the last sample, from /proc/stat. */
static void
gather_cores(struct status_src *src, struct status *st, int table_cores, const uint64_t *tcores,
    const uint64_t *tonline)
{
	struct cpu_times cur[SAMPLE_MAX_CPUS];
	int n = 0, have_map;

	if (read_text(src->proc, "stat", src->text, sizeof(src->text)) <= 0 ||
	    sample_parse_stat(src->text, cur, SAMPLE_MAX_CPUS, &n) < 0)
		n = 0;
	/* core ids are hardware ids where the module lists them; /proc counts cpus */
	have_map = src->coremap != NULL && coremap_load(src->coremap, &src->map) == 0;
	for (unsigned c = 0; c < CPULIST_MAX && st->ncores < SAMPLE_MAX_CPUS; c++) {
		const struct cpu_times *now = NULL, *then = NULL;
		struct status_core *sc = &st->cores[st->ncores];
		/* a list that does not read names no cpu: no load rather than a wrong one */
		int kc = src->coremap == NULL ? (int)c : have_map ? coremap_cpu(&src->map, c) : -1;

		for (int i = 0; kc >= 0 && i < n; i++)
			if (cur[i].cpu == kc)
				now = &cur[i];
		/* the node's own cores, or every core its kernel shows */
		if (table_cores ? !cpulist_has(tcores, c) :
		    src->have_cores ? !cpulist_has(src->cores, c) : now == NULL)
			continue;
		sc->cpu = c;
		sc->online = table_cores ? cpulist_has(tonline, c) : 1;
		for (int k = 0; now != NULL && k < src->nprev; k++)
			if (src->prev[k].cpu == kc)
				then = &src->prev[k];
		sc->has_busy = now != NULL;
		sc->busy_permille = now != NULL && then != NULL ? sample_busy_permille(then, now) : 0;
		st->ncores++;
	}
	memcpy(src->prev, cur, sizeof(cur[0]) * (size_t)n);
	src->nprev = n;
}

static void
gather_memory(struct status_src *src, struct status *st)
{
	uint64_t total, avail;

	if (read_text(src->proc, "loadavg", src->text, sizeof(src->text)) > 0 &&
	    sample_parse_loadavg(src->text, &st->load1_centi, &st->load5_centi,
	    &st->load15_centi) == 0)
		st->has_load = 1;
	if (read_text(src->proc, "meminfo", src->text, sizeof(src->text)) > 0 &&
	    sample_parse_meminfo(src->text, &total, &avail) == 0) {
		st->has_mem = 1;
		st->mem_total = total;
		st->mem_used = total - (avail < total ? avail : total);
	}
	/*
	 * zoneinfo is long, to make and to parse (most of an idle sample's cost),
	 * and its movable zone changes only with hotplug, which moves MemTotal
	 */
	if (st->has_mem && src->movable_known && src->movable_total == st->mem_total) {
		st->has_movable = 1;
		st->mem_movable = src->movable;
	} else if (read_text(src->proc, "zoneinfo", src->text, sizeof(src->text)) > 0) {
		st->has_movable = 1;
		st->mem_movable = sample_parse_movable(src->text, (uint64_t)sysconf(_SC_PAGESIZE));
		src->movable_known = st->has_mem;
		src->movable_total = st->mem_total;
		src->movable = st->mem_movable;
	}
}

void
status_gather(struct status_src *src, const struct status_in *in, struct status *st)
{
	uint64_t tcores[CPULIST_WORDS], tonline[CPULIST_WORDS];
	int table_cores;

	memset(st, 0, sizeof(*st));
	st->node = in->node;
	st->epoch = in->epoch;
	st->mode = src->mode;
	st->uptime_ms = in->uptime_ms;
	st->heartbeat_ms = in->heartbeat_ms;
	if (gethostname(st->hostname, sizeof(st->hostname)) < 0)
		st->hostname[0] = '\0';
	st->hostname[sizeof(st->hostname) - 1] = '\0';
	gather_peers(in, st);
	gather_channels(in, st);
	table_cores = gather_table(in, st, tcores, tonline);
	gather_cores(src, st, table_cores, tcores, tonline);
	gather_memory(src, st);
}

/* The lists of a snapshot: peers, channels, devices, cores. */
static void
encode_lists(struct status_enc *enc, const struct status *st)
{
	Mint__NodeStatus *m = &enc->st;

	for (size_t i = 0; i < st->npeers; i++) {
		Mint__Peer *p = &enc->peers[i];
		mint__peer__init(p);
		p->has_node = 1, p->node = st->peers[i].node;
		p->has_state = 1, p->state = (Mint__NodeState)st->peers[i].state;
		p->has_epoch = 1, p->epoch = st->peers[i].epoch;
		p->has_silent_ms = 1, p->silent_ms = st->peers[i].silent_ms;
		enc->peerp[i] = p;
	}
	m->n_peers = st->npeers, m->peers = enc->peerp;
	for (size_t i = 0; i < st->nchannels; i++) {
		const struct chan_stats *s = &st->channels[i].s;
		Mint__Channel *c = &enc->chans[i];
		mint__channel__init(c);
		c->has_peer = 1, c->peer = st->channels[i].peer;
		c->has_tx_messages = 1, c->tx_messages = s->tx_messages;
		c->has_rx_messages = 1, c->rx_messages = s->rx_messages;
		c->has_tx_bytes = 1, c->tx_bytes = s->tx_bytes;
		c->has_rx_bytes = 1, c->rx_bytes = s->rx_bytes;
		c->has_errors = 1, c->errors = s->errors;
		enc->chanp[i] = c;
	}
	m->n_channels = st->nchannels, m->channels = enc->chanp;
	for (size_t i = 0; i < st->ndevices; i++) {
		mint__device__init(&enc->devs[i]);
		enc->devs[i].name = (char *)st->devices[i];
		enc->devp[i] = &enc->devs[i];
	}
	m->n_devices = st->ndevices, m->devices = enc->devp;
	for (size_t i = 0; i < st->ncores; i++) {
		Mint__Core *c = &enc->cores[i];
		mint__core__init(c);
		c->has_cpu = 1, c->cpu = st->cores[i].cpu;
		c->has_online = 1, c->online = st->cores[i].online;
		c->has_busy_permille = st->cores[i].has_busy;
		c->busy_permille = st->cores[i].busy_permille;
		enc->corep[i] = c;
	}
	m->n_cores = st->ncores, m->cores = enc->corep;
}

static void
encode_guests(struct status_enc *enc, const struct guest_info *guests, int nguests,
    const char *migrating)
{
	size_t n = (size_t)(nguests < 0 ? 0 : nguests < GUESTS_MAX ? nguests : GUESTS_MAX);

	for (size_t i = 0; i < n; i++) {
		Mint__Guest *g = &enc->guests[i];
		mint__guest__init(g);
		g->name = (char *)guests[i].name;
		g->uuid = (char *)guests[i].uuid;
		g->has_state = 1, g->state = (Mint__GuestState)guests[i].state;
		if (migrating != NULL && strcmp(guests[i].name, migrating) == 0)
			g->state = MINT__GUEST_STATE__GUEST_MIGRATING;
		g->has_vcpus = 1, g->vcpus = guests[i].vcpus;
		g->has_memory_bytes = 1, g->memory_bytes = guests[i].memory_bytes;
		g->has_cpu_time_ns = 1, g->cpu_time_ns = guests[i].cpu_time_ns;
		g->has_cpu_permille = 1, g->cpu_permille = guests[i].cpu_permille;
		enc->guestp[i] = g;
	}
	enc->st.n_guests = n, enc->st.guests = enc->guestp;
}

void
status_hist_add(struct status_hist *h, double seconds, int failed)
{
	static const double bound[STATUS_BUCKETS - 1] = { 0.1, 1, 10, 60 };

	h->count++;
	h->failures += failed != 0;
	h->seconds += seconds;
	for (int i = 0; i < STATUS_BUCKETS; i++)
		h->buckets[i] += i == STATUS_BUCKETS - 1 || seconds <= bound[i];
}

static void
encode_counters(struct status_enc *enc, const struct status *st)
{
	Mint__Counters *c = &enc->counters;

	mint__counters__init(c);
	memcpy(enc->move_b, st->moves.buckets, sizeof(enc->move_b));
	memcpy(enc->mig_b, st->migrations.buckets, sizeof(enc->mig_b));
	c->has_moves = 1, c->moves = st->moves.count;
	c->has_move_failures = 1, c->move_failures = st->moves.failures;
	c->n_move_buckets = STATUS_BUCKETS, c->move_buckets = enc->move_b;
	c->has_move_seconds = 1, c->move_seconds = st->moves.seconds;
	c->has_migrations = 1, c->migrations = st->migrations.count;
	c->has_migration_failures = 1, c->migration_failures = st->migrations.failures;
	c->n_migration_buckets = STATUS_BUCKETS, c->migration_buckets = enc->mig_b;
	c->has_migration_seconds = 1, c->migration_seconds = st->migrations.seconds;
	enc->st.counters = c;
}

static void
encode_migrations(struct status_enc *enc, const struct status *st)
{
	size_t n = st->nmigs < STATUS_MIGS ? st->nmigs : STATUS_MIGS;

	for (size_t i = 0; i < n; i++) {
		const struct status_mig *s = &st->migs[i];
		Mint__Migration *m = &enc->migs[i];

		mint__migration__init(m);
		m->has_seq = 1, m->seq = s->seq;
		m->guest = (char *)s->guest;
		m->has_to_node = 1, m->to_node = s->to;
		m->phase = (char *)s->phase;
		m->has_started_ms = 1, m->started_ms = (uint64_t)s->started_ms;
		if (s->ended_ms != 0)
			m->has_ended_ms = 1, m->ended_ms = (uint64_t)s->ended_ms;
		m->has_data_total = 1, m->data_total = s->data_total;
		m->has_data_processed = 1, m->data_processed = s->data_processed;
		if (s->ended_ms != 0)
			m->has_downtime_ms = 1, m->downtime_ms = s->downtime_ms;
		if (s->message[0] != '\0')
			m->message = (char *)s->message;
		enc->migp[i] = m;
	}
	enc->st.n_migrations = n, enc->st.migrations = enc->migp;
}

int
status_encode(struct status_enc *enc, const struct status *st, const struct guest_info *guests,
    int nguests, const char *migrating, Mint__Tunnel **tunnels, size_t ntunnels, uint8_t *buf,
    size_t cap, size_t *len)
{
	Mint__NodeStatus *m = &enc->st;
	Mint__Envelope e;

	mint__node_status__init(m);
	m->has_node = 1, m->node = st->node;
	m->has_epoch = 1, m->epoch = st->epoch;
	m->has_state = 1, m->state = MINT__NODE_STATE__NODE_ONLINE;
	m->has_mode = 1, m->mode = (Mint__CoreMode)st->mode;
	m->has_uptime_ms = 1, m->uptime_ms = st->uptime_ms;
	m->has_heartbeat_ms = 1, m->heartbeat_ms = st->heartbeat_ms;
	if (st->hostname[0] != '\0')
		m->hostname = (char *)st->hostname;
	encode_lists(enc, st);
	if (st->has_assigned)
		m->has_mem_assigned_bytes = 1, m->mem_assigned_bytes = st->mem_assigned;
	if (st->has_load) {
		m->has_load1_centi = m->has_load5_centi = m->has_load15_centi = 1;
		m->load1_centi = st->load1_centi;
		m->load5_centi = st->load5_centi;
		m->load15_centi = st->load15_centi;
	}
	if (st->has_mem) {
		m->has_mem_total_bytes = 1, m->mem_total_bytes = st->mem_total;
		m->has_mem_used_bytes = 1, m->mem_used_bytes = st->mem_used;
	}
	if (st->has_movable)
		m->has_mem_movable_bytes = 1, m->mem_movable_bytes = st->mem_movable;
	encode_guests(enc, guests, nguests, migrating);
	encode_counters(enc, st);
	encode_migrations(enc, st);
	m->n_tunnels = ntunnels, m->tunnels = tunnels;
	wire_init(&e, st->node, st->node, 0);
	e.body_case = MINT__ENVELOPE__BODY_STATUS;
	e.status = m;
	return wire_pack(&e, buf, cap, len);
}
