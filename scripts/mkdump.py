#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mkdump.py - author synthetic config spaces as lspci -xxxx dumps.

The repository ships no third-party dumps; its examples and fixtures are made
here, from a few lines each, so every byte is ours and explained. Run with no
arguments to regenerate examples/devices/ and tests/fixtures/show/.
"""
import os
import sys


class Space:
    def __init__(self, vendor, device, cls=0x020000, header_type=0, rev=1,
                 size=4096, subsys=(0, 0)):
        self.b = bytearray(size)
        self.size = size
        self.w16(0x00, vendor)
        self.w16(0x02, device)
        self.b[0x08] = rev
        self.b[0x09] = cls & 0xff
        self.b[0x0a] = (cls >> 8) & 0xff
        self.b[0x0b] = (cls >> 16) & 0xff
        self.b[0x0e] = header_type
        if header_type == 0:
            self.w16(0x2c, subsys[0])
            self.w16(0x2e, subsys[1])
        self.std_tail = None
        self.ext_tail = None

    def w8(self, off, v):
        self.b[off] = v & 0xff

    def w16(self, off, v):
        self.b[off:off + 2] = (v & 0xffff).to_bytes(2, "little")

    def w32(self, off, v):
        self.b[off:off + 4] = (v & 0xffffffff).to_bytes(4, "little")

    def std(self, off, cap_id, body=b""):
        """Link a standard capability at off; body follows the 2-byte header."""
        if self.std_tail is None:
            self.b[0x34] = off
            self.b[0x06] |= 0x10
        else:
            self.b[self.std_tail + 1] = off
        self.b[off] = cap_id
        self.b[off + 1] = 0
        self.b[off + 2:off + 2 + len(body)] = body
        self.std_tail = off

    def ext(self, off, cap_id, ver=1, body=b"", link=True):
        """Place an extended capability; link=False leaves it an orphan."""
        if link:
            if self.ext_tail is not None:
                v = int.from_bytes(self.b[self.ext_tail:self.ext_tail + 4],
                                   "little")
                self.w32(self.ext_tail, (v & 0xfffff) | (off << 20))
            self.ext_tail = off
        self.w32(off, cap_id | (ver << 16))
        self.b[off + 4:off + 4 + len(body)] = body

    def dump(self, slot, text):
        lines = ["%s %s" % (slot, text)]
        for row in range(0, self.size, 16):
            lines.append("%02x: %s" % (row, " ".join(
                "%02x" % x for x in self.b[row:row + 16])))
        return "\n".join(lines) + "\n"


def pcie_body(dev_type, version=2):
    # PCIe caps register, then DevCap/DevCtl/DevSta and link registers
    body = bytearray(0x3c - 2)
    body[0:2] = (version | (dev_type << 4)).to_bytes(2, "little")
    body[2:6] = (0x00008fc2).to_bytes(4, "little")   # DevCap: FLR, 256B MPS
    body[10:14] = (0x00000c81).to_bytes(4, "little")  # LnkCap x8 2.5GT/s
    body[16:18] = (0x1081).to_bytes(2, "little")      # LnkSta
    return bytes(body)


def sriov_body(vf_device, total_vfs=8, vf_bars=()):
    """An SR-IOV capability body (after its header): TotalVFs, First VF
    Offset 1, VF Stride 1, the VF Device ID, and VF BAR registers (type
    bits of each VF BAR, as the PF's SR-IOV capability holds them)."""
    body = bytearray(0x3c)
    body[0x0a:0x0c] = total_vfs.to_bytes(2, "little")    # InitialVFs
    body[0x0c:0x0e] = total_vfs.to_bytes(2, "little")    # TotalVFs
    body[0x10:0x12] = (1).to_bytes(2, "little")          # First VF Offset
    body[0x12:0x14] = (1).to_bytes(2, "little")          # VF Stride
    body[0x16:0x18] = vf_device.to_bytes(2, "little")    # VF Device ID
    body[0x18:0x1c] = (0x553).to_bytes(4, "little")      # Supported Page Sizes
    body[0x1c:0x20] = (1).to_bytes(4, "little")          # System Page Size
    for i, bar in enumerate(vf_bars):
        body[0x20 + 4 * i:0x24 + 4 * i] = bar.to_bytes(4, "little")
    return bytes(body)


def msix_body(table_size):
    return (table_size - 1).to_bytes(2, "little") + \
        (0x3).to_bytes(4, "little") + (0x2003).to_bytes(4, "little")


def vf_with_orphan_pasid():
    """An SR-IOV VF as vfio-pci shows it: PASID unlinked but present."""
    s = Space(0x1af4, 0x10f1, cls=0x020000, rev=2, subsys=(0x1af4, 0x0001))
    s.std(0x70, 0x10, pcie_body(0))
    s.std(0xb0, 0x11, msix_body(64))
    s.ext(0x100, 0x0001, 2)               # AER
    s.ext(0x148, 0x000e, 1, b"\x00\x00\x00\x00")  # ARI
    s.ext(0x150, 0x000f, 1, b"\x20\x00\x00\x00")  # ATS
    s.ext(0x1b0, 0x001b, 1, b"\x04\x14\x00\x00", link=False)  # PASID
    return s


def vf_with_orphan_pasid_fw2():
    """The same VF on a host with other firmware: ATS moved to 0x180."""
    s = Space(0x1af4, 0x10f1, cls=0x020000, rev=2, subsys=(0x1af4, 0x0001))
    s.std(0x70, 0x10, pcie_body(0))
    s.std(0xb0, 0x11, msix_body(64))
    s.ext(0x100, 0x0001, 2)               # AER
    s.ext(0x148, 0x000e, 1, b"\x00\x00\x00\x00")  # ARI
    s.ext(0x180, 0x000f, 1, b"\x20\x00\x00\x00")  # ATS
    s.ext(0x1b0, 0x001b, 1, b"\x04\x14\x00\x00", link=False)  # PASID
    return s


def nic_hidden_registers():
    """A NIC keeping registers outside its chains (be2net style)."""
    s = Space(0x1af4, 0x10f2, cls=0x020000, rev=1, subsys=(0x1af4, 0x0002))
    s.std(0x40, 0x01, b"\x03\x00\x08\x00\x00\x00")   # PM
    s.std(0x48, 0x05, b"\x80\x01" + bytes(12))        # MSI 64-bit
    s.std(0x60, 0x10, pcie_body(0))
    s.w32(0xa0, 0x00c0ffee)   # a status register outside every capability
    s.w32(0xfc, 0x00000001)   # interrupt control, as be2net keeps at 0xfc
    s.ext(0x100, 0x0001, 2)               # AER
    s.ext(0x140, 0x0003, 1, (0x0123456789abcdef).to_bytes(8, "little"))
    s.w32(0xff8, 0x5a5a0001)  # firmware scratch right where QEMU puts vPASID
    return s


def fixture_pf_full():
    """A PF with both chains, a VSEC, a DVSEC, and a backward ext pointer."""
    s = Space(0x8086, 0x10c9, cls=0x020000, rev=1, subsys=(0x8086, 0xa03c))
    s.std(0x40, 0x01, b"\x23\xc8\x00\x20\x00\x00")            # PM v3
    s.std(0x50, 0x05, b"\x86\x01" + bytes(20))                  # MSI 64 + mask
    s.std(0x70, 0x11, msix_body(10))
    s.std(0xa0, 0x10, pcie_body(0))
    s.ext(0x100, 0x0001, 2)                                       # AER
    s.ext(0x180, 0x0010, 1, sriov_body(0x10ca, 8, (0xc, 0, 0xc, 0)))  # SR-IOV
    s.ext(0x140, 0x0003, 1, (0x00a0c9fffe123456).to_bytes(8, "little"))
    s.ext(0x1c0, 0x000b, 1, (0x0001 | (1 << 16) | (0x18 << 20)).to_bytes(4, "little"))
    s.ext(0x200, 0x0023, 1, (0x1e98 | (1 << 16) | (0x10 << 20)).to_bytes(4, "little")
          + (0x0007).to_bytes(2, "little"))
    return s


def fixture_broken():
    """Both chains broken: a misaligned std pointer, an ext loop."""
    s = Space(0x10ee, 0x9038, cls=0x058000, rev=0)
    s.std(0x40, 0x01, b"\x03\x00")
    s.std(0x48, 0x10, pcie_body(0, version=1)[:0x12])
    s.b[0x49] = 0x61                                # next -> 0x61 (misaligned)
    s.std(0x60, 0x09, b"\x08\x00\x00\x00\x00\x00")  # vendor cap, 8 bytes
    s.b[0x49] = 0x61
    s.ext(0x100, 0x0001, 2)
    s.ext(0x140, 0x000e, 1)
    s.ext(0x160, 0x0018, 1)
    v = int.from_bytes(s.b[0x160:0x164], "little")
    s.w32(0x160, (v & 0xfffff) | (0x140 << 20))    # 0x160 -> 0x140: loop
    return s


def fixture_bridge_64():
    """A PCI bridge read without root: only 64 bytes of header."""
    s = Space(0x1b36, 0x000c, cls=0x060400, header_type=1, rev=0, size=64)
    s.b[0x06] |= 0x10   # claims a capability list that was never read
    s.b[0x34] = 0x40
    return s


def fixtures(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, (space, slot, text) in {
        "pf-full.lspci": (fixture_pf_full(), "0000:3b:00.0",
                          "Ethernet controller: fixture PF"),
        "broken-chains.lspci": (fixture_broken(), "05:00.0",
                                "Signal processing controller: fixture"),
        "bridge-64.lspci": (fixture_bridge_64(), "00:1c.0",
                            "PCI bridge: fixture"),
        "vf-orphan-pasid.lspci": (vf_with_orphan_pasid(), "01:00.1",
                                  "Ethernet controller: example VF"),
    }.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(space.dump(slot, text))


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    examples = {
        "vf-orphan-pasid.lspci": (vf_with_orphan_pasid(), "01:00.1",
                                  "Ethernet controller: example VF"),
        "vf-orphan-pasid-fw2.lspci": (vf_with_orphan_pasid_fw2(), "01:00.1",
                                      "Ethernet controller: example VF"),
        "nic-hidden-registers.lspci": (nic_hidden_registers(), "02:00.0",
                                       "Ethernet controller: example NIC"),
    }
    for name, (space, slot, text) in examples.items():
        with open(os.path.join(outdir, name), "w") as f:
            f.write(space.dump(slot, text))


if __name__ == "__main__":
    top = os.path.join(os.path.dirname(__file__), "..")
    main(os.path.join(top, "examples", "devices"))
    fixtures(os.path.join(top, "tests", "fixtures", "show"))
