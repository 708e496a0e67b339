# Shared helpers for the shell tests (sourced).

# The heavy tests (QEMU VMs, TCG guests, simulated machines on the host's real
# cores) saturate two cores and share host-wide names (the /mint cpusets, the
# VM harness's ports): they take this lock, so that make -j2 check, or two
# checkouts tested at once, run them one after another.
heavy_lock() {
	_lk=/run/lock
	[ -d "$_lk" ] && [ -w "$_lk" ] || _lk=${TMPDIR:-/tmp}
	exec 9>"$_lk/mint-heavy-tests.lock"
	if command -v flock >/dev/null 2>&1; then
		flock 9 || { echo "1..0 # SKIP cannot take the heavy-test lock"; exit 77; }
	fi
}

# pid_runs PID: the process runs; a zombie has ended (the simulated machine's
# processes are orphans, and init may take seconds to reap them).
pid_runs() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] &&
	    [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# machine_left RUN-DIR REGION: the pids of a simulated machine that still run:
# its agents (by their region) and whatever lives in its nodes' mount
# namespaces (libvirtd, QEMU), found by their mounts of RUN-DIR/nodeN-hv.
machine_left() {
	_key="$(basename "$(dirname "$1")")/$(basename "$1")/node"
	for _p in $(pgrep -f -- "-r $2 ") \
	    $(grep -l -F "$_key" /proc/[0-9]*/mountinfo 2>/dev/null | cut -d/ -f3); do
		[ "$_p" != $$ ] && pid_runs "$_p" && echo "$_p"
	done | sort -u | tr '\n' ' '
}

# pids_running RUN-DIR: of the pids in the machine's pid files (agents,
# libvirtd, QEMU), those that run.
pids_running() {
	for _f in "$1"/node*.pid "$1"/node*-hv/run/qemu/*.pid; do
		_p=$(cat "$_f" 2>/dev/null)
		pid_runs "$_p" && echo "$_p"
	done | sort -u | tr '\n' ' '
}

# now_ms: the clock in milliseconds, for timings printed as TAP diagnostics.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The slow tests (TCG guests and VMs): CI runs make check three times (plain,
# distcheck, sanitizers) and these in one of them; MINT_HEAVY_TESTS=skip says
# SKIP in the others. Then the heavy lock.
slow_test() {
	if [ "${MINT_HEAVY_TESTS:-}" = skip ]; then
		echo "1..0 # SKIP MINT_HEAVY_TESTS=skip: the slow guest and VM tests run once per CI run"
		exit 77
	fi
	heavy_lock
}
