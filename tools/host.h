/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host.h - what the running kernel says about a host beyond config space:
 * each function's IOMMU group, IOMMU and driver, and each IOMMU's PASID
 * support as its sysfs attributes give it (Intel VT-d ecap, AMD EFR). Read
 * under $PCILAYOUT_SYSFS when it is set, as the library reads config space
 * (a copy of a host's sysfs tree, for tests).
 */
#ifndef PCILAYOUT_HOST_H
#define PCILAYOUT_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* The sysfs mount point the tool reads: /sys or $PCILAYOUT_SYSFS. */
const char *host_sysfs(void);

/*
 * struct host_pasid - an IOMMU's PASID support, decoded from sysfs.
 * @known: false when the attributes do not say (then @width is 0).
 * @width: the Max PASID Width the IOMMU allows (out_max_pasid_log2 of
 *         IOMMU_GET_HW_INFO), 0 for no PASID support.
 * @why: the bits it was decoded from, in a sentence.
 */
struct host_pasid {
	bool known;
	int width;
	char why[384];
};

/*
 * Decode an Intel VT-d Extended Capability register as sysfs prints it
 * (intel-iommu/ecap, hex without 0x), or an AMD IOMMU's intel-iommu
 * counterpart amd-iommu/features ("EFR" or "X:Y", EFR and EFR2 in an order
 * that changed between kernel versions). Malformed text gives known=false.
 */
void host_decode_intel(const char *ecap, struct host_pasid *p);
void host_decode_amd(const char *features, struct host_pasid *p);

/*
 * The IOMMU @name (a directory of /sys/class/iommu): its attributes as the
 * kernel wrote them and its decoded PASID support, as a JSON object
 * {"name", "type", "attributes", "pasid"}; NULL with a reason in @why when
 * it cannot be read. @p, when not NULL, receives the decoded values.
 */
json_t *host_iommu_json(const char *name, struct host_pasid *p);

/* Names of every IOMMU of the host, sorted; NULL when there are none. */
json_t *host_iommu_names(void);

/*
 * Facts of the live function @slot ("dddd:bb:dd.f"): the name of its IOMMU
 * (the "iommu" link) into @iommu, its IOMMU group number (-1 when none)
 * and its driver into @driver ("" when none).
 */
void host_function(const char *slot, char *iommu, size_t isize, long *group,
		   char *driver, size_t dsize);

/*
 * The PASID support of the IOMMU that serves the live function @slot;
 * without an IOMMU, none (known, width 0).
 */
void host_function_pasid(const char *slot, struct host_pasid *p);

#endif /* PCILAYOUT_HOST_H */
