#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libpci's own dump reader is the oracle for ours: over every corpus dump,
# libpci-dump-oracle (PCI_ACCESS_DUMP) and pcl-dump-print (pcl_cfg_load)
# must report the same functions, the same read length and the same bytes.
# Also: one file holding every corpus device (many devices per file), and
# the raw .bin copies against their .lspci twins. Skipped (77) without the
# corpus.
. "$PCL_SRCDIR/tests/cli/lib.sh"

if [ -z "${PCL_CORPUS:-}" ] || [ ! -d "$PCL_CORPUS" ]; then
	echo "SKIP: corpus not found (PCL_CORPUS=${PCL_CORPUS:-unset})"
	exit 77
fi
oracle=$PCL_BUILDDIR/tests/tools/libpci-dump-oracle
ours=$PCL_BUILDDIR/tests/tools/pcl-dump-print
for p in "$oracle" "$ours"; do
	[ -x "$p" ] || { echo "FAIL: $p not built" >&2; exit 1; }
done

# compare WHAT FILE: both readers, identical output, sane lengths
compare() {
	if ! "$oracle" "$2" >"$T/libpci" 2>"$T/libpci.err"; then
		fail "$1: libpci could not read it: $(head -c 200 "$T/libpci.err")"
		return
	fi
	if ! "$ours" "$2" >"$T/ours" 2>"$T/ours.err"; then
		fail "$1: pcl_cfg_load failed: $(cat "$T/ours.err")"
		return
	fi
	if [ ! -s "$T/libpci" ]; then
		fail "$1: libpci found no device"
		return
	fi
	if ! cmp -s "$T/libpci" "$T/ours"; then
		fail "$1: bytes differ from libpci"
		diff "$T/libpci" "$T/ours" | head -6 >&2
		return
	fi
	bad=$(awk '$2 == "len" && $3 != 64 && $3 != 256 && $3 != 4096' \
		"$T/ours")
	if [ -n "$bad" ]; then
		fail "$1: unexpected read length: $bad"
		return
	fi
	ok
}

n=0
for f in "$PCL_CORPUS"/*.lspci; do
	[ -f "$f" ] || continue
	compare "$(basename "$f")" "$f"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no .lspci file in $PCL_CORPUS"

# Every corpus device in one file, each under its own slot, blank-separated.
i=0
for f in "$PCL_CORPUS"/*.lspci; do
	slot=$(printf '0000:%02x:%02x.%d' $((i / 256)) $((i / 8 % 32)) \
		$((i % 8)))
	awk -v slot="$slot" \
		'NR == 1 { sub(/^[^ ]+/, slot) } { print } END { print "" }' "$f"
	i=$((i + 1))
done >"$T/all.lspci"
compare "all corpus devices in one file ($i)" "$T/all.lspci"
devices=$(grep -c ' len ' "$T/ours")
[ "$devices" -eq "$i" ] || fail "one file: $devices devices read, $i expected"

# A raw binary and its text twin read to the same bytes.
for b in "$PCL_CORPUS"/*.bin; do
	[ -f "$b" ] || continue
	t=${b%.bin}.lspci
	[ -f "$t" ] || continue
	"$ours" "$b" | sed 's/^[^ ]* //' >"$T/bin"
	"$ours" "$t" | sed 's/^[^ ]* //' >"$T/txt"
	if [ -s "$T/bin" ] && cmp -s "$T/bin" "$T/txt"; then
		ok
	else
		fail "$(basename "$b"): differs from $(basename "$t")"
	fi
done

finish
