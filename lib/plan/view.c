// SPDX-License-Identifier: BSD-3-Clause
/*
 * view.c - the base view: which input is safe to plan at all, and for each
 * capability of the device - chain member or orphan - whether the guest
 * sees it at its physical offset, somewhere else, or not at all, and why.
 * The sources are applied weakest first, each overriding the last: the
 * default (what a VMM does today: vfio-pci's and QEMU's hide lists), the
 * quirks, the user's or the database's layout (which defines the whole
 * view), then the user's --hide, --keep and --place. Hiding what the guest
 * needs - power management, MSI, MSI-X, the PCI Express capability - is
 * refused unless the request allows it.
 */
#include <stdio.h>

#include <pcilayout/walk.h>

#include "plan-internal.h"
#include "vcap/vcap.h"

/* The walk's error findings, one record each; -EINVAL when there are any. */
static int refuse_broken(struct pstate *st, const struct pcl_walk *w)
{
	int r = 0;

	/* Asking for a finding makes the walk's messages: only when needed. */
	if (pcl_walk_max_severity(w) < PCL_SEVERITY_ERROR)
		return 0;
	for (size_t i = 0; i < pcl_walk_finding_count(w); i++) {
		const struct pcl_finding *f = pcl_walk_finding(w, i);

		if (f->severity < PCL_SEVERITY_ERROR)
			continue;
		if (!strcmp(f->code, "all-ones")) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "%s: there is nothing to plan", f->message);
			return -EINVAL;
		}
		if (st->req->allow & PCL_PLAN_ALLOW_BROKEN)
			continue;
		pcl_diag_add(st->diag, st->src, 0, 0, f->offset,
			     "the device's chain is broken at 0x%03x: %s (%s)",
			     (unsigned int)f->offset, f->message, f->code);
		r = -EINVAL;
	}
	if (r)
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "a layout of a broken chain shows the guest what the walk could reach; --allow broken plans it anyway");
	else if (st->notes)
		pcl_report_add(st->notes, PCL_SEVERITY_WARNING, -1, -1,
			       "override",
			       "the device's chain is broken; planned anyway (allowed)");
	return r;
}

/* A read that cannot show the chains, or a PCIe function missing its
 * extended space, makes a layout that takes capabilities from the guest. */
static int refuse_partial(struct pstate *st)
{
	if (!pcl_cfg_is_read(st->cfg, 0, PCL_STD_SPACE_END)) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "only the first %u bytes were read (a read through sysfs as non-root, or lspci -x): the capabilities lie beyond, and a layout of the header alone would give the guest none; read it as root, or give an lspci -xxx or -xxxx dump",
			     pcl_cfg_size(st->cfg));
		return -EINVAL;
	}
	if (st->id.pcie_type < 0 || st->ext_ok)
		return 0;
	if (st->req->allow & PCL_PLAN_ALLOW_STANDARD_ONLY) {
		if (st->notes)
			pcl_report_add(st->notes, PCL_SEVERITY_WARNING, -1, -1,
				       "override",
				       "the extended config space was not read: the guest gets no extended capability (allowed)");
		return 0;
	}
	pcl_diag_add(st->diag, st->src, 0, 0, -1,
		     "the extended config space (0x100-0xfff) of this PCI Express function was not read, so the guest would get none of its extended capabilities; read it as root or give a 4096-byte dump (--allow standard-only plans the standard space alone)");
	return -EINVAL;
}

int plan_check_input(struct pstate *st)
{
	char why[256];
	int r = refuse_partial(st);

	/* What the guest builder cannot realize (and vfio-pci, which takes
	 * type 0 functions only, cannot assign). */
	if (!r && st->id.header_type > PCL_HEADER_TYPE_BRIDGE) {
		pcl_diag_add(st->diag, st->src, 0, 0, PCL_REG_HEADER_TYPE,
			     "header type 0x%02x is neither an endpoint nor a bridge (a CardBus bridge, or a device that reads as all ones): there is nothing to plan for a guest",
			     st->id.header_type);
		return -EINVAL;
	}
	if (!r)
		r = refuse_broken(st, st->dev_walk);
	if (!r && st->req->pf &&
	    vcap_check_pf(st->cfg, st->pf_walk, why, sizeof(why))) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1, "--pf: %s", why);
		r = -EINVAL;
	}
	return r;
}

/* Attach the base layout's physical and hidden entries to capabilities. */
int plan_attach_base(struct pstate *st)
{
	const struct pcl_layout *b = st->base;
	char nb[16];

	for (int s = 0; b && s < 2; s++) {
		for (size_t k = 0; k < pcl_layout_entry_count(b, s); k++) {
			const struct pcl_layout_entry *e = pcl_layout_entry(b, s, k);
			long i = e->kind == PCL_ENTRY_VIRTUAL ? -2 :
				 pcl_layout_entry_find(e, st->walk);

			if (i == -2 || (i < 0 && e->kind == PCL_ENTRY_HIDDEN))
				continue; /* virtual, or nothing to hide */
			if (i < 0) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
					     "%s %s (%s) presents %s%s at 0x%x, which this device does not have",
					     plan_rule_who(st->base_rule),
					     pcl_layout_name(b), plan_layout_file(b),
					     pcl_layout_cap_label(s, e->id, nb, sizeof(nb)),
					     e->instance ? " (a further instance)" : "",
					     (unsigned int)e->at);
				return -ENOSPC;
			}
			if (st->dec[i].base) {
				pcl_diag_add(st->diag, st->src, 0, 0, -1,
					     "%s %s selects %s at 0x%x twice",
					     plan_rule_who(st->base_rule),
					     pcl_layout_name(b),
					     pcl_layout_cap_label(s, e->id, nb, sizeof(nb)),
					     st->dec[i].cap->offset);
				return -ENOSPC;
			}
			st->dec[i].base = e;
		}
	}
	return 0;
}

static bool device_has(const struct pstate *st, int space, uint16_t id)
{
	return vcap_find_cap(st->walk, space, id) != NULL;
}

/* A virtual capability of (@space, @id) is part of this plan: requested,
 * or in the base layout. */
static bool virtual_wanted(const struct pstate *st, int space, uint16_t id)
{
	const struct vcap_gen *g = vcap_for_cap(space, id);

	return g && ((st->req->want & 1u << g->generator) ||
		     pcl_layout_find_virtual(st->base, g->generator));
}

/* Every --place names a virtual capability of the plan or a capability
 * of the device: anything else is a typo, not a wish to ignore. */
int plan_check_places(struct pstate *st)
{
	const struct pcl_plan_request *req = st->req;
	char nb[16];

	for (size_t k = 0; k < req->n_places; k++) {
		const struct plan_place *p = &req->places[k];
		const char *n;

		if (virtual_wanted(st, p->space, p->id) ||
		    device_has(st, p->space, p->id))
			continue;
		n = pcl_layout_cap_label(p->space, p->id, nb, sizeof(nb));
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "--place %s@0x%x: the device has no %s in its %s space, and no virtual %s is requested",
			     n, p->at, n, plan_space_name(p->space), n);
		return -EINVAL;
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

/*
 * Could a chain member that vfio-pci unlinks have its header at @off? Any
 * non-zero extended header can be one. A standard one has a non-zero ID
 * that vfio-pci hides (one of ID 0 is two bytes long to the walk, so it
 * never reaches past a capability it lies in).
 */
static bool unlinked_header_at(const struct pcl_cfg *cfg, int space,
			       uint32_t off)
{
	const uint8_t *d = pcl_cfg_data(cfg);

	if (!pcl_cfg_is_read(cfg, off, 4))
		return true;
	if (space == PCL_SPACE_EXTENDED)
		return pcl_le32(d + off) != 0;
	return d[off] && pcl_catalog_vfio_hides(space, d[off]);
}

/*
 * The bytes of a capability of unknown length that its guest entry may
 * pass through: its extent in the map, up to the first dword inside that
 * could be the header of a chain member vfio-pci unlinks. The map gives
 * such a capability every byte up to the next structure the walk found;
 * but in the view the planner works on, neither chain reaches an unlinked
 * member, so the view's extent runs past it, while the device read in
 * full shows it (and, in extended space, the orphans behind it, which the
 * walk of the view does not look for inside the extent). Nothing in the
 * view tells such a header from the capability's own registers, so the
 * first one that could be one ends it. vfio-pci leaves those bytes as
 * they are (it rewrites only the next pointers of headers it links, and
 * they end the extent anyway), so both reads get the same length, and no
 * register of a structure the plan does not present reaches the guest
 * through this one. QEMU sizes it to the next capability of its chain
 * (vfio_std_cap_max_size(), vfio_ext_cap_max_size()): the whole extent,
 * which may be anything.
 */
static uint32_t unknown_cut(const struct pstate *st, const struct pcl_cap *c,
			    uint32_t len, bool *cut)
{
	const struct pcl_cfg *cfg = pcl_walk_cfg(st->walk);

	/* Chain members and orphans start on dwords. */
	for (uint32_t o = 4; !(c->offset & 3) && o + 4 <= len; o += 4) {
		if (unlinked_header_at(cfg, c->space, c->offset + o)) {
			*cut = true;
			return o;
		}
	}
	return len;
}

/* Length of a capability in the guest when shown where it is; @cut: it
 * ends at a header inside its extent (unknown_cut()). */
static uint32_t guest_length(const struct pstate *st, size_t i, bool *fixed,
			     bool *cut)
{
	const struct pcl_cap *c = st->dec[i].cap;
	uint32_t len = c->length, end = pcl_space_end(c->space), fixed_len;
	int kind = i < st->nchain ? PCL_OWNER_CAP : PCL_OWNER_ORPHAN;
	uint32_t detail, self = i < st->nchain ? (uint32_t)i :
						 (uint32_t)(i - st->nchain);

	*fixed = pcl_layout_cap_fixed_length(c->space, c->id, &fixed_len);
	if (*fixed)
		return fixed_len;
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN) {
		/* The map's extent: every byte it gave this capability. */
		uint32_t b = c->offset;

		while (b < end && pcl_map_owner(st->map, b, &detail) == kind &&
		       detail == self)
			b++;
		len = unknown_cut(st, c, b - c->offset, cut);
	}
	return len < pcl_cap_hdr_size(c->space) ? pcl_cap_hdr_size(c->space) : len;
}

/* vfio-pci's Null placeholder at 0x100: the anchor, not a capability. */
static bool is_anchor(const struct pstate *st, size_t i)
{
	const struct pcl_cap *c = st->dec[i].cap;

	return i < st->nchain && c->space == PCL_SPACE_EXTENDED &&
	       c->offset == PCL_EXT_CAP_START && c->id == PCL_EXT_CAP_ID_NULL &&
	       !c->version && c->next;
}

static void decide_default(struct pstate *st, size_t i, const char *name)
{
	struct capdec *d = &st->dec[i];
	const struct pcl_cap *c = d->cap;
	bool orphan = i >= st->nchain;
	const char *why;
	bool cut = false;

	d->at = c->offset;
	d->len = guest_length(st, i, &d->fixed, &cut);
	d->state = CAP_PRESENTED;
	d->rule = PCL_PROV_PHYSICAL;
	pcl_strbuf_add(&d->why, "%s at 0x%x: presented at its physical offset, as vfio-pci and QEMU do",
		       name, c->offset);
	if (cut)
		pcl_strbuf_add(&d->why, " (its length unknown, cut to %u bytes: 0x%x may be the header of a capability vfio-pci unlinks)",
			       d->len, c->offset + d->len);
	if (pcl_plan_default_hidden(c->space, c->id, &why) || orphan) {
		d->state = CAP_HIDDEN;
		d->rule = PCL_PROV_DEFAULT;
		pcl_strbuf_truncate(&d->why, 0);
		if (!orphan || pcl_catalog_vfio_hides(c->space, c->id))
			pcl_strbuf_add(&d->why, "%s at 0x%x hidden: %s%s", name,
				       c->offset, why ? why : "",
				       orphan ? "; vfio-pci leaves it unlinked, its bytes in place (an orphan)" : "");
		else
			pcl_strbuf_add(&d->why, "%s at 0x%x hidden: no chain reaches it (an orphan the device or its firmware left unlinked), so no VMM shows it today",
				       name, c->offset);
	}
	if (c->space == PCL_SPACE_EXTENDED && c->id == PCL_EXT_CAP_ID_DVSEC) {
		for (size_t k = 0; k < pcl_dvsec_scan_count(st->hz.dscan); k++) {
			if (pcl_dvsec_scan_get(st->hz.dscan, k)->offset != c->offset)
				continue;
			/* It describes the host's free space, not the guest's
			 * (docs/dvsec-free-space.md, "Does the guest see it?"). */
			d->state = CAP_HIDDEN;
			d->rule = PCL_PROV_DEFAULT;
			pcl_strbuf_truncate(&d->why, 0);
			pcl_strbuf_add(&d->why,
				       "%s at 0x%x hidden: a free-space DVSEC is information for the VMM, and its table would not describe the guest's config space",
				       name, c->offset);
		}
	}
}

static void decide_quirk(struct pstate *st, struct capdec *d, const char *name)
{
	const struct pcl_cap *c = d->cap;

	for (size_t k = 0; k < st->hz.n_quirks && !st->base; k++) {
		const struct pcl_layout *q = st->hz.quirks[k];
		bool h = quirk_lists(q, true, c->space, c->id);

		if (!h && !quirk_lists(q, false, c->space, c->id))
			continue;
		d->state = h ? CAP_HIDDEN : CAP_PRESENTED;
		d->rule = PCL_PROV_QUIRK;
		pcl_strbuf_truncate(&d->why, 0);
		pcl_strbuf_add(&d->why, "%s at 0x%x %s by quirk %s (%s)", name,
			       c->offset,
			       h ? "hidden" : "presented at its physical offset",
			       pcl_layout_name(q), plan_layout_file(q));
		return;
	}
}

static void decide_base(struct pstate *st, struct capdec *d, const char *name)
{
	const struct pcl_layout *b = st->base;
	const struct pcl_layout_entry *e = d->base;
	const struct pcl_cap *c = d->cap;
	unsigned int rev = b ? pcl_layout_revision(b) : 0;

	if (!b)
		return;
	d->rule = st->base_rule;
	d->state = e && e->kind == PCL_ENTRY_PHYSICAL ? CAP_PRESENTED : CAP_HIDDEN;
	pcl_strbuf_truncate(&d->why, 0);
	if (!e)
		pcl_strbuf_add(&d->why, "%s at 0x%x hidden: it is not part of layout %s revision %u (%s), which defines the whole guest view",
			       name, c->offset, pcl_layout_name(b), rev,
			       plan_layout_file(b));
	else if (e->kind == PCL_ENTRY_HIDDEN)
		pcl_strbuf_add(&d->why, "%s at 0x%x hidden by layout %s revision %u (%s)",
			       name, c->offset, pcl_layout_name(b), rev,
			       plan_layout_file(b));
	else if (e->at == c->offset)
		pcl_strbuf_add(&d->why, "%s at 0x%x: layout %s revision %u (%s) presents it at its physical offset",
			       name, c->offset, pcl_layout_name(b), rev,
			       plan_layout_file(b));
	else
		pcl_strbuf_add(&d->why, "%s at 0x%x: layout %s revision %u (%s) moves it there from its physical offset 0x%x",
			       name, e->at, pcl_layout_name(b), rev,
			       plan_layout_file(b), c->offset);
	if (e && e->kind == PCL_ENTRY_PHYSICAL) { /* presented */
		d->at = e->at;
		d->len = e->length ? e->length : d->len;
	}
}

/* --hide and --keep. */
static void decide_hide_keep(struct pstate *st, struct capdec *d,
			     const char *name)
{
	const struct pcl_plan_request *req = st->req;
	const struct pcl_cap *c = d->cap;

	if (id_in(req->hide, req->n_hide, c->space, c->id)) {
		d->state = CAP_HIDDEN;
		d->rule = PCL_PROV_USER;
		pcl_strbuf_truncate(&d->why, 0);
		pcl_strbuf_add(&d->why, "%s at 0x%x hidden by the user (--hide %s)",
			       name, c->offset, name);
	} else if (id_in(req->keep, req->n_keep, c->space, c->id)) {
		if (d->state == CAP_HIDDEN)
			d->at = c->offset;
		d->state = CAP_PRESENTED;
		d->rule = PCL_PROV_USER;
		d->kept = true;
		pcl_strbuf_truncate(&d->why, 0);
		pcl_strbuf_add(&d->why,
			       "%s at 0x%x: presented because the user asked to keep it (--keep %s)",
			       name, (unsigned int)d->at, name);
	}
}

/* --place for a physical capability; a virtual one replacing it. */
static int decide_place(struct pstate *st, struct capdec *d, const char *name)
{
	const struct pcl_plan_request *req = st->req;
	const struct pcl_cap *c = d->cap;

	if (!virtual_wanted(st, c->space, c->id)) {
		for (size_t k = 0; k < req->n_places; k++) {
			const struct plan_place *p = &req->places[k];

			if (p->space != c->space || p->id != c->id || d->instance)
				continue;
			d->state = CAP_PRESENTED;
			d->rule = PCL_PROV_USER;
			d->at = (int32_t)p->at;
			pcl_strbuf_truncate(&d->why, 0);
			pcl_strbuf_add(&d->why,
				       "%s at 0x%x: moved there by the user (--place %s@0x%x) from its physical offset 0x%x",
				       name, p->at, name, p->at, c->offset);
		}
		return 0;
	}
	if (d->state != CAP_PRESENTED || d->instance)
		return 0;
	if (d->kept) {
		pcl_diag_add(st->diag, st->src, 0, 0, -1,
			     "--keep %s contradicts the virtual %s requested: a guest cannot see both at once",
			     name, name);
		return -EINVAL;
	}
	d->state = CAP_HIDDEN;
	d->rule = PCL_PROV_DEFAULT;
	pcl_strbuf_truncate(&d->why, 0);
	pcl_strbuf_add(&d->why,
		       "%s at 0x%x hidden: replaced by the virtual %s requested, so the device's own registers do not reach the guest",
		       name, c->offset, name);
	return 0;
}

int plan_decide_caps(struct pstate *st)
{
	char nb[16];

	for (size_t i = 0; i < st->ncaps; i++) {
		struct capdec *d = &st->dec[i];
		const char *name = pcl_layout_cap_label(d->cap->space, d->cap->id,
							nb, sizeof(nb));
		int r;

		if (is_anchor(st, i)) {
			d->anchor = true;
			d->state = CAP_HIDDEN;
			d->rule = PCL_PROV_DEFAULT;
			d->at = d->cap->offset;
			d->len = pcl_cap_hdr_size(d->cap->space);
			continue;
		}
		decide_default(st, i, name);
		decide_quirk(st, d, name);
		decide_base(st, d, name);
		decide_hide_keep(st, d, name);
		r = decide_place(st, d, name);
		if (r)
			return r;
		if (d->why.oom)
			return -ENOMEM;
	}
	return 0;
}

static bool extended_wanted(const struct pstate *st)
{
	for (size_t i = 0; i < st->n_ents; i++)
		if (st->ents[i].e.space == PCL_SPACE_EXTENDED &&
		    st->ents[i].e.kind != PCL_ENTRY_HIDDEN)
			return true;
	for (size_t i = 0; st->base && i < pcl_layout_entry_count(st->base,
					PCL_SPACE_EXTENDED); i++)
		if (pcl_layout_entry(st->base, PCL_SPACE_EXTENDED, i)->kind ==
		    PCL_ENTRY_VIRTUAL)
			return true;
	return st->req->want != 0;
}

/*
 * Hiding power management, MSI, MSI-X or the PCI Express capability takes
 * from the guest what drivers rely on: refused unless allowed. Without a
 * PCI Express capability the guest has no extended space at all, so no
 * extended capability can be shown: always refused.
 */
int plan_check_essential(struct pstate *st)
{
	bool allow = st->req->allow & PCL_PLAN_ALLOW_HIDE_ESSENTIAL;
	int r = 0;

	for (size_t i = 0; i < st->nchain; i++) {
		const struct capdec *d = &st->dec[i];
		const char *lost;

		if (!pcl_plan_essential(d->cap->space, d->cap->id, &lost) ||
		    d->state != CAP_HIDDEN)
			continue;
		if (d->cap->id == PCL_CAP_ID_EXP && extended_wanted(st)) {
			pcl_diag_add(st->diag, st->src, 0, 0, -1,
				     "%s; without a PCI Express capability the guest has no extended config space, so its extended capabilities would be unreachable",
				     pcl_strbuf_get(&d->why));
			return -EINVAL;
		}
		if (allow) {
			if (st->notes)
				pcl_report_add(st->notes, PCL_SEVERITY_WARNING,
					       d->cap->space, d->cap->offset,
					       "override", "%s: the guest loses %s (allowed)",
					       pcl_strbuf_get(&d->why), lost);
			continue;
		}
		pcl_diag_add(st->diag, st->src, 0, 0, d->cap->offset,
			     "%s, but the guest would lose %s; --allow hide-essential plans it anyway",
			     pcl_strbuf_get(&d->why), lost);
		r = -EINVAL;
	}
	return r;
}
