#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# This machine's own devices through sysfs: `show` reads every function and
# finds the same capabilities (space, offset) as lspci does on the live
# device. Skipped (77) when the machine exposes no PCI devices or lspci is
# missing; without root both tools see only 64 bytes and must agree on that.
. "$PCL_SRCDIR/tests/cli/lib.sh"

if [ ! -d /sys/bus/pci/devices ] || [ -z "$(ls /sys/bus/pci/devices)" ]; then
	echo "SKIP: no PCI devices in sysfs"
	exit 77
fi
command -v lspci >/dev/null 2>&1 || { echo "SKIP: lspci not installed"; exit 77; }

expect_exit 0 "show (all devices)" -- "$PCILAYOUT" show
n=0
for dev in /sys/bus/pci/devices/*; do
	addr=$(basename "$dev")
	"$PCILAYOUT" show --json "$addr" >"$T/show.json" 2>"$T/err"
	rc=$?
	if [ "$rc" -gt 1 ]; then
		fail "show $addr: exit $rc: $(cat "$T/err")"
		continue
	fi
	lspci -s "$addr" -vvv >"$T/lspci.txt" 2>/dev/null
	if python3 - "$T/show.json" "$T/lspci.txt" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
caps = doc["devices"][0]["capabilities"]
ours = sorted((c["space"], int(c["offset"], 16)) for c in caps)
theirs = []
for line in open(sys.argv[2], errors="replace"):
    m = re.match(r"\s*Capabilities: \[([0-9a-f]+)( v\d+)?\]", line)
    if m:
        off = int(m.group(1), 16)
        theirs.append(("extended" if off >= 0x100 else "standard", off))
theirs.sort()
if ours != theirs:
    print("ours:  ", ours)
    print("lspci: ", theirs)
    sys.exit(1)
PY
	then ok; else fail "$addr: capabilities differ from lspci"; fi
	n=$((n + 1))
done
echo "compared $n devices"
finish
