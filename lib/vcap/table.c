// SPDX-License-Identifier: BSD-3-Clause
/*
 * table.c - the table of virtual-capability generators, and everything
 * about them that follows from the table alone: lookups, lengths, the
 * rules an entry's parameters obey, comparing, describing and merging
 * parameters, and verifying a device by deriving on it. A generator's
 * registers are in its own file; nothing here knows them.
 */
#include <stdio.h>

#include <pcilayout/walk.h>
#include <pcilayout/layout.h>

#include "vcap/vcap.h"

/* Indexed by enum pcl_generator; adding a generator adds a row. */
static const struct vcap_gen *const gens[] = {
	[PCL_GEN_PASID] = &vcap_gen_pasid,
	[PCL_GEN_DSN] = &vcap_gen_dsn,
	[PCL_GEN_NULL] = &vcap_gen_null,
	[PCL_GEN_BYTES] = &vcap_gen_bytes,
};

size_t vcap_count(void)
{
	return PCL_ARRAY_SIZE(gens);
}

const struct vcap_gen *vcap_at(size_t index)
{
	return index < PCL_ARRAY_SIZE(gens) ? gens[index] : NULL;
}

const struct vcap_gen *vcap_get(int generator)
{
	if (generator <= 0 || (size_t)generator >= PCL_ARRAY_SIZE(gens))
		return NULL;
	return gens[generator];
}

const struct vcap_gen *vcap_by_name(const char *name)
{
	for (size_t i = 0; name && i < PCL_ARRAY_SIZE(gens); i++)
		if (gens[i] && strcmp(gens[i]->name, name) == 0)
			return gens[i];
	return NULL;
}

const struct vcap_gen *vcap_for_cap(int space, uint16_t id)
{
	for (size_t i = 0; i < PCL_ARRAY_SIZE(gens); i++)
		if (gens[i] && gens[i]->derive && gens[i]->space == space &&
		    gens[i]->id == id)
			return gens[i];
	return NULL;
}

PCL_EXPORT const char *pcl_generator_name(int generator)
{
	const struct vcap_gen *g = vcap_get(generator);

	return g ? g->name : NULL;
}

uint32_t vcap_length(const struct pcl_layout_entry *e)
{
	const struct vcap_gen *g = vcap_get(e->generator);

	if (!g || g->generator == PCL_GEN_BYTES)
		return e->length;
	return g->length ? g->length : pcl_cap_hdr_size(e->space);
}

const char *vcap_cap_label(int space, uint16_t id, char *buf, size_t size)
{
	const struct pcl_capdef *d = pcl_catalog_lookup(space, id);

	if (d)
		return d->name;
	snprintf(buf, size, "0x%x", id);
	return buf;
}

static const struct vcap_param *param_at(const struct vcap_gen *g,
					 unsigned int index)
{
	for (size_t i = 0; i < g->n_params; i++)
		if (g->params[i].index == index)
			return &g->params[i];
	return NULL;
}

static int check_params(const struct vcap_gen *g,
			const struct pcl_layout_entry *e, char *why,
			size_t size)
{
	for (unsigned int i = 0; i < PCL_VCAP_MAX_PARAMS; i++) {
		const struct vcap_param *p = param_at(g, i);
		uint64_t v = e->params[i];

		if (!p && v) {
			snprintf(why, size, "generator '%s' has no parameter %u",
				 g->name, i);
			return -EINVAL;
		}
		if (!p)
			continue;
		if (p->type == VP_UINT && v > p->max) {
			snprintf(why, size, "%s must be 0 to %llu", p->key,
				 (unsigned long long)p->max);
			return -EINVAL;
		}
		if (p->type == VP_BOOL && v > 1) {
			snprintf(why, size, "%s must be true or false",
				 p->key ? p->key : "a flag");
			return -EINVAL;
		}
		if (p->type == VP_SERIAL && p->word && e->params[p->word_index] &&
		    v) {
			snprintf(why, size, "%s is either a number or \"%s\"",
				 p->key, p->word);
			return -EINVAL;
		}
	}
	return 0;
}

int vcap_check(const struct pcl_layout_entry *e, char *why, size_t size)
{
	const struct vcap_gen *g = vcap_get(e->generator);
	char nb[16], gb[16];

	if (!g) {
		snprintf(why, size, "virtual entry '%s' has no valid generator",
			 vcap_cap_label(e->space, e->id, nb, sizeof(nb)));
		return -EINVAL;
	}
	if ((g->space >= 0 && e->space != g->space) ||
	    (g->id >= 0 && e->id != g->id)) {
		snprintf(why, size,
			 "generator '%s' makes only the %s%s'%s' capability%s, not '%s'",
			 g->name, g->space < 0 ? "" : pcl_space_name(g->space),
			 g->space < 0 ? "" : " ",
			 vcap_cap_label(g->space < 0 ? e->space : g->space,
				   (uint16_t)g->id, gb, sizeof(gb)),
			 g->id ? "" : " (ID 0)",
			 vcap_cap_label(e->space, e->id, nb, sizeof(nb)));
		return -EINVAL;
	}
	if (check_params(g, e, why, size))
		return -EINVAL;
	return g->check ? g->check(e, why, size) : 0;
}

bool vcap_params_equal(const struct pcl_layout_entry *a,
		       const struct pcl_layout_entry *b)
{
	return a->generator == b->generator &&
	       !memcmp(a->params, b->params, sizeof(a->params));
}

/* "max_width 16": one parameter as a layout file spells it. */
static void describe_one(const struct vcap_param *p, const uint64_t *params,
			 struct pcl_strbuf *out)
{
	uint64_t v = params[p->index];

	pcl_strbuf_add(out, "%s ", p->key);
	if (p->type == VP_BOOL)
		pcl_strbuf_add(out, "%s", v ? "true" : "false");
	else if (p->type == VP_SERIAL && p->word && params[p->word_index])
		pcl_strbuf_add(out, "%s", p->word);
	else if (p->type == VP_SERIAL)
		pcl_strbuf_add(out, "0x%016llx", (unsigned long long)v);
	else
		pcl_strbuf_add(out, "%llu", (unsigned long long)v);
}

void vcap_describe_params(const struct vcap_gen *g, const uint64_t *params,
			  struct pcl_strbuf *out)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];

		if (!p->key || p->type == VP_DATA)
			continue;
		pcl_strbuf_add(out, "%s", n++ ? ", " : "");
		describe_one(p, params, out);
	}
}

PCL_EXPORT const char *pcl_vcap_describe(const struct pcl_layout_entry *e,
					 char *buf, size_t size)
{
	const struct vcap_gen *g;
	struct pcl_strbuf b = { 0 };

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!e || e->kind != PCL_ENTRY_VIRTUAL || !(g = vcap_get(e->generator)))
		return buf;
	pcl_strbuf_add(&b, "%s", g->name);
	if (g->generator == PCL_GEN_BYTES)
		pcl_strbuf_add(&b, " (%u bytes)", e->length);
	else if (g->n_params)
		pcl_strbuf_add(&b, " ");
	vcap_describe_params(g, e->params, &b);
	pcl_strlcpy(buf, b.oom ? g->name : pcl_strbuf_get(&b), size);
	pcl_strbuf_free(&b);
	return buf;
}

bool vcap_merge(const struct vcap_gen *g, uint64_t *acc, const uint64_t *other)
{
	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];
		uint64_t *a = &acc[p->index], b = other[p->index];

		if (p->merge == VM_MIN)
			*a = b < *a ? b : *a;
		else if (*a != b)
			return false;
	}
	return true;
}

/* Is @have (an entry's value) allowed by @can (what the device gives)? */
static bool allowed(const struct vcap_param *p, uint64_t have, uint64_t can)
{
	return p->merge == VM_MIN ? have <= can : have == can;
}

void vcap_verify(const struct pcl_layout_entry *e, const struct vcap_inputs *in,
		 struct pcl_report *rep)
{
	const struct vcap_gen *g = vcap_get(e->generator);
	uint64_t can[PCL_VCAP_MAX_PARAMS] = { 0 };
	struct pcl_strbuf why = { 0 }, have = { 0 }, got = { 0 };
	struct pcl_diag *diag;
	int r;

	if (!g || !g->derive)
		return;
	diag = pcl_diag_new();
	if (!diag) {
		pcl_report_add(rep, PCL_SEVERITY_ERROR, e->space, e->at, "oom",
			       "out of memory");
		return;
	}
	r = g->derive(in, can, &why, diag);
	if (r < 0) {
		for (size_t i = 0; i < pcl_diag_count(diag); i++)
			pcl_report_add(rep, PCL_SEVERITY_ERROR, e->space, e->at,
				       g->source_code,
				       "virtual %s at 0x%x: %s", g->name,
				       (unsigned int)e->at,
				       pcl_diag_get(diag, i)->message);
		if (!pcl_diag_count(diag))
			pcl_report_add(rep, PCL_SEVERITY_ERROR, e->space, e->at,
				       g->source_code, "virtual %s at 0x%x: %s", g->name,
				       (unsigned int)e->at, strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];

		if (!p->key || allowed(p, e->params[p->index], can[p->index]))
			continue;
		describe_one(p, e->params, &have);
		describe_one(p, can, &got);
		pcl_report_add(rep, PCL_SEVERITY_ERROR, e->space, e->at, p->code,
			       "virtual %s at 0x%x: %s, but this device allows %s (%s)",
			       g->name, (unsigned int)e->at,
			       pcl_strbuf_get(&have), pcl_strbuf_get(&got),
			       pcl_strbuf_get(&why));
		pcl_strbuf_free(&have);
		pcl_strbuf_free(&got);
	}
	if (g->note)
		g->note(e, in, rep);
out:
	pcl_strbuf_free(&why);
	pcl_diag_free(diag);
}

int vcap_check_pf(const struct pcl_cfg *vf, const struct pcl_walk *pf_walk,
		  char *why, size_t size)
{
	const struct pcl_cfg *pf = pcl_walk_cfg(pf_walk);
	const struct pcl_cap *c = pcl_walk_find(pf_walk, PCL_SPACE_EXTENDED,
						PCL_EXT_CAP_ID_SRIOV, 0);
	struct pcl_identity v, p;
	uint16_t did;

	if (!c) {
		snprintf(why, size,
			 "%s is not an SR-IOV PF: it has no SR-IOV capability, so it is no VF's PF",
			 pcl_cfg_source(pf));
		return -EINVAL;
	}
	pcl_cfg_identity(vf, &v);
	pcl_cfg_identity(pf, &p);
	if (v.vendor_id != 0xffff && v.vendor_id != p.vendor_id) {
		snprintf(why, size,
			 "%s is not this function's PF: its vendor is %04x, the function's %04x",
			 pcl_cfg_source(pf), p.vendor_id, v.vendor_id);
		return -EINVAL;
	}
	if (!pcl_cfg_is_read(pf, c->offset + PCL_SRIOV_VF_DID, 2))
		return 0;
	did = pcl_le16(pcl_cfg_data(pf) + c->offset + PCL_SRIOV_VF_DID);
	if (v.device_id != 0xffff && v.device_id != did) {
		snprintf(why, size,
			 "%s is not this function's PF: its VFs are %04x:%04x (SR-IOV VF Device ID at 0x%x), the function is %04x:%04x",
			 pcl_cfg_source(pf), p.vendor_id, did,
			 c->offset + PCL_SRIOV_VF_DID, v.vendor_id, v.device_id);
		return -EINVAL;
	}
	return 0;
}

bool vcap_reads(int space, uint16_t id)
{
	for (size_t i = 0; i < PCL_ARRAY_SIZE(gens); i++)
		if (gens[i] && space == PCL_SPACE_EXTENDED &&
		    gens[i]->reads_id == (int)id)
			return true;
	return false;
}

const struct pcl_cap *vcap_find_cap(const struct pcl_walk *w, int space,
				    uint16_t id)
{
	const struct pcl_cap *c = pcl_walk_find(w, space, id, 0);

	for (size_t i = 0; !c && i < pcl_walk_orphan_count(w); i++) {
		const struct pcl_cap *o = pcl_walk_orphan(w, i);

		if (o->space == space && o->id == id)
			c = o;
	}
	return c;
}
