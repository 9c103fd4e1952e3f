#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Golden tests of `plan` on the fixtures of tests/fixtures/plan (made by its
# mkplan.py): each line of cases.txt is a case whose stdout, stderr and exit
# status must equal NAME.out. PCL_UPDATE_GOLDEN=1 rewrites the .out files
# (review the diff by hand). Then: -o writes a layout that lints clean, and
# a failed plan leaves no output file behind.
. "$PCL_SRCDIR/tests/cli/lib.sh"

dir="$PCL_SRCDIR/tests/fixtures/plan"
count=0
while read -r name args; do
	case "$name" in ''|'#'*) continue ;; esac
	# shellcheck disable=SC2086 # the arguments are words on purpose
	(cd "$dir" && "$PCILAYOUT" plan $args) >"$T/out" 2>"$T/err"
	echo "exit $?" >>"$T/err"
	cat "$T/out" "$T/err" >"$T/got"
	if [ "${PCL_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$T/got" "$dir/$name.out"
	fi
	if diff -u "$dir/$name.out" "$T/got" >"$T/diff"; then
		ok
	else
		fail "$name differs from golden"
		head -40 "$T/diff" >&2
	fi
	count=$((count + 1))
done <"$dir/cases.txt"
[ "$count" -ge 20 ] && ok || fail "expected at least 20 cases, found $count"

# -o: atomic, canonical, lint-clean; and nothing left behind on failure.
cd "$dir" || exit 1
expect_exit 0 "plan -o" -- "$PCILAYOUT" plan --no-default-quirks --pf pf.lspci \
	--add pasid,dsn --pasid-width 20 -o "$T/vf.json" vf.lspci
expect_exit 0 "lint of the plan" -- "$PCILAYOUT" lint "$T/vf.json"
expect_exit 0 "fmt --check of the plan" -- "$PCILAYOUT" fmt --check "$T/vf.json"
expect_exit 1 "plan -o on failure" -- "$PCILAYOUT" plan --no-default-quirks \
	--add pasid --pasid-width 20 -o "$T/none.json" full.lspci
if [ -e "$T/none.json" ]; then fail "a failed plan left $T/none.json"; else ok; fi
expect_exit 0 "--help" -- "$PCILAYOUT" plan --help
expect_grep "$T/out" "--emit TARGET" "help mentions --emit"
expect_exit 2 "no SOURCE" -- "$PCILAYOUT" plan

# --emit libvirt is XML: well-formed, the device's address on the hostdev,
# the virtual PASID's offset as a qemu:override property of its alias.
if command -v xmllint >/dev/null 2>&1; then
	"$PCILAYOUT" plan --no-default-quirks --pf pf.lspci --add pasid,dsn \
		--dsn from-pf --pasid-width 20 --emit libvirt --allow-partial \
		vf.lspci >"$T/l.xml"
	expect_exit 0 "libvirt: well-formed XML" -- xmllint --noout "$T/l.xml"
	x() { xmllint --xpath "$1" "$T/l.xml" 2>/dev/null; }
	[ "$(x 'string(//hostdev/source/address/@bus)')" = 0x01 ] &&
		[ "$(x 'string(//hostdev/source/address/@function)')" = 0x1 ] &&
		ok || fail "libvirt: the hostdev's address"
	alias=$(x 'string(//hostdev/alias/@name)')
	case $alias in ua-*) ok ;; *) fail "libvirt: alias '$alias' is not a user alias (ua-)" ;; esac
	[ "$(x "string(//*[local-name()='device'][@alias='$alias']//*[local-name()='property'][@name='x-vpasid-cap-offset']/@value)")" = 432 ] &&
		ok || fail "libvirt: x-vpasid-cap-offset 432 for the alias"
	grep -q 'Not expressible: a virtual DSN' "$T/l.xml" && ok || fail "libvirt: the DSN is listed as not expressible"
else
	fail "xmllint is missing (scripts/bootstrap.sh installs libxml2-utils)"
fi

# -s picks one function out of a dump that holds several; -d by its IDs.
cat pf.lspci hidden-ff8.lspci >"$T/multi.lspci"
expect_exit 2 "a dump of two functions needs a selection" -- "$PCILAYOUT" plan --no-default-quirks "$T/multi.lspci"
expect_grep "$T/err" "holds 2 functions (0000:01:00.0, 0000:02:00.0); select one with -s" "the message names them"
expect_exit 0 "plan -s 02:00.0 of the two" -- "$PCILAYOUT" plan --no-default-quirks -s 02:00.0 -o "$T/sel.json" "$T/multi.lspci"
expect_exit 0 "plan of the one" -- "$PCILAYOUT" plan --no-default-quirks -o "$T/one.json" hidden-ff8.lspci
a=$("$PCILAYOUT" fingerprint "$T/sel.json" | cut -d' ' -f1)
b=$("$PCILAYOUT" fingerprint "$T/one.json" | cut -d' ' -f1)
[ -n "$a" ] && [ "$a" = "$b" ] && ok || fail "-s: the layout of the selected function ($a, $b)"
id=$(sed -n 's/.*"device": "\(0x[0-9a-f]*\)".*/\1/p' "$T/one.json" | head -n 1)
expect_exit 0 "plan -d :${id#0x}" -- "$PCILAYOUT" plan --no-default-quirks -d ":${id#0x}" -o "$T/sel-d.json" "$T/multi.lspci"
a=$("$PCILAYOUT" fingerprint "$T/sel-d.json" | cut -d' ' -f1)
[ "$a" = "$b" ] && ok || fail "-d: the layout of the selected function"
expect_exit 2 "-s matching nothing" -- "$PCILAYOUT" plan --no-default-quirks -s 05:00.0 "$T/multi.lspci"
expect_grep "$T/err" "no function matches the selection" "the message says so"
expect_exit 2 "a bad -s" -- "$PCILAYOUT" plan -s 00:20.0 "$T/multi.lspci"
expect_grep "$T/err" "invalid device number" "a device number above 1f"
expect_exit 2 "a bad -d" -- "$PCILAYOUT" plan -d 12345: "$T/multi.lspci"
expect_grep "$T/err" "invalid vendor ID" "a vendor ID of 5 digits"

# Layouts carry no host paths: a dump named by its absolute path.
"$PCILAYOUT" plan --no-default-quirks "$PWD/pf.lspci" >"$T/abs.json"
if grep -qF "$PWD" "$T/abs.json"; then fail "the layout holds the host path $PWD"; else ok; fi
expect_grep "$T/abs.json" "from pf.lspci" "the layout names the dump by its base name"
finish
