#!/bin/sh
# Migration that copies no guest memory: a guest whose RAM is one file both
# nodes map (tests/guest/mkguest.sh --shared; mint-libvirt-hook links each
# node's libvirt RAM path to it and sets x-ignore-shared) moves between the
# nodes of a simulated machine, there and back six times, live and paused:
# each time under 1 % of its RAM crosses, and the pattern it keeps in memory
# is whole on the other side. A guest whose RAM is not shared is refused
# with --shared-memory; post-copy is refused for a shared one. Cut short (an
# agent killed, Ctrl-C), it runs on exactly one node, its memory whole.
. "${top_srcdir:-.}/tests/lib.sh"
guest_machine
[ -x "$b/tools/mint-libvirt-hook" ] || skip "no tools/mint-libvirt-hook built"
sh "$s/tests/guest/mkguest.sh" "$d/guest" sw 128 32 --shared >"$d/mk.out" 2>&1 ||
    { echo "1..1"; echo "not ok 1 - the shared guest could not be made: $(cat "$d/mk.out")"; exit 1; }
con guest define --node 0 "$d/guest/sw.xml" >/dev/null && con guest define --node 0 "$d/guest/web.xml" >/dev/null &&
    con guest start sw >/dev/null && con guest start web >/dev/null ||
    { echo "1..1"; echo "not ok 1 - the guests did not start"; exit 1; }
sserial() { cat "$run/node$1-hv/log/sw-serial.log" 2>/dev/null; }
sticks() { sserial "$1" | sed -n 's/^TICK \([0-9]*\) .*/\1/p' | tail -n 1; }
ssums() { sserial "$1" | sed -n 's/^TICK [0-9]* [0-9]* \([0-9a-f]*\).*/\1/p' | sort -u | grep -v '^0*$' | wc -l; }
ok 'until_ok 60 "[ \"\$(sticks 0)\" -ge 2 ] 2>/dev/null"' "the shared guest runs on node 0, its pattern written and checked"
link=$(readlink "$run"/node0-hv/lib/qemu/ram/*-sw/pc.ram 2>/dev/null)
ok '[ "$link" = "$(cd "$d/guest" && pwd)/sw.ram" ] && [ "$(stat -c %s "$d/guest/sw.ram")" = 134217728 ]' \
    "libvirt's RAM file is a link to the shared one, the guest's size ($link)"

good=0 small=0 whole=0 notes=""
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
	notes="$notes $i:$mode:rc$rc:${bytes}B"
done
ok '[ $good = 6 ]' "six migrations there and back, paused and live ($good done:$notes)" ||
    diag_files "$d/m1.err" "$d/m3.err"
ok '[ $small = 6 ]' "  each sent under 1 % of the guest's 128 MiB ($small of 6)"
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
# cut short: the destination's agent killed, the source's, Ctrl-C. Whichever
# way it ends, the guest runs on exactly one node, its memory whole (the
# destination's QEMU mapped the same file while the source ran)
runs_on() { for _n in 0 1; do lv $_n list | grep -q "sw .*running" && printf '%s' $_n; done; }
for how in destination source ctrl-c; do
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
	esac
	wait $cpid
	until_ok 30 "[ \"\$(runs_on)\" = 0 ] || [ \"\$(runs_on)\" = 1 ]"
	now=$(runs_on)
	t0=$(sticks "${now:-0}")
	until_ok 30 "[ \"\$(sticks ${now:-0})\" -gt \"${t0:-0}\" ] 2>/dev/null"
	ok '{ [ "$now" = 0 ] || [ "$now" = 1 ]; } && [ "$(sticks "$now")" -gt "${t0:-0}" ] 2>/dev/null &&
	    ! sserial "$now" | grep -q CORRUPT && [ "$(ssums "$now")" = 1 ]' \
	    "$how cut short: the guest runs on exactly one node (${now:-none}), its memory whole" ||
	    diag_files "$d/c.err"
	# the next one starts from a whole machine again
	if [ $how != ctrl-c ]; then
		con machine stop "$d/m.conf" >/dev/null 2>&1
		rm -f "$run"/node[01]-hv/log/sw-serial.log	# its ticks count from 1 again
		con machine start "$d/m.conf" >/dev/null 2>&1
		until_ok 30 "lv 0 list >/dev/null && lv 1 list >/dev/null"
		until_ok 20 "con guest start sw >/dev/null 2>&1"
		until_ok 60 "[ \"\$(sticks \$(runs_on))\" -ge 1 ] 2>/dev/null"
	fi
done
echo "1..$n"
exit $fail
