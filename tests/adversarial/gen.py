#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen.py OUTDIR - write the adversarial corpus: config spaces and dump
files built to break a parser or a chain walker (loops, pointers into the
header or past the end, lengths that overrun the space, malformed text).
Each case is a function below named after the file it writes; expect.tsv
holds what `pcilayout show --json` must say about it. Files are generated at
test time so every byte is explained by the code that made it, and the
1 GB case costs no disk (a sparse file).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from mkdump import Space, pcie_body  # noqa: E402

CASES = {}


def case(name):
    def reg(fn):
        CASES[name] = fn
        return fn
    return reg


def dev(size=4096, pcie=True, vendor=0x1af4, device=0x7e57):
    """A function with a PCIe endpoint capability at 0x40 (extended space
    is only meaningful on PCIe)."""
    s = Space(vendor, device, size=size, subsys=(0x1af4, 1))
    if pcie:
        s.std(0x40, 0x10, pcie_body(0))
    return s


def text(s, slot="01:00.0"):
    return s.dump(slot, "Ethernet controller: adversarial").encode()


def raw(s):
    return bytes(s.b)


# ---- standard chain -------------------------------------------------------

@case("std-loop-short.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.std(0x50, 0x05)
    s.w8(0x51, 0x40)            # 0x50 -> 0x40: a two-cap cycle
    return text(s)


@case("std-loop-long.lspci")
def _():
    s = dev(256, pcie=False)
    offs = list(range(0x40, 0xe0, 4))    # 40 capabilities...
    for off in offs:
        s.std(off, 0x09, b"\x04")        # vendor-specific, 4 bytes
    s.w8(offs[-1] + 1, 0x40)             # ...the last points at the first
    return text(s)


@case("std-hop-limit.lspci")
def _():
    """All 48 dword slots chained: the 49th hop is over the limit."""
    s = dev(256, pcie=False)
    offs = list(range(0x40, 0x100, 4))
    for off in offs:
        s.std(off, 0x09, b"\x04")
    s.w8(offs[-1] + 1, 0x40)
    return text(s)


@case("std-self.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.w8(0x41, 0x40)
    return text(s)


@case("std-into-header.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.w8(0x41, 0x10)            # next points at BAR0
    return text(s)


@case("std-head-into-header.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.w8(0x34, 0x04)            # the head itself points into the header
    return text(s)


@case("std-misaligned.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.w8(0x41, 0x53)            # masked to 0x50
    s.w8(0x50, 0x05)
    return text(s)


@case("std-backward.lspci")
def _():
    """Backward pointers are legal: three capabilities, no error."""
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.std(0x80, 0x05)
    s.std(0x60, 0x11)
    return text(s)


@case("std-msi-past-end.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0xf8, 0x05)
    s.w16(0xfa, 0x0180)         # 64-bit + masking: 24 bytes from 0xf8
    return text(s)


@case("std-pcie-at-f0.lspci")
def _():
    s = Space(0x1af4, 0x7e57, size=4096)
    s.std(0xf0, 0x10, pcie_body(0)[:14])   # 0x3c bytes cannot fit
    return text(s)


@case("std-unread-64.lspci")
def _():
    s = dev(64, pcie=False)
    s.b[0x34] = 0x40            # a chain into bytes a 64-byte read lacks
    s.b[0x06] |= 0x10
    return text(s)


@case("std-overlap.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x11)           # MSI-X, 12 bytes
    s.std(0x44, 0x01)           # PM starting inside it
    return text(s)


@case("std-pcie-overlap.lspci")
def _():
    s = dev(256)                # PCIe at 0x40 spans 0x3c bytes...
    s.std(0x50, 0x05)           # ...but MSI starts at 0x50
    return text(s)


@case("std-cap-into-header-bytes.lspci")
def _():
    """A capability at 0x3c overlapping the header's last dword."""
    s = dev(256, pcie=False)
    s.w8(0x34, 0x3c)
    s.b[0x06] |= 0x10
    s.w8(0x3c, 0x01)
    return text(s)


@case("std-list-bit-no-pointer.lspci")
def _():
    s = dev(256, pcie=False)
    s.b[0x06] |= 0x10           # Status.CAP_LIST set, 0x34 left at 0
    return text(s)


@case("std-invalid-id.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x01)
    s.std(0x48, 0xff)           # ID 0xff: what an absent device reads
    return text(s)


@case("std-unknown-id.lspci")
def _():
    s = dev(256, pcie=False)
    s.std(0x40, 0x3a)
    return text(s)


@case("header-type-unknown.lspci")
def _():
    s = dev(256, pcie=False)
    s.b[0x0e] = 0x05
    return text(s)


# ---- extended chain -------------------------------------------------------

@case("ext-loop-short.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)
    s.ext(0x200, 0x000e, 1)
    s.w32(0x200, 0x000e | 1 << 16 | 0x100 << 20)
    return raw(s)


@case("ext-loop-long.bin")
def _():
    s = dev()
    offs = list(range(0x100, 0x1000, 0x10))  # 240 capabilities
    for off in offs:
        s.ext(off, 0x000b, 1, (0x010 << 20 | 0x42).to_bytes(4, "little"))
    v = int.from_bytes(s.b[offs[-1]:offs[-1] + 4], "little")
    s.w32(offs[-1], (v & 0xfffff) | 0x100 << 20)
    return raw(s)


@case("ext-self.bin")
def _():
    s = dev()
    s.w32(0x100, 0x0001 | 2 << 16 | 0x100 << 20)
    return raw(s)


@case("ext-below-100.bin")
def _():
    s = dev()
    s.w32(0x100, 0x0001 | 2 << 16 | 0x040 << 20)  # next into std space
    return raw(s)


@case("ext-misaligned.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)
    s.w32(0x100, 0x0001 | 2 << 16 | 0x203 << 20)
    s.w32(0x200, 0x0003 | 1 << 16)
    return raw(s)


@case("ext-vsec-len-fff.bin")
def _():
    s = dev()
    s.ext(0x100, 0x000b, 1, (0xfff << 20 | 1 << 16 | 0x1).to_bytes(4, "little"))
    return raw(s)


@case("ext-dvsec-len-fff.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0023, 1, (0xfff << 20 | 0x1e98).to_bytes(4, "little") +
          b"\x07\x00")
    return raw(s)


@case("ext-vsec-len-0.bin")
def _():
    s = dev()
    s.ext(0x100, 0x000b, 1, (0 << 20 | 1 << 16 | 0x1).to_bytes(4, "little"))
    return raw(s)


@case("ext-dvsec-len-0.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0023, 1, (0x1e98).to_bytes(4, "little") + b"\x07\x00")
    return raw(s)


@case("ext-dvsec-at-ffc.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)
    s.ext(0xffc, 0x0023, 1)     # header fits; its length register does not
    return raw(s)


@case("ext-aer-at-ff0.bin")
def _():
    s = dev()
    s.ext(0xff0, 0x0001, 2)     # head at 0x100 -> 0xff0, 0x48 bytes long
    s.w32(0x100, 0x0000 | 0xff0 << 20)
    return raw(s)


@case("ext-null-anchor.bin")
def _():
    s = dev()
    s.w32(0x100, 0x0000 | 0x180 << 20)  # Null capability anchoring a chain
    s.ext_tail = 0x100
    s.ext(0x180, 0x000e, 1)
    return raw(s)


@case("ext-all-ones.bin")
def _():
    s = dev()
    s.w32(0x100, 0xffffffff)
    return raw(s)


@case("ext-aliased.bin")
def _():
    """Some devices decode only 8 address bits: 0x100.. mirrors 0x00.."""
    s = dev()
    s.std(0x80, 0x05)
    for k in range(1, 16):
        s.b[k * 0x100:(k + 1) * 0x100] = s.b[0:0x100]
    return raw(s)


@case("ext-orphan.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)
    s.ext(0x200, 0x001b, 1, b"\x04\x14\x00\x00", link=False)
    return raw(s)


@case("ext-overlap.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)     # AER: 0x48 bytes
    s.ext(0x110, 0x0003, 1)     # DSN inside it
    return raw(s)


@case("ext-zero-header.bin")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)
    s.w32(0x100, 0x0001 | 2 << 16 | 0x300 << 20)  # 0x300 is all zero
    return raw(s)


@case("ext-without-pcie.bin")
def _():
    s = dev(pcie=False)
    s.ext(0x100, 0x0001, 2)
    return raw(s)


@case("ext-unknown-id.bin")
def _():
    s = dev()
    s.ext(0x100, 0x07ff, 1)
    return raw(s)


@case("ext-unread.lspci")
def _():
    s = dev()
    s.ext(0x100, 0x0001, 2)
    s.ext(0x800, 0x0003, 1)
    lines = text(s).decode().splitlines(True)
    # keep the device line and rows up to 0x3f0: 0x800 was never read
    return "".join(lines[:1 + 0x40]).encode()


# ---- whole spaces ---------------------------------------------------------

@case("all-zero.bin")
def _():
    return bytes(4096)


@case("all-ones.bin")
def _():
    return b"\xff" * 4096


@case("alternating-55aa.bin")
def _():
    return b"\x55\xaa" * 2048


@case("alternating-aa55.bin")
def _():
    return b"\xaa\x55" * 2048


@case("walking-ones.bin")
def _():
    return bytes((1 << (i % 8)) for i in range(4096))


# ---- dump text ------------------------------------------------------------

@case("truncated-row.lspci")
def _():
    return text(dev())[:-30]    # the last row stops after 6 bytes


@case("truncated-mid-byte.lspci")
def _():
    return text(dev())[:-29]    # the last row ends in half a byte


@case("truncated-binary.bin")
def _():
    return raw(dev())[:100]


@case("oversized-binary.bin")
def _():
    return raw(dev()) + b"\x00"


@case("duplicate-slot.lspci")
def _():
    return text(dev(256)) + text(dev(256))


@case("duplicate-row.lspci")
def _():
    t = text(dev(256)).decode().splitlines(True)
    return "".join(t + [t[3]]).encode()   # row 0x20 again


@case("row-out-of-range.lspci")
def _():
    return text(dev(256)) + b"1000: 00 00 00 00\n"


@case("row-17-bytes.lspci")
def _():
    t = text(dev(256)).decode().splitlines(True)
    t[2] = t[2].rstrip("\n") + " 00\n"
    return "".join(t).encode()


@case("non-hex.lspci")
def _():
    t = text(dev(256)).decode().splitlines(True)
    t[5] = t[5][:10] + "zz" + t[5][12:]
    return "".join(t).encode()


@case("nul-in-row.lspci")
def _():
    t = text(dev(256))
    row = t.index(b"\n20: ") + 5
    return t[:row] + b"\x00" + t[row + 1:]    # half of byte 0x20 is NUL


@case("crlf.lspci")
def _():
    """Windows line endings: the same device as std-backward."""
    return CASES["std-backward.lspci"]().replace(b"\n", b"\r\n")


@case("rows-only.lspci")
def _():
    t = text(dev(256)).decode().splitlines(True)
    return "".join(t[1:]).encode()        # no device line


@case("empty.lspci")
def _():
    return b""


@case("long-line.lspci")
def _():
    return text(dev(256)) + b"x" * (1 << 20) + b"\n"


@case("many-devices.lspci")
def _():
    s = dev(256)
    return b"".join(text(s, "%02x:%02x.%d" % (b, d, f))
                    for b in range(4) for d in range(32) for f in range(8))


@case("huge-1g.bin")
def _():
    return None                 # made sparse by main()


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, fn in CASES.items():
        path = os.path.join(outdir, name)
        data = fn()
        with open(path, "wb") as f:
            if data is None:
                f.truncate(1 << 30)   # 1 GiB, sparse: nothing is written
            else:
                f.write(data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen.py OUTDIR")
    main(sys.argv[1])
