#!/bin/sh
# The simulated machine: descriptions checked with a reason for each fault;
# start brings up one agent per node over one region file; stop ends them.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
console="$b/console/mint-console"
command -v jq >/dev/null 2>&1 || { echo "1..0 # SKIP jq not installed (tools/install-deps)"; exit 77; }
d=$(mktemp -d)
export MINT_RUN_DIR="$d/run" MINT_AGENT="$b/agent/mint-agent"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
n=0
ok() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
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
ok '"$console" machine start "$d/m.conf" | grep -q "machine started: 3 nodes"' "start a three-node machine"
ok 'con nodes --json | jq -e "length == 3 and all(.state == \"online\")" >/dev/null' "  its three nodes are online"
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
ok '"$console" machine stop "$d/m.conf" | grep -q "machine stopped: 3 nodes$"' "stop it"
ok 'con nodes --json | jq -e "all(.state == \"absent\")" >/dev/null' "  every node is absent"
ok '[ ! -e "$d/run/node0.pid" ] && ! pgrep -f "mint-agent -r file:$d/region" >/dev/null' \
    "  no agent is left"
# with cores the host has, each node is a real cpuset partition
if [ "$(id -u)" = 0 ] && [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ] && [ "$(nproc)" -ge 2 ]; then
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
echo "1..$n"
