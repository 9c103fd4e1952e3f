# SPDX-License-Identifier: BSD-3-Clause
# scenario-noiommu.sh - no IOMMU: sysfs still serves the layout; VFIO says
# what is missing.
sys=/sys/bus/pci/devices
load_vfio && ok "the vfio modules load" || not_ok "the vfio modules load"
expect_exit 0 "sysfs: show reads every function" pcilayout show
expect_exit 0 "sysfs: plan of the e1000e" pcilayout plan 0000:00:02.0
echo vfio-pci >"$sys/0000:00:02.0/driver_override"
echo 0000:00:02.0 >/sys/bus/pci/drivers_probe
expect_exit 2 "vfio: a function without an IOMMU group is refused" \
	pcilayout show vfio:0000:00:02.0
expect_grep /tmp/err "no IOMMU group: turn the IOMMU on" "vfio: the message says to turn the IOMMU on"
