#!/bin/sh
# The control socket flooded as in the report: one user of the socket's group
# (nobody, when run as root) opens CONNS (1000) connections and pipelines 250
# status requests on each, against node 0 of three agents with the default
# periods and caps (heartbeat 100 ms, dead after 3 periods). Prints node 0's
# largest heartbeat gap against dead-after, the connections refused, the
# nodes declared dead and root's ping times during the flood.
# With "nocap", node 0 takes every connection (--max-clients-uid 2000): the
# fair turns alone keep it serving.
# Usage: bench-ctl.sh BUILDDIR [CONNS [nocap]]
set -u
b=$1
conns=${2:-1000}
opts=""
[ "${3:-}" = nocap ] && opts="--max-clients 2000 --max-clients-uid 2000"
agent="$b/agent/mint-agent"
console="$b/console/mint-console"
hb=100 dead=3
if [ "$(id -u)" = 0 ] && command -v su >/dev/null && id nobody >/dev/null 2>&1; then
	as_user() { su nobody -s /bin/sh -c "$*"; }
	group=$(id -gn nobody)
elif [ "$(id -u)" != 0 ]; then
	as_user() { sh -c "$*"; }
	group=$(id -gn)
else
	echo "  skipped: root without su or a user nobody to flood as"
	exit 0
fi
d=$(mktemp -d)
chmod 755 "$d"
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$d"' EXIT
R="file:$d/region"
"$console" -r "$R" format nodes=3 >/dev/null || exit 1
for i in 0 1 2; do
	# shellcheck disable=SC2086
	"$agent" -r "$R" -n $i -f -H $hb -D $dead -c test:///default -S "$d/node$i.sock" -g "$group" \
	    $opts 2>>"$d/agent$i.log" &
	pids="$pids $!"
done
sleep 2
"$b/tests/helpers/beatgap" "$R" 0 20 >"$d/gap" &
gp=$!
t0=$(date +%s%N)
as_user "ulimit -n $((conns + 64)) 2>/dev/null; \"$b/tests/helpers/ctlflood\" flood \"$d/node0.sock\" $conns 250 60" \
    >"$d/flood" 2>&1 &
fp=$!
: >"$d/pings"
while kill -0 $fp 2>/dev/null; do
	p0=$(date +%s%N)
	if "$console" -s "$d/node0.sock" ping >/dev/null 2>&1; then
		echo $((($(date +%s%N) - p0) / 1000000)) >>"$d/pings"
	else
		echo fail >>"$d/pings"
	fi
	sleep 0.1
done
wait $fp
t1=$(date +%s%N)
kill $gp 2>/dev/null; wait $gp 2>/dev/null
sleep 1
"$b/tests/helpers/beatgap" "$R" 0 5 >>"$d/gap"	# the run may end before beatgap's 20 s
ndead=$(cat "$d"/agent*.log | grep -c "dead" || true)
gap=$(awk '{ if ($3 > g) g = $3 } END { print g + 0 }' "$d/gap")
refused=$(sed -n 's/.* refused \([0-9]*\) .*/\1/p' "$d/flood")
replies=$(sed -n 's/.* replies \([0-9]*\) .*/\1/p' "$d/flood")
echo "  flood of $conns connections x 250 status requests, $(((t1 - t0) / 1000000)) ms: $(head -1 "$d/flood")"
cap="the cap of one user: 32"
[ -n "$opts" ] && cap="caps lifted"
echo "  connections refused: $refused ($cap); replies: $replies"
# sampled every millisecond: a gap of one period is a beat on time; 1/3 of
# dead-after is one period with the default -D 3, so a missed beat misses it
awk -v g="$gap" -v da=$((hb * dead)) -v hb=$hb 'BEGIN {
	printf "  node 0 largest heartbeat gap: %.1f ms = %.2f periods, dead after %d ms: %.2f of it " \
	    "(target < 1/3, no beat missed): %s\n", g, g / hb, da, g / da, g < hb * 1.5 ? "met" : "MISSED" }'
echo "  nodes declared dead: $ndead"
awk '$1 == "fail" { f++; next } { n++; s += $1; if ($1 > m) m = $1 }
    END { printf "  root pings during the flood: %d answered (mean %.0f ms, largest %d ms), %d failed\n",
    n, n ? s / n : 0, m, f }' "$d/pings"
