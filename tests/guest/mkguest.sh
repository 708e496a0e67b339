#!/bin/sh
# mkguest.sh DIR NAME [MEMORY_MIB [DIRTY_MIB [--idle] [--bench] [--shared]]]: a tiny guest
# for the migration tests and benchmark. DIR/guest.cpio.gz holds
# busybox-static, the dirtier (tests/guest/dirtier.c) and mint-bench (both
# built static here), and /init runs the dirtier on the serial console; with
# --bench, the bench runner instead: it reads "mint-bench ARGS" lines on ttyS1
# (the node's /var/lib/libvirt/qemu/NAME.bench socket, the serial port aliased
# ua-mint-bench that mint-agent finds) and runs them there, with a disk of
# its own for the io workload (DIR/NAME.disk, 64 MiB of random bytes, its
# /dev/vda: the virtio modules of the kernel ride in the image). DIR/NAME.xml
# defines it for libvirt: Debian's kernel under QEMU (type 'qemu', TCG where
# there is no KVM), 1 vCPU, no disk and no network, its serial console
# appended to /var/log/libvirt/NAME-serial.log of the node that runs it.
# With --shared its RAM is the file DIR/NAME.ram that every node maps (the
# metadata mint's libvirt hook reads, and a QMP socket of its own for it):
# a migration then sends only its device state.
# Exit 77 with the reason when a piece is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)	# physical: the tree it is in, not a link to it
[ $# -ge 2 ] || { echo "usage: $0 DIR NAME [MEMORY_MIB [DIRTY_MIB [--idle] [--bench] [--shared]]]" >&2; exit 2; }
dir=$1 name=$2 mem=${3:-128} dirty=${4:-32}
idle="" bench_mode="" shared_mode=""
[ $# -gt 4 ] && shift 4 || set --
for f; do
	case "$f" in
	--idle) idle=1 ;;
	--bench) bench_mode=1 ;;
	--shared) shared_mode=1 ;;
	*) echo "mkguest: unknown flag $f (--idle, --bench, --shared)" >&2; exit 2 ;;
	esac
done
top=$(cd "$here/../.." && pwd)
busybox=${BUSYBOX:-/bin/busybox}
skip() { echo "mkguest: $*" >&2; exit 77; }
[ -x "$busybox" ] || skip "no $busybox (apt-get install busybox-static)"
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no readable /boot/vmlinuz-* (apt-get install linux-image-amd64)"
emulator=$(command -v qemu-system-x86_64 || true)
[ -n "$emulator" ] || skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
mkdir -p "$dir"
if [ ! -s "$dir/guest.cpio.gz" ]; then
	${CC:-cc} -static -O2 -o "$dir/dirtier" "$here/dirtier.c" 2>"$dir/cc.err" ||
		skip "cannot build a static program: $(head -n 1 "$dir/cc.err")"
	root=$(mktemp -d "${TMPDIR:-/tmp}/mint-guest.XXXXXX")
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$dir/dirtier" "$root/bin/dirtier"
	# mint-bench from its sources, static: the guest has no libc of its own
	# (a guest without it runs the dirtier as ever; --bench needs it)
	if ${CC:-cc} -static -O2 -D_GNU_SOURCE -I"$top" -o "$dir/mint-bench" "$top/eval/mint-bench.c" \
	    "$top/eval/tsc.c" "$top/eval/workload.c" "$top/eval/report.c" "$top/common/parse.c" \
	    2>"$dir/cc.err"; then
		cp "$dir/mint-bench" "$root/bin/mint-bench"
	elif [ -n "$bench_mode" ]; then
		skip "cannot build mint-bench static: $(head -n 1 "$dir/cc.err")"
	fi
	# the bench runner's disk (virtio-blk): the kernel's modules for it, loaded in order
	kver=$(basename "$kernel" | sed 's/^vmlinuz-//')
	mkdir -p "$root/lib/modules"
	for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev \
	    virtio/virtio_pci_modern_dev virtio/virtio_pci block/virtio_blk; do
		f=/lib/modules/$kver/kernel/drivers/$m.ko
		[ -r "$f" ] && cp "$f" "$root/lib/modules/" && echo "${m#*/}" >>"$root/lib/modules/order"
	done
	cat >"$root/init" <<EOF2
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
if /bin/busybox grep -q mint.bench /proc/cmdline; then
	# the bench runner: a line "mint-bench ARGS" on ttyS1 runs it there, its
	# output back on ttyS1
	for m in \$(/bin/busybox cat /lib/modules/order 2>/dev/null); do
		/bin/busybox insmod /lib/modules/\$m.ko 2>/dev/null
	done
	/bin/busybox stty -F /dev/ttyS1 raw -echo
	exec 3<>/dev/ttyS1
	echo "GUEST UP (bench runner on ttyS1)"
	while :; do
		IFS= read -r line <&3 || { /bin/busybox sleep 1; continue; }
		case "\$line" in
		"mint-bench "*) /bin/mint-bench --records --start-stdin \${line#mint-bench } <&3 >&3 2>&3 ;;
		esac
	done
fi
echo "GUEST UP"
exec /bin/dirtier \$(/bin/busybox sed -n 's/.*mint.dirty=\([0-9]*\).*/\1/p' /proc/cmdline) \
	\$(/bin/busybox grep -q mint.idle /proc/cmdline && echo --idle)
EOF2
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$dir/guest.cpio.gz"
	rm -rf "$root"
fi
extra="" bench=""
[ -n "$idle" ] && extra=" mint.idle"
if [ -n "$bench_mode" ]; then
	extra="$extra mint.bench"
	[ -s "$dir/$name.disk" ] ||
		dd if=/dev/urandom of="$dir/$name.disk" bs=1M count=64 2>/dev/null
	# cache='none' (O_DIRECT on the node) keeps the node's page cache out, where the
	# file system has O_DIRECT
	cache=""
	dd if="$dir/$name.disk" of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null &&
		cache=" cache='none'"
	bench="
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'$cache/>
      <source file='$(cd "$dir" && pwd)/$name.disk'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='unix'>
      <source mode='bind' path='/var/lib/libvirt/qemu/$name.bench'/>
      <target port='1'/>
      <alias name='ua-mint-bench'/>
    </serial>"
fi
ns="" shared="" qemuargs=""
if [ -n "$shared_mode" ]; then
	ns=" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
	shared="
  <metadata><mint:ram xmlns:mint='https://mint.invalid/xmlns/ram/1' path='$(cd "$dir" && pwd)/$name.ram'/></metadata>
  <memoryBacking><source type='file'/><access mode='shared'/></memoryBacking>"
	qemuargs="
  <qemu:commandline>
    <qemu:arg value='-chardev'/>
    <qemu:arg value='socket,id=mintqmp,path=/run/libvirt/qemu/mint-$name.qmp,server=on,wait=off'/>
    <qemu:arg value='-mon'/>
    <qemu:arg value='chardev=mintqmp,mode=control'/>
  </qemu:commandline>"
fi
cat >"$dir/$name.xml" <<EOF2
<domain type='qemu'$ns>
  <name>$name</name>$shared
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$kernel</kernel>
    <initrd>$(cd "$dir" && pwd)/guest.cpio.gz</initrd>
    <cmdline>console=ttyS0 quiet loglevel=3 panic=-1 mint.dirty=$dirty$extra</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$emulator</emulator>
    <serial type='file'>
      <source path='/var/log/libvirt/$name-serial.log' append='on'/>
      <target port='0'/>
    </serial>$bench
    <memballoon model='none'/>
  </devices>$qemuargs
</domain>
EOF2
