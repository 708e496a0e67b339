#!/bin/sh
# mint-console bench in guests, for real: each node of a simulated machine
# runs a QEMU guest (TCG here) whose bench runner (tests/guest/mkguest.sh
# --bench) takes mint-bench requests on its ttyS1; one guest on each node
# returns its results, alone and at once, each compared with its node; the
# report says what the guests ran under; two guests of one node at once. A
# guest without a bench port, and a guest the machine does not have, are
# refused with the reason.
. "${top_srcdir:-.}/tests/lib.sh"
guest_machine
mk() { sh "$s/tests/guest/mkguest.sh" "$d/guest" "$1" 128 32 --bench >"$d/mk.out" 2>&1; }
if ! mk g0 || ! mk g1 || ! mk g2; then
	echo "1..1"
	echo "not ok 1 - the bench guests could not be made: $(cat "$d/mk.out")"
	exit 1
fi
con guest define --node 0 "$d/guest/g0.xml" >/dev/null &&
    con guest define --node 1 "$d/guest/g1.xml" >/dev/null &&
    con guest define --node 0 "$d/guest/g2.xml" >/dev/null &&
    con guest define --node 0 "$d/guest/web.xml" >/dev/null &&
    con guest start g0 >/dev/null && con guest start g1 >/dev/null && con guest start g2 >/dev/null &&
    con guest start web >/dev/null ||
    { echo "1..1"; echo "not ok 1 - the guests did not start"; exit 1; }
up() { grep -q "bench runner on ttyS1" "$run/node$1-hv/log/$2-serial.log" 2>/dev/null; }
ok 'until_ok 90 "up 0 g0 && up 1 g1 && up 0 g2"' "the three guests run their bench runner"

con bench 0 1 g0 g1 --quick --json --chart "$d/chart.svg" >"$d/b.json" 2>"$d/b.err"
rc=$?
ok '[ $rc = 0 ] && jq -e . "$d/b.json" >/dev/null' "bench 0 1 g0 g1 --quick --json: the paper's table in one command (rc $rc)" ||
    diag_files "$d/b.err" "$d/b.json"
confs=$(jq -r '[.configurations[] | "\(.name)=\([.programs[] | "\(.node):\(.guest // "-")"] | join("+"))"] | join(",")' "$d/b.json")
ok '[ "$confs" = "node 0 alone=0:-,node 1 alone=1:-,node 0 + node 1 at once=0:-+1:-,two at once on node 0=0:-+0:-,guest g0 (node 0) alone=0:g0,guest g1 (node 1) alone=1:g1,guest g0 (node 0) + guest g1 (node 1) at once=0:g0+1:g1" ]' \
    "  each node alone, at once, shared; each guest alone, both guests at once; each program where it ran ($confs)"
virt=$(jq -r '[.configurations[].programs[] | select(.guest != null) | .virt] | unique | join(",")' "$d/b.json")
ok '[ "$virt" = tcg ]' "  the guests' programs say what ran them: TCG, for guests of type qemu ($virt)"
ok 'jq -e "[.configurations[4:][] | .programs[] | .results | length == 4] | all" "$d/b.json" >/dev/null &&
    jq -e "[.comparison[].times[2:][] | .median != null and .ratio != null] | all" "$d/b.json" >/dev/null' \
    "  every guest result there, each with its ratio"
ok 'jq -e "[.configurations[4].compared_to, .configurations[6].compared_to] == [[\"node 0 alone\"], [\"guest g0 (node 0) alone\", \"guest g1 (node 1) alone\"]]" "$d/b.json" >/dev/null' \
    "  a guest compared with its node, guests at once with each alone"
if [ -n "$(json_py)" ]; then
	ok 'json_valid BenchResult "$d/b.json" 2>"$d/why"' "  a BenchResult of the schema" || diag_files "$d/why"
else
	ok 'true # SKIP python3-jsonschema not installed (tools/install-deps)' "  a BenchResult of the schema"
fi
con bench g0 --quick >"$d/t.out" 2>&1
rc=$?
ok '[ $rc = 0 ] && grep -q "guests ran under" "$d/t.out"' \
    "text: the report says the guests' ratios are the emulator's where they are not KVM's" ||
    diag_files "$d/t.out"
con bench g0 g2 --quick --json >"$d/same.json" 2>"$d/same.err"
rc=$?
same=$(jq -r '.configurations[-1] | "\(.name)=\([.programs[] | .guest] | join("+"))"' "$d/same.json" 2>/dev/null)
ok '[ $rc = 0 ] && [ "$same" = "guest g0 (node 0) + guest g2 (node 0) at once=g0+g2" ]' \
    "two guests of one node at once, as the paper's two guests on one host ($same)" ||
    diag_files "$d/same.err"
# io: the node reads a file, the guest its own disk (/dev/vda, O_DIRECT)
dd if=/dev/urandom of="$d/disk" bs=1M count=8 2>/dev/null
con bench g0 --workload io --io "$d/disk" --sizes 4K --quick --json >"$d/io.json" 2>"$d/io.err"
rc=$?
gio=$(jq -r '[.configurations[] | select(.name | startswith("guest")) | .programs[].results[] | "\(.workload)\(.size) \(.direct)"] | join(",")' "$d/io.json" 2>/dev/null)
ok '[ $rc = 0 ] && [ "$gio" = "io4096 true" ]' "--workload io: the guest reads its own disk with O_DIRECT ($gio)" ||
    diag_files "$d/io.err"
con bench web --quick >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc != 0 ] && grep -q "no bench port" "$d/e"' "a guest without a bench port: refused ($(tail -n 1 "$d/e" | cut -c1-90))"
con bench nosuch --quick >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 3 ] && grep -q "no node has it" "$d/e"' "a guest no node has: refused"
echo "1..$n"
exit $fail
