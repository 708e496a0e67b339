#!/bin/sh
# make install DESTDIR=...: the agent's unit names the installed agent and the
# installed configuration; the completion and the man pages are where their
# readers look.
. "${top_srcdir:-.}/tests/lib.sh"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
if ! ${MAKE:-make} -s -C "$b" install DESTDIR="$d/root" >"$d/install.out" 2>&1; then
	echo "not ok 1 - make install DESTDIR=..."
	diag_files "$d/install.out"
	echo "1..1"
	exit 1
fi
unit=$(find "$d/root" -name 'mint-agent@.service' | head -n 1)
ok '[ -n "$unit" ] && case "$unit" in */lib/systemd/system/mint-agent@.service) ;; *) false ;; esac' \
    "the unit is in a systemd unit directory (${unit#$d/root})"
exec_line=$(sed -n 's/^ExecStart=//p' "$unit" 2>/dev/null)
prog=$(echo "$exec_line" | cut -d' ' -f1)
conf=$(echo "$exec_line" | sed -n 's/.*--config \([^ ]*\).*/\1/p')
ok '[ -x "$d/root$prog" ]' "  its ExecStart runs the installed agent ($prog)"
ok '[ -n "$conf" ] && [ -f "$d/root$conf" ]' "  its --config is the installed configuration ($conf)"
ok 'grep -q "^Type=" "$unit" && ! grep -q "@[a-z]*@" "$unit"' "  every @variable@ in it is filled in"
# the generator: the unit needs the region's device where the configuration names one
gen=$(find "$d/root" -path '*/system-generators/mint-agent-generator' | head -n 1)
ok '[ -n "$gen" ] && [ -x "$gen" ] && ! grep -q "@[a-z]*@" "$gen"' \
    "the generator is in systemd's generator directory (${gen#$d/root}), filled in"
if command -v systemd-escape >/dev/null 2>&1; then
	mkdir -p "$d/gen1" "$d/gen2"
	drop="$d/gen1/mint-agent@.service.d/50-region.conf"
	MINT_AGENT_CONF="$d/root$conf" "$gen" "$d/gen1" "$d/gen1" "$d/gen1"
	ok 'grep -qx "Requires=dev-mint0.device" "$drop" && grep -qx "After=dev-mint0.device" "$drop" &&
	    grep -qx "\[Unit\]" "$drop"' \
	    "  the installed configuration (region dev:/dev/mint0): the unit requires and follows dev-mint0.device" ||
	    diag_files "$drop"
	printf 'region dev:/dev/mint0\nregion  file:/var/lib/mint/region  \n' >"$d/file.conf"
	MINT_AGENT_CONF="$d/file.conf" "$gen" "$d/gen2" "$d/gen2" "$d/gen2"
	ok '[ -z "$(ls -A "$d/gen2")" ]' "  a file: region (the last region line wins): nothing written"
	MINT_AGENT_CONF="$d/none.conf" "$gen" "$d/gen2" "$d/gen2" "$d/gen2"
	rc=$?
	ok '[ $rc = 0 ] && [ -z "$(ls -A "$d/gen2")" ]' "  no configuration: nothing written, no failure"
else
	ok 'true # SKIP no systemd-escape here' "the generator's drop-in"
fi
ok 'grep -q "KERNEL==\"mint\[0-9\]\*\".*TAG+=\"systemd\"" "$(find "$d/root" -name 60-mint.rules | head -n 1)"' \
    "the udev rule makes /dev/mintN a device unit for systemd"
ok '[ -n "$(find "$d/root" -path "*/bash-completion/completions/mint-console")" ]' \
    "the bash completion is where bash-completion looks"
ok '[ -n "$(find "$d/root" -path "*/man8/mint-console.8")" ] && [ -n "$(find "$d/root" -path "*/man8/mint-agent.8")" ]' \
    "both man pages are installed"
echo "1..$n"
exit $fail
