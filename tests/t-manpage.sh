#!/bin/sh
# doc/mint-console.8 against the console's command table: every command, verb
# and option the console takes (as its completion lists them) is in the page.
. "${top_srcdir:-.}/tests/lib.sh"
page=$(mktemp)
trap 'rm -f "$page"' EXIT
# the page's source without roff escapes: \- is -, fonts go, \(dq is "
sed -e 's/\\-/-/g; s/\\f[BIRP]//g; s/\\(dq/"/g; s/"//g' "$s/doc/mint-console.8" >"$page"
heads() { grep -E "^\.(B|BR|TP|SH) " "$page"; }	# the lines that name a command

for c in $("$console" __complete ""); do
	ok 'heads | grep -qE "^\.BR? $c( |$)"' "command $c has an entry"
	verbs=$("$console" __complete "$c" "")
	missing=""
	for v in $verbs; do
		heads | grep -E "^\.BR? $c " | grep -qE "[ |]$v( |\||$)" || missing="$missing $v"
	done
	[ -z "$verbs" ] || ok '[ -z "$missing" ]' "  its verbs ($(echo $verbs)) are named${missing:+; missing:$missing}"
	opts=""
	if [ -z "$verbs" ]; then
		opts=$("$console" __complete "$c" -)
	else
		for v in $verbs; do opts="$opts $("$console" __complete "$c" "$v" -)"; done
	fi
	missing=""
	for o in $(printf '%s\n' $opts | sort -u); do
		[ "$o" = --help ] && continue	# every command's, said once
		grep -qE -- "(^|[^-a-z])$o([^-a-z]|$)" "$page" || missing="$missing $o"
	done
	ok '[ -z "$missing" ]' "  its options are in the page${missing:+; missing:$missing}"
done
for sec in "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
	ok 'grep -q "^\.SH \"*$sec" "$s/doc/mint-console.8"' "the page has $sec"
done
echo "1..$n"
exit $fail
