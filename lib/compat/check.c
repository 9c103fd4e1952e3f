// SPDX-License-Identifier: BSD-3-Clause
/*
 * check.c - can a device realize a layout? The question to ask on a
 * migration destination before migrating: every physical entry must find
 * its capability (no shorter than the layout says), nothing moved or
 * synthesized may sit on bytes the device might use, and the inputs of
 * virtual capabilities must exist. Every reason is reported, not the first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat-internal.h"
#include "vcap/vcap.h"
#include "hazard/hazard.h"
#include "walk/memo.h"

struct cstate {
	const struct pcl_layout *layout;
	const struct pcl_cfg *cfg;
	const struct pcl_cfg *pf;
	const struct pcl_plan_pasid *iommu;
	struct hazards hz;	     /* the device as vfio-pci shows it */
	const struct pcl_walk *walk; /* = hz.walk */
	const struct pcl_map *map;   /* = hz.map */
	const struct pcl_walk *pf_walk; /* the PF as vfio-pci shows it */
	struct pcl_report *rep;
	size_t ncaps;		     /* chain members, then orphans */
	/* Per capability: the layout entry selecting it, or NULL. */
	const struct pcl_layout_entry **sel;
};

static const char *kind_word(const struct pcl_layout_entry *e)
{
	switch (e->kind) {
	case PCL_ENTRY_HIDDEN:
		return "hidden";
	case PCL_ENTRY_VIRTUAL:
		return "virtual";
	default:
		return "physical";
	}
}

static void check_identity(struct cstate *st)
{
	const struct pcl_layout_match *m = pcl_layout_match(st->layout);
	struct pcl_identity id;
	char want[160] = "", have[160] = "";
	size_t w = 0, h = 0;

	pcl_cfg_identity(st->cfg, &id);
	if (!m->present) {
		pcl_report_add(st->rep, PCL_SEVERITY_INFO, -1, -1, "match-any",
			       "the layout has no match: it is meant for any device");
		return;
	}
	if (pcl_layout_matches(st->layout, id.vendor_id, id.device_id,
			       id.subsys_vendor_id, id.subsys_id, id.revision,
			       id.class_code))
		return;
#define CMP(cond, fmtw, vw, fmth, vh)                                          \
	do {                                                                   \
		if (cond) {                                                    \
			w += (size_t)snprintf(want + w, sizeof(want) - w,      \
					      "%s" fmtw, w ? ", " : "", vw);   \
			h += (size_t)snprintf(have + h, sizeof(have) - h,      \
					      "%s" fmth, h ? ", " : "", vh);   \
		}                                                              \
	} while (0)
	CMP(m->vendor != id.vendor_id, "vendor %04x", m->vendor, "vendor %04x",
	    id.vendor_id);
	CMP((m->fields & PCL_MATCH_DEVICE) && m->device != id.device_id,
	    "device %04x", m->device, "device %04x", id.device_id);
	CMP((m->fields & PCL_MATCH_SUBSYSTEM_VENDOR) &&
		    m->subsystem_vendor != id.subsys_vendor_id,
	    "subsystem vendor %04x", m->subsystem_vendor,
	    "subsystem vendor %04x", id.subsys_vendor_id);
	CMP((m->fields & PCL_MATCH_SUBSYSTEM) && m->subsystem != id.subsys_id,
	    "subsystem %04x", m->subsystem, "subsystem %04x", id.subsys_id);
	CMP((m->fields & PCL_MATCH_REVISION) && m->revision != id.revision,
	    "revision %02x", m->revision, "revision %02x", id.revision);
	CMP((m->fields & PCL_MATCH_CLASS) && m->class_code != id.class_code,
	    "class %06x", m->class_code, "class %06x", id.class_code);
#undef CMP
	if (w >= sizeof(want))
		want[sizeof(want) - 1] = '\0';
	if (h >= sizeof(have))
		have[sizeof(have) - 1] = '\0';
	pcl_report_add(st->rep, PCL_SEVERITY_ERROR, -1, -1, "identity",
		       "the device does not match the layout: the layout wants %s; the device has %s",
		       want, have);
}

static bool ext_read(const struct pcl_cfg *cfg)
{
	return pcl_cfg_is_read(cfg, PCL_EXT_CAP_START, PCL_EXT_CAP_HDR_SIZE);
}

/* Are @len bytes at @off inside space @space and all read? */
static bool within_read(const struct cstate *st, uint32_t off, uint32_t len,
			int space)
{
	return len && off + len <= pcl_space_end(space) &&
	       pcl_cfg_is_read(st->cfg, off, len);
}

/* Pass 1: find the capability of every physical and hidden entry. */
static void select_entries(struct cstate *st)
{
	char nb[64], cb[16];

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < pcl_layout_entry_count(st->layout, s); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(st->layout, s, i);
			const char *name = pcl_layout_entry_label(e, nb, sizeof(nb));
			const struct pcl_cap *c;
			long k;

			if (e->kind == PCL_ENTRY_VIRTUAL)
				continue;
			if (s == PCL_SPACE_EXTENDED && !ext_read(st->cfg)) {
				if (e->kind == PCL_ENTRY_PHYSICAL)
					pcl_report_add(st->rep, PCL_SEVERITY_ERROR, s, e->at,
						       "unread",
						       "%s at 0x%x: the device's extended config space was not read (%u bytes), so it cannot be verified; read it as root or give a 4096-byte dump",
						       name, (unsigned int)e->at,
						       pcl_cfg_size(st->cfg));
				continue;
			}
			k = pcl_layout_entry_find(e, st->walk);
			if (k < 0) {
				if (e->kind == PCL_ENTRY_HIDDEN)
					pcl_report_add(st->rep, PCL_SEVERITY_INFO, s, -1,
						       "hide-absent",
						       "%s: hidden by the layout; the device has none, so there is nothing to hide",
						       name);
				else
					pcl_report_add(st->rep, PCL_SEVERITY_ERROR, s, e->at,
						       "missing",
						       "%s at 0x%x: the device has no such capability",
						       name, (unsigned int)e->at);
				continue;
			}
			c = pcl_walk_cap_or_orphan(st->walk, (size_t)k);
			if (st->sel[k]) {
				pcl_report_add(st->rep, PCL_SEVERITY_ERROR, s, c->offset,
					       "selected-twice",
					       "%s: selects the device's %s at 0x%x, which another entry already selects",
					       name, pcl_layout_cap_label(s, c->id, cb, sizeof(cb)),
					       c->offset);
				continue;
			}
			st->sel[k] = e;
			if (e->kind == PCL_ENTRY_HIDDEN)
				continue;
			if ((c->flags & PCL_CAP_TRUNCATED) &&
			    within_read(st, c->offset, e->length, s)) {
				/* A planner cuts such a capability where its
				 * space or the read ends; the guest sees no more. */
				pcl_report_add(st->rep, PCL_SEVERITY_WARNING, s, c->offset,
					       "truncated",
					       "%s: the device's capability at 0x%x runs past its space or into bytes that were not read; the layout shows its first %u bytes, which the device has",
					       name, c->offset, e->length);
			} else if (c->flags & PCL_CAP_TRUNCATED) {
				pcl_report_add(st->rep, PCL_SEVERITY_ERROR, s, c->offset,
					       "truncated",
					       "%s: the device's capability at 0x%x runs past its space or into bytes that were not read, and the layout shows %u bytes of it",
					       name, c->offset, e->length);
			} else if (c->flags & PCL_CAP_LENGTH_UNKNOWN) {
				pcl_report_add(st->rep, PCL_SEVERITY_WARNING, s, c->offset,
					       "length-unknown",
					       "%s: the length of the device's capability at 0x%x cannot be known from its registers; the layout's %u bytes are assumed",
					       name, c->offset, e->length);
			} else if (c->length < e->length) {
				pcl_report_add(st->rep, PCL_SEVERITY_ERROR, s, c->offset,
					       "shorter",
					       "%s: the layout shows %u bytes, but the device's capability at 0x%x has %u (version %u)",
					       name, e->length, c->offset, c->length,
					       c->version);
			} else if (c->length > e->length) {
				pcl_report_add(st->rep, PCL_SEVERITY_WARNING, s, c->offset,
					       "longer",
					       "%s: the device's capability at 0x%x has %u bytes; the guest sees the first %u, as the layout says",
					       name, c->offset, c->length, e->length);
			}
			if (c->offset != (uint32_t)e->at)
				pcl_report_add(st->rep, PCL_SEVERITY_INFO, s, e->at,
					       "relocated",
					       "%s: at 0x%x on this device, shown at 0x%x (relocated)",
					       name, c->offset, (unsigned int)e->at);
		}
	}
}

/* Pass 2: a moved or virtual entry's guest bytes must be bytes the device
 * does not use. Consecutive bytes with one owner make one finding. */
static void check_cover(struct cstate *st, const struct pcl_layout_entry *e,
			long self)
{
	char nb[64], desc[160];
	const char *name = pcl_layout_entry_label(e, nb, sizeof(nb));
	uint32_t end = (uint32_t)e->at + e->length;

	if (e->space == PCL_SPACE_EXTENDED && !ext_read(st->cfg)) {
		pcl_report_add(st->rep, PCL_SEVERITY_ERROR, e->space, e->at, "unread",
			       "%s %s at 0x%x: the device's extended config space was not read, so nothing can be placed there safely",
			       kind_word(e), name, (unsigned int)e->at);
		return;
	}
	for (uint32_t b = (uint32_t)e->at; b < end;) {
		uint32_t detail = 0, d2 = 0, run = b + 1;
		int owner = pcl_map_owner(st->map, b, &detail);

		while (run < end && pcl_map_owner(st->map, run, &d2) == owner &&
		       d2 == detail)
			run++;
		pcl_map_describe(st->map, b, desc, sizeof(desc));
		switch (owner) {
		case PCL_OWNER_ZERO:
		case PCL_OWNER_FREE:
			break;
		case PCL_OWNER_CAP:
		case PCL_OWNER_ORPHAN: {
			size_t k = owner == PCL_OWNER_CAP ? detail :
				   pcl_walk_cap_count(st->walk) + detail;
			const struct pcl_layout_entry *o =
				k < st->ncaps ? st->sel[k] : NULL;

			if ((long)k == self)
				break;
			if (owner == PCL_OWNER_ORPHAN && !o) {
				/* An orphan the layout does not know about. */
				pcl_report_add(st->rep, PCL_SEVERITY_ERROR, e->space,
					       (int32_t)b, "covers-orphan",
					       "%s %s at 0x%x covers 0x%x-0x%x: %s",
					       kind_word(e), name, (unsigned int)e->at,
					       b, run - 1, desc);
				break;
			}
			pcl_report_add(st->rep, PCL_SEVERITY_INFO, e->space, (int32_t)b,
				       "covers-vacated",
				       "%s %s at 0x%x covers 0x%x-0x%x, %s, which the layout %s",
				       kind_word(e), name, (unsigned int)e->at, b,
				       run - 1, desc,
				       !o ? "does not present" :
				       o->kind == PCL_ENTRY_HIDDEN ? "hides" : "moves elsewhere");
			break;
		}
		case PCL_OWNER_RESERVED:
		case PCL_OWNER_NONZERO:
		case PCL_OWNER_UNREAD:
		default:
			pcl_report_add(st->rep, PCL_SEVERITY_ERROR, e->space, (int32_t)b,
				       owner == PCL_OWNER_RESERVED ? "covers-reserved" :
				       owner == PCL_OWNER_NONZERO ? "covers-hidden-register" :
				       "covers-unread",
				       "%s %s at 0x%x covers 0x%x-0x%x: %s%s",
				       kind_word(e), name, (unsigned int)e->at, b,
				       run - 1, desc,
				       owner == PCL_OWNER_NONZERO ?
					       " (a suspected hidden register)" : "");
			break;
		}
		b = run;
	}
}

/* The inputs of virtual entries: the generator derives on this device. */
static void check_inputs(struct cstate *st, const struct pcl_layout_entry *e)
{
	struct pcl_identity id;
	struct vcap_inputs in = {
		.cfg = st->hz.cfg, .walk = st->walk, .pf = st->pf,
		.pf_walk = st->pf_walk, .asked = e->params,
		.src = pcl_cfg_source(st->cfg),
	};

	pcl_cfg_identity(st->cfg, &id);
	in.is_vf = id.is_vf || pcl_cfg_pf_slot(st->cfg) || st->pf;
	if (st->iommu && (st->iommu->flags & PCL_PLAN_PASID_IOMMU))
		in.iommu = (struct vcap_iommu){
			.given = true, .max_width = st->iommu->iommu_max_width,
			.exec = st->iommu->iommu_exec,
			.priv = st->iommu->iommu_priv,
		};
	vcap_verify(e, &in, st->rep);
}

static void check_presented(struct cstate *st)
{
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < pcl_layout_entry_count(st->layout, s); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(st->layout, s, i);
			long self = -1;

			if (e->kind == PCL_ENTRY_HIDDEN)
				continue;
			if (e->kind == PCL_ENTRY_PHYSICAL) {
				const struct pcl_cap *c;

				for (size_t k = 0; k < st->ncaps; k++)
					if (st->sel[k] == e)
						self = (long)k;
				if (self < 0)
					continue; /* already reported missing */
				c = pcl_walk_cap_or_orphan(st->walk, (size_t)self);
				if (c->offset == (uint32_t)e->at)
					continue; /* its own bytes */
			} else {
				check_inputs(st, e);
			}
			check_cover(st, e, self);
		}
	}
}

/* Capabilities the layout neither presents nor hides: the guest's chains
 * are the VMM's, so it will not see them; worth saying, not an error. */
static void check_unmentioned(struct cstate *st)
{
	char cb[16];

	for (size_t k = 0; k < st->ncaps; k++) {
		const struct pcl_cap *c = pcl_walk_cap_or_orphan(st->walk, k);

		if (st->sel[k] || (c->space == PCL_SPACE_EXTENDED &&
				   c->offset == PCL_EXT_CAP_START && !c->id))
			continue; /* selected, or vfio-pci's Null placeholder */
		pcl_report_add(st->rep, PCL_SEVERITY_INFO, c->space, c->offset,
			       "not-in-layout",
			       "the device's %s%s at 0x%x is not in the layout: the guest will not see it",
			       pcl_layout_cap_label(c->space, c->id, cb, sizeof(cb)),
			       k < pcl_walk_cap_count(st->walk) ? "" : " (an orphan)",
			       c->offset);
	}
}

static void check_walk(struct cstate *st)
{
	/* Asking for a finding makes the walk's messages: only when needed. */
	if (pcl_walk_max_severity(st->walk) < PCL_SEVERITY_ERROR)
		return;
	for (size_t i = 0; i < pcl_walk_finding_count(st->walk); i++) {
		const struct pcl_finding *f = pcl_walk_finding(st->walk, i);

		if (f->severity >= PCL_SEVERITY_ERROR)
			pcl_report_add(st->rep, PCL_SEVERITY_WARNING, f->space,
				       f->offset, "device-finding",
				       "the device's chain: %s (%s)", f->message,
				       f->code);
	}
}

/* The PF as vfio-pci shows it, and whether it is this function's PF. */
static int load_pf(struct cstate *st)
{
	char why[256];
	int r;

	if (!st->pf)
		return 0;
	if (!(st->pf_walk = pcl_cfg_walk(st->pf)))
		return -ENOMEM;
	r = hazards_view(st->pf_walk, &st->pf_walk);
	if (!r && vcap_check_pf(st->cfg, st->pf_walk, why, sizeof(why)))
		pcl_report_add(st->rep, PCL_SEVERITY_ERROR, -1, -1, "pf",
			       "the PF given: %s", why);
	return r;
}

PCL_EXPORT int pcl_check(const struct pcl_layout *layout,
			 const struct pcl_cfg *cfg, const struct pcl_cfg *pf,
			 const struct pcl_quirks *quirks,
			 const struct pcl_plan_pasid *iommu,
			 struct pcl_report **report)
{
	struct cstate st = { .layout = layout, .cfg = cfg, .pf = pf,
			     .iommu = iommu };
	struct pcl_hazard_opts o = { .quirks = quirks };
	int r = -ENOMEM;

	if (!layout || !cfg || !report ||
	    pcl_layout_kind(layout) != PCL_LAYOUT_KIND_LAYOUT)
		return -EINVAL;
	*report = NULL;
	st.rep = pcl_report_new();
	if (!st.rep || hazards_build(&st.hz, cfg, NULL, &o) < 0)
		goto out;
	st.walk = st.hz.walk;
	st.map = st.hz.map;
	st.ncaps = pcl_walk_cap_count(st.walk) + pcl_walk_orphan_count(st.walk);
	st.sel = calloc(st.ncaps + 1, sizeof(*st.sel));
	if (!st.sel || load_pf(&st) < 0)
		goto out;
	check_identity(&st);
	check_walk(&st);
	select_entries(&st);
	check_presented(&st);
	check_unmentioned(&st);
	if (pcl_report_oom(st.rep))
		goto out;
	*report = st.rep;
	st.rep = NULL;
	r = 0;
out:
	free(st.sel);
	hazards_fini(&st.hz);
	pcl_report_free(st.rep);
	return r;
}
