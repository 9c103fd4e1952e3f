#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install what pcilayout needs to build and test, from Debian's packages,
# when it is missing. Safe to run again: it installs nothing when all is there.
# cargo, rustc and bindgen build and check the Rust crates (rust/), with
# Debian's rustc 1.63 as the oldest supported; abigail-tools checks the ABI.
# The last line is the real-kernel e2e suite (tests/e2e): QEMU, a static
# busybox and cpio for its initramfs, and Debian's cloud kernel, which has
# intel-iommu and NVMe built in and the vfio modules. frama-c-base runs the
# proof of the engine's guest-access path (proof/). llvm-19-dev: the
# headers fuzz/untraced.cpp, a pass plugin of the libFuzzer build, needs.
set -eu

pkgs="meson ninja-build pkg-config gcc libc6-dev libpci-dev pciutils pci.ids
libjansson-dev libmd-dev libxxhash-dev libdeflate-dev libcmocka-dev scdoc python3 python3-jsonschema
libxml2-utils
cargo rustc bindgen abigail-tools
clang clang-tidy cppcheck valgrind llvm libclang-rt-14-dev libtsan2 clang-19 libclang-rt-19-dev llvm-19-dev
frama-c-base
qemu-system-x86 busybox-static cpio linux-image-cloud-amd64"

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "bootstrap: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "bootstrap: need root to run: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
