#!/bin/sh
# run-vm.sh [--smp N] [--mem SIZE] [--append ARGS] [--qemu ARGS] [--timeout S] INITRAMFS:
# boot this host's newest /boot/vmlinuz-* under QEMU TCG with INITRAMFS (made
# by mkinitramfs.sh), print the guest's serial output as it comes, and exit
# with the status of its "MINT-VM-RESULT N" line: 124 on timeout, 1 if the
# guest gave no result, 77 (with a reason) if qemu, a kernel or busybox-static
# is missing. QEMU never outlives this script. A guest that printed its
# result but does not power off within 20 s is stopped (under TCG on two host
# cores a kernel holding a hot-added vCPU was seen to hang in poweroff).
set -u
smp=2 mem=1G append= timeout=300 extra=
while [ $# -gt 1 ]; do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--qemu) extra=$2; shift 2 ;;	# more QEMU options (split at spaces)
	--timeout) timeout=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--smp N] [--mem SIZE] [--append ARGS] [--qemu ARGS] [--timeout S] INITRAMFS" >&2; exit 2; }
initrd=$1

skip() { echo "run-vm: $*"; exit 77; }
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || skip "no $qemu (apt-get install qemu-system-x86)"
kernel=${MINT_VM_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no readable kernel /boot/vmlinuz-* (apt-get install linux-image-amd64)"
[ -x /bin/busybox ] || skip "no /bin/busybox (apt-get install busybox-static)"
[ -r "$initrd" ] || { echo "run-vm: cannot read $initrd" >&2; exit 2; }

log=$(mktemp "${TMPDIR:-/tmp}/mint-vm.XXXXXX")
qpid= tpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && sleep 0.5 && kill -9 "$qpid" 2>/dev/null
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$qemu" -accel tcg -smp "$smp" -m "$mem" -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 $append" -nographic -no-reboot -nic none $extra \
    </dev/null >"$log" 2>&1 &
qpid=$!
# the serial output as it comes, without the tty's carriage returns
tail -n +1 -f --pid="$qpid" "$log" 2>/dev/null | tr -d '\r' &
tpid=$!

timed_out=0 t=0 done_at=
while kill -0 "$qpid" 2>/dev/null; do
	if [ -z "$done_at" ] && grep -q 'MINT-VM-RESULT [0-9]' "$log"; then
		done_at=$t
	elif [ -n "$done_at" ] && [ "$t" -ge $((done_at + 40)) ]; then
		echo "run-vm: the guest gave its result but did not power off in 20 s: stopped"
		kill "$qpid" 2>/dev/null; sleep 1; kill -9 "$qpid" 2>/dev/null
		break
	fi
	if [ "$t" -ge $((timeout * 2)) ]; then
		timed_out=1
		kill "$qpid" 2>/dev/null; sleep 1; kill -9 "$qpid" 2>/dev/null
		break
	fi
	sleep 0.5
	t=$((t + 1))
done
wait "$qpid" 2>/dev/null
qpid=
wait "$tpid" 2>/dev/null
tpid=
if [ "$timed_out" = 1 ]; then
	echo "run-vm: timed out after $timeout s"
	exit 124
fi
rc=$(tr -d '\r' <"$log" | sed -n 's/.*MINT-VM-RESULT \([0-9][0-9]*\)$/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
	echo "run-vm: the guest gave no MINT-VM-RESULT line"
	exit 1
fi
exit "$rc"
