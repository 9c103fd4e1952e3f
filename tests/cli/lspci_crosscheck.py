# SPDX-License-Identifier: BSD-3-Clause
"""Compare the capabilities pcilayout reports with lspci's.

usage: lspci_crosscheck.py PCILAYOUT_JSON LSPCI_VVV [LABEL]

For each device, in order, the set of chain capabilities (space, offset, id)
in `pcilayout show --json` must equal the set of `Capabilities: [..]` lines
lspci -vvv printed. lspci's chain markers (<chain looped>, <chain broken>,
<access denied>) are not capabilities; for each, pcilayout must report a
finding in that chain. Exit 0 when every device agrees, 1 otherwise.
"""
import json
import re
import sys

# lspci's capability titles (ls-caps.c / ls-ecaps.c, pciutils 3.9) -> IDs.
# Matched by longest prefix; an unmapped title is a comparator failure, so
# the table must grow with the corpus. Several IDs share a title in lspci.
STD_NAMES = {
    "Null": {0x00},
    "Power Management": {0x01},
    "AGP": {0x02, 0x0e},
    "Vital Product Data": {0x03},
    "Slot ID": {0x04},
    "MSI:": {0x05},
    "CompactPCI hot-swap": {0x06},
    "PCI-X": {0x07},
    "HyperTransport": {0x08},
    "Vendor Specific Information": {0x09},
    "Debug port": {0x0a},
    "CompactPCI central resource control": {0x0b},
    "Hot-plug capable": {0x0c},
    "Subsystem": {0x0d},
    "Secure device": {0x0f},
    "Express": {0x10},
    "MSI-X": {0x11},
    "SATA HBA": {0x12},
    "PCI Advanced Features": {0x13},
    "Enhanced Allocation": {0x14},
    "Flattening Portal Bridge": {0x15},
}
EXT_NAMES = {
    "Null": {0x00},
    "Advanced Error Reporting": {0x01},
    "Virtual Channel": {0x02, 0x09},
    "Device Serial Number": {0x03},
    "Power Budgeting": {0x04},
    "Root Complex Link": {0x05},
    "Root Complex Internal Link Control": {0x06},
    "Root Complex Event Collector": {0x07},
    "Multi-Function Virtual Channel": {0x08},
    "Root Complex Register Block": {0x0a},
    "Vendor Specific Information": {0x0b},
    "Access Control Services": {0x0d},
    "Alternative Routing-ID Interpretation": {0x0e},
    "Address Translation Service": {0x0f},
    "Single Root I/O Virtualization": {0x10},
    "Multi-Root I/O Virtualization": {0x11},
    "Multicast": {0x12},
    "Page Request Interface": {0x13},
    "Physical Resizable BAR": {0x15},
    "Dynamic Power Allocation": {0x16},
    "Transaction Processing Hints": {0x17},
    "Latency Tolerance Reporting": {0x18},
    "Secondary PCI Express": {0x19},
    "Protocol Multiplexing": {0x1a},
    "Process Address Space ID": {0x1b},
    "LN Requester": {0x1c},
    "Downstream Port Containment": {0x1d},
    "L1 PM Substates": {0x1e},
    "Precision Time Measurement": {0x1f},
    "Readiness Time Reporting": {0x22},
    "Designated Vendor-Specific": {0x23},
    "VF Resizable BAR": {0x24},
    "Data Link Feature": {0x25},
    "Physical Layer 16.0 GT/s": {0x26},
    "Lane Margining at the Receiver": {0x27},
    "Hierarchy ID": {0x28},
    "Native PCIe Enclosure Management": {0x29},
    "Physical Layer 32.0 GT/s": {0x2a},
    "Data Object Exchange": {0x2e},
    "Integrity & Data Encryption": {0x30},
    "Physical Layer 64.0 GT/s": {0x31},
}
MARKERS = {
    "<chain looped>": {"chain-loop"},
    "<chain broken>": {"invalid-id", "ext-zero-header"},
    "<access denied>": {"pointer-unread"},
}
CAP_RE = re.compile(r"^\s+Capabilities: \[([0-9a-f]+)(?: v(\d+))?\] (.*)$")
ID_RE = re.compile(r"^(?:Extended )?Capability ID (0x[0-9a-f]+)")


def lspci_devices(text):
    """Yield, per device block, its capability lines and chain markers."""
    devs = []
    for line in text.splitlines():
        if line and not line[0].isspace():
            devs.append({"caps": [], "markers": [], "head": line})
            continue
        m = CAP_RE.match(line)
        if not m or not devs:
            continue
        off = int(m.group(1), 16)
        # lspci prints standard offsets with %02x, extended with %03x.
        space = "extended" if len(m.group(1)) == 3 else "standard"
        title = m.group(3).strip()
        if title in MARKERS:
            devs[-1]["markers"].append((space, off, title))
        else:
            devs[-1]["caps"].append((space, off, title))
    return devs


def title_ids(space, title):
    m = ID_RE.match(title)
    if m:
        return {int(m.group(1), 16)}
    table = STD_NAMES if space == "standard" else EXT_NAMES
    best = None
    for prefix in table:
        if title.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return table[best] if best else None


def compare(json_path, vvv_path, label):
    with open(json_path) as f:
        doc = json.load(f)
    with open(vvv_path, errors="replace") as f:
        ldevs = lspci_devices(f.read())
    pdevs = doc.get("devices", [])
    errors = []
    if len(ldevs) != len(pdevs):
        errors.append("lspci shows %d devices, pcilayout %d" % (len(ldevs), len(pdevs)))
    for i, (ld, pd) in enumerate(zip(ldevs, pdevs)):
        mine = {}
        for c in pd.get("capabilities", []):
            mine[(c["space"], int(c["offset"], 16))] = int(c["id"], 16)
        theirs = {}
        for space, off, title in ld["caps"]:
            ids = title_ids(space, title)
            if ids is None:
                errors.append("dev %d: unmapped lspci title %r" % (i, title))
                continue
            theirs[(space, off)] = (ids, title)
        for key in sorted(set(theirs) - set(mine)):
            errors.append("dev %d: lspci has %s cap at 0x%x (%s), pcilayout not"
                          % (i, key[0], key[1], theirs[key][1]))
        for key in sorted(set(mine) - set(theirs)):
            errors.append("dev %d: pcilayout has %s cap 0x%x at 0x%x, lspci not"
                          % (i, key[0], mine[key], key[1]))
        for key in sorted(set(mine) & set(theirs)):
            if mine[key] not in theirs[key][0]:
                errors.append("dev %d: %s 0x%x: pcilayout id 0x%x, lspci %r"
                              % (i, key[0], key[1], mine[key], theirs[key][1]))
        codes = {(f.get("code")) for f in pd.get("findings", [])}
        for space, off, marker in ld["markers"]:
            if not (MARKERS[marker] & codes):
                errors.append("dev %d: lspci prints %s at %s 0x%x; pcilayout has no %s finding"
                              % (i, marker, space, off, "/".join(sorted(MARKERS[marker]))))
    for e in errors:
        print("%s: %s" % (label, e))
    return 1 if errors else 0


def main():
    """Compare triples JSON VVV LABEL given as arguments, or one triple per
    tab-separated line on stdin (one interpreter for the whole corpus)."""
    if len(sys.argv) >= 3:
        triples = [(sys.argv[1], sys.argv[2],
                    sys.argv[3] if len(sys.argv) > 3 else sys.argv[2])]
    else:
        triples = [line.rstrip("\n").split("\t") for line in sys.stdin
                   if line.strip()]
    bad = sum(compare(*t) for t in triples)
    print("compared %d pairs, %d mismatched" % (len(triples), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
