/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * catalog.h - the capability catalogue: every standard (0x01-0x15) and
 * extended (0x0001-0x0034 and up) capability ID the library knows, its stable
 * short name (as used in JSON and layout files), its long name, and its
 * length rule: fixed, or computed from the capability's own registers.
 * Where a length cannot be known the catalogue says so; it never guesses.
 */
#ifndef PCILAYOUT_CATALOG_H
#define PCILAYOUT_CATALOG_H

#include <pcilayout/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;

/** enum pcl_space - which chain a capability lives in. */
enum pcl_space {
	PCL_SPACE_STANDARD = 0, /* 0x40..0xff, headed at 0x34 */
	PCL_SPACE_EXTENDED = 1, /* 0x100..0xfff, headed at 0x100 */
};

/** enum pcl_length_rule - how a capability's length is determined. */
enum pcl_length_rule {
	PCL_LEN_FIXED = 0,    /* always @length bytes */
	PCL_LEN_COMPUTED = 1, /* from the capability's registers */
	PCL_LEN_UNKNOWN = 2,  /* the catalogue cannot tell */
};

/**
 * struct pcl_capdef - one catalogue entry (static, never freed).
 * @id: capability ID.
 * @space: an enum pcl_space value.
 * @rule: an enum pcl_length_rule value.
 * @length: the length for PCL_LEN_FIXED; for PCL_LEN_COMPUTED the smallest
 *          length the rule can give; 0 for PCL_LEN_UNKNOWN.
 * @name: stable lower-case short name ("pm", "msix", "aer", "pasid"...).
 * @long_name: descriptive name ("Power Management").
 */
struct pcl_capdef {
	uint16_t id;
	uint8_t space;
	uint8_t rule;
	uint16_t length;
	uint16_t reserved;
	const char *name;
	const char *long_name;
};

/** pcl_catalog_lookup() - Return: the entry for (@space, @id), or NULL. */
PCL_EXPORT const struct pcl_capdef *pcl_catalog_lookup(int space, uint16_t id);

/**
 * pcl_catalog_lookup_name() - find an entry by short name within @space.
 * Return: the entry, or NULL when the name is not in that space.
 */
PCL_EXPORT const struct pcl_capdef *pcl_catalog_lookup_name(int space,
							     const char *name);

/** pcl_catalog_count() - Return: the number of entries of @space. */
PCL_EXPORT size_t pcl_catalog_count(int space);

/** pcl_catalog_get() - Return: entry @index of @space in ID order, or NULL. */
PCL_EXPORT const struct pcl_capdef *pcl_catalog_get(int space, size_t index);

/**
 * pcl_catalog_length() - the length of the capability at @offset of @cfg.
 * @cfg: the config space.
 * @space: an enum pcl_space value.
 * @id: the capability ID found at @offset.
 * @offset: where the capability starts.
 * @length: on success, its length in bytes (nominal length from the spec's
 *          register layout, e.g. 0x3c for a PCIe capability v2).
 *
 * Never reads outside the 4096-byte image and never reads unread bytes.
 *
 * Return: 0; -ENOENT when @id is not in the catalogue; -ENODATA when the
 * rule needs bytes that were not read or the length is unknowable for this
 * ID; -ERANGE when the registers give a length that is impossible (e.g. a
 * VSEC length smaller than its header).
 */
PCL_EXPORT int pcl_catalog_length(const struct pcl_cfg *cfg, int space,
				  uint16_t id, uint32_t offset,
				  uint32_t *length);

/**
 * pcl_catalog_vfio_hides() - whether the kernel's vfio-pci unlinks (@space,
 * @id) from the chain a VMM reads (its length tables give 0, or have no
 * entry: an allow-list, so IDs newer than the kernel's tables are hidden
 * too). The capability's bytes stay in place and readable.
 */
PCL_EXPORT bool pcl_catalog_vfio_hides(int space, uint16_t id);

/** pcl_space_name() - Return: "standard" or "extended" (static). */
PCL_EXPORT const char *pcl_space_name(int space);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_CATALOG_H */
