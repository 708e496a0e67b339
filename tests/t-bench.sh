#!/bin/sh
# mint-console bench on a simulated machine of two nodes (synthetic cores: it
# checks that the whole evaluation comes back, not how fast the host is):
# mint-bench alone on each node, on both at once, twice on one, its complete
# results through the agents, valid JSON, a chart that is a valid SVG; bad
# arguments refused; an unreadable I/O target named; the console going away
# ends the programs.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
command -v python3 >/dev/null 2>&1 || skip "no python3 (reads the chart)"
sim_env
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
ncpu=$(nproc)
cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=$((ncpu + 1)) memory=512M devices=eth0
node 1 cores=$((ncpu + 2)) memory=512M devices=eth1
EOF2
con machine start "$d/m.conf" >"$d/start.out" 2>&1 || {
	echo "not ok 1 - the machine did not start"
	diag_files "$d/start.out"
	echo "1..1"
	exit 1
}
# the mint-bench programs node 0's agent runs now
benches() { pgrep -P "$(cat "$d/run/node0.pid")" -f "mint-bench --records" | wc -l; }

con bench --quick --json --chart "$d/chart.svg" >"$d/b.json" 2>"$d/b.err"
rc=$?
ok '[ $rc = 0 ] && jq -e . "$d/b.json" >/dev/null' "bench --quick --json: done, JSON (rc $rc)" ||
    diag_files "$d/b.err" "$d/b.json"
if [ -n "$(json_py)" ]; then
	ok 'json_valid BenchResult "$d/b.json" 2>"$d/why"' "  a BenchResult of the schema" ||
	    diag_files "$d/why"
else
	ok 'true # SKIP python3-jsonschema not installed (tools/install-deps)' "  a BenchResult of the schema"
fi
confs=$(jq -r '[.configurations[] | "\(.name)=\([.programs[].node] | join("+"))"] | join(",")' "$d/b.json")
ok '[ "$confs" = "node 0 alone=0,node 1 alone=1,node 0 + node 1 at once=0+1,two at once on node 0=0+0" ]' \
    "  four configurations, each program on its node ($confs)"
rows=$(jq -r '[.configurations[].programs[] | [.results[] | "\(.workload)\(.size)"] | join(" ")] | unique | join(",")' "$d/b.json")
ok '[ "$rows" = "reg0 copy262144 copy524288 copy1048576" ]' \
    "  every program ran reg and copy at 256K, 512K, 1M ($rows)"
ok 'jq -e "[.comparison[].times[] | .median != null and .median > 0] | all" "$d/b.json" >/dev/null &&
    jq -e "[.comparison[].times[2:][] | .ratio != null and .ratio > 0] | all" "$d/b.json" >/dev/null &&
    [ "$(jq ".comparison | length" "$d/b.json")" = 4 ]' \
    "  the comparison: four rows, every median there, a ratio for together and shared"
ok 'jq -e "[.configurations[2].compared_to, .configurations[3].compared_to] == [[\"node 0 alone\", \"node 1 alone\"], [\"node 0 alone\"]]" "$d/b.json" >/dev/null' \
    "  together compared with both alone, shared with the first alone"
ok 'jq -e "[.configurations[].programs[].results[] | .min <= .median and .median <= .max] | all" "$d/b.json" >/dev/null' \
    "  least <= median <= most in every result"
bars=$(python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith("svg"), root.tag
print(sum(1 for e in root.iter() if e.tag.endswith("rect") and e.get("class") == "bar"))
' "$d/chart.svg" 2>"$d/why")
ok '[ "$bars" = 16 ]' "--chart: a valid SVG, a bar for each configuration in each of 4 panels ($bars)" ||
    diag_files "$d/why"

con bench 1 --workload reg --quick >"$d/t.out" 2>"$d/t.err"
rc=$?
ok '[ $rc = 0 ] && grep -q "^  A: node 1 alone" "$d/t.out" && grep -q "^  B: two at once on node 1 (ratio to A)" "$d/t.out" &&
    [ "$(grep -c "^reg " "$d/t.out")" = 1 ]' \
    "bench NODE (text): node 1 alone and twice at once, a row for reg" || diag_files "$d/t.out" "$d/t.err"
dd if=/dev/urandom of="$d/disk" bs=1M count=4 2>/dev/null
con bench 0 --workload io --io "$d/disk" --sizes 4K,64K --quick --json >"$d/io.json" 2>"$d/io.err"
rc=$?
ok '[ $rc = 0 ] && [ "$(jq -r "[.configurations[0].programs[0].results[] | \"\(.workload)\(.size)\"] | join(\",\")" "$d/io.json")" = io4096,io65536 ]' \
    "--workload io --io FILE: random reads of 4K and 64K on the node" || diag_files "$d/io.err"
con bench --io "$d/nosuch" --quick >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc != 0 ] && grep -q "$d/nosuch" "$d/e"' "an unreadable I/O target: named in the error (rc $rc: $(tail -n 1 "$d/e"))"
con bench --workload disk >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ] && grep -q "not reg, copy or io" "$d/e"' "an unknown workload: usage error ($(cat "$d/e"))"
con bench --workload io >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ] && grep -q "needs --io" "$d/e"' "io without --io: usage error"
con bench --io disk --quick >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ] && grep -q "absolute" "$d/e"' "a relative --io: usage error"
con bench --sizes 2G >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ] && grep -q "1G" "$d/e"' "a size over 1G: usage error"
con bench 0 0 >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ] && grep -q "named twice" "$d/e"' "the same node twice: usage error"
con bench 7 >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 2 ]' "a node the machine lacks: usage error ($(cat "$d/e"))"

# a long bench: a second is refused meanwhile; its console gone, its programs end
"$console" bench 0 --workload reg --reg 100000000000 --runs 1 >/dev/null 2>&1 &
bpid=$!
until_ok 10 '[ "$(benches)" -ge 1 ]'
con bench 0 --quick >/dev/null 2>"$d/e"
rc=$?
ok '[ $rc = 3 ] && grep -q "runs a bench already" "$d/e"' "a second bench on a busy node: refused ($(tail -n 1 "$d/e"))"
kill $bpid
wait $bpid 2>/dev/null
ok 'until_ok 10 "[ \$(benches) = 0 ]"' "its console gone: the node's programs are killed"
ok 'con bench 0 --workload reg --quick >/dev/null 2>&1' "  and the node takes a bench again"
echo "1..$n"
exit $fail
