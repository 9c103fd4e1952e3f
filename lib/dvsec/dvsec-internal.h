/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dvsec-internal.h - what format.c shares with scan.c and inject.c.
 */
#ifndef PCL_DVSEC_INTERNAL_H
#define PCL_DVSEC_INTERNAL_H

#include <pcilayout/dvsec.h>

/*
 * Check @ranges against the format rules for a DVSEC of @size bytes at @at
 * (-1: unknown). Return: NULL when they hold, else a finding code with the
 * reason in @msg and the index of the offending range in @bad.
 */
const char *pcl_dvsec_check(const struct pcl_range *ranges, size_t count,
			    int32_t at, uint32_t size, char *msg,
			    size_t msgsize, size_t *bad);

/* Whether (@vendor, @id) is in @accept (or is the provisional pair). */
bool pcl_dvsec_accepts(const struct pcl_dvsec_id *accept, size_t naccept,
		       uint16_t vendor, uint16_t id);

#endif /* PCL_DVSEC_INTERNAL_H */
