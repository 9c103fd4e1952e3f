#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `make demo`: run the tool's main jobs on the examples shipped in the repo
# (show, map, plan, synth, check, diff, unify), then show this machine's own
# devices when sysfs has any. Every command is printed before it runs.
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

run() {
	printf '\n\033[1m$ pcilayout %s\033[0m\n' "$*"
	"$tool" "$@"
	rc=$?
	# 1 is a legitimate answer for some steps ("not compatible"); 2 is not.
	[ "$rc" -ge 2 ] && status=1
	return 0
}

nic=devices/nic-hidden-registers.lspci
vf=devices/vf-orphan-pasid.lspci
vf2=devices/vf-orphan-pasid-fw2.lspci

run show $vf $nic
run map --no-color $nic
run gaps --size 8 $nic
run plan --add pasid --pasid-width 20 --explain $nic
run plan --add pasid --pasid-width 20 --emit qemu $nic
run plan --add pasid --pasid-width 20 -o "$out/vf.json" $vf
run lint "$out/vf.json"
run synth "$out/vf.json" $vf --format lspci -o "$out/vf-guest.lspci"
run show "$out/vf-guest.lspci"
run check --pasid-width 20 "$out/vf.json" $vf
run check --pasid-width 20 "$out/vf.json" $nic
run check --pasid-width 20 "$out/vf.json" $vf2
run diff --pasid-width 20 "$out/vf.json" $vf2
run unify --add pasid --pasid-width 20 --explain $vf $vf2

if [ -d /sys/bus/pci/devices ] && [ -n "$(ls /sys/bus/pci/devices 2>/dev/null)" ]; then
	run show --quiet
fi
exit $status
