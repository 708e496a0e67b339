/*
 * handle_move and handle_claim on a two-node machine in one process: a memfd
 * region formatted here, two agent contexts on one loop talking through their
 * rings, and a fake backend that records what each kernel was asked to do.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "agent/agent.h"
#include "agent/worker.h"
#include "common/cause.h"
#include "common/log.h"
#include "shm/node.h"
#include "shm/region.h"
#include "shm/resource.h"
#include "tests/tap.h"

#define MiB	(1ull << 20)

/* What the kernels were asked: "node 0 cpu 1 down", in order. */
static struct {
	pthread_mutex_t lock;
	char calls[64][48];
	int n;
	int fail_node, fail_cpu;	/* this cpu will not come up on this node */
} fake = { PTHREAD_MUTEX_INITIALIZER, .fail_node = -1 };

static void
fake_record(unsigned node, const char *kind, unsigned what, int up)
{
	pthread_mutex_lock(&fake.lock);
	if (fake.n < 64)
		snprintf(fake.calls[fake.n++], sizeof(fake.calls[0]), "node %u %s %u %s", node, kind,
		    what, up ? "up" : "down");
	pthread_mutex_unlock(&fake.lock);
}

static int
fake_cpu(const struct backend *b, unsigned node, unsigned cpu, int up, char *msg, size_t len)
{
	fake_record(node, "cpu", cpu, up);
	if (up && (int)node == fake.fail_node && (int)cpu == fake.fail_cpu)
		return cause_fail(msg, len, -EIO, "cpu %u will not come up (the test says so)", cpu);
	return 0;
}

static int
fake_mem(const struct backend *b, unsigned node, uint64_t base, uint64_t size, int up, char *msg,
    size_t len)
{
	fake_record(node, "mem", (unsigned)(base / (128 * MiB)), up);
	return 0;
}

static int
fake_dev(const struct backend *b, unsigned node, const char *name, int up, char *msg, size_t len)
{
	return cause_fail(msg, len, -EOPNOTSUPP, "no devices here");
}

static const struct backend_ops fake_ops = { "fake", fake_cpu, fake_mem, fake_dev, NULL, NULL };

/* Was call the i-th call since mark? */
static int
called(int mark, int i, const char *call)
{
	int yes;

	pthread_mutex_lock(&fake.lock);
	yes = mark + i < fake.n && strcmp(fake.calls[mark + i], call) == 0;
	if (!yes)
		diag("call %d: %s, wanted %s", mark + i, mark + i < fake.n ? fake.calls[mark + i] :
		    "none", call);
	pthread_mutex_unlock(&fake.lock);
	return yes;
}

/* The agents' log goes to a file: what they answered is read back from it. */
static FILE *logfile;

static int
logged(const char *piece)
{
	char line[1024];
	int found = 0;

	fflush(stderr);
	rewind(logfile);
	while (!found && fgets(line, sizeof(line), logfile) != NULL)
		found = strstr(line, piece) != NULL;
	fseek(logfile, 0, SEEK_END);
	if (!found)
		diag("not in the log: %s", piece);
	return found;
}

static struct mint_region reg;
static struct agent A, B;	/* node 0 and node 1 */

static void
setup_region(void)
{
	struct region_params p;
	struct mint_layout l;
	uint64_t total;
	char cause[256];

	region_params_default(&p);
	p.nodes = 2;
	p.res_count = 16;
	if (region_layout(&p, &l, &total, cause, sizeof(cause)) < 0 ||
	    region_map(&reg, "memfd:test-move", total, REGION_CREATE, cause, sizeof(cause)) < 0 ||
	    region_format(&reg, &p, cause, sizeof(cause)) < 0 ||
	    region_attach(&reg, cause, sizeof(cause)) < 0) {
		printf("Bail out! region: %s\n", cause);
		exit(1);
	}
	/* node 0: cpus 0-2, two blocks of memory; node 1: cpu 3; cpu 4 nobody's */
	for (unsigned c = 0; c < 5; c++)
		res_define(&reg, c, MINT_RES_CPU, c, 0, 0, "", c < 3 ? 0 : c == 3 ? 1 : MINT_NO_NODE);
	for (unsigned m = 0; m < 2; m++)
		res_define(&reg, 5 + m, MINT_RES_MEM, m, m * 128 * MiB, 128 * MiB, "", 0);
}

static void
setup_agent(struct agent *a, unsigned node)
{
	a->loop = EV_DEFAULT;
	a->region = reg;
	a->node = node;
	a->ctl.fd = -1;
	a->request_ms = a->move.timeout_ms = a->libvirt_ms = 5000;
	a->move.mem_floor = 256 * MiB;
	a->backend.ops = &fake_ops;
	a->backend.self = node;
	if (node_attach(&a->region, node, MINT_NODE_ONLINE, (uint32_t)getpid(), &a->epoch) < 0 ||
	    peers_open(a) < 0) {
		printf("Bail out! node %u: cannot attach or open its rings\n", node);
		exit(1);
	}
	watch_init(&a->watch, node, 10 * 1000000000ll);
}

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
}

/* Run the loop until both agents' moves are over (or 10 s): 1 if they are. */
static int
settle(void)
{
	ev_tstamp end = ev_time() + 10;
	ev_timer tick;

	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(A.loop, &tick);
	while ((A.move.list != NULL || B.move.list != NULL) && ev_time() < end)
		ev_run(A.loop, EVRUN_ONCE);
	ev_timer_stop(A.loop, &tick);
	return A.move.list == NULL && B.move.list == NULL;
}

static int
owner_of(unsigned res, uint32_t *state)
{
	struct res_view v;

	if (res_read(&reg, res, &v) < 0)
		return -1;
	*state = v.state;
	return (int)v.owner;
}

/* A move request as a console sends it, from root. */
static int
move(struct agent *a, Mint__CommandKind kind, unsigned res, unsigned to, int dry, char *msg,
    size_t len)
{
	static const struct peer root = { .pid = 1, .uid = 0 };
	struct reply_to rt = { NULL, MINT_NO_NODE, 1 };
	Mint__Command cmd;
	Mint__Reply reply;

	mint__command__init(&cmd);
	mint__reply__init(&reply);
	cmd.has_kind = 1, cmd.kind = kind;
	cmd.has_resource = 1, cmd.resource = res;
	cmd.has_to_node = 1, cmd.to_node = to;
	cmd.has_dry_run = dry, cmd.dry_run = dry;
	msg[0] = '\0';
	return handle_command(a, &root, &rt, &cmd, &reply, msg, len);
}

static void
test_moves(void)
{
	char msg[512];
	uint32_t st;
	int mark;

	mark = fake.n;
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 1, 0, msg, sizeof(msg)), HANDLE_LATER,
	    "cpu 1 to node 1: under way");
	ok(settle(), "  and over");
	ok(owner_of(1, &st) == 1 && st == MINT_RS_OWNED, "  owned by node 1 now");
	ok(called(mark, 0, "node 0 cpu 1 down") && called(mark, 1, "node 1 cpu 1 up"),
	    "  taken down on node 0, then brought up on node 1");
	ok(logged("cpu 1 moved from node 0 to node 1 in "), "  and the console is told");

	mark = fake.n;
	is(move(&B, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 0, 0, msg, sizeof(msg)), HANDLE_LATER,
	    "and back, asked of node 1");
	ok(settle() && owner_of(1, &st) == 0 && st == MINT_RS_OWNED, "  owned by node 0 again");
	ok(called(mark, 0, "node 1 cpu 1 down") && called(mark, 1, "node 0 cpu 1 up"),
	    "  down on node 1, up on node 0");

	/* the receiver cannot bring it up: the donor takes it back */
	fake.fail_node = 1, fake.fail_cpu = 2;
	mark = fake.n;
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 2, 1, 0, msg, sizeof(msg)), HANDLE_LATER,
	    "cpu 2 to node 1, which cannot bring it up");
	ok(settle() && owner_of(2, &st) == 0 && st == MINT_RS_OWNED, "  back on node 0");
	ok(called(mark, 0, "node 0 cpu 2 down") && called(mark, 1, "node 1 cpu 2 up") &&
	    called(mark, 2, "node 0 cpu 2 up"), "  down, refused on node 1, up again on node 0");
	ok(logged("node 1 could not take cpu 2: node 1 could not bring cpu 2 up: cpu 2 will not "
	    "come up (the test says so); it is back on node 0"), "  the console told why");
	fake.fail_node = -1;

	/* a free core to this node: claimed without a donor */
	mark = fake.n;
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 4, 0, 0, msg, sizeof(msg)), HANDLE_LATER,
	    "free cpu 4 to node 0");
	ok(settle() && owner_of(4, &st) == 0 && st == MINT_RS_OWNED, "  claimed by node 0");
	ok(called(mark, 0, "node 0 cpu 4 up"), "  brought up there, nothing taken down");

	mark = fake.n;
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 2, 1, 1, msg, sizeof(msg)), 0,
	    "a dry run answers at once");
	has(msg, "dry run: cpu 2 would move from node 0 to node 1", "  saying what would happen");
	ok(owner_of(2, &st) == 0 && st == MINT_RS_OWNED && fake.n == mark, "  and changes nothing");
}

static void
test_refusals(void)
{
	char msg[512];

	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 0, 1, 0, msg, sizeof(msg)), -EPERM,
	    "cpu 0 never moves");
	has(msg, "boot CPU", "  it is the boot CPU");
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 7, 0, msg, sizeof(msg)), -EINVAL,
	    "no node 7");
	has(msg, "nodes 0 to 1", "  the machine's nodes named");
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 3, 1, 0, msg, sizeof(msg)), -EBUSY,
	    "node 0 cannot give node 1's core");
	has(msg, "cpu 3 is owned by node 1, not owned by node 0", "  whose it is said");
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 0, 0, msg, sizeof(msg)), -EALREADY,
	    "a core already there");
	is(move(&A, MINT__COMMAND_KIND__CMD_MEM_MOVE, 5, 1, 0, msg, sizeof(msg)), -EPERM,
	    "memory below the floor stays");
	has(msg, "keeps at least 256 MiB", "  the floor named");
	is(move(&A, MINT__COMMAND_KIND__CMD_MEM_MOVE, 1, 1, 0, msg, sizeof(msg)), -ENOENT,
	    "entry 1 is no memory block");
	A.life.stopping = 1;
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 1, 0, msg, sizeof(msg)), -EBUSY,
	    "a node shutting down gives nothing");
	A.life.stopping = 0;
	node_set_state(&reg, 1, MINT_NODE_ABSENT);
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 1, 0, msg, sizeof(msg)), -EHOSTDOWN,
	    "an absent node receives nothing");
	node_set_state(&reg, 1, MINT_NODE_ONLINE);
}

/* A receiver that does not answer: the entry is fenced, until a reclaim frees it. */
static void
test_fence(void)
{
	static const struct peer root = { .pid = 1, .uid = 0 };
	struct reply_to rt = { NULL, MINT_NO_NODE, 1 };
	Mint__Command cmd;
	Mint__Reply reply;
	char msg[512];
	uint32_t st;
	int mark;

	peers_close(&B);	/* node 1 stops reading its rings */
	A.move.timeout_ms = 300;
	is(move(&A, MINT__COMMAND_KIND__CMD_CPU_MOVE, 1, 1, 0, msg, sizeof(msg)), HANDLE_LATER,
	    "cpu 1 to node 1, which no longer reads its rings");
	ok(settle() && owner_of(1, &st) == 1 && st == MINT_RS_FENCED, "  fenced, node 1's");
	ok(logged("node 1 did not answer within 300 ms: cpu 1 is fenced until `mint-console node "
	    "reclaim 1`"), "  the console told what to do");
	mint__command__init(&cmd);
	mint__reply__init(&reply);
	cmd.has_kind = 1, cmd.kind = MINT__COMMAND_KIND__CMD_NODE_RECLAIM;
	cmd.has_to_node = 1, cmd.to_node = 1;
	is(handle_command(&A, &root, &rt, &cmd, &reply, msg, sizeof(msg)), -EBUSY,
	    "node 1 still heartbeats: no reclaim");
	node_set_state(&reg, 1, MINT_NODE_DEAD);
	mark = fake.n;
	is(handle_command(&A, &root, &rt, &cmd, &reply, msg, sizeof(msg)), 0, "dead, it is reclaimed");
	has(msg, "node 1: cpu 1 cpu 3 2 free now", "  its cores named");
	ok(owner_of(1, &st) == MINT_NO_NODE && st == MINT_RS_FREE && called(mark, 0,
	    "node 1 cpu 1 down"), "  cpu 1 free, taken from node 1's partition");
	A.move.timeout_ms = 5000;
}

static void
test_claims(void)
{
	static const struct peer agent = { .pid = 1, .uid = 0, .agent = 1 }, user = { .uid = 1000 };
	struct reply_to rt = { NULL, 0, 1 };
	Mint__Command cmd;
	Mint__Reply reply;
	char msg[512];

	mint__command__init(&cmd);
	mint__reply__init(&reply);
	cmd.has_kind = 1, cmd.kind = MINT__COMMAND_KIND__CMD_RES_CLAIM;
	cmd.has_resource = 1, cmd.resource = 1;
	is(handle_claim(&B, &agent, &rt, &cmd, &reply, msg, sizeof(msg)), -ESTALE,
	    "a claim of what is not being handed over is refused");
	has(msg, "cpu 1 is owned by node 0, not being handed to node 1", "  with its state");
	cmd.resource = 99;
	is(handle_claim(&B, &agent, &rt, &cmd, &reply, msg, sizeof(msg)), -EINVAL,
	    "a claim of an entry the table does not have");
	is(handle_console_allowed(&A, &agent, &cmd, msg, sizeof(msg)), -EPERM,
	    "consoles may not send claims (the table's agents-only column)");
	cmd.kind = MINT__COMMAND_KIND__CMD_CPU_MOVE;
	is(handle_command(&A, &user, &rt, &cmd, &reply, msg, sizeof(msg)), -EACCES,
	    "a user who is not root may not move (the table's changes column)");
	is(handle_timeout_ms(&A, &cmd), 2 * A.move.timeout_ms + A.request_ms,
	    "a move forwarded may take two move timeouts and a request's");
	cmd.kind = MINT__COMMAND_KIND__CMD_DEV_MOVE;
	is(handle_timeout_ms(&A, &cmd), 2 * A.move.timeout_ms + A.request_ms + A.libvirt_ms,
	    "  a device move a libvirt call more");
	cmd.kind = MINT__COMMAND_KIND__CMD_PING;
	is(handle_timeout_ms(&A, &cmd), A.request_ms, "a ping a request's");
}

int
main(void)
{
	if ((logfile = tmpfile()) == NULL || dup2(fileno(logfile), 2) < 0) {
		printf("Bail out! no log file\n");
		return 1;
	}
	log_open("test-move", 0, LOG_TO_STDERR);
	setup_region();
	setup_agent(&A, 0);
	setup_agent(&B, 1);
	/* one worker for both: its backend lane keeps each node's jobs in order */
	if (worker_new(A.loop, &A.worker) < 0 || move_init(&A) < 0 || move_init(&B) < 0) {
		printf("Bail out! no worker\n");
		return 1;
	}
	B.worker = A.worker;
	test_moves();
	test_refusals();
	test_claims();
	test_fence();
	peers_close(&A);
	/* its threads end with it: nothing left for valgrind to call lost */
	if (worker_free(A.worker) < 0)
		diag("a worker job still runs at the end");
	region_unmap(&reg);
	return tap_done();
}
