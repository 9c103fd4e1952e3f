/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio.h - opening a PCI function through VFIO, for tools and VMMs that do
 * not manage VFIO file descriptors themselves. A VMM that has its own
 * device fd passes it straight to pcl_cfg_read_vfio() and
 * pcl_backend_vfio_new() instead.
 *
 * Two ways in, as the kernel offers them:
 *  - a PCI address: the function's IOMMU group (/dev/vfio/N, or
 *    /dev/vfio/noiommu-N) attached to a new type1 container, then
 *    VFIO_GROUP_GET_DEVICE_FD;
 *  - a device cdev path (/dev/vfio/devices/vfioN, Linux 6.6 and later):
 *    opened and bound to a new iommufd (/dev/iommu).
 * Config-space access needs no DMA mapping, so neither way maps memory.
 */
#ifndef PCILAYOUT_VFIO_H
#define PCILAYOUT_VFIO_H

#include <pcilayout/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct pcl_vfio - an open VFIO device and what keeps it open (opaque). */
struct pcl_vfio;

/**
 * pcl_vfio_open() - open a function through VFIO.
 * @ctx: library context (borrowed; must outlive the handle).
 * @spec: a PCI address "[dddd:]bb:dd.f", or the path of a VFIO device
 *        cdev ("/dev/vfio/devices/vfio0").
 * @vfio: on success, a handle that the caller closes with pcl_vfio_close().
 * @err: optional; on failure says which precondition is missing and what
 *       to do about it: the function does not exist (-ENODEV), vfio-pci
 *       is not loaded (-ENOENT), the function is bound to no driver
 *       (-ENXIO) or to another one (-EBUSY), it has no IOMMU group
 *       (-ENODEV), its group is in use or not viable (-EBUSY), permission
 *       is denied (-EACCES), the IOMMU cannot remap interrupts (-EPERM).
 *
 * Return: 0 or a negative errno as above (-EINVAL for a malformed @spec,
 * -ENOMEM).
 */
PCL_EXPORT int pcl_vfio_open(struct pcl_ctx *ctx, const char *spec,
			     struct pcl_vfio **vfio, struct pcl_error *err);

/**
 * pcl_vfio_device_fd() - Return: the VFIO device file descriptor (owned by
 * @vfio: valid until pcl_vfio_close(); do not close it), or -1 for NULL.
 */
PCL_EXPORT int pcl_vfio_device_fd(const struct pcl_vfio *vfio);

/**
 * pcl_vfio_address() - Return: the function's address "dddd:bb:dd.f"
 * (borrowed), or NULL when a cdev's function could not be found in sysfs.
 */
PCL_EXPORT const char *pcl_vfio_address(const struct pcl_vfio *vfio);

/** pcl_vfio_close() - close the device and its group, container or iommufd. */
PCL_EXPORT void pcl_vfio_close(struct pcl_vfio *vfio);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_VFIO_H */
