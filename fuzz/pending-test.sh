#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pending-test.sh TARGET REPLAY: the 'fuzz-replay' suite's check of the open
# bugs in fuzz/pending/known: each of TARGET's inputs must still fail its
# replay with a first property line that starts as the list says (the
# match fuzz/run.sh's known_bug() makes). One that no longer fails
# (fixed) or fails otherwise (changed) fails this test, so the list is
# kept true; a found bug is reported, never silently dropped.
set -eu
target=$1
replay=$2
src=${PCL_SRCDIR:?}
list="$src/fuzz/pending/known"
t=$(mktemp)
trap 'rm -f "$t"' EXIT
n=0
bad=0
tab=$(printf '\t')
while IFS="$tab" read -r tg input pattern; do
	case $tg in '#'* | '') continue ;; esac
	[ "$tg" = "$target" ] || continue
	n=$((n + 1))
	if "$replay" "$src/fuzz/pending/$input" >"$t" 2>&1; then
		echo "FIXED? fuzz/pending/$input no longer fails: move it to tests/regressions/fuzz_$target/ and delete its line in fuzz/pending/known"
		bad=1
	elif line=$(grep -m 1 '^property: ' "$t") &&
	     [ "${line#"$pattern"}" != "$line" ]; then
		echo "known bug still open: fuzz/pending/$input ($(printf '%s' "$line" | cut -c1-100))"
	else
		echo "CHANGED: fuzz/pending/$input fails otherwise than fuzz/pending/known says:"
		grep -E '^property:|invariant|ERROR' "$t" | head -3
		bad=1
	fi
done <"$list"
echo "$n known bug(s) of fuzz_$target listed"
exit $bad
