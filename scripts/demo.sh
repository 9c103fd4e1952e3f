#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `make demo`: run the tool's main jobs on the examples shipped in the repo,
# then on this machine's own devices when sysfs has any.
set -u
tool=${1:-build/tools/pcilayout}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

banner() {
	printf '\n\033[1m==> %s\033[0m\n' "$*"
}

for f in examples/devices/*.lspci; do
	banner "pcilayout show $f"
	"$tool" show "$f"
done

if [ -d /sys/bus/pci/devices ] && [ -n "$(ls /sys/bus/pci/devices 2>/dev/null)" ]; then
	banner "pcilayout show (this machine's devices, through sysfs)"
	"$tool" show --quiet
fi
exit 0
