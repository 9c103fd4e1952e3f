#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkinitramfs.sh SRCDIR BUILDDIR MODDIR OUT - the e2e guest's initramfs:
# static busybox, the kernel's vfio modules (with what they depend on, from
# modules.dep), the built pcilayout tool, library and example VMM with the
# shared libraries ldd names, pci.ids, and tests/e2e/guest/ as /e2e. Also
# OUT-qemu, the same plus Debian's QEMU for the parity boot: its TCG
# accelerator (a module), SeaBIOS (the only firmware -nodefaults needs) and
# its libraries; a second archive, because the kernel unpacks
# concatenated archives and only that boot pays for QEMU's size.
set -eu
src=$1 bld=$2 moddir=$3 out=$4
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/run" "$root/etc" "$root/usr/share/misc" "$root/lib/modules"
cp /bin/busybox "$root/bin/busybox"

# The vfio stack, in load order; modules.dep gives each one's dependencies.
mods="vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci"
: >"$root/lib/modules/load-order"
for m in $mods; do
	path=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | cut -d: -f1)
	[ -n "$path" ] || { echo "module $m not in $moddir/modules.dep" >&2; exit 1; }
	deps=$(grep -E "^$path:" "$moddir/modules.dep" | cut -d: -f2)
	for p in $(echo "$deps" | tr ' ' '\n' | tac) $path; do
		b=$(basename "$p")
		[ -e "$root/lib/modules/$b" ] && continue
		cp "$moddir/$p" "$root/lib/modules/$b"
		echo "$b" >>"$root/lib/modules/load-order"
	done
done

# Programs and every shared library they need, at the same paths.
progs="$bld/tools/pcilayout $bld/examples/vmm/pcl-example-vmm"
mkdir -p "$root/usr/bin" "$root/usr/lib"
for p in $progs; do
	cp "$p" "$root/usr/bin/"
done
cp "$bld"/lib/libpcilayout.so.0 "$root/usr/lib/"
for lib in $(for p in $progs "$bld/lib/libpcilayout.so.0"; do
		LD_LIBRARY_PATH=$bld/lib ldd "$p"
	done | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | sort -u); do
	case "$lib" in "$bld"/*) continue ;; esac
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
for ids in /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids; do
	[ -r "$ids" ] && cp "$ids" "$root/usr/share/misc/pci.ids" && break
done
# The quirk database, as an installed one would be.
mkdir -p "$root/usr/share/pcilayout"
cp -r "$src/data/quirks" "$root/usr/share/pcilayout/quirks"
mkdir -p "$root/e2e"
cp "$src"/tests/e2e/guest/* "$root/e2e/"
mv "$root/e2e/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -H newc -o --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"

# The QEMU archive: only what the base archive lacks.
qemu=$(command -v qemu-system-x86_64 || true)
qmod=/usr/lib/x86_64-linux-gnu/qemu
rm -f "$out-qemu"
[ -n "$qemu" ] && [ -r "$qmod/accel-tcg-x86_64.so" ] &&
	[ -r /usr/share/seabios/bios-256k.bin ] || exit 0
q=$(mktemp -d)
trap 'rm -rf "$root" "$q"' EXIT
chmod 755 "$q"
mkdir -p "$q/usr/bin" "$q$qmod" "$q/usr/share/qemu"
cp "$qemu" "$q/usr/bin/"
cp "$qmod/accel-tcg-x86_64.so" "$q$qmod/"
cp /usr/share/seabios/bios-256k.bin "$q/usr/share/qemu/"
for lib in $(ldd "$qemu" "$qmod/accel-tcg-x86_64.so" |
	sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | sort -u); do
	[ -e "$root$lib" ] && continue
	mkdir -p "$q$(dirname "$lib")"
	cp -L "$lib" "$q$lib"
done
(cd "$q" && find . | cpio -H newc -o --quiet) | gzip -1 >"$out-qemu.tmp"
cat "$out" "$out-qemu.tmp" >"$out-qemu"
rm -f "$out-qemu.tmp"
