// SPDX-License-Identifier: BSD-3-Clause
/*
 * claim.c - the guest's offsets: presented capabilities claim their guest
 * bytes (where they physically are, then the relocated ones), every later
 * placement asks plan_window_ok() whether its bytes are free, and the
 * chain gets its Null anchor and the hidden entries last.
 *
 * A byte may be placed on when it is unclaimed zero or advertised free in
 * the hazard map, or when it belongs to a capability of the device - chain
 * member or orphan - that this plan hides or moves away (within the length
 * the walk measured: an extent guessed for an unknown length may hold
 * anything), and when nothing the plan already shows is there.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pcilayout/walk.h>

#include "plan-internal.h"

struct pent *plan_new_entry(struct pstate *st)
{
	struct pent *p;

	if (st->n_ents == st->alloc_ents) {
		size_t n = st->alloc_ents ? st->alloc_ents * 2 : 32;
		struct pent *grown = realloc(st->ents, n * sizeof(*grown));

		if (!grown)
			return NULL;
		st->ents = grown;
		st->alloc_ents = n;
	}
	p = &st->ents[st->n_ents++];
	memset(p, 0, sizeof(*p));
	pcl_layout_entry_init(&p->e);
	return p;
}

void plan_claim(struct pstate *st, size_t ent, uint32_t at, uint32_t len)
{
	for (uint32_t b = at; b < at + len && b < PCL_CFG_SIZE; b++)
		st->claim[b] = (uint16_t)(ent + 1);
}

/* The decision owning byte @b in the map, or NULL (not a capability). */
static const struct capdec *owner_dec(const struct pstate *st, uint32_t b)
{
	uint32_t detail = 0;
	int owner = pcl_map_owner(st->map, b, &detail);

	if (owner == PCL_OWNER_CAP && detail < st->nchain)
		return &st->dec[detail];
	if (owner == PCL_OWNER_ORPHAN && st->nchain + detail < st->ncaps)
		return &st->dec[st->nchain + detail];
	return NULL;
}

/* A capability this plan hides or moves frees the bytes it is known to span. */
static bool vacated(const struct pstate *st, uint32_t b)
{
	const struct capdec *d = owner_dec(st, b);

	return d && (d->state == CAP_HIDDEN || d->at != d->cap->offset) &&
	       !(d->cap->flags & (PCL_CAP_LENGTH_UNKNOWN | PCL_CAP_TRUNCATED)) &&
	       b < (uint32_t)d->cap->offset + d->cap->length;
}

bool plan_window_ok(struct pstate *st, int space, uint32_t at, uint32_t len,
		    char *why, size_t size)
{
	uint32_t lo = pcl_space_start(space), hi = pcl_space_end(space);
	char desc[160], nb[16];

	if (at & 3) {
		snprintf(why, size, "0x%x is not dword-aligned", at);
		return false;
	}
	if (at < lo || at >= hi || len > hi - at) {
		snprintf(why, size,
			 "0x%x-0x%x is outside the %s space (0x%x-0x%x)", at,
			 at + len - 1, plan_space_name(space), lo, hi - 1);
		return false;
	}
	for (uint32_t b = at; b < at + len; b++) {
		int owner = pcl_map_owner(st->map, b, NULL);

		if (st->claim[b]) {
			const struct pcl_layout_entry *o =
				&st->ents[st->claim[b] - 1].e;

			snprintf(why, size,
				 "0x%x is taken by %s at 0x%x (0x%x-0x%x)", b,
				 pcl_layout_cap_label(o->space, o->id, nb, sizeof(nb)),
				 (unsigned int)o->at, (unsigned int)o->at,
				 (unsigned int)(o->at + o->length - 1));
			return false;
		}
		if (owner == PCL_OWNER_ZERO || owner == PCL_OWNER_FREE ||
		    vacated(st, b))
			continue;
		pcl_map_describe(st->map, b, desc, sizeof(desc));
		snprintf(why, size, "0x%x is %s", b, desc);
		return false;
	}
	return true;
}

void plan_first_unusable(struct pstate *st, uint32_t at, uint32_t len,
			 char *why, size_t size)
{
	char desc[160];

	snprintf(why, size, "it is not a candidate window");
	for (uint32_t b = at; b < at + len && b < PCL_CFG_SIZE; b++) {
		int owner = pcl_map_owner(st->map, b, NULL);

		if (st->claim[b]) {
			plan_window_ok(st, pcl_space_of(at), at, len, why, size);
			return;
		}
		if (owner == PCL_OWNER_ZERO || owner == PCL_OWNER_FREE)
			continue;
		pcl_map_describe(st->map, b, desc, sizeof(desc));
		snprintf(why, size, "0x%x is %s", b, desc);
		return;
	}
}

static int add_presented(struct pstate *st, size_t i)
{
	struct capdec *d = &st->dec[i];
	const struct pcl_cap *c = d->cap;
	struct pent *p = plan_new_entry(st);

	if (!p)
		return -ENOMEM;
	p->e.space = c->space;
	p->e.kind = PCL_ENTRY_PHYSICAL;
	p->e.id = c->id;
	p->e.at = d->at;
	p->e.length = d->len;
	p->e.instance = d->instance;
	p->e.vendor = d->vendor;
	p->e.vsec_id = d->vsec_id;
	p->e.prov_rule = (uint8_t)d->rule;
	p->why = d->why;
	d->why = (struct pcl_strbuf){ 0 };
	plan_claim(st, st->n_ents - 1, (uint32_t)d->at, d->len);
	return 0;
}

/* Order presented capabilities by guest offset (stable; a handful of
 * capabilities, at most a few hundred in a hostile image). */
static void sort_by_at(const struct capdec *dec, size_t *order, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		size_t v = order[i], j = i;

		while (j > 0 && dec[order[j - 1]].at > dec[v].at) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
}

/* Hide @d for a reason of the device itself, unless a user decided on it. */
static int give_up(struct pstate *st, struct capdec *d, const char *what)
{
	char nb[16];
	const char *name = pcl_layout_cap_label(d->cap->space, d->cap->id, nb,
						sizeof(nb));

	if (plan_user_decided(d->rule)) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1, "%s at 0x%x %s", name,
			     d->cap->offset, what);
		return plan_fail_rule(d->rule);
	}
	d->state = CAP_HIDDEN;
	d->rule = PCL_PROV_DEFAULT;
	pcl_strbuf_truncate(&d->why, 0);
	pcl_strbuf_add(&d->why, "%s at 0x%x hidden: it %s, and a guest cannot be shown that",
		       name, d->cap->offset, what);
	return 1;
}

/* A capability running past its space is cut when its length may vary. */
static int fit_space(struct pstate *st, struct capdec *d)
{
	uint32_t end = pcl_space_end(d->cap->space);
	char what[96];

	if ((uint32_t)d->at + d->len <= end)
		return 0;
	if (!d->fixed) {
		d->len = end - (uint32_t)d->at;
		pcl_strbuf_add(&d->why, " (length cut to %u bytes at the end of the %s space)",
			       d->len, plan_space_name(d->cap->space));
		return 0;
	}
	snprintf(what, sizeof(what), "runs past the end of the %s space (%u bytes)",
		 plan_space_name(d->cap->space), d->len);
	return give_up(st, d, what);
}

/* An earlier capability reaching into @d is cut when its length may vary. */
static int fit_previous(struct pstate *st, struct capdec *pd, struct capdec *d)
{
	char nb[16], what[128];

	if ((uint32_t)pd->at + pd->len <= (uint32_t)d->at)
		return 0;
	if (!pd->fixed && pd->rule == PCL_PROV_PHYSICAL &&
	    (uint32_t)(d->at - pd->at) >= pcl_cap_hdr_size(d->cap->space)) {
		pd->len = (uint32_t)(d->at - pd->at);
		pcl_strbuf_add(&pd->why, " (length cut to %u bytes: %s starts at 0x%x)",
			       pd->len,
			       pcl_layout_cap_label(d->cap->space, d->cap->id, nb,
						    sizeof(nb)),
			       d->cap->offset);
		return 0;
	}
	snprintf(what, sizeof(what), "overlaps %s at 0x%x (0x%x-0x%x)",
		 pcl_layout_cap_label(pd->cap->space, pd->cap->id, nb, sizeof(nb)),
		 pd->cap->offset, pd->at, pd->at + pd->len - 1);
	return give_up(st, d, what);
}

/*
 * A capability the plan does not show where it is (hidden, or moved) but
 * that starts inside @d's bytes: passing @d's body through would show it,
 * so @d ends there when its length may vary (the guest builder refuses to
 * expose a neighbour).
 */
static int fit_neighbours(struct pstate *st, struct capdec *d)
{
	const struct capdec *near = NULL;
	char nb[16], what[128];

	for (size_t i = 0; i < st->ncaps; i++) {
		const struct capdec *o = &st->dec[i];

		if (o == d || o->cap->space != d->cap->space || o->anchor ||
		    (o->state == CAP_PRESENTED && o->at == o->cap->offset) ||
		    o->cap->offset <= (uint32_t)d->at ||
		    o->cap->offset >= (uint32_t)d->at + d->len)
			continue;
		if (!near || o->cap->offset < near->cap->offset)
			near = o;
	}
	if (!near)
		return 0;
	snprintf(what, sizeof(what), "%s at 0x%x",
		 pcl_layout_cap_label(near->cap->space, near->cap->id, nb,
				      sizeof(nb)), near->cap->offset);
	if (!d->fixed && d->rule == PCL_PROV_PHYSICAL &&
	    near->cap->offset - (uint32_t)d->at >= pcl_cap_hdr_size(d->cap->space)) {
		d->len = near->cap->offset - (uint32_t)d->at;
		pcl_strbuf_add(&d->why, " (length cut to %u bytes: %s, which the guest does not see there, starts inside it)",
			       d->len, what);
		return 0;
	}
	snprintf(what + strlen(what), sizeof(what) - strlen(what),
		 ", which the guest does not see there, starts inside it");
	return give_up(st, d, what);
}

/*
 * Claim the capabilities shown where they physically are. A broken device
 * can have overlapping capabilities; the earlier one is cut short when its
 * length is not fixed, else the later one is hidden - and the reasons say
 * so. A layout or a user asking for an impossible view is an error.
 */
int plan_claim_in_place(struct pstate *st)
{
	size_t *order = malloc((st->ncaps + 1) * sizeof(*order)), n = 0;
	long prev[2] = { -1, -1 };
	int r = 0;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < st->ncaps; i++)
		if (st->dec[i].state == CAP_PRESENTED &&
		    st->dec[i].at == st->dec[i].cap->offset)
			order[n++] = i;
	sort_by_at(st->dec, order, n);
	for (size_t k = 0; k < n && r >= 0; k++) {
		struct capdec *d = &st->dec[order[k]];
		int s = d->cap->space;

		r = fit_space(st, d);
		if (!r)
			r = fit_neighbours(st, d);
		if (!r && prev[s] >= 0)
			r = fit_previous(st, &st->dec[prev[s]], d);
		if (!r)
			prev[s] = (long)order[k];
	}
	/* Claim only now: lengths may have been cut above. */
	for (size_t k = 0; k < n && r >= 0; k++)
		if (st->dec[order[k]].state == CAP_PRESENTED)
			r = add_presented(st, order[k]);
	free(order);
	return r < 0 ? r : 0;
}

/* Physical capabilities moved by a layout or --place: their target bytes
 * must be free on this device. */
int plan_claim_moved(struct pstate *st)
{
	char why[256], nb[16];

	for (size_t i = 0; i < st->ncaps; i++) {
		struct capdec *d = &st->dec[i];
		const struct pcl_cap *c = d->cap;
		int r;

		if (d->state != CAP_PRESENTED || d->at == c->offset)
			continue;
		if (!plan_window_ok(st, c->space, (uint32_t)d->at, d->len, why,
				    sizeof(why))) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "cannot move %s from 0x%x to 0x%x (%u bytes): %s",
				     pcl_layout_cap_label(c->space, c->id, nb, sizeof(nb)),
				     c->offset, (unsigned int)d->at, d->len, why);
			return plan_fail_rule(d->rule);
		}
		r = add_presented(st, i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Why 0x100 needs an anchor: what is there now, in words. */
static void anchor_reason(struct pstate *st, struct pcl_strbuf *why)
{
	char nb[16];

	for (size_t i = 0; i < st->ncaps; i++) {
		const struct capdec *d = &st->dec[i];

		if (d->cap->space != PCL_SPACE_EXTENDED ||
		    d->cap->offset != PCL_EXT_CAP_START)
			continue;
		if (d->anchor) {
			pcl_strbuf_add(why, "null at 0x100: the first extended capability is hidden (vfio-pci shows a Null placeholder there), and the extended chain must start at 0x100, so a Null capability (ID 0, version 0) anchors it, as QEMU's vfio_add_ext_cap() and the kernel's vfio_ecap_init() do");
			return;
		}
		pcl_strbuf_add(why, "null at 0x100: the device's first extended capability, %s, is %s, and the extended chain must start at 0x100, so a Null capability (ID 0, version 0) anchors it, as QEMU's vfio_add_ext_cap() and the kernel's vfio_ecap_init() do",
			       pcl_layout_cap_label(d->cap->space, d->cap->id,
						    nb, sizeof(nb)),
			       d->state == CAP_PRESENTED ? "moved elsewhere" : "hidden");
		return;
	}
	pcl_strbuf_add(why, "null at 0x100: the device has no extended capability at 0x100 and the extended chain must start there, so a Null capability (ID 0, version 0) anchors it");
}

/* The extended chain starts at 0x100; when nothing shown is there, a Null
 * capability (ID 0, version 0, next = first shown) anchors it. */
int plan_add_anchor(struct pstate *st)
{
	bool any = false;
	char why[256];
	struct pent *p;

	for (size_t i = 0; i < st->n_ents; i++)
		if (st->ents[i].e.space == PCL_SPACE_EXTENDED &&
		    st->ents[i].e.kind != PCL_ENTRY_HIDDEN)
			any = true;
	if (!any || st->claim[PCL_EXT_CAP_START])
		return 0;
	if (!plan_window_ok(st, PCL_SPACE_EXTENDED, PCL_EXT_CAP_START,
			    PCL_EXT_CAP_HDR_SIZE, why, sizeof(why))) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "the extended chain needs a Null capability at 0x100 to start from, but %s",
			     why);
		return -ENOSPC;
	}
	p = plan_new_entry(st);
	if (!p)
		return -ENOMEM;
	p->e.space = PCL_SPACE_EXTENDED;
	p->e.kind = PCL_ENTRY_VIRTUAL;
	p->e.id = PCL_EXT_CAP_ID_NULL;
	p->e.generator = PCL_GEN_NULL;
	p->e.at = PCL_EXT_CAP_START;
	p->e.length = PCL_EXT_CAP_HDR_SIZE;
	p->e.prov_rule = PCL_PROV_DEFAULT;
	anchor_reason(st, &p->why);
	plan_claim(st, st->n_ents - 1, PCL_EXT_CAP_START, PCL_EXT_CAP_HDR_SIZE);
	return 0;
}

static struct pent *add_hidden_entry(struct pstate *st, const struct pcl_cap *c,
				     const struct capdec *d, uint32_t instance)
{
	struct pent *p = plan_new_entry(st);

	if (!p)
		return NULL;
	p->e.space = c->space;
	p->e.kind = PCL_ENTRY_HIDDEN;
	p->e.id = c->id;
	p->e.at = -1;
	p->e.length = 0;
	p->e.instance = instance;
	p->e.vendor = d ? d->vendor : -1;
	p->e.vsec_id = d ? d->vsec_id : -1;
	if (!d && pcl_is_vendor_cap(c->space, c->id)) {
		p->e.vendor = c->vendor;
		p->e.vsec_id = c->vsec_id;
	}
	p->e.prov_rule = d ? (uint8_t)d->rule : PCL_PROV_DEFAULT;
	return p;
}

/* Is there a capability of the analysed device at (@space, @offset)? */
static bool analysed(const struct pstate *st, int space, uint16_t offset)
{
	for (size_t i = 0; i < st->ncaps; i++)
		if (st->dec[i].cap->space == space &&
		    st->dec[i].cap->offset == offset && !st->dec[i].anchor)
			return true;
	return false;
}

/*
 * Capabilities of the device as read that vfio-pci's view does not show
 * at all (its hidden first one, or one whose bytes do not look like a
 * capability once unlinked): still the device's, so they are listed, after
 * the selectors the view has (their instance follows every other one).
 */
static int add_unseen(struct pstate *st)
{
	size_t first = st->n_ents;
	char nb[16];
	const char *why;

	for (size_t i = 0; st->dev_walk != st->walk &&
			   i < pcl_walk_cap_count(st->dev_walk); i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->dev_walk, i);
		uint32_t inst = 0;
		struct pent *p;

		if (analysed(st, c->space, c->offset) ||
		    !pcl_catalog_vfio_hides(c->space, c->id))
			continue;
		for (size_t k = 0; k < st->ncaps; k++)
			inst += st->dec[k].cap->space == c->space &&
				st->dec[k].cap->id == c->id;
		for (size_t k = first; k < st->n_ents; k++)
			inst += st->ents[k].e.space == c->space &&
				st->ents[k].e.id == c->id;
		p = add_hidden_entry(st, c, NULL, inst);
		if (!p)
			return -ENOMEM;
		pcl_plan_default_hidden(c->space, c->id, &why);
		pcl_strbuf_add(&p->why, "%s at 0x%x hidden: %s; vfio-pci's view does not show it at all",
			       pcl_layout_cap_label(c->space, c->id, nb, sizeof(nb)),
			       c->offset, why);
	}
	return 0;
}

int plan_add_hidden(struct pstate *st)
{
	for (size_t i = 0; i < st->ncaps; i++) {
		struct capdec *d = &st->dec[i];
		struct pent *p;

		if (d->state != CAP_HIDDEN || d->anchor)
			continue;
		p = add_hidden_entry(st, d->cap, d, d->instance);
		if (!p)
			return -ENOMEM;
		p->why = d->why;
		d->why = (struct pcl_strbuf){ 0 };
	}
	return add_unseen(st);
}
