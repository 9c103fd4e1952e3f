// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_check.c - can a device realize a layout: a plan passes on its own
 * device; a missing, shorter or twice-selected capability, another device,
 * a virtual capability on a hidden register or an orphan, and a VF's
 * vPASID without a PASID-capable PF each fail with their own code.
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

static void dev(struct tb *b)
{
	tb_init(b, 0x8086, 0x1234, 0, 4096);
	tb_std(b, 0x40, 0x01);
	tb_pcie(b, 0x60, 2, 0);
	tb_ext(b, 0x100, 0x01, 2);
	tb_ext(b, 0x140, 0x03, 1);
	/* A VSEC of 0x18 bytes: ID 1, revision 0. */
	tb_ext(b, 0x150, 0x0b, 1);
	tb_w32(b, 0x154, 0x001u | (0x18u << 20));
}

/* dev()'s PF: an SR-IOV capability whose VFs are 8086:1234. */
static void pf_dev(struct tb *b)
{
	dev(b);
	tb_w16(b, 0x02, 0x1233);
	tb_ext(b, 0x180, PCL_EXT_CAP_ID_SRIOV, 1);
	tb_w16(b, 0x180 + PCL_SRIOV_VF_DID, 0x1234);
}

/* pf_dev() with a PASID capability (width 16, enabled) for its VFs. */
static struct pcl_cfg *pasid_pf(struct pcl_ctx *ctx)
{
	struct tb pb;

	pf_dev(&pb);
	tb_ext(&pb, 0x200, 0x1b, 1);
	tb_w16(&pb, 0x204, (uint16_t)(16u << 8)); /* width 16 */
	tb_w16(&pb, 0x206, 1);			  /* enabled */
	return tb_cfg(ctx, &pb);
}

static struct pcl_layout *plan(struct pcl_ctx *ctx, struct pcl_cfg *c,
			       const struct pcl_cfg *pf,
			       const struct pcl_plan_pasid *p)
{
	struct pcl_plan_request *req = pcl_plan_request_new(ctx);
	struct pcl_layout *l = NULL;

	assert_int_equal(pcl_plan_request_set_cfg(req, c, NULL), 0);
	if (pf)
		assert_int_equal(pcl_plan_request_set_pf(req, pf), 0);
	if (p)
		assert_int_equal(pcl_plan_request_add_pasid(req, p), 0);
	assert_int_equal(pcl_plan(req, &l, NULL), 0);
	pcl_plan_request_free(req);
	return l;
}

/* The code of the first error, or NULL when the report says yes. */
static const char *first_error(const struct pcl_report *r)
{
	for (size_t i = 0; i < pcl_report_count(r); i++)
		if (pcl_report_get(r, i)->severity == PCL_SEVERITY_ERROR)
			return pcl_report_get(r, i)->code;
	return NULL;
}

static const char *run(const struct pcl_layout *l, const struct pcl_cfg *c,
		       const struct pcl_cfg *pf,
		       const struct pcl_plan_pasid *iommu, struct pcl_report **r)
{
	pcl_report_free(*r);
	*r = NULL;
	assert_int_equal(pcl_check(l, c, pf, NULL, iommu, r), 0);
	assert_int_equal(pcl_report_ok(*r), first_error(*r) == NULL);
	return first_error(*r);
}

static void test_plan_passes_and_failures(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_report *r = NULL;
	struct pcl_layout *l;
	struct pcl_cfg *c, *c2;
	struct tb b, b2;
	const char *code;

	dev(&b);
	c = tb_cfg(ctx, &b);
	l = plan(ctx, c, NULL, NULL);
	assert_null(run(l, c, NULL, NULL, &r));

	/* Missing: no DSN (the VSEC follows AER directly). */
	tb_init(&b2, 0x8086, 0x1234, 0, 4096);
	tb_std(&b2, 0x40, 0x01);
	tb_pcie(&b2, 0x60, 2, 0);
	tb_ext(&b2, 0x100, 0x01, 2);
	tb_ext(&b2, 0x150, 0x0b, 1);
	tb_w32(&b2, 0x154, 0x001u | (0x18u << 20));
	c2 = tb_cfg(ctx, &b2);
	assert_string_equal(run(l, c2, NULL, NULL, &r), "missing");
	pcl_cfg_free(c2);

	/* Shorter: the VSEC says 0x10 bytes now. */
	dev(&b2);
	tb_w32(&b2, 0x154, 0x001u | (0x10u << 20));
	c2 = tb_cfg(ctx, &b2);
	assert_string_equal(run(l, c2, NULL, NULL, &r), "shorter");
	pcl_cfg_free(c2);

	/* Longer is fine (a warning). */
	dev(&b2);
	tb_w32(&b2, 0x154, 0x001u | (0x20u << 20));
	c2 = tb_cfg(ctx, &b2);
	assert_null(run(l, c2, NULL, NULL, &r));
	pcl_cfg_free(c2);

	/* Another device ID. */
	dev(&b2);
	tb_w16(&b2, 0x02, 0x4321);
	c2 = tb_cfg(ctx, &b2);
	code = run(l, c2, NULL, NULL, &r);
	assert_string_equal(code, "identity");
	pcl_cfg_free(c2);

	/* A 256-byte dump cannot show the extended chain. */
	dev(&b2);
	b2.len = 256;
	c2 = tb_cfg(ctx, &b2);
	assert_string_equal(run(l, c2, NULL, NULL, &r), "unread");
	pcl_cfg_free(c2);

	pcl_report_free(r);
	pcl_layout_free(l);
	pcl_cfg_free(c);
	pcl_ctx_free(ctx);
}

static void test_virtual_hazards(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_plan_pasid p = { .flags = PCL_PLAN_PASID_IOMMU,
				    .iommu_max_width = 20 };
	struct pcl_report *r = NULL;
	struct pcl_layout *l;
	struct pcl_cfg *c, *c2;
	struct tb b, b2;
	const struct pcl_layout_entry *e = NULL;

	dev(&b);
	c = tb_cfg(ctx, &b);
	l = plan(ctx, c, NULL, &p);
	for (size_t i = 0; i < pcl_layout_entry_count(l, PCL_SPACE_EXTENDED); i++)
		if (pcl_layout_entry(l, PCL_SPACE_EXTENDED, i)->kind == PCL_ENTRY_VIRTUAL)
			e = pcl_layout_entry(l, PCL_SPACE_EXTENDED, i);
	assert_non_null(e);
	assert_null(run(l, c, NULL, &p, &r));
	/* No source for PASID: no IOMMU values, no PF, no own PASID. */
	assert_string_equal(run(l, c, NULL, NULL, &r), "pasid-source");
	/* The IOMMU allows fewer PASID bits than the layout says. */
	{
		struct pcl_plan_pasid narrow = p;

		narrow.iommu_max_width = 8;
		assert_string_equal(run(l, c, NULL, &narrow, &r), "pasid-width");
	}
	/* A hidden register where the vPASID goes. */
	dev(&b2);
	tb_w8(&b2, (uint32_t)e->at + 5, 0x01);
	c2 = tb_cfg(ctx, &b2);
	assert_string_equal(run(l, c2, NULL, &p, &r), "covers-hidden-register");
	pcl_cfg_free(c2);
	/* An unlinked capability header there. */
	dev(&b2);
	tb_w32(&b2, (uint32_t)e->at, 0x1b | (1u << 16));
	c2 = tb_cfg(ctx, &b2);
	{
		/* The walker may or may not take these bytes for an unlinked
		 * header; either way they are not free. */
		const char *code = run(l, c2, NULL, &p, &r);

		assert_non_null(code);
		assert_true(!strcmp(code, "covers-orphan") ||
			    !strcmp(code, "covers-hidden-register"));
	}
	pcl_cfg_free(c2);
	pcl_report_free(r);
	pcl_layout_free(l);
	pcl_cfg_free(c);
	pcl_ctx_free(ctx);
}

static void test_vf_pasid_from_pf(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_report *r = NULL;
	struct pcl_layout *l;
	struct pcl_cfg *vf, *pf, *pf_nopasid;
	struct tb b, pb2;

	dev(&b);
	vf = tb_cfg(ctx, &b);
	assert_int_equal(pcl_cfg_set_vf(vf, "0000:01:00.0"), 0);
	pf = pasid_pf(ctx);
	pf_dev(&pb2);
	pf_nopasid = tb_cfg(ctx, &pb2);
	l = plan(ctx, vf, pf, &(struct pcl_plan_pasid){ 0 });
	assert_null(run(l, vf, pf, NULL, &r));
	assert_string_equal(run(l, vf, NULL, NULL, &r), "pasid-source");
	assert_string_equal(run(l, vf, pf_nopasid, NULL, &r), "pasid-source");
	pcl_report_free(r);
	pcl_layout_free(l);
	pcl_cfg_free(vf);
	pcl_cfg_free(pf);
	pcl_cfg_free(pf_nopasid);
	pcl_ctx_free(ctx);
}

/*
 * A cfg analysed as a PF, then marked a VF, is analysed as a VF: the walk
 * and vfio-pci view it kept (lib/walk/memo.h) are retired with the change
 * of identity, so it plans and checks as a cfg marked before any analysis,
 * and what was derived before (a hazard map borrows the walk) stays valid.
 */
static void test_vf_marked_after_analysis(void **state)
{
	static const struct pcl_plan_pasid none = { 0 };
	char fa[PCL_FINGERPRINT_SIZE], fb[PCL_FINGERPRINT_SIZE];
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_report *r = NULL;
	struct pcl_layout *la, *lb, *pre;
	struct pcl_cfg *late, *early, *pf;
	struct pcl_map *before, *after;
	struct tb b;

	dev(&b);
	late = tb_cfg(ctx, &b);
	early = tb_cfg(ctx, &b);
	assert_int_equal(pcl_cfg_set_vf(early, "0000:01:00.0"), 0);
	pf = pasid_pf(ctx);
	/* Analysed as what it was read as: no PASID anywhere to give it. */
	pre = plan(ctx, late, NULL, NULL);
	assert_null(run(pre, late, NULL, NULL, &r));
	before = pcl_hazard_map_new(late, NULL);
	assert_non_null(before);
	/* vfio-pci changes nothing of a PF that it hides nothing of. */
	assert_ptr_equal(pcl_walk_cfg(pcl_map_walk(before)), late);
	assert_int_equal(pcl_cfg_set_vf(late, "0000:01:00.0"), 0);
	/* It sets a VF's Command.Memory: its view is another cfg now. */
	after = pcl_hazard_map_new(late, NULL);
	assert_non_null(after);
	assert_ptr_not_equal(pcl_walk_cfg(pcl_map_walk(after)), late);
	assert_int_equal(pcl_walk_cap_count(pcl_map_walk(before)),
			 pcl_walk_cap_count(pcl_map_walk(after)));
	la = plan(ctx, late, pf, &none);
	lb = plan(ctx, early, pf, &none);
	assert_int_equal(pcl_layout_fingerprint(la, fa), 0);
	assert_int_equal(pcl_layout_fingerprint(lb, fb), 0);
	assert_string_equal(fa, fb);
	assert_null(run(lb, late, pf, NULL, &r));
	assert_string_equal(run(lb, late, NULL, NULL, &r), "pasid-source");
	pcl_map_free(after);
	pcl_map_free(before);
	pcl_report_free(r);
	pcl_layout_free(pre);
	pcl_layout_free(la);
	pcl_layout_free(lb);
	pcl_cfg_free(pf);
	pcl_cfg_free(early);
	pcl_cfg_free(late);
	pcl_ctx_free(ctx);
}

static void test_relocation(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_report *r = NULL;
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_layout_entry e;
	struct pcl_cfg *c;
	struct tb b;

	dev(&b);
	c = tb_cfg(ctx, &b);
	assert_int_equal(pcl_layout_set_name(l, "moved"), 0);
	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_EXTENDED;
	e.id = 0x01;
	e.at = 0x100;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	e.id = 0x03;
	e.at = 0x300; /* the DSN moved to zero bytes: fine */
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	assert_null(run(l, c, NULL, NULL, &r));
	tb_w8(&b, 0x304, 0xee);
	pcl_cfg_free(c);
	c = tb_cfg(ctx, &b);
	assert_string_equal(run(l, c, NULL, NULL, &r), "covers-hidden-register");
	/* A quirk is not a layout. */
	{
		struct pcl_layout *q = pcl_layout_new(ctx, PCL_LAYOUT_KIND_QUIRK);
		struct pcl_report *r2 = NULL;

		assert_int_equal(pcl_check(q, c, NULL, NULL, NULL, &r2), -EINVAL);
		pcl_layout_free(q);
	}
	pcl_report_free(r);
	pcl_layout_free(l);
	pcl_cfg_free(c);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_passes_and_failures),
		cmocka_unit_test(test_virtual_hazards),
		cmocka_unit_test(test_vf_pasid_from_pf),
		cmocka_unit_test(test_vf_marked_after_analysis),
		cmocka_unit_test(test_relocation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
