#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# abi-check.sh [--update] [BUILD]: compare the ABI of BUILD's (default
# build/) libpcilayout.so with the committed baseline lib/libpcilayout.abi,
# with Debian's abigail-tools; docs/abi.md says when and how it changes.
#
# Both sides are abidw dumps of the same kind: only what the public headers
# (include/pcilayout) define - internal structs stay opaque, so changing
# them is no ABI change - without paths, locations or DT_NEEDED, so the
# dump depends on the ABI alone, not on the build directory.
#
# The check passes when abidiff finds no change other than added symbols.
# Exit 0 compatible, 1 an incompatible change (or a usage error), 77 the
# tools are missing.
# --update rewrites the baseline from BUILD (`make abi-baseline`).
set -eu
cd "$(dirname "$0")/.."
baseline=lib/libpcilayout.abi
update=0
if [ "${1:-}" = "--update" ]; then
	update=1
	shift
fi
build=${1:-build}
if ! command -v abidw >/dev/null 2>&1 || ! command -v abidiff >/dev/null 2>&1; then
	echo "abi-check: abidw/abidiff are missing (Debian package abigail-tools; scripts/bootstrap.sh installs it)" >&2
	exit 77
fi
so=$(ls "$build"/lib/libpcilayout.so.*.*.* 2>/dev/null | head -n 1)
if [ -z "$so" ]; then
	echo "abi-check: no libpcilayout.so.X.Y.Z in $build/lib: build first" >&2
	exit 1
fi
# abidw reads the types from DWARF: a build without -g has none to compare.
if ! readelf -S "$so" | grep -q '\.debug_info'; then
	echo "abi-check: $so has no debug info (build with -g, e.g. the default debugoptimized)" >&2
	exit 1
fi

dump() {
	abidw --no-corpus-path --no-comp-dir-path --no-show-locs \
		--no-elf-needed --drop-undefined-syms \
		--headers-dir include/pcilayout --drop-private-types \
		--out-file "$2" "$1"
}

if [ "$update" -eq 1 ]; then
	dump "$so" "$baseline"
	echo "abi-check: $baseline rewritten from $so; commit it with the change"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dump "$so" "$tmp/current.abi"
set +e
abidiff --no-added-syms "$baseline" "$tmp/current.abi" >"$tmp/diff" 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ]; then
	echo "abi-check: $so is compatible with $baseline"
	exit 0
fi
cat "$tmp/diff"
if [ $((rc & 3)) -ne 0 ]; then
	echo "abi-check: abidiff failed (exit $rc)" >&2
	exit 1
fi
echo "abi-check: the ABI of $so changed incompatibly (abidiff exit $rc; above)." >&2
echo "abi-check: if that is intended, follow docs/abi.md: run 'make abi-baseline' and commit" >&2
echo "abi-check: lib/libpcilayout.abi with the change; else restore what changed." >&2
exit 1
