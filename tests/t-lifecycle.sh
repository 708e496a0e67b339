#!/bin/sh
# A node's life on a simulated machine: config check; node boot checked
# against the table (every fault named, nothing reserved), run through a kexec
# stand-in that records its arguments and the machine's start hook; shutdown
# refused while guests run, forced, resources freed; reboot in place through
# kexec with a new epoch and working channels; a killed agent found dead,
# seen by events, reclaimed only once dead; a console interrupted (Ctrl-C)
# in each phase of a boot, a reboot and a shutdown: the work goes on, the
# agent stays up; a boot given more memory blocks than 512 reserves them all;
# a simulated node never runs kexec -e unless allowed, and the demo machine
# runs the agents' stand-in, never the kexec in PATH.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
sim_env
trap 'for m in "$d"/m*.conf; do "$console" machine stop "$m" >/dev/null 2>&1; done; rm -rf "$d"' EXIT

# kexec stand-in: records each call; a kernel named *bad* fails to load; a
# --load takes a second while $d/slow-kexec exists
cat >"$d/kexec" <<EOF2
#!/bin/sh
echo "\$*" >>"$d/kexec.log"
case "\$*" in *bad*) echo "kexec: cannot load" >&2; exit 1 ;; esac
[ "\$1" = --load ] && [ -e "$d/slow-kexec" ] && sleep 1
exit 0
EOF2
chmod +x "$d/kexec"
# the machine's own start hook, on demand late by a second (slow) or starting
# the node a second after it returned (late)
abs_console=$(cd "$(dirname "$console")" && pwd)/mint-console
cat >"$d/hook" <<EOF2
#!/bin/sh
case "\$(cat "$d/hook-mode" 2>/dev/null)" in
slow) sleep 1 ;;
late) (sleep 1; exec "$abs_console" machine hook "$d/m.conf") </dev/null >/dev/null 2>&1 & exit 0 ;;
esac
exec "$abs_console" machine hook "$d/m.conf"
EOF2
chmod +x "$d/hook"
: >"$d/vmlinuz"; : >"$d/initrd"; : >"$d/vmlinuz-bad"
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
# a guest that restarts when shut down: stopping it takes the agent's full 10 s
cat >"$d/stubborn.xml" <<'EOF2'
<node>
  <domain type='test'>
    <name>held</name>
    <memory>131072</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <on_poweroff>restart</on_poweroff>
  </domain>
</node>
EOF2
cat >"$d/m.conf" <<EOF2
region file:$d/region
slots 5
kexec $d/kexec
allow-host-kexec
start-hook $d/hook
boot-timeout 3000
node 0 cores=0 memory=512M devices=eth0
node 1 cores=1,2 memory=512M devices=eth1 libvirt=test://$d/guests.xml
node 2 cores=3 memory=512M libvirt=test://$d/stubborn.xml
spare cores=4-6 memory=512M devices=disk3
EOF2

# --- config check ---
ok 'con config check "$d/m.conf" | grep -q "fine: 3 nodes (5 slots), 4 cores, 1536 MiB"' "config check: the description is fine"
ok 'con config check "$d/m.conf" --json | jq -e ".ok and .slots == 5" >/dev/null' "  also as JSON"
badconf() {	# badconf EXTRA-LINE MESSAGE WHAT
	{ cat "$d/m.conf"; printf '%s\n' "$1"; } >"$d/bad.conf"
	expect=$2
	ok '! con config check "$d/bad.conf" 2>"$d/err" && grep -q "$expect" "$d/err"' "config check refuses $3"
}
badconf "node 3 cores=7 memory=256M floor=512M" "floor (512 MiB) is more than its memory" "a floor above the memory"
badconf "node 3 cores=4" "core 4 is node 3's and spare" "a core both spare and a node's"
badconf "slots 2" "slots 2: the description has 3 nodes" "fewer slots than nodes"
badconf "node 3 cores=7 memory=100M" "not whole" "memory that is not whole blocks"
ok '! con config check "$d/nonexistent" 2>"$d/err" && grep -q "cannot read" "$d/err"' "config check of a missing file says so"

ok 'con machine start "$d/m.conf" >/dev/null' "the machine starts (3 nodes, 2 slots and spare resources free)"
# who has what, in what state (generations move with every change, even undone)
table() { con resources --json | jq -c 'map({entry, state, owner})'; }
before=$(table)

# --- guest migrate --dry-run: both agents check, nothing moves ---
gl() { con guest list --json | jq -c '[.[] | {name, node, state}] | sort_by(.name)'; }
i=0
until [ "$(gl)" = '[{"name":"db","node":1,"state":"running"},{"name":"held","node":2,"state":"running"}]' ]; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1	# the first listing after start
done
g0=$(gl)
ok 'con guest migrate db --to 2 --via tcp --dry-run >"$d/out" 2>"$d/err" && grep -q "^dry run: db would migrate from node 1 to node 2 (live, via tcp; node 2 can take db" "$d/out"' \
    "guest migrate --dry-run that would succeed says so"
ok '[ "$(gl)" = "$g0" ] && [ "$(table)" = "$before" ] && ! grep -q "migrating to node" "$d/run/node1.log"' \
    "  and changes nothing: the guests, the table, no migration begun"
con guest migrate db --to 2 >/dev/null 2>"$d/err-real"
ok '! con guest migrate db --to 2 --dry-run >/dev/null 2>"$d/err" && grep -q "keeps tunnel sockets in" "$d/err" &&
    [ "$(grep "^mint-console:" "$d/err")" = "$(grep "^mint-console:" "$d/err-real")" ] && [ "$(gl)" = "$g0" ]' \
    "  a dry run the destination would refuse is refused with the real command's reason" ||
    { gl >"$d/gl"; echo "$g0" >"$d/g0"; diag_files "$d/err" "$d/err-real" "$d/gl" "$d/g0"; }
cmp -s "$d/err" "$d/err-real" || cat "$d/err" "$d/err-real" >&2	# for the log

# --- boot ---
refused() {	# refused ARGS MESSAGE WHAT
	args=$1 expect=$2
	ok '! con node boot $args 2>"$d/err" && grep -q "$expect" "$d/err" && [ "$(table)" = "$before" ]' \
	    "boot refused: $3, nothing reserved"
}
refused "3 --kernel $d/vmlinuz --cpus 4 --mem 128M@0x0" "block 0 is owned by node 0 (it overlaps node 0's memory)" "memory of another node"
refused "3 --kernel $d/vmlinuz --cpus 1" "cpu 1 is owned by node 1" "a busy core"
refused "3 --kernel $d/vmlinuz --cpus 4 --devices nosuch" "device nosuch is not in the machine" "an unknown device"
refused "3 --kernel $d/missing --cpus 4" "kernel $d/missing: No such file" "a missing kernel file"
refused "3 --kernel $d/vmlinuz --cpus 4 --mem 64M@0x60000000" "whole blocks only" "memory that cuts a block"
refused "2 --kernel $d/vmlinuz --cpus 4" "node 2 is online" "a node that runs"
long=$(head -c 2100 /dev/zero | tr '\0' x)
refused "3 --kernel $d/vmlinuz --cpus 4 --append $long" "command line does not fit in 2047 bytes" \
    "a command line the kernel would get cut"
ok '! con node boot 3 --kernel $d/missing --cpus 1 --devices nosuch 2>"$d/err" && grep -q "No such file.*cpu 1 is owned.*nosuch is not" "$d/err"' \
    "  every problem of a request named at once"
refused "3 --kernel -x --cpus 4" "kernel -x: a path may not start with '-' (./-x)" "a kernel path kexec would read as an option"
ok '! con node boot 3 --kernel $d/vmlinuz --cpus 4 --append "quiet mint.node=1 memmap=1G@0" 2>"$d/err" &&
    grep -q -- "--append sets mint.node=, memmap=, which the boot sets itself" "$d/err" && [ "$(table)" = "$before" ]' \
    "boot refused: an --append that sets what the boot sets (named), nothing reserved"
ok '! con node boot 3 --kernel $d/vmlinuz --cpus 4 --append "quiet \"memmap=1G@0\"" 2>"$d/err" &&
    grep -q -- "--append sets memmap=" "$d/err" && [ "$(table)" = "$before" ]' \
    "  also in quotes, as the kernel reads them"
nl='
'
ok '! con node boot 3 --kernel $d/vmlinuz --cpus 4 --append "quiet${nl}memmap=1G@0" 2>"$d/err" &&
    grep -q -- "--append holds a control character (byte 10)" "$d/err" && [ "$(table)" = "$before" ]' \
    "  an --append with a newline is refused"
: >"$d/kexec.log"
ok 'con node boot 3 --kernel $d/vmlinuz --cpus 4-5 --mem 256M@0x60000000 --dry-run >"$d/out" 2>&1 &&
    grep -q "dry run: node 3 would boot, 4 entries reserved for it: cpus 4-5, memory 256M@0x60000000" "$d/out"' \
    "node boot --dry-run that would succeed says what it would do"
ok '[ "$(table)" = "$before" ] && [ ! -s "$d/kexec.log" ] &&
    con nodes --json | jq -e "all(.[]; .node != 3 or .state == \"absent\")" >/dev/null' \
    "  and does nothing: the table as before, no kexec, node 3 absent"
con node boot 3 --kernel $d/vmlinuz --cpus 1 2>"$d/err-real"
ok '! con node boot 3 --kernel $d/vmlinuz --cpus 1 --dry-run 2>"$d/err" && grep -q "cpu 1 is owned by node 1" "$d/err" &&
    [ "$(cat "$d/err")" = "$(grep -v "^booting" "$d/err-real")" ] && [ "$(table)" = "$before" ]' \
    "  a dry run that would be refused is refused with the real command's reason"
ok '! con node boot 3 --kernel $d/vmlinuz-bad --cpus 4 2>"$d/err" && grep -q "kexec --load failed" "$d/err" && [ "$(table)" = "$before" ]' \
    "a kernel kexec cannot load: refused, the reservation released"
: >"$d/kexec.log"
ok 'con node boot 3 --kernel $d/vmlinuz --initrd $d/initrd --append "quiet loglevel=3" --cpus 4-5 --mem 256M@0x60000000 --devices disk3 >"$d/out" 2>&1' \
    "node boot 3 with two spare cores, 256 MiB and a device"
ok 'grep -q "node 3 booted: epoch 1" "$d/out"' "  it answers once the new node heartbeats"
ok '[ "$(cat $d/kexec.log)" = "--load $d/vmlinuz --initrd=$d/initrd --command-line=mint.node=3 mint.region=file:$d/region mint.cpus=4-5 memmap=256M@0x60000000 mint.devices=disk3 quiet loglevel=3" ]' \
    "  kexec --load got the kernel, initrd and a Mint node's command line"
ok 'con nodes --json | jq -e ".[] | select(.node == 3) | .state == \"online\"" >/dev/null' "  node 3 is in nodes, online"
ok 'con resources --json | jq -e "[.[] | select(.owner == 3 and .state == \"owned\")] | length == 5" >/dev/null' \
    "  it owns its 2 cores, 2 blocks and the device"
ok '[ "$(tr -d "\n" <$d/run/sim/node3/cpuset.cpus)" = 4-5 ] && [ -e $d/run/sim/node3/devices/disk3 ]' "  in its partition"
# --- shutdown ---
ok '! con node shutdown 1 2>"$d/err" && grep -q "node 1 runs guests: db" "$d/err"' "shutdown refused while guests run"
ok 'con nodes --json | jq -e ".[] | select(.node == 1) | .state == \"online\"" >/dev/null' "  and the node keeps running"
ok 'con node shutdown 1 --force >"$d/out" 2>&1 && grep -q "node 1 shut down (1 guests stopped); free now: cpu 1 cpu 2" "$d/out"' \
    "shutdown --force stops the guests and the node"
sleep 0.5
ok 'con nodes --json | jq -e ".[] | select(.node == 1) | .state == \"absent\"" >/dev/null' "  node 1 is absent"
ok '! con resources --json | jq -e ".[] | select(.owner == 1)" >/dev/null' "  everything it had is free"
ok '[ -z "$(tr -d "\n" <$d/run/sim/node1/cpuset.cpus)" ] && [ -z "$(ls $d/run/sim/node1/devices)" ]' "  and out of its partition"

# --- reboot ---
: >"$d/kexec.log"
e0=$(con nodes --json | jq -c '[.[] | select(.node != 2) | {node, epoch}]')
ok 'con node reboot 2 >"$d/out" 2>&1 && grep -q "node 2 is back: epoch 2 (was 1)" "$d/out"' "node reboot 2: back with a new epoch"
ok 'grep -q -- "--load .* --reuse-cmdline" "$d/kexec.log" && grep -qx -- "-e" "$d/kexec.log"' "  through kexec --load and kexec -e (allow-host-kexec)"
ok '[ "$(con nodes --json | jq -c "[.[] | select(.node != 2) | {node, epoch}]")" = "$e0" ]' "  no other node restarted"
ok 'con ping 2 | grep -q "node 2 epoch 2: alive"' "  node 0 reaches it through the rings again"
ok 'con cpu move 4 --to 2 >/dev/null 2>&1 && con cpu move 4 --to 3 >/dev/null 2>&1' "  and moves to and from it work"

# --- death, events, reclaim ---
ok '! con node reclaim 3 2>"$d/err" && grep -q "still heartbeats" "$d/err"' "reclaim refused while node 3 heartbeats"
con events --json -n 6 --timeout 10 >"$d/events" 2>&1 &
ev=$!
sleep 0.3
kill -9 "$(cat $d/run/node3.pid)"
t0=$(date +%s%N)
until con nodes --json | jq -e ".[] | select(.node == 3) | .state == \"dead\"" >/dev/null 2>&1; do
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000 ] || break
	sleep 0.05
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok 'con nodes --json | jq -e ".[] | select(.node == 3) | .state == \"dead\"" >/dev/null' "a killed agent is found dead ($ms ms; 3 periods of 100 ms and a sample)"
wait $ev
ok 'jq -e -s "any(.[]; .type == \"node\" and .node == 3 and .event == \"dead\")" "$d/events" >/dev/null' "  events shows it"
ok 'con resources --json | jq -e "[.[] | select(.owner == 3)] | all(.state == \"fenced\")" >/dev/null' "  what it had is fenced"
ok 'con node reclaim 3 >"$d/out" 2>&1 && grep -q "free now" "$d/out" && ! con resources --json | jq -e ".[] | select(.owner == 3)" >/dev/null' \
    "  reclaim, now accepted, frees it"

# --- a console interrupted: what it asked for goes on, answered to nobody ---
state() { con nodes --json | jq -r ".[] | select(.node == $1) | .state"; }
epoch() { con nodes --json | jq -r ".[] | select(.node == $1) | .epoch"; }
within() {	# within MS COMMAND...: until it succeeds, for at most MS
	ms=$1
	shift
	t0=$(date +%s%N)
	until "$@"; do
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt "$ms" ] || return 1
		sleep 0.1
	done
}
is_state() { [ "$(state "$1")" = "$2" ]; }
until_state() { within "$3" is_state "$1" "$2"; }	# until_state NODE STATE MS
intr() {	# intr SOCKET ARGS...: Ctrl-C to a console 0.4 s after it asked; 0 if it was still waiting
	sock=$1
	shift
	# a background job of a shell without job control ignores SIGINT: undo that
	MINT_SOCKET="$sock" env --default-signal=INT "$console" "$@" >/dev/null 2>&1 &
	ipid=$!
	sleep 0.4
	kill -INT "$ipid" 2>/dev/null
	wait "$ipid"
	[ $? -eq 130 ]
}
alive() {	# alive NODE: its agent answers node 0's console, and no node holds it dead
	con ping "$1" 2>/dev/null | grep -q "node $1 epoch .*: alive" && [ "$(state "$1")" = online ]
}
s0="$d/run/node0.sock"
for phase in kexec hook wait; do
	rm -f "$d/slow-kexec" "$d/hook-mode"
	case $phase in
	kexec) what="kexec --load"; touch "$d/slow-kexec" ;;
	hook) what="the start hook"; echo slow >"$d/hook-mode" ;;
	wait) what="the wait for its heartbeat"; echo late >"$d/hook-mode" ;;
	esac
	ok 'intr "$s0" node boot 3 --kernel "$d/vmlinuz" --cpus 4' "Ctrl-C to node boot during $what"
	ok 'until_state 3 online 6000' "  the boot goes on: node 3 online"
	ok 'alive 0 && alive 2' "  node 0's agent, which booted it, still answers; node 2's too"
	ok 'con node shutdown 3 >/dev/null 2>&1 && until_state 3 absent 3000' "  node 3 shut down again"
done
rm -f "$d/hook-mode"
touch "$d/slow-kexec"
e2=$(epoch 2)
ok 'intr "$d/run/node2.sock" node reboot 2' "Ctrl-C to node reboot during kexec --load"
rm -f "$d/slow-kexec"
rebooted() { [ "$(epoch 2)" -gt "$e2" ] && alive 2; }
ok 'within 6000 rebooted' \
    "  the reboot goes on: node 2 back with a new epoch, answering"
ok 'alive 0' "  node 0 unaffected"
ok 'intr "$d/run/node2.sock" node shutdown 2 --force' "Ctrl-C to node shutdown while its guest stops (10 s)"
ok '! con -s "$d/run/node2.sock" node boot 3 --kernel $d/vmlinuz --cpus 4 2>"$d/err" &&
    grep -q "node 2 is shutting down: it boots no node now" "$d/err"' "  while it stops, node 2 boots no node" ||
    diag_files "$d/err"
ok 'until_state 2 absent 15000' "  the shutdown goes on: node 2 absent, not dead"
ok 'grep -q "node 2 shut down (1 guests stopped)" "$d/run/node2.log" && alive 0' "  it ended as a shutdown does; node 0 unaffected"
"$console" machine stop "$d/m.conf" >/dev/null 2>&1

# --- a boot of more memory blocks than 512: all reserved, or none ---
cat >"$d/m2.conf" <<EOF2
region file:$d/region2
slots 2
memory-block 1M
kexec $d/kexec
node 0 cores=0 memory=256M
spare cores=1 memory=600M
EOF2
export MINT_REGION="file:$d/region2"
ok 'con machine start "$d/m2.conf" >/dev/null' "a machine of 1 MiB blocks starts (600 spare)"
ok 'con node boot 1 --kernel "$d/vmlinuz" --cpus 1 --mem 600M@0x10000000 >"$d/out" 2>&1' \
    "node boot 1 with 600 blocks of memory"
ok '! con resources --json | jq -e ".[] | select(.state == \"free\")" >/dev/null' "  none of them is left free for another node"
ok 'con resources --json | jq -e "[.[] | select(.kind == \"mem\" and .owner == 1)] | length == 600" >/dev/null' \
    "  all 600 blocks its kernel was given are node 1's"
# a kexec named but no allow-host-kexec: a simulated node loads, never kexec -e
: >"$d/kexec.log"
ok 'con node reboot 0 >/dev/null 2>&1 && grep -q -- "^--load" "$d/kexec.log" && ! grep -qx -- "-e" "$d/kexec.log"' \
    "a simulated node reboots without kexec -e (no allow-host-kexec)"
"$console" machine stop "$d/m2.conf" >/dev/null 2>&1

# --- the README's demo machine never runs the host's kexec ---
# a recording kexec first in PATH, as kexec-tools would be; the description
# names none, so the agents' own stand-in must be what runs
mkdir "$d/bin"
printf '#!/bin/sh\necho "$*" >>"%s/path-kexec.log"\nexit 0\n' "$d" >"$d/bin/kexec"
chmod +x "$d/bin/kexec"
: >"$d/path-kexec.log"
# at a path with a quote in it: the start hook still finds the description
m3="$d/m3'demo.conf"
sed "s|^region .*|region file:$d/region3|" "${top_srcdir:-.}/machine/three-nodes.conf" >"$m3"
# node reboot loads the running kernel's image: here a file of the test's own
abs_agent=$(cd "$(dirname "$b/agent/mint-agent")" && pwd)/mint-agent
printf '#!/bin/sh\nexec "%s" --kernel "%s/vmlinuz" "$@"\n' "$abs_agent" "$d" >"$d/agent"
chmod +x "$d/agent"
export MINT_REGION="file:$d/region3"
ok 'PATH="$d/bin:$PATH" MINT_AGENT="$d/agent" con machine start "$m3" >/dev/null' "the demo machine starts with a kexec first in PATH"
ok 'con node reboot 1 >"$d/out" 2>&1 && grep -q "node 1 is back" "$d/out"' "  node reboot 1 works"
ok 'grep -q "kexec stand-in" "$d/run/node1.log"' "  through the agent's kexec stand-in"
ok 'con node shutdown 2 >/dev/null 2>&1 && until_state 2 absent 3000 &&
    PATH="$d/bin:$PATH" con node boot 2 --kernel "$d/vmlinuz" --cpus 3 >/dev/null 2>&1' "  node shutdown 2, then node boot 2 works (the start hook quotes the description's path)"
ok 'grep -q "kexec stand-in" "$d/run/node0.log"' "  through the agent's kexec stand-in"
ok '[ ! -s "$d/path-kexec.log" ]' "  the kexec in PATH was never called"
echo "1..$n"
