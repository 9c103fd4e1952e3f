#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Golden tests of `show` (text and JSON) on fixtures we author. Each
# tests/fixtures/show/NAME.lspci has NAME.txt and NAME.json beside it; set
# PCL_UPDATE_GOLDEN=1 to rewrite them (then review the diff by hand).
. "$PCL_SRCDIR/tests/cli/lib.sh"

dir="$PCL_SRCDIR/tests/fixtures/show"
count=0
for f in "$dir"/*.lspci; do
	name=${f%.lspci}
	# Run from the fixture directory so the source name is stable.
	(cd "$dir" && "$PCILAYOUT" show "$(basename "$f")") >"$T/txt" 2>&1
	(cd "$dir" && "$PCILAYOUT" show --json "$(basename "$f")") >"$T/json" 2>&1
	if [ "${PCL_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$T/txt" "$name.txt"
		cp "$T/json" "$name.json"
	fi
	for kind in txt json; do
		if diff -u "$name.$kind" "$T/$kind" >"$T/diff"; then
			ok
		else
			fail "$(basename "$name").$kind differs from golden"
			head -40 "$T/diff" >&2
		fi
	done
	count=$((count + 1))
done
[ "$count" -ge 3 ] && ok || fail "expected at least 3 fixtures, found $count"
finish
