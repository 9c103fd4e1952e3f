#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# map-golden.sh - `pcilayout map` and `pcilayout gaps` on the hand-built
# fixtures of tests/fixtures/map (made by make-fixtures.py) against the
# reviewed expected outputs beside them; the SVG is well-formed and of a
# sane size; bad --size/--align/--free/quirk input exits 2 with a message.
# PCL_REGEN=1 rewrites the expected files instead of comparing.
set -u
fx="$PCL_SRCDIR/tests/fixtures/map"
quirks="$PCL_SRCDIR/data/quirks"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# Fixtures are named by file name only, so outputs do not depend on paths.
cd "$fx" || exit 1
q="--no-default-quirks --quirks $quirks"

check() { # name, command...
	name=$1
	shift
	"$@" >"$tmp/out" 2>&1
	echo "exit $?" >>"$tmp/out"
	if [ "${PCL_REGEN:-}" = 1 ]; then
		cp "$tmp/out" "$fx/expected/$name"
	elif ! diff -u "$fx/expected/$name" "$tmp/out"; then
		echo "FAIL: $name differs" >&2
		fail=1
	fi
}

mkdir -p "$fx/expected"
for d in hidden std256 igd; do
	check "$d.map.txt" "$PCILAYOUT" map $q "$d.lspci"
	check "$d.map.json" "$PCILAYOUT" map $q --json "$d.lspci"
	check "$d.gaps-ext8.txt" "$PCILAYOUT" gaps $q --size 8 "$d.lspci"
	check "$d.gaps-std8.txt" "$PCILAYOUT" gaps $q --size 8 --align 8 --space standard "$d.lspci"
done
check hidden.gaps-json.txt "$PCILAYOUT" gaps $q --size 16 --align 16 --json hidden.lspci
check hidden.free.map.txt "$PCILAYOUT" map $q --free 0xe00-0xeff,0xf38+16 hidden.lspci
check hidden.free.gaps.txt "$PCILAYOUT" gaps $q --size 8 --free 0xe00-0xeff,0xf38+16 hidden.lspci

# Bad input: exit 2 and a message naming the problem.
bad() { # expected-substring, command...
	want=$1
	shift
	"$@" >"$tmp/bad" 2>&1
	rc=$?
	if [ $rc != 2 ] || ! grep -q -- "$want" "$tmp/bad"; then
		echo "FAIL: '$*' gave exit $rc:" >&2
		cat "$tmp/bad" >&2
		fail=1
	fi
}
bad "size 0 is out of range" "$PCILAYOUT" gaps --size 0 hidden.lspci
bad "size 4000 is out of range" "$PCILAYOUT" gaps --size 4000 hidden.lspci
bad "size 200 is out of range" "$PCILAYOUT" gaps --size 200 --space standard hidden.lspci
bad "not a power of two" "$PCILAYOUT" gaps --size 8 --align 12 hidden.lspci
bad "not a power of two" "$PCILAYOUT" gaps --size 8 --align 2 hidden.lspci
bad "larger than the standard space" "$PCILAYOUT" gaps --size 8 --align 256 --space standard hidden.lspci
bad "is not a number" "$PCILAYOUT" gaps --size 8x hidden.lspci
bad "is not a number" "$PCILAYOUT" gaps --size -8 hidden.lspci
bad "--size N is required" "$PCILAYOUT" gaps hidden.lspci
bad "use 'standard' or 'extended'" "$PCILAYOUT" gaps --size 8 --space middle hidden.lspci
bad "ends past 0xfff" "$PCILAYOUT" map --free 0xf00-0x1000 hidden.lspci
bad "overlap" "$PCILAYOUT" gaps --size 8 --free 0xf00-0xf7f,0xf40-0xfff hidden.lspci
bad "missing SOURCE" "$PCILAYOUT" map
bad "cannot read quirk directory" "$PCILAYOUT" map --quirks "$tmp/nonexistent" hidden.lspci

# map --json reads files twice (first only to see that they read): a bad
# later SOURCE leaves no map on stdout; the functions of files read twice
# are those of the same text read once from standard input; --svg that
# cannot be written prints no document.
printf '00:00.0 x\n00: 86 80 zz\n' >"$tmp/bad.lspci"
bad "bad.lspci:2:" "$PCILAYOUT" map $q --json hidden.lspci "$tmp/bad.lspci"
grep -q '"runs"' "$tmp/bad" && { echo "FAIL: map --json printed a map before a bad SOURCE" >&2; fail=1; }
"$PCILAYOUT" map $q --json hidden.lspci std256.lspci >"$tmp/twice.json" || fail=1
cat hidden.lspci std256.lspci | "$PCILAYOUT" map $q --json - >"$tmp/once.json" || fail=1
# Only where each function came from differs: the file, and the line.
norm='s/"source": "[^"]*"/"source": ""/; s/"line": [0-9]*/"line": 0/'
sed "$norm" "$tmp/twice.json" >"$tmp/twice.n"
sed "$norm" "$tmp/once.json" >"$tmp/once.n"
grep -c '"runs"' "$tmp/twice.n" | grep -qx 2 || { echo "FAIL: map --json of two files" >&2; fail=1; }
cmp -s "$tmp/twice.n" "$tmp/once.n" || { echo "FAIL: map --json of files differs from stdin" >&2; fail=1; }
"$PCILAYOUT" map $q --json --svg "$tmp/no/such/dir/x.svg" hidden.lspci std256.lspci >"$tmp/out" 2>/dev/null
[ $? = 2 ] && ! grep -q '"runs"' "$tmp/out" || { echo "FAIL: map --json --svg unwritable printed a map" >&2; fail=1; }

# A malformed quirk file is reported as file:line:column.
mkdir "$tmp/q"
printf '{\n  "pcilayout": 1,\n  "kind": "quirk",\n  "name": "x",\n  "match": {"vendor": "0x1d0f"},\n  "reserved": [{"offset": "0x50", "length": "four", "reason": "r"}]\n}\n' >"$tmp/q/bad.json"
bad "bad.json:6:" "$PCILAYOUT" map --no-default-quirks --quirks "$tmp/q" hidden.lspci
printf '{\n  "pcilayout": 1,\n  "kind": "quirk",\n  "name": "x",\n  "match": {"vendor": "0x1d0f"},\n  "reserved": [\n    {"offset": "0x50", "length": 8, "reason": "a"},\n    {"offset": "0x54", "length": 8, "reason": "b"}\n  ]\n}\n' >"$tmp/q/bad.json"
bad "bad.json:" "$PCILAYOUT" map --no-default-quirks --quirks "$tmp/q" hidden.lspci
bad "overlap" "$PCILAYOUT" map --no-default-quirks --quirks "$tmp/q" hidden.lspci

# A user quirk file applies and masks nothing it should not.
printf '{\n  "pcilayout": 1,\n  "kind": "quirk",\n  "name": "mine",\n  "match": {"vendor": "0x1d0f", "device": "0xabcd"},\n  "reserved": [{"offset": "0xff0", "length": 16, "reason": "doorbell", "source": "vendor datasheet"}]\n}\n' >"$tmp/q/bad.json"
"$PCILAYOUT" gaps --size 8 --quirks "$tmp/q" hidden.lspci >"$tmp/out" 2>&1 || fail=1
grep -q "0xfe8-0xfef" "$tmp/out" && { echo "FAIL: window next to a reserved range ranked high" >&2; fail=1; }
PCILAYOUT_QUIRKS="$tmp/q" "$PCILAYOUT" map hidden.lspci | grep -q "reserved 0xff0-0xfff: doorbell (quirk:mine)" ||
	{ echo "FAIL: \$PCILAYOUT_QUIRKS not used" >&2; fail=1; }

# SVG: well-formed, a sane number of elements, written atomically.
if command -v xmllint >/dev/null 2>&1; then
	for d in hidden igd std256; do
		"$PCILAYOUT" map $q --svg "$tmp/$d.svg" "$d.lspci" >/dev/null || fail=1
		xmllint --noout "$tmp/$d.svg" || { echo "FAIL: $d.svg is not well-formed" >&2; fail=1; }
		n=$(xmllint --xpath 'count(//*)' "$tmp/$d.svg")
		if [ "$n" -lt 40 ] || [ "$n" -gt 2000 ]; then
			echo "FAIL: $d.svg has $n elements" >&2
			fail=1
		fi
		grep -q '>pm<\|>exp<\|>msi<\|header' "$tmp/$d.svg" || { echo "FAIL: $d.svg names nothing" >&2; fail=1; }
	done
	ls "$tmp" | grep -q '\.svg\.' && { echo "FAIL: temporary SVG left behind" >&2; fail=1; }
	bad "cannot write" "$PCILAYOUT" map --svg "$tmp/no/such/dir/x.svg" hidden.lspci
else
	echo "xmllint missing: SVG checks skipped" >&2
fi
exit $fail
