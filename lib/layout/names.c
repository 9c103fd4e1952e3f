// SPDX-License-Identifier: BSD-3-Clause
/*
 * names.c - the format-1 capability name table and the other enumerations
 * the file spells as words.
 *
 * The table is frozen with the format, on purpose separate from the
 * catalogue: the catalogue may learn new capabilities, but a format-1 file
 * must mean the same to every format-1 reader, so a name a reader does not
 * know can never appear in one. New IDs are written as "0x…" until a new
 * format version names them. The default lengths are part of the format
 * for the same reason (a layout must not change size when the library
 * learns more). tests/unit/test_layout.c checks the table against the
 * catalogue and against the appendix of docs/layout-format.md.
 */
#include <stdlib.h>

#include "layout-internal.h"

#define S PCL_SPACE_STANDARD
#define E PCL_SPACE_EXTENDED
/*
 * fixed-length, default-length (overridable), length required. Each space's
 * table is indexed by ID (the walk, the planner and the writer look a name
 * up for every capability they meet); unnamed IDs are holes (no name).
 */
#define F(sp, i, l, n) [i] = { sp, 1, i, l, n }
#define D(sp, i, l, n) [i] = { sp, 0, i, l, n }
#define R(sp, i, n) [i] = { sp, 0, i, 0, n }

static const struct capname std_names[] = {
	F(S, PCL_CAP_ID_NULL, 2, "null"),
	F(S, PCL_CAP_ID_PM, 8, "pm"),
	F(S, PCL_CAP_ID_AGP, 12, "agp"),
	F(S, PCL_CAP_ID_VPD, 8, "vpd"),
	F(S, PCL_CAP_ID_SLOTID, 4, "slotid"),
	R(S, PCL_CAP_ID_MSI, "msi"),
	F(S, PCL_CAP_ID_CHSWP, 4, "chswp"),
	R(S, PCL_CAP_ID_PCIX, "pcix"),
	R(S, PCL_CAP_ID_HT, "ht"),
	R(S, PCL_CAP_ID_VNDR, "vndr"),
	F(S, PCL_CAP_ID_DBG, 4, "dbg"),
	R(S, PCL_CAP_ID_CCRC, "ccrc"),
	F(S, PCL_CAP_ID_SHPC, 8, "shpc"),
	F(S, PCL_CAP_ID_SSVID, 8, "ssvid"),
	R(S, PCL_CAP_ID_AGP3, "agp3"),
	R(S, PCL_CAP_ID_SECDEV, "secdev"),
	D(S, PCL_CAP_ID_EXP, 0x3c, "exp"),
	F(S, PCL_CAP_ID_MSIX, 12, "msix"),
	R(S, PCL_CAP_ID_SATA, "sata"),
	F(S, PCL_CAP_ID_AF, 6, "af"),
	R(S, PCL_CAP_ID_EA, "ea"),
	F(S, PCL_CAP_ID_FPB, 0x24, "fpb"),
};

static const struct capname ext_names[] = {
	F(E, PCL_EXT_CAP_ID_NULL, 4, "null"),
	D(E, PCL_EXT_CAP_ID_AER, 0x2c, "aer"),
	R(E, PCL_EXT_CAP_ID_VC, "vc"),
	F(E, PCL_EXT_CAP_ID_DSN, 12, "dsn"),
	F(E, PCL_EXT_CAP_ID_PWR, 16, "pwr"),
	R(E, PCL_EXT_CAP_ID_RCLINK, "rclink"),
	F(E, PCL_EXT_CAP_ID_RCILC, 12, "rcilc"),
	R(E, PCL_EXT_CAP_ID_RCEC, "rcec"),
	R(E, PCL_EXT_CAP_ID_MFVC, "mfvc"),
	R(E, PCL_EXT_CAP_ID_VC9, "vc9"),
	F(E, PCL_EXT_CAP_ID_RCRB, 0x14, "rcrb"),
	R(E, PCL_EXT_CAP_ID_VNDR, "vsec"),
	F(E, PCL_EXT_CAP_ID_CAC, 8, "cac"),
	R(E, PCL_EXT_CAP_ID_ACS, "acs"),
	F(E, PCL_EXT_CAP_ID_ARI, 8, "ari"),
	F(E, PCL_EXT_CAP_ID_ATS, 8, "ats"),
	F(E, PCL_EXT_CAP_ID_SRIOV, 64, "sriov"),
	R(E, PCL_EXT_CAP_ID_MRIOV, "mriov"),
	F(E, PCL_EXT_CAP_ID_MCAST, 0x30, "mcast"),
	F(E, PCL_EXT_CAP_ID_PRI, 16, "pri"),
	R(E, PCL_EXT_CAP_ID_AMD, "amd"),
	R(E, PCL_EXT_CAP_ID_REBAR, "rebar"),
	R(E, PCL_EXT_CAP_ID_DPA, "dpa"),
	R(E, PCL_EXT_CAP_ID_TPH, "tph"),
	F(E, PCL_EXT_CAP_ID_LTR, 8, "ltr"),
	R(E, PCL_EXT_CAP_ID_SECPCIE, "secpcie"),
	R(E, PCL_EXT_CAP_ID_PMUX, "pmux"),
	F(E, PCL_EXT_CAP_ID_PASID, 8, "pasid"),
	F(E, PCL_EXT_CAP_ID_LNR, 8, "lnr"),
	R(E, PCL_EXT_CAP_ID_DPC, "dpc"),
	F(E, PCL_EXT_CAP_ID_L1SS, 16, "l1ss"),
	F(E, PCL_EXT_CAP_ID_PTM, 12, "ptm"),
	R(E, PCL_EXT_CAP_ID_MPCIE, "mpcie"),
	F(E, PCL_EXT_CAP_ID_FRS, 16, "frs"),
	F(E, PCL_EXT_CAP_ID_RTR, 12, "rtr"),
	R(E, PCL_EXT_CAP_ID_DVSEC, "dvsec"),
	R(E, PCL_EXT_CAP_ID_VF_REBAR, "vf_rebar"),
	F(E, PCL_EXT_CAP_ID_DLF, 12, "dlf"),
	R(E, PCL_EXT_CAP_ID_PL16GT, "pl16gt"),
	R(E, PCL_EXT_CAP_ID_LMR, "lmr"),
	R(E, PCL_EXT_CAP_ID_HIER_ID, "hier_id"),
	F(E, PCL_EXT_CAP_ID_NPEM, 16, "npem"),
	R(E, PCL_EXT_CAP_ID_PL32GT, "pl32gt"),
	R(E, PCL_EXT_CAP_ID_ALT_PROTO, "alt_proto"),
	R(E, PCL_EXT_CAP_ID_SFI, "sfi"),
	R(E, PCL_EXT_CAP_ID_SHADOW, "shadow"),
	F(E, PCL_EXT_CAP_ID_DOE, 0x18, "doe"),
	F(E, PCL_EXT_CAP_ID_DEV3, 16, "dev3"),
	R(E, PCL_EXT_CAP_ID_IDE, "ide"),
	F(E, PCL_EXT_CAP_ID_PL64GT, 16, "pl64gt"),
	R(E, PCL_EXT_CAP_ID_FLIT_LOG, "flit_log"),
	R(E, PCL_EXT_CAP_ID_FLIT_PERF, "flit_perf"),
	R(E, PCL_EXT_CAP_ID_FLIT_ERR_INJ, "flit_err_inj"),
};

static const struct capname *names_of(int space, size_t *n)
{
	if (space == PCL_SPACE_STANDARD) {
		*n = PCL_ARRAY_SIZE(std_names);
		return std_names;
	}
	*n = space == PCL_SPACE_EXTENDED ? PCL_ARRAY_SIZE(ext_names) : 0;
	return ext_names;
}

const struct capname *pcl_capname_by_id(int space, uint16_t id)
{
	size_t n;
	const struct capname *t = names_of(space, &n);

	return id < n && t[id].name ? &t[id] : NULL;
}

/* The @index-th named entry (standard space first), or NULL. */
const struct capname *pcl_capname_get(size_t index)
{
	for (int sp = PCL_SPACE_STANDARD; sp <= PCL_SPACE_EXTENDED; sp++) {
		size_t n;
		const struct capname *t = names_of(sp, &n);

		for (size_t i = 0; i < n; i++)
			if (t[i].name && index-- == 0)
				return &t[i];
	}
	return NULL;
}

const struct capname *pcl_capname_by_name(int space, const char *name)
{
	size_t n;
	const struct capname *t = names_of(space, &n);

	for (size_t i = 0; i < n; i++)
		if (t[i].name && strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

size_t pcl_capname_count(void)
{
	size_t count = 0;

	for (int sp = PCL_SPACE_STANDARD; sp <= PCL_SPACE_EXTENDED; sp++) {
		size_t n;
		const struct capname *t = names_of(sp, &n);

		for (size_t i = 0; i < n; i++)
			count += t[i].name != NULL;
	}
	return count;
}

PCL_EXPORT const char *pcl_layout_cap_name(int space, uint16_t id)
{
	const struct capname *c = pcl_capname_by_id(space, id);

	return c ? c->name : NULL;
}

PCL_EXPORT uint32_t pcl_layout_cap_default_length(int space, uint16_t id)
{
	const struct capname *c = pcl_capname_by_id(space, id);

	return c ? c->length : 0;
}

PCL_EXPORT bool pcl_layout_cap_fixed_length(int space, uint16_t id,
					    uint32_t *length)
{
	const struct capname *c = pcl_capname_by_id(space, id);

	if (!c || !c->fixed)
		return false;
	if (length)
		*length = c->length;
	return true;
}

PCL_EXPORT int pcl_layout_cap_parse(int space, const char *text, uint16_t *id)
{
	const struct capname *c;
	unsigned long v = 0;
	size_t n;

	if (!text || (space != PCL_SPACE_STANDARD && space != PCL_SPACE_EXTENDED))
		return -EINVAL;
	if (text[0] != '0' || text[1] != 'x') {
		c = pcl_capname_by_name(space, text);
		if (!c)
			return -EINVAL;
		*id = c->id;
		return 0;
	}
	/* Same grammar as every hex string of the format: 1..16 digits. */
	n = strspn(text + 2, "0123456789abcdefABCDEF");
	if (n == 0 || n > 16 || text[2 + n])
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char ch = text[2 + i];
		unsigned int d = ch <= '9' ? (unsigned int)(ch - '0') :
			(unsigned int)((ch | 0x20) - 'a' + 10);

		if (v > 0xffff)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (v > (space == PCL_SPACE_STANDARD ? 0xffUL : 0xffffUL))
		return -EINVAL;
	*id = (uint16_t)v;
	return 0;
}

PCL_EXPORT const char *pcl_unclaimed_name(int policy)
{
	static const char *const names[] = {
		[PCL_UNCLAIMED_PASSTHROUGH] = "passthrough",
		[PCL_UNCLAIMED_ZERO] = "zero",
		[PCL_UNCLAIMED_ONES] = "ones",
	};

	if (policy < 0 || (size_t)policy >= PCL_ARRAY_SIZE(names))
		return NULL;
	return names[policy];
}

PCL_EXPORT const char *pcl_prov_rule_name(int rule)
{
	static const char *const names[] = {
		[PCL_PROV_USER] = "user",	  [PCL_PROV_DATABASE] = "database",
		[PCL_PROV_QUIRK] = "quirk",	  [PCL_PROV_DVSEC] = "dvsec",
		[PCL_PROV_GAP] = "gap",		  [PCL_PROV_PHYSICAL] = "physical",
		[PCL_PROV_DEFAULT] = "default",
	};

	if (rule <= 0 || (size_t)rule >= PCL_ARRAY_SIZE(names))
		return NULL;
	return names[rule];
}

PCL_EXPORT const char *pcl_layout_cap_label(int space, uint16_t id, char *buf,
					    size_t size)
{
	const char *n = pcl_layout_cap_name(space, id);

	if (n)
		return n;
	snprintf(buf, size, "0x%x", id);
	return buf;
}
