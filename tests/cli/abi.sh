#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ABI hygiene: the shared library exports exactly the PCL_EXPORT functions
# declared in the public headers, and the headers compile as C++ too.
. "$PCL_SRCDIR/tests/cli/lib.sh"

so=$(ls "$PCL_BUILDDIR"/lib/libpcilayout.so.0.* | head -n 1)
nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$T/exported"
python3 - "$PCL_SRCDIR/include/pcilayout" >"$T/declared" <<'PY'
import os, re, sys
names = set()
for f in os.listdir(sys.argv[1]):
    text = open(os.path.join(sys.argv[1], f)).read()
    names.update(re.findall(r"PCL_EXPORT[^;{(]*?\b(pcl_\w+)\s*\(", text))
print("\n".join(sorted(names)))
PY
if diff -u "$T/declared" "$T/exported" >"$T/diff"; then
	ok
else
	fail "exported symbols differ from the public headers (- declared, + exported)"
	cat "$T/diff" >&2
fi
if [ "$(wc -l <"$T/declared")" -gt 10 ]; then ok; else fail "too few declarations parsed"; fi
if nm -D --defined-only "$so" | grep -q ' PCILAYOUT_0$'; then ok; else fail "no PCILAYOUT_0 version node"; fi

if command -v g++ >/dev/null 2>&1; then
	printf '#include <pcilayout/pcilayout.h>\nint main() { return pcl_version() == 0; }\n' >"$T/cxx.cc"
	expect_exit 0 "headers compile as C++" -- g++ -fsyntax-only -Wall -Wextra -Werror -I"$PCL_SRCDIR/include" "$T/cxx.cc"
fi
finish
