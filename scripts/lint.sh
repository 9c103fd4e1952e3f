#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# lint.sh [BUILD]: `make lint`. clang-tidy (with the checked-in .clang-tidy,
# using BUILD/compile_commands.json) and cppcheck over the C sources of
# lib/, tools/ and fuzz/. Any warning fails: the tree is kept at zero, and
# a false positive is suppressed where it occurs, with a reason (cppcheck:
# scripts/cppcheck.supp; clang-tidy: NOLINT(check) comment).
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}
status=0

if [ ! -f "$build/compile_commands.json" ]; then
	echo "lint: $build/compile_commands.json missing: run make first" >&2
	exit 2
fi
files=$(find lib tools fuzz -name '*.c' | sort)

echo "lint: clang-tidy on $(echo "$files" | wc -l) files"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# One process per file in parallel; --quiet drops the "N warnings
# generated" chatter, so anything printed is a finding.
if ! echo "$files" | xargs -P "$jobs" -n 1 clang-tidy -p "$build" --quiet \
	--extra-arg=-Wno-unknown-warning-option >"$out" 2>&1; then
	status=1
fi
grep -E 'warning:|error:' "$out" | sort -u || true
if [ "$status" -ne 0 ] || grep -qE 'warning:|error:' "$out"; then
	echo "lint: clang-tidy FAILED"
	status=1
else
	echo "lint: clang-tidy clean"
fi

echo "lint: cppcheck"
# One job: with -j, cppcheck 2.10 skips its whole-program (ctu*) checks,
# so the result would depend on the machine's core count. It takes seconds.
if cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
	--enable=warning,performance,portability \
	--suppressions-list=scripts/cppcheck.supp \
	-D_GNU_SOURCE -D__GNUC__ -DPCL_VERSION_STRING='"lint"' \
	-I include -I lib -I lib/core -I tests/lib \
	lib tools fuzz; then
	echo "lint: cppcheck clean"
else
	echo "lint: cppcheck FAILED"
	status=1
fi
exit $status
