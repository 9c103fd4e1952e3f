#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Cross-check the walker against lspci on every real dump in the corpus: the
# (space, offset, id) of each chain capability in `pcilayout show --json`
# must equal lspci's "Capabilities: [..]" lines, both the recorded
# FILE.vvv and, when lspci is installed, a live `lspci -F FILE -vvv`.
set -u

if [ ! -d "${PCL_CORPUS:-}" ]; then
	echo "SKIP: corpus not found at '${PCL_CORPUS:-}'"
	exit 77
fi
cmp="$PCL_SRCDIR/tests/cli/lspci_crosscheck.py"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
have_lspci=0
command -v lspci >/dev/null 2>&1 && have_lspci=1

n=0
fail=0
for f in "$PCL_CORPUS"/*.lspci; do
	[ -e "$f" ] || continue
	name=$(basename "$f")
	n=$((n + 1))
	"$PCILAYOUT" show --json "$f" >"$tmp/$n.json" 2>"$tmp/err"
	rc=$?
	# 1 means "a finding of severity error": still a valid document.
	if [ $rc -gt 1 ]; then
		echo "$name: pcilayout exited $rc: $(cat "$tmp/err")"
		fail=$((fail + 1))
		continue
	fi
	if [ ! -e "$f.vvv" ]; then
		echo "$name: no recorded $name.vvv"
		fail=$((fail + 1))
		continue
	fi
	printf '%s\t%s\t%s\n' "$tmp/$n.json" "$f.vvv" "$name" >>"$tmp/pairs"
	if [ $have_lspci = 1 ]; then
		lspci -F "$f" -vvv >"$tmp/$n.vvv" 2>/dev/null
		printf '%s\t%s\t%s\n' "$tmp/$n.json" "$tmp/$n.vvv" \
			"$name (live lspci)" >>"$tmp/pairs"
	fi
done
if [ -s "$tmp/pairs" ]; then
	python3 "$cmp" <"$tmp/pairs" || fail=$((fail + 1))
fi

if [ $n = 0 ]; then
	echo "SKIP: no .lspci files in $PCL_CORPUS"
	exit 77
fi
echo "lspci cross-check: $n files, $fail mismatches (live lspci: $have_lspci)"
[ $fail = 0 ]
