/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compat-internal.h - what check, diff, unify and survey share: building
 * reports, naming capabilities, and the fleet of host classes that unify
 * and survey stream hosts into. Nothing here is exported.
 */
#ifndef PCL_COMPAT_INTERNAL_H
#define PCL_COMPAT_INTERNAL_H

#include <pcilayout/pcilayout.h>
#include <pcilayout/compat.h>

#include "internal.h"
#include "hazard/hazard.h"


/* fleet.c: host classes. */
struct fleet_class {
	uint64_t hash;		/* FNV-1a of the key: the order of ties */
	uint64_t slot_hash;	/* XXH3 of the key: the table's */
	struct pcl_cfg *cfg;	/* representative, owned */
	struct hazards hz;	/* of @cfg, as vfio-pci shows it */
	const struct pcl_walk *walk; /* = hz.walk */
	const struct pcl_map *map;   /* = hz.map: the one hazard map */
	struct pcl_identity id;
	size_t hosts;
	size_t seq;		/* order of first appearance */
	char *examples[PCL_GROUP_EXAMPLES];
	size_t n_examples;
	/* Filled by the users of the fleet. */
	struct pcl_layout *plan;
	struct pcl_report *reasons;
	char fingerprint[PCL_FINGERPRINT_SIZE];
	char mkey[PCL_FINGERPRINT_SIZE];
	int status;
	struct pcl_host_group group;
};

struct fleet {
	struct pcl_ctx *ctx;
	const struct pcl_quirks *quirks;
	struct fleet_class **classes;
	size_t n_classes, alloc;
	size_t *slots;		/* open addressing: class index + 1, 0 = empty */
	size_t n_slots;
	size_t hosts;
	struct pcl_input_failure *failures;
	size_t n_failures, failures_dropped;
};

void fleet_init(struct fleet *f, struct pcl_ctx *ctx);
void fleet_fini(struct fleet *f);
/* Takes @cfg in every case. */
int fleet_add(struct fleet *f, struct pcl_cfg *cfg, const char *name);
/* Takes @h in every case; -EINVAL when its quirks are not the fleet's. */
int fleet_add_host(struct fleet *f, struct pcl_fleet_host *h, const char *name);
int fleet_add_failure(struct fleet *f, const char *name, const char *message);
/* Plan @c with @req's settings filled by @setup (may be NULL), store the
 * plan, its fingerprint, or the planner's reasons in c->reasons. */
int fleet_plan(struct fleet *f, struct fleet_class *c,
	       int (*setup)(struct pcl_plan_request *req, void *opaque),
	       void *opaque);
/* Fill c->group from the class. */
void fleet_group_fill(struct fleet_class *c);

#endif /* PCL_COMPAT_INTERNAL_H */
