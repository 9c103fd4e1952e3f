// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_catalog.c - the capability catalogue: names both ways and unique per
 * space, every fixed length that matters to layouts, every computed rule
 * with at least two register settings, and the refusals: -ENODATA for
 * unread registers or unknowable lengths, -ERANGE for impossible ones,
 * -ENOENT for IDs the catalogue does not hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"

static struct pcl_ctx *ctx;

static int setup(void **state)
{
	ctx = pcl_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	pcl_ctx_free(ctx);
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define STD PCL_SPACE_STANDARD
#define EXT PCL_SPACE_EXTENDED

/* Length of (@space, @id) at @off of @b; asserts the return value is @ret. */
static uint32_t len_of(const struct tb *b, int space, uint16_t id,
		       uint32_t off, int ret)
{
	struct pcl_cfg *cfg = tb_cfg(ctx, b);
	uint32_t len = 0xdead;

	assert_int_equal(pcl_catalog_length(cfg, space, id, off, &len), ret);
	pcl_cfg_free(cfg);
	return len;
}

static void test_names(void **state)
{
	int space;
	size_t i, j, n;

	for (space = STD; space <= EXT; space++) {
		n = pcl_catalog_count(space);
		assert_true(n >= (space == STD ? 0x16u : 0x35u));
		for (i = 0; i < n; i++) {
			const struct pcl_capdef *d = pcl_catalog_get(space, i);

			assert_non_null(d);
			assert_int_equal(d->id, i);
			assert_int_equal(d->space, space);
			assert_ptr_equal(pcl_catalog_lookup(space, d->id), d);
			assert_ptr_equal(pcl_catalog_lookup_name(space, d->name), d);
			assert_non_null(d->long_name);
			for (j = 0; d->name[j]; j++)
				assert_true((d->name[j] >= 'a' && d->name[j] <= 'z') ||
					    (d->name[j] >= '0' && d->name[j] <= '9') ||
					    d->name[j] == '_');
			for (j = 0; j < i; j++)
				assert_string_not_equal(pcl_catalog_get(space, j)->name,
							d->name);
			if (d->rule == PCL_LEN_UNKNOWN)
				assert_int_equal(d->length, 0);
			else
				assert_true(d->length >= 2);
		}
		assert_null(pcl_catalog_get(space, n));
	}
	assert_int_equal(pcl_catalog_lookup_name(STD, "exp")->id, 0x10);
	assert_int_equal(pcl_catalog_lookup_name(STD, "vndr")->id, 0x09);
	assert_int_equal(pcl_catalog_lookup_name(STD, "msix")->id, 0x11);
	assert_int_equal(pcl_catalog_lookup_name(EXT, "pasid")->id, 0x1b);
	assert_int_equal(pcl_catalog_lookup_name(EXT, "dvsec")->id, 0x23);
	assert_int_equal(pcl_catalog_lookup_name(EXT, "vsec")->id, 0x0b);
	assert_int_equal(pcl_catalog_lookup_name(EXT, "pl64gt")->id, 0x31);
	assert_null(pcl_catalog_lookup_name(STD, "pasid"));
	assert_null(pcl_catalog_lookup_name(EXT, "msix"));
	assert_null(pcl_catalog_lookup_name(EXT, NULL));
	assert_null(pcl_catalog_lookup(STD, 0xfe));
	assert_null(pcl_catalog_lookup(EXT, 0xffff));
	assert_null(pcl_catalog_lookup(7, 1));
	assert_int_equal(pcl_catalog_count(7), 0);
	assert_string_equal(pcl_space_name(STD), "standard");
	assert_string_equal(pcl_space_name(EXT), "extended");
}

static void test_fixed(void **state)
{
	static const struct { int space; uint16_t id; uint32_t len; } t[] = {
		{ STD, 0x01, 8 },     { STD, 0x03, 8 },     { STD, 0x0d, 8 },
		{ STD, 0x11, 12 },    { STD, 0x13, 6 },     { STD, 0x0a, 4 },
		{ EXT, 0x00, 4 },     { EXT, 0x03, 12 },    { EXT, 0x04, 16 },
		{ EXT, 0x0e, 8 },     { EXT, 0x0f, 8 },     { EXT, 0x10, 64 },
		{ EXT, 0x12, 0x30 },  { EXT, 0x13, 16 },    { EXT, 0x18, 8 },
		{ EXT, 0x1b, 8 },     { EXT, 0x1e, 16 },    { EXT, 0x1f, 12 },
		{ EXT, 0x25, 12 },    { EXT, 0x29, 16 },    { EXT, 0x2e, 0x18 },
		{ EXT, 0x2f, 16 },    { EXT, 0x31, 16 },
	};
	struct tb b;
	size_t i;

	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	for (i = 0; i < N(t); i++) {
		assert_int_equal(pcl_catalog_lookup(t[i].space, t[i].id)->rule,
				 PCL_LEN_FIXED);
		assert_int_equal(len_of(&b, t[i].space, t[i].id,
					t[i].space == STD ? 0x40 : 0x100, 0),
				 t[i].len);
	}
}

static void test_msi(void **state)
{
	static const uint16_t flags[] = { 0x0000, 0x0080, 0x0100, 0x0180 };
	static const uint32_t want[] = { 10, 14, 20, 24 };
	struct tb b;
	size_t i;

	for (i = 0; i < 4; i++) {
		tb_init(&b, 0x8086, 0x1234, 0, 256);
		tb_std(&b, 0x50, 0x05);
		tb_w16(&b, 0x52, flags[i]);
		assert_int_equal(len_of(&b, STD, 0x05, 0x50, 0), want[i]);
	}
}

static void test_pcix_ht_sata(void **state)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_w16(&b, 0x62, 0x0000);
	assert_int_equal(len_of(&b, STD, 0x07, 0x60, 0), 8);
	tb_w16(&b, 0x62, 0x1000); /* version 1 */
	assert_int_equal(len_of(&b, STD, 0x07, 0x60, 0), 24);
	tb_w16(&b, 0x62, 0x2000); /* version 2 */
	assert_int_equal(len_of(&b, STD, 0x07, 0x60, 0), 24);
	tb_init(&b, 0x8086, 0x1234, 1, 256); /* bridge */
	assert_int_equal(len_of(&b, STD, 0x07, 0x60, 0), 16);

	tb_init(&b, 0x1022, 0x1234, 0, 256);
	tb_w8(&b, 0x63, 0x00); /* slave/primary */
	assert_int_equal(len_of(&b, STD, 0x08, 0x60, 0), 28);
	tb_w8(&b, 0x63, 0x20); /* host/secondary */
	assert_int_equal(len_of(&b, STD, 0x08, 0x60, 0), 24);
	tb_w8(&b, 0x63, 0xa8); /* MSI mapping */
	assert_int_equal(len_of(&b, STD, 0x08, 0x60, 0), 12);
	tb_w8(&b, 0x63, 0xc0); /* retry mode: size not known */
	len_of(&b, STD, 0x08, 0x60, -ENODATA);

	tb_w32(&b, 0x64, 0x0000000f);
	assert_int_equal(len_of(&b, STD, 0x12, 0x60, 0), 16);
	tb_w32(&b, 0x64, 0x00000004);
	assert_int_equal(len_of(&b, STD, 0x12, 0x60, 0), 8);
}

static void test_vndr(void **state)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_w8(&b, 0x42, 0x10);
	assert_int_equal(len_of(&b, STD, 0x09, 0x40, 0), 0x10);
	tb_w8(&b, 0x42, 0xc0); /* long: the walker flags it, not the rule */
	assert_int_equal(len_of(&b, STD, 0x09, 0x40, 0), 0xc0);
	tb_w8(&b, 0x42, 2);
	len_of(&b, STD, 0x09, 0x40, -ERANGE);
	/* the length byte would be in extended space */
	len_of(&b, STD, 0x09, 0xfe, -ERANGE);
	len_of(&b, STD, 0x09, 0x100, -ERANGE);
}

static void test_exp(void **state)
{
	static const struct { uint8_t ver, type; uint32_t len; } t[] = {
		{ 2, 0x0, 0x3c }, { 2, 0x9, 0x3c }, { 2, 0x4, 0x3c },
		{ 1, 0x0, 0x14 }, { 1, 0x1, 0x14 }, { 1, 0x5, 0x14 },
		{ 1, 0x4, 0x24 }, { 1, 0xa, 0x24 }, { 1, 0x6, 0x1c },
		{ 1, 0x9, 0x0c }, { 0, 0x0, 0x14 },
	};
	struct tb b;
	size_t i;

	for (i = 0; i < N(t); i++) {
		tb_init(&b, 0x8086, 0x1234, 0, 256);
		tb_pcie(&b, 0x80, t[i].ver, t[i].type);
		assert_int_equal(len_of(&b, STD, 0x10, 0x80, 0), t[i].len);
	}
}

static void test_ea(void **state)
{
	struct tb b;

	tb_init(&b, 0x177d, 0xa01e, 0, 256);
	tb_w8(&b, 0x42, 2);
	tb_w32(&b, 0x44, 0x80000002); /* 2 dwords follow */
	tb_w32(&b, 0x50, 0x80000003); /* 3 dwords follow */
	assert_int_equal(len_of(&b, STD, 0x14, 0x40, 0), 4 + 12 + 16);
	tb_w8(&b, 0x42, 0);
	assert_int_equal(len_of(&b, STD, 0x14, 0x40, 0), 4);

	tb_init(&b, 0x177d, 0xa01e, 1, 256); /* bridge: extra bus dword */
	tb_w8(&b, 0x42, 1);
	tb_w32(&b, 0x48, 0x80000004);
	assert_int_equal(len_of(&b, STD, 0x14, 0x40, 0), 8 + 20);

	/* 63 entries of 8 dwords cannot fit below 0x100 */
	tb_init(&b, 0x177d, 0xa01e, 0, 256);
	memset(b.cfg + 0x40, 0xff, 0xc0);
	tb_w8(&b, 0x42, 0x3f);
	len_of(&b, STD, 0x14, 0x40, -ERANGE);
}

static void test_aer(void **state)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0x0); /* endpoint */
	assert_int_equal(len_of(&b, EXT, 0x01, 0x100, 0), 0x2c);
	tb_w32(&b, 0x40 + 0x24, 1u << 21); /* End-End TLP Prefix Supported */
	assert_int_equal(len_of(&b, EXT, 0x01, 0x100, 0), 0x48);

	tb_init(&b, 0x8086, 0x1234, 1, 4096);
	tb_pcie(&b, 0x40, 2, 0x4); /* root port */
	assert_int_equal(len_of(&b, EXT, 0x01, 0x100, 0), 0x38);
	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	tb_pcie(&b, 0x40, 1, 0xa); /* v1 event collector */
	assert_int_equal(len_of(&b, EXT, 0x01, 0x100, 0), 0x38);
}

static void test_vc(void **state)
{
	static const uint16_t ids[] = { 0x02, 0x08, 0x09 };
	struct tb b;
	size_t i;

	for (i = 0; i < N(ids); i++) {
		tb_init(&b, 0x8086, 0x1234, 0, 4096);
		tb_ext(&b, 0x100, ids[i], 1);
		assert_int_equal(len_of(&b, EXT, ids[i], 0x100, 0), 0x1c);
		tb_w32(&b, 0x104, 1); /* one extended VC */
		assert_int_equal(len_of(&b, EXT, ids[i], 0x100, 0), 0x28);
		/* a VC arbitration table, WRR 64 phases x 4 bits, at 0x30 */
		tb_w32(&b, 0x108, 0x03000004);
		assert_int_equal(len_of(&b, EXT, ids[i], 0x100, 0), 0x50);
		/* VC1's port arbitration table: 128 phases x 4 bits at 0x60 */
		tb_w32(&b, 0x104, 1 | (2u << 10));
		tb_w32(&b, 0x11c, 0x06000008);
		assert_int_equal(len_of(&b, EXT, ids[i], 0x100, 0), 0x60 + 64);
		/* no phases, no table, whatever the offset says */
		tb_w32(&b, 0x11c, 0x06000001);
		assert_int_equal(len_of(&b, EXT, ids[i], 0x100, 0), 0x50);
		/* a table placed over the resource registers is impossible */
		tb_w32(&b, 0x108, 0x01000004);
		len_of(&b, EXT, ids[i], 0x100, -ERANGE);
		tb_w32(&b, 0x108, 0);
		tb_w32(&b, 0x104, 0x80000000); /* reserved bits set */
		len_of(&b, EXT, ids[i], 0x100, -ERANGE);
	}
}

static void test_ext_computed(void **state)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	/* Root Complex Link Declaration: 16-byte link entries */
	tb_w8(&b, 0x105, 2);
	assert_int_equal(len_of(&b, EXT, 0x05, 0x100, 0), 0x30);
	tb_w8(&b, 0x105, 0);
	assert_int_equal(len_of(&b, EXT, 0x05, 0x100, 0), 0x10);
	/* RCEC association: version 2 adds a register */
	tb_ext(&b, 0x100, 0x07, 1);
	assert_int_equal(len_of(&b, EXT, 0x07, 0x100, 0), 8);
	tb_ext(&b, 0x100, 0x07, 2);
	assert_int_equal(len_of(&b, EXT, 0x07, 0x100, 0), 12);
	/* VSEC and DVSEC: length in bits 31:20 of the dword at +4 */
	tb_w32(&b, 0x104, 0x01810002);
	assert_int_equal(len_of(&b, EXT, 0x0b, 0x100, 0), 0x18);
	assert_int_equal(len_of(&b, EXT, 0x23, 0x100, 0), 0x18);
	tb_w32(&b, 0x104, 0x00810002);
	len_of(&b, EXT, 0x0b, 0x100, 0);
	tb_w32(&b, 0x104, 0x00410002);
	len_of(&b, EXT, 0x0b, 0x100, -ERANGE);
	tb_w32(&b, 0x104, 0x00810002);
	len_of(&b, EXT, 0x23, 0x100, -ERANGE);
	/* ACS: Egress Control vector, rounded up to dwords, 0 means 256 */
	tb_w16(&b, 0x104, 0x001f);
	assert_int_equal(len_of(&b, EXT, 0x0d, 0x100, 0), 8);
	tb_w16(&b, 0x104, 0x0820);
	assert_int_equal(len_of(&b, EXT, 0x0d, 0x100, 0), 12);
	tb_w16(&b, 0x104, 0x2820); /* 40 functions */
	assert_int_equal(len_of(&b, EXT, 0x0d, 0x100, 0), 16);
	tb_w16(&b, 0x104, 0x0020);
	assert_int_equal(len_of(&b, EXT, 0x0d, 0x100, 0), 40);
	/* (VF) Resizable BAR: NBAR in the first control register */
	tb_w32(&b, 0x108, 1u << 5);
	assert_int_equal(len_of(&b, EXT, 0x15, 0x100, 0), 12);
	tb_w32(&b, 0x108, 3u << 5);
	assert_int_equal(len_of(&b, EXT, 0x15, 0x100, 0), 28);
	assert_int_equal(len_of(&b, EXT, 0x24, 0x100, 0), 28);
	tb_w32(&b, 0x108, 0);
	len_of(&b, EXT, 0x15, 0x100, -ERANGE);
	tb_w32(&b, 0x108, 7u << 5);
	len_of(&b, EXT, 0x24, 0x100, -ERANGE);
	/* DPA: allocation array of Substate_Max + 1 bytes */
	tb_w32(&b, 0x104, 0);
	assert_int_equal(len_of(&b, EXT, 0x16, 0x100, 0), 0x14);
	tb_w32(&b, 0x104, 5);
	assert_int_equal(len_of(&b, EXT, 0x16, 0x100, 0), 0x18);
	/* TPH: steering table only when located in the capability */
	tb_w32(&b, 0x104, (3u << 16) | (2u << 9));
	assert_int_equal(len_of(&b, EXT, 0x17, 0x100, 0), 0x0c);
	tb_w32(&b, 0x104, (3u << 16) | (1u << 9));
	assert_int_equal(len_of(&b, EXT, 0x17, 0x100, 0), 0x14);
	tb_w32(&b, 0x104, (0u << 16) | (1u << 9));
	assert_int_equal(len_of(&b, EXT, 0x17, 0x100, 0), 0x10);
	/* DPC: RP extensions and the RP PIO log */
	tb_w16(&b, 0x104, 0x0000);
	assert_int_equal(len_of(&b, EXT, 0x1d, 0x100, 0), 0x0c);
	tb_w16(&b, 0x104, 0x0420);
	assert_int_equal(len_of(&b, EXT, 0x1d, 0x100, 0), 0x30);
	tb_w16(&b, 0x104, 0x0920);
	assert_int_equal(len_of(&b, EXT, 0x1d, 0x100, 0), 0x44);
}

/* Per-lane structures take the lane count from the PCIe capability. */
static void test_lanes(void **state)
{
	static const struct { uint16_t id; uint32_t x4, x16; } t[] = {
		{ 0x19, 0x0c + 8, 0x0c + 32 }, /* secondary PCIe: 2 bytes/lane */
		{ 0x26, 0x20 + 4, 0x20 + 16 }, /* 16 GT/s: 1 byte/lane */
		{ 0x2a, 0x20 + 4, 0x20 + 16 }, /* 32 GT/s */
		{ 0x27, 8 + 16, 8 + 64 },      /* margining: 4 bytes/lane */
	};
	struct tb b;
	size_t i;

	for (i = 0; i < N(t); i++) {
		tb_init(&b, 0x144d, 0xa826, 0, 4096);
		tb_pcie(&b, 0x70, 2, 0);
		tb_w32(&b, 0x70 + 0x0c, 4u << 4);
		assert_int_equal(len_of(&b, EXT, t[i].id, 0x100, 0), t[i].x4);
		tb_w32(&b, 0x70 + 0x0c, 16u << 4);
		assert_int_equal(len_of(&b, EXT, t[i].id, 0x100, 0), t[i].x16);
		tb_w32(&b, 0x70 + 0x0c, 0);
		len_of(&b, EXT, t[i].id, 0x100, -ERANGE);
		tb_init(&b, 0x144d, 0xa826, 0, 4096); /* no PCIe capability */
		len_of(&b, EXT, t[i].id, 0x100, -ENODATA);
	}
}

static void test_refusals(void **state)
{
	struct pcl_cfg *cfg;
	struct tb b;
	uint32_t len;

	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	len_of(&b, EXT, 0x11, 0x100, -ENODATA); /* MR-IOV: unknown */
	len_of(&b, EXT, 0x30, 0x100, -ENODATA); /* IDE: unknown */
	len_of(&b, STD, 0x0f, 0x40, -ENODATA);  /* secure device */
	len_of(&b, EXT, 0x99, 0x100, -ENOENT);
	len_of(&b, STD, 0x16, 0x40, -ENOENT);
	len_of(&b, EXT, 0x0b, 0x1000, -ERANGE);
	len_of(&b, EXT, 0x0b, 0xffc, -ERANGE); /* +4 is past 4096 */

	/* registers that were not read */
	tb_init(&b, 0x8086, 0x1234, 0, 64);
	len_of(&b, STD, 0x05, 0x50, -ENODATA);
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	len_of(&b, EXT, 0x0b, 0x100, -ENODATA);
	len_of(&b, EXT, 0x15, 0x100, -ENODATA);
	/* fixed lengths need nothing read */
	assert_int_equal(len_of(&b, EXT, 0x1b, 0x100, 0), 8);

	cfg = tb_cfg(ctx, &b);
	assert_int_equal(pcl_catalog_length(cfg, 5, 1, 0x40, &len), -ENOENT);
	assert_int_equal(pcl_catalog_length(NULL, STD, 1, 0x40, &len), -EINVAL);
	assert_int_equal(pcl_catalog_length(cfg, STD, 1, 0x40, NULL), -EINVAL);
	pcl_cfg_free(cfg);
}

/* The kernel's allow-list: what vfio-pci passes, and everything else hidden,
 * with every table position holding its own ID (the tables are indexed). */
static void test_vfio_hides(void **state)
{
	(void)state;
	assert_false(pcl_catalog_vfio_hides(STD, PCL_CAP_ID_MSIX));
	assert_false(pcl_catalog_vfio_hides(STD, PCL_CAP_ID_EXP));
	assert_true(pcl_catalog_vfio_hides(STD, PCL_CAP_ID_NULL));
	assert_true(pcl_catalog_vfio_hides(STD, PCL_CAP_ID_EA));
	assert_true(pcl_catalog_vfio_hides(STD, 0xfe));
	assert_false(pcl_catalog_vfio_hides(EXT, PCL_EXT_CAP_ID_AER));
	assert_false(pcl_catalog_vfio_hides(EXT, PCL_EXT_CAP_ID_SRIOV));
	assert_false(pcl_catalog_vfio_hides(EXT, PCL_EXT_CAP_ID_DVSEC));
	assert_true(pcl_catalog_vfio_hides(EXT, PCL_EXT_CAP_ID_PASID));
	assert_true(pcl_catalog_vfio_hides(EXT, PCL_EXT_CAP_ID_L1SS));
	assert_true(pcl_catalog_vfio_hides(EXT, PCL_EXT_CAP_ID_NULL));
	assert_true(pcl_catalog_vfio_hides(EXT, 0x7777));
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < pcl_catalog_count(s); i++)
			assert_int_equal(pcl_catalog_get(s, i)->id, i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_msi),
		cmocka_unit_test(test_pcix_ht_sata),
		cmocka_unit_test(test_vndr),
		cmocka_unit_test(test_exp),
		cmocka_unit_test(test_ea),
		cmocka_unit_test(test_aer),
		cmocka_unit_test(test_vc),
		cmocka_unit_test(test_ext_computed),
		cmocka_unit_test(test_lanes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_vfio_hides),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
