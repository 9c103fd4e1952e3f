#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# docs/pcilayout-2.schema.json agrees with the loader: every example and
# valid fixture passes the schema; every invalid fixture listed in
# invalid/schema-rejects.txt (the rules a JSON Schema can express) fails it;
# and an independent serializer (Python's json module) reproduces the
# canonical bytes of every valid fixture, which checks the spec's
# definition of the canonical form against the C writer.
set -u
: "${PCL_SRCDIR:?}"
. "$PCL_SRCDIR/tests/cli/lib.sh"
find_python || { echo "SKIP: no python3 with jsonschema"; exit 77; }
"$py" - "$PCL_SRCDIR" <<'PY'
import glob, json, os, sys
from jsonschema import Draft202012Validator

src = sys.argv[1]
fix = os.path.join(src, 'tests/fixtures/layouts')
schema = json.load(open(os.path.join(src, 'docs/pcilayout-2.schema.json')))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
fail = 0

def load(path):
    return json.loads(open(path, 'rb').read().decode('utf-8'))

accept = sorted(glob.glob(os.path.join(fix, 'valid/*.json')) +
                glob.glob(os.path.join(fix, 'fmt/*.json')) +
                glob.glob(os.path.join(src, 'examples/layouts/*.json')))
for f in accept:
    errs = list(v.iter_errors(load(f)))
    if errs:
        print('FAIL: schema rejects valid %s: %s' % (f, errs[0].message))
        fail = 1

listed = open(os.path.join(fix, 'invalid/schema-rejects.txt')).read().split()
if len(listed) < 30:
    print('FAIL: only %d schema-expressible invalid fixtures' % len(listed))
    fail = 1
for name in listed:
    f = os.path.join(fix, 'invalid', name)
    if not os.path.exists(f):
        print('FAIL: schema-rejects.txt names a missing fixture %s' % name)
        fail = 1
    elif not list(v.iter_errors(load(f))):
        print('FAIL: schema accepts invalid %s' % name)
        fail = 1

# The canonical form, rebuilt from the spec's definition.
for f in glob.glob(os.path.join(fix, 'valid/*.json')):
    raw = open(f, 'rb').read()
    canon = json.dumps(load(f), indent=2, sort_keys=True,
                       ensure_ascii=False) + '\n'
    if canon.encode('utf-8') != raw:
        print('FAIL: %s differs from its canonical re-serialization' % f)
        fail = 1

print('checked %d valid, %d invalid' % (len(accept), len(listed)))
sys.exit(fail)
PY
