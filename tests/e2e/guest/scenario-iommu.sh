# SPDX-License-Identifier: BSD-3-Clause
# scenario-iommu.sh - the real path with an IOMMU: VF identity, VFIO as a
# source, the same layout through sysfs and VFIO for every PCIe function,
# the engine over a real VF, and the messages a user meets on the way.
PF=0000:00:03.0
VF=0000:00:03.1
sys=/sys/bus/pci/devices

# PCIe endpoints (4096-byte config space, not a bridge), in bus order.
endpoints() {
	for d in "$sys"/*; do
		[ "$(stat -c %s "$d/config")" -eq 4096 ] || continue
		case "$(cat "$d/class")" in 0x06*) continue ;; esac
		basename "$d"
	done
}

# cfgword ADDR OFF: the 16-bit register at OFF as sysfs shows it, in hex.
cfgword() {
	dd if="$sys/$1/config" bs=1 skip=$(($2)) count=2 2>/dev/null |
		hexdump -e '1/2 "%04x"'
}

# A user who is not root, for the permission checks.
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >/etc/passwd
echo 'nogroup:x:65534:' >/etc/group

# --- before vfio-pci is loaded -------------------------------------------
expect_exit 2 "vfio: without vfio-pci, show vfio:ADDR fails" \
	pcilayout show vfio:0000:00:02.0
expect_grep /tmp/err "vfio-pci driver is not loaded: run 'modprobe vfio-pci'" \
	"vfio: the message says to load vfio-pci"

load_vfio && ok "the vfio modules load" || not_ok "the vfio modules load"

# --- SR-IOV: two real VFs, left without a driver ---------------------------
echo 0 >"$sys/$PF/sriov_drivers_autoprobe"
echo 2 >"$sys/$PF/sriov_numvfs"
[ -e "$sys/$VF/physfn" ] && ok "sriov: 2 VFs created" || not_ok "sriov: 2 VFs created"

# --- VF identity ----------------------------------------------------------
vid=$(sed 's/^0x//' "$sys/$VF/vendor") did=$(sed 's/^0x//' "$sys/$VF/device")
expect_exit 0 "identity: show of a VF through sysfs" pcilayout show "$VF"
head -n 1 /tmp/out >/tmp/line
expect_grep /tmp/line "[$vid:$did]" "identity: show names the VF $vid:$did, as the kernel does"
expect_grep /tmp/line "QEMU NVM Express Controller" "identity: show finds the VF's name"
expect_grep /tmp/line "(VF)" "identity: show marks the VF"
if grep -q ffff /tmp/line; then not_ok "identity: no 0xffff ID in the device line"; else ok "identity: no 0xffff ID in the device line"; fi
expect_exit 0 "identity: show --json of the VF" pcilayout show --json "$VF"
expect_grep /tmp/out '"ids_from_pf": true' "identity: JSON says the IDs are the kernel's VF identity"
expect_exit 0 "identity: plan of the VF through sysfs" pcilayout plan "$VF"
expect_grep /tmp/out "\"device\": \"0x$did\"" "identity: the plan matches the VF's device ID"
expect_grep /tmp/out "\"vendor\": \"0x$vid\"" "identity: the plan matches the VF's vendor ID"

# --- what a user meets on the way to VFIO ---------------------------------
expect_exit 2 "vfio: a function bound to nvme is refused" pcilayout show "vfio:$PF"
expect_grep /tmp/err "bound to the nvme driver, not vfio-pci" "vfio: the message names the driver"
expect_exit 2 "vfio: a function bound to no driver is refused" pcilayout show "vfio:$VF"
expect_grep /tmp/err "not bound to any driver: bind it to vfio-pci" "vfio: the message says how to bind"
expect_exit 2 "vfio: a cdev path on a kernel without cdevs is refused" \
	pcilayout show vfio:/dev/vfio/devices/vfio0
expect_grep /tmp/err "Linux 6.6" "vfio: the message says cdevs need Linux 6.6"

# --- the same layout through sysfs and through VFIO ------------------------
# same_layout ADDR: plan ADDR through sysfs, bind it to vfio-pci, plan it
# through VFIO; the layouts must be one.
same_layout() {
	fs=$(fingerprint_of "$1")
	cp /tmp/plan.json "/tmp/$1.sysfs.json" 2>/dev/null
	[ -n "$fs" ] && ok "$1: planned through sysfs" || not_ok "$1: planned through sysfs"
	pcilayout show -x "$1" >"/tmp/$1.sysfs.lspci" 2>&1
	if bind_vfio "$1"; then ok "$1: bound to vfio-pci"; else not_ok "$1: bound to vfio-pci"; return; fi
	fv=$(fingerprint_of "vfio:$1")
	cp /tmp/plan.json "/tmp/$1.vfio.json" 2>/dev/null
	[ -n "$fv" ] && ok "$1: planned through VFIO" || not_ok "$1: planned through VFIO"
	expect_eq "$fv" "$fs" "$1: the same fingerprint through VFIO and sysfs"
	expect_exit 0 "$1: diff of the two layouts" \
		pcilayout diff "/tmp/$1.sysfs.json" "/tmp/$1.vfio.json"
	expect_grep /tmp/out "identical" "$1: diff's verdict is 'identical'"
	pcilayout show -q "vfio:$1" 2>/dev/null | head -n 1 >/tmp/a
	head -n 1 "/tmp/$1.sysfs.lspci" >/tmp/b
	expect_eq "$(cat /tmp/a)" "$(cat /tmp/b)" "$1: the same identity through VFIO and sysfs"
}

n=0 pfs=""
for e in $(endpoints); do
	n=$((n + 1))
	# vfio-pci binds a PF only once its VFs are gone: at the end.
	if [ "$(cat "$sys/$e/sriov_numvfs" 2>/dev/null || echo 0)" -gt 0 ]; then
		pfs="$pfs $e"
		continue
	fi
	same_layout "$e"
done
[ "$n" -ge 8 ] && ok "endpoints: $n PCIe functions" || not_ok "endpoints: only $n PCIe functions found"

# What an unprivileged VMM sees: the kernel's view. The CXL device's
# capabilities are all hidden by this kernel's vfio-pci, so they are
# unlinked; only root (through sysfs) sees their links.
cxl=$(for e in $(endpoints); do [ "$(cat "$sys/$e/class")" = 0x050210 ] && echo "$e"; done)
if [ -n "$cxl" ]; then
	grp=$(basename "$(readlink "$sys/$cxl/iommu_group")")
	chown 65534 "/dev/vfio/$grp" /dev/vfio/vfio
	expect_exit 0 "$cxl: a user with the group's node reads it through VFIO" \
		su -s /bin/sh -c "pcilayout show vfio:$cxl" nobody
	expect_grep /tmp/out "Orphans (headers no chain reaches" "$cxl: that user sees vfio-pci's unlinked capabilities"
	expect_exit 0 "$cxl: root reads it through VFIO" pcilayout show "vfio:$cxl"
	if grep -q Orphans /tmp/out; then not_ok "$cxl: root sees the device's own links"; else ok "$cxl: root sees the device's own links"; fi
	chown 0 "/dev/vfio/$grp" /dev/vfio/vfio
else
	not_ok "a CXL device is there"
fi

# --- permissions ------------------------------------------------------------
expect_exit 2 "vfio: a user without access to the group is refused" \
	su -s /bin/sh -c "pcilayout show vfio:$VF" nobody
expect_grep /tmp/err "permission denied: run as root" "vfio: the message says who may open it"

# --- the engine over a real VF ---------------------------------------------
pcilayout plan -o /tmp/vf.json "$VF" >/tmp/out 2>/tmp/err || not_ok "engine: plan the VF"
expect_exit 0 "engine: synth the guest image of the VF's plan" \
	pcilayout synth /tmp/vf.json "vfio:$VF" -o /tmp/vf.img
cat >/tmp/vf.trace <<'TRACE'
# a guest's enumeration, then a driver's probe
enumerate
compare /tmp/vf.img
w 2 0x04 0x0006
msix on
hold /tmp/vmm.hold
msix off
TRACE
rm -f /tmp/vmm.hold
pcl-example-vmm --vfio "$VF" /tmp/vf.json /tmp/vf.trace >/tmp/vmm.out 2>/tmp/vmm.err &
vmm=$!
i=0
while [ ! -e /tmp/vmm.hold ] && [ $i -lt 300 ] && kill -0 $vmm 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if [ -e /tmp/vmm.hold ]; then
	ok "engine: the VMM reached the point where MSI-X is on"
	cmd=$(cfgword "$VF" 0x04)
	[ $((0x$cmd & 0x4)) -ne 0 ] && ok "engine: the device holds bus master, as the guest wrote (command $cmd)" ||
		not_ok "engine: the device holds bus master (command $cmd)"
	msix=$(pcilayout show --json "$VF" | sed -n '/"name": "msix"/,/offset/s/.*"offset": "0x\([0-9a-f]*\)".*/\1/p')
	ctl=$(cfgword "$VF" $((0x$msix + 2)))
	[ $((0x$ctl & 0x8000)) -ne 0 ] && ok "engine: the kernel enabled MSI-X on the device (control $ctl)" ||
		not_ok "engine: MSI-X enabled on the device (control $ctl)"
	rm -f /tmp/vmm.hold
else
	not_ok "engine: the VMM reached the point where MSI-X is on"
fi
wait $vmm
rc=$?
cp /tmp/vmm.out /tmp/out
cp /tmp/vmm.err /tmp/err
[ $rc -eq 0 ] && ok "engine: the example VMM ran the trace" || not_ok "engine: the example VMM ran the trace (exit $rc)"
expect_grep /tmp/vmm.out "id $vid:$did" "engine: the guest reads the VF's real IDs at 0x00"
expect_grep /tmp/vmm.out "pin 0" "engine: the guest reads interrupt pin 0, as vfio-pci shows a VF"
size=$(sed -n '1s/^0x\([0-9a-f]*\) 0x\([0-9a-f]*\) .*/\1 \2/p' "$sys/$VF/resource")
size=$(printf '0x%x' $((0x${size#* } - 0x${size% *} + 1)))
expect_grep /tmp/vmm.out "bar 0: mem64 size $size" "engine: BAR0 sizes to the VF's $size, 64-bit, with no size given"
expect_grep /tmp/vmm.out "compare: 0 of 4096 bytes differ" "engine: the guest reads exactly the synthesized image"
expect_grep /tmp/vmm.out "VFIO_DEVICE_SET_IRQS: MSI-X on" "engine: MSI-X enable reaches VFIO"

# --- a PF: vfio-pci takes it once its VFs are gone -------------------------
for pf in $pfs; do
	basename "$(readlink "$sys/$pf/driver")" >"/tmp/$pf.driver"
	echo "$pf" >"$sys/$pf/driver/unbind"
	expect_exit 2 "$pf: vfio: a PF with VFs enabled is refused" pcilayout show "vfio:$pf"
	expect_grep /tmp/err "does not bind a PF whose VFs are enabled" "$pf: vfio: the message says to disable the VFs"
	# Disabling VFs needs the PF's driver: give it back first.
	drv=$(cat "/tmp/$pf.driver")
	echo "$pf" >"/sys/bus/pci/drivers/$drv/bind"
	echo 0 >"$sys/$pf/sriov_numvfs" && ok "$pf: VFs disabled" || not_ok "$pf: VFs disabled"
	same_layout "$pf"
done
[ -n "$pfs" ] && ok "a PF with SR-IOV was compared ($pfs)" || not_ok "a PF with SR-IOV was compared"
