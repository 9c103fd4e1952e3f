/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * walk-internal.h - private to lib/walk: what the walker needs from the
 * catalogue beyond the public API. The public pcl_catalog_length() folds
 * "bytes not read" and "unknowable" into -ENODATA; the walker must tell them
 * apart to emit length-unread or length-unknown.
 */
#ifndef PCL_WALK_INTERNAL_H
#define PCL_WALK_INTERNAL_H

#include <stdint.h>

#include "internal.h"

/*
 * Like pcl_catalog_length(), but -EOPNOTSUPP when the catalogue cannot know
 * the length (PCL_LEN_UNKNOWN, or a computed rule meeting a sub-type it does
 * not describe), -ENODATA only when a register it needs was not read, and
 * -ERANGE when the registers give an impossible length or lie outside the
 * capability's space.
 */
int pcl_catalog_measure(const struct pcl_cfg *cfg, int space, uint16_t id,
			uint32_t offset, uint32_t *length);

/* Highest capability version that is plausible for (@space, @id); 0 if none. */
unsigned int pcl_catalog_max_version(int space, uint16_t id);

/*
 * Offset of the PCI Express capability found by a bounded walk of the
 * standard chain, or 0 when there is none or it cannot be reached.
 */
uint32_t pcl_cfg_find_exp(const struct pcl_cfg *cfg);

#endif /* PCL_WALK_INTERNAL_H */
