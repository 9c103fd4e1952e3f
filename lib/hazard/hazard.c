// SPDX-License-Identifier: BSD-3-Clause
/*
 * hazard.c - the one hazard map (hazard.h): the device as vfio-pci shows
 * it, walked and mapped with the ranges of every source, in one order:
 * matching quirks' reserved ranges, the caller's ranges, the free-space
 * DVSECs' advertised ranges (the map gives earlier ranges precedence, and
 * trusts a free range only over unclaimed zero bytes).
 */
#include <stdlib.h>

#include <pcilayout/quirks.h>

#include "source/source.h"

#include "hazard/hazard.h"
#include "walk/memo.h"
#include "map/map-internal.h"

int hazards_view(const struct pcl_walk *walk, const struct pcl_walk **out)
{
	const struct pcl_walk *view = NULL;
	int r = pcl_cfg_view_walk(pcl_walk_cfg(walk), &view);

	*out = view ? view : walk;
	return r;
}

static unsigned int specificity(const struct pcl_layout *l)
{
	unsigned int n = 0;

	for (uint32_t f = pcl_layout_match(l)->fields; f; f &= f - 1)
		n++;
	return n;
}

/* @a before @b: more specific first, then by name - deterministic. */
static bool before(const struct pcl_layout *a, const struct pcl_layout *b)
{
	unsigned int sa = specificity(a), sb = specificity(b);

	return sa > sb || (sa == sb &&
			   strcmp(pcl_layout_name(a), pcl_layout_name(b)) < 0);
}

static int gather_quirks(struct hazards *h, const struct pcl_cfg *cfg,
			 const struct pcl_hazard_opts *o)
{
	const struct pcl_layout **m = NULL;
	struct pcl_identity id;
	size_t n = 0, nq = 0;
	int r;

	if (o->quirks && (r = pcl_quirks_match(o->quirks, cfg, &m, &n)) < 0)
		return r;
	if (!n && !o->n_quirk_list) { /* nothing can match: no list */
		free(m);
		return 0;
	}
	h->quirks = malloc((n + o->n_quirk_list) * sizeof(*h->quirks));
	if (!h->quirks) {
		free(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		h->quirks[nq++] = m[i];
	free(m);
	pcl_cfg_identity(cfg, &id);
	for (size_t i = 0; i < o->n_quirk_list; i++)
		if (pcl_layout_matches(o->quirk_list[i], id.vendor_id,
				       id.device_id, id.subsys_vendor_id,
				       id.subsys_id, id.revision, id.class_code))
			h->quirks[nq++] = o->quirk_list[i];
	for (size_t i = 1; i < nq; i++) { /* insertion sort: a handful */
		const struct pcl_layout *q = h->quirks[i];
		size_t j = i;

		for (; j > 0 && before(q, h->quirks[j - 1]); j--)
			h->quirks[j] = h->quirks[j - 1];
		h->quirks[j] = q;
	}
	h->n_quirks = nq;
	return 0;
}

struct rangebuf {
	struct pcl_range *r;
	size_t n, alloc;
};

static int add_ranges(struct rangebuf *b, const struct pcl_range *r, size_t n)
{
	if (b->n + n > b->alloc) {
		size_t a = b->alloc ? b->alloc : 16;
		struct pcl_range *g;

		while (a < b->n + n)
			a *= 2;
		g = realloc(b->r, a * sizeof(*g));
		if (!g)
			return -ENOMEM;
		b->r = g;
		b->alloc = a;
	}
	if (n) /* r may be NULL then: memcpy's arguments must not be */
		memcpy(b->r + b->n, r, n * sizeof(*r));
	b->n += n;
	return 0;
}

/* Reserved ranges of the quirks given one by one (the database does its own). */
static int list_quirk_ranges(struct rangebuf *b, const struct hazards *h,
			     const struct pcl_hazard_opts *o)
{
	int r = 0;

	for (size_t i = 0; !r && i < o->n_quirk_list; i++) {
		const struct pcl_layout *q = o->quirk_list[i];
		bool match = false;

		for (size_t k = 0; k < h->n_quirks; k++)
			match |= h->quirks[k] == q;
		for (size_t k = 0; match && !r && k < pcl_layout_reserved_count(q); k++) {
			const struct pcl_layout_reserved *rs =
				pcl_layout_reserved(q, k);
			struct pcl_range one = {
				.start = rs->offset, .length = rs->length,
				.kind = PCL_RANGE_RESERVED,
				.source = pcl_layout_name(q), .reason = rs->reason,
			};

			r = add_ranges(b, &one, 1);
		}
	}
	return r;
}

static int build(struct hazards *h, const struct pcl_cfg *cfg,
		 const struct pcl_walk *walk, const struct pcl_hazard_opts *o,
		 bool may_borrow);

/*
 * The hazards of a cfg alone, no quirk's or caller's range: the DVSEC
 * scan and map of the device as vfio-pci shows it, a pure function of the
 * cfg. A VMM plans, checks and builds one device one call after another,
 * and fuzz_walk asks for them six times an input, so the cfg keeps them
 * (PCL_CFG_LAZY_HAZARDS) and hazards_build() lends them out.
 */
struct hazard_memo {
	struct pcl_cfg_lazy lazy; /* first: the cfg frees the memo by it */
	struct hazards h;
};

static void memo_destroy(struct pcl_cfg_lazy *self)
{
	struct hazard_memo *m = (struct hazard_memo *)self;

	hazards_fini(&m->h);
	free(m);
}

static struct pcl_cfg_lazy *memo_make(const struct pcl_cfg *cfg)
{
	static const struct pcl_hazard_opts none;
	struct hazard_memo *m = calloc(1, sizeof(*m));
	int r;

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->lazy.destroy = memo_destroy;
	r = build(&m->h, cfg, NULL, &none, false);
	if (r) {
		free(m);
		errno = -r;
		return NULL;
	}
	return &m->lazy;
}

/* Lend @h the hazards @cfg keeps. Returns 0 or a negative errno. */
static int borrow(struct hazards *h, const struct pcl_cfg *cfg)
{
	const struct hazard_memo *m = (const struct hazard_memo *)
		pcl_cfg_lazy(cfg, PCL_CFG_LAZY_HAZARDS, memo_make);

	if (!m)
		return -errno;
	h->cfg = m->h.cfg;
	h->walk = m->h.walk;
	h->dscan = m->h.dscan;
	h->map = m->h.map;
	h->borrowed = true;
	return 0;
}

/*
 * The map of @h->walk with the ranges of every source. With @may_borrow,
 * where only the device's DVSECs give ranges and @walk is a walk of @cfg,
 * the DVSEC scan and map are the ones @cfg keeps (borrow()); else @h's
 * own.
 */
static int build_map(struct hazards *h, const struct pcl_cfg *cfg,
		     const struct pcl_walk *walk,
		     const struct pcl_hazard_opts *o, bool may_borrow)
{
	struct rangebuf b = { 0 };
	struct pcl_range *qr = NULL;
	const struct pcl_range *dr;
	size_t nq = 0, nd = 0;
	int r = 0;

	if (o->quirks)
		r = pcl_quirks_reserved(o->quirks, cfg, &qr, &nq);
	if (!r)
		r = add_ranges(&b, qr, nq);
	if (!r)
		r = list_quirk_ranges(&b, h, o);
	if (!r)
		r = add_ranges(&b, o->ranges, o->n_ranges);
	if (!r && !b.n && may_borrow && pcl_walk_cfg(walk) == cfg) {
		pcl_range_list_free(qr, nq);
		free(b.r);
		return borrow(h, cfg);
	}
	if (!r && !(h->dscan = pcl_dvsec_scan_new(h->walk, NULL)))
		r = -errno;
	if (!r) {
		dr = pcl_dvsec_scan_ranges(h->dscan, &nd);
		r = add_ranges(&b, dr, nd);
	}
	if (!r && !(h->map = pcl_map_new(h->walk, b.r, b.n)))
		r = -errno;
	pcl_range_list_free(qr, nq);
	free(b.r);
	return r;
}

int hazards_build(struct hazards *h, const struct pcl_cfg *cfg,
		  const struct pcl_walk *walk, const struct pcl_hazard_opts *o)
{
	return build(h, cfg, walk, o, true);
}

static int build(struct hazards *h, const struct pcl_cfg *cfg,
		 const struct pcl_walk *walk, const struct pcl_hazard_opts *o,
		 bool may_borrow)
{
	static const struct pcl_hazard_opts none;
	int r;

	memset(h, 0, sizeof(*h));
	if (!cfg || (o && o->n_ranges && !o->ranges) ||
	    (o && o->n_quirk_list && !o->quirk_list))
		return -EINVAL;
	o = o ? o : &none;
	if (!walk && !(walk = pcl_cfg_walk(cfg)))
		return -errno;
	r = hazards_view(walk, &h->walk);
	h->cfg = pcl_walk_cfg(h->walk);
	if (!r)
		r = gather_quirks(h, cfg, o);
	if (!r)
		r = build_map(h, cfg, walk, o, may_borrow);
	if (r)
		hazards_fini(h);
	return r;
}

void hazards_fini(struct hazards *h)
{
	if (!h->borrowed) {
		pcl_map_free(h->map);
		pcl_dvsec_scan_free(h->dscan);
	}
	free(h->quirks);
	memset(h, 0, sizeof(*h));
}

static void release(void *arg)
{
	struct hazards *h = arg;

	h->map = NULL; /* being freed by its owner */
	hazards_fini(h);
	free(h);
}

PCL_EXPORT struct pcl_map *pcl_hazard_map_new(const struct pcl_cfg *cfg,
					      const struct pcl_hazard_opts *opts)
{
	struct hazards *h = malloc(sizeof(*h));
	struct pcl_map *map;
	int r;

	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	r = hazards_build(h, cfg, NULL, opts);
	if (r) {
		free(h);
		errno = -r;
		return NULL;
	}
	if (h->borrowed) { /* the cfg's own: one more holder */
		map = pcl_map_ref(h->map);
		hazards_fini(h);
		free(h);
		return map;
	}
	map = h->map;
	pcl_map_adopt(map, release, h);
	return map;
}
