#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `make demo`: the tool's main jobs on the examples shipped in the repo, each
# step introduced by a sentence saying what it shows, ending with what the
# guest's lspci -vvv sees of the synthesized config space. Escape codes
# (bold headings, the map's colours) only on a terminal.
set -u
tool=$(cd "$(dirname "${1:-build/tools/pcilayout}")" && pwd)/$(basename "${1:-build/tools/pcilayout}")
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top/examples" || exit 2
# An uninstalled tool has no quirk database of its own: name the shipped one.
PCILAYOUT_QUIRKS=${PCILAYOUT_QUIRKS:-$top/data/quirks}
export PCILAYOUT_QUIRKS
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
if [ -t 1 ]; then
	bold=$(printf '\033[1m') plain=$(printf '\033[0m')
else
	bold= plain=
fi

# say SENTENCE: what the next step shows.
say() {
	printf '\n%s== %s%s\n' "$bold" "$1" "$plain"
}

# run ARGS...: the command, then its output.
run() {
	printf '%s$ pcilayout %s%s\n' "$bold" "$*" "$plain"
	"$tool" "$@"
	rc=$?
	# 1 is a legitimate answer for some steps ("not compatible"); 2 is not.
	[ "$rc" -ge 2 ] && status=1
	return 0
}

nic=devices/nic-hidden-registers.lspci
vf=devices/vf-orphan-pasid.lspci
vf2=devices/vf-orphan-pasid-fw2.lspci

say "Two devices' capability chains: the VF's PASID capability is an orphan (no chain reaches it, yet its bytes are there), and the NIC has nothing odd in its chains."
run show $vf $nic
say "Who owns each byte of the NIC: '!' marks non-zero bytes outside every capability, suspected firmware registers, one at 0xff8 where QEMU would put a virtual PASID."
run map $nic
say "Where an 8-byte capability could go in the NIC's extended space: each gap once, safest first, with the reason for its rank."
run gaps --size 8 $nic
say "The planner places a virtual PASID and says why each entry is where it is: QEMU's 0xff8 is not safe here, so the best gap wins."
run plan --add pasid --pasid-width 20 --explain $nic
say "The same plan as QEMU's -device properties (exit 0: stock QEMU can express all of it)."
run plan --add pasid --pasid-width 20 --emit qemu $nic
say "And as libvirt XML: a <hostdev> with the QEMU property as <qemu:override>."
run plan --add pasid --pasid-width 20 --emit libvirt $nic
say "A layout file for the VF, with a virtual PASID at QEMU's 0xff8, which is free on this VF; lint finds the file valid."
run plan --add pasid --pasid-width 20 -o "$out/vf.json" $vf
run lint "$out/vf.json"
say "Migration: which destinations can realize this layout? The same VF can; the NIC cannot (another device, and registers under the PASID); the VF with other firmware can, by relocating ATS, which only a VMM that presents the layout does."
run check --pasid-width 20 "$out/vf.json" $vf
run check --pasid-width 20 "$out/vf.json" $nic
run check --pasid-width 20 "$out/vf.json" $vf2
say "A VMM that copies capabilities at their physical offsets (QEMU today) shows the other firmware's VF another layout: diff says ATS moves, so a guest cannot migrate there; unify finds one layout both firmwares can realize."
run diff --pasid-width 20 "$out/vf.json" $vf2
run unify --add pasid --pasid-width 20 --explain $vf $vf2
if [ -d /sys/bus/pci/devices ] && [ -n "$(ls /sys/bus/pci/devices 2>/dev/null)" ]; then
	say "This machine's own functions, read through sysfs (as root, all 4096 bytes; otherwise the first 64)."
	run show --quiet
fi
say "The config space the guest first sees, written as an lspci dump; lspci -vvv shows the guest's view: the virtual PASID at its offset, next pointers rewritten."
run synth "$out/vf.json" $vf --format lspci -o "$out/vf-guest.lspci"
if command -v lspci >/dev/null 2>&1; then
	printf '%s$ lspci -F vf-guest.lspci -vvv%s\n' "$bold" "$plain"
	# lspci looks for kernel modules even for a file; that is not news.
	lspci -F "$out/vf-guest.lspci" -vvv 2>"$out/lspci.err" || status=1
	grep -v 'libkmod' "$out/lspci.err" >&2
else
	echo "lspci is missing (package pciutils; scripts/bootstrap.sh installs it)"
	status=1
fi
exit $status
