#!/bin/sh
# Migration that copies no guest memory: a guest whose RAM is one file both
# nodes map (tests/guest/mkguest.sh --shared; mint-libvirt-hook links each
# node's libvirt RAM path to it and sets x-ignore-shared) moves between the
# nodes of a simulated machine, there and back six times, live and paused:
# each time under 1 % of its RAM crosses, and the pattern it keeps in memory
# is whole on the other side. A guest whose RAM is not shared is refused
# with --shared-memory; post-copy is refused for a shared one.
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
ok 'until_ok 60 "[ \"\$(sticks 0)\" -ge 2 ] 2>/dev/null"' "the shared guest runs on node 0 ($(sticks 0) ticks)"
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
echo "1..$n"
exit $fail
