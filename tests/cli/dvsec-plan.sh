#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The free-space DVSEC end to end on real devices: inject one advertising
# 0xe00-0xeff into every corpus dump that has room (as a vfio-pci variant
# driver would expose it), then plan a vPASID: the planner's DVSEC rule must
# place it inside the advertised range, the DVSEC itself must be hidden
# from the guest, and `gaps` (the same hazard map) must rank that window
# first.
. "$PCL_SRCDIR/tests/cli/lib.sh"

if [ ! -d "${PCL_CORPUS:-}" ]; then
	echo "SKIP: corpus not found at '${PCL_CORPUS:-}'"
	exit 77
fi
placed=0
for f in "$PCL_CORPUS"/*.lspci; do
	name=$(basename "$f" .lspci)
	# Dumps without room, extended space or PCIe are refused: not our case.
	"$PCILAYOUT" dvsec inject "$f" --range 0xe00-0xeff -o "$T/$name.lspci" \
		>/dev/null 2>&1 || continue
	"$PCILAYOUT" plan --add pasid --pasid-width 20 --explain \
		"$T/$name.lspci" >"$T/explain" 2>"$T/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name: plan exited $rc: $(head -1 "$T/err")"
		continue
	fi
	line=$(grep -E '^  0x[0-9a-f]+ +pasid +virtual +rule dvsec$' "$T/explain")
	if [ -z "$line" ]; then
		fail "$name: vPASID not placed by the DVSEC rule"
		grep pasid "$T/explain" | head -2 >&2
		continue
	fi
	at=$(echo "$line" | awk '{print $1}')
	if [ $((at)) -ge $((0xe00)) ] && [ $((at + 8)) -le $((0xf00)) ]; then
		ok
	else
		fail "$name: vPASID at $at, outside 0xe00-0xeff"
	fi
	if grep -qE '^  - +dvsec +hidden' "$T/explain"; then ok; else
		fail "$name: the free-space DVSEC is not hidden from the guest"
	fi
	first=$("$PCILAYOUT" gaps --size 8 "$T/$name.lspci" 2>/dev/null |
		awk '$1 == "1" { split($2, w, "-"); print w[1] }')
	if [ "$((first))" -eq "$((at))" ] &&
	   "$PCILAYOUT" gaps --size 8 "$T/$name.lspci" | grep -q '^ *1 .* advertised '; then
		ok
	else
		fail "$name: gaps ranks ${first:-nothing} first, the plan took $at"
	fi
	placed=$((placed + 1))
done
echo "vPASID placed by the DVSEC rule on $placed corpus devices"
[ "$placed" -ge 20 ] && ok || fail "only $placed corpus devices took a DVSEC"
finish
