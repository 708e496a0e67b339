#!/bin/sh
# mint-bench, the paper's evaluation program: its report (text and JSON) holds
# every workload and size asked for, with sane times; bad arguments and an
# unreadable disk are refused naming what is wrong.
. "${top_srcdir:-.}/tests/lib.sh"
need jq
mb="$b/eval/mint-bench"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
dd if=/dev/zero of="$d/disk" bs=1M count=4 status=none
quick="-M 100000 -N 4 -L 4 --runs 3"

ok '"$mb" --help | grep -q "^usage: mint-bench"' "--help says the usage"
ok '"$mb" $quick --io "$d/disk" --no-direct >"$d/out" &&
    [ $(grep -c "^reg \|^copy \|^io " "$d/out") -eq 7 ]' "text: reg, copy and io at three sizes"
ok 'grep -q "^clock: .*virtualisation: " "$d/out"' "  naming the clock and who runs us"
ok '"$mb" $quick --io "$d/disk" --sizes 4K,8K --json >"$d/j"' "--json with two sizes"
ok 'jq -e "(.results | length) == 5 and .runs == 3 and ([.results[].workload] == [\"reg\",\"copy\",\"copy\",\"io\",\"io\"])" "$d/j" >/dev/null' \
    "  one result per workload and size"
ok 'jq -e "all(.results[]; (.ns | length) == 3 and .min_ns <= .median_ns and .median_ns <= .max_ns and .min_ns > 0)" "$d/j" >/dev/null' \
    "  three runs each, least <= median <= most, none zero"
ok 'jq -e "[.results[] | select(.workload == \"copy\") | .size] == [4096, 8192]" "$d/j" >/dev/null' \
    "  the sizes asked for"

refused() {	# refused ARGS MESSAGE WHAT
	args=$1 msg=$2
	ok '! "$mb" $args >/dev/null 2>"$d/err" && grep -qF -- "$msg" "$d/err"' "$3 refused: $2" ||
	    diag_files "$d/err"
}
refused "--runs 0" "--runs '0': give a whole number from 1 to 1000" "no runs"
refused "--sizes 1X" "--sizes: '1X' is not a size" "a size that is none"
refused "-w disk" "--workload: 'disk' is not reg, copy or io" "an unknown workload"
refused "-w io" "the io workload needs --io PATH" "io without a disk"
refused "-w io --io $d/none" "$d/none: cannot open for reading" "a disk that is not there"
refused "-w io --io $d" "is neither a file nor a block device" "a directory as the disk"
refused "extra" "unexpected argument 'extra'" "a stray argument"
echo "1..$n"
