/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map-internal.h - the layout of struct pcl_map, shared by the map builder
 * (map.c) and the gap finder (gaps.c), and the calls later stages make
 * beyond the public API: handing a map what it must free with it (the
 * hazard builder's device view and walk), merging the maps of a pool, and
 * classifying one window (the planner's QEMU default).
 */
#ifndef PCL_MAP_INTERNAL_H
#define PCL_MAP_INTERNAL_H

#include <stdatomic.h>

#include "internal.h"

/*
 * A finding: its public record and the facts its message is made from.
 * Messages are formatted only when a caller asks for the finding
 * (pcl_map_finding()): building a map of a device with many non-zero
 * unclaimed runs used to spend a third of its time in vsnprintf() for
 * text nobody read. @state makes that first formatting safe when several
 * threads read one (immutable) map.
 */
struct pcl_map_finding {
	struct pcl_finding pub;
	uint32_t seq;  /* creation order: the tie-break of the offset sort */
	uint8_t kind;  /* enum map_finding_kind in map.c */
	_Atomic uint8_t state; /* 0 not formatted, 1 formatting, 2 ready */
	uint16_t arg16;
	uint32_t arg[4];
	const char *str; /* borrowed from the map (a range's source), or NULL */
};

#define PCL_MAP_MSG_SIZE 192

struct pcl_map {
	const struct pcl_walk *walk;
	struct pcl_map_run *runs;    /* tile 0..4095 in order */
	size_t nruns;
	struct pcl_range *ranges; /* copies; strings owned */
	size_t nranges;
	struct pcl_map_finding *findings;
	size_t nfindings;
	size_t findings_cap;
	char (*msgs)[PCL_MAP_MSG_SIZE]; /* message i, written on first use */
	void (*release)(void *);     /* frees what the map was handed */
	void *release_arg;
	/* Holders of the map, each of which calls pcl_map_free() once: a map
	 * never changes once made, so a cfg's hazard map is lent out
	 * (lib/hazard/hazard.c) rather than built again. */
	atomic_uint refs;
	/* Last: pcl_map_new() zeroes the fields above them and fills these. */
	uint8_t owner[PCL_CFG_SIZE]; /* enum pcl_owner per byte */
	/*
	 * The index of the run holding each byte, so that pcl_map_run_at() is
	 * one load: fuzz_walk asks for the run of every byte of every map,
	 * and a binary search of a fragmented map's runs took ten steps.
	 */
	uint16_t run_of[PCL_CFG_SIZE];
};

/*
 * The owner bytes pcl_map_new(@walk, @ranges, @count) would have, into
 * @owner, without building the map (no runs, findings or allocation).
 * 0, or -EINVAL where pcl_map_new() fails with EINVAL.
 */
int pcl_map_owners_build(const struct pcl_walk *walk,
			 const struct pcl_range *ranges, size_t count,
			 uint8_t owner[PCL_CFG_SIZE]);

/* Free @arg with @fn when the map is freed (once; NULL @fn: nothing). */
void pcl_map_adopt(struct pcl_map *map, void (*fn)(void *), void *arg);

/* One more holder of @map (see refs); returns @map. */
struct pcl_map *pcl_map_ref(struct pcl_map *map);

/*
 * The hazard map of a pool: per byte the worst of @n maps (a hazard on any
 * host is a hazard, a byte not free on any host is not free, and advertised
 * free only where every host advertises it), for the gap finder. Its walk
 * is the first map's; it has no ranges and no findings. NULL with errno.
 */
struct pcl_map *pcl_map_merge(const struct pcl_map *const *maps, size_t n);

/*
 * The window of @size bytes at @offset of @space as pcl_map_gaps() (with
 * alignment 4) would list it, into *@gap (rank 0: unranked): 1; 0 when it
 * is not a candidate; a negative errno for a bad space or size.
 */
int pcl_map_gap_at(const struct pcl_map *map, int space, uint32_t size,
		   uint32_t offset, struct pcl_gap *gap);

/* The run holding @offset, or NULL past the end. */
const struct pcl_map_run *pcl_map_run_at(const struct pcl_map *map,
					 uint32_t offset);

#endif /* PCL_MAP_INTERNAL_H */
