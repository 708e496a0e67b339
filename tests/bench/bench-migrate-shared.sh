#!/bin/sh
# Migration that copies no guest RAM, against a normal one, in the same run:
# guests of 256 MiB, 1 GiB and (where this host has the memory) 4 GiB, each
# size as a normal guest and as one whose RAM is a file both nodes map
# (tests/guest/mkguest.sh --shared), migrated live from node 0 to node 1 of a
# simulated machine after a warm-up. Prints for each its time, downtime and
# bytes sent, and the goals: shared time flat in guest size and under 0.5 s,
# under 1 % of the RAM sent. A damaged page prints CORRUPT on a guest's
# console: the figures are then not valid. Takes the heavy-test lock.
# Usage: bench-migrate-shared.sh BUILDDIR SRCDIR
set -u
b=$1 src=$2
. "$src/tests/lib.sh"
console="$b/console/mint-console"
say_skip() { echo "  skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || say_skip "needs root"
[ -x /usr/sbin/libvirtd ] || say_skip "no libvirtd (tools/install-deps)"
[ -x "$b/tools/mint-libvirt-hook" ] || say_skip "no tools/mint-libvirt-hook built"
command -v jq >/dev/null 2>&1 || say_skip "no jq (tools/install-deps)"
avail_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
sizes="256 1024"
[ "${avail_mib:-0}" -ge 12288 ] && sizes="$sizes 4096"
d=$(mktemp -d /var/tmp/mint-bench-shared.XXXXXX)	# the RAM files: not a tmpfs
run="$d/run"
export MINT_RUN_DIR="$run" MINT_AGENT="$b/agent/mint-agent" MINT_SOCKET="$run/node0.sock"
export MINT_REGION="file:$d/region"
trap '"$console" machine stop "$d/m.conf" >/dev/null 2>&1; rm -rf "$d"' EXIT
for m in $sizes; do
	sh "$src/tests/guest/mkguest.sh" "$d/guest" "n$m" "$m" 64 --idle >"$d/mk.out" 2>&1 &&
	    sh "$src/tests/guest/mkguest.sh" "$d/guest" "s$m" "$m" 64 --idle --shared >"$d/mk.out" 2>&1 ||
	    say_skip "$(cat "$d/mk.out")"
done
heavy_lock
cat >"$d/m.conf" <<EOF
region file:$d/region
libvirtd
guest-pool 8G extent=256M
node 0 cores=0 memory=8G
node 1 cores=1 memory=8G
EOF
"$console" machine start "$d/m.conf" >/dev/null 2>&1 || say_skip "the machine did not start"
serial() { cat "$run/node$1-hv/log/$2-serial.log" 2>/dev/null; }
ticks() { serial "$1" "$2" | grep -c '^TICK'; }
# migrate NAME TO: one live migration; "ms downtime_ms bytes" or "failed"
migrate() {
	if "$console" guest migrate "$1" --to "$2" --bandwidth 100000 --json >"$d/out" 2>"$d/err"; then
		jq -r '"\(.seconds * 1000 | floor) \(.downtime * 1000 | floor) \(.bytes)"' "$d/out"
	else
		echo "failed: $(tail -n 1 "$d/err")"
	fi
}
printf "  %-6s %-7s %9s %10s %14s  %s\n" size kind "time ms" "downtime" "sent" "of its RAM"
flat=""
for m in $sizes; do
	for kind in normal shared; do
		g=$( [ $kind = normal ] && echo "n$m" || echo "s$m")
		"$console" guest define --node 0 "$d/guest/$g.xml" >/dev/null &&
		    "$console" guest start "$g" >/dev/null || { echo "  $g: did not start"; continue; }
		# the pattern written once and checked
		t=0; while [ $t -lt 180 ] && [ "$(ticks 0 "$g")" -lt 1 ]; do sleep 1; t=$((t + 1)); done
		# warm-up: a node's first migration waits for its libvirtd to probe QEMU
		if [ -z "$flat" ]; then
			migrate "$g" 1 >/dev/null; sleep 1.5; migrate "$g" 0 >/dev/null; sleep 1.5
			flat=warm
		fi
		r=$(migrate "$g" 1)
		case "$r" in
		failed*) echo "  $m MiB $kind: $r" ;;
		*)
			set -- $r
			awk -v m="$m" -v k="$kind" -v t="$1" -v dt="$2" -v by="$3" 'BEGIN {
				printf "  %-6s %-7s %9d %8d ms %11.1f KiB  %.3f %%\n", m "M", k, t, dt,
				    by / 1024, by * 100 / (m * 1048576) }'
			echo "$m $kind $1 $3" >>"$d/results"
			;;
		esac
		sleep 3
		"$console" guest destroy "$g" >/dev/null 2>&1
		"$console" guest undefine "$g" >/dev/null 2>&1
	done
done
bad=0
for n in 0 1; do
	cat "$run"/node$n-hv/log/*-serial.log 2>/dev/null | grep -q CORRUPT && bad=1
done
[ $bad = 1 ] && echo "  a guest found its memory damaged (CORRUPT): the figures are not valid"
[ -s "$d/results" ] || exit 0
awk '
	$2 == "shared" { n++; t[n] = $3; if ($3 > max) max = $3; if (min == "" || $3 < min) min = $3;
		if ($4 * 100 > $1 * 1048576) bytes_bad = 1 }
	$2 == "normal" { normal[$1] = $3 }
	$2 == "shared" && normal[$1] > 0 { printf "  %d MiB: shared takes %.3f of the normal time\n", $1, $3 / normal[$1] }
	END {
		if (!n) exit
		printf "  goal: shared under 0.5 s at every size: %s (%d to %d ms)\n",
		    max < 500 ? "met" : "missed", min, max
		printf "  goal: shared flat in guest size (largest within 1.5x of smallest): %s\n",
		    max <= 1.5 * min ? "met" : "missed"
		printf "  goal: under 1 %% of the RAM sent: %s\n", bytes_bad ? "missed" : "met"
	}' "$d/results"
