#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# host.sh - the live-host paths on a sysfs tree of our own
# (tests/fixtures/sysfs/mksysfs.py, read through $PCILAYOUT_SYSFS): -s and
# -d on the live system, `collect` and its bundle (config spaces, PF links,
# IOMMU groups, each IOMMU's PASID support decoded from what its attributes
# say), and `check` reading the IOMMU's PASID width itself, from sysfs and
# from the bundle; the bundle read back by show, check, diff, survey and
# unify as any other SOURCE.
. "$PCL_SRCDIR/tests/cli/lib.sh"
P=$PCILAYOUT
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is missing"; exit 77; }
python3 "$PCL_SRCDIR/tests/fixtures/sysfs/mksysfs.py" "$PCL_SRCDIR" "$T/sys" ||
	{ fail "mksysfs.py"; finish; exit 1; }
python3 "$PCL_SRCDIR/tests/fixtures/sysfs/mksysfs.py" "$PCL_SRCDIR" "$T/sys16" 15 ||
	{ fail "mksysfs.py 15"; finish; exit 1; }
export PCILAYOUT_SYSFS="$T/sys"

# --- selection on the live system ----------------------------------------
expect_exit 0 "show: every function of the tree" -- "$P" show -q
[ "$(grep -c '^0000:' "$T/out")" -eq 4 ] && ok || fail "show: 4 functions"
expect_exit 0 "show -s 01:" -- "$P" show -q -s 01:
[ "$(grep -c '^0000:01:' "$T/out")" -eq 2 ] && ! grep -q '^0000:0[02]:' "$T/out" &&
	ok || fail "show -s 01: shows bus 01 only"
expect_exit 0 "show -s .1" -- "$P" show -q -s .1
[ "$(grep -c '^0000:' "$T/out")" -eq 1 ] && ok || fail "show -s .1: one function"
expect_exit 0 "show -d :10f5" -- "$P" show -q -d :10f5
expect_grep "$T/out" "0000:02:00.0" "show -d :10f5 finds it"
[ "$(grep -c '^0000:' "$T/out")" -eq 1 ] && ok || fail "show -d :10f5: one function"
expect_exit 0 "show -d ::0200 (the class)" -- "$P" show -q -d ::0200
[ "$(grep -c '^0000:' "$T/out")" -eq 4 ] && ok || fail "show -d ::0200: the 4 Ethernet controllers"
expect_exit 0 "show -d ::0108 (no NVMe here)" -- "$P" show -q -d ::0108
[ -s "$T/out" ] && fail "show -d ::0108 printed a function" || ok
expect_exit 0 "a VF by -s" -- "$P" show -s 01:00.1
expect_grep "$T/out" "[1af4:10f4]" "the VF's identity is the kernel's"
expect_grep "$T/out" "PF 0000:01:00.0" "the VF names its PF"
expect_exit 0 "map -s" -- "$P" map --no-color -s 00:02.0
expect_grep "$T/out" "0000:00:02.0 [1af4:10f2]" "map -s reads the live function"
expect_exit 2 "map without SOURCE or selection" -- "$P" map

# --- collect ----------------------------------------------------------------
expect_exit 0 "collect" -- "$P" collect
cp "$T/out" "$T/bundle.json"
if [ "$(id -u)" -eq 0 ]; then
	if [ -s "$T/err" ]; then fail "collect as root wrote to stderr"; else ok; fi
fi
# -o writes the same bundle to a file, atomically; stdout stays empty.
expect_exit 0 "collect -o" -- "$P" collect -o "$T/bundle-o.json"
[ -s "$T/out" ] && fail "collect -o wrote to stdout" || ok
python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b):
    d["host"].pop("time", None)
sys.exit(a != b)' "$T/bundle.json" "$T/bundle-o.json" && ok || fail "collect -o: another bundle than stdout's"
mkdir "$T/ro" && chmod 500 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
	expect_exit 2 "collect -o into a read-only directory" -- "$P" collect -o "$T/ro/b.json"
fi
expect_exit 2 "collect -o of a directory" -- "$P" collect -o "$T/ro"
python3 - "$T/bundle.json" "$PCILAYOUT_SYSFS" <<'PY' || fail "the bundle says what sysfs says"
import json, os, sys
b = json.load(open(sys.argv[1]))
root = sys.argv[2]
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s: %r, expected %r" % (what, got, exp))
want("format", b["format"], "pcilayout-bundle")
want("version", b["version"], 1)
want("kernel release", b["host"]["kernel"]["release"], os.uname().release)
want("host name", b["host"]["name"], os.uname().nodename)
fns = {f["slot"]: f for f in b["functions"]}
want("functions", sorted(fns), ["0000:00:02.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0"])
for slot, f in fns.items():
    d = os.path.join(root, "bus/pci/devices", slot)
    cfg = open(os.path.join(d, "config"), "rb").read()
    want(slot + " config", bytes.fromhex(f["config"]), cfg)
    want(slot + " config_size", f["config_size"], len(cfg))
    want(slot + " iommu_group", f["iommu_group"],
         int(os.path.basename(os.readlink(os.path.join(d, "iommu_group")))))
    want(slot + " iommu", f["iommu"], os.path.basename(os.readlink(os.path.join(d, "iommu"))))
    drv = os.path.join(d, "driver")
    want(slot + " driver", f["driver"], os.path.basename(os.readlink(drv)) if os.path.exists(drv) else None)
want("the VF's PF", fns["0000:01:00.1"]["pf"], "0000:01:00.0")
want("the VF's kernel identity", (fns["0000:01:00.1"]["vendor"], fns["0000:01:00.1"]["device"]),
     tuple(open(os.path.join(root, "bus/pci/devices/0000:01:00.1", a)).read().strip()
           for a in ("vendor", "device")))
io = {i["name"]: i for i in b["iommus"]}
want("iommus", sorted(io), ["dmar0", "dmar1", "ivhd0", "ivhd1"])
for name, i in io.items():
    kind = "intel-iommu" if name.startswith("dmar") else "amd-iommu"
    d = os.path.join(root, "class/iommu", name, kind)
    for a in os.listdir(d):
        want(name + " " + a, i["attributes"].get(a), open(os.path.join(d, a)).read().strip())
want("dmar0 PASID", (i := io["dmar0"]["pasid"])["known"] and i["max_width"], 20)
want("dmar1 PASID", (io["dmar1"]["pasid"]["known"], io["dmar1"]["pasid"]["max_width"]), (True, 0))
want("ivhd0 PASID", io["ivhd0"]["pasid"]["max_width"], 16)
want("ivhd1 PASID", (io["ivhd1"]["pasid"]["known"], io["ivhd1"]["pasid"]["max_width"]), (False, None))
for m in bad:
    print("FAIL:", m)
sys.exit(1 if bad else 0)
PY
ok
expect_exit 0 "collect -s of a VF" -- "$P" collect -s 01:00.1
python3 - "$T/out" <<'PY' || fail "collect -s 01:00.1 holds the VF and, unselected, its PF"
import json, sys
f = {x["slot"]: x["selected"] for x in json.load(open(sys.argv[1]))["functions"]}
sys.exit(0 if f == {"0000:01:00.1": True, "0000:01:00.0": False} else 1)
PY
ok
cp "$T/out" "$T/vf-bundle.json"
expect_exit 2 "collect takes no SOURCE" -- "$P" collect "$T/bundle.json"
expect_grep "$T/out" '"format": "pcilayout-error"' "collect's errors are JSON"

# --- check reads the IOMMU's PASID width ------------------------------------
expect_exit 0 "plan a virtual PASID of width 20" -- "$P" plan --add pasid --pasid-width 20 -s 00:02.0 -o "$T/l20.json"
expect_exit 0 "check on the live host: dmar0 allows width 20" -- "$P" check "$T/l20.json" -s 00:02.0
expect_grep "$T/out" "IOMMU (sysfs): dmar0: ecap 0x" "check says where the width came from"
expect_grep "$T/out" "is 19: width 20" "check decodes PSS"
PCILAYOUT_SYSFS="$T/sys16" "$P" check "$T/l20.json" -s 00:02.0 >"$T/out" 2>&1
[ $? -eq 1 ] && ok || fail "check on a host whose IOMMU allows width 16: exit 1"
expect_grep "$T/out" "pasid-width" "the reason is the PASID width"
expect_grep "$T/out" "the IOMMU allows width 16" "the IOMMU's width 16"
expect_exit 0 "--pasid-width overrides sysfs" -- env PCILAYOUT_SYSFS="$T/sys16" "$P" check --pasid-width 20 "$T/l20.json" -s 00:02.0
expect_grep "$T/out" "IOMMU (given): --pasid-width 20" "check says the width was given"
expect_exit 0 "plan a virtual PASID for the PF behind dmar1" -- "$P" plan --add pasid --pasid-width 20 -s 01:00.0 -o "$T/lpf.json"
"$P" check "$T/lpf.json" -s 01:00.0 >"$T/out" 2>&1
[ $? -eq 1 ] && ok || fail "check behind an IOMMU without PASID: exit 1"
expect_grep "$T/out" "the IOMMU reports no PASID support" "the reason is the IOMMU"
expect_grep "$T/out" "PASID Support (bit 40) is clear" "and the bit that says so"
expect_exit 0 "check -j on the live host" -- "$P" check -j "$T/l20.json" -s 00:02.0
expect_grep "$T/out" '"from": "sysfs"' "check -j: the width is from sysfs"
expect_grep "$T/out" '"max_width": 20' "check -j: width 20"

# --- the bundle as a SOURCE, with no sysfs at all ---------------------------
export PCILAYOUT_SYSFS="$T/nothing"
expect_exit 0 "check from the bundle" -- "$P" check "$T/l20.json" "$T/bundle.json" -s 00:02.0
expect_grep "$T/out" "IOMMU (bundle): dmar0" "check takes the width from the bundle"
expect_grep "$T/out" "bundle.json:" "the function is named by the bundle's file and line"
expect_exit 2 "a bundle of 4 functions needs -s" -- "$P" check "$T/l20.json" "$T/bundle.json"
expect_grep "$T/err" "holds 4 functions" "the message counts them"
"$P" check "$T/l20.json" "$T/bundle.json" -s 02:00.0 >"$T/out" 2>&1
[ $? -eq 1 ] && ok || fail "check of another model: not compatible"
expect_exit 0 "show of the bundle" -- "$P" show -q "$T/bundle.json"
[ "$(grep -c '^0000:' "$T/out")" -eq 4 ] && ok || fail "show of the bundle: 4 functions"
expect_exit 0 "show -j of the VF in the bundle" -- "$P" show -j -s 01:00.1 "$T/bundle.json"
expect_grep "$T/out" '"ids_from_pf": true' "the VF gets its kernel identity from the bundle's PF"
expect_exit 0 "show of the VF-only bundle" -- "$P" show -q "$T/vf-bundle.json"
[ "$(grep -c '^0000:' "$T/out")" -eq 1 ] && ok || fail "an unselected PF is not a SOURCE function"
expect_exit 0 "plan of the VF from its bundle (its PF comes too)" -- "$P" plan --add pasid --pasid-width 20 "$T/vf-bundle.json"
expect_exit 0 "diff of the layout and the bundle's function" -- "$P" diff --pasid-width 20 "$T/l20.json" "$T/bundle.json" -s 00:02.0
expect_grep "$T/out" "identical" "diff: identical"
cp "$T/bundle.json" "$T/bundle2.json"
expect_exit 0 "survey of two bundles" -- "$P" survey "$T/bundle.json" "$T/bundle2.json"
expect_grep "$T/out" "1af4:10f2: one pool" "survey: one pool per model"
expect_exit 0 "unify of two bundles" -- "$P" unify -d 1af4:10f2 "$T/bundle.json" "$T/bundle2.json"
expect_grep "$T/out" '"name": "1af4-10f2"' "unify: a layout for the model"

# A damaged bundle says where, as any input does.
head -c 300 "$T/bundle.json" >"$T/cut.json"
expect_exit 2 "a truncated bundle" -- "$P" show "$T/cut.json"
expect_grep "$T/err" "cut.json:" "the message names the file"
sed 's/"version": 1/"version": 2/' "$T/bundle.json" >"$T/v2.json"
expect_exit 2 "a bundle of another version" -- "$P" show "$T/v2.json"
expect_grep "$T/err" "this pcilayout reads version 1" "the message says which version"
sed '0,/"config": "/s/"config": "/"config": "zz/' "$T/bundle.json" >"$T/bad.json"
expect_exit 2 "a bundle with a bad config" -- "$P" show "$T/bad.json"
expect_grep "$T/err" "functions[0].config" "the message names the field"
expect_exit 2 "a layout where a device is expected" -- "$P" show "$T/l20.json"
expect_grep "$T/err" "not a host bundle" "the message says what the file is not"
finish
