# bash completion for mint-console: the console itself says what may come
# next (mint-console __complete WORD...), from its command table and the
# running machine; where it offers nothing (files), bash completes file names.
_mint_console()
{
	local line=${COMP_LINE:0:$COMP_POINT} words
	# split on blanks only: region specs and sizes hold ':' and '='
	read -r -a words <<<"$line"
	[[ $line == *[[:blank:]] ]] && words+=("")
	[[ ${#words[@]} -ge 2 ]] || return 0
	local IFS=$'\n'
	COMPREPLY=($("${words[0]}" __complete "${words[@]:1}" 2>/dev/null))
}
complete -o default -F _mint_console mint-console
