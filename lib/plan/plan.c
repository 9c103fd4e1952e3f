// SPDX-License-Identifier: BSD-3-Clause
/*
 * plan.c - the planner (docs/planner.md): pcl_plan_run() sets up the
 * inputs and runs the passes in order:
 *
 *   1. inputs: the device as vfio-pci shows it and its one hazard map
 *      (lib/hazard: quirks, DVSECs, the user's ranges), the PF the same
 *      way, the database layout for this device, machine type and profile;
 *      input that cannot be planned safely is refused (view.c);
 *   2. the base view: each capability of the device - chain member or
 *      orphan - presented at its physical offset or hidden: default hide
 *      list, quirks, the user or database layout (which defines the whole
 *      view), --hide/--keep/--place (view.c);
 *   3. presented capabilities claimed in a guest-offset map (overlaps in
 *      broken devices resolved by clipping or hiding, and said so), then
 *      relocations checked against the hazard map (claim.c); hiding an
 *      interrupt or PCI Express capability is refused (view.c);
 *   4. virtual capabilities: parameters from their generator (lib/vcap),
 *      placed by the cascade user -> database -> quirk -> DVSEC -> gap,
 *      each with a sentence per rule tried (cascade.c);
 *   5. the Null anchor at 0x100 when the extended chain needs one, and the
 *      hidden entries (claim.c);
 *   6. the layout, validated before it is returned (here).
 *
 * Everything is linear in the size of config space (4096 bytes) and the
 * number of capabilities, so a fleet of 100,000 devices costs 100,000
 * small plans.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pcilayout/walk.h>

#include "plan-internal.h"
#include "layout/layout-internal.h"
#include "walk/memo.h"

const char *plan_space_name(int space)
{
	return space == PCL_SPACE_STANDARD ? "standard" : "extended";
}

const char *plan_layout_file(const struct pcl_layout *l)
{
	const char *s = pcl_layout_source(l);

	return s && *s ? s : "given in memory";
}

const char *plan_rule_who(int rule)
{
	return rule == PCL_PROV_USER ? "the user's layout" : "the database layout";
}

int plan_fail_rule(int rule)
{
	return rule == PCL_PROV_USER ? -EINVAL : -ENOSPC;
}

bool plan_user_decided(int rule)
{
	return rule == PCL_PROV_USER || rule == PCL_PROV_DATABASE;
}

/* The device's and the PF's walks, and the hazards of the device. */
static int load_inputs(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	struct pcl_hazard_opts o = {
		.quirks = req->quirks, .quirk_list = req->extra_quirks,
		.n_quirk_list = req->n_extra_quirks, .ranges = req->ranges,
		.n_ranges = req->n_ranges,
	};
	int r;

	st->dev_walk = req->walk;
	if (!st->dev_walk && !(st->dev_walk = pcl_cfg_walk(st->cfg)))
		return -errno;
	r = hazards_build(&st->hz, st->cfg, st->dev_walk, &o);
	if (r)
		return r;
	st->walk = st->hz.walk;
	st->map = st->hz.map;
	if (!req->pf)
		return 0;
	if (!(st->pf_walk = pcl_cfg_walk(req->pf)))
		return -errno;
	return hazards_view(st->pf_walk, &st->pf_walk);
}

/* Selector instance: among capabilities of one (space, id), and for
 * VSEC/DVSEC of one vendor and ID too, as layout entries select them
 * (chain members first, then orphans: docs/layout-format.md 4.3). */
static void set_selectors(struct pstate *st)
{
	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = st->dec[i].cap;
		struct capdec *d = &st->dec[i];
		bool vendor = pcl_is_vendor_cap(c->space, c->id);

		d->vendor = vendor ? c->vendor : -1;
		d->vsec_id = vendor ? c->vsec_id : -1;
		for (size_t k = 0; k < i; k++) {
			const struct pcl_cap *o = st->dec[k].cap;

			if (o->space == c->space && o->id == c->id &&
			    (!vendor || (o->vendor == c->vendor &&
					 o->vsec_id == c->vsec_id)))
				d->instance++;
		}
	}
}

static int make_decisions(struct pstate *st)
{
	st->nchain = pcl_walk_cap_count(st->walk);
	st->ncaps = st->nchain + pcl_walk_orphan_count(st->walk);
	st->dec = calloc(st->ncaps + 1, sizeof(*st->dec));
	if (!st->dec)
		return -ENOMEM;
	for (size_t i = 0; i < st->ncaps; i++)
		st->dec[i].cap = pcl_walk_cap_or_orphan(st->walk, i);
	set_selectors(st);
	return 0;
}

static void select_database(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;

	if (!req->db)
		return;
	st->dbsel = pcl_layout_db_select(req->db, &st->id, req->machine,
					 req->profile, st->dbwhy,
					 sizeof(st->dbwhy));
	pcl_dbg(st->ctx, "%s", st->dbwhy);
	if (st->notes)
		pcl_report_add(st->notes, PCL_SEVERITY_INFO, -1, -1, "database",
			       "%s", st->dbwhy);
	snprintf(st->dbshort, sizeof(st->dbshort),
		 "no layout in the database for %04x:%04x%s%s%s%s",
		 st->id.vendor_id, st->id.device_id,
		 req->machine ? " on " : "", req->machine ? req->machine : "",
		 req->profile ? " with profile " : "",
		 req->profile ? req->profile : "");
}

static void state_free(struct pstate *st)
{
	/* st->dec is NULL when its allocation failed. */
	for (size_t i = 0; st->dec && i < st->ncaps; i++)
		pcl_strbuf_free(&st->dec[i].why);
	for (size_t i = 0; i < st->n_ents; i++)
		pcl_strbuf_free(&st->ents[i].why);
	free(st->dec);
	free(st->ents);
	hazards_fini(&st->hz);
	free(st);
}

static struct pstate *state_new(const struct pcl_plan_request *req,
				struct pcl_report *notes, struct pcl_diag *diag)
{
	struct pstate *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->req = req;
	st->ctx = req->ctx ? req->ctx : pcl_cfg_ctx(req->cfg);
	st->diag = diag;
	st->notes = notes;
	st->cfg = req->cfg;
	st->src = pcl_cfg_source(req->cfg);
	pcl_cfg_identity(req->cfg, &st->id);
	st->is_vf = st->id.is_vf || req->pf;
	st->ext_ok = st->id.pcie_type >= 0 &&
		     pcl_cfg_is_read(req->cfg, PCL_EXT_CAP_START,
				     PCL_EXT_SPACE_END - PCL_EXT_CAP_START);
	return st;
}

/* ------------------------------------------------------------------ */
/* The layout                                                          */
/* ------------------------------------------------------------------ */

/* Name, revision, match, machines, policy, reserved ranges, profile. */
static int set_identity(struct pstate *st, struct pcl_layout *l)
{
	const struct pcl_plan_request *req = st->req;
	const struct pcl_layout *b = st->base;
	struct pcl_layout_match m = { 0 };
	char name[64];
	int r;

	if (req->name)
		pcl_strlcpy(name, req->name, sizeof(name));
	else if (b)
		pcl_strlcpy(name, pcl_layout_name(b), sizeof(name));
	else
		snprintf(name, sizeof(name), "%04x-%04x%s", st->id.vendor_id,
			 st->id.device_id, st->is_vf ? "-vf" : "");
	r = pcl_layout_set_name(l, name);
	if (!r && b)
		r = pcl_layout_set_revision(l, pcl_layout_revision(b));
	if (b) {
		m = *pcl_layout_match(b);
	} else {
		m.fields = PCL_MATCH_DEVICE;
		m.vendor = st->id.vendor_id;
		m.device = st->id.device_id;
	}
	if (!r && (m.present || !b))
		r = pcl_layout_set_match(l, &m);
	for (size_t i = 0; b && !r && i < pcl_layout_machine_count(b); i++)
		r = pcl_layout_add_machine(l, pcl_layout_machine(b, i));
	if (!r && b)
		r = pcl_layout_set_unclaimed(l, pcl_layout_unclaimed(b));
	for (size_t i = 0; b && !r && i < pcl_layout_reserved_count(b); i++) {
		const struct pcl_layout_reserved *rs = pcl_layout_reserved(b, i);

		r = pcl_layout_add_reserved(l, rs->offset, rs->length,
					    rs->reason, rs->source);
	}
	if (!r && !b && req->machine)
		r = pcl_layout_add_machine(l, req->machine);
	if (!r && (req->profile || (b && pcl_layout_profile(b))))
		r = pcl_layout_set_profile(l, req->profile ? req->profile :
					   pcl_layout_profile(b));
	return r;
}

static int add_entries(struct pstate *st, struct pcl_layout *l)
{
	for (size_t i = 0; i < st->n_ents; i++) {
		struct pent *p = &st->ents[i];
		char nb[16];
		int r;

		/* Every reason is a sentence. */
		if (p->why.len && p->why.s[p->why.len - 1] != '.')
			pcl_strbuf_add(&p->why, ".");
		if (p->why.oom)
			return -ENOMEM;
		p->e.prov_reason = pcl_strbuf_get(&p->why);
		/* The text built is the entry's: handed over, not copied. */
		r = pcl_layout_add_entry_taking(
			l, &p->e, p->why.s ? pcl_strbuf_steal(&p->why) : NULL);
		if (r < 0) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "internal error: the layout refused %s at 0x%x (%s)",
				     pcl_layout_cap_label(p->e.space, p->e.id, nb,
							  sizeof(nb)),
				     (unsigned int)p->e.at, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Put @at before the first offset above it in @order (the layout's rule). */
static void insert_ascending(uint32_t *order, size_t *n, uint32_t at)
{
	size_t i = 0;

	while (i < *n && order[i] <= at)
		i++;
	memmove(&order[i + 1], &order[i], (*n - i) * sizeof(*order));
	order[i] = at;
	(*n)++;
}

static bool presents(const struct pcl_layout *l, int space, int32_t at)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, space); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if (e->kind != PCL_ENTRY_HIDDEN && e->at == at)
			return true;
	}
	return false;
}

static bool listed(const uint32_t *order, size_t n, uint32_t at)
{
	for (size_t i = 0; i < n; i++)
		if (order[i] == at)
			return true;
	return false;
}

/*
 * The chain's link order: a base layout's when it lists one (the layout,
 * not the device, decides the guest view); else, with no base, the
 * device's own order of the capabilities shown where they are, as
 * vfio-pci shows them and QEMU keeps them. Entries with no place in that
 * order (virtual, moved, orphans, the Null anchor) go before the first
 * offset above theirs, as pcl_layout_add_entry() would put them.
 */
static int link_order(struct pstate *st, struct pcl_layout *l, int space)
{
	size_t count = pcl_layout_entry_count(l, space), n = 0;
	const struct pcl_layout *b = st->base;
	uint32_t *order;
	int r;

	if (b && pcl_layout_links(b) != PCL_LINKS_LISTED)
		return 0;
	order = calloc(count + 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; b && i < pcl_layout_entry_count(b, space); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(b, space, i);

		if (e->kind != PCL_ENTRY_HIDDEN && presents(l, space, e->at))
			order[n++] = (uint32_t)e->at;
	}
	for (size_t i = 0; !b && i < st->nchain; i++) {
		const struct capdec *d = &st->dec[i];

		if (d->cap->space == space && d->state == CAP_PRESENTED &&
		    d->at == d->cap->offset && !d->anchor &&
		    presents(l, space, d->at))
			order[n++] = (uint32_t)d->at;
	}
	for (size_t i = 0; i < count; i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if (e->kind != PCL_ENTRY_HIDDEN &&
		    !listed(order, n, (uint32_t)e->at))
			insert_ascending(order, &n, (uint32_t)e->at);
	}
	r = pcl_layout_set_chain_order(l, space, order, n);
	free(order);
	if (r < 0)
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "internal error: the %s chain's link order was refused (%s)",
			     plan_space_name(space), strerror(-r));
	return r;
}

static int build_layout(struct pstate *st, struct pcl_layout **out)
{
	struct pcl_layout *l = pcl_layout_new(st->ctx, PCL_LAYOUT_KIND_LAYOUT);
	char desc[512];
	int r;

	if (!l)
		return -ENOMEM;
	r = set_identity(st, l);
	snprintf(desc, sizeof(desc), "Guest view of %04x:%04x%s planned by pcilayout from %s%s%s%s.",
		 st->id.vendor_id, st->id.device_id, st->is_vf ? " (VF)" : "",
		 st->src, st->base ? ", based on layout " : "",
		 st->base ? pcl_layout_name(st->base) : "",
		 st->base_rule == PCL_PROV_DATABASE ? " from the database" : "");
	if (!r)
		r = pcl_layout_set_description(l, desc);
	if (!r)
		r = add_entries(st, l);
	for (int space = 0; !r && space < 2; space++)
		r = link_order(st, l, space);
	if (!r && pcl_layout_validate(l, st->diag) < 0)
		r = -EINVAL;
	if (r < 0) {
		pcl_layout_free(l);
		return r;
	}
	*out = l;
	return 0;
}

/* The passes after the inputs, in order; the first error stops. */
static const plan_pass plan_passes[] = {
	plan_check_input,     plan_attach_base,	    plan_check_places,
	plan_decide_caps,     plan_claim_in_place,  plan_claim_moved,
	plan_check_essential, plan_place_base_other, plan_place_virtual,
	plan_add_anchor,      plan_add_hidden,
};

PCL_EXPORT int pcl_plan_run(const struct pcl_plan_request *req,
			    struct pcl_layout **layout,
			    struct pcl_report **notes, struct pcl_diag *diag)
{
	struct pcl_report *rep = NULL;
	struct pstate *st;
	int r;

	if (!req || !layout)
		return -EINVAL;
	*layout = NULL;
	if (notes)
		*notes = NULL;
	if (!req->cfg) {
		pcl_diag_add(diag, "", 0, 0, -1, "no device to plan for");
		return -EINVAL;
	}
	if (notes && !(rep = pcl_report_new()))
		return -ENOMEM;
	st = state_new(req, rep, diag);
	r = st ? load_inputs(st) : -ENOMEM;
	if (!r)
		r = make_decisions(st);
	if (!r) {
		select_database(st);
		st->base = req->layout ? req->layout : st->dbsel;
		st->base_rule = req->layout ? PCL_PROV_USER :
			st->dbsel ? PCL_PROV_DATABASE : PCL_PROV_NONE;
	}
	for (size_t i = 0; !r && i < PCL_ARRAY_SIZE(plan_passes); i++)
		r = plan_passes[i](st);
	if (!r)
		r = build_layout(st, layout);
	if (!r && rep && pcl_report_oom(rep))
		r = -ENOMEM;
	if (st)
		state_free(st);
	if (r || !notes) {
		pcl_report_free(rep);
		if (r && *layout) {
			pcl_layout_free(*layout);
			*layout = NULL;
		}
		return r;
	}
	*notes = rep;
	return 0;
}

PCL_EXPORT int pcl_plan(const struct pcl_plan_request *req,
			struct pcl_layout **layout, struct pcl_diag *diag)
{
	return pcl_plan_run(req, layout, NULL, diag);
}
