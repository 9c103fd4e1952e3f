#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""check.py JSON EXPECT - check `pcilayout show --json` output against the
expect column of expect.tsv (see its header). Prints what is wrong and
exits 1, or exits 0."""
import json
import sys


def main(path, expect):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("output is not JSON: %s" % e)
        return 1
    devs = doc.get("devices", [])
    findings = [f for d in devs for f in d.get("findings", [])]
    caps = sum(len(d.get("capabilities", [])) for d in devs)
    have = {(f["code"], f.get("offset")) for f in findings}
    # show lists an orphan once, under "orphans", not also as a finding.
    have |= {("orphan", o.get("offset")) for d in devs
             for o in d.get("orphans", [])}
    codes = {c for c, _ in have}
    bad = []
    for tok in expect.split(","):
        if tok in ("", "-"):
            continue
        if tok == "none":
            if findings:
                bad.append("expected no findings, got %s" % sorted(codes))
        elif tok.startswith("caps="):
            if caps != int(tok[5:]):
                bad.append("expected %s capabilities, got %d" %
                           (tok[5:], caps))
        elif tok.startswith("devs="):
            if len(devs) != int(tok[5:]):
                bad.append("expected %s devices, got %d" %
                           (tok[5:], len(devs)))
        elif tok.startswith("!"):
            if tok[1:] in codes:
                bad.append("unexpected finding %s" % tok[1:])
        elif "@" in tok:
            code, off = tok.split("@", 1)
            if (code, off) not in have:
                bad.append("no finding %s at %s (got %s)" %
                           (code, off, sorted(have, key=str)))
        elif tok not in codes:
            bad.append("no finding %s (got %s)" % (tok, sorted(codes)))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
