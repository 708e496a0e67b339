#!/bin/sh
# Two cores moved out of one node at the same moment, on a simulated machine
# (synthetic cores: each partition is a file). Both moves change the donor's
# cpuset.cpus and then the receiver's, each a read-modify-write of one file:
# run side by side, one can write over the other and lose a core. Many rounds,
# both directions; after each, both cores are where the table says, in the
# partition files too, and in no other partition. The agents hold each
# change of a partition file for 100 ms between reading and writing it
# (MINT_TEST_SIM_RMW_MS), so that two moves in flight together are sure to
# overlap there if nothing keeps them apart.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
sim_env
sim="$d/run/sim"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT

# synthetic cores: numbers past any core of the host
ncpu=$(nproc)
c1=$((ncpu + 1)) c2=$((ncpu + 2)) c3=$((ncpu + 3)) c4=$((ncpu + 4))
cat >"$d/m.conf" <<EOF
region file:$d/region
node 0 cores=0 memory=512M
node 1 cores=$c1,$c2,$c3 memory=512M
node 2 cores=$c4 memory=512M
EOF

# where CORE NODE: owned by NODE in the table, in NODE's partition and no other's
where() {
	[ "$(owner cpu "$1")" = "$2" ] || return 1
	for k in 0 1 2; do
		if [ $k = "$2" ]; then has $k "$1" || return 1; else ! has $k "$1" || return 1; fi
	done
}
# together TO: move c2 and c3 to node TO at once; 0 when both moved and both
# are where they should be, else says what it found
together() {
	con cpu move $c2 --to "$1" >"$d/a" 2>&1 & pa=$!
	con cpu move $c3 --to "$1" >"$d/b" 2>&1 & pb=$!
	wait $pa; ra=$?; wait $pb; rb=$?
	[ $ra = 0 ] && [ $rb = 0 ] && where $c2 "$1" && where $c3 "$1" && return 0
	echo "# to node $1: moves $ra $rb; cpu $c2 $(owner cpu $c2), cpu $c3 $(owner cpu $c3);" \
	    "partitions $(cpus 0) / $(cpus 1) / $(cpus 2)"
	sed 's/^/#   /' "$d/a" "$d/b"
	return 1
}
# repair: the partitions made to agree with the table again, for the next round
repair() {
	echo 0 >"$sim/node0/cpuset.cpus"
	echo $c1,$c2,$c3 >"$sim/node1/cpuset.cpus"
	echo $c4 >"$sim/node2/cpuset.cpus"
	for c in $c2 $c3; do
		[ "$(owner cpu $c)" = 1 ] || con cpu move $c --to 1 >/dev/null 2>&1
	done
	echo $c1,$c2,$c3 >"$sim/node1/cpuset.cpus"
	echo $c4 >"$sim/node2/cpuset.cpus"
}

export MINT_TEST_SIM_RMW_MS="${MINT_TEST_SIM_RMW_MS:-100}"
ok '"$console" machine start "$d/m.conf" >"$d/start.out" 2>&1' "a three-node machine starts" ||
	diag_files "$d/start.out"
ok 'has 1 $c1 && has 1 $c2 && has 1 $c3 && [ "$(cpus 2)" = $c4 ]' "  node 1 has three cores ($(cpus 1))"

rounds=${MINT_TOGETHER_ROUNDS:-5}
lost=0
for i in $(seq 1 "$rounds"); do
	if ! together 2 || ! together 1; then
		lost=$((lost + 1))
		repair
	fi
done
ok '[ $lost = 0 ]' "two cores moved out of one node at once and back, $rounds rounds: none lost ($lost rounds lost one)"
ok 'where $c1 1 && where $c2 1 && where $c3 1 && where $c4 2' "  every core where the table says"

echo "1..$n"
