// SPDX-License-Identifier: BSD-3-Clause
/*
 * survey.c - a fleet's functions grouped by device model and by the
 * fingerprint of their default plan, with pools of groups that can migrate
 * to each other. Hosts stream into classes (fleet.c); classes with one
 * model and fingerprint merge into a group; groups whose migration keys
 * are equal share a pool. Everything after the streaming is per class.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compat-internal.h"

struct sgroup {
	struct pcl_host_group g;
	const char *examples[PCL_GROUP_EXAMPLES];
	const struct fleet_class *first;
	const char *mkey;
	size_t seq;
};

struct pcl_survey {
	struct pcl_ctx *ctx;
	struct fleet f;
	bool ran;
	struct sgroup *groups;
	size_t n_groups;
};

PCL_EXPORT struct pcl_survey *pcl_survey_new(struct pcl_ctx *ctx)
{
	struct pcl_survey *s = calloc(1, sizeof(*s));

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->ctx = ctx;
	fleet_init(&s->f, ctx);
	return s;
}

PCL_EXPORT void pcl_survey_free(struct pcl_survey *s)
{
	if (!s)
		return;
	free(s->groups);
	fleet_fini(&s->f);
	free(s);
}

PCL_EXPORT int pcl_survey_set_quirks(struct pcl_survey *s,
				     const struct pcl_quirks *quirks)
{
	if (!s)
		return -EINVAL;
	if (s->f.hosts)
		return -EBUSY;
	s->f.quirks = quirks;
	return 0;
}

PCL_EXPORT int pcl_survey_add_host(struct pcl_survey *s, struct pcl_cfg *cfg,
				   const char *name)
{
	if (!s || !cfg || s->ran) {
		pcl_cfg_free(cfg);
		return s && s->ran ? -EBUSY : -EINVAL;
	}
	return fleet_add(&s->f, cfg, name);
}

PCL_EXPORT int pcl_survey_add_fleet_host(struct pcl_survey *s,
					 struct pcl_fleet_host *host,
					 const char *name)
{
	if (!s || !host || s->ran) {
		pcl_fleet_host_free(host);
		return s && host ? -EBUSY : -EINVAL;
	}
	return fleet_add_host(&s->f, host, name);
}

PCL_EXPORT int pcl_survey_add_failure(struct pcl_survey *s, const char *name,
				      const char *message)
{
	if (!s)
		return -EINVAL;
	return fleet_add_failure(&s->f, name, message);
}

static int model_cmp(const struct pcl_host_group *a, const struct pcl_host_group *b)
{
	if (a->vendor != b->vendor)
		return a->vendor < b->vendor ? -1 : 1;
	if (a->device != b->device)
		return a->device < b->device ? -1 : 1;
	if (a->is_vf != b->is_vf)
		return a->is_vf < b->is_vf ? -1 : 1;
	return 0;
}

/* Two classes refused for the same reasons (code and message each). */
static bool same_reasons(const struct pcl_report *a, const struct pcl_report *b)
{
	size_t n = pcl_report_count(a);

	if (n != pcl_report_count(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct pcl_finding *x = pcl_report_get(a, i);
		const struct pcl_finding *y = pcl_report_get(b, i);

		if (strcmp(x->code, y->code) || strcmp(x->message, y->message))
			return false;
	}
	return true;
}

/* The group of a model that class @c joins: the one with its layout's
 * fingerprint, or, when it cannot be planned, the one refused for the
 * same reasons (so that host classes which differ only in bytes the
 * refusal does not look at are one group). */
static struct sgroup *find_group(struct pcl_survey *s,
				 const struct fleet_class *c)
{
	for (size_t k = 0; k < s->n_groups; k++) {
		struct sgroup *o = &s->groups[k];

		if (o->first->id.vendor_id != c->id.vendor_id ||
		    o->first->id.device_id != c->id.device_id ||
		    o->first->id.is_vf != c->id.is_vf || !o->g.layout != !c->plan)
			continue;
		if (c->plan ? !strcmp(o->g.fingerprint, c->fingerprint) :
			      same_reasons(o->g.reasons, c->reasons))
			return o;
	}
	return NULL;
}

/* Groups of a model by hosts, then fingerprint: used to number pools. */
static int by_hosts(const void *pa, const void *pb)
{
	const struct sgroup *a = pa, *b = pb;
	int m = model_cmp(&a->g, &b->g);

	if (m)
		return m;
	if (!a->g.layout != !b->g.layout)
		return a->g.layout ? -1 : 1;
	if (a->g.hosts != b->g.hosts)
		return a->g.hosts > b->g.hosts ? -1 : 1;
	m = strcmp(a->g.fingerprint, b->g.fingerprint);
	if (m)
		return m;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_pool(const void *pa, const void *pb)
{
	const struct sgroup *a = pa, *b = pb;
	int m = model_cmp(&a->g, &b->g);

	if (m)
		return m;
	if (a->g.status != b->g.status) {
		if (!a->g.status || !b->g.status)
			return a->g.status ? -1 : 1;
		return a->g.status < b->g.status ? -1 : 1;
	}
	return by_hosts(pa, pb);
}

PCL_EXPORT int pcl_survey_run(struct pcl_survey *s)
{
	struct fleet *f;
	int r;

	if (!s)
		return -EINVAL;
	if (s->ran)
		return -EBUSY;
	s->ran = true;
	f = &s->f;
	if (!f->hosts && !f->n_failures)
		return -ENODATA;
	s->groups = calloc(f->n_classes + 1, sizeof(*s->groups));
	if (!s->groups)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_classes; i++) {
		struct fleet_class *c = f->classes[i];
		struct sgroup *g;

		r = fleet_plan(f, c, NULL, NULL);
		if (r < 0)
			return r;
		if (c->plan) {
			r = pcl_layout_migration_key(c->plan, PCL_VSC_CONSISTENT,
						     c->mkey);
			if (r < 0)
				return r;
		}
		g = find_group(s, c);
		if (!g) {
			g = &s->groups[s->n_groups++];
			g->first = c;
			g->seq = i;
			g->mkey = c->mkey;
			g->g = (struct pcl_host_group){
				.vendor = c->id.vendor_id, .device = c->id.device_id,
				.is_vf = c->id.is_vf, .layout = c->plan,
				.fingerprint = c->fingerprint, .reasons = c->reasons,
				.examples = g->examples,
			};
		}
		g->g.hosts += c->hosts;
		for (size_t k = 0; k < c->n_examples &&
				   g->g.n_examples < PCL_GROUP_EXAMPLES; k++)
			g->examples[g->g.n_examples++] = c->examples[k];
	}
	/* Pools: within a model, groups with equal migration keys; numbered
	 * by the hosts of their biggest group. */
	if (s->n_groups) /* qsort(NULL, 0, ...) is undefined */
		qsort(s->groups, s->n_groups, sizeof(*s->groups), by_hosts);
	for (size_t i = 0, pool = 0; i < s->n_groups; i++) {
		struct sgroup *g = &s->groups[i];

		if (i == 0 || model_cmp(&g->g, &s->groups[i - 1].g))
			pool = 0;
		if (!g->g.layout)
			continue;
		for (size_t k = 0; k < i; k++) {
			struct sgroup *o = &s->groups[k];

			if (!model_cmp(&g->g, &o->g) && o->g.layout &&
			    !strcmp(o->mkey, g->mkey)) {
				g->g.status = o->g.status;
				break;
			}
		}
		if (!g->g.status)
			g->g.status = (int32_t)++pool;
	}
	if (s->n_groups) /* qsort(NULL, 0, ...) is undefined */
		qsort(s->groups, s->n_groups, sizeof(*s->groups), by_pool);
	for (size_t i = 0; i < s->n_groups; i++)
		s->groups[i].g.examples = s->groups[i].examples;
	return 0;
}

PCL_EXPORT size_t pcl_survey_host_count(const struct pcl_survey *s)
{
	return s ? s->f.hosts : 0;
}

PCL_EXPORT size_t pcl_survey_group_count(const struct pcl_survey *s)
{
	return s ? s->n_groups : 0;
}

PCL_EXPORT const struct pcl_host_group *
pcl_survey_group(const struct pcl_survey *s, size_t index)
{
	return s && index < s->n_groups ? &s->groups[index].g : NULL;
}

PCL_EXPORT size_t pcl_survey_failure_count(const struct pcl_survey *s)
{
	return s ? s->f.n_failures : 0;
}

PCL_EXPORT const struct pcl_input_failure *
pcl_survey_failure(const struct pcl_survey *s, size_t index)
{
	return s && index < s->f.n_failures ? &s->f.failures[index] : NULL;
}
