#!/bin/sh
# A 512 MiB guest migrated live between the two nodes of a simulated
# machine, bandwidth limit raised: through the region tunnels, and with its
# data over TCP loopback, alternately, ROUNDS (3) each in the same run, after
# a warm-up round trip. The guest is tests/guest/dirtier.c --idle: it fills
# 256 MiB with a pattern once and then only reads it back and checks it, so
# only what the kernel and its own loop touch is dirtied and the copy
# converges (a guest rewriting 256 MiB all the time cannot converge live at
# these rates). A damaged page prints CORRUPT on its console: the figures
# are then not valid. Prints each time, the medians and their ratio
# region/TCP (target: <= 1.0). Takes the host-wide heavy-test lock (its
# libvirtds use the host-wide cgroups /mint/nodeN), so it may wait.
# Usage: bench-migrate.sh BUILDDIR SRCDIR [ROUNDS]
set -u
b=$1 src=$2 rounds=${3:-3}
. "$src/tests/lib.sh"
console="$b/console/mint-console"
say_skip() { echo "  skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || say_skip "needs root"
[ -x /usr/sbin/libvirtd ] || say_skip "no libvirtd (tools/install-deps)"
command -v jq >/dev/null 2>&1 || say_skip "no jq (tools/install-deps)"
d=$(mktemp -d)
run="$d/run"
export MINT_RUN_DIR="$run" MINT_AGENT="$b/agent/mint-agent" MINT_SOCKET="$run/node0.sock"
export MINT_REGION="file:$d/region"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
sh "$src/tests/guest/mkguest.sh" "$d/guest" big 512 256 --idle >"$d/mk.out" 2>&1 || say_skip "$(cat "$d/mk.out")"
heavy_lock
cat >"$d/m.conf" <<EOF
region file:$d/region
libvirtd
node 0 cores=0 memory=2G
node 1 cores=1 memory=2G
EOF
"$console" machine start "$d/m.conf" >/dev/null 2>&1 || say_skip "the machine did not start"
up() { virsh -q -c "qemu+unix:///system?socket=$run/node$1-hv/run/libvirt-sock" list >/dev/null 2>&1; }
t=0; while [ $t -lt 150 ] && ! { up 0 && up 1; }; do sleep 0.2; t=$((t + 1)); done
"$console" guest define --node 0 "$d/guest/big.xml" >/dev/null || exit 1
sleep 1.5
"$console" guest start big --node 0 >/dev/null || exit 1
# until the pattern is written and checked once
t=0; while [ $t -lt 120 ] && ! grep -q '^TICK' "$run/node0-hv/log/big-serial.log" 2>/dev/null; do
	sleep 1; t=$((t + 1)); done
sleep 3
# warm-up, not counted: a node's first migration waits for its libvirtd to probe QEMU
where=0
for to in 1 0; do
	sleep 1.5
	"$console" guest migrate big --to $to --bandwidth 100000 >/dev/null 2>&1 && where=$to
done
: >"$d/times"
for r in $(seq "$rounds"); do
	for via in region tcp; do
		to=$((1 - where))
		sleep 1.5	# the lists settle
		if "$console" guest migrate big --to $to --bandwidth 100000 --via $via --json \
		    >"$d/out" 2>"$d/err"; then
			ms=$(jq -r '.seconds * 1000 | floor' "$d/out")
			mib=$(jq -r '.bytes / 1048576 | floor' "$d/out")
			down=$(jq -r '.downtime * 1000 | floor' "$d/out")
			passes=$(jq -r '.passes' "$d/out")
			echo "$via $ms" >>"$d/times"
			printf "  round %d via %-6s %6d ms  (%d MiB sent, %s passes, %s ms paused)\n" \
			    "$r" "$via" "$ms" "$mib" "$passes" "$down"
			where=$to
		else
			echo "  round $r via $via: failed: $(tail -n 1 "$d/err")"
		fi
	done
done
# the guest checks its whole pattern again where it is now (a pass takes a
# few seconds under TCG); a checker that found damage stops ticking
log="$run/node$where-hv/log/big-serial.log"
t0=$(grep -c "^TICK" "$log" 2>/dev/null); t0=${t0:-0}
t=0; while [ $t -lt 30 ] && [ "$(grep -c '^TICK' "$log" 2>/dev/null)" -lt $((t0 + 10)) ]; do
	sleep 1; t=$((t + 1)); done
bad=0
for n in 0 1; do
	grep -q CORRUPT "$run/node$n-hv/log/big-serial.log" 2>/dev/null && bad=1
done
sums=$(cat "$run"/node[01]-hv/log/big-serial.log 2>/dev/null |
    sed -n 's/^TICK [0-9]* [0-9]* \([0-9a-f]*\).*/\1/p' | grep -v '^0*$' | sort -u | wc -l)
if [ $bad = 1 ] || [ "$sums" != 1 ]; then
	echo "  the guest's pattern was damaged on the way ($sums checksums seen): figures not valid"
elif [ "$(grep -c '^TICK' "$log")" -lt $((t0 + 10)) ]; then
	echo "  the guest stopped checking its pattern on node $where: figures not valid"
else
	echo "  the guest's 256 MiB pattern arrived whole every time (checked on both nodes, one checksum)"
fi
median() { awk -v v="$1" '$1 == v { print $2 }' "$d/times" | sort -n | awk '{ a[NR] = $1 } END {
	if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
mr=$(median region) mt=$(median tcp)
if [ -n "$mr" ] && [ -n "$mt" ]; then
	awk -v r="$mr" -v t="$mt" 'BEGIN {
		printf "  median: region %d ms, tcp %d ms: ratio region/tcp %.2f (target <= 1.0): %s\n",
		    r, t, r / t, r / t <= 1.0 ? "met" : "MISSED" }'
fi
