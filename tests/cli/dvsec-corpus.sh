#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# dvsec-corpus.sh - round trip on real config spaces: for every 4096-byte
# dump of the corpus, advertise the highest 64-byte all-zero window of
# extended space, inject the free-space DVSEC, then check that decode gives
# the range back as trusted, that lspci -F shows the DVSEC at the offset
# chosen with every original capability still on the chain, and that the
# input file is untouched.
. "$PCL_SRCDIR/tests/cli/lib.sh"

[ -d "$PCL_CORPUS" ] || { echo "no corpus at $PCL_CORPUS"; exit 77; }
have_lspci=1
command -v lspci >/dev/null 2>&1 || have_lspci=0

# The highest 64-byte window (4 rows) of zero bytes in 0x200-0xfff, as
# "start-end", or nothing.
zero_window() {
	awk '
	/^[0-9a-f][0-9a-f][0-9a-f]: / {
		z = 1
		for (i = 2; i <= 17; i++) if ($i != "00") z = 0
		zero[substr($1, 1, 3)] = z
	}
	function isz(o) { return zero[sprintf("%03x", o)] == 1 }
	END {
		# 4032 = 0xfc0 down to 512 = 0x200 (portable awk: no hex)
		for (s = 4032; s >= 512; s -= 16)
			if (isz(s) && isz(s + 16) && isz(s + 32) && isz(s + 48)) {
				printf "0x%x-0x%x\n", s, s + 63
				exit
			}
	}' "$1"
}

done_any=0
skipped=0
for f in "$PCL_CORPUS"/*.lspci; do
	name=$(basename "$f")
	grep -q '^ff0:' "$f" || continue          # not a 4096-byte dump
	range=$(zero_window "$f")
	[ -n "$range" ] || { skipped=$((skipped + 1)); continue; }
	sum=$(cksum <"$f")
	out="$T/$name"
	"$PCILAYOUT" dvsec inject "$f" --range "$range" -o "$out" \
		>"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 1 ]; then
		# No room or the window is not free by the map's rules (for
		# instance a capability of unknown length before it): a clear
		# refusal, not a failure. It must say why.
		grep -q . "$T/err" || fail "$name: refused without a reason"
		skipped=$((skipped + 1))
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		fail "$name: inject exited $rc"
		sed 's/^/  stderr: /' "$T/err" >&2
		continue
	fi
	[ "$(cksum <"$f")" = "$sum" ] || fail "$name: input modified"
	at=$(sed -n 's/.* at \(0x[0-9a-f]*\) in .*/\1/p' "$T/err")
	[ -n "$at" ] || { fail "$name: no offset reported"; continue; }

	"$PCILAYOUT" dvsec decode "$out" >"$T/dec" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || fail "$name: decode exited $rc"
	expect_grep "$T/dec" "DVSEC at $at: vendor ffff id 0000 rev 0 len 20, format 1, 1 ranges: valid" "$name decode"
	start=${range%-*}
	end=${range#*-}
	expect_grep "$T/dec" "$(printf '0x%03x-0x%03x' "$start" "$end")    64 bytes  any-use          trusted" "$name range"

	"$PCILAYOUT" dvsec decode --json "$out" >"$T/json" 2>&1 ||
		fail "$name: decode --json failed"
	expect_grep "$T/json" "\"trusted\": true" "$name json"

	if [ "$have_lspci" -eq 1 ]; then
		lspci -F "$out" -vvv >"$T/lsnew" 2>/dev/null
		lspci -F "$f" -vvv >"$T/lsold" 2>/dev/null
		hex=$(printf '%03x' "$at")
		expect_grep "$T/lsnew" "Capabilities: [$hex v1] Designated Vendor-Specific: Vendor=ffff ID=0000 Rev=0 Len=20" "$name lspci"
		grep -o 'Capabilities: \[[0-9a-f]* v[0-9]*\]' "$T/lsold" | sort >"$T/capold"
		# Without an extended chain, a Null capability at 0x100 may
		# anchor the DVSEC: the only other new line allowed.
		anchor='^$'
		grep -q 'Capabilities: \[100 ' "$T/lsold" ||
			anchor='^Capabilities: \[100 v0\]$'
		grep -o 'Capabilities: \[[0-9a-f]* v[0-9]*\]' "$T/lsnew" |
			grep -v -e "^Capabilities: \[$hex v1\]\$" -e "$anchor" |
			sort >"$T/capnew"
		cmp -s "$T/capold" "$T/capnew" ||
			fail "$name: lspci sees a different chain after injection"
	fi
	done_any=$((done_any + 1))
	ok
done

echo "injected into $done_any dumps, $skipped without room"
[ "$done_any" -ge 20 ] || fail "only $done_any corpus dumps took a DVSEC"
finish
