#!/bin/sh
# Moving cores, memory blocks and devices on a simulated machine (synthetic
# cores: each node's partition is a set of files): moves and their way back,
# every rule refused with its message, refusals and failures rolled back,
# agents killed at every step of a move, conflicting consoles.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
sim_env
sim="$d/run/sim"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT

cat >"$d/guests.xml" <<'EOF2'
<node>
  <domain type='test'>
    <name>web</name>
    <memory>131072</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <interface type='direct'><source dev='eth1' mode='bridge'/></interface>
    </devices>
  </domain>
</node>
EOF2
# synthetic cores: the numbers are past any host core
cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=0 memory=512M devices=eth0
node 1 cores=301,302 memory=1G floor=512M devices=eth1,disk1 libvirt=test://$d/guests.xml
node 2 cores=303 memory=512M devices=disk2
EOF2
sed -i 's/301/1/; s/302/2/; s/303/3/' "$d/m.conf"
# keep the cores synthetic even on a host with 4 cores: give them numbers it lacks
ncpu=$(nproc)
if [ "$ncpu" -ge 4 ]; then
	sed -i "s/cores=1,2/cores=$((ncpu + 1)),$((ncpu + 2))/; s/cores=3 /cores=$((ncpu + 3)) /" "$d/m.conf"
	c1=$((ncpu + 1)) c2=$((ncpu + 2)) c3=$((ncpu + 3))
else
	c1=1 c2=2 c3=3
fi

start() {
	"$console" machine stop "$d/m.conf" >/dev/null 2>&1
	"$console" machine start "$d/m.conf" >"$d/start.out" 2>&1 || { cat "$d/start.out" >&2; return 1; }
}
# The invariant, from the table and the partitions: no core in two nodes'
# partitions, and every owned core is in its owner's partition.
invariant() {
	for c in 0 $c1 $c2 $c3; do
		in=0
		for k in 0 1 2; do
			has $k "$c" && in=$((in + 1))
		done
		[ "$in" -le 1 ] || { echo "# core $c in $in partitions" >&2; return 1; }
		o=$(owner cpu "$c")
		case "$o" in [0-9]*)
			has "$o" "$c" ||
			    { echo "# core $c owned by $o but not in its partition" >&2; return 1; } ;;
		esac
	done
	return 0
}
settle() {	# wait for the agents' next status sample
	sleep 1.2
}

ok 'start' "a three-node machine starts"
ok 'has 1 $c1 && has 1 $c2 && [ "$(cpus 2)" = "$c3" ]' "  each node's partition has its cores"
ok '[ "$(cat $sim/node1/memory.limit_in_bytes)" = 1073741824 ] && [ "$(ls $sim/node1/devices | tr "\n" " ")" = "disk1 eth1 " ]' \
    "  and its memory and devices"

# --- dry runs: every check, nothing changed ---
before=$(con resources --json)
dry() {	# dry ARGS EXPECTED: a dry run that would succeed says so, and changes nothing
	args=$1 expect=$2
	ok 'con $args --dry-run >"$d/out" 2>&1 && grep -q "^dry run: $expect; nothing was done" "$d/out" &&
	    [ "$(con resources --json)" = "$before" ]' "$args --dry-run says what it would do, changes nothing"
}
dry "cpu move $c2 --to 2" "cpu $c2 would move from node 1 to node 2"
dry "mem move 3 --to 2" "memory block 3 would move from node 0 to node 2"
dry "dev move disk2 --to 0" "device disk2 would move from node 2 to node 0"
ok 'has 1 $c2 && [ "$(cpus 2)" = "$c3" ] && [ "$(ls $sim/node2/devices | tr "\n" " ")" = "disk2 " ]' "  the partitions are untouched"
dryno() {	# dryno ARGS: a dry run refused with the real command's reason
	args=$1
	con $args 2>&1 | grep "^mint-console:" >"$d/real"
	ok '! con $args --dry-run 2>"$d/err" && [ -s "$d/real" ] && [ "$(cat "$d/err")" = "$(cat "$d/real")" ] &&
	    [ "$(con resources --json)" = "$before" ]' "$args --dry-run is refused as the real one: $(cat "$d/real")"
}
dryno "cpu move 0 --to 1"
dryno "cpu move $c3 --to 1"

# --- a core there and back ---
ok 'con cpu move $c2 --to 2 >"$d/out" 2>"$d/err" && grep -q "cpu $c2 moved from node 1 to node 2" "$d/out"' \
    "cpu move $c2 --to 2 moves it"
ok 'grep -q "owned by node 2" "$d/err"' "  showing where it stands while it runs"
ok '( for s in releasing offline free claiming; do grep -q "cpu $c2: $s (node 1 epoch [1-9][0-9]*, node 2 epoch [1-9]" "$d/run/node1.log" || exit 1; done )' \
    "  the donor logs each of its steps with both sides' epochs"
ok '( for s in claim online owned; do grep -q "cpu $c2: $s (node 1 epoch [1-9][0-9]*, node 2 epoch [1-9]" "$d/run/node2.log" || exit 1; done )' \
    "  so does the receiver"
ok '[ "$(cpus 1)" = "$c1" ] && has 2 $c2 && has 2 $c3 && ! has 1 $c2' "  the partitions follow"
ok '[ "$(owner cpu $c2)" = 2 ]' "  resources --json agrees"
settle
ok 'con top -b -n 1 | grep -A1 "^2 " | grep -q "cpu$c2 .*cpu$c3\|cpu$c3 .*cpu$c2"' "  top -b shows the core on node 2"
ok 'con status 2 --json | jq -e "(.cores | map(.cpu) | sort) == [$c2, $c3]" >/dev/null' "  so does node 2's status"
ok 'con resources --json | jq -e ".[] | select(.kind == \"cpu\" and .id == $c2) | .owner_epoch > 0 and .peer_epoch > 0" >/dev/null' \
    "  the entry records both sides' epochs"
ok 'con cpu move $c2 --to 1 --json | jq -e ".ok and .from == 2 and .to == 1 and .owner == 1" >/dev/null' \
    "and back, with --json"
ok 'has 1 $c1 && has 1 $c2 && [ "$(cpus 2)" = "$c3" ] && invariant' "  the partitions follow"

# metrics count the moves: each node its own, with how long they took
con metrics >"$d/metrics" 2>&1
moves=$(sed -n 's/^mint_moves_total{node="[0-9]*"} //p' "$d/metrics" | awk '{ t += $1 } END { print t + 0 }')
ok 'promtool check metrics <"$d/metrics" >/dev/null 2>&1 && [ "$moves" -ge 2 ] &&
    [ "$(sed -n "s/^mint_move_duration_seconds_count{node=\"\([0-9]*\)\"} //p" "$d/metrics" | awk "{ t += \$1 } END { print t + 0 }")" = "$moves" ]' \
    "metrics count each move once, on the node asked ($moves), with their durations" || diag_files "$d/metrics"

# --- memory ---
ok 'con mem move 256M --from 1 --to 2 >"$d/out" 2>/dev/null && [ "$(grep -c moved "$d/out")" = 2 ]' \
    "mem move 256M moves two 128 MiB blocks"
ok '[ "$(cat $sim/node1/memory.limit_in_bytes)" = 805306368 ] && [ "$(cat $sim/node2/memory.limit_in_bytes)" = 805306368 ]' \
    "  the memory limits follow"
blk=$(con resources --json | jq -r '[.[] | select(.kind == "mem" and .owner == 2)] | last | .id')
ok 'con mem move $blk --to 1 >/dev/null 2>&1 && [ "$(owner mem $blk)" = 1 ]' "mem move BLOCK moves that block back"
before=$(con resources --json)
ok 'con mem move 256M --from 1 --to 0 --dry-run >"$d/out" 2>&1 && [ "$(grep -c "^dry run: memory block .* would move from node 1 to node 0; nothing was done" "$d/out")" = 2 ] &&
    [ "$(con resources --json)" = "$before" ]' "mem move 256M --dry-run: both blocks would move, nothing moved"
con mem move 512M --from 1 --to 0 --dry-run >"$d/dry.out" 2>"$d/dry.err"; dryrc=$?
ok '[ $dryrc != 0 ] && [ "$(grep -c "^dry run:" "$d/dry.out")" = 3 ] &&
    grep -q "3 of 4 blocks would move before this one" "$d/dry.err" && [ "$(con resources --json)" = "$before" ]' \
    "mem move 512M --dry-run: the floor the four blocks cross together is found at the fourth, nothing moved"
con mem move 512M --from 1 --to 0 >/dev/null 2>"$d/err"; rc=$?
ok '[ $rc = 7 ] && grep -q "keeps at least 512 MiB" "$d/err" && grep -q "3 of 4 blocks moved before this one" "$d/err"' \
    "a move below the node's memory floor is refused at the block that crosses it: exit 7 (partial)"
ok '[ $dryrc = 3 ]' "  its dry run: exit 3 (refused), nothing moved"
ok '[ "$(grep -m1 "^mint-console:" "$d/dry.err")" = "$(grep -m1 "^mint-console:" "$d/err")" ]' \
    "  the dry run was refused with the real move's reason: $(grep -m1 "^mint-console:" "$d/err")"
ok '[ "$(cat $sim/node1/memory.limit_in_bytes)" = 536870912 ]' "  what could move before the floor moved, whole blocks"
ok '! con mem move 100M --from 1 --to 0 2>"$d/err" && grep -q "exactly" "$d/err"' "a size that is not whole blocks is refused"
ok '! con mem move 64G --from 1 --to 0 2>"$d/err" && grep -q "does not own that much" "$d/err"' \
    "more than the node owns is refused"

# --- devices ---
ok 'con dev move disk1 --to 2 >/dev/null 2>&1 && [ -e $sim/node2/devices/disk1 ] && [ ! -e $sim/node1/devices/disk1 ]' \
    "dev move disk1 --to 2 moves the device"
ok '! con dev move eth1 --to 2 2>"$d/err" && grep -q "in use by running guest web" "$d/err" && [ "$(owner dev eth1)" = 1 ]' \
    "a device a running guest uses is refused"

# --- rules ---
ok '! con cpu move 0 --to 1 2>"$d/err" && grep -q "boot CPU" "$d/err"' "cpu 0 is refused: the boot CPU"
ok '! con cpu move $c3 --to 1 2>"$d/err" && grep -q "no core left" "$d/err"' "a node's last core is refused"
ok '! con cpu move $c1 --to 1 2>"$d/err" && grep -q "already" "$d/err"' "a move to the owner is refused"
ok '! con cpu move 77 --to 1 2>"$d/err" && grep -q "no such core" "$d/err"' "an unknown core is refused"
ok '! con cpu move $c1 --to 9 2>"$d/err" && grep -q "not a node" "$d/err"' "an unknown node is refused"
ok '! con dev move nosuch --to 1 2>"$d/err" && grep -q "no such device" "$d/err"' "an unknown device is refused"
ok '! con cpu move $c1 2>"$d/err" && grep -q "where to" "$d/err"' "a move without --to is refused"
ok '! con node reclaim 2 2>"$d/err" && grep -q "still heartbeats" "$d/err"' "reclaim of a live node is refused"
ok 'invariant' "  nothing changed: the invariant holds"

# --- refusals and failures roll back ---
rm -f "$sim/node1/devices/disk1" 2>/dev/null
rm -f "$sim/node2/devices/disk1"; mkdir -p "$sim/node2/devices/disk1/busy"
ok '! con dev move disk1 --to 1 2>"$d/err" && grep -q "refused to release" "$d/err" && [ "$(owner dev disk1)" = 2 ]' \
    "a donor that cannot release refuses, and it stays there"
rm -rf "$sim/node2/devices/disk1"; : >"$sim/node2/devices/disk1"
mv "$sim/node0/devices" "$sim/node0/devices.away"; : >"$sim/node0/devices"
ok '! con dev move disk1 --to 0 2>"$d/err" && grep -q "could not take" "$d/err" && grep -q "back on node 2" "$d/err"' \
    "a receiver that cannot bring it up: the donor takes it back"
ok '[ "$(owner dev disk1)" = 2 ] && [ -e "$sim/node2/devices/disk1" ]' "  owned and working on the donor again"
rm -f "$sim/node0/devices"; mv "$sim/node0/devices.away" "$sim/node0/devices"
ok 'con resources --json | jq -e "all(.[]; .state == \"owned\")" >/dev/null' "  every entry settled"

# --- conflicting consoles ---
bad=0 done=0 refused=0
for i in 1 2 3 4 5 6 7 8; do
	con cpu move $c2 --to 2 >"$d/a" 2>&1 & pa=$!
	con cpu move $c2 --to 0 >"$d/b" 2>&1 & pb=$!
	while kill -0 $pa 2>/dev/null || kill -0 $pb 2>/dev/null; do invariant 2>/dev/null || bad=$((bad + 1)); done
	wait $pa; ra=$?; wait $pb; rb=$?
	for f in a b; do
		if grep -q "moved from" "$d/$f"; then done=$((done + 1)); else refused=$((refused + 1)); fi
	done
	o=$(owner cpu $c2)
	case "$o" in [0-2]) ;; *) bad=$((bad + 1)); echo "# round $i: cpu $c2 is $o" ;; esac
	[ "$o" = 1 ] || con cpu move $c2 --to 1 >/dev/null 2>&1
	: $ra $rb
done
ok '[ $bad = 0 ] && [ $done -ge 8 ] && [ $((done + refused)) = 16 ]' \
    "two consoles moving one core at once, 8 times: each completes or is refused ($done done, $refused refused)"
con cpu move $c2 --to 1 >/dev/null 2>&1
con cpu move $c1 --to 0 >"$d/a" 2>&1 & pa=$!
con cpu move $c2 --to 2 >"$d/b" 2>&1 & pb=$!
wait $pa; wait $pb
ok '[ "$(grep -l "moved from" "$d/a" "$d/b" | wc -l)" = 1 ] && grep -q "no core left" "$d/a" "$d/b" && [ -n "$(cpus 1)" ]' \
    "two consoles taking node 1's two cores at once: one is refused, the node keeps a core"
ok 'invariant' "  the invariant holds"

# --- an agent killed at each step of a move ---
for spec in 1:releasing 1:offline 1:free 1:claiming 2:claim 2:online 2:owned; do
	who=${spec%%:*} at=${spec#*:}
	MINT_TEST_DIE_AT=$spec start || { ok false "machine restarts for $spec"; continue; }
	con cpu move $c2 --to 2 >"$d/out" 2>&1
	i=0
	until con nodes --json | jq -e ".[] | select(.node == $who) | .state == \"dead\"" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
	done
	state=$(con resources --json | jq -r ".[] | select(.kind == \"cpu\" and .id == $c2) | .state")
	ok 'invariant' "node $who killed at '$at': the invariant holds (cpu $c2 $state)"
	[ "$state" = fenced ] &&
	    ok 'con top -b -n 1 | grep -q "moving: cpu $c2: fenced by node"' "  top -b shows it fenced"
	ok 'con node reclaim $who >"$d/out" 2>&1 && ! con resources --json | jq -e ".[] | select(.owner == $who)" >/dev/null' \
	    "  node reclaim $who frees all it had"
	ok '[ "$(owner cpu $c2)" != fenced ] && invariant' "  nothing fenced is left, the invariant holds"
	# what was freed can be given to a live node
	live=$((3 - who))
	ok 'con cpu move $c2 --to $live >/dev/null 2>&1 || [ "$(owner cpu $c2)" = $live ]; [ "$(owner cpu $c2)" = $live ] && invariant' \
	    "  cpu $c2 goes to live node $live afterwards"
done

echo "1..$n"
