// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_props.c - the properties of tests/lib/props.h over every function
 * of every corpus dump (../shared/corpus): the default plan and a plan
 * with a virtual PASID of each; the same device with a free-space DVSEC
 * injected (as a vfio-pci variant driver would show it); and a pool of the
 * device with hidden registers added on some hosts for unify. Every
 * violation is listed with its dump; the counts of inputs each property
 * was checked on are printed and must not fall below what the corpus
 * gives (so a property cannot pass by not running).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "props.h"

enum { P_CHECK, P_SYNTH, P_ORDER, P_GAPS, P_VIEW, P_UNIFY, P_COUNT };

static const char *const prop_names[P_COUNT] = {
	"check accepts plan", "walk(synth(plan)) = plan, in link order",
	"plan links in the device's order",
	"gaps' first window = plan's gap or DVSEC rule",
	"plan and synth of the vfio-pci view = of the device",
	"unify's hosts pass check",
};

struct tally {
	size_t holds[P_COUNT];
	size_t fails;
	size_t functions;
};

static void count(struct tally *t, int prop, int r, const char *name,
		  const char *msg)
{
	if (r == PROP_HOLDS)
		t->holds[prop]++;
	if (r != PROP_FAILS)
		return;
	if (t->fails++ < 20)
		print_error("%s: %s: %s\n", name, prop_names[prop], msg);
}

static const uint32_t allow = PCL_PLAN_ALLOW_BROKEN | PCL_PLAN_ALLOW_STANDARD_ONLY;

/* plan, check, synth (and gaps for a plan with a virtual PASID). */
static void plan_props(struct tally *t, const struct pcl_cfg *cfg, bool pasid,
		       const char *name)
{
	struct pcl_layout *l = NULL;
	char msg[512];
	int r = prop_plan(cfg, pasid, allow, &l);

	if (r == 0) {
		count(t, P_CHECK, prop_check_accepts_plan(cfg, l, msg, sizeof(msg)),
		      name, msg);
		count(t, P_SYNTH, prop_synth_walks_to_plan(cfg, l, msg, sizeof(msg)),
		      name, msg);
		count(t, P_ORDER,
		      prop_device_link_order(cfg, NULL, l, msg, sizeof(msg)),
		      name, msg);
		if (pasid)
			count(t, P_GAPS, prop_gaps_first(cfg, l, NULL, msg, sizeof(msg)),
			      name, msg);
	}
	count(t, P_VIEW, prop_vfio_view(cfg, NULL, r, l, pasid, allow, msg,
					sizeof(msg)),
	      name, msg);
	pcl_layout_free(l);
}

/* The device as a variant driver would show it with a free-space DVSEC. */
static void dvsec_props(struct tally *t, const struct pcl_cfg *cfg,
			const char *name)
{
	struct pcl_range r = { .start = 0xe00, .length = 0x100,
			       .kind = PCL_RANGE_FREE };
	struct pcl_walk *w = pcl_walk_new(cfg);
	struct pcl_cfg *out = NULL;
	char n2[320];

	if (w && pcl_dvsec_inject(w, &r, 1, NULL, &out, NULL, NULL) == 0) {
		snprintf(n2, sizeof(n2), "%s+dvsec", name);
		plan_props(t, out, true, n2);
	}
	pcl_cfg_free(out);
	pcl_walk_free(w);
}

/* Hidden registers added where the device has zeros: one host each. */
static void unify_props(struct tally *t, struct pcl_ctx *ctx,
			const struct pcl_cfg *cfg, const char *name)
{
	uint8_t hosts[3][PCL_CFG_SIZE];
	const uint8_t *data[3] = { hosts[0], hosts[1], hosts[2] };
	static const uint32_t stray[2] = { 0xff9, 0x7f1 };
	char msg[512];

	if (!pcl_cfg_is_read(cfg, 0, PCL_CFG_SIZE))
		return; /* a partial read is not a whole host */
	for (int i = 0; i < 3; i++)
		memcpy(hosts[i], pcl_cfg_data(cfg), PCL_CFG_SIZE);
	for (int i = 0; i < 2; i++)
		if (!hosts[i + 1][stray[i]])
			hosts[i + 1][stray[i]] = 0x5a;
	count(t, P_UNIFY, prop_unify_admitted(ctx, data, 3, msg, sizeof(msg)),
	      name, msg);
}

static void run_file(struct tally *t, struct pcl_ctx *ctx, const char *dir,
		     const char *file)
{
	char path[1024], name[300];
	struct pcl_cfg **cfgs = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (pcl_cfg_load(ctx, path, &cfgs, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s#%zu", file, i + 1);
		t->functions++;
		plan_props(t, cfgs[i], false, name);
		plan_props(t, cfgs[i], true, name);
		dvsec_props(t, cfgs[i], name);
		unify_props(t, ctx, cfgs[i], name);
	}
	pcl_cfg_list_free(cfgs, n);
}

static void test_corpus_properties(void **state)
{
	const char *dir = getenv("PCL_CORPUS");
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct tally t = { 0 };
	struct dirent *de;
	DIR *d;

	(void)state;
	if (!dir || !(d = opendir(dir))) {
		pcl_ctx_free(ctx);
		skip();
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if ((len > 6 && !strcmp(de->d_name + len - 6, ".lspci")) ||
		    (len > 4 && !strcmp(de->d_name + len - 4, ".bin")))
			run_file(&t, ctx, dir, de->d_name);
	}
	closedir(d);
	pcl_ctx_free(ctx);
	print_message("%zu corpus functions\n", t.functions);
	for (int p = 0; p < P_COUNT; p++)
		print_message("  %-48s held on %zu inputs\n", prop_names[p],
			      t.holds[p]);
	assert_int_equal(t.fails, 0);
	/* The corpus has ~100 functions: a property checked on far fewer did
	 * not really run. */
	assert_true(t.functions >= 90);
	assert_true(t.holds[P_CHECK] >= 150);
	assert_true(t.holds[P_SYNTH] >= 150);
	assert_true(t.holds[P_GAPS] >= 40);
	assert_true(t.holds[P_VIEW] >= 80);
	assert_true(t.holds[P_UNIFY] >= 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
