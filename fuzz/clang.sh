#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# clang.sh: print the clang that builds the libFuzzer targets, the newest
# whose -fsanitize=fuzzer,address,undefined links (clang-19 from Debian 12's
# archive, scripts/bootstrap.sh, then plain clang: Debian 12's clang 14).
# Exit 1, printing nothing, when none links. Why the newest: clang 14's
# libFuzzer searches its list of rare features linearly for every feature
# of every input, LLVM 18 made it a bitset (BENCHMARKS.md, item 5).
set -u
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ return d && n ? 0 : 0; }' >"$probe/p.c"
for cc in ${FUZZ_CC:-clang-19 clang-18 clang}; do
	command -v "$cc" >/dev/null 2>&1 || continue
	if "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" \
		-o "$probe/p" >/dev/null 2>&1; then
		echo "$cc"
		exit 0
	fi
done
exit 1
