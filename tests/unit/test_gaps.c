// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_gaps.c - the gap finder: eligibility (a window never covers a
 * non-zero, orphan, reserved, capability, header or unread byte), the
 * ranking rule (advertised, clear, near; distance; higher offset), the
 * distance metric, and argument checking.
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
	struct pcl_gap *g;
	size_t n;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = pcl_ctx_new();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	free(f->g);
	pcl_map_free(f->map);
	pcl_walk_free(f->walk);
	pcl_cfg_free(f->cfg);
	pcl_ctx_free(f->ctx);
	free(f);
	return 0;
}

static void device(struct tb *b, size_t len)
{
	tb_init(b, 0x1234, 0x5678, 0, len);
	tb_std(b, 0x40, 0x01);
	tb_pcie(b, 0x50, 2, 0);
	if (len > 0x100)
		tb_ext(b, 0x100, 0x0001, 2);
}

static void gaps(struct fx *f, const struct tb *b, const struct pcl_range *r,
		 size_t nr, int space, uint32_t size, uint32_t align)
{
	f->cfg = tb_cfg(f->ctx, b);
	f->walk = pcl_walk_new(f->cfg);
	f->map = pcl_map_new(f->walk, r, nr);
	assert_non_null(f->map);
	assert_int_equal(pcl_map_gaps(f->map, space, size, align, &f->g, &f->n,
				      NULL), 0);
}

/* Every window is usable, aligned, in its space, and ranks are 1..n. */
static void check_invariants(struct fx *f, int space, uint32_t size,
			     uint32_t align)
{
	const uint8_t *own = pcl_map_owners(f->map);

	for (size_t i = 0; i < f->n; i++) {
		const struct pcl_gap *g = &f->g[i];

		assert_int_equal(g->rank, (int)i + 1);
		assert_int_equal(g->offset % align, 0);
		assert_int_equal(g->length, size);
		if (space == PCL_SPACE_STANDARD)
			assert_true(g->offset >= 0x40 && g->offset + size <= 0x100);
		else
			assert_true(g->offset >= 0x100 && g->offset + size <= 4096);
		for (uint32_t o = g->offset; o < g->offset + size; o++)
			assert_true(own[o] == PCL_OWNER_ZERO ||
				    own[o] == PCL_OWNER_FREE);
	}
}

static void test_gaps_empty_extended_prefers_end(void **state)
{
	struct fx *f = *state;
	struct tb b;

	device(&b, 4096);
	gaps(f, &b, NULL, 0, PCL_SPACE_EXTENDED, 8, 0);
	check_invariants(f, PCL_SPACE_EXTENDED, 8, 4);
	/* AER covers 0x100-0x12b: windows from 0x12c to 0xff8 in dwords. */
	assert_int_equal(f->n, (0xff8 - 0x12c) / 4 + 1);
	assert_int_equal(f->g[0].offset, 0xff8);
	assert_int_equal(f->g[0].klass, PCL_GAP_CLEAR);
	assert_int_equal(f->g[0].distance, -1);
	assert_int_equal(f->g[1].offset, 0xff4);
	assert_int_equal(f->g[f->n - 1].offset, 0x12c);
}

/* A non-zero byte: never covered, and its neighbours rank last. */
static void test_gaps_nonzero_byte(void **state)
{
	struct fx *f = *state;
	char why[256];
	struct tb b;

	device(&b, 4096);
	tb_w8(&b, 0xffa, 0x80);
	gaps(f, &b, NULL, 0, PCL_SPACE_EXTENDED, 8, 4);
	check_invariants(f, PCL_SPACE_EXTENDED, 8, 4);
	for (size_t i = 0; i < f->n; i++)
		assert_false(f->g[i].offset <= 0xffa &&
			     0xffa < f->g[i].offset + 8);
	/* The best window is the highest one at least 16 bytes away. */
	assert_int_equal(f->g[0].klass, PCL_GAP_CLEAR);
	assert_int_equal(f->g[0].offset, 0xfe0);
	assert_int_equal(f->g[0].distance, 0xffa - 0xfe8);
	assert_int_equal(f->g[0].hazard, 0xffa);
	assert_int_equal(f->g[0].hazard_owner, PCL_OWNER_NONZERO);
	pcl_gap_reason(f->map, &f->g[0], why, sizeof(why));
	assert_non_null(strstr(why, "nonzero byte at 0xffa, 18 bytes away"));
	/* Windows within 16 bytes are "near", the closest ones last. */
	assert_int_equal(f->g[f->n - 1].klass, PCL_GAP_NEAR);
	/* 0xff0-0xff7 is the closest window: 2 bytes short of 0xffa. */
	assert_int_equal(f->g[f->n - 1].offset, 0xff0);
	assert_int_equal(f->g[f->n - 1].distance, 2);
	for (size_t i = 1; i < f->n; i++) {
		const struct pcl_gap *a = &f->g[i - 1], *c = &f->g[i];

		assert_true(a->klass <= c->klass);
		if (a->klass == c->klass && a->klass == PCL_GAP_NEAR)
			assert_true(a->distance >= c->distance);
	}
}

static void test_gaps_orphan_and_reserved_excluded(void **state)
{
	struct fx *f = *state;
	struct pcl_range r = { .start = 0xf00, .length = 0x100,
			       .kind = PCL_RANGE_RESERVED, .source = "quirk:t",
			       .reason = "vendor registers" };
	struct tb b;

	device(&b, 4096);
	tb_w32(&b, 0x800, 0x0001001b); /* orphan PASID */
	tb_w16(&b, 0x804, 0x0006);
	gaps(f, &b, &r, 1, PCL_SPACE_EXTENDED, 8, 4);
	check_invariants(f, PCL_SPACE_EXTENDED, 8, 4);
	assert_int_equal(pcl_walk_orphan_count(f->walk), 1);
	/* Below the reserved range, at least 16 bytes clear of it. */
	assert_int_equal(f->g[0].offset, 0xee8);
	assert_int_equal(f->g[0].distance, 16);
	assert_int_equal(f->g[0].hazard, 0xf00);
	assert_int_equal(f->g[0].hazard_owner, PCL_OWNER_RESERVED);
	for (size_t i = 0; i < f->n; i++) {
		assert_false(f->g[i].offset + 8 > 0x800 && f->g[i].offset < 0x808);
		assert_true(f->g[i].offset + 8 <= 0xf00);
	}
}

/* Advertised free beats unclaimed zero even near a hazard. */
static void test_gaps_advertised_first(void **state)
{
	struct fx *f = *state;
	struct pcl_range r = { .start = 0x400, .length = 0x10,
			       .kind = PCL_RANGE_FREE, .source = "user" };
	char why[256];
	struct tb b;

	device(&b, 4096);
	tb_w8(&b, 0x412, 0x01);
	gaps(f, &b, &r, 1, PCL_SPACE_EXTENDED, 8, 4);
	check_invariants(f, PCL_SPACE_EXTENDED, 8, 4);
	assert_int_equal(f->g[0].klass, PCL_GAP_ADVERTISED);
	assert_int_equal(f->g[0].offset, 0x408);
	assert_int_equal(f->g[0].free_range, 0);
	assert_int_equal(f->g[1].klass, PCL_GAP_ADVERTISED);
	assert_int_equal(f->g[1].offset, 0x404);
	assert_int_equal(f->g[2].klass, PCL_GAP_ADVERTISED);
	assert_int_equal(f->g[2].offset, 0x400);
	assert_int_equal(f->g[3].klass, PCL_GAP_CLEAR);
	assert_int_equal(f->g[3].offset, 0xff8);
	pcl_gap_reason(f->map, &f->g[0], why, sizeof(why));
	assert_non_null(strstr(why, "advertised free by user (0x400-0x40f)"));
}

/* A dump without extended space offers nothing there. */
static void test_gaps_no_extended_space(void **state)
{
	struct fx *f = *state;
	struct tb b;

	device(&b, 256);
	gaps(f, &b, NULL, 0, PCL_SPACE_EXTENDED, 8, 4);
	assert_int_equal(f->n, 0);
	assert_null(f->g);
}

static void test_gaps_standard_space(void **state)
{
	struct fx *f = *state;
	struct tb b;

	device(&b, 256);
	tb_w8(&b, 0xfc, 0x11); /* IGD-style register at the very end */
	gaps(f, &b, NULL, 0, PCL_SPACE_STANDARD, 8, 8);
	check_invariants(f, PCL_SPACE_STANDARD, 8, 8);
	/* 0x48 and 0x8c-0xfb are zero; 8-aligned windows: 0x48, 0x90..0xf0 */
	assert_int_equal(f->g[0].offset, 0xe0);
	assert_int_equal(f->g[0].klass, PCL_GAP_CLEAR);
	assert_int_equal(f->g[0].distance, 0xfc - 0xe8);
	assert_int_equal(f->g[f->n - 1].offset, 0xf0);
	assert_int_equal(f->g[f->n - 1].klass, PCL_GAP_NEAR);
	for (size_t i = 0; i < f->n; i++)
		assert_true(f->g[i].offset >= 0x48);
}

static void test_gaps_unread_never(void **state)
{
	struct fx *f = *state;
	struct tb b;

	device(&b, 64);
	gaps(f, &b, NULL, 0, PCL_SPACE_STANDARD, 4, 4);
	assert_int_equal(f->n, 0);
}

/* The same input gives the same list, whatever happened before. */
static void test_gaps_deterministic(void **state)
{
	struct fx *f = *state;
	struct pcl_gap *again = NULL;
	size_t n2 = 0;
	struct tb b;

	device(&b, 4096);
	tb_w8(&b, 0x500, 1);
	tb_w8(&b, 0x900, 1);
	gaps(f, &b, NULL, 0, PCL_SPACE_EXTENDED, 12, 4);
	assert_int_equal(pcl_map_gaps(f->map, PCL_SPACE_EXTENDED, 12, 4,
				      &again, &n2, NULL), 0);
	assert_int_equal(n2, f->n);
	assert_memory_equal(again, f->g, n2 * sizeof(*again));
	free(again);
}

static void test_gaps_bad_args(void **state)
{
	struct fx *f = *state;
	struct pcl_error err = { 0 };
	struct pcl_gap *g = NULL;
	size_t n = 0;
	struct tb b;

	device(&b, 4096);
	gaps(f, &b, NULL, 0, PCL_SPACE_EXTENDED, 4, 4);
	assert_int_equal(pcl_map_gaps(f->map, 2, 8, 4, &g, &n, &err), -EINVAL);
	assert_int_equal(pcl_map_gaps(f->map, PCL_SPACE_EXTENDED, 0, 4, &g, &n,
				      &err), -EINVAL);
	assert_non_null(strstr(err.message, "size 0"));
	assert_int_equal(pcl_map_gaps(f->map, PCL_SPACE_STANDARD, 193, 4, &g,
				      &n, &err), -EINVAL);
	assert_int_equal(pcl_map_gaps(f->map, PCL_SPACE_EXTENDED, 8, 6, &g, &n,
				      &err), -EINVAL);
	assert_non_null(strstr(err.message, "power of two"));
	assert_int_equal(pcl_map_gaps(f->map, PCL_SPACE_EXTENDED, 8, 2, &g, &n,
				      &err), -EINVAL);
	assert_int_equal(pcl_map_gaps(f->map, PCL_SPACE_STANDARD, 8, 256, &g,
				      &n, &err), -EINVAL);
	assert_int_equal(pcl_gaps_validate(PCL_SPACE_EXTENDED, 3840, 2048, NULL),
			 0);
	assert_int_equal(pcl_gaps_validate(PCL_SPACE_EXTENDED, 3841, 4, NULL),
			 -EINVAL);
	assert_null(g);
	assert_string_equal(pcl_gap_class_name(PCL_GAP_NEAR), "near");
}

/* pcl_map_gap_at() against pcl_map_gaps() at every dword of @space. */
static unsigned int gap_at_agrees(const struct pcl_map *map, int space,
				  uint32_t size)
{
	struct pcl_gap *list = NULL, one;
	const struct pcl_gap *at[4096 / 4] = { NULL };
	uint32_t lo = space == PCL_SPACE_STANDARD ? 0x40 : 0x100;
	uint32_t hi = space == PCL_SPACE_STANDARD ? 0x100 : 4096;
	unsigned int compared = 0;
	size_t n = 0;

	assert_int_equal(pcl_map_gaps(map, space, size, 4, &list, &n, NULL), 0);
	for (size_t i = 0; i < n; i++)
		at[list[i].offset / 4] = &list[i];
	for (uint32_t off = lo; off < hi; off += 4) {
		const struct pcl_gap *want = at[off / 4];
		int r = pcl_map_gap_at(map, space, size, off, &one);

		assert_int_equal(r, want ? 1 : 0);
		if (!want)
			continue;
		assert_int_equal(one.rank, 0);
		one.rank = want->rank;
		assert_memory_equal(&one, want, sizeof(one));
		compared++;
	}
	free(list);
	return compared;
}

/*
 * The planner classifies QEMU's one window with pcl_map_gap_at() rather
 * than ranking every window: over every corpus dump, its device map and
 * its hazard map, it gives each window exactly as pcl_map_gaps() lists
 * it, and no window that list does not hold.
 */
static void test_gap_at_corpus(void **state)
{
	static const uint32_t sizes[] = { 4, 8, 24, 48, 256 };
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_hazard_opts o;
	unsigned int maps = 0, windows = 0;
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char name[256];

	(void)state;
	memset(&o, 0, sizeof(o));
	if (!corpus_open(&it, 1)) {
		pcl_ctx_free(ctx); /* cmocka's skip() does not return */
		skip();
	}
	while ((cfg = corpus_next(&it, ctx, name, sizeof(name)))) {
		struct pcl_walk *w = pcl_walk_new(cfg);
		struct pcl_map *m[2] = { w ? pcl_map_new(w, NULL, 0) : NULL,
					 pcl_hazard_map_new(cfg, &o) };

		assert_non_null(m[0]);
		assert_non_null(m[1]);
		for (int k = 0; k < 2; k++, maps++)
			for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
				windows += gap_at_agrees(m[k], PCL_SPACE_EXTENDED,
							 sizes[i]);
				if (sizes[i] <= 0xc0)
					windows += gap_at_agrees(m[k],
								 PCL_SPACE_STANDARD,
								 sizes[i]);
			}
		pcl_map_free(m[0]);
		pcl_map_free(m[1]);
		pcl_walk_free(w);
		pcl_cfg_free(cfg);
	}
	print_message("gap_at: %u maps, %u windows compared\n", maps, windows);
	assert_true(maps >= 100);
	assert_true(windows > 10000);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gaps_empty_extended_prefers_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_nonzero_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_orphan_and_reserved_excluded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_advertised_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_no_extended_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_standard_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_unread_never, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gaps_bad_args, setup, teardown),
		cmocka_unit_test(test_gap_at_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
