/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcilayout.h - libpcilayout: stable, explainable PCI config-space layouts for
 * devices assigned to virtual machines. The one header a user includes; it
 * pulls in each stage's header in the order the stages depend on each other
 * (docs/design.md, "Stages"; tests/cli/stages.sh keeps it true):
 *
 *   core -> source (cfg, vfio) -> walk (catalog) -> map -> dvsec -> vcap
 *        -> layout -> quirks -> hazard -> plan -> guest (image, vdev) -> compat
 *
 * regs.h names the PCI registers every stage reads.
 * Conventions are described in <pcilayout/common.h>.
 */
#ifndef PCILAYOUT_PCILAYOUT_H
#define PCILAYOUT_PCILAYOUT_H

#include <pcilayout/common.h>
#include <pcilayout/regs.h>
#include <pcilayout/cfg.h>
#include <pcilayout/vfio.h>
#include <pcilayout/catalog.h>
#include <pcilayout/walk.h>
#include <pcilayout/map.h>
#include <pcilayout/dvsec.h>
#include <pcilayout/vcap.h>
#include <pcilayout/layout.h>
#include <pcilayout/quirks.h>
#include <pcilayout/hazard.h>
#include <pcilayout/plan.h>
#include <pcilayout/image.h>
#include <pcilayout/vdev.h>
#include <pcilayout/compat.h>

#endif /* PCILAYOUT_PCILAYOUT_H */
