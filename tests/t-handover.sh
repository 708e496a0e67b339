#!/bin/sh
# The hand-over protocol's model (agent/handover.pml, the steps of
# agent/move.c) under spin: a kernel uses the resource only while the table
# names its node, so never two at once; nothing is lost, whichever side dies
# at whichever step, even when a slow node is wrongly thought dead; and
# broken variants of it are caught, so the check can fail.
set -u
s=$(cd "${top_srcdir:-.}" && pwd)
command -v spin >/dev/null 2>&1 || { echo "1..0 # SKIP spin not installed (Debian package spin)"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
# verify MODEL: "safety" (assertions, end states) and "ltl" (the exclusive claim) lines
verify() {
	rm -f "$d/safety.out" "$d/ltl.out"
	( cd "$d" && cp "$1" m.pml && spin -a m.pml >/dev/null 2>&1 &&
	  ${CC:-cc} -O2 -DSAFETY -DNOCLAIM -o pan_s pan.c && ./pan_s >safety.out 2>&1 &&
	  ${CC:-cc} -O2 -o pan_l pan.c && ./pan_l -a >ltl.out 2>&1 )
}
errors() { sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$d/$1.out" 2>/dev/null; }

verify "$s/agent/handover.pml"
n=$((n + 1)); [ "$(errors safety)" = 0 ] && echo "ok $n - the model keeps its assertions and ends well in every interleaving ($(grep -o '[0-9]* states, stored' "$d/safety.out"))" || { echo "not ok $n - safety"; sed 's/^/# /' "$d/safety.out" | head -20; }
n=$((n + 1)); [ "$(errors ltl)" = 0 ] && echo "ok $n - never are both kernels using the resource (LTL)" || { echo "not ok $n - exclusivity"; sed 's/^/# /' "$d/ltl.out" | head -20; }

# broken variants: each must be caught
mutant() {	# mutant SED-EXPRESSION WHAT
	sed "$1" "$s/agent/handover.pml" >"$d/broken.pml"
	n=$((n + 1))
	if cmp -s "$d/broken.pml" "$s/agent/handover.pml"; then
		echo "not ok $n - $2: the change did not apply to the model"
		return
	fi
	verify "$d/broken.pml"
	e=$(errors safety)
	[ -n "$e" ] && [ "$e" -gt 0 ] && echo "ok $n - $2 is caught" || echo "not ok $n - $2 passed: the check cannot fail"
}
mutant 's|cas(CLAIMING, R, g, CLAIMING, R, ok);|ok = true;|' \
    "a receiver claiming on its own without a new generation first (the donor may take it back meanwhile)"
mutant 's|cas(CLAIMING, R, g, FENCED, R, ok)$|cas(CLAIMING, R, g, OWNED, D, ok); using[D] = ok \|\| using[D]|' \
    "a donor that takes back, instead of fencing, what a silent receiver may be using"
mutant 's|:: alone -> cas(CLAIMING, R, g, FREE, NOBODY, ok)|:: alone -> skip|' \
    "a receiver that leaves a claim it could not finish alone as it is (lost)"
echo "1..$n"
