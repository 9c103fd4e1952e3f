#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fleetgen.py - a synthetic fleet of host dumps for the migration tests.

Takes a few real 4096-byte dumps and writes N lspci -xxxx files, one per
host, with the variations a real pool has: most hosts identical except for
their serial numbers; a second firmware that moves the last extended
capability; hosts with a hidden register at 0xffc (where QEMU puts its
vPASID); hosts lacking a capability; and a few malformed files. The output
depends only on the arguments (a seeded generator), so runs are comparable.

usage: fleetgen.py CORPUS_DIR OUT_DIR COUNT [SEED]
"""
import os
import random
import sys

BASES = ["intel-x550-10g-nic.lspci", "intel-82576-nic-sriov.lspci"]


def parse(path):
    head, data = None, bytearray(4096)
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if ":" in line[:4] and len(line) > 4 and line[2] == ":" and \
                    all(c in "0123456789abcdef" for c in line[:2]) and \
                    line[3] == " " and head is not None and \
                    len(line.split()) > 1 and len(line.split()[1]) == 2:
                off = int(line[:3].rstrip(":"), 16)
                for i, h in enumerate(line[4:].split()):
                    data[off + i] = int(h, 16)
            elif len(line) > 4 and line[3] == ":" and line[:3].strip():
                off = int(line[:3], 16)
                for i, h in enumerate(line[5:].split()):
                    data[off + i] = int(h, 16)
            else:
                head = line
    return head, data


def ext_chain(d):
    """[(offset, id)] of the extended chain, at most 64 entries."""
    out, off = [], 0x100
    while off and len(out) < 64:
        hdr = int.from_bytes(d[off:off + 4], "little")
        if hdr in (0, 0xffffffff):
            break
        out.append((off, hdr & 0xffff))
        off = (hdr >> 20) & 0xffc
        if off < 0x100:
            break
    return out


def set_next(d, off, nxt):
    hdr = int.from_bytes(d[off:off + 4], "little")
    hdr = (hdr & 0xfffff) | (nxt << 20)
    d[off:off + 4] = hdr.to_bytes(4, "little")


# Capabilities a VMM hides anyway; moving them would not change a layout.
HIDDEN = (0x0e, 0x10, 0x19)


def victim(chain):
    """Index of the last capability a guest sees (never the head)."""
    for i in range(len(chain) - 1, 0, -1):
        if chain[i][1] not in HIDDEN:
            return i
    return None


def unlink(d, chain, i):
    prev, cur = chain[i - 1][0], chain[i][0]
    nxt = (int.from_bytes(d[cur:cur + 4], "little") >> 20) & 0xffc
    set_next(d, prev, nxt)
    return [c for k, c in enumerate(chain) if k != i]


def move_cap(d, to):
    """Firmware B: the last visible capability moves to @to, chain end."""
    chain = ext_chain(d)
    i = victim(chain)
    if i is None:
        return
    cur = chain[i][0]
    rest = unlink(d, chain, i)
    d[to:to + 0x10] = d[cur:cur + 0x10]
    d[cur:cur + 0x10] = bytes(0x10)
    set_next(d, to, 0)
    set_next(d, rest[-1][0], to)


def drop_cap(d):
    """A host whose firmware lacks the last visible capability."""
    chain = ext_chain(d)
    i = victim(chain)
    if i is None:
        return
    cur = chain[i][0]
    unlink(d, chain, i)
    d[cur:cur + 0x10] = bytes(0x10)


def randomise_serial(d, rnd):
    for off, cid in ext_chain(d):
        if cid == 0x03:
            d[off + 4:off + 12] = bytes(rnd.getrandbits(8) for _ in range(8))


def write(path, head, d):
    lines = [head]
    for off in range(0, 4096, 16):
        lines.append("%03x: %s" % (off, " ".join("%02x" % b for b in d[off:off + 16])))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n\n")
    os.rename(tmp, path)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    corpus, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) == 5 else 1)
    bases = [parse(os.path.join(corpus, b)) for b in BASES]
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        head, data = bases[0] if rnd.random() < 0.8 else bases[1]
        d = bytearray(data)
        randomise_serial(d, rnd)
        roll = rnd.random()
        if roll < 0.15:
            move_cap(d, 0x800)          # firmware B
        elif roll < 0.25:
            d[0xffc] = 0x5a              # a hidden register at 0xffc
        elif roll < 0.28:
            drop_cap(d)                  # lacks a capability
        path = os.path.join(out, "host-%05d.lspci" % i)
        if rnd.random() < 0.005:
            with open(path, "w") as f:   # malformed: not a dump at all
                f.write("this is not an lspci dump\n00: zz\n")
            continue
        write(path, head, d)


if __name__ == "__main__":
    main()
