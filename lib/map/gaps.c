// SPDX-License-Identifier: BSD-3-Clause
/*
 * gaps.c - the gap finder: every aligned window of a space that a new
 * structure could occupy, ranked by how safe it is. Computed on demand from
 * the owner bytes in linear passes over the space (nearest hazard to the
 * left, to the right, and the next byte that disqualifies a window), then
 * one sort by a total order, so the answer is deterministic.
 *
 * Hazards are the bytes whose contents or purpose we cannot vouch for:
 * non-zero unclaimed bytes (suspected hidden registers), orphans (unlinked
 * capabilities), reserved ranges (known registers), unread bytes. Known
 * capabilities and the header are off limits but are not hazards: their
 * extent is known, so sitting next to them is how chains are packed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "map-internal.h"

static const char *const class_names[] = {
	[PCL_GAP_ADVERTISED] = "advertised",
	[PCL_GAP_CLEAR] = "clear",
	[PCL_GAP_NEAR] = "near",
};

PCL_EXPORT const char *pcl_gap_class_name(int klass)
{
	if (klass < 0 || (size_t)klass >= PCL_ARRAY_SIZE(class_names))
		return "unknown";
	return class_names[klass];
}

static bool is_hazard(uint8_t owner)
{
	return owner == PCL_OWNER_NONZERO || owner == PCL_OWNER_ORPHAN ||
	       owner == PCL_OWNER_RESERVED || owner == PCL_OWNER_UNREAD;
}

static bool is_usable(uint8_t owner)
{
	return owner == PCL_OWNER_FREE || owner == PCL_OWNER_ZERO;
}

/*
 * The ranking rule (docs/free-space.md): class; within "near" the larger
 * distance; then the higher offset. Offsets are unique, so it is total.
 * As a bucket: advertised 0, clear 1, near 2 + (PCL_GAP_MARGIN - 1 -
 * distance), a near window's distance being below PCL_GAP_MARGIN; the
 * higher offset first within a bucket.
 */
#define GAP_BUCKETS (2 + PCL_GAP_MARGIN)

static unsigned int gap_bucket(const struct pcl_gap *g)
{
	if (g->klass != PCL_GAP_NEAR)
		return (unsigned int)g->klass;
	return 2 + (PCL_GAP_MARGIN - 1 - (unsigned int)g->distance);
}

/*
 * @in holds @n windows in increasing offset order; write them to @out in
 * rank order. A counting sort: qsort() of the ~900 windows of extended
 * space was a fifth of a cold `plan` process's instructions (callgrind).
 */
static void rank_gaps(const struct pcl_gap *in, size_t n, struct pcl_gap *out)
{
	size_t start[GAP_BUCKETS + 1] = { 0 };

	for (size_t i = 0; i < n; i++)
		start[gap_bucket(&in[i]) + 1]++;
	for (size_t b = 0; b < GAP_BUCKETS; b++)
		start[b + 1] += start[b];
	/* From the highest offset down: each bucket fills in that order. */
	for (size_t i = n; i-- > 0;)
		out[start[gap_bucket(&in[i])]++] = in[i];
	for (size_t i = 0; i < n; i++)
		out[i].rank = (int32_t)i + 1;
}

static int check_args(int space, uint32_t size, uint32_t *align,
		      uint32_t *lo, uint32_t *hi, struct pcl_error *err)
{
	uint32_t span;

	if (space == PCL_SPACE_STANDARD || space == PCL_SPACE_EXTENDED) {
		*lo = pcl_space_start(space);
		*hi = pcl_space_end(space);
	} else {
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "unknown space %d", space);
	}
	span = *hi - *lo;
	if (!*align)
		*align = 4;
	if (size == 0 || size > span)
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "size %u is out of range: the %s space has room for 1..%u bytes",
				     size, pcl_space_name(space), span);
	if (*align < 4 || (*align & (*align - 1)))
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "alignment %u is not a power of two of at least 4",
				     *align);
	if (*align > span)
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "alignment %u is larger than the %s space (%u bytes)",
				     *align, pcl_space_name(space), span);
	return 0;
}

PCL_EXPORT int pcl_gaps_validate(int space, uint32_t size, uint32_t align,
				 struct pcl_error *err)
{
	uint32_t lo, hi;

	return check_args(space, size, &align, &lo, &hi, err);
}

PCL_EXPORT int pcl_map_gaps(const struct pcl_map *map, int space,
			    uint32_t size, uint32_t align,
			    struct pcl_gap **gaps, size_t *count,
			    struct pcl_error *err)
{
	int16_t prev_h[PCL_CFG_SIZE]; /* nearest hazard at or before i, or -1 */
	int16_t next_h[PCL_CFG_SIZE]; /* nearest hazard at or after i, or -1 */
	uint16_t next_bad[PCL_CFG_SIZE + 1]; /* first unusable byte >= i */
	uint16_t next_nf[PCL_CFG_SIZE + 1];  /* first non-FREE byte >= i */
	const uint8_t *own = map->owner;
	struct pcl_gap *out, *ranked;
	uint32_t lo = 0, hi = 0, i, off;
	size_t n = 0;
	int16_t h;
	int r;

	if (!gaps || !count)
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "invalid arguments");
	*gaps = NULL;
	*count = 0;
	r = check_args(space, size, &align, &lo, &hi, err);
	if (r)
		return r;

	for (h = -1, i = lo; i < hi; i++) {
		if (is_hazard(own[i]))
			h = (int16_t)i;
		prev_h[i] = h;
	}
	next_bad[hi] = (uint16_t)hi;
	next_nf[hi] = (uint16_t)hi;
	for (h = -1, i = hi; i-- > lo;) {
		if (is_hazard(own[i]))
			h = (int16_t)i;
		next_h[i] = h;
		next_bad[i] = is_usable(own[i]) ? next_bad[i + 1] : (uint16_t)i;
		next_nf[i] = own[i] == PCL_OWNER_FREE ? next_nf[i + 1]
						      : (uint16_t)i;
	}

	/* Windows start at multiples of @align (absolute offsets). */
	off = (lo + align - 1) & ~(align - 1);
	for (i = off; i + size <= hi; i += align)
		if (next_bad[i] >= i + size)
			n++;
	if (!n)
		return 0;
	out = calloc(n, sizeof(*out));
	ranked = malloc(n * sizeof(*ranked));
	if (!out || !ranked) {
		free(out);
		free(ranked);
		return pcl_set_error(err, -ENOMEM, "", 0, 0, -1,
				     "out of memory");
	}

	n = 0;
	for (i = off; i + size <= hi; i += align) {
		struct pcl_gap *g;
		int32_t left, right;

		if (next_bad[i] < i + size)
			continue;
		g = &out[n++];
		g->offset = i;
		g->length = size;
		g->distance = -1;
		g->hazard = -1;
		g->hazard_owner = -1;
		g->free_range = -1;
		/* No byte of the window is a hazard: look just outside it. */
		left = i > lo ? prev_h[i - 1] : -1;
		right = i + size < hi ? next_h[i + size] : -1;
		if (left >= 0) {
			g->distance = (int32_t)i - 1 - left;
			g->hazard = left;
		}
		if (right >= 0 &&
		    (g->distance < 0 ||
		     right - (int32_t)(i + size) < g->distance)) {
			g->distance = right - (int32_t)(i + size);
			g->hazard = right;
		}
		if (g->hazard >= 0)
			g->hazard_owner = own[g->hazard];
		if (next_nf[i] >= i + size) {
			const struct pcl_map_run *run = pcl_map_run_at(map, i);

			g->klass = PCL_GAP_ADVERTISED;
			g->free_range = run ? run->detail : -1;
		} else if (g->distance < 0 || g->distance >= PCL_GAP_MARGIN) {
			g->klass = PCL_GAP_CLEAR;
		} else {
			g->klass = PCL_GAP_NEAR;
		}
	}
	rank_gaps(out, n, ranked);
	free(out);
	*gaps = ranked;
	*count = n;
	return 0;
}

PCL_EXPORT const char *pcl_gap_reason(const struct pcl_map *map,
				      const struct pcl_gap *gap, char *buf,
				      size_t size)
{
	char hz[96] = "";
	const struct pcl_range *rg;
	int n = 0;

	if (!size)
		return buf;
	if (gap->hazard >= 0)
		snprintf(hz, sizeof(hz), "nearest hazard: %s byte at 0x%03x, %d byte%s away",
			 pcl_owner_name(gap->hazard_owner), gap->hazard,
			 gap->distance, gap->distance == 1 ? "" : "s");
	else
		snprintf(hz, sizeof(hz), "no hazard in %s space",
			 pcl_space_name(pcl_space_of(gap->offset)));

	switch (gap->klass) {
	case PCL_GAP_ADVERTISED:
		rg = gap->free_range >= 0 ? pcl_map_range(map, (size_t)gap->free_range)
					  : NULL;
		n = snprintf(buf, size, "advertised free by %s (0x%03x-0x%03x)",
			     rg && rg->source ? rg->source : "an unnamed source",
			     rg ? rg->start : 0,
			     rg ? rg->start + rg->length - 1 : 0);
		if (n >= 0 && (size_t)n < size)
			snprintf(buf + n, size - (size_t)n, "; %s", hz);
		break;
	case PCL_GAP_CLEAR:
		snprintf(buf, size, "unclaimed zero; %s", hz);
		break;
	default:
		snprintf(buf, size,
			 "unclaimed zero, but within %d bytes of a hazard; %s",
			 PCL_GAP_MARGIN, hz);
		break;
	}
	return buf;
}
