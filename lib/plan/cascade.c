// SPDX-License-Identifier: BSD-3-Clause
/*
 * cascade.c - virtual capabilities: their parameters from their generator
 * (lib/vcap), then their place by the cascade of docs/planner.md section
 * 4. Each rule is one function that either places the capability, says
 * what it found (one sentence, kept for the provenance or the failure
 * message), or stops the plan: user -> database -> quirk -> free-space
 * DVSEC -> gap. The gap rule's steps are the PF's offset (a VF), the
 * device's own hidden capability of that ID, QEMU's default offset when
 * it is safe, then the best window of the gap finder on the hazard map.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcilayout/walk.h>

#include "map/map-internal.h"
#include "plan-internal.h"
#include "vcap/vcap.h"

struct vcap {
	const struct vcap_gen *g;
	uint16_t id;
	uint32_t len;
	char label[16];			/* "PASID": the name in messages */
	struct pcl_layout_entry params; /* generator fields */
	struct pcl_strbuf pwhy;		/* how the parameters were derived */
};

/* What each rule found on the way down the cascade. */
struct tried {
	struct pcl_strbuf user, database, quirk, dvsec, gap;
};

/* One cascade's inputs and its outcome. */
struct cascade {
	struct pstate *st;
	struct vcap *v;
	struct tried t;
	struct pcl_gap *gaps; /* ranked_gaps() */
	size_t ngaps;
	bool gaps_done;
	char why[256], gr[256], win[768];
};

/*
 * The gap finder's ranked windows for this capability, computed when a
 * rule first needs them: most plans are placed before (by QEMU's default
 * window, which needs only its own class), so the ranking is skipped.
 */
static int ranked_gaps(struct cascade *c)
{
	if (c->gaps_done)
		return 0;
	c->gaps_done = true;
	return pcl_map_gaps(c->st->map, PCL_SPACE_EXTENDED, c->v->len, 4,
			    &c->gaps, &c->ngaps, NULL);
}

/* A rule: 1 placed, 0 no answer (its sentence in c->t), <0 the plan stops. */
typedef int (*cascade_rule)(struct cascade *c);

/* What the generators may look at for this plan. */
static void plan_inputs(const struct pstate *st, const uint64_t *asked,
			struct vcap_inputs *in)
{
	const struct pcl_plan_pasid *io = &st->req->iommu;

	*in = (struct vcap_inputs){
		.cfg = st->hz.cfg, .walk = st->walk, .pf = st->req->pf,
		.pf_walk = st->pf_walk, .is_vf = st->is_vf, .asked = asked,
		.allow_pasid_disabled = st->req->allow & PCL_PLAN_ALLOW_PASID_DISABLED,
		.src = st->src,
	};
	if (io->flags & PCL_PLAN_PASID_IOMMU)
		in->iommu = (struct vcap_iommu){
			.given = true, .max_width = io->iommu_max_width,
			.exec = io->iommu_exec, .priv = io->iommu_priv,
		};
}

/*
 * The parameters asked for. A base layout that has the capability too
 * keeps its own: a revision's parameters are never rewritten, so asking
 * for others is refused (plan a new revision instead).
 */
static int derive(struct pstate *st, struct vcap *v,
		  const struct pcl_layout_entry *be)
{
	struct pcl_strbuf a = { 0 }, b = { 0 };
	struct vcap_inputs in;
	int r;

	plan_inputs(st, st->req->asked[v->g->generator], &in);
	r = v->g->derive(&in, v->params.params, &v->pwhy, st->diag);
	if (r || !be || !memcmp(be->params, v->params.params, sizeof(be->params)))
		return r;
	vcap_describe_params(v->g, v->params.params, &a);
	vcap_describe_params(v->g, be->params, &b);
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
		     "the virtual %s asked for has %s, but %s %s revision %u has %s; a revision's parameters are not changed: plan a new revision, or ask for none",
		     v->label, pcl_strbuf_get(&a), plan_rule_who(st->base_rule),
		     pcl_layout_name(st->base), pcl_layout_revision(st->base),
		     pcl_strbuf_get(&b));
	pcl_strbuf_free(&a);
	pcl_strbuf_free(&b);
	return -EINVAL;
}

/*
 * Parameters of a virtual capability the layout asks for but the request
 * does not: taken from the layout as they are; a generator whose
 * parameters are the user's choice checks they can be had here.
 */
static int params_from_layout(struct pstate *st, struct vcap *v,
			      const struct pcl_layout_entry *e)
{
	const struct pcl_layout *l = st->base;
	uint64_t scratch[PCL_VCAP_MAX_PARAMS] = { 0 };
	struct pcl_strbuf why = { 0 };
	struct vcap_inputs in;
	int r = 0;

	memcpy(v->params.params, e->params, sizeof(e->params));
	pcl_strbuf_add(&v->pwhy, "taken from layout %s revision %u",
		       pcl_layout_name(l), pcl_layout_revision(l));
	if (v->g->flags & VCAP_ASKED) {
		plan_inputs(st, e->params, &in);
		r = v->g->derive(&in, scratch, &why, st->diag);
		if (r == -EINVAL) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "%s %s asks for the virtual %s above, which this device cannot give",
				     plan_rule_who(st->base_rule),
				     pcl_layout_name(l), v->label);
			r = plan_fail_rule(st->base_rule);
		}
	}
	pcl_strbuf_free(&why);
	return r;
}

static void report_failure(struct cascade *c, const char *stop)
{
	const struct tried *t = &c->t;
	struct pstate *st = c->st;

	pcl_diag_add(st->diag, st->src, 0, 0, -1,
		     "cannot place the virtual %s (%u bytes, extended space); what each rule found:",
		     c->v->label, c->v->len);
	pcl_diag_add(st->diag, st->src, 0, 0, -1, "  user: %s",
		     t->user.len ? pcl_strbuf_get(&t->user) : "not consulted");
	pcl_diag_add(st->diag, st->src, 0, 0, -1, "  database: %s",
		     t->database.len ? pcl_strbuf_get(&t->database) : stop);
	pcl_diag_add(st->diag, st->src, 0, 0, -1, "  quirk: %s",
		     t->quirk.len ? pcl_strbuf_get(&t->quirk) : stop);
	pcl_diag_add(st->diag, st->src, 0, 0, -1, "  dvsec: %s",
		     t->dvsec.len ? pcl_strbuf_get(&t->dvsec) : stop);
	pcl_diag_add(st->diag, st->src, 0, 0, -1, "  gap: %s",
		     t->gap.len ? pcl_strbuf_get(&t->gap) : stop);
}

static const char *range_source(const struct pstate *st, const struct pcl_gap *g)
{
	const struct pcl_range *r;

	if (g->free_range < 0)
		return "";
	r = pcl_map_range(st->map, (size_t)g->free_range);
	return r && r->source ? r->source : "";
}

static bool is_dvsec_source(const char *s)
{
	return strncmp(s, "dvsec", 5) == 0;
}

/* Describe the free ranges of one kind (user or DVSEC) for a finding;
 * false when there are none. */
static bool describe_free(const struct pstate *st, bool dvsec,
			  struct pcl_strbuf *s)
{
	size_t n = 0;

	for (size_t i = 0; i < pcl_map_range_count(st->map); i++) {
		const struct pcl_range *r = pcl_map_range(st->map, i);

		if (r->kind != PCL_RANGE_FREE ||
		    is_dvsec_source(r->source ? r->source : "") != dvsec)
			continue;
		if (s)
			pcl_strbuf_add(s, "%s0x%x-0x%x%s", n ? ", " : "",
				       r->start, r->start + r->length - 1,
				       r->flags & PCL_RANGE_UNTRUSTED ?
					       " (rejected: not all of it is unclaimed zero)" : "");
		n++;
	}
	return n > 0;
}

/* Finish a placement: the entry, its claim and its reason. */
static int place(struct cascade *c, uint32_t at, int rule)
{
	struct pstate *st = c->st;
	struct vcap *v = c->v;
	struct pent *p = plan_new_entry(st);
	const struct pcl_strbuf *parts[] = { &c->t.user, &c->t.database,
					     &c->t.quirk, &c->t.dvsec, &c->t.gap };

	if (!p)
		return -ENOMEM;
	p->e = v->params;
	p->e.space = PCL_SPACE_EXTENDED;
	p->e.kind = PCL_ENTRY_VIRTUAL;
	p->e.id = v->id;
	p->e.generator = (uint8_t)v->g->generator;
	p->e.at = (int32_t)at;
	p->e.length = v->len;
	p->e.prov_rule = (uint8_t)rule;
	pcl_strbuf_add(&p->why, "%s at 0x%x: ", v->label, at);
	for (size_t i = 0; i < PCL_ARRAY_SIZE(parts); i++)
		if (parts[i]->len)
			pcl_strbuf_add(&p->why, "%s, ", pcl_strbuf_get(parts[i]));
	pcl_strbuf_add(&p->why, "%s", c->win);
	if (v->pwhy.len)
		pcl_strbuf_add(&p->why, ". Parameters: %s", pcl_strbuf_get(&v->pwhy));
	pcl_strbuf_add(&p->why, ".");
	plan_claim(st, st->n_ents - 1, at, v->len);
	return p->why.oom ? -ENOMEM : 1;
}

static bool fits(struct cascade *c, uint32_t at)
{
	return plan_window_ok(c->st, PCL_SPACE_EXTENDED, at, c->v->len, c->why,
			      sizeof(c->why));
}

/* 1. user: --place, the user's layout, --free. */
static int rule_user(struct cascade *c)
{
	struct pstate *st = c->st;
	const struct pcl_plan_request *req = st->req;
	const struct pcl_layout_entry *e;
	struct vcap *v = c->v;
	int r;

	for (size_t i = 0; i < req->n_places; i++) {
		const struct plan_place *p = &req->places[i];

		if (p->space != PCL_SPACE_EXTENDED || p->id != v->id)
			continue;
		if (!fits(c, p->at)) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "cannot place the virtual %s at 0x%x (--place): %s",
				     v->label, p->at, c->why);
			return -EINVAL;
		}
		snprintf(c->win, sizeof(c->win), "placed by the user (--place %s@0x%x)",
			 v->g->name, p->at);
		return place(c, p->at, PCL_PROV_USER);
	}
	if (st->base_rule == PCL_PROV_USER &&
	    (e = pcl_layout_find_virtual(st->base, v->g->generator))) {
		if (!fits(c, (uint32_t)e->at)) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "the user's layout %s places the virtual %s at 0x%x, but on this device %s",
				     pcl_layout_name(st->base), v->label,
				     (unsigned int)e->at, c->why);
			return -ENOSPC;
		}
		snprintf(c->win, sizeof(c->win), "the user's layout %s (%s) places it there",
			 pcl_layout_name(st->base), plan_layout_file(st->base));
		return place(c, (uint32_t)e->at, PCL_PROV_USER);
	}
	if (!describe_free(st, false, NULL)) {
		pcl_strbuf_add(&c->t.user, "no user placement");
		return 0;
	}
	if ((r = ranked_gaps(c)) < 0)
		return r;
	for (size_t i = 0; i < c->ngaps; i++) {
		const struct pcl_gap *g = &c->gaps[i];

		if (g->klass != PCL_GAP_ADVERTISED ||
		    is_dvsec_source(range_source(st, g)) || !fits(c, g->offset))
			continue;
		snprintf(c->win, sizeof(c->win),
			 "the best window inside the ranges the user gave as available (--free): %s",
			 pcl_gap_reason(st->map, g, c->gr, sizeof(c->gr)));
		return place(c, g->offset, PCL_PROV_USER);
	}
	pcl_strbuf_add(&c->t.user, "no free %u-byte window inside the ranges given as available (--free ",
		       v->len);
	describe_free(st, false, &c->t.user);
	pcl_strbuf_add(&c->t.user, ")");
	report_failure(c, "not consulted: --free restricts placement to the ranges given");
	return -ENOSPC;
}

/* 2. the layout database. */
static int rule_database(struct cascade *c)
{
	struct pstate *st = c->st;
	const struct pcl_layout *l = st->dbsel;
	const struct pcl_layout_entry *e;

	if (!st->req->db) {
		pcl_strbuf_add(&c->t.database, "no layout database given");
		return 0;
	}
	if (!l) {
		pcl_strbuf_add(&c->t.database, "%s", st->dbshort);
		return 0;
	}
	e = pcl_layout_find_virtual(l, c->v->g->generator);
	if (!e) {
		pcl_strbuf_add(&c->t.database, "layout %s revision %u has no virtual %s",
			       pcl_layout_name(l), pcl_layout_revision(l),
			       c->v->label);
		return 0;
	}
	if (!fits(c, (uint32_t)e->at)) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "layout %s revision %u (%s) places the virtual %s at 0x%x, but on this device %s",
			     pcl_layout_name(l), pcl_layout_revision(l),
			     plan_layout_file(l), c->v->label,
			     (unsigned int)e->at, c->why);
		return -ENOSPC;
	}
	snprintf(c->win, sizeof(c->win),
		 "layout %s revision %u (%s), selected from the database for %04x:%04x%s%s, places it there",
		 pcl_layout_name(l), pcl_layout_revision(l), plan_layout_file(l),
		 st->id.vendor_id, st->id.device_id,
		 st->req->machine ? " on " : "",
		 st->req->machine ? st->req->machine : "");
	return place(c, (uint32_t)e->at, PCL_PROV_DATABASE);
}

/* 3. quirks' preferred placements. */
static int rule_quirk(struct cascade *c)
{
	struct pstate *st = c->st;
	size_t nq = st->hz.n_quirks;

	for (size_t k = 0; k < nq; k++) {
		const struct pcl_layout *q = st->hz.quirks[k];

		for (size_t j = 0; j < pcl_layout_placement_count(q); j++) {
			const struct pcl_layout_placement *p =
				pcl_layout_placement(q, j);

			if (p->space != PCL_SPACE_EXTENDED || p->id != c->v->id)
				continue;
			if (fits(c, p->at)) {
				snprintf(c->win, sizeof(c->win),
					 "quirk %s (%s) prefers 0x%x for it",
					 pcl_layout_name(q), plan_layout_file(q),
					 p->at);
				return place(c, p->at, PCL_PROV_QUIRK);
			}
			pcl_strbuf_add(&c->t.quirk, "%squirk %s prefers 0x%x but %s",
				       c->t.quirk.len ? "; " : "",
				       pcl_layout_name(q), p->at, c->why);
		}
	}
	if (c->t.quirk.len)
		return 0;
	if (nq)
		pcl_strbuf_add(&c->t.quirk, "no quirk placement for %s (%zu matching quirk%s)",
			       c->v->label, nq, nq == 1 ? "" : "s");
	else
		pcl_strbuf_add(&c->t.quirk, "no quirk for %04x:%04x",
			       st->id.vendor_id, st->id.device_id);
	return 0;
}

/* 4. a free-space DVSEC's advertised ranges. */
static int rule_dvsec(struct cascade *c)
{
	struct pstate *st = c->st;
	/* Only a DVSEC's free range can hold the window this rule takes. */
	int r = describe_free(st, true, NULL) ? ranked_gaps(c) : 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < c->ngaps; i++) {
		const struct pcl_gap *g = &c->gaps[i];

		if (g->klass != PCL_GAP_ADVERTISED ||
		    !is_dvsec_source(range_source(st, g)) || !fits(c, g->offset))
			continue;
		snprintf(c->win, sizeof(c->win),
			 "the free-space DVSEC (%s) advertises it as free: %s",
			 range_source(st, g),
			 pcl_gap_reason(st->map, g, c->gr, sizeof(c->gr)));
		return place(c, g->offset, PCL_PROV_DVSEC);
	}
	if (describe_free(st, true, NULL)) {
		pcl_strbuf_add(&c->t.dvsec, "no free %u-byte window in the ranges the free-space DVSEC advertises (",
			       c->v->len);
		describe_free(st, true, &c->t.dvsec);
		pcl_strbuf_add(&c->t.dvsec, ")");
	} else {
		pcl_strbuf_add(&c->t.dvsec, "no free-space DVSEC");
	}
	return 0;
}

/* 5a. a VF: where its PF has the capability (a PF is its VFs' template). */
static int gap_pf(struct cascade *c)
{
	struct pstate *st = c->st;
	const struct pcl_cap *pc;

	if (!st->req->pf)
		return 0;
	pc = vcap_find_cap(st->pf_walk, PCL_SPACE_EXTENDED, c->v->id);
	if (!pc) {
		pcl_strbuf_add(&c->t.gap, "the PF has no %s", c->v->label);
		return 0;
	}
	if (fits(c, pc->offset)) {
		snprintf(c->win, sizeof(c->win),
			 "the PF has its %s at 0x%x and those bytes are free on this VF (a PF's config space is its VFs' template)",
			 c->v->label, pc->offset);
		return place(c, pc->offset, PCL_PROV_GAP);
	}
	pcl_strbuf_add(&c->t.gap, "the PF's %s offset 0x%x is not free here (%s)",
		       c->v->label, pc->offset, c->why);
	return 0;
}

/* 5b. the device's own capability of that ID, hidden (chain or orphan). */
static int gap_own(struct cascade *c)
{
	const struct pcl_cap *own =
		vcap_find_cap(c->st->walk, PCL_SPACE_EXTENDED, c->v->id);

	if (!own)
		return 0;
	if (own->length >= c->v->len && fits(c, own->offset)) {
		snprintf(c->win, sizeof(c->win),
			 "the device's own %s at 0x%x is hidden, so the virtual one takes its place",
			 c->v->label, own->offset);
		return place(c, own->offset, PCL_PROV_GAP);
	}
	pcl_strbuf_add(&c->t.gap, "%sthe device's own %s offset 0x%x cannot be reused (%s)",
		       c->t.gap.len ? "; " : "", c->v->label, own->offset,
		       own->length < c->v->len ? "too short" : c->why);
	return 0;
}

/* 5c. QEMU's default offset for it, when it is safe. */
static int gap_qemu(struct cascade *c)
{
	uint32_t qa = c->v->g->qemu_at;
	struct pcl_gap one;
	const struct pcl_gap *g = NULL;
	int r;

	if (!qa)
		return 0;
	r = pcl_map_gap_at(c->st->map, PCL_SPACE_EXTENDED, c->v->len, qa, &one);
	if (r < 0)
		return r;
	if (r)
		g = &one;
	if (g && g->klass <= PCL_GAP_CLEAR && fits(c, qa)) {
		snprintf(c->win, sizeof(c->win),
			 "QEMU's default window 0x%x-0x%x is %s with no hazard (non-zero, orphan, reserved or unread byte) within %d bytes",
			 qa, qa + c->v->len - 1,
			 g->klass == PCL_GAP_ADVERTISED ? "advertised free" :
							  "all-zero unclaimed",
			 PCL_GAP_MARGIN);
		return place(c, qa, PCL_PROV_GAP);
	}
	if (!g)
		plan_first_unusable(c->st, qa, c->v->len, c->why, sizeof(c->why));
	else if (g->klass > PCL_GAP_CLEAR)
		pcl_gap_reason(c->st->map, g, c->why, sizeof(c->why));
	pcl_strbuf_add(&c->t.gap, "%sQEMU's default 0x%x is not safe (%s)",
		       c->t.gap.len ? "; " : "", qa, c->why);
	return 0;
}

/* 5d. the best-ranked window of the gap finder not taken by this plan. */
static int gap_best(struct cascade *c)
{
	int r = ranked_gaps(c);

	if (r < 0)
		return r;
	for (size_t i = 0; i < c->ngaps; i++) {
		const struct pcl_gap *g = &c->gaps[i];

		if (!fits(c, g->offset))
			continue;
		snprintf(c->win, sizeof(c->win),
			 "the best-ranked window of the gap finder (%s): %s",
			 pcl_gap_class_name(g->klass),
			 pcl_gap_reason(c->st->map, g, c->gr, sizeof(c->gr)));
		return place(c, g->offset, PCL_PROV_GAP);
	}
	pcl_strbuf_add(&c->t.gap, "%sno aligned %u-byte window of extended space is all unclaimed zero and unused by this plan",
		       c->t.gap.len ? "; " : "", c->v->len);
	report_failure(c, "");
	return -ENOSPC;
}

static const cascade_rule cascade_rules[] = {
	rule_user, rule_database, rule_quirk, rule_dvsec,
	gap_pf, gap_own, gap_qemu, gap_best,
};

static int cascade(struct pstate *st, struct vcap *v)
{
	struct cascade c = { .st = st, .v = v };
	int r = 0;

	for (size_t i = 0; !r && i < PCL_ARRAY_SIZE(cascade_rules); i++)
		r = cascade_rules[i](&c);
	free(c.gaps);
	pcl_strbuf_free(&c.t.user);
	pcl_strbuf_free(&c.t.database);
	pcl_strbuf_free(&c.t.quirk);
	pcl_strbuf_free(&c.t.dvsec);
	pcl_strbuf_free(&c.t.gap);
	return r < 0 ? r : 0;
}

/* The parameters of a virtual capability this plan has, then its place. */
static int place_one(struct pstate *st, struct vcap *v,
		     const struct pcl_layout_entry *be)
{
	bool want = st->req->want & 1u << v->g->generator;
	int r;

	if (!st->ext_ok) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "the virtual %s is an extended capability, but %s",
			     v->label,
			     st->id.pcie_type < 0 ?
				     "the device has no PCI Express capability, so it has no extended config space" :
				     "the extended config space (0x100-0xfff) was not read (a 4096-byte dump or root access is needed)");
		return -ENODATA;
	}
	r = want ? derive(st, v, be) : params_from_layout(st, v, be);
	return r ? r : cascade(st, v);
}

int plan_place_virtual(struct pstate *st)
{
	int r = 0;

	for (size_t i = 0; i < vcap_count() && !r; i++) {
		const struct vcap_gen *g = vcap_at(i);
		const struct pcl_layout_entry *be;
		struct vcap v = { .g = g };

		if (!g || !g->derive)
			continue;
		be = pcl_layout_find_virtual(st->base, g->generator);
		if (!(st->req->want & 1u << g->generator) && !be)
			continue;
		v.id = (uint16_t)g->id;
		v.len = g->length;
		for (size_t k = 0; g->name[k] && k + 1 < sizeof(v.label); k++)
			v.label[k] = (char)toupper((unsigned char)g->name[k]);
		pcl_layout_entry_init(&v.params);
		r = place_one(st, &v, be);
		pcl_strbuf_free(&v.pwhy);
	}
	return r;
}

/* Null and literal-bytes entries of the base layout, kept as they are. */
int plan_place_base_other(struct pstate *st)
{
	char why[256], nb[16];

	for (int s = 0; st->base && s < 2; s++) {
		for (size_t k = 0; k < pcl_layout_entry_count(st->base, s); k++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(st->base, s, k);
			const char *n = pcl_layout_cap_label(s, e->id, nb, sizeof(nb));
			struct pent *p;

			if (e->kind != PCL_ENTRY_VIRTUAL ||
			    vcap_get(e->generator)->derive)
				continue; /* placed by the cascade */
			if (!plan_window_ok(st, s, (uint32_t)e->at, e->length,
					    why, sizeof(why))) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
					     "%s %s places a virtual %s at 0x%x, but on this device %s",
					     plan_rule_who(st->base_rule),
					     pcl_layout_name(st->base), n,
					     (unsigned int)e->at, why);
				return plan_fail_rule(st->base_rule);
			}
			if (!(p = plan_new_entry(st)))
				return -ENOMEM;
			p->e = *e;
			p->e.line = p->e.column = 0;
			p->e.prov_rule = (uint8_t)st->base_rule;
			p->e.prov_reason = NULL;
			pcl_strbuf_add(&p->why, "virtual %s at 0x%x: layout %s revision %u (%s) places it there",
				       n, (unsigned int)e->at,
				       pcl_layout_name(st->base),
				       pcl_layout_revision(st->base),
				       plan_layout_file(st->base));
			plan_claim(st, st->n_ents - 1, (uint32_t)e->at, e->length);
		}
	}
	return 0;
}
