#!/bin/sh
# The CPU time an idle mint-agent takes, with its default periods (heartbeat
# 100 ms, status every second), against its floor in the same run: a bare
# loop that wakes 10 times a second and writes a word to the region
# (idle-floor). Both measured from /proc over the same SECONDS (10), side by
# side. Target: the agent within 1.5 times the floor.
# Usage: bench-agent.sh BUILDDIR [SECONDS]
set -u
b=$1
secs=${2:-10}
d=$(mktemp -d)
pid= fpid=
trap 'kill $pid $fpid 2>/dev/null; wait $pid $fpid 2>/dev/null; rm -rf "$d"' EXIT
R="file:$d/region"
"$b/console/mint-console" -r "$R" format nodes=2 >/dev/null || exit 1
"$b/agent/mint-agent" -r "$R" -n 0 -f -c test:///default 2>/dev/null &
pid=$!
"$b/tests/bench/idle-floor" "$d/region" &
fpid=$!
sleep 2	# past start-up
# nanoseconds on a CPU (schedstat), finer than the clock ticks of /proc/PID/stat,
# of every thread (the heartbeat's, the workers': they outlive a sample period)
oncpu() { cat /proc/$1/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f", s }'; }
t0=$(oncpu $pid); f0=$(oncpu $fpid); s0=$(date +%s.%N)
sleep "$secs"
t1=$(oncpu $pid); f1=$(oncpu $fpid); s1=$(date +%s.%N)
awk -v a0="$t0" -v a1="$t1" -v f0="$f0" -v f1="$f1" -v s0="$s0" -v s1="$s1" 'BEGIN {
	pct = (a1 - a0) / 1e9 / (s1 - s0) * 100
	fpct = (f1 - f0) / 1e9 / (s1 - s0) * 100
	printf "  agent: %.1f ms of CPU in %.1f s: %.4f%% of a core\n", (a1 - a0) / 1e6, s1 - s0, pct
	printf "  floor (wakes 10/s, writes a word): %.1f ms: %.4f%% of a core\n", (f1 - f0) / 1e6, fpct
	r = fpct > 0 ? pct / fpct : 0
	printf "  %-58s %8.2f <= 1.5    %s\n", "idle agent / floor", r, r <= 1.5 ? "met" : "MISSED"
	printf "  %-58s %8.4f < 0.1     %s\n", "idle agent, % of a core", pct, pct < 0.1 ? "met" : "MISSED" }'
