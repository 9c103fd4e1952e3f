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
	bool want_pasid;
	struct pcl_plan_pasid pasid;
	bool want_dsn;
	struct pcl_plan_dsn dsn;
	char *machine;
	char *profile;
	char *name;
	struct plan_id hide[PLAN_MAX_IDS];
	size_t n_hide;
	struct plan_id keep[PLAN_MAX_IDS];
	size_t n_keep;
};

/* Space bounds: standard 0x40-0xff, extended 0x100-0xfff. */
static inline uint32_t plan_space_start(int space)
{
	return space == PCL_SPACE_STANDARD ? 0x40 : 0x100;
}

static inline uint32_t plan_space_end(int space)
{
	return space == PCL_SPACE_STANDARD ? 0x100 : 0x1000;
}

/* The name of (space, id) for messages: format-1 name or "0x..". */

/* A growable string; after a failed allocation it stays as it was and
 * @oom is set, so callers check once at the end. */
struct plan_str {
	char *s;
	size_t len;
	size_t alloc;
	bool oom;
};

void plan_str_add(struct plan_str *b, const char *fmt, ...) PCL_PRINTF(2, 3);
void plan_str_free(struct plan_str *b);
/* The text so far ("" when empty); valid until the next add. */
const char *plan_str_get(const struct plan_str *b);

/*
 * Add a record without a position to @diag (NULL accepted). Records hold
 * at most 255 characters, so callers keep each sentence short and use one
 * record per fact.
 */
void pcl_plan_diag(struct pcl_diag *diag, const char *source,
		   const char *fmt, ...) PCL_PRINTF(3, 4);

#endif /* PCL_PLAN_INTERNAL_H */
