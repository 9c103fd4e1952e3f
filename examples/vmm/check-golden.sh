#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the example VMM on its trace and compare with the golden output.
# PCL_UPDATE_GOLDEN=1 rewrites the golden file (review the diff by hand).
exe=$1 layout=$2 device=$3 trace=$4 expected=$5
out=$(mktemp)
trap 'rm -f "$out"' EXIT
[ -f "$device" ] || { echo "no device $device"; exit 77; }
"$exe" "$layout" "$device" "$trace" >"$out" 2>&1
rc=$?
if [ "${PCL_UPDATE_GOLDEN:-0}" = 1 ]; then
	cp "$out" "$expected"
fi
if ! diff -u "$expected" "$out"; then
	echo "FAIL: output differs from $expected"
	exit 1
fi
[ "$rc" -eq 0 ] || { echo "FAIL: exit status $rc"; exit 1; }
echo "ok"
