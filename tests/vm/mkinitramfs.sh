#!/bin/sh
# mkinitramfs.sh OUT.cpio.gz SCRIPT [FILES...]: a small initramfs for a test
# run in a QEMU VM (tests/vm/run-vm.sh): busybox-static and its applets,
# mint-agent and mint-console in /usr/bin with every library they load,
# /etc/passwd and /etc/group (root, group mint), SCRIPT as /test.sh, FILES in /.
# Its /init mounts what the test needs (cgroup v1 cpuset and memory, or cgroup2
# with mint.cgroup=2 on the kernel command line), runs /test.sh on the serial
# console, prints "MINT-VM-RESULT <status>" and powers off.
#
# Environment: MINT_AGENT, MINT_CONSOLE (default: the build tree's, found from
# this script's place), BUSYBOX (/bin/busybox), MINT_VM_BINS (more host
# programs, space-separated, copied to /usr/bin with their libraries).
# Exit 77 with a reason when a piece is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
agent=${MINT_AGENT:-$top/agent/mint-agent}
console=${MINT_CONSOLE:-$top/console/mint-console}
busybox=${BUSYBOX:-/bin/busybox}

[ $# -ge 2 ] || { echo "usage: $0 OUT.cpio.gz SCRIPT [FILES...]" >&2; exit 2; }
out=$1 script=$2
shift 2

skip() { echo "mkinitramfs: $*" >&2; exit 77; }
[ -x "$busybox" ] || skip "no $busybox (apt-get install busybox-static)"
# a dynamic busybox would need its libraries too: insist on the static one
if ldd "$busybox" >/dev/null 2>&1; then skip "$busybox is not static (apt-get install busybox-static)"; fi
for p in cpio gzip ldd; do command -v $p >/dev/null 2>&1 || skip "$p not installed"; done
[ -x "$agent" ] || skip "no mint-agent at $agent (build it, or set MINT_AGENT)"
[ -x "$console" ] || skip "no mint-console at $console (build it, or set MINT_CONSOLE)"
[ -r "$script" ] || { echo "mkinitramfs: cannot read $script" >&2; exit 2; }

root=$(mktemp -d "${TMPDIR:-/tmp}/mint-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
for d in bin sbin usr/bin usr/sbin etc proc sys dev run tmp root var lib lib64; do
	mkdir -p "$root/$d"
done
ln -s ../run "$root/var/run"

cp "$busybox" "$root/bin/busybox"
# every applet as a link, where busybox says it belongs
for a in $("$busybox" --list-full); do
	[ -e "$root/$a" ] || [ -L "$root/$a" ] || { mkdir -p "$root/${a%/*}"; ln -s /bin/busybox "$root/$a"; }
done

# a program and what the dynamic loader loads for it, at the same paths
copy_bin() {	# copy_bin HOST-PROGRAM NAME
	cp -L "$1" "$root/usr/bin/$2"
	chmod 755 "$root/usr/bin/$2"
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib"
	done
}
copy_bin "$agent" mint-agent
copy_bin "$console" mint-console
for b in ${MINT_VM_BINS:-}; do
	p=$(command -v "$b") || skip "MINT_VM_BINS: no $b on this host"
	copy_bin "$p" "${p##*/}"
done
# the loader's own search path also covers /usr/lib: keep both views the same
if [ -d "$root/lib/x86_64-linux-gnu" ] && [ ! -e "$root/usr/lib/x86_64-linux-gnu" ]; then
	mkdir -p "$root/usr/lib"
	ln -s ../../lib/x86_64-linux-gnu "$root/usr/lib/x86_64-linux-gnu"
fi

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
mint:x:990:
EOF
echo "passwd: files
group: files" >"$root/etc/nsswitch.conf"
echo mint-vm >"$root/etc/hostname"

cp "$script" "$root/test.sh"
chmod 755 "$root/test.sh"
for f in "$@"; do
	cp -L "$f" "$root/"
done

cat >"$root/init" <<'EOF'
#!/bin/sh
# mint test VM: mount, run /test.sh on the console, report, power off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
hostname mint-vm
exec </dev/console >/dev/console 2>&1
if grep -qw 'mint.cgroup=2' /proc/cmdline; then
	mount -t cgroup2 cgroup2 /sys/fs/cgroup || echo "init: cannot mount cgroup2"
else
	mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
	for c in cpuset memory; do
		mkdir -p /sys/fs/cgroup/$c
		mount -t cgroup -o $c $c /sys/fs/cgroup/$c || echo "init: cannot mount the $c cgroup"
	done
fi
sh /test.sh
rc=$?
sync
echo "MINT-VM-RESULT $rc"
poweroff -f
EOF
chmod 755 "$root/init"

tmp=$out.tmp.$$
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$tmp"
mv "$tmp" "$out"
