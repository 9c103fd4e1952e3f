// SPDX-License-Identifier: BSD-3-Clause
/*
 * unify.c - one layout for a pool of hosts whose devices are the same
 * model but whose firmware differs. Hosts are streamed into classes
 * (fleet.c); each class is planned once with the planner's defaults and
 * the requested virtual capabilities, and the plans are merged:
 *
 *  1. a capability some hosts lack is kept (and those hosts excluded) when
 *     more than half of the hosts have it, else hidden (policy "majority");
 *     or always hidden (policy "hide") - except power management, MSI,
 *     MSI-X and PCI Express, which are never hidden to admit a host;
 *  2. its length and version are the ones most hosts have; hosts with
 *     another cannot join, since the registers differ;
 *  3. its guest offset is the physical offset most hosts have, unless that
 *     is unsafe on some host or taken: then another seen offset, then the
 *     best window of the pool's hazard map (every host's, byte by byte:
 *     pcl_map_merge()) as the planner's gap finder ranks it;
 *  4. virtual capabilities go where every host's planner put them, or in
 *     the best window of the pool's hazard map; when no window is free on
 *     every host, the pool splits at the window most hosts have free;
 *  5. the result is verified with pcl_check() on every host class.
 *
 * Each host's hazard map is the planner's (lib/hazard), kept in its class
 * (fleet.c); unify has no placement rule of its own.
 *
 * Every step runs once per class or per capability, never per host.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat-internal.h"
#include "vcap/vcap.h"
#include "map/map-internal.h"

enum { KEY_KEEP = 0, KEY_HIDE = 1 };

/* Virtual capabilities one unified layout can hold (one per generator). */
#define PLAN_VCAPS 8

struct hist {
	uint32_t v;
	size_t hosts;
};

struct ukey {
	struct pcl_layout_entry tmpl;	/* selectors of the capability */
	size_t tmpl_hosts;
	size_t hosts;			/* hosts presenting it */
	bool hidden;			/* a plan hides it */
	const char *hide_why;		/* borrowed from that plan */
	int hide_rule;
	struct hist *offs, *lens, *vers;
	size_t n_offs, n_lens, n_vers;
	int decision;
	int32_t at;
	uint32_t len;
	uint32_t ver;
	char *why;
};

struct pcl_unify {
	struct pcl_ctx *ctx;
	struct fleet f;
	int missing;
	bool have_device;
	uint16_t vendor, device;
	char *name, *machine;
	bool want_pasid, want_dsn;
	struct pcl_plan_pasid pasid;
	uint64_t dsn_serial;
	bool ran;
	/* results */
	struct pcl_layout *layout;
	struct fleet_class **order;	/* classes sorted for reporting */
	size_t hosts, joined, ignored;
	struct ukey *keys;
	size_t n_keys;
};

PCL_EXPORT struct pcl_unify *pcl_unify_new(struct pcl_ctx *ctx)
{
	struct pcl_unify *u = calloc(1, sizeof(*u));

	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->ctx = ctx;
	fleet_init(&u->f, ctx);
	return u;
}

static void keys_free(struct pcl_unify *u)
{
	for (size_t i = 0; i < u->n_keys; i++) {
		free(u->keys[i].offs);
		free(u->keys[i].lens);
		free(u->keys[i].vers);
		free(u->keys[i].why);
	}
	free(u->keys);
	u->keys = NULL;
	u->n_keys = 0;
}

PCL_EXPORT void pcl_unify_free(struct pcl_unify *u)
{
	if (!u)
		return;
	keys_free(u);
	pcl_layout_free(u->layout);
	free(u->order);
	fleet_fini(&u->f);
	free(u->name);
	free(u->machine);
	free(u);
}

PCL_EXPORT int pcl_unify_set_quirks(struct pcl_unify *u,
				    const struct pcl_quirks *quirks)
{
	if (!u)
		return -EINVAL;
	if (u->f.hosts)
		return -EBUSY;
	u->f.quirks = quirks;
	return 0;
}

PCL_EXPORT int pcl_unify_set_missing(struct pcl_unify *u, int policy)
{
	if (!u || (policy != PCL_UNIFY_MISSING_MAJORITY &&
		   policy != PCL_UNIFY_MISSING_HIDE))
		return -EINVAL;
	u->missing = policy;
	return 0;
}

PCL_EXPORT int pcl_unify_set_device(struct pcl_unify *u, uint16_t vendor,
				    uint16_t device)
{
	if (!u)
		return -EINVAL;
	u->have_device = true;
	u->vendor = vendor;
	u->device = device;
	return 0;
}

static int set_str(char **dst, const char *s)
{
	char *c = NULL;

	if (s && !(c = strdup(s)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/*
 * Store a copy of @s (or NULL) in *@dst once @check accepts it on a
 * scratch layout: the layout's own rules decide what a valid name or
 * machine pattern is.
 */
static int set_checked(struct pcl_ctx *ctx, char **dst, const char *s,
		       int (*check)(struct pcl_layout *, const char *))
{
	struct pcl_layout *probe;
	int r;

	if (s) {
		probe = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
		if (!probe)
			return -ENOMEM;
		r = check(probe, s);
		pcl_layout_free(probe);
		if (r < 0)
			return r;
	}
	return set_str(dst, s);
}

PCL_EXPORT int pcl_unify_set_name(struct pcl_unify *u, const char *name)
{
	if (!u)
		return -EINVAL;
	return set_checked(u->ctx, &u->name, name, pcl_layout_set_name);
}

PCL_EXPORT int pcl_unify_set_machine(struct pcl_unify *u, const char *machine)
{
	if (!u)
		return -EINVAL;
	return set_checked(u->ctx, &u->machine, machine, pcl_layout_add_machine);
}

PCL_EXPORT int pcl_unify_add_pasid(struct pcl_unify *u,
				   const struct pcl_plan_pasid *pasid)
{
	if (!u || !pasid)
		return -EINVAL;
	if (u->f.hosts)
		return -EBUSY;
	if (u->want_pasid)
		return -EEXIST;
	u->want_pasid = true;
	u->pasid = *pasid;
	return 0;
}

PCL_EXPORT int pcl_unify_add_dsn(struct pcl_unify *u, uint64_t serial)
{
	if (!u)
		return -EINVAL;
	if (u->f.hosts)
		return -EBUSY;
	if (u->want_dsn)
		return -EEXIST;
	u->want_dsn = true;
	u->dsn_serial = serial;
	return 0;
}

PCL_EXPORT int pcl_unify_add_host(struct pcl_unify *u, struct pcl_cfg *cfg,
				  const char *name)
{
	if (!u || !cfg) {
		pcl_cfg_free(cfg);
		return -EINVAL;
	}
	if (u->ran) {
		pcl_cfg_free(cfg);
		return -EBUSY;
	}
	return fleet_add(&u->f, cfg, name);
}

PCL_EXPORT int pcl_unify_add_fleet_host(struct pcl_unify *u,
					struct pcl_fleet_host *host,
					const char *name)
{
	if (!u || !host || u->ran) {
		pcl_fleet_host_free(host);
		return u && host ? -EBUSY : -EINVAL;
	}
	return fleet_add_host(&u->f, host, name);
}

PCL_EXPORT int pcl_unify_add_failure(struct pcl_unify *u, const char *name,
				     const char *message)
{
	if (!u)
		return -EINVAL;
	return fleet_add_failure(&u->f, name, message);
}

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

/* The generators asked for, a bit per enum pcl_generator. */
static uint32_t virtual_asked(const struct pcl_unify *u)
{
	return (u->want_pasid ? 1u << PCL_GEN_PASID : 0) |
	       (u->want_dsn ? 1u << PCL_GEN_DSN : 0);
}

static int setup_req(struct pcl_plan_request *req, void *opaque)
{
	struct pcl_unify *u = opaque;
	int r = 0;

	if (u->want_pasid)
		r = pcl_plan_request_add_pasid(req, &u->pasid);
	if (!r && u->want_dsn) {
		struct pcl_plan_dsn d = { .serial = u->dsn_serial };

		r = pcl_plan_request_add_dsn(req, &d);
	}
	if (!r && u->machine)
		r = pcl_plan_request_set_machine(req, u->machine);
	if (!r && u->name)
		r = pcl_plan_request_set_name(req, u->name);
	return r;
}

static int hist_add(struct hist **h, size_t *n, uint32_t v, size_t hosts)
{
	struct hist *g;

	for (size_t i = 0; i < *n; i++)
		if ((*h)[i].v == v) {
			(*h)[i].hosts += hosts;
			return 0;
		}
	g = realloc(*h, (*n + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	g[*n] = (struct hist){ .v = v, .hosts = hosts };
	*h = g;
	(*n)++;
	return 0;
}

/* Most hosts first, then the smaller value: deterministic. */
static int hist_cmp(const void *pa, const void *pb)
{
	const struct hist *a = pa, *b = pb;

	if (a->hosts != b->hosts)
		return a->hosts > b->hosts ? -1 : 1;
	return a->v < b->v ? -1 : a->v > b->v;
}

static bool key_eq(const struct pcl_layout_entry *a,
		   const struct pcl_layout_entry *b)
{
	return a->space == b->space && a->id == b->id &&
	       a->vendor == b->vendor && a->vsec_id == b->vsec_id &&
	       a->instance == b->instance;
}

static struct ukey *key_find(struct pcl_unify *u,
			     const struct pcl_layout_entry *e, bool create)
{
	struct ukey *g;

	for (size_t i = 0; i < u->n_keys; i++)
		if (key_eq(&u->keys[i].tmpl, e))
			return &u->keys[i];
	if (!create)
		return NULL;
	g = realloc(u->keys, (u->n_keys + 1) * sizeof(*g));
	if (!g)
		return NULL;
	u->keys = g;
	g = &u->keys[u->n_keys++];
	memset(g, 0, sizeof(*g));
	g->tmpl = *e;
	g->tmpl.prov_reason = NULL;
	g->tmpl.data = NULL;
	g->tmpl.phys = -1;
	g->at = -1;
	return g;
}

/* The capability a class has for key @k: its plan presents it, selecting
 * the walk capability returned. NULL when the class lacks it. */
static const struct pcl_cap *class_cap(const struct fleet_class *c,
				       const struct ukey *k,
				       const struct pcl_layout_entry **pe)
{
	const struct pcl_layout *p = c->plan;
	int s = k->tmpl.space;

	for (size_t i = 0; p && i < pcl_layout_entry_count(p, s); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(p, s, i);
		long idx;

		if (e->kind != PCL_ENTRY_PHYSICAL || !key_eq(e, &k->tmpl))
			continue;
		idx = pcl_layout_entry_find(e, c->walk);
		if (idx < 0)
			return NULL;
		if (pe)
			*pe = e;
		return pcl_walk_cap_or_orphan(c->walk, (size_t)idx);
	}
	return NULL;
}

/*
 * Are [at, at + len) unclaimed zero or advertised free in this class's
 * hazard map - the bytes the gap finder offers - or, for a capability
 * being moved (@vacated), bytes of a capability the guest sees elsewhere
 * (the caller has checked the guest's own offsets)? @bad gets the first
 * byte that is not. The rules of pcl_check().
 */
static bool free_on(const struct fleet_class *c, uint32_t at, uint32_t len,
		    bool vacated, uint32_t *bad)
{
	const uint8_t *o = pcl_map_owners(c->map);

	for (uint32_t b = at; b < at + len; b++) {
		if (o[b] == PCL_OWNER_ZERO || o[b] == PCL_OWNER_FREE ||
		    (vacated && o[b] == PCL_OWNER_CAP))
			continue;
		if (bad)
			*bad = b;
		return false;
	}
	return true;
}

static bool guest_free(const uint8_t *guest, uint32_t at, uint32_t len, int s)
{
	if (at < pcl_space_start(s) || at + len > pcl_space_end(s) || (at & 3))
		return false;
	for (uint32_t b = at; b < at + len; b++)
		if (guest[b])
			return false;
	return true;
}

static void exclude(struct fleet_class *c, const char *code, const char *fmt,
		    ...) PCL_PRINTF(3, 4);

static void exclude(struct fleet_class *c, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	c->status = 0;
	pcl_report_add(c->reasons, PCL_SEVERITY_ERROR, -1, -1, code, "%s",
		       msg ? msg : "out of memory");
	free(msg);
}

static int set_why(struct ukey *k, const char *fmt, ...) PCL_PRINTF(2, 3);

static int set_why(struct ukey *k, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free(k->why);
	k->why = msg;
	return 0;
}

/* ---------------------------------------------------------------- */
/* The steps                                                         */
/* ---------------------------------------------------------------- */

struct run {
	struct pcl_unify *u;
	struct fleet_class **cls;	/* the model's planned classes */
	size_t n;
	size_t hosts;			/* eligible hosts (planned) */
	uint8_t guest[PCL_CFG_SIZE];	/* 1 + entry slot taken in the guest */
	const struct fleet_class *tmpl; /* the biggest planned class */
};

/* The pool's hazard map: the worst of every joined class's, byte by byte. */
static struct pcl_map *pool_map(const struct run *rn)
{
	const struct pcl_map **maps = calloc(rn->n + 1, sizeof(*maps));
	struct pcl_map *m;
	size_t n = 0;

	if (!maps)
		return NULL;
	for (size_t j = 0; j < rn->n; j++)
		if (rn->cls[j]->status == 1)
			maps[n++] = rn->cls[j]->map;
	m = n ? pcl_map_merge(maps, n) : NULL;
	free(maps);
	return m;
}

/*
 * The gap finder on the pool's hazard map: its best window of @len bytes
 * of @space that the guest still has free (the planner's gap rule, for
 * every host at once), reason in @why. -1 when there is none; -ENOMEM.
 */
static int32_t pool_window(const struct run *rn, int space, uint32_t len,
			   char *why, size_t size)
{
	struct pcl_map *m = pool_map(rn);
	struct pcl_gap *g = NULL;
	size_t n = 0;
	int32_t at = -1;

	if (!m)
		return -ENOMEM;
	if (pcl_map_gaps(m, space, len, 4, &g, &n, NULL) < 0) {
		pcl_map_free(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && at < 0; i++) {
		if (!guest_free(rn->guest, g[i].offset, len, space))
			continue;
		at = (int32_t)g[i].offset;
		pcl_gap_reason(m, &g[i], why, size);
	}
	free(g);
	pcl_map_free(m);
	return at;
}

static size_t joined_hosts(const struct run *rn)
{
	size_t h = 0;

	for (size_t i = 0; i < rn->n; i++)
		if (rn->cls[i]->status == 1)
			h += rn->cls[i]->hosts;
	return h;
}

static int class_order(const void *pa, const void *pb)
{
	const struct fleet_class *a = *(struct fleet_class *const *)pa;
	const struct fleet_class *b = *(struct fleet_class *const *)pb;

	if (a->status != b->status)
		return a->status > b->status ? -1 : 1;
	if (a->hosts != b->hosts)
		return a->hosts > b->hosts ? -1 : 1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The model with the most hosts (or the one asked for). */
static void choose_model(struct pcl_unify *u, uint16_t *ven, uint16_t *dev,
			 uint8_t *vf)
{
	size_t best = 0;

	*ven = u->vendor;
	*dev = u->device;
	*vf = 0;
	for (size_t i = 0; i < u->f.n_classes; i++) {
		const struct fleet_class *c = u->f.classes[i];
		size_t h = 0;

		if (u->have_device && (c->id.vendor_id != u->vendor ||
				       c->id.device_id != u->device))
			continue;
		for (size_t j = 0; j < u->f.n_classes; j++) {
			const struct fleet_class *o = u->f.classes[j];

			if (o->id.vendor_id == c->id.vendor_id &&
			    o->id.device_id == c->id.device_id &&
			    o->id.is_vf == c->id.is_vf)
				h += o->hosts;
		}
		if (h > best ||
		    (h == best && best &&
		     (c->id.vendor_id < *ven ||
		      (c->id.vendor_id == *ven &&
		       (c->id.device_id < *dev ||
			(c->id.device_id == *dev && c->id.is_vf < *vf)))))) {
			best = h;
			*ven = c->id.vendor_id;
			*dev = c->id.device_id;
			*vf = c->id.is_vf;
		}
	}
}

static int gather_keys(struct run *rn)
{
	struct pcl_unify *u = rn->u;

	for (size_t i = 0; i < rn->n; i++) {
		const struct fleet_class *c = rn->cls[i];

		for (int s = 0; s < 2; s++) {
			for (size_t j = 0; j < pcl_layout_entry_count(c->plan, s); j++) {
				const struct pcl_layout_entry *e =
					pcl_layout_entry(c->plan, s, j);
				const struct pcl_cap *cap;
				struct ukey *k;

				if (e->kind == PCL_ENTRY_VIRTUAL)
					continue;
				k = key_find(u, e, true);
				if (!k)
					return -ENOMEM;
				if (e->kind == PCL_ENTRY_HIDDEN) {
					if (!k->hidden) {
						k->hidden = true;
						k->hide_why = e->prov_reason;
						k->hide_rule = e->prov_rule;
					}
					continue;
				}
				cap = class_cap(c, k, NULL);
				if (!cap)
					continue;
				k->hosts += c->hosts;
				if (c->hosts > k->tmpl_hosts) {
					k->tmpl = *e;
					k->tmpl.prov_reason = NULL;
					k->tmpl.data = NULL;
					k->tmpl.phys = -1;
					k->tmpl_hosts = c->hosts;
				}
				if (hist_add(&k->offs, &k->n_offs, cap->offset, c->hosts) ||
				    hist_add(&k->lens, &k->n_lens, e->length, c->hosts) ||
				    hist_add(&k->vers, &k->n_vers, cap->version, c->hosts))
					return -ENOMEM;
			}
		}
	}
	for (size_t i = 0; i < u->n_keys; i++) {
		struct ukey *k = &u->keys[i];

		/* qsort(NULL, 0, ...) is undefined: empty histograms are NULL. */
		if (k->n_offs)
			qsort(k->offs, k->n_offs, sizeof(*k->offs), hist_cmp);
		if (k->n_lens)
			qsort(k->lens, k->n_lens, sizeof(*k->lens), hist_cmp);
		if (k->n_vers)
			qsort(k->vers, k->n_vers, sizeof(*k->vers), hist_cmp);
	}
	return 0;
}

/* Never hidden to admit a host (pcl_plan_essential()). */
static bool essential(const struct ukey *k, const char **lost)
{
	return pcl_plan_essential(k->tmpl.space, k->tmpl.id, lost);
}

/* The hosts that lack @k cannot join: a capability is kept for the others. */
static void exclude_lacking(struct run *rn, struct ukey *k, const char *name,
			    const char *why)
{
	for (size_t j = 0; j < rn->n; j++) {
		struct fleet_class *c = rn->cls[j];

		if (c->status != 1 || class_cap(c, k, NULL))
			continue;
		if (k->tmpl.space == PCL_SPACE_EXTENDED &&
		    !pcl_cfg_is_read(c->cfg, PCL_EXT_CAP_START, 4))
			exclude(c, "missing",
				"lacks %s, which %zu of %zu hosts have: its extended config space was not read",
				name, k->hosts, rn->hosts);
		else
			exclude(c, "missing", "lacks %s, which %zu of %zu hosts have (%s)",
				name, k->hosts, rn->hosts, why);
	}
}

static int decide_membership(struct run *rn)
{
	struct pcl_unify *u = rn->u;
	char nb[64], why[200];
	const char *lost;

	for (size_t i = 0; i < u->n_keys; i++) {
		struct ukey *k = &u->keys[i];
		const char *name = pcl_layout_entry_label(&k->tmpl, nb, sizeof(nb));

		if (k->hidden) {
			k->decision = KEY_HIDE;
			if (set_why(k, "%s", k->hide_why ? k->hide_why :
					     "hidden by the hosts' plans") < 0)
				return -ENOMEM;
			continue;
		}
		if (k->hosts == rn->hosts) {
			k->decision = KEY_KEEP;
			continue;
		}
		if (essential(k, &lost)) {
			/* Never hidden to admit a host: the pool splits. */
			k->decision = KEY_KEEP;
			snprintf(why, sizeof(why),
				 "%s is never hidden to admit a host: without it the guest loses %s; pool these hosts separately",
				 name, lost);
			exclude_lacking(rn, k, name, why);
			continue;
		}
		if (u->missing == PCL_UNIFY_MISSING_HIDE || k->hosts * 2 <= rn->hosts) {
			k->decision = KEY_HIDE;
			k->hide_rule = PCL_PROV_DEFAULT;
			if (set_why(k, u->missing == PCL_UNIFY_MISSING_HIDE ?
					       "%s hidden: present on %zu of %zu hosts, and a capability some hosts lack is hidden so that every host can join (policy hide)" :
					       "%s hidden: present on only %zu of %zu hosts, so it is hidden on those that have it and every host can join (policy majority)",
				    name, k->hosts, rn->hosts) < 0)
				return -ENOMEM;
			continue;
		}
		k->decision = KEY_KEEP;
		exclude_lacking(rn, k, name,
				"policy majority; --hide-missing would hide it instead");
	}
	return 0;
}

static void decide_lengths(struct run *rn)
{
	struct pcl_unify *u = rn->u;
	char nb[64];

	for (size_t i = 0; i < u->n_keys; i++) {
		struct ukey *k = &u->keys[i];
		const char *name = pcl_layout_entry_label(&k->tmpl, nb, sizeof(nb));

		if (k->decision != KEY_KEEP || !k->n_lens)
			continue;
		k->len = k->lens[0].v;
		k->ver = k->n_vers ? k->vers[0].v : 0;
		for (size_t j = 0; j < rn->n; j++) {
			struct fleet_class *c = rn->cls[j];
			const struct pcl_layout_entry *pe = NULL;
			const struct pcl_cap *cap;

			if (c->status != 1)
				continue;
			cap = class_cap(c, k, &pe);
			if (!cap)
				continue;
			if (pe->length != k->len)
				exclude(c, "length",
					"%s at 0x%x has %u bytes here and %u on %zu of %zu hosts: its registers differ",
					name, cap->offset, pe->length, k->len,
					k->lens[0].hosts, rn->hosts);
			else if (cap->version != k->ver)
				exclude(c, "version",
					"%s at 0x%x is version %u here and %u on %zu of %zu hosts: the header the guest reads differs",
					name, cap->offset, cap->version, k->ver,
					k->vers[0].hosts, rn->hosts);
		}
	}
}

static int key_order(const void *pa, const void *pb)
{
	const struct ukey *a = *(struct ukey *const *)pa;
	const struct ukey *b = *(struct ukey *const *)pb;
	size_t ha = a->n_offs ? a->offs[0].hosts : 0;
	size_t hb = b->n_offs ? b->offs[0].hosts : 0;

	bool ea = essential(a, NULL);
	bool eb = essential(b, NULL);

	if (a->tmpl.space != b->tmpl.space)
		return a->tmpl.space < b->tmpl.space ? -1 : 1;
	if (ea != eb) /* what the guest needs gets its offset first */
		return ea ? -1 : 1;
	if (ha != hb)
		return ha > hb ? -1 : 1;
	if (a->n_offs && b->n_offs && a->offs[0].v != b->offs[0].v)
		return a->offs[0].v < b->offs[0].v ? -1 : 1;
	if (a->tmpl.id != b->tmpl.id)
		return a->tmpl.id < b->tmpl.id ? -1 : 1;
	if (a->tmpl.vendor != b->tmpl.vendor)
		return a->tmpl.vendor < b->tmpl.vendor ? -1 : 1;
	if (a->tmpl.vsec_id != b->tmpl.vsec_id)
		return a->tmpl.vsec_id < b->tmpl.vsec_id ? -1 : 1;
	return a->tmpl.instance < b->tmpl.instance ? -1 :
	       a->tmpl.instance > b->tmpl.instance;
}

/* Can key @k sit at guest offset @at on every joined class? */
static bool offset_ok(struct run *rn, struct ukey *k, uint32_t at)
{
	if (!guest_free(rn->guest, at, k->len, k->tmpl.space))
		return false;
	for (size_t j = 0; j < rn->n; j++) {
		const struct fleet_class *c = rn->cls[j];
		const struct pcl_cap *cap;

		if (c->status != 1)
			continue;
		cap = class_cap(c, k, NULL);
		if (cap && cap->offset == at)
			continue;
		if (!free_on(c, at, k->len, true, NULL))
			return false;
	}
	return true;
}

/* The Null anchor's dword at 0x100 is emulated: over a capability the
 * guest does not see there is fine, over a hazard it is not. */
static bool anchor_ok(const struct fleet_class *c)
{
	const uint8_t *o = pcl_map_owners(c->map);

	for (uint32_t b = PCL_EXT_CAP_START; b < PCL_EXT_CAP_START + 4; b++)
		if (o[b] != PCL_OWNER_ZERO && o[b] != PCL_OWNER_FREE &&
		    o[b] != PCL_OWNER_CAP)
			return false;
	return true;
}

static void take(struct run *rn, uint32_t at, uint32_t len)
{
	for (uint32_t b = at; b < at + len && b < PCL_CFG_SIZE; b++)
		rn->guest[b] = 1;
}

/*
 * Nothing every host can give: keep the most common offset and let the
 * hosts where it is unsafe go. Returns the offset, -1 when the key is
 * hidden instead (it has no guest offset at all), -2 when no host can join.
 */
static int32_t keep_majority(struct run *rn, struct ukey *k, const char *name)
{
	uint32_t x = k->offs[0].v, bad = 0;
	int s = k->tmpl.space;

	if (!guest_free(rn->guest, x, k->len, s) && essential(k, NULL)) {
		/* Never hidden: no host can join such a layout. */
		for (size_t j = 0; j < rn->n; j++)
			if (rn->cls[j]->status == 1)
				exclude(rn->cls[j], "no-offset",
					"%s has no guest offset that is free on every host, and it is never hidden to admit a host",
					name);
		return -2;
	}
	if (!guest_free(rn->guest, x, k->len, s))
		return -1;
	for (size_t j = 0; j < rn->n; j++) {
		struct fleet_class *c = rn->cls[j];
		const struct pcl_cap *cap;

		if (c->status != 1)
			continue;
		cap = class_cap(c, k, NULL);
		if (cap && cap->offset == x)
			continue;
		if (!free_on(c, x, k->len, true, &bad))
			exclude(c, "relocation",
				"%s must move to 0x%x here, but byte 0x%x is not free (%s)",
				name, x, bad,
				pcl_owner_name(pcl_map_owners(c->map)[bad]));
	}
	return (int32_t)x;
}

/* The joined hosts that have @k at @at, and the other offsets, in words. */
static size_t hosts_at(const struct run *rn, const struct ukey *k, int32_t at,
		       char *moved, size_t size)
{
	size_t at_hosts = 0, ml = 0;

	moved[0] = '\0';
	for (size_t j = 0; j < rn->n; j++) {
		const struct fleet_class *c = rn->cls[j];
		const struct pcl_cap *cap;
		char one[32];

		if (c->status != 1 || !(cap = class_cap(c, k, NULL)))
			continue;
		if (cap->offset == (uint32_t)at) {
			at_hosts += c->hosts;
			continue;
		}
		if (ml >= size - 32 || strstr(moved, "..."))
			continue;
		snprintf(one, sizeof(one), "%s0x%x", ml ? ", " : "", cap->offset);
		if (strstr(moved, one + (ml ? 2 : 0)))
			continue;
		if (ml + strlen(one) > 200) {
			strcpy(moved + ml, ", ...");
			ml += 5;
			continue;
		}
		strcpy(moved + ml, one);
		ml += strlen(one);
	}
	return at_hosts;
}

static int place_one(struct run *rn, struct ukey *k)
{
	char nb[64], moved[256], gap[256] = "";
	const char *name = pcl_layout_entry_label(&k->tmpl, nb, sizeof(nb));
	size_t at_hosts, joined;
	int32_t at = -1;

	for (size_t i = 0; i < k->n_offs && at < 0; i++)
		if (offset_ok(rn, k, k->offs[i].v))
			at = (int32_t)k->offs[i].v;
	if (at < 0 &&
	    (at = pool_window(rn, k->tmpl.space, k->len, gap, sizeof(gap))) == -ENOMEM)
		return -ENOMEM;
	if (at < 0)
		at = keep_majority(rn, k, name);
	if (at == -2)
		return set_why(k, "%s: no guest offset", name);
	if (at < 0) {
		k->decision = KEY_HIDE;
		k->hide_rule = PCL_PROV_DEFAULT;
		return set_why(k, "%s hidden: no guest offset is free for it on every host", name);
	}
	joined = joined_hosts(rn);
	k->at = at;
	take(rn, (uint32_t)at, k->len);
	at_hosts = hosts_at(rn, k, at, moved, sizeof(moved));
	if (at_hosts == joined)
		return set_why(k, "%s at 0x%x: its physical offset on all %zu hosts that join",
			       name, (unsigned int)at, joined);
	if (at_hosts)
		return set_why(k, "%s at 0x%x: its physical offset on %zu of %zu hosts that join; relocated from %s on the others",
			       name, (unsigned int)at, at_hosts, joined, moved);
	return set_why(k, "%s at 0x%x: relocated on every host (physically at %s), because no physical offset is free on all of them%s%s",
		       name, (unsigned int)at, moved,
		       gap[0] ? "; the best window of the pool's hazard map: " : "",
		       gap);
}

static int place_physical(struct run *rn)
{
	struct pcl_unify *u = rn->u;
	struct ukey **order = calloc(u->n_keys + 1, sizeof(*order));
	size_t n = 0;
	int r = 0;

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < u->n_keys; i++)
		if (u->keys[i].decision == KEY_KEEP && u->keys[i].n_offs)
			order[n++] = &u->keys[i];
	if (n) /* qsort(NULL, 0, ...) is undefined */
		qsort(order, n, sizeof(*order), key_order);
	for (size_t i = 0; !r && i < n; i++)
		r = place_one(rn, order[i]);
	free(order);
	return r;
}

/* The virtual entry of generator @gen in a class's plan, or NULL. */
static const struct pcl_layout_entry *plan_virtual(const struct fleet_class *c,
						   int gen)
{
	for (size_t i = 0; i < pcl_layout_entry_count(c->plan, PCL_SPACE_EXTENDED); i++) {
		const struct pcl_layout_entry *e =
			pcl_layout_entry(c->plan, PCL_SPACE_EXTENDED, i);

		if (e->kind == PCL_ENTRY_VIRTUAL && e->generator == gen)
			return e;
	}
	return NULL;
}

struct vplace {
	struct pcl_layout_entry e;
	char *why;
};

/* Hosts of the joined classes on which [at, at + len) is free. */
static size_t hosts_free(const struct run *rn, uint32_t at, uint32_t len)
{
	size_t h = 0;

	for (size_t j = 0; j < rn->n; j++)
		if (rn->cls[j]->status == 1 &&
		    free_on(rn->cls[j], at, len, false, NULL))
			h += rn->cls[j]->hosts;
	return h;
}

/*
 * No window is free on every host: the pool splits. Each class's own best
 * window (the gap finder on its hazard map) is a candidate; the one free
 * on the most hosts wins, and the classes it is not free on cannot join.
 */
static int32_t split_window(struct run *rn, const char *gname, uint32_t len,
			    char **why)
{
	size_t best_hosts = 0, joined = joined_hosts(rn);
	uint32_t best = 0, bad = 0;

	for (size_t j = 0; j < rn->n; j++) {
		struct pcl_gap *g = NULL;
		size_t n = 0, h;

		if (rn->cls[j]->status != 1)
			continue;
		if (pcl_map_gaps(rn->cls[j]->map, PCL_SPACE_EXTENDED, len, 4,
				 &g, &n, NULL) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			if (!guest_free(rn->guest, g[i].offset, len,
					PCL_SPACE_EXTENDED))
				continue;
			h = hosts_free(rn, g[i].offset, len);
			if (h > best_hosts) {
				best_hosts = h;
				best = g[i].offset;
			}
			break;
		}
		free(g);
	}
	if (!best_hosts)
		return -ENOSPC;
	for (size_t j = 0; j < rn->n; j++) {
		struct fleet_class *c = rn->cls[j];

		if (c->status == 1 && !free_on(c, best, len, false, &bad))
			exclude(c, "no-window",
				"the virtual %s goes to 0x%x, the window most hosts have free, but byte 0x%x is %s here",
				gname, best, bad,
				pcl_owner_name(pcl_map_owners(c->map)[bad]));
	}
	if (asprintf(why, "%s at 0x%x: no window is free on every host; this one is free on %zu of %zu, and the others cannot join",
		     gname, best, best_hosts, joined) < 0)
		return -ENOMEM;
	return (int32_t)best;
}

static int place_virtual(struct run *rn, int gen, struct vplace *out)
{
	const struct pcl_layout_entry *first = NULL;
	const char *gname = pcl_generator_name(gen);
	bool agree = true, have_first = false;
	size_t joined = joined_hosts(rn);
	uint32_t len = 0;
	int32_t at = -1;

	pcl_layout_entry_init(&out->e);
	for (size_t j = 0; j < rn->n; j++) {
		const struct fleet_class *c = rn->cls[j];
		const struct pcl_layout_entry *e;

		if (c->status != 1)
			continue;
		e = plan_virtual(c, gen);
		if (!e)
			continue;
		if (!have_first) {
			first = e;
			have_first = true;
			out->e = *e;
			out->e.prov_reason = NULL;
			continue;
		}
		if (e->at != first->at)
			agree = false;
		/* What every host allows (equal serials: a fixed one). */
		vcap_merge(vcap_get(gen), out->e.params, e->params);
	}
	if (!first)
		return 0;
	len = first->length;
	if (agree && guest_free(rn->guest, (uint32_t)first->at, len, PCL_SPACE_EXTENDED)) {
		bool ok = true;

		for (size_t j = 0; j < rn->n && ok; j++)
			if (rn->cls[j]->status == 1)
				ok = free_on(rn->cls[j], (uint32_t)first->at, len,
					     false, NULL);
		if (ok) {
			at = first->at;
			if (asprintf(&out->why,
				     "%s at 0x%x: where the planner puts it on each of the %zu hosts that join (%s rule)",
				     gname, (unsigned int)at, joined,
				     pcl_prov_rule_name(first->prov_rule)) < 0)
				return -ENOMEM;
			out->e.prov_rule = first->prov_rule;
		}
	}
	if (at < 0) {
		char gap[256];

		at = pool_window(rn, PCL_SPACE_EXTENDED, len, gap, sizeof(gap));
		if (at == -ENOMEM)
			return -ENOMEM;
		if (at >= 0 &&
		    asprintf(&out->why,
			     "%s at 0x%x: the planners of the %zu hosts that join chose different offsets; this is the best window of the pool's hazard map (every host's, byte by byte), as the planner's gap rule ranks them: %s",
			     gname, (unsigned int)at, joined, gap) < 0)
			return -ENOMEM;
		out->e.prov_rule = PCL_PROV_GAP;
	}
	if (at < 0) {
		at = split_window(rn, gname, len, &out->why);
		if (at < 0)
			return (int)at;
		out->e.prov_rule = PCL_PROV_GAP;
	}
	out->e.at = at;
	take(rn, (uint32_t)at, len);
	return 1;
}

static int build(struct run *rn, struct vplace *virt, size_t n_virt,
		 bool anchor)
{
	struct pcl_unify *u = rn->u;
	const struct pcl_layout *t = rn->tmpl->plan;
	struct pcl_layout *l = pcl_layout_new(u->ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_layout_match m = { 0 };
	char name[72], desc[256];
	int r;

	if (!l)
		return -ENOMEM;
	if (u->name)
		pcl_strlcpy(name, u->name, sizeof(name));
	else
		snprintf(name, sizeof(name), "%04x-%04x%s", rn->tmpl->id.vendor_id,
			 rn->tmpl->id.device_id, rn->tmpl->id.is_vf ? "-vf" : "");
	r = pcl_layout_set_name(l, name);
	m.fields = PCL_MATCH_DEVICE;
	m.vendor = rn->tmpl->id.vendor_id;
	m.device = rn->tmpl->id.device_id;
	if (!r)
		r = pcl_layout_set_match(l, &m);
	if (!r && u->machine)
		r = pcl_layout_add_machine(l, u->machine);
	if (!r)
		r = pcl_layout_set_unclaimed(l, pcl_layout_unclaimed(t));
	for (size_t i = 0; !r && i < pcl_layout_reserved_count(t); i++) {
		const struct pcl_layout_reserved *rs = pcl_layout_reserved(t, i);

		r = pcl_layout_add_reserved(l, rs->offset, rs->length, rs->reason,
					    rs->source);
	}
	snprintf(desc, sizeof(desc),
		 "Guest view of %04x:%04x%s unified by pcilayout over %zu hosts, %zu of which can realize it.",
		 m.vendor, m.device, rn->tmpl->id.is_vf ? " (VF)" : "", rn->hosts,
		 joined_hosts(rn));
	if (!r)
		r = pcl_layout_set_description(l, desc);
	for (size_t i = 0; !r && i < u->n_keys; i++) {
		struct ukey *k = &u->keys[i];
		struct pcl_layout_entry e = k->tmpl;

		if (k->decision == KEY_KEEP && k->at < 0)
			continue;
		e.prov_reason = k->why;
		if (k->decision == KEY_HIDE) {
			e.kind = PCL_ENTRY_HIDDEN;
			e.at = -1;
			e.length = 0;
			e.prov_rule = (uint8_t)(k->hide_rule ? k->hide_rule : PCL_PROV_DEFAULT);
		} else {
			e.kind = PCL_ENTRY_PHYSICAL;
			e.at = k->at;
			e.length = k->len;
			e.prov_rule = PCL_PROV_PHYSICAL;
		}
		r = pcl_layout_add_entry(l, &e);
	}
	if (!r && anchor) {
		struct pcl_layout_entry e;

		pcl_layout_entry_init(&e);
		e.space = PCL_SPACE_EXTENDED;
		e.kind = PCL_ENTRY_VIRTUAL;
		e.generator = PCL_GEN_NULL;
		e.id = 0;
		e.at = PCL_EXT_CAP_START;
		e.prov_rule = PCL_PROV_DEFAULT;
		e.prov_reason = "null at 0x100: no capability shown to the guest is at 0x100 on every host, and the extended chain must start there, so a Null capability anchors it.";
		r = pcl_layout_add_entry(l, &e);
	}
	for (size_t i = 0; !r && i < n_virt; i++) {
		virt[i].e.prov_reason = virt[i].why;
		r = pcl_layout_add_entry(l, &virt[i].e);
	}
	if (!r && pcl_layout_validate(l, NULL) < 0)
		r = -EINVAL;
	if (r < 0) {
		pcl_layout_free(l);
		return r;
	}
	u->layout = l;
	return 0;
}

static void verify(struct run *rn)
{
	struct pcl_unify *u = rn->u;

	for (size_t j = 0; j < rn->n; j++) {
		struct fleet_class *c = rn->cls[j];
		struct pcl_report *rep = NULL;

		if (c->status != 1)
			continue;
		if (pcl_check(u->layout, c->cfg, NULL, u->f.quirks,
			      u->want_pasid ? &u->pasid : NULL, &rep) < 0)
			continue;
		if (!pcl_report_ok(rep)) {
			c->status = 0;
			for (size_t i = 0; i < pcl_report_count(rep); i++) {
				const struct pcl_finding *f = pcl_report_get(rep, i);

				if (f->severity >= PCL_SEVERITY_ERROR)
					pcl_report_add(c->reasons, f->severity, f->space,
						       f->offset, f->code, "%s",
						       f->message);
			}
		}
		pcl_report_free(rep);
	}
}

/* Plan the model's classes and set every class's status. */
static int plan_classes(struct run *rn)
{
	struct pcl_unify *u = rn->u;
	size_t n_model = 0;
	uint16_t ven, dev;
	uint8_t vf;
	int r;

	choose_model(u, &ven, &dev, &vf);
	for (size_t i = 0; i < u->f.n_classes; i++) {
		struct fleet_class *c = u->f.classes[i];

		if (!c->reasons && !(c->reasons = pcl_report_new()))
			return -ENOMEM;
		if (c->id.vendor_id != ven || c->id.device_id != dev ||
		    c->id.is_vf != vf) {
			c->status = -1;
			u->ignored += c->hosts;
			pcl_report_add(c->reasons, PCL_SEVERITY_INFO, -1, -1,
				       "other-model",
				       "a different device model (%04x:%04x%s); this pool is %04x:%04x%s",
				       c->id.vendor_id, c->id.device_id,
				       c->id.is_vf ? " VF" : "", ven, dev,
				       vf ? " VF" : "");
			continue;
		}
		n_model++;
		u->hosts += c->hosts;
		r = fleet_plan(&u->f, c, setup_req, u);
		if (r < 0)
			return r;
		c->status = c->plan ? 1 : 0;
		if (c->plan)
			rn->cls[rn->n++] = c;
	}
	u->hosts += u->f.n_failures + u->f.failures_dropped;
	if (!n_model)
		return -ENODATA;
	return rn->n ? 0 : -ENOSPC;
}

/* The Null anchor at 0x100, when the guest's extended chain needs one. */
static bool place_anchor(struct run *rn)
{
	struct pcl_unify *u = rn->u;
	bool ext_any = virtual_asked(u) != 0;

	for (size_t i = 0; i < u->n_keys; i++)
		if (u->keys[i].decision == KEY_KEEP && u->keys[i].at >= 0 &&
		    u->keys[i].tmpl.space == PCL_SPACE_EXTENDED)
			ext_any = true;
	if (!ext_any || rn->guest[PCL_EXT_CAP_START])
		return false;
	for (size_t j = 0; j < rn->n; j++)
		if (rn->cls[j]->status == 1 && !anchor_ok(rn->cls[j]))
			return false;
	take(rn, PCL_EXT_CAP_START, PCL_EXT_CAP_HDR_SIZE);
	return true;
}

/* Keys, membership, lengths, offsets, virtual entries, the layout, check. */
static int unify_classes(struct run *rn)
{
	struct pcl_unify *u = rn->u;
	struct vplace virt[PLAN_VCAPS] = { 0 };
	size_t n_virt = 0;
	bool anchor;
	int r;

	qsort(rn->cls, rn->n, sizeof(*rn->cls), class_order);
	rn->tmpl = rn->cls[0];
	for (size_t i = 0; i < rn->n; i++)
		rn->hosts += rn->cls[i]->hosts;
	r = gather_keys(rn);
	if (!r)
		r = decide_membership(rn);
	if (r < 0)
		return r;
	decide_lengths(rn);
	if (!joined_hosts(rn))
		return -ENOSPC;
	r = place_physical(rn);
	anchor = !r && place_anchor(rn);
	for (int gen = 0; !r && gen < 32 && n_virt < PLAN_VCAPS; gen++) {
		if (!(virtual_asked(u) & 1u << gen))
			continue;
		r = place_virtual(rn, gen, &virt[n_virt]);
		n_virt += r > 0 ? (size_t)r : 0;
		r = r < 0 ? r : 0;
	}
	if (!r)
		r = build(rn, virt, n_virt, anchor);
	if (!r)
		verify(rn);
	for (size_t i = 0; i < PLAN_VCAPS; i++)
		free(virt[i].why);
	return r;
}

/* Every class in report order, with its group filled in. */
static void report_classes(struct pcl_unify *u)
{
	for (size_t i = 0; i < u->f.n_classes; i++)
		u->order[i] = u->f.classes[i];
	if (u->f.n_classes) /* qsort(NULL, 0, ...) is undefined */
		qsort(u->order, u->f.n_classes, sizeof(*u->order), class_order);
	for (size_t i = 0; i < u->f.n_classes; i++) {
		fleet_group_fill(u->order[i]);
		if (u->order[i]->status == 1)
			u->joined += u->order[i]->hosts;
	}
}

PCL_EXPORT int pcl_unify_run(struct pcl_unify *u,
			     const struct pcl_layout **layout)
{
	struct run *rn;
	int r;

	if (!u || !layout)
		return -EINVAL;
	if (u->ran)
		return -EBUSY;
	u->ran = true;
	rn = calloc(1, sizeof(*rn));
	u->order = calloc(u->f.n_classes + 1, sizeof(*u->order));
	if (rn)
		rn->cls = calloc(u->f.n_classes + 1, sizeof(*rn->cls));
	if (!rn || !u->order || !rn->cls) {
		if (rn)
			free(rn->cls);
		free(rn);
		return -ENOMEM;
	}
	rn->u = u;
	r = plan_classes(rn);
	if (!r)
		r = unify_classes(rn);
	report_classes(u);
	free(rn->cls);
	free(rn);
	if (r == 0 && !u->joined)
		r = -ENOSPC;
	if (r == 0 || (r == -ENOSPC && u->layout))
		*layout = u->layout;
	return r;
}

PCL_EXPORT size_t pcl_unify_host_count(const struct pcl_unify *u)
{
	return u ? u->hosts : 0;
}

PCL_EXPORT size_t pcl_unify_joined(const struct pcl_unify *u)
{
	return u ? u->joined : 0;
}

PCL_EXPORT size_t pcl_unify_ignored(const struct pcl_unify *u)
{
	return u ? u->ignored : 0;
}

PCL_EXPORT size_t pcl_unify_group_count(const struct pcl_unify *u)
{
	return u && u->ran ? u->f.n_classes : 0;
}

PCL_EXPORT const struct pcl_host_group *
pcl_unify_group(const struct pcl_unify *u, size_t index)
{
	if (!u || !u->ran || index >= u->f.n_classes)
		return NULL;
	return &u->order[index]->group;
}

PCL_EXPORT size_t pcl_unify_failure_count(const struct pcl_unify *u)
{
	return u ? u->f.n_failures : 0;
}

PCL_EXPORT const struct pcl_input_failure *
pcl_unify_failure(const struct pcl_unify *u, size_t index)
{
	return u && index < u->f.n_failures ? &u->f.failures[index] : NULL;
}
