#!/bin/sh
# The README's guest block, as written in README.md, ten times in a row: what
# a new user types must work every time (machine start returns when the
# hypervisors answer; a command sees the effect of the one before it).
. "${top_srcdir:-.}/tests/lib.sh"
b=$(cd "$b" && pwd)
src=$(cd "$s" && pwd)
[ "$(id -u)" = 0 ] || skip "needs root (the README's machine: /run/mint, cgroups, libvirtd)"
[ -x /usr/sbin/libvirtd ] || skip "no libvirtd (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "no qemu-system-x86_64 (tools/install-deps)"
slow_test
d=$(mktemp -d)
# the block, from the marker to the first line that is not indented code
awk '/<!-- guest block/ { on = 1; next } on && /^    / { sub(/^    /, ""); print; next } on { exit }' \
    "$src/README.md" >"$d/block.sh"
conf=machine/two-hypervisors.conf
trap 'cd "$d" && PATH="$b/console:$PATH" mint-console machine stop "$conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
runs=${MINT_README_RUNS:-10}
echo "1..$((runs + 2))"
if grep -q 'guest define' "$d/block.sh" && grep -q 'machine start' "$d/block.sh"; then
	echo "ok 1 - the guest block is in README.md ($(wc -l <"$d/block.sh") lines)"
else
	echo "not ok 1 - no guest block in README.md"
	exit 1
fi
# the block's relative paths are the source tree's; what it makes goes here
ln -s "$src/tests" "$d/tests"
ln -s "$src/machine" "$d/machine"
# as a new user runs it: nothing of ours in the environment but the agent to start
unset MINT_RUN_DIR MINT_REGION MINT_SOCKET
export MINT_AGENT="$b/agent/mint-agent"
fail=0
for i in $(seq 1 "$runs"); do
	t0=$(now_ms)
	(cd "$d" && PATH="$b/console:$PATH" sh -e "$d/block.sh") >"$d/out" 2>&1
	rc=$?
	t=$(($(now_ms) - t0))
	# the block migrates live: the guest's pattern must have arrived whole
	bad=$(cat /run/mint/node[01]-hv/log/web-serial.log 2>/dev/null | grep -c CORRUPT)
	if [ $rc -eq 0 ] && grep -q "^1 *web *running" "$d/out" &&
	    grep -q "web: migrated from node 0 to node 1" "$d/out" && [ "$bad" = 0 ]; then
		echo "ok $((i + 1)) - run $i: the block runs as written, web runs on node 1 after it, its memory intact (${t} ms)"
	else
		echo "not ok $((i + 1)) - run $i (rc $rc, ${t} ms, $bad CORRUPT): $(grep -v '^web: migrating' "$d/out" | tail -n 3 | tr '\n' ' ')"
		fail=1
		# what the failed run left: the next one starts as the block expects
		(cd "$d" && export PATH="$b/console:$PATH" MINT_REGION=file:/dev/shm/mint-guests &&
		    for n in 0 1; do
			mint-console -s /run/mint/node$n.sock guest destroy web --node $n
			mint-console -s /run/mint/node$n.sock guest undefine web --node $n
		    done
		    mint-console machine stop "$conf") >/dev/null 2>&1
	fi
done
left=$(machine_left /run/mint file:/dev/shm/mint-guests)
if [ -z "$left" ]; then
	echo "ok $((runs + 2)) - nothing of the machine is left after the block's machine stop"
else
	echo "not ok $((runs + 2)) - left running: $left"
	fail=1
fi
exit $fail
