/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest-internal.h - the guest view's representation, shared by the table
 * code, the builder and the engine. Nothing here is exported.
 */
#ifndef PCL_GUEST_INTERNAL_H
#define PCL_GUEST_INTERNAL_H

#include <pcilayout/image.h>
#include <pcilayout/vdev.h>

struct pcl_guest_hook {
	uint8_t hook;   /* enum pcl_hook */
	uint8_t width;  /* 1, 2 or 4 */
	uint16_t offset;
};

struct pcl_guest {
	struct pcl_ctx *ctx;
	uint8_t image[PCL_CFG_SIZE];
	struct pcl_guest_rule rule[PCL_CFG_SIZE];
	/* End (exclusive) of the segment holding each byte. */
	uint16_t seg_end[PCL_CFG_SIZE];
	struct pcl_guest_hook hooks[PCL_GUEST_MAX_HOOKS];
	uint32_t nhooks;
	char fingerprint[PCL_GUEST_FINGERPRINT_SIZE];
};

/* Check one rule on its own and against the view's hooks (for byte @off). */
int pcl_guest_rule_check(const struct pcl_guest *g, uint32_t off,
			 const struct pcl_guest_rule *r);

/*
 * SHA-256 over the access table (rules, segments, hooks) and the initial
 * image, in a fixed little-endian serialization: two engines whose digests
 * are equal behave identically for the same device.
 */
void pcl_guest_digest(const struct pcl_guest *g, uint8_t out[32]);

/* CRC-32 (IEEE 802.3, reflected, as zlib) of @len bytes, continuing @crc. */
uint32_t pcl_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * The VFIO backend with an injectable ioctl, so tests can drive it with a
 * regular file standing in for the device fd.
 */
struct pcl_backend *pcl_backend_vfio_new_with(int fd, pcl_ioctl_fn ioctl_fn,
					      struct pcl_error *err);

#endif /* PCL_GUEST_INTERNAL_H */
