#!/bin/sh
# The control socket under a hostile local user and careless ones: a user of
# the socket's group floods it (connections over the caps refused with the
# reason, every request of the others answered, no node declared dead, root
# still answered); connections that ask nothing or stop mid-request are
# closed; replies not taken at once are sent whole later; at the descriptor
# limit connections are refused, not spun on; a console facing a full
# backlog gives up with the reason; requests between agents are refused to
# consoles before any is forwarded; a forwarded request is logged with its
# console's uid.
. "${top_srcdir:-.}/tests/lib.sh"
flood="$b/tests/helpers/ctlflood"
need jq

# the flood comes from nobody, in the socket's group; root's requests go on
if [ "$(id -u)" != 0 ] || ! command -v su >/dev/null || ! id nobody >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root, su and a user nobody: the flood comes from a user other than root"
	exit 77
fi
as_user() { su nobody -s /bin/sh -c "$*"; }
group=$(id -gn nobody)

d=$(mktemp -d)
chmod 755 "$d"	# so that the other user reaches the sockets
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$d"; }
trap cleanup EXIT
R="file:$d/region"
HB=50 DEAD=6	# dead after 300 ms
con() { "$console" -r "$R" "$@"; }
# start N [options]: node N's agent, timeouts of 2 s for its clients
start() {
	_n=$1; shift
	"$agent" -r "$R" -n "$_n" -f -H $HB -D $DEAD -T 2000 -c test:///default -S "$d/node$_n.sock" \
	    -g "$group" --client-timeout 2000 "$@" 2>>"$d/agent$_n.log" &
	pids="$pids $!"; eval "pid$_n=$!"
}
S="$d/node0.sock"

ok 'con format nodes=3 >/dev/null' "format a region of three nodes"
start 0; start 1; start 2 -a "$group"
ok 'until_ok 5 "con nodes --json 2>/dev/null | jq -e \"length == 3 and all(.state == \\\"online\\\")\" >/dev/null"' \
    "three agents online"

# the flood: 300 connections of one user, 250 status requests pipelined on each
"$b/tests/helpers/beatgap" "$R" 0 6 >"$d/gap" &
gp=$!
as_user "\"$flood\" flood \"$S\" 300 250 60" >"$d/flood" 2>&1 &
fp=$!
# each ping starts while the flood runs
pings=0 answered=0
while pid_runs $fp && [ $pings -lt 50 ]; do
	pings=$((pings + 1))
	"$console" -s "$S" ping 2>>"$d/ping.err" | grep -q "alive" && answered=$((answered + 1))
	sleep 0.05
done
wait $fp
wait $gp
echo "# flood: $(tr '\n' ' ' <"$d/flood")"
echo "# node 0's heartbeat: $(cat "$d/gap") (dead after $((HB * DEAD)) ms); root's pings answered: $answered of $pings"
ok 'grep -q "^open 32 refused 268 closed 0 replies 8000 failed 0" "$d/flood"' \
    "32 connections of the user served (the default cap), the 268 others refused"
ok 'grep -q "^refusal: too many connections from uid [0-9]* (32, the limit of one user): close some" "$d/flood"' \
    "  each with the reason"
ok '[ $pings -gt 0 ] && [ $answered -eq $pings ]' "root's pings during the flood all answered ($answered of $pings)"
ok 'awk "{ exit !(\$3 < $HB * $DEAD) }" "$d/gap"' "node 0's heartbeat never stood still for the dead-after time (the 1/3 target is bench-ctl's: a timing)"
ok 'con nodes --json | jq -e "length == 3 and all(.state == \"online\")" >/dev/null && ! grep -Eq "heartbeat silent .*: dead|is dead" "$d"/agent*.log' \
    "no node declared dead"
ok '"$console" -s "$S" ping | grep -q alive' "the agent serves on"

# replies a client does not take at once: queued whole, sent when it reads
CTLFLOOD_READ_AFTER=1 "$flood" flood "$S" 1 2000 60 >"$d/out"
ok 'grep -q "^open 1 refused 0 closed 0 replies 2000 " "$d/out"' \
    "2000 replies piled up while the client did not read: every one arrives whole"

# connections that ask nothing, or half a request, are closed after the timeout
"$flood" hold "$S" 3 20 >"$d/out"
ok 'grep -q "^after [0-9.]* s: open 0 refused 0 closed 3 " "$d/out" && grep -q "asked nothing for 2000 ms" "$d/agent0.log"' \
    "connections that ask nothing are closed after the timeout, logged"
"$flood" half "$S" 20 >"$d/out"
ok 'grep -q "^after [0-9.]* s: open 0 refused 0 closed 1 " "$d/out" && grep -q "sent part of a request and no more" "$d/agent0.log"' \
    "  and one that stops in the middle of a request"

"$flood" drip "$S" 20 >"$d/out"
ok 'grep -q "^after [0-9.]* s: closed" "$d/out"' \
    "  and one that sends its request a byte every half second (the timeout runs from its first byte)"

# requests between agents: refused to consoles, here or through node=, before forwarding
for k in 16 17 22 24; do
	"$flood" req "$S" $k 1 >"$d/req$k"
done
ok 'for k in 16 17 22 24; do grep -q "^reply -1 request $k is one agents make of each other" "$d/req$k" || exit 1; done' \
    "claim, tunnel open, guest prepare and refresh for node 1 are refused to a console"
"$flood" req "$S" 17 0 >"$d/out"
ok 'grep -q "^reply -1 request 17 is one agents make" "$d/out"' "  and for this node"

# a request forwarded to another node is logged there with its console's uid
uid=$(as_user id -u)
as_user "\"$flood\" req \"$d/node2.sock\" 15 1 force" >"$d/out"
ok 'grep -q "^reply 0 " "$d/out" && until_ok 2 "grep -q \"debugging log on (asked by uid $uid)\" \"$d/agent1.log\""' \
    "a change forwarded from node 2 to node 1 is logged there with the console's uid ($uid)"
# a console that says it is root (caller_uid) is what the kernel says it is
kill -TERM "$pid2"; wait "$pid2" 2>/dev/null
start 2
until_ok 5 '"$console" -s "$d/node2.sock" ping >/dev/null 2>&1'
as_user "\"$flood\" req \"$d/node2.sock\" 15 1 force 0" >"$d/out"
ok 'grep -q "^reply -13 permission denied: changing a node needs root" "$d/out" &&
    ! grep -q "asked by uid 0" "$d/agent1.log"' \
    "  one that claims uid 0 (caller_uid) is refused as the user it is, nothing forwarded" || diag_files "$d/out"
kill -TERM "$pid2"; wait "$pid2" 2>/dev/null
start 2 -a "$group"
until_ok 5 '"$console" -s "$d/node2.sock" ping >/dev/null 2>&1'

# out of descriptors: connections refused with the reason, no spinning
kill -TERM "$pid1"; wait "$pid1" 2>/dev/null
(ulimit -n 40 && exec "$agent" -r "$R" -n 1 -f -H $HB -D $DEAD -c test:///default -S "$d/node1.sock" \
    -g "$group" --max-clients 1000 --max-clients-uid 1000 2>>"$d/agent1.log") &
pids="$pids $!"; pid1=$!
until_ok 5 '"$console" -s "$d/node1.sock" ping >/dev/null 2>&1'
"$flood" hold "$d/node1.sock" 100 4 >"$d/out" &
hp=$!
sleep 1
t0=$(cut -d' ' -f1 "/proc/$pid1/schedstat")
sleep 2
t1=$(cut -d' ' -f1 "/proc/$pid1/schedstat")
"$console" -s "$d/node1.sock" ping >/dev/null 2>"$d/err"
wait $hp
echo "# out of descriptors: $(tr '\n' ' ' <"$d/out") $(((t1 - t0) / 1000000)) ms of CPU in 2 s"
ok 'grep -q "refused [1-9]" "$d/out" && grep -q "^refusal: the agent is out of file descriptors" "$d/out"' \
    "at the descriptor limit connections are refused with the reason"
ok 'grep -q "out of file descriptors" "$d/err"' "  which the console prints"
ok '[ $((t1 - t0)) -lt 1000000000 ]' "  and the agent does not spin (under half a core, generously)"
ok '"$console" -s "$d/node1.sock" ping | grep -q alive' "  and serves again once they are closed"

# the last eighth of the connections is kept for root
kill -TERM "$pid0"; wait "$pid0" 2>/dev/null
start 0 --max-clients 16 --max-clients-uid 100
until_ok 5 '"$console" -s "$S" ping >/dev/null 2>&1'
as_user "\"$flood\" hold \"$S\" 20 4" >"$d/out" &
hp=$!
sleep 1
ok '"$console" -s "$S" ping | grep -q alive' "a user who takes every connection he may leaves root's ping answered"
wait $hp
ok 'grep -q "refused 6 " "$d/out" && grep -q "^refusal: node 0.s agent has 14 connections, all it takes from users other than root" "$d/out"' \
    "  his 14 of 16 taken, the 6 others refused with the reason"

# a socket whose backlog is full: the console gives up with the reason
"$flood" listen "$d/stuck.sock" 30 >"$d/listen" &
lp=$!; pids="$pids $lp"
until_ok 5 'grep -q listening "$d/listen"'
"$flood" hold "$d/stuck.sock" 20 20 >/dev/null &
hp=$!; pids="$pids $hp"
sleep 0.5
ok '! "$console" -s "$d/stuck.sock" ping 2>"$d/err" && grep -q "accepted no connection within 5000 ms" "$d/err"' \
    "a console facing a full backlog gives up after 5 s with the reason"
kill "$hp" "$lp" 2>/dev/null

echo "1..$n"
[ $fail = 0 ]
