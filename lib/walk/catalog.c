// SPDX-License-Identifier: BSD-3-Clause
/*
 * catalog.c - the capability catalogue: one table per space, indexed by ID,
 * each entry with a stable short name, a long name and a length rule.
 *
 * Lengths are the full register structures of the PCI Express Base and PCI
 * Local Bus specifications, not the subset the kernel shows to a VFIO user
 * (vfio_pci_config.c): a layout must treat every byte of a structure as
 * occupied. Where the structure's size depends on its registers, a rule
 * below computes it. Every rule reads its registers through rd(), which
 * refuses bytes outside the capability's space (standard rules never see
 * extended space) and bytes that were not read. Where we do not know a
 * structure's size, the entry says PCL_LEN_UNKNOWN: we never guess.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "walk/walk-internal.h"

/* The state a length rule sees: where the capability is and its space. */
struct lctx {
	const struct pcl_cfg *cfg;
	uint32_t off; /* capability start */
	uint32_t end; /* end of its space */
};

typedef int (*len_fn)(const struct lctx *c, uint32_t *len);

struct capent {
	struct pcl_capdef def;
	len_fn fn;           /* PCL_LEN_COMPUTED only */
	uint8_t max_version; /* extended: highest plausible version */
};

static int rd(const struct lctx *c, uint32_t rel, uint32_t n, uint32_t *v)
{
	const uint8_t *p = pcl_cfg_data(c->cfg);
	uint32_t abs = c->off + rel, i;

	if (rel > c->end || abs + n > c->end)
		return -ERANGE;
	if (!pcl_cfg_is_read(c->cfg, abs, n))
		return -ENODATA;
	*v = 0;
	for (i = 0; i < n; i++)
		*v |= (uint32_t)p[abs + i] << (8 * i);
	return 0;
}

static uint32_t round4(uint32_t v)
{
	return (v + 3u) & ~3u;
}

uint32_t pcl_cfg_find_exp(const struct pcl_cfg *cfg)
{
	const uint8_t *p = pcl_cfg_data(cfg);
	uint32_t ptr, head, hops;

	if (!pcl_cfg_is_read(cfg, PCL_REG_STATUS, 1) ||
	    !pcl_cfg_is_read(cfg, PCL_REG_HEADER_TYPE, 1) ||
	    !(p[PCL_REG_STATUS] & PCL_STATUS_CAP_LIST))
		return 0;
	switch (p[PCL_REG_HEADER_TYPE] & PCL_HEADER_TYPE_MASK) {
	case PCL_HEADER_TYPE_NORMAL:
	case PCL_HEADER_TYPE_BRIDGE:
		head = PCL_REG_CAP_PTR;
		break;
	case PCL_HEADER_TYPE_CARDBUS:
		head = PCL_REG_CARDBUS_CAP_PTR;
		break;
	default:
		return 0;
	}
	if (!pcl_cfg_is_read(cfg, head, 1))
		return 0;
	ptr = p[head] & ~3u;
	/* No visited map: the hop bound alone ends a loop here. */
	for (hops = 0; ptr >= PCL_STD_CAP_START && hops < PCL_STD_CAP_MAX_HOPS;
	     hops++) {
		if (!pcl_cfg_is_read(cfg, ptr, 2) || p[ptr] == 0xff)
			return 0;
		if (p[ptr + PCL_CAP_ID] == PCL_CAP_ID_EXP)
			return ptr;
		ptr = p[ptr + PCL_CAP_NEXT] & ~3u;
	}
	return 0;
}

/* Device/Port Type of the PCIe capability, or -1 without one. */
static int exp_type(const struct pcl_cfg *cfg, uint32_t *exp, int *version)
{
	const uint8_t *p = pcl_cfg_data(cfg);

	*exp = pcl_cfg_find_exp(cfg);
	if (!*exp || !pcl_cfg_is_read(cfg, *exp + PCL_EXP_FLAGS, 2))
		return -1;
	*version = p[*exp + PCL_EXP_FLAGS] & PCL_EXP_FLAGS_VERS;
	return (p[*exp + PCL_EXP_FLAGS] & PCL_EXP_FLAGS_TYPE) >> 4;
}

/* Maximum Link Width from Link Capabilities: the count of lane registers. */
static int exp_lanes(const struct lctx *c, uint32_t *lanes)
{
	struct lctx e = { .cfg = c->cfg, .end = PCL_STD_SPACE_END };
	uint32_t v;
	int ret;

	e.off = pcl_cfg_find_exp(c->cfg);
	if (!e.off)
		return -EOPNOTSUPP;
	ret = rd(&e, PCL_EXP_LNKCAP, 4, &v);
	if (ret)
		return ret;
	v = (v & PCL_EXP_LNKCAP_MLW) >> 4;
	if (!v || v > 32)
		return -ERANGE;
	*lanes = v;
	return 0;
}

/* --- standard capabilities --- */

static int len_msi(const struct lctx *c, uint32_t *len)
{
	uint32_t flags;
	int ret = rd(c, PCL_MSI_FLAGS, 2, &flags);

	if (ret)
		return ret;
	*len = 10;
	if (flags & PCL_MSI_FLAGS_64BIT)
		*len += 4;
	if (flags & PCL_MSI_FLAGS_MASKBIT) /* reserved, mask, pending */
		*len += 10;
	return 0;
}

static int len_pcix(const struct lctx *c, uint32_t *len)
{
	struct pcl_identity id;
	uint32_t cmd;
	int ret;

	pcl_cfg_identity(c->cfg, &id);
	if (id.header_type == PCL_HEADER_TYPE_BRIDGE) {
		/* sec. status, bridge status, up- and downstream split ctl */
		*len = 16;
		return 0;
	}
	ret = rd(c, PCL_PCIX_COMMAND, 2, &cmd);
	if (ret)
		return ret;
	/* Version 1 and 2 (PCI-X 2.0) add the ECC registers. */
	*len = (cmd & PCL_PCIX_COMMAND_VERSION) ? 24 : 8;
	return 0;
}

static int len_ht(const struct lctx *c, uint32_t *len)
{
	uint32_t b;
	int ret = rd(c, PCL_HT_CMD_TYPE, 1, &b);

	if (ret)
		return ret;
	if ((b >> 5) == 0) /* slave/primary interface block */
		*len = 28;
	else if ((b >> 5) == 1) /* host/secondary interface block */
		*len = 24;
	else if ((b >> 3) == PCL_HT_TYPE_MSI_MAPPING) /* MSI mapping: header + 64-bit address */
		*len = 12;
	else
		/* Retry mode, UnitID clumping, ...: sizes we do not hold. */
		return -EOPNOTSUPP;
	return 0;
}

static int len_vndr(const struct lctx *c, uint32_t *len)
{
	uint32_t b;
	int ret = rd(c, PCL_VNDR_LEN, 1, &b);

	if (ret)
		return ret;
	if (b < 3) /* must at least cover ID, next and itself */
		return -ERANGE;
	*len = b;
	return 0;
}

/*
 * PCI Express capability. Version 2 defines every register through Slot
 * Status 2 for every function (unimplemented ones are RsvdZ), so it is
 * always 0x3c. Version 1 structures only hold what the port type has: an
 * RCiEP ends after the device registers, other functions with a link after
 * the link registers, a downstream port after the slot registers, root ports
 * and event collectors after the root registers.
 */
static int len_exp(const struct lctx *c, uint32_t *len)
{
	uint32_t flags;
	int ret = rd(c, PCL_EXP_FLAGS, 2, &flags);

	if (ret)
		return ret;
	if ((flags & PCL_EXP_FLAGS_VERS) >= 2) {
		*len = 0x3c;
		return 0;
	}
	switch ((flags & PCL_EXP_FLAGS_TYPE) >> 4) {
	case PCL_EXP_TYPE_ROOT_PORT:
	case PCL_EXP_TYPE_RC_EC:
		*len = 0x24;
		break;
	case PCL_EXP_TYPE_DOWNSTREAM:
		*len = 0x1c;
		break;
	case PCL_EXP_TYPE_RC_END: /* no link */
		*len = 0x0c;
		break;
	default:
		*len = 0x14;
		break;
	}
	return 0;
}

static int len_sata(const struct lctx *c, uint32_t *len)
{
	uint32_t cr1;
	int ret = rd(c, PCL_SATA_CR1, 4, &cr1);

	if (ret)
		return ret;
	/* BAR location 0xf: the index/data pair follows inline. */
	*len = (cr1 & PCL_SATA_CR1_BAR_INLINE) == PCL_SATA_CR1_BAR_INLINE ? 16 : 8;
	return 0;
}

/* Enhanced Allocation: a header, then NumEntries self-sized entries. */
static int len_ea(const struct lctx *c, uint32_t *len)
{
	struct pcl_identity id;
	uint32_t n, i, pos, dw0;
	int ret = rd(c, PCL_EA_NUM_ENTRIES, 1, &n);

	if (ret)
		return ret;
	n &= PCL_EA_NUM_ENTRIES_MASK;
	pcl_cfg_identity(c->cfg, &id);
	/* Type 1 functions carry fixed secondary/subordinate bus numbers. */
	pos = id.header_type == PCL_HEADER_TYPE_BRIDGE ? 8 : 4;
	for (i = 0; i < n; i++) {
		ret = rd(c, pos, 4, &dw0);
		if (ret)
			return ret;
		pos += 4 + 4 * (dw0 & PCL_EA_ENTRY_SIZE_MASK);
	}
	*len = pos;
	return 0;
}

/* --- extended capabilities --- */

/*
 * AER: the TLP Prefix Log ends the structure at 0x48 for functions that
 * support End-End TLP Prefixes; otherwise root ports and event collectors
 * end after the Error Source ID (0x38) and other functions after the Header
 * Log (0x2c).
 */
static int len_aer(const struct lctx *c, uint32_t *len)
{
	struct lctx e = { .cfg = c->cfg, .end = PCL_STD_SPACE_END };
	uint32_t devcap2;
	int type, version = 0;

	type = exp_type(c->cfg, &e.off, &version);
	if (type >= 0 && version >= 2 &&
	    !rd(&e, PCL_EXP_DEVCAP2, 4, &devcap2) &&
	    (devcap2 & PCL_EXP_DEVCAP2_EE_PREFIX)) {
		*len = 0x48;
		return 0;
	}
	*len = (type == PCL_EXP_TYPE_ROOT_PORT || type == PCL_EXP_TYPE_RC_EC) ?
		       0x38 : 0x2c;
	return 0;
}

/*
 * VC, VC9 and MFVC: the per-VC resource registers, then the VC arbitration
 * table and the per-VC port (function) arbitration tables wherever their
 * offsets (in 16-byte units from the start) place them.
 */
static int len_vc(const struct lctx *c, uint32_t *len)
{
	static const uint16_t vc_phases[] = { 0, 32, 64, 128 };
	uint32_t cap1, cap2, res, evcc, ebits, end, fixed, i, phases, tbl, bit;
	int ret;

	ret = rd(c, PCL_VC_PORT_CAP1, 4, &cap1);
	if (!ret)
		ret = rd(c, PCL_VC_PORT_CAP2, 4, &cap2);
	if (ret)
		return ret;
	/* Reserved bits set: not a VC structure (matters for orphans). */
	if ((cap1 & 0xfffff088u) || (cap2 & 0x00ffff00u))
		return -ERANGE;
	evcc = cap1 & PCL_VC_CAP1_EVCC;
	/* port arb. entry: 1, 2, 4, 8 bits */
	ebits = 1u << ((cap1 & PCL_VC_CAP1_ARB_SIZE) >> 10);
	end = PCL_VC_RES_CAP + (evcc + 1) * PCL_VC_RES_STRIDE;

	tbl = (cap2 >> 24) * 16;
	phases = 0;
	for (bit = 1; bit <= 3; bit++)
		if (cap2 & (1u << bit))
			phases = vc_phases[bit];
	/* Tables live after the resource registers, never over them. */
	fixed = end;
	if (tbl && phases) {
		if (tbl < fixed)
			return -ERANGE;
		if (tbl + phases / 2 > end) /* 4-bit entries */
			end = tbl + phases / 2;
	}
	for (i = 0; i <= evcc; i++) {
		ret = rd(c, PCL_VC_RES_CAP + i * PCL_VC_RES_STRIDE, 4, &res);
		if (ret)
			return ret;
		tbl = (res >> 24) * 16;
		if (res & 0x20)
			phases = 256;
		else if (res & 0x18)
			phases = 128;
		else if (res & 0x04)
			phases = 64;
		else if (res & 0x02)
			phases = 32;
		else
			phases = 0;
		if (!tbl || !phases)
			continue;
		if (tbl < fixed)
			return -ERANGE;
		if (tbl + phases * ebits / 8 > end)
			end = tbl + phases * ebits / 8;
	}
	*len = end;
	return 0;
}

/* Root Complex Link Declaration: 16-byte link entries after 0x10. */
static int len_rclink(const struct lctx *c, uint32_t *len)
{
	uint32_t n;
	int ret = rd(c, PCL_RCLINK_ESD_LINKS, 1, &n);

	if (ret)
		return ret;
	*len = PCL_RCLINK_ENTRIES + n * 0x10;
	return 0;
}

/* RCEC Endpoint Association: version 2 adds the associated bus numbers. */
static int len_rcec(const struct lctx *c, uint32_t *len)
{
	uint32_t hdr;
	int ret = rd(c, 0, 4, &hdr);

	if (ret)
		return ret;
	*len = PCL_EXT_CAP_HDR_VER(hdr) >= 2 ? 12 : 8;
	return 0;
}

static int len_vsec(const struct lctx *c, uint32_t *len)
{
	uint32_t h;
	int ret = rd(c, PCL_VSEC_HDR, 4, &h);

	if (ret)
		return ret;
	*len = h >> 20;
	return *len < 8 ? -ERANGE : 0;
}

static int len_dvsec(const struct lctx *c, uint32_t *len)
{
	uint32_t h;
	int ret = rd(c, PCL_DVSEC_HDR1, 4, &h);

	if (ret)
		return ret;
	*len = h >> 20;
	return *len < 10 ? -ERANGE : 0; /* header, header 1, DVSEC ID */
}

/* ACS: with Egress Control, a vector of one bit per function, in dwords. */
static int len_acs(const struct lctx *c, uint32_t *len)
{
	uint32_t cap, bits;
	int ret = rd(c, PCL_ACS_CAP, 2, &cap);

	if (ret)
		return ret;
	*len = 8;
	if (cap & PCL_ACS_CAP_EGRESS) {
		bits = (cap & PCL_ACS_CAP_VECTOR) >> 8;
		if (!bits)
			bits = 256;
		*len += ((bits + 31) / 32) * 4;
	}
	return 0;
}

/* Resizable BAR and VF Resizable BAR: NBAR capability/control pairs. */
static int len_rebar(const struct lctx *c, uint32_t *len)
{
	uint32_t ctl, n;
	int ret = rd(c, PCL_REBAR_CTRL, 4, &ctl);

	if (ret)
		return ret;
	n = (ctl & PCL_REBAR_CTRL_NBAR) >> 5;
	if (n < 1 || n > 6)
		return -ERANGE;
	*len = 4 + n * 8;
	return 0;
}

/* DPA: one allocation byte per substate (Substate_Max + 1), in dwords. */
static int len_dpa(const struct lctx *c, uint32_t *len)
{
	uint32_t cap;
	int ret = rd(c, PCL_DPA_CAP, 4, &cap);

	if (ret)
		return ret;
	*len = 0x10 + round4((cap & PCL_DPA_CAP_SUBSTATE_MAX) + 1);
	return 0;
}

/* TPH Requester: a 16-bit steering tag table when located in the cap. */
static int len_tph(const struct lctx *c, uint32_t *len)
{
	uint32_t cap;
	int ret = rd(c, PCL_TPH_CAP, 4, &cap);

	if (ret)
		return ret;
	*len = 0x0c;
	if ((cap & PCL_TPH_CAP_LOC) >> 9 == PCL_TPH_LOC_CAP)
		*len += round4((((cap & PCL_TPH_CAP_ST_SIZE) >> 16) + 1) * 2);
	return 0;
}

/* Secondary PCIe: one 16-bit lane equalization control per lane. */
static int len_secpcie(const struct lctx *c, uint32_t *len)
{
	uint32_t lanes;
	int ret = exp_lanes(c, &lanes);

	if (ret)
		return ret;
	*len = 0x0c + round4(lanes * 2);
	return 0;
}

/* 16.0 and 32.0 GT/s physical layer: one 8-bit equalization byte per lane. */
static int len_pl16(const struct lctx *c, uint32_t *len)
{
	uint32_t lanes;
	int ret = exp_lanes(c, &lanes);

	if (ret)
		return ret;
	*len = 0x20 + round4(lanes);
	return 0;
}

/* Lane margining: a control/status dword per lane after the port dword. */
static int len_lmr(const struct lctx *c, uint32_t *len)
{
	uint32_t lanes;
	int ret = exp_lanes(c, &lanes);

	if (ret)
		return ret;
	*len = 8 + 4 * lanes;
	return 0;
}

/*
 * DPC: a root port with RP Extensions has the RP PIO registers from 0x0c
 * and a log of RP PIO Log Size dwords (at least 4) at 0x20; other ports end
 * after the status and error source ID.
 */
static int len_dpc(const struct lctx *c, uint32_t *len)
{
	uint32_t cap, log;
	int ret = rd(c, PCL_DPC_CAP, 2, &cap);

	if (ret)
		return ret;
	if (!(cap & PCL_DPC_CAP_RP_EXT)) {
		*len = 0x0c;
		return 0;
	}
	log = (cap & PCL_DPC_CAP_PIO_LOG) >> 8;
	*len = 0x20 + 4 * (log < 4 ? 4 : log);
	return 0;
}

/*
 * Tables indexed by ID. CAP_SPACE is redefined before each table, so the
 * entry macros stamp the right space. The last field is the highest version
 * the spec has defined for the ID (1 unless given with FIXV/CMPV); orphan
 * detection rejects headers claiming more.
 */
#define FIXV(i, n, l, lname, v)                                                \
	{ { (i), CAP_SPACE, PCL_LEN_FIXED, (l), 0, n, lname }, NULL, (v) }
#define CMPV(i, n, minl, f, lname, v)                                          \
	{ { (i), CAP_SPACE, PCL_LEN_COMPUTED, (minl), 0, n, lname }, f, (v) }
#define FIX(i, n, l, lname) FIXV(i, n, l, lname, 1)
#define CMP(i, n, minl, f, lname) CMPV(i, n, minl, f, lname, 1)
#define UNK(i, n, lname)                                                       \
	{ { (i), CAP_SPACE, PCL_LEN_UNKNOWN, 0, 0, n, lname }, NULL, 1 }

#define CAP_SPACE PCL_SPACE_STANDARD
static const struct capent std_caps[] = {
	FIX(PCL_CAP_ID_NULL, "null", 2, "Null Capability"),
	FIX(PCL_CAP_ID_PM, "pm", 8, "Power Management"),
	FIX(PCL_CAP_ID_AGP, "agp", 12, "Accelerated Graphics Port"),
	FIX(PCL_CAP_ID_VPD, "vpd", 8, "Vital Product Data"),
	FIX(PCL_CAP_ID_SLOTID, "slotid", 4, "Slot Identification"),
	CMP(PCL_CAP_ID_MSI, "msi", 10, len_msi, "Message Signalled Interrupts"),
	FIX(PCL_CAP_ID_CHSWP, "chswp", 4, "CompactPCI Hot Swap"),
	CMP(PCL_CAP_ID_PCIX, "pcix", 8, len_pcix, "PCI-X"),
	CMP(PCL_CAP_ID_HT, "ht", 12, len_ht, "HyperTransport"),
	CMP(PCL_CAP_ID_VNDR, "vndr", 3, len_vndr, "Vendor Specific"),
	FIX(PCL_CAP_ID_DBG, "dbg", 4, "Debug Port"),
	UNK(PCL_CAP_ID_CCRC, "ccrc", "CompactPCI Central Resource Control"),
	FIX(PCL_CAP_ID_SHPC, "shpc", 8, "Standard Hot-Plug Controller"),
	FIX(PCL_CAP_ID_SSVID, "ssvid", 8, "Bridge Subsystem Vendor ID"),
	UNK(PCL_CAP_ID_AGP3, "agp3", "AGP 8x Target PCI-PCI Bridge"),
	UNK(PCL_CAP_ID_SECDEV, "secdev", "Secure Device"),
	CMPV(PCL_CAP_ID_EXP, "exp", 0x0c, len_exp, "PCI Express", 2),
	FIX(PCL_CAP_ID_MSIX, "msix", 12, "MSI-X"),
	CMP(PCL_CAP_ID_SATA, "sata", 8, len_sata, "SATA Data/Index Configuration"),
	FIX(PCL_CAP_ID_AF, "af", 6, "Advanced Features"),
	CMP(PCL_CAP_ID_EA, "ea", 4, len_ea, "Enhanced Allocation"),
	FIX(PCL_CAP_ID_FPB, "fpb", 0x24, "Flattening Portal Bridge"),
};

#undef CAP_SPACE
#define CAP_SPACE PCL_SPACE_EXTENDED
static const struct capent ext_caps[] = {
	FIX(PCL_EXT_CAP_ID_NULL, "null", 4, "Null Extended Capability"),
	CMPV(PCL_EXT_CAP_ID_AER, "aer", 0x2c, len_aer, "Advanced Error Reporting", 2),
	CMP(PCL_EXT_CAP_ID_VC, "vc", 0x1c, len_vc, "Virtual Channel"),
	FIX(PCL_EXT_CAP_ID_DSN, "dsn", 12, "Device Serial Number"),
	FIX(PCL_EXT_CAP_ID_PWR, "pwr", 16, "Power Budgeting"),
	CMP(PCL_EXT_CAP_ID_RCLINK, "rclink", 0x10, len_rclink, "Root Complex Link Declaration"),
	FIX(PCL_EXT_CAP_ID_RCILC, "rcilc", 12, "Root Complex Internal Link Control"),
	CMPV(PCL_EXT_CAP_ID_RCEC, "rcec", 8, len_rcec,
	     "Root Complex Event Collector Endpoint Association", 2),
	CMP(PCL_EXT_CAP_ID_MFVC, "mfvc", 0x1c, len_vc, "Multi-Function Virtual Channel"),
	CMP(PCL_EXT_CAP_ID_VC9, "vc9", 0x1c, len_vc, "Virtual Channel (MFVC present)"),
	FIX(PCL_EXT_CAP_ID_RCRB, "rcrb", 0x14, "Root Complex Register Block Header"),
	CMP(PCL_EXT_CAP_ID_VNDR, "vsec", 8, len_vsec, "Vendor-Specific Extended Capability"),
	FIX(PCL_EXT_CAP_ID_CAC, "cac", 8, "Configuration Access Correlation"),
	CMP(PCL_EXT_CAP_ID_ACS, "acs", 8, len_acs, "Access Control Services"),
	FIX(PCL_EXT_CAP_ID_ARI, "ari", 8, "Alternative Routing-ID Interpretation"),
	FIX(PCL_EXT_CAP_ID_ATS, "ats", 8, "Address Translation Services"),
	FIX(PCL_EXT_CAP_ID_SRIOV, "sriov", 64, "Single Root I/O Virtualization"),
	UNK(PCL_EXT_CAP_ID_MRIOV, "mriov", "Multi-Root I/O Virtualization"),
	FIX(PCL_EXT_CAP_ID_MCAST, "mcast", 0x30, "Multicast"),
	FIX(PCL_EXT_CAP_ID_PRI, "pri", 16, "Page Request Interface"),
	UNK(PCL_EXT_CAP_ID_AMD, "amd", "Reserved for AMD"),
	CMP(PCL_EXT_CAP_ID_REBAR, "rebar", 12, len_rebar, "Resizable BAR"),
	CMP(PCL_EXT_CAP_ID_DPA, "dpa", 0x14, len_dpa, "Dynamic Power Allocation"),
	CMP(PCL_EXT_CAP_ID_TPH, "tph", 0x0c, len_tph, "TPH Requester"),
	FIX(PCL_EXT_CAP_ID_LTR, "ltr", 8, "Latency Tolerance Reporting"),
	CMP(PCL_EXT_CAP_ID_SECPCIE, "secpcie", 0x10, len_secpcie, "Secondary PCI Express"),
	UNK(PCL_EXT_CAP_ID_PMUX, "pmux", "Protocol Multiplexing"),
	FIX(PCL_EXT_CAP_ID_PASID, "pasid", 8, "Process Address Space ID"),
	FIX(PCL_EXT_CAP_ID_LNR, "lnr", 8, "LN Requester"),
	CMP(PCL_EXT_CAP_ID_DPC, "dpc", 0x0c, len_dpc, "Downstream Port Containment"),
	FIX(PCL_EXT_CAP_ID_L1SS, "l1ss", 16, "L1 PM Substates"),
	FIX(PCL_EXT_CAP_ID_PTM, "ptm", 12, "Precision Time Measurement"),
	UNK(PCL_EXT_CAP_ID_MPCIE, "mpcie", "PCI Express over M-PHY"),
	FIX(PCL_EXT_CAP_ID_FRS, "frs", 16, "FRS Queueing"),
	FIX(PCL_EXT_CAP_ID_RTR, "rtr", 12, "Readiness Time Reporting"),
	CMP(PCL_EXT_CAP_ID_DVSEC, "dvsec", 10, len_dvsec, "Designated Vendor-Specific Extended Capability"),
	CMP(PCL_EXT_CAP_ID_VF_REBAR, "vf_rebar", 12, len_rebar, "VF Resizable BAR"),
	FIX(PCL_EXT_CAP_ID_DLF, "dlf", 12, "Data Link Feature"),
	CMP(PCL_EXT_CAP_ID_PL16GT, "pl16gt", 0x24, len_pl16, "Physical Layer 16.0 GT/s"),
	CMP(PCL_EXT_CAP_ID_LMR, "lmr", 12, len_lmr, "Lane Margining at the Receiver"),
	UNK(PCL_EXT_CAP_ID_HIER_ID, "hier_id", "Hierarchy ID"),
	FIX(PCL_EXT_CAP_ID_NPEM, "npem", 16, "Native PCIe Enclosure Management"),
	CMP(PCL_EXT_CAP_ID_PL32GT, "pl32gt", 0x24, len_pl16, "Physical Layer 32.0 GT/s"),
	UNK(PCL_EXT_CAP_ID_ALT_PROTO, "alt_proto", "Alternate Protocol"),
	UNK(PCL_EXT_CAP_ID_SFI, "sfi", "System Firmware Intermediary"),
	UNK(PCL_EXT_CAP_ID_SHADOW, "shadow", "Shadow Functions"),
	FIXV(PCL_EXT_CAP_ID_DOE, "doe", 0x18, "Data Object Exchange", 2),
	FIX(PCL_EXT_CAP_ID_DEV3, "dev3", 16, "Device 3"),
	UNK(PCL_EXT_CAP_ID_IDE, "ide", "Integrity and Data Encryption"),
	FIX(PCL_EXT_CAP_ID_PL64GT, "pl64gt", 16, "Physical Layer 64.0 GT/s"),
	UNK(PCL_EXT_CAP_ID_FLIT_LOG, "flit_log", "Flit Logging"),
	UNK(PCL_EXT_CAP_ID_FLIT_PERF, "flit_perf", "Flit Performance Measurement"),
	UNK(PCL_EXT_CAP_ID_FLIT_ERR_INJ, "flit_err_inj", "Flit Error Injection"),
};
#undef CAP_SPACE

static const struct capent *table(int space, size_t *n)
{
	if (space == PCL_SPACE_STANDARD) {
		*n = PCL_ARRAY_SIZE(std_caps);
		return std_caps;
	}
	if (space == PCL_SPACE_EXTENDED) {
		*n = PCL_ARRAY_SIZE(ext_caps);
		return ext_caps;
	}
	*n = 0;
	return NULL;
}

static const struct capent *entry(int space, uint16_t id)
{
	size_t n;
	const struct capent *t = table(space, &n);

	if (!t || id >= n)
		return NULL;
	return &t[id];
}

PCL_EXPORT const struct pcl_capdef *pcl_catalog_lookup(int space, uint16_t id)
{
	return pcl_catalog_get(space, id);
}

PCL_EXPORT const struct pcl_capdef *pcl_catalog_lookup_name(int space,
							     const char *name)
{
	size_t n, i;
	const struct capent *t = table(space, &n);

	if (!t || !name)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(t[i].def.name, name))
			return &t[i].def;
	return NULL;
}

PCL_EXPORT size_t pcl_catalog_count(int space)
{
	size_t n;

	table(space, &n);
	return n;
}

PCL_EXPORT const struct pcl_capdef *pcl_catalog_get(int space, size_t index)
{
	const struct capent *e;

	if (index > UINT16_MAX)
		return NULL;
	e = entry(space, (uint16_t)index);
	return e ? &e->def : NULL;
}

int pcl_catalog_measure(const struct pcl_cfg *cfg, int space, uint16_t id,
			uint32_t offset, uint32_t *length)
{
	const struct capent *e = entry(space, id);
	struct lctx c = { .cfg = cfg, .off = offset };

	if (!cfg || !length)
		return -EINVAL;
	if (!e)
		return -ENOENT;
	c.end = pcl_space_end(space);
	if (offset >= c.end)
		return -ERANGE;
	switch (e->def.rule) {
	case PCL_LEN_FIXED:
		*length = e->def.length;
		return 0;
	case PCL_LEN_COMPUTED:
		return e->fn(&c, length);
	default:
		return -EOPNOTSUPP;
	}
}

PCL_EXPORT int pcl_catalog_length(const struct pcl_cfg *cfg, int space,
				  uint16_t id, uint32_t offset,
				  uint32_t *length)
{
	int ret = pcl_catalog_measure(cfg, space, id, offset, length);

	return ret == -EOPNOTSUPP ? -ENODATA : ret;
}

unsigned int pcl_catalog_max_version(int space, uint16_t id)
{
	const struct capent *e = entry(space, id);

	if (!e || !id)
		return 0;
	return e->max_version;
}

/*
 * What the kernel's vfio-pci passes through: the IDs whose entry in
 * pci_cap_length[] or pci_ext_cap_length[] (drivers/vfio/pci/
 * vfio_pci_config.c) is not 0. Every other ID - including every ID newer
 * than those tables - is unlinked from the chain the VMM reads, its bytes
 * left in place (research/upstream.md sections 3.1 and 3.7, 2025 trees).
 */
#define PASS(id) [id] = true
static const bool vfio_std_pass[] = {
	PASS(PCL_CAP_ID_PM),   PASS(PCL_CAP_ID_AGP),  PASS(PCL_CAP_ID_VPD),
	PASS(PCL_CAP_ID_MSI),  PASS(PCL_CAP_ID_PCIX), PASS(PCL_CAP_ID_HT),
	PASS(PCL_CAP_ID_VNDR), PASS(PCL_CAP_ID_EXP),  PASS(PCL_CAP_ID_MSIX),
	PASS(PCL_CAP_ID_SATA), PASS(PCL_CAP_ID_AF),
};

static const bool vfio_ext_pass[] = {
	PASS(PCL_EXT_CAP_ID_AER),   PASS(PCL_EXT_CAP_ID_VC),
	PASS(PCL_EXT_CAP_ID_DSN),   PASS(PCL_EXT_CAP_ID_PWR),
	PASS(PCL_EXT_CAP_ID_MFVC),  PASS(PCL_EXT_CAP_ID_VC9),
	PASS(PCL_EXT_CAP_ID_VNDR),  PASS(PCL_EXT_CAP_ID_ACS),
	PASS(PCL_EXT_CAP_ID_ARI),   PASS(PCL_EXT_CAP_ID_ATS),
	PASS(PCL_EXT_CAP_ID_SRIOV), PASS(PCL_EXT_CAP_ID_MCAST),
	PASS(PCL_EXT_CAP_ID_PRI),   PASS(PCL_EXT_CAP_ID_REBAR),
	PASS(PCL_EXT_CAP_ID_DPA),   PASS(PCL_EXT_CAP_ID_TPH),
	PASS(PCL_EXT_CAP_ID_LTR),
	PASS(PCL_EXT_CAP_ID_DVSEC), /* since Linux 6.4 */
};
#undef PASS

/* Indexed by ID, as the walk asks for every capability it predicts the
 * vfio-pci view of. */
PCL_EXPORT bool pcl_catalog_vfio_hides(int space, uint16_t id)
{
	if (space == PCL_SPACE_STANDARD)
		return id >= PCL_ARRAY_SIZE(vfio_std_pass) || !vfio_std_pass[id];
	return id >= PCL_ARRAY_SIZE(vfio_ext_pass) || !vfio_ext_pass[id];
}

PCL_EXPORT const char *pcl_space_name(int space)
{
	return space == PCL_SPACE_EXTENDED ? "extended" : "standard";
}
