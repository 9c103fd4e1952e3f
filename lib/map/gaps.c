// SPDX-License-Identifier: BSD-3-Clause
/*
 * gaps.c - the gap finder: every aligned window of a space that a new
 * structure could occupy, ranked by how safe it is. Computed on demand from
 * the map's runs in one pass (a window lies in a stretch of usable runs,
 * and the nearest hazards of all the windows of a stretch are the last
 * hazard before it and the first after it), then one sort by a total
 * order, so the answer is deterministic.
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

static PCL_NO_COVERAGE unsigned int gap_bucket(const struct pcl_gap *g)
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
static PCL_BYTE_LOOP void rank_gaps(const struct pcl_gap *in, size_t n,
				     struct pcl_gap *out)
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

/* What one pcl_map_gaps() call looks for, and the windows found so far. */
struct gap_scan {
	const uint8_t *own;
	const struct pcl_map_run *runs;
	size_t nruns;
	uint32_t lo, hi, size, align;
	uint32_t only; /* the one window wanted (pcl_map_gap_at()), or ALL */
	struct pcl_gap *out;
	size_t n;
};

#define ALL UINT32_MAX

static uint32_t run_end(const struct pcl_map_run *r)
{
	return (uint32_t)r->start + r->length;
}

/*
 * add_window() and stretch_windows() run once per candidate offset (960 per
 * call in extended space at 4-byte alignment): byte loops (PCL_BYTE_LOOP).
 * Their compares rank one window against its neighbours, which every input
 * with a gap makes; where gaps are at all is decided by the map's claims.
 *
 * Window at @i of the stretch of usable runs @k.. : its nearest hazards
 * are @left (the last hazard byte before the stretch) and @right (the
 * first after it), -1 for none; a tie goes to the left one. @free_end is
 * where the advertised-free runs from run @k on end (@k not free: 0).
 */
static PCL_BYTE_LOOP void add_window(struct gap_scan *s,
				     const struct pcl_map_run *run, uint32_t i,
				     uint32_t free_end, int32_t left,
				     int32_t right)
{
	struct pcl_gap *g = &s->out[s->n++];

	g->offset = i;
	g->length = s->size;
	g->distance = -1;
	g->hazard = -1;
	g->hazard_owner = -1;
	g->free_range = -1;
	if (left >= 0) {
		g->distance = (int32_t)i - 1 - left;
		g->hazard = left;
	}
	if (right >= 0 && (g->distance < 0 ||
			   right - (int32_t)(i + s->size) < g->distance)) {
		g->distance = right - (int32_t)(i + s->size);
		g->hazard = right;
	}
	if (g->hazard >= 0)
		g->hazard_owner = s->own[g->hazard];
	if (free_end >= i + s->size) {
		g->klass = PCL_GAP_ADVERTISED;
		g->free_range = run->detail;
	} else if (g->distance < 0 || g->distance >= PCL_GAP_MARGIN) {
		g->klass = PCL_GAP_CLEAR;
	} else {
		g->klass = PCL_GAP_NEAR;
	}
}

/* The windows of the stretch of usable runs [@k, @j), in offset order. */
static PCL_BYTE_LOOP void stretch_windows(struct gap_scan *s, size_t k,
					  size_t j, int32_t left, int32_t right)
{
	const struct pcl_map_run *runs = s->runs;
	uint32_t a = runs[k].start > s->lo ? runs[k].start : s->lo;
	uint32_t b = run_end(&runs[j - 1]) < s->hi ? run_end(&runs[j - 1]) : s->hi;
	uint32_t i = (a + s->align - 1) & ~(s->align - 1), free_end = 0;
	size_t fk = k; /* the run that ends the advertised-free stretch */

	if (s->only != ALL) {
		if (s->only < i || (s->only - i) % s->align)
			return;
		i = s->only;
	}
	for (; i + s->size <= b; i += s->align) {
		while (run_end(&runs[k]) <= i)
			k++;
		if (runs[k].owner == PCL_OWNER_FREE && run_end(&runs[k]) > free_end) {
			/* A new stretch of advertised-free runs: find its end. */
			for (fk = k; fk + 1 < j && runs[fk + 1].owner == PCL_OWNER_FREE;)
				fk++;
			free_end = run_end(&runs[fk]);
		}
		add_window(s, &runs[k], i,
			   runs[k].owner == PCL_OWNER_FREE ? free_end : 0,
			   left, right);
		if (s->only != ALL)
			return;
	}
}

/*
 * Runs from @k on, before @s->hi: the first usable one (skip_unusable(),
 * which keeps in *@left the last hazard byte it passes), the end of a
 * stretch of usable ones (usable_end()), the first hazard (next_hazard()).
 * A fuzzed map has hundreds of runs, each asked about by every gaps call:
 * byte loops, as stretch_windows() (what they find, a stretch and its
 * hazards, is the covered code's to branch on).
 */
static PCL_BYTE_LOOP size_t skip_unusable(const struct gap_scan *s, size_t k,
					  int32_t *left)
{
	const struct pcl_map_run *runs = s->runs;

	for (; k < s->nruns && runs[k].start < s->hi &&
	       !is_usable(runs[k].owner); k++)
		if (is_hazard(runs[k].owner))
			*left = (int32_t)(run_end(&runs[k]) < s->hi ?
					  run_end(&runs[k]) : s->hi) - 1;
	return k;
}

static PCL_BYTE_LOOP size_t usable_end(const struct gap_scan *s, size_t k)
{
	while (k < s->nruns && s->runs[k].start < s->hi &&
	       is_usable(s->runs[k].owner))
		k++;
	return k;
}

static PCL_BYTE_LOOP size_t next_hazard(const struct gap_scan *s, size_t k)
{
	while (k < s->nruns && s->runs[k].start < s->hi &&
	       !is_hazard(s->runs[k].owner))
		k++;
	return k;
}

/* Every window of the space, in offset order, into @s->out. */
static void scan_runs(struct gap_scan *s, size_t k)
{
	size_t hz = k, j;
	int32_t left = -1, right;

	for (k = skip_unusable(s, k, &left);
	     k < s->nruns && s->runs[k].start < s->hi;
	     k = skip_unusable(s, j, &left)) {
		j = usable_end(s, k);
		/* The first hazard after the stretch, found once per run. */
		hz = next_hazard(s, hz < j ? j : hz);
		right = hz < s->nruns && s->runs[hz].start < s->hi ?
				(int32_t)s->runs[hz].start : -1;
		stretch_windows(s, k, j, left, right);
	}
}

PCL_EXPORT int pcl_map_gaps(const struct pcl_map *map, int space,
			    uint32_t size, uint32_t align,
			    struct pcl_gap **gaps, size_t *count,
			    struct pcl_error *err)
{
	struct gap_scan s = { .own = map->owner, .runs = map->runs,
			      .nruns = map->nruns, .only = ALL };
	struct pcl_gap *ranked;
	uint32_t off;
	size_t most;
	int r;

	if (!gaps || !count)
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "invalid arguments");
	*gaps = NULL;
	*count = 0;
	r = check_args(space, size, &align, &s.lo, &s.hi, err);
	if (r)
		return r;
	s.size = size;
	s.align = align;

	/* Windows start at multiples of @align (absolute offsets). */
	off = (s.lo + align - 1) & ~(align - 1);
	if (off + size > s.hi)
		return 0;
	most = (s.hi - size - off) / align + 1;
	s.out = malloc(most * sizeof(*s.out));
	if (!s.out)
		return pcl_set_error(err, -ENOMEM, "", 0, 0, -1,
				     "out of memory");
	scan_runs(&s, (size_t)(pcl_map_run_at(map, s.lo) - map->runs));
	if (!s.n) {
		free(s.out);
		return 0;
	}
	ranked = malloc(s.n * sizeof(*ranked));
	if (!ranked) {
		free(s.out);
		return pcl_set_error(err, -ENOMEM, "", 0, 0, -1,
				     "out of memory");
	}
	rank_gaps(s.out, s.n, ranked);
	free(s.out);
	*gaps = ranked;
	*count = s.n;
	return 0;
}

int pcl_map_gap_at(const struct pcl_map *map, int space, uint32_t size,
		   uint32_t offset, struct pcl_gap *gap)
{
	struct gap_scan s = { .own = map->owner, .runs = map->runs,
			      .nruns = map->nruns, .only = offset, .out = gap };
	uint32_t align = 4;
	int r = check_args(space, size, &align, &s.lo, &s.hi, NULL);

	if (r)
		return r;
	s.size = size;
	s.align = align;
	if (offset < s.lo || offset >= s.hi)
		return 0;
	scan_runs(&s, (size_t)(pcl_map_run_at(map, s.lo) - map->runs));
	if (s.n)
		gap->rank = 0;
	return s.n ? 1 : 0;
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
