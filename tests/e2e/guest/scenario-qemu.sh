# SPDX-License-Identifier: BSD-3-Clause
# scenario-qemu.sh - QEMU parity, checked against QEMU itself: for every
# function vfio-pci can take, Debian's QEMU (run here under qtest, with
# -device vfio-pci) and `pcilayout synth` of the default plan must show a
# guest the same config space, byte for byte, outside the run-time state a
# VMM owns (docs/planner.md, "QEMU parity").
. ./qemu-view.sh
sys=/sys/bus/pci/devices
PF=0000:00:03.0

# runtime_mask OFFSET QEMU_BYTE: the bits of OFFSET that a running guest
# and its VMM own, in which QEMU's view and a fresh image may differ: the
# command register (QEMU sets SERR at realize), interrupt and error status
# bits, the interrupt line firmware programs, and BAR address bits (not
# their type bits: firmware programs the addresses, and before it runs
# QEMU 7.2 shows an I/O BAR's as 0x0101xx where synth shows 0). The upper
# half of a 64-bit BAR ($upper, from QEMU's own BAR types) is all address.
# Everything else is compared, the ROM BAR included.
runtime_mask() {
	case $1 in
	4|5|60) echo 255 ;;
	6) echo 8 ;;
	7) echo 249 ;;
	16|20|24|28|32|36)
		case " $upper " in *" $1 "*) echo 255 ;; *)
			[ $((0x$2 & 1)) -eq 1 ] && echo 252 || echo 240 ;; esac ;;
	17|18|19|21|22|23|25|26|27|29|30|31|33|34|35|37|38|39) echo 255 ;;
	*) echo 0 ;;
	esac
}

# upper_halves DUMP: the offsets of BARs that are the upper half of a
# 64-bit memory BAR.
upper_halves() {
	for b in 16 20 24 28 32; do
		v=$(sed -n "$((b + 1))p" "$1" | cut -d' ' -f2)
		[ $((0x$v & 7)) -eq 4 ] && echo $((b + 4))
	done
}

# compare E: hand E to vfio-pci, and compare QEMU's view of it with synth
# of its default plan, and with its imported layout.
compare() {
	e=$1
	bind_vfio "$e" || { not_ok "$e: bound to vfio-pci"; return; }
	if ! qemu_view "$e" "/tmp/$e.qemu"; then
		tail -n 8 /tmp/qtest.err >/tmp/err
		tail -n 3 /tmp/qtest.out >/tmp/out
		not_ok "$e: QEMU answered 1024 config reads ($(wc -l </tmp/qtest.words) did)"
		return
	fi
	pcilayout plan -o "/tmp/$e.json" "vfio:$e" >/tmp/out 2>/tmp/err &&
	pcilayout synth -f lspci "/tmp/$e.json" "vfio:$e" -o "/tmp/$e.synth" >/tmp/out 2>/tmp/err ||
		{ not_ok "$e: plan and synth"; return; }
	dump_bytes "/tmp/$e.qemu" >/tmp/qb
	dump_bytes "/tmp/$e.synth" >/tmp/sb
	upper=$(upper_halves /tmp/qb | tr '\n' ' ')
	paste -d' ' /tmp/qb /tmp/sb | while read -r off q _ s; do
		[ "$q" = "$s" ] && continue
		[ $(((0x$q ^ 0x$s) & ~$(runtime_mask "$off" "$q") & 255)) -eq 0 ] && continue
		printf '0x%03x: QEMU %s, synth %s\n' "$off" "$q" "$s"
	done >/tmp/out
	if [ -s /tmp/out ]; then
		: >/tmp/err
		not_ok "$e: synth equals QEMU's view outside run-time state ($(wc -l </tmp/out) bytes differ)"
	else
		ok "$e: synth equals QEMU's view outside run-time state"
	fi
	# The running VM's view written down (revision 0) is the default
	# plan's guest view: diff calls them identical.
	pcilayout plan --import qemu -o "/tmp/$e.imported.json" "vfio:$e" >/tmp/out 2>/tmp/err &&
	pcilayout diff "/tmp/$e.imported.json" "/tmp/$e.json" >/tmp/out 2>/tmp/err &&
		grep -q "^Verdict: identical" /tmp/out &&
		ok "$e: the imported layout is the default plan's view" ||
		not_ok "$e: the imported layout is the default plan's view"
	n=$((n + 1))
}

load_vfio && ok "the vfio modules load" || not_ok "the vfio modules load"
n=0
# The SR-IOV PF first: vfio-pci (without enable_sriov) cannot enable VFs,
# so it goes back to nvme for that.
compare "$PF"
echo >"$sys/$PF/driver_override"
echo "$PF" >"$sys/$PF/driver/unbind"
echo "$PF" >/sys/bus/pci/drivers_probe
echo 0 >"$sys/$PF/sriov_drivers_autoprobe"
echo 2 >"$sys/$PF/sriov_numvfs" &&
	ok "$PF: back with nvme, two VFs enabled" ||
	not_ok "$PF: back with nvme, two VFs enabled"
for d in "$sys"/*; do
	e=$(basename "$d")
	[ "$(stat -c %s "$d/config")" -eq 4096 ] || continue
	case "$(cat "$d/class")" in 0x06*) continue ;; esac
	[ "$e" = "$PF" ] && continue
	compare "$e"
done
[ "$n" -ge 7 ] && ok "parity: $n functions compared with QEMU" || not_ok "parity: only $n functions compared"
