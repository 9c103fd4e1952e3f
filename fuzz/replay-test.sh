#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# replay-test.sh TARGET REPLAY SEEDGEN: the 'fuzz-replay' meson test. Runs a
# fuzz target's replay program once over its generated seeds, the files the
# project ships that the target parses, and every crash ever found
# (tests/regressions/fuzz_TARGET/). Any crash or sanitizer report fails it.
set -eu
target=$1
replay=$2
seedgen=$3
src=${PCL_SRCDIR:?}
. "$src/fuzz/inputs.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
"$seedgen" "$t/seeds" "$src" >/dev/null

set --
[ -d "$t/seeds/$target" ] && set -- "$t/seeds/$target"
for d in $(fuzz_inputs "$target" "$src"); do
	set -- "$@" "$d"
done
"$replay" "$@"
