#!/bin/sh
# Fuzz the region and ring decoders: the gcc-built driver always; the libFuzzer
# target (clang) for a bounded number of runs when it was built.
set -u
b="${top_builddir:-.}/tests"
"$b/fuzz-region-run" -runs 20000 | sed 's/^1\.\.1$//' | grep -v '^$' || { echo "not ok 1 - driver"; echo "1..1"; exit 1; }
if [ ! -x "$b/fuzz-region" ]; then
	echo "ok 2 # SKIP libFuzzer target not built (needs clang)"
	echo "1..2"
	exit 0
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$b/fuzz-region" -runs=150000 -max_total_time=30 -seed=1 -rss_limit_mb=1024 >"$log" 2>&1; then
	echo "ok 2 - libFuzzer: $(grep -o 'Done [0-9]* runs.*' "$log")"
else
	echo "not ok 2 - libFuzzer found a fault"
	sed 's/^/# /' "$log" | tail -40
fi
echo "1..2"
