# Shared helpers for the shell tests (sourced first): the prologue every test
# shares, TAP lines, waiting, the heavy-test lock, the simulated machine's
# processes, the guest tests' machine.

set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
agent="$b/agent/mint-agent"
console="$b/console/mint-console"

con() { "$console" "$@"; }
skip() { echo "1..0 # SKIP $*"; exit 77; }

# sim_env: a temporary directory $d and the MINT_* variables that put a
# simulated machine's run directory, region and node 0's socket in it.
sim_env() {
	d=$(mktemp -d)
	export MINT_RUN_DIR="$d/run" MINT_AGENT="$agent" MINT_REGION="file:$d/region"
	export MINT_SOCKET="$d/run/node0.sock"
}

# need COMMAND: SKIP the whole test when COMMAND is not on PATH, saying where it comes from.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	case "$1" in
	jq) echo "1..0 # SKIP jq not installed (tools/install-deps)" ;;
	*) echo "1..0 # SKIP $1 not installed${2:+ ($2)}" ;;
	esac
	exit 77
}

# dgram_listen SOCKET OUT: bind a datagram socket at SOCKET (a fake service
# manager's, a fake journal's) and write "listening", then each datagram as a
# line of OUT (its newlines as |). Only in the background: it execs python3.
dgram_listen() {
	exec python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1)
print("listening", file=out)
while True:
    print(s.recv(65536).decode(errors="replace").replace("\n", "|"), file=out)
' "$1" "$2"
}

# json_py: the python that has jsonschema (Debian's python3-jsonschema,
# tools/install-deps), or nothing.
json_py() {
	for _p in /usr/bin/python3 python3; do
		"$_p" -c 'import jsonschema' 2>/dev/null && { echo "$_p"; return 0; }
	done
	return 1
}
# json_valid DEF FILE [ndjson]: each document of FILE (each line for ndjson)
# is a DEF of doc/mint-console.schema.json.
json_valid() {
	"$(json_py)" - "$s/doc/mint-console.schema.json" "$1" "$2" "${3:-}" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
sub = dict(schema, **{"$ref": "#/$defs/" + sys.argv[2]})
sub.pop("oneOf", None)
text = open(sys.argv[3]).read()
docs = [json.loads(l) for l in text.splitlines() if l.strip()] if sys.argv[4] else [json.loads(text)]
if not docs:
    sys.exit("no JSON at all")
for d in docs:
    jsonschema.validate(d, sub, cls=jsonschema.Draft202012Validator)
PY
}

# The heavy tests (QEMU VMs, TCG guests, simulated machines on the host's real
# cores) saturate two cores and share host-wide names (the /mint cpusets, the
# VM harness's ports): they take this lock, so that make -j2 check, or two
# checkouts tested at once, run them one after another.
heavy_lock() {
	_lk=/run/lock
	[ -d "$_lk" ] && [ -w "$_lk" ] || _lk=${TMPDIR:-/tmp}
	exec 9>"$_lk/mint-heavy-tests.lock"
	if command -v flock >/dev/null 2>&1; then
		flock 9 || { echo "1..0 # SKIP cannot take the heavy-test lock"; exit 77; }
	fi
}

# pid_runs PID: the process runs; a zombie has ended (the simulated machine's
# processes are orphans, and init may take seconds to reap them).
pid_runs() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] &&
	    [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# machine_left RUN-DIR REGION: the pids of a simulated machine that still run:
# its agents (by their configuration, RUN-DIR/nodeN.conf, or by their region
# when started by hand) and whatever lives in its nodes' mount namespaces
# (libvirtd, QEMU), found by their mounts of RUN-DIR/nodeN-hv.
machine_left() {
	_key="$(basename "$(dirname "$1")")/$(basename "$1")/node"
	for _p in $(pgrep -f -- "-r $2 ") $(pgrep -f -- "--config $1/node[0-9]*\.conf") \
	    $(grep -l -F "$_key" /proc/[0-9]*/mountinfo 2>/dev/null | cut -d/ -f3); do
		[ "$_p" != $$ ] && pid_runs "$_p" && echo "$_p"
	done | sort -u | tr '\n' ' '
}

# pids_running RUN-DIR: of the pids in the machine's pid files (agents,
# libvirtd, QEMU), those that run.
pids_running() {
	for _f in "$1"/node*.pid "$1"/node*-hv/run/qemu/*.pid; do
		_p=$(cat "$_f" 2>/dev/null)
		pid_runs "$_p" && echo "$_p"
	done | sort -u | tr '\n' ' '
}

# now_ms: the clock in milliseconds, for timings printed as TAP diagnostics.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The slow tests (TCG guests and VMs): CI runs make check three times (plain,
# distcheck, sanitizers) and these in one of them; MINT_HEAVY_TESTS=skip says
# SKIP in the others. Then the heavy lock.
slow_test() {
	if [ "${MINT_HEAVY_TESTS:-}" = skip ]; then
		echo "1..0 # SKIP MINT_HEAVY_TESTS=skip: the slow guest and VM tests run once per CI run"
		exit 77
	fi
	heavy_lock
}

# ---- TAP ----
n=0
fail=0
# ok COMMAND DESCRIPTION: one test line; the command is evaluated
# (returns 1 on failure, so that a test can add diagnostics: ok ... || diag_files F)
ok() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; return 1; fi; }
# diag_files FILE...: what a failed check looked at, as TAP comments
diag_files() { for _f; do echo "# --- $_f:"; sed 's/^/#   /' "$_f" 2>/dev/null | head -n 20; done; }
# until_ok SECONDS COMMAND: wait for the command to succeed
until_ok() { _t=0; while [ $_t -lt $(($1 * 5)) ]; do eval "$2" && return 0; sleep 0.2; _t=$((_t + 1)); done; return 1; }

# ---- a simulated machine's partitions and table (t-move, t-move-together) ----
# $sim: the machine's synthetic tree (RUN-DIR/sim)
cpus() { tr -d '\n' <"$sim/node$1/cpuset.cpus"; }
# has NODE CORE: is CORE in NODE's partition (a list like 1-3,7)?
has() {
	for r in $(tr ',' ' ' <"$sim/node$1/cpuset.cpus"); do
		lo=${r%-*} hi=${r#*-}
		[ "$2" -ge "$lo" ] && [ "$2" -le "$hi" ] && return 0
	done
	return 1
}
owner() {	# owner KIND ID: the owner of an entry when it is owned, else its state
	con resources --json | jq -r --arg k "$1" --arg i "$2" \
	    '.[] | select(.kind == $k and (.id | tostring) == $i) | if .state == "owned" then .owner else .state end'
}

# ---- the guest tests (t-guest, t-migrate) ----
# guest_machine: a machine of two nodes, each with its own libvirtd, on the
# host's cores 0 and 1, and the test guest "web" (tests/guest: 128 MiB, 32 MiB
# of it rewritten all the time) made in $d/guest. SKIPs where the host cannot;
# sets d, run, console and the MINT_* variables; stops the machine at exit.
guest_machine() {
	[ "$(id -u)" = 0 ] || skip "needs root (mount namespaces, cgroups, libvirtd)"
	[ -x /usr/sbin/libvirtd ] ||
		skip "no libvirtd (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
	command -v virsh >/dev/null 2>&1 || skip "no virsh (apt-get install libvirt-clients)"
	need jq
	slow_test
	sim_env
	run="$d/run"
	trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; [ -n "${MINT_KEEP:-}" ] && echo "# kept $d" || rm -rf "$d"' EXIT
	sh "${top_srcdir:-.}/tests/guest/mkguest.sh" "$d/guest" web 128 32 >"$d/mkguest.out" 2>&1
	_rc=$?
	[ $_rc -eq 77 ] && skip "$(cat "$d/mkguest.out")"
	if [ $_rc -ne 0 ]; then
		echo "1..1"
		echo "not ok 1 - the test guest could not be made: $(cat "$d/mkguest.out")"
		exit 1
	fi
	# machine_extra: more lines of the description (a guest-pool)
	printf 'region file:%s/region\nlibvirtd\n%bnode 0 cores=0 memory=2G\nnode 1 cores=1 memory=2G\n' \
	    "$d" "${machine_extra:-}" >"$d/m.conf"
	"$console" machine start "$d/m.conf" >"$d/start.out" 2>&1 ||
		skip "the machine did not start: $(cat "$d/start.out")"
}
# node N's libvirtd: lv N VERB [ARG]
lv() { virsh -q -c "qemu+unix:///system?socket=$run/node$1-hv/run/libvirt-sock" "$2" ${3:-} 2>&1; }
# the guest's serial console on node N: "TICK seconds pass checksum" lines, or CORRUPT
serial() { cat "$run/node$1-hv/log/web-serial.log" 2>/dev/null; }
ticks() { serial "$1" | sed -n 's/^TICK \([0-9]*\) .*/\1/p' | tail -n 1; }
# how many checksums of whole passes node N saw (1 while no page is lost)
sums() { serial "$1" | sed -n 's/^TICK [0-9]* [0-9]* \([0-9a-f]*\).*/\1/p' | sort -u | grep -v '^0*$' | wc -l; }
# where web is, as "node:state " pairs
where() { con guest list --json | jq -r '.[] | select(.name == "web") | "\(.node):\(.state)"' | sort | tr '\n' ' '; }
