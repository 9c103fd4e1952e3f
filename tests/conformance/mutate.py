# SPDX-License-Identifier: BSD-3-Clause
"""mutate.py - generated layout files for the conformance run.

From each valid base file, deterministic (seeded) variants of three kinds:

* REWRITE - the same layout spelled differently (key order, whitespace,
  escapes, integers for hex strings, hex case and leading zeros, numbers
  for names, defaults written out, array order, big serials as integers):
  a reader must give exactly the base's canonical bytes;
* SAME_FP - a change the fingerprint ignores (description, provenance,
  hidden entries added or removed): valid, same fingerprint as the base;
* PROBE - a change aimed at one rule of the spec, most of them invalid
  (boundaries, forbidden keys, duplicates, syntax): no expectation of its
  own; the reader and the implementation must agree on it.

Documents are emitted by a writer of our own so that the spelling (raw
number tokens, escapes, duplicate keys, separators) is under control.
"""
import copy
import json
import random
import re

from pcl1 import NAMES, STD, EXT, SPACE

REWRITE, SAME_FP, PROBE = 'rewrite', 'same-fp', 'probe'


class Raw:
    """A token written as is ("1.0", "-0", "NaN", 18446744073709551616)."""

    def __init__(self, text):
        self.text = text


class Pairs:
    """An object given as a list of pairs: may repeat a key."""

    def __init__(self, pairs):
        self.pairs = pairs


class Style:
    """How emit() spells a document: plain by default, else drawn from rng."""

    def __init__(self, rng=None):
        self.rng = rng
        self.shuffle, self.indent, self.colon = False, 2, ': '
        self.comma, self.nl, self.escape = ',', '\n', False
        if rng:
            self.shuffle = rng.random() < 0.7
            self.indent = rng.choice([None, 0, 1, 2, 4, '\t'])
            self.colon = rng.choice([':', ': ', ' : '])
            self.comma = rng.choice([',', ', '])
            self.nl = rng.choice(['\n', '\r\n'])
            self.escape = rng.random() < 0.3


_PLAIN = re.compile(r'[^"\\\x00-\x1f\ud800-\udfff]*')


def _str(s, st):
    if not st.escape and _PLAIN.fullmatch(s):
        return '"' + s + '"'        # the common case, quickly
    out = []
    for c in s:
        if c == '"' or c == '\\':
            out.append('\\' + c)
        elif ord(c) < 0x20 or 0xd800 <= ord(c) < 0xe000:
            out.append('\\u%04x' % ord(c))   # control, lone surrogate
        elif st.escape and c.isascii() and st.rng.random() < 0.3:
            out.append('\\/' if c == '/' else '\\u%04x' % ord(c))
        else:
            out.append(c)
    return '"' + ''.join(out) + '"'


def emit(v, st=None, depth=0):
    """JSON text for @v in style @st (default: plain, two-space indent)."""
    st = st or Style()
    if isinstance(v, Raw):
        return v.text
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if v is None:
        return 'null'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return _str(v, st)
    if isinstance(v, (dict, Pairs)):
        items = list(v.pairs if isinstance(v, Pairs) else v.items())
        if st.shuffle:
            st.rng.shuffle(items)
        parts = ['%s%s%s' % (_str(k, st), st.colon, emit(x, st, depth + 1))
                 for k, x in items]
        return _wrap('{', '}', parts, st, depth)
    return _wrap('[', ']', [emit(x, st, depth + 1) for x in v], st, depth)


def _wrap(op, cl, parts, st, depth):
    if not parts:
        return op + cl
    if st.indent is None:
        return op + st.comma.join(parts) + cl
    unit = st.indent if isinstance(st.indent, str) else ' ' * st.indent
    pad = st.nl + unit * (depth + 1)
    return op + pad + (',' + pad).join(parts) + st.nl + unit * depth + cl


def encode(v, st=None):
    return emit(v, st).encode('utf-8')


# -- where things are in a document ---------------------------------------
def entries(doc):
    """[(space, index, entry)] of a layout."""
    return [(sp, i, e) for sp in (STD, EXT)
            for i, e in enumerate(doc.get(sp, [])) if isinstance(e, dict)]


def hex_slots(doc):
    """[(container, key, field bits)] of every hex-valued field."""
    slots = []
    m = doc.get('match', {})
    for k, bits in (('vendor', 16), ('device', 16), ('subsystem_vendor', 16),
                    ('subsystem', 16), ('revision', 8), ('class', 24)):
        if k in m:
            slots.append((m, k, bits))
    for r in doc.get('reserved', []):
        slots.append((r, 'offset', 16))
    for sp, _, e in entries(doc):
        for k in ('at', 'phys', 'vendor', 'vsec_id'):
            if k in e:
                slots.append((e, k, 16))
        v = e.get('virtual', {})
        if isinstance(v.get('serial'), str) and v['serial'].startswith('0x'):
            slots.append((v, 'serial', 64))
    for sp, m in doc.get('placements', {}).items():
        for k in m:
            slots.append((m, k, 16))
    return slots


def id_slots(doc):
    """[(container, key or index, space)] of every capability ID."""
    slots = [(e, 'id', sp) for sp, _, e in entries(doc)]
    for key in ('hide', 'keep'):
        for sp, ids in doc.get(key, {}).items():
            slots += [(ids, i, sp) for i in range(len(ids))]
    return slots


def _id_value(v, sp):
    if isinstance(v, int):
        return v
    if v.startswith('0x'):
        return int(v, 16)
    return NAMES[sp][v][0]


# -- rewrites: same canonical bytes ---------------------------------------
def _respell_hex(doc, rng):
    for obj, key, bits in hex_slots(doc):
        x = int(obj[key], 16) if isinstance(obj[key], str) else obj[key]
        choice = rng.randrange(4)
        if choice == 0:
            obj[key] = x
        elif choice == 1:
            obj[key] = '0x%X' % x
        elif choice == 2:
            digits = '%x' % x
            obj[key] = '0x' + '0' * rng.randint(0, 16 - len(digits)) + digits
        elif choice == 3 and bits == 64:
            obj[key] = x        # serials beyond 2^63 as integers too
    return doc


def _respell_ids(doc, rng):
    by_id = {sp: {v[0]: n for n, v in NAMES[sp].items()} for sp in NAMES}
    for obj, key, sp in id_slots(doc):
        x = _id_value(obj[key], sp)
        obj[key] = rng.choice([x, '0x%x' % x, '0x%04X' % x,
                               by_id[sp].get(x, '0x%x' % x)])
    if 'placements' in doc:
        for sp, m in doc['placements'].items():
            doc['placements'][sp] = {
                rng.choice(['0x%x' % _id_value(k, sp), k]): v
                for k, v in m.items()}
    return doc


def _defaults(doc, rng):
    quirk = doc.get('kind') == 'quirk'
    if quirk:
        for k in ('placements', 'hide', 'keep'):
            doc.setdefault(k, {})
            for sp in (STD, EXT):
                if rng.random() < 0.5:
                    doc[k].setdefault(sp, {} if k == 'placements' else [])
        return doc
    doc.setdefault('kind', 'layout')
    doc.setdefault('unclaimed', 'passthrough')
    if doc.get('pcilayout') == 2:
        doc.setdefault('links', 'ascending')
    for k in ('machines', 'reserved', STD, EXT):
        if rng.random() < 0.5:
            doc.setdefault(k, [])
    for sp, _, e in entries(doc):
        v = e.get('virtual')
        if v is None:
            if 'at' in e:
                e.setdefault('hidden', False)
            if 'phys' not in e:
                e.setdefault('instance', 0)
            name = e['id'] if isinstance(e['id'], str) else None
            if name in NAMES[sp] and NAMES[sp][name][1] and 'at' in e:
                e.setdefault('length', NAMES[sp][name][1])
        else:
            e.setdefault('hidden', False)
            if v.get('generator') == 'pasid':
                v.setdefault('exec', False)
                v.setdefault('priv', False)
    return doc


def _reorder(doc, rng):
    for k in ('machines', 'reserved'):
        if k in doc:
            rng.shuffle(doc[k])
    for k in (STD, EXT):
        if k not in doc:
            continue
        if doc.get('links') != 'listed':
            rng.shuffle(doc[k])
            continue
        # "listed": the presented entries' order is the chain's; hidden
        # entries may go anywhere between them.
        pres = [e for e in doc[k] if not e.get('hidden')]
        hidden = [e for e in doc[k] if e.get('hidden')]
        for e in hidden:
            pres.insert(rng.randrange(len(pres) + 1), e)
        doc[k] = pres
    for key in ('hide', 'keep'):
        for ids in doc.get(key, {}).values():
            rng.shuffle(ids)
    return doc


def _minus_zero(doc, rng):
    for sp, _, e in entries(doc):
        if e.get('instance') == 0:
            e['instance'] = Raw('-0')
        v = e.get('virtual', {})
        if v.get('max_width') == 0:
            v['max_width'] = Raw('-0')
        if 'data' in v and rng.random() < 0.5:
            v['data'] = v['data'].upper()
    return doc


REWRITES = [_respell_hex, _respell_ids, _defaults, _reorder, _minus_zero]


# -- changes the fingerprint ignores --------------------------------------
def _annotate(doc, rng):
    doc['description'] = rng.choice(['x', 'Ünïcödé ✓ "quoted" \\ back',
                                     'é' * 2048, 'C1 \u0085 is not a control'])
    for _, _, e in entries(doc):
        if rng.random() < 0.5:
            e['provenance'] = {'rule': rng.choice(['user', 'gap', 'quirk']),
                               'reason': 'because %d' % rng.randrange(99)}
        elif 'provenance' in e and rng.random() < 0.5:
            del e['provenance']
    return doc


def _hide_more(doc, rng):
    sp = rng.choice([STD, EXT])
    doc.setdefault(sp, []).append(
        {'id': rng.choice(['0x%x' % rng.randrange(0x30)] +
                          (['vsec'] if sp == EXT else [])),
         'hidden': True, 'instance': 1000 + rng.randrange(1000)})
    return doc


def _hide_less(doc, rng):
    for sp in (STD, EXT):
        if sp in doc:
            doc[sp] = [e for e in doc[sp] if not e.get('hidden')]
    return doc


SAME_FPS = [_annotate, _hide_more, _hide_less]


# -- probes ---------------------------------------------------------------
def _objects(doc):
    out, stack = [], [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            out.append(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def _pick_entry(doc, rng, pred=lambda sp, e: True):
    c = [(sp, e) for sp, _, e in entries(doc) if pred(sp, e)]
    return rng.choice(c) if c else (None, None)


def p_drop_key(doc, rng):
    o = rng.choice(_objects(doc))
    if o:
        del o[rng.choice(list(o))]


def p_unknown_key(doc, rng):
    rng.choice(_objects(doc))[rng.choice(['x-vendor', 'comment', 'Name',
                                          'at ', 'hidden\u0000'])] = 1


def p_wrong_type(doc, rng):
    o = rng.choice(_objects(doc))
    if o:
        o[rng.choice(list(o))] = rng.choice(
            [None, True, False, 0, -1, 1.5, Raw('1.0'), Raw('1e2'), '', '1',
             [], {}, ['0x40'], Raw('NaN')])


def p_number(doc, rng):
    """A boundary value for a numeric field (valid or just outside)."""
    sp, e = _pick_entry(doc, rng)
    choices = [('revision', doc, [0, 1, 2 ** 31 - 1, 2 ** 31, Raw('-0'),
                                  Raw('1.0'), Raw('2E0')])]
    if e is not None:
        start, end, header, top = SPACE[sp]
        choices += [('at', e, [start - 4, start, end - 4, end, end - 8,
                               '0x%x' % (start + 2),
                               '0x%0*x' % (16, start), '0x%0*x' % (17, start),
                               '0x' + '0' * 17, '0X%x' % start, '0x',
                               Raw('-0'), Raw(str(2 ** 64)), -start]),
                    ('phys', e, [start, end - 4, end, start - 4, start + 1,
                                 0xffff, 0x10000]),
                    ('instance', e, [0, 1, 65535, 65536, -1, Raw('-0'),
                                     Raw('9' * 50)]),
                    ('length', e, [0, 1, header - 1, header, 3840, 3841,
                                   end - start, Raw('4.0')]),
                    ('id', e, [top, top + 1, 0, '0x' + '0' * 15 + '1', -1])]
        v = e.get('virtual')
        if isinstance(v, dict) and v.get('generator') == 'pasid':
            choices.append(('max_width', v, [20, 21, -1, Raw('20.0')]))
        if isinstance(v, dict) and v.get('generator') == 'dsn':
            choices.append(('serial', v, [
                2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -1, 10 ** 30,
                Raw('-0'), Raw('1' + '0' * 60), '0x' + 'f' * 16,
                '0x1' + '0' * 16, '0x%017x' % 1, 'from-pf',
                'FROM-PF', Raw('18446744073709551615.0')]))
    if 'match' in doc:
        choices.append(('class', doc['match'], [0xffffff, 0x1000000,
                                                '0x0000000000ffffff']))
        choices.append(('revision', doc['match'], [255, 256, '0x00ff']))
    if doc.get('reserved'):
        r = rng.choice(doc['reserved'])
        choices.append(('length', r, [1, 4032, 4033, 0x100 - 0x40]))
        choices.append(('offset', r, [0x3f, 0x40, 0xfff, 0x1000, 0xfc, 0xfd]))
    key, obj, vals = rng.choice(choices)
    obj[key] = rng.choice(vals)


def p_forbidden(doc, rng):
    """A key that is forbidden where it is put, often with its default."""
    sp, e = _pick_entry(doc, rng)
    if e is None:
        return
    if 'virtual' in e:
        e[rng.choice(['instance', 'phys', 'vendor', 'vsec_id', 'length'])] = \
            rng.choice([0, '0x100', 4])
    elif e.get('hidden'):
        e[rng.choice(['at', 'length', 'virtual'])] = \
            rng.choice(['0x100', 4, {'generator': 'null'}])
        if rng.random() < 0.5:
            e['phys'], e['instance'] = '0x%x' % SPACE[sp][0], 0
    else:
        k = rng.choice(['phys+instance', 'vendor', 'vsec_id', 'virtual'])
        if k == 'phys+instance':
            e['phys'], e['instance'] = e['at'], 0
        elif k == 'virtual':
            e['virtual'] = {'generator': 'null'}
        else:
            e[k] = '0x8086'


def p_overlap(doc, rng):
    pres = [e for _, _, e in entries(doc) if 'at' in e]
    if len(pres) >= 2:
        a, b = rng.sample(pres, 2)
        b['at'] = a['at']
    elif pres:
        pres[0]['at'] = '0x104'


def p_chain_head(doc, rng):
    ext = [e for e in doc.get(EXT, []) if isinstance(e, dict) and 'at' in e]
    if ext:
        rng.choice(ext)['at'] = rng.choice(['0x104', '0x200', '0xffc'])
        if rng.random() < 0.5:   # and an error in another entry
            ext[0]['length'] = 3


def p_duplicate_selector(doc, rng):
    sp, e = _pick_entry(doc, rng, lambda sp, e: 'virtual' not in e)
    if e is None:
        return
    twin = {k: v for k, v in e.items() if k in ('id', 'vendor', 'vsec_id',
                                                'phys', 'instance')}
    twin['hidden'] = True
    if rng.random() < 0.5:
        twin['id'] = '0x%x' % _id_value(e['id'], sp) \
            if not isinstance(e['id'], int) else e['id']
    if rng.random() < 0.3:
        twin['instance'] = 3    # distinct after all
    doc[sp].append(twin)


def p_bytes(doc, rng):
    sp = rng.choice([STD, EXT])
    start, end, header, _ = SPACE[sp]
    cid = rng.choice([0x09, 0x0b, 0x23, 0x01, 0])
    if sp == STD:
        hdr = [cid, rng.choice([0, 0, 0x40])]
    else:
        word = cid | rng.choice([0, 1 << 16, 0xf << 16, 1 << 20, 0x800 << 20,
                                 0xff0 << 20])
        hdr = list(word.to_bytes(4, 'little'))
    body = hdr + [rng.randrange(256) for _ in range(rng.choice([0, 1, 4, 12]))]
    body = body[:rng.choice([1, header - 1, header, len(body)])] \
        if rng.random() < 0.3 else body
    at = end - ((len(body) + 3) & ~3) if len(body) else end - 4
    e = {'id': rng.choice([cid, '0x%x' % cid]), 'at': '0x%x' % max(at, start),
         'virtual': {'generator': 'bytes', 'data': bytes(body).hex()}}
    if rng.random() < 0.2:
        e['virtual']['data'] += rng.choice(['0', 'zz', ' '])
    doc.setdefault(sp, []).append(e)


def p_text(doc, rng):
    s = rng.choice(['a' * 4096, 'a' * 4097, '€' * 1365, '€' * 1366,
                    'tab\there', 'del\x7f', 'nul\u0000', 'lone \ud800',
                    '\udc00 low', 'pair \U0001f600', 'C1\u009f',
                    '', ' ', '\U0001f600' * 1024, '\U0001f600' * 1025])
    target = rng.choice(['description', 'reason', 'source', 'prov'])
    if target == 'description' or not doc.get('reserved') and target != 'prov':
        doc['description'] = s
    elif target == 'prov':
        sp, e = _pick_entry(doc, rng)
        if e is not None:
            e['provenance'] = {'rule': 'user', 'reason': s}
    else:
        doc['reserved'][0][target] = s[:300] if len(s) > 300 else s


def p_unicode(doc, rng):
    """Texts at the edges of §1.7: escapes, surrogates, C1, non-characters."""
    s = rng.choice(['lone \ud800', '\udfff', 'pair \U0001f600', '\ufeff',
                    '\uffff', '\u2028', 'é\u0301', '\x7f', '\x1f',
                    '\u0080\u009f', '/\\"'])
    sp, e = _pick_entry(doc, rng)
    if e is not None and rng.random() < 0.3:
        e['provenance'] = {'rule': 'user', 'reason': s}
    elif doc.get('reserved') and rng.random() < 0.3:
        doc['reserved'][0]['reason'] = s
    else:
        doc['description'] = s


def p_hex_digits(doc, rng):
    """A hex field spelled at and beyond 16 digits, or not quite hex."""
    slots = hex_slots(doc)
    if not slots:
        return
    obj, key, _ = rng.choice(slots)
    x = int(obj[key], 16) if isinstance(obj[key], str) else obj[key]
    obj[key] = rng.choice(['0x%016x' % x, '0x%017x' % x, '0x%016X' % x,
                           '0X%x' % x, ' 0x%x' % x, '0x%x ' % x, '0x+%x' % x,
                           '%x' % x, '0x%x' % (x + (1 << 64))])


def p_name(doc, rng):
    key = 'profile' if doc.get('kind') != 'quirk' and rng.random() < 0.4 \
        else 'name'
    doc[key] = rng.choice(['a' * 64, 'a' * 65, '.a', '-a', 'a.b_c+d-e', '9',
                           'é', 'a b', 'A', 'a/b', ''])


def p_machines(doc, rng):
    if doc.get('kind') == 'quirk':
        doc['machines'] = ['pc']
        return
    doc['machines'] = rng.choice([
        ['pc-q35-*', 'pc-q35-*'], ['a b'], ['x' * 64], ['x' * 65], ['['],
        ['[!a]*', '\\*', '~'], ['m%d' % i for i in range(64)],
        ['m%d' % i for i in range(65)], ['é'], [], ['\t']])


def p_reserved(doc, rng):
    doc.setdefault('reserved', []).append(rng.choice([
        {'offset': '0xfc', 'length': 8, 'reason': 'crosses 0x100'},
        {'offset': '0xffc', 'length': 4, 'reason': 'last dword'},
        {'offset': '0xffc', 'length': 5, 'reason': 'past the end'},
        {'offset': '0x40', 'length': 192, 'reason': 'all standard'},
        {'offset': '0x100', 'length': 3840, 'reason': 'all extended'},
        {'offset': '0x3f', 'length': 1, 'reason': 'header'},
        {'offset': '0x41', 'length': 1, 'reason': 'odd'},
        {'offset': '0x100', 'length': 4, 'reason': 'r', 'source': 's',
         'extra': 1}]))


def p_count(doc, rng):
    """Entry and list counts at and beyond their limits."""
    if doc.get('kind') == 'quirk':
        sp = rng.choice([STD, EXT])
        key = rng.choice(['hide', 'keep', 'placements'])
        n = rng.choice([256, 257])
        top = SPACE[sp][3]
        if key == 'placements':
            at = SPACE[sp][0]
            other = EXT if sp == STD else STD
            doc['placements'] = {sp: {'0x%x' % i: '0x%x' % at
                                      for i in range(min(n, top + 1))}}
            if rng.random() < 0.5:
                doc['placements'][other] = {'0x%x' % i: '0x%x' % SPACE[other][0]
                                            for i in range(rng.choice([1, 2]))}
        else:
            doc[key] = {sp: ['0x%x' % i for i in range(min(n, top + 1))]}
            doc.pop('keep' if key == 'hide' else 'hide', None)
        return
    sp = rng.choice([STD, EXT])
    n = {STD: [64, 65], EXT: [1024, 1025]}[sp]
    doc[sp] = [e for e in doc.get(sp, []) if 'at' in e][:1]
    doc[sp] += [{'id': '0x2', 'hidden': True, 'instance': i}
                for i in range(rng.choice(n) - len(doc[sp]))]


def p_quirk(doc, rng):
    if doc.get('kind') != 'quirk':
        doc['placements'] = {STD: {'pm': '0x40'}}
        return
    sp = rng.choice([STD, EXT])
    cap, cid = ('msix', '0x11') if sp == STD else ('pasid', '0x1b')
    top = '0xfc' if sp == STD else '0xffc'
    doc['placements'] = rng.choice([
            {sp: {cap: top}}, {sp: {cap: top, cid: top}},
            {sp: {cap: '0x%x' % (int(top, 16) + 2)}}, {sp: {'27': top}},
            {sp: {cap: top}, 'both': {}}, {sp: {cap: int(top, 16)}},
            {sp: {cap: '0x1000'}}, {sp: {'0x' + '0' * 14 + cid[2:]: top}}])
    lists = rng.choice([
        ({sp: [cap, cid]}, None), ({sp: [cap]}, {sp: [int(cid, 16)]}),
        ({sp: [int(cid, 16), 'null']}, None), (None, {sp: [cap, 'null']}),
        ({sp: ['0x%x' % (SPACE[sp][3] + 1)]}, None), ({sp: [cap]}, None),
        ({'other': []}, None)])
    for key, val in zip(('hide', 'keep'), lists):
        if val is None:
            doc.pop(key, None)
        else:
            doc[key] = val


def p_version(doc, rng):
    doc['pcilayout'] = rng.choice([2, 0, '1', Raw('1.0'), True, -1,
                                   Raw(str(2 ** 64)), Raw('-0'), None])
    if rng.random() < 0.5:
        doc['future-key'] = 1


def p_length(doc, rng):
    sp, e = _pick_entry(doc, rng, lambda sp, e: 'at' in e and
                        'virtual' not in e)
    if e is None:
        return
    name = e['id'] if isinstance(e['id'], str) else None
    rng.choice([lambda: e.pop('length', None),
                lambda: e.__setitem__('length', rng.choice([1, 2, 3, 4, 8, 60,
                                                            0x3c, 0x2c])),
                lambda: e.__setitem__('id', rng.choice(
                    ['msi', 'vsec', 'pm', 'ari', '0x7f', 'exp', 'aer']
                    if sp == EXT or name else ['pm']))])()


def p_generator(doc, rng):
    sp, e = _pick_entry(doc, rng, lambda sp, e: 'virtual' in e)
    if e is None:
        sp, e = _pick_entry(doc, rng)
        if e is None:
            return
        e.pop('length', None)
        e['virtual'] = {}
    v = e['virtual']
    rng.choice([
        lambda: v.__setitem__('generator', rng.choice(['pasid', 'dsn', 'null',
                                                       'bytes', 'PASID', ''])),
        lambda: v.__setitem__('extra', 1),
        lambda: v.pop('generator', None),
        lambda: e.__setitem__('id', rng.choice(['pasid', 'dsn', 'null', 0x1b,
                                                'pm', 'msi'])),
        lambda: v.__setitem__('exec', rng.choice([True, 1, 'true'])),
        lambda: v.__setitem__('serial', 'from-vf')])()


def p_provenance(doc, rng):
    sp, e = _pick_entry(doc, rng)
    if e is not None:
        e['provenance'] = rng.choice([
            {'rule': 'gap'}, {'reason': 'r'}, {'rule': 'nope', 'reason': 'r'},
            {'rule': 'gap', 'reason': 'r', 'extra': 1}, 'gap',
            {'rule': 'default', 'reason': 'r'}])


def p_kind(doc, rng):
    doc['kind'] = rng.choice(['quirk', 'layout', 'Layout', '', 1])


def p_match(doc, rng):
    doc['match'] = rng.choice([
        {}, {'device': '0x1234'}, {'vendor': '0x8086', 'extra': 1},
        {'vendor': 0xffff, 'device': 0x10000}, {'vendor': '0x8086'},
        {'vendor': '0x8086', 'class': '0x0c0330', 'revision': '0x1'},
        {'vendor': '0x0008086'}, []])


PROBES = [p_drop_key, p_unknown_key, p_wrong_type, p_number, p_forbidden,
          p_overlap, p_chain_head, p_duplicate_selector, p_bytes, p_text,
          p_unicode, p_hex_digits, p_name, p_machines, p_reserved, p_count, p_quirk, p_version,
          p_length, p_generator, p_provenance, p_kind, p_match]


def _duplicate_key(text, rng):
    """A key written twice in the text (same or different value)."""
    doc = json.loads(text)
    obj = rng.choice([o for o in _objects(doc) if o])
    k = rng.choice(list(obj))
    pairs = list(obj.items()) + [(k, rng.choice([obj[k], 1]))]
    return pairs, obj, doc


def text_probes(base, rng):
    """Probes on the bytes rather than the document."""
    out = []
    raw = encode(json.loads(base))
    cut = rng.randrange(1, len(raw))
    out.append(('truncated', raw[:cut]))
    pos = rng.randrange(len(raw))
    out.append(('byte', raw[:pos] + bytes([rng.choice(
        [0x00, 0x7f, 0x80, 0xc0, 0xff, 0x22, 0x5c, 0x2c, 0x7d, 0x5d, 0x20,
         0x0d])]) + raw[pos + 1:]))
    out.append(('edge', rng.choice([
        b'\xef\xbb\xbf' + raw, raw + b'\n\n \t', raw + b'x', raw + b'{}',
        b' \r\n' + raw, raw.replace(b'"name"', b'"n\\u0061me"', 1),
        raw.replace(b'"name"', b'"\\u006eame": 1, "name"', 1),
        raw.replace(b'"name": "', b'"name": "\\ud800', 1),
        raw.replace(b'"pcilayout": 1', b'"pcilayout": 1, "description": '
                    b'"pair \\ud83d\\ude00 lone \\udc00"', 1),
        raw.replace(b'"pcilayout": 1', b'"pcilayout": 1, "description": '
                    b'"pair \\ud83d\\ude00 \\u00e9\\/"', 1),
        raw.replace(b'"name": "', b'"name": "\xed\xa0\x80', 1),
        raw.replace(b'"name": "', b'"name": "\xc1\x81', 1),
        raw.replace(b'"pcilayout": 1', b'"pcilayout": 1.0', 1),
        raw.replace(b'"pcilayout": 1', b'"pcilayout": 01', 1),
        raw.replace(b'"pcilayout": 1', b'"pcilayout": 1, "pcilayout": 1', 1),
        b'', b'null', b'[]', b'"x"', b'{}', b'{"pcilayout": 1}'])))
    pairs, obj, doc = _duplicate_key(base, rng)
    holder = Pairs(pairs)
    text = emit(_replace(doc, obj, holder))
    out.append(('duplicate-key', text.encode('utf-8')))
    return out


def _replace(v, target, new):
    if v is target:
        return new
    if isinstance(v, dict):
        return {k: _replace(x, target, new) for k, x in v.items()}
    if isinstance(v, list):
        return [_replace(x, target, new) for x in v]
    return v


def specials(base):
    """Cases made once: the size limit and nesting (§1.2)."""
    raw = encode(json.loads(base))
    limit = 1 << 20
    return [('size-limit', REWRITE, raw + b' ' * (limit - len(raw))),
            ('size-limit+1', PROBE, raw + b' ' * (limit + 1 - len(raw))),
            ('nesting-3000', PROBE, raw[:-2] + b', "description": ' +
             b'[' * 3000 + b']' * 3000 + b'}'),
            ('nesting-6', PROBE, raw[:-2] + b', "description": [[[[[1]]]]]}')]


def generate(bases, seed, per_base):
    """[(label, kind, base label, bytes)] for every base, reproducibly."""
    rng = random.Random(seed)
    out = []
    for label, text in bases:
        doc0 = json.loads(text)
        for i in range(per_base):
            doc = copy.deepcopy(doc0)
            kind = rng.choice([REWRITE, REWRITE, SAME_FP, PROBE, PROBE, PROBE,
                               PROBE])
            if kind == REWRITE:
                for f in rng.sample(REWRITES, rng.randint(1, len(REWRITES))):
                    doc = f(doc, rng)
            elif kind == SAME_FP:
                if doc.get('kind') == 'quirk':
                    doc['description'] = 'another description'
                else:
                    doc = rng.choice(SAME_FPS)(doc, rng)
            else:
                for _ in range(rng.choice([1, 1, 1, 2, 3])):
                    try:
                        rng.choice(PROBES)(doc, rng)
                    except (TypeError, KeyError, AttributeError, IndexError,
                            ValueError):
                        pass    # an earlier probe broke what this one needs
            out.append(('%s~%s%d' % (label, kind, i), kind, label,
                        encode(doc, Style(rng))))
        for name, data in text_probes(text, rng):
            out.append(('%s~%s' % (label, name), PROBE, label, data))
    return out
