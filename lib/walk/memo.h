/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memo.h - the walk and the vfio-pci view that a cfg keeps (private to the
 * library). The planner, the hazard map, check and the guest builder all
 * start from the device's walk and from the device as vfio-pci shows it; a
 * caller that plans, checks and builds the same cfg had each of them walk
 * it and predict its view again (about ten walks an input in fuzz_walk).
 * These are pure functions of the cfg's bytes, read map and identity, so
 * the cfg keeps them (pcl_cfg_lazy()) and everyone borrows the same ones.
 * pcl_walk_new() still makes a walk of its own each time: a caller owns
 * what it gets, and fuzz_walk checks that two walks agree.
 */
#ifndef PCL_WALK_MEMO_H
#define PCL_WALK_MEMO_H

#include <pcilayout/cfg.h>
#include <pcilayout/walk.h>

/*
 * pcl_cfg_walk() - Return: @cfg's walk (borrowed: it lives as long as
 * @cfg), or NULL with errno ENOMEM.
 */
const struct pcl_walk *pcl_cfg_walk(const struct pcl_cfg *cfg);

/*
 * pcl_cfg_view_walk() - the walk of @cfg as vfio-pci shows it
 * (pcl_walk_vfio_view() of pcl_cfg_walk(@cfg)), borrowed like it, in
 * *@out; NULL there when the view is the device as read, or when there is
 * no header to predict it from. Return: 0, or -ENOMEM.
 */
int pcl_cfg_view_walk(const struct pcl_cfg *cfg, const struct pcl_walk **out);

#endif /* PCL_WALK_MEMO_H */
