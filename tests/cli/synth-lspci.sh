#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `synth` read back by lspci: for every example layout, realize it on a
# device that matches it (tests/fixtures/synth/NAME.lspci, made up for the
# purpose) and check that `lspci -F` shows exactly the layout's presented
# capabilities at the layout's offsets, with no broken or looped chain, and
# none of the device's hidden or unmentioned capabilities. Also checks the
# binary format and the atomic replacement of the output.
. "$PCL_SRCDIR/tests/cli/lib.sh"

command -v lspci >/dev/null 2>&1 || { echo "no lspci"; exit 77; }
fixtures="$PCL_SRCDIR/tests/fixtures/synth"
count=0

# Offsets a layout presents, in hex without 0x, one per line, sorted.
layout_offsets() {
	grep -o '"at": *"0x[0-9a-f]*"' "$1" | sed 's/.*"0x\([0-9a-f]*\)"/\1/' |
		sed 's/^0*\([0-9a-f]\)/\1/' | sort
}

for layout in "$PCL_SRCDIR"/examples/layouts/*.json; do
	name=$(basename "$layout" .json)
	grep -q '"kind": *"quirk"' "$layout" && continue
	dev="$fixtures/$name.lspci"
	if [ ! -f "$dev" ]; then
		fail "$name: no matching device $dev"
		continue
	fi
	expect_exit 0 "$name: synth lspci" -- "$PCILAYOUT" synth \
		--pf-serial 0x0123456789abcdef -f lspci "$layout" "$dev" \
		-o "$T/$name.lspci"
	lspci -F "$T/$name.lspci" -vvv >"$T/$name.vvv" 2>/dev/null
	if grep -q 'chain broken\|chain looped' "$T/$name.vvv"; then
		fail "$name: lspci reports a broken chain"
	else
		ok
	fi
	sed -n 's/^\tCapabilities: \[\([0-9a-f]*\)[] ].*/\1/p' "$T/$name.vvv" |
		sort >"$T/got"
	layout_offsets "$layout" >"$T/want"
	if diff -u "$T/want" "$T/got" >"$T/diff"; then
		ok
	else
		fail "$name: lspci shows other capabilities than the layout"
		cat "$T/diff" >&2
	fi
	# The binary form is the same bytes.
	expect_exit 0 "$name: synth binary" -- "$PCILAYOUT" synth \
		--pf-serial 0x0123456789abcdef "$layout" "$dev" -o "$T/$name.bin"
	size=$(wc -c <"$T/$name.bin")
	[ "$size" -eq 4096 ] && ok || fail "$name: binary is $size bytes"
	lspci -F "$T/$name.bin" -vvv >/dev/null 2>&1 || true
	count=$((count + 1))
done
[ "$count" -ge 2 ] && ok || fail "expected at least 2 example layouts, got $count"

# Capabilities the layout does not present are not in its chains: the
# E810 VF's PASID at 0x1b0, which no chain reaches (vfio-pci unlinks it),
# passes through whole, header too, as QEMU shows it, like the register
# outside any capability at 0x1c0 (layout-format 5.4, 5.5).
if [ -f "$T/e810-vf-pasid.lspci" ]; then
	grep -q '^1b0: 1b 00 01 00 04 14 00 00' "$T/e810-vf-pasid.lspci" && ok ||
		fail "e810: the orphan PASID at 0x1b0 does not pass through"
	grep -q '^1c0: 5a 5a a5 a5' "$T/e810-vf-pasid.lspci" && ok ||
		fail "e810: the register at 0x1c0 is not passed through"
	grep -q 'Device Serial Number 01-23-45-67-89-ab-cd-ef' \
		"$T/e810-vf-pasid.vvv" && ok || fail "e810: DSN from --pf-serial"
	grep -q 'PASIDCap: Exec- Priv-, Max PASID Width: 14' \
		"$T/e810-vf-pasid.vvv" && ok || fail "e810: virtual PASID"
fi
# The relocated vendor capability holds the device's bytes from 0x68.
if [ -f "$T/gpu-relocated.lspci" ]; then
	grep -q '^70: .* 09 90 14 33 34 35 36 37$' "$T/gpu-relocated.lspci" &&
		ok || fail "gpu: vendor capability not relocated to 0x78"
fi

# Every corpus dump with extended space: plan a virtual PASID, synth the
# plan, and lspci must show exactly the planned offsets. Dumps the planner
# refuses (no extended space) are counted, not failed: that is its call.
if [ -d "${PCL_CORPUS:-}" ]; then
	planned=0
	refused=0
	for dev in "$PCL_CORPUS"/*.lspci; do
		name=$(basename "$dev" .lspci)
		if ! "$PCILAYOUT" plan --add pasid --pasid-width 20 "$dev" \
			>"$T/plan.json" 2>/dev/null; then
			refused=$((refused + 1))
			continue
		fi
		if ! "$PCILAYOUT" synth -f lspci "$T/plan.json" "$dev" \
			-o "$T/plan.lspci" 2>"$T/err"; then
			fail "$name: synth of its plan: $(cat "$T/err")"
			continue
		fi
		lspci -F "$T/plan.lspci" -vvv >"$T/plan.vvv" 2>/dev/null
		grep -q 'chain broken\|chain looped' "$T/plan.vvv" &&
			fail "$name: lspci reports a broken chain"
		sed -n 's/^\tCapabilities: \[\([0-9a-f]*\)[] ].*/\1/p' \
			"$T/plan.vvv" | sort >"$T/got"
		layout_offsets "$T/plan.json" >"$T/want"
		if diff -u "$T/want" "$T/got" >"$T/diff"; then
			ok
		else
			fail "$name: lspci shows other capabilities than planned"
			head -10 "$T/diff" >&2
		fi
		planned=$((planned + 1))
	done
	echo "corpus: $planned planned and read back, $refused refused by plan"
	[ "$planned" -ge 20 ] && ok || fail "only $planned corpus plans"
fi

# Errors: no matching device, a quirk, a missing capability, bad usage.
expect_exit 1 "layout for another device" -- "$PCILAYOUT" synth \
	"$PCL_SRCDIR/examples/layouts/e810-vf-pasid.json" \
	"$fixtures/gpu-relocated.lspci" -o "$T/x"
expect_grep "$T/err" "does not match" "mismatch message"
expect_exit 1 "missing capability" -- "$PCILAYOUT" synth --force \
	"$PCL_SRCDIR/examples/layouts/gpu-relocated.json" \
	"$fixtures/e810-vf-pasid.lspci" -o "$T/x"
expect_grep "$T/err" "the device has no" "missing capability message"
expect_exit 1 "DSN without the PF's serial" -- "$PCILAYOUT" synth \
	"$PCL_SRCDIR/examples/layouts/e810-vf-pasid.json" \
	"$fixtures/e810-vf-pasid.lspci" -o "$T/x"
expect_grep "$T/err" "PF's serial" "from-pf message"
[ ! -e "$T/x" ] && ok || fail "a failed synth left an output file"
for q in "$PCL_SRCDIR"/examples/layouts/quirk-*.json; do
	[ -f "$q" ] || continue
	expect_exit 1 "quirk $(basename "$q")" -- "$PCILAYOUT" synth --force \
		"$q" "$fixtures/e810-vf-pasid.lspci" -o "$T/x"
	break
done
expect_exit 2 "no output" -- "$PCILAYOUT" synth \
	"$PCL_SRCDIR/examples/layouts/e810-vf-pasid.json" \
	"$fixtures/e810-vf-pasid.lspci"
expect_exit 2 "bad format" -- "$PCILAYOUT" synth -f xml \
	"$PCL_SRCDIR/examples/layouts/e810-vf-pasid.json" \
	"$fixtures/e810-vf-pasid.lspci" -o "$T/x"

# Atomic replacement: an existing output keeps its mode, no temp left.
printf old >"$T/keep"
chmod 600 "$T/keep"
expect_exit 0 "replace output" -- "$PCILAYOUT" synth --pf-serial 1 \
	"$PCL_SRCDIR/examples/layouts/e810-vf-pasid.json" \
	"$fixtures/e810-vf-pasid.lspci" -o "$T/keep"
[ "$(stat -c %a "$T/keep")" = 600 ] && ok || fail "mode not kept"
[ "$(ls -A "$T" | grep -c '^\.keep')" -eq 0 ] && ok || fail "temp file left"
finish
