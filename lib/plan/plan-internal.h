/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plan-internal.h - what the planner's files share: the request object and
 * the limits that bound what a caller (or an untrusted file) can make the
 * planner allocate. Nothing here is exported.
 */
#ifndef PCL_PLAN_INTERNAL_H
#define PCL_PLAN_INTERNAL_H

#include <pcilayout/plan.h>
#include <pcilayout/quirks.h>

#include "internal.h"

#define PLAN_MAX_PLACES 64
#define PLAN_MAX_IDS 256
#define PLAN_MAX_QUIRKS 256
#define PLAN_MAX_RANGES 1024
#define PLAN_MACHINE_MAX 64
#define PLAN_MAX_GEN 8 /* enum pcl_generator values the request can hold */

struct plan_place {
	uint8_t space;
	uint16_t id;
	uint32_t at;
};

struct plan_id {
	uint8_t space;
	uint16_t id;
};

struct pcl_plan_request {
	struct pcl_ctx *ctx;
	const struct pcl_cfg *cfg;
	const struct pcl_walk *walk;
	const struct pcl_cfg *pf;
	const struct pcl_quirks *quirks;
	const struct pcl_layout **extra_quirks;
	size_t n_extra_quirks;
	const struct pcl_layout_db *db;
	const struct pcl_layout *layout;
	struct plan_place places[PLAN_MAX_PLACES];
	size_t n_places;
	struct pcl_range *ranges; /* strings owned (strdup) */
	size_t n_ranges;
	/* Virtual capabilities asked for: a bit per enum pcl_generator. */
	uint32_t want;
	/* The parameters the user chose for them (a DSN's serial). */
	uint64_t asked[PLAN_MAX_GEN][PCL_VCAP_MAX_PARAMS];
	/* What the IOMMU reports (given with the PASID request). */
	struct pcl_plan_pasid iommu;
	char *machine;
	char *profile;
	char *name;
	struct plan_id hide[PLAN_MAX_IDS];
	size_t n_hide;
	struct plan_id keep[PLAN_MAX_IDS];
	size_t n_keep;
};

#endif /* PCL_PLAN_INTERNAL_H */
