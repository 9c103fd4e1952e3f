#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""pcl1.py - a second reader of pcilayout layout files, formats 1 and 2.

Written from docs/layout-format.md (the authority) and nothing else of
pcilayout: not its C sources. Its capability name table is read from the
spec's Appendix A at start-up, so the two cannot drift apart silently. It
is the conformance reference of tests/conformance/run.py, and a small
command of its own:

    pcl1.py lint FILE...              "FILE: ok" or the errors; exit 0/1
    pcl1.py fmt FILE                  the canonical form on stdout
    pcl1.py fmt -i FILE...            rewrite each FILE in canonical form
    pcl1.py fingerprint FILE...       "sha256:<hex> FILE" per valid FILE

which is the interface run.py drives (docs/testing.md, "Format
conformance"). Errors name a path ("extended[2].at"), not a line: the
format's accept/reject decision, canonical bytes and fingerprint are what
conformance is about; positions are each reader's own.

Only the Python 3 standard library is used.
"""
import hashlib
import json
import os
import re
import sys

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                    'docs', 'layout-format.md')

MAX_SIZE = 1 << 20                     # §1.2
STD, EXT = 'standard', 'extended'
SPACE = {STD: (0x40, 0x100, 2, 0xff), EXT: (0x100, 0x1000, 4, 0xffff)}
# (first offset, end, header size, largest ID) of each chain (§5.2, §4.2)
MAX_ENTRIES = {STD: 64, EXT: 1024}     # §5.3
PLACEMENTS_MAX = 256
IDLIST_MAX = 256
RESERVED_MAX = 256
MACHINES_MAX = 64
TEXT_MAX, DESC_MAX = 256, 4096         # §1.11
U64_MAX = (1 << 64) - 1

LAYOUT_KEYS = {'pcilayout', 'kind', 'name', 'revision', 'description',
               'match', 'machines', 'profile', 'unclaimed', 'links',
               'reserved', STD, EXT}
QUIRK_KEYS = {'pcilayout', 'kind', 'name', 'description', 'match',
              'reserved', 'placements', 'hide', 'keep'}
ENTRY_KEYS = {'id', 'at', 'hidden', 'length', 'phys', 'instance', 'vendor',
              'vsec_id', 'virtual', 'provenance'}
MATCH_FIELDS = (('vendor', 16), ('device', 16), ('subsystem_vendor', 16),
                ('subsystem', 16), ('revision', 8), ('class', 24))
MATCH_WIDTH = {'vendor': 4, 'device': 4, 'subsystem_vendor': 4,
               'subsystem': 4, 'revision': 2, 'class': 6}   # §6.1.4
RULES = {'user', 'database', 'quirk', 'dvsec', 'gap', 'physical', 'default'}
GENERATORS = {'pasid': {'generator', 'max_width', 'exec', 'priv'},
              'dsn': {'generator', 'serial'},
              'null': {'generator'},
              'bytes': {'generator', 'data'}}
VSEC_IDS = (0x0b, 0x23)                # extended vsec, dvsec (§4.1)

HEX_RE = re.compile(r'0x[0-9a-fA-F]{1,16}')
NAME_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._+-]{0,63}')
PATTERN_RE = re.compile(r'[!-~]{1,64}')
DATA_RE = re.compile(r'(?:[0-9a-fA-F]{2})+')


def _appendix():
    """Appendix A: {space: {name: (id, length, fixed)}}; length 0 = required."""
    table = {STD: {}, EXT: {}}
    row = re.compile(r'\| (standard|extended) \| `([a-z0-9_]+)` \| 0x([0-9a-f]+) '
                     r'\| (?:(\d+) \((fixed|default)\)|required) \|')
    with open(SPEC, encoding='utf-8') as f:
        text = f.read()
    for m in row.finditer(text[text.index('## Appendix A'):]):
        table[m.group(1)][m.group(2)] = (int(m.group(3), 16),
                                         int(m.group(4) or 0),
                                         m.group(5) == 'fixed')
    return table


NAMES = _appendix()
BY_ID = {sp: {v[0]: (n, v[1], v[2]) for n, v in NAMES[sp].items()}
         for sp in NAMES}


class Invalid(Exception):
    """The file is not a valid format-1 file; .errors lists why."""

    def __init__(self, errors):
        super().__init__('; '.join(errors))
        self.errors = errors


class Real:
    """A JSON number with a fraction or exponent: never a valid value."""

    def __init__(self, text):
        self.text = text


class Wide:
    """An integer too long to be worth converting: outside every field."""

    def __init__(self, text):
        self.text = text


def _int(text):
    return int(text) if len(text) <= 40 else Wide(text)


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError('duplicate key "%s"' % k)
        d[k] = v
    return d


def _no_constant(name):
    raise ValueError('%s is not JSON' % name)


def _scalar_values(v):
    """Reject lone surrogates anywhere (§1.7): walk every string."""
    stack = [v]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            try:
                v.encode('utf-8')
            except UnicodeEncodeError:
                raise ValueError('a string holds a lone surrogate')


def parse(data):
    """The JSON text (§1.1-1.3, 1.5-1.7) as Python values, or Invalid."""
    if len(data) > MAX_SIZE:
        raise Invalid(['file is larger than 1 MiB'])
    try:
        text = data.decode('utf-8')
        doc = json.loads(text, object_pairs_hook=_no_duplicates,
                         parse_float=Real, parse_int=_int,
                         parse_constant=_no_constant)
        _scalar_values(doc)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise Invalid(['not a valid JSON text: %s' % str(e)[:200]])
    if not isinstance(doc, dict):
        raise Invalid(['the top level is not an object'])
    return doc


class Reader:
    """Checks one parsed file against §2-§7 and builds its canonical content."""

    def __init__(self):
        self.errors = []

    def err(self, path, msg):
        self.errors.append('%s: %s' % (path or '(top)', msg))

    # -- values (§1) ---------------------------------------------------------
    @staticmethod
    def is_int(v):
        return (isinstance(v, int) and not isinstance(v, bool)) or \
            isinstance(v, Wide)

    def integer(self, v, path, lo, hi):
        if not self.is_int(v):
            self.err(path, 'expected an integer')
            return None
        if isinstance(v, Wide) or not lo <= v <= hi:
            self.err(path, 'integer out of range %d-%d' % (lo, hi))
            return None
        return v

    def hexnum(self, v, path, hi):
        """§1.8: a hex string or a non-negative integer, at most @hi."""
        if self.is_int(v):
            return self.integer(v, path, 0, hi)
        if not isinstance(v, str) or not HEX_RE.fullmatch(v):
            self.err(path, 'expected a hex string ("0x" and 1-16 digits)')
            return None
        x = int(v[2:], 16)
        if x > hi:
            self.err(path, '%s is larger than 0x%x' % (v, hi))
            return None
        return x

    def boolean(self, v, path):
        if not isinstance(v, bool):
            self.err(path, 'expected true or false')
            return None
        return v

    def text(self, v, path, limit):
        """§1.7, §1.11: 1..@limit bytes of UTF-8, no control characters."""
        if not isinstance(v, str):
            self.err(path, 'expected a string')
            return None
        if not 1 <= len(v.encode('utf-8')) <= limit or \
                any(ord(c) < 0x20 or ord(c) == 0x7f for c in v):
            self.err(path, 'expected 1-%d bytes of text without control '
                     'characters' % limit)
            return None
        return v

    def name(self, v, path):
        if not isinstance(v, str) or not NAME_RE.fullmatch(v):
            self.err(path, 'not a name')
            return None
        return v

    def enum(self, v, path, choices):
        if not isinstance(v, str) or v not in choices:
            self.err(path, 'expected one of %s' % ', '.join(sorted(choices)))
            return None
        return v

    def keys(self, obj, path, allowed):
        for k in obj:
            if k not in allowed:
                self.err(path, 'unknown key "%s"' % k)

    def obj(self, v, path):
        if not isinstance(v, dict):
            self.err(path, 'expected an object')
            return False
        return True

    def array(self, v, path, limit):
        if not isinstance(v, list):
            self.err(path, 'expected an array')
            return False
        if len(v) > limit:
            self.err(path, 'more than %d items' % limit)
            return False
        return True

    def capid(self, v, path, space):
        """§4.2: a name of this chain's table, or a number that fits."""
        if isinstance(v, str) and not v.startswith('0x'):
            if v in NAMES[space]:
                return NAMES[space][v][0]
            self.err(path, 'unknown capability name "%s" in the %s chain'
                     % (v, space))
            return None
        return self.hexnum(v, path, SPACE[space][3])

    # -- top level (§2, §3, §8) ----------------------------------------------
    def read(self, doc):
        """Returns the canonical content (§6.1) of a valid file, or raises."""
        if 'pcilayout' not in doc:
            raise Invalid(['missing "pcilayout"'])
        ver = doc['pcilayout']
        if not self.is_int(ver) or isinstance(ver, Wide) or ver not in (1, 2):
            raise Invalid(['"pcilayout" is not 1 or 2'])    # §8
        self.version = ver
        kind = 'layout'
        if 'kind' in doc:
            kind = self.enum(doc['kind'], 'kind', {'layout', 'quirk'}) or 'layout'
        self.keys(doc, '', QUIRK_KEYS if kind == 'quirk' else LAYOUT_KEYS)
        out = {'pcilayout': 1, 'name': None}
        if kind == 'quirk':
            out['kind'] = 'quirk'
        if 'name' not in doc:
            self.err('', 'missing "name"')
        else:
            out['name'] = self.name(doc['name'], 'name')
        if 'description' in doc:
            out['description'] = self.text(doc['description'], 'description',
                                           DESC_MAX)
        if 'match' in doc:
            m = self.match(doc['match'])
            if m:
                out['match'] = m
        elif kind == 'quirk':
            self.err('', 'a quirk needs "match"')
        reserved = self.reserved(doc.get('reserved', []))
        if reserved:
            out['reserved'] = [r[2] for r in reserved]
        if kind == 'layout':
            self.layout(doc, out, reserved)
        else:
            self.quirk(doc, out)
        if self.errors:
            raise Invalid(self.errors)
        # §8: the lowest version able to express the file.
        if out.get('links') == 'listed' or out.get('revision') == 0:
            out['pcilayout'] = 2
        return out

    def layout(self, doc, out, reserved):
        if 'revision' not in doc:
            self.err('', 'missing "revision"')
        else:
            low = 0 if self.version >= 2 else 1   # §3: revision 0 is format 2
            out['revision'] = self.integer(doc['revision'], 'revision', low,
                                           2 ** 31 - 1)
        if 'machines' in doc:
            ms = self.machines(doc['machines'])
            if ms:
                out['machines'] = ms
        if 'profile' in doc:
            out['profile'] = self.name(doc['profile'], 'profile')
        if 'unclaimed' in doc:
            u = self.enum(doc['unclaimed'], 'unclaimed',
                          {'passthrough', 'zero', 'ones'})
            if u and u != 'passthrough':
                out['unclaimed'] = u
        listed = False
        if 'links' in doc:
            if self.version < 2:
                self.err('links', '"links" is format 2')
            listed = self.enum(doc['links'], 'links',
                               {'ascending', 'listed'}) == 'listed'
        ascending = True
        for space in (STD, EXT):
            if space in doc:
                chain = self.chain(doc[space], space, reserved, listed)
                if chain and chain[0]:
                    out[space] = chain[0]
                    ascending = ascending and chain[1]
        # §4.4: "listed" over chains already in offset order is the default.
        if listed and not ascending:
            out['links'] = 'listed'

    def match(self, m):
        if not self.obj(m, 'match'):
            return None
        self.keys(m, 'match', {k for k, _ in MATCH_FIELDS})
        if 'vendor' not in m:
            self.err('match', '"match" needs "vendor"')
        out = {}
        for key, bits in MATCH_FIELDS:
            if key in m:
                x = self.hexnum(m[key], 'match.' + key, (1 << bits) - 1)
                if x is not None:
                    out[key] = '0x%0*x' % (MATCH_WIDTH[key], x)
        return out

    def machines(self, a):
        if not self.array(a, 'machines', MACHINES_MAX):
            return None
        seen = set()
        for i, p in enumerate(a):
            path = 'machines[%d]' % i
            if not isinstance(p, str) or not PATTERN_RE.fullmatch(p):
                self.err(path, 'not a machine pattern')
            elif p in seen:
                self.err(path, 'pattern listed twice')
            else:
                seen.add(p)
        return sorted(seen, key=lambda s: s.encode('utf-8'))

    def reserved(self, a):
        """§3.2: [(offset, length, canonical item)], sorted."""
        if not self.array(a, 'reserved', RESERVED_MAX):
            return []
        out = []
        for i, r in enumerate(a):
            path = 'reserved[%d]' % i
            if not self.obj(r, path):
                continue
            self.keys(r, path, {'offset', 'length', 'reason', 'source'})
            n = len(self.errors)
            for k in ('offset', 'length', 'reason'):
                if k not in r:
                    self.err(path, 'missing "%s"' % k)
            off = self.hexnum(r['offset'], path + '.offset', 0xffff) \
                if 'offset' in r else None
            length = self.integer(r['length'], path + '.length', 1, 4032) \
                if 'length' in r else None
            item = {}
            if 'reason' in r:
                item['reason'] = self.text(r['reason'], path + '.reason',
                                           TEXT_MAX)
            if 'source' in r:
                item['source'] = self.text(r['source'], path + '.source',
                                           TEXT_MAX)
            if off is not None and not 0x40 <= off <= 0xfff:
                self.err(path, 'offset outside 0x40-0xfff')
            elif off is not None and length is not None and \
                    (off + length > 0x1000 or (off < 0x100 < off + length)):
                self.err(path, 'range crosses 0x100 or runs past 0xfff')
            if len(self.errors) == n:
                item['offset'] = '0x%x' % off
                item['length'] = length
                out.append((off, length, item))
        out.sort(key=lambda r: (r[0], r[1]))
        for a, b in zip(out, out[1:]):
            if a[0] + a[1] > b[0]:
                self.err('reserved', 'ranges 0x%x and 0x%x overlap'
                         % (a[0], b[0]))
        return out

    # -- entries (§4, §5) ----------------------------------------------------
    def chain(self, a, space, reserved, listed):
        """(canonical entries, whether the links are in offset order)."""
        if not self.array(a, space, MAX_ENTRIES[space]):
            return None
        entries = []
        partial = False
        for i, e in enumerate(a):
            path = '%s[%d]' % (space, i)
            n = len(self.errors)
            ent = self.entry(e, path, space) if self.obj(e, path) else None
            if ent is None or len(self.errors) != n:
                partial = True
                continue
            entries.append(ent)
        self.chain_rules(entries, space, reserved, partial, listed)
        in_file = [e for e in entries if not e['hidden']]
        presented = sorted(in_file, key=lambda e: e['at'])
        hidden = sorted((e for e in entries if e['hidden']),
                        key=lambda e: tuple(-1 if x is None else x
                                            for x in e['sel']))
        ascending = in_file == presented
        if listed:
            presented = in_file
        return [e['out'] for e in presented + hidden], ascending

    def entry(self, e, path, space):
        start, end, header, _ = SPACE[space]
        self.keys(e, path, ENTRY_KEYS)
        out = {}
        if 'id' not in e:
            self.err(path, 'missing "id"')
            cid = None
        else:
            cid = self.capid(e['id'], path + '.id', space)
        hidden = False
        if 'hidden' in e:
            hidden = self.boolean(e['hidden'], path + '.hidden') or False
        virtual = 'virtual' in e and not hidden
        forbidden = []
        if hidden:
            forbidden += ['at', 'length', 'virtual']
        elif 'at' not in e:
            self.err(path, 'needs "at" or "hidden": true')
        if virtual:
            forbidden += ['length', 'phys', 'instance', 'vendor', 'vsec_id']
        elif 'phys' in e:
            forbidden += ['instance']
        if cid is not None and not (space == EXT and cid in VSEC_IDS):
            forbidden += ['vendor', 'vsec_id']
        for k in forbidden:          # §1.12: by presence, whatever the value
            if k in e:
                self.err(path + '.' + k, '"%s" is not allowed here' % k)
        at = self.hexnum(e['at'], path + '.at', 0xffff) \
            if 'at' in e and not hidden else None
        phys = self.hexnum(e['phys'], path + '.phys', 0xffff) \
            if 'phys' in e else None
        inst = self.integer(e['instance'], path + '.instance', 0, 0xffff) \
            if 'instance' in e else None
        vendor = self.hexnum(e['vendor'], path + '.vendor', 0xffff) \
            if 'vendor' in e else None
        vsec = self.hexnum(e['vsec_id'], path + '.vsec_id', 0xffff) \
            if 'vsec_id' in e else None
        length = self.integer(e['length'], path + '.length', 1, 3840) \
            if 'length' in e and not hidden and not virtual else None
        if phys is not None and (phys % 4 or not start <= phys < end):
            self.err(path + '.phys', 'not a dword-aligned offset of the chain')
        if 'provenance' in e:
            prov = self.provenance(e['provenance'], path + '.provenance')
            if prov:
                out['provenance'] = prov
        gen = None
        if virtual:
            gen = self.generator(e['virtual'], path + '.virtual', space, cid)
        if cid is None:
            return None
        name = BY_ID[space].get(cid)
        out['id'] = name[0] if name else '0x%x' % cid
        if hidden:
            out['hidden'] = True
        elif at is not None:
            out['at'] = '0x%x' % at
            if at % 4 or not start <= at < end:
                self.err(path + '.at', 'not a dword-aligned offset of the chain')
        if virtual:
            if gen is None:
                return None
            length, out['virtual'] = gen
        elif not hidden:
            dflt, fixed = (name[1], name[2]) if name else (0, False)
            if length is None and 'length' not in e:
                length = dflt
                if not dflt:
                    self.err(path, 'needs "length": its size is not fixed')
            if length is not None:
                if fixed and length != dflt:
                    self.err(path + '.length', 'always %d bytes' % dflt)
                if length < header:
                    self.err(path + '.length', 'shorter than a header')
                if length != dflt or not dflt:
                    out['length'] = length
        if phys is not None:
            out['phys'] = '0x%x' % phys
        if inst:
            out['instance'] = inst
        if vendor is not None:
            out['vendor'] = '0x%04x' % vendor
        if vsec is not None:
            out['vsec_id'] = '0x%x' % vsec
        if not hidden and at is not None and length and at + length > end:
            self.err(path, 'runs past the end of the %s chain' % space)
        return {'hidden': hidden, 'at': at, 'length': length, 'out': out,
                'virtual': virtual, 'path': path,
                'sel': (cid, vendor, vsec, phys, inst or 0)}

    def provenance(self, p, path):
        if not self.obj(p, path):
            return None
        self.keys(p, path, {'rule', 'reason'})
        out = {}
        for k in ('rule', 'reason'):
            if k not in p:
                self.err(path, 'missing "%s"' % k)
        if 'rule' in p:
            out['rule'] = self.enum(p['rule'], path + '.rule', RULES)
        if 'reason' in p:
            out['reason'] = self.text(p['reason'], path + '.reason', DESC_MAX)
        return out

    def generator(self, v, path, space, cid):
        """§5.1: (length, canonical object) or None."""
        if not self.obj(v, path):
            return None
        if 'generator' not in v:
            self.err(path, 'missing "generator"')
            return None
        gen = self.enum(v['generator'], path + '.generator', GENERATORS)
        if gen is None:
            return None
        self.keys(v, path, GENERATORS[gen])
        out = {'generator': gen}
        header = SPACE[space][2]
        if gen == 'pasid':
            if space != EXT or cid != 0x1b:
                self.err(path, 'generator pasid makes only extended pasid')
            if 'max_width' not in v:
                self.err(path, 'missing "max_width"')
            else:
                out['max_width'] = self.integer(v['max_width'],
                                                path + '.max_width', 0, 20)
            for k in ('exec', 'priv'):
                if k in v and self.boolean(v[k], path + '.' + k):
                    out[k] = True
            return 8, out
        if gen == 'dsn':
            if space != EXT or cid != 0x03:
                self.err(path, 'generator dsn makes only extended dsn')
            if 'serial' not in v:
                self.err(path, 'missing "serial"')
            elif v['serial'] == 'from-pf':
                out['serial'] = 'from-pf'
            else:
                x = self.hexnum(v['serial'], path + '.serial', U64_MAX)
                if x is not None:
                    out['serial'] = '0x%016x' % x
            return 12, out
        if gen == 'null':
            if cid != 0:
                self.err(path, 'generator null makes only null (ID 0)')
            return header, out
        data = v.get('data')
        if 'data' not in v:
            self.err(path, 'missing "data"')
            return None
        if not isinstance(data, str) or not DATA_RE.fullmatch(data):
            self.err(path + '.data', 'not pairs of hex digits')
            return None
        b = bytes.fromhex(data)
        if not header <= len(b) <= SPACE[space][1] - SPACE[space][0]:
            self.err(path + '.data', 'too short or too long')
            return None
        if space == STD:
            ok = b[0] == cid and b[1] == 0
        else:
            hdr = int.from_bytes(b[:4], 'little')
            ok = hdr & 0xffff == cid and hdr >> 20 == 0
        if cid is not None and not ok:
            self.err(path + '.data', 'header is not this ID with next 0')
        out['data'] = data.lower()
        return len(b), out

    def chain_rules(self, entries, space, reserved, partial, listed):
        """§5.2 over the entries that loaded."""
        in_file = [e for e in entries if not e['hidden']]
        pres = sorted(in_file, key=lambda e: e['at'])
        for a, b in zip(pres, pres[1:]):
            if a['at'] + a['length'] > b['at']:
                self.err(b['path'], 'overlaps %s' % a['path'])
        for e in pres:
            for off, length, _ in reserved:
                if off < e['at'] + e['length'] and e['at'] < off + length:
                    self.err(e['path'], 'covers reserved bytes at 0x%x' % off)
        head = in_file if listed else pres   # §4.4: the chain's first entry
        if space == EXT and head and head[0]['at'] != 0x100 and not partial:
            self.err(head[0]['path'], 'the first extended entry is not at 0x100')
        sels = [e for e in entries if not e['virtual']]
        seen = set()
        for e in sels:
            if e['sel'] in seen:
                self.err(e['path'], 'selector given twice')
            seen.add(e['sel'])

    # -- quirks (§7) ---------------------------------------------------------
    def quirk(self, doc, out):
        if 'placements' in doc:
            p = self.placements(doc['placements'])
            if p:
                out['placements'] = p
        ids = {}
        for key in ('hide', 'keep'):
            if key in doc:
                ids[key] = self.idlists(doc[key], key)
                lists = {sp: [self.capname(sp, i) for i in sorted(v)]
                         for sp, v in ids[key].items() if v}
                if lists:
                    out[key] = lists
        for space in (STD, EXT):
            both = ids.get('hide', {}).get(space, set()) & \
                ids.get('keep', {}).get(space, set())
            if both:
                self.err('keep.' + space, 'both hidden and kept: %s' %
                         ', '.join('0x%x' % i for i in sorted(both)))

    @staticmethod
    def capname(space, cid):
        n = BY_ID[space].get(cid)
        return n[0] if n else '0x%x' % cid

    def placements(self, p):
        if not self.obj(p, 'placements'):
            return None
        self.keys(p, 'placements', {STD, EXT})
        out, total = {}, 0
        for space in (STD, EXT):
            if space not in p:
                continue
            path = 'placements.' + space
            m = p[space]
            if not self.obj(m, path):
                continue
            start, end = SPACE[space][0], SPACE[space][1]
            seen = {}
            for k, v in m.items():
                cid = self.capid(k, '%s.%s' % (path, k), space)
                at = self.hexnum(v, '%s.%s' % (path, k), 0xffff)
                if cid is None or at is None:
                    continue
                if at % 4 or not start <= at < end:
                    self.err(path, 'placement 0x%x is not a dword-aligned '
                             'offset of the chain' % at)
                elif cid in seen:
                    self.err(path, 'capability 0x%x placed twice' % cid)
                else:
                    seen[cid] = '0x%x' % at
            total += len(seen)
            if seen:
                out[space] = {self.capname(space, c): a
                              for c, a in seen.items()}
        if total > PLACEMENTS_MAX:
            self.err('placements', 'more than %d placements' % PLACEMENTS_MAX)
        return out

    def idlists(self, o, key):
        if not self.obj(o, key):
            return {}
        self.keys(o, key, {STD, EXT})
        out = {}
        for space in (STD, EXT):
            if space not in o:
                continue
            path = '%s.%s' % (key, space)
            if not self.array(o[space], path, IDLIST_MAX):
                continue
            seen = set()
            for i, v in enumerate(o[space]):
                cid = self.capid(v, '%s[%d]' % (path, i), space)
                if cid is None:
                    continue
                if cid in seen:
                    self.err(path, 'capability 0x%x listed twice' % cid)
                seen.add(cid)
            out[space] = seen
        return out


# -- canonical form and fingerprint (§6) ------------------------------------
def _dump(v, depth):
    pad = '  ' * depth
    if isinstance(v, dict):
        if not v:
            return '{}'
        keys = sorted(v, key=lambda k: k.encode('utf-8'))
        return '{\n' + ',\n'.join('%s  %s: %s' % (pad, _dump(k, 0),
                                                   _dump(v[k], depth + 1))
                                  for k in keys) + '\n' + pad + '}'
    if isinstance(v, list):
        if not v:
            return '[]'
        return '[\n' + ',\n'.join('%s  %s' % (pad, _dump(x, depth + 1))
                                  for x in v) + '\n' + pad + ']'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    return '"' + v.replace('\\', '\\\\').replace('"', '\\"') + '"'


def serialize(content):
    """§6.2: the canonical bytes of canonical content."""
    return (_dump(content, 0) + '\n').encode('utf-8')


def _numeric_id(space, v):
    return '0x%x' % NAMES[space][v][0] if v in NAMES[space] else v


def fingerprint_content(content):
    """§6.4: without annotations and hidden entries, IDs as hex strings."""
    out = {k: v for k, v in content.items() if k != 'description'}
    for space in (STD, EXT):
        if space in out:
            chain = []
            for e in out[space]:
                if e.get('hidden'):
                    continue
                e = {k: v for k, v in e.items() if k != 'provenance'}
                e['id'] = _numeric_id(space, e['id'])
                chain.append(e)
            if chain:
                out[space] = chain
            else:
                del out[space]
    if 'placements' in out:
        out['placements'] = {sp: {_numeric_id(sp, k): v for k, v in m.items()}
                             for sp, m in out['placements'].items()}
    for key in ('hide', 'keep'):
        if key in out:
            out[key] = {sp: [_numeric_id(sp, v) for v in ids]
                        for sp, ids in out[key].items()}
    return out


def fingerprint(content):
    return 'sha256:' + hashlib.sha256(
        serialize(fingerprint_content(content))).hexdigest()


def load(data):
    """Bytes -> canonical content of a valid file, or raises Invalid."""
    return Reader().read(parse(data))


# -- the command (the interface tests/conformance/run.py drives) ------------
def _read(path):
    if path == '-':
        return sys.stdin.buffer.read(MAX_SIZE + 1)
    with open(path, 'rb') as f:
        return f.read(MAX_SIZE + 1)


def _write_atomic(path, data):
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main(argv):
    usage = ('usage: pcl1.py lint FILE... | fmt FILE | fmt -i FILE... | '
             'fingerprint FILE...')
    if len(argv) < 2 or argv[0] not in ('lint', 'fmt', 'fingerprint'):
        print(usage, file=sys.stderr)
        return 2
    cmd, files = argv[0], argv[1:]
    inplace = cmd == 'fmt' and files[0] == '-i'
    if inplace:
        files = files[1:]
    if not files or (cmd == 'fmt' and not inplace and len(files) != 1):
        print(usage, file=sys.stderr)
        return 2
    status = 0
    for path in files:
        try:
            content = load(_read(path))
        except OSError as e:
            print('%s: %s' % (path, e.strerror), file=sys.stderr)
            return 2
        except Invalid as e:
            for msg in e.errors:
                print('%s: %s' % (path, msg), file=sys.stderr)
            status = 1
            continue
        if cmd == 'lint':
            print('%s: ok' % path)
        elif cmd == 'fingerprint':
            print('%s %s' % (fingerprint(content), path))
        elif inplace:
            _write_atomic(path, serialize(content))
        else:
            sys.stdout.buffer.write(serialize(content))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
