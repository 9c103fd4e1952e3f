// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_dvsec.c - the free-space DVSEC: encoding and the range rules, decode
 * of malformed structures (lying length or count, overlap, misalignment,
 * ranges over the DVSEC itself, out of bounds, truncated by unread bytes),
 * the scan of a walk (orphans, conflicts, other vendor/id pairs), injection
 * on synthetic spaces and the round trip encode -> inject -> walk -> decode
 * -> map, and random corruption that must never yield a rule-breaking range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"

static struct pcl_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	ctx = pcl_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pcl_ctx_free(ctx);
	return 0;
}

#define R(s, l) { .start = (s), .length = (l), .kind = PCL_RANGE_FREE }
#define RF(s, l, f) { .start = (s), .length = (l), .kind = PCL_RANGE_FREE, \
		      .flags = (f) }

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* A device with a PCIe cap, AER at 0x100 and DSN at 0x140. */
static void base(struct tb *b)
{
	tb_init(b, 0x8086, 0x1234, 0, PCL_CFG_SIZE);
	tb_pcie(b, 0x40, 2, 0);
	tb_ext(b, 0x100, 0x0001, 2);
	tb_ext(b, 0x140, 0x0003, 1);
}

/* Put @len encoded bytes at @off and link them as the last ext cap. */
static void put_dvsec(struct tb *b, uint16_t off, const uint8_t *bytes,
		      size_t len)
{
	tb_ext(b, off, 0x23, 1);
	for (size_t i = 4; i < len; i++)
		tb_w8(b, off + (uint32_t)i, bytes[i]);
}

static void encode_into(struct tb *b, uint16_t off,
			const struct pcl_range *rs, size_t n)
{
	uint8_t buf[PCL_DVSEC_FREE_SIZE(PCL_DVSEC_FREE_MAX_RANGES)];
	size_t len;

	assert_int_equal(pcl_dvsec_encode(rs, n, NULL, off, buf, sizeof(buf),
					  &len, NULL), 0);
	put_dvsec(b, off, buf, len);
}

/* Decode the DVSEC at @off of @b; return the status and fill @why. */
static int decode_at(const struct tb *b, uint16_t off, struct pcl_range *rs,
		     size_t *n, struct pcl_finding *why, char *msg,
		     size_t msgsize)
{
	struct pcl_cfg *cfg = tb_cfg(ctx, b);
	struct pcl_walk *w = pcl_walk_new(cfg);
	const struct pcl_cap *cap = NULL;
	int r;

	assert_non_null(w);
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		if (pcl_walk_cap(w, i)->offset == off)
			cap = pcl_walk_cap(w, i);
	for (size_t i = 0; !cap && i < pcl_walk_orphan_count(w); i++)
		if (pcl_walk_orphan(w, i)->offset == off)
			cap = pcl_walk_orphan(w, i);
	assert_non_null(cap);
	r = pcl_dvsec_decode(cfg, cap, NULL, 0, 0, rs, n, why, msg, msgsize);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
	return r;
}

static void test_encode_bytes(void **state)
{
	const struct pcl_range rs[] = {
		R(0xe00, 0x100), RF(0xf00, 0xf8, PCL_RANGE_VCAP_ONLY | PCL_RANGE_STABLE),
	};
	struct pcl_dvsec_id id = { 0x1b36, 0x0042 };
	uint8_t buf[64], small[8];
	size_t len = 0;

	(void)state;
	assert_int_equal(pcl_dvsec_encode(rs, 2, NULL, -1, buf, sizeof(buf),
					  &len, NULL), 0);
	assert_int_equal(len, 24);
	assert_int_equal(le32(buf), 0x00010023);             /* id 0x23 v1 next 0 */
	assert_int_equal(le32(buf + 4), 0xffffu | (24u << 20)); /* vendor, rev 0, len */
	assert_int_equal(buf[8] | buf[9] << 8, 0x0000);
	assert_int_equal(buf[10], 1);
	assert_int_equal(buf[11], 2);
	assert_memory_equal(buf + 12, "PCFS", 4);
	assert_int_equal(le32(buf + 16), 0x00100e00);
	assert_int_equal(le32(buf + 20), 0x030f8f00);

	assert_int_equal(pcl_dvsec_encode(rs, 2, &id, -1, buf, sizeof(buf),
					  &len, NULL), 0);
	assert_int_equal(buf[4] | buf[5] << 8, 0x1b36);
	assert_int_equal(buf[8] | buf[9] << 8, 0x0042);
	/* Too small a buffer says how much is needed. */
	len = 0;
	assert_int_equal(pcl_dvsec_encode(rs, 2, NULL, -1, small, sizeof(small),
					  &len, NULL), -ENOSPC);
	assert_int_equal(len, 24);
	/* An empty table is legal: "nothing here is free". */
	assert_int_equal(pcl_dvsec_encode(NULL, 0, NULL, 0x200, buf, sizeof(buf),
					  &len, NULL), 0);
	assert_int_equal(len, 16);
	assert_int_equal(buf[11], 0);
}

static void expect_bad(const struct pcl_range *rs, size_t n, int32_t at,
		       uint32_t column, const char *needle)
{
	struct pcl_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(pcl_dvsec_check_ranges(rs, n, at, &err), -EINVAL);
	assert_int_equal(err.column, column);
	if (!strstr(err.message, needle))
		fail_msg("'%s' does not say '%s'", err.message, needle);
}

static void test_range_rules(void **state)
{
	const struct pcl_range ok[] = { R(0x40, 0x20), R(0xf0, 0x10),
					R(0x100, 4), R(0xffc, 4) };
	const struct pcl_range mis1[] = { R(0xe01, 0x10) };
	const struct pcl_range mis2[] = { R(0xe00, 0x12) };
	const struct pcl_range zero[] = { R(0xe00, 0) };
	const struct pcl_range hdr[] = { R(0x3c, 8) };
	const struct pcl_range cross[] = { R(0xf8, 0x10) };
	const struct pcl_range past[] = { R(0xff8, 0x10) };
	const struct pcl_range overlap[] = { R(0x200, 0x20), R(0x210, 0x20) };
	const struct pcl_range unsorted[] = { R(0x300, 0x20), R(0x200, 0x20) };
	const struct pcl_range flags[] = { RF(0x200, 0x20, 0x8000) };
	static struct pcl_range many[256];

	(void)state;
	assert_int_equal(pcl_dvsec_check_ranges(ok, 4, -1, NULL), 0);
	assert_int_equal(pcl_dvsec_check_ranges(ok, 4, 0x200, NULL), 0);
	expect_bad(mis1, 1, -1, 1, "not whole dwords");
	expect_bad(mis2, 1, -1, 1, "not whole dwords");
	expect_bad(zero, 1, -1, 1, "not whole dwords");
	expect_bad(hdr, 1, -1, 1, "outside");
	expect_bad(cross, 1, -1, 1, "crosses 0x100");
	expect_bad(past, 1, -1, 1, "outside");
	expect_bad(overlap, 2, -1, 2, "overlaps range 1");
	expect_bad(unsorted, 2, -1, 2, "comes before");
	expect_bad(flags, 1, -1, 1, "unknown flags");
	/* The DVSEC (16 + 4 * 4 = 32 bytes at 0xfe0) must not be covered. */
	expect_bad(ok, 4, 0xfe0, 4, "covers the DVSEC itself");
	expect_bad(ok, 4, 0x202, 0, "dword-aligned");
	expect_bad(ok, 4, 0xf0, 0, "dword-aligned");
	for (size_t i = 0; i < 256; i++)
		many[i] = (struct pcl_range)R(0x100 + 8 * (uint32_t)i, 4);
	expect_bad(many, 256, -1, 0, "at most 255");
	assert_int_equal(pcl_dvsec_check_ranges(many, 255, -1, NULL), 0);
}

static void test_decode_valid(void **state)
{
	const struct pcl_range rs[] = { R(0x80, 0x40), R(0xe00, 0x100),
					RF(0xf00, 0x100, PCL_RANGE_VCAP_ONLY) };
	struct pcl_range out[PCL_DVSEC_FREE_MAX_RANGES];
	struct pcl_finding why;
	char msg[256];
	struct tb b;
	size_t n;

	(void)state;
	base(&b);
	encode_into(&b, 0x200, rs, 3);
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)), 0);
	assert_null(why.code);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(out[i].start, rs[i].start);
		assert_int_equal(out[i].length, rs[i].length);
		assert_int_equal(out[i].flags, rs[i].flags);
		assert_int_equal(out[i].kind, PCL_RANGE_FREE);
	}
	/* Reading stops at the structure: exactly its bytes suffice... */
	b.len = 0x200 + PCL_DVSEC_FREE_SIZE(3);
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)), 0);
	/* ...and one unread byte of it makes it truncated. */
	b.len--;
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)),
			 -EBADMSG);
	assert_string_equal(why.code, "dvsec-free-truncated");
	assert_int_equal(why.severity, PCL_SEVERITY_ERROR);
	assert_int_equal(why.offset, 0x200);
}

/* Encode a valid DVSEC at 0x200 with two ranges, let @mutate break it. */
static void expect_malformed(void (*mutate)(struct tb *), const char *code)
{
	const struct pcl_range rs[] = { R(0xe00, 0x100), R(0xf00, 0x100) };
	struct pcl_range out[PCL_DVSEC_FREE_MAX_RANGES];
	struct pcl_finding why;
	char msg[256];
	struct tb b;
	size_t n = 99;

	base(&b);
	encode_into(&b, 0x200, rs, 2);
	mutate(&b);
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)),
			 -EBADMSG);
	assert_int_equal(n, 0);
	assert_non_null(why.code);
	assert_string_equal(why.code, code);
	assert_int_equal(why.severity, PCL_SEVERITY_ERROR);
	assert_non_null(strstr(why.message, "ignored"));
}

static void set_len(struct tb *b, uint32_t len)
{
	uint32_t h = le32(b->cfg + 0x204);

	tb_w32(b, 0x204, (h & 0xfffffu) | (len << 20));
}

static void m_len_long(struct tb *b) { set_len(b, 28); }
static void m_len_short(struct tb *b) { set_len(b, 20); }
static void m_len_tiny(struct tb *b) { set_len(b, 8); }
static void m_len_huge(struct tb *b) { set_len(b, 0xffc); }
static void m_count_big(struct tb *b) { tb_w8(b, 0x20b, 200); }
static void m_count_zero(struct tb *b) { tb_w8(b, 0x20b, 0); }
static void m_format(struct tb *b) { tb_w8(b, 0x20a, 2); }
static void m_overlap(struct tb *b) { tb_w32(b, 0x214, 0x00100e80); }
static void m_unsorted(struct tb *b) { tb_w32(b, 0x214, 0x00100d00); }
static void m_misaligned(struct tb *b) { tb_w32(b, 0x214, 0x00100f02); }
static void m_odd_length(struct tb *b) { tb_w32(b, 0x214, 0x000ffF00); }
static void m_self(struct tb *b) { tb_w32(b, 0x210, 0x00010200); }
static void m_bounds(struct tb *b) { tb_w32(b, 0x210, 0x00100020); }
static void m_cross(struct tb *b) { tb_w32(b, 0x210, 0x000200f0); }
static void m_past(struct tb *b) { tb_w32(b, 0x214, 0x00200f00); }
static void m_unread(struct tb *b) { b->len = 0x20e; }

static void test_decode_malformed(void **state)
{
	(void)state;
	expect_malformed(m_len_long, "dvsec-free-length");
	expect_malformed(m_len_short, "dvsec-free-length");
	expect_malformed(m_len_tiny, "dvsec-free-length");
	expect_malformed(m_len_huge, "dvsec-free-truncated");
	expect_malformed(m_count_big, "dvsec-free-length");
	expect_malformed(m_count_zero, "dvsec-free-length");
	expect_malformed(m_format, "dvsec-free-format");
	expect_malformed(m_overlap, "dvsec-free-order");
	expect_malformed(m_unsorted, "dvsec-free-order");
	expect_malformed(m_misaligned, "dvsec-free-align");
	expect_malformed(m_odd_length, "dvsec-free-align");
	expect_malformed(m_self, "dvsec-free-self");
	expect_malformed(m_bounds, "dvsec-free-bounds");
	expect_malformed(m_cross, "dvsec-free-bounds");
	expect_malformed(m_past, "dvsec-free-bounds");
	expect_malformed(m_unread, "dvsec-free-truncated");
}

static void test_decode_not_ours(void **state)
{
	const struct pcl_range rs[] = { R(0xe00, 0x100) };
	struct pcl_range out[PCL_DVSEC_FREE_MAX_RANGES];
	struct pcl_finding why;
	char msg[256];
	struct tb b;
	size_t n;

	(void)state;
	/* The provisional pair without the signature: someone else's. */
	base(&b);
	encode_into(&b, 0x200, rs, 1);
	tb_w8(&b, 0x20c, 'X');
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)),
			 -ENOMSG);
	assert_string_equal(why.code, "dvsec-free-signature");
	assert_int_equal(why.severity, PCL_SEVERITY_INFO);

	/* The signature under another pair: noted, not used by default. */
	base(&b);
	encode_into(&b, 0x200, rs, 1);
	tb_w16(&b, 0x204, 0x1e98);
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)),
			 -ENOMSG);
	assert_string_equal(why.code, "dvsec-free-unlisted");

	/* A CXL-like DVSEC of another vendor, shorter than our header. */
	base(&b);
	tb_ext(&b, 0x200, 0x23, 1);
	tb_w32(&b, 0x204, 0x1e98u | (12u << 20));
	tb_w16(&b, 0x208, 0x0000);
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)),
			 -ENOMSG);
	assert_null(why.code);

	/* Not a DVSEC at all. */
	base(&b);
	assert_int_equal(decode_at(&b, 0x140, out, &n, &why, msg, sizeof(msg)),
			 -ENOMSG);
	assert_null(why.code);
}

static void test_decode_unknown_flags(void **state)
{
	const struct pcl_range rs[] = { R(0xe00, 0x100), R(0xf00, 0x100) };
	struct pcl_range out[PCL_DVSEC_FREE_MAX_RANGES];
	struct pcl_finding why;
	char msg[256];
	struct tb b;
	size_t n;

	(void)state;
	base(&b);
	encode_into(&b, 0x200, rs, 2);
	tb_w8(&b, 0x213, 0x80); /* a reserved flag on range 1 */
	assert_int_equal(decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].start, 0xf00);
	assert_string_equal(why.code, "dvsec-free-flags");
	assert_int_equal(why.severity, PCL_SEVERITY_WARNING);
}

/* Scan @b; expect @ndvsec DVSECs and @nranges merged ranges. */
static struct pcl_dvsec_scan *scan_of(const struct tb *b,
				      const struct pcl_dvsec_opts *o,
				      struct pcl_cfg **cfg,
				      struct pcl_walk **w)
{
	struct pcl_dvsec_scan *s;

	*cfg = tb_cfg(ctx, b);
	*w = pcl_walk_new(*cfg);
	assert_non_null(*w);
	s = pcl_dvsec_scan_new(*w, o);
	assert_non_null(s);
	return s;
}

static void scan_done(struct pcl_dvsec_scan *s, struct pcl_cfg *cfg,
		      struct pcl_walk *w)
{
	pcl_dvsec_scan_free(s);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
}

static bool has_finding(const struct pcl_dvsec_scan *s, const char *code)
{
	for (size_t i = 0; i < pcl_dvsec_scan_finding_count(s); i++)
		if (!strcmp(pcl_dvsec_scan_finding(s, i)->code, code))
			return true;
	return false;
}

static void test_scan(void **state)
{
	const struct pcl_range a[] = { R(0xe00, 0x100) };
	const struct pcl_range bb[] = { R(0xe80, 0x100) };
	const struct pcl_range c[] = { R(0xd00, 0x80), R(0xf00, 0x40) };
	struct pcl_dvsec_id other = { 0x1b36, 7 };
	struct pcl_dvsec_opts o = { .accept = &other, .naccept = 1 };
	struct pcl_dvsec_opts any = { .flags = PCL_DVSEC_ANY_ID };
	struct pcl_dvsec_scan *s;
	const struct pcl_dvsec_info *d;
	const struct pcl_range *rs;
	struct pcl_cfg *cfg;
	struct pcl_walk *w;
	struct tb b;
	size_t n;

	(void)state;
	/* Nothing to find. */
	base(&b);
	s = scan_of(&b, NULL, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_count(s), 0);
	assert_null(pcl_dvsec_scan_ranges(s, &n));
	assert_int_equal(n, 0);
	scan_done(s, cfg, w);

	/* Two that agree: merged in order, each range names its DVSEC. */
	base(&b);
	encode_into(&b, 0x200, a, 1);
	encode_into(&b, 0x300, c, 2);
	s = scan_of(&b, NULL, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_count(s), 2);
	d = pcl_dvsec_scan_get(s, 1);
	assert_int_equal(d->offset, 0x300);
	assert_int_equal(d->status, PCL_DVSEC_VALID);
	assert_int_equal(d->vendor, PCL_DVSEC_FREE_VENDOR);
	assert_int_equal(d->length, 24);
	assert_int_equal(d->declared, 2);
	rs = pcl_dvsec_scan_ranges(s, &n);
	assert_int_equal(n, 3);
	assert_int_equal(rs[0].start, 0xd00);
	assert_string_equal(rs[0].source, "dvsec@0x300");
	assert_int_equal(rs[1].start, 0xe00);
	assert_string_equal(rs[1].source, "dvsec@0x200");
	assert_int_equal(rs[2].start, 0xf00);
	scan_done(s, cfg, w);

	/* Two that disagree: neither is used. */
	base(&b);
	encode_into(&b, 0x200, a, 1);
	encode_into(&b, 0x300, bb, 1);
	s = scan_of(&b, NULL, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_count(s), 2);
	assert_int_equal(pcl_dvsec_scan_get(s, 0)->status, PCL_DVSEC_CONFLICT);
	assert_int_equal(pcl_dvsec_scan_get(s, 1)->status, PCL_DVSEC_CONFLICT);
	assert_null(pcl_dvsec_scan_ranges(s, &n));
	assert_true(has_finding(s, "dvsec-free-conflict"));
	scan_done(s, cfg, w);

	/* A malformed one beside a good one: only the good one counts. */
	base(&b);
	encode_into(&b, 0x200, a, 1);
	encode_into(&b, 0x300, c, 2);
	tb_w8(&b, 0x30b, 3); /* count lies */
	s = scan_of(&b, NULL, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_get(s, 1)->status, PCL_DVSEC_MALFORMED);
	assert_string_equal(pcl_dvsec_scan_get(s, 1)->code, "dvsec-free-length");
	assert_non_null(pcl_dvsec_scan_get(s, 1)->message);
	assert_int_equal(pcl_dvsec_scan_get(s, 1)->range_count, 0);
	rs = pcl_dvsec_scan_ranges(s, &n);
	assert_int_equal(n, 1);
	assert_int_equal(rs[0].start, 0xe00);
	assert_true(has_finding(s, "dvsec-free-length"));
	scan_done(s, cfg, w);

	/* Unlinked: an orphan is noted and not used. */
	base(&b);
	encode_into(&b, 0x200, a, 1);
	tb_ext_next(&b, 0x140, 0);
	s = scan_of(&b, NULL, &cfg, &w);
	assert_int_equal(pcl_walk_orphan_count(w), 1);
	assert_int_equal(pcl_dvsec_scan_count(s), 0);
	assert_true(has_finding(s, "dvsec-free-orphan"));
	assert_null(pcl_dvsec_scan_ranges(s, &n));
	scan_done(s, cfg, w);

	/* Another vendor/id pair: only when accepted, or with ANY_ID. */
	base(&b);
	encode_into(&b, 0x200, a, 1);
	tb_w16(&b, 0x204, 0x1b36);
	tb_w16(&b, 0x208, 7);
	s = scan_of(&b, NULL, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_count(s), 0);
	assert_true(has_finding(s, "dvsec-free-unlisted"));
	scan_done(s, cfg, w);
	s = scan_of(&b, &o, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_count(s), 1);
	scan_done(s, cfg, w);
	s = scan_of(&b, &any, &cfg, &w);
	assert_int_equal(pcl_dvsec_scan_count(s), 1);
	assert_int_equal(pcl_dvsec_scan_get(s, 0)->vendor, 0x1b36);
	scan_done(s, cfg, w);
}

/* Inject into @b, walk, scan and map the result; check it all agrees. */
static uint32_t round_trip(const struct tb *b, const struct pcl_range *rs,
			   size_t n, int32_t at)
{
	struct pcl_dvsec_inject_opts o = { .at = at };
	struct pcl_cfg *cfg = tb_cfg(ctx, b), *out = NULL;
	struct pcl_walk *w = pcl_walk_new(cfg), *w2;
	struct pcl_dvsec_scan *s;
	struct pcl_map *m;
	struct pcl_error err;
	const struct pcl_range *got;
	const struct pcl_cap *dv;
	uint8_t before[PCL_CFG_SIZE];
	uint32_t placed = 0;
	size_t k;

	memset(&err, 0, sizeof(err));
	memcpy(before, pcl_cfg_data(cfg), PCL_CFG_SIZE);
	if (pcl_dvsec_inject(w, rs, n, &o, &out, &placed, &err))
		fail_msg("inject: %s", err.message);
	/* The input is never modified. */
	assert_memory_equal(before, pcl_cfg_data(cfg), PCL_CFG_SIZE);
	assert_int_equal(placed % 4, 0);
	assert_true(placed >= 0x100);
	if (at >= 0)
		assert_int_equal(placed, (uint32_t)at);

	w2 = pcl_walk_new(out);
	assert_non_null(w2);
	/* At most an info finding more (the Null anchor at 0x100). */
	assert_true(pcl_walk_max_severity(w2) <= PCL_SEVERITY_INFO ||
		    pcl_walk_max_severity(w2) <= pcl_walk_max_severity(w));
	dv = pcl_walk_find(w2, PCL_SPACE_EXTENDED, 0x23, 0);
	assert_non_null(dv);
	assert_int_equal(dv->offset, placed);
	assert_int_equal(dv->length, PCL_DVSEC_FREE_SIZE(n));
	assert_int_equal(dv->vendor, PCL_DVSEC_FREE_VENDOR);
	/* Every capability of the source is still reached (plus the DVSEC,
	 * and a Null anchor when the source had no extended chain). */
	assert_int_equal(pcl_walk_cap_count(w2),
			 pcl_walk_cap_count(w) + 1 +
			 (!pcl_cfg_data(cfg)[0x100] && placed != 0x100));

	s = pcl_dvsec_scan_new(w2, NULL);
	assert_non_null(s);
	assert_int_equal(pcl_dvsec_scan_count(s), 1);
	assert_int_equal(pcl_dvsec_scan_get(s, 0)->status, PCL_DVSEC_VALID);
	got = pcl_dvsec_scan_ranges(s, &k);
	assert_int_equal(k, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(got[i].start, rs[i].start);
		assert_int_equal(got[i].length, rs[i].length);
		assert_int_equal(got[i].flags, rs[i].flags);
	}
	m = pcl_map_new(w2, got, k);
	assert_non_null(m);
	for (size_t i = 0; i < pcl_map_range_count(m); i++)
		assert_false(pcl_map_range(m, i)->flags & PCL_RANGE_UNTRUSTED);
	for (uint32_t i = 0; i < PCL_DVSEC_FREE_SIZE(n); i++)
		assert_int_equal(pcl_map_owner(m, placed + i, NULL), PCL_OWNER_CAP);

	pcl_map_free(m);
	pcl_dvsec_scan_free(s);
	pcl_walk_free(w2);
	pcl_cfg_free(out);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
	return placed;
}

static void test_inject_round_trip(void **state)
{
	const struct pcl_range one[] = { R(0xf00, 0x100) };
	const struct pcl_range mixed[] = {
		R(0x80, 0x40), RF(0xe00, 0x100, PCL_RANGE_STABLE),
		RF(0xf00, 0xf8, PCL_RANGE_VCAP_ONLY),
	};
	struct tb b;
	uint32_t at;

	(void)state;
	base(&b);
	at = round_trip(&b, one, 1, -1);
	/* Past the last structure (DSN ends at 0x14b), on a 16-byte line. */
	assert_int_equal(at, 0x150);
	assert_int_equal(round_trip(&b, mixed, 3, 0x400), 0x400);
	assert_int_equal(round_trip(&b, NULL, 0, -1), 0x150);

	/* No extended capabilities: the DVSEC starts the chain at 0x100. */
	tb_init(&b, 0x8086, 0x1234, 0, PCL_CFG_SIZE);
	tb_pcie(&b, 0x40, 2, 0);
	assert_int_equal(round_trip(&b, one, 1, -1), 0x100);
	/* ...or a Null capability at 0x100 anchors it elsewhere. */
	assert_int_equal(round_trip(&b, one, 1, 0x800), 0x800);
}

static void test_inject_anchor_bytes(void **state)
{
	const struct pcl_range one[] = { R(0xf00, 0x100) };
	struct pcl_dvsec_inject_opts o = { .at = 0x800 };
	struct pcl_cfg *cfg, *out = NULL;
	struct pcl_walk *w;
	struct tb b;
	const uint8_t *d;

	(void)state;
	tb_init(&b, 0x8086, 0x1234, 0, PCL_CFG_SIZE);
	tb_pcie(&b, 0x40, 2, 0);
	cfg = tb_cfg(ctx, &b);
	w = pcl_walk_new(cfg);
	assert_int_equal(pcl_dvsec_inject(w, one, 1, &o, &out, NULL, NULL), 0);
	d = pcl_cfg_data(out);
	assert_int_equal(le32(d + 0x100), 0x800u << 20); /* Null cap -> 0x800 */
	assert_int_equal(le32(d + 0x800), 0x00010023);   /* DVSEC, next 0 */
	pcl_cfg_free(out);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);

	/* The tail's next pointer changes, nothing else of it. */
	base(&b);
	cfg = tb_cfg(ctx, &b);
	w = pcl_walk_new(cfg);
	assert_int_equal(pcl_dvsec_inject(w, one, 1, &o, &out, NULL, NULL), 0);
	d = pcl_cfg_data(out);
	assert_int_equal(le32(d + 0x140), 0x80010003u);
	assert_int_equal(le32(d + 0x100), le32(pcl_cfg_data(cfg) + 0x100));
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		if ((i < 0x140 || i >= 0x144) && (i < 0x800 || i >= 0x814))
			assert_int_equal(d[i], pcl_cfg_data(cfg)[i]);
	pcl_cfg_free(out);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
}

static int inject_err(const struct tb *b, const struct pcl_range *rs, size_t n,
		      int32_t at, uint32_t flags, const char *needle)
{
	struct pcl_dvsec_inject_opts o = { .at = at, .flags = flags };
	struct pcl_cfg *cfg = tb_cfg(ctx, b), *out = NULL;
	struct pcl_walk *w = pcl_walk_new(cfg);
	struct pcl_error err;
	int r;

	memset(&err, 0, sizeof(err));
	r = pcl_dvsec_inject(w, rs, n, &o, &out, NULL, &err);
	if (r)
		assert_null(out);
	if (r && needle && !strstr(err.message, needle))
		fail_msg("'%s' does not say '%s'", err.message, needle);
	pcl_cfg_free(out);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
	return r;
}

static void test_inject_refuses(void **state)
{
	const struct pcl_range over_cap[] = { R(0x140, 0x10) };
	const struct pcl_range over_std[] = { R(0x40, 0x10) };
	const struct pcl_range one[] = { R(0xf00, 0x100) };
	const struct pcl_range most[] = { R(0x150, 0xeb0) };
	struct tb b;

	(void)state;
	base(&b);
	assert_int_equal(inject_err(&b, over_cap, 1, -1, 0, "cap"), -EINVAL);
	assert_int_equal(inject_err(&b, over_std, 1, -1, 0, "is not free"), -EINVAL);
	/* A non-zero byte (a hidden register?) inside an advertised range. */
	tb_w8(&b, 0xf80, 0x5a);
	assert_int_equal(inject_err(&b, one, 1, -1, 0, "non-zero"), -EINVAL);
	/* UNCHECKED makes the fixture anyway; the map then refuses it. */
	assert_int_equal(inject_err(&b, one, 1, -1, PCL_DVSEC_INJECT_UNCHECKED,
				    NULL), 0);
	base(&b);
	/* --at inside an advertised range, on a capability, misaligned. */
	assert_int_equal(inject_err(&b, one, 1, 0xf00, 0, "covers the DVSEC"),
			 -EINVAL);
	assert_int_equal(inject_err(&b, one, 1, 0x140, 0, "no room"), -EINVAL);
	assert_int_equal(inject_err(&b, one, 1, 0x202, 0, "dword"), -EINVAL);
	assert_int_equal(inject_err(&b, one, 1, 0xff8, 0, NULL), -EINVAL);
	/*
	 * No room: everything past the caps is advertised, and the 20 bytes
	 * after AER's 0x2c hold a non-zero byte.
	 */
	tb_w8(&b, 0x130, 1);
	assert_int_equal(inject_err(&b, most, 1, -1, 0, "no room"), -ENOSPC);
	/* Not all of config space read. */
	b.len = 256;
	assert_int_equal(inject_err(&b, one, 1, -1, 0, "4096"), -EINVAL);
	/* A looping extended chain has no tail to link from. */
	base(&b);
	tb_ext_next(&b, 0x140, 0x100);
	assert_int_equal(inject_err(&b, one, 1, -1, 0, "does not end cleanly"),
			 -EINVAL);
	/* 0x100 holds something that is not a chain. */
	tb_init(&b, 0x8086, 0x1234, 0, PCL_CFG_SIZE);
	tb_pcie(&b, 0x40, 2, 0);
	tb_w32(&b, 0x100, 0xffffffff);
	assert_int_equal(inject_err(&b, one, 1, -1, 0, "0x100"), -EINVAL);
	/* A conventional PCI function has no extended space. */
	tb_init(&b, 0x8086, 0x1234, 0, PCL_CFG_SIZE);
	assert_int_equal(inject_err(&b, one, 1, -1, 0, "PCI Express"), -EINVAL);
}

static void test_map_refuses_untrusted(void **state)
{
	const struct pcl_range one[] = { R(0xf00, 0x100) };
	struct pcl_dvsec_inject_opts o = { .at = -1,
					   .flags = PCL_DVSEC_INJECT_UNCHECKED };
	struct pcl_cfg *cfg, *out = NULL;
	struct pcl_walk *w, *w2;
	struct pcl_dvsec_scan *s;
	struct pcl_map *m;
	const struct pcl_range *rs;
	struct tb b;
	size_t n;

	(void)state;
	base(&b);
	tb_w8(&b, 0xf80, 0x5a);
	cfg = tb_cfg(ctx, &b);
	w = pcl_walk_new(cfg);
	assert_int_equal(pcl_dvsec_inject(w, one, 1, &o, &out, NULL, NULL), 0);
	w2 = pcl_walk_new(out);
	s = pcl_dvsec_scan_new(w2, NULL);
	/* Well formed, so the DVSEC stage offers it... */
	assert_int_equal(pcl_dvsec_scan_get(s, 0)->status, PCL_DVSEC_VALID);
	rs = pcl_dvsec_scan_ranges(s, &n);
	assert_int_equal(n, 1);
	/* ...and the map, which sees the non-zero byte, does not trust it. */
	m = pcl_map_new(w2, rs, n);
	assert_non_null(m);
	assert_int_equal(pcl_map_range_count(m), 1);
	assert_true(pcl_map_range(m, 0)->flags & PCL_RANGE_UNTRUSTED);
	pcl_map_free(m);
	pcl_dvsec_scan_free(s);
	pcl_walk_free(w2);
	pcl_cfg_free(out);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
}

/*
 * Random corruption of a valid DVSEC's bytes: whatever decode says, a
 * range it returns obeys every rule, and it never claims more ranges than
 * the structure's length allows.
 */
static void test_decode_random(void **state)
{
	const struct pcl_range rs[] = { R(0x80, 0x40), R(0xe00, 0x100),
					R(0xf00, 0x100) };
	struct pcl_range out[PCL_DVSEC_FREE_MAX_RANGES];
	struct pcl_finding why;
	char msg[256];
	unsigned int seed = 12345;
	struct tb b;
	int valid = 0, bad = 0;

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = 0;
		int r;

		base(&b);
		encode_into(&b, 0x200, rs, 3);
		for (int k = 0; k < 1 + iter % 4; k++) {
			uint32_t off = 0x204 + (uint32_t)(rand_r(&seed) % 24);

			tb_w8(&b, off, (uint8_t)rand_r(&seed));
		}
		if (iter % 7 == 0)
			b.len = 0x204 + (size_t)(rand_r(&seed) % 36);
		r = decode_at(&b, 0x200, out, &n, &why, msg, sizeof(msg));
		assert_true(r == 0 || r == -ENOMSG || r == -EBADMSG);
		if (r) {
			assert_int_equal(n, 0);
			bad++;
			continue;
		}
		valid++;
		assert_true(0x200 + PCL_DVSEC_FREE_SIZE(n) <= b.len);
		assert_int_equal(pcl_dvsec_check_ranges(out, n, 0x200, NULL), 0);
	}
	assert_true(valid > 0);
	assert_true(bad > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_range_rules),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_not_ours),
		cmocka_unit_test(test_decode_unknown_flags),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_inject_round_trip),
		cmocka_unit_test(test_inject_anchor_bytes),
		cmocka_unit_test(test_inject_refuses),
		cmocka_unit_test(test_map_refuses_untrusted),
		cmocka_unit_test(test_decode_random),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
