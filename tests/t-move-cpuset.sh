#!/bin/sh
# A core moved between real cpuset partitions: a three-node machine started in
# cpuset mode inside a QEMU TCG VM with 4 CPUs (the host has too few cores),
# busy loops on node 2, cpu 2 moved from node 1 to node 2 and back; the
# cpusets, the resource table, top and the loops' CPU time follow it; cpu 0
# and a node's last core are refused. Then the same under cgroup v2, once
# `machine start` makes v2 cpusets.
. "${top_srcdir:-.}/tests/lib.sh"
vm="$s/tests/vm"
[ "$(id -u)" = 0 ] || skip "needs root (cgroups inside the VM are made as root; qemu and /boot/vmlinuz-*)"
command -v "${QEMU:-qemu-system-x86_64}" >/dev/null 2>&1 || skip "no ${QEMU:-qemu-system-x86_64} (apt-get install qemu-system-x86)"
ls /boot/vmlinuz-* >/dev/null 2>&1 || skip "no kernel /boot/vmlinuz-* to boot"
[ -x /bin/busybox ] || skip "no /bin/busybox (apt-get install busybox-static)"
ldd /bin/busybox >/dev/null 2>&1 && skip "/bin/busybox is not static (apt-get install busybox-static)"
command -v cpio >/dev/null 2>&1 || skip "no cpio"
export MINT_AGENT="${MINT_AGENT:-$b/agent/mint-agent}" MINT_CONSOLE="${MINT_CONSOLE:-$b/console/mint-console}"
[ -x "$MINT_AGENT" ] && [ -x "$MINT_CONSOLE" ] || skip "no built $MINT_AGENT and $MINT_CONSOLE"
slow_test

d=$(mktemp -d)
vpid=
trap '[ -n "$vpid" ] && kill "$vpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
trap 'exit 130' INT TERM HUP

# What runs inside the VM: TAP lines ("ok - ..."), numbered by the outer test.
cat >"$d/inner.sh" <<'INNER'
#!/bin/sh
set -u
export MINT_RUN_DIR=/run/mint MINT_REGION=file:/dev/shm/mint-vm MINT_SOCKET=/run/mint/node1.sock
failed=0
ok() {	# ok COMMAND DESCRIPTION ("@ " marks the step for run-vm.sh's timeout report)
	echo "@ $2"
	if eval "$1"; then echo "ok - $2"; else echo "not ok - $2"; failed=1; fi
}
show() { sed 's/^/# /' "$@"; }
# run CMD...: its output in /tmp/out, shown as comments
run() { "$@" >/tmp/out 2>&1; r=$?; show /tmp/out; return $r; }

if grep -qw 'mint.cgroup=2' /proc/cmdline; then
	cg=/sys/fs/cgroup/mint v=2
	# the controllers a v2 cpuset partition needs below the root
	echo "+cpuset +memory" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
else
	cg=/sys/fs/cgroup/cpuset/mint v=1
fi
echo "# cgroup v$v, $(nproc) CPUs, kernel $(uname -r)"
cpus() { cat "$cg/node$1/cpuset.cpus" 2>/dev/null; }
# the resource table's entry for cpu N, as JSON, then owner and state
res_cpu() { mint-console resources --json | tr '{' '\n' | grep "\"kind\":\"cpu\",\"id\":$1,"; }
owned_by() { res_cpu "$1" | grep -q "\"state\":\"owned\",\"owner\":$2,"; }
# node N's cores line in top
top_cores() {
	mint-console top -b -n 1 | awk -v n="$1" '/^[0-9]+ / { node = $1 } node == n && /^ +cores:/ { print; exit }'
}
# top_has N CORE...: wait up to ~4 s (the agents sample once a second) for
# node N's cores line in top to be exactly CORE... and none of them moving
top_has() {
	n=$1; shift
	i=0
	while :; do
		line=$(top_cores "$n")
		[ "$(echo "$line" | grep -o 'cpu[0-9]*' | tr '\n' ' ')" = "$* " ] &&
		    ! echo "$line" | grep -q moving && { echo "# node $n$line"; return 0; }
		i=$((i + 1)); [ $i -ge 8 ] && { echo "# node $n$line"; return 1; }
		sleep 0.5
	done
}
# the loops' CPU time (utime + stime, in ticks) over a 3 s window
ticks() { cat /proc/$l1/stat /proc/$l2/stat | awk '{ s += $14 + $15 } END { print s }'; }
rate() { t0=$(ticks); sleep 3; t1=$(ticks); echo $((t1 - t0)); }

cat >/tmp/m.conf <<'EOF'
region file:/dev/shm/mint-vm
node 0 cores=0 memory=256M devices=eth0
node 1 cores=1,2 memory=256M devices=eth1
node 2 cores=3 memory=256M
EOF
ok 'run mint-console machine start /tmp/m.conf && grep -q "cpuset\( (cgroup v2)\)\? cores" /tmp/out' \
    "a three-node machine on a 4-CPU VM starts in cpuset mode"
if [ $failed = 1 ]; then
	for f in /run/mint/node*.log; do [ -f "$f" ] && { echo "# $f:"; show "$f"; }; done
	exit 1
fi
ok '[ "$(cpus 0)" = 0 ] && [ "$(cpus 1)" = 1-2 ] && [ "$(cpus 2)" = 3 ]' \
    "  its cpusets: node 0 has 0, node 1 1-2, node 2 3 ($(cpus 0) / $(cpus 1) / $(cpus 2))"
ok 'grep -qx "$(cat /run/mint/node2.pid)" "$cg/node2/cgroup.procs"' "  node 2's agent is in its cpuset"
ok 'top_has 2 cpu3' "  top shows node 2 with cpu3"

sh -c 'while :; do :; done' &
l1=$!
sh -c 'while :; do :; done' &
l2=$!
echo $l1 >"$cg/node2/cgroup.procs"
echo $l2 >"$cg/node2/cgroup.procs"
ok '[ "$(awk "/Cpus_allowed_list/ { print \$2 }" /proc/$l1/status)" = 3 ]' \
    "two busy loops put in node 2's cpuset run on cpu 3 only"
before=$(rate)
ok '[ "$before" -gt 0 ]' "  they get CPU time: $before ticks in 3 s on one core"

ok 'run mint-console cpu move 2 --to 2' "cpu move 2 --to 2 succeeds"
ok '[ "$(cpus 1)" = 1 ] && [ "$(cpus 2)" = 2-3 ]' \
    "  node 1's cpuset is now 1, node 2's 2-3 ($(cpus 1) / $(cpus 2))"
ok 'owned_by 2 2' "  the resource table says cpu 2 is owned by node 2 ($(res_cpu 2))"
ok 'top_has 2 cpu2 cpu3' "  top shows node 2 with cpu2 and cpu3, settled"
ok 'top_has 1 cpu1' "  and node 1 with cpu1 alone"
ok '[ "$(awk "/Cpus_allowed_list/ { print \$2 }" /proc/$l1/status)" = 2-3 ]' \
    "  the loops may now run on cpus 2-3"
after=$(rate)
ok '[ "$after" -gt "$before" ]' "  and get more CPU time: $after ticks in 3 s, $before before"

ok 'run mint-console cpu move 2 --to 1' "cpu move 2 --to 1 moves it back"
ok '[ "$(cpus 1)" = 1-2 ] && [ "$(cpus 2)" = 3 ]' \
    "  cpusets back to 1-2 and 3 ($(cpus 1) / $(cpus 2))"
ok 'owned_by 2 1' "  the resource table says cpu 2 is node 1's again ($(res_cpu 2))"
ok 'top_has 1 cpu1 cpu2 && top_has 2 cpu3' "  top shows node 1 with cpu1 and cpu2, node 2 with cpu3"
back=$(rate)
ok '[ "$back" -lt "$after" ]' "  the loops' CPU time drops again: $back ticks in 3 s, $after on two cores"

ok '! run mint-console cpu move 0 --to 1 && grep -q "boot CPU" /tmp/out' "cpu 0 is refused: the boot CPU"
ok '! run mint-console cpu move 3 --to 1 && grep -q "no core left" /tmp/out' \
    "node 2's only core is refused: no core left"
ok '[ "$(cpus 2)" = 3 ] && owned_by 3 2' "  and stays node 2's"

kill $l1 $l2
wait $l1 $l2 2>/dev/null
ok 'run mint-console machine stop /tmp/m.conf && grep -q "machine stopped: 3 nodes" /tmp/out' \
    "stop the machine"
ok '[ ! -d "$cg/node1" ] && [ ! -d "$cg/node2" ]' "  its cpusets are gone"
ok '! pidof mint-agent >/dev/null' "  no agent is left"

if [ $failed = 1 ]; then
	for f in /run/mint/node*.log; do [ -f "$f" ] && { echo "# $f:"; show "$f"; }; done
	exit 1
fi
exit 0
INNER

n=0
# a scenario takes about 40 s here alone; a loaded host may take several times that
vm_timeout=400
# run_scenario WHAT [run-vm options]: boot the VM, relay its TAP lines
run_scenario() {
	what=$1
	shift
	rc=0
	if ! sh "$vm/mkinitramfs.sh" "$d/initrd.gz" "$d/inner.sh" >"$d/mk.out" 2>&1; then
		n=$((n + 1))
		echo "not ok $n - $what: build the initramfs"
		sed 's/^/# /' "$d/mk.out"
		return
	fi
	for try in 1 2; do
		sh "$vm/run-vm.sh" --smp 4 --mem 1G --timeout $vm_timeout "$@" "$d/initrd.gz" \
		    >"$d/vm.out" 2>&1 &
		vpid=$!
		wait "$vpid"
		rc=$?
		vpid=
		# QEMU's own crash is not the scenario's: boot it once more, and say so
		[ "$rc" = 125 ] && [ $try = 1 ] || break
		echo "# $what: $(grep -m 1 '^run-vm: QEMU itself failed' "$d/vm.out"); booting the scenario again"
	done
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); echo "ok $n - $what: ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); echo "not ok $n - $what: ${line#not ok - }" ;;
		"#"*) printf '%s\n' "$line" ;;
		"@ "*) ;;
		*) printf '# %s\n' "$line" | tr -cd '\11\12\40-\176' ;;
		esac
	done <"$d/vm.out"
	n=$((n + 1))
	if [ "$rc" = 0 ]; then
		echo "ok $n - $what: the VM ran the whole scenario"
	elif [ "$rc" = 124 ]; then
		step=$(sed -n 's/^run-vm: timed out after [0-9]* s in step: //p' "$d/vm.out" | tail -n 1)
		echo "not ok $n - $what: the VM ran the whole scenario (stuck${step:+ in step \"$step\"}: no result within $vm_timeout s, QEMU stopped)"
	else
		echo "not ok $n - $what: the VM ran the whole scenario (status $rc)"
	fi
}

run_scenario "cgroup v1"
if grep -q 'cgroup\.subtree_control' "$s/machine/partition.c"; then
	run_scenario "cgroup v2" --append mint.cgroup=2
else
	n=$((n + 1))
	echo "ok $n # SKIP cgroup v2 cpusets: machine start does not set them up yet"
fi
echo "1..$n"
