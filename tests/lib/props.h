/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * props.h - the properties that tie plan, check, gaps, unify and synth
 * together (issue 16), written once and run both over every corpus dump
 * (tests/unit/test_props.c) and by the fuzz targets (fuzz/fuzz_walk.c):
 *
 *   check accepts plan's result on the same device;
 *   the first window gaps ranks is the one plan's gap (or DVSEC) rule
 *     picks when no earlier rule answers;
 *   every host unify admits passes check against the unified layout;
 *   walking synth(plan(d)) gives plan's layout;
 *   a device whose capabilities are unlinked as vfio-pci shows them gets
 *     the same plan as the device read in full.
 *
 * Each returns PROP_HOLDS, PROP_NA (the property says nothing about this
 * input) or PROP_FAILS with what went wrong in @msg. They use only the
 * library's public API.
 */
#ifndef PCL_TEST_PROPS_H
#define PCL_TEST_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include <pcilayout/pcilayout.h>

enum { PROP_HOLDS = 0, PROP_NA = 1, PROP_FAILS = -1 };

/* The IOMMU values every property plans a virtual PASID with. */
extern const struct pcl_plan_pasid prop_iommu;

/*
 * Plan @cfg as a VMM would: the defaults, plus a virtual PASID (IOMMU
 * values prop_iommu) when @pasid, with the overrides @allow. Returns
 * pcl_plan()'s result; *@out is the layout on success.
 */
int prop_plan(const struct pcl_cfg *cfg, bool pasid, uint32_t allow,
	      struct pcl_layout **out);

int prop_check_accepts_plan(const struct pcl_cfg *cfg,
			    const struct pcl_layout *l, char *msg, size_t size);
int prop_synth_walks_to_plan(const struct pcl_cfg *cfg,
			     const struct pcl_layout *l, char *msg, size_t size);
/* @l: a plan of @cfg without a base layout: the capabilities it shows in
 * place are linked in the device's order, as vfio-pci and QEMU show them.
 * @w: the caller's walk of @cfg, or NULL to walk it here. */
int prop_device_link_order(const struct pcl_cfg *cfg, const struct pcl_walk *w,
			   const struct pcl_layout *l, char *msg, size_t size);
/* @l: a plan of @cfg with a virtual PASID; @hazards: the caller's
 * pcl_hazard_map_new(@cfg, NULL), or NULL to build it here. */
int prop_gaps_first(const struct pcl_cfg *cfg, const struct pcl_layout *l,
		    const struct pcl_map *hazards, char *msg, size_t size);
/* @ra, @a: prop_plan(@cfg, @pasid, @allow)'s result and layout (the
 * caller's plan of the device read in full, planned once for every
 * property); @w as for prop_device_link_order(). */
int prop_vfio_view(const struct pcl_cfg *cfg, const struct pcl_walk *w, int ra,
		   const struct pcl_layout *a, bool pasid, uint32_t allow,
		   char *msg, size_t size);
/*
 * Unify @n copies of config spaces @data[i] (4096 bytes each, named
 * "host<i>") with a virtual PASID, then check every admitted host against
 * the layout. PROP_NA when unify gives no layout.
 */
int prop_unify_admitted(struct pcl_ctx *ctx, const uint8_t *const *data,
			size_t n, char *msg, size_t size);

#endif
