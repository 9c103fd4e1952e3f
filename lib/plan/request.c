// SPDX-License-Identifier: BSD-3-Clause
/*
 * request.c - the planner's request object: a bag of borrowed inputs and
 * copied wishes. Setters check what they can check alone; everything that
 * depends on the device is checked by pcl_plan(), which reports it in full
 * sentences.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcilayout/walk.h>

#include "plan-internal.h"

PCL_EXPORT struct pcl_plan_request *pcl_plan_request_new(struct pcl_ctx *ctx)
{
	struct pcl_plan_request *req = calloc(1, sizeof(*req));

	if (!req) {
		errno = ENOMEM;
		return NULL;
	}
	req->ctx = ctx;
	return req;
}

static void free_ranges(struct pcl_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)r[i].source);
		free((char *)r[i].reason);
	}
	free(r);
}

PCL_EXPORT void pcl_plan_request_free(struct pcl_plan_request *req)
{
	if (!req)
		return;
	free_ranges(req->ranges, req->n_ranges);
	free(req->extra_quirks);
	free(req->machine);
	free(req->profile);
	free(req->name);
	free(req);
}

PCL_EXPORT int pcl_plan_request_set_cfg(struct pcl_plan_request *req,
					const struct pcl_cfg *cfg,
					const struct pcl_walk *walk)
{
	if (!req || !cfg || (walk && pcl_walk_cfg(walk) != cfg))
		return -EINVAL;
	req->cfg = cfg;
	req->walk = walk;
	return 0;
}

PCL_EXPORT int pcl_plan_request_set_pf(struct pcl_plan_request *req,
				       const struct pcl_cfg *pf)
{
	if (!req)
		return -EINVAL;
	req->pf = pf;
	return 0;
}

PCL_EXPORT int pcl_plan_request_set_quirks(struct pcl_plan_request *req,
					   const struct pcl_quirks *quirks)
{
	if (!req)
		return -EINVAL;
	req->quirks = quirks;
	return 0;
}

PCL_EXPORT int pcl_plan_request_add_quirk(struct pcl_plan_request *req,
					  const struct pcl_layout *quirk)
{
	const struct pcl_layout **grown;

	if (!req || !quirk || pcl_layout_kind(quirk) != PCL_LAYOUT_KIND_QUIRK)
		return -EINVAL;
	if (req->n_extra_quirks >= PLAN_MAX_QUIRKS)
		return -ENOSPC;
	grown = realloc(req->extra_quirks,
			(req->n_extra_quirks + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	grown[req->n_extra_quirks++] = quirk;
	req->extra_quirks = grown;
	return 0;
}

PCL_EXPORT int pcl_plan_request_set_database(struct pcl_plan_request *req,
					     const struct pcl_layout_db *db)
{
	if (!req)
		return -EINVAL;
	req->db = db;
	return 0;
}

PCL_EXPORT int pcl_plan_request_set_layout(struct pcl_plan_request *req,
					   const struct pcl_layout *layout)
{
	if (!req || (layout &&
		     pcl_layout_kind(layout) != PCL_LAYOUT_KIND_LAYOUT))
		return -EINVAL;
	req->layout = layout;
	return 0;
}

PCL_EXPORT int pcl_plan_request_place(struct pcl_plan_request *req, int space,
				      uint16_t id, uint32_t at)
{
	if (!req || (space != PCL_SPACE_STANDARD &&
		     space != PCL_SPACE_EXTENDED) ||
	    (space == PCL_SPACE_STANDARD && id > 0xff) ||
	    at < pcl_space_start(space) || at >= pcl_space_end(space))
		return -EINVAL;
	for (size_t i = 0; i < req->n_places; i++)
		if (req->places[i].space == space && req->places[i].id == id)
			return -EEXIST;
	if (req->n_places >= PLAN_MAX_PLACES)
		return -ENOSPC;
	req->places[req->n_places++] = (struct plan_place){
		.space = (uint8_t)space, .id = id, .at = at };
	return 0;
}

PCL_EXPORT int pcl_plan_request_place_string(struct pcl_plan_request *req,
					     const char *text,
					     struct pcl_error *err)
{
	char name[64], *end;
	const char *at;
	unsigned long off;
	uint16_t id;
	int space, r;

	if (!req || !text)
		return -EINVAL;
	at = strchr(text, '@');
	if (!at || at == text || (size_t)(at - text) >= sizeof(name) || !at[1])
		return pcl_set_error(err, -EINVAL, "<place>", 0, 0, -1,
				     "'%s' is not CAP@OFFSET (e.g. pasid@0xff8)",
				     text);
	memcpy(name, text, (size_t)(at - text));
	name[at - text] = '\0';
	errno = 0;
	off = strtoul(at + 1, &end, 0);
	if (errno || *end || !isdigit((unsigned char)at[1]) || off > 0xfff)
		return pcl_set_error(err, -EINVAL, "<place>", 0, 0, -1,
				     "'%s': offset '%s' is not a number from 0x40 to 0xfff",
				     text, at + 1);
	space = pcl_space_of((uint32_t)off);
	if (pcl_layout_cap_parse(space, name, &id) < 0)
		return pcl_set_error(err, -EINVAL, "<place>", 0, 0, (int32_t)off,
				     "'%s': '%s' is not a %s capability name or ID",
				     text, name, pcl_space_name(space));
	r = pcl_plan_request_place(req, space, id, (uint32_t)off);
	if (r == -EEXIST)
		return pcl_set_error(err, r, "<place>", 0, 0, (int32_t)off,
				     "'%s': %s is already placed", text, name);
	if (r == -EINVAL)
		return pcl_set_error(err, r, "<place>", 0, 0, (int32_t)off,
				     "'%s': 0x%lx is outside the %s space",
				     text, off, pcl_space_name(space));
	if (r < 0)
		return pcl_set_error(err, r, "<place>", 0, 0, (int32_t)off,
				     "'%s': %s", text, strerror(-r));
	return 0;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

PCL_EXPORT int pcl_plan_request_add_ranges(struct pcl_plan_request *req,
					   const struct pcl_range *ranges,
					   size_t count)
{
	struct pcl_range *grown;
	bool fail = false;

	if (!req || (count && !ranges))
		return -EINVAL;
	for (size_t i = 0; i < count; i++)
		if (ranges[i].start > 0xfff || !ranges[i].length ||
		    ranges[i].length > PCL_CFG_SIZE - ranges[i].start ||
		    ranges[i].kind > PCL_RANGE_FREE)
			return -EINVAL;
	if (count > PLAN_MAX_RANGES - req->n_ranges)
		return -ENOSPC;
	if (!count)
		return 0;
	grown = realloc(req->ranges, (req->n_ranges + count) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	req->ranges = grown;
	for (size_t i = 0; i < count; i++) {
		struct pcl_range *r = &grown[req->n_ranges + i];

		*r = ranges[i];
		r->flags &= ~PCL_RANGE_UNTRUSTED;
		r->source = dup_or_null(ranges[i].source, &fail);
		r->reason = dup_or_null(ranges[i].reason, &fail);
	}
	req->n_ranges += count;
	return fail ? -ENOMEM : 0;
}

PCL_EXPORT int pcl_plan_request_add_pasid(struct pcl_plan_request *req,
					  const struct pcl_plan_pasid *pasid)
{
	if (!req || !pasid || (pasid->flags & ~PCL_PLAN_PASID_IOMMU) ||
	    pasid->iommu_exec > 1 || pasid->iommu_priv > 1)
		return -EINVAL;
	if (req->want & 1u << PCL_GEN_PASID)
		return -EEXIST;
	req->iommu = *pasid;
	req->want |= 1u << PCL_GEN_PASID;
	return 0;
}

PCL_EXPORT int pcl_plan_request_add_dsn(struct pcl_plan_request *req,
					const struct pcl_plan_dsn *dsn)
{
	if (!req || !dsn || dsn->from_pf > 1 || (dsn->from_pf && dsn->serial))
		return -EINVAL;
	if (req->want & 1u << PCL_GEN_DSN)
		return -EEXIST;
	req->asked[PCL_GEN_DSN][PCL_DSN_FROM_PF] = dsn->from_pf;
	req->asked[PCL_GEN_DSN][PCL_DSN_SERIAL] = dsn->serial;
	req->want |= 1u << PCL_GEN_DSN;
	return 0;
}

PCL_EXPORT int pcl_plan_request_allow(struct pcl_plan_request *req,
				      uint32_t what)
{
	if (!req || (what & ~PCL_PLAN_ALLOW_ALL))
		return -EINVAL;
	req->allow = what;
	return 0;
}

static int set_string(char **dst, const char *s, bool (*ok)(const char *))
{
	char *d = NULL;

	if (s) {
		if (!ok(s))
			return -EINVAL;
		d = strdup(s);
		if (!d)
			return -ENOMEM;
	}
	free(*dst);
	*dst = d;
	return 0;
}

static bool machine_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > PLAN_MACHINE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* The syntax of layout names (layout.h): [A-Za-z0-9._+-], 1..64 chars,
 * starting with a letter or a digit. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._+-", s[i]))
			return false;
	return true;
}

PCL_EXPORT int pcl_plan_request_set_machine(struct pcl_plan_request *req,
					    const char *machine)
{
	return req ? set_string(&req->machine, machine, machine_ok) : -EINVAL;
}

PCL_EXPORT int pcl_plan_request_set_profile(struct pcl_plan_request *req,
					    const char *profile)
{
	return req ? set_string(&req->profile, profile, name_ok) : -EINVAL;
}

PCL_EXPORT int pcl_plan_request_set_name(struct pcl_plan_request *req,
					 const char *name)
{
	return req ? set_string(&req->name, name, name_ok) : -EINVAL;
}

static bool id_listed(const struct plan_id *l, size_t n, int space,
		      uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].space == space && l[i].id == id)
			return true;
	return false;
}

static int add_id(struct pcl_plan_request *req, bool hide, int space,
		  uint16_t id)
{
	struct plan_id *l = hide ? req->hide : req->keep;
	size_t *n = hide ? &req->n_hide : &req->n_keep;

	if ((space != PCL_SPACE_STANDARD && space != PCL_SPACE_EXTENDED) ||
	    (space == PCL_SPACE_STANDARD && id > 0xff))
		return -EINVAL;
	if (id_listed(req->hide, req->n_hide, space, id) ||
	    id_listed(req->keep, req->n_keep, space, id))
		return -EEXIST;
	if (*n >= PLAN_MAX_IDS)
		return -ENOSPC;
	l[(*n)++] = (struct plan_id){ .space = (uint8_t)space, .id = id };
	return 0;
}

PCL_EXPORT int pcl_plan_request_hide(struct pcl_plan_request *req, int space,
				     uint16_t id)
{
	return req ? add_id(req, true, space, id) : -EINVAL;
}

PCL_EXPORT int pcl_plan_request_keep(struct pcl_plan_request *req, int space,
				     uint16_t id)
{
	return req ? add_id(req, false, space, id) : -EINVAL;
}

