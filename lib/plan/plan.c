// SPDX-License-Identifier: BSD-3-Clause
/*
 * plan.c - the planner (docs/planner.md). In order:
 *
 *   1. inputs: walk, matching quirks, free-space DVSECs, the occupancy map
 *      (with quirk reserved ranges, user and DVSEC free ranges), the
 *      database layout for this device, machine type and profile;
 *   2. the base view: each capability of the chains presented at its
 *      physical offset or hidden - default hide list, then quirks, then the
 *      user or database layout (which defines the whole view), then
 *      --hide/--keep/--place;
 *   3. presented capabilities claimed in a guest-offset map (overlaps in
 *      broken devices resolved by clipping or hiding, and said so), then
 *      relocations checked against the device's bytes;
 *   4. virtual capabilities placed by the cascade user -> database ->
 *      quirk -> DVSEC -> gap, each with a sentence per rule tried;
 *   5. the Null anchor at 0x100 when the extended chain needs one;
 *   6. the layout, validated before it is returned.
 *
 * Everything is linear in the size of config space (4096 bytes) and the
 * number of capabilities, so a fleet of 100,000 devices costs 100,000
 * small plans.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcilayout/dvsec.h>
#include <pcilayout/walk.h>

#include "plan-internal.h"
#include "vcap/vcap.h"

/* ---------------------------------------------------------------- */
/* State                                                             */
/* ---------------------------------------------------------------- */

enum { CAP_PRESENTED = 0, CAP_HIDDEN = 1 };

/* The decision about one capability of the walk. */
struct capdec {
	int state;
	int32_t at;	    /* guest offset when presented */
	uint32_t len;	    /* guest length when presented */
	int rule;	    /* enum pcl_prov_rule */
	bool fixed;	    /* format 1 fixes its length */
	bool kept;	    /* presented because of --keep */
	bool replaced;	    /* hidden because a virtual one replaces it */
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
	const char *src;
	const struct pcl_cfg *cfg;
	const struct pcl_walk *walk;
	struct pcl_walk *own_walk;
	struct pcl_walk *pf_walk;
	struct pcl_dvsec_scan *dscan;
	struct pcl_map *map;
	struct pcl_identity id;
	bool is_vf;
	bool ext_ok;	 /* extended space read and the device is PCIe */

	const struct pcl_layout **quirks; /* matching, best first */
	size_t n_quirks;
	const struct pcl_layout *dbsel;
	char dbshort[160]; /* "no layout in the database for ..." */
	const struct pcl_layout *base;
	int base_rule;

	size_t ncaps;
	struct capdec *dec;

	struct pent *ents;
	size_t n_ents;
	size_t alloc_ents;
	uint16_t claim[PCL_CFG_SIZE]; /* index + 1 of the entry, 0 = none */
};

static const char *space_short(int space)
{
	return space == PCL_SPACE_STANDARD ? "standard" : "extended";
}

static const char *layout_file(const struct pcl_layout *l)
{
	const char *s = pcl_layout_source(l);

	return s && *s ? s : "given in memory";
}

static struct pent *new_entry(struct pstate *st)
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

static void claim(struct pstate *st, size_t ent, uint32_t at, uint32_t len)
{
	for (uint32_t b = at; b < at + len && b < PCL_CFG_SIZE; b++)
		st->claim[b] = (uint16_t)(ent + 1);
}

/*
 * Can @len bytes at @at be shown to the guest as a new structure? Only
 * bytes that are unclaimed zero, advertised free, or part of a capability
 * this plan hides or moves away qualify, and nothing the plan already shows
 * may be there. On refusal @why says which byte and who owns it.
 */
static bool window_ok(struct pstate *st, int space, uint32_t at, uint32_t len,
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
			 at + len - 1, space_short(space), lo, hi - 1);
		return false;
	}
	for (uint32_t b = at; b < at + len; b++) {
		uint32_t detail = 0;
		int owner;

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
		owner = pcl_map_owner(st->map, b, &detail);
		if (owner == PCL_OWNER_ZERO || owner == PCL_OWNER_FREE)
			continue;
		/* A capability this plan hides or moves frees its bytes - but
		 * only the ones it is known to span: an extent guessed for an
		 * unknown length may hold anything. */
		if (owner == PCL_OWNER_CAP && detail < st->ncaps) {
			const struct capdec *d = &st->dec[detail];
			const struct pcl_cap *c = pcl_walk_cap(st->walk, detail);

			if ((d->state == CAP_HIDDEN || d->at != c->offset) &&
			    !(c->flags & (PCL_CAP_LENGTH_UNKNOWN |
					  PCL_CAP_TRUNCATED)) &&
			    b < (uint32_t)c->offset + c->length)
				continue;
		}
		pcl_map_describe(st->map, b, desc, sizeof(desc));
		snprintf(why, size, "0x%x is %s", b, desc);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- */
/* Inputs                                                            */
/* ---------------------------------------------------------------- */

static int add_ranges(struct pcl_range **all, size_t *n, size_t *alloc,
		      const struct pcl_range *r, size_t count)
{
	if (*n + count > *alloc) {
		size_t a = *alloc ? *alloc : 16;
		struct pcl_range *grown;

		while (a < *n + count)
			a *= 2;
		grown = realloc(*all, a * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		*all = grown;
		*alloc = a;
	}
	if (count)	/* r may be NULL then: memcpy's arguments must not be */
		memcpy(*all + *n, r, count * sizeof(*r));
	*n += count;
	return 0;
}

static unsigned int specificity(const struct pcl_layout *l)
{
	unsigned int n = 0;

	for (uint32_t f = pcl_layout_match(l)->fields; f; f &= f - 1)
		n++;
	return n;
}

/* Quirks that match, most specific first, then by name: deterministic. */
static int gather_quirks(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	const struct pcl_layout **m = NULL;
	size_t n = 0, nq = 0;
	int r;

	if (req->quirks) {
		r = pcl_quirks_match(req->quirks, st->cfg, &m, &n);
		if (r < 0)
			return r;
	}
	st->quirks = malloc((n + req->n_extra_quirks + 1) * sizeof(*st->quirks));
	if (!st->quirks) {
		free(m);
		return -ENOMEM;
	}
	/*
	 * Count in a local and publish at the end: st->n_quirks then never
	 * covers an unwritten slot, which the analyzer can see.
	 */
	for (size_t i = 0; i < n; i++)
		st->quirks[nq++] = m[i];
	free(m);
	for (size_t i = 0; i < req->n_extra_quirks; i++) {
		const struct pcl_layout *q = req->extra_quirks[i];

		if (pcl_layout_matches(q, st->id.vendor_id, st->id.device_id,
				       st->id.subsys_vendor_id,
				       st->id.subsys_id, st->id.revision,
				       st->id.class_code))
			st->quirks[nq++] = q;
	}
	st->n_quirks = nq;
	for (size_t i = 1; i < nq; i++) {
		const struct pcl_layout *q = st->quirks[i];
		size_t j = i;

		while (j > 0) {
			const struct pcl_layout *p = st->quirks[j - 1];
			unsigned int sp = specificity(p), sq = specificity(q);

			if (sp > sq || (sp == sq &&
					strcmp(pcl_layout_name(p),
					       pcl_layout_name(q)) <= 0))
				break;
			st->quirks[j] = p;
			j--;
		}
		st->quirks[j] = q;
	}
	return 0;
}

/* Reserved ranges of quirks given one by one (the database does its own). */
static int extra_quirk_ranges(struct pstate *st, struct pcl_range **all,
			      size_t *n, size_t *alloc)
{
	const struct pcl_plan_request *req = st->req;

	for (size_t i = 0; i < req->n_extra_quirks; i++) {
		const struct pcl_layout *q = req->extra_quirks[i];
		bool match = false;

		for (size_t k = 0; k < st->n_quirks; k++)
			match |= st->quirks[k] == q;
		if (!match)
			continue;
		for (size_t k = 0; k < pcl_layout_reserved_count(q); k++) {
			const struct pcl_layout_reserved *rs =
				pcl_layout_reserved(q, k);
			struct pcl_range r = {
				.start = rs->offset, .length = rs->length,
				.kind = PCL_RANGE_RESERVED,
				.source = pcl_layout_name(q),
				.reason = rs->reason,
			};
			int ret = add_ranges(all, n, alloc, &r, 1);

			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int build_map(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	struct pcl_range *all = NULL, *qr = NULL;
	size_t n = 0, alloc = 0, nq = 0, nd = 0;
	const struct pcl_range *dr;
	int r = 0;

	if (req->quirks)
		r = pcl_quirks_reserved(req->quirks, st->cfg, &qr, &nq);
	if (!r)
		r = add_ranges(&all, &n, &alloc, qr, nq);
	if (!r)
		r = extra_quirk_ranges(st, &all, &n, &alloc);
	if (!r && req->n_ranges)
		r = add_ranges(&all, &n, &alloc, req->ranges, req->n_ranges);
	st->dscan = pcl_dvsec_scan_new(st->walk, NULL);
	if (!st->dscan && !r)
		r = -errno;
	if (!r) {
		dr = pcl_dvsec_scan_ranges(st->dscan, &nd);
		if (nd)
			r = add_ranges(&all, &n, &alloc, dr, nd);
	}
	if (!r) {
		st->map = pcl_map_new(st->walk, all, n);
		if (!st->map)
			r = -errno;
	}
	pcl_range_list_free(qr, nq);
	free(all);
	return r;
}

/* ---------------------------------------------------------------- */
/* The base view                                                     */
/* ---------------------------------------------------------------- */

/* Selector instance: among caps of one (space, id), and for VSEC/DVSEC of
 * one vendor and ID too, as layout entries select them. */
static void set_selectors(struct pstate *st)
{
	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
		struct capdec *d = &st->dec[i];
		uint32_t inst = 0;

		d->vendor = -1;
		d->vsec_id = -1;
		if (pcl_is_vendor_cap(c->space, c->id)) {
			d->vendor = c->vendor;
			d->vsec_id = c->vsec_id;
		}
		for (size_t k = 0; k < i; k++) {
			const struct pcl_cap *o = pcl_walk_cap(st->walk, k);

			if (o->space == c->space && o->id == c->id &&
			    (!pcl_is_vendor_cap(c->space, c->id) ||
			     (o->vendor == c->vendor &&
			      o->vsec_id == c->vsec_id)))
				inst++;
		}
		d->instance = inst;
	}
}


static const char *rule_who(int rule)
{
	return rule == PCL_PROV_USER ? "the user's layout" : "the database layout";
}

/* Attach the base layout's physical and hidden entries to capabilities. */
static int attach_base(struct pstate *st)
{
	const struct pcl_layout *b = st->base;
	char nb[16];

	for (int s = 0; s < 2; s++) {
		for (size_t k = 0; k < pcl_layout_entry_count(b, s); k++) {
			const struct pcl_layout_entry *e = pcl_layout_entry(b, s, k);
			long i;

			if (e->kind == PCL_ENTRY_VIRTUAL)
				continue;
			i = pcl_layout_entry_find(e, st->walk);
			if (i < 0 && e->kind == PCL_ENTRY_HIDDEN)
				continue; /* nothing to hide */
			if (i < 0) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "%s %s (%s) presents %s%s at 0x%x, which this device does not have",
					      rule_who(st->base_rule),
					      pcl_layout_name(b), layout_file(b),
					      pcl_layout_cap_label(s, e->id, nb, sizeof(nb)),
					      e->instance ? " (a further instance)" : "",
					      (unsigned int)e->at);
				return -ENOSPC;
			}
			if (st->dec[i].base) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "%s %s selects %s at 0x%x twice",
					      rule_who(st->base_rule),
					      pcl_layout_name(b),
					      pcl_layout_cap_label(s, e->id, nb, sizeof(nb)),
					      pcl_walk_cap(st->walk, (size_t)i)->offset);
				return -ENOSPC;
			}
			st->dec[i].base = e;
		}
	}
	return 0;
}

static bool id_in(const struct plan_id *l, size_t n, int space, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].space == space && l[i].id == id)
			return true;
	return false;
}

static bool quirk_lists(const struct pcl_layout *q, bool hide, int space,
			uint16_t id)
{
	size_t n = hide ? pcl_layout_hide_count(q, space) :
			  pcl_layout_keep_count(q, space);

	for (size_t i = 0; i < n; i++)
		if ((hide ? pcl_layout_hide(q, space, i) :
			    pcl_layout_keep(q, space, i)) == id)
			return true;
	return false;
}


/* A virtual entry of @gen in @l, or NULL. */
static const struct pcl_layout_entry *find_virtual(const struct pcl_layout *l,
						   int gen)
{
	if (!l)
		return NULL;
	for (size_t k = 0; k < pcl_layout_entry_count(l, PCL_SPACE_EXTENDED); k++) {
		const struct pcl_layout_entry *e =
			pcl_layout_entry(l, PCL_SPACE_EXTENDED, k);

		if (e->kind == PCL_ENTRY_VIRTUAL && e->generator == gen)
			return e;
	}
	return NULL;
}

/* Length of a capability in the guest when shown where it is. */
static uint32_t cap_guest_length(struct pstate *st, size_t i, bool *fixed)
{
	const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
	uint32_t len = c->length, end = pcl_space_end(c->space), fixed_len;

	*fixed = pcl_layout_cap_fixed_length(c->space, c->id, &fixed_len);
	if (*fixed)
		return fixed_len;
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN) {
		/* The map's extent: every byte it gave this capability. */
		uint32_t b = c->offset, detail;

		while (b < end && pcl_map_owner(st->map, b, &detail) ==
					  PCL_OWNER_CAP && detail == i)
			b++;
		len = b - c->offset;
	}
	if (len < (c->space == PCL_SPACE_STANDARD ? 2u : 4u))
		len = c->space == PCL_SPACE_STANDARD ? 2 : 4;
	return len;
}

/* A virtual capability of (@space, @id) is part of this plan: requested,
 * or in the base layout. */
static bool virtual_wanted(const struct pstate *st, int space, uint16_t id)
{
	const struct vcap_gen *g = vcap_for_cap(space, id);

	if (!g)
		return false;
	return (st->req->want & 1u << g->generator) ||
	       find_virtual(st->base, g->generator);
}

/* Every --place names a virtual capability of the plan or a capability
 * of the device: anything else is a typo, not a wish to ignore. */
static int check_places(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	char nb[16];

	for (size_t k = 0; k < req->n_places; k++) {
		const struct plan_place *p = &req->places[k];
		const char *n;

		if (virtual_wanted(st, p->space, p->id) ||
		    pcl_walk_find(st->walk, p->space, p->id, 0))
			continue;
		n = pcl_layout_cap_label(p->space, p->id, nb, sizeof(nb));
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "--place %s@0x%x: the device has no %s in its %s chain, and no virtual %s is requested",
			      n, p->at, n, space_short(p->space), n);
		return -EINVAL;
	}
	return 0;
}

/* Whether the capability at @offset is a free-space DVSEC (any status). */
static bool is_free_space_dvsec(const struct pstate *st, uint16_t offset)
{
	size_t n = st->dscan ? pcl_dvsec_scan_count(st->dscan) : 0;

	for (size_t i = 0; i < n; i++)
		if (pcl_dvsec_scan_get(st->dscan, i)->offset == offset)
			return true;
	return false;
}

static int decide_caps(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	char nb[16];

	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
		struct capdec *d = &st->dec[i];
		const char *name = pcl_layout_cap_label(c->space, c->id, nb, sizeof(nb));
		const char *why;

		d->at = c->offset;
		d->len = cap_guest_length(st, i, &d->fixed);
		d->state = CAP_PRESENTED;
		d->rule = PCL_PROV_PHYSICAL;
		pcl_strbuf_add(&d->why,
			     "%s at 0x%x: presented at its physical offset, as vfio-pci and QEMU do",
			     name, c->offset);
		if (pcl_plan_default_hidden(c->space, c->id, &why)) {
			d->state = CAP_HIDDEN;
			d->rule = PCL_PROV_DEFAULT;
			d->why.len = 0;
			pcl_strbuf_add(&d->why, "%s at 0x%x hidden: %s", name,
				     c->offset, why);
		}
		if (c->space == PCL_SPACE_EXTENDED && c->id == 0x23 &&
		    is_free_space_dvsec(st, c->offset)) {
			/* It describes the host's free space, not the guest's
			 * (docs/dvsec-free-space.md, "Does the guest see it?"). */
			d->state = CAP_HIDDEN;
			d->rule = PCL_PROV_DEFAULT;
			d->why.len = 0;
			pcl_strbuf_add(&d->why,
				     "%s at 0x%x hidden: a free-space DVSEC is information for the VMM, and its table would not describe the guest's config space",
				     name, c->offset);
		}
		for (size_t k = 0; k < st->n_quirks && !st->base; k++) {
			const struct pcl_layout *q = st->quirks[k];
			bool h = quirk_lists(q, true, c->space, c->id);

			if (!h && !quirk_lists(q, false, c->space, c->id))
				continue;
			d->state = h ? CAP_HIDDEN : CAP_PRESENTED;
			d->rule = PCL_PROV_QUIRK;
			d->why.len = 0;
			pcl_strbuf_add(&d->why, "%s at 0x%x %s by quirk %s (%s)",
				     name, c->offset,
				     h ? "hidden" : "presented at its physical offset",
				     pcl_layout_name(q), layout_file(q));
			break;
		}
		if (st->base) {
			const struct pcl_layout *b = st->base;
			const struct pcl_layout_entry *e = d->base;

			d->rule = st->base_rule;
			d->why.len = 0;
			if (!e) {
				d->state = CAP_HIDDEN;
				pcl_strbuf_add(&d->why,
					     "%s at 0x%x hidden: it is not part of layout %s revision %u (%s), which defines the whole guest view",
					     name, c->offset, pcl_layout_name(b),
					     pcl_layout_revision(b), layout_file(b));
			} else if (e->kind == PCL_ENTRY_HIDDEN) {
				d->state = CAP_HIDDEN;
				pcl_strbuf_add(&d->why,
					     "%s at 0x%x hidden by layout %s revision %u (%s)",
					     name, c->offset, pcl_layout_name(b),
					     pcl_layout_revision(b), layout_file(b));
			} else {
				d->state = CAP_PRESENTED;
				d->at = e->at;
				if (e->length)
					d->len = e->length;
				if (e->at == c->offset)
					pcl_strbuf_add(&d->why,
						     "%s at 0x%x: layout %s revision %u (%s) presents it at its physical offset",
						     name, c->offset,
						     pcl_layout_name(b),
						     pcl_layout_revision(b),
						     layout_file(b));
				else
					pcl_strbuf_add(&d->why,
						     "%s at 0x%x: layout %s revision %u (%s) moves it there from its physical offset 0x%x",
						     name, e->at,
						     pcl_layout_name(b),
						     pcl_layout_revision(b),
						     layout_file(b), c->offset);
			}
		}
		if (id_in(req->hide, req->n_hide, c->space, c->id)) {
			d->state = CAP_HIDDEN;
			d->rule = PCL_PROV_USER;
			d->why.len = 0;
			pcl_strbuf_add(&d->why, "%s at 0x%x hidden by the user (--hide %s)",
				     name, c->offset, name);
		} else if (id_in(req->keep, req->n_keep, c->space, c->id)) {
			if (d->state == CAP_HIDDEN)
				d->at = c->offset;
			d->state = CAP_PRESENTED;
			d->rule = PCL_PROV_USER;
			d->kept = true;
			d->why.len = 0;
			pcl_strbuf_add(&d->why,
				     "%s at 0x%x: presented because the user asked to keep it (--keep %s)",
				     name, (unsigned int)d->at, name);
		}
		if (!virtual_wanted(st, c->space, c->id)) {
			for (size_t k = 0; k < req->n_places; k++) {
				const struct plan_place *p = &req->places[k];

				if (p->space != c->space || p->id != c->id ||
				    d->instance)
					continue;
				d->state = CAP_PRESENTED;
				d->rule = PCL_PROV_USER;
				d->at = (int32_t)p->at;
				d->why.len = 0;
				pcl_strbuf_add(&d->why,
					     "%s at 0x%x: moved there by the user (--place %s@0x%x) from its physical offset 0x%x",
					     name, p->at, name, p->at, c->offset);
			}
		} else if (d->state == CAP_PRESENTED && d->instance == 0) {
			if (d->kept) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "--keep %s contradicts the virtual %s requested: a guest cannot see both at once",
					      name, name);
				return -EINVAL;
			}
			d->state = CAP_HIDDEN;
			d->replaced = true;
			d->rule = PCL_PROV_DEFAULT;
			d->why.len = 0;
			pcl_strbuf_add(&d->why,
				     "%s at 0x%x hidden: replaced by the virtual %s requested, so the device's own registers do not reach the guest",
				     name, c->offset, name);
		}
		if (d->why.oom)
			return -ENOMEM;
	}
	return 0;
}

static bool user_decided(int rule)
{
	return rule == PCL_PROV_USER || rule == PCL_PROV_DATABASE;
}

/* A user asking for the impossible made a usage error; a database layout
 * that does not fit this device means "cannot place". */
static int fail_rule(int rule)
{
	return rule == PCL_PROV_USER ? -EINVAL : -ENOSPC;
}

static int add_presented(struct pstate *st, size_t i)
{
	const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
	struct capdec *d = &st->dec[i];
	struct pent *p = new_entry(st);

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
	claim(st, st->n_ents - 1, (uint32_t)d->at, d->len);
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

/*
 * Claim the capabilities shown where they physically are. A broken device
 * can have overlapping capabilities; the earlier one is cut short when its
 * length is not fixed, else the later one is hidden - and the reasons say
 * so. A layout or a user asking for an impossible view is an error.
 */
static int claim_in_place(struct pstate *st)
{
	size_t *order = malloc((st->ncaps + 1) * sizeof(*order)), n = 0;
	long prev[2] = { -1, -1 };
	char na[16], nb[16];
	int r = 0;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);

		if (st->dec[i].state == CAP_PRESENTED && st->dec[i].at == c->offset)
			order[n++] = i;
	}
	sort_by_at(st->dec, order, n);
	for (size_t k = 0; k < n && !r; k++) {
		size_t i = order[k];
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
		struct capdec *d = &st->dec[i];
		uint32_t end = pcl_space_end(c->space);
		const char *name = pcl_layout_cap_label(c->space, c->id, na, sizeof(na));

		if ((uint32_t)d->at + d->len > end) {
			if (!d->fixed) {
				d->len = end - (uint32_t)d->at;
				pcl_strbuf_add(&d->why, " (length cut to %u bytes at the end of the %s space)",
					     d->len, space_short(c->space));
			} else if (!user_decided(d->rule)) {
				d->state = CAP_HIDDEN;
				d->rule = PCL_PROV_DEFAULT;
				d->why.len = 0;
				pcl_strbuf_add(&d->why,
					     "%s at 0x%x hidden: its %u bytes run past the end of the %s space",
					     name, c->offset, d->len,
					     space_short(c->space));
				continue;
			} else {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "%s at 0x%x runs past the end of the %s space",
					      name, c->offset, space_short(c->space));
				r = fail_rule(d->rule);
				break;
			}
		}
		if (prev[c->space] >= 0) {
			size_t pi = (size_t)prev[c->space];
			struct capdec *pd = &st->dec[pi];
			const struct pcl_cap *pc = pcl_walk_cap(st->walk, pi);
			uint32_t hdr = c->space == PCL_SPACE_STANDARD ? 2 : 4;

			if ((uint32_t)pd->at + pd->len > (uint32_t)d->at) {
				const char *pname = pcl_layout_cap_label(pc->space, pc->id,
							    nb, sizeof(nb));

				if (!pd->fixed && pd->rule == PCL_PROV_PHYSICAL &&
				    (uint32_t)(d->at - pd->at) >= hdr) {
					pd->len = (uint32_t)(d->at - pd->at);
					pcl_strbuf_add(&pd->why,
						     " (length cut to %u bytes: %s starts at 0x%x)",
						     pd->len, name, c->offset);
				} else if (!user_decided(d->rule)) {
					d->state = CAP_HIDDEN;
					d->rule = PCL_PROV_DEFAULT;
					d->why.len = 0;
					pcl_strbuf_add(&d->why,
						     "%s at 0x%x hidden: it overlaps %s at 0x%x (0x%x-0x%x), and a guest cannot be shown both",
						     name, c->offset, pname,
						     pc->offset, pd->at,
						     pd->at + pd->len - 1);
					continue;
				} else {
					pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "%s at 0x%x overlaps %s at 0x%x-0x%x",
						      name, c->offset, pname,
						      pd->at, pd->at + pd->len - 1);
					r = fail_rule(d->rule);
					break;
				}
			}
		}
		prev[c->space] = (long)i;
	}
	/* Claim only now: lengths may have been cut above. */
	for (size_t k = 0; k < n && !r; k++)
		if (st->dec[order[k]].state == CAP_PRESENTED)
			r = add_presented(st, order[k]);
	free(order);
	return r;
}

/* Physical capabilities moved by a layout or --place: their target bytes
 * must be free on this device. */
static int claim_moved(struct pstate *st)
{
	char why[256], nb[16];

	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
		struct capdec *d = &st->dec[i];

		if (d->state != CAP_PRESENTED || d->at == c->offset)
			continue;
		if (!window_ok(st, c->space, (uint32_t)d->at, d->len, why,
			       sizeof(why))) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "cannot move %s from 0x%x to 0x%x (%u bytes): %s",
				      pcl_layout_cap_label(c->space, c->id, nb, sizeof(nb)),
				      c->offset, (unsigned int)d->at, d->len,
				      why);
			return fail_rule(d->rule);
		}
		int r = add_presented(st, i);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Virtual capabilities                                              */
/* ---------------------------------------------------------------- */

struct vcap {
	const struct vcap_gen *g;
	uint16_t id;
	uint32_t len;
	char label[16];			/* "PASID": the name in messages */
	struct pcl_layout_entry params; /* generator fields */
	struct pcl_strbuf pwhy;		/* how the parameters were derived */
};

/* What the generators may look at for this plan. */
static void plan_inputs(const struct pstate *st, const uint64_t *asked,
			struct vcap_inputs *in)
{
	const struct pcl_plan_pasid *io = &st->req->iommu;

	*in = (struct vcap_inputs){
		.cfg = st->cfg, .walk = st->walk, .pf = st->req->pf,
		.pf_walk = st->pf_walk, .is_vf = st->is_vf, .asked = asked,
		.src = st->src,
	};
	if (io->flags & PCL_PLAN_PASID_IOMMU)
		in->iommu = (struct vcap_iommu){
			.given = true, .max_width = io->iommu_max_width,
			.exec = io->iommu_exec, .priv = io->iommu_priv,
		};
}

static int derive(struct pstate *st, struct vcap *v)
{
	struct vcap_inputs in;

	plan_inputs(st, st->req->asked[v->g->generator], &in);
	return v->g->derive(&in, v->params.params, &v->pwhy, st->diag);
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
				     rule_who(st->base_rule),
				     pcl_layout_name(l), v->label);
			r = fail_rule(st->base_rule);
		}
	}
	pcl_strbuf_free(&why);
	return r;
}

/* The rule findings collected on the way down the cascade. */
struct tried {
	struct pcl_strbuf user, database, quirk, dvsec, gap;
};

static void tried_free(struct tried *t)
{
	pcl_strbuf_free(&t->user);
	pcl_strbuf_free(&t->database);
	pcl_strbuf_free(&t->quirk);
	pcl_strbuf_free(&t->dvsec);
	pcl_strbuf_free(&t->gap);
}

static void report_failure(struct pstate *st, const struct vcap *v,
			   const struct tried *t, const char *stop)
{
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "cannot place the virtual %s (%u bytes, extended space); what each rule found:",
		      v->label, v->len);
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "  user: %s",
		      t->user.len ? pcl_strbuf_get(&t->user) : "not consulted");
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "  database: %s",
		      t->database.len ? pcl_strbuf_get(&t->database) : stop);
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "  quirk: %s",
		      t->quirk.len ? pcl_strbuf_get(&t->quirk) : stop);
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "  dvsec: %s",
		      t->dvsec.len ? pcl_strbuf_get(&t->dvsec) : stop);
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "  gap: %s",
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

/* Describe the free ranges of one kind (user or DVSEC) for a finding. */
static void describe_free(struct pstate *st, bool dvsec, struct pcl_strbuf *s)
{
	size_t n = 0;

	for (size_t i = 0; i < pcl_map_range_count(st->map); i++) {
		const struct pcl_range *r = pcl_map_range(st->map, i);

		if (r->kind != PCL_RANGE_FREE ||
		    is_dvsec_source(r->source ? r->source : "") != dvsec)
			continue;
		pcl_strbuf_add(s, "%s0x%x-0x%x%s", n++ ? ", " : "", r->start,
			     r->start + r->length - 1,
			     r->flags & PCL_RANGE_UNTRUSTED ?
				     " (rejected: not all of it is unclaimed zero)" : "");
	}
}

static bool have_free(const struct pstate *st, bool dvsec)
{
	for (size_t i = 0; i < pcl_map_range_count(st->map); i++) {
		const struct pcl_range *r = pcl_map_range(st->map, i);

		if (r->kind == PCL_RANGE_FREE &&
		    is_dvsec_source(r->source ? r->source : "") == dvsec)
			return true;
	}
	return false;
}

/* Finish a placement: the entry, its claim and its reason. */
static int place_virtual(struct pstate *st, struct vcap *v, uint32_t at,
			 int rule, const struct tried *t, const char *winner)
{
	struct pent *p = new_entry(st);
	const struct pcl_strbuf *parts[] = { &t->user, &t->database, &t->quirk,
					   &t->dvsec, &t->gap };

	if (!p)
		return -ENOMEM;
	p->e = v->params;
	p->e.space = PCL_SPACE_EXTENDED;
	p->e.kind = PCL_ENTRY_VIRTUAL;
	p->e.id = v->id;
	p->e.generator = (uint8_t)v->g->generator;
	p->e.at = (int32_t)at;
	p->e.length = v->len;
	p->e.phys = -1;
	p->e.instance = 0;
	p->e.vendor = -1;
	p->e.vsec_id = -1;
	p->e.prov_rule = (uint8_t)rule;
	pcl_strbuf_add(&p->why, "%s at 0x%x: ", v->label, at);
	for (size_t i = 0; i < PCL_ARRAY_SIZE(parts); i++)
		if (parts[i]->len)
			pcl_strbuf_add(&p->why, "%s, ", pcl_strbuf_get(parts[i]));
	pcl_strbuf_add(&p->why, "%s", winner);
	if (v->pwhy.len)
		pcl_strbuf_add(&p->why, ". Parameters: %s", pcl_strbuf_get(&v->pwhy));
	pcl_strbuf_add(&p->why, ".");
	claim(st, st->n_ents - 1, at, v->len);
	return p->why.oom ? -ENOMEM : 0;
}

/* Why a window is not a gap-finder candidate: its first byte that is
 * neither unclaimed zero nor advertised free. */
static void first_unusable(struct pstate *st, uint32_t at, uint32_t len,
			   char *why, size_t size)
{
	char desc[160];

	snprintf(why, size, "it is not a candidate window");
	for (uint32_t b = at; b < at + len && b < PCL_CFG_SIZE; b++) {
		int owner = pcl_map_owner(st->map, b, NULL);

		if (st->claim[b]) {
			window_ok(st, PCL_SPACE_EXTENDED, at, len, why, size);
			return;
		}
		if (owner == PCL_OWNER_ZERO || owner == PCL_OWNER_FREE)
			continue;
		pcl_map_describe(st->map, b, desc, sizeof(desc));
		snprintf(why, size, "0x%x is %s", b, desc);
		return;
	}
}

static int cascade(struct pstate *st, struct vcap *v)
{
	const struct pcl_plan_request *req = st->req;
	struct tried t = { 0 };
	struct pcl_gap *gaps = NULL;
	size_t ngaps = 0;
	char why[256], gr[256], win[768];
	const struct pcl_layout_entry *e;
	const struct plan_place *place = NULL;
	int r = 0;

	r = pcl_map_gaps(st->map, PCL_SPACE_EXTENDED, v->len, 4, &gaps, &ngaps,
			 NULL);
	if (r < 0)
		return r;

	/* 1. user: --place, the user's layout, --free */
	for (size_t i = 0; i < req->n_places; i++)
		if (req->places[i].space == PCL_SPACE_EXTENDED &&
		    req->places[i].id == v->id)
			place = &req->places[i];
	if (place) {
		if (window_ok(st, PCL_SPACE_EXTENDED, place->at, v->len, why,
			      sizeof(why))) {
			snprintf(win, sizeof(win),
				 "placed by the user (--place %s@0x%x)",
				 pcl_layout_cap_name(PCL_SPACE_EXTENDED, v->id),
				 place->at);
			r = place_virtual(st, v, place->at, PCL_PROV_USER, &t, win);
			goto out;
		}
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "cannot place the virtual %s at 0x%x (--place): %s",
			      v->label, place->at, why);
		r = -EINVAL;
		goto out;
	}
	if (st->base_rule == PCL_PROV_USER &&
	    (e = find_virtual(st->base, v->g->generator))) {
		if (window_ok(st, PCL_SPACE_EXTENDED, (uint32_t)e->at, v->len,
			      why, sizeof(why))) {
			snprintf(win, sizeof(win),
				 "the user's layout %s (%s) places it there",
				 pcl_layout_name(st->base), layout_file(st->base));
			r = place_virtual(st, v, (uint32_t)e->at, PCL_PROV_USER,
					  &t, win);
			goto out;
		}
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "the user's layout %s places the virtual %s at 0x%x, but on this device %s",
			      pcl_layout_name(st->base), v->label,
			      (unsigned int)e->at, why);
		r = -ENOSPC;
		goto out;
	}
	if (have_free(st, false)) {
		for (size_t i = 0; i < ngaps; i++) {
			const struct pcl_gap *g = &gaps[i];

			if (g->klass != PCL_GAP_ADVERTISED ||
			    is_dvsec_source(range_source(st, g)) ||
			    !window_ok(st, PCL_SPACE_EXTENDED, g->offset,
				       v->len, why, sizeof(why)))
				continue;
			snprintf(win, sizeof(win),
				 "the best window inside the ranges the user gave as available (--free): %s",
				 pcl_gap_reason(st->map, g, gr, sizeof(gr)));
			r = place_virtual(st, v, g->offset, PCL_PROV_USER, &t, win);
			goto out;
		}
		pcl_strbuf_add(&t.user, "no free %u-byte window inside the ranges given as available (--free ",
			     v->len);
		describe_free(st, false, &t.user);
		pcl_strbuf_add(&t.user, ")");
		report_failure(st, v, &t,
			       "not consulted: --free restricts placement to the ranges given");
		r = -ENOSPC;
		goto out;
	}
	pcl_strbuf_add(&t.user, "no user placement");

	/* 2. database */
	if (!req->db) {
		pcl_strbuf_add(&t.database, "no layout database given");
	} else if (!st->dbsel) {
		pcl_strbuf_add(&t.database, "%s", st->dbshort);
	} else if ((e = find_virtual(st->dbsel, v->g->generator))) {
		if (!window_ok(st, PCL_SPACE_EXTENDED, (uint32_t)e->at, v->len,
			       why, sizeof(why))) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "layout %s revision %u (%s) places the virtual %s at 0x%x, but on this device %s",
				      pcl_layout_name(st->dbsel),
				      pcl_layout_revision(st->dbsel),
				      layout_file(st->dbsel), v->label,
				      (unsigned int)e->at, why);
			r = -ENOSPC;
			goto out;
		}
		snprintf(win, sizeof(win),
			 "layout %s revision %u (%s), selected from the database for %04x:%04x%s%s, places it there",
			 pcl_layout_name(st->dbsel),
			 pcl_layout_revision(st->dbsel),
			 layout_file(st->dbsel), st->id.vendor_id,
			 st->id.device_id, req->machine ? " on " : "",
			 req->machine ? req->machine : "");
		r = place_virtual(st, v, (uint32_t)e->at, PCL_PROV_DATABASE,
				  &t, win);
		goto out;
	} else {
		pcl_strbuf_add(&t.database, "layout %s revision %u has no virtual %s",
			     pcl_layout_name(st->dbsel),
			     pcl_layout_revision(st->dbsel), v->label);
	}

	/* 3. quirk */
	for (size_t k = 0; k < st->n_quirks; k++) {
		const struct pcl_layout *q = st->quirks[k];

		for (size_t j = 0; j < pcl_layout_placement_count(q); j++) {
			const struct pcl_layout_placement *p =
				pcl_layout_placement(q, j);

			if (p->space != PCL_SPACE_EXTENDED || p->id != v->id)
				continue;
			if (window_ok(st, PCL_SPACE_EXTENDED, p->at, v->len,
				      why, sizeof(why))) {
				snprintf(win, sizeof(win),
					 "quirk %s (%s) prefers 0x%x for it",
					 pcl_layout_name(q), layout_file(q),
					 p->at);
				r = place_virtual(st, v, p->at, PCL_PROV_QUIRK,
						  &t, win);
				goto out;
			}
			pcl_strbuf_add(&t.quirk, "%squirk %s prefers 0x%x but %s",
				     t.quirk.len ? "; " : "",
				     pcl_layout_name(q), p->at, why);
		}
	}
	if (!t.quirk.len) {
		if (st->n_quirks)
			pcl_strbuf_add(&t.quirk, "no quirk placement for %s (%zu matching quirk%s)",
				     v->label, st->n_quirks,
				     st->n_quirks == 1 ? "" : "s");
		else
			pcl_strbuf_add(&t.quirk, "no quirk for %04x:%04x",
				     st->id.vendor_id, st->id.device_id);
	}

	/* 4. free-space DVSEC */
	for (size_t i = 0; i < ngaps; i++) {
		const struct pcl_gap *g = &gaps[i];

		if (g->klass != PCL_GAP_ADVERTISED ||
		    !is_dvsec_source(range_source(st, g)) ||
		    !window_ok(st, PCL_SPACE_EXTENDED, g->offset, v->len, why,
			       sizeof(why)))
			continue;
		snprintf(win, sizeof(win),
			 "the free-space DVSEC (%s) advertises it as free: %s",
			 range_source(st, g),
			 pcl_gap_reason(st->map, g, gr, sizeof(gr)));
		r = place_virtual(st, v, g->offset, PCL_PROV_DVSEC, &t, win);
		goto out;
	}
	if (have_free(st, true)) {
		pcl_strbuf_add(&t.dvsec, "no free %u-byte window in the ranges the free-space DVSEC advertises (",
			     v->len);
		describe_free(st, true, &t.dvsec);
		pcl_strbuf_add(&t.dvsec, ")");
	} else {
		pcl_strbuf_add(&t.dvsec, "no free-space DVSEC");
	}

	/* 5. gap: the PF's offset (VF) or the device's own hidden one */
	if (st->req->pf) {
		const struct pcl_cap *pc =
			vcap_find_cap(st->pf_walk, PCL_SPACE_EXTENDED, v->id);

		if (!pc) {
			pcl_strbuf_add(&t.gap, "the PF has no %s", v->label);
		} else if (window_ok(st, PCL_SPACE_EXTENDED, pc->offset, v->len,
				     why, sizeof(why))) {
			snprintf(win, sizeof(win),
				 "the PF has its %s at 0x%x and those bytes are free on this VF (a PF's config space is its VFs' template)",
				 v->label, pc->offset);
			r = place_virtual(st, v, pc->offset, PCL_PROV_GAP, &t, win);
			goto out;
		} else {
			pcl_strbuf_add(&t.gap, "the PF's %s offset 0x%x is not free here (%s)",
				     v->label, pc->offset, why);
		}
	}
	{
		const struct pcl_cap *own =
			pcl_walk_find(st->walk, PCL_SPACE_EXTENDED, v->id, 0);

		if (own && own->length >= v->len &&
		    window_ok(st, PCL_SPACE_EXTENDED, own->offset, v->len, why,
			      sizeof(why))) {
			snprintf(win, sizeof(win),
				 "the device's own %s at 0x%x is hidden, so the virtual one takes its place",
				 v->label, own->offset);
			r = place_virtual(st, v, own->offset, PCL_PROV_GAP, &t, win);
			goto out;
		}
		if (own)
			pcl_strbuf_add(&t.gap, "%sthe device's own %s offset 0x%x cannot be reused (%s)",
				     t.gap.len ? "; " : "", v->label, own->offset,
				     own->length < v->len ? "too short" : why);
	}
	/* QEMU's default offset for it, when it is safe */
	if (v->g->qemu_at) {
		uint32_t qa = v->g->qemu_at;
		const struct pcl_gap *g = NULL;

		for (size_t i = 0; i < ngaps; i++)
			if (gaps[i].offset == qa)
				g = &gaps[i];
		if (g && g->klass <= PCL_GAP_CLEAR &&
		    window_ok(st, PCL_SPACE_EXTENDED, qa, v->len, why,
			      sizeof(why))) {
			snprintf(win, sizeof(win),
				 "QEMU's default window 0x%x-0x%x is %s with no hazard (non-zero, orphan, reserved or unread byte) within %d bytes",
				 qa, qa + v->len - 1,
				 g->klass == PCL_GAP_ADVERTISED ?
					 "advertised free" : "all-zero unclaimed",
				 PCL_GAP_MARGIN);
			r = place_virtual(st, v, qa, PCL_PROV_GAP, &t, win);
			goto out;
		}
		if (!g)
			first_unusable(st, qa, v->len, why, sizeof(why));
		else if (g->klass > PCL_GAP_CLEAR)
			pcl_gap_reason(st->map, g, why, sizeof(why));
		pcl_strbuf_add(&t.gap, "%sQEMU's default 0x%x is not safe (%s)",
			     t.gap.len ? "; " : "", qa, why);
	}
	for (size_t i = 0; i < ngaps; i++) {
		const struct pcl_gap *g = &gaps[i];

		if (!window_ok(st, PCL_SPACE_EXTENDED, g->offset, v->len, why,
			       sizeof(why)))
			continue;
		snprintf(win, sizeof(win),
			 "the best-ranked window of the gap finder (%s): %s",
			 pcl_gap_class_name(g->klass),
			 pcl_gap_reason(st->map, g, gr, sizeof(gr)));
		r = place_virtual(st, v, g->offset, PCL_PROV_GAP, &t, win);
		goto out;
	}
	pcl_strbuf_add(&t.gap, "%sno aligned %u-byte window of extended space is all unclaimed zero and unused by this plan",
		     t.gap.len ? "; " : "", v->len);
	report_failure(st, v, &t, "");
	r = -ENOSPC;
out:
	free(gaps);
	tried_free(&t);
	return r;
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
	r = want ? derive(st, v) : params_from_layout(st, v, be);
	return r ? r : cascade(st, v);
}

static int place_requested(struct pstate *st)
{
	int r = 0;

	for (size_t i = 0; i < vcap_count() && !r; i++) {
		const struct vcap_gen *g = vcap_at(i);
		const struct pcl_layout_entry *be;
		struct vcap v = { .g = g };

		if (!g || !g->derive)
			continue;
		be = find_virtual(st->base, g->generator);
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
static int place_base_other(struct pstate *st)
{
	char why[256], nb[16];

	if (!st->base)
		return 0;
	for (int s = 0; s < 2; s++) {
		for (size_t k = 0; k < pcl_layout_entry_count(st->base, s); k++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(st->base, s, k);
			struct pent *p;

			if (e->kind != PCL_ENTRY_VIRTUAL ||
			    vcap_get(e->generator)->derive)
				continue; /* placed by the cascade */
			if (!window_ok(st, s, (uint32_t)e->at, e->length, why,
				       sizeof(why))) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "%s %s places a virtual %s at 0x%x, but on this device %s",
					      rule_who(st->base_rule),
					      pcl_layout_name(st->base),
					      pcl_layout_cap_label(s, e->id, nb, sizeof(nb)),
					      (unsigned int)e->at, why);
				return fail_rule(st->base_rule);
			}
			p = new_entry(st);
			if (!p)
				return -ENOMEM;
			p->e = *e;
			p->e.line = 0;
			p->e.column = 0;
			p->e.prov_rule = (uint8_t)st->base_rule;
			p->e.prov_reason = NULL;
			pcl_strbuf_add(&p->why, "virtual %s at 0x%x: layout %s revision %u (%s) places it there",
				     pcl_layout_cap_label(s, e->id, nb, sizeof(nb)),
				     (unsigned int)e->at,
				     pcl_layout_name(st->base),
				     pcl_layout_revision(st->base),
				     layout_file(st->base));
			claim(st, st->n_ents - 1, (uint32_t)e->at, e->length);
		}
	}
	return 0;
}

/* The extended chain starts at 0x100; when nothing shown is there, a Null
 * capability (ID 0, version 0, next = first shown) anchors it. */
static int add_anchor(struct pstate *st)
{
	bool any = false, moved = false;
	char why[256], nb[16];
	const struct pcl_cap *head = NULL;
	struct pent *p;

	for (size_t i = 0; i < st->n_ents; i++)
		if (st->ents[i].e.space == PCL_SPACE_EXTENDED &&
		    st->ents[i].e.kind != PCL_ENTRY_HIDDEN)
			any = true;
	if (!any || st->claim[0x100])
		return 0;
	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);

		if (c->space == PCL_SPACE_EXTENDED && c->offset == 0x100) {
			head = c;
			moved = st->dec[i].state == CAP_PRESENTED;
		}
	}
	if (!window_ok(st, PCL_SPACE_EXTENDED, 0x100, 4, why, sizeof(why))) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "the extended chain needs a Null capability at 0x100 to start from, but %s",
			      why);
		return -ENOSPC;
	}
	p = new_entry(st);
	if (!p)
		return -ENOMEM;
	p->e.space = PCL_SPACE_EXTENDED;
	p->e.kind = PCL_ENTRY_VIRTUAL;
	p->e.id = 0;
	p->e.generator = PCL_GEN_NULL;
	p->e.at = 0x100;
	p->e.length = 4;
	p->e.prov_rule = PCL_PROV_DEFAULT;
	if (head)
		pcl_strbuf_add(&p->why,
			     "null at 0x100: the device's first extended capability, %s, is %s, and the extended chain must start at 0x100, so a Null capability (ID 0, version 0) anchors it, as QEMU's vfio_add_ext_cap() and the kernel's vfio_ecap_init() do",
			     pcl_layout_cap_label(head->space, head->id, nb, sizeof(nb)),
			     moved ? "moved elsewhere" : "hidden");
	else
		pcl_strbuf_add(&p->why,
			     "null at 0x100: the device has no extended capability at 0x100 and the extended chain must start there, so a Null capability (ID 0, version 0) anchors it");
	claim(st, st->n_ents - 1, 0x100, 4);
	return 0;
}

static int add_hidden(struct pstate *st)
{
	for (size_t i = 0; i < st->ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(st->walk, i);
		struct capdec *d = &st->dec[i];
		struct pent *p;

		if (d->state != CAP_HIDDEN)
			continue;
		p = new_entry(st);
		if (!p)
			return -ENOMEM;
		p->e.space = c->space;
		p->e.kind = PCL_ENTRY_HIDDEN;
		p->e.id = c->id;
		p->e.at = -1;
		p->e.length = 0;
		p->e.instance = d->instance;
		p->e.vendor = d->vendor;
		p->e.vsec_id = d->vsec_id;
		p->e.prov_rule = (uint8_t)d->rule;
		p->why = d->why;
		d->why = (struct pcl_strbuf){ 0 };
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* The layout                                                        */
/* ---------------------------------------------------------------- */

static int build_layout(struct pstate *st, struct pcl_layout **out)
{
	const struct pcl_plan_request *req = st->req;
	struct pcl_layout *l = pcl_layout_new(st->ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_layout_match m = { 0 };
	char name[64], desc[512];
	int r = 0;

	if (!l)
		return -ENOMEM;
	if (req->name)
		pcl_strlcpy(name, req->name, sizeof(name));
	else if (st->base)
		pcl_strlcpy(name, pcl_layout_name(st->base), sizeof(name));
	else
		snprintf(name, sizeof(name), "%04x-%04x%s", st->id.vendor_id,
			 st->id.device_id, st->is_vf ? "-vf" : "");
	r = pcl_layout_set_name(l, name);
	if (!r && st->base)
		r = pcl_layout_set_revision(l, pcl_layout_revision(st->base));
	if (st->base) {
		m = *pcl_layout_match(st->base);
	} else {
		m.fields = PCL_MATCH_DEVICE;
		m.vendor = st->id.vendor_id;
		m.device = st->id.device_id;
	}
	if (!r && (m.present || !st->base))
		r = pcl_layout_set_match(l, &m);
	if (st->base) {
		for (size_t i = 0; !r && i < pcl_layout_machine_count(st->base); i++)
			r = pcl_layout_add_machine(l, pcl_layout_machine(st->base, i));
		if (!r)
			r = pcl_layout_set_unclaimed(l, pcl_layout_unclaimed(st->base));
		for (size_t i = 0; !r && i < pcl_layout_reserved_count(st->base); i++) {
			const struct pcl_layout_reserved *rs =
				pcl_layout_reserved(st->base, i);

			r = pcl_layout_add_reserved(l, rs->offset, rs->length,
						    rs->reason, rs->source);
		}
	} else if (!r && req->machine) {
		r = pcl_layout_add_machine(l, req->machine);
	}
	if (!r && (req->profile || (st->base && pcl_layout_profile(st->base))))
		r = pcl_layout_set_profile(l, req->profile ? req->profile :
					   pcl_layout_profile(st->base));
	snprintf(desc, sizeof(desc), "Guest view of %04x:%04x%s planned by pcilayout from %s%s%s%s.",
		 st->id.vendor_id, st->id.device_id, st->is_vf ? " (VF)" : "",
		 st->src, st->base ? ", based on layout " : "",
		 st->base ? pcl_layout_name(st->base) : "",
		 st->base_rule == PCL_PROV_DATABASE ? " from the database" : "");
	if (!r)
		r = pcl_layout_set_description(l, desc);
	for (size_t i = 0; !r && i < st->n_ents; i++) {
		struct pent *p = &st->ents[i];

		if (p->why.oom) {
			r = -ENOMEM;
			break;
		}
		/* Every reason is a sentence. */
		if (p->why.len && p->why.s[p->why.len - 1] != '.')
			pcl_strbuf_add(&p->why, ".");
		if (p->why.oom) {
			r = -ENOMEM;
			break;
		}
		p->e.prov_reason = pcl_strbuf_get(&p->why);
		r = pcl_layout_add_entry(l, &p->e);
		if (r < 0) {
			char nb[16];

			pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "internal error: the layout refused %s at 0x%x (%s)",
				      pcl_layout_cap_label(p->e.space, p->e.id, nb, sizeof(nb)),
				      (unsigned int)p->e.at, strerror(-r));
		}
	}
	if (!r && pcl_layout_validate(l, st->diag) < 0)
		r = -EINVAL;
	if (r < 0) {
		pcl_layout_free(l);
		return r;
	}
	*out = l;
	return 0;
}

static void state_free(struct pstate *st)
{
	/* st->dec is NULL when its allocation failed after ncaps was set. */
	for (size_t i = 0; st->dec && i < st->ncaps; i++)
		pcl_strbuf_free(&st->dec[i].why);
	for (size_t i = 0; i < st->n_ents; i++)
		pcl_strbuf_free(&st->ents[i].why);
	free(st->dec);
	free(st->ents);
	free(st->quirks);
	pcl_map_free(st->map);
	pcl_dvsec_scan_free(st->dscan);
	pcl_walk_free(st->own_walk);
	pcl_walk_free(st->pf_walk);
	free(st);
}

static void select_database(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	char why[1024];

	if (!req->db)
		return;
	st->dbsel = pcl_layout_db_select(req->db, &st->id, req->machine,
					 req->profile, why, sizeof(why));
	pcl_dbg(st->ctx, "%s", why);
	snprintf(st->dbshort, sizeof(st->dbshort),
		 "no layout in the database for %04x:%04x%s%s%s%s",
		 st->id.vendor_id, st->id.device_id,
		 req->machine ? " on " : "", req->machine ? req->machine : "",
		 req->profile ? " with profile " : "",
		 req->profile ? req->profile : "");
}

/* The passes after the base is attached, in order; the first error stops. */
static int (*const plan_passes[])(struct pstate *st) = {
	check_places, decide_caps, claim_in_place, claim_moved,
	place_base_other, place_requested, add_anchor, add_hidden,
};

PCL_EXPORT int pcl_plan(const struct pcl_plan_request *req,
			struct pcl_layout **layout, struct pcl_diag *diag)
{
	struct pstate *st;
	int r;

	if (!req || !layout)
		return -EINVAL;
	*layout = NULL;
	if (!req->cfg) {
		pcl_diag_add(diag, "", 0, 0, -1,
			     "no device to plan for");
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->req = req;
	st->ctx = req->ctx ? req->ctx : pcl_cfg_ctx(req->cfg);
	st->diag = diag;
	st->cfg = req->cfg;
	st->src = pcl_cfg_source(req->cfg);
	pcl_cfg_identity(req->cfg, &st->id);
	st->is_vf = st->id.is_vf || req->pf;
	st->ext_ok = st->id.pcie_type >= 0 &&
		     pcl_cfg_is_read(req->cfg, 0x100, 0xf00);
	st->walk = req->walk;
	if (!st->walk) {
		st->own_walk = pcl_walk_new(req->cfg);
		st->walk = st->own_walk;
		if (!st->walk) {
			r = -errno;
			goto out;
		}
	}
	if (req->pf) {
		st->pf_walk = pcl_walk_new(req->pf);
		if (!st->pf_walk) {
			r = -errno;
			goto out;
		}
	}
	st->ncaps = pcl_walk_cap_count(st->walk);
	st->dec = calloc(st->ncaps + 1, sizeof(*st->dec));
	if (!st->dec) {
		r = -ENOMEM;
		goto out;
	}
	r = gather_quirks(st);
	if (!r)
		r = build_map(st);
	if (r)
		goto out;
	select_database(st);
	if (req->layout) {
		st->base = req->layout;
		st->base_rule = PCL_PROV_USER;
	} else if (st->dbsel) {
		st->base = st->dbsel;
		st->base_rule = PCL_PROV_DATABASE;
	}
	set_selectors(st);
	if (st->base)
		r = attach_base(st);
	for (size_t i = 0; !r && i < PCL_ARRAY_SIZE(plan_passes); i++)
		r = plan_passes[i](st);
	if (!r)
		r = build_layout(st, layout);
out:
	state_free(st);
	return r;
}
