#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# json-schema.sh - every --json output validates against its installed
# schema. The build is installed into a staging directory; every command
# is run with -j on real inputs (the shipped examples, the fixtures, a
# sysfs tree of our own for collect and the live paths, the corpus when
# present), failing runs included (the error document); each document is
# validated against $datadir/pcilayout/schemas/NAME-1.schema.json as
# installed, the layouts inside plan, unify and fmt documents against the
# installed layout schema through "$ref". A document format without a
# schema, or a schema no output exercised, fails.
. "$PCL_SRCDIR/tests/cli/lib.sh"
P=$PCILAYOUT
py=
for cand in python3 /usr/bin/python3; do
	if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import jsonschema' 2>/dev/null; then
		py=$cand
		break
	fi
done
[ -n "$py" ] || { echo "SKIP: no python3 with jsonschema (scripts/bootstrap.sh installs python3-jsonschema)"; exit 77; }

dest="$T/stage"
meson install -C "$PCL_BUILDDIR" --destdir "$dest" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
	{ fail "meson install"; cat "$T/install.log" >&2; finish; exit 1; }
schemas=$(find "$dest" -type d -path '*/pcilayout/schemas' | head -n 1)
[ -n "$schemas" ] && ok || { fail "no schemas installed"; finish; exit 1; }

ex="$PCL_SRCDIR/examples"
fx="$PCL_SRCDIR/tests/fixtures"
nic="$ex/devices/nic-hidden-registers.lspci"
vf="$ex/devices/vf-orphan-pasid.lspci"
vf2="$ex/devices/vf-orphan-pasid-fw2.lspci"
"$py" "$fx/sysfs/mksysfs.py" "$PCL_SRCDIR" "$T/sys" || fail "mksysfs.py"
mkdir "$T/docs"
n=0
# doc ARGS...: run `pcilayout ARGS` and keep its stdout as a document.
doc() {
	n=$((n + 1))
	PCILAYOUT_SYSFS="$T/sys" "$P" "$@" >"$T/docs/$n.json" 2>"$T/docs/$n.err"
	echo "$*" >"$T/docs/$n.cmd"
}
"$P" plan --add pasid --pasid-width 20 -o "$T/vf.json" "$vf" 2>/dev/null
"$P" collect -j >/dev/null 2>&1
PCILAYOUT_SYSFS="$T/sys" "$P" collect >"$T/bundle.json" 2>/dev/null

for f in "$fx"/show/*.lspci "$nic" "$vf"; do doc show -j "$f"; done
doc show -j
doc show -j "$T/bundle.json"
doc map -j "$nic" "$vf" "$fx/map/igd.lspci"
doc map -j --free 0xf00-0xf3f "$fx/map/hidden.lspci"
doc gaps -j --size 8 "$nic" "$fx/map/igd.lspci"
doc gaps -j --size 16 --align 16 --all "$fx/map/hidden.lspci"
doc gaps -j --size 64 --space standard "$fx/map/std256.lspci"
doc lint -j "$ex"/layouts/*.json "$fx"/layouts/invalid/*.json
doc fmt -j "$ex/layouts/e810-vf-pasid.json"
doc fmt -j --check "$ex"/layouts/*.json
cp "$ex/layouts/gpu-relocated.json" "$T/rw.json"
doc fmt -j -i "$T/rw.json"
doc fingerprint -j "$ex"/layouts/*.json "$T/missing.json"
doc dvsec encode -j --range 0xf00-0xfff
doc dvsec decode -j "$nic" "$fx/map/hidden.lspci"
doc dvsec inject -j --range 0xf00-0xf3f -o "$T/inj.lspci" "$nic"
doc dvsec decode -j "$T/inj.lspci"
doc plan -j --add pasid --pasid-width 20 "$nic"
doc plan -j --pf "$fx/plan/pf.lspci" --add pasid,dsn --dsn from-pf --pasid-width 20 "$fx/plan/vf.lspci"
doc plan --emit qemu-json --add pasid --pasid-width 20 "$nic"
doc plan --emit qemu-json --allow-partial --pf "$fx/plan/pf.lspci" --add pasid,dsn --dsn from-pf --pasid-width 20 "$fx/plan/vf.lspci"
doc synth -j -o "$T/img" "$T/vf.json" "$vf"
doc synth -j -f lspci -o "$T/img.lspci" "$T/vf.json" "$vf"
doc check -j --pasid-width 20 "$T/vf.json" "$vf"
doc check -j --pasid-width 20 "$T/vf.json" "$nic"
doc check -j "$T/vf.json" "$T/bundle.json" -s 00:02.0
doc check -j "$T/vf.json" -s 01:00.1
doc diff -j --pasid-width 20 "$T/vf.json" "$vf2"
doc diff -j "$T/vf.json" "$T/vf.json"
doc unify -j --add pasid --pasid-width 20 "$vf" "$vf2"
doc unify -j "$nic" "$vf"
doc survey -j "$ex/devices" "$T/bundle.json"
doc collect
doc collect -j -s 01:00.1
# Failing runs: the error document.
doc show -j "$T/missing"
doc plan -j --add pasid --pasid-width 20 "$fx/plan/full.lspci"
doc map -j --no-such-option
doc check -j "$T/vf.json"
doc collect "$T/vf.json"
doc synth -j "$T/vf.json"
if [ -d "$PCL_CORPUS" ]; then
	doc show -j "$PCL_CORPUS"/intel-*.lspci
	doc map -j "$PCL_CORPUS"/samsung-pm174x-nvme-gen5.lspci
	doc survey -j "$PCL_CORPUS"
fi

"$py" - "$schemas" "$T/docs" "$n" <<'PY'
import glob, json, os, sys
from jsonschema import Draft202012Validator

sdir, ddir, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
layout_schema = os.path.join(os.path.dirname(sdir), "pcilayout-2.schema.json")
schemas = {}
for f in glob.glob(os.path.join(sdir, "*.json")) + [layout_schema]:
    s = json.load(open(f))
    Draft202012Validator.check_schema(s)
    schemas[os.path.basename(f)] = s
try:
    from referencing import Registry, Resource
    reg = Registry().with_resources(
        [(s["$id"], Resource.from_contents(s)) for s in schemas.values()])
    def validator(s):
        return Draft202012Validator(s, registry=reg)
except ImportError:
    from jsonschema import RefResolver
    store = {s["$id"]: s for s in schemas.values()}
    def validator(s):
        return Draft202012Validator(s, resolver=RefResolver.from_schema(s, store=store))

fails, used = 0, set()
for i in range(1, count + 1):
    cmd = open(os.path.join(ddir, "%d.cmd" % i)).read().strip()
    text = open(os.path.join(ddir, "%d.json" % i)).read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print("FAIL: '%s': stdout is not one JSON document: %s" % (cmd, e))
        fails += 1
        continue
    fmt = doc.get("format", "")
    name = fmt[len("pcilayout-"):] + "-1.schema.json" if fmt.startswith("pcilayout-") else None
    if name not in schemas:
        print("FAIL: '%s': format %r has no installed schema" % (cmd, fmt))
        fails += 1
        continue
    used.add(name)
    errs = sorted(validator(schemas[name]).iter_errors(doc), key=lambda e: list(e.path))
    for e in errs[:3]:
        print("FAIL: '%s' (%s): %s at %s" % (cmd, name, e.message[:300], "/".join(map(str, e.path))))
    fails += bool(errs)
unused = set(schemas) - used - {"common-1.schema.json", "pcilayout-2.schema.json"}
for u in sorted(unused):
    print("FAIL: no output exercised %s" % u)
    fails += 1
print("validated %d documents against %d schemas" % (count, len(used)))
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] && ok || fail "documents that do not validate (above)"
finish
