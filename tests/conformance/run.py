#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""run.py - format-1 conformance: an implementation against pcl1.py.

Builds a set of layout files and requires the implementation under test
(--impl, by default the pcilayout tool) and the independent reader pcl1.py
to agree, file by file, on

  * whether the file is valid,
  * its canonical bytes (§6.1-6.2), and
  * its fingerprint (§6.4).

The files: every layout and quirk file shipped in the repository (fixtures,
examples, quirk database, planner fixtures), the JSON examples of the spec,
the layouts the planner makes from every dump of the corpus (several option
sets), and for each valid one a seeded set of generated variants
(mutate.py): rewrites that must keep the canonical bytes, changes that must
keep the fingerprint, and probes of single rules, most of them invalid.

pcl1.py is also checked on its own: the golden fixtures' verdicts, canonical
forms and fingerprints, the worked fingerprint of §6.4, the canonical form
as a fixed point, and that every file it accepts is valid under the JSON
Schema (§9: "a valid file is always schema-valid").

The implementation is driven as a command (docs/testing.md, "Format
conformance"):

    IMPL fingerprint FILE...   one line "sha256:<64 hex> FILE" per valid
                               FILE, nothing on stdout for an invalid one;
                               exit 0 (all valid) or 1 (some invalid)
    IMPL fmt -i FILE...        rewrite each (valid) FILE in canonical form;
                               exit 0

Exit status: 0 all agree, 1 a disagreement or a failed check, 2 bad usage
or a broken implementation command.
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, HERE)
import mutate  # noqa: E402
import pcl1    # noqa: E402

# Planner option sets applied to every corpus dump.
PLAN_VARIANTS = {
    'default': [],
    'pasid20': ['--add', 'pasid', '--pasid-width', '20'],
    'pasid8-dsn': ['--add', 'pasid,dsn', '--pasid-width', '8', '--pasid-exec',
                   '--pasid-priv', '--dsn', '0xfedcba9876543210'],
    'hide-aer': ['--hide', 'aer', '--keep', 'ari', '--add', 'dsn', '--dsn',
                 '1'],
}
BATCH = 400


class Broken(Exception):
    """The implementation command misbehaved (not a disagreement)."""


def shipped(src):
    """[(label, bytes)] of every layout-like file in the repository."""
    pats = ['tests/fixtures/layouts/*/*.json', 'examples/layouts/*.json',
            'data/quirks/*.json', 'tests/fixtures/plan/*/*.json',
            'tests/fixtures/plan/*.out']
    out = []
    for pat in pats:
        for path in sorted(glob.glob(os.path.join(src, pat))):
            with open(path, 'rb') as f:
                data = f.read()
            if path.endswith('.out') and not data.startswith(b'{'):
                continue    # planner transcripts that are not layouts
            out.append((os.path.relpath(path, src), data))
    return out


def spec_examples(src):
    """The ```json blocks of the spec (some are fragments: invalid)."""
    with open(os.path.join(src, 'docs/layout-format.md'), encoding='utf-8') as f:
        text = f.read()
    blocks = re.findall(r'```json\n(.*?)```', text, re.S)
    return [('layout-format.md#json%d' % i, b.encode('utf-8'))
            for i, b in enumerate(blocks)]


def plans(planner, corpus, jobs):
    """[(label, bytes)] planned from each dump with each option set."""
    dumps = sorted(glob.glob(os.path.join(corpus, '*.lspci')) +
                   glob.glob(os.path.join(corpus, '*.bin')))
    work = [(os.path.basename(d), v, d) for d in dumps for v in PLAN_VARIANTS]

    def one(item):
        name, variant, dump = item
        r = subprocess.run([planner, 'plan'] + PLAN_VARIANTS[variant] + [dump],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return ('corpus/%s@%s' % (name, variant), r.stdout) \
            if r.returncode == 0 else None

    with ThreadPoolExecutor(jobs) as ex:
        done = list(ex.map(one, work))
    return [d for d in done if d], len(dumps)


def reference(data):
    """pcl1.py's verdict: (canonical bytes, fingerprint) or None."""
    try:
        content = pcl1.load(data)
    except pcl1.Invalid:
        return None
    return pcl1.serialize(content), pcl1.fingerprint(content)


def run_impl(cmd, cases, tmp):
    """{index: (canonical bytes, fingerprint)} for what IMPL accepts."""
    indir, fmtdir = os.path.join(tmp, 'in'), os.path.join(tmp, 'fmt')
    os.makedirs(indir)
    os.makedirs(fmtdir)
    paths = []
    for i, case in enumerate(cases):
        p = os.path.join(indir, '%05d.json' % i)
        with open(p, 'wb') as f:
            f.write(case[3])
        paths.append(p)
    fps = {}
    for k in range(0, len(paths), BATCH):
        chunk = paths[k:k + BATCH]
        r = subprocess.run(cmd + ['fingerprint'] + chunk,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if r.returncode not in (0, 1):
            raise Broken('%s fingerprint: exit %d' % (cmd[0], r.returncode))
        for line in r.stdout.decode('utf-8', 'replace').splitlines():
            fp, _, path = line.partition(' ')
            if path not in chunk or not re.fullmatch(r'sha256:[0-9a-f]{64}', fp):
                raise Broken('%s fingerprint printed %r' % (cmd[0], line))
            fps[path] = fp
    accepted = [(i, p) for i, p in enumerate(paths) if p in fps]
    copies = []
    for _, p in accepted:
        q = os.path.join(fmtdir, os.path.basename(p))
        shutil.copyfile(p, q)
        copies.append(q)
    for k in range(0, len(copies), BATCH):
        r = subprocess.run(cmd + ['fmt', '-i'] + copies[k:k + BATCH],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise Broken('%s fmt -i: exit %d: %s' % (
                cmd[0], r.returncode, r.stderr.decode('utf-8', 'replace')[:300]))
    out = {}
    for (i, p), q in zip(accepted, copies):
        with open(q, 'rb') as f:
            out[i] = (f.read(), fps[p])
    return out


class Report:
    def __init__(self, keep):
        self.failures = []
        self.keep = keep

    def fail(self, label, msg, data=None):
        self.failures.append('%s: %s' % (label, msg))
        if self.keep and data is not None:
            os.makedirs(self.keep, exist_ok=True)
            name = re.sub(r'[^A-Za-z0-9._@~-]', '_', label)[-120:]
            with open(os.path.join(self.keep, name), 'wb') as f:
                f.write(data)


def check_reader(src, ref, report):
    """pcl1.py against the golden fixtures and the spec's worked example."""
    fix = os.path.join(src, 'tests/fixtures/layouts')
    for label, res in ref.items():
        if label.startswith('tests/fixtures/layouts/invalid/') and res:
            report.fail(label, 'pcl1.py accepts an invalid fixture')
        if label.startswith('tests/fixtures/layouts/valid/'):
            with open(os.path.join(src, label), 'rb') as f:
                if not res or res[0] != f.read():
                    report.fail(label, 'pcl1.py: not its own canonical form')
        if label.startswith('tests/fixtures/layouts/fmt/'):
            with open(os.path.join(src, label[:-5] + '.expected'), 'rb') as f:
                if not res or res[0] != f.read():
                    report.fail(label, 'pcl1.py: canonical form is not '
                                '.expected')
    with open(os.path.join(fix, 'fingerprints.txt')) as f:
        for line in f:
            fp, name = line.split()
            res = ref.get('tests/fixtures/layouts/' + name)
            if not res or res[1] != fp:
                report.fail(name, 'pcl1.py: fingerprint is not the one in '
                            'fingerprints.txt')
    with open(os.path.join(src, 'docs/layout-format.md'), encoding='utf-8') as f:
        spec = f.read()
    m = re.search(r'`(\{"pcilayout": 1, "name": "t", "revision": 1\})` has F ='
                  r'.*?fingerprint\s+`(sha256:[0-9a-f]{64})`', spec, re.S)
    if not m:
        report.fail('layout-format.md', '§6.4 worked example not found')
    elif reference(m.group(1).encode())[1] != m.group(2):
        report.fail('layout-format.md', 'pcl1.py disagrees with the worked '
                    'fingerprint of §6.4')


def check_schema(src, cases, ref, report, stride):
    """Files pcl1.py accepts are schema-valid (§9): every shipped, planned
    and probe file, and every @stride-th rewrite (a schema check costs a
    few milliseconds; rewrites differ from their base in spelling only)."""
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        report.fail('schema', 'python3-jsonschema is not installed')
        return 0
    with open(os.path.join(src, 'docs/pcilayout-2.schema.json')) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema)
    n = 0
    for i, case in enumerate(cases):
        if ref[i] is None or (case[1] in (mutate.REWRITE, mutate.SAME_FP) and
                              i % stride):
            continue
        n += 1
        err = next(iter(v.iter_errors(json.loads(case[3]))), None)
        if err is not None:
            report.fail(case[0], 'valid, but the schema says: %s at %s' % (
                err.message[:120], '/'.join(map(str, err.absolute_path))),
                case[3])
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('--impl', default=os.environ.get('PCILAYOUT'),
                    help='the implementation command (default $PCILAYOUT)')
    ap.add_argument('--planner', default=os.environ.get('PCILAYOUT'),
                    help='pcilayout, to plan the corpus (default $PCILAYOUT)')
    ap.add_argument('--srcdir', default=os.path.join(HERE, '..', '..'))
    ap.add_argument('--corpus', default=os.environ.get('PCL_CORPUS'))
    ap.add_argument('--seed', type=int, default=21)
    ap.add_argument('--per-base', type=int, default=12,
                    help='generated variants per valid file (default 12)')
    ap.add_argument('--schema-stride', type=int, default=4,
                    help='schema-check every Nth valid rewrite (default 4)')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--keep', help='write each failing case into this directory')
    args = ap.parse_args()
    if not args.impl:
        ap.error('no --impl and no $PCILAYOUT')
    cmd = shlex.split(args.impl)
    src = os.path.abspath(args.srcdir)
    t0 = time.time()
    report = Report(args.keep)

    files = shipped(src) + spec_examples(src)
    n_shipped = len(files)
    n_dumps = 0
    if args.planner and args.corpus and os.path.isdir(args.corpus):
        planned, n_dumps = plans(args.planner, args.corpus, args.jobs)
        files += planned
    else:
        print('corpus: not planned (no --planner or --corpus)')
    # (label, kind, base label, bytes); "base" cases have no expectation.
    cases = [(label, 'file', None, data) for label, data in files]
    ref = {c[0]: reference(c[3]) for c in cases}
    check_reader(src, ref, report)
    bases = [(c[0], c[3]) for c in cases if ref[c[0]]]
    gen = mutate.generate(bases, args.seed, args.per_base)
    gen += [(n, k, bases[0][0], d) for n, k, d in mutate.specials(bases[0][1])]
    cases += gen
    results = [ref.get(c[0]) if c[1] == 'file' else reference(c[3])
               for c in cases]

    # pcl1.py's own invariants: fixed point, rewrites, fingerprint-neutral.
    base_of = {c[0]: results[i] for i, c in enumerate(cases) if c[1] == 'file'}
    for i, (label, kind, base, data) in enumerate(cases):
        res = results[i]
        if res and reference(res[0]) != res:
            report.fail(label, 'pcl1.py: canonical form is not a fixed point',
                        data)
        if kind == mutate.REWRITE and res != base_of.get(base, res):
            report.fail(label, 'pcl1.py: a rewrite changed the canonical form'
                        if res else 'pcl1.py: refuses a rewrite of a valid '
                        'file', data)
        if kind == mutate.SAME_FP and (not res or
                                       res[1] != base_of[base][1]):
            report.fail(label, 'pcl1.py: fingerprint-neutral change changed '
                        'the fingerprint' if res else 'pcl1.py: refuses a '
                        'valid change', data)
    n_schema = check_schema(src, cases, results, report, args.schema_stride)

    # Thousands of small files, each fsync()ed by "fmt -i": memory if we can.
    shm = '/dev/shm' if os.access('/dev/shm', os.W_OK) else None
    tmp = tempfile.mkdtemp(prefix='pcl-conformance-', dir=shm)
    try:
        impl = run_impl(cmd, cases, tmp)
    except (Broken, OSError) as e:
        print('conformance: the implementation command failed: %s' % e)
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    agree = 0
    for i, (label, kind, base, data) in enumerate(cases):
        want, got = results[i], impl.get(i)
        if (want is None) != (got is None):
            report.fail(label, 'valid for %s only' % (
                'pcl1.py' if want else 'the implementation'), data)
        elif want and want[1] != got[1]:
            report.fail(label, 'fingerprints differ: pcl1.py %s, '
                        'implementation %s' % (want[1], got[1]), data)
        elif want and want[0] != got[0]:
            report.fail(label, 'canonical forms differ', data)
        else:
            agree += 1

    kinds = {}
    for i, c in enumerate(cases):
        k = kinds.setdefault(c[1], [0, 0])
        k[0 if results[i] else 1] += 1
    print('conformance: %d files (%d shipped or in the spec, %d planned from '
          '%d dumps x %d option sets), %d generated (seed %d)' % (
              len(files), n_shipped, len(files) - n_shipped, n_dumps,
              len(PLAN_VARIANTS), len(gen), args.seed))
    print('  ' + ', '.join('%s: %d valid, %d invalid' % (k, v[0], v[1])
                           for k, v in sorted(kinds.items())))
    print('  schema-checked %d valid files; implementation: %s' % (
        n_schema, args.impl))
    print('  %d of %d cases agree, %d failures, %.1f s' % (
        agree, len(cases), len(report.failures), time.time() - t0))
    for f in report.failures[:40]:
        print('FAIL: ' + f)
    if len(report.failures) > 40:
        print('... and %d more' % (len(report.failures) - 40))
    return 1 if report.failures else 0


if __name__ == '__main__':
    sys.exit(main())
