#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# migration-fleet.sh - unify and survey over a few thousand generated host
# variants (tests/cli/fleetgen.py, from two corpus dumps): both complete,
# report the malformed files and the hosts that cannot join, and give the
# same output twice and for the directory in another order of arguments.
# Time and memory are measured by the benchmark, not asserted here.
set -u
. "$PCL_SRCDIR/tests/cli/lib.sh"
[ -d "$PCL_CORPUS" ] || exit 77
command -v python3 >/dev/null 2>&1 || exit 77
P=$PCILAYOUT
N=${PCL_FLEET_HOSTS:-3000}

python3 "$PCL_SRCDIR/tests/cli/fleetgen.py" "$PCL_CORPUS" "$T/fleet" "$N" 7 ||
	{ fail "fleetgen"; finish; exit 1; }
for run in 1 2; do
	"$P" unify --json --add pasid --pasid-width 20 -o "$T/u$run.json" "$T/fleet" \
		>"$T/unify$run" 2>"$T/unify$run.err"
	rc=$?
	[ $rc -eq 1 ] && ok || fail "unify run $run: exit $rc, expected 1"
	"$P" survey --json "$T/fleet" >"$T/survey$run" 2>/dev/null
	rc=$?
	[ $rc -eq 1 ] && ok || fail "survey run $run: exit $rc, expected 1"
done
cmp -s "$T/unify1" "$T/unify2" && ok || fail "unify is not deterministic"
cmp -s "$T/u1.json" "$T/u2.json" && ok || fail "unify's layout is not deterministic"
cmp -s "$T/survey1" "$T/survey2" && ok || fail "survey is not deterministic"
python3 - "$T/unify1" "$T/survey1" "$N" <<'PY' && ok || fail "fleet reports"
import json, sys
u = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
n = int(sys.argv[3])
# Every generated file is a host, read or not.
assert u["hosts"] + u["ignored"] == n, (u["hosts"], u["ignored"], n)
assert u["unreadable"], "the generator writes a few malformed files"
assert 0 < u["joined"] < u["hosts"]
pasid = [e for e in u["layout"]["extended"] if e.get("id") == "pasid"]
assert pasid and pasid[0]["at"] != "0xff8", pasid  # 0xffc is a register on some hosts
reasons = {r["code"] for g in u["groups"] if g["status"] == "excluded" for r in g["reasons"]}
assert "missing" in reasons, reasons
assert sum(g["hosts"] for g in s["groups"]) + len(s["unreadable"]) == n
pools = {(g["vendor"], g["device"]): g["pools_of_model"] for g in s["groups"]}
assert pools[("0x8086", "0x1563")] >= 2, pools
PY
# Files given one by one, in reverse order: the same layout.
ls "$T/fleet" | sort | head -400 | sort -r | sed "s|^|$T/fleet/|" >"$T/list"
ls "$T/fleet" | sort | head -400 | sed "s|^|$T/fleet/|" >"$T/list2"
"$P" unify -o "$T/r1.json" $(cat "$T/list") 2>/dev/null
"$P" unify -o "$T/r2.json" $(cat "$T/list2") 2>/dev/null
[ -s "$T/r1.json" ] && cmp -s "$T/r1.json" "$T/r2.json" && ok ||
	fail "unify depends on the order of its arguments"
# The unified layout is realizable on every host that joined.
python3 - "$T/unify1" >"$T/joined" <<'PY'
import json, sys
u = json.load(open(sys.argv[1]))
for g in u["groups"]:
    if g["status"] == "joins":
        print(g["examples"][0])
PY
while read -r h; do
	"$P" check --pasid-width 20 "$T/u1.json" "$h" >/dev/null 2>&1 && ok ||
		fail "check(unify, $h)"
done <"$T/joined"
finish
