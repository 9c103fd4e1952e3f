/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plan-internal.h - what the planner's files share: the request object,
 * the limits that bound what a caller (or an untrusted file) can make the
 * planner allocate, and the state the passes of pcl_plan() work on
 * (plan.c runs them in order; view.c decides each capability, claim.c
 * lays out the presented ones, cascade.c places the virtual ones). Nothing
 * here is exported.
 */
#ifndef PCL_PLAN_INTERNAL_H
#define PCL_PLAN_INTERNAL_H

#include <pcilayout/plan.h>
#include <pcilayout/quirks.h>

#include "internal.h"
#include "hazard/hazard.h"

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
	uint32_t allow; /* PCL_PLAN_ALLOW_* */
	char *machine;
	char *profile;
	char *name;
	struct plan_id hide[PLAN_MAX_IDS];
	size_t n_hide;
	struct plan_id keep[PLAN_MAX_IDS];
	size_t n_keep;
};

enum { CAP_PRESENTED = 0, CAP_HIDDEN = 1 };

/* The decision about one capability of the device: chain member or orphan. */
struct capdec {
	const struct pcl_cap *cap;
	int state;
	int32_t at;	    /* guest offset when presented */
	uint32_t len;	    /* guest length when presented */
	int rule;	    /* enum pcl_prov_rule */
	bool fixed;	    /* format 1 fixes its length */
	bool kept;	    /* presented because of --keep */
	bool anchor;	    /* vfio-pci's Null placeholder at 0x100 */
	int32_t vendor;	    /* selectors as written in the layout */
	int32_t vsec_id;
	uint32_t instance;
	const struct pcl_layout_entry *base; /* entry of the base layout */
	struct pcl_strbuf why;
};

/* One entry being built. */
struct pent {
	struct pcl_layout_entry e;
	struct pcl_strbuf why;
};

struct pstate {
	const struct pcl_plan_request *req;
	struct pcl_ctx *ctx;
	struct pcl_diag *diag;
	struct pcl_report *notes; /* NULL when the caller does not want them */
	const char *src;
	const struct pcl_cfg *cfg;	 /* the device as given: identity, name */
	/* Walks are the caller's or the ones the cfgs keep: borrowed. */
	const struct pcl_walk *dev_walk; /* its walk, as read */
	struct hazards hz;		 /* the device as vfio-pci shows it */
	const struct pcl_walk *walk;	 /* = hz.walk: what is planned */
	const struct pcl_map *map;	 /* = hz.map */
	const struct pcl_walk *pf_walk;	 /* the PF as vfio-pci shows it */
	struct pcl_identity id;
	bool is_vf;
	bool ext_ok;	 /* extended space read and the device is PCIe */

	const struct pcl_layout *dbsel;
	char dbwhy[1024];  /* the database's choice, in words */
	char dbshort[160]; /* "no layout in the database for ..." */
	const struct pcl_layout *base;
	int base_rule;

	size_t ncaps;	 /* chain members, then orphans */
	size_t nchain;
	struct capdec *dec;

	struct pent *ents;
	size_t n_ents;
	size_t alloc_ents;
	uint16_t claim[PCL_CFG_SIZE]; /* index + 1 of the entry, 0 = none */
};

/* A pass of pcl_plan(): 0, or a negative errno with @diag filled. */
typedef int (*plan_pass)(struct pstate *st);

/* plan.c */
const char *plan_space_name(int space);
const char *plan_layout_file(const struct pcl_layout *l);
/* "the user's layout" or "the database layout". */
const char *plan_rule_who(int rule);
/* A user asking for the impossible made a usage error; a database layout
 * that does not fit this device means "cannot place". */
int plan_fail_rule(int rule);
bool plan_user_decided(int rule);

/* view.c: each capability presented or hidden, and why. */
int plan_check_input(struct pstate *st);
int plan_attach_base(struct pstate *st);
int plan_check_places(struct pstate *st);
int plan_decide_caps(struct pstate *st);
int plan_check_essential(struct pstate *st);

/* claim.c: the guest's offsets. */
struct pent *plan_new_entry(struct pstate *st);
void plan_claim(struct pstate *st, size_t ent, uint32_t at, uint32_t len);
bool plan_window_ok(struct pstate *st, int space, uint32_t at, uint32_t len,
		    char *why, size_t size);
void plan_first_unusable(struct pstate *st, uint32_t at, uint32_t len,
			 char *why, size_t size);
int plan_claim_in_place(struct pstate *st);
int plan_claim_moved(struct pstate *st);
int plan_add_anchor(struct pstate *st);
int plan_add_hidden(struct pstate *st);

/* cascade.c: virtual capabilities. */
int plan_place_base_other(struct pstate *st);
int plan_place_virtual(struct pstate *st);

#endif /* PCL_PLAN_INTERNAL_H */
