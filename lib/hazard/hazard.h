/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hazard.h - the one hazard map (private to the library). Everything that
 * must not be placed over, or placed near, is assembled here, once, by one
 * function that the planner, gaps, check and unify all use, so that they
 * cannot disagree about where a virtual capability may go:
 *
 *  - the device as the kernel's vfio-pci shows it to the VMM
 *    (pcl_walk_vfio_view()): a capability vfio-pci hides is an orphan there
 *    whichever way the device was read, so the read path changes nothing;
 *  - its capabilities and orphans, suspected hidden registers (non-zero
 *    bytes no structure claims) and unread bytes (the map);
 *  - the reserved ranges of the quirks that match the device;
 *  - the free ranges its free-space DVSECs advertise;
 *  - the caller's ranges: reserved, or the user's --free list.
 */
#ifndef PCL_HAZARD_HAZARD_H
#define PCL_HAZARD_HAZARD_H

#include <pcilayout/hazard.h>
#include <pcilayout/dvsec.h>

#include "internal.h"

struct hazards {
	const struct pcl_cfg *cfg;   /* what was analysed: the view or the device */
	/* The walk of @cfg: the caller's, or one the device's cfg keeps
	 * (walk/memo.h); borrowed either way. */
	const struct pcl_walk *walk;
	/* Borrowed from the device's cfg when @borrowed (hazards_build()). */
	struct pcl_dvsec_scan *dscan;
	struct pcl_map *map;
	bool borrowed;
	/* Quirks that match the device, most specific first, then by name. */
	const struct pcl_layout **quirks;
	size_t n_quirks;
};

/*
 * Build the hazards of @cfg. @walk is a walk of @cfg the caller already
 * has, or NULL. Where no quirk and no caller adds a range, the map and
 * DVSEC scan are the ones @cfg keeps (made on first use, borrowed: a pure
 * function of the cfg, which the planner, check and gaps each ask for).
 * Returns 0, or a negative errno with @h emptied.
 */
int hazards_build(struct hazards *h, const struct pcl_cfg *cfg,
		  const struct pcl_walk *walk, const struct pcl_hazard_opts *o);
void hazards_fini(struct hazards *h);

/* The walk of the device as vfio-pci shows it in *@out: @walk itself when
 * that is what was walked, else the one its cfg keeps (borrowed). For a
 * PF, which needs no map. Returns 0 or -ENOMEM. */
int hazards_view(const struct pcl_walk *walk, const struct pcl_walk **out);

#endif /* PCL_HAZARD_HAZARD_H */
