#!/bin/sh
# The console's JSON contract: every --json output of every command, on a
# running simulated machine, against doc/mint-console.schema.json (one
# definition an object; doc/json.md says the same in prose). NDJSON where
# the output is a stream: top -b --json and events --json.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
[ -n "$(json_py)" ] || skip "python3-jsonschema not installed (tools/install-deps)"
heavy_lock
sim_env
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
schema="$s/doc/mint-console.schema.json"

cat >"$d/guests.xml" <<'EOF2'
<node>
  <domain type='test'>
    <name>db</name>
    <memory>131072</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
  </domain>
</node>
EOF2
cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=0 memory=512M devices=eth0
node 1 cores=1,2 memory=512M devices=eth1 libvirt=test://$d/guests.xml
node 2 cores=3 memory=512M devices=disk2
EOF2

# check DEF WHAT CMD...: CMD's stdout is a valid DEF
check() {
	def=$1 what=$2
	shift 2
	"$@" >"$d/out" 2>"$d/err"
	ok 'json_valid "$def" "$d/out" 2>"$d/why"' "$what: a $def" || diag_files "$d/out" "$d/why"
}

ok '"$(json_py)" -c "import json, jsonschema, sys; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))" "$schema"' \
    "the schema is a valid JSON Schema (2020-12)"
check ConfigCheck "config check --json" con config check "$d/m.conf" --json
con machine start "$d/m.conf" >/dev/null || { echo "not ok 3 - the machine did not start"; echo "1..3"; exit 1; }
until_ok 10 'con guest list --json | jq -e "length == 1" >/dev/null'
check NodeList "nodes --json" con nodes --json
check NodeStatus "status 1 --json" con status 1 --json
check ResourceList "resources --json" con resources --json
check GuestList "guest list --json" con guest list --json
check TunnelList "tunnel list --json" con tunnel list --json
check MoveResult "cpu move 2 --to 2 --json" con cpu move 2 --to 2 --json
check MoveResult "mem move --dry-run --json" con mem move 128M --from 1 --to 2 --dry-run --json
check Reply "guest stop db --json" con guest stop db --json
check Error "an error under --json (unreachable)" con -s "$d/none.sock" guest start db --json
con top -b -n 2 -d 0.1 --json >"$d/top" 2>"$d/err"
ok 'json_valid TopSample "$d/top" ndjson 2>"$d/why" && [ "$(wc -l <"$d/top")" = 2 ]' \
    "top -b -n 2 --json: two lines, each a TopSample" || diag_files "$d/top" "$d/why"
con events -n 2 --timeout 10 --json >"$d/events" 2>"$d/err" &
ev=$!
sleep 0.5
con cpu move 2 --to 1 >/dev/null 2>&1
sleep 0.3
con cpu move 2 --to 2 >/dev/null 2>&1
wait $ev
ok 'json_valid Event "$d/events" ndjson 2>"$d/why" && [ "$(wc -l <"$d/events")" = 2 ]' \
    "events -n 2 --json: an Event a line" || diag_files "$d/events" "$d/why"
ok 'jq -e "select(.type == \"resource\") | .time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}$\")" "$d/events" >/dev/null' \
    "  times in RFC 3339, with the zone"
# the same names and units in every object
ok '[ "$(con nodes --json | jq ".[] | select(.node == 1) | .memory.total")" = "$(con status 1 --json | jq .memory.total)" ] &&
    [ "$(con guest list --json | jq ".[0].memory")" = "$(con status 1 --json | jq ".guests[0].memory")" ]' \
    "nodes and status give memory alike, guest list and status a guest's memory alike"
echo "1..$n"
exit $fail
