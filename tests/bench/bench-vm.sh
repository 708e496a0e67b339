#!/bin/sh
# make bench-vm: the ring between two QEMU TCG VMs sharing the module's region
# (ivshmem-doorbell): round trip and message rate with the receiver asleep,
# woken by the doorbell interrupt, against polling, measured in the same run.
# TCG figures are relative only: every instruction of the guests is emulated.
set -u
b=${1:-.}
s=${2:-.}
vm="$s/tests/vm"
iters=${BENCH_VM_ITERS:-2000}
fail() { echo "bench-vm: $*" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null 2>&1 || fail "no qemu-system-x86_64 (tools/install-deps)"
[ -f "$b/kernel/mint.ko" ] || fail "no kernel/mint.ko (configure found no kernel headers)"
[ -x "$b/tools/mint-ivshmem-server" ] && [ -x "$b/tests/bench/bench-vm-side" ] || fail "build first (make)"

d=$(mktemp -d)
spid= p0= p1=
trap 'for p in $p0 $p1 $spid; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$d" /dev/shm/mint-bench-$$' EXIT
cat >"$d/inner.sh" <<INNER
#!/bin/sh
node=\$(sed -n 's/.*mint\.node=\([0-9]*\).*/\1/p' /proc/cmdline)
insmod /mint.ko || exit 1
if [ "\$node" = 0 ]; then
	mint-console -r dev:/dev/mint0 format nodes=2 >/dev/null || exit 1
else
	until mint-console -r dev:/dev/mint0 nodes >/dev/null 2>&1; do sleep 0.2; done
fi
/bench-vm-side dev:/dev/mint0 "\$node" $iters | sed 's/^/RESULT /'
INNER
MINT_CONSOLE="$b/console/mint-console" MINT_AGENT="$b/agent/mint-agent" \
    sh "$vm/mkinitramfs.sh" "$d/initrd.gz" "$d/inner.sh" "$b/kernel/mint.ko" "$b/tests/bench/bench-vm-side" \
    >"$d/mk.log" 2>&1 || { cat "$d/mk.log"; fail "cannot build the initramfs"; }
"$b/tools/mint-ivshmem-server" -S "$d/iv.sock" -m /dev/shm/mint-bench-$$ -l 64M -n 2 >/dev/null 2>&1 &
spid=$!
i=0; until [ -S "$d/iv.sock" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
for k in 0 1; do
	sh "$vm/run-vm.sh" --smp 1 --mem 512M --timeout 300 --append "mint.node=$k loglevel=1" \
	    --qemu "-chardev socket,path=$d/iv.sock,id=ivsc -device ivshmem-doorbell,chardev=ivsc,vectors=2" \
	    "$d/initrd.gz" >"$d/vm$k.log" 2>&1 &
	eval p$k=\$!
done
wait $p0; wait $p1; p0= p1=
db=$(sed -n 's/.*RESULT doorbell //p' "$d/vm0.log" | tr -d '\r')
pl=$(sed -n 's/.*RESULT poll //p' "$d/vm0.log" | tr -d '\r')
[ -n "$db" ] && [ -n "$pl" ] || { tail -n 20 "$d/vm0.log" "$d/vm1.log"; fail "no result from the VMs"; }
set -- $db; db_rtt=$1 db_rate=$2
set -- $pl; pl_rtt=$1 pl_rate=$2
echo "ring between two TCG VMs, $iters round trips of 64 B and $((iters * 4)) messages of 1 KiB,"
echo "receiver asleep (no spinning); TCG figures are only relative:"
printf '  %-26s %10s us   %10s msgs/s\n' "doorbell interrupt" "$db_rtt" "$db_rate"
printf '  %-26s %10s us   %10s msgs/s\n' "polling (20 us .. 1 ms)" "$pl_rtt" "$pl_rate"
awk -v a="$db_rtt" -v b="$pl_rtt" -v c="$db_rate" -v e="$pl_rate" 'BEGIN {
	printf "  round trip: doorbell %.2fx polling; rate: doorbell %.2fx polling\n", a / b, c / e }'
