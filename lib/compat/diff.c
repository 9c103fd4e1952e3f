// SPDX-License-Identifier: BSD-3-Clause
/*
 * diff.c - are two layouts migration-compatible? A semantic comparison:
 * entries are paired by guest offset and capability, each difference is
 * classified as not guest-visible (info), tolerated by a stated rule
 * (warning) or breaking (error), and the worst one gives the verdict. The
 * rules are listed in docs/migration.md; the one "consistent, not
 * identical" rule is QEMU's skip-vsc-check for vendor-specific bodies.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat-internal.h"
#include "vcap/vcap.h"

struct pcl_diff {
	struct pcl_diff_change *items;
	size_t count, alloc;
	int vsc_rule;
	const char *vsc_why;
	bool oom;
};

PCL_EXPORT const char *pcl_verdict_name(int verdict)
{
	switch (verdict) {
	case PCL_VERDICT_IDENTICAL:
		return "identical";
	case PCL_VERDICT_COMPATIBLE:
		return "compatible";
	case PCL_VERDICT_INCOMPATIBLE:
		return "incompatible";
	default:
		return NULL;
	}
}

static void add(struct pcl_diff *d, int severity, int space, const char *code,
		const struct pcl_layout_entry *a,
		const struct pcl_layout_entry *b, const char *fmt, ...)
	PCL_PRINTF(7, 8);

static void add(struct pcl_diff *d, int severity, int space, const char *code,
		const struct pcl_layout_entry *a,
		const struct pcl_layout_entry *b, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		d->oom = true;
		return;
	}
	if (d->count == d->alloc) {
		size_t n = d->alloc ? d->alloc * 2 : 16;
		struct pcl_diff_change *g = realloc(d->items, n * sizeof(*g));

		if (!g) {
			free(msg);
			d->oom = true;
			return;
		}
		d->items = g;
		d->alloc = n;
	}
	d->items[d->count++] = (struct pcl_diff_change){
		.severity = severity, .space = space, .code = code,
		.a = a, .b = b, .message = msg,
	};
}

/* ---------------------------------------------------------------- */
/* Machine types and the vendor-specific rule                        */
/* ---------------------------------------------------------------- */

PCL_EXPORT int pcl_machine_version(const char *machine, int *major, int *minor)
{
	const char *p;
	char *end;
	long ma, mi;

	if (!machine || !major || !minor)
		return -EINVAL;
	p = strrchr(machine, '-');
	p = p ? p + 1 : machine;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	ma = strtol(p, &end, 10);
	if (*end != '.' || ma > 1000)
		return -EINVAL;
	p = end + 1;
	if (p[0] == '*' && !p[1]) {
		mi = -1;
	} else {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		mi = strtol(p, &end, 10);
		if (*end || mi > 1000)
			return -EINVAL;
	}
	*major = (int)ma;
	*minor = (int)mi;
	return 0;
}

/* Could @pattern name a machine type of QEMU 9.0 or older? */
static bool strict_machine(const char *pattern)
{
	int ma, mi;

	if (pcl_machine_version(pattern, &ma, &mi) < 0)
		return false;
	return ma < 9 || (ma == 9 && mi <= 0);
}

static void choose_vsc(struct pcl_diff *d, const struct pcl_layout *a,
		       const struct pcl_layout *b, int rule, const char *machine)
{
	const struct pcl_layout *both[2] = { a, b };

	if (rule == PCL_VSC_STRICT) {
		d->vsc_rule = PCL_VSC_STRICT;
		d->vsc_why = "asked for: every byte of vendor-specific capabilities must be equal";
		return;
	}
	d->vsc_rule = PCL_VSC_CONSISTENT;
	if (rule == PCL_VSC_CONSISTENT) {
		d->vsc_why = "asked for: bodies of vendor-specific capabilities may differ (QEMU skip-vsc-check)";
		return;
	}
	if (machine) {
		if (strict_machine(machine)) {
			d->vsc_rule = PCL_VSC_STRICT;
			d->vsc_why = "the machine type is QEMU 9.0 or older, whose hw_compat_9_0 sets skip-vsc-check=false: vendor-specific bodies are compared";
		} else {
			d->vsc_why = "the machine type is newer than QEMU 9.0 (or an alias of the newest): skip-vsc-check leaves vendor-specific bodies uncompared";
		}
		return;
	}
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < pcl_layout_machine_count(both[i]); k++)
			if (strict_machine(pcl_layout_machine(both[i], k))) {
				d->vsc_rule = PCL_VSC_STRICT;
				d->vsc_why = "a layout applies to machine types of QEMU 9.0 or older, which compare vendor-specific bodies (skip-vsc-check=false)";
				return;
			}
	d->vsc_why = "no machine type of QEMU 9.0 or older is involved: QEMU's default skip-vsc-check leaves vendor-specific bodies uncompared";
}

/* ---------------------------------------------------------------- */
/* Entries                                                           */
/* ---------------------------------------------------------------- */

/* Same capability of the device, or the same generator. */
static bool same_thing(const struct pcl_layout_entry *a,
		       const struct pcl_layout_entry *b)
{
	if (a->id != b->id || a->space != b->space)
		return false;
	if (a->kind == PCL_ENTRY_VIRTUAL || b->kind == PCL_ENTRY_VIRTUAL)
		return a->kind == b->kind && a->generator == b->generator;
	return a->vendor == b->vendor && a->vsec_id == b->vsec_id;
}

static bool same_selector(const struct pcl_layout_entry *a,
			  const struct pcl_layout_entry *b)
{
	return same_thing(a, b) && a->instance == b->instance &&
	       a->phys == b->phys;
}

static bool is_std_vndr(const struct pcl_layout_entry *e)
{
	return e->space == PCL_SPACE_STANDARD && e->id == PCL_CAP_ID_VNDR;
}

static void compare_virtual(struct pcl_diff *d, const struct pcl_layout_entry *a,
			    const struct pcl_layout_entry *b, const char *name)
{
	const struct vcap_gen *g = vcap_get(a->generator);

	if (g && g->generator != PCL_GEN_BYTES && !vcap_params_equal(a, b)) {
		struct pcl_strbuf pa = { 0 }, pb = { 0 };

		vcap_describe_params(g, a->params, &pa);
		vcap_describe_params(g, b->params, &pb);
		add(d, PCL_SEVERITY_ERROR, a->space, "virtual-params", a, b,
		    "%s at 0x%x: the guest sees other parameters (%s -> %s)",
		    name, (unsigned int)a->at, pcl_strbuf_get(&pa),
		    pcl_strbuf_get(&pb));
		pcl_strbuf_free(&pa);
		pcl_strbuf_free(&pb);
		return;
	}
	switch (a->generator) {
	case PCL_GEN_BYTES:
		if (a->length != b->length || !a->data || !b->data)
			break; /* reported as a length change */
		if (!memcmp(a->data, b->data, a->length))
			break;
		if (is_std_vndr(a) && a->length > 3 && !memcmp(a->data, b->data, 3)) {
			bool strict = d->vsc_rule == PCL_VSC_STRICT;

			add(d, strict ? PCL_SEVERITY_ERROR : PCL_SEVERITY_WARNING,
			    a->space, "vsc-body", a, b,
			    strict ? "%s at 0x%x: the vendor-specific body differs, and it is compared (skip-vsc-check off)" :
				     "%s at 0x%x: the vendor-specific body differs; only its 3-byte header must match (skip-vsc-check)",
			    name, (unsigned int)a->at);
		} else {
			add(d, PCL_SEVERITY_ERROR, a->space, "virtual-params", a, b,
			    "%s at 0x%x: the capability's bytes differ", name,
			    (unsigned int)a->at);
		}
		break;
	default:
		break;
	}
}

static void compare_pair(struct pcl_diff *d, const struct pcl_layout_entry *a,
			 const struct pcl_layout_entry *b)
{
	char nb[64];
	const char *name = pcl_layout_entry_label(a, nb, sizeof(nb));

	if (a->at != b->at)
		add(d, PCL_SEVERITY_ERROR, a->space, "moved", a, b,
		    "%s moved from 0x%x to 0x%x", name, (unsigned int)a->at,
		    (unsigned int)b->at);
	if (a->length != b->length)
		add(d, PCL_SEVERITY_ERROR, a->space, "length", a, b,
		    "%s at 0x%x: %u bytes -> %u", name, (unsigned int)b->at,
		    a->length, b->length);
	if (a->kind == PCL_ENTRY_VIRTUAL) {
		compare_virtual(d, a, b, name);
		return;
	}
	if (a->instance != b->instance)
		add(d, PCL_SEVERITY_ERROR, a->space, "instance", a, b,
		    "%s at 0x%x: instance %u -> %u: another capability of the device",
		    name, (unsigned int)b->at, a->instance, b->instance);
	if (a->phys != b->phys)
		add(d, PCL_SEVERITY_INFO, a->space, "pin", a, b,
		    "%s at 0x%x: physical offset %s%x -> %s%x; the guest view is the same",
		    name, (unsigned int)b->at, a->phys < 0 ? "any/" : "0x",
		    a->phys < 0 ? 0u : (unsigned int)a->phys,
		    b->phys < 0 ? "any/" : "0x",
		    b->phys < 0 ? 0u : (unsigned int)b->phys);
}

struct side {
	const struct pcl_layout_entry **e;
	size_t n;
	bool *used;
};

static int collect(const struct pcl_layout *l, int space, bool hidden,
		   struct side *s)
{
	size_t n = pcl_layout_entry_count(l, space);

	s->e = calloc(n + 1, sizeof(*s->e));
	s->used = calloc(n + 1, sizeof(*s->used));
	s->n = 0;
	if (!s->e || !s->used)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if ((e->kind == PCL_ENTRY_HIDDEN) == hidden)
			s->e[s->n++] = e;
	}
	return 0;
}

static void side_free(struct side *s)
{
	free(s->e);
	free(s->used);
}

static const struct pcl_layout_entry *find_hidden(struct side *h,
						  const struct pcl_layout_entry *e)
{
	for (size_t i = 0; i < h->n; i++)
		if (!h->used[i] && same_thing(h->e[i], e) &&
		    (h->e[i]->instance == e->instance || e->phys != -1)) {
			h->used[i] = true;
			return h->e[i];
		}
	return NULL;
}

/* @s's chain as "0x40 -> 0x80", only the offsets @o presents too. */
static void chain_text(struct pcl_strbuf *t, const struct side *s,
		       const struct side *o)
{
	const char *sep = "";

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < o->n; j++)
			if (o->e[j]->at == s->e[i]->at) {
				pcl_strbuf_add(t, "%s0x%x", sep,
					       (unsigned int)s->e[i]->at);
				sep = " -> ";
				break;
			}
}

/*
 * Link order is guest-visible: the next pointers are config bytes (QEMU
 * compares them on migration), and a driver may walk the chain and stop
 * at the first match. Compared over the offsets both layouts present, so
 * an added or removed entry is reported once, as itself.
 */
static void compare_links(struct pcl_diff *d, int space, const struct side *pa,
			  const struct side *pb)
{
	struct pcl_strbuf ta = { 0 }, tb = { 0 };
	const char *a, *b;

	chain_text(&ta, pa, pb);
	chain_text(&tb, pb, pa);
	a = pcl_strbuf_get(&ta);
	b = pcl_strbuf_get(&tb);
	if (ta.oom || tb.oom)
		d->oom = true;
	else if (strcmp(a, b))
		add(d, PCL_SEVERITY_ERROR, space, "links", NULL, NULL,
		    "the %s chain is linked %s in the first layout and %s in the second; the guest meets its capabilities in another order, and the next pointers differ",
		    pcl_space_name(space), a, b);
	pcl_strbuf_free(&ta);
	pcl_strbuf_free(&tb);
}

static int diff_space(struct pcl_diff *d, const struct pcl_layout *la,
		      const struct pcl_layout *lb, int space)
{
	struct side pa = { 0 }, pb = { 0 }, ha = { 0 }, hb = { 0 };
	char nb[64];
	int r = -ENOMEM;

	if (collect(la, space, false, &pa) || collect(lb, space, false, &pb) ||
	    collect(la, space, true, &ha) || collect(lb, space, true, &hb))
		goto out;
	/* 1. Same guest offset, same capability. */
	for (size_t i = 0; i < pa.n; i++)
		for (size_t j = 0; j < pb.n; j++)
			if (!pb.used[j] && pa.e[i]->at == pb.e[j]->at &&
			    same_thing(pa.e[i], pb.e[j])) {
				pa.used[i] = pb.used[j] = true;
				compare_pair(d, pa.e[i], pb.e[j]);
				break;
			}
	/* 2. The same capability elsewhere: moved. */
	for (size_t i = 0; i < pa.n; i++) {
		if (pa.used[i])
			continue;
		for (size_t j = 0; j < pb.n; j++)
			if (!pb.used[j] && same_thing(pa.e[i], pb.e[j]) &&
			    pa.e[i]->instance == pb.e[j]->instance) {
				pa.used[i] = pb.used[j] = true;
				compare_pair(d, pa.e[i], pb.e[j]);
				break;
			}
	}
	/* 3. Presented on one side only. */
	for (size_t i = 0; i < pa.n; i++) {
		const struct pcl_layout_entry *e = pa.e[i], *h;

		if (pa.used[i])
			continue;
		h = e->kind == PCL_ENTRY_PHYSICAL ? find_hidden(&hb, e) : NULL;
		if (h)
			add(d, PCL_SEVERITY_ERROR, space, "hidden", e, h,
			    "%s at 0x%x is hidden in the second layout",
			    pcl_layout_entry_label(e, nb, sizeof(nb)), (unsigned int)e->at);
		else
			add(d, PCL_SEVERITY_ERROR, space, "removed", e, NULL,
			    "%s %s at 0x%x is not in the second layout",
			    e->kind == PCL_ENTRY_VIRTUAL ? "virtual" : "physical",
			    pcl_layout_entry_label(e, nb, sizeof(nb)), (unsigned int)e->at);
	}
	for (size_t j = 0; j < pb.n; j++) {
		const struct pcl_layout_entry *e = pb.e[j], *h;

		if (pb.used[j])
			continue;
		h = e->kind == PCL_ENTRY_PHYSICAL ? find_hidden(&ha, e) : NULL;
		if (h)
			add(d, PCL_SEVERITY_ERROR, space, "shown", h, e,
			    "%s is hidden in the first layout and shown at 0x%x in the second",
			    pcl_layout_entry_label(e, nb, sizeof(nb)), (unsigned int)e->at);
		else
			add(d, PCL_SEVERITY_ERROR, space, "added", NULL, e,
			    "%s %s at 0x%x is new in the second layout",
			    e->kind == PCL_ENTRY_VIRTUAL ? "virtual" : "physical",
			    pcl_layout_entry_label(e, nb, sizeof(nb)), (unsigned int)e->at);
	}
	compare_links(d, space, &pa, &pb);
	/* 4. Hidden on one side, absent on the other: neither presents it. */
	for (size_t i = 0; i < ha.n; i++) {
		bool twin = false;

		if (ha.used[i])
			continue;
		for (size_t j = 0; j < hb.n; j++)
			if (!hb.used[j] && same_selector(ha.e[i], hb.e[j])) {
				hb.used[j] = true;
				twin = true;
				break;
			}
		if (!twin)
			add(d, PCL_SEVERITY_INFO, space, "hide-absent", ha.e[i], NULL,
			    "%s: hidden in the first layout, not mentioned in the second; the guest sees it in neither",
			    pcl_layout_entry_label(ha.e[i], nb, sizeof(nb)));
	}
	for (size_t j = 0; j < hb.n; j++)
		if (!hb.used[j])
			add(d, PCL_SEVERITY_INFO, space, "hide-absent", NULL, hb.e[j],
			    "%s: hidden in the second layout, not mentioned in the first; the guest sees it in neither",
			    pcl_layout_entry_label(hb.e[j], nb, sizeof(nb)));
	r = 0;
out:
	side_free(&pa);
	side_free(&pb);
	side_free(&ha);
	side_free(&hb);
	return r;
}

/* ---------------------------------------------------------------- */
/* Layout-level fields                                               */
/* ---------------------------------------------------------------- */

static void diff_match(struct pcl_diff *d, const struct pcl_layout *a,
		       const struct pcl_layout *b)
{
	const struct pcl_layout_match *ma = pcl_layout_match(a);
	const struct pcl_layout_match *mb = pcl_layout_match(b);
	char ta[64] = "", tb[64] = "";

	if (!ma->present || !mb->present) {
		if (ma->present != mb->present)
			add(d, PCL_SEVERITY_INFO, -1, "match", NULL, NULL,
			    "only the %s layout has a match: the other is for any device",
			    ma->present ? "first" : "second");
		return;
	}
	snprintf(ta, sizeof(ta), "%04x:%04x", ma->vendor, ma->device);
	snprintf(tb, sizeof(tb), "%04x:%04x", mb->vendor, mb->device);
	if (ma->vendor != mb->vendor ||
	    ((ma->fields & mb->fields & PCL_MATCH_DEVICE) && ma->device != mb->device)) {
		add(d, PCL_SEVERITY_ERROR, -1, "different-device", NULL, NULL,
		    "the layouts are for different devices (%s and %s): a guest cannot migrate between them",
		    ta, tb);
		return;
	}
#define F(bit, field, what)                                                    \
	do {                                                                   \
		if ((ma->fields & mb->fields & (bit)) && ma->field != mb->field) \
			add(d, PCL_SEVERITY_ERROR, -1, "different-device", NULL, \
			    NULL, "the layouts match different %s (0x%x and 0x%x): no device matches both", \
			    what, (unsigned int)ma->field, (unsigned int)mb->field); \
	} while (0)
	F(PCL_MATCH_SUBSYSTEM_VENDOR, subsystem_vendor, "subsystem vendors");
	F(PCL_MATCH_SUBSYSTEM, subsystem, "subsystems");
	F(PCL_MATCH_REVISION, revision, "revisions");
	F(PCL_MATCH_CLASS, class_code, "classes");
#undef F
	if (ma->fields != mb->fields)
		add(d, PCL_SEVERITY_INFO, -1, "match", NULL, NULL,
		    "the matches name different fields; devices both accept can migrate");
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void diff_meta(struct pcl_diff *d, const struct pcl_layout *a,
		      const struct pcl_layout *b)
{
	size_t na = pcl_layout_reserved_count(a), nb = pcl_layout_reserved_count(b);
	bool same;

	if (!str_eq(pcl_layout_name(a), pcl_layout_name(b)))
		add(d, PCL_SEVERITY_INFO, -1, "name", NULL, NULL,
		    "name %s -> %s", pcl_layout_name(a), pcl_layout_name(b));
	if (pcl_layout_revision(a) != pcl_layout_revision(b))
		add(d, PCL_SEVERITY_INFO, -1, "revision", NULL, NULL,
		    "revision %u -> %u", pcl_layout_revision(a),
		    pcl_layout_revision(b));
	if (!str_eq(pcl_layout_profile(a), pcl_layout_profile(b)))
		add(d, PCL_SEVERITY_INFO, -1, "profile", NULL, NULL,
		    "profile %s -> %s", pcl_layout_profile(a) ? pcl_layout_profile(a) : "(none)",
		    pcl_layout_profile(b) ? pcl_layout_profile(b) : "(none)");
	same = pcl_layout_machine_count(a) == pcl_layout_machine_count(b);
	for (size_t i = 0; same && i < pcl_layout_machine_count(a); i++)
		same = !strcmp(pcl_layout_machine(a, i), pcl_layout_machine(b, i));
	if (!same) {
		char ta[256] = "", tb[256] = "";
		size_t la = 0, lb = 0;

		for (size_t i = 0; i < pcl_layout_machine_count(a) && la < sizeof(ta); i++)
			la += (size_t)snprintf(ta + la, sizeof(ta) - la, "%s%s",
					       i ? " " : "", pcl_layout_machine(a, i));
		for (size_t i = 0; i < pcl_layout_machine_count(b) && lb < sizeof(tb); i++)
			lb += (size_t)snprintf(tb + lb, sizeof(tb) - lb, "%s%s",
					       i ? " " : "", pcl_layout_machine(b, i));
		add(d, PCL_SEVERITY_INFO, -1, "machines", NULL, NULL,
		    "machine types [%s] -> [%s]", ta[0] ? ta : "any",
		    tb[0] ? tb : "any");
	}
	if (pcl_layout_unclaimed(a) != pcl_layout_unclaimed(b))
		add(d, PCL_SEVERITY_ERROR, -1, "unclaimed", NULL, NULL,
		    "bytes outside every capability: %s -> %s; a guest reading them would see other values",
		    pcl_unclaimed_name(pcl_layout_unclaimed(a)),
		    pcl_unclaimed_name(pcl_layout_unclaimed(b)));
	same = na == nb;
	for (size_t i = 0; same && i < na; i++) {
		const struct pcl_layout_reserved *ra = pcl_layout_reserved(a, i);
		const struct pcl_layout_reserved *rb = pcl_layout_reserved(b, i);

		same = ra->offset == rb->offset && ra->length == rb->length;
	}
	if (!same)
		add(d, PCL_SEVERITY_INFO, -1, "reserved", NULL, NULL,
		    "reserved ranges differ (%zu -> %zu ranges); they constrain placement, and the guest sees their bytes through the unclaimed policy, which is compared",
		    na, nb);
}

PCL_EXPORT int pcl_diff(const struct pcl_layout *a, const struct pcl_layout *b,
			int vsc_rule, const char *machine, struct pcl_diff **out)
{
	struct pcl_diff *d;
	int r = 0;

	if (!a || !b || !out || vsc_rule < PCL_VSC_AUTO || vsc_rule > PCL_VSC_STRICT ||
	    pcl_layout_kind(a) != PCL_LAYOUT_KIND_LAYOUT ||
	    pcl_layout_kind(b) != PCL_LAYOUT_KIND_LAYOUT)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	choose_vsc(d, a, b, vsc_rule, machine);
	diff_match(d, a, b);
	diff_meta(d, a, b);
	for (int s = 0; !r && s < 2; s++)
		r = diff_space(d, a, b, s);
	if (!r && d->oom)
		r = -ENOMEM;
	if (r < 0) {
		pcl_diff_free(d);
		return r;
	}
	*out = d;
	return 0;
}

PCL_EXPORT void pcl_diff_free(struct pcl_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->count; i++)
		free((char *)d->items[i].message);
	free(d->items);
	free(d);
}

PCL_EXPORT int pcl_diff_verdict(const struct pcl_diff *d)
{
	int v = PCL_VERDICT_IDENTICAL;

	for (size_t i = 0; d && i < d->count; i++) {
		if (d->items[i].severity >= PCL_SEVERITY_ERROR)
			return PCL_VERDICT_INCOMPATIBLE;
		if (d->items[i].severity == PCL_SEVERITY_WARNING)
			v = PCL_VERDICT_COMPATIBLE;
	}
	return v;
}

PCL_EXPORT int pcl_diff_vsc_rule(const struct pcl_diff *d, const char **why)
{
	if (why)
		*why = d ? d->vsc_why : NULL;
	return d ? d->vsc_rule : -EINVAL;
}

PCL_EXPORT size_t pcl_diff_count(const struct pcl_diff *d)
{
	return d ? d->count : 0;
}

PCL_EXPORT const struct pcl_diff_change *pcl_diff_get(const struct pcl_diff *d,
						      size_t index)
{
	return d && index < d->count ? &d->items[index] : NULL;
}

/* ---------------------------------------------------------------- */
/* Migration key                                                     */
/* ---------------------------------------------------------------- */

PCL_EXPORT int pcl_layout_migration_key(const struct pcl_layout *l,
					int vsc_rule,
					char out[PCL_FINGERPRINT_SIZE])
{
	const struct pcl_layout_match *m;
	struct pcl_strbuf b = { 0 };

	if (!l || !out || pcl_layout_kind(l) != PCL_LAYOUT_KIND_LAYOUT ||
	    (vsc_rule != PCL_VSC_CONSISTENT && vsc_rule != PCL_VSC_STRICT))
		return -EINVAL;
	m = pcl_layout_match(l);
	pcl_strbuf_add(&b, "pcilayout-migration-1\n");
	if (m->present)
		pcl_strbuf_add(&b, "match %04x %04x\n", m->vendor,
		       (m->fields & PCL_MATCH_DEVICE) ? m->device : 0xffffu);
	pcl_strbuf_add(&b, "unclaimed %d\n", pcl_layout_unclaimed(l));
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++) {
			const struct pcl_layout_entry *e = pcl_layout_entry(l, s, i);

			if (e->kind == PCL_ENTRY_HIDDEN)
				continue;
			pcl_strbuf_add(&b, "%d %x %u %d %x", s, (unsigned int)e->at, e->length,
			       e->kind, e->id);
			if (e->kind == PCL_ENTRY_PHYSICAL) {
				pcl_strbuf_add(&b, " %d %d %u\n", e->vendor, e->vsec_id,
				       e->instance);
				continue;
			}
			pcl_strbuf_add(&b, " g%d", e->generator);
			for (size_t k = 0; k < PCL_VCAP_MAX_PARAMS; k++)
				pcl_strbuf_add(&b, " %llx",
					       (unsigned long long)e->params[k]);
			if (e->generator == PCL_GEN_BYTES && e->data) {
				uint32_t keep = e->length;

				if (vsc_rule == PCL_VSC_CONSISTENT && is_std_vndr(e) &&
				    keep > 3)
					keep = 3;
				pcl_strbuf_add(&b, " ");
				for (uint32_t k = 0; k < keep; k++)
					pcl_strbuf_add(&b, "%02x", e->data[k]);
			}
			pcl_strbuf_add(&b, "\n");
		}
	}
	if (b.oom) {
		free(b.s);
		return -ENOMEM;
	}
	pcl_fingerprint_of(b.s, b.len, out);
	free(b.s);
	return 0;
}
