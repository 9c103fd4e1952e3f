#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""test-summary.py BUILD: the closing line of `make check`.

Counts every test result meson recorded for the passes `make check` ran
(the normal suite, the ASan+UBSan suite, the valgrind pass) and prints one
plain line, "check: N passed, N failed, N skipped", so that a reader (or a
CI log scanner) sees at once what ran. Skipped tests are never counted as
passed. Exits 1 if any test failed or none ran.
"""
import glob
import json
import os
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
logs = sorted(glob.glob(os.path.join(build, "meson-logs", "testlog*.json")) +
              glob.glob(os.path.join(build, "*", "meson-logs", "testlog*.json")))
passed = failed = skipped = 0
for path in logs:
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            result = json.loads(line).get("result", "")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
    print("  %s" % os.path.relpath(path, build))
print("check: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed or not passed else 0)
