/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dvsec.h - the free-space DVSEC: a Designated Vendor-Specific Extended
 * Capability (extended id 0x0023) in which a device's firmware, or a
 * vfio-pci variant driver in its virtual config space, lists the parts of
 * config space that nothing uses, so that a VMM can place virtual
 * capabilities there without guessing. docs/dvsec-free-space.md is the
 * specification; this header encodes, decodes, finds and injects it.
 *
 * Advertised ranges travel as struct pcl_range (kind PCL_RANGE_FREE) so they
 * can be handed straight to pcl_map_new(), which decides whether each one is
 * trusted (a range over a capability, an orphan or a non-zero byte is not).
 * This stage only decides whether a structure is well formed.
 */
#ifndef PCILAYOUT_DVSEC_H
#define PCILAYOUT_DVSEC_H

#include <pcilayout/common.h>
#include <pcilayout/map.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;
struct pcl_cap;
struct pcl_walk;

/** PCL_DVSEC_CAP_ID - the extended capability id of every DVSEC. */
#define PCL_DVSEC_CAP_ID 0x0023u

/*
 * The provisional DVSEC vendor and id, used until a vendor assigns a real
 * DVSEC id to this structure. 0xffff is a vendor id nobody owns, so the
 * pair cannot collide with any assigned DVSEC, and lspci shows at a glance
 * that the structure is provisional.
 */
#define PCL_DVSEC_FREE_VENDOR 0xffffu
#define PCL_DVSEC_FREE_ID 0x0000u

/** PCL_DVSEC_FREE_SIGNATURE - the 4 bytes at +0x0c of every free-space DVSEC. */
#define PCL_DVSEC_FREE_SIGNATURE "PCFS"
/** PCL_DVSEC_FREE_FORMAT - the format revision (byte at +0x0a) defined here. */
#define PCL_DVSEC_FREE_FORMAT 1u
/** PCL_DVSEC_FREE_HEADER_SIZE - bytes before the range table. */
#define PCL_DVSEC_FREE_HEADER_SIZE 16u
/** PCL_DVSEC_FREE_ENTRY_SIZE - bytes per range entry (one dword). */
#define PCL_DVSEC_FREE_ENTRY_SIZE 4u
/** PCL_DVSEC_FREE_MAX_RANGES - the count is one byte. */
#define PCL_DVSEC_FREE_MAX_RANGES 255u
/** PCL_DVSEC_FREE_SIZE() - DVSEC Length of a structure with @n ranges. */
#define PCL_DVSEC_FREE_SIZE(n) (PCL_DVSEC_FREE_HEADER_SIZE + \
				PCL_DVSEC_FREE_ENTRY_SIZE * (uint32_t)(n))

/*
 * Usage flags of an advertised range, carried in struct pcl_range.flags
 * (bits 8..15 belong to this stage; the map owns bits 0..7). On the wire
 * they are bits 31:24 of the range entry, shifted down by 16.
 */
#define PCL_RANGE_VCAP_ONLY 0x0100u /* only capability structures, emulated */
#define PCL_RANGE_STABLE 0x0200u    /* free on every firmware of the model */
#define PCL_RANGE_DVSEC_FLAGS (PCL_RANGE_VCAP_ONLY | PCL_RANGE_STABLE)

/**
 * struct pcl_dvsec_id - a DVSEC vendor and DVSEC id pair.
 * @vendor: DVSEC Vendor ID (Header 1 bits 15:0).
 * @id: DVSEC ID (Header 2 bits 15:0).
 */
struct pcl_dvsec_id {
	uint16_t vendor;
	uint16_t id;
};

/**
 * pcl_dvsec_check_ranges() - check a range list against the format rules.
 * @ranges: the ranges (kind is ignored; flags may hold PCL_RANGE_VCAP_ONLY
 *          and PCL_RANGE_STABLE, any other bit but PCL_RANGE_UNTRUSTED is
 *          an error).
 * @count: number of @ranges, 0..PCL_DVSEC_FREE_MAX_RANGES.
 * @at: where the DVSEC will sit (its first byte), or -1 when not known
 *      yet; a known @at must be dword-aligned in 0x100..0xfff with room
 *      for the whole structure, and no range may cover it.
 * @err: optional; on failure says which range (@column = its 1-based
 *       index) and why, with @offset set to the range's start.
 *
 * The rules (docs/dvsec-free-space.md §4): each range starts and ends on a
 * dword boundary, lies inside 0x40..0xff or 0x100..0xfff without crossing
 * 0x100, is at most 0xf00 bytes; the list is sorted by start and no two
 * ranges overlap.
 *
 * Return: 0 or -EINVAL.
 */
PCL_EXPORT int pcl_dvsec_check_ranges(const struct pcl_range *ranges,
				      size_t count, int32_t at,
				      struct pcl_error *err);

/**
 * pcl_dvsec_encode() - the bytes of a free-space DVSEC.
 * @ranges: the free ranges, checked with pcl_dvsec_check_ranges().
 * @count: number of @ranges.
 * @ident: DVSEC vendor and id; NULL means the provisional pair.
 * @at: as for pcl_dvsec_check_ranges(); only checked, not encoded.
 * @buf: destination; its first PCL_DVSEC_FREE_SIZE(@count) bytes are
 *       written. The next pointer is 0: the caller links the structure.
 * @size: size of @buf.
 * @len: optional; receives PCL_DVSEC_FREE_SIZE(@count), also on -ENOSPC.
 * @err: optional.
 *
 * Return: 0, -EINVAL (a range breaks a rule) or -ENOSPC (@buf too small).
 */
PCL_EXPORT int pcl_dvsec_encode(const struct pcl_range *ranges, size_t count,
				const struct pcl_dvsec_id *ident, int32_t at,
				uint8_t *buf, size_t size, size_t *len,
				struct pcl_error *err);

/* Flags of pcl_dvsec_decode() and struct pcl_dvsec_opts. */
#define PCL_DVSEC_ANY_ID 0x0001u /* recognize by signature under any pair */

/**
 * pcl_dvsec_decode() - decode and validate one DVSEC found by the walk.
 * @cfg: the config space the walk was made of.
 * @cap: a capability of that walk (any; non-DVSECs are "not ours").
 * @accept: the vendor/id pairs to recognize; NULL with @naccept 0 means
 *          the provisional pair only.
 * @naccept: number of @accept entries.
 * @flags: PCL_DVSEC_ANY_ID to recognize the signature under any pair.
 * @ranges: destination of PCL_DVSEC_FREE_MAX_RANGES entries; on success
 *          the decoded ranges (kind PCL_RANGE_FREE, source "dvsec" -
 *          a static string, reason NULL).
 * @count: on success, the number of @ranges filled.
 * @why: optional; receives a finding when the DVSEC is ignored or worth a
 *       note (code NULL when there is nothing to say). Its message points
 *       into @msg.
 * @msg: buffer for the finding's message.
 * @msgsize: size of @msg.
 *
 * Reads only bytes of the structure (as its DVSEC Length gives it) that
 * are inside the 4096-byte space and were really read; a structure that
 * claims more is "truncated", never read past.
 *
 * Return: 0 for a well-formed free-space DVSEC; -ENOMSG when @cap is not
 * one (another DVSEC, another vendor/id pair, no signature: @why may hold
 * an info finding); -EBADMSG when it is one but malformed (@why holds an
 * error finding: "dvsec-free-truncated", "-length", "-format", "-align",
 * "-bounds", "-order" or "-self"); -EINVAL for bad arguments.
 */
PCL_EXPORT int pcl_dvsec_decode(const struct pcl_cfg *cfg,
				const struct pcl_cap *cap,
				const struct pcl_dvsec_id *accept,
				size_t naccept, uint32_t flags,
				struct pcl_range *ranges, size_t *count,
				struct pcl_finding *why, char *msg,
				size_t msgsize);

/**
 * struct pcl_dvsec_opts - what pcl_dvsec_scan_new() recognizes.
 * @accept: vendor/id pairs; NULL with @naccept 0 means the provisional one.
 * @naccept: number of @accept entries.
 * @flags: PCL_DVSEC_ANY_ID.
 */
struct pcl_dvsec_opts {
	const struct pcl_dvsec_id *accept;
	size_t naccept;
	uint32_t flags;
};

/** enum pcl_dvsec_status - what became of one free-space DVSEC. */
enum pcl_dvsec_status {
	PCL_DVSEC_VALID = 0,     /* well formed; its ranges are offered */
	PCL_DVSEC_MALFORMED = 1, /* ignored entirely: see @code/@message */
	PCL_DVSEC_CONFLICT = 2,  /* well formed, but overlaps another one */
};

/**
 * struct pcl_dvsec_info - one free-space DVSEC of a scan.
 * @offset: where it starts.
 * @length: its DVSEC Length field.
 * @vendor: DVSEC Vendor ID.
 * @id: DVSEC ID.
 * @dvsec_rev: DVSEC Revision (Header 1 bits 19:16; not used by readers).
 * @format: format revision byte (+0x0a), or 0 when it could not be read.
 * @declared: the range count byte (+0x0b), or 0 when it could not be read.
 * @status: an enum pcl_dvsec_status value.
 * @ranges: for VALID and CONFLICT, its decoded ranges; else NULL.
 * @range_count: number of @ranges.
 * @code: for MALFORMED and CONFLICT the finding code, else NULL (static).
 * @message: the finding's message, or NULL.
 */
struct pcl_dvsec_info {
	uint16_t offset;
	uint16_t length;
	uint16_t vendor;
	uint16_t id;
	uint8_t dvsec_rev;
	uint8_t format;
	uint8_t declared;
	uint8_t status;
	const struct pcl_range *ranges;
	size_t range_count;
	const char *code;
	const char *message;
};

/** struct pcl_dvsec_scan - every free-space DVSEC of a walk (opaque). */
struct pcl_dvsec_scan;

/**
 * pcl_dvsec_scan_new() - find and decode every free-space DVSEC of a walk.
 * @walk: the walk (borrowed; it and its cfg must outlive the scan).
 * @opts: what to recognize; NULL means the provisional pair only.
 *
 * Only DVSECs reached by the extended chain count; one found among the
 * orphans (unlinked, for instance hidden by vfio-pci) is noted with an
 * info finding and not used. The ranges of the well-formed ones are
 * merged; when two of them advertise overlapping ranges, neither is used
 * ("dvsec-free-conflict"), since at least one of them is wrong.
 *
 * Return: a new scan freed with pcl_dvsec_scan_free(), or NULL with errno
 * EINVAL or ENOMEM. Finding nothing is not an error.
 */
PCL_EXPORT struct pcl_dvsec_scan *
pcl_dvsec_scan_new(const struct pcl_walk *walk,
		   const struct pcl_dvsec_opts *opts);

/** pcl_dvsec_scan_free() - free a scan. NULL is accepted. */
PCL_EXPORT void pcl_dvsec_scan_free(struct pcl_dvsec_scan *scan);

/** pcl_dvsec_scan_count() - Return: free-space DVSECs found, chain order. */
PCL_EXPORT size_t pcl_dvsec_scan_count(const struct pcl_dvsec_scan *scan);

/** pcl_dvsec_scan_get() - Return: DVSEC @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_dvsec_info *
pcl_dvsec_scan_get(const struct pcl_dvsec_scan *scan, size_t index);

/**
 * pcl_dvsec_scan_ranges() - the advertised ranges of every VALID DVSEC,
 * sorted by start, kind PCL_RANGE_FREE, source "dvsec@0xOFF" (the DVSEC
 * that says so), ready for pcl_map_new(), which decides trust.
 * @scan: the scan.
 * @count: receives the number of ranges.
 *
 * Return: the ranges (borrowed, valid as long as @scan), or NULL when
 * @count is 0.
 */
PCL_EXPORT const struct pcl_range *
pcl_dvsec_scan_ranges(const struct pcl_dvsec_scan *scan, size_t *count);

/** pcl_dvsec_scan_finding_count() - Return: number of findings. */
PCL_EXPORT size_t pcl_dvsec_scan_finding_count(const struct pcl_dvsec_scan *scan);

/** pcl_dvsec_scan_finding() - Return: finding @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_finding *
pcl_dvsec_scan_finding(const struct pcl_dvsec_scan *scan, size_t index);

/* Flags of struct pcl_dvsec_inject_opts. */
#define PCL_DVSEC_INJECT_UNCHECKED 0x0001u /* skip the trust check (fixtures) */

/**
 * struct pcl_dvsec_inject_opts - how pcl_dvsec_inject() builds the DVSEC.
 * @ident: the DVSEC vendor/id; {0, 0} means the provisional pair.
 * @at: where to put it (dword-aligned, 0x100..0xfff), or -1 to choose.
 * @flags: PCL_DVSEC_INJECT_*.
 */
struct pcl_dvsec_inject_opts {
	struct pcl_dvsec_id ident;
	int32_t at;
	uint32_t flags;
};

/**
 * pcl_dvsec_inject() - a copy of a config space with a free-space DVSEC
 * linked into its extended chain: what a vfio-pci variant driver would
 * show in its virtual config space.
 * @walk: the walk of the source config space (neither is modified).
 * @ranges: the ranges to advertise (see pcl_dvsec_check_ranges()).
 * @count: number of @ranges.
 * @opts: NULL for the provisional pair and automatic placement.
 * @out: on success, a new cfg (free with pcl_cfg_free()) with the same
 *       source name and VF marking.
 * @at: optional; receives where the DVSEC was put.
 * @err: optional; says why not.
 *
 * The whole config space must have been read. The DVSEC goes into a
 * dword-aligned window whose bytes are unclaimed zeros (occupancy map) and
 * lie outside every advertised range; automatic placement takes the best
 * window of pcl_map_gaps() (deterministic). It is linked from the tail of
 * the extended chain; a space without extended capabilities gets it at
 * 0x100, or a Null capability at 0x100 pointing to it. Unless
 * PCL_DVSEC_INJECT_UNCHECKED, the result is walked, scanned and mapped
 * again, and every advertised range must come back trusted.
 *
 * Return: 0; -EINVAL (bad ranges or @at, space not fully read, the
 * extended chain does not end cleanly, a range is not free); -ENOSPC (no
 * room for the DVSEC); -ENOMEM.
 */
PCL_EXPORT int pcl_dvsec_inject(const struct pcl_walk *walk,
				const struct pcl_range *ranges, size_t count,
				const struct pcl_dvsec_inject_opts *opts,
				struct pcl_cfg **out, uint32_t *at,
				struct pcl_error *err);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_DVSEC_H */
