// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_unify.c - one layout for a pool: two firmware versions with
 * capabilities at different offsets (relocated, check passes on both), a
 * host with a non-zero byte where the others put vPASID (another window),
 * a host missing a capability (excluded, or the capability hidden with
 * --hide-missing), another device model (ignored), unify of one host
 * equal to its plan up to provenance, and hosts analysed apart from the
 * pool (pcl_fleet_host_new()) giving the same pool.
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

/* Firmware A: aer 0x100, dsn 0x140, ltr 0x150. Firmware B: aer 0x100,
 * ltr 0x140, dsn 0x160. Both: pm 0x40, exp 0x60 (v2 endpoint). */
static void dev(struct tb *b, char fw, uint16_t device)
{
	tb_init(b, 0x8086, device, 0, 4096);
	tb_std(b, 0x40, 0x01);
	tb_pcie(b, 0x60, 2, 0);
	tb_ext(b, 0x100, 0x01, 2);
	if (fw == 'A') {
		tb_ext(b, 0x140, 0x03, 1);
		tb_ext(b, 0x150, 0x18, 1);
	} else {
		tb_ext(b, 0x140, 0x18, 1);
		tb_ext(b, 0x160, 0x03, 1);
	}
}

static struct pcl_cfg *cfg_of(struct pcl_ctx *ctx, const struct tb *b)
{
	return tb_cfg(ctx, b);
}

static const struct pcl_layout_entry *find(const struct pcl_layout *l, int s,
					   uint16_t id, int kind)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, s, i);

		if (e->id == id && e->kind == kind)
			return e;
	}
	return NULL;
}

static void assert_check(struct pcl_ctx *ctx, const struct pcl_layout *l,
			 const struct tb *b, const struct pcl_plan_pasid *iommu,
			 bool want)
{
	struct pcl_cfg *c = cfg_of(ctx, b);
	struct pcl_report *r = NULL;

	assert_int_equal(pcl_check(l, c, NULL, NULL, iommu, &r), 0);
	if (pcl_report_ok(r) != want) {
		for (size_t i = 0; i < pcl_report_count(r); i++)
			fprintf(stderr, "  %s\n", pcl_report_get(r, i)->message);
	}
	assert_int_equal(pcl_report_ok(r), want);
	pcl_report_free(r);
	pcl_cfg_free(c);
}

static void test_two_firmwares(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_unify *u = pcl_unify_new(ctx);
	const struct pcl_layout *l = NULL;
	const struct pcl_layout_entry *e;
	struct tb a, b;

	dev(&a, 'A', 0x1234);
	dev(&b, 'B', 0x1234);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &b), "b"), 0);
	assert_int_equal(pcl_unify_run(u, &l), 0);
	assert_non_null(l);
	assert_int_equal(pcl_unify_host_count(u), 5);
	assert_int_equal(pcl_unify_joined(u), 5);
	assert_int_equal(pcl_unify_group_count(u), 2);
	assert_int_equal(pcl_unify_group(u, 0)->hosts, 3);
	/* The majority's offsets win; B's capabilities are relocated. */
	e = find(l, PCL_SPACE_EXTENDED, 0x03, PCL_ENTRY_PHYSICAL);
	assert_non_null(e);
	assert_int_equal(e->at, 0x140);
	assert_non_null(strstr(e->prov_reason, "3 of 5"));
	e = find(l, PCL_SPACE_EXTENDED, 0x18, PCL_ENTRY_PHYSICAL);
	assert_non_null(e);
	assert_int_equal(e->at, 0x150);
	assert_check(ctx, l, &a, NULL, true);
	assert_check(ctx, l, &b, NULL, true);
	pcl_unify_free(u);
	pcl_ctx_free(ctx);
}

static void test_vpasid_window(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_unify *u = pcl_unify_new(ctx);
	struct pcl_plan_pasid p = { .flags = PCL_PLAN_PASID_IOMMU,
				    .iommu_max_width = 20 };
	const struct pcl_layout *l = NULL;
	const struct pcl_layout_entry *e;
	struct tb a, odd;

	dev(&a, 'A', 0x1234);
	dev(&odd, 'A', 0x1234);
	tb_w8(&odd, 0xffc, 0x5a); /* a hidden register where 0xff8 would go */
	assert_int_equal(pcl_unify_add_pasid(u, &p), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &odd), "odd"), 0);
	assert_int_equal(pcl_unify_run(u, &l), 0);
	assert_int_equal(pcl_unify_joined(u), 5);
	e = find(l, PCL_SPACE_EXTENDED, 0x1b, PCL_ENTRY_VIRTUAL);
	assert_non_null(e);
	assert_true(e->at + 8 <= 0xffc - 16 || e->at >= 0x1000);
	assert_int_equal(e->params[PCL_PASID_MAX_WIDTH], 20);
	assert_check(ctx, l, &a, &p, true);
	assert_check(ctx, l, &odd, &p, true);
	pcl_unify_free(u);

	/* Without the odd host every planner says 0xff8, and so does unify. */
	u = pcl_unify_new(ctx);
	assert_int_equal(pcl_unify_add_pasid(u, &p), 0);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
	assert_int_equal(pcl_unify_run(u, &l), 0);
	e = find(l, PCL_SPACE_EXTENDED, 0x1b, PCL_ENTRY_VIRTUAL);
	assert_non_null(e);
	assert_int_equal(e->at, 0xff8);
	pcl_unify_free(u);
	pcl_ctx_free(ctx);
}

static void test_missing_cap(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	const struct pcl_layout *l = NULL;
	const struct pcl_host_group *g;
	struct tb a, lack;
	bool found = false;

	dev(&a, 'A', 0x1234);
	/* No LTR: the chain ends at the DSN. */
	tb_init(&lack, 0x8086, 0x1234, 0, 4096);
	tb_std(&lack, 0x40, 0x01);
	tb_pcie(&lack, 0x60, 2, 0);
	tb_ext(&lack, 0x100, 0x01, 2);
	tb_ext(&lack, 0x140, 0x03, 1);

	for (int policy = 0; policy < 2; policy++) {
		struct pcl_unify *u = pcl_unify_new(ctx);

		assert_int_equal(pcl_unify_set_missing(u, policy), 0);
		for (int i = 0; i < 3; i++)
			assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &lack), "lack"), 0);
		assert_int_equal(pcl_unify_run(u, &l), 0);
		if (policy == PCL_UNIFY_MISSING_MAJORITY) {
			assert_int_equal(pcl_unify_joined(u), 3);
			assert_non_null(find(l, PCL_SPACE_EXTENDED, 0x18, PCL_ENTRY_PHYSICAL));
			for (size_t i = 0; i < pcl_unify_group_count(u); i++) {
				g = pcl_unify_group(u, i);
				if (g->status != 0)
					continue;
				assert_string_equal(g->examples[0], "lack");
				assert_string_equal(pcl_report_get(g->reasons, 0)->code, "missing");
				assert_non_null(strstr(pcl_report_get(g->reasons, 0)->message, "ltr"));
				found = true;
			}
			assert_true(found);
			assert_check(ctx, l, &lack, NULL, false);
		} else {
			assert_int_equal(pcl_unify_joined(u), 4);
			assert_non_null(find(l, PCL_SPACE_EXTENDED, 0x18, PCL_ENTRY_HIDDEN));
			assert_check(ctx, l, &lack, NULL, true);
			assert_check(ctx, l, &a, NULL, true);
		}
		pcl_unify_free(u);
	}
	pcl_ctx_free(ctx);
}

/*
 * One of two hosts lacks MSI-X: an interrupt capability is never hidden to
 * admit a host, whatever the policy; the pool splits (that host cannot
 * join, and says why). A host read as non-root (64 bytes) cannot be
 * planned at all, so it takes nothing from the others either.
 */
static void test_missing_interrupts(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	const struct pcl_layout *l = NULL;
	struct tb a, lack, shortread;

	dev(&a, 'A', 0x1234);
	tb_std(&a, 0xa0, PCL_CAP_ID_MSIX);
	dev(&lack, 'A', 0x1234);
	shortread = a;
	shortread.len = 64;
	for (int policy = 0; policy < 2; policy++) {
		struct pcl_unify *u = pcl_unify_new(ctx);
		bool said = false;

		assert_int_equal(pcl_unify_set_missing(u, policy), 0);
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &lack), "lack"), 0);
		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &shortread), "short"), 0);
		assert_int_equal(pcl_unify_run(u, &l), 0);
		assert_int_equal(pcl_unify_host_count(u), 3);
		assert_int_equal(pcl_unify_joined(u), 1);
		assert_non_null(find(l, PCL_SPACE_STANDARD, PCL_CAP_ID_MSIX,
				     PCL_ENTRY_PHYSICAL));
		assert_non_null(find(l, PCL_SPACE_STANDARD, PCL_CAP_ID_PM,
				     PCL_ENTRY_PHYSICAL));
		for (size_t i = 0; i < pcl_unify_group_count(u); i++) {
			const struct pcl_host_group *g = pcl_unify_group(u, i);
			const struct pcl_finding *f = pcl_report_get(g->reasons, 0);

			if (g->status == 1)
				continue;
			assert_int_equal(g->status, 0);
			if (!strcmp(g->examples[0], "lack")) {
				assert_string_equal(f->code, "missing");
				assert_non_null(strstr(f->message, "never hidden"));
				said = true;
			} else {
				assert_string_equal(f->code, "plan");
				assert_non_null(strstr(f->message, "only the first 64 bytes"));
			}
		}
		assert_true(said);
		assert_check(ctx, l, &a, NULL, true);
		pcl_unify_free(u);
	}
	pcl_ctx_free(ctx);
}

static void test_one_host_is_plan(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_plan_pasid p = { .flags = PCL_PLAN_PASID_IOMMU,
				    .iommu_max_width = 16 };
	char want[PCL_FINGERPRINT_SIZE], got[PCL_FINGERPRINT_SIZE];

	for (int with_pasid = 0; with_pasid < 2; with_pasid++) {
		for (char fw = 'A'; fw <= 'B'; fw++) {
			struct pcl_unify *u = pcl_unify_new(ctx);
			struct pcl_plan_request *req = pcl_plan_request_new(ctx);
			struct pcl_layout *plan = NULL;
			const struct pcl_layout *l = NULL;
			struct pcl_cfg *c;
			struct tb a;

			dev(&a, fw, 0x1234);
			c = cfg_of(ctx, &a);
			assert_int_equal(pcl_plan_request_set_cfg(req, c, NULL), 0);
			if (with_pasid) {
				assert_int_equal(pcl_plan_request_add_pasid(req, &p), 0);
				assert_int_equal(pcl_unify_add_pasid(u, &p), 0);
			}
			assert_int_equal(pcl_plan(req, &plan, NULL), 0);
			assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), NULL), 0);
			assert_int_equal(pcl_unify_run(u, &l), 0);
			assert_int_equal(pcl_layout_fingerprint(plan, want), 0);
			assert_int_equal(pcl_layout_fingerprint(l, got), 0);
			assert_string_equal(want, got);
			pcl_layout_free(plan);
			pcl_plan_request_free(req);
			pcl_cfg_free(c);
			pcl_unify_free(u);
		}
	}
	pcl_ctx_free(ctx);
}

static void test_other_model_and_empty(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_unify *u = pcl_unify_new(ctx);
	const struct pcl_layout *l = NULL;
	struct tb a, other;

	dev(&a, 'A', 0x1234);
	dev(&other, 'A', 0x9999);
	assert_int_equal(pcl_unify_run(u, &l), -ENODATA);
	pcl_unify_free(u);

	u = pcl_unify_new(ctx);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a2"), 0);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &other), "o"), 0);
	assert_int_equal(pcl_unify_add_failure(u, "bad.lspci", "malformed"), 0);
	assert_int_equal(pcl_unify_run(u, &l), 0);
	assert_int_equal(pcl_unify_ignored(u), 1);
	assert_int_equal(pcl_unify_host_count(u), 3); /* 2 hosts + 1 failure */
	assert_int_equal(pcl_unify_joined(u), 2);
	assert_int_equal(pcl_unify_failure_count(u), 1);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "late"), -EBUSY);
	pcl_unify_free(u);

	/* Asking for a model nobody has. */
	u = pcl_unify_new(ctx);
	pcl_unify_set_device(u, 0x10de, 0x0001);
	assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, &a), "a"), 0);
	assert_int_equal(pcl_unify_run(u, &l), -ENODATA);
	pcl_unify_free(u);
	pcl_ctx_free(ctx);
}

/* The groups of two pools, compared field by field. */
static void assert_same_groups(const struct pcl_unify *x,
			       const struct pcl_unify *y)
{
	assert_int_equal(pcl_unify_group_count(x), pcl_unify_group_count(y));
	assert_int_equal(pcl_unify_host_count(x), pcl_unify_host_count(y));
	assert_int_equal(pcl_unify_joined(x), pcl_unify_joined(y));
	for (size_t i = 0; i < pcl_unify_group_count(x); i++) {
		const struct pcl_host_group *g = pcl_unify_group(x, i);
		const struct pcl_host_group *h = pcl_unify_group(y, i);

		assert_int_equal(g->hosts, h->hosts);
		assert_int_equal(g->status, h->status);
		assert_int_equal(g->n_examples, h->n_examples);
		for (size_t k = 0; k < g->n_examples; k++)
			assert_string_equal(g->examples[k], h->examples[k]);
		assert_string_equal(g->fingerprint, h->fingerprint);
	}
}

/*
 * Hosts analysed apart (pcl_fleet_host_new(), here in reverse order, as
 * threads would finish them in any order) and added in order give the
 * same pool as pcl_unify_add_host(); a host analysed with other quirks
 * than the pool's is refused, and every refusal frees what it was given
 * (the ASan and valgrind passes see a leak).
 */
static void test_fleet_host(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_unify *u = pcl_unify_new(ctx), *v = pcl_unify_new(ctx);
	struct pcl_quirks *q = pcl_quirks_new(ctx);
	struct pcl_fleet_host *h[6];
	const struct pcl_layout *lu = NULL, *lv = NULL;
	char fu[PCL_FINGERPRINT_SIZE], fv[PCL_FINGERPRINT_SIZE];
	static const char *const names[6] = { "a1", "b1", "a2", "o", "b2", "a3" };
	struct tb a, b, other;

	dev(&a, 'A', 0x1234);
	dev(&b, 'B', 0x1234);
	dev(&other, 'A', 0x9999);
	assert_non_null(q);
	for (int i = 5; i >= 0; i--) {
		const struct tb *t = names[i][0] == 'a' ? &a :
				     names[i][0] == 'b' ? &b : &other;

		h[i] = pcl_fleet_host_new(cfg_of(ctx, t), NULL);
		assert_non_null(h[i]);
	}
	for (int i = 0; i < 6; i++) {
		const struct tb *t = names[i][0] == 'a' ? &a :
				     names[i][0] == 'b' ? &b : &other;

		assert_int_equal(pcl_unify_add_host(u, cfg_of(ctx, t), names[i]), 0);
		assert_int_equal(pcl_unify_add_fleet_host(v, h[i], names[i]), 0);
	}
	assert_int_equal(pcl_unify_run(u, &lu), 0);
	assert_int_equal(pcl_unify_run(v, &lv), 0);
	assert_int_equal(pcl_layout_fingerprint(lu, fu), 0);
	assert_int_equal(pcl_layout_fingerprint(lv, fv), 0);
	assert_string_equal(fu, fv);
	assert_same_groups(u, v);
	assert_int_equal(pcl_unify_joined(v), 5);
	assert_int_equal(pcl_unify_ignored(v), 1);
	/* After the run, and with the wrong quirks: refused, and freed. */
	assert_int_equal(pcl_unify_add_fleet_host(v, pcl_fleet_host_new(cfg_of(ctx, &a), NULL),
						  "late"), -EBUSY);
	pcl_unify_free(v);
	v = pcl_unify_new(ctx);
	assert_int_equal(pcl_unify_set_quirks(v, q), 0);
	assert_int_equal(pcl_unify_add_fleet_host(v, pcl_fleet_host_new(cfg_of(ctx, &a), NULL),
						  "a"), -EINVAL);
	assert_int_equal(pcl_unify_add_fleet_host(v, pcl_fleet_host_new(cfg_of(ctx, &a), q),
						  "a"), 0);
	assert_int_equal(pcl_unify_add_fleet_host(v, NULL, "none"), -EINVAL);
	assert_int_equal(pcl_unify_add_fleet_host(NULL, pcl_fleet_host_new(cfg_of(ctx, &a), q),
						  "a"), -EINVAL);
	errno = 0;
	assert_null(pcl_fleet_host_new(NULL, q));
	assert_int_equal(errno, EINVAL);
	pcl_fleet_host_free(NULL);
	pcl_fleet_host_free(pcl_fleet_host_new(cfg_of(ctx, &b), q));
	pcl_unify_free(v);
	pcl_unify_free(u);
	pcl_quirks_free(q);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_firmwares),
		cmocka_unit_test(test_vpasid_window),
		cmocka_unit_test(test_missing_cap),
		cmocka_unit_test(test_missing_interrupts),
		cmocka_unit_test(test_one_host_is_plan),
		cmocka_unit_test(test_other_model_and_empty),
		cmocka_unit_test(test_fleet_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
