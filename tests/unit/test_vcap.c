// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_vcap.c - the table of virtual-capability generators: every row is
 * consistent (its name finds it, its length is what its synth fills, its
 * parameters have distinct indices); every generator's parameters survive
 * the layout file both ways (the codec is its table row); the range rules;
 * merging (the smallest width, equal serials); verify derives on the
 * device (a narrower IOMMU refuses, the PF's PASID is found among orphans
 * too); and synth gives the registers and access rules a guest relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "builder.h"
#include "vcap/vcap.h"

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

static void test_table(void **state)
{
	size_t n = 0;

	for (size_t i = 0; i < vcap_count(); i++) {
		const struct vcap_gen *g = vcap_at(i);

		if (!g)
			continue;
		n++;
		assert_int_equal(g->generator, (int)i);
		assert_ptr_equal(vcap_by_name(g->name), g);
		assert_string_equal(pcl_generator_name(g->generator), g->name);
		assert_non_null(g->synth);
		for (size_t a = 0; a < g->n_params; a++) {
			assert_true(g->params[a].index < PCL_VCAP_MAX_PARAMS);
			for (size_t b = a + 1; b < g->n_params; b++)
				assert_int_not_equal(g->params[a].index,
						     g->params[b].index);
		}
		if (g->derive) {
			/* Made from parameters: a fixed ID, space and size. */
			assert_true(g->id > 0 && g->space >= 0 && g->length);
			assert_ptr_equal(vcap_for_cap(g->space, (uint16_t)g->id), g);
			assert_non_null(g->source_code);
		}
	}
	assert_int_equal(n, 4);
	assert_null(vcap_get(0));
	assert_null(vcap_get(99));
	assert_null(vcap_by_name("ats"));
	assert_true(vcap_reads(PCL_SPACE_EXTENDED, PCL_EXT_CAP_ID_PASID));
	assert_false(vcap_reads(PCL_SPACE_EXTENDED, PCL_EXT_CAP_ID_AER));
}

static const char *layout_with(const char *virt)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "{\"pcilayout\": 1, \"name\": \"t\", \"revision\": 1,"
		 " \"extended\": [{\"id\": \"null\", \"at\": \"0x100\","
		 " \"virtual\": {\"generator\": \"null\"}}, %s]}",
		 virt);
	return buf;
}

/* Load @virt, save, load again: same parameters, same canonical text. */
static const struct pcl_layout_entry *round_trip(const char *virt,
						 struct pcl_layout **keep)
{
	struct pcl_layout *l = NULL, *l2 = NULL;
	const char *text = layout_with(virt);
	char *out = NULL, *out2 = NULL;
	const struct pcl_layout_entry *a, *b;

	assert_int_equal(pcl_layout_load_string(ctx, text, strlen(text), NULL,
						&l, NULL), 0);
	assert_int_equal(pcl_layout_to_string(l, &out, NULL), 0);
	assert_int_equal(pcl_layout_load_string(ctx, out, strlen(out), NULL,
						&l2, NULL), 0);
	assert_int_equal(pcl_layout_to_string(l2, &out2, NULL), 0);
	assert_string_equal(out, out2);
	a = pcl_layout_entry(l, PCL_SPACE_EXTENDED, 1);
	b = pcl_layout_entry(l2, PCL_SPACE_EXTENDED, 1);
	assert_true(vcap_params_equal(a, b));
	free(out);
	free(out2);
	pcl_layout_free(l2);
	*keep = l;
	return a;
}

static void test_codec(void **state)
{
	struct pcl_layout *l;
	const struct pcl_layout_entry *e;
	char d[128];

	e = round_trip("{\"id\": \"pasid\", \"at\": \"0xff8\", \"virtual\":"
		       " {\"generator\": \"pasid\", \"max_width\": 16, \"priv\": true}}",
		       &l);
	assert_int_equal(e->params[PCL_PASID_MAX_WIDTH], 16);
	assert_int_equal(e->params[PCL_PASID_EXEC], 0);
	assert_int_equal(e->params[PCL_PASID_PRIV], 1);
	assert_int_equal(e->length, 8);
	assert_string_equal(pcl_vcap_describe(e, d, sizeof(d)),
			    "pasid max_width 16, exec false, priv true");
	pcl_layout_free(l);
	e = round_trip("{\"id\": \"dsn\", \"at\": \"0x140\", \"virtual\":"
		       " {\"generator\": \"dsn\", \"serial\": \"from-pf\"}}", &l);
	assert_int_equal(e->params[PCL_DSN_FROM_PF], 1);
	assert_string_equal(pcl_vcap_describe(e, d, sizeof(d)),
			    "dsn serial from-pf");
	pcl_layout_free(l);
	e = round_trip("{\"id\": \"dsn\", \"at\": \"0x140\", \"virtual\":"
		       " {\"generator\": \"dsn\", \"serial\": 4660}}", &l);
	assert_int_equal(e->params[PCL_DSN_FROM_PF], 0);
	assert_int_equal(e->params[PCL_DSN_SERIAL], 0x1234);
	pcl_layout_free(l);
	e = round_trip("{\"id\": \"0x2a\", \"at\": \"0x200\", \"virtual\":"
		       " {\"generator\": \"bytes\", \"data\": \"2a000100aabbccdd\"}}",
		       &l);
	assert_int_equal(e->length, 8);
	assert_int_equal(e->data[4], 0xaa);
	pcl_layout_free(l);
}

static void test_rules(void **state)
{
	struct pcl_layout_entry e;
	char why[256];

	pcl_layout_entry_init(&e);
	e.kind = PCL_ENTRY_VIRTUAL;
	e.space = PCL_SPACE_EXTENDED;
	e.id = PCL_EXT_CAP_ID_PASID;
	e.generator = PCL_GEN_PASID;
	e.params[PCL_PASID_MAX_WIDTH] = 20;
	assert_int_equal(vcap_check(&e, why, sizeof(why)), 0);
	e.params[PCL_PASID_MAX_WIDTH] = 21;
	assert_int_equal(vcap_check(&e, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "max_width must be 0 to 20"));
	e.params[PCL_PASID_MAX_WIDTH] = 8;
	e.params[3] = 1; /* no such parameter */
	assert_int_equal(vcap_check(&e, why, sizeof(why)), -EINVAL);
	e.params[3] = 0;
	e.id = PCL_EXT_CAP_ID_DSN;
	assert_int_equal(vcap_check(&e, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "makes only the extended 'pasid'"));
	e.generator = PCL_GEN_DSN;
	memset(e.params, 0, sizeof(e.params));
	e.params[PCL_DSN_FROM_PF] = 1;
	e.params[PCL_DSN_SERIAL] = 5;
	assert_int_equal(vcap_check(&e, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "from-pf"));
}

static void test_merge(void **state)
{
	uint64_t a[PCL_VCAP_MAX_PARAMS] = { 20, 1, 1 };
	uint64_t b[PCL_VCAP_MAX_PARAMS] = { 16, 1, 0 };
	uint64_t s1[PCL_VCAP_MAX_PARAMS] = { 0, 7 }, s2[PCL_VCAP_MAX_PARAMS] = { 0, 8 };

	assert_true(vcap_merge(&vcap_gen_pasid, a, b));
	assert_int_equal(a[PCL_PASID_MAX_WIDTH], 16);
	assert_int_equal(a[PCL_PASID_EXEC], 1);
	assert_int_equal(a[PCL_PASID_PRIV], 0);
	assert_false(vcap_merge(&vcap_gen_dsn, s1, s2));
}

/*
 * A PF with PASID Capability @cap and Control @ctrl, linked or unlinked
 * (an orphan, as vfio-pci shows it).
 */
static struct pcl_cfg *pasid_device(uint16_t cap, uint16_t ctrl, bool linked)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x1234, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	tb_ext(&b, 0x100, PCL_EXT_CAP_ID_AER, 2);
	if (linked) {
		tb_ext(&b, 0x200, PCL_EXT_CAP_ID_PASID, 1);
	} else {
		tb_w32(&b, 0x200, PCL_EXT_CAP_HDR(PCL_EXT_CAP_ID_PASID, 1, 0));
	}
	tb_w16(&b, 0x204, cap);
	tb_w16(&b, 0x206, ctrl);
	return tb_cfg(ctx, &b);
}

static const char *verify(const struct pcl_layout_entry *e,
			  struct vcap_inputs *in)
{
	static char code[32];
	struct pcl_report *r = pcl_report_new();

	vcap_verify(e, in, r);
	code[0] = '\0';
	for (size_t i = 0; i < pcl_report_count(r); i++)
		if (pcl_report_get(r, i)->severity == PCL_SEVERITY_ERROR) {
			snprintf(code, sizeof(code), "%s", pcl_report_get(r, i)->code);
			break;
		}
	pcl_report_free(r);
	return code;
}

static void test_verify(void **state)
{
	struct pcl_layout_entry e;
	struct pcl_cfg *vf = pasid_device(0, 0, false);
	struct pcl_walk *vw = pcl_walk_new(vf);

	pcl_layout_entry_init(&e);
	e.kind = PCL_ENTRY_VIRTUAL;
	e.space = PCL_SPACE_EXTENDED;
	e.id = PCL_EXT_CAP_ID_PASID;
	e.generator = PCL_GEN_PASID;
	e.at = 0xff8;
	e.params[PCL_PASID_MAX_WIDTH] = 16;
	e.params[PCL_PASID_EXEC] = 1;
	for (int linked = 0; linked < 2; linked++) {
		/* width 16, execute and privileged, enabled with execute: the
		 * PF's PASID, in its chain or not */
		struct pcl_cfg *pf = pasid_device(0x1006, 0x0003, linked);
		struct pcl_walk *pw = pcl_walk_new(pf);
		struct vcap_inputs in = { .cfg = vf, .walk = vw, .pf = pf,
					  .pf_walk = pw, .is_vf = true,
					  .src = "vf" };

		assert_string_equal(verify(&e, &in), "");
		in.iommu = (struct vcap_iommu){ .given = true, .max_width = 8,
						.exec = true };
		assert_string_equal(verify(&e, &in), "pasid-width");
		in.iommu.max_width = 20;
		in.iommu.exec = false;
		assert_string_equal(verify(&e, &in), "pasid-exec");
		/* Privileged is supported but not enabled on the PF. */
		in.iommu.given = false;
		e.params[PCL_PASID_PRIV] = 1;
		assert_string_equal(verify(&e, &in), "pasid-priv");
		e.params[PCL_PASID_PRIV] = 0;
		in.pf = NULL;
		in.pf_walk = NULL;
		assert_string_equal(verify(&e, &in), "pasid-source");
		pcl_walk_free(pw);
		pcl_cfg_free(pf);
	}
	/* The PF's PASID disabled: refused, unless allowed (then what it can). */
	{
		struct pcl_cfg *pf = pasid_device(0x1006, 0, true);
		struct pcl_walk *pw = pcl_walk_new(pf);
		struct vcap_inputs in = { .cfg = vf, .walk = vw, .pf = pf,
					  .pf_walk = pw, .is_vf = true,
					  .src = "vf" };

		assert_string_equal(verify(&e, &in), "pasid-source");
		in.allow_pasid_disabled = true;
		assert_string_equal(verify(&e, &in), "");
		pcl_walk_free(pw);
		pcl_cfg_free(pf);
	}
	pcl_walk_free(vw);
	pcl_cfg_free(vf);
}

static void test_synth(void **state)
{
	struct pcl_layout_entry e;
	struct pcl_guest_options o = { 0 };
	uint8_t img[16];
	struct pcl_guest_rule rule[16];
	struct vcap_synth s = { .img = img, .rule = rule };
	char why[128];

	pcl_layout_entry_init(&e);
	e.kind = PCL_ENTRY_VIRTUAL;
	e.space = PCL_SPACE_EXTENDED;
	e.id = PCL_EXT_CAP_ID_PASID;
	e.generator = PCL_GEN_PASID;
	e.at = 0xff8;
	e.params[PCL_PASID_MAX_WIDTH] = 16;
	e.params[PCL_PASID_PRIV] = 1;
	assert_int_equal(vcap_gen_pasid.synth(&e, &o, &s, why, sizeof(why)), 0);
	assert_int_equal(img[0], PCL_EXT_CAP_ID_PASID);
	assert_int_equal(img[2], 0x01);		  /* version 1 */
	assert_int_equal(img[4], 0x04);		  /* privileged, no execute */
	assert_int_equal(img[5], 16);		  /* width */
	assert_int_equal(img[6] | img[7], 0);	  /* control: disabled */
	assert_int_equal(rule[6].wmask, 0x05);	  /* enable + privileged enable */
	assert_int_equal(rule[6].hook, 1);
	assert_int_equal(rule[4].wmask, 0);
	assert_int_equal(s.hook.type, PCL_HOOK_PASID);
	assert_int_equal(s.hook.offset, 6);

	e.id = PCL_EXT_CAP_ID_DSN;
	e.generator = PCL_GEN_DSN;
	memset(e.params, 0, sizeof(e.params));
	e.params[PCL_DSN_FROM_PF] = 1;
	memset(&s.hook, 0, sizeof(s.hook));
	assert_int_equal(vcap_gen_dsn.synth(&e, &o, &s, why, sizeof(why)), -EINVAL);
	o.flags = PCL_GUEST_OPT_PF_SERIAL;
	o.pf_serial = 0x1122334455667788ull;
	assert_int_equal(vcap_gen_dsn.synth(&e, &o, &s, why, sizeof(why)), 0);
	assert_int_equal(img[4], 0x88);
	assert_int_equal(img[11], 0x11);
	assert_int_equal(s.hook.type, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_synth),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
