#!/bin/sh
# The main job (tools/demo) stops its machine however it ends: here its
# terminal closes while top runs (tmux kills the session, which sends SIGHUP)
# and nothing of the machine may be left: no agent, libvirtd or QEMU, by the
# pid files in its run directory and by the process list.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux "apt-get install tmux"
# as root the second machine runs libvirtd and QEMU
[ "$(id -u)" = 0 ] && heavy_lock
d=$(mktemp -d)
tm="tmux -L mint-demo-test-$$"
trap 'tmux -L mint-demo-test-$$ kill-server 2>/dev/null; tmux -L mint-demo-test-$$-2 kill-server 2>/dev/null
for m in plain hangup hv; do [ -f "$d/$m.conf" ] && MINT_RUN_DIR="$d/$m" "$console" machine stop "$d/$m.conf" >/dev/null 2>&1; done
pkill -f -- "$d/" 2>/dev/null	# a demo shell or top that outlived its terminal (a failure)
rm -rf "$d"' EXIT
lv() { _node=$1; shift; virsh -q -c "qemu+unix:///system?socket=$d/hv/node$_node-hv/run/libvirt-sock" "$@" 2>&1; }

# demo NAME NODES: the demo on $d/NAME.conf in a tmux session of that name,
# with its run directory $d/NAME, until top shows NODES online; the demo's
# shell leads the terminal's session, as in a terminal window started for it
demo() {
	name=$1 count=$2
	$tm new-session -d -s "$name" -x 120 -y 30 \
	    "MINT_RUN_DIR='$d/$name' exec sh '$s/tools/demo' '$b' '$d/$name.conf' 2>'$d/$name.err'"
	ok 'until_ok 60 "$tm capture-pane -p -t $name 2>/dev/null | grep -q \"nodes: $count online\""' \
	    "the demo ($name) shows top with its $count nodes online"
}

# closed NAME [hangup]: close the session's terminal, then nothing of its
# machine is left. kill-session sends SIGHUP to the pane's processes; with
# "hangup" the tmux server dies (SIGKILL) and the kernel hangs its terminals
# up, as when a terminal window or an ssh connection goes: only the shell
# gets SIGHUP, top finds its terminal gone.
closed() {
	name=$1
	pids=$(pids_running "$d/$name")
	t0=$(now_ms)
	if [ "${2:-}" = hangup ]; then
		how="the terminal hung up (the shell gets SIGHUP, top a dead terminal)"
		kill -KILL "$($tm display-message -p '#{pid}')"
	else
		how="closing its terminal (SIGHUP)"
		$tm kill-session -t "$name"
	fi
	ok 'until_ok 20 "[ -z \"\$(machine_left $d/$name file:$d/$name.region)\" ]"' \
	    "$how stops the machine: nothing runs in it any more"
	echo "# gone $(($(now_ms) - t0)) ms after the terminal closed"
	left=
	for p in $pids; do pid_runs "$p" && left="$left $p"; done
	ok '[ -z "$left" ]' "  none of its pid files' processes runs (pids $pids)${left:+; left:$left}"
	ok '[ -z "$(ls "$d/$name"/node*.pid 2>/dev/null)" ]' "  and the stop removed its pid files"
}

# the example machine, on a region file and run directory of its own
sed "s|^region .*|region file:$d/plain.region|" "$s/machine/three-nodes.conf" >"$d/plain.conf"
demo plain 3
closed plain
sed "s|^region .*|region file:$d/hangup.region|" "$s/machine/three-nodes.conf" >"$d/hangup.conf"
demo hangup 3
closed hangup
ok '! pgrep -f -- "-r file:$d/hangup.region top" >/dev/null' "  and top is gone too"
tm="tmux -L mint-demo-test-$$-2"

# nodes with their own libvirtd, one of them running a (paused) QEMU guest
why=
[ "$(id -u)" = 0 ] || why="needs root (mount namespaces, libvirtd)"
[ -n "$why" ] || [ -x /usr/sbin/libvirtd ] ||
    why="no /usr/sbin/libvirtd (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
[ -n "$why" ] || command -v virsh >/dev/null 2>&1 || why="no virsh (apt-get install libvirt-clients)"
[ -n "$why" ] || command -v qemu-system-x86_64 >/dev/null 2>&1 || why="no qemu-system-x86_64"
if [ -z "$why" ]; then
	# cores no host has: synthetic, so no host-wide cgroup is touched
	printf 'region file:%s/hv.region\nlibvirtd\nnode 0 cores=60 memory=1G\nnode 1 cores=61 memory=1G\n' \
	    "$d" >"$d/hv.conf"
	demo hv 2
	printf '<domain type="qemu"><name>idle</name><memory unit="MiB">32</memory><os><type arch="x86_64">hvm</type></os></domain>\n' \
	    >"$d/idle.xml"
	ok 'lv 1 define "$d/idle.xml" >/dev/null && lv 1 start --paused idle >/dev/null &&
	    pid_runs "$(cat "$d/hv/node1-hv/run/qemu/idle.pid" 2>/dev/null)"' \
	    "  a guest runs (paused) on node 1: a QEMU process"
	closed hv
else
	n=$((n + 1)); echo "ok $n # SKIP the machine with libvirtd and QEMU: $why"
fi
echo "1..$n"
