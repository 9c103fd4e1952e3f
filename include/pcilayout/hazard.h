/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hazard.h - the one hazard map: where a virtual capability (or a moved
 * physical one) may go, and how close it may come to what it must not
 * touch. The planner, check, unify and the gaps command all build theirs
 * with pcl_hazard_map_new(), so they place and judge against the same
 * bytes (docs/free-space.md).
 *
 * The map is of the device as the kernel's vfio-pci shows it to the VMM
 * (pcl_walk_vfio_view()): the capabilities vfio-pci hides are orphans
 * there, whether the device was read in full (sysfs as root, a dump) or
 * through vfio-pci, so the read path does not change the answer. Quirk
 * reserved ranges, the free ranges of the device's free-space DVSECs and
 * the caller's ranges are applied as pcl_map_new() describes.
 */
#ifndef PCILAYOUT_HAZARD_H
#define PCILAYOUT_HAZARD_H

#include <pcilayout/common.h>
#include <pcilayout/map.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;
struct pcl_quirks;
struct pcl_layout;

/**
 * struct pcl_hazard_opts - what a hazard map is built from besides the
 * device. Initialise with memset() to 0.
 * @quirks: the quirk database, or NULL: the reserved ranges of the quirks
 *          that match the device are hazards.
 * @quirk_list: further quirks (kind "quirk"), used when they match.
 * @n_quirk_list: number of @quirk_list.
 * @ranges: the caller's ranges: PCL_RANGE_RESERVED ones are hazards,
 *          PCL_RANGE_FREE ones are advertised free (the user's --free).
 * @n_ranges: number of @ranges.
 */
struct pcl_hazard_opts {
	const struct pcl_quirks *quirks;
	const struct pcl_layout *const *quirk_list;
	size_t n_quirk_list;
	const struct pcl_range *ranges;
	size_t n_ranges;
};

/**
 * pcl_hazard_map_new() - the hazard map of a device.
 * @cfg: the device (borrowed; must outlive the map).
 * @opts: NULL for none.
 *
 * The map's walk (pcl_map_walk()) is of the device as vfio-pci shows it,
 * and lives as long as @cfg. Its ranges are the quirks' reserved ranges
 * (sorted), then the caller's, then those of the device's well-formed
 * free-space DVSECs (source "dvsec@0xOFF"). Without quirks or ranges, the
 * map is the one @cfg keeps for the planner and check (the same answer,
 * not built again); the caller still frees its map.
 *
 * Return: a new map that the caller frees with pcl_map_free(), or NULL
 * with errno EINVAL (NULL @cfg, a bad range) or ENOMEM.
 */
PCL_EXPORT struct pcl_map *pcl_hazard_map_new(const struct pcl_cfg *cfg,
					      const struct pcl_hazard_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_HAZARD_H */
