// SPDX-License-Identifier: BSD-3-Clause
/*
 * fleet.c - host classes for unify and survey. Each added function is
 * walked and mapped as read and reduced to a key (identity, chain,
 * orphans, the per-byte owner map with the quirks' ranges, and the
 * registers the planner reads: the bodies of the capabilities a
 * virtual-capability generator derives from, and of DVSECs), which
 * determines its vfio-pci view, and counted in the class with that key.
 * Only the first host of a class is kept, with the one hazard map the
 * planner uses (lib/hazard: the device as vfio-pci shows it), so memory
 * follows the number of distinct classes, not of hosts, and every later
 * stage runs once per class.
 *
 * The key is made apart from the fleet (pcl_fleet_host_new(): it reads
 * only the cfg and the quirks), so that a caller can make keys in several
 * threads and add the hosts in its own order (fleet_add_host()), which
 * then only looks the class up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "compat-internal.h"
#include "map/map-internal.h"
#include "vcap/vcap.h"

#define FLEET_FAILURES_MAX 1000

struct fleet_key {
	uint8_t *b;
	size_t len;
};

/* A host analysed apart from any pool (compat.h). */
struct pcl_fleet_host {
	struct pcl_cfg *cfg;
	const struct pcl_quirks *quirks; /* its key was made with */
	uint64_t hash;			 /* XXH3 of the key */
	struct fleet_key k;
};

/* The key lives right after the class in one allocation. */
struct fleet_class_mem {
	struct fleet_class c;
	size_t key_len;
	uint8_t key[];
};

void fleet_init(struct fleet *f, struct pcl_ctx *ctx)
{
	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
}

void fleet_fini(struct fleet *f)
{
	for (size_t i = 0; i < f->n_classes; i++) {
		struct fleet_class *c = f->classes[i];

		hazards_fini(&c->hz);
		pcl_cfg_free(c->cfg);
		pcl_layout_free(c->plan);
		pcl_report_free(c->reasons);
		for (size_t k = 0; k < c->n_examples; k++)
			free(c->examples[k]);
		free(c);
	}
	free(f->classes);
	free(f->slots);
	for (size_t i = 0; i < f->n_failures; i++) {
		free((char *)f->failures[i].name);
		free((char *)f->failures[i].message);
	}
	free(f->failures);
	memset(f, 0, sizeof(*f));
}

/* Room for @n more bytes of key. */
static int kroom(struct fleet_key *k, size_t *alloc, size_t n)
{
	if (k->len + n > *alloc) {
		/* Enough for most keys: the owner map and a few hundred bytes
		 * of chain (keys in flight between threads are many). */
		size_t a = *alloc ? *alloc * 2 : PCL_CFG_SIZE + 1024;
		uint8_t *g;

		while (a < k->len + n)
			a *= 2;
		g = realloc(k->b, a);
		if (!g)
			return -ENOMEM;
		k->b = g;
		*alloc = a;
	}
	return 0;
}

static int kput(struct fleet_key *k, size_t *alloc, const void *p, size_t n)
{
	int r = kroom(k, alloc, n);

	if (r)
		return r;
	memcpy(k->b + k->len, p, n);
	k->len += n;
	return 0;
}

/*
 * Registers the planner reads: the capabilities a generator derives from
 * (vcap_reads()), and DVSEC bodies (a free-space DVSEC lists ranges).
 */
static int key_body(struct fleet_key *k, size_t *alloc, const uint8_t *data,
		    const struct pcl_cap *c)
{
	if ((!vcap_reads(c->space, c->id) &&
	     !(c->space == PCL_SPACE_EXTENDED && c->id == PCL_EXT_CAP_ID_DVSEC)) ||
	    c->offset + (uint32_t)c->length > PCL_CFG_SIZE)
		return 0;
	return kput(k, alloc, data + c->offset, c->length);
}

/*
 * The key of @cfg, walked as @w: identity, chain, orphans and the bodies
 * the planner reads, then the owner map pcl_map_new(@w, @ranges) would
 * have, made straight into the key: nothing else of a map is in it, and
 * building the whole map (runs, run index, findings) and copying its
 * owners out was ~15 % of a text fleet's time (BENCHMARKS.md, item 3).
 */
static int make_key(const struct pcl_cfg *cfg, const struct pcl_walk *w,
		    const struct pcl_range *ranges, size_t nranges,
		    struct fleet_key *k)
{
	struct pcl_identity id;
	size_t alloc = 0;
	const uint8_t *data = pcl_cfg_data(cfg);
	int r;

	pcl_cfg_identity(cfg, &id);
	r = kput(k, &alloc, &id.vendor_id, 2);
	r = r ? r : kput(k, &alloc, &id.device_id, 2);
	r = r ? r : kput(k, &alloc, &id.subsys_vendor_id, 2);
	r = r ? r : kput(k, &alloc, &id.subsys_id, 2);
	r = r ? r : kput(k, &alloc, &id.class_code, 4);
	r = r ? r : kput(k, &alloc, &id.revision, 1);
	r = r ? r : kput(k, &alloc, &id.header_type, 1);
	r = r ? r : kput(k, &alloc, &id.is_vf, 1);
	for (size_t i = 0; !r && i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		uint16_t v[8] = { c->space, c->id, c->offset, c->length,
				  c->version, c->flags, c->vendor, c->vsec_id };

		r = kput(k, &alloc, v, sizeof(v));
		if (!r)
			r = key_body(k, &alloc, data, c);
	}
	for (size_t i = 0; !r && i < pcl_walk_orphan_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_orphan(w, i);
		uint16_t v[4] = { 0xffff, c->space, c->id, c->offset };

		r = kput(k, &alloc, v, sizeof(v));
		if (!r)
			r = key_body(k, &alloc, data, c);
	}
	if (!r)
		r = kroom(k, &alloc, PCL_CFG_SIZE);
	if (!r)
		r = pcl_map_owners_build(w, ranges, nranges, k->b + k->len);
	if (!r)
		k->len += PCL_CFG_SIZE;
	return r;
}

/*
 * Two hashes of a key. The hash table is looked up with every host's key
 * (~4.3 KB: the owner map is 4 KiB of it), with xxHash's XXH3: FNV-1a one
 * byte at a time took 8.5 us a key, XXH3 0.5 us (BENCHMARKS.md), most of
 * unify's time per host. FNV-1a is still computed, once per class: it
 * orders classes with as many hosts as each other (unify.c's
 * class_order()), and that order, and so the output, stays as it was.
 */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static int grow_slots(struct fleet *f)
{
	size_t n = f->n_slots ? f->n_slots * 2 : 256;
	size_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_classes; i++) {
		size_t j = (size_t)f->classes[i]->slot_hash & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(f->slots);
	f->slots = s;
	f->n_slots = n;
	return 0;
}

static int add_example(struct fleet_class *c, const char *name)
{
	if (c->n_examples >= PCL_GROUP_EXAMPLES)
		return 0;
	c->examples[c->n_examples] = strdup(name);
	if (!c->examples[c->n_examples])
		return -ENOMEM;
	c->n_examples++;
	return 0;
}

/* The class of @h, or the slot where it would go in *@slot. */
static struct fleet_class *lookup(struct fleet *f,
				  const struct pcl_fleet_host *h, size_t *slot)
{
	const struct fleet_key *k = &h->k;
	size_t j;

	for (j = (size_t)h->hash & (f->n_slots - 1); f->slots[j];
	     j = (j + 1) & (f->n_slots - 1)) {
		struct fleet_class *c = f->classes[f->slots[j] - 1];
		struct fleet_class_mem *cm = (struct fleet_class_mem *)c;

		if (c->slot_hash == h->hash && cm->key_len == k->len &&
		    !memcmp(cm->key, k->b, k->len))
			return c;
	}
	*slot = j;
	return NULL;
}

/* A class for @h, which gives it its cfg; @hz is taken on success. */
static int new_class(struct fleet *f, struct pcl_fleet_host *h,
		     struct hazards *hz, size_t slot)
{
	const struct fleet_key *k = &h->k;
	struct pcl_cfg *cfg = h->cfg;
	struct fleet_class_mem *mem;

	if (f->n_classes == f->alloc) {
		size_t n = f->alloc ? f->alloc * 2 : 16;
		struct fleet_class **g = realloc(f->classes, n * sizeof(*g));

		if (!g)
			return -ENOMEM;
		f->classes = g;
		f->alloc = n;
	}
	mem = calloc(1, sizeof(*mem) + k->len);
	if (!mem)
		return -ENOMEM;
	mem->key_len = k->len;
	memcpy(mem->key, k->b, k->len);
	mem->c.slot_hash = h->hash;
	mem->c.hash = fnv1a(k->b, k->len);
	mem->c.cfg = cfg;
	mem->c.hz = *hz;
	mem->c.walk = hz->walk;
	mem->c.map = hz->map;
	mem->c.hosts = 1;
	mem->c.seq = f->n_classes;
	pcl_cfg_identity(cfg, &mem->c.id);
	f->classes[f->n_classes++] = &mem->c;
	f->slots[slot] = f->n_classes;
	memset(hz, 0, sizeof(*hz));
	h->cfg = NULL;
	return 0;
}

/*
 * The key of @cfg: the device as read, walked and mapped with the quirks'
 * ranges. It determines the device's vfio-pci view and so its hazard
 * map, which are built once per class (fleet_add_host()), not per host.
 */
static int host_key(const struct pcl_quirks *quirks, const struct pcl_cfg *cfg,
		    struct fleet_key *k)
{
	struct pcl_range *ranges = NULL;
	size_t nranges = 0;
	struct pcl_walk *w = pcl_walk_new(cfg);
	int r = -ENOMEM;

	if (!w)
		return r;
	/* Any failure is -ENOMEM, as when the key was made from a map. */
	if (!quirks || pcl_quirks_reserved(quirks, cfg, &ranges, &nranges) >= 0) {
		r = make_key(cfg, w, ranges, nranges, k) < 0 ? -ENOMEM : 0;
		pcl_range_list_free(ranges, nranges);
	}
	pcl_walk_free(w);
	return r;
}

PCL_EXPORT struct pcl_fleet_host *
pcl_fleet_host_new(struct pcl_cfg *cfg, const struct pcl_quirks *quirks)
{
	struct pcl_fleet_host *h;
	int r = -ENOMEM;

	if (!cfg) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h)
		r = host_key(quirks, cfg, &h->k);
	if (r) {
		if (h)
			free(h->k.b);
		free(h);
		pcl_cfg_free(cfg);
		errno = -r;
		return NULL;
	}
	h->cfg = cfg;
	h->quirks = quirks;
	h->hash = XXH3_64bits(h->k.b, h->k.len);
	return h;
}

PCL_EXPORT void pcl_fleet_host_free(struct pcl_fleet_host *h)
{
	if (!h)
		return;
	pcl_cfg_free(h->cfg);
	free(h->k.b);
	free(h);
}

int fleet_add_host(struct fleet *f, struct pcl_fleet_host *h, const char *name)
{
	struct pcl_hazard_opts o = { .quirks = f->quirks };
	struct hazards hz = { 0 };
	struct fleet_class *c;
	size_t slot = 0;
	int r = 0;

	if (!h || h->quirks != f->quirks) {
		pcl_fleet_host_free(h);
		return -EINVAL;
	}
	if (!name)
		name = pcl_cfg_source(h->cfg);
	if (!f->n_slots || f->n_classes * 2 >= f->n_slots)
		r = grow_slots(f);
	if (r)
		goto out;
	c = lookup(f, h, &slot);
	if (c) {
		c->hosts++;
		f->hosts++;
		r = add_example(c, name);
		goto out;
	}
	r = hazards_build(&hz, h->cfg, NULL, &o);
	if (!r)
		r = new_class(f, h, &hz, slot);
	if (r) {
		hazards_fini(&hz);
		goto out;
	}
	f->hosts++;
	r = add_example(f->classes[f->n_classes - 1], name);
out:
	pcl_fleet_host_free(h);
	return r;
}

int fleet_add(struct fleet *f, struct pcl_cfg *cfg, const char *name)
{
	struct pcl_fleet_host *h;

	if (!cfg)
		return -EINVAL;
	h = pcl_fleet_host_new(cfg, f->quirks);
	return h ? fleet_add_host(f, h, name) : -errno;
}

int fleet_add_failure(struct fleet *f, const char *name, const char *message)
{
	struct pcl_input_failure *g;
	char *n, *msg;

	if (f->n_failures >= FLEET_FAILURES_MAX) {
		f->failures_dropped++;
		return 0;
	}
	g = realloc(f->failures, (f->n_failures + 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	f->failures = g;
	n = strdup(name ? name : "");
	msg = strdup(message ? message : "");
	if (!n || !msg) {
		free(n);
		free(msg);
		return -ENOMEM;
	}
	g[f->n_failures++] = (struct pcl_input_failure){ .name = n, .message = msg };
	return 0;
}

int fleet_plan(struct fleet *f, struct fleet_class *c,
	       int (*setup)(struct pcl_plan_request *req, void *opaque),
	       void *opaque)
{
	struct pcl_plan_request *req = pcl_plan_request_new(f->ctx);
	struct pcl_diag *diag = pcl_diag_new();
	int r = -ENOMEM;

	if (!c->reasons)
		c->reasons = pcl_report_new();
	if (!req || !diag || !c->reasons)
		goto out;
	/* The class's walk is of the device only when vfio-pci shows it as read. */
	r = pcl_plan_request_set_cfg(req, c->cfg,
				     pcl_walk_cfg(c->walk) == c->cfg ? c->walk : NULL);
	if (!r)
		r = pcl_plan_request_set_quirks(req, f->quirks);
	if (!r && setup)
		r = setup(req, opaque);
	if (r < 0)
		goto out;
	r = pcl_plan(req, &c->plan, diag);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		char buf[640];

		c->plan = NULL;
		for (size_t i = 0; i < pcl_diag_count(diag); i++) {
			const struct pcl_error *e = pcl_diag_get(diag, i);

			pcl_report_add(c->reasons, PCL_SEVERITY_ERROR, -1,
				       e->offset, "plan", "cannot plan: %s",
				       e->message[0] ? e->message :
						       pcl_error_format(e, buf, sizeof(buf)));
		}
		if (!pcl_diag_count(diag))
			pcl_report_add(c->reasons, PCL_SEVERITY_ERROR, -1, -1,
				       "plan", "cannot plan: %s", strerror(-r));
		r = 0;
		goto out;
	}
	r = pcl_layout_fingerprint(c->plan, c->fingerprint);
out:
	pcl_diag_free(diag);
	pcl_plan_request_free(req);
	return r;
}

void fleet_group_fill(struct fleet_class *c)
{
	c->group = (struct pcl_host_group){
		.vendor = c->id.vendor_id,
		.device = c->id.device_id,
		.is_vf = c->id.is_vf,
		.status = c->status,
		.hosts = c->hosts,
		.n_examples = c->n_examples,
		.examples = (const char *const *)c->examples,
		.layout = c->plan,
		.fingerprint = c->fingerprint,
		.reasons = c->reasons,
	};
}
