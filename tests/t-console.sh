#!/bin/sh
# The console's framework from outside: --help for a command lists its verbs,
# --help after a verb says that verb's usage only, and arguments the template
# refuses get their one line and exit status. No agent needed.
set -u
b=${top_builddir:-.}
s=${top_srcdir:-.}
. "$s/tests/lib.sh"
need jq
console="$b/console/mint-console"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
export MINT_REGION="file:$d/region" MINT_SOCKET="$d/none.sock"
con() { "$console" "$@"; }
# said CMD...: run it; its stdout and stderr in $d/out, its status in $rc
said() { "$console" "$@" >"$d/out" 2>&1; rc=$?; }

said guest migrate --help
ok '[ $rc = 0 ] && head -n 1 "$d/out" | grep -q "^usage: mint-console guest migrate NAME --to N" &&
    ! grep -q "define --node" "$d/out" && grep -q "auto-converge" "$d/out"' \
    "guest migrate --help: migrate's usage and help, nothing of the other verbs"
said guest --help
ok '[ $rc = 0 ] && grep -q "^Verbs (mint-console guest VERB --help for each):" "$d/out" &&
    [ "$(sed -n "/^Verbs/,\$p" "$d/out" | grep -cE "^  (list|start|stop|destroy|define|undefine|migrate) ")" = 7 ]' \
    "guest --help lists its seven verbs"
said node reboot -h
ok '[ $rc = 0 ] && [ "$(cat "$d/out" | head -n 1)" = "usage: mint-console node reboot NODE [--json]" ] &&
    ! grep -q "kexec --load" "$d/out"' "node reboot -h: reboot's usage only"
said nodes --help
ok '[ $rc = 0 ] && grep -q "^usage: mint-console nodes \[--json\]" "$d/out" && ! grep -q Verbs "$d/out"' \
    "a command without verbs: its usage, no verb list"

# every verb of every command: its own --help, without a region or an agent
all=1
for c in cpu mem dev guest node resources tunnel verbose; do
	verbs=$(con "$c" --help | sed -n '/^Verbs/,$p' | sed -n 's/^  \([a-z]*\) .*/\1/p')
	[ -n "$verbs" ] || { echo "# $c --help lists no verbs"; all=0; }
	for v in $verbs; do
		first=$(con "$c" "$v" --help | head -n 1)
		case "$first" in
		"usage: mint-console $c $v"*) ;;
		*) echo "# $c $v --help: $first"; all=0 ;;
		esac
	done
done
ok '[ $all = 1 ]' "every verb of cpu, mem, dev, guest, node, resources, tunnel and verbose has its own --help"

ok 'con format nodes=3 resources=8 >/dev/null' "a region of three nodes"
said guest frobnicate
ok '[ $rc = 2 ] && grep -qx "mint-console: guest: '"'"'frobnicate'"'"' is not list, start, stop, destroy, define, undefine or migrate" "$d/out"' \
    "an unknown verb: the verbs it could be"
said guest migrate web --to 1 --bandwidth x
ok '[ $rc = 2 ] && grep -qx "mint-console: guest migrate: --bandwidth takes MiB/s, like 100" "$d/out"' \
    "a value of the wrong type: its option's sentence"
said guest migrate web --to 1 --via udp
ok '[ $rc = 2 ] && grep -qx "mint-console: guest migrate: --via region (the default) or tcp" "$d/out"' \
    "a choice not offered: the choices"
said guest migrate web --zap
ok '[ $rc = 2 ] && grep -qx "mint-console: guest migrate: unexpected --zap" "$d/out"' "an unknown option"
said cpu move 1 --to 3
ok '[ $rc = 2 ] && grep -qx "mint-console: '"'"'3'"'"' is not a node of this machine (0 to 2)" "$d/out"' \
    "a node this machine does not have: exit 2 for a move, the nodes it has"
said cpu move 1 --to
ok '[ $rc = 2 ] && grep -qx "mint-console: --to needs a node" "$d/out"' "an option without its value"
said node boot 1 --kernel
ok '[ $rc = 2 ] && grep -qx "mint-console: node boot: --kernel needs a value" "$d/out"' \
    "an option without its value, where the verb says so"
said top -d 0.01
ok '[ $rc = 2 ] && grep -qx "mint-console: top: -d takes seconds, from 0.05 to 3600" "$d/out"' \
    "seconds out of range"
said resources define cpu 5 --owner 3
ok '[ $rc = 2 ] && grep -qx "mint-console: resources define: node '"'"'3'"'"' is not in this region (0 to 2)" "$d/out"' \
    "a node out of range, in the verb's own words"
said verbose maybe
ok '[ $rc = 2 ] && grep -qx "mint-console: verbose: '"'"'maybe'"'"' is neither on nor off" "$d/out"' \
    "verbose: on or off"
said nodes --json
ok '[ $rc = 0 ] && [ "$(cat "$d/out")" = "[]" ]' "nodes --json on a region without nodes: []"
said resources define dev 'a"b\c' --json
ok '[ $rc = 0 ] && [ "$(cat "$d/out")" = "{\"entry\":0}" ] &&
    con resources --json | grep -qF "\"id\":\"a\\\"b\\\\c\""' "a device name with a quote and a backslash, escaped in JSON"

# bash completion (console/mint-console.bash): the console's table and the region say what comes next
complete_line() {	# complete_line WORDS: what bash would offer after "mint-console WORDS"
	bash -c '. "$1/console/mint-console.bash"; COMP_LINE="$2 $3"; COMP_POINT=${#COMP_LINE}
	    _mint_console; echo "${COMPREPLY[*]}"' sh "$s" "$console" "$1"
}
con resources define cpu 4 >/dev/null && con resources define cpu 5 >/dev/null
ok '[ "$(complete_line "gu mi")" = migrate ]' "completion: 'gu mi' completes to migrate"
ok '[ "$(complete_line "cpu move ")" = "4 5" ]' "  'cpu move <TAB>': the cores of the resource table"
ok '[ "$(complete_line "cpu move 4 --to ")" = "0 1 2" ]' "  '--to <TAB>': the region's nodes"
ok '[ "$(complete_line "guest migrate web --via ")" = "region tcp" ]' "  a choice: its choices"
ok '[ "$(complete_line "node boot 1 --ke")" = "--kernel" ]' "  an option of the verb's template"
ok '[ "$(complete_line "")" = "$(con --help | sed -n "s/^  \([a-z][a-z]*\) .*/\1/p" | tr "\n" " " | sed "s/ $//")" ]' \
    "  every command of the table, as --help lists them"

# the exit statuses a script tells apart (doc/mint-console.8, EXIT STATUS)
said ping
ok '[ $rc = 4 ] && grep -q "none.sock: No such file or directory (is mint-agent running?)" "$d/out"' \
    "no agent to ask: exit 4 (unreachable)"
"$console" node reboot 1 --json >"$d/out" 2>"$d/err"; rc=$?
ok '[ $rc = 4 ] && jq -e ".status == \"unreachable\" and .exit == 4 and (.error | test(\"is mint-agent running\"))" "$d/out" >/dev/null &&
    grep -q "^mint-console: .*is mint-agent running" "$d/err"' \
    "  under --json the error is also a JSON object on stdout, with its status"
said cpu move 1 --to 2
ok '[ $rc = 3 ] && grep -q "cpu 1: no such core in the machine" "$d/out"' "refused by a rule: exit 3"
said events -n 1 --timeout 0.3
ok '[ $rc = 5 ] && grep -q "events: 0 of 1 events within 0.3 s" "$d/out"' "no event in time: exit 5 (timed out)"
said cpu move 1
ok '[ $rc = 2 ]' "a usage error: exit 2"
said guest migrate web --to 1 --live --paused
ok '[ $rc = 2 ] && grep -q "not both" "$d/out"' "  a verb's own option check: exit 2 too"
said guest start nosuch
ok '[ $rc = 3 ] && grep -q "no node has it" "$d/out"' "a guest no node has: exit 3"
echo "1..$n"
exit $fail
