#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkinitramfs.sh SRCDIR BUILDDIR MODDIR OUT - the e2e guest's initramfs:
# static busybox, the kernel's vfio modules (with what they depend on, from
# modules.dep), the built pcilayout tool, library and example VMM with the
# shared libraries ldd names, pci.ids, and tests/e2e/guest/ as /e2e.
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
