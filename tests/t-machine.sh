#!/bin/sh
# The simulated machine: descriptions checked with a reason for each fault;
# start brings up one agent per node over one region file and returns when
# the machine is usable (every node online, every node's libvirtd answering),
# or fails naming the node and its log, leaving nothing; stop ends them all.
# Destructive commands typed short are refused; format refuses a region in
# use (a node heartbeats, a process maps it) unless --force.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
# as root, parts run on the host's cores (host-wide /mint cgroups) or with libvirtd
[ "$(id -u)" = 0 ] && heavy_lock
d=$(mktemp -d)
export MINT_RUN_DIR="$d/run" MINT_AGENT="$b/agent/mint-agent"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
con() { "$console" -r "file:$d/region" "$@"; }
bad() {	# bad DESCRIPTION EXPECTED-MESSAGE WHAT
	printf '%s\n' "$1" >"$d/bad.conf"
	expect=$2
	ok '! "$console" machine check "$d/bad.conf" 2>"$d/err" && grep -q "$expect" "$d/err"' "$3"
}

ok '"$console" machine check "$s/machine/three-nodes.conf" | grep -q "3 nodes"' "the example checks fine"
bad "region file:/x
node 0 cores=0
node 1 cores=0-1" "nodes 0 and 1 both have core 0" "a core given to two nodes is refused"
bad "region file:/x
node 0 cores=0 devices=eth0
node 1 cores=1 devices=eth0" "both have device eth0" "a device given to two nodes is refused"
bad "region file:/x
node 0 cores=0
node 2 cores=1" "node 1 is missing" "a gap in the node numbers is refused"
bad "region file:/x
node 0" "node 0 has no core" "a node without a core is refused"
bad "region file:/x
node 0 cores=0
frob 1" "line 3: unknown word 'frob'" "an unknown word is refused with its line"
bad "region file:/x
node 0 cores=2-1" "line 2: bad cores" "a bad core list is refused"
bad "node 0 cores=0" "no region line" "a description without a region is refused"

cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=0 memory=1G devices=eth0
node 1 cores=1,2 memory=1G devices=eth1,disk1
node 2 cores=3 memory=512M
EOF2
ok '! MINT_AGENT=/nonexistent "$console" machine start "$d/m.conf" 2>"$d/err" && grep -q "cannot run /nonexistent" "$d/err"' \
    "an agent that cannot be run is named before anything starts"
printf '#!/bin/sh\necho "mint-agent: broken on purpose" >&2\nexit 3\n' >"$d/broken-agent"
chmod +x "$d/broken-agent"
# every agent is broken: whichever ends first is named, with its own log
ok '! MINT_AGENT="$d/broken-agent" "$console" machine start "$d/m.conf" 2>"$d/err" &&
    grep -q "node \([0-9]\).s agent ended (exit status 3) before the machine was up: \"mint-agent: broken on purpose\"; see $d/run/node\1.log" "$d/err"' \
    "an agent that ends at start: start fails at once, naming the node, its log and its last line"
ok '[ -z "$(machine_left "$d/run" "file:$d/region")" ] && [ ! -e "$d/run/node0.pid" ]' "  and leaves nothing running"
ok '"$console" machine start "$d/m.conf" | grep -q "machine started: 3 nodes"' "start a three-node machine"
ok 'con nodes --json | jq -e "length == 3 and all(.state == \"online\")" >/dev/null' \
    "  its three nodes are online as soon as start returns"
ok 'con status 1 --json | jq -e ".cores | map(.cpu) == [1, 2]" >/dev/null' "  node 1 has cores 1 and 2"
ok 'i=0; until con status 1 --json | jq -e ".devices == [\"eth1\", \"disk1\"]" >/dev/null; do i=$((i+1)); [ $i -lt 30 ] || break; sleep 0.1; done; [ $i -lt 30 ]' \
    "  and devices eth1 and disk1, as the resource table says"
ok 'con top -b -n 1 | grep -q "devices: eth0"' "  top lists each node's devices"
ok 'con top -b -n 1 | grep -q "cores: synthetic"' \
    "  top says the cores are synthetic (4 cores asked of a smaller host)"
ok '! "$console" machine start "$d/m.conf" 2>"$d/err" && grep -q "already has an agent" "$d/err"' \
    "a second start is refused while it runs"
ok '[ -S "$d/run/node0.sock" ] && "$console" -s "$d/run/node0.sock" ping 2 | grep -q "node 2 epoch 1: alive"' \
    "  its agents talk through the rings"
# metrics: the Prometheus format (promtool, from tools/install-deps), values as nodes and resources say
# a heartbeat's age is what the other nodes publish of it: once every node has published
until_ok 10 '[ "$(con metrics | grep -c "^mint_node_heartbeat_age_seconds")" = 3 ]'
con metrics >"$d/metrics" 2>"$d/err"
ok 'promtool check metrics <"$d/metrics" >"$d/promtool.out" 2>&1' "metrics: promtool accepts them" ||
    diag_files "$d/promtool.out"
ok '(cd "$s/tests/fixtures" && promtool test rules alerts-test.yml) >"$d/rules.out" 2>&1' \
    "  the alerting rules (doc/mint-alerts.yml) load, and a dead node fires MintNodeDead" ||
    diag_files "$d/rules.out"
ok '[ "$(sed -n "s/^mint_node_state{node=\"\([0-9]*\)\",state=\"\([a-z]*\)\"} 1$/\1 \2/p" "$d/metrics")" = \
    "$(con nodes --json | jq -r ".[] | \"\(.node) \(.state)\"")" ]' "  each node's state, as nodes --json says"
ok '[ "$(sed -n "s/^mint_resource_owner{entry=\"\([0-9]*\)\",.*} \(.*\)$/\1 \2/p" "$d/metrics")" = \
    "$(con resources --json | jq -r ".[] | \"\(.entry) \(.owner // -1)\"")" ]' "  each resource entry's owner, as resources --json says"
ok 'grep -q "^mint_node_heartbeat_age_seconds{node=\"2\"} " "$d/metrics" && grep -q "^mint_node_memory_total_bytes{node=\"1\"} " "$d/metrics" &&
    grep -q "^mint_resources_fenced 0$" "$d/metrics"' "  heartbeat ages, memory, fenced entries"
# nodes that beat every 100 ms: an age of a second or more is a watch that stopped looking
sleep 3
ages=$(con metrics | sed -n 's/^mint_node_heartbeat_age_seconds{node="[0-9]*"} //p' | tr '\n' ' ')
ok '[ -n "$ages" ] && echo "$ages" | awk "{ for (i = 1; i <= NF; i++) if (\$i < 0 || \$i >= 1) exit 1 }"' \
    "  seconds later, every node's heartbeat age is under a second ($ages)"
# what cannot be undone runs only under its full name
short() {	# short ARGS FULL: refused naming the full command, the machine untouched
	args=$1 full=$2
	ok '! con $args </dev/null >/dev/null 2>"$d/err" && grep -q "only under its full name: mint-console $full\$" "$d/err" &&
	    con nodes --json | jq -e "length == 3 and all(.state == \"online\")" >/dev/null' \
	    "'$1' is refused, naming $2"
}
short "f" "format"
short "forma nodes=2" "format"
short "node shut 2" "node shutdown"
short "node recl 2" "node reclaim"
short "guest dest web" "guest destroy"
short "mach stop $d/m.conf" "machine stop"
short "machine sto $d/m.conf" "machine stop"
short "node --json shut 2" "node shutdown"
short "guest --json dest web" "guest destroy"
ok '[ "$(con resources --json | jq length)" -gt 0 ]' "  (the resource table has entries)"
before=$(con resources --json)
ok '! con format </dev/null >/dev/null 2>"$d/err" && grep -q "is in use: node [0-2] heartbeats" "$d/err"' \
    "format on the running machine is refused: a node heartbeats"
ok '[ "$(con resources --json)" = "$before" ] &&
    con nodes --json | jq -e "length == 3 and all(.state == \"online\")" >/dev/null' \
    "  the node and resource tables are intact"
pids=$(pids_running "$d/run")
t0=$(now_ms)
ok '"$console" machine stop "$d/m.conf" | grep -q "machine stopped: 3 nodes$"' "stop it"
echo "# machine stop, three nodes: $(($(now_ms) - t0)) ms"
ok 'con nodes --json | jq -e "all(.state == \"absent\")" >/dev/null' "  every node is absent"
ok 'for p in $pids; do ! pid_runs $p || exit 1; done; [ ! -e "$d/run/node0.pid" ] &&
    [ -z "$(machine_left "$d/run" "file:$d/region")" ]' "  no agent is left (pids $pids)"
# a process that maps the region: format refused, unless --force
"$console" -r "file:$d/region" top -b -n 100000 -d 1 >/dev/null 2>&1 &
top=$!
until_ok 10 'grep -q "$d/region" /proc/$top/maps'
ok '! con format </dev/null >/dev/null 2>"$d/err" && grep -q "is in use: mint-console (pid $top) maps it" "$d/err"' \
    "format of a region a process maps is refused, naming it"
ok '! con -r "$d/region" format </dev/null >/dev/null 2>"$d/err" && grep -q "is in use: mint-console (pid $top) maps it" "$d/err"' \
    "  also when the region is named by its bare path"
ok 'con format --force </dev/null | grep -q "^formatted file:$d/region"' "  format --force formats it"
kill $top 2>/dev/null
wait $top 2>/dev/null
ok 'con format nodes=3 </dev/null | grep -q "^formatted"' "format of a region nobody uses, without a terminal: no question"
# with cores the host has, each node is a real cpuset partition
# (the /mint cpusets are host-wide: another simulated machine on real cores,
# one started by hand without the heavy-test lock, owns them while it runs)
if [ "$(id -u)" = 0 ] && cat /sys/fs/cgroup/cpuset/mint/node*/tasks 2>/dev/null | grep -q .; then
	n=$((n + 1)); echo "ok $n # SKIP cpuset partitions: another simulated machine runs in /mint (pids $(cat /sys/fs/cgroup/cpuset/mint/node*/tasks | head -n 4 | tr '\n' ' '))"
elif [ "$(id -u)" = 0 ] && [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ] && [ "$(nproc)" -ge 2 ]; then
	cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=0
node 1 cores=1
EOF2
	ok '"$console" machine start "$d/m.conf" | grep -q "2 nodes on .*, cpuset cores"' \
	    "a two-node machine on a two-core host starts in cpuset mode"
	p1=$(cat "$d/run/node1.pid")
	ok '[ "$(awk "/Cpus_allowed_list/ { print \$2 }" /proc/$p1/status)" = 1 ]' \
	    "  node 1's agent may run on core 1 only"
	ok 'grep -qx "$p1" /sys/fs/cgroup/cpuset/mint/node1/tasks' "  inside its cpuset"
	ok 'con status 1 --json | jq -e ".mode == \"cpuset\" and (.cores | map(.cpu)) == [1]" >/dev/null' \
	    "  and its status says so"
	"$console" machine stop "$d/m.conf" >/dev/null
	ok '[ ! -d /sys/fs/cgroup/cpuset/mint/node1 ]' "stopping removes the cpusets"
else
	n=$((n + 1)); echo "ok $n # SKIP cpuset partitions need root, cgroup v1 cpusets and 2 cores"
fi

# each node with its own libvirtd: usable as soon as start returns
why=
[ "$(id -u)" = 0 ] || why="needs root (mount namespaces, libvirtd)"
[ -n "$why" ] || [ -x /usr/sbin/libvirtd ] ||
    why="no /usr/sbin/libvirtd (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
[ -n "$why" ] || command -v virsh >/dev/null 2>&1 || why="no virsh (apt-get install libvirt-clients)"
if [ -z "$why" ]; then
	run="$d/run"
	lv() { virsh -q -c "qemu+unix:///system?socket=$run/node$1-hv/run/libvirt-sock" list >/dev/null 2>&1; }
	# cores no host has: synthetic, so that no host-wide cgroup (/mint/nodeN) is touched
	hvconf() {	# hvconf [DAEMON]
		printf 'region file:%s/region\nlibvirtd %s\nnode 0 cores=60 memory=1G\nnode 1 cores=61 memory=1G\n' \
		    "$d" "${1:-}" >"$d/m.conf"
	}
	hvconf
	t0=$(now_ms)
	ok '"$console" machine start "$d/m.conf" >"$d/out" 2>&1 && grep -q "machine started: 2 nodes" "$d/out"' \
	    "a machine whose nodes have their own libvirtd starts"
	echo "# machine start with libvirtd: $(($(now_ms) - t0)) ms"
	ok 'lv 0 && lv 1' "  virsh list works on every node's libvirtd as soon as start returns"
	ok 'con nodes --json | jq -e "length == 2 and all(.state == \"online\")" >/dev/null' "  and every node is online"
	pids=$(pids_running "$run")
	t0=$(now_ms)
	ok '"$console" machine stop "$d/m.conf" | grep -q "machine stopped: 2 nodes$"' "stop it"
	echo "# machine stop with libvirtd: $(($(now_ms) - t0)) ms"
	ok 'for p in $pids; do ! pid_runs $p || exit 1; done; [ -z "$(machine_left "$run" "file:$d/region")" ]' \
	    "  no agent or libvirtd is left (pids $pids)"

	# a libvirtd that cannot start: a configuration it cannot read
	printf 'this is = not a libvirtd configuration\n' >"$d/bad-libvirtd.conf"
	printf '#!/bin/sh\nexec /usr/sbin/libvirtd --config "%s" "$@"\n' "$d/bad-libvirtd.conf" >"$d/bad-libvirtd"
	chmod +x "$d/bad-libvirtd"
	hvconf "$d/bad-libvirtd"
	ok '! "$console" machine start "$d/m.conf" >"$d/out" 2>"$d/err" &&
	    grep -q "node [01].s libvirtd (pid [0-9]*) ended before it answered: .*bad-libvirtd.conf.*; see $run/node[01]-hv/log/daemon.out" "$d/err"' \
	    "a libvirtd with a bad configuration: start fails naming the node, its log and the error"
	sed "s/^/# /" "$d/err"
	ok '[ -z "$(machine_left "$run" "file:$d/region")" ] && [ ! -e "$run/node0.pid" ] && grep -q "nothing of it runs" "$d/err"' \
	    "  and leaves nothing running"
	# a libvirtd that never answers
	printf '#!/bin/sh\nexec sleep 600\n' >"$d/mute-libvirtd"
	chmod +x "$d/mute-libvirtd"
	hvconf "$d/mute-libvirtd"
	t0=$(now_ms)
	ok '! MINT_START_TIMEOUT=3 "$console" machine start "$d/m.conf" >"$d/out" 2>"$d/err" &&
	    grep -q "gave up waiting for node 1.s libvirtd to answer on $run/node1-hv/run/libvirt-sock (3 s; log $run/node1-hv/log/libvirtd.log)" "$d/err" &&
	    grep -q "not up within 3 s" "$d/err"' \
	    "a libvirtd that never answers: start gives up after \$MINT_START_TIMEOUT, naming the node and its log"
	echo "# failed start took $(($(now_ms) - t0)) ms"
	ok '[ -z "$(machine_left "$run" "file:$d/region")" ]' \
	    "  and leaves nothing running"
else
	n=$((n + 1)); echo "ok $n # SKIP libvirtd machine: $why"
fi
echo "1..$n"
