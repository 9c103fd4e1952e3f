// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_diff.c - semantic diff and its verdicts: diff(X, X) is identical
 * (for built layouts and every corpus dump's plan), annotations never
 * matter, a moved/added/removed/resized entry or changed vPASID breaks
 * migration, a hidden entry equals an absent one, vendor-specific bodies
 * follow the machine type (QEMU's skip-vsc-check), layouts of different
 * devices are incompatible, and the migration key agrees with the verdict.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "builder.h"

static struct pcl_layout *base(struct pcl_ctx *ctx, const char *name)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_layout_match m = { .fields = PCL_MATCH_DEVICE,
				      .vendor = 0x8086, .device = 0x1234 };
	struct pcl_layout_entry e;

	assert_int_equal(pcl_layout_set_name(l, name), 0);
	assert_int_equal(pcl_layout_set_match(l, &m), 0);
	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_STANDARD;
	e.id = 0x01;
	e.at = 0x40;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	e.space = PCL_SPACE_EXTENDED;
	e.id = 0x01;
	e.at = 0x100;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	e.id = 0x03;
	e.at = 0x140;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	return l;
}

static void add_pasid(struct pcl_layout *l, int32_t at, uint8_t width)
{
	struct pcl_layout_entry e;

	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_EXTENDED;
	e.kind = PCL_ENTRY_VIRTUAL;
	e.generator = PCL_GEN_PASID;
	e.id = 0x1b;
	e.at = at;
	e.params[PCL_PASID_MAX_WIDTH] = width;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
}

static void add_vndr(struct pcl_layout *l, uint8_t body)
{
	uint8_t data[8] = { 0x09, 0x00, 0x08, 0x01, body, 0, 0, 0 };
	struct pcl_layout_entry e;

	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_STANDARD;
	e.kind = PCL_ENTRY_VIRTUAL;
	e.generator = PCL_GEN_BYTES;
	e.id = 0x09;
	e.at = 0xc8;
	e.length = 8;
	e.data = data;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
}

static int verdict(const struct pcl_layout *a, const struct pcl_layout *b,
		   int rule, const char *machine, const char *code)
{
	struct pcl_diff *d = NULL;
	char ka[PCL_FINGERPRINT_SIZE], kb[PCL_FINGERPRINT_SIZE];
	int v, strict;
	bool seen = code == NULL;

	assert_int_equal(pcl_diff(a, b, rule, machine, &d), 0);
	v = pcl_diff_verdict(d);
	for (size_t i = 0; i < pcl_diff_count(d); i++)
		if (code && !strcmp(pcl_diff_get(d, i)->code, code))
			seen = true;
	assert_true(seen);
	/* The migration key says the same as the verdict. */
	strict = pcl_diff_vsc_rule(d, NULL);
	assert_int_equal(pcl_layout_migration_key(a, strict, ka), 0);
	assert_int_equal(pcl_layout_migration_key(b, strict, kb), 0);
	if (strcmp(code ? code : "", "different-device"))
		assert_int_equal(strcmp(ka, kb) == 0, v != PCL_VERDICT_INCOMPATIBLE);
	pcl_diff_free(d);
	return v;
}

static void test_self_and_annotations(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *a = base(ctx, "a"), *b = base(ctx, "b");

	add_pasid(a, 0xff8, 20);
	add_pasid(b, 0xff8, 20);
	assert_int_equal(verdict(a, a, PCL_VSC_AUTO, NULL, NULL), PCL_VERDICT_IDENTICAL);
	assert_int_equal(pcl_layout_set_revision(b, 7), 0);
	assert_int_equal(pcl_layout_add_machine(b, "pc-q35-10.*"), 0);
	assert_int_equal(pcl_layout_set_description(b, "other words"), 0);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "revision"),
			 PCL_VERDICT_IDENTICAL);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "name"),
			 PCL_VERDICT_IDENTICAL);
	pcl_layout_free(a);
	pcl_layout_free(b);
	pcl_ctx_free(ctx);
}

static void test_breaking_changes(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *a = base(ctx, "a"), *b;
	struct pcl_layout_entry e;

	add_pasid(a, 0xff8, 20);
	/* Moved vPASID. */
	b = base(ctx, "a");
	add_pasid(b, 0xff0, 20);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "moved"),
			 PCL_VERDICT_INCOMPATIBLE);
	pcl_layout_free(b);
	/* Other parameters. */
	b = base(ctx, "a");
	add_pasid(b, 0xff8, 16);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "virtual-params"),
			 PCL_VERDICT_INCOMPATIBLE);
	pcl_layout_free(b);
	/* Removed, and the reverse: added. */
	b = base(ctx, "a");
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "removed"),
			 PCL_VERDICT_INCOMPATIBLE);
	assert_int_equal(verdict(b, a, PCL_VSC_AUTO, NULL, "added"),
			 PCL_VERDICT_INCOMPATIBLE);
	/* A capability hidden in one and absent in the other: the same view. */
	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_EXTENDED;
	e.kind = PCL_ENTRY_HIDDEN;
	e.id = 0x10;
	e.at = -1;
	assert_int_equal(pcl_layout_add_entry(b, &e), 0);
	add_pasid(b, 0xff8, 20);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "hide-absent"),
			 PCL_VERDICT_IDENTICAL);
	pcl_layout_free(b);
	/* Another unclaimed policy. */
	b = base(ctx, "a");
	add_pasid(b, 0xff8, 20);
	assert_int_equal(pcl_layout_set_unclaimed(b, PCL_UNCLAIMED_ZERO), 0);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "unclaimed"),
			 PCL_VERDICT_INCOMPATIBLE);
	pcl_layout_free(b);
	/* Another device. */
	b = base(ctx, "a");
	add_pasid(b, 0xff8, 20);
	{
		struct pcl_layout_match m = { .fields = PCL_MATCH_DEVICE,
					      .vendor = 0x8086, .device = 0x4321 };

		assert_int_equal(pcl_layout_set_match(b, &m), 0);
	}
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "different-device"),
			 PCL_VERDICT_INCOMPATIBLE);
	pcl_layout_free(b);
	pcl_layout_free(a);
	pcl_ctx_free(ctx);
}

static void test_vendor_specific(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *a = base(ctx, "a"), *b = base(ctx, "a");
	int ma, mi;

	add_vndr(a, 0x11);
	add_vndr(b, 0x22);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "vsc-body"),
			 PCL_VERDICT_COMPATIBLE);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, "pc-q35-10.1", "vsc-body"),
			 PCL_VERDICT_COMPATIBLE);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, "pc-q35-9.0", "vsc-body"),
			 PCL_VERDICT_INCOMPATIBLE);
	assert_int_equal(verdict(a, b, PCL_VSC_STRICT, NULL, "vsc-body"),
			 PCL_VERDICT_INCOMPATIBLE);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, "q35", "vsc-body"),
			 PCL_VERDICT_COMPATIBLE);
	/* A layout for old machine types makes the rule strict. */
	assert_int_equal(pcl_layout_add_machine(b, "pc-i440fx-8.*"), 0);
	assert_int_equal(verdict(a, b, PCL_VSC_AUTO, NULL, "vsc-body"),
			 PCL_VERDICT_INCOMPATIBLE);

	assert_int_equal(pcl_machine_version("pc-q35-10.1", &ma, &mi), 0);
	assert_int_equal(ma, 10);
	assert_int_equal(mi, 1);
	assert_int_equal(pcl_machine_version("virt-9.*", &ma, &mi), 0);
	assert_int_equal(mi, -1);
	assert_int_equal(pcl_machine_version("q35", &ma, &mi), -EINVAL);
	assert_int_equal(pcl_machine_version("pc-q35-10.1x", &ma, &mi), -EINVAL);
	pcl_layout_free(a);
	pcl_layout_free(b);
	pcl_ctx_free(ctx);
}

/* diff(plan(dev), plan(dev)) is identical for every corpus dump. */
static void test_corpus_self(void **state)
{
	const char *dir = getenv("PCL_CORPUS");
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		pcl_ctx_free(ctx);
		skip();
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct pcl_cfg **cfgs = NULL;
		size_t count = 0;
		char path[4096];

		if (len < 6 || strcmp(de->d_name + len - 6, ".lspci"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (pcl_cfg_load(ctx, path, &cfgs, &count, NULL) < 0)
			continue;
		for (size_t i = 0; i < count; i++) {
			struct pcl_plan_request *req = pcl_plan_request_new(ctx);
			struct pcl_layout *l = NULL;
			struct pcl_diff *df = NULL;

			pcl_plan_request_set_cfg(req, cfgs[i], NULL);
			if (pcl_plan(req, &l, NULL) == 0) {
				assert_int_equal(pcl_diff(l, l, PCL_VSC_STRICT, NULL, &df), 0);
				if (pcl_diff_verdict(df) != PCL_VERDICT_IDENTICAL)
					fail_msg("%s: diff with itself is not identical", path);
				assert_int_equal(pcl_diff_count(df), 0);
				pcl_diff_free(df);
				n++;
			}
			pcl_layout_free(l);
			pcl_plan_request_free(req);
		}
		pcl_cfg_list_free(cfgs, count);
	}
	closedir(d);
	assert_true(n > 50);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_and_annotations),
		cmocka_unit_test(test_breaking_changes),
		cmocka_unit_test(test_vendor_specific),
		cmocka_unit_test(test_corpus_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
