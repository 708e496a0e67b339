#!/bin/sh
# The CPU time an idle mint-agent takes, with its default periods (heartbeat
# 100 ms, status every second): measured from /proc over SECONDS (10).
# Usage: bench-agent.sh BUILDDIR [SECONDS]
set -u
b=$1
secs=${2:-10}
d=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$d"' EXIT
R="file:$d/region"
"$b/console/mint-console" -r "$R" format nodes=2 >/dev/null || exit 1
"$b/agent/mint-agent" -r "$R" -n 0 -f -c test:///default 2>/dev/null &
pid=$!
sleep 2	# past start-up
# nanoseconds on a CPU (schedstat), finer than the clock ticks of /proc/PID/stat
oncpu() { cut -d' ' -f1 "/proc/$pid/schedstat"; }
t0=$(oncpu); s0=$(date +%s.%N)
sleep "$secs"
t1=$(oncpu); s1=$(date +%s.%N)
awk -v a0="$t0" -v a1="$t1" -v s0="$s0" -v s1="$s1" 'BEGIN {
	pct = (a1 - a0) / 1e9 / (s1 - s0) * 100
	printf "  %.1f ms of CPU in %.1f s: %.4f%% of a core (target < 0.1%%): %s\n",
	    (a1 - a0) / 1e6, s1 - s0, pct, pct < 0.1 ? "met" : "MISSED" }'
