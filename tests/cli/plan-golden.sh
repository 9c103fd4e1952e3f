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
expect_grep "$T/out" "--emit qemu" "help mentions --emit"
expect_exit 2 "no SOURCE" -- "$PCILAYOUT" plan
finish
