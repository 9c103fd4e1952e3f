// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_map.c - the occupancy map: owners and their precedence, unknown
 * lengths, orphans, reserved and advertised-free ranges (and when the
 * latter are not trusted), unread bytes, runs, and the range parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "builder.h"
#include "corpus.h"
#include "map/map-internal.h"

struct fx {
	struct pcl_ctx *ctx;
	struct pcl_cfg *cfg;
	struct pcl_walk *walk;
	struct pcl_map *map;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = pcl_ctx_new();
	assert_non_null(f->ctx);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pcl_map_free(f->map);
	pcl_walk_free(f->walk);
	pcl_cfg_free(f->cfg);
	pcl_ctx_free(f->ctx);
	free(f);
	return 0;
}

/* pcl_map_owners_build() gives @m's owner bytes (a fleet key's). */
static void owners_agree(const struct pcl_walk *w, const struct pcl_range *r,
			 size_t n, const struct pcl_map *m)
{
	uint8_t o[PCL_CFG_SIZE];

	memset(o, 0xee, sizeof(o));
	assert_int_equal(pcl_map_owners_build(w, r, n, o), 0);
	assert_memory_equal(o, pcl_map_owners(m), PCL_CFG_SIZE);
}

static void build(struct fx *f, const struct tb *b,
		  const struct pcl_range *r, size_t n)
{
	f->cfg = tb_cfg(f->ctx, b);
	f->walk = pcl_walk_new(f->cfg);
	assert_non_null(f->walk);
	f->map = pcl_map_new(f->walk, r, n);
	assert_non_null(f->map);
	owners_agree(f->walk, r, n, f->map);
}

static int owner(struct fx *f, uint32_t off)
{
	return pcl_map_owner(f->map, off, NULL);
}

/* Also: pcl_map_finding_code() is the code of every finding, and NULL past
 * the last (asked first, before the message is formatted). */
static bool has_finding(struct fx *f, const char *code, int32_t offset)
{
	size_t n = pcl_map_finding_count(f->map);
	bool found = false;

	assert_null(pcl_map_finding_code(f->map, n));
	for (size_t i = 0; i < n; i++) {
		const char *c = pcl_map_finding_code(f->map, i);
		const struct pcl_finding *x = pcl_map_finding(f->map, i);

		assert_non_null(c);
		assert_string_equal(c, x->code);
		if (!strcmp(x->code, code) && x->offset == offset)
			found = true;
	}
	return found;
}

/* A PCIe endpoint with PM at 0x40, PCIe v2 at 0x50 and AER at 0x100. */
static void base_device(struct tb *b, size_t len)
{
	tb_init(b, 0x1234, 0x5678, 0, len);
	tb_std(b, 0x40, 0x01);
	tb_pcie(b, 0x50, 2, 0);
	if (len > 0x100)
		tb_ext(b, 0x100, 0x0001, 2);
}

static void test_map_owners_basic(void **state)
{
	struct fx *f = *state;
	struct tb b;
	uint32_t d;

	base_device(&b, 4096);
	build(f, &b, NULL, 0);
	assert_int_equal(owner(f, 0x00), PCL_OWNER_HEADER);
	assert_int_equal(owner(f, 0x3f), PCL_OWNER_HEADER);
	assert_int_equal(pcl_map_owner(f->map, 0x40, &d), PCL_OWNER_CAP);
	assert_int_equal(d, 0);
	assert_int_equal(owner(f, 0x47), PCL_OWNER_CAP);
	assert_int_equal(owner(f, 0x48), PCL_OWNER_ZERO);
	assert_int_equal(pcl_map_owner(f->map, 0x50, &d), PCL_OWNER_CAP);
	assert_int_equal(d, 1);
	/* The PCIe capability v2 spans 0x3c bytes. */
	assert_int_equal(owner(f, 0x8b), PCL_OWNER_CAP);
	assert_int_equal(owner(f, 0x8c), PCL_OWNER_ZERO);
	assert_int_equal(pcl_map_owner(f->map, 0x100, &d), PCL_OWNER_CAP);
	assert_int_equal(d, 2);
	assert_int_equal(owner(f, 0xfff), PCL_OWNER_ZERO);
	assert_int_equal(pcl_map_owner(f->map, 4096, NULL), -EINVAL);
	assert_string_equal(pcl_owner_name(PCL_OWNER_NONZERO), "nonzero");
	assert_string_equal(pcl_owner_name(99), "unknown");
}

static void test_map_runs_tile_space(void **state)
{
	struct fx *f = *state;
	uint32_t next = 0;
	struct tb b;

	base_device(&b, 4096);
	tb_w8(&b, 0xf4, 0x5a);
	build(f, &b, NULL, 0);
	for (size_t i = 0; i < pcl_map_run_count(f->map); i++) {
		const struct pcl_map_run *r = pcl_map_run(f->map, i);

		assert_int_equal(r->start, next);
		assert_true(r->length > 0);
		/* A run never crosses from standard into extended space. */
		assert_true(r->start >= 0x100 || r->start + r->length <= 0x100);
		assert_int_equal(r->space, r->start >= 0x100);
		for (uint32_t o = r->start; o < r->start + r->length; o++)
			assert_int_equal(owner(f, o), r->owner);
		next = r->start + r->length;
	}
	assert_int_equal(next, 4096);
	assert_null(pcl_map_run(f->map, pcl_map_run_count(f->map)));
}

/* The case: one non-zero byte in an otherwise free region. */
static void test_map_nonzero_byte_is_hidden_register(void **state)
{
	struct fx *f = *state;
	struct tb b;

	base_device(&b, 4096);
	tb_w8(&b, 0x800, 0x01);
	build(f, &b, NULL, 0);
	assert_int_equal(owner(f, 0x7ff), PCL_OWNER_ZERO);
	assert_int_equal(owner(f, 0x800), PCL_OWNER_NONZERO);
	assert_int_equal(owner(f, 0x801), PCL_OWNER_ZERO);
	assert_true(has_finding(f, "hidden-register", 0x800));
}

static void test_map_orphan_pasid(void **state)
{
	struct fx *f = *state;
	const struct pcl_cap *o;
	struct tb b;
	uint32_t d;

	base_device(&b, 4096);
	/* PASID v1 at 0x200, linked from nothing, capability register set. */
	tb_w32(&b, 0x200, 0x0001001b);
	tb_w16(&b, 0x204, 0x1406);
	build(f, &b, NULL, 0);
	assert_int_equal(pcl_walk_orphan_count(f->walk), 1);
	o = pcl_walk_orphan(f->walk, 0);
	assert_int_equal(o->id, 0x1b);
	assert_int_equal(pcl_map_owner(f->map, 0x200, &d), PCL_OWNER_ORPHAN);
	assert_int_equal(d, 0);
	assert_int_equal(owner(f, 0x207), PCL_OWNER_ORPHAN);
	assert_int_equal(owner(f, 0x208), PCL_OWNER_ZERO);
	assert_false(has_finding(f, "hidden-register", 0x204));
}

static void test_map_reserved_range(void **state)
{
	struct fx *f = *state;
	struct pcl_range r[] = {
		{ .start = 0x90, .length = 8, .kind = PCL_RANGE_RESERVED,
		  .source = "quirk:test", .reason = "doorbell" },
		/* Overlaps PM at 0x40: the capability keeps its bytes. */
		{ .start = 0x44, .length = 8, .kind = PCL_RANGE_RESERVED,
		  .source = "quirk:test", .reason = "pm control" },
	};
	char buf[128];
	struct tb b;
	uint32_t d;

	base_device(&b, 4096);
	build(f, &b, r, 2);
	assert_int_equal(pcl_map_owner(f->map, 0x90, &d), PCL_OWNER_RESERVED);
	assert_int_equal(d, 0);
	assert_int_equal(owner(f, 0x97), PCL_OWNER_RESERVED);
	assert_int_equal(owner(f, 0x98), PCL_OWNER_ZERO);
	assert_int_equal(owner(f, 0x47), PCL_OWNER_CAP);
	assert_int_equal(pcl_map_owner(f->map, 0x48, &d), PCL_OWNER_RESERVED);
	assert_int_equal(d, 1);
	assert_true(has_finding(f, "reserved-overlap", 0x44));
	pcl_map_describe(f->map, 0x92, buf, sizeof(buf));
	assert_string_equal(buf, "reserved: doorbell (quirk:test)");
	/* The map keeps its own copies of the strings. */
	assert_ptr_not_equal(pcl_map_range(f->map, 0)->reason, r[0].reason);
}

static void test_map_free_trusted_and_rejected(void **state)
{
	struct fx *f = *state;
	struct pcl_range r[] = {
		{ .start = 0xf00, .length = 0x100, .kind = PCL_RANGE_FREE,
		  .source = "user" },
		/* Covers the non-zero byte at 0x808: not trusted at all. */
		{ .start = 0x800, .length = 0x20, .kind = PCL_RANGE_FREE,
		  .source = "dvsec" },
		/* Covers a capability. */
		{ .start = 0x100, .length = 0x10, .kind = PCL_RANGE_FREE,
		  .source = "dvsec" },
	};
	struct tb b;

	base_device(&b, 4096);
	tb_w8(&b, 0x808, 0xff);
	build(f, &b, r, 3);
	assert_int_equal(owner(f, 0xf00), PCL_OWNER_FREE);
	assert_int_equal(owner(f, 0xfff), PCL_OWNER_FREE);
	assert_false(pcl_map_range(f->map, 0)->flags & PCL_RANGE_UNTRUSTED);
	assert_int_equal(owner(f, 0x800), PCL_OWNER_ZERO);
	assert_int_equal(owner(f, 0x808), PCL_OWNER_NONZERO);
	assert_true(pcl_map_range(f->map, 1)->flags & PCL_RANGE_UNTRUSTED);
	assert_true(has_finding(f, "free-range-rejected", 0x800));
	assert_int_equal(owner(f, 0x10c), PCL_OWNER_CAP);
	assert_true(pcl_map_range(f->map, 2)->flags & PCL_RANGE_UNTRUSTED);
	assert_true(has_finding(f, "free-range-rejected", 0x100));
}

/* 256 bytes read: extended space is unread, never free. */
static void test_map_no_extended_space(void **state)
{
	struct fx *f = *state;
	struct tb b;

	base_device(&b, 256);
	build(f, &b, NULL, 0);
	assert_int_equal(owner(f, 0xff), PCL_OWNER_ZERO);
	for (uint32_t o = 0x100; o < 4096; o += 0x80)
		assert_int_equal(owner(f, o), PCL_OWNER_UNREAD);
	assert_int_equal(pcl_map_run(f->map, pcl_map_run_count(f->map) - 1)->start,
			 0x100);
}

/* 64 bytes read (sysfs without root): everything past the header unread. */
static void test_map_unread_bytes(void **state)
{
	struct fx *f = *state;
	struct pcl_range r = { .start = 0x80, .length = 16,
			       .kind = PCL_RANGE_FREE, .source = "user" };
	struct tb b;

	base_device(&b, 64);
	build(f, &b, &r, 1);
	assert_int_equal(owner(f, 0x3f), PCL_OWNER_HEADER);
	assert_int_equal(owner(f, 0x40), PCL_OWNER_UNREAD);
	assert_int_equal(owner(f, 0x80), PCL_OWNER_UNREAD);
	assert_true(pcl_map_range(f->map, 0)->flags & PCL_RANGE_UNTRUSTED);
}

/* A capability of unknown length occupies up to the next structure. */
static void test_map_unknown_length_extent(void **state)
{
	struct fx *f = *state;
	struct tb b;

	base_device(&b, 4096);
	tb_ext(&b, 0x140, 0x7ff0, 1); /* an ID nobody knows */
	tb_ext(&b, 0x300, 0x0003, 1); /* DSN */
	build(f, &b, NULL, 0);
	assert_int_equal(owner(f, 0x140), PCL_OWNER_CAP);
	assert_int_equal(owner(f, 0x2ff), PCL_OWNER_CAP);
	assert_int_equal(owner(f, 0x300), PCL_OWNER_CAP);
	assert_int_equal(owner(f, 0x30c), PCL_OWNER_ZERO);
	assert_true(has_finding(f, "length-unknown-extent", 0x140));
}

static void test_map_bad_args(void **state)
{
	struct fx *f = *state;
	struct pcl_range r = { .start = 0xff0, .length = 0x20,
			       .kind = PCL_RANGE_RESERVED };
	uint8_t o[PCL_CFG_SIZE];
	struct tb b;

	base_device(&b, 4096);
	f->cfg = tb_cfg(f->ctx, &b);
	f->walk = pcl_walk_new(f->cfg);
	assert_null(pcl_map_new(NULL, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_map_new(f->walk, &r, 1));
	assert_int_equal(errno, EINVAL);
	r.length = 0;
	assert_null(pcl_map_new(f->walk, &r, 1));
	r.length = 4;
	r.kind = 7;
	assert_null(pcl_map_new(f->walk, &r, 1));
	/* The owners alone refuse what the map refuses. */
	assert_int_equal(pcl_map_owners_build(f->walk, &r, 1, o), -EINVAL);
	r.kind = PCL_RANGE_RESERVED;
	r.length = 0x20;
	assert_int_equal(pcl_map_owners_build(f->walk, &r, 1, o), -EINVAL);
	assert_int_equal(pcl_map_owners_build(NULL, NULL, 0, o), -EINVAL);
	assert_int_equal(pcl_map_owners_build(f->walk, NULL, 1, o), -EINVAL);
}

/*
 * Over every corpus dump, with the shipped quirks' ranges as a fleet host
 * gets them: pcl_map_owners_build() gives the owners pcl_map_new() does.
 */
static void test_map_owners_build_corpus(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_quirks *q = pcl_quirks_new(ctx);
	unsigned int maps = 0, with_ranges = 0;
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char name[256];

	(void)state;
	assert_non_null(q);
	assert_int_equal(pcl_quirks_add_defaults(q, NULL), 0);
	if (!corpus_open(&it, 2)) {
		pcl_quirks_free(q);
		pcl_ctx_free(ctx); /* cmocka's skip() does not return */
		skip();
	}
	while ((cfg = corpus_next(&it, ctx, name, sizeof(name)))) {
		struct pcl_range *r = NULL;
		size_t n = 0;
		struct pcl_walk *w = pcl_walk_new(cfg);
		struct pcl_map *m;

		assert_non_null(w);
		assert_true(pcl_quirks_reserved(q, cfg, &r, &n) >= 0);
		m = pcl_map_new(w, r, n);
		assert_non_null(m);
		owners_agree(w, r, n, m);
		maps++;
		with_ranges += n > 0;
		pcl_map_free(m);
		pcl_range_list_free(r, n);
		pcl_walk_free(w);
		pcl_cfg_free(cfg);
	}
	print_message("owners: %u maps (%u with quirk ranges) compared\n",
		      maps, with_ranges);
	assert_true(maps >= 70);
	assert_true(with_ranges > 0);
	pcl_quirks_free(q);
	pcl_ctx_free(ctx);
}

static void test_range_parse(void **state)
{
	struct pcl_error err = { 0 };
	struct pcl_range *r;
	size_t n;

	(void)state;
	assert_int_equal(pcl_range_parse(" 0xf00-0xfff, 0x80+16,0x44 ",
					 PCL_RANGE_FREE, "user", &r, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].start, 0x44);
	assert_int_equal(r[0].length, 1);
	assert_int_equal(r[1].start, 0x80);
	assert_int_equal(r[1].length, 16);
	assert_int_equal(r[2].start, 0xf00);
	assert_int_equal(r[2].length, 256);
	assert_int_equal(r[2].kind, PCL_RANGE_FREE);
	assert_string_equal(r[2].source, "user");
	pcl_range_list_free(r, n);

	assert_int_equal(pcl_range_parse("", PCL_RANGE_FREE, NULL, &r, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(r);

	static const char *const bad[] = {
		"0xf00-0x1000", "0x20-0x10", "0xf00+0x101", "0x10+0", "abc",
		"0x10-", "0x10,", "0x10-0x20,0x18-0x30", "0x10 0x20",
		"4096", "0x10-0x20;",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(pcl_range_parse(bad[i], PCL_RANGE_FREE, NULL,
						 &r, &n, &err), -EINVAL);
		assert_true(err.message[0] != '\0');
	}
	assert_int_equal(pcl_range_parse("0x10-0x20", 5, NULL, &r, &n, NULL),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_owners_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_runs_tile_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_nonzero_byte_is_hidden_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_orphan_pasid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_reserved_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_free_trusted_and_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_no_extended_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_unread_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_unknown_length_extent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_bad_args, setup, teardown),
		cmocka_unit_test(test_range_parse),
		cmocka_unit_test(test_map_owners_build_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
