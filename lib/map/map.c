// SPDX-License-Identifier: BSD-3-Clause
/*
 * map.c - the per-byte occupancy map of one walked config space.
 *
 * Building is claim-then-classify: the strong owners claim bytes strongest
 * first (header, capabilities in walk order, orphans, reserved ranges), and
 * a byte keeps its first claim; the bytes nobody claimed are then classified
 * from the cfg as zero, non-zero or unread; advertised-free ranges come last
 * and are accepted only over bytes classified zero. The detail of a claim
 * (which capability, which range) lives in a scratch array on the stack
 * while building and only in the run list afterwards, so a map costs 4 KiB
 * of owner bytes, 8 KiB of run indexes (each byte's run) and its runs,
 * and nothing per byte is ever allocated.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "map-internal.h"

#define UNCLAIMED 0xffu

static const char *const owner_names[PCL_OWNER_COUNT] = {
	[PCL_OWNER_HEADER] = "header",	 [PCL_OWNER_CAP] = "cap",
	[PCL_OWNER_ORPHAN] = "orphan",	 [PCL_OWNER_RESERVED] = "reserved",
	[PCL_OWNER_FREE] = "free",	 [PCL_OWNER_NONZERO] = "nonzero",
	[PCL_OWNER_ZERO] = "zero",	 [PCL_OWNER_UNREAD] = "unread",
};

PCL_EXPORT const char *pcl_owner_name(int owner)
{
	if (owner < 0 || owner >= PCL_OWNER_COUNT)
		return "unknown";
	return owner_names[owner];
}

static uint32_t space_end(uint32_t offset)
{
	return pcl_space_end(pcl_space_of(offset));
}

/* What a finding says; its text is made from the facts by format_finding(). */
enum map_finding_kind {
	MF_LENGTH_UNKNOWN,   /* arg: space, id, offset, last byte */
	MF_RESERVED_OVERLAP, /* arg: start, last byte; str: source */
	MF_FREE_REJECTED,    /* arg: start, last byte, bad byte; arg16: owner */
	MF_HIDDEN,           /* arg: start, length */
};

/*
 * Record a finding's facts; the message is formatted on first use. Record
 * keeping only: what a fuzzer learns from is the callers' decision to
 * report, so no comparison hooks here (PCL_BYTE_LOOP: a fuzzed map makes
 * hundreds of findings).
 */
static PCL_BYTE_LOOP int add_finding(struct pcl_map *map, int severity,
				     int32_t offset, const char *code,
				     uint8_t kind, uint32_t a0, uint32_t a1,
				     uint32_t a2, uint32_t a3, const char *str)
{
	struct pcl_map_finding *f;

	if (map->nfindings == map->findings_cap) {
		size_t n = map->findings_cap ? 2 * map->findings_cap : 32;
		struct pcl_map_finding *grown;

		grown = realloc(map->findings, n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		map->findings = grown;
		map->findings_cap = n;
	}
	f = &map->findings[map->nfindings];
	f->seq = (uint32_t)map->nfindings;
	map->nfindings++;
	f->pub.severity = severity;
	f->pub.space = offset < 0 ? -1 : pcl_space_of((uint32_t)offset);
	f->pub.offset = offset;
	f->pub.code = code;
	f->pub.message = NULL; /* pointed at its text once the array is final */
	f->kind = kind;
	atomic_init(&f->state, 0);
	f->arg16 = 0;
	f->arg[0] = a0;
	f->arg[1] = a1;
	f->arg[2] = a2;
	f->arg[3] = a3;
	f->str = str;
	return 0;
}

static void format_finding(const struct pcl_map_finding *f, char *msg)
{
	const uint32_t *a = f->arg;
	const char *src = f->str ? f->str : "no source";

	switch (f->kind) {
	case MF_LENGTH_UNKNOWN:
		snprintf(msg, PCL_MAP_MSG_SIZE,
			 "%s capability 0x%x at 0x%03x has no known length: 0x%03x-0x%03x treated as occupied",
			 pcl_space_name((int)a[0]), a[1], a[2], a[2], a[3]);
		break;
	case MF_RESERVED_OVERLAP:
		snprintf(msg, PCL_MAP_MSG_SIZE,
			 "reserved range 0x%03x-0x%03x (%s) overlaps bytes owned by a stronger owner",
			 a[0], a[1], src);
		break;
	case MF_FREE_REJECTED:
		snprintf(msg, PCL_MAP_MSG_SIZE,
			 "advertised free range 0x%03x-0x%03x (%s) not trusted: byte 0x%03x is %s",
			 a[0], a[1], src, a[2], pcl_owner_name(f->arg16));
		break;
	case MF_HIDDEN:
		if (a[1] == 1)
			snprintf(msg, PCL_MAP_MSG_SIZE,
				 "non-zero byte at 0x%03x outside every capability: suspected hidden register",
				 a[0]);
		else
			snprintf(msg, PCL_MAP_MSG_SIZE,
				 "%u non-zero bytes at 0x%03x-0x%03x outside every capability: suspected hidden register",
				 a[1], a[0], a[0] + a[1] - 1u);
		break;
	default:
		snprintf(msg, PCL_MAP_MSG_SIZE, "%s", f->pub.code);
		break;
	}
}

static int cmp_finding(const void *a, const void *b)
{
	const struct pcl_map_finding *x = a, *y = b;

	if (x->pub.offset != y->pub.offset)
		return x->pub.offset < y->pub.offset ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Claim [start, end) for @owner where nobody has yet; count what was taken.
 * @det is NULL when only the owners are wanted (pcl_map_owners_build()).
 */
static PCL_BYTE_LOOP uint32_t claim(uint8_t *owner, uint16_t *det,
				    uint32_t start, uint32_t end, uint8_t who,
				    uint16_t detail)
{
	uint32_t taken = 0;

	if (end > PCL_CFG_SIZE)
		end = PCL_CFG_SIZE;
	for (uint32_t i = start; i < end; i++) {
		if (owner[i] != UNCLAIMED)
			continue;
		owner[i] = who;
		if (det)
			det[i] = detail;
		taken++;
	}
	return taken;
}

/*
 * The end of a capability's claim. A known length is clipped to its space;
 * an unknown one reaches the next structure the walk found in the same
 * space, or the end of the space: DESIGN §8, never a silent guess.
 */
static uint32_t cap_end(const struct pcl_walk *walk, const struct pcl_cap *c)
{
	uint32_t end = space_end(c->offset);
	uint32_t stop;
	size_t i, n;

	if (!(c->flags & PCL_CAP_LENGTH_UNKNOWN)) {
		stop = (uint32_t)c->offset + (c->length ? c->length : 1);
		return stop < end ? stop : end;
	}
	stop = end;
	n = pcl_walk_cap_count(walk);
	for (i = 0; i < n; i++) {
		const struct pcl_cap *o = pcl_walk_cap(walk, i);

		if (o->space == c->space && o->offset > c->offset &&
		    o->offset < stop)
			stop = o->offset;
	}
	n = pcl_walk_orphan_count(walk);
	for (i = 0; i < n; i++) {
		const struct pcl_cap *o = pcl_walk_orphan(walk, i);

		if (o->space == c->space && o->offset > c->offset &&
		    o->offset < stop)
			stop = o->offset;
	}
	return stop;
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Whether any of the eight bytes of @v is UNCLAIMED (0xff). */
static bool any_unclaimed8(uint64_t v)
{
	uint64_t x = ~v; /* an UNCLAIMED byte becomes a zero byte */

	return ((x - PCL_BYTES8(1)) & ~x & PCL_BYTES8(0x80)) != 0;
}

static void store64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static PCL_BYTE_LOOP void classify(uint8_t *owner, const struct pcl_cfg *cfg)
{
	const uint8_t *data = pcl_cfg_data(cfg);
	uint32_t size = pcl_cfg_size(cfg), i, k;
	/*
	 * Every usual source reads a prefix (64, 256 or 4096 bytes), so one
	 * query usually answers for every byte below pcl_cfg_size(); nothing
	 * at or past it was read. Only a space with holes in its read map is
	 * asked about eight bytes, then one byte, at a time.
	 */
	bool prefix_read = pcl_cfg_is_read(cfg, 0, size);

	/*
	 * The usual case, a read prefix, without a branch per byte: gcc
	 * vectorizes this loop (16 or 32 bytes a step), and it took a fleet
	 * key's classification from ~0.7 us to ~0.1 (BENCHMARKS.md, item 3).
	 * The loop below then starts where it stopped.
	 */
	if (prefix_read) {
		/* Separate arrays: the map's, and the cfg's. */
		uint8_t *restrict o = owner;
		const uint8_t *restrict d = data;

		for (k = 0; k < (size & ~7u); k++) {
			uint8_t cls = d[k] ? PCL_OWNER_NONZERO : PCL_OWNER_ZERO;

			o[k] = o[k] == UNCLAIMED ? cls : o[k];
		}
	}
	/*
	 * Eight bytes at a time: most of a config space is long stretches of
	 * bytes a structure already claimed, or of unclaimed zeros.
	 */
	for (i = prefix_read ? size & ~7u : 0; i < PCL_CFG_SIZE; i += 8) {
		uint64_t o = load64(owner + i);
		bool read8;

		if (!any_unclaimed8(o))
			continue;
		if (i >= size) {
			if (o == PCL_BYTES8(UNCLAIMED)) {
				store64(owner + i, PCL_BYTES8(PCL_OWNER_UNREAD));
				continue;
			}
			for (k = i; k < i + 8; k++)
				if (owner[k] == UNCLAIMED)
					owner[k] = PCL_OWNER_UNREAD;
			continue;
		}
		read8 = prefix_read || pcl_cfg_is_read(cfg, i, 8);
		if (read8 && o == PCL_BYTES8(UNCLAIMED) && !load64(data + i)) {
			store64(owner + i, PCL_BYTES8(PCL_OWNER_ZERO));
			continue;
		}
		for (k = i; k < i + 8; k++) {
			if (owner[k] != UNCLAIMED)
				continue;
			if (!read8 && !pcl_cfg_is_read(cfg, k, 1))
				owner[k] = PCL_OWNER_UNREAD;
			else
				owner[k] = data[k] ? PCL_OWNER_NONZERO
						   : PCL_OWNER_ZERO;
		}
	}
}

/* A range pcl_map_new() takes: inside config space, of a known kind. */
static bool range_ok(const struct pcl_range *r)
{
	return r->start < PCL_CFG_SIZE && r->length &&
	       r->length <= PCL_CFG_SIZE - r->start &&
	       (r->kind == PCL_RANGE_RESERVED || r->kind == PCL_RANGE_FREE);
}

static int copy_ranges(struct pcl_map *map, const struct pcl_range *ranges,
		       size_t count)
{
	size_t i;

	if (!count)
		return 0;
	map->ranges = calloc(count, sizeof(*map->ranges));
	if (!map->ranges)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		const struct pcl_range *r = &ranges[i];
		struct pcl_range *d = &map->ranges[i];

		if (!range_ok(r))
			return -EINVAL;
		*d = *r;
		d->flags &= ~PCL_RANGE_UNTRUSTED;
		d->source = r->source ? strdup(r->source) : NULL;
		d->reason = r->reason ? strdup(r->reason) : NULL;
		map->nranges = i + 1;
		if ((r->source && !d->source) || (r->reason && !d->reason))
			return -ENOMEM;
	}
	return 0;
}

/*
 * The strong owners' claims into @owner (and @det), strongest first, from
 * @walk and @ranges. Findings go to @map; with a NULL @map (and @det:
 * pcl_map_owners_build()) only the owners are made.
 */
static int claim_structures(struct pcl_map *map, const struct pcl_walk *walk,
			    const struct pcl_range *ranges, size_t nranges,
			    uint8_t *owner, uint16_t *det)
{
	struct pcl_identity id;
	uint32_t hdr;
	size_t i, n;
	int r;

	/* The CardBus header also owns its subsystem IDs and legacy base. */
	pcl_cfg_identity(pcl_walk_cfg(walk), &id);
	hdr = id.header_type == PCL_HEADER_TYPE_CARDBUS ? 0x48 : PCL_STD_HEADER_SIZE;
	claim(owner, det, 0, hdr, PCL_OWNER_HEADER, 0);

	n = pcl_walk_cap_count(walk);
	for (i = 0; i < n && i <= UINT16_MAX; i++) {
		const struct pcl_cap *c = pcl_walk_cap(walk, i);
		uint32_t end = cap_end(walk, c);

		claim(owner, det, c->offset, end, PCL_OWNER_CAP, (uint16_t)i);
		if (map && (c->flags & PCL_CAP_LENGTH_UNKNOWN)) {
			r = add_finding(map, PCL_SEVERITY_INFO, c->offset,
					"length-unknown-extent",
					MF_LENGTH_UNKNOWN, c->space, c->id,
					c->offset, end - 1, NULL);
			if (r)
				return r;
		}
	}
	n = pcl_walk_orphan_count(walk);
	for (i = 0; i < n && i <= UINT16_MAX; i++) {
		const struct pcl_cap *c = pcl_walk_orphan(walk, i);

		claim(owner, det, c->offset, cap_end(walk, c),
		      PCL_OWNER_ORPHAN, (uint16_t)i);
	}
	for (i = 0; i < nranges && i <= UINT16_MAX; i++) {
		const struct pcl_range *rg = &ranges[i];
		uint32_t end = rg->start + rg->length;

		if (rg->kind != PCL_RANGE_RESERVED)
			continue;
		if (claim(owner, det, rg->start, end, PCL_OWNER_RESERVED,
			  (uint16_t)i) == rg->length || !map)
			continue;
		r = add_finding(map, PCL_SEVERITY_INFO, (int32_t)rg->start,
				"reserved-overlap", MF_RESERVED_OVERLAP,
				rg->start, end - 1, 0, 0, rg->source);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Accept each advertised-free range whose bytes are all unclaimed zero;
 * with a NULL @map (and @det), only into @owner, as claim_structures().
 */
static int accept_free(struct pcl_map *map, const struct pcl_range *ranges,
		       size_t nranges, uint8_t *owner, uint16_t *det)
{
	size_t i;
	int r;

	for (i = 0; i < nranges && i <= UINT16_MAX; i++) {
		const struct pcl_range *rg = &ranges[i];
		uint32_t end = rg->start + rg->length, b;

		if (rg->kind != PCL_RANGE_FREE)
			continue;
		for (b = rg->start; b < end; b++)
			if (owner[b] != PCL_OWNER_ZERO &&
			    owner[b] != PCL_OWNER_FREE)
				break;
		if (b == end) {
			for (b = rg->start; b < end; b++) {
				if (owner[b] == PCL_OWNER_FREE)
					continue; /* an earlier range has it */
				owner[b] = PCL_OWNER_FREE;
				if (det)
					det[b] = (uint16_t)i;
			}
			continue;
		}
		if (!map)
			continue;
		map->ranges[i].flags |= PCL_RANGE_UNTRUSTED;
		r = add_finding(map, PCL_SEVERITY_WARNING, (int32_t)rg->start,
				"free-range-rejected", MF_FREE_REJECTED,
				rg->start, end - 1, b, 0, rg->source);
		if (r)
			return r;
		map->findings[map->nfindings - 1].arg16 = map->owner[b];
	}
	return 0;
}

static bool has_detail(uint8_t owner)
{
	return owner == PCL_OWNER_CAP || owner == PCL_OWNER_ORPHAN ||
	       owner == PCL_OWNER_RESERVED || owner == PCL_OWNER_FREE;
}

#define DETAILS4(d) (0x0001000100010001ull * (uint16_t)(d))

/* Bytes [@i, @j) are in run @k: four at a time where they can be. */
static PCL_BYTE_LOOP void mark_run(uint16_t *run_of, uint32_t i, uint32_t j,
				    uint16_t k)
{
	uint64_t four = DETAILS4(k);

	for (; i < j && (i & 3); i++)
		run_of[i] = k;
	for (; i + 4 <= j; i += 4)
		memcpy(&run_of[i], &four, sizeof(four));
	for (; i < j; i++)
		run_of[i] = k;
}

/*
 * Runs break at owner or detail changes and at 0x100. Owners without a
 * detail are compared eight bytes at a time: long unclaimed stretches are
 * the common case; a capability's bytes and details four at a time.
 */
static PCL_BYTE_LOOP int make_runs(struct pcl_map *map, const uint16_t *det)
{
	const uint8_t *owner = map->owner;
	size_t cap = 128;
	uint32_t i = 0;

	map->runs = malloc(cap * sizeof(*map->runs));
	if (!map->runs)
		return -ENOMEM;
	while (i < PCL_CFG_SIZE) {
		uint32_t end = space_end(i), j = i + 1;
		uint8_t o = owner[i];
		bool detailed = has_detail(o);
		uint16_t d = detailed ? det[i] : 0;
		struct pcl_map_run *run;

		if (!detailed) {
			while ((j & 7) && j < end && owner[j] == o)
				j++;
			while (j + 8 <= end && load64(owner + j) == PCL_BYTES8(o))
				j += 8;
		} else {
			while (j + 4 <= end &&
			       load32(owner + j) == (uint32_t)PCL_BYTES8(o) &&
			       load64((const uint8_t *)(det + j)) == DETAILS4(d))
				j += 4;
		}
		while (j < end && owner[j] == o && (!detailed || det[j] == d))
			j++;
		if (map->nruns == cap) {
			struct pcl_map_run *grown;

			cap *= 2;
			grown = realloc(map->runs, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			map->runs = grown;
		}
		run = &map->runs[map->nruns++];
		run->start = (uint16_t)i;
		run->length = (uint16_t)(j - i);
		run->owner = o;
		run->space = (uint8_t)pcl_space_of(i);
		run->detail = d;
		mark_run(map->run_of, i, j, (uint16_t)(map->nruns - 1));
		i = j;
	}
	return 0;
}

/* A "hidden-register" finding per run of unclaimed non-zero bytes. A loop
 * over the runs, whose owners classify() gave (PCL_BYTE_LOOP, as there). */
static PCL_BYTE_LOOP int report_hidden(struct pcl_map *map)
{
	size_t i;
	int r;

	for (i = 0; i < map->nruns; i++) {
		const struct pcl_map_run *run = &map->runs[i];

		if (run->owner != PCL_OWNER_NONZERO)
			continue;
		r = add_finding(map, PCL_SEVERITY_INFO, run->start,
				"hidden-register", MF_HIDDEN, run->start,
				run->length, 0, 0, NULL);
		if (r)
			return r;
	}
	return 0;
}

PCL_EXPORT struct pcl_map *pcl_map_new(const struct pcl_walk *walk,
				       const struct pcl_range *ranges,
				       size_t count)
{
	uint16_t det[PCL_CFG_SIZE]; /* scratch: written before it is read */
	struct pcl_map *map;
	size_t i;
	int r;

	if (!walk || (count && !ranges)) {
		errno = EINVAL;
		return NULL;
	}
	/* Not calloc(): the owner bytes are set to UNCLAIMED right away. */
	map = malloc(sizeof(*map));
	if (!map) {
		errno = ENOMEM;
		return NULL;
	}
	memset(map, 0, offsetof(struct pcl_map, owner));
	atomic_init(&map->refs, 1);
	map->walk = walk;
	memset(map->owner, UNCLAIMED, sizeof(map->owner));
	r = copy_ranges(map, ranges, count);
	if (!r)
		r = claim_structures(map, walk, map->ranges, map->nranges,
				     map->owner, det);
	if (r)
		goto fail;
	classify(map->owner, pcl_walk_cfg(walk));
	r = accept_free(map, map->ranges, map->nranges, map->owner, det);
	if (r)
		goto fail;

	r = make_runs(map, det);
	if (!r)
		r = report_hidden(map);
	if (r)
		goto fail;

	/* Findings usually come in offset order already: sort only if not. */
	for (i = 1; i < map->nfindings; i++)
		if (cmp_finding(&map->findings[i - 1], &map->findings[i]) > 0)
			break;
	if (i < map->nfindings)
		qsort(map->findings, map->nfindings, sizeof(*map->findings),
		      cmp_finding);
	if (map->nfindings) {
		/* Room for every message, written only when asked for. */
		map->msgs = malloc(map->nfindings * sizeof(*map->msgs));
		if (!map->msgs) {
			r = -ENOMEM;
			goto fail;
		}
	}
	for (i = 0; i < map->nfindings; i++)
		map->findings[i].pub.message = map->msgs[i];
	return map;
fail:
	pcl_map_free(map);
	errno = -r;
	return NULL;
}

/*
 * What pcl_map_new() does to owner[], and nothing else: no run list, no run
 * index, no findings, no copies of the ranges, nothing allocated. A fleet
 * host's key needs only the owners (lib/compat/fleet.c), and the runs and
 * the 8 KiB run index were about half of a map's cost there
 * (BENCHMARKS.md, item 3). The same steps as pcl_map_new(), in the same
 * order, so the owners are the same byte for byte (test_map compares).
 */
int pcl_map_owners_build(const struct pcl_walk *walk,
			 const struct pcl_range *ranges, size_t count,
			 uint8_t owner[PCL_CFG_SIZE])
{
	if (!walk || !owner || (count && !ranges))
		return -EINVAL;
	for (size_t i = 0; i < count; i++)
		if (!range_ok(&ranges[i]))
			return -EINVAL;
	memset(owner, UNCLAIMED, PCL_CFG_SIZE);
	claim_structures(NULL, walk, ranges, count, owner, NULL);
	classify(owner, pcl_walk_cfg(walk));
	accept_free(NULL, ranges, count, owner, NULL);
	return 0;
}

void pcl_map_adopt(struct pcl_map *map, void (*fn)(void *), void *arg)
{
	map->release = fn;
	map->release_arg = arg;
}

/* Rank for merging: the higher one wins (see pcl_map_merge()). */
static int merge_rank(uint8_t owner)
{
	switch (owner) {
	case PCL_OWNER_FREE:
		return 0;
	case PCL_OWNER_ZERO:
		return 1;
	case PCL_OWNER_HEADER:
	case PCL_OWNER_CAP:
		return 2;
	case PCL_OWNER_UNREAD:
		return 3;
	case PCL_OWNER_NONZERO:
		return 4;
	case PCL_OWNER_RESERVED:
		return 5;
	default: /* orphan */
		return 6;
	}
}

struct pcl_map *pcl_map_merge(const struct pcl_map *const *maps, size_t n)
{
	uint16_t det[PCL_CFG_SIZE] = { 0 };
	struct pcl_map *map;
	int r;

	if (!maps || !n) {
		errno = EINVAL;
		return NULL;
	}
	map = calloc(1, sizeof(*map));
	if (!map) {
		errno = ENOMEM;
		return NULL;
	}
	atomic_init(&map->refs, 1);
	map->walk = maps[0]->walk;
	memcpy(map->owner, maps[0]->owner, sizeof(map->owner));
	for (size_t k = 1; k < n; k++)
		for (uint32_t b = 0; b < PCL_CFG_SIZE; b++)
			if (merge_rank(maps[k]->owner[b]) > merge_rank(map->owner[b]))
				map->owner[b] = maps[k]->owner[b];
	r = make_runs(map, det);
	if (r) {
		pcl_map_free(map);
		errno = -r;
		return NULL;
	}
	return map;
}

PCL_EXPORT void pcl_map_free(struct pcl_map *map)
{
	size_t i;

	if (!map || atomic_fetch_sub_explicit(&map->refs, 1,
					      memory_order_acq_rel) != 1)
		return;
	if (map->release)
		map->release(map->release_arg);
	for (i = 0; i < map->nranges; i++) {
		free((char *)map->ranges[i].source);
		free((char *)map->ranges[i].reason);
	}
	free(map->ranges);
	free(map->runs);
	free(map->findings);
	free(map->msgs);
	free(map);
}

struct pcl_map *pcl_map_ref(struct pcl_map *map)
{
	atomic_fetch_add_explicit(&map->refs, 1, memory_order_relaxed);
	return map;
}

PCL_EXPORT const struct pcl_walk *pcl_map_walk(const struct pcl_map *map)
{
	return map->walk;
}

PCL_EXPORT const uint8_t *pcl_map_owners(const struct pcl_map *map)
{
	return map->owner;
}

const struct pcl_map_run *pcl_map_run_at(const struct pcl_map *map,
					 uint32_t offset)
{
	return offset < PCL_CFG_SIZE ? &map->runs[map->run_of[offset]] : NULL;
}

PCL_EXPORT int pcl_map_owner(const struct pcl_map *map, uint32_t offset,
			     uint32_t *detail)
{
	if (offset >= PCL_CFG_SIZE)
		return -EINVAL;
	if (detail)
		*detail = map->runs[map->run_of[offset]].detail;
	return map->owner[offset];
}

PCL_EXPORT size_t pcl_map_run_count(const struct pcl_map *map)
{
	return map->nruns;
}

PCL_EXPORT const struct pcl_map_run *pcl_map_run(const struct pcl_map *map,
						 size_t index)
{
	return index < map->nruns ? &map->runs[index] : NULL;
}

PCL_EXPORT size_t pcl_map_range_count(const struct pcl_map *map)
{
	return map->nranges;
}

PCL_EXPORT const struct pcl_range *pcl_map_range(const struct pcl_map *map,
						 size_t index)
{
	return index < map->nranges ? &map->ranges[index] : NULL;
}

PCL_EXPORT size_t pcl_map_finding_count(const struct pcl_map *map)
{
	return map->nfindings;
}

PCL_EXPORT const struct pcl_finding *pcl_map_finding(const struct pcl_map *map,
						     size_t index)
{
	struct pcl_map_finding *f;
	uint8_t expect = 0;

	if (index >= map->nfindings)
		return NULL;
	/*
	 * The map is immutable to its users, but its messages are written
	 * here, on first use: the first caller formats, and concurrent
	 * callers wait for it, so the text a caller sees is always whole.
	 */
	f = &map->findings[index];
	if (atomic_load_explicit(&f->state, memory_order_acquire) == 2)
		return &f->pub;
	if (atomic_compare_exchange_strong_explicit(&f->state, &expect, 1,
						    memory_order_acquire,
						    memory_order_acquire)) {
		format_finding(f, map->msgs[index]);
		atomic_store_explicit(&f->state, 2, memory_order_release);
	} else {
		while (atomic_load_explicit(&f->state, memory_order_acquire) != 2)
			;
	}
	return &f->pub;
}

PCL_EXPORT const char *pcl_map_finding_code(const struct pcl_map *map,
					    size_t index)
{
	return index < map->nfindings ? map->findings[index].pub.code : NULL;
}

PCL_EXPORT const char *pcl_map_describe(const struct pcl_map *map,
					uint32_t offset, char *buf, size_t size)
{
	const struct pcl_range *rg;
	const struct pcl_cap *c;
	uint32_t detail = 0;
	int owner;

	if (!size)
		return buf;
	owner = pcl_map_owner(map, offset, &detail);
	switch (owner) {
	case PCL_OWNER_HEADER:
		snprintf(buf, size, "header");
		break;
	case PCL_OWNER_CAP:
	case PCL_OWNER_ORPHAN:
		c = owner == PCL_OWNER_CAP ? pcl_walk_cap(map->walk, detail)
					   : pcl_walk_orphan(map->walk, detail);
		snprintf(buf, size, "%s %s at 0x%03x",
			 owner == PCL_OWNER_CAP ? "capability" : "orphan",
			 c ? c->name : "?", c ? c->offset : 0);
		break;
	case PCL_OWNER_RESERVED:
	case PCL_OWNER_FREE:
		rg = pcl_map_range(map, detail);
		snprintf(buf, size, "%s: %s (%s)",
			 owner == PCL_OWNER_FREE ? "advertised free" : "reserved",
			 rg && rg->reason ? rg->reason : "no reason given",
			 rg && rg->source ? rg->source : "no source");
		break;
	case PCL_OWNER_NONZERO:
		snprintf(buf, size, "unclaimed non-zero");
		break;
	case PCL_OWNER_ZERO:
		snprintf(buf, size, "unclaimed zero");
		break;
	case PCL_OWNER_UNREAD:
		snprintf(buf, size, "unread");
		break;
	default:
		snprintf(buf, size, "offset out of range");
		break;
	}
	return buf;
}
