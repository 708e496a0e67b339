#!/bin/sh
# make bench: the ring benchmark and a peer measured the same way in the
# same run (boost::lockfree::spsc_queue), then the two counts that do not
# depend on timing: system calls per message (perf) and instructions per
# message (callgrind); then the CPU an idle agent takes against its floor;
# then 1 GiB through a stream tunnel against a socketpair and the bulk floor,
# and a guest migrated live through the region tunnels against TCP loopback.
# Usage: bench.sh BENCH-RING [ROUNDS]
set -u
bench=$1
rounds=${2:-${BENCH_ROUNDS:-5}}
out=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$out"' EXIT

"$bench" "$rounds" | tee "$out"
[ -s "$out" ] || exit 1

echo
echo "against a peer: boost::lockfree::spsc_queue (two pinned threads, 64 KiB of queue, copies in and out)"
cxx=${CXX:-g++}
if ! command -v "$cxx" >/dev/null 2>&1 || [ ! -f /usr/include/boost/lockfree/spsc_queue.hpp ]; then
	echo "  skipped: needs g++ and libboost-dev (tools/install-deps)"
elif ! "$cxx" -O2 -pthread -o "$tmp/peer-spsc" "$(dirname "$0")/peer-spsc.cpp" 2>"$tmp/cxx.err"; then
	echo "  skipped: the peer did not build: $(tail -n 1 "$tmp/cxx.err")"
else
	set -- $("$tmp/peer-spsc" "$rounds")
	# the ring's medians, as bench-ring printed them
	ring() { awk -v k="$1" 'index($0, k) { print $(NF - 1); exit }' "$out"; }
	awk -v rr64="$(ring 'round trip, 56-byte payload')" -v rr512="$(ring 'round trip, 512-byte payload')" \
	    -v rm64="$(ring 'message rate, 64 bytes')" -v rm512="$(ring 'message rate, 512 bytes')" \
	    -v pr64="$2" -v pr512="$4" -v pm64="$6" -v pm512="$8" 'BEGIN {
		printf "  round trip 64 B: ring %.0f ns (56 B payload), peer %.0f ns: ring / peer %.2f (lower is better)\n", rr64, pr64, rr64 / pr64
		printf "  round trip 512 B: ring %.0f ns, peer %.0f ns: ring / peer %.2f\n", rr512, pr512, rr512 / pr512
		printf "  rate 64 B: ring %.2f M/s, peer %.2f M/s: ring / peer %.2f (higher is better)\n", rm64, pm64, rm64 / pm64
		printf "  rate 512 B: ring %.2f M/s, peer %.2f M/s: ring / peer %.2f\n", rm512, pm512, rm512 / pm512 }'
fi

echo
echo "system calls per message, both sides awake (perf stat -e raw_syscalls:sys_enter)"
if command -v perf >/dev/null 2>&1; then
	n=10000000
	out=$(perf stat -x, -e raw_syscalls:sys_enter "$bench" stream $n 2>&1 >/dev/null)
	calls=$(printf '%s\n' "$out" | awk -F, '/raw_syscalls:sys_enter/ { print $1 }')
	case "$calls" in
	''|*[!0-9]*) echo "  perf could not count system calls here: $(printf '%s' "$out" | tail -1)" ;;
	*) awk -v c="$calls" -v n="$n" 'BEGIN {
		printf "  %d system calls for %d messages, set-up included: %.6f per message (target 0)\n", c, n, c / n }' ;;
	esac
	n=5000
	out=$(perf stat -x, -e syscalls:sys_enter_futex "$bench" sleep $n 2>&1 >/dev/null)
	calls=$(printf '%s\n' "$out" | awk -F, '/sys_enter_futex/ { print $1 }')
	case "$calls" in
	''|*[!0-9]*) ;;
	*) awk -v c="$calls" -v n="$n" 'BEGIN {
		printf "  receiver asleep: %.2f futex calls per round trip (at least 2: the receiver sleeps and is woken)\n", c / n }' ;;
	esac
else
	echo "  perf is not installed (Debian package linux-perf)"
fi

echo
echo "instructions per send + receive, copies included (valgrind --tool=callgrind)"
if command -v valgrind >/dev/null 2>&1; then
	for size in 56 64 512; do
		for n in 100000 200000; do
			valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$n" \
			    --toggle-collect=cg_loop "$bench" cg $size $n >/dev/null 2>"$tmp/log.$n"
		done
		a=$(sed -n 's/^summary: //p' "$tmp/cg.100000")
		b=$(sed -n 's/^summary: //p' "$tmp/cg.200000")
		awk -v a="$a" -v b="$b" -v s="$size" 'BEGIN {
			t = s <= 64 ? 100 : 200
			v = (b - a) / 100000
			printf "  %3d-byte payload: %6.1f instructions (target <= %d): %s\n", s, v, t, v <= t ? "met" : "MISSED" }'
	done
else
	echo "  valgrind is not installed"
fi

echo
echo "an idle mint-agent (heartbeat every 100 ms, status every second, libvirt test driver) against its floor"
sh "$(dirname "$0")/bench-agent.sh" "$(dirname "$bench")/../.." 20

echo
echo "the control socket flooded by a user of its group (1000 connections x 250 status requests)"
sh "$(dirname "$0")/bench-ctl.sh" "$(dirname "$bench")/../.." 1000
echo "  the same with node 0 taking every connection (no caps): fair turns alone"
(ulimit -n 4096 2>/dev/null; sh "$(dirname "$0")/bench-ctl.sh" "$(dirname "$bench")/../.." 1000 nocap)

echo
echo "the stream tunnel alone: 1 GiB through a region tunnel against one socketpair and the bulk floor"
sh "$(dirname "$0")/bench-tunnel.sh" "$(dirname "$bench")/../.." "$rounds"

echo
echo "guest migration, live, 512 MiB guest checking a 256 MiB pattern: region tunnels against TCP loopback"
sh "$(dirname "$0")/bench-migrate.sh" "$(dirname "$bench")/../.." "$(dirname "$0")/../.." "${BENCH_MIGRATIONS:-3}"

echo
echo "guest migration that copies no RAM (a file both nodes map) against a normal one, by guest size"
sh "$(dirname "$0")/bench-migrate-shared.sh" "$(dirname "$bench")/../.." "$(dirname "$0")/../.."
