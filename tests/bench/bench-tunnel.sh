#!/bin/sh
# The stream tunnel alone: BYTES (1 GiB) from a sender on node 0 through
# `tunnel listen --node 0 --to 1` to a receiver on node 1's target socket
# (a simulated machine of two agents on synthetic cores), against the same
# bytes through one socketpair (tests/bench/bench-tunnel direct: the same sender
# and receiver, 64 KiB writes and reads, default socket buffers), alternately,
# ROUNDS (5) each in the same run. The receiver checksums what arrives and
# the sender checks it on both paths. Prints each run, the medians and their
# ratio tunnel/direct throughput (target >= 0.8). Each round is run twice:
# with the sender and the receiver pinned to CPUs 0 and 1, like bench-ring's
# two processes (the target line), and with both left to the scheduler, which
# here puts a socketpair's two ends on one CPU and nearly doubles the direct
# figure. The agents' copy threads are never pinned. Each round also measures
# the bulk floor (bench-ring floor: two processes passing 64 KiB chunks
# through a buffer of the stream ring's size, one flag each), which the
# tunnel, two copies more (socket to ring, ring to socket), is set against.
# Usage: bench-tunnel.sh BUILDDIR [ROUNDS [BYTES]]
set -u
b=$1 rounds=${2:-5} bytes=${3:-1073741824}
console="$b/console/mint-console"
bt="$b/tests/bench/bench-tunnel"
d=$(mktemp -d)
export MINT_RUN_DIR="$d/run" MINT_AGENT="$b/agent/mint-agent" MINT_REGION="file:$d/region"
export MINT_SOCKET="$d/run/node0.sock"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; kill $(jobs -p) 2>/dev/null; rm -rf "$d"' EXIT
cat >"$d/m.conf" <<EOF
region file:$d/region
node 0 cores=0 memory=512M
node 1 cores=1 memory=512M
EOF
"$console" machine start "$d/m.conf" >"$d/start.out" 2>&1 || {
	echo "  skipped: the machine did not start: $(tail -n 1 "$d/start.out")"; exit 0; }
"$console" tunnel listen --node 0 --to 1 --target bench.sock "$d/in.sock" >"$d/listen.out" 2>&1 || {
	echo "  skipped: no tunnel: $(cat "$d/listen.out")"; exit 0; }
: >"$d/times"
bad=0
# one transfer: "BYTES NS ok" from the sender, or nothing
tunnel_once() {
	rm -f "$d/sink.out"
	"$bt" sink "$d/run/node1-tunnels/bench.sock" $c1 >"$d/sink.out" 2>&1 &
	i=0; while [ $i -lt 50 ] && ! grep -q listening "$d/sink.out" 2>/dev/null; do
		sleep 0.1; i=$((i + 1)); done
	timeout 300 "$bt" send "$d/in.sock" "$bytes" $c0 2>"$d/err"
	wait
}
for r in $(seq "$rounds"); do
	for pin in pinned free; do
		if [ $pin = pinned ]; then c0=0 c1=1; else c0=-1 c1=-1; fi
		if [ $pin = pinned ]; then
			f=$("$b/tests/bench/bench-ring" floor 2>/dev/null)
			[ -n "$f" ] && echo "floor $f" >>"$d/floor"
		fi
		for via in tunnel direct; do
			if [ $via = tunnel ]; then out=$(tunnel_once)
			else out=$(timeout 300 "$bt" direct "$bytes" $c0 $c1 2>"$d/err"); fi
			set -- $out
			if [ $# -ge 3 ] && [ "$3" = ok ]; then
				echo "$via-$pin $2" >>"$d/times"
				awk -v v=$via -v p=$pin -v r="$r" -v b="$1" -v ns="$2" 'BEGIN {
					printf "  round %d %-6s %-6s %6.0f ms  %5.2f GB/s  checksum ok\n",
					    r, v, p, ns / 1e6, b / ns }'
			else
				bad=1
				echo "  round $r $via $pin: failed: ${out:-$(tail -n 1 "$d/err")}"
			fi
		done
	done
done
[ $bad = 1 ] && echo "  a transfer failed or arrived damaged: figures not valid"
median() { awk -v v="$1" '$1 == v { print $2 }' "$d/times" | sort -n | awk '{ a[NR] = $1 } END {
	if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
for pin in pinned free; do
	mt=$(median tunnel-$pin) md=$(median direct-$pin)
	[ -n "$mt" ] && [ -n "$md" ] || continue
	awk -v t="$mt" -v d="$md" -v b="$bytes" -v p=$pin 'BEGIN {
		printf "  median, ends %s: tunnel %.2f GB/s, direct %.2f GB/s: ratio tunnel/direct %.2f (target >= 0.8): %s\n",
		    p == "pinned" ? "pinned to CPUs 0 and 1" : "left to the scheduler",
		    b / t, b / d, d / t, (d / t >= 0.8 ? "met" : "MISSED") }'
done
mt=$(median tunnel-pinned)
mf=$(awk '{ print $2 }' "$d/floor" 2>/dev/null | sort -n | awk '{ a[NR] = $1 } END {
	if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
[ -n "$mt" ] && [ -n "$mf" ] && awk -v t="$mt" -v f="$mf" -v b="$bytes" 'BEGIN {
	printf "  the bulk floor here %.2f GB/s: tunnel (pinned ends) / floor %.2f\n", f, b / t / f }'
:
