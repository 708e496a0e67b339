#!/bin/sh
# run-vm.sh [--smp N] [--mem SIZE] [--append ARGS] [--qemu ARGS] [--timeout S]
#           [--on-timeout CMD] INITRAMFS:
# boot this host's newest /boot/vmlinuz-* under QEMU TCG with INITRAMFS (made
# by mkinitramfs.sh), print the guest's serial output as it comes, and exit
# with the status of its "MINT-VM-RESULT N" line: 124 on timeout, 125 if
# QEMU itself crashed (an assertion, a signal), 1 if the guest gave no result, 77 (with a reason) if qemu, a kernel or busybox-static
# is missing. QEMU never outlives this script.
#
# Every wait is in wall-clock seconds. A guest script marks each step it
# starts with a line "@ STEP": on timeout this script says which step the
# guest was in ("run-vm: timed out after S s in step: STEP"), after running
# CMD (--on-timeout, e.g. a QMP dump of the vCPUs; its output as "# " lines)
# while QEMU still runs. A guest that printed its result but does not power
# off within 20 s is stopped (under TCG on two host cores a kernel holding a
# hot-added vCPU was seen to hang in poweroff).
set -u
smp=2 mem=1G append= timeout=300 extra= on_timeout=
while [ $# -gt 1 ]; do
	case $1 in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--qemu) extra=$2; shift 2 ;;	# more QEMU options (split at spaces)
	--timeout) timeout=$2; shift 2 ;;
	--on-timeout) on_timeout=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--smp N] [--mem SIZE] [--append ARGS] [--qemu ARGS] [--timeout S] [--on-timeout CMD] INITRAMFS" >&2; exit 2; }
initrd=$1

skip() { echo "run-vm: $*"; exit 77; }
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || skip "no $qemu (apt-get install qemu-system-x86)"
kernel=${MINT_VM_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no readable kernel /boot/vmlinuz-* (apt-get install linux-image-amd64)"
[ -x /bin/busybox ] || skip "no /bin/busybox (apt-get install busybox-static)"
[ -r "$initrd" ] || { echo "run-vm: cannot read $initrd" >&2; exit 2; }

log=$(mktemp "${TMPDIR:-/tmp}/mint-vm.XXXXXX")
fifo=$log.out
qpid= tpid= rpid=
# stop_qemu: TERM, then KILL, and reap it (a QEMU nobody reaps stays a zombie
# here, and tail --pid would follow it for ever)
stop_qemu() {
	[ -n "$qpid" ] || return 0
	kill "$qpid" 2>/dev/null
	i=0
	while kill -0 "$qpid" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.2; i=$((i + 1)); done
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
}
cleanup() {
	stop_qemu
	[ -n "$tpid" ] && kill "$tpid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	rm -f "$log" "$fifo"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$qemu" -accel tcg -smp "$smp" -m "$mem" -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 $append" -nographic -no-reboot -nic none $extra \
    </dev/null >"$log" 2>&1 &
qpid=$!
# the serial output as it comes, without the tty's carriage returns (through a
# fifo, so that both programs have a pid to wait for and to stop)
mkfifo "$fifo"
tr -d '\r' <"$fifo" &
rpid=$!
tail -n +1 -f --pid="$qpid" "$log" >"$fifo" 2>/dev/null &
tpid=$!

# the step the guest was in: its last "@ STEP" line
last_step() { tr -d '\r' <"$log" | sed -n 's/^@ //p' | tail -n 1; }

start=$(date +%s) timed_out=0 done_at=
while kill -0 "$qpid" 2>/dev/null; do
	now=$(date +%s)
	if [ -z "$done_at" ] && grep -q 'MINT-VM-RESULT [0-9]' "$log"; then
		done_at=$now
	elif [ -n "$done_at" ] && [ $((now - done_at)) -ge 20 ]; then
		echo "run-vm: the guest gave its result but did not power off in 20 s: stopped"
		stop_qemu
		break
	fi
	if [ -z "$done_at" ] && [ $((now - start)) -ge "$timeout" ]; then
		timed_out=1
		if [ -n "$on_timeout" ]; then
			echo "run-vm: timed out; the guest's state before QEMU is stopped:"
			timeout 60 sh -c "$on_timeout" 2>&1 | sed 's/^/# /'
		fi
		stop_qemu
		break
	fi
	sleep 0.5
done
wait "$qpid" 2>/dev/null
qrc=$?
qpid=
# tail ends by itself once QEMU is gone (it reads the rest first); give it 5 s
i=0
while kill -0 "$tpid" 2>/dev/null && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
kill "$tpid" 2>/dev/null
wait "$tpid" 2>/dev/null
tpid=
wait "$rpid" 2>/dev/null
rpid=
if [ "$timed_out" = 1 ]; then
	step=$(last_step)
	echo "run-vm: timed out after $timeout s${step:+ in step: $step}"
	exit 124
fi
rc=$(tr -d '\r' <"$log" | sed -n 's/.*MINT-VM-RESULT \([0-9][0-9]*\)$/\1/p' | tail -n 1)
# QEMU itself gave up (TCG has its own races: an assertion seen here under
# -smp 4): 125, so that the caller may boot the scenario again
qfail=$(grep -m 1 -E '^qemu-system[^:]*: .*(Assertion|assertion|Aborted)' "$log")
if [ -z "$rc" ] && { [ -n "$qfail" ] || [ "$qrc" -gt 128 ]; } && [ "$timed_out" = 0 ]; then
	echo "run-vm: QEMU itself failed (exit status $qrc)${qfail:+: $qfail}"
	exit 125
fi
if [ -z "$rc" ]; then
	step=$(last_step)
	echo "run-vm: the guest gave no MINT-VM-RESULT line${step:+ (its last step: $step)}"
	exit 1
fi
exit "$rc"
