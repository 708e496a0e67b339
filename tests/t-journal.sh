#!/bin/sh
# The agents' log lines in the journal, with fields: on a simulated machine
# whose agents' standard error systemd would have connected to the journal
# ($JOURNAL_STREAM names it), each line is a journal entry (the native
# protocol, through libsystemd) with its PRIORITY, SYSLOG_IDENTIFIER, the node
# and its epoch, and the resource or guest it is about; none of them on
# standard error too. Without a journal to take them, the lines go to
# standard error with their <N> priority. The journal's socket is a fake one,
# in a mount namespace of the test's own.
. "${top_srcdir:-.}/tests/lib.sh"
grep -q '^#define HAVE_LIBSYSTEMD 1' "$b/config.h" 2>/dev/null ||
    skip "built without libsystemd (libsystemd-dev, tools/install-deps): no journal fields"
command -v python3 >/dev/null 2>&1 || skip "no python3 (the fake journal)"
need jq
if [ -z "${MINT_T_JOURNAL_NS:-}" ]; then
	# a /run of our own, where the fake journal's socket can be
	unshare -m sh -c 'mount -t tmpfs tmpfs /run' 2>/dev/null ||
	    skip "cannot mount a /run of its own in a mount namespace (unshare -m)"
	MINT_T_JOURNAL_NS=1 exec unshare -m "$0" "$@"
fi
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/journal
sim_env
sim="$d/run/sim"
pids=""
trap 'for p in $pids; do kill -9 $p 2>/dev/null; done; "$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT

# the journal: every datagram a line of $d/journal (its newlines as |)
dgram_listen /run/systemd/journal/socket "$d/journal" &
jpid=$!
pids="$pids $jpid"
until_ok 5 'grep -q listening "$d/journal"'

# each agent told, as systemd would, that its standard error is the journal's stream
cat >"$d/agent" <<EOF2
#!/bin/sh
JOURNAL_STREAM=\$(stat -L -c '%d:%i' /dev/stderr) exec "$agent" "\$@"
EOF2
chmod +x "$d/agent"
export MINT_AGENT="$d/agent"
# synthetic cores: numbers past any host core
ncpu=$(nproc)
c0=$((ncpu + 1)) c1=$((ncpu + 2)) c2=$((ncpu + 3))
cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=$c0 memory=512M devices=eth0
node 1 cores=$c1,$c2 memory=512M devices=eth1
EOF2
con machine start "$d/m.conf" >"$d/start.out" 2>&1 || {
	echo "not ok 1 - the machine did not start"
	diag_files "$d/start.out" "$d/run/node0.log"
	echo "1..1"
	exit 1
}
epoch() { con nodes --json | jq -r ".[] | select(.node == $1) | .epoch"; }
# entry N PATTERN...: the datagrams of node N that have every field PATTERN (grep -E)
entry() {
	_n=$1
	shift
	_f=$(grep -E "(^|\|)MINT_NODE=$_n(\||$)" "$d/journal")
	for _p; do _f=$(printf '%s\n' "$_f" | grep -E "(^|\|)$_p(\||$)"); done
	[ -n "$_f" ] && printf '%s\n' "$_f"
}

e0=$(epoch 0)
ok 'until_ok 5 "entry 0 \"MESSAGE=node 0 online, epoch $e0.*\" PRIORITY=6 SYSLOG_IDENTIFIER=mint-agent MINT_EPOCH=$e0 >/dev/null"' \
    "node 0's first line a journal entry: MESSAGE, PRIORITY 6, SYSLOG_IDENTIFIER, MINT_NODE, MINT_EPOCH $e0" ||
    diag_files "$d/journal"
ok '! grep -q "online, epoch" "$d/run/node0.log"' "  and not on standard error too"

con cpu move "$c0" --to 1 >"$d/refused.out" 2>&1
ok 'until_ok 5 "entry 0 \"MINT_RESOURCE=cpu $c0\" \"MESSAGE=move of cpu $c0 to node 1 refused: .*\" >/dev/null"' \
    "a refused move: its line with the resource ($(tail -n 1 "$d/refused.out"))"
con cpu move "$c2" --to 0 >"$d/move.out" 2>&1
rc=$?
ok '[ $rc = 0 ] && until_ok 5 "entry 1 \"MINT_RESOURCE=cpu $c2\" \"MESSAGE=cpu $c2: .*\" PRIORITY=6 \"MINT_EPOCH=$(epoch 1)\" >/dev/null"' \
    "a move: the donor's steps carry MINT_RESOURCE=cpu $c2 (rc $rc)" ||
    diag_files "$d/move.out" "$d/journal"
ok 'until_ok 5 "entry 0 \"MINT_RESOURCE=cpu $c2\" >/dev/null"' "  and the receiver's too"
ok '! grep -q "MINT_RESOURCE\|cpu $c2" "$d/run/node0.log" "$d/run/node1.log"' \
    "no line of the moves on standard error"

# the journal gone (its socket left, nobody reading): the lines go to
# standard error, with their priority
kill $jpid
wait $jpid 2>/dev/null
con cpu move "$c2" --to 1 >"$d/back.out" 2>&1
ok 'until_ok 5 "grep -q \"^<6>cpu $c2: \" \"$d/run/node0.log\""' \
    "no journal to take them: lines on standard error with their <6> ($(grep -m 1 "cpu $c2" "$d/run/node0.log"))" ||
    diag_files "$d/back.out" "$d/run/node0.log"
echo "1..$n"
exit $fail
