#!/bin/sh
# Guests and their migration between the nodes of a simulated machine, for
# real: each node has its own libvirtd (in its own mount namespace, in its
# cgroup partition) and its guests are QEMU (TCG) running Debian's kernel and
# a program that keeps a known pattern in memory (tests/guest/dirtier.c).
# A guest moves between nodes through the region: control connection and
# data each through a tunnel. Integrity with --paused several times, a live
# move (warned about only where QEMU is older than 9.0), cancelling, agents
# killed mid-migration. Live migration's own tests are in t-migrate.sh.
. "${top_srcdir:-.}/tests/lib.sh"
guest_machine
qemu_cpuset() { p=$(cat "$run/node$1-hv/run/qemu/web.pid" 2>/dev/null); [ -n "$p" ] && sed -n 's/^[0-9]*:cpuset:\(.*\)/\1/p;s/^0::\(.*\)/\1/p' "/proc/$p/cgroup" | head -n 1; }
cpuset=0
grep -q "cpuset" "$d/start.out" && cpuset=1
echo "1..46"
ok 'until_ok 30 "lv 0 list >/dev/null && lv 1 list >/dev/null"' "each node has its own libvirtd"
ok '[ "$(lv 0 uri)" != "" ] && ! cmp -s "$run/node0-hv/etc/libvirtd.conf" "$run/node1-hv/etc/libvirtd.conf"' \
    "with a configuration of its own (host uuid)"

# define, start
ok 'con guest define --node 0 "$d/guest/web.xml" >"$d/o" 2>&1 && grep -q "web: defined" "$d/o"' "guest define --node 0"
printf '<domain type="qemu"><name>bad</name></domain>\n' >"$d/bad.xml"
con guest define --node 0 "$d/bad.xml" 2>"$d/e"
rc=$?
ok '[ $rc -ne 0 ] && [ $(wc -l <"$d/e") = 1 ] && grep -q "define" "$d/e"' \
    "a definition libvirt refuses: its error on one line ($(cut -c1-100 "$d/e"))"
ok 'until_ok 10 "[ \"\$(where)\" = \"0:shut off \" ]"' "guest list shows it shut off on node 0"
ok 'con guest start web >"$d/o" 2>&1 && grep -q "web: started" "$d/o"' "guest start finds the node and starts it"
ok 'until_ok 10 "grep -q \"guest web started (libvirt event)\" \"$run/node0.log\""' \
    "  node 0's agent hears it from libvirt's domain events, not only its listing"
ok '! con guest start nosuch 2>"$d/e" && grep -q "no node has it" "$d/e"' "an unknown guest is refused"
until_ok 60 "[ \"\$(ticks 0)\" -ge 3 ] 2>/dev/null"
ok '[ "$(ticks 0)" -ge 3 ] 2>/dev/null' "the guest runs: its counter goes up on node 0's serial log ($(ticks 0))"
if [ $cpuset = 1 ]; then
	ok '[ "$(qemu_cpuset 0)" = /mint/node0 ]' "its QEMU runs in node 0's cpuset ($(qemu_cpuset 0))"
else
	ok 'true # SKIP cores are synthetic here: no cpuset to check' "QEMU in node 0's cpuset"
fi
ok 'until_ok 5 "[ \"\$(where)\" = \"0:running \" ]"' "guest list: running on node 0"

# migrate to node 1 over the region, events followed meanwhile
before=$(ticks 0)
con events --timeout 60 --json >"$d/events" 2>/dev/null &
evpid=$!
sleep 0.3
con guest migrate web --to 1 --paused >"$d/m1.out" 2>"$d/m1.err"
rc=$?
ok '[ $rc -eq 0 ] && grep -q "migrated from node 0 to node 1 in .*downtime .* via the region" "$d/m1.out"' \
    "guest migrate --to 1 --paused (rc $rc): $(cat "$d/m1.out") $(tail -n 1 "$d/m1.err")"
ok 'grep -q "^web: " "$d/m1.err"' "progress on stderr ($(grep -c "^web: " "$d/m1.err") lines)"
until_ok 5 "[ \"\$(where)\" = \"1:running \" ]"
ok '[ "$(where)" = "1:running " ]' "guest list: running on node 1 only ($(where))"
kill $evpid 2>/dev/null; wait $evpid 2>/dev/null
gev() { jq -r "select(.type == \"guest\" and .guest == \"web\") | \"\(.node) \(.event)\"" "$d/events" | tr '\n' ','; }
ok 'case "$(gev)" in *"0 gone,"*) ;; *) false ;; esac && case "$(gev)" in *"1 running,"*) ;; *) false ;; esac' \
    "events: the guest gone from node 0, running on node 1 ($(gev))"
mev() { jq -r "select(.type == \"migration\" and .guest == \"web\") | \"\(.node)>\(.to) \(.event)\"" "$d/events" | tr '\n' ','; }
mdone() { jq -r 'select(.type == "migration" and .event == "completed") | "\(.seconds > 0) \(.bytes > 0)"' "$d/events"; }
ok '[ "$(mev)" = "0>1 started,0>1 completed," ] && [ "$(mdone)" = "true true" ]' \
    "events: the migration started and completed, node 0 to 1, with its time and bytes ($(mev) $(mdone))"
if [ -n "$(json_py)" ]; then
	ok 'json_valid Event "$d/events" ndjson 2>"$d/why"' "  every event a valid Event of the schema" || diag_files "$d/why"
else
	ok 'true # SKIP python3-jsonschema not installed (tools/install-deps)' "  events valid against the schema"
fi
ok 'until_ok 5 "con top -b -n 1 | awk \"/^0 /{n=0} /^1 /{n=1} /guest web/{print n}\" | grep -qx 1"' \
    "top -b shows it under node 1"
ok '[ -z "$(lv 0 list --all | grep web)" ] && lv 1 list | grep -q "web.*running"' \
    "node 1's hypervisor runs it; node 0's no longer has it"
if [ $cpuset = 1 ]; then
	ok '[ "$(qemu_cpuset 1)" = /mint/node1 ]' "its QEMU now runs in node 1's cpuset ($(qemu_cpuset 1))"
else
	ok 'true # SKIP cores are synthetic here' "QEMU in node 1's cpuset"
fi
until_ok 30 "[ \"\$(ticks 1)\" -gt \"$before\" ] 2>/dev/null"
sleep 3
ok '[ "$(ticks 1)" -gt "$before" ] 2>/dev/null' "its counter goes on on node 1 (node 0 last said $before, node 1 says $(ticks 1))"
ok '! serial 1 | grep -q CORRUPT && [ "$(sums 1)" = 1 ]' "the pattern in its memory is intact"

# integrity: there and back, paused, several times
good=0
for i in 1 2 3 4; do
	to=$((i % 2 == 1 ? 0 : 1))
	from=$((1 - to))
	until_ok 10 "[ \"\$(where)\" = \"$from:running \" ]"
	t0=$(ticks $from)
	if con guest migrate web --to $to --paused >"$d/i$i.out" 2>&1 &&
	    until_ok 30 "[ \"\$(ticks $to)\" -gt \"${t0:-0}\" ] 2>/dev/null"; then
		good=$((good + 1))
	else
		echo "# migration $i to node $to: $(tail -n 1 "$d/i$i.out")"
	fi
done
ok '[ $good = 4 ]' "4 more paused migrations there and back ($good arrived and ran on)"
ok '! serial 0 | grep -q CORRUPT && ! serial 1 | grep -q CORRUPT && [ "$(sums 0)" = 1 ] && [ "$(sums 1)" = 1 ]' \
    "no page of the pattern was lost (one checksum throughout, on both nodes)"
ok '[ "$(con tunnel list | sed -n "s/^stream rings: \([0-9]*\) of.*/\1/p")" = 8 ]' "every stream ring is back after them"

# the data over TCP instead, for comparison (the control connection still through the region)
until_ok 10 "[ \"\$(where)\" = \"1:running \" ]"
con guest migrate web --to 0 --paused --via tcp >"$d/t.out" 2>&1
rc=$?
ok '[ $rc -eq 0 ] && grep -q "via tcp" "$d/t.out" && until_ok 10 "[ \"\$(where)\" = \"0:running \" ]"' \
    "--via tcp: $(head -n 1 "$d/t.out" | cut -c1-110)"
until_ok 10 "[ \"\$(where)\" = \"0:running \" ]"
con guest migrate web --to 1 --paused >/dev/null 2>&1

# refused before anything starts: the same node, an unknown node, no room
ok '! con guest migrate web --to 1 2>"$d/e" && grep -q "on node 1 already" "$d/e"' "a migration to where it is refused"
ok '! con guest migrate web --to 5 2>"$d/e" && grep -q "not online" "$d/e"' "a migration to a node that is not there refused"
ok '! con guest migrate web --to 0 --bandwidth x 2>"$d/e" && grep -q "MiB/s" "$d/e"' "a bad bandwidth refused"
# a guest with more vCPUs than the destination has cores: the destination says no
sed -e 's/<name>web</<name>two</' -e 's/<vcpu>1</<vcpu>2</' -e 's/web-serial/two-serial/' \
    "$d/guest/web.xml" >"$d/two.xml"
con guest define --node 1 "$d/two.xml" >/dev/null && con guest start two --node 1 >/dev/null
con guest migrate two --node 1 --to 0 --paused >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc -ne 0 ] && grep -q "node 0 has 1 core; two has 2 vCPUs" "$d/e" && lv 1 domstate two | grep -q running' \
    "the destination refuses a guest with more vCPUs than its cores ($(tail -n 1 "$d/e" | cut -c1-100))"
con guest destroy two --node 1 >"$d/o" 2>&1
ok 'grep -q "two: destroyed" "$d/o" && lv 1 domstate two | grep -q "shut off"' "guest destroy"


# cancelling: Ctrl-C, and --abort from another console; the guest stays
until_ok 10 "[ \"\$(where)\" = \"1:running \" ]"
# the console itself in the background (a function would run in a subshell that ignores SIGINT)
"$console" guest migrate web --to 0 --paused --bandwidth 1 >"$d/c.out" 2>"$d/c.err" &
cpid=$!
until_ok 30 "grep -q 'MiB sent' '$d/c.err'"
kill -INT $cpid
wait $cpid
rc=$?
ok '[ $rc -ne 0 ] && grep -q "cancelled" "$d/c.err"' "Ctrl-C cancels ($(tail -n 1 "$d/c.err" | cut -c1-120))"
ok 'until_ok 10 "lv 1 domstate web | grep -q running" && [ -z "$(lv 0 list --all | grep web)" ]' \
    "the guest runs on node 1 still; nothing of it stayed on node 0"
until_ok 10 "[ \"\$(where)\" = \"1:running \" ]"
"$console" guest migrate web --to 0 --paused --bandwidth 1 >"$d/c2.out" 2>"$d/c2.err" &
cpid=$!
until_ok 30 "grep -q 'MiB sent' '$d/c2.err'"
con guest migrate --abort web >"$d/ab.out" 2>&1
wait $cpid
rc=$?
ok '[ $rc -ne 0 ] && grep -q "cancelled" "$d/c2.err" && until_ok 10 "lv 1 domstate web | grep -q running"' \
    "guest migrate --abort from another console cancels it too"

[ -n "${MINT_KEEP:-}" ] && [ -n "${MINT_STOP_AT_CANCEL:-}" ] && exit $fail
# a live move: done; the TCG warning only where QEMU is older than 9.0
until_ok 10 "[ \"\$(where)\" = \"1:running \" ]"
con guest migrate web --to 0 --live >"$d/l.out" 2>"$d/l.err"
rc=$?
qv=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')
if [ "${qv:-0}" -lt 9 ]; then
	ok '[ $rc -eq 0 ] && grep -q "TCG" "$d/l.err"' "--live under TCG on QEMU $qv migrates and warns ($(grep -o "warning: [^;]*" "$d/l.err"))"
else
	ok '[ $rc -eq 0 ] && ! grep -q "can lose pages" "$d/l.err"' "--live on QEMU $qv migrates, with no page-loss warning"
fi
ok 'until_ok 10 "[ \"\$(where)\" = \"0:running \" ]"' "the guest runs on node 0"

# the destination's agent is killed mid-migration: a clear error, the guest stays
until_ok 10 "[ \"\$(where)\" = \"0:running \" ]"
con guest migrate web --to 1 --paused --bandwidth 2 >"$d/k.out" 2>"$d/k.err" &
cpid=$!
until_ok 30 "grep -q 'MiB sent' '$d/k.err'"
kill -9 "$(cat "$run/node1.pid")"
t0=$(date +%s)
wait $cpid
rc=$?
ok '[ $rc -ne 0 ] && grep -q "failed.*still runs on node 0" "$d/k.err"' \
    "destination agent killed: the migration fails in $(( $(date +%s) - t0 )) s ($(tail -n 1 "$d/k.err" | cut -c1-150))"
ok 'lv 0 domstate web | grep -q running' "the guest runs on node 0"
ok 'until_ok 20 "[ -z \"\$(lv 1 list --all | grep web)\" ]"' "no half-made guest on node 1"

# the source's agent is killed mid-migration: its console sees the end, the guest stays
con machine stop "$d/m.conf" >/dev/null 2>&1
con machine start "$d/m.conf" >/dev/null 2>&1
until_ok 30 "lv 0 list >/dev/null && lv 1 list >/dev/null"
until_ok 10 "con guest start web --node 0 >/dev/null 2>&1"
until_ok 10 "[ \"\$(where)\" = \"0:running \" ]"
con guest migrate web --to 1 --paused --bandwidth 2 >"$d/k2.out" 2>"$d/k2.err" &
cpid=$!
until_ok 30 "grep -q 'MiB sent' '$d/k2.err'"
kill -9 "$(cat "$run/node0.pid")"
wait $cpid
rc=$?
ok '[ $rc -ne 0 ] && grep -q "MiB sent" "$d/k2.err"' "source agent killed mid-migration: its console ends with an error ($(tail -n 1 "$d/k2.err" | cut -c1-100))"
ok 'until_ok 30 "lv 0 domstate web | grep -q running"' "the guest keeps running on node 0 ($(lv 0 domstate web))"
ok 'until_ok 30 "[ -z \"\$(lv 1 list --all | grep web)\" ]"' "no half-made guest on node 1"

# node 1's libvirtd stopped (SIGSTOP): node shutdown waits for it in a worker,
# the agent answering meanwhile, and completes once it runs again
lvpid=$(cat "$run/node1.libvirtd.pid")
kill -STOP "$lvpid"
con -s "$run/node1.sock" node shutdown 1 >"$d/s.out" 2>"$d/s.err" &
cpid=$!
ok 'until_ok 10 "grep -q \"shutdown asked by uid\" \"$run/node1.log\""' "node shutdown 1 with its libvirtd stopped: asked"
ok 'con -s "$run/node1.sock" status 1 --json | jq -e ".node == 1" >/dev/null' "  its agent answers status meanwhile"
kill -CONT "$lvpid"
wait $cpid
rc=$?
ok '[ $rc -eq 0 ] && grep -q "node 1 shut down" "$d/s.out"' "  and shuts down once libvirtd runs again ($(cut -c1-80 "$d/s.out" "$d/s.err"))"
state1() { con nodes --json | jq -r '.[] | select(.node == 1) | .state'; }
ok 'until_ok 10 "[ \"\$(state1)\" = absent ]"' "  node 1 absent once its agent is gone, not declared dead ($(state1))"
exit $fail
