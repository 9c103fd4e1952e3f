# SPDX-License-Identifier: BSD-3-Clause
# scenario-migrate.sh - live migration of the engine's state between two
# real functions of one model under vfio-pci: two e1000e, whose Device
# Serial Numbers differ (QEMU derives them from the MAC addresses), and
# whose BARs sit at other host addresses. The guest runs on the first
# through the example VMM, which saves the state, checks the second against
# the layout, loads the state there and replays it; the guest must read
# the same bytes, and the second device must hold what the guest set.
SRC=0000:00:02.0
DST=0000:00:03.0
sys=/sys/bus/pci/devices

# cfgbytes ADDR OFF COUNT: bytes of the config space, as hex, via sysfs.
cfgbytes() {
	dd if="$sys/$1/config" bs=1 skip=$(($2)) count="$3" 2>/dev/null |
		hexdump -v -e '1/1 "%02x"'
}

# capoff ADDR NAME: a capability's offset as `pcilayout show` lists it.
capoff() {
	pcilayout show "$1" | sed -n "s/^.*\[\([0-9a-f]*\)\] [a-z]* len .* $2 .*/0x\1/p" | head -n 1
}

load_vfio && ok "the vfio modules load" || not_ok "the vfio modules load"
dsn=$(capoff "$SRC" dsn)
exp=$(capoff "$SRC" exp)
[ -n "$dsn" ] && [ -n "$exp" ] && ok "the e1000e has a DSN ($dsn) and a PCI Express capability ($exp)" ||
	not_ok "the e1000e has a DSN and a PCI Express capability"
sa=$(cfgbytes "$SRC" $((dsn + 4)) 8) sb=$(cfgbytes "$DST" $((dsn + 4)) 8)
[ -n "$sa" ] && [ "$sa" != "$sb" ] && ok "the two functions' serial numbers differ ($sa, $sb)" ||
	not_ok "the two functions' serial numbers differ ('$sa', '$sb')"
for fn in $SRC $DST; do
	bind_vfio "$fn" && ok "$fn bound to vfio-pci" || not_ok "$fn bound to vfio-pci"
done

# The operator's layout for the pool: the source's, with the serial the
# operator chooses in place of each function's own.
expect_exit 0 "plan the source through VFIO, with a virtual DSN" \
	pcilayout plan --add dsn --dsn 0x5043 -o /tmp/mig.json "vfio:$SRC"
expect_exit 0 "check says the destination can realize the layout" \
	pcilayout check /tmp/mig.json "vfio:$DST"

devctl=$(printf '0x%x' $((exp + 8)))
cat >/tmp/mig.trace <<TRACE
# the guest's enumeration and a driver's probe on the source
enumerate
w 1 0x0c 0x10
w 2 0x04 0x0006
msix on
# the migration: the destination is the second function
migrate $DST
hold /tmp/mig.hold
# the guest resets the function (Initiate FLR in Device Control)
r 2 $devctl
w 2 $devctl 0x8000
r 2 0x04
TRACE
rm -f /tmp/mig.hold
pcl-example-vmm --vfio "$SRC" /tmp/mig.json /tmp/mig.trace >/tmp/vmm.out 2>/tmp/vmm.err &
vmm=$!
i=0
while [ ! -e /tmp/mig.hold ] && [ $i -lt 300 ] && kill -0 $vmm 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if [ -e /tmp/mig.hold ]; then
	ok "the VMM runs the guest on the destination"
	cmd=$(cfgbytes "$DST" 4 1)
	[ $((0x$cmd & 0x6)) -eq 6 ] && ok "the destination device holds the guest's command register (memory, bus master: $cmd)" ||
		not_ok "the destination device holds the guest's command register ($cmd)"
	cl=$(cfgbytes "$DST" 0x0c 1)
	[ "$cl" = 10 ] && ok "the destination device holds the guest's cache line size" ||
		not_ok "the destination device holds the guest's cache line size ($cl)"
	msix=$(capoff "$DST" msix)
	ctl=$(cfgbytes "$DST" $((msix + 3)) 1)
	[ $((0x$ctl & 0x80)) -ne 0 ] && ok "the kernel enabled MSI-X on the destination device" ||
		not_ok "MSI-X enabled on the destination device ($ctl)"
	rm -f /tmp/mig.hold
else
	not_ok "the VMM runs the guest on the destination"
fi
wait $vmm
rc=$?
cp /tmp/vmm.out /tmp/out
cp /tmp/vmm.err /tmp/err
[ $rc -eq 0 ] && ok "the example VMM ran the trace" || not_ok "the example VMM ran the trace (exit $rc)"
expect_grep /tmp/vmm.out "check: the device can realize the layout" "the VMM checked the destination"
expect_grep /tmp/vmm.out "every dword identical" "the guest reads every byte the same on the destination"
expect_grep /tmp/vmm.out "hook: command at 0x004: 0x0000 -> 0x0006" "replay reports the command register"
[ "$(grep -c 'VFIO_DEVICE_SET_IRQS: MSI-X on' /tmp/vmm.out)" -eq 2 ] &&
	ok "MSI-X set up on the source, then by replay on the destination" ||
	not_ok "MSI-X set up on the source, then by replay on the destination"
expect_grep /tmp/vmm.out "hook: FLR" "Initiate FLR raises an event"
expect_grep /tmp/vmm.out "VFIO_DEVICE_RESET: done" "the VMM resets the device on the FLR event"
expect_grep /tmp/vmm.out "hook: command at 0x004: 0x0006 -> 0x0000" "the FLR resets the emulated command register"
