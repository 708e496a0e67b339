#!/bin/sh
# The agent and a libvirtd that hangs, or cannot be asked: its loop keeps
# answering (no node declared dead) while node shutdown and dev move wait for
# libvirt in workers, and both end with a clear error at the libvirt timeout,
# nothing changed; a flood of guest requests gets a bounded number of threads
# and every one an answer; a device move is refused when libvirt cannot say
# whether a running guest uses the device, and a guest's PCI host device (by
# its address) or /dev disk counts as in use.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
sim_env
hangpid=
trap '[ -n "$hangpid" ] && kill $hangpid 2>/dev/null; "$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
# the agents with a short libvirt timeout (the same code paths as the 20 s default)
printf '#!/bin/sh\nexec "%s" --libvirt-timeout 3000 "$@"\n' "$(cd "$b" && pwd)/agent/mint-agent" >"$d/agent"
chmod +x "$d/agent"
export MINT_AGENT="$d/agent"

# node 0's libvirtd hangs (takes connections, never answers: as under SIGSTOP);
# node 1's cannot be reached; node 2 runs no hypervisor; node 3's (the test
# driver) runs a guest with a PCI host device, a /dev disk and a NIC
"$b/tests/helpers/hang-sock" "$d/hung.sock" >"$d/hang.out" 2>&1 &
hangpid=$!
until_ok 5 'grep -q ready "$d/hang.out"' || { echo "1..0 # SKIP the hanging socket did not start"; exit 77; }
cat >"$d/guests.xml" <<'EOF2'
<node>
  <domain type='test'>
    <name>gpu</name>
    <memory>131072</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>
      </hostdev>
      <disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vda' bus='virtio'/></disk>
      <interface type='direct'><source dev='eth3' mode='bridge'/></interface>
    </devices>
  </domain>
</node>
EOF2
ncpu=$(nproc)
cat >"$d/m.conf" <<EOF2
region file:$d/region
node 0 cores=$((ncpu + 1)) memory=512M devices=eth0 libvirt=qemu+unix:///system?socket=$d/hung.sock
node 1 cores=$((ncpu + 2)) memory=512M devices=eth1 libvirt=qemu+unix:///system?socket=$d/nobody.sock
node 2 cores=$((ncpu + 3)) memory=512M devices=disk2
node 3 cores=$((ncpu + 4)) memory=512M devices=0000:03:00.1,sdz,vda,eth3 libvirt=test://$d/guests.xml
EOF2
owner() {	# owner KIND ID: the owner of an entry when it is owned, else its state
	con resources --json | jq -r --arg k "$1" --arg i "$2" \
	    '.[] | select(.kind == $k and (.id | tostring) == $i) | if .state == "owned" then .owner else .state end'
}
tasks() { ls "/proc/$1/task" 2>/dev/null | wc -l; }
all_online() { con nodes --json | jq -e 'length == 4 and all(.state == "online")' >/dev/null; }
log0="$d/run/node0.log"

ok 'con machine start "$d/m.conf" >"$d/start.out" 2>&1' "a machine of four nodes starts (node 0's libvirtd hangs)"
pid0=$(cat "$d/run/node0.pid")

# --- dev move on the node whose libvirtd hangs ---
con dev move eth0 --to 2 >"$d/dev.out" 2>"$d/dev.err" &
devpid=$!
ok 'until_ok 10 "grep -q \"eth0: asking libvirt whether a running guest uses it\" \"$log0\""' \
    "dev move eth0: node 0 asks libvirt in a worker"
ok 'con -s "$d/run/node0.sock" ping 1 >/dev/null && con status 0 >/dev/null' \
    "  meanwhile node 0's agent answers ping and status"
wait $devpid; rc=$?
ok '[ $rc -ne 0 ] && grep -q "eth0 not moved: libvirt .*hung.sock did not answer within 3.0 s" "$d/dev.err" && grep -q "nothing changed" "$d/dev.err"' \
    "  refused at the libvirt timeout: $(grep -m1 "not moved" "$d/dev.err" | cut -c1-160)"
ok '[ "$(owner dev eth0)" = 0 ] && [ -e "$d/run/sim/node0/devices/eth0" ] && [ ! -e "$d/run/sim/node2/devices/eth0" ]' \
    "  eth0 still owned by node 0 and in its partition"

# --- node shutdown on the node whose libvirtd hangs ---
mine0=$(con resources --json | jq -c '[.[] | select(.owner == 0) | {kind, id, state}]')
con -s "$d/run/node0.sock" node shutdown 0 >"$d/shut.out" 2>"$d/shut.err" &
shutpid=$!
ok 'until_ok 10 "grep -q \"shutdown asked by uid\" \"$log0\""' "node shutdown 0: node 0 asks libvirt in a worker"
ok 'con -s "$d/run/node0.sock" ping 2 >/dev/null && con -s "$d/run/node0.sock" status 0 --json | jq -e ".node == 0" >/dev/null' \
    "  meanwhile node 0's agent answers ping and status"
wait $shutpid; rc=$?
ok '[ $rc -ne 0 ] && grep -q "node 0 not shut down: libvirt .* did not answer within 3.0 s" "$d/shut.err" && grep -q "nothing was stopped" "$d/shut.err"' \
    "  refused at the libvirt timeout: $(cut -c1-160 "$d/shut.err")"
ok 'all_online && [ "$(con resources --json | jq -c "[.[] | select(.owner == 0) | {kind, id, state}]")" = "$mine0" ]' \
    "  node 0 online, its cores, memory and device still its own"
ok 'con -s "$d/run/node0.sock" ping 0 >/dev/null' "  and its agent runs on"

# --- a flood of guest requests on the hung node: bounded threads, every one answered ---
base=$(tasks "$pid0")
i=0 cons=
while [ $i -lt 48 ]; do
	con -t 30000 guest start --node 0 "g$i" >"$d/g$i.out" 2>&1 &
	cons="$cons $!"
	i=$((i + 1))
done
peak=0
running() { for p in $cons; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
	t=$(tasks "$pid0"); [ "$t" -gt "$peak" ] && peak=$t
	sleep 0.05
done
for p in $cons; do wait "$p"; done
answered=$(cat "$d"/g*.out | grep -c -e "did not answer within" -e "is busy")
busy=$(cat "$d"/g*.out | grep -c "is busy")
# the loop, the heartbeat, libvirt's event loop (guest-events.c), and at most 6 libvirt
# workers (agent/worker.h)
ok '[ "$peak" -le 9 ]' "48 guest requests at once: at most 9 threads in the agent (peak $peak, $base before)"
ok '[ "$answered" = 48 ]' "  every request answered: timed out or busy ($answered of 48, $busy busy)"
ok '[ "$busy" -ge 1 ]' "  beyond the workers and the queue, refused as busy at once"
ok 'all_online && con -s "$d/run/node0.sock" ping 3 >/dev/null' "  no node declared dead, node 0 still answers"
ok '! grep -Eq "heartbeat silent .*: dead|is dead" "$d"/run/node*.log' "  no agent's log speaks of a dead node"
# the daemon goes: the hung calls fail, their threads end
kill $hangpid; hangpid=
ok 'until_ok 10 "[ \$(tasks $pid0) -le 4 ]"' "once the daemon is gone the hung calls end with their threads (the loop, heartbeat, libvirt's events and at most a spare worker left)"

# --- fail closed: libvirt cannot be asked ---
ok '! con dev move eth1 --to 2 2>"$d/err" && grep -q "eth1 not moved: libvirt .*nobody.sock could not be asked" "$d/err" && [ "$(owner dev eth1)" = 1 ]' \
    "dev move on a node whose libvirt cannot be reached: refused, saying so"
ok 'con dev move disk2 --to 1 >/dev/null 2>&1 && [ "$(owner dev disk2)" = 1 ]' \
    "a node without a hypervisor (--connect none) moves its device"
ok '! con guest start --node 2 x 2>"$d/err" && grep -q "node 2 runs no hypervisor" "$d/err"' \
    "  and says it runs no hypervisor when asked for a guest"

# --- what a guest uses, from its domain XML ---
ok '! con dev move 0000:03:00.1 --to 2 2>"$d/err" && grep -q "in use by running guest gpu" "$d/err" && [ "$(owner dev 0000:03:00.1)" = 3 ]' \
    "a PCI host device, named by its address in the guest's XML, is in use"
ok '! con dev move sdz --to 2 2>"$d/err" && grep -q "in use by running guest gpu" "$d/err"' \
    "a disk given as /dev/sdz is in use"
ok '! con dev move sdz --to 2 --dry-run 2>"$d/err" && grep -q "in use by running guest gpu" "$d/err"' \
    "  and a dry run of that move is refused for the same reason"
ok '! con dev move eth3 --to 2 2>"$d/err" && grep -q "in use by running guest gpu" "$d/err"' \
    "an interface's host device is in use"
ok 'v=$(owner dev vda) && con dev move vda --to 2 --dry-run >"$d/out" 2>&1 && grep -q "^dry run: .*vda would move .*nothing was done (no running guest uses it)" "$d/out" && [ "$(owner dev vda)" = "$v" ]' \
    "a dry run asks libvirt too: vda would move, and stays"
ok 'con dev move vda --to 2 >/dev/null 2>&1 && [ "$(owner dev vda)" = 2 ]' \
    "a device named like the guest's own disk target is not, and moves"

echo "1..$n"
exit $fail
