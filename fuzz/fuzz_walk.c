// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_walk.c - walk + DVSEC scan + occupancy map + gap finder + planner on
 * arbitrary images. The input is the config space
 * itself: its length (clipped to 4096) is the number of bytes read, so
 * short inputs also exercise the "never read an unread byte" rules of a
 * 64- or 256-byte sysfs read. Beyond "no crash" it checks what the planner
 * will trust: every byte has exactly one owner that matches its contents,
 * runs tile the space, and no gap ever covers an owned byte; and what a
 * VMM will trust: a planned virtual PASID and DSN validate and sit only on
 * bytes the map says are free (or on a capability the plan hides).
 */
#include <errno.h>
#include <stdlib.h>

#include <pcilayout/pcilayout.h>
#include <pcilayout/map.h>
#include <pcilayout/dvsec.h>
#include <pcilayout/plan.h>

#include "fuzz.h"
#include "props.h"

/* @bad[b]: how many bytes of @m before b are neither zero nor advertised
 * free, so that each window's bytes are checked at once. */
static void check_gaps(const struct pcl_map *m, const uint16_t *bad,
		       int space, uint32_t size, uint32_t align)
{
	uint32_t lo = space == PCL_SPACE_STANDARD ? 0x40 : 0x100;
	uint32_t hi = space == PCL_SPACE_STANDARD ? 0x100 : PCL_CFG_SIZE;
	struct pcl_gap *gaps = NULL;
	size_t n = 0;

	FUZZ_CHECK(pcl_map_gaps(m, space, size, align, &gaps, &n, NULL) == 0);
	FUZZ_CHECK(n == 0 || gaps != NULL);
	for (size_t i = 0; i < n; i++) {
		const struct pcl_gap *g = &gaps[i];

		FUZZ_CHECK(g->offset >= lo && g->offset + g->length <= hi);
		FUZZ_CHECK(g->length == size && g->offset % align == 0);
		FUZZ_CHECK(g->rank == (int32_t)i + 1);
		/* A window is only ever made of zero or advertised-free bytes. */
		FUZZ_CHECK(bad[g->offset + g->length] == bad[g->offset]);
	}
	free(gaps);
}

/* @read: fuzz_check_cfg()'s read map of @cfg. */
static void check_map(const struct pcl_cfg *cfg, const bool *read,
		      const struct pcl_walk *w, const struct pcl_map *m)
{
	const uint8_t *own = pcl_map_owners(m), *d = pcl_cfg_data(cfg);
	static uint16_t bad[PCL_CFG_SIZE + 1];
	static uint32_t detail[PCL_CFG_SIZE];
	uint32_t next = 0;

	FUZZ_CHECK(own != NULL && pcl_map_walk(m) == w);
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off++) {
		int o = pcl_map_owner(m, off, &detail[off]);
		bool rd = read[off];

		FUZZ_CHECK(o >= 0 && o < PCL_OWNER_COUNT && o == own[off]);
		if (off < 0x40)
			FUZZ_CHECK(o == PCL_OWNER_HEADER);
		/* Unclaimed bytes are classified by what they read. */
		if (o == PCL_OWNER_ZERO || o == PCL_OWNER_FREE)
			FUZZ_CHECK(rd && d[off] == 0);
		if (o == PCL_OWNER_NONZERO)
			FUZZ_CHECK(rd && d[off] != 0);
		if (o == PCL_OWNER_UNREAD)
			FUZZ_CHECK(!rd);
	}
	FUZZ_CHECK(pcl_map_owner(m, PCL_CFG_SIZE, NULL) < 0);
	/* A chain capability owns its first byte (a CardBus header may win). */
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		FUZZ_CHECK(own[pcl_walk_cap(w, i)->offset] == PCL_OWNER_CAP ||
			   own[pcl_walk_cap(w, i)->offset] == PCL_OWNER_HEADER);
	/*
	 * Runs tile 0..4095 in order, never cross 0x100, and agree; the
	 * detail pcl_map_owner() gives for every byte is its run's, a
	 * capability's or orphan's index in the walk.
	 */
	for (size_t i = 0; i < pcl_map_run_count(m); i++) {
		const struct pcl_map_run *r = pcl_map_run(m, i);

		FUZZ_CHECK(r != NULL && r->start == next && r->length >= 1);
		FUZZ_CHECK(r->start + r->length <= PCL_CFG_SIZE);
		FUZZ_CHECK(r->start >= 0x100 || r->start + r->length <= 0x100);
		for (uint32_t b = r->start; b < r->start + r->length; b++)
			FUZZ_CHECK(own[b] == r->owner && detail[b] == r->detail);
		if (r->owner == PCL_OWNER_CAP)
			FUZZ_CHECK(r->detail < pcl_walk_cap_count(w));
		if (r->owner == PCL_OWNER_ORPHAN)
			FUZZ_CHECK(r->detail < pcl_walk_orphan_count(w));
		next = r->start + r->length;
	}
	FUZZ_CHECK(next == PCL_CFG_SIZE);
	for (size_t i = 0; i < pcl_map_finding_count(m); i++) {
		const struct pcl_finding *f = pcl_map_finding(m, i);

		FUZZ_CHECK(f != NULL && f->code && f->message);
		FUZZ_CHECK(f->offset >= -1 && f->offset < PCL_CFG_SIZE);
	}
	for (uint32_t b = 0; b < PCL_CFG_SIZE; b++)
		bad[b + 1] = (uint16_t)(bad[b] + (own[b] != PCL_OWNER_ZERO &&
						  own[b] != PCL_OWNER_FREE));
	check_gaps(m, bad, PCL_SPACE_STANDARD, 4, 4);
	check_gaps(m, bad, PCL_SPACE_EXTENDED, 8, 8);
	check_gaps(m, bad, PCL_SPACE_EXTENDED, 0x40, 0x40);
}

/*
 * The pipeline's properties (tests/lib/props.h) on a plan of this input:
 * check accepts it, a guest walking its synthesized view finds it, gaps
 * ranks its gap-rule window first, and planning what vfio-pci would show
 * of the input gives the same guest view. @hazards: this input's
 * pcl_hazard_map_new(@cfg, NULL), which gaps ranks; @w: the walk of @cfg
 * fuzz_walk_and_check() checked.
 */
static void check_props(const struct pcl_cfg *cfg, const struct pcl_walk *w,
			const struct pcl_layout *l,
			const struct pcl_map *hazards)
{
	struct pcl_layout *p = NULL;
	char msg[512];
	int r, rp;

#define PROP(call)							       \
	do {								       \
		r = (call);						       \
		if (r == PROP_FAILS)					       \
			fprintf(stderr, "property: %s\n", msg);		       \
		FUZZ_CHECK(r != PROP_FAILS);				       \
	} while (0)
	PROP(prop_check_accepts_plan(cfg, l, msg, sizeof(msg)));
	PROP(prop_synth_walks_to_plan(cfg, l, msg, sizeof(msg)));
	PROP(prop_device_link_order(cfg, w, l, msg, sizeof(msg)));
	/* prop_iommu's plan is this one (same IOMMU values; the DSN too). */
	rp = prop_plan(cfg, true, 0, &p);
	if (rp == 0) {
		PROP(prop_gaps_first(cfg, p, hazards, msg, sizeof(msg)));
		PROP(prop_check_accepts_plan(cfg, p, msg, sizeof(msg)));
	}
	PROP(prop_vfio_view(cfg, w, rp, p, true, 0, msg, sizeof(msg)));
	pcl_layout_free(p);
#undef PROP
}

/* Is capability @idx (pcl_walk_cap_or_orphan()) hidden by an entry of @l? */
static bool plan_hides(const struct pcl_layout *l, const struct pcl_walk *w,
		       size_t idx)
{
	int sp = pcl_walk_cap_or_orphan(w, idx)->space;

	for (size_t i = 0; i < pcl_layout_entry_count(l, sp); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, sp, i);

		if (e->kind == PCL_ENTRY_HIDDEN &&
		    pcl_layout_entry_find(e, w) == (long)idx)
			return true;
	}
	return false;
}

/*
 * Plan a virtual PASID and DSN as a VMM would (IOMMU values given, no
 * user, database or quirk): either a located refusal, or a valid layout
 * whose virtual entries cover only unclaimed zero or advertised-free bytes
 * of the planner's hazard map, or bytes of a capability (chain member or
 * orphan) the plan hides (its known length only) - never a non-zero,
 * reserved or unread byte, or an orphan it keeps (docs/planner.md
 * section 4).
 */
static void check_plan(struct pcl_ctx *ctx, const struct pcl_cfg *cfg,
		       const struct pcl_walk *w_in)
{
	struct pcl_map *m = pcl_hazard_map_new(cfg, NULL);
	const struct pcl_walk *w = m ? pcl_map_walk(m) : NULL;
	static const struct pcl_plan_pasid pasid = {
		.flags = PCL_PLAN_PASID_IOMMU, .iommu_max_width = 20,
		.iommu_exec = 1, .iommu_priv = 1,
	};
	static const struct pcl_plan_dsn dsn = { 0, 0, 0x1122334455667788ull };
	struct pcl_plan_request *req = pcl_plan_request_new(ctx);
	struct pcl_diag *diag = pcl_diag_new();
	const uint8_t *own;
	struct pcl_layout *l = NULL;
	int r;

	FUZZ_CHECK(req != NULL && diag != NULL && m != NULL);
	FUZZ_CHECK(pcl_plan_request_set_cfg(req, cfg, w_in) == 0);
	FUZZ_CHECK(pcl_plan_request_add_pasid(req, &pasid) == 0);
	FUZZ_CHECK(pcl_plan_request_add_dsn(req, &dsn) == 0);
	own = pcl_map_owners(m);
	r = pcl_plan(req, &l, diag);
	if (r) {
		FUZZ_CHECK(r == -EINVAL || r == -ENODATA || r == -ENOSPC);
		FUZZ_CHECK(l == NULL && pcl_diag_count(diag) >= 1);
		for (size_t i = 0; i < pcl_diag_count(diag); i++)
			fuzz_check_error(r, pcl_diag_get(diag, i));
		goto out;
	}
	FUZZ_CHECK(l != NULL);
	FUZZ_CHECK(pcl_layout_validate(l, NULL) == 0);
	for (int sp = PCL_SPACE_STANDARD; sp <= PCL_SPACE_EXTENDED; sp++) {
		for (size_t i = 0; i < pcl_layout_entry_count(l, sp); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(l, sp, i);

			if (e->kind != PCL_ENTRY_VIRTUAL)
				continue;
			FUZZ_CHECK(e->prov_rule == PCL_PROV_DVSEC ||
				   e->prov_rule == PCL_PROV_GAP ||
				   e->prov_rule == PCL_PROV_DEFAULT);
			FUZZ_CHECK(e->at >= (sp == PCL_SPACE_STANDARD ? 0x40 : 0x100) &&
				   e->length >= 1 &&
				   e->length <= PCL_CFG_SIZE - (uint32_t)e->at);
			for (uint32_t b = (uint32_t)e->at;
			     b < (uint32_t)e->at + e->length; b++) {
				uint32_t idx = 0;
				int o = pcl_map_owner(m, b, &idx);

				FUZZ_CHECK(o == own[b]);
				if (o == PCL_OWNER_ZERO || o == PCL_OWNER_FREE)
					continue;
				/* Only a capability the plan takes away. */
				FUZZ_CHECK(o == PCL_OWNER_CAP ||
					   o == PCL_OWNER_ORPHAN);
				if (o == PCL_OWNER_ORPHAN)
					idx += (uint32_t)pcl_walk_cap_count(w);
				/* vfio-pci's Null placeholder: the anchor's place. */
				if (e->generator == PCL_GEN_NULL && e->at == 0x100 &&
				    !pcl_walk_cap_or_orphan(w, idx)->id)
					continue;
				FUZZ_CHECK(plan_hides(l, w, idx));
				FUZZ_CHECK(e->generator == PCL_GEN_NULL ||
					   !(pcl_walk_cap_or_orphan(w, idx)->flags &
					     PCL_CAP_LENGTH_UNKNOWN));
			}
		}
	}
	check_props(cfg, w_in, l, m);
out:
	pcl_layout_free(l);
	pcl_diag_free(diag);
	pcl_plan_request_free(req);
	pcl_map_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcl_ctx *ctx = fuzz_ctx();
	struct pcl_dvsec_scan *scan;
	const struct pcl_range *ranges;
	struct pcl_cfg *cfg;
	struct pcl_walk *w;
	struct pcl_map *m;
	const bool *read;
	size_t nranges = 0;

	if (size == 0)
		return 0;
	if (size > PCL_CFG_SIZE)
		size = PCL_CFG_SIZE;
	cfg = pcl_cfg_new(ctx, data, size, "fuzz");
	FUZZ_CHECK(cfg != NULL);
	read = fuzz_check_cfg(cfg);
	FUZZ_CHECK(pcl_cfg_is_read(cfg, 0, (uint32_t)size));
	w = fuzz_walk_and_check(cfg);
	/* The map sees what the device advertises, as the planner will. */
	scan = pcl_dvsec_scan_new(w, NULL);
	FUZZ_CHECK(scan != NULL);
	ranges = pcl_dvsec_scan_ranges(scan, &nranges);
	m = pcl_map_new(w, ranges, nranges);
	FUZZ_CHECK(m != NULL);
	check_map(cfg, read, w, m);
	check_plan(ctx, cfg, w);
	pcl_map_free(m);
	pcl_dvsec_scan_free(scan);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
	return 0;
}
