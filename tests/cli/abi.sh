#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ABI (docs/abi.md): the shared library exports exactly the PCL_EXPORT
# functions of the public headers, each in the version node
# lib/libpcilayout.sym lists it in; released nodes are frozen; abidiff
# finds no incompatible change from the baseline lib/libpcilayout.abi; and
# the headers compile as C++ too.
. "$PCL_SRCDIR/tests/cli/lib.sh"

so=$(ls "$PCL_BUILDDIR"/lib/libpcilayout.so.0.* | head -n 1)
nm -D --defined-only "$so" | awk '$2 == "T" { split($3, s, "@"); print s[1], s[length(s)] }' |
	sort -u >"$T/exported"
python3 - "$PCL_SRCDIR" "$T/exported" >"$T/verdicts" <<'PY'
import os, re, sys

src, exported_file = sys.argv[1], sys.argv[2]
inc = os.path.join(src, "include", "pcilayout")
symfile = os.path.join(src, "lib", "libpcilayout.sym")
baseline = os.path.join(src, "lib", "libpcilayout.abi")


def check(cond, msg):
    print("ok" if cond else "fail " + msg)


declared = set()
for f in sorted(os.listdir(inc)):
    text = open(os.path.join(inc, f)).read()
    declared.update(re.findall(r"PCL_EXPORT[^;{(]*?\b(pcl_\w+)\s*\(", text))
check(len(declared) > 10, "too few declarations parsed")

# name -> version from the library; a symbol without a version has "".
exported = {}
for line in open(exported_file):
    name, ver = line.split()
    exported[name] = "" if ver == name else ver

# The version script: nodes in order, each with its global names.
text = re.sub(r"/\*.*?\*/", "", open(symfile).read(), flags=re.S)
nodes = []  # [(node, [names])]
for m in re.finditer(r"([A-Za-z_][\w.]*)\s*\{(.*?)\}\s*[\w.]*\s*;", text, re.S):
    body = m.group(2)
    glob = re.search(r"global:(.*?)(?:local:|$)", body, re.S)
    names = re.findall(r"[^\s;]+", glob.group(1)) if glob else []
    nodes.append((m.group(1), names))
check(nodes, "no version node parsed from lib/libpcilayout.sym")
node_of = {}
for node, names in nodes:
    for n in names:
        check("*" not in n and "?" not in n,
              "%s: a pattern (%s) in lib/libpcilayout.sym: list names" % (node, n))
        check(n not in node_of, "%s listed twice (%s, %s)" % (n, node_of.get(n), node))
        node_of.setdefault(n, node)
last = nodes[-1][0] if nodes else "?"

for n in sorted(declared - set(exported)):
    check(False, "%s is declared PCL_EXPORT but not exported: add it to the "
          "last node (%s) of lib/libpcilayout.sym (docs/abi.md)" % (n, last))
for n in sorted(set(exported) - declared):
    check(False, "%s is exported but no public header declares it PCL_EXPORT" % n)
for n in sorted(set(node_of) - declared):
    check(False, "%s is in lib/libpcilayout.sym but declared in no public header" % n)
for n in sorted(set(exported) & declared):
    check(exported[n] == node_of.get(n),
          "%s is exported in version %r, lib/libpcilayout.sym lists it in %r"
          % (n, exported[n], node_of.get(n)))

# Released nodes (all but the last) are frozen: exactly what the baseline
# recorded for them.
base = {}
for name, ver in re.findall(r"<elf-symbol name='(\w+)' version='([^']*)'",
                            open(baseline).read()):
    base.setdefault(ver, set()).add(name)
for node, names in nodes[:-1]:
    if node not in base:
        check(False, "released node %s is not in lib/libpcilayout.abi: "
              "a release runs 'make abi-baseline' (docs/abi.md)" % node)
        continue
    added = sorted(set(names) - base[node])
    removed = sorted(base[node] - set(names))
    check(not added, "released node %s gained %s: new symbols go to the last "
          "node, %s (docs/abi.md)" % (node, ", ".join(added), last))
    check(not removed, "released node %s lost %s" % (node, ", ".join(removed)))
PY
while read -r verdict msg; do
	if [ "$verdict" = ok ]; then ok; else fail "$msg"; fi
done <"$T/verdicts"
if [ -s "$T/verdicts" ]; then ok; else fail "the symbol checks printed nothing"; fi

# abidiff against the baseline: only additions are compatible.
sh "$PCL_SRCDIR/scripts/abi-check.sh" "$PCL_BUILDDIR" >"$T/abidiff" 2>&1
case $? in
0) ok ;;
77) fail "abigail-tools is missing: run scripts/bootstrap.sh" ;;
*) fail "incompatible ABI change (scripts/abi-check.sh):"; cat "$T/abidiff" >&2 ;;
esac

if command -v g++ >/dev/null 2>&1; then
	printf '#include <pcilayout/pcilayout.h>\nint main() { return pcl_version() == 0; }\n' >"$T/cxx.cc"
	expect_exit 0 "headers compile as C++" -- g++ -fsyntax-only -Wall -Wextra -Werror -I"$PCL_SRCDIR/include" "$T/cxx.cc"
fi
finish
