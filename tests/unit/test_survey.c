// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_survey.c - a fleet grouped by device model and default layout:
 * two firmware versions of one model are two pools, hosts that differ
 * only in a capability the default view hides share a group (the
 * fingerprint leaves hidden entries out), another model is its own group,
 * and identical hosts collapse into one class.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "builder.h"

static void dev(struct tb *b, uint16_t device, uint16_t dsn_at, bool sriov)
{
	tb_init(b, 0x8086, device, 0, 4096);
	tb_std(b, 0x40, 0x01);
	tb_pcie(b, 0x60, 2, 0);
	tb_ext(b, 0x100, 0x01, 2);
	tb_ext(b, dsn_at, 0x03, 1);
	if (sriov)
		tb_ext(b, 0x200, 0x10, 1);
}

static void add(struct pcl_survey *s, struct pcl_ctx *ctx, const struct tb *b,
		const char *name, uint32_t serial)
{
	struct tb copy = *b;
	uint16_t dsn = b->cfg[0x102] >> 4 | (uint16_t)(b->cfg[0x103] << 4);

	/* Serials differ per host; they must not split a class. */
	tb_w32(&copy, dsn + 4u, serial);
	assert_int_equal(pcl_survey_add_host(s, tb_cfg(ctx, &copy), name), 0);
}

static void test_groups_and_pools(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_survey *s = pcl_survey_new(ctx);
	const struct pcl_host_group *g;
	struct tb a, b, c, other;
	int32_t pool_a = 0, pool_b = 0;

	dev(&a, 0x1234, 0x140, false);
	dev(&b, 0x1234, 0x180, false);  /* other firmware: DSN elsewhere */
	dev(&c, 0x1234, 0x140, true);   /* SR-IOV, which the view hides */
	dev(&other, 0x5678, 0x140, false);
	for (uint32_t i = 0; i < 5; i++)
		add(s, ctx, &a, "a", i);
	add(s, ctx, &b, "b1", 1);
	add(s, ctx, &b, "b2", 2);
	add(s, ctx, &c, "c", 3);
	add(s, ctx, &other, "o", 4);
	assert_int_equal(pcl_survey_add_failure(s, "bad", "malformed"), 0);
	assert_int_equal(pcl_survey_run(s), 0);
	assert_int_equal(pcl_survey_host_count(s), 9);
	assert_int_equal(pcl_survey_group_count(s), 3);
	assert_int_equal(pcl_survey_failure_count(s), 1);
	for (size_t i = 0; i < pcl_survey_group_count(s); i++) {
		g = pcl_survey_group(s, i);
		assert_non_null(g->layout);
		if (g->device == 0x5678) {
			assert_int_equal(g->status, 1);
			continue;
		}
		if (!strcmp(g->examples[0], "a")) {
			/* "c" hides SR-IOV, "a" has none: one guest view. */
			assert_int_equal(g->hosts, 6);
			assert_int_equal(g->n_examples, 3);
			pool_a = g->status;
		} else {
			assert_string_equal(g->examples[0], "b1");
			assert_int_equal(g->hosts, 2);
			assert_string_equal(g->examples[1], "b2");
			pool_b = g->status;
		}
	}
	assert_int_equal(pool_a, 1);
	assert_int_equal(pool_b, 2);
	/* Groups are ordered by model, then pool. */
	assert_int_equal(pcl_survey_group(s, 0)->device, 0x1234);
	assert_int_equal(pcl_survey_group(s, 2)->device, 0x5678);
	pcl_survey_free(s);

	s = pcl_survey_new(ctx);
	assert_int_equal(pcl_survey_run(s), -ENODATA);
	pcl_survey_free(s);
	pcl_ctx_free(ctx);
}

/* Host classes the planner refuses for the same reasons are one group:
 * functions whose header reads all ones (a function gone from the bus),
 * one with a non-zero byte in extended space (another host class). */
static void test_refused_group(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_survey *s = pcl_survey_new(ctx);
	const struct pcl_host_group *g;
	uint8_t bytes[PCL_CFG_SIZE];

	(void)state;
	for (int i = 0; i < 3; i++) {
		char name[16];

		memset(bytes, 0, sizeof(bytes));
		memset(bytes, 0xff, PCL_STD_SPACE_END);
		if (i == 1)
			bytes[0xfe4] = 0x5a;
		snprintf(name, sizeof(name), "gone%d", i);
		assert_int_equal(pcl_survey_add_host(s, pcl_cfg_new(ctx, bytes,
				 sizeof(bytes), name), name), 0);
	}
	assert_int_equal(pcl_survey_run(s), 0);
	assert_int_equal(pcl_survey_group_count(s), 1);
	g = pcl_survey_group(s, 0);
	assert_null(g->layout);
	assert_int_equal(g->hosts, 3);
	assert_true(pcl_report_count(g->reasons) > 0);
	pcl_survey_free(s);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_and_pools),
		cmocka_unit_test(test_refused_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
