#!/bin/sh
# Migration that copies no guest memory: a guest whose RAM is one file both
# nodes map (tests/guest/mkguest.sh --shared; mint-libvirt-hook links each
# node's libvirt RAM path to it and sets x-ignore-shared) moves between the
# nodes of a simulated machine, there and back six times, live and paused:
# each time under 1 % of its RAM crosses, the pattern it keeps in memory is
# whole on the other side, and its extents of the guest RAM pool (the
# machine's guest-pool, in the resource table) are the destination's. A start
# the pool cannot hold is refused. A guest whose RAM is not shared is refused
# with --shared-memory; post-copy is refused for a shared one. Cut short (an
# agent killed, Ctrl-C, --abort), it runs on exactly one node, its memory
# whole and its extents that node's.
. "${top_srcdir:-.}/tests/lib.sh"
machine_extra='guest-pool 384M extent=64M\n'
guest_machine
[ -x "$b/tools/mint-libvirt-hook" ] || skip "no tools/mint-libvirt-hook built"
sh "$s/tests/guest/mkguest.sh" "$d/guest" sw 128 32 --shared >"$d/mk.out" 2>&1 ||
    { echo "1..1"; echo "not ok 1 - the shared guest could not be made: $(cat "$d/mk.out")"; exit 1; }
con guest define --node 0 "$d/guest/sw.xml" >/dev/null && con guest define --node 0 "$d/guest/web.xml" >/dev/null &&
    con guest start sw >/dev/null && con guest start web >/dev/null ||
    { echo "1..1"; echo "not ok 1 - the guests did not start"; exit 1; }
# the pool extents of sw as "owner:state" words, and those free
pool_of() { con resources --kind pool --json | jq -r '[.[] | select(.guest == "sw") | "\(.owner):\(.state)"] | sort | join(" ")'; }
pool_free() { con resources --kind pool --json | jq '[.[] | select(.state == "free")] | length'; }
sserial() { cat "$run/node$1-hv/log/sw-serial.log" 2>/dev/null; }
sticks() { sserial "$1" | sed -n 's/^TICK \([0-9]*\) .*/\1/p' | tail -n 1; }
ssums() { sserial "$1" | sed -n 's/^TICK [0-9]* [0-9]* \([0-9a-f]*\).*/\1/p' | sort -u | grep -v '^0*$' | wc -l; }
ok 'until_ok 60 "[ \"\$(sticks 0)\" -ge 2 ] 2>/dev/null"' "the shared guest runs on node 0, its pattern written and checked"
link=$(readlink "$run"/node0-hv/lib/qemu/ram/*-sw/pc.ram 2>/dev/null)
ok '[ "$link" = "$(cd "$d/guest" && pwd)/sw.ram" ] && [ "$(stat -c %s "$d/guest/sw.ram")" = 134217728 ]' \
    "libvirt's RAM file is a link to the shared one, the guest's size ($link)"
ok '[ "$(pool_of)" = "0:owned 0:owned" ] && [ "$(pool_free)" = 4 ]' \
    "its 128 MiB hold two 64 MiB extents of the guest RAM pool, node 0's ($(pool_of); $(pool_free) free)"
sh "$s/tests/guest/mkguest.sh" "$d/guest" big 320 16 --shared >"$d/mk2.out" 2>&1 &&
    con guest define --node 1 "$d/guest/big.xml" >/dev/null
con guest start big >"$d/o" 2>"$d/e"
rc=$?
ok '[ $rc = 3 ] && grep -q "320 MiB of RAM need extents of the guest RAM pool, which has 256 MiB free of 384 MiB" "$d/e" &&
    [ "$(pool_free)" = 4 ] && lv 1 list --all | grep -q "big .*shut off"' \
    "a shared guest the pool cannot hold: not started, nothing claimed (rc $rc: $(cat "$d/e"))"
con guest undefine big >/dev/null 2>&1

good=0 small=0 whole=0 owned=0 notes=""
for i in 1 2 3 4 5 6; do
	to=$((i % 2)) from=$((1 - i % 2))
	mode=--paused
	[ $((i % 3)) = 0 ] && mode=--live
	until_ok 10 "[ \"\$(con guest list --json | jq -r '.[] | select(.name == \"sw\" and .state == \"running\") | .node')\" = $from ]"
	t0=$(sticks $from)
	con guest migrate sw --to $to --shared-memory $mode --json >"$d/m$i.json" 2>"$d/m$i.err"
	rc=$?
	bytes=$(jq -r '.bytes // -1' "$d/m$i.json" 2>/dev/null)
	[ $rc = 0 ] && good=$((good + 1))
	[ "${bytes:--1}" -ge 0 ] 2>/dev/null && [ "$bytes" -lt $((134217728 / 100)) ] && small=$((small + 1))
	if until_ok 30 "[ \"\$(sticks $to)\" -gt \"${t0:-0}\" ] 2>/dev/null" && ! sserial $to | grep -q CORRUPT &&
	    [ "$(ssums $to)" = 1 ]; then
		whole=$((whole + 1))
	fi
	[ "$(pool_of)" = "$to:owned $to:owned" ] && owned=$((owned + 1))
	notes="$notes $i:$mode:rc$rc:${bytes}B:$(pool_of | tr ' ' ,)"
done
ok '[ $good = 6 ]' "six migrations there and back, paused and live ($good done:$notes)" ||
    diag_files "$d/m1.err" "$d/m3.err"
ok '[ $small = 6 ]' "  each sent under 1 % of the guest's 128 MiB ($small of 6)"
ok '[ $owned = 6 ]' "  each time its pool extents were the destination's when the console answered ($owned of 6)"
ok '[ $whole = 6 ] && [ "$(ssums 0)" = 1 ] && [ "$(ssums 1)" = 1 ]' \
    "  each time the guest ran on, its memory's pattern whole ($whole of 6; one checksum throughout)"

con guest migrate web --to 1 --shared-memory >"$d/o" 2>"$d/e"
rc=$?
ok '[ $rc != 0 ] && grep -q "not in memory the nodes share" "$d/e" && lv 0 list | grep -q "web.*running"' \
    "--shared-memory for a guest whose RAM is not shared: refused, it runs on (rc $rc)"
con guest migrate sw --to 1 --shared-memory --postcopy >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ] && grep -q "postcopy" "$d/e"' "--shared-memory with --postcopy: a usage error"
con guest migrate sw --to 1 --postcopy >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc != 0 ] && grep -q "RAM is shared" "$d/e"' "a shared guest with --postcopy: refused with the reason"
# cut short: the destination's agent killed, the source's, Ctrl-C, --abort.
# Whichever way it ends, the guest runs on exactly one node, its memory whole
# (the destination's QEMU mapped the same file while the source ran), and the
# table gives that node its extents (fenced where its agent is the dead one)
runs_on() { for _n in 0 1; do lv $_n list | grep -q "sw .*running" && printf '%s' $_n; done; }
for how in destination source ctrl-c abort; do
	until_ok 20 "[ \"\$(runs_on)\" = 0 ] || [ \"\$(runs_on)\" = 1 ]"
	from=$(runs_on)
	to=$((1 - ${from:-0}))
	"$console" guest migrate sw --to $to --shared-memory >"$d/c.out" 2>"$d/c.err" &
	cpid=$!
	until_ok 30 "grep -q 'sw: migrating' '$d/c.err'"
	case $how in
	destination) kill -9 "$(cat "$run/node$to.pid")" ;;
	source) kill -9 "$(cat "$run/node$from.pid")" ;;
	ctrl-c) kill -INT $cpid ;;
	abort) con guest migrate sw --abort >"$d/a.out" 2>&1 ;;
	esac
	wait $cpid
	crc=$?
	# asked to stop, the console says how it ended: cancelled (6), or done before the request (0)
	case $how in
	ctrl-c|abort)
		ok '[ $crc = 6 ] || [ $crc = 0 ]' "$how: the migration ends cancelled or done, not failed (status $crc: $(tail -n 1 "$d/c.err"))" ;;
	esac
	until_ok 30 "[ \"\$(runs_on)\" = 0 ] || [ \"\$(runs_on)\" = 1 ]"
	now=$(runs_on)
	t0=$(sticks "${now:-0}")
	until_ok 30 "[ \"\$(sticks ${now:-0})\" -gt \"${t0:-0}\" ] 2>/dev/null"
	ok '{ [ "$now" = 0 ] || [ "$now" = 1 ]; } && [ "$(sticks "$now")" -gt "${t0:-0}" ] 2>/dev/null &&
	    ! sserial "$now" | grep -q CORRUPT && [ "$(ssums "$now")" = 1 ]' \
	    "$how cut short: the guest runs on exactly one node (${now:-none}), its memory whole" ||
	    diag_files "$d/c.err" "$d/a.out"
	until_ok 15 "pool_of | grep -Eq '^${now:-0}:(owned|fenced) ${now:-0}:(owned|fenced)\$'"
	ok 'pool_of | grep -Eq "^${now:-0}:(owned|fenced) ${now:-0}:(owned|fenced)\$"' \
	    "  its pool extents are node ${now:-none}'s in the table ($(pool_of))"
	# the next one starts from a whole machine again
	if [ $how = destination ] || [ $how = source ]; then
		con machine stop "$d/m.conf" >/dev/null 2>&1
		rm -f "$run"/node[01]-hv/log/sw-serial.log	# its ticks count from 1 again
		con machine start "$d/m.conf" >/dev/null 2>&1
		until_ok 30 "lv 0 list >/dev/null && lv 1 list >/dev/null"
		until_ok 20 "con guest start sw >/dev/null 2>&1"
		until_ok 60 "[ \"\$(sticks \$(runs_on))\" -ge 1 ] 2>/dev/null"
	fi
done
# past the agent (virsh on the node): a stop frees the extents, a start gets them back
until_ok 20 "[ \"\$(runs_on)\" = 0 ] || [ \"\$(runs_on)\" = 1 ]"
now=$(runs_on)
lv "${now:-0}" destroy sw >/dev/null
until_ok 15 "[ -z \"\$(pool_of)\" ] && [ \"\$(pool_free)\" = 6 ]"
ok '[ -z "$(pool_of)" ] && [ "$(pool_free)" = 6 ]' \
    "stopped with virsh on node ${now:-none}: its extents are free ($(pool_free) of 6)"
lv "${now:-0}" start sw >/dev/null
until_ok 15 "[ \"\$(pool_of)\" = \"${now:-0}:owned ${now:-0}:owned\" ]"
ok '[ "$(pool_of)" = "${now:-0}:owned ${now:-0}:owned" ]' \
    "  started again with virsh: node ${now:-none} claims them ($(pool_of))"
echo "1..$n"
exit $fail
