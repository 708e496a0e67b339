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
