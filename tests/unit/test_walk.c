// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_walk.c - the chain walker on config spaces built to order: normal
 * chains (standard, extended, CardBus, 64- and 256-byte reads), every
 * finding code with its severity and offset, loops short and long in both
 * chains, hop limits, orphans, VSEC/DVSEC fields and instance numbering,
 * and the extent of the vfio-pci view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"

static struct pcl_ctx *ctx;
static struct pcl_cfg *cur_cfg;

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

#define STD PCL_SPACE_STANDARD
#define EXT PCL_SPACE_EXTENDED
#define INFO PCL_SEVERITY_INFO
#define WARN PCL_SEVERITY_WARNING
#define ERR PCL_SEVERITY_ERROR

static struct pcl_walk *walk(const struct tb *b)
{
	struct pcl_walk *w;

	pcl_cfg_free(cur_cfg);
	cur_cfg = tb_cfg(ctx, b);
	w = pcl_walk_new(cur_cfg);
	assert_non_null(w);
	assert_ptr_equal(pcl_walk_cfg(w), cur_cfg);
	return w;
}

static void done(struct pcl_walk *w)
{
	pcl_walk_free(w);
	pcl_cfg_free(cur_cfg);
	cur_cfg = NULL;
}

/* Also: pcl_walk_finding_code() is the code of every finding, NULL past
 * the last and for no walk, asked before any message is made, and the
 * code pcl_walk_finding() gives once they are. */
static size_t count_code(const struct pcl_walk *w, const char *code)
{
	size_t i, n = 0, nf = pcl_walk_finding_count(w);

	assert_null(pcl_walk_finding_code(w, nf));
	assert_null(pcl_walk_finding_code(NULL, 0));
	for (i = 0; i < nf; i++) {
		assert_non_null(pcl_walk_finding_code(w, i));
		n += !strcmp(pcl_walk_finding_code(w, i), code);
	}
	for (i = 0; i < nf; i++)
		assert_string_equal(pcl_walk_finding_code(w, i),
				    pcl_walk_finding(w, i)->code);
	return n;
}

/* Assert a finding @code exists with @severity at @offset. */
static void expect(const struct pcl_walk *w, const char *code, int severity,
		   int space, int32_t offset)
{
	size_t i;

	for (i = 0; i < pcl_walk_finding_count(w); i++) {
		const struct pcl_finding *f = pcl_walk_finding(w, i);

		if (strcmp(f->code, code) || f->offset != offset)
			continue;
		assert_int_equal(f->severity, severity);
		assert_int_equal(f->space, space);
		assert_non_null(f->message);
		assert_true(strlen(f->message) > 10);
		return;
	}
	fail_msg("no finding %s at 0x%x", code, (unsigned int)offset);
}

static void expect_cap(const struct pcl_walk *w, size_t i, int space,
		       uint16_t id, uint16_t off, uint16_t len)
{
	const struct pcl_cap *c = pcl_walk_cap(w, i);

	assert_non_null(c);
	assert_int_equal(c->space, space);
	assert_int_equal(c->id, id);
	assert_int_equal(c->offset, off);
	assert_int_equal(c->length, len);
}

/* A typical PCIe endpoint: PM, MSI, MSI-X, PCIe v2; AER, DSN, ARI, SR-IOV. */
static void build_nic(struct tb *b)
{
	tb_init(b, 0x8086, 0x10c9, 0, 4096);
	tb_std(b, 0x40, 0x01);
	tb_std(b, 0x50, 0x05);
	tb_w16(b, 0x52, 0x0180);
	tb_std(b, 0x70, 0x11);
	tb_pcie(b, 0xa0, 2, 0);
	tb_w32(b, 0xa0 + 0x0c, 4u << 4);
	tb_ext(b, 0x100, 0x01, 1);
	tb_ext(b, 0x140, 0x03, 1);
	tb_ext(b, 0x150, 0x0e, 1);
	tb_ext(b, 0x160, 0x10, 1);
}

static void test_normal(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	build_nic(&b);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 8);
	expect_cap(w, 0, STD, 0x01, 0x40, 8);
	expect_cap(w, 1, STD, 0x05, 0x50, 24);
	expect_cap(w, 2, STD, 0x11, 0x70, 12);
	expect_cap(w, 3, STD, 0x10, 0xa0, 0x3c);
	expect_cap(w, 4, EXT, 0x01, 0x100, 0x2c);
	expect_cap(w, 5, EXT, 0x03, 0x140, 12);
	expect_cap(w, 6, EXT, 0x0e, 0x150, 8);
	expect_cap(w, 7, EXT, 0x10, 0x160, 64);
	assert_int_equal(pcl_walk_cap(w, 3)->version, 2);
	assert_int_equal(pcl_walk_cap(w, 4)->version, 1);
	assert_string_equal(pcl_walk_cap(w, 3)->name, "exp");
	assert_string_equal(pcl_walk_cap(w, 7)->name, "sriov");
	assert_int_equal(pcl_walk_cap(w, 0)->next, 0x50);
	assert_int_equal(pcl_walk_cap(w, 4)->next, 0x140);
	assert_int_equal(pcl_walk_cap(w, 7)->next, 0);
	assert_int_equal(pcl_walk_cap(w, 5)->flags, 0);
	assert_int_equal(pcl_walk_finding_count(w), 0);
	assert_int_equal(pcl_walk_max_severity(w), -1);
	assert_int_equal(pcl_walk_orphan_count(w), 0);
	assert_ptr_equal(pcl_walk_find(w, EXT, 0x10, 0), pcl_walk_cap(w, 7));
	assert_null(pcl_walk_find(w, EXT, 0x10, 1));
	assert_null(pcl_walk_find(w, STD, 0x12, 0));
	assert_null(pcl_walk_cap(w, 8));
	assert_null(pcl_walk_finding(w, 0));
	done(w);

	/* the same device read without extended space */
	b.len = 256;
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 4);
	assert_int_equal(pcl_walk_finding_count(w), 0);
	done(w);

	/* and with only the header readable */
	b.len = 64;
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 0);
	expect(w, "pointer-unread", WARN, STD, 0x34);
	done(w);

	assert_null(pcl_walk_new(NULL));
	assert_int_equal(errno, EINVAL);
	pcl_walk_free(NULL);
	assert_int_equal(pcl_walk_cap_count(NULL), 0);
}

static void test_cardbus(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	tb_init(&b, 0x1217, 0x7134, 2, 256);
	tb_std(&b, 0x80, 0x01);
	tb_std(&b, 0xa0, 0x05);
	assert_int_equal(b.cfg[0x14], 0x80);
	tb_w8(&b, 0x34, 0x40); /* CardBus has no pointer at 0x34 */
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 2);
	expect_cap(w, 0, STD, 0x01, 0x80, 8);
	expect_cap(w, 1, STD, 0x05, 0xa0, 10);
	done(w);
}

static void test_instances_vsec(void **state)
{
	struct pcl_walk *w;
	const struct pcl_cap *c;
	struct tb b;

	build_nic(&b);
	b.ext_tail = 0x160;
	tb_ext(&b, 0x200, 0x0b, 1);
	tb_w32(&b, 0x204, (0x18u << 20) | (2u << 16) | 0x0005);
	tb_ext(&b, 0x220, 0x23, 1);
	tb_w32(&b, 0x224, (0x10u << 20) | (1u << 16) | 0x1e98);
	tb_w16(&b, 0x228, 0x0007);
	tb_ext(&b, 0x240, 0x0b, 1);
	tb_w32(&b, 0x244, (0x0cu << 20) | (1u << 16) | 0x0002);
	w = walk(&b);
	assert_int_equal(pcl_walk_finding_count(w), 0);
	c = pcl_walk_find(w, EXT, 0x0b, 0);
	assert_non_null(c);
	assert_int_equal(c->offset, 0x200);
	assert_int_equal(c->length, 0x18);
	assert_int_equal(c->vendor, 0x8086);
	assert_int_equal(c->vsec_id, 5);
	assert_int_equal(c->vsec_rev, 2);
	c = pcl_walk_find(w, EXT, 0x0b, 1);
	assert_non_null(c);
	assert_int_equal(c->offset, 0x240);
	assert_int_equal(c->instance, 1);
	assert_int_equal(c->vsec_id, 2);
	c = pcl_walk_find(w, EXT, 0x23, 0);
	assert_non_null(c);
	assert_int_equal(c->length, 0x10);
	assert_int_equal(c->vendor, 0x1e98);
	assert_int_equal(c->vsec_id, 7);
	assert_int_equal(c->vsec_rev, 1);
	assert_int_equal(pcl_walk_find(w, EXT, 0x01, 0)->vendor, 0);
	done(w);
}

static void test_std_loops(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	/* short: a capability pointing at itself */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_std_next(&b, 0x40, 0x40);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1);
	expect(w, "chain-loop", ERR, STD, 0x41);
	done(w);

	/* long: 47 capabilities, the last leading back to the second */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	for (uint32_t off = 0x40; off < 0xfc; off += 4)
		tb_std(&b, (uint8_t)off, 0x0a);
	tb_std_next(&b, 0xf8, 0x44);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 47);
	expect(w, "chain-loop", ERR, STD, 0xf9);
	assert_int_equal(pcl_walk_cap(w, 46)->instance, 46);
	done(w);

	/* all 48 slots used: the chain ends by itself, no limit reached */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	for (uint32_t off = 0x40; off <= 0xfc; off += 4)
		tb_std(&b, (uint8_t)off, 0x0a);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 48);
	assert_int_equal(pcl_walk_finding_count(w), 0);
	done(w);
}

static void test_ext_loops(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	build_nic(&b);
	tb_ext_next(&b, 0x160, 0x160);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 8);
	expect(w, "chain-loop", ERR, EXT, 0x160);
	done(w);

	/* long: back to the head after 300 capabilities */
	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	for (uint32_t i = 0; i < 300; i++)
		tb_ext(&b, (uint16_t)(0x100 + i * 8), 0x18, 1);
	tb_ext_next(&b, 0x100 + 299 * 8, 0x100);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1 + 300);
	expect(w, "chain-loop", ERR, EXT, 0x100 + 299 * 8);
	expect(w, "pointer-backward", INFO, EXT, 0x100 + 299 * 8);
	done(w);
}

static void test_hop_limit(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	/* 481 null capabilities of 4 bytes, all distinct: the TTL stops it */
	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	for (uint32_t i = 0; i < 481; i++)
		tb_ext(&b, (uint16_t)(0x100 + i * 4), 0x0000, 1);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1 + 480);
	expect(w, "hop-limit", ERR, EXT, 0x100 + 479 * 4);
	assert_int_equal(pcl_walk_max_severity(w), ERR);
	assert_int_equal(count_code(w, "chain-loop"), 0);
	done(w);
}

static void test_pointers(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	/* misaligned pointer: masked, walk continues */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_std(&b, 0x60, 0x05);
	tb_std_next(&b, 0x40, 0x62);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 2);
	expect(w, "pointer-misaligned", WARN, STD, 0x41);
	assert_int_equal(pcl_walk_cap(w, 0)->next, 0x62);
	done(w);

	/* pointer into the header */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_std_next(&b, 0x40, 0x10);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1);
	expect(w, "pointer-into-header", ERR, STD, 0x41);
	done(w);

	/* backward pointer: legal */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x80, 0x01);
	tb_std(&b, 0x40, 0x11);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 2);
	expect(w, "pointer-backward", INFO, STD, 0x81);
	assert_int_equal(pcl_walk_max_severity(w), INFO);
	done(w);

	/* invalid ID 0xff ends the chain */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_std(&b, 0x50, 0xff);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1);
	expect(w, "invalid-id", ERR, STD, 0x50);
	done(w);

	/* pointer into bytes that were not read */
	tb_init(&b, 0x8086, 0x1234, 0, 0x48);
	tb_std(&b, 0x40, 0x01);
	tb_std(&b, 0x80, 0x05);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1);
	expect(w, "pointer-unread", WARN, STD, 0x41);
	done(w);

	/* CAP_LIST and the pointer disagree */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_w8(&b, 0x06, 0);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 0);
	expect(w, "pointer-without-cap-list", INFO, STD, 0x34);
	done(w);
	tb_w8(&b, 0x06, 0x10);
	tb_w8(&b, 0x34, 0x00);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 0);
	expect(w, "cap-list-without-pointer", WARN, STD, 0x34);
	done(w);

	/* header type 0x7f: no pointer to follow */
	tb_init(&b, 0x8086, 0x1234, 0x7f, 256);
	tb_std(&b, 0x40, 0x01);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 0);
	expect(w, "header-type-unknown", WARN, STD, 0x0e);
	done(w);
}

static void test_ext_pointers(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	build_nic(&b);
	tb_w32(&b, 0x140, 0x15210003); /* DSN, next 0x150 | 1 */
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 8);
	expect(w, "pointer-misaligned", WARN, EXT, 0x140);
	done(w);

	build_nic(&b);
	tb_ext_next(&b, 0x140, 0x0a0);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 6);
	expect(w, "ext-pointer-below-0x100", WARN, EXT, 0x140);
	done(w);

	build_nic(&b);
	tb_ext_next(&b, 0x140, 0x400); /* all zero there */
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 6);
	expect(w, "ext-zero-header", WARN, EXT, 0x140);
	done(w);

	build_nic(&b);
	tb_ext_next(&b, 0x140, 0x400);
	tb_w32(&b, 0x400, 0xffffffff);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 6);
	expect(w, "invalid-id", ERR, EXT, 0x400);
	done(w);

	/* a Null capability at 0x100 that links on: a valid anchor */
	build_nic(&b);
	tb_w32(&b, 0x100, 0x14000000);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 8);
	expect_cap(w, 4, EXT, 0x0000, 0x100, 4);
	assert_string_equal(pcl_walk_cap(w, 4)->name, "null");
	expect(w, "ext-null-anchor", INFO, EXT, 0x100);
	done(w);

	/* all ones at 0x100 */
	build_nic(&b);
	memset(b.cfg + 0x100, 0xff, 0xf00);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 4);
	expect(w, "ext-all-ones", INFO, EXT, 0x100);
	done(w);
}

static void test_ext_space_gates(void **state)
{
	struct pcl_walk *w;
	struct tb b;

	/* no PCIe capability: extended space is not trusted */
	tb_init(&b, 0x1002, 0x7911, 0, 4096);
	tb_std(&b, 0x40, 0x01);
	tb_ext(&b, 0x100, 0x01, 1);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1);
	expect(w, "ext-without-pcie", INFO, EXT, 0x100);
	done(w);

	/* a PCI-X 2.0 device has extended space */
	tb_w16(&b, 0x42, 0x0000);
	b.cfg[0x40] = 0x07;
	tb_w16(&b, 0x42, 0x1000);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 2);
	assert_int_equal(count_code(w, "ext-without-pcie"), 0);
	done(w);

	/* extended space mirroring the standard space */
	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	memcpy(b.cfg + 0x100, b.cfg, 0x100);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 1);
	expect(w, "ext-aliased", WARN, EXT, 0x100);
	done(w);

	/* a header reading all ones: device gone */
	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	memset(b.cfg, 0xff, sizeof(b.cfg));
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 0);
	expect(w, "all-ones", ERR, -1, 0);
	assert_int_equal(pcl_walk_finding_count(w), 1);
	done(w);
	memset(b.cfg + 0x40, 0, 0x40);
	w = walk(&b);
	expect(w, "all-ones", ERR, -1, 0);
	done(w);
}

static void test_lengths(void **state)
{
	struct pcl_walk *w;
	const struct pcl_cap *c;
	struct tb b;

	/* vendor capability running past 0x100 */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0xf0, 0x09);
	tb_w8(&b, 0xf2, 0x20);
	w = walk(&b);
	c = pcl_walk_cap(w, 0);
	assert_int_equal(c->length, 0x20);
	assert_true(c->flags & PCL_CAP_TRUNCATED);
	expect(w, "length-past-end", WARN, STD, 0xf0);
	done(w);

	/* a VSEC running past 0x1000 */
	build_nic(&b);
	b.ext_tail = 0x160;
	tb_ext(&b, 0xff0, 0x0b, 1);
	tb_w32(&b, 0xff4, 0x02000001);
	w = walk(&b);
	c = pcl_walk_find(w, EXT, 0x0b, 0);
	assert_true(c->flags & PCL_CAP_TRUNCATED);
	expect(w, "length-past-end", WARN, EXT, 0xff0);
	done(w);

	/* a capability whose registers were read only in part */
	tb_init(&b, 0x8086, 0x1234, 0, 0x44);
	tb_std(&b, 0x40, 0x01);
	w = walk(&b);
	c = pcl_walk_cap(w, 0);
	assert_int_equal(c->length, 8);
	assert_true(c->flags & PCL_CAP_TRUNCATED);
	expect(w, "length-unread", WARN, STD, 0x40);
	done(w);
	/* ... or whose length register was not read */
	tb_init(&b, 0x8086, 0x1234, 0, 0x42);
	tb_std(&b, 0x40, 0x05);
	w = walk(&b);
	c = pcl_walk_cap(w, 0);
	assert_int_equal(c->length, 2);
	assert_true(c->flags & PCL_CAP_LENGTH_UNKNOWN);
	expect(w, "length-unread", WARN, STD, 0x40);
	done(w);

	/* length the catalogue does not know */
	tb_init(&b, 0x1022, 0x1234, 0, 256);
	tb_std(&b, 0x40, 0x0f);
	tb_std(&b, 0x60, 0x08);
	tb_w8(&b, 0x63, 0xc0);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap(w, 0)->length, 2);
	assert_int_equal(pcl_walk_cap(w, 0)->flags, PCL_CAP_LENGTH_UNKNOWN);
	expect(w, "length-unknown", INFO, STD, 0x40);
	expect(w, "length-unknown", INFO, STD, 0x60);
	done(w);

	/* impossible length */
	tb_init(&b, 0x15ad, 0x0405, 0, 256);
	tb_std(&b, 0x40, 0x09);
	tb_w8(&b, 0x42, 0);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap(w, 0)->length, 2);
	assert_true(pcl_walk_cap(w, 0)->flags & PCL_CAP_LENGTH_UNKNOWN);
	expect(w, "length-invalid", WARN, STD, 0x40);
	done(w);

	/* unknown IDs in both spaces */
	build_nic(&b);
	b.std_tail = 0xa0;
	tb_std(&b, 0xe0, 0x42);
	b.ext_tail = 0x160;
	tb_ext(&b, 0x400, 0x0777, 1);
	w = walk(&b);
	c = pcl_walk_find(w, STD, 0x42, 0);
	assert_non_null(c);
	assert_string_equal(c->name, "unknown");
	assert_int_equal(c->flags, PCL_CAP_UNKNOWN_ID | PCL_CAP_LENGTH_UNKNOWN);
	assert_int_equal(c->length, 2);
	c = pcl_walk_find(w, EXT, 0x0777, 0);
	assert_int_equal(c->length, 4);
	expect(w, "unknown-id", WARN, STD, 0xe0);
	expect(w, "unknown-id", WARN, EXT, 0x400);
	done(w);
}

static void test_overlap_exp_short(void **state)
{
	struct pcl_walk *w;
	const struct pcl_cap *c;
	struct tb b;

	/* MSI with masking (24 bytes) at 0x50, PM at 0x60 inside it */
	tb_init(&b, 0x8086, 0x1234, 0, 256);
	tb_std(&b, 0x50, 0x05);
	tb_w16(&b, 0x52, 0x0180);
	tb_std(&b, 0x60, 0x01);
	w = walk(&b);
	assert_true(pcl_walk_cap(w, 0)->flags & PCL_CAP_OVERLAP);
	assert_true(pcl_walk_cap(w, 1)->flags & PCL_CAP_OVERLAP);
	expect(w, "overlap", WARN, STD, 0x60);
	done(w);

	/* extended: ACS with a long egress vector over an ARI */
	build_nic(&b);
	tb_w16(&b, 0x144, 0);
	b.cfg[0x140] = 0x0d; /* DSN becomes ACS */
	tb_w16(&b, 0x144, 0x0020); /* 256-bit vector: 40 bytes */
	w = walk(&b);
	expect(w, "overlap", WARN, EXT, 0x150);
	assert_true(pcl_walk_find(w, EXT, 0x0e, 0)->flags & PCL_CAP_OVERLAP);
	done(w);

	/* PCIe v2 with the next capability inside its nominal 0x3c bytes */
	tb_init(&b, 0x1969, 0x1062, 0, 256);
	tb_pcie(&b, 0x80, 2, 0);
	tb_std(&b, 0xb0, 0x01); /* 0x30 after: longer than 0x2c, shorter than 0x34 */
	w = walk(&b);
	c = pcl_walk_cap(w, 0);
	assert_int_equal(c->length, 0x30);
	assert_int_equal(c->flags & PCL_CAP_OVERLAP, 0);
	expect(w, "exp-short", WARN, STD, 0x80);
	assert_int_equal(count_code(w, "overlap"), 0);
	done(w);

	/* near the end of standard space: shorter, but the kernel's 0x34 fits */
	tb_init(&b, 0x14e4, 0x1692, 0, 256);
	tb_pcie(&b, 0xcc, 2, 0);
	w = walk(&b);
	assert_int_equal(pcl_walk_cap(w, 0)->length, 0x34);
	expect(w, "exp-short", INFO, STD, 0xcc);
	assert_int_equal(count_code(w, "length-past-end"), 0);
	done(w);
}

/*
 * pcl_walk_vfio_view() keeps the part read from 0 on. A read of 100
 * bytes is all such a part: the view is the device, not "changed"
 * (though 100 is not the 64-byte-rounded size). A dump with a hole
 * loses the rows past it: changed.
 */
static void test_vfio_view_extent(void **state)
{
	static const char hole[] =
		"00:00.0 Host bridge: X\n"
		"00: 86 80 34 12 00 00 00 00 00 00 00 06 00 00 00 00\n"
		"10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		"20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		"30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
		"50: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";
	struct pcl_cfg *view = NULL, **cfgs = NULL;
	struct pcl_walk *w;
	struct tb b;
	size_t n = 0;
	bool changed = true;

	tb_init(&b, 0x8086, 0x1234, 0, 100);
	tb_w8(&b, 0x63, 0x5a);
	w = walk(&b);
	assert_int_equal(pcl_walk_vfio_view(w, &view, &changed), 0);
	assert_false(changed);
	assert_true(pcl_cfg_is_read(view, 0, 100));
	assert_false(pcl_cfg_is_read(view, 100, 1));
	assert_int_equal(pcl_cfg_size(view), pcl_cfg_size(cur_cfg));
	assert_memory_equal(pcl_cfg_data(view), pcl_cfg_data(cur_cfg),
			    PCL_CFG_SIZE);
	pcl_cfg_free(view);
	done(w);

	assert_int_equal(pcl_cfg_parse(ctx, hole, sizeof(hole) - 1, "hole",
				       &cfgs, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_true(pcl_cfg_is_read(cfgs[0], 0x50, 16));
	w = pcl_walk_new(cfgs[0]);
	assert_non_null(w);
	assert_int_equal(pcl_walk_vfio_view(w, &view, &changed), 0);
	assert_true(changed);
	assert_true(pcl_cfg_is_read(view, 0, 0x40));
	assert_false(pcl_cfg_is_read(view, 0x50, 1));
	pcl_cfg_free(view);
	pcl_walk_free(w);
	pcl_cfg_list_free(cfgs, n);
}

static void test_orphans(void **state)
{
	struct pcl_walk *w;
	const struct pcl_cap *c;
	struct tb b;

	/* the kernel's case: PASID unlinked between ARI and SR-IOV */
	build_nic(&b);
	tb_w32(&b, 0x1b8, 0x0001001b); /* PASID v1, next 0 */
	tb_w32(&b, 0x1bc, 0x00001406); /* max width 20, exec, priv */
	w = walk(&b);
	assert_int_equal(pcl_walk_cap_count(w), 8);
	assert_null(pcl_walk_find(w, EXT, 0x1b, 0));
	assert_int_equal(pcl_walk_orphan_count(w), 1);
	c = pcl_walk_orphan(w, 0);
	assert_int_equal(c->id, 0x1b);
	assert_int_equal(c->offset, 0x1b8);
	assert_int_equal(c->length, 8);
	assert_int_equal(c->version, 1);
	assert_int_equal(c->flags, PCL_CAP_ORPHAN);
	assert_int_equal(c->instance, 0);
	assert_string_equal(c->name, "pasid");
	expect(w, "orphan", INFO, EXT, 0x1b8);
	assert_null(pcl_walk_orphan(w, 1));
	done(w);

	/* a second ARI, unlinked: instance after the chain's */
	build_nic(&b);
	tb_w32(&b, 0x300, 0x0001000e);
	tb_w32(&b, 0x304, 0x00000100);
	w = walk(&b);
	assert_int_equal(pcl_walk_orphan_count(w), 1);
	assert_int_equal(pcl_walk_orphan(w, 0)->instance, 1);
	done(w);

	/* not orphans: body all zero, bad version, misaligned next, inside a
	 * chain capability, a copy of a chain capability, unknown ID */
	build_nic(&b);
	tb_w32(&b, 0x200, 0x0001001b);
	tb_w32(&b, 0x210, 0x0003001b);
	tb_w32(&b, 0x214, 0x00001406);
	tb_w32(&b, 0x220, 0x0011001b);
	tb_w32(&b, 0x224, 0x00001406);
	tb_w32(&b, 0x170, 0x0001001b); /* inside SR-IOV at 0x160 */
	tb_w32(&b, 0x174, 0x00001406);
	memcpy(b.cfg + 0x500, b.cfg + 0x140, 12); /* DSN mirror */
	tb_w32(&b, 0x504, 0x12345678);
	tb_w32(&b, 0x144, 0x12345678);
	tb_w32(&b, 0x600, 0x00010099);
	tb_w32(&b, 0x604, 0x00001406);
	w = walk(&b);
	assert_int_equal(pcl_walk_orphan_count(w), 0);
	assert_int_equal(count_code(w, "orphan"), 0);
	done(w);

	/* no orphan scan where extended space is not read */
	build_nic(&b);
	tb_w32(&b, 0x1b8, 0x0001001b);
	tb_w32(&b, 0x1bc, 0x00001406);
	b.len = 256;
	w = walk(&b);
	assert_int_equal(pcl_walk_orphan_count(w), 0);
	done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_cardbus),
		cmocka_unit_test(test_instances_vsec),
		cmocka_unit_test(test_std_loops),
		cmocka_unit_test(test_ext_loops),
		cmocka_unit_test(test_hop_limit),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_ext_pointers),
		cmocka_unit_test(test_ext_space_gates),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_overlap_exp_short),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_vfio_view_extent),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
