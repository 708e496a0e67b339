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
ok '[ -n "$(find "$d/root" -path "*/bash-completion/completions/mint-console")" ]' \
    "the bash completion is where bash-completion looks"
ok '[ -n "$(find "$d/root" -path "*/man8/mint-console.8")" ] && [ -n "$(find "$d/root" -path "*/man8/mint-agent.8")" ]' \
    "both man pages are installed"
echo "1..$n"
exit $fail
