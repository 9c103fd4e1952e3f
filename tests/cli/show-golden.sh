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

# Files are read twice and printed as they are read the second time;
# standard input is read once and its output held, in buffers of 2 MiB.
# Two files whose output is ~2.6 MB each print what each prints alone,
# and what standard input prints.
big() { # FILE BUS: 200 functions of 4096 bytes on bus BUS
	awk -v bus="$2" 'BEGIN {
		for (d = 0; d < 200; d++) {
			printf "%s:%02x.%d x\n", bus, d / 8, d % 8
			for (r = 0; r < 4096; r += 16) {
				printf "%03x:", r
				for (i = 0; i < 16; i++)
					printf " %02x", (r == 0 && i == 0) ? 134 : (r + i + d) % 256
				printf "\n"
			}
			printf "\n"
		}
	}' >"$1"
}
big "$T/big1.lspci" 01
big "$T/big2.lspci" 02
"$PCILAYOUT" show -x "$T/big1.lspci" >"$T/one" 2>/dev/null
"$PCILAYOUT" show -x "$T/big2.lspci" >>"$T/one" 2>/dev/null
"$PCILAYOUT" show -x "$T/big1.lspci" "$T/big2.lspci" >"$T/two" 2>/dev/null
size=$(wc -c <"$T/two")
if ! cmp -s "$T/one" "$T/two"; then
	fail "show -x of two files is not what each prints alone"
elif [ "$size" -lt 4000000 ]; then
	fail "show -x of two files printed only $size bytes"
else
	ok
fi
cat "$T/big1.lspci" | "$PCILAYOUT" show -x - >"$T/held" 2>/dev/null
"$PCILAYOUT" show -x "$T/big1.lspci" >"$T/one" 2>/dev/null
sed 's/^\tSource: [^:]*:/\tSource: :/' "$T/held" >"$T/held.n"
sed 's/^\tSource: [^:]*:/\tSource: :/' "$T/one" >"$T/one.n"
if [ "$(wc -c <"$T/held")" -gt 2200000 ] && cmp -s "$T/held.n" "$T/one.n"; then
	ok
else
	fail "show -x of standard input (held) is not what the file prints"
fi
# JSON: one document with both files' functions.
"$PCILAYOUT" show --json "$T/big1.lspci" "$T/big2.lspci" >"$T/two" 2>/dev/null
n=$(grep -c '"slot"' "$T/two")
[ "$n" = 400 ] && ok || fail "show --json of two files: $n functions, not 400"
finish
