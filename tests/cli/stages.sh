#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The stage order of docs/design.md holds in the code: lib/meson.build
# builds the stages in pipeline order, and no stage calls a function of,
# or includes a private header of, a stage after it. Calls are read from
# the static archive's symbols (nm), includes from the sources.
. "$PCL_SRCDIR/tests/cli/lib.sh"

command -v nm >/dev/null 2>&1 || exit 77
sed -n "s/^subdir('\([a-z]*\)')$/\1/p" "$PCL_SRCDIR/lib/meson.build" >"$T/order"
nm "$PCL_BUILDDIR/lib/libpcilayout.a" >"$T/nm" 2>/dev/null
python3 - "$T/order" "$T/nm" "$PCL_SRCDIR/lib" >"$T/out" <<'PY'
import os, re, sys
order = open(sys.argv[1]).read().split()
rank = {s: i for i, s in enumerate(order)}
defs, uses, obj = {}, [], None
for line in open(sys.argv[2]):
    line = line.rstrip("\n")
    # lib/STAGE/x.c is STAGE_x.c.o; a generated STAGE-x.c (the quirk
    # stage's table of built-in quirks) is meson-generated_.._STAGE-x.c.o.
    m = (re.match(r"^meson-generated_(?:\.\._)*([a-z]+)-[\w.-]+\.o:$", line)
         or re.match(r"^(\w+?)_[\w.-]+\.o:$", line))
    if m:
        obj = m.group(1)
        continue
    p = line.split()
    if obj is None or not p:
        continue
    if len(p) == 3 and p[1] in "TDRBC":
        defs[p[2]] = obj
    elif len(p) == 2 and p[0] == "U":
        uses.append((obj, p[1]))
bad = 0
edges = set()
for st, sym in uses:
    d = defs.get(sym)
    if d is None or d == st:
        continue
    edges.add((st, d))
    if st not in rank or d not in rank or rank[d] > rank[st]:
        print(f"stage {st} calls {sym} of the later stage {d}")
        bad += 1
root = sys.argv[3]
for st in order:
    for f in sorted(os.listdir(os.path.join(root, st))):
        if not f.endswith((".c", ".h")):
            continue
        for inc in re.findall(r'#include "(\w+)/[\w.-]+"', open(os.path.join(root, st, f)).read()):
            if inc != st and (inc not in rank or rank[inc] > rank[st]):
                print(f"lib/{st}/{f} includes a header of the later stage {inc}")
                bad += 1
print(f"{len(order)} stages, {len(edges)} dependencies, {bad} backward")
PY
cat "$T/out"
if grep -q " 0 backward$" "$T/out"; then ok; else fail "a stage depends on a later one"; fi
# The order itself must be read, not assumed.
if [ "$(wc -l <"$T/order")" -ge 10 ]; then ok; else fail "lib/meson.build's stage order not found"; fi
finish
