#!/bin/sh
# Fuzz the decoders of untrusted bytes (the region and its rings; messages):
# the gcc-built drivers always, the libFuzzer targets (clang) for a bounded
# number of runs when they were built.
set -u
b="${top_builddir:-.}/tests/fuzz"
n=0
fail=0
for t in region wire; do
	n=$((n + 1))
	if out=$("$b/fuzz-$t-run" -runs 20000 2>&1); then
		echo "ok $n - $t driver: ${out#ok 1 - }"
	else
		echo "not ok $n - $t driver"
		printf '%s\n' "$out" | sed 's/^/# /' | tail -20
		fail=1
	fi
	# inputs that once found a fault, replayed for ever
	corpus="${top_srcdir:-.}/tests/fuzz/corpus/$t"
	if [ -d "$corpus" ]; then
		n=$((n + 1))
		if "$b/fuzz-$t-run" "$corpus"/*; then
			echo "ok $n - $t: $(ls "$corpus" | wc -l) saved inputs replayed"
		else
			echo "not ok $n - $t: a saved input fails again"
			fail=1
		fi
	fi
	n=$((n + 1))
	if [ ! -x "$b/fuzz-$t" ]; then
		echo "ok $n # SKIP $t: libFuzzer target not built (needs clang)"
		continue
	fi
	log=$(mktemp)
	runs=100000
	[ "$t" = wire ] && runs=1000000
	if "$b/fuzz-$t" -runs=$runs -max_total_time=20 -seed=1 -rss_limit_mb=1024 >"$log" 2>&1; then
		echo "ok $n - $t libFuzzer: $(grep -o 'Done [0-9]* runs.*' "$log")"
	else
		echo "not ok $n - $t libFuzzer found a fault"
		sed 's/^/# /' "$log" | tail -40
		fail=1
	fi
	rm -f "$log"
done
echo "1..$n"
exit $fail
