#!/bin/sh
# mint-agent as a service. Under systemd (Type=notify), with a fake service
# manager: READY=1 once it is attached and listening, STATUS= lines,
# WATCHDOG=1 within each half watchdog period, STOPPING=1 at the end; nothing
# without $NOTIFY_SOCKET. For Prometheus: --metrics ADDR:PORT serves GET /metrics.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "no python3 (the fake service manager)"
d=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; rm -rf "$d"' EXIT
R="file:$d/region"
"$console" -r "$R" format nodes=2 >/dev/null || { echo "1..0 # SKIP cannot format a region"; exit 77; }
# the manager: every datagram on $d/notify, a line of it (newlines as |)
dgram_listen "$d/notify.sock" "$d/got" &
pids="$pids $!"
until_ok 5 'grep -q listening "$d/got"'
# a free port for the metrics endpoint
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NOTIFY_SOCKET="$d/notify.sock" WATCHDOG_USEC=400000 "$agent" -r "$R" -n 0 -f -H 50 -c none \
    -S "$d/node0.sock" --metrics "127.0.0.1:$port" 2>"$d/agent.log" &
apid=$!
pids="$pids $apid"
ok 'until_ok 5 "grep -q \"^READY=1|STATUS=node 0 online, epoch 1\" \"$d/got\""' \
    "READY=1 with a STATUS once attached" || diag_files "$d/got" "$d/agent.log"
ok '"$console" -s "$d/node0.sock" ping >/dev/null && [ "$(head -n 2 "$d/got" | tail -n 1 | cut -c1-7)" = READY=1 ]' \
    "  its socket answers by then, and READY was the first thing said"
ok 'until_ok 10 "[ \$(grep -c \"^WATCHDOG=1\$\" \"$d/got\") -ge 3 ]"' \
    "WATCHDOG=1 again and again (a 0.4 s period asked: pets every 0.2 s of the loop's heartbeat)"
ok 'grep -q "^STATUS=node 0 online, epoch 1: [0-9]* cores, 0 guests running$" "$d/got"' \
    "STATUS says what the node has once it published its status"
get() {	# get PATH: the agent's answer to GET PATH, "CODE" then the body
	python3 -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=10)
    print(r.status, r.headers.get("Content-Type")); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
' "$port" "$1"
}
get /metrics >"$d/metrics"
ok 'head -n 1 "$d/metrics" | grep -q "^200 text/plain; version=0.0.4" && tail -n +2 "$d/metrics" | promtool check metrics >/dev/null 2>&1 &&
    grep -q "^mint_node_state{node=\"0\",state=\"online\"} 1$" "$d/metrics"' \
    "--metrics: GET /metrics, the Prometheus text promtool accepts, this node online" || diag_files "$d/metrics"
ok '[ "$(get /other | head -n 1)" = 404 ]' "  another path: 404"
ok '! "$agent" -r "$R" -n 1 -f -c none -S "$d/x.sock" --metrics nowhere 2>"$d/err" && grep -q "give ADDR:PORT" "$d/err"' \
    "  an address that is not ADDR:PORT: refused at start, said"
kill -TERM $apid; wait $apid 2>/dev/null
ok 'until_ok 3 "grep -q \"^STOPPING=1$\" \"$d/got\""' "STOPPING=1 when it stops"
"$agent" -r "$R" -n 1 -f -H 50 -c none -S "$d/node1.sock" 2>"$d/agent1.log" &
a1=$!
pids="$pids $a1"
until_ok 5 '"$console" -s "$d/node1.sock" ping >/dev/null 2>&1'
lines=$(wc -l <"$d/got")
kill -TERM $a1; wait $a1 2>/dev/null
ok '[ "$(wc -l <"$d/got")" = "$lines" ] && ! grep -q "systemd" "$d/agent1.log"' \
    "without \$NOTIFY_SOCKET: nothing sent, nothing said about it"
echo "1..$n"
exit $fail
