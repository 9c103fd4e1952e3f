// SPDX-License-Identifier: BSD-3-Clause
/*
 * scan.c - find every free-space DVSEC of a walk, decode each one, and merge
 * the ranges of the well-formed ones into the list the occupancy map takes.
 * Whether a range is really free (no capability, orphan, non-zero or unread
 * byte under it) is the map's decision, not this stage's: keeping one judge
 * keeps the rule the same for user lists and DVSECs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "dvsec/dvsec-internal.h"

struct scan_entry {
	struct pcl_dvsec_info info;
	struct pcl_range ranges[PCL_DVSEC_FREE_MAX_RANGES];
	char source[16];
	char msg[256];
};

struct scan_finding {
	struct pcl_finding f;
	char msg[256];
};

struct pcl_dvsec_scan {
	struct scan_entry *entries;
	size_t nentries;
	struct scan_finding *findings;
	size_t nfindings;
	struct pcl_range *merged;
	size_t nmerged;
};

static int add_finding(struct pcl_dvsec_scan *s, const struct pcl_finding *f)
{
	struct scan_finding *grown;

	grown = realloc(s->findings, (s->nfindings + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->findings = grown;
	grown[s->nfindings].f = *f;
	/* Messages are re-pointed once the array stops moving. */
	pcl_strlcpy(grown[s->nfindings].msg, f->message ? f->message : "",
		    sizeof(grown[0].msg));
	s->nfindings++;
	return 0;
}

static int add_note(struct pcl_dvsec_scan *s, int severity, int32_t off,
		    const char *code, const char *fmt, ...) PCL_PRINTF(5, 6);

static int add_note(struct pcl_dvsec_scan *s, int severity, int32_t off,
		    const char *code, const char *fmt, ...)
{
	struct pcl_finding f = { .severity = severity,
				 .space = PCL_SPACE_EXTENDED,
				 .offset = off, .code = code };
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f.message = msg;
	return add_finding(s, &f);
}

/* Decode @cap; record it when it is a free-space DVSEC. */
static int scan_cap(struct pcl_dvsec_scan *s, const struct pcl_cfg *cfg,
		    const struct pcl_cap *cap, const struct pcl_dvsec_opts *o,
		    bool orphan)
{
	struct scan_entry *e, *grown;
	struct pcl_finding why;
	const uint8_t *d;
	size_t n;
	int r;

	/* Only a DVSEC can be one (pcl_dvsec_decode() would say -ENOMSG,
	 * after the 4 KiB entry below was grown and cleared for nothing). */
	if (cap->space != PCL_SPACE_EXTENDED || cap->id != PCL_DVSEC_CAP_ID)
		return 0;
	grown = realloc(s->entries, (s->nentries + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->entries = grown;
	e = &grown[s->nentries];
	memset(e, 0, sizeof(*e));
	r = pcl_dvsec_decode(cfg, cap, o->accept, o->naccept, o->flags,
			     e->ranges, &n, &why, e->msg, sizeof(e->msg));
	if (r == -ENOMSG)
		return why.code ? add_finding(s, &why) : 0;
	if (r && r != -EBADMSG)
		return r;
	if (orphan) {
		/* Unlinked (hidden by vfio-pci, or stale): not the device's word. */
		return add_note(s, PCL_SEVERITY_INFO, cap->offset,
				"dvsec-free-orphan",
				"a free-space DVSEC at 0x%x is not linked into the extended chain; ignored",
				cap->offset);
	}
	d = pcl_cfg_data(cfg) + cap->offset;
	e->info.offset = cap->offset;
	e->info.length = (uint16_t)(pcl_le32(d + 4) >> 20);
	e->info.vendor = pcl_le16(d + 4);
	e->info.dvsec_rev = (uint8_t)((pcl_le32(d + 4) >> 16) & 0xf);
	e->info.id = pcl_le16(d + 8);
	if (pcl_cfg_is_read(cfg, cap->offset + 10u, 2) &&
	    e->info.length >= 12) {
		e->info.format = d[10];
		e->info.declared = d[11];
	}
	snprintf(e->source, sizeof(e->source), "dvsec@0x%03x", cap->offset);
	if (r == -EBADMSG) {
		e->info.status = PCL_DVSEC_MALFORMED;
		e->info.code = why.code;
	} else {
		e->info.status = PCL_DVSEC_VALID;
		e->info.range_count = n;
		if (why.code)
			e->info.code = why.code; /* a dropped range */
	}
	s->nentries++;
	return why.code ? add_finding(s, &why) : 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct pcl_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Two DVSECs that disagree: believe neither. */
static int merge(struct pcl_dvsec_scan *s)
{
	size_t total = 0, k = 0;
	struct pcl_range *all;

	for (size_t i = 0; i < s->nentries; i++)
		for (size_t j = i + 1; j < s->nentries; j++) {
			struct scan_entry *a = &s->entries[i],
					  *b = &s->entries[j];
			if (a->info.status == PCL_DVSEC_MALFORMED ||
			    b->info.status == PCL_DVSEC_MALFORMED)
				continue;
			for (size_t x = 0; x < a->info.range_count; x++)
				for (size_t y = 0; y < b->info.range_count; y++) {
					const struct pcl_range *p = &a->ranges[x],
							       *q = &b->ranges[y];
					int r;

					if (p->start >= q->start + q->length ||
					    q->start >= p->start + p->length)
						continue;
					a->info.status = PCL_DVSEC_CONFLICT;
					b->info.status = PCL_DVSEC_CONFLICT;
					a->info.code = b->info.code =
						"dvsec-free-conflict";
					r = add_note(s, PCL_SEVERITY_WARNING,
						     b->info.offset,
						     "dvsec-free-conflict",
						     "free-space DVSECs at 0x%x and 0x%x both advertise 0x%x-0x%x; neither is used",
						     a->info.offset, b->info.offset,
						     p->start > q->start ? p->start : q->start,
						     (p->start + p->length < q->start + q->length ?
						      p->start + p->length : q->start + q->length) - 1);
					if (r)
						return r;
				}
		}
	/* The entries array no longer moves: sources can point into it. */
	for (size_t i = 0; i < s->nentries; i++) {
		struct scan_entry *e = &s->entries[i];

		for (size_t j = 0; j < e->info.range_count; j++)
			e->ranges[j].source = e->source;
		if (e->info.status == PCL_DVSEC_VALID)
			total += e->info.range_count;
	}
	if (!total)
		return 0;
	all = calloc(total, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < s->nentries; i++) {
		struct scan_entry *e = &s->entries[i];

		if (e->info.status != PCL_DVSEC_VALID)
			continue;
		for (size_t j = 0; j < e->info.range_count; j++)
			all[k++] = e->ranges[j];
	}
	if (total) /* qsort(NULL, 0, ...) is undefined */
		qsort(all, total, sizeof(*all), cmp_range);
	s->merged = all;
	s->nmerged = total;
	return 0;
}

PCL_EXPORT struct pcl_dvsec_scan *
pcl_dvsec_scan_new(const struct pcl_walk *walk,
		   const struct pcl_dvsec_opts *opts)
{
	static const struct pcl_dvsec_opts defaults;
	const struct pcl_cfg *cfg;
	struct pcl_dvsec_scan *s;
	int r = 0;

	if (!walk) {
		errno = EINVAL;
		return NULL;
	}
	if (!opts)
		opts = &defaults;
	cfg = pcl_walk_cfg(walk);
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; !r && i < pcl_walk_cap_count(walk); i++)
		r = scan_cap(s, cfg, pcl_walk_cap(walk, i), opts, false);
	for (size_t i = 0; !r && i < pcl_walk_orphan_count(walk); i++)
		r = scan_cap(s, cfg, pcl_walk_orphan(walk, i), opts, true);
	if (!r)
		r = merge(s);
	if (r) {
		pcl_dvsec_scan_free(s);
		errno = -r;
		return NULL;
	}
	/* Arrays are final: point strings into them. */
	for (size_t i = 0; i < s->nentries; i++) {
		struct scan_entry *e = &s->entries[i];

		e->info.ranges = e->info.range_count ? e->ranges : NULL;
		e->info.message = e->info.code ? e->msg : NULL;
		if (e->info.status == PCL_DVSEC_CONFLICT)
			e->info.message = "another free-space DVSEC advertises an overlapping range; neither is used";
	}
	for (size_t i = 0; i < s->nfindings; i++)
		s->findings[i].f.message = s->findings[i].msg;
	return s;
}

PCL_EXPORT void pcl_dvsec_scan_free(struct pcl_dvsec_scan *scan)
{
	if (!scan)
		return;
	free(scan->entries);
	free(scan->findings);
	free(scan->merged);
	free(scan);
}

PCL_EXPORT size_t pcl_dvsec_scan_count(const struct pcl_dvsec_scan *scan)
{
	return scan ? scan->nentries : 0;
}

PCL_EXPORT const struct pcl_dvsec_info *
pcl_dvsec_scan_get(const struct pcl_dvsec_scan *scan, size_t index)
{
	if (!scan || index >= scan->nentries)
		return NULL;
	return &scan->entries[index].info;
}

PCL_EXPORT const struct pcl_range *
pcl_dvsec_scan_ranges(const struct pcl_dvsec_scan *scan, size_t *count)
{
	if (count)
		*count = scan ? scan->nmerged : 0;
	return scan && scan->nmerged ? scan->merged : NULL;
}

PCL_EXPORT size_t pcl_dvsec_scan_finding_count(const struct pcl_dvsec_scan *scan)
{
	return scan ? scan->nfindings : 0;
}

PCL_EXPORT const struct pcl_finding *
pcl_dvsec_scan_finding(const struct pcl_dvsec_scan *scan, size_t index)
{
	if (!scan || index >= scan->nfindings)
		return NULL;
	return &scan->findings[index].f;
}
