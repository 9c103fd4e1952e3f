// SPDX-License-Identifier: BSD-3-Clause
/*
 * props.c - the properties of props.h. Every comparison is of something
 * the library computes two ways (or two stages compute from one input), so
 * each can fail; none compares with a stored answer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"

const struct pcl_plan_pasid prop_iommu = {
	.flags = PCL_PLAN_PASID_IOMMU, .iommu_max_width = 20,
	.iommu_exec = 1, .iommu_priv = 1,
};

static int fails(char *msg, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fails(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return PROP_FAILS;
}

int prop_plan(const struct pcl_cfg *cfg, bool pasid, uint32_t allow,
	      struct pcl_layout **out)
{
	struct pcl_plan_request *req = pcl_plan_request_new(pcl_cfg_ctx(cfg));
	int r = -ENOMEM;

	*out = NULL;
	if (!req)
		return r;
	r = pcl_plan_request_set_cfg(req, cfg, NULL);
	if (!r)
		r = pcl_plan_request_allow(req, allow);
	if (!r && pasid)
		r = pcl_plan_request_add_pasid(req, &prop_iommu);
	if (!r)
		r = pcl_plan(req, out, NULL);
	pcl_plan_request_free(req);
	return r;
}

/* The first error of @r in @msg. */
static int report_fails(const struct pcl_report *r, const char *what,
			char *msg, size_t size)
{
	for (size_t i = 0; i < pcl_report_count(r); i++) {
		const struct pcl_finding *f = pcl_report_get(r, i);

		if (f->severity >= PCL_SEVERITY_ERROR)
			return fails(msg, size, "%s: %s (%s)", what, f->message,
				     f->code);
	}
	return fails(msg, size, "%s: not ok", what);
}

int prop_check_accepts_plan(const struct pcl_cfg *cfg,
			    const struct pcl_layout *l, char *msg, size_t size)
{
	struct pcl_report *r = NULL;
	int ret;

	if (pcl_check(l, cfg, NULL, NULL, &prop_iommu, &r) < 0)
		return fails(msg, size, "check could not run");
	ret = pcl_report_ok(r) ? PROP_HOLDS :
				 report_fails(r, "check refuses the plan", msg, size);
	pcl_report_free(r);
	return ret;
}

/* The @k-th presented entry of @space in @l (link order), or NULL. */
static const struct pcl_layout_entry *presented(const struct pcl_layout *l,
						int space, size_t k)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, space); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if (e->kind != PCL_ENTRY_HIDDEN && k-- == 0)
			return e;
	}
	return NULL;
}

static size_t presented_count(const struct pcl_layout *l, int space)
{
	size_t n = 0;

	for (size_t i = 0; i < pcl_layout_entry_count(l, space); i++)
		n += pcl_layout_entry(l, space, i)->kind != PCL_ENTRY_HIDDEN;
	return n;
}

/* The chains a guest walking @g's image finds, against @l's entries in
 * their link order. */
static int compare_walk(const struct pcl_guest *g, const struct pcl_layout *l,
			char *msg, size_t size)
{
	struct pcl_cfg *img = pcl_cfg_new(NULL, pcl_guest_image(g), PCL_CFG_SIZE,
					  "guest");
	struct pcl_walk *w = img ? pcl_walk_new(img) : NULL;
	size_t found[2] = { 0, 0 };
	int ret = PROP_HOLDS;

	if (!w) {
		pcl_cfg_free(img);
		return fails(msg, size, "cannot walk the guest image");
	}
	for (size_t i = 0; i < pcl_walk_cap_count(w) && !ret; i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		const struct pcl_layout_entry *e =
			presented(l, c->space, found[c->space]++);

		if (!e || (uint32_t)e->at != c->offset || e->id != c->id)
			ret = fails(msg, size,
				    "the guest's %s chain has %s at 0x%x as its capability %zu, where the layout links %s0x%x",
				    pcl_space_name(c->space), c->name, c->offset,
				    found[c->space], e ? "the one at " : "none, not ",
				    e ? (unsigned int)e->at : c->offset);
	}
	for (int s = 0; s < 2 && !ret; s++)
		if (found[s] != presented_count(l, s))
			ret = fails(msg, size,
				    "the guest's %s chain has %zu capabilities, the layout presents %zu",
				    pcl_space_name(s), found[s], presented_count(l, s));
	if (!ret && pcl_walk_max_severity(w) >= PCL_SEVERITY_ERROR)
		ret = fails(msg, size, "the guest's chains are broken");
	pcl_walk_free(w);
	pcl_cfg_free(img);
	return ret;
}

int prop_synth_walks_to_plan(const struct pcl_cfg *cfg,
			     const struct pcl_layout *l, char *msg, size_t size)
{
	struct pcl_guest_options o = { .pf_serial = 0x0123456789abcdefull,
				       .flags = PCL_GUEST_OPT_PF_SERIAL };
	struct pcl_guest *g = NULL;
	struct pcl_error err = { 0 };
	int ret;

	if (pcl_guest_build(pcl_cfg_ctx(cfg), l, cfg, &o, &g, &err) < 0)
		return fails(msg, size, "synth cannot build the plan: %s",
			     err.message);
	ret = compare_walk(g, l, msg, size);
	pcl_guest_free(g);
	return ret;
}

/* @space's chain members of @w that @l presents in place, in @w's order,
 * as offsets in @out; the count. */
static size_t device_order(const struct pcl_walk *w, const struct pcl_layout *l,
			   int space, uint32_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);

		for (size_t k = 0; c->space == space && presented(l, space, k); k++) {
			const struct pcl_layout_entry *e = presented(l, space, k);

			if (e->kind == PCL_ENTRY_PHYSICAL &&
			    (uint32_t)e->at == c->offset && e->id == c->id) {
				out[n++] = c->offset;
				break;
			}
		}
	}
	return n;
}

int prop_device_link_order(const struct pcl_cfg *cfg, const struct pcl_walk *w,
			   const struct pcl_layout *l, char *msg, size_t size)
{
	struct pcl_walk *own = w ? NULL : pcl_walk_new(cfg);
	uint32_t dev[PCL_CFG_SIZE / 4], lay[PCL_CFG_SIZE / 4];
	int ret = PROP_HOLDS;

	if (!w && !(w = own))
		return fails(msg, size, "cannot walk the device");
	for (int s = 0; s < 2 && !ret; s++) {
		size_t n = device_order(w, l, s, dev), m = 0;

		/* The same offsets in the layout's link order. */
		for (size_t k = 0; presented(l, s, k); k++)
			for (size_t i = 0; i < n; i++)
				if ((uint32_t)presented(l, s, k)->at == dev[i])
					lay[m++] = dev[i];
		for (size_t i = 0; i < n && !ret; i++)
			if (lay[i] != dev[i])
				ret = fails(msg, size,
					    "the plan links the %s chain's capability at 0x%x where the device links 0x%x (position %zu)",
					    pcl_space_name(s), lay[i], dev[i], i);
	}
	pcl_walk_free(own);
	return ret;
}

/* Did the gap rule's window steps, or the DVSEC rule, place @e? */
static bool placed_by_ranking(const struct pcl_layout_entry *e)
{
	if (e->prov_rule == PCL_PROV_DVSEC)
		return true;
	return e->prov_rule == PCL_PROV_GAP && e->prov_reason &&
	       (strstr(e->prov_reason, "QEMU's default window") ||
		strstr(e->prov_reason, "best-ranked window"));
}

int prop_gaps_first(const struct pcl_cfg *cfg, const struct pcl_layout *l,
		    const struct pcl_map *hazards, char *msg, size_t size)
{
	const struct pcl_layout_entry *e = pcl_layout_find_virtual(l, PCL_GEN_PASID);
	struct pcl_map *own = NULL;
	struct pcl_gap *g = NULL;
	size_t n = 0;
	int ret;

	if (!e || !placed_by_ranking(e))
		return PROP_NA;
	if (!hazards)
		hazards = own = pcl_hazard_map_new(cfg, NULL);
	if (!hazards || pcl_map_gaps(hazards, PCL_SPACE_EXTENDED, e->length, 4,
				     &g, &n, NULL) < 0) {
		pcl_map_free(own);
		return fails(msg, size, "gaps could not run");
	}
	if (!n)
		ret = fails(msg, size, "gaps offers no window, the plan took 0x%x",
			    (unsigned int)e->at);
	else if (g[0].offset != (uint32_t)e->at)
		ret = fails(msg, size,
			    "gaps ranks 0x%x first, the plan's %s rule took 0x%x",
			    g[0].offset, pcl_prov_rule_name(e->prov_rule),
			    (unsigned int)e->at);
	else
		ret = PROP_HOLDS;
	free(g);
	pcl_map_free(own);
	return ret;
}

/*
 * The guest views of layout @a on @cfg and of @b on @view: the same plan
 * (fingerprint) and the same image and rule for every byte (the engine a
 * VMM builds does not depend on how it read the device). pcl_guest_build()
 * names the layout each view realizes by its fingerprint: @a's is
 * computed here and must be the one @ga carries, and @gb's (the
 * fingerprint of @b) must be the same.
 */
static int same_guest(const struct pcl_layout *a, const struct pcl_cfg *cfg,
		      const struct pcl_layout *b, const struct pcl_cfg *view,
		      char *msg, size_t size)
{
	struct pcl_guest_options o = { .pf_serial = 0x0123456789abcdefull,
				       .flags = PCL_GUEST_OPT_PF_SERIAL };
	struct pcl_guest *ga = NULL, *gb = NULL;
	struct pcl_error err = { 0 };
	char fa[PCL_FINGERPRINT_SIZE];
	const struct pcl_guest_rule *ra, *rb;
	const uint8_t *ia, *ib;
	int ret = PROP_HOLDS;

	if (pcl_layout_fingerprint(a, fa)) {
		ret = fails(msg, size, "cannot fingerprint the plan");
		goto out;
	}
	if (pcl_guest_build(pcl_cfg_ctx(cfg), a, cfg, &o, &ga, &err) < 0 ||
	    pcl_guest_build(pcl_cfg_ctx(view), b, view, &o, &gb, &err) < 0) {
		ret = fails(msg, size, "synth cannot build the plan: %s",
			    err.message);
		goto out;
	}
	if (strcmp(pcl_guest_fingerprint(ga), fa)) {
		ret = fails(msg, size,
			    "synth's view of the plan (%s) carries the fingerprint %s",
			    fa, pcl_guest_fingerprint(ga));
		goto out;
	}
	if (strcmp(pcl_guest_fingerprint(gb), fa)) {
		ret = fails(msg, size,
			    "the plan of the device read in full (%s) differs from the plan of its vfio-pci view (%s)",
			    fa, pcl_guest_fingerprint(gb));
		goto out;
	}
	ia = pcl_guest_image(ga);
	ib = pcl_guest_image(gb);
	ra = pcl_guest_rules(ga);
	rb = pcl_guest_rules(gb);
	/* Whole tables first; byte by byte only to name the first difference. */
	if (!memcmp(ia, ib, PCL_CFG_SIZE) &&
	    !memcmp(ra, rb, PCL_CFG_SIZE * sizeof(*ra)))
		goto out;
	for (uint32_t i = 0; i < PCL_CFG_SIZE && !ret; i++)
		if (ia[i] != ib[i] || memcmp(&ra[i], &rb[i], sizeof(*ra)))
			ret = fails(msg, size,
				    "synth differs at 0x%03x: read in full %02x (source %u, write mask %02x), as vfio-pci shows it %02x (source %u, write mask %02x)",
				    i, ia[i], ra[i].source, ra[i].wmask, ib[i],
				    rb[i].source, rb[i].wmask);
out:
	pcl_guest_free(ga);
	pcl_guest_free(gb);
	return ret;
}

int prop_vfio_view(const struct pcl_cfg *cfg, const struct pcl_walk *w, int ra,
		   const struct pcl_layout *a, bool pasid, uint32_t allow,
		   char *msg, size_t size)
{
	struct pcl_walk *own = w ? NULL : pcl_walk_new(cfg);
	struct pcl_cfg *view = NULL;
	struct pcl_layout *b = NULL;
	bool changed = false;
	int rb, ret = PROP_NA;

	if (!w)
		w = own;
	if (!w || pcl_walk_vfio_view(w, &view, &changed) < 0 || !changed)
		goto out;
	rb = prop_plan(view, pasid, allow, &b);
	if (ra != rb)
		ret = fails(msg, size,
			    "planned in full: %d; as vfio-pci shows it: %d", ra, rb);
	else if (ra)
		ret = PROP_HOLDS; /* refused alike */
	else
		ret = same_guest(a, cfg, b, view, msg, size);
out:
	pcl_layout_free(b);
	pcl_cfg_free(view);
	pcl_walk_free(own);
	return ret;
}

/* Is host @name among the examples of a group unify admitted? */
static bool admitted(const struct pcl_unify *u, const char *name)
{
	for (size_t i = 0; i < pcl_unify_group_count(u); i++) {
		const struct pcl_host_group *g = pcl_unify_group(u, i);

		for (size_t k = 0; g->status == 1 && k < g->n_examples; k++)
			if (!strcmp(g->examples[k], name))
				return true;
	}
	return false;
}

static int check_hosts(const struct pcl_unify *u, const struct pcl_layout *l,
		       struct pcl_ctx *ctx, const uint8_t *const *data,
		       size_t n, char *msg, size_t size)
{
	int ret = PROP_HOLDS;

	for (size_t i = 0; i < n && !ret; i++) {
		char name[32];
		struct pcl_cfg *c;

		snprintf(name, sizeof(name), "host%zu", i);
		if (!admitted(u, name))
			continue;
		c = pcl_cfg_new(ctx, data[i], PCL_CFG_SIZE, name);
		ret = c ? prop_check_accepts_plan(c, l, msg, size) :
			  fails(msg, size, "out of memory");
		if (ret)
			strncat(msg, " (unify)", size - strlen(msg) - 1);
		pcl_cfg_free(c);
	}
	return ret;
}

int prop_unify_admitted(struct pcl_ctx *ctx, const uint8_t *const *data,
			size_t n, char *msg, size_t size)
{
	struct pcl_unify *u = pcl_unify_new(ctx);
	const struct pcl_layout *l = NULL;
	int ret = PROP_NA;

	if (!u || pcl_unify_add_pasid(u, &prop_iommu) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char name[32];
		struct pcl_cfg *c = pcl_cfg_new(ctx, data[i], PCL_CFG_SIZE, NULL);

		snprintf(name, sizeof(name), "host%zu", i);
		if (!c || pcl_unify_add_host(u, c, name) < 0) {
			ret = fails(msg, size, "cannot add %s", name);
			goto out;
		}
	}
	if (pcl_unify_run(u, &l) < 0 || !l || !pcl_unify_joined(u))
		goto out;
	ret = check_hosts(u, l, ctx, data, n, msg, size);
out:
	pcl_unify_free(u);
	return ret;
}
