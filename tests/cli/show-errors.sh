#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `show` on bad input: a clear message naming the file (and line), exit 2;
# a broken chain: a finding and exit 1. Never a crash.
. "$PCL_SRCDIR/tests/cli/lib.sh"

expect_exit 2 "missing file" -- "$PCILAYOUT" show "$T/nosuch.lspci"
expect_grep "$T/err" "$T/nosuch.lspci" "missing file is named"

printf '00:00.0 Host bridge: x\n00: 86 80 zz 12\n' >"$T/garbled.lspci"
expect_exit 2 "garbled dump" -- "$PCILAYOUT" show "$T/garbled.lspci"
expect_grep "$T/err" "garbled.lspci:2:" "garbled dump names line 2"

printf '00:00.0 Host bridge: x\n00: 86 80 12 12 00 00 00 00 00 00 00 00 00 00 00 00 00\n' >"$T/long.lspci"
expect_exit 2 "row with 17 bytes" -- "$PCILAYOUT" show "$T/long.lspci"
expect_grep "$T/err" "long.lspci:2:" "long row names line 2"

# Functions are walked and printed as they are read, but what is printed
# is held: a fault in a later function, of this SOURCE or another, leaves
# stdout empty (--json prints its error document there instead).
printf '00:00.0 Host bridge: x\n00: 86 80 12 12\n\n00:01.0 Host bridge: x\n00: 86 80 zz 12\n' >"$T/second.lspci"
printf '00:00.0 Host bridge: x\n00: 86 80 12 12\n' >"$T/first.lspci"
for args in "second.lspci" "--json second.lspci" "first.lspci second.lspci" \
	    "-q second.lspci first.lspci"; do
	# shellcheck disable=SC2086 # the words are the arguments
	set -- $args
	files=
	for a; do
		case $a in
		-*) files="$files $a" ;;
		*) files="$files $T/$a" ;;
		esac
	done
	# shellcheck disable=SC2086
	expect_exit 2 "show $args" -- "$PCILAYOUT" show $files
	if [ -s "$T/out" ] && ! grep -q pcilayout-error "$T/out"; then
		fail "show $args: printed before the fault was found"
	else
		ok
	fi
done

head -c 100 /dev/zero | tr '\0' '\377' >"$T/odd.bin"
expect_exit 2 "binary of 100 bytes" -- "$PCILAYOUT" show "$T/odd.bin"
expect_grep "$T/err" "odd.bin" "wrong-size binary is named"

expect_exit 2 "malformed address" -- "$PCILAYOUT" show "zz:zz.9"
expect_exit 2 "absent address" -- "$PCILAYOUT" show "0000:fe:1f.7"
expect_grep "$T/err" "fe:1f.7" "absent address is named"

# A standard chain 0x40 -> 0x50 -> 0x40 loops: finding, exit 1.
python3 - "$T/loop.bin" <<'PY'
import sys
b = bytearray(256)
b[0:4] = bytes([0x86, 0x80, 0x34, 0x12])
b[6] = 0x10
b[0x34] = 0x40
b[0x40:0x42] = bytes([0x01, 0x50])
b[0x50:0x52] = bytes([0x05, 0x40])
open(sys.argv[1], "wb").write(b)
PY
expect_exit 1 "looped chain" -- "$PCILAYOUT" show --json "$T/loop.bin"
expect_grep "$T/out" '"code": "chain-loop"' "loop is reported"

# Standard input, in both formats.
expect_exit 1 "binary on stdin" -- sh -c "'$PCILAYOUT' show - <'$T/loop.bin'"
expect_grep "$T/out" "<stdin>" "stdin source is named"
finish
