/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vcap.h - virtual capabilities: the structures a VMM synthesizes for its
 * guest instead of passing the device's own through (a virtual PASID for a
 * VF, whose PF's PASID configuration is shared; a Device Serial Number; a
 * Null capability anchoring the extended chain; literal bytes).
 *
 * Each kind of virtual capability is one generator in one table inside the
 * library (lib/vcap/): its capability ID, space and length, the JSON codec
 * of its parameters in a layout file, how its parameters are derived from
 * the device, its PF and the IOMMU, how a device is verified against them,
 * and the bytes and access rules it gives the guest. The planner, the
 * layout file, check, diff, unify and the guest view all go through that
 * table; none of them knows a virtual capability's registers.
 *
 * A virtual entry (struct pcl_layout_entry, kind PCL_ENTRY_VIRTUAL) holds
 * its generator and up to %PCL_VCAP_MAX_PARAMS parameters, indexed by the
 * constants below. Parameters a generator does not define are 0.
 */
#ifndef PCILAYOUT_VCAP_H
#define PCILAYOUT_VCAP_H

#include <pcilayout/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_layout_entry;

/** enum pcl_generator - how a virtual entry's bytes are made. */
enum pcl_generator {
	PCL_GEN_NONE = 0,  /* not virtual */
	PCL_GEN_PASID = 1, /* extended PASID capability (8 bytes) */
	PCL_GEN_DSN = 2,   /* extended Device Serial Number (12 bytes) */
	PCL_GEN_NULL = 3,  /* Null capability (2 bytes standard, 4 extended) */
	PCL_GEN_BYTES = 4, /* literal bytes, header included */
};

/** PCL_VCAP_MAX_PARAMS - parameters a virtual entry can hold. */
#define PCL_VCAP_MAX_PARAMS 4

/** enum pcl_pasid_param - parameters of PCL_GEN_PASID (layout keys). */
enum pcl_pasid_param {
	PCL_PASID_MAX_WIDTH = 0, /* "max_width": Max PASID Width, 0..20 */
	PCL_PASID_EXEC = 1,      /* "exec": Execute Permission Supported, 0/1 */
	PCL_PASID_PRIV = 2,      /* "priv": Privileged Mode Supported, 0/1 */
};

/** enum pcl_dsn_param - parameters of PCL_GEN_DSN (layout key "serial"). */
enum pcl_dsn_param {
	PCL_DSN_FROM_PF = 0, /* 1: the PF's serial, taken when the view is built */
	PCL_DSN_SERIAL = 1,  /* the serial when PCL_DSN_FROM_PF is 0 */
};

/** pcl_generator_name() - Return: "pasid", "dsn", "null", "bytes" or NULL. */
PCL_EXPORT const char *pcl_generator_name(int generator);

/**
 * pcl_vcap_describe() - a virtual entry's generator and parameters in
 * words, as layout files spell them: "pasid max_width 16, exec true, priv
 * false", "dsn serial from-pf", "bytes (12 bytes)".
 * @e: the entry (any kind: physical and hidden ones give "").
 * @buf: destination, always NUL-terminated when @size > 0.
 * @size: size of @buf.
 *
 * Return: @buf.
 */
PCL_EXPORT const char *pcl_vcap_describe(const struct pcl_layout_entry *e,
					 char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_VCAP_H */
