#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# migration.sh - check, diff, unify and survey from the command line: the
# property check(plan(dev), dev) and diff(plan(dev), dev) over every corpus
# dump; a relocated pool built from one dump; and bad input: layouts of
# different devices, malformed dumps in a directory (reported per file,
# the others processed), an empty set, quirks given as layouts, usage.
set -u
. "$PCL_SRCDIR/tests/cli/lib.sh"
[ -d "$PCL_CORPUS" ] || exit 77
command -v python3 >/dev/null 2>&1 || exit 77
P=$PCILAYOUT
q="--no-default-quirks --quirks $PCL_SRCDIR/data/quirks"

# 1. Every corpus dump can realize its own plan, and its plan diffs as
#    identical against the device planned on the fly. Broken chains and
#    PCIe functions read to 0xff only are planned with --allow (the
#    property holds for them too); only a device reading all ones is
#    refused whatever is allowed.
n=0
for f in "$PCL_CORPUS"/*.lspci "$PCL_CORPUS"/*.bin; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	b=$(basename "$f")
	if ! "$P" plan $q --allow broken,standard-only -o "$T/p.json" "$f" 2>"$T/err"; then
		grep -q "nothing to plan" "$T/err" && ok ||
			fail "plan $b: $(head -1 "$T/err")"
		continue
	fi
	expect_exit 0 "check(plan($b), $b)" -- "$P" check $q "$T/p.json" "$f"
	expect_exit 0 "diff(plan($b), $b)" -- "$P" diff $q --allow broken,standard-only "$T/p.json" "$f"
	expect_grep "$T/out" "Verdict: identical" "diff(plan($b), $b) verdict"
done
[ "$n" -gt 50 ] && ok || fail "only $n corpus dumps"

X550=$PCL_CORPUS/intel-x550-10g-nic.lspci
I82576=$PCL_CORPUS/intel-82576-nic-sriov.lspci
"$P" plan -o "$T/x550.json" "$X550" || fail "plan x550"

# 2. Another device: check says why, diff says incompatible.
expect_exit 1 "check on another device" -- "$P" check "$T/x550.json" "$I82576"
expect_grep "$T/out" "NOT compatible" "check verdict"
expect_grep "$T/out" "identity" "check identity reason"
expect_exit 1 "diff of different devices" -- "$P" diff "$T/x550.json" "$I82576"
expect_grep "$T/out" "different devices (8086:1563 and 8086:10c9)" "diff reason"
expect_exit 1 "check --json" -- "$P" check --json "$T/x550.json" "$I82576"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["compatible"] is False
assert any(f["code"] == "identity" for f in d["findings"])
' "$T/out" && ok || fail "check --json content"

# 3. A pool from one dump: three hosts as they are, two with the LTR
#    capability moved to 0x800 by "other firmware".
mkdir "$T/pool"
python3 - "$X550" "$T/pool" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
lines = open(src).read().splitlines()
head, data = lines[0], bytearray(4096)
for l in lines[1:]:
    off, _, row = l.partition(":")
    if row:
        for i, h in enumerate(row.split()):
            data[int(off, 16) + i] = int(h, 16)
def dump(path, d):
    with open(path, "w") as f:
        f.write(head + "\n")
        for o in range(0, 4096, 16):
            f.write("%03x: %s\n" % (o, " ".join("%02x" % b for b in d[o:o + 16])))
def hdr(d, o): return int.from_bytes(d[o:o + 4], "little")
def setnext(d, o, n): d[o:o + 4] = ((hdr(d, o) & 0xfffff) | (n << 20)).to_bytes(4, "little")
# Chain: ... acs 0x1b0 -> ltr 0x1c0 -> secpcie 0x1d0. Firmware B: acs ->
# secpcie -> ltr at 0x800.
b = bytearray(data)
b[0x800:0x808] = b[0x1c0:0x1c8]
b[0x1c0:0x1c8] = bytes(8)
setnext(b, 0x1b0, 0x1d0)
setnext(b, 0x1d0, 0x800)
setnext(b, 0x800, 0)
for i in range(3):
    dump("%s/a%d.lspci" % (out, i), data)
for i in range(2):
    dump("%s/b%d.lspci" % (out, i), b)
PY
expect_exit 0 "unify the pool" -- "$P" unify -o "$T/pool.json" "$T/pool"
expect_exit 0 "unify --explain" -- "$P" unify --explain "$T/pool"
expect_grep "$T/out" "ltr at 0x1c0: its physical offset on 3 of 5 hosts that join; relocated from 0x800 on the others" "relocation explained"
for h in a0 b0; do
	expect_exit 0 "check(unify, $h)" -- "$P" check "$T/pool.json" "$T/pool/$h.lspci"
done
expect_exit 0 "check -v on firmware B" -- "$P" check -v "$T/pool.json" "$T/pool/b0.lspci"
expect_grep "$T/out" "relocated" "check notes the relocation"
expect_exit 1 "firmware A's plan on firmware B" -- "$P" diff "$T/pool/a0.lspci" "$T/pool/b0.lspci"
expect_grep "$T/out" "ltr moved from 0x1c0 to 0x800" "diff names the move"
expect_exit 1 "survey splits the pool" -- "$P" survey "$T/pool"
expect_grep "$T/out" "8086:1563: 2 pools" "survey pools"
expect_exit 0 "survey of one firmware" -- "$P" survey "$T/pool/a0.lspci" "$T/pool/a1.lspci"
expect_grep "$T/out" "one pool" "survey one pool"

# 3b. A host without MSI-X: the interrupt capability is kept, that host
#     cannot join (exit 1), and the report says why.
mkdir "$T/nomsix"
cp "$T/pool/a0.lspci" "$T/nomsix/"
python3 - "$T/pool/a0.lspci" "$T/nomsix/lack.lspci" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
data = bytearray(4096)
for l in lines[1:]:
    off, _, row = l.partition(":")
    for i, h in enumerate(row.split()):
        data[int(off, 16) + i] = int(h, 16)
# Unlink MSI-X (ID 0x11) from the standard chain.
prev, ptr = 0x34, data[0x34] & ~3
while ptr:
    if data[ptr] == 0x11:
        data[prev] = data[ptr + 1]
        break
    prev, ptr = ptr + 1, data[ptr + 1] & ~3
with open(sys.argv[2], "w") as f:
    f.write(lines[0] + "\n")
    for o in range(0, 4096, 16):
        f.write("%03x: %s\n" % (o, " ".join("%02x" % b for b in data[o:o + 16])))
PY
expect_exit 1 "unify with a host lacking MSI-X" -- "$P" unify --explain --hide-missing "$T/nomsix"
expect_grep "$T/out" "1 can realize the layout" "the host lacking MSI-X is excluded"
expect_grep "$T/out" "msix is never hidden to admit a host" "unify says why"

# 4. unify of one host is that host's plan up to provenance.
"$P" unify -o "$T/one.json" "$X550" || fail "unify one host"
a=$("$P" fingerprint "$T/one.json" | cut -d' ' -f1)
b=$("$P" fingerprint "$T/x550.json" | cut -d' ' -f1)
[ -n "$a" ] && [ "$a" = "$b" ] && ok || fail "unify(one) $a != plan $b"

# 5. Link order is guest-visible. A device whose chain is not in ascending
#    order (the BCM57780: pm 0x48, vndr 0x60, msi 0x50, exp 0xcc) is
#    planned in its own order ("links": "listed", format 2), as QEMU shows
#    it; its import (--import qemu, revision 0) is the same guest view;
#    relinked in ascending order it is another view, and diff says so.
BCM=$PCL_CORPUS/broadcom-bcm57780-nic.lspci
expect_exit 0 "plan of a chain out of order" -- "$P" plan $q -o "$T/bcm.json" "$BCM"
expect_grep "$T/bcm.json" '"links": "listed"' "the plan lists the device's order"
expect_grep "$T/bcm.json" '"pcilayout": 2' "a listed order is format 2"
expect_exit 0 "import of the same device" -- "$P" plan --import qemu -o "$T/bcm-imported.json" "$BCM"
expect_grep "$T/bcm-imported.json" '"revision": 0' "an import is revision 0"
expect_exit 0 "diff import plan" -- "$P" diff "$T/bcm-imported.json" "$T/bcm.json"
expect_grep "$T/out" "Verdict: identical" "the import and the default plan are one view"
expect_exit 0 "check of the import" -- "$P" check $q "$T/bcm-imported.json" "$BCM"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
del d["links"]
json.dump(d, open(sys.argv[2], "w"))' "$T/bcm.json" "$T/bcm-asc.json"
expect_exit 1 "diff listed ascending" -- "$P" diff "$T/bcm.json" "$T/bcm-asc.json"
expect_grep "$T/out" "standard chain is linked 0x48 -> 0x60 -> 0x50 -> 0xcc in the first layout and 0x48 -> 0x50 -> 0x60 -> 0xcc" "diff names both link orders"

# 6. Bad input.
cp -r "$T/pool" "$T/bad"
printf 'not a dump\n00: zz\n' >"$T/bad/broken.lspci"
: >"$T/bad/empty.lspci"
expect_exit 1 "unify with malformed files" -- "$P" unify --explain "$T/bad"
expect_grep "$T/err" "broken.lspci" "malformed file named"
expect_grep "$T/err" "empty.lspci" "empty file named"
expect_grep "$T/out" "5 can realize the layout" "the others still processed"
expect_exit 1 "survey with malformed files" -- "$P" survey --json "$T/bad"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["unreadable"]) == 2, d["unreadable"]
assert d["hosts"] == 5
' "$T/out" && ok || fail "survey --json unreadable"
# A fleet kept as one subdirectory per host is read whole; what is not a
# file is named, not dropped.
mkdir -p "$T/tree/host-a" "$T/tree/host-b/nested"
cp "$T/pool/a0.lspci" "$T/tree/host-a/"
cp "$T/pool/a1.lspci" "$T/tree/host-b/nested/"
mkfifo "$T/tree/host-b/fifo"
expect_exit 0 "survey descends into host directories" -- "$P" survey --json "$T/tree"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["hosts"] == 2, d["hosts"]
' "$T/out" && ok || fail "survey --json of a tree: 2 hosts"
expect_grep "$T/out" "host-b/fifo: skipped: not a regular file" "survey names what it skips (in --json's messages)"
expect_exit 0 "unify descends into host directories" -- "$P" unify --explain "$T/tree"
expect_grep "$T/out" "2 can realize the layout" "unify reads the tree"
mkdir "$T/empty"
expect_exit 2 "unify of an empty directory" -- "$P" unify "$T/empty"
expect_grep "$T/err" "no readable config space" "empty set message"
expect_exit 2 "survey of an empty directory" -- "$P" survey "$T/empty"
expect_exit 2 "unify of an unknown device" -- "$P" unify --device 10de:0001 "$T/pool"
expect_exit 2 "check with a quirk" -- "$P" check "$PCL_SRCDIR/data/quirks/emulex-be2net.json" "$X550"
expect_exit 2 "check with one argument" -- "$P" check "$T/x550.json"
expect_exit 2 "check of a missing layout" -- "$P" check "$T/nope.json" "$X550"
expect_exit 2 "diff --vsc bad" -- "$P" diff --vsc maybe "$T/x550.json" "$T/x550.json"
expect_exit 2 "unify --add dsn from-pf" -- "$P" unify --add dsn "$T/pool"
expect_exit 0 "diff X X" -- "$P" diff "$T/x550.json" "$T/x550.json"
expect_grep "$T/out" "Verdict: identical" "diff X X identical"
finish
