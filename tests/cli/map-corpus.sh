#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# map-corpus.sh - `map` (text, JSON, SVG) and `gaps` over every real dump in
# $PCL_CORPUS without error, and the issue's done-criterion checked
# independently of the map: for each dump, the top 8-byte extended window
# `gaps` offers covers no non-zero byte (read from the dump text by
# python), no orphan (from `show --json`) and no quirk-reserved byte (from
# the quirk files matched by python on the dump's own ID bytes). A dump
# with no window must have a reason python can see too: no extended space
# read, or no 8 zero bytes in a row outside the capabilities `show` lists.
# And `show` (text, JSON) and `map --json` print the same of a dump file,
# read twice, and of its text on standard input, read once and held.
set -u
[ -d "$PCL_CORPUS" ] || exit 77
command -v python3 >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
q="--no-default-quirks --quirks $PCL_SRCDIR/data/quirks"
# Where a function was read from: the only difference of file and stdin.
norm='s/"source": "[^"]*"/"source": ""/; s/^\tSource: [^:]*:/\tSource: :/'

for f in "$PCL_CORPUS"/*.lspci; do
	n=$((n + 1))
	b=$(basename "$f" .lspci)
	for args in "" "--json" "--svg $tmp/$b.svg"; do
		"$PCILAYOUT" map $q $args "$f" >"$tmp/out" 2>&1
		rc=$?
		[ $rc = 0 ] || { echo "FAIL: map $args $b: exit $rc" >&2; cat "$tmp/out" >&2; fail=1; }
	done
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout "$tmp/$b.svg" || { echo "FAIL: $b.svg" >&2; fail=1; }
	fi
	rm -f "$tmp/$b.svg"
	"$PCILAYOUT" gaps $q --size 8 --space standard "$f" >/dev/null 2>"$tmp/err"
	[ $? -le 1 ] || { echo "FAIL: gaps std $b" >&2; cat "$tmp/err" >&2; fail=1; }
	"$PCILAYOUT" gaps $q --size 8 --space extended --json "$f" >"$tmp/$b.gaps.json" 2>"$tmp/err"
	rc=$?
	[ $rc -le 1 ] || { echo "FAIL: gaps ext $b: exit $rc" >&2; cat "$tmp/err" >&2; fail=1; }
	"$PCILAYOUT" show --json "$f" >"$tmp/$b.show.json" 2>/dev/null
	[ $? -le 1 ] || { echo "FAIL: show $b" >&2; fail=1; }
	# A file is read twice and printed as it is read; standard input is
	# read once and its output held: the same functions either way.
	for cmd in "show" "show --json" "map $q --json"; do
		# shellcheck disable=SC2086 # $cmd is the words of a command
		"$PCILAYOUT" $cmd "$f" 2>&1 | sed "$norm" >"$tmp/file"
		# shellcheck disable=SC2086
		"$PCILAYOUT" $cmd - <"$f" 2>&1 | sed "$norm" >"$tmp/stdin"
		cmp -s "$tmp/file" "$tmp/stdin" ||
			{ echo "FAIL: $cmd $b: the file and its text on stdin differ" >&2; fail=1; }
	done
done
[ $n -gt 0 ] || exit 77

python3 - "$PCL_CORPUS" "$tmp" "$PCL_SRCDIR/data/quirks" <<'PY' || fail=1
import glob, json, os, re, sys

corpus, tmp, qdir = sys.argv[1:4]

def read_dump(path):
    """First device of an lspci -x text: bytes and which were read."""
    row = re.compile(r'^([0-9a-fA-F]{2,3}):((?: [0-9a-fA-F]{2}){1,16})\s*$')
    data, read, seen = bytearray(4096), [False] * 4096, False
    for line in open(path, errors='replace'):
        m = row.match(line)
        if not m:
            if seen and line.strip():
                break  # the next device starts
            continue
        seen = True
        off = int(m.group(1), 16)
        for i, tok in enumerate(m.group(2).split()):
            if off + i < 4096:
                data[off + i] = int(tok, 16)
                read[off + i] = True
    return data, read

def quirk_reserved(data):
    vendor = data[0] | data[1] << 8
    device = data[2] | data[3] << 8
    cls = data[9] | data[10] << 8 | data[11] << 16
    out = []
    for qf in glob.glob(os.path.join(qdir, '*.json')):
        q = json.load(open(qf))
        m = q['match']
        if int(m['vendor'], 16) != vendor:
            continue
        if 'device' in m and int(m['device'], 16) != device:
            continue
        if 'class' in m and int(m['class'], 16) != cls:
            continue
        for r in q.get('reserved', []):
            s = int(r['offset'], 16)
            out.append((s, s + r['length']))
    return out

bad = 0
none = []
for path in sorted(glob.glob(os.path.join(corpus, '*.lspci'))):
    b = os.path.basename(path)[:-len('.lspci')]
    data, read = read_dump(path)
    gaps = json.load(open(os.path.join(tmp, b + '.gaps.json')))['devices'][0]
    show = json.load(open(os.path.join(tmp, b + '.show.json')))['devices'][0]
    orphans = [(int(o['offset'], 16), int(o['offset'], 16) + (o['length'] or 4))
               for o in show['orphans']]
    caps = [(int(c['offset'], 16), c['length']) for c in show['capabilities']
            if c['space'] == 'extended']
    reserved = quirk_reserved(data)
    if not gaps['windows']:
        none.append(b)
        # No window: there must be no extended space read, or no 8 zero
        # bytes (dword aligned) outside capabilities of known length.
        if not any(read[0x100:]):
            continue
        if any(c[1] is None for c in caps):
            continue  # a length-unknown capability may own the rest
        owned = set()
        for s, ln in caps:
            owned.update(range(s, s + ln))
        for s, e in orphans + reserved:
            owned.update(range(s, e))
        for off in range(0x100, 0xff9, 4):
            if all(read[i] and not data[i] and i not in owned
                   for i in range(off, off + 8)):
                print('FAIL: %s: no window offered, but 0x%x looks free' % (b, off))
                bad += 1
                break
        continue
    top = gaps['windows'][0]
    s = int(top['offset'], 16)
    win = range(s, s + 8)
    why = []
    if any(not read[i] for i in win):
        why.append('unread byte')
    if any(data[i] for i in win):
        why.append('non-zero byte')
    if any(o[0] < s + 8 and s < o[1] for o in orphans):
        why.append('orphan')
    if any(r[0] < s + 8 and s < r[1] for r in reserved):
        why.append('reserved range')
    if any(c[1] and c[0] < s + 8 and s < c[0] + c[1] for c in caps):
        why.append('capability')
    if s < 0x100 or s + 8 > 0x1000 or s % 4:
        why.append('outside extended space or misaligned')
    if why:
        print('FAIL: %s: top window 0x%x covers: %s' % (b, s, ', '.join(why)))
        bad += 1
print('%d dumps without an extended window: %s' % (len(none), ' '.join(none)))
sys.exit(1 if bad else 0)
PY
exit $fail
