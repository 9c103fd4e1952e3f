#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run.sh - the real-kernel end-to-end suite, host side (docs/testing.md).
#
# Boots Debian's kernel under QEMU (TCG: no KVM needed) with an emulated
# Intel IOMMU and emulated PCIe devices (an SR-IOV NVMe controller, e1000e,
# virtio behind root ports, a switch), from an initramfs holding busybox,
# the kernel's vfio modules and the just-built tool, library and example
# VMM. Inside, tests/e2e/guest/checks.sh drives sysfs, real VFs and
# vfio-pci and prints one TAP line per check; this script collects them
# from the serial console and prints TAP for meson, which counts every
# check. Several boots: each scenario (boots.txt) is one QEMU run.
#
# Without QEMU, busybox, cpio or a kernel, it reports a skip (TAP "1..0 #
# SKIP"), never a pass. PCL_E2E_KERNEL=/path/to/vmlinuz picks a kernel
# (its modules must be in /lib/modules/VERSION); PCL_E2E_ONLY=NAME runs one
# boot of boots.txt (while working on it; make check runs them all).
set -u

src=${PCL_SRCDIR:?}
bld=${PCL_BUILDDIR:?}
here=$src/tests/e2e
work=$bld/e2e
mkdir -p "$work" || exit 1

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (scripts/bootstrap.sh installs qemu-system-x86)"
busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list 2>/dev/null | grep -qx insmod ||
	skip "no static busybox (package busybox-static)"
command -v cpio >/dev/null || skip "cpio not installed"
kernel=${PCL_E2E_KERNEL:-}
if [ -z "$kernel" ]; then
	for k in /boot/vmlinuz-*-cloud-amd64 /boot/vmlinuz-*; do
		[ -r "$k" ] && kernel=$k && break
	done
fi
[ -n "$kernel" ] && [ -r "$kernel" ] || skip "no readable kernel in /boot (package linux-image-cloud-amd64)"
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[ -d "$moddir" ] || skip "no modules for $kver in $moddir"

sh "$here/mkinitramfs.sh" "$src" "$bld" "$moddir" "$work/initrd" >"$work/mkinitramfs.log" 2>&1 ||
	{ echo "1..1"; echo "not ok 1 - building the initramfs failed"; sed 's/^/# /' "$work/mkinitramfs.log"; exit 1; }

n=0
failed=0
boots=0
t0=$(date +%s)
# One boot per scenario line: NAME, kernel command-line additions, QEMU
# device arguments.
while IFS='|' read -r name append devices; do
	case "$name" in ''|'#'*) continue ;; esac
	[ -n "${PCL_E2E_ONLY:-}" ] && [ "$name" != "$PCL_E2E_ONLY" ] && continue
	log=$work/$name.console
	boots=$((boots + 1))
	initrd=$work/initrd
	# The parity boot runs Debian's QEMU inside: its archive has QEMU.
	case $name in
	qemu*)
		initrd=$work/initrd-qemu
		if [ ! -r "$initrd" ]; then
			echo "ok $((n + 1)) - $name # SKIP qemu-system-x86_64, its TCG module or SeaBIOS missing"
			n=$((n + 1))
			continue
		fi ;;
	esac
	# shellcheck disable=SC2086 # device arguments are words on purpose
	timeout 240 "$qemu" -M q35 -m 1024,maxmem=4G,slots=4 -smp 1 -nodefaults -no-reboot \
		-display none -monitor none -serial stdio \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 e2e.scenario=$name $append" \
		$devices </dev/null >"$log" 2>&1
	rc=$?
	# Checks arrive as "E2E: ok - text" / "E2E: not ok - text" lines.
	sed -n 's/\r$//; s/^.*E2E: //p' "$log" >"$work/$name.tap"
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1))
			status=${line%% - *}
			text=${line#* - }
			echo "$status $n - $name: $text"
			[ "$status" = "ok" ] || failed=$((failed + 1))
			;;
		"#"*) echo "$line" ;;
		esac
	done <"$work/$name.tap"
	if ! grep -q '^END$' "$work/$name.tap"; then
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - $name: the guest did not finish (qemu exit $rc); console tail:"
		tail -n 30 "$log" | sed 's/^/# /'
	fi
done <"$here/boots.txt"
echo "1..$n"
echo "# e2e: $n checks, $failed failed, $boots boots, $(($(date +%s) - t0)) s (kernel $kver)"
[ "$failed" -eq 0 ]
