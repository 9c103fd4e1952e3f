#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""test-summary.py BUILD: the closing line of `make check`.

Counts every test result meson recorded for the passes `make check` ran
(the normal suite, the ASan+UBSan suite, the valgrind pass) and prints one
plain line, "check: N passed, N failed, N skipped", so that a reader (or a
CI log scanner) sees at once what ran. A TAP test (the e2e suite) counts
once per check it reported, and a TAP skip ("1..0 # SKIP", "ok N # SKIP")
as skipped. Skipped tests are never counted as passed. Exits 1 if any test
failed or none ran.
"""
import glob
import json
import os
import re
import sys


def tap_counts(stdout):
    """(passed, failed, skipped) of a TAP stream, or None if it is not TAP."""
    lines = stdout.splitlines()
    if not any(re.match(r"^1\.\.\d+", l) for l in lines):
        return None
    p = f = s = 0
    for l in lines:
        m = re.match(r"^(not ok|ok)\b(.*)", l)
        if m:
            if re.search(r"#\s*SKIP", m.group(2), re.I):
                s += 1
            elif m.group(1) == "ok":
                p += 1
            else:
                f += 1
        elif re.match(r"^1\.\.0\b.*#\s*SKIP", l, re.I):
            s += 1
    return p, f, s


build = sys.argv[1] if len(sys.argv) > 1 else "build"
logs = sorted(glob.glob(os.path.join(build, "meson-logs", "testlog*.json")) +
              glob.glob(os.path.join(build, "*", "meson-logs", "testlog*.json")))
passed = failed = skipped = 0
for path in logs:
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            result = rec.get("result", "")
            tap = tap_counts(rec.get("stdout") or "")
            if tap:
                passed += tap[0]
                failed += tap[1] + (1 if result not in
                                    ("OK", "SKIP", "EXPECTEDFAIL") and not
                                    tap[1] else 0)
                skipped += tap[2]
                continue
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    print("  %s" % os.path.relpath(path, build))
print("check: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or not passed else 0)
