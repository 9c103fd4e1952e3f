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
/* fixed-length, default-length (overridable), length required */
#define F(sp, i, l, n) { sp, 1, i, l, n }
#define D(sp, i, l, n) { sp, 0, i, l, n }
#define R(sp, i, n) { sp, 0, i, 0, n }

static const struct capname capnames[] = {
	F(S, 0x00, 2, "null"),    F(S, 0x01, 8, "pm"),
	F(S, 0x02, 12, "agp"),    F(S, 0x03, 8, "vpd"),
	F(S, 0x04, 4, "slotid"),  R(S, 0x05, "msi"),
	F(S, 0x06, 4, "chswp"),   R(S, 0x07, "pcix"),
	R(S, 0x08, "ht"),         R(S, 0x09, "vndr"),
	F(S, 0x0a, 4, "dbg"),     R(S, 0x0b, "ccrc"),
	F(S, 0x0c, 8, "shpc"),    F(S, 0x0d, 8, "ssvid"),
	R(S, 0x0e, "agp3"),       R(S, 0x0f, "secdev"),
	D(S, 0x10, 0x3c, "exp"),  F(S, 0x11, 12, "msix"),
	R(S, 0x12, "sata"),       F(S, 0x13, 6, "af"),
	R(S, 0x14, "ea"),         F(S, 0x15, 0x24, "fpb"),

	F(E, 0x00, 4, "null"),    D(E, 0x01, 0x2c, "aer"),
	R(E, 0x02, "vc"),         F(E, 0x03, 12, "dsn"),
	F(E, 0x04, 16, "pwr"),    R(E, 0x05, "rclink"),
	F(E, 0x06, 12, "rcilc"),  R(E, 0x07, "rcec"),
	R(E, 0x08, "mfvc"),       R(E, 0x09, "vc9"),
	F(E, 0x0a, 0x14, "rcrb"), R(E, 0x0b, "vsec"),
	F(E, 0x0c, 8, "cac"),     R(E, 0x0d, "acs"),
	F(E, 0x0e, 8, "ari"),     F(E, 0x0f, 8, "ats"),
	F(E, 0x10, 64, "sriov"),  R(E, 0x11, "mriov"),
	F(E, 0x12, 0x30, "mcast"), F(E, 0x13, 16, "pri"),
	R(E, 0x14, "amd"),        R(E, 0x15, "rebar"),
	R(E, 0x16, "dpa"),        R(E, 0x17, "tph"),
	F(E, 0x18, 8, "ltr"),     R(E, 0x19, "secpcie"),
	R(E, 0x1a, "pmux"),       F(E, 0x1b, 8, "pasid"),
	F(E, 0x1c, 8, "lnr"),     R(E, 0x1d, "dpc"),
	F(E, 0x1e, 16, "l1ss"),   F(E, 0x1f, 12, "ptm"),
	R(E, 0x20, "mpcie"),      F(E, 0x21, 16, "frs"),
	F(E, 0x22, 12, "rtr"),    R(E, 0x23, "dvsec"),
	R(E, 0x24, "vf_rebar"),   F(E, 0x25, 12, "dlf"),
	R(E, 0x26, "pl16gt"),     R(E, 0x27, "lmr"),
	R(E, 0x28, "hier_id"),    F(E, 0x29, 16, "npem"),
	R(E, 0x2a, "pl32gt"),     R(E, 0x2b, "alt_proto"),
	R(E, 0x2c, "sfi"),        R(E, 0x2d, "shadow"),
	F(E, 0x2e, 0x18, "doe"),  F(E, 0x2f, 16, "dev3"),
	R(E, 0x30, "ide"),        F(E, 0x31, 16, "pl64gt"),
	R(E, 0x32, "flit_log"),   R(E, 0x33, "flit_perf"),
	R(E, 0x34, "flit_err_inj"),
};

const struct capname *pcl_capname_by_id(int space, uint16_t id)
{
	for (size_t i = 0; i < PCL_ARRAY_SIZE(capnames); i++)
		if (capnames[i].space == space && capnames[i].id == id)
			return &capnames[i];
	return NULL;
}

const struct capname *pcl_capname_by_name(int space, const char *name)
{
	for (size_t i = 0; i < PCL_ARRAY_SIZE(capnames); i++)
		if (capnames[i].space == space &&
		    strcmp(capnames[i].name, name) == 0)
			return &capnames[i];
	return NULL;
}

size_t pcl_capname_count(void)
{
	return PCL_ARRAY_SIZE(capnames);
}

const struct capname *pcl_capname_get(size_t index)
{
	return index < PCL_ARRAY_SIZE(capnames) ? &capnames[index] : NULL;
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
