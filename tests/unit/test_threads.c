// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_threads.c - what <pcilayout/common.h> promises about threads: one
 * context shared by several threads that start together (so their first
 * name lookups race to load pci.ids), each looking names up, reading every
 * live function through sysfs, loading dumps and layout files, walking, mapping with one shared quirk database,
 * reading the findings of one shared map (formatted on first use),
 * reading the findings of one shared walk (their messages made on first
 * use), planning and building on shared cfgs (whose walk and vfio-pci view
 * are made on first use and kept, lib/walk/memo.h),
 * analysing hosts for a unify or survey pool (pcl_fleet_host_new()),
 * planning, building guest views and running engines - all while the
 * context logs at debug priority from every thread. Every thread must get
 * exactly what one thread alone gets on a fresh context.
 *
 * Also: threads sharing a quirk database race to parse the built-in copy
 * of a shipped quirk the first time a device matches it.
 *
 * It proves little by itself: scripts/check-hardening.sh runs it in a
 * ThreadSanitizer build, where any data race fails it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"
#include "quirks/builtin.h"

#define NTHREADS 4
#define MAX_FILES 32
#define MAX_CFGS 64
#define CORPUS_FILES 12

/* IDs of the fixture pci.ids and some it lacks. */
static const uint16_t dev_ids[][2] = {
	{ 0x0001, 0x0001 }, { 0x0001, 0x00ab }, { 0xabcd, 0xef01 },
	{ 0x0001, 0xffff }, { 0x1111, 0x2222 }, { 0x00fd, 0x0001 },
};
static const uint32_t class_ids[] = { 0x020000, 0x0203ff, 0x0c0330, 0x123456 };
#define PCL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NNAMES (PCL_ARRAY_LEN(dev_ids) + PCL_ARRAY_LEN(class_ids))

struct shared {
	struct pcl_ctx *ctx;
	const struct pcl_quirks *quirks;
	const struct pcl_map *map;
	/* Planned by every thread: the hidden-register NIC and a broken
	 * chain (refused, with the walk's messages in the refusal). */
	const struct pcl_cfg *shared_cfg[2];
	const struct pcl_walk *walk; /* of the broken chain */
	char *files[MAX_FILES];
	size_t nfiles;
	char *layouts[8];
	size_t nlayouts;
};

/* Every thread waits here, so that their first calls collide. */
static pthread_barrier_t start_line;

/* What one thread saw: compared between threads and with a serial run. */
struct result {
	char names[NNAMES][128];
	/* Slots MAX_CFGS and MAX_CFGS + 1: the shared cfgs. */
	char plan_fp[MAX_CFGS + 2][PCL_FINGERPRINT_SIZE];
	uint32_t image_sum[MAX_CFGS + 2];
	size_t walk_findings_len;
	size_t ncfgs;
	char layout_fp[8][PCL_FINGERPRINT_SIZE];
	size_t map_findings_len;
	uint32_t live_ids[MAX_CFGS]; /* vendor << 16 | device, through sysfs */
	size_t nlive;
	size_t fleet_hosts; /* analysed for a pool (pcl_fleet_host_new()) */
	int failures;
};

struct worker {
	struct shared *sh;
	struct result res;
	pthread_t thread;
};

static atomic_ulong log_lines;

static void count_log(void *opaque, int prio, const char *file, int line,
		      const char *fn, const char *msg)
{
	atomic_fetch_add(&log_lines, 1);
}

static void lookup_names(struct pcl_ctx *ctx, struct result *r)
{
	size_t k = 0;

	for (size_t i = 0; i < PCL_ARRAY_LEN(dev_ids); i++, k++)
		pcl_names_device(ctx, dev_ids[i][0], dev_ids[i][1],
				 r->names[k], sizeof(r->names[k]));
	for (size_t i = 0; i < PCL_ARRAY_LEN(class_ids); i++, k++)
		pcl_names_class(ctx, class_ids[i], r->names[k],
				sizeof(r->names[k]));
}

/* Plan a virtual PASID, build the guest view, read it all through an engine. */
static void plan_and_run(struct shared *sh, const struct pcl_cfg *cfg,
			 const struct pcl_walk *w, struct result *r, size_t slot)
{
	static const struct pcl_plan_pasid pasid = {
		.flags = PCL_PLAN_PASID_IOMMU, .iommu_max_width = 20,
	};
	struct pcl_plan_request *req = pcl_plan_request_new(sh->ctx);
	struct pcl_layout *l = NULL;
	struct pcl_guest *g = NULL;
	struct pcl_backend *be = NULL;
	struct pcl_vdev *v = NULL;
	struct pcl_vdev_backend ops;
	uint32_t sum = 0, val;

	if (!req || pcl_plan_request_set_cfg(req, cfg, w) ||
	    pcl_plan_request_set_quirks(req, sh->quirks) ||
	    pcl_plan_request_add_pasid(req, &pasid)) {
		r->failures++;
		goto out;
	}
	/* A device without room is refused: that is an answer too. */
	if (pcl_plan(req, &l, NULL) < 0) {
		strcpy(r->plan_fp[slot], "refused");
		goto out;
	}
	if (pcl_layout_fingerprint(l, r->plan_fp[slot]) ||
	    pcl_guest_build(sh->ctx, l, cfg, NULL, &g, NULL)) {
		r->failures++;
		goto out;
	}
	be = pcl_backend_sim_new(cfg);
	if (!be) {
		r->failures++;
		goto out;
	}
	pcl_backend_ops(be, &ops);
	v = pcl_vdev_new(g, &ops, NULL);
	for (uint32_t off = 0; v && off < PCL_CFG_SIZE; off += 4)
		if (pcl_vdev_read(v, off, 4, &val) == 0)
			sum = sum * 31 + val;
	if (!v)
		r->failures++;
	r->image_sum[slot] = sum;
out:
	pcl_vdev_free(v);
	pcl_backend_free(be);
	pcl_guest_free(g);
	pcl_layout_free(l);
	pcl_plan_request_free(req);
}

static void analyse_file(struct shared *sh, const char *path, struct result *r)
{
	struct pcl_cfg **cfgs = NULL;
	size_t n = 0;

	if (pcl_cfg_load(sh->ctx, path, &cfgs, &n, NULL) < 0) {
		r->failures++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct pcl_walk *w = pcl_walk_new(cfgs[i]);
		struct pcl_range *q = NULL;
		struct pcl_map *m = NULL;
		size_t nq = 0;

		if (!w || pcl_quirks_reserved(sh->quirks, cfgs[i], &q, &nq) ||
		    !(m = pcl_map_new(w, q, nq)))
			r->failures++;
		for (size_t f = 0; m && f < pcl_map_finding_count(m); f++)
			if (!pcl_map_finding(m, f)->message)
				r->failures++;
		if (w && r->ncfgs < MAX_CFGS)
			plan_and_run(sh, cfgs[i], w, r, r->ncfgs++);
		pcl_map_free(m);
		pcl_range_list_free(q, nq);
		pcl_walk_free(w);
	}
	/* Analysed for a pool, as unify's and survey's readers do. */
	for (size_t i = 0; i < n; i++) {
		struct pcl_fleet_host *h = pcl_fleet_host_new(cfgs[i], sh->quirks);

		cfgs[i] = NULL;
		if (h)
			r->fleet_hosts++;
		else
			r->failures++;
		pcl_fleet_host_free(h);
	}
	pcl_cfg_list_free(cfgs, n);
}

/* Identities only: live registers (status bits...) may change meanwhile. */
static void read_live(struct pcl_ctx *ctx, struct result *r)
{
	struct pcl_cfg **cfgs = NULL;
	struct pcl_identity id;
	size_t n = 0;

	if (pcl_cfg_read_all_devices(ctx, &cfgs, &n, NULL) < 0) {
		r->failures++;
		return;
	}
	for (size_t i = 0; i < n && r->nlive < MAX_CFGS; i++) {
		pcl_cfg_identity(cfgs[i], &id);
		r->live_ids[r->nlive++] =
			((uint32_t)id.vendor_id << 16) | id.device_id;
	}
	pcl_cfg_list_free(cfgs, n);
}

static void run(struct shared *sh, struct result *r)
{
	size_t len = 0;

	lookup_names(sh->ctx, r);
	read_live(sh->ctx, r);
	for (size_t i = 0; i < sh->nfiles; i++)
		analyse_file(sh, sh->files[i], r);
	for (size_t i = 0; i < sh->nlayouts; i++) {
		struct pcl_layout *l = NULL;

		if (pcl_layout_load_file(sh->ctx, sh->layouts[i], &l, NULL) ||
		    pcl_layout_fingerprint(l, r->layout_fp[i]))
			r->failures++;
		pcl_layout_free(l);
	}
	/* The shared map formats its findings on first use, in any thread. */
	for (size_t f = 0; f < pcl_map_finding_count(sh->map); f++)
		len += strlen(pcl_map_finding(sh->map, f)->message);
	r->map_findings_len = len;
	/* So does the shared walk; the cfgs make their walks on first use. */
	len = 0;
	for (size_t f = 0; f < pcl_walk_finding_count(sh->walk); f++)
		len += strlen(pcl_walk_finding(sh->walk, f)->message);
	r->walk_findings_len = len;
	for (size_t i = 0; i < 2; i++)
		plan_and_run(sh, sh->shared_cfg[i], NULL, r, MAX_CFGS + i);
}

static void *thread_main(void *arg)
{
	struct worker *wk = arg;

	pthread_barrier_wait(&start_line);
	run(wk->sh, &wk->res);
	return NULL;
}

static int add_dir(const char *dir, const char *suffix,
		   char **list, size_t *n, size_t max, size_t limit)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, NULL, alphasort);
	size_t added = 0;

	if (k < 0)
		return -1;
	for (int i = 0; i < k; i++) {
		size_t len = strlen(ents[i]->d_name), sl = strlen(suffix);

		if (*n < max && added < limit && len > sl &&
		    strcmp(ents[i]->d_name + len - sl, suffix) == 0 &&
		    asprintf(&list[*n], "%s/%s", dir, ents[i]->d_name) > 0) {
			(*n)++;
			added++;
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

static void setup_shared(struct shared *sh, const char *src,
			 struct pcl_quirks **quirks, struct pcl_cfg ***cfgs,
			 size_t *ncfgs, struct pcl_walk **w, struct pcl_map **m,
			 struct pcl_cfg ***broken, size_t *nbroken,
			 struct pcl_walk **bw)
{
	const char *corpus = getenv("PCL_CORPUS");
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fixtures/names/pci.ids", src);
	assert_int_equal(setenv("PCILAYOUT_PCI_IDS", path, 1), 0);
	sh->ctx = pcl_ctx_new();
	assert_non_null(sh->ctx);
	pcl_ctx_set_log_fn(sh->ctx, count_log, NULL);
	pcl_ctx_set_log_priority(sh->ctx, LOG_DEBUG);

	*quirks = pcl_quirks_new(sh->ctx);
	assert_non_null(*quirks);
	snprintf(path, sizeof(path), "%s/data/quirks", src);
	assert_int_equal(pcl_quirks_add_dir(*quirks, path, NULL), 0);
	sh->quirks = *quirks;

	snprintf(path, sizeof(path), "%s/examples/devices", src);
	assert_int_equal(add_dir(path, ".lspci", sh->files, &sh->nfiles,
				 MAX_FILES, MAX_FILES), 0);
	snprintf(path, sizeof(path), "%s/tests/fixtures/show", src);
	assert_int_equal(add_dir(path, ".lspci", sh->files, &sh->nfiles,
				 MAX_FILES, MAX_FILES), 0);
	if (corpus)
		add_dir(corpus, ".lspci", sh->files, &sh->nfiles,
			MAX_FILES, CORPUS_FILES);
	snprintf(path, sizeof(path), "%s/examples/layouts", src);
	assert_int_equal(add_dir(path, ".json", sh->layouts,
				 &sh->nlayouts, 8, 8), 0);
	assert_true(sh->nfiles >= 6 && sh->nlayouts >= 2);

	/* The shared map: the hidden-register NIC has findings to format. */
	snprintf(path, sizeof(path), "%s/examples/devices/nic-hidden-registers.lspci",
		 src);
	assert_int_equal(pcl_cfg_load(sh->ctx, path, cfgs, ncfgs, NULL), 0);
	*w = pcl_walk_new((*cfgs)[0]);
	assert_non_null(*w);
	*m = pcl_map_new(*w, NULL, 0);
	assert_non_null(*m);
	assert_true(pcl_map_finding_count(*m) > 0);
	sh->map = *m;
	sh->shared_cfg[0] = (*cfgs)[0];

	snprintf(path, sizeof(path), "%s/tests/fixtures/show/broken-chains.lspci",
		 src);
	assert_int_equal(pcl_cfg_load(sh->ctx, path, broken, nbroken, NULL), 0);
	*bw = pcl_walk_new((*broken)[0]);
	assert_non_null(*bw);
	assert_true(pcl_walk_max_severity(*bw) == PCL_SEVERITY_ERROR);
	sh->walk = *bw;
	sh->shared_cfg[1] = (*broken)[0];
}

static void test_shared_context(void **state)
{
	const char *src = getenv("PCL_SRCDIR");
	struct shared sh = { 0 }, alone;
	struct worker *wk = calloc(NTHREADS, sizeof(*wk));
	struct result *ref = calloc(1, sizeof(*ref));
	struct pcl_quirks *quirks;
	struct pcl_cfg **cfgs, **broken;
	struct pcl_walk *w, *bw;
	struct pcl_map *m;
	size_t ncfgs, nbroken;

	assert_non_null(src);
	assert_non_null(wk);
	assert_non_null(ref);
	setup_shared(&sh, src, &quirks, &cfgs, &ncfgs, &w, &m, &broken,
		     &nbroken, &bw);
	assert_int_equal(pthread_barrier_init(&start_line, NULL, NTHREADS), 0);
	for (unsigned int i = 0; i < NTHREADS; i++) {
		wk[i].sh = &sh;
		assert_int_equal(pthread_create(&wk[i].thread, NULL,
						thread_main, &wk[i]),
				 0);
	}
	for (unsigned int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(wk[i].thread, NULL), 0);

	/* One thread alone, on a fresh context, is the reference. */
	alone = sh;
	alone.ctx = pcl_ctx_new();
	assert_non_null(alone.ctx);
	run(&alone, ref);
	pcl_ctx_free(alone.ctx);
	assert_int_equal(ref->failures, 0);
	assert_string_equal(ref->names[0], "Alpha Devices Widget One");
	assert_string_equal(ref->names[PCL_ARRAY_LEN(dev_ids)],
			    "Ethernet controller");
	assert_true(ref->ncfgs >= 6);
	assert_true(ref->fleet_hosts >= ref->ncfgs);
	assert_true(ref->walk_findings_len > 0);
	assert_string_not_equal(ref->plan_fp[MAX_CFGS], "refused");
	assert_string_equal(ref->plan_fp[MAX_CFGS + 1], "refused");
	for (unsigned int i = 0; i < NTHREADS; i++)
		assert_memory_equal(&wk[i].res, ref, sizeof(*ref));
	assert_true(atomic_load(&log_lines) > 0);

	pthread_barrier_destroy(&start_line);
	pcl_map_free(m);
	pcl_walk_free(w);
	pcl_walk_free(bw);
	pcl_cfg_list_free(cfgs, ncfgs);
	pcl_cfg_list_free(broken, nbroken);
	pcl_quirks_free(quirks);
	for (size_t i = 0; i < sh.nfiles; i++)
		free(sh.files[i]);
	for (size_t i = 0; i < sh.nlayouts; i++)
		free(sh.layouts[i]);
	pcl_ctx_free(sh.ctx);
	free(ref);
	free(wk);
}

struct racer {
	const struct pcl_quirks *db;
	struct pcl_cfg *const *cfgs;
	size_t n;
	size_t ranges;
	int failures;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(&start_line);
	for (size_t i = 0; i < r->n; i++) {
		struct pcl_range *rv;
		size_t n;

		if (pcl_quirks_reserved(r->db, r->cfgs[i], &rv, &n)) {
			r->failures++;
			continue;
		}
		r->ranges += n;
		pcl_range_list_free(rv, n);
	}
	return NULL;
}

/* Every thread gets every range of a device made to match each shipped
 * quirk, from a database none of whose quirks was parsed before. */
static void test_builtin_quirks_race(void **state)
{
	const char *src = getenv("PCL_SRCDIR");
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_quirks *db = pcl_quirks_new(ctx), *ref = pcl_quirks_new(ctx);
	size_t n = pcl_builtin_quirk_count, expect = 0;
	struct pcl_cfg **cfgs = calloc(n, sizeof(*cfgs));
	struct racer rc[NTHREADS];
	pthread_t t[NTHREADS];
	char dir[4096];

	assert_non_null(src);
	assert_non_null(cfgs);
	assert_non_null(ref);
	snprintf(dir, sizeof(dir), "%s/data/quirks", src);
	assert_int_equal(pcl_quirks_add_dir(db, dir, NULL), 0);
	assert_int_equal(pcl_quirks_add_dir(ref, dir, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		struct pcl_range *rv;
		size_t k;

		cfgs[i] = tb_cfg_matching(ctx, &pcl_builtin_quirks[i].match);
		assert_int_equal(pcl_quirks_reserved(ref, cfgs[i], &rv, &k), 0);
		assert_true(k > 0);
		expect += k;
		pcl_range_list_free(rv, k);
	}
	assert_int_equal(pthread_barrier_init(&start_line, NULL, NTHREADS), 0);
	for (int i = 0; i < NTHREADS; i++) {
		rc[i] = (struct racer){ .db = db, .cfgs = cfgs, .n = n };
		assert_int_equal(pthread_create(&t[i], NULL, race, &rc[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(rc[i].failures, 0);
		assert_int_equal(rc[i].ranges, expect);
	}
	pthread_barrier_destroy(&start_line);
	for (size_t i = 0; i < n; i++)
		pcl_cfg_free(cfgs[i]);
	free(cfgs);
	pcl_quirks_free(ref);
	pcl_quirks_free(db);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_context),
		cmocka_unit_test(test_builtin_quirks_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
