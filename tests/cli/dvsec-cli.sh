#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# dvsec-cli.sh - `pcilayout dvsec` without the corpus: encode golden bytes,
# usage and range errors, inject into a synthetic binary space (lspci and
# binary output, atomic write), decode of a valid, a distrusted and a
# malformed DVSEC, and the exit status of each.
. "$PCL_SRCDIR/tests/cli/lib.sh"

P=$PCILAYOUT

# A 4096-byte endpoint: vendor 8086:1234, PCIe cap at 0x40 (v2, endpoint),
# AER at 0x100 -> DSN at 0x140; everything else zero.
mkspace() {
	: >"$1"
	printf '\206\200\064\022\000\000\020\000\001\000\000\002\000\000\000\000' >>"$1"
	head -c 36 /dev/zero >>"$1"
	printf '\100\000\000\000' >>"$1"                       # 0x34 -> 0x40
	head -c 8 /dev/zero >>"$1"                             # to 0x40
	printf '\020\000\002\000' >>"$1"                       # PCIe v2 endpoint
	head -c 188 /dev/zero >>"$1"                           # to 0x100
	printf '\001\000\002\024' >>"$1"                       # AER v2 -> 0x140
	head -c 60 /dev/zero >>"$1"                            # to 0x140
	printf '\003\000\001\000' >>"$1"                       # DSN v1, end
	head -c 3772 /dev/zero >>"$1"                          # to 0x1000
}
mkspace "$T/dev.bin"
[ "$(wc -c <"$T/dev.bin")" -eq 4096 ] || { echo "bad fixture"; exit 1; }

# encode: exact bytes.
expect_exit 0 "encode" -- "$P" dvsec encode --range 0xe00-0xeff,0xf00-0xff7
expect_grep "$T/out" "00: 23 00 01 00 ff ff 80 01 00 00 01 02 50 43 46 53" "encode header"
expect_grep "$T/out" "10: 00 0e 10 00 00 8f 0f 00" "encode entries"
expect_exit 0 "encode flags" -- "$P" dvsec encode --vcap-range 0xf00+8 --stable --vendor 0x1b36 --id 7 --at 0x200
expect_grep "$T/out" "200: 23 00 01 00 36 1b 40 01 07 00 01 01 50 43 46 53" "encode vendor/id"
expect_grep "$T/out" "210: 00 8f 00 03" "encode vcap+stable"
expect_exit 0 "encode binary" -- "$P" dvsec encode --range 0xf00-0xfff -o "$T/enc.bin"
[ "$(wc -c <"$T/enc.bin")" -eq 20 ] && ok || fail "encode -o size"

# encode: errors are usage errors.
expect_exit 2 "misaligned" -- "$P" dvsec encode --range 0xf01-0xfff
expect_grep "$T/err" "not whole dwords" "misaligned message"
expect_exit 2 "overlap" -- "$P" dvsec encode --range 0xe00-0xeff --vcap-range 0xe80-0xf7f
expect_grep "$T/err" "overlaps" "overlap message"
expect_exit 2 "cross 0x100" -- "$P" dvsec encode --range 0xf0-0x10f
expect_grep "$T/err" "crosses 0x100" "cross message"
expect_exit 2 "header" -- "$P" dvsec encode --range 0x00-0x3f
expect_exit 2 "self" -- "$P" dvsec encode --range 0xf00-0xfff --at 0xf00
expect_grep "$T/err" "covers the DVSEC itself" "self message"
expect_exit 2 "vendor without id" -- "$P" dvsec encode --range 0xf00-0xfff --vendor 1
expect_exit 2 "syntax" -- "$P" dvsec encode --range 0xf00-
expect_exit 2 "no ranges" -- "$P" dvsec encode
expect_exit 2 "unknown action" -- "$P" dvsec frobnicate
expect_exit 0 "help" -- "$P" dvsec -h
expect_grep "$T/out" "Usage: pcilayout dvsec encode" "help text"

# decode: nothing advertised.
expect_exit 0 "decode none" -- "$P" dvsec decode "$T/dev.bin"
expect_grep "$T/out" "no free-space DVSEC" "decode none text"

# inject (binary), then decode it back.
expect_exit 0 "inject" -- "$P" dvsec inject "$T/dev.bin" --range 0xf00-0xfff --vcap-range 0x80-0xbf -o "$T/inj.bin" --format binary
expect_grep "$T/err" "at 0x150" "inject offset"
[ "$(wc -c <"$T/inj.bin")" -eq 4096 ] && ok || fail "binary output size"
cmp -s "$T/dev.bin" "$T/inj.bin" && fail "injection changed nothing" || ok
ls "$T" | grep -q pcilayout- && fail "temporary file left behind" || ok
expect_exit 0 "decode" -- "$P" dvsec decode "$T/inj.bin"
expect_grep "$T/out" "DVSEC at 0x150: vendor ffff id 0000 rev 0 len 24, format 1, 2 ranges: valid" "decode header"
expect_grep "$T/out" "0x080-0x0bf    64 bytes  vcap-only        trusted" "decode std range"
expect_grep "$T/out" "0xf00-0xfff   256 bytes  any-use          trusted" "decode ext range"
expect_exit 0 "decode json" -- "$P" dvsec decode --json "$T/inj.bin"
expect_grep "$T/out" '"offset": "0x150"' "json offset"
expect_grep "$T/out" '"vcap_only": true' "json flags"
# Another vendor/id pair is not recognized unless asked for.
expect_exit 0 "decode other pair" -- "$P" dvsec decode --vendor 0x1b36 --id 1 "$T/inj.bin"
expect_grep "$T/out" "dvsec-free-unlisted" "unlisted note"
expect_exit 0 "decode any" -- "$P" dvsec decode --vendor 0x1b36 --id 1 --any "$T/inj.bin"
expect_grep "$T/out" "2 ranges: valid" "any pair"

# inject (lspci text) at a given offset: lspci and show read it.
expect_exit 0 "inject lspci" -- "$P" dvsec inject "$T/dev.bin" --range 0xf00-0xfff --at 0x800 -o "$T/inj.lspci"
expect_grep "$T/inj.lspci" "800: 23 00 01 00 ff ff 40 01 00 00 01 01 50 43 46 53" "lspci rows"
expect_exit 0 "show injected" -- "$P" show "$T/inj.lspci"
expect_grep "$T/out" "[800] ext len   20 v1  dvsec" "show sees it"
if command -v lspci >/dev/null 2>&1; then
	lspci -F "$T/inj.lspci" -vvv >"$T/ls" 2>/dev/null
	expect_grep "$T/ls" "Capabilities: [140 v1] Device Serial Number" "lspci chain"
	expect_grep "$T/ls" "Capabilities: [800 v1] Designated Vendor-Specific: Vendor=ffff ID=0000 Rev=0 Len=20" "lspci DVSEC"
fi

# inject refuses what is not free, and says why (exit 1).
printf '\132' | dd of="$T/dev.bin" bs=1 seek=$((0xf80)) conv=notrunc 2>/dev/null
expect_exit 1 "non-zero byte" -- "$P" dvsec inject "$T/dev.bin" --range 0xf00-0xfff -o "$T/bad.bin"
expect_grep "$T/err" "byte 0xf80 is a non-zero byte" "non-zero message"
[ -e "$T/bad.bin" ] && fail "output written on failure" || ok
expect_exit 1 "over a capability" -- "$P" dvsec inject "$T/dev.bin" --range 0x140-0x14f -o "$T/bad.bin"
expect_exit 1 "at on a capability" -- "$P" dvsec inject "$T/dev.bin" --range 0xe00-0xeff --at 0x100 -o "$T/bad.bin"
expect_grep "$T/err" "no room" "at message"
expect_exit 2 "inject without -o" -- "$P" dvsec inject "$T/dev.bin" --range 0xe00-0xeff

# --force makes the fixture; decode then distrusts the range (exit 1).
expect_exit 0 "force" -- "$P" dvsec inject "$T/dev.bin" --range 0xf00-0xfff --force -o "$T/forced.bin" --format binary
expect_exit 1 "decode distrusted" -- "$P" dvsec decode "$T/forced.bin"
expect_grep "$T/out" "NOT TRUSTED: byte 0xf80" "distrust reason"

# A lying count in the injected bytes: malformed, ignored, exit 1.
printf '\011' | dd of="$T/inj.bin" bs=1 seek=$((0x150 + 11)) conv=notrunc 2>/dev/null
expect_exit 1 "decode malformed" -- "$P" dvsec decode "$T/inj.bin"
expect_grep "$T/out" "malformed" "malformed status"
expect_grep "$T/out" "dvsec-free-length" "malformed code"

finish
