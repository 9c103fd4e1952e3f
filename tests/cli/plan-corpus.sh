#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `plan --add pasid` over every dump of ../shared/corpus: a device with
# extended space is planned (exit 0, and the layout lints clean) or refused
# with the list of what each rule found (exit 1); a device without extended
# space, and input that is unsafe to plan (a read too short, all ones, a
# broken chain) are refused as such (exit 2). Any other outcome is a
# failure. The byte-level property (no virtual entry covers a non-zero,
# orphan or reserved byte) is checked by test_plan's corpus test.
. "$PCL_SRCDIR/tests/cli/lib.sh"

[ -d "$PCL_CORPUS" ] || { echo "no corpus at $PCL_CORPUS"; exit 77; }
n=0 planned=0 full=0 noext=0 refused=0
for f in "$PCL_CORPUS"/*.lspci; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	rm -f "$T/out.json"
	"$PCILAYOUT" plan --add pasid --pasid-width 20 -o "$T/out.json" "$f" \
		>"$T/out" 2>"$T/err"
	rc=$?
	case $rc in
	0)
		planned=$((planned + 1))
		if "$PCILAYOUT" lint "$T/out.json" >"$T/lint" 2>&1; then
			ok
		else
			fail "$(basename "$f"): the planned layout does not lint"
			head -5 "$T/lint" >&2
		fi
		;;
	1)
		full=$((full + 1))
		expect_grep "$T/err" "what each rule found" "$(basename "$f") exit 1"
		if [ -e "$T/out.json" ]; then fail "$(basename "$f"): output left behind"; else ok; fi
		;;
	2)
		if grep -qE "no extended config space|was not read" "$T/err"; then
			noext=$((noext + 1))
			ok
		elif grep -qE "chain is broken|nothing to plan|only the first" "$T/err"; then
			refused=$((refused + 1))
			ok
		else
			fail "$(basename "$f"): exit 2 without a reason about extended space or unsafe input"
			head -3 "$T/err" >&2
		fi
		;;
	*)
		fail "$(basename "$f"): exit $rc"
		head -3 "$T/err" >&2
		;;
	esac
done
echo "$n dumps: $planned planned, $full cannot place, $noext without extended space, $refused refused as unsafe input"
[ "$n" -gt 0 ] && ok || fail "no dumps in $PCL_CORPUS"
[ "$planned" -gt 0 ] && ok || fail "nothing planned"
finish
