#!/bin/sh
# Agents on one region file: they attach, heartbeat and publish their status;
# the console lists them; a restarted agent comes back with a new epoch; bad
# input gets one clear line and a non-zero exit.
. "${top_srcdir:-.}/tests/lib.sh"
need jq

d=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$d"; }
trap cleanup EXIT
R="file:$d/region"
con() { "$console" -r "$R" "$@"; }
start() { "$agent" -r "$R" -n "$1" -f -H 20 -s 100 -T 300 -c "${3:-test:///default}" ${2:+-p "$2"} \
    -S "$d/node$1.sock" -g "$group" ${admin:+-a "$admin"} 2>>"$d/agents.log" & pids="$pids $!"; eval "pid$1=$!"; }
group=nogroup
admin=""
chmod 755 "$d"	# so that another user reaches the sockets
# wait until jq expression $1 holds over `nodes --json`, up to 5 s
until_nodes() {
	i=0
	while [ $i -lt 50 ]; do
		con nodes --json 2>/dev/null | jq -e "$1" >/dev/null 2>&1 && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

ok 'con format nodes=4 >/dev/null' "format a region of four node slots"
# another local user squats on node 0's bell as it was named before (an abstract
# socket name anyone could work out): the agent must start all the same
squat=""
py=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3)	# one other users may run
if [ -n "$py" ]; then
	bell=$(printf 'mint-%x-%x-bell-0' $(stat -c '%d %i' "$d/region"))
	as=""
	[ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	$as "$py" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("\0" + sys.argv[1])
print("bound", flush=True); time.sleep(120)' "$bell" >"$d/squat.out" 2>&1 & squat=$!
	i=0; while [ $i -lt 50 ] && ! grep -q bound "$d/squat.out"; do sleep 0.1; i=$((i + 1)); done
fi
start 0; start 1 "" "test:///nonexistent"; start 2 "$s/tests/fixtures/proc"
ok 'until_nodes "length == 3 and all(.state == \"online\" and .epoch == 1)"' \
    "three agents online with epoch 1 (the fourth slot unused)"
if [ -n "$squat" ] && grep -q bound "$d/squat.out"; then
	ok 'grep -q "@$bell-[0-9a-f]\{8\}" /proc/net/unix && until_nodes ".[0].state == \"online\""' \
	    "node 0's agent started while another user held its old bell name ($bell): its bell has a random token"
else
	n=$((n + 1)); echo "ok $n # SKIP no python3 (or it could not bind): cannot squat on a bell name"
fi
[ -n "$squat" ] && kill "$squat" 2>/dev/null
ok 'until_nodes "all(.heartbeat > 5)"' "they heartbeat"
ok 'until_nodes ".[0].cores | length > 0"' "node 0 publishes its cores"
ok 'con status 2 --json | jq -e ".cores | map(.cpu) == [0, 1, 3]" >/dev/null' \
    "node 2 reads its /proc from a fixture tree: cores 0, 1 and 3"
ok 'con status 2 --json | jq -e ".load[0] == 1.25 and .memory.total == 8167848 * 1024" >/dev/null' \
    "  with its load and memory"
ok 'con status 1 | grep -q "^node 1 .*online, epoch 1"' "status in plain text"
ok 'con status 0 --json | jq -e ".guests | length == 1 and (.[0] | .name == \"test\" and .state == \"running\" and .vcpus == 2 and .memory == 2147483648)" >/dev/null' \
    "node 0 lists its hypervisor's guests (libvirt test driver)"
ok 'con status 0 | grep -q "guest test .*running"' "  also in plain text"
ok '[ "$(bash -c ". \"$s/console/mint-console.bash\"; COMP_LINE=\"$console -r $R guest stop \"; COMP_POINT=\${#COMP_LINE}; _mint_console; echo \"\${COMPREPLY[*]}\"")" = test ]' \
    "  bash completion offers its name after guest stop"
ok 'grep -q "guests unknown: libvirt test:///nonexistent" "$d/agents.log" && [ $(grep -c "guests unknown" "$d/agents.log") -eq 1 ]' \
    "an agent whose hypervisor cannot be reached says so once, and runs on"
ok '! con -s "$d/node1.sock" node shutdown 1 2>"$d/err" &&
    grep -q "node 1 not shut down: its guests could not be listed (.*), so whether any runs is unknown; nothing was stopped" "$d/err" &&
    con -s "$d/node1.sock" ping 1 >/dev/null' \
    "  node shutdown of that node is refused (its guests unknown); it runs on" || diag_files "$d/err"

kill -TERM "$pid1"; wait "$pid1" 2>/dev/null
ok 'until_nodes ".[] | select(.node == 1) | .state == \"absent\""' "a stopped agent leaves its node absent"
start 1
ok 'until_nodes ".[] | select(.node == 1) | .state == \"online\" and .epoch == 2"' \
    "restarted, it comes back with epoch 2"

# requests for another node travel through the rings
ok 'con -s "$d/node0.sock" ping 1 | grep -q "^node 1 epoch 2: alive"' "node 0's agent reaches node 1 through the ring"
ok 'con -s "$d/node1.sock" ping 2 | grep -q "^node 2 epoch 1: alive"' "node 1's agent reaches node 2"
ok 'i=0; while [ $i -lt 300 ] && con -s "$d/node1.sock" ping 2 >/dev/null; do i=$((i + 1)); done; [ $i -eq 300 ]' \
    "300 requests in a row through the rings"
kill -STOP "$pid1"
ok '! con -s "$d/node0.sock" ping 1 2>"$d/err" && grep -Eq "node 1 (did not answer within 300 ms|is dead|died before it answered)" "$d/err"' \
    "a silent node: the request fails within the agent's timeout"
ok '! con -s "$d/node0.sock" ping 1 2>"$d/err" && grep -q "node 1 is dead: its heartbeat has not moved" "$d/err"' \
    "  and at once once it is known dead"
kill -CONT "$pid1"
ok 'until_nodes ".[] | select(.node == 1) | .state == \"online\"" && con -s "$d/node0.sock" ping 1 >/dev/null' \
    "  and works again once it is back"

kill -9 "$pid2"; wait "$pid2" 2>/dev/null
ok '! "$console" -s "$d/node2.sock" -t 500 ping 2>"$d/err" && grep -q "mint-agent running" "$d/err"' \
    "a request to a killed agent fails with a clear line"
ok 'until_nodes ".[] | select(.node == 2) | .state == \"dead\""' \
    "a killed agent's node is reported dead by the others"
ok 'con status 2 --json | jq -e ".state == \"dead\"" >/dev/null && con status 2 | grep -q "^node 2 .*dead"' \
    "  status 2 says dead too, as nodes does"
silent=$(con nodes --json | jq '.[] | select(.node == 2) | .silent * 1000 | floor')
echo "# node 2 silent for $silent ms when looked at; heartbeat period 20 ms, dead after 3"
ok 'grep -q "node 2: heartbeat silent for [0-9]* ms: dead" "$d/agents.log"' "  and the agents log it"

ok '! con status 9 2>"$d/err" && grep -q "no node .9." "$d/err" && [ $(wc -l <"$d/err") -eq 1 ]' \
    "status of a node that cannot exist: one line, non-zero exit"
ok '! con frobnicate 2>/dev/null' "an unknown command fails"
ok '! con -s "$d/node0.sock" ping 2 2>"$d/err" && grep -Eq "did not answer|node 2 is dead" "$d/err"' \
    "a request to a killed node's agent fails cleanly, with the reason"
ok '! con -s "$d/node0.sock" ping 9 2>"$d/err" && grep -q "no node 9" "$d/err"' \
    "a request to a node that does not exist is refused"

start 2 "$s/tests/fixtures/proc"
ok 'until_nodes ".[] | select(.node == 2) | .state == \"online\" and .epoch == 2"' \
    "restarted, it is online again with a new epoch"
ok 'con -s "$d/node0.sock" ping 2 | grep -q "^node 2 epoch 2: alive"' "  and its channels work again"

# garbage in a peer's ring: logged, dropped, the agent keeps serving
ok '"$b/tests/helpers/ringpeer" "$R" 3 0 | grep -q "^reply to 42: 0 node 0 epoch 1: alive"' \
    "a peer's ping through the ring is answered past the garbage before it"
ok 'grep -q "node 3: record of type 7: dropped" "$d/agents.log" &&
    grep -q "node 3: message of .* does not decode: dropped" "$d/agents.log" &&
    grep -q "node 3: a message from 1 to 0: dropped" "$d/agents.log"' \
    "unknown records, undecodable bytes and a forged sender are logged and dropped"
ok 'con -s "$d/node0.sock" ping 1 >/dev/null' "the agent keeps serving"
ok 'sleep 0.2; con top -b -n 1 | grep -Eq "channels: .*node3 [0-9]+/[0-9]+ msgs out/in \(errors\)"' \
    "top shows each node's channel traffic, and the errors on node 0's channel from node 3"

# top, for scripts and for people
con top -b -n 2 -d 0.2 >"$d/top"
ok '[ $(grep -c "^mint top - .* nodes: 3 online, 0 dead" "$d/top") -eq 2 ]' "top -b prints two updates"
ok 'grep -Eq "^NODE +STATE +EPOCH +HB-AGE +CORES +%CPU +LOAD1 +MEM +GUESTS +MSGS +HOST$" "$d/top"' \
    "  with its columns"
ok '[ $(grep -Ec "^[012] +online +[12] +[0-9]+ms +" "$d/top") -eq 3 ]' \
    "  and each live node with a heartbeat age in the second"
ok 'grep -q "guest test: 2 vcpus, 2048 MiB" "$d/top" && grep -q "cores: cpu0" "$d/top"' \
    "  its cores and guests under it"
ok 'con top -b -n 1 -o epoch | sed -n "4p" | grep -q "^[02] "' "top sorts by a column given by name"
ok '! con top -b -o nosuch 2>/dev/null' "an unknown column is refused"
if command -v tmux >/dev/null 2>&1; then
	tm="tmux -L mint-test-$$"
	$tm new-session -d -x 120 -y 30 "\"$console\" -r $R top -d 0.2"
	sleep 1
	$tm capture-pane -p >"$d/screen1"
	$tm send-keys h; sleep 0.5; $tm capture-pane -p >"$d/screen2"
	$tm send-keys s s; sleep 0.5; $tm capture-pane -p >"$d/screen3"
	$tm send-keys q; sleep 0.5
	ok 'grep -q "nodes: 3 online" "$d/screen1" && grep -Eq "^1 +online" "$d/screen1"' \
	    "interactive top shows the nodes"
	ok 'grep -q "sort by the next column" "$d/screen2"' "  h shows the keys"
	ok 'grep -q "sorted by EPOCH" "$d/screen3"' "  s s sorts by the third column"
	ok '! $tm has-session 2>/dev/null' "  q quits"
	$tm kill-server 2>/dev/null
else
	n=$((n + 1)); echo "ok $n # SKIP tmux not installed"
fi

# the control socket
S="$d/node0.sock"
ok '"$console" -s "$S" ping | grep -q "^node 0 epoch 1: alive"' "the local agent answers a ping over its socket"
ok '[ "$(stat -c %a:%G "$S")" = "660:$group" ]' "its socket is mode 0660, group $group"
ok '"$console" -s "$S" verbose on | grep -q "debugging log on"' "root may change the agent"
printf '\005\000\000\000garbagegarbage' | "$b/tests/helpers/sockpeer" "$S" >"$d/out"
ok 'grep -q "^reply -74 .*does not decode" "$d/out"' "garbage on the socket gets an error reply"
printf '\377\377\377\377' | "$b/tests/helpers/sockpeer" "$S" >"$d/out"
ok 'grep -q "^closed" "$d/out" && grep -q "longer than" "$d/agents.log"' \
    "an impossible frame length closes that connection, logged"
ok '"$console" -s "$S" ping >/dev/null' "the agent keeps serving"
# a status request, hand-framed: envelope v1 from a console to node 0, command STATUS
printf '\015\000\000\000\010\001\020\377\001\030\000\040\001\142\002\010\001' | "$b/tests/helpers/sockpeer" "$S" >"$d/out"
ok 'grep -q "^reply 0 $" "$d/out" && grep -q "^status of node 0, [1-9][0-9]* cores" "$d/out"' \
    "a status request over the socket is answered with the node's status"
if [ "$(id -u)" = 0 ] && command -v su >/dev/null && id nobody >/dev/null 2>&1; then
	as_nobody() { su nobody -s /bin/sh -c "$*"; }
	ok 'as_nobody "\"$console\" -s $S ping" | grep -q alive' "a member of the socket's group may read"
	ok '! as_nobody "\"$console\" -s $S verbose off" 2>"$d/err" && grep -q "permission denied" "$d/err"' \
	    "but not change anything: a clear permission error"
	kill -TERM "$pid0"; wait "$pid0" 2>/dev/null
	admin=nogroup start 0
	sleep 0.3
	ok 'as_nobody "\"$console\" -s $S verbose off" | grep -q "log off"' \
	    "unless the agent names that group its admin group"
	# read-only operators: the region readable, not writable, by nobody
	chmod 644 "$d/region"
	ron() { as_nobody "\"$console\" -r $R $*"; }
	ok 'ron nodes --json | jq -e "length >= 3" >/dev/null' \
	    "nobody, with read access only to the region file, lists the nodes (mapped read-only)"
	ok 'ron status 0 | grep -q "node 0"' "  and reads a node's status"
	ok 'ron resources >/dev/null && ron guest list >/dev/null' "  the resources and the guests"
	ok 'ron top -b -n 1 | grep -q "^mint top"' "  and top"
	ok 'ron events -n 1 --timeout 0.2 >/dev/null 2>&1; rc=$?; [ $rc = 0 ] || [ $rc = 5 ]' \
	    "  and events (one, or none in time: exit 5)"
	ron resources define dev x0 2>"$d/err"; rc=$?
	ok '[ $rc -ne 0 ] && grep -q "resources define: .*Permission denied.*write access" "$d/err"' \
	    "but writing the region is refused with the reason ($(cat "$d/err"))"
	# a tunnel socket for a non-root admin: in a private directory of theirs, and theirs
	mkdir -m 700 "$d/nob" && chown nobody "$d/nob"
	as_nobody "\"$console\" -r $R -s $S tunnel listen --node 0 --to 1 --target x.sock $d/nob/here.sock" >/dev/null 2>"$d/err"
	as_nobody "\"$console\" -r $R -s $S tunnel listen --node 1 --to 0 --target x.sock $d/nob/far.sock" >/dev/null 2>>"$d/err"
	st="$(stat -c "%U %a" "$d/nob/here.sock" 2>&1), $(stat -c "%U %a" "$d/nob/far.sock" 2>&1)"
	ok '[ "$st" = "nobody 600, nobody 600" ]' \
	    "tunnel listen as nobody (admin group): its socket is nobody's, 0600, here and on a node asked through the rings ($st $(cat "$d/err"))"
	as_nobody "\"$console\" -r $R -s $S tunnel listen --node 0 --to 1 --target x.sock $d/root.sock" >/dev/null 2>"$d/err"; rc=$?
	ok '[ $rc -ne 0 ] && grep -q "a directory of yours (uid $(id -u nobody))" "$d/err" && [ ! -e "$d/root.sock" ]' \
	    "but not in root's directory ($(cat "$d/err"))"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11; do n=$((n + 1)); echo "ok $n # SKIP not root: cannot act as another user"; done
fi
ok 'con no --json | jq -e "length >= 3" >/dev/null' "commands answer to a prefix"
ok '! "$agent" -r "$R" -n 7 -f 2>"$d/err" && grep -q "nodes 0 to 3" "$d/err"' \
    "an agent for a node the region does not have is refused"
ok '! "$agent" -r "file:$d/nothing" -n 0 -f 2>"$d/err" && grep -q "nothing" "$d/err"' \
    "an agent without a region says which"
printf '# test\nregion %s\nsocket %s\nheartbeat 20\nconnect test:///default\n' "$R" "$d/conf.sock" >"$d/agent.conf"
"$agent" -F "$d/agent.conf" -n 3 -f 2>>"$d/agents.log" & pids="$pids $!"; cpid=$!
ok 'i=0; until "$console" -s "$d/conf.sock" ping 2>/dev/null | grep -q "node 3"; do i=$((i+1)); [ $i -lt 30 ] || break; sleep 0.1; done; [ $i -lt 30 ]' \
    "an agent takes its options from a config file"
kill -TERM "$cpid"; wait "$cpid" 2>/dev/null
ok '! "$agent" -F "$d/none.conf" -n 0 -f 2>"$d/err" && grep -q "^mint-agent: config .*none.conf" "$d/err"' \
    "a missing config file is named"
printf 'garbage' | dd of="$d/region" bs=1 count=7 conv=notrunc 2>/dev/null
ok '! con nodes 2>"$d/err" && grep -q "magic" "$d/err"' "a damaged region is refused with the reason"
echo "1..$n"
