#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hookcount.sh FUZZBUILD TARGET INPUT...: comparison-hook calls per input,
# by function, of fuzz_TARGET over the INPUT files (fuzz/hookcount.c says
# why). FUZZBUILD is a libFuzzer build (fuzz/setup.sh); its replay
# program's objects are linked again with the counting hooks into a
# temporary program (not position-independent, so that addr2line reads the
# addresses as they are; not in FUZZBUILD, where fuzz/run.sh would take it
# for a target), which runs over the inputs.
# Prints the total and the 30 functions with the most calls ($HOOKS_TOP).
set -eu
if [ $# -lt 3 ]; then
	echo "usage: hookcount.sh FUZZBUILD TARGET INPUT..." >&2
	exit 2
fi
build=$1
t=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
cc=$(sed -n '1s/ .*//p' "$build/fuzz-setup")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ninja -C "$build" "fuzz/fuzz_${t}_replay" >/dev/null
"$cc" -O2 -c "$src/fuzz/hookcount.c" -o "$out/hookcount.o"
# The replay program's own link line, to another output, with the hooks.
link=$(ninja -C "$build" -t commands "fuzz/fuzz_${t}_replay" | tail -n 1)
link=$(echo "$link" | sed "s| -o fuzz/fuzz_${t}_replay | -o $out/hooks |")
(cd "$build" && eval "$link -no-pie $out/hookcount.o")

HOOKOUT="$out/sites" ASAN_OPTIONS=detect_leaks=0 "$out/hooks" "$@" >/dev/null
n=$#
head -n 1 "$out/sites" |
	awk -v n="$n" '{ printf "%s hooks, %.0f an input\n", $2, $2 / n }'
tail -n +2 "$out/sites" | sort -rn | head -n 2000 >"$out/top"
cut -d' ' -f2 "$out/top" | addr2line -f -e "$out/hooks" |
	paste - - | cut -f1 >"$out/fn"
paste -d' ' "$out/top" "$out/fn" |
	awk -v n="$n" '{ s[$3] += $1 }
		END { for (f in s) printf "%10.0f %s\n", s[f] / n, f }' |
	sort -rn | head -n "${HOOKS_TOP:-30}"
