#!/bin/sh
# Stream tunnels through the region on a simulated machine: 1 GiB through a
# tunnel with its checksum, both ways at once, either end closing, a target
# that is not there, agents killed mid-stream (nothing hangs, rings return).
. "${top_srcdir:-.}/tests/lib.sh"
peer="$b/tests/helpers/streampeer"
sim_env
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; kill $(jobs -p) 2>/dev/null; rm -rf "$d"' EXIT
# wait up to $2 tenths of a second for file $1 to say $3
wait_for() { i=0; while [ $i -lt "$2" ] && ! grep -q "$3" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done; }
free_rings() { con tunnel list | sed -n 's/^stream rings: \([0-9]*\) of .*/\1/p'; }

cat >"$d/m.conf" <<EOF
region file:$d/region
node 0 cores=0 memory=512M
node 1 cores=1 memory=512M
node 2 cores=2 memory=512M
EOF
con machine start "$d/m.conf" >/dev/null || { echo "1..0 # SKIP the machine did not start"; exit 77; }
echo "1..32"
t1="$d/run/node1-tunnels" t2="$d/run/node2-tunnels"

# 1 GiB from node 1's socket to a program on node 2, and its answer back
con tunnel listen --node 1 --to 2 --target sink.sock "$d/in.sock" >"$d/listen.out" 2>&1
ok 'grep -q "tunnel 1: .*in.sock -> node 2.s sink.sock" "$d/listen.out"' "tunnel listen on node 1 to node 2 ($(cat "$d/listen.out"))"
"$peer" sink "$t2/sink.sock" >"$d/sink.out" 2>&1 &
wait_for "$d/sink.out" 50 listening
start=$(date +%s)
timeout 300 "$peer" send "$d/in.sock" 1073741824 7 >"$d/send.out" 2>&1
secs=$(( $(date +%s) - start ))
wait
sent=$(awk '/^sent/ { print $2, $3 }' "$d/send.out")
got=$(awk '/^received/ { print $2, $3 }' "$d/sink.out")
ok '[ "$sent" = "1073741824 $(echo "$sent" | cut -d" " -f2)" ] && [ "$sent" = "$got" ]' \
    "1 GiB arrives whole and in order: sent [$sent] received [$got] in ${secs} s"
ok 'grep -q "^back 12 " "$d/send.out"' "the answer comes back the other way after the sender's half close"
ok '[ "$(free_rings)" = 8 ]' "both stream rings are back in the pool ($(free_rings) of 8 free)"
sleep 1.2
con tunnel list --json >"$d/list.json"
ok 'jq -e ".[] | select(.node == 1 and .tunnel == 1 and .listen != null and .bytes_out >= 1073741824)" "$d/list.json" >/dev/null' \
    "tunnel list shows the listener and the bytes it carried"

# both ways at once: 64 MiB echoed back
"$peer" echo "$t2/echo.sock" >"$d/echo.out" 2>&1 &
wait_for "$d/echo.out" 50 listening
con tunnel listen --node 1 --to 2 --target echo.sock "$d/echo-in.sock" >/dev/null
timeout 120 "$peer" send "$d/echo-in.sock" 67108864 3 >"$d/send2.out" 2>&1
wait
s2=$(awk '/^sent/ { print $2, $3 }' "$d/send2.out")
b2=$(awk '/^back/ { print $2, $3 }' "$d/send2.out")
ok '[ -n "$s2" ] && [ "$s2" = "$b2" ]' "64 MiB echoed through both rings at once: sent [$s2] back [$b2]"

# the near end closes at once: the far program sees EOF, and answers
"$peer" sink "$t2/sink.sock" >"$d/sink3.out" 2>&1 &
wait_for "$d/sink3.out" 50 listening
timeout 20 "$peer" send "$d/in.sock" 0 >"$d/send3.out" 2>&1
wait
ok 'grep -q "^received 0 00000000" "$d/sink3.out" && grep -q "^back 12 " "$d/send3.out"' \
    "a connection closed at once reaches the far end as EOF"
# the far end closes at once: the near program sees EOF
"$peer" close "$t2/close.sock" >/dev/null 2>&1 &
sleep 0.3
con tunnel listen --node 1 --to 2 --target close.sock "$d/close-in.sock" >/dev/null
timeout 20 "$peer" hold "$d/close-in.sock" >"$d/hold.out" 2>&1
ok 'grep -q "^eof" "$d/hold.out"' "the far end closing reaches the near program as EOF ($(cat "$d/hold.out"))"
wait
# nothing listens at the target: the connection is closed, nothing is left taken
con tunnel listen --node 1 --to 2 --target nobody.sock "$d/nobody-in.sock" >/dev/null
timeout 20 "$peer" hold "$d/nobody-in.sock" >"$d/hold2.out" 2>&1
ok 'grep -qE "^(eof|error)" "$d/hold2.out"' "a target nobody listens on: the connection ends ($(cat "$d/hold2.out"))"
sleep 0.3
ok '[ "$(free_rings)" = 8 ]' "and no stream ring stays taken ($(free_rings) of 8 free)"
ok 'grep -q "cannot connect to .*nobody.sock" "$d/run/node1.log"' "node 1's log says why"

# refused: bad targets, unknown listener, a path that is not absolute
ok '! con tunnel listen --node 1 --to 2 --target ../x "$d/x.sock" 2>"$d/e1" && grep -q "not a tunnel target" "$d/e1"' \
    "a target outside the tunnel directory is refused"
ok '! con tunnel listen --node 1 --to 1 --target a.sock "$d/x.sock" 2>"$d/e2" && grep -q "cannot be the far end" "$d/e2"' \
    "a tunnel to the node itself is refused"
ok '! con tunnel close --node 1 99 2>"$d/e3" && grep -q "no tunnel 99" "$d/e3"' "closing an unknown tunnel is refused"
ok '! con tunnel listen --node 1 --to 2 --target a.sock rel.sock 2>"$d/e4" && grep -q "absolute" "$d/e4"' \
    "a relative socket path is refused"

# where the agent (root) may put a console's socket: its tunnel directory, or
# a directory of the caller's own that nobody else may use; never replacing
# anything but a socket, and the socket 0600 and the caller's
etc="/etc/mint-t-tunnel-$$.sock"
con tunnel listen --node 1 --to 2 --target a.sock "$etc" 2>"$d/e5"; rc=$?
ok '[ $rc -ne 0 ] && grep -q "tunnel directory" "$d/e5" && [ ! -e "$etc" ]' \
    "a socket under /etc is refused, nothing made there ($(cat "$d/e5"))"
mkdir -m 755 "$d/shared"
"$peer" sink "$d/shared/live.sock" >"$d/live.out" 2>&1 &
livepid=$!
wait_for "$d/live.out" 50 listening
con tunnel listen --node 1 --to 2 --target a.sock "$d/shared/live.sock" 2>"$d/e6"; rc=$?
ok '[ $rc -ne 0 ] && grep -q "mode 0755" "$d/e6" && [ -S "$d/shared/live.sock" ]' \
    "a directory others may enter is refused, and the socket already there is not unlinked"
kill "$livepid" 2>/dev/null; wait "$livepid" 2>/dev/null
mkdir -m 700 "$d/priv"
ln -s "$d/priv" "$d/link"
con tunnel listen --node 1 --to 2 --target a.sock "$d/link/s.sock" 2>"$d/e7"; rc=$?
ok '[ $rc -ne 0 ] && grep -q "symlink" "$d/e7" && [ ! -e "$d/priv/s.sock" ]' \
    "a directory reached through a symlink is refused ($(cat "$d/e7"))"
echo keep >"$d/priv/file.sock"
con tunnel listen --node 1 --to 2 --target a.sock "$d/priv/file.sock" 2>"$d/e8"; rc=$?
ok '[ $rc -ne 0 ] && grep -q "not a socket" "$d/e8" && [ "$(cat "$d/priv/file.sock")" = keep ]' \
    "a regular file at the path is refused and kept ($(cat "$d/e8"))"
con tunnel listen --node 1 --to 2 --target a.sock "$d/priv/ok.sock" >/dev/null 2>&1
st=$(stat -c "%F %a %u" "$d/priv/ok.sock" 2>&1)
ok '[ "$st" = "socket 600 $(id -u)" ]' \
    "in a private directory of the caller's: a socket of mode 0600 owned by the caller ($st)"
con tunnel listen --node 1 --to 2 --target a.sock "$t1/mine.sock" >/dev/null 2>&1
st=$(stat -c "%a %u" "$t1/mine.sock" 2>&1)
ok '[ "$st" = "600 $(id -u)" ]' "in the node's tunnel directory too ($st)"
"$peer" sink "$d/priv/busy.sock" >"$d/busy.out" 2>&1 &
busypid=$!
wait_for "$d/busy.out" 50 listening
ino=$(stat -c %i "$d/priv/busy.sock")
con tunnel listen --node 1 --to 2 --target a.sock "$d/priv/busy.sock" 2>"$d/e9"; rc=$?
ok '[ $rc -ne 0 ] && grep -q "a live socket (something answers on it): not replaced" "$d/e9" &&
    [ "$(stat -c %i "$d/priv/busy.sock")" = "$ino" ]' \
    "a live socket at the path is refused, and the socket its program listens on stays" ||
    diag_files "$d/e9"
kill "$busypid" 2>/dev/null; wait "$busypid" 2>/dev/null
ok '[ -S "$d/priv/busy.sock" ] && con tunnel listen --node 1 --to 2 --target a.sock "$d/priv/busy.sock" >/dev/null 2>&1' \
    "  once nothing answers on it, the stale socket is replaced"

# the far agent dies mid-stream: both programs end, nothing hangs
"$peer" sink "$t2/sink.sock" >"$d/sink4.out" 2>&1 &
sinkpid=$!
wait_for "$d/sink4.out" 50 listening
timeout 60 "$peer" send "$d/in.sock" 1073741824 5 33554432 >"$d/send4.out" 2>&1 &
sendpid=$!
sleep 2
kill -9 "$(cat "$d/run/node2.pid")"
t0=$(date +%s)
wait $sendpid; rc=$?
wait $sinkpid
secs=$(( $(date +%s) - t0 ))
ok '[ $rc -ne 124 ] && [ $secs -lt 20 ]' "far agent killed mid-stream: the sender ends (rc $rc) in ${secs} s, no hang"
ok '! grep -q "^received 1073741824" "$d/sink4.out"' "the far program ends too, short of the whole stream ($(head -c 80 "$d/sink4.out"))"
sleep 1
ok '[ "$(free_rings)" = 8 ]' "the dead node's rings and ours are back ($(free_rings) of 8 free)"

# a tunnel to a live node still works afterwards
"$peer" sink "$d/run/node0-tunnels/sink.sock" >"$d/sink5.out" 2>&1 &
wait_for "$d/sink5.out" 50 listening
con tunnel listen --node 1 --to 0 --target sink.sock "$d/to0.sock" >/dev/null
timeout 60 "$peer" send "$d/to0.sock" 10000000 9 >"$d/send5.out" 2>&1
wait
ok '[ "$(awk "/^sent/ { print \$2, \$3 }" "$d/send5.out")" = "$(awk "/^received/ { print \$2, \$3 }" "$d/sink5.out")" ]' \
    "a new tunnel to another node works after the death"

# the near (listening) agent dies mid-stream: the far program sees the end once it is judged dead
"$peer" sink "$d/run/node0-tunnels/sink.sock" >"$d/sink6.out" 2>&1 &
sinkpid=$!
wait_for "$d/sink6.out" 50 listening
timeout 60 "$peer" send "$d/to0.sock" 1073741824 5 33554432 >"$d/send6.out" 2>&1 &
sendpid=$!
sleep 2
kill -9 "$(cat "$d/run/node1.pid")"
t0=$(date +%s)
wait $sendpid; rc=$?
timeout 20 sh -c "while kill -0 $sinkpid 2>/dev/null; do sleep 0.1; done"; rc2=$?
secs=$(( $(date +%s) - t0 ))
ok '[ $rc -ne 124 ] && [ $rc2 -eq 0 ]' "near agent killed: the sender (rc $rc) and the far program end within ${secs} s"
ok '! grep -q "^received 1073741824" "$d/sink6.out"' "the far program did not see a whole stream"
sleep 1
ok '[ "$(free_rings)" = 8 ]' "every stream ring is free again ($(free_rings) of 8 free)"

# stream rings smaller than a tunnel's largest chunk (256 KiB records need 512 KiB
# rings, half a ring each): the tunnel sends smaller records instead of failing
# with "ring damaged"
"$console" machine stop "$d/m.conf" >/dev/null 2>&1
S="file:$d/small"
con -r "$S" format nodes=2 streams=2 stream=524288 >"$d/fmt.out" 2>&1
ok 'grep -q "^formatted" "$d/fmt.out"' "a region with 512 KiB stream rings ($(cat "$d/fmt.out"))"
spids=""
for i in 0 1; do
	mkdir -p -m 700 "$d/small$i"
	"$b/agent/mint-agent" -r "$S" -n $i -f -H 20 -s 100 -T 300 -c test:///default \
	    -S "$d/small$i.sock" -g "$(id -gn)" --tunnel-dir "$d/small$i" 2>>"$d/small.log" &
	spids="$spids $!"
done
i=0; until con -r "$S" nodes --json 2>/dev/null | jq -e 'length == 2 and all(.state == "online")' >/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1; done
"$peer" sink "$d/small1/sink.sock" >"$d/sink7.out" 2>&1 &
wait_for "$d/sink7.out" 50 listening
con -r "$S" -s "$d/small0.sock" tunnel listen --node 0 --to 1 --target sink.sock "$d/small0/in.sock" >/dev/null
timeout 60 "$peer" send "$d/small0/in.sock" 16777216 4 >"$d/send7.out" 2>&1
sleep 0.2
sent=$(awk '/^sent/ { print $2, $3 }' "$d/send7.out")
got=$(awk '/^received/ { print $2, $3 }' "$d/sink7.out")
ok '[ -n "$sent" ] && [ "$sent" = "$got" ] && ! grep -q "damaged" "$d/small.log"' \
    "16 MiB through 512 KiB stream rings arrive whole: sent [$sent] received [$got]"
kill $spids 2>/dev/null
wait
exit $fail
