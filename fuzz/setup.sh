#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# setup.sh BUILDDIR [CC]: configure BUILDDIR as the libFuzzer build that
# `make fuzz` and scripts/check-hardening.sh run (-Dfuzzing=true, ASan +
# UBSan), with CC (default: what fuzz/clang.sh picks). A BUILDDIR set up
# with another compiler, other options or another fuzz/nocov.txt is set up
# anew: meson cannot change a build directory's compiler.
set -eu
fz=$1
src=$(cd "$(dirname "$0")/.." && pwd)
cc=${2:-$(sh "$src/fuzz/clang.sh" || true)}
if [ -z "$cc" ]; then
	echo "fuzz: no clang whose libFuzzer links (run scripts/bootstrap.sh)" >&2
	exit 1
fi
# fuzz/nocov.txt goes to every object, the library's too (see there).
# -Qunused-arguments: meson's compiler checks run without coverage, where
# clang would call the ignorelist an unused argument and fail them.
# -fno-sanitize-recover=all: every UBSan check as before, each stopping the
# run at its first report, as UBSAN_OPTIONS=halt_on_error=1 (fuzz/run.sh)
# already did. A recoverable check's report path rejoins the code after
# it, and SanitizerCoverage counted the edge past every check: 4,200 of
# fuzz_walk's 5,900 "edges" were UBSan's, and libFuzzer collected 3.7
# times the features for each input. A check that cannot return leaves
# one path on: fuzz_walk ran 1.3-1.7x, fuzz_vdev 1.2-1.3x as many inputs
# in 20 s, and their kept inputs reach the same edges of the library
# (BENCHMARKS.md, item 5, eighth pass).
set -- -Dfuzzing=true -Dtests=false -Db_sanitize=address,undefined \
	-Db_lundef=false -Dwerror=true -Dbuildtype=debugoptimized \
	"-Dc_args=['-Qunused-arguments','-fno-sanitize-recover=all','-fsanitize-coverage-ignorelist=$src/fuzz/nocov.txt']"
# The ignorelist is no dependency ninja knows: a change of it sets up anew.
want="$cc $* $(cksum <"$src/fuzz/nocov.txt")"
if [ -f "$fz/build.ninja" ] && [ "$(cat "$fz/fuzz-setup" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
rm -rf "$fz"
# Sanitizer builds must not inherit a developer's $CFLAGS.
env -u CFLAGS -u LDFLAGS CC="$cc" meson setup "$fz" "$@" >/dev/null
echo "$want" >"$fz/fuzz-setup"
