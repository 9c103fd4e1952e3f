/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map-internal.h - private to lib/map: the layout of struct pcl_map, shared
 * by the map builder (map.c) and the gap finder (gaps.c).
 */
#ifndef PCL_MAP_INTERNAL_H
#define PCL_MAP_INTERNAL_H

#include "internal.h"

/* A finding and the text its public record points at. */
struct pcl_map_finding {
	struct pcl_finding pub;
	uint32_t seq; /* creation order: the tie-break of the offset sort */
	char msg[192];
};

struct pcl_map {
	const struct pcl_walk *walk;
	uint8_t owner[PCL_CFG_SIZE]; /* enum pcl_owner per byte */
	struct pcl_map_run *runs;    /* tile 0..4095 in order */
	size_t nruns;
	struct pcl_range *ranges; /* copies; strings owned */
	size_t nranges;
	struct pcl_map_finding *findings;
	size_t nfindings;
	size_t findings_cap;
};

/* The run holding @offset (binary search), or NULL past the end. */
const struct pcl_map_run *pcl_map_run_at(const struct pcl_map *map,
					 uint32_t offset);

#endif /* PCL_MAP_INTERNAL_H */
