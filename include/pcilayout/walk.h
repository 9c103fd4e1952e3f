/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * walk.h - robust walk of a config space's standard chain (head at 0x34, or
 * 0x14 for a CardBus bridge) and extended chain (head at 0x100). The bytes are
 * untrusted: the walk never reads outside the image or into unread bytes,
 * never loops forever, never stops at the first problem, and reports every
 * anomaly as a finding. It also reports orphans: valid-looking extended
 * capability headers that no chain reaches (a capability the kernel
 * unlinked), because their bytes are occupied, not free.
 */
#ifndef PCILAYOUT_WALK_H
#define PCILAYOUT_WALK_H

#include <pcilayout/common.h>
#include <pcilayout/catalog.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;

/** struct pcl_walk - the result of walking one cfg (opaque, immutable). */
struct pcl_walk;

/* Flags of struct pcl_cap. */
#define PCL_CAP_ORPHAN         0x0001u /* reached by no chain */
#define PCL_CAP_LENGTH_UNKNOWN 0x0002u /* @length is a lower bound (header) */
#define PCL_CAP_TRUNCATED      0x0004u /* runs past the space or into unread bytes */
#define PCL_CAP_UNKNOWN_ID     0x0008u /* not in the catalogue */
#define PCL_CAP_OVERLAP        0x0010u /* overlaps another capability */

/**
 * struct pcl_cap - one capability found by the walk.
 * @space: an enum pcl_space value.
 * @version: extended capability version (bits 19:16); for the standard PCI
 *           Express capability its version field; else 0.
 * @id: capability ID.
 * @offset: where its header starts.
 * @length: its length in bytes (catalogue rule). When the length cannot be
 *          known, the header size (2 standard, 4 extended) and
 *          PCL_CAP_LENGTH_UNKNOWN is set.
 * @instance: 0 for the first capability of this (space, id) in chain order,
 *            1 for the second, ...; orphans count after chain members.
 * @flags: PCL_CAP_* bits.
 * @vendor: DVSEC: the DVSEC vendor ID; VSEC: the function's vendor ID; else 0.
 * @vsec_id: VSEC ID or DVSEC ID; else 0.
 * @vsec_rev: VSEC or DVSEC revision; else 0.
 * @next: the raw next pointer as read (before masking), 0 at the end.
 * @name: catalogue short name, or "unknown" (static string).
 */
struct pcl_cap {
	uint8_t space;
	uint8_t version;
	uint16_t id;
	uint16_t offset;
	uint16_t length;
	uint16_t instance;
	uint16_t flags;
	uint16_t vendor;
	uint16_t vsec_id;
	uint8_t vsec_rev;
	uint8_t reserved[3];
	uint16_t next;
	uint16_t reserved2;
	const char *name;
};

/**
 * pcl_walk_new() - walk both chains of @cfg.
 * @cfg: the config space (borrowed; must outlive the walk).
 *
 * Problems in the bytes are findings, not failures.
 *
 * Return: a new walk that the caller frees with pcl_walk_free(), or NULL
 * with errno ENOMEM (or EINVAL for a NULL @cfg).
 */
PCL_EXPORT struct pcl_walk *pcl_walk_new(const struct pcl_cfg *cfg);

/** pcl_walk_free() - free a walk. NULL is accepted. */
PCL_EXPORT void pcl_walk_free(struct pcl_walk *walk);

/** pcl_walk_cfg() - Return: the cfg that was walked (borrowed). */
PCL_EXPORT const struct pcl_cfg *pcl_walk_cfg(const struct pcl_walk *walk);

/**
 * pcl_walk_cap_count() - Return: number of capabilities reached by a chain:
 * the standard chain first, then the extended chain, each in chain order.
 */
PCL_EXPORT size_t pcl_walk_cap_count(const struct pcl_walk *walk);

/** pcl_walk_cap() - Return: capability @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_cap *pcl_walk_cap(const struct pcl_walk *walk,
					      size_t index);

/** pcl_walk_orphan_count() - Return: number of orphans, in offset order. */
PCL_EXPORT size_t pcl_walk_orphan_count(const struct pcl_walk *walk);

/** pcl_walk_orphan() - Return: orphan @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_cap *pcl_walk_orphan(const struct pcl_walk *walk,
						 size_t index);

/**
 * pcl_walk_cap_or_orphan() - capability @index of the chains followed by
 * the orphans: pcl_walk_cap(@index) below pcl_walk_cap_count(), else
 * orphan @index - pcl_walk_cap_count().
 * Return: the capability (borrowed), or NULL past the last orphan.
 */
PCL_EXPORT const struct pcl_cap *pcl_walk_cap_or_orphan(const struct pcl_walk *walk,
							size_t index);

/**
 * pcl_walk_find() - Return: the @instance-th chain capability with (@space,
 * @id), or NULL when there is none.
 */
PCL_EXPORT const struct pcl_cap *pcl_walk_find(const struct pcl_walk *walk,
					       int space, uint16_t id,
					       unsigned int instance);

/** pcl_walk_finding_count() - Return: number of findings, in walk order. */
PCL_EXPORT size_t pcl_walk_finding_count(const struct pcl_walk *walk);

/**
 * pcl_walk_finding() - Return: finding @index (borrowed), or NULL. Its
 * message is made on first use (the first call walks the bytes again).
 */
PCL_EXPORT const struct pcl_finding *pcl_walk_finding(const struct pcl_walk *walk,
						      size_t index);

/**
 * pcl_walk_finding_code() - the code of finding @index, without making the
 * messages: for callers that filter or compare findings by code.
 * Return: the code (static string), or NULL if @index is out of range.
 */
PCL_EXPORT const char *pcl_walk_finding_code(const struct pcl_walk *walk,
					     size_t index);

/**
 * pcl_walk_max_severity() - Return: the highest enum pcl_severity among the
 * findings, or -1 when there are none.
 */
PCL_EXPORT int pcl_walk_max_severity(const struct pcl_walk *walk);

/**
 * pcl_walk_vfio_view() - the config space as the kernel's vfio-pci shows it
 * to a VMM, predicted from a device read in full (sysfs as root, a dump).
 * @walk: the walk of the device (its cfg is copied, not changed).
 * @view: on success, a new cfg that the caller frees with pcl_cfg_free():
 *        the same bytes and source name, with every capability the kernel
 *        hides (pcl_catalog_vfio_hides()) unlinked from its chain as
 *        vfio_cap_init() and vfio_ecap_init() do - its bytes left in place,
 *        so it reads as an orphan; a hidden first extended capability
 *        becomes a Null placeholder (ID and version 0, next kept); a VF's
 *        header gets its real IDs, Interrupt Pin 0 and Command.Memory set.
 *        Only the part read from offset 0 on is kept.
 * @changed: optional; set to whether the view differs from the bytes walked
 *           (false for a device read through vfio-pci already).
 *
 * Planning from the view and from the device gives the same layout: the
 * planner sees hidden capabilities wherever they are found.
 *
 * Return: 0; -EINVAL (NULL arguments, or not even the header was read);
 * -ENOMEM.
 */
PCL_EXPORT int pcl_walk_vfio_view(const struct pcl_walk *walk,
				  struct pcl_cfg **view, bool *changed);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_WALK_H */
