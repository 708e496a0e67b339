/* top's columns: how each one is written and compared. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "console/top.h"
#include "shm/node.h"

static const char *
row_state(const struct top_row *r)
{
	return r->dead ? "dead" : node_state_name(r->state);
}

/* Mean use of the node's cores, in permille; -1 without a snapshot. */
static int
row_cpu(const struct top_row *r)
{
	uint32_t sum = 0, n = 0;

	for (size_t i = 0; r->st != NULL && i < r->st->n_cores; i++)
		if (r->st->cores[i]->has_busy_permille) {
			sum += r->st->cores[i]->busy_permille;
			n++;
		}
	return n == 0 ? -1 : (int)(sum / n);
}

#define CMP(a, b)	((a) < (b) ? -1 : (a) > (b))

static void f_node(const struct top_row *r, char *b, size_t n) { snprintf(b, n, "%u", r->node); }
static int c_node(const struct top_row *a, const struct top_row *b) { return CMP(a->node, b->node); }

static void f_state(const struct top_row *r, char *b, size_t n) { snprintf(b, n, "%s", row_state(r)); }
static int c_state(const struct top_row *a, const struct top_row *b) { return strcmp(row_state(a), row_state(b)); }

static void f_epoch(const struct top_row *r, char *b, size_t n) { snprintf(b, n, "%" PRIu32, r->epoch); }
static int c_epoch(const struct top_row *a, const struct top_row *b) { return CMP(a->epoch, b->epoch); }

static void
f_age(const struct top_row *r, char *b, size_t n)
{
	if (r->age_ms < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%" PRId64 "ms", r->age_ms);
}
static int c_age(const struct top_row *a, const struct top_row *b) { return CMP(a->age_ms, b->age_ms); }

static void
f_cores(const struct top_row *r, char *b, size_t n)
{
	snprintf(b, n, "%zu", r->st != NULL ? r->st->n_cores : 0);
}
static int
c_cores(const struct top_row *a, const struct top_row *b)
{
	return CMP(a->st ? a->st->n_cores : 0, b->st ? b->st->n_cores : 0);
}

static void
f_cpu(const struct top_row *r, char *b, size_t n)
{
	int c = row_cpu(r);

	if (c < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f", c / 10.0);
}
static int c_cpu(const struct top_row *a, const struct top_row *b) { return CMP(row_cpu(a), row_cpu(b)); }

static void
f_load(const struct top_row *r, char *b, size_t n)
{
	if (r->st == NULL)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.2f", r->st->load1_centi / 100.0);
}
static int
c_load(const struct top_row *a, const struct top_row *b)
{
	return CMP(a->st ? a->st->load1_centi : 0, b->st ? b->st->load1_centi : 0);
}

static void
f_mem(const struct top_row *r, char *b, size_t n)
{
	if (r->st == NULL)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f/%.1fG", r->st->mem_used_bytes / 1073741824.0,
		    r->st->mem_total_bytes / 1073741824.0);
}
static int
c_mem(const struct top_row *a, const struct top_row *b)
{
	return CMP(a->st ? a->st->mem_used_bytes : 0, b->st ? b->st->mem_used_bytes : 0);
}

static void
f_guests(const struct top_row *r, char *b, size_t n)
{
	snprintf(b, n, "%zu", r->st != NULL ? r->st->n_guests : 0);
}
static int
c_guests(const struct top_row *a, const struct top_row *b)
{
	return CMP(a->st ? a->st->n_guests : 0, b->st ? b->st->n_guests : 0);
}

static uint64_t
row_msgs(const struct top_row *r)
{
	uint64_t n = 0;

	for (size_t i = 0; r->st != NULL && i < r->st->n_channels; i++)
		n += r->st->channels[i]->tx_messages + r->st->channels[i]->rx_messages;
	return n;
}

static void
f_msgs(const struct top_row *r, char *b, size_t n)
{
	snprintf(b, n, "%" PRIu64, row_msgs(r));
}
static int c_msgs(const struct top_row *a, const struct top_row *b) { return CMP(row_msgs(a), row_msgs(b)); }

static void
f_host(const struct top_row *r, char *b, size_t n)
{
	snprintf(b, n, "%s", r->st != NULL && r->st->hostname != NULL ? r->st->hostname : "-");
}
static int
c_host(const struct top_row *a, const struct top_row *b)
{
	return strcmp(a->st && a->st->hostname ? a->st->hostname : "",
	    b->st && b->st->hostname ? b->st->hostname : "");
}

const struct top_column top_columns[] = {
	{ "NODE", 4, f_node, c_node },
	{ "STATE", 8, f_state, c_state },
	{ "EPOCH", 5, f_epoch, c_epoch },
	{ "HB-AGE", 7, f_age, c_age },
	{ "CORES", 5, f_cores, c_cores },
	{ "%CPU", 5, f_cpu, c_cpu },
	{ "LOAD1", 6, f_load, c_load },
	{ "MEM", 12, f_mem, c_mem },
	{ "GUESTS", 6, f_guests, c_guests },
	{ "MSGS", 7, f_msgs, c_msgs },
	{ "HOST", 12, f_host, c_host },
};
const int top_ncolumns = sizeof(top_columns) / sizeof(top_columns[0]);

int
top_column_find(const char *name)
{
	for (int i = 0; i < top_ncolumns; i++)
		if (strcasecmp(top_columns[i].name, name) == 0)
			return i;
	return -1;
}

static void
trim(char *buf)
{
	size_t n = strlen(buf);

	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

void
top_format_header(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < top_ncolumns && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%-*s ", top_columns[i].width,
		    top_columns[i].name);
	trim(buf);
}

void
top_format_row(const struct top_row *r, char *buf, size_t len)
{
	size_t off = 0;
	char cell[64];

	buf[0] = '\0';
	for (int i = 0; i < top_ncolumns && off < len; i++) {
		top_columns[i].format(r, cell, sizeof(cell));
		off += (size_t)snprintf(buf + off, len - off, "%-*s ", top_columns[i].width, cell);
	}
	trim(buf);
}

/* The lines under a node: its cores with their use, then its guests. */
void
top_format_detail(const struct top_row *r, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	if (r->st == NULL)
		return;
	off += (size_t)snprintf(buf + off, len - off, "    cores:");
	for (size_t i = 0; i < r->st->n_cores && off < len; i++) {
		const Mint__Core *c = r->st->cores[i];
		if (c->has_busy_permille)
			off += (size_t)snprintf(buf + off, len - off, " cpu%" PRIu32 " %.0f%%", c->cpu,
			    c->busy_permille / 10.0);
		else	/* a synthetic core with no host core behind it */
			off += (size_t)snprintf(buf + off, len - off, " cpu%" PRIu32 " -", c->cpu);
		if (c->has_online && !c->online && off < len)
			off += (size_t)snprintf(buf + off, len - off, " (moving)");
	}
	if ((r->st->has_mem_assigned_bytes || r->st->has_mem_movable_bytes) && off < len)
		off += (size_t)snprintf(buf + off, len - off, "\n    memory:");
	if (r->st->has_mem_assigned_bytes && off < len)
		off += (size_t)snprintf(buf + off, len - off, " %" PRIu64 " MiB in blocks the table gives "
		    "it;", r->st->mem_assigned_bytes >> 20);
	if (r->st->has_mem_movable_bytes && off < len)
		off += (size_t)snprintf(buf + off, len - off, " %" PRIu64 " MiB movable in its kernel",
		    r->st->mem_movable_bytes >> 20);
	if (r->st->n_devices > 0)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "\n    devices:");
	for (size_t i = 0; i < r->st->n_devices && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, " %s", r->st->devices[i]->name);
	if (r->st->n_channels > 0)
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "\n    channels:");
	for (size_t i = 0; i < r->st->n_channels && off < len; i++) {
		const Mint__Channel *c = r->st->channels[i];
		off += (size_t)snprintf(buf + off, len - off, " node%" PRIu32 " %" PRIu64 "/%" PRIu64
		    " msgs out/in%s", c->peer, c->tx_messages, c->rx_messages, c->errors ? " (errors)" : "");
	}
	for (size_t i = 0; i < r->st->n_guests && off < len; i++) {
		static const char *const states[] = {
			"", "", " (paused)", " (shut off)", " (crashed)", " (migrating)",
		};
		const Mint__Guest *g = r->st->guests[i];

		off += (size_t)snprintf(buf + off, len - off, "\n    guest %s%s: %" PRIu32 " vcpus, %"
		    PRIu64 " MiB, %.1f%% cpu", g->name, g->state >= 0 && g->state < 6 ? states[g->state] :
		    "", g->vcpus, g->memory_bytes >> 20, g->cpu_permille / 10.0);
	}
	/* tunnels through the region: what a migration is carrying right now */
	for (size_t i = 0; i < r->st->n_tunnels && off < len; i++) {
		const Mint__Tunnel *t = r->st->tunnels[i];

		if (t->listen == NULL)
			off += (size_t)snprintf(buf + off, len - off, "\n    tunnel %" PRIu32 " to node%"
			    PRIu32 " %s: %" PRIu64 "/%" PRIu64 " MiB out/in", t->id, t->peer,
			    t->target ? t->target : "", t->bytes_out >> 20, t->bytes_in >> 20);
	}
}
