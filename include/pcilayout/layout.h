/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * layout.h - the layout file, format 1 (docs/layout-format.md): a guest view
 * of a device's config space, independent of where the physical device puts
 * its capabilities, or a quirk (match + reserved ranges + preferred
 * placements + hide/keep lists). Load it strictly (every error with its
 * file:line:column), build it programmatically (the planner), validate it,
 * write it in its one canonical form, and fingerprint it.
 *
 * A struct pcl_layout is a value: loading or building gives one, every
 * accessor only reads, and entries are always kept in canonical order
 * (presented entries by guest offset, then hidden entries by selector), so
 * two layouts with the same content iterate identically.
 */
#ifndef PCILAYOUT_LAYOUT_H
#define PCILAYOUT_LAYOUT_H

#include <stdio.h>

#include <pcilayout/common.h>
#include <pcilayout/walk.h>
#include <pcilayout/catalog.h>
#include <pcilayout/vcap.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * PCL_LAYOUT_FORMAT - the newest format version this library reads and
 * writes. It writes each file in the lowest version able to express it
 * (pcl_layout_format()), so format-1 readers keep reading every layout
 * that uses no format-2 feature.
 */
#define PCL_LAYOUT_FORMAT 2

/** PCL_LAYOUT_MAX_SIZE - larger inputs are refused before parsing (1 MiB). */
#define PCL_LAYOUT_MAX_SIZE (1024 * 1024)

/** PCL_FINGERPRINT_SIZE - "sha256:" + 64 hex digits + NUL. */
#define PCL_FINGERPRINT_SIZE 72

/** struct pcl_layout - a loaded or built layout or quirk (opaque). */
struct pcl_layout;

/** enum pcl_layout_kind - what a file describes ("kind" key). */
enum pcl_layout_kind {
	PCL_LAYOUT_KIND_LAYOUT = 0, /* a full guest view */
	PCL_LAYOUT_KIND_QUIRK = 1,  /* device facts for the planner */
};

/** enum pcl_entry_kind - where an entry's bytes come from. */
enum pcl_entry_kind {
	PCL_ENTRY_PHYSICAL = 0, /* a device capability, maybe relocated */
	PCL_ENTRY_VIRTUAL = 1,  /* synthesized by a generator */
	PCL_ENTRY_HIDDEN = 2,   /* a device capability the guest must not see */
};

/**
 * enum pcl_links - how a layout links each chain ("links" key, format 2).
 * @PCL_LINKS_ASCENDING: by ascending guest offset (format 1's only order).
 * @PCL_LINKS_LISTED: in the order the entries are listed, the device's own
 * link order as vfio-pci and QEMU keep it; pcl_layout_entry() returns
 * presented entries in that order.
 */
enum pcl_links {
	PCL_LINKS_ASCENDING = 0,
	PCL_LINKS_LISTED = 1,
};

/** enum pcl_unclaimed - bytes outside every presented entry. */
enum pcl_unclaimed {
	PCL_UNCLAIMED_PASSTHROUGH = 0, /* raw device access (vfio-pci's default) */
	PCL_UNCLAIMED_ZERO = 1,        /* read 0, writes dropped */
	PCL_UNCLAIMED_ONES = 2,        /* read all ones, writes dropped */
};

/** enum pcl_prov_rule - which rule of the planner decided an entry. */
enum pcl_prov_rule {
	PCL_PROV_NONE = 0, /* no provenance recorded */
	PCL_PROV_USER = 1,
	PCL_PROV_DATABASE = 2,
	PCL_PROV_QUIRK = 3,
	PCL_PROV_DVSEC = 4,
	PCL_PROV_GAP = 5,
	PCL_PROV_PHYSICAL = 6,
	PCL_PROV_DEFAULT = 7,
};

/**
 * struct pcl_layout_entry - one entry of a chain.
 * @space: an enum pcl_space value.
 * @kind: an enum pcl_entry_kind value.
 * @id: capability ID (8 bits in the standard space, 16 in the extended).
 * @at: guest offset; -1 for hidden entries.
 * @length: bytes the entry covers in the guest. On add, 0 means "the
 *          default for @id" (an error when @id has none); virtual entries'
 *          lengths always come from their generator.
 * @phys: physical entries: the physical offset the capability must be at,
 *        or -1 for "wherever the device has it".
 * @instance: which of several capabilities with the same selectors (0 =
 *            first in chain order).
 * @vendor: VSEC/DVSEC vendor selector, or -1.
 * @vsec_id: VSEC/DVSEC ID selector, or -1.
 * @generator: an enum pcl_generator value (virtual entries only).
 * @prov_rule: an enum pcl_prov_rule value.
 * @params: the generator's parameters, indexed as <pcilayout/vcap.h> says
 *          (e.g. params[PCL_PASID_MAX_WIDTH]); 0 where it defines none.
 * @data: PCL_GEN_BYTES: the capability's bytes from its header (@length
 *        bytes); copied on add; in returned entries owned by the layout.
 * @prov_reason: provenance text (copied on add; NULL when none).
 * @line: 1-based line of the entry's opening brace in its file, 0 when
 *        built in memory.
 * @column: 1-based column of that brace, 0 when built in memory.
 *
 * Initialize with pcl_layout_entry_init() before filling, so that fields
 * added later get their neutral values.
 */
struct pcl_layout_entry {
	uint8_t space;
	uint8_t kind;
	uint16_t id;
	int32_t at;
	uint32_t length;
	int32_t phys;
	uint32_t instance;
	int32_t vendor;
	int32_t vsec_id;
	uint8_t generator;
	uint8_t prov_rule;
	uint8_t reserved[2]; /* explicit padding: params are 8-aligned */
	uint64_t params[PCL_VCAP_MAX_PARAMS];
	const uint8_t *data;
	const char *prov_reason;
	uint32_t line;
	uint32_t column;
};

/** pcl_layout_entry_init() - set @e to a physical entry with no selectors. */
PCL_EXPORT void pcl_layout_entry_init(struct pcl_layout_entry *e);

/* Bits of struct pcl_layout_match.fields: which optional fields are set. */
#define PCL_MATCH_DEVICE           0x01u
#define PCL_MATCH_SUBSYSTEM_VENDOR 0x02u
#define PCL_MATCH_SUBSYSTEM        0x04u
#define PCL_MATCH_REVISION         0x08u
#define PCL_MATCH_CLASS            0x10u

/**
 * struct pcl_layout_match - which devices a layout or quirk applies to.
 * @present: 0 when the file has no "match" (a layout for any device).
 * @fields: PCL_MATCH_* bits; @vendor is always compared when @present.
 * @vendor: vendor ID.
 * @device: device ID.
 * @subsystem_vendor: subsystem vendor ID.
 * @subsystem: subsystem ID.
 * @revision: revision ID.
 * @class_code: 24-bit class code (base, sub, prog-if).
 */
struct pcl_layout_match {
	uint32_t present;
	uint32_t fields;
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem;
	uint32_t revision;
	uint32_t class_code;
};

/**
 * struct pcl_layout_reserved - bytes nothing may be placed on.
 * @offset: first byte (0x40..0xfff).
 * @length: number of bytes; the range stays within one space.
 * @reason: why (never NULL in a valid layout).
 * @source: where the fact comes from, or NULL.
 * @line: line of the range in its file, 0 when built in memory.
 * @column: column of the range in its file, 0 when built in memory.
 */
struct pcl_layout_reserved {
	uint32_t offset;
	uint32_t length;
	const char *reason;
	const char *source;
	uint32_t line;
	uint32_t column;
};

/**
 * pcl_layout_new() - an empty layout or quirk to fill programmatically.
 * @ctx: library context (borrowed; must outlive the layout).
 * @kind: an enum pcl_layout_kind value.
 *
 * A new layout has revision 1, no name, "passthrough" for unclaimed bytes
 * and no entries; it becomes valid once it has a name (check with
 * pcl_layout_validate()).
 *
 * Return: a layout that the caller frees with pcl_layout_free(), or NULL with
 * errno ENOMEM or EINVAL.
 */
PCL_EXPORT struct pcl_layout *pcl_layout_new(struct pcl_ctx *ctx, int kind);

/** pcl_layout_free() - free a layout. NULL is accepted. */
PCL_EXPORT void pcl_layout_free(struct pcl_layout *layout);

/**
 * pcl_layout_load_string() - parse and validate a layout file in memory.
 * @ctx: library context.
 * @buf: the file's bytes; need not be NUL-terminated.
 * @len: number of bytes; more than %PCL_LAYOUT_MAX_SIZE is refused.
 * @name: the name used in messages (copied), e.g. a path; NULL = "<string>".
 * @layout: on success, a new layout that the caller frees.
 * @diag: optional; receives every error found, each with @name, line and
 *        column (syntax errors stop at the first; semantic errors are all
 *        reported).
 *
 * Return: 0; -EINVAL when the input is not a valid format-1 file (see
 * @diag); -EFBIG when it is too large; -ENOMEM.
 */
PCL_EXPORT int pcl_layout_load_string(struct pcl_ctx *ctx, const void *buf,
				      size_t len, const char *name,
				      struct pcl_layout **layout,
				      struct pcl_diag *diag);

/**
 * pcl_layout_load_file() - read @path ("-" for standard input) and load it
 * as pcl_layout_load_string() does, with @path as the name.
 *
 * Return: as pcl_layout_load_string(), plus -ENOENT, -EACCES, -EISDIR and
 * -EIO when the file cannot be read (also recorded in @diag, without a line).
 */
PCL_EXPORT int pcl_layout_load_file(struct pcl_ctx *ctx, const char *path,
				    struct pcl_layout **layout,
				    struct pcl_diag *diag);

/**
 * pcl_layout_validate() - check every rule of the format on @layout.
 * @layout: a layout, typically built with the setters below.
 * @diag: optional; receives every violation.
 *
 * Setters check only what they can check alone (types and ranges); rules
 * that relate several values (alignment, overlaps, the chain head at 0x100,
 * duplicates) are checked here and by the loaders.
 *
 * Return: 0 when valid, -EINVAL otherwise.
 */
PCL_EXPORT int pcl_layout_validate(const struct pcl_layout *layout,
				   struct pcl_diag *diag);

/**
 * pcl_layout_to_string() - the canonical form of @layout.
 * @layout: a valid layout.
 * @out: on success, a NUL-terminated malloc'ed buffer the caller frees.
 * @len: optional; the length of @out without the NUL.
 *
 * Return: 0, -EINVAL when @layout is not valid, -ENOMEM.
 */
PCL_EXPORT int pcl_layout_to_string(const struct pcl_layout *layout,
				    char **out, size_t *len);

/**
 * pcl_layout_save() - write the canonical form of @layout to @f.
 * Return: 0, -EINVAL (not valid), -ENOMEM, -EIO (write error).
 */
PCL_EXPORT int pcl_layout_save(const struct pcl_layout *layout, FILE *f);

/**
 * pcl_layout_save_file() - replace @path with the canonical form, atomically
 * (pcl_file_replace(): an existing file keeps its mode, a new one gets 0666
 * minus the umask).
 * @layout: a valid layout.
 * @path: destination.
 *
 * Return: 0, -EINVAL (not valid), or a negative errno of the failing call.
 */
PCL_EXPORT int pcl_layout_save_file(const struct pcl_layout *layout,
				    const char *path);

/**
 * pcl_layout_fingerprint() - identify the guest-visible content of @layout.
 * @layout: a valid layout.
 * @out: receives "sha256:" and 64 lower-case hex digits.
 *
 * The SHA-256 of the canonical form after removing "description", every
 * "provenance" and every hidden entry, with capability IDs written as
 * numbers (see the spec): annotations, the library's name table and the
 * capabilities a layout names to hide (which the guest never sees) do not
 * change it.
 *
 * Return: 0, -EINVAL (not valid), -ENOMEM.
 */
PCL_EXPORT int pcl_layout_fingerprint(const struct pcl_layout *layout,
				      char out[PCL_FINGERPRINT_SIZE]);

/* Identity and policy. Strings are copied; getters return borrowed ones. */

/** pcl_layout_kind() - Return: an enum pcl_layout_kind value. */
PCL_EXPORT int pcl_layout_kind(const struct pcl_layout *layout);

/** pcl_layout_source() - Return: the file name it was loaded from, or "". */
PCL_EXPORT const char *pcl_layout_source(const struct pcl_layout *layout);

/** pcl_layout_name() - Return: the name, or NULL when not set. */
PCL_EXPORT const char *pcl_layout_name(const struct pcl_layout *layout);

/**
 * pcl_layout_set_name() - set the name: 1..64 characters of [A-Za-z0-9._+-],
 * starting with a letter or digit.
 * Return: 0, -EINVAL, -ENOMEM.
 */
PCL_EXPORT int pcl_layout_set_name(struct pcl_layout *layout, const char *name);

/**
 * pcl_layout_revision() - Return: the revision: 1 and up for a planned
 * layout, 0 for an imported one (the view a VMM built before it used a
 * layout file, written with format 2).
 */
PCL_EXPORT uint32_t pcl_layout_revision(const struct pcl_layout *layout);

/** pcl_layout_set_revision() - Return: 0, or -EINVAL unless 0..2^31-1. */
PCL_EXPORT int pcl_layout_set_revision(struct pcl_layout *layout,
				       uint32_t revision);

/** pcl_layout_description() - Return: the free text, or NULL. */
PCL_EXPORT const char *pcl_layout_description(const struct pcl_layout *layout);

/**
 * pcl_layout_set_description() - set (or with NULL clear) the free text, at
 * most 4096 bytes of UTF-8 without control characters.
 * Return: 0, -EINVAL, -ENOMEM.
 */
PCL_EXPORT int pcl_layout_set_description(struct pcl_layout *layout,
					  const char *text);

/** pcl_layout_profile() - Return: the profile name, or NULL. */
PCL_EXPORT const char *pcl_layout_profile(const struct pcl_layout *layout);

/**
 * pcl_layout_set_profile() - set (or with NULL clear) the profile; same
 * syntax as a name. Layouts only.
 * Return: 0, -EINVAL, -ENOMEM.
 */
PCL_EXPORT int pcl_layout_set_profile(struct pcl_layout *layout,
				      const char *profile);

/** pcl_layout_match() - Return: the device match (borrowed). */
PCL_EXPORT const struct pcl_layout_match *
pcl_layout_match(const struct pcl_layout *layout);

/**
 * pcl_layout_set_match() - copy @match (its @present is forced to 1, or
 * the match is removed when @match is NULL).
 * Return: 0, or -EINVAL for a class code above 24 bits or a revision above
 * 0xff.
 */
PCL_EXPORT int pcl_layout_set_match(struct pcl_layout *layout,
				    const struct pcl_layout_match *match);

/**
 * pcl_layout_matches() - whether a device with these IDs is matched.
 * @layout: the layout or quirk.
 * @vendor: vendor ID.
 * @device: device ID.
 * @subsystem_vendor: subsystem vendor ID.
 * @subsystem: subsystem ID.
 * @revision: revision ID.
 * @class_code: 24-bit class code.
 *
 * Return: true when every field the match sets is equal (a layout without
 * a match matches every device).
 */
PCL_EXPORT bool pcl_layout_matches(const struct pcl_layout *layout,
				   uint16_t vendor, uint16_t device,
				   uint16_t subsystem_vendor,
				   uint16_t subsystem, uint8_t revision,
				   uint32_t class_code);

/** pcl_layout_machine_count() - Return: the number of machine patterns. */
PCL_EXPORT size_t pcl_layout_machine_count(const struct pcl_layout *layout);

/** pcl_layout_machine() - Return: pattern @index (sorted), or NULL. */
PCL_EXPORT const char *pcl_layout_machine(const struct pcl_layout *layout,
					  size_t index);

/**
 * pcl_layout_add_machine() - add a machine-type glob pattern (fnmatch(3)
 * without flags: *, ?, [...]), 1..64 printable ASCII characters.
 * Return: 0, -EINVAL (syntax, or a quirk), -EEXIST, -ENOSPC (64 already),
 * -ENOMEM.
 */
PCL_EXPORT int pcl_layout_add_machine(struct pcl_layout *layout,
				      const char *pattern);

/**
 * pcl_layout_machine_matches() - Return: true when @machine matches one of
 * the patterns, or when the layout has no patterns (any machine).
 */
PCL_EXPORT bool pcl_layout_machine_matches(const struct pcl_layout *layout,
					   const char *machine);

/** pcl_layout_unclaimed() - Return: an enum pcl_unclaimed value. */
PCL_EXPORT int pcl_layout_unclaimed(const struct pcl_layout *layout);

/** pcl_layout_set_unclaimed() - Return: 0, or -EINVAL. */
PCL_EXPORT int pcl_layout_set_unclaimed(struct pcl_layout *layout, int policy);

/** pcl_layout_reserved_count() - Return: the number of reserved ranges. */
PCL_EXPORT size_t pcl_layout_reserved_count(const struct pcl_layout *layout);

/** pcl_layout_reserved() - Return: range @index by offset (borrowed), or NULL. */
PCL_EXPORT const struct pcl_layout_reserved *
pcl_layout_reserved(const struct pcl_layout *layout, size_t index);

/**
 * pcl_layout_add_reserved() - add a reserved range.
 * @layout: the layout or quirk.
 * @offset: first byte, 0x40..0xfff.
 * @length: 1.. bytes, not crossing 0x100 or 0x1000.
 * @reason: required, 1..256 bytes (copied).
 * @source: optional reference, up to 256 bytes (copied), or NULL.
 *
 * Return: 0, -EINVAL, -ENOSPC (more than 256 ranges), -ENOMEM. Overlaps are
 * reported by pcl_layout_validate().
 */
PCL_EXPORT int pcl_layout_add_reserved(struct pcl_layout *layout,
				       uint32_t offset, uint32_t length,
				       const char *reason, const char *source);

/**
 * pcl_layout_format() - the format version the layout's file has: 2 when it
 * links a chain out of offset order or has revision 0, else 1.
 * Return: 1 or 2.
 */
PCL_EXPORT int pcl_layout_format(const struct pcl_layout *layout);

/** pcl_layout_links() - Return: an enum pcl_links value. */
PCL_EXPORT int pcl_layout_links(const struct pcl_layout *layout);

/**
 * pcl_layout_set_chain_order() - link the presented entries of @space in
 * the order of their guest offsets in @at.
 * @layout: a layout (not a quirk).
 * @space: PCL_SPACE_STANDARD or PCL_SPACE_EXTENDED.
 * @at: every presented entry's at, each once, in the chain's order; in the
 *      extended chain the first must be 0x100.
 * @n: the number of presented entries of @space.
 *
 * The layout's links become PCL_LINKS_LISTED, or PCL_LINKS_ASCENDING again
 * when both chains are in ascending order (one guest view, one file). An
 * entry added later goes before the first presented entry above it.
 *
 * Return: 0, or -EINVAL when @at is not such a permutation (nothing changes).
 */
PCL_EXPORT int pcl_layout_set_chain_order(struct pcl_layout *layout, int space,
					  const uint32_t *at, size_t n);

/** pcl_layout_entry_count() - Return: the number of entries of @space. */
PCL_EXPORT size_t pcl_layout_entry_count(const struct pcl_layout *layout,
					 int space);

/**
 * pcl_layout_entry() - Return: entry @index of @space in canonical order
 * (presented entries in chain order, then hidden ones; borrowed, valid
 * until the layout changes), or NULL.
 */
PCL_EXPORT const struct pcl_layout_entry *
pcl_layout_entry(const struct pcl_layout *layout, int space, size_t index);

/**
 * pcl_layout_add_entry() - add a copy of @e to its chain (layouts only).
 * @layout: the layout.
 * @e: the entry; @e->length 0 means the default length of @e->id;
 *     @e->line and @e->column are ignored.
 *
 * Checks the entry on its own (kind, generator, parameters, selectors,
 * length); relations to other entries are checked by pcl_layout_validate().
 *
 * Return: 0, -EINVAL (with a log message), -ENOSPC (too many entries),
 * -ENOMEM.
 */
PCL_EXPORT int pcl_layout_add_entry(struct pcl_layout *layout,
				    const struct pcl_layout_entry *e);

/**
 * pcl_layout_find_virtual() - the first virtual entry made by generator
 * @gen (an enum pcl_generator value), standard chain first.
 * Return: the entry (borrowed, valid until the layout changes), or NULL
 * when the layout (NULL too) has none.
 */
PCL_EXPORT const struct pcl_layout_entry *
pcl_layout_find_virtual(const struct pcl_layout *layout, int gen);

/**
 * pcl_layout_entry_find() - the device capability a physical or hidden entry
 * selects, by the rules of docs/layout-format.md section 4.3: capabilities
 * of the entry's space with its id (and vendor / vsec_id when given), chain
 * members in chain order first, then orphans in offset order (a capability
 * the kernel unlinked is still the device's); the one at @e->phys when
 * pinned, else the @e->instance-th.
 * @e: the entry.
 * @walk: the device's walk (struct pcl_walk from <pcilayout/walk.h>).
 *
 * Return: the capability's index in pcl_walk_cap_or_orphan() (below
 * pcl_walk_cap_count() for a chain member), or -1 when the layout cannot be
 * realized on this device for this entry.
 */
PCL_EXPORT long pcl_layout_entry_find(const struct pcl_layout_entry *e,
				      const struct pcl_walk *walk);

/**
 * pcl_layout_entry_label() - an entry's selector in words, for messages:
 * "aer", "vsec 8086/0001", "msi #1" (a further instance), "msix (phys
 * 0x70)" (pinned), or "0x2a" for an ID format 1 has no name for.
 * @e: the entry.
 * @buf: destination, always NUL-terminated when @size > 0.
 * @size: size of @buf (64 bytes suffice).
 *
 * Return: @buf.
 */
PCL_EXPORT const char *pcl_layout_entry_label(const struct pcl_layout_entry *e,
					      char *buf, size_t size);

/**
 * pcl_layout_remove_entry() - remove entry @index of @space.
 * Return: 0, or -ENOENT.
 */
PCL_EXPORT int pcl_layout_remove_entry(struct pcl_layout *layout, int space,
				       size_t index);

/**
 * struct pcl_layout_placement - a quirk's preferred offset for a capability.
 * @space: an enum pcl_space value (from @at: below 0x100 is standard).
 * @id: capability ID.
 * @at: preferred guest offset.
 */
struct pcl_layout_placement {
	uint8_t space;
	uint8_t reserved;
	uint16_t id;
	uint32_t at;
};

/** pcl_layout_placement_count() - Return: the number of placements. */
PCL_EXPORT size_t pcl_layout_placement_count(const struct pcl_layout *layout);

/** pcl_layout_placement() - Return: placement @index, by (space, id), or NULL. */
PCL_EXPORT const struct pcl_layout_placement *
pcl_layout_placement(const struct pcl_layout *layout, size_t index);

/**
 * pcl_layout_add_placement() - prefer @at for (@space, @id) (quirks only).
 * Return: 0, -EINVAL, -EEXIST, -ENOSPC, -ENOMEM.
 */
PCL_EXPORT int pcl_layout_add_placement(struct pcl_layout *layout, int space,
					uint16_t id, uint32_t at);

/* Quirk hide and keep lists: IDs the planner must hide or must not hide. */

/** pcl_layout_hide_count() - Return: the number of hidden IDs of @space. */
PCL_EXPORT size_t pcl_layout_hide_count(const struct pcl_layout *layout,
					int space);

/** pcl_layout_hide() - Return: hidden ID @index of @space (sorted), or -1. */
PCL_EXPORT int32_t pcl_layout_hide(const struct pcl_layout *layout, int space,
				   size_t index);

/** pcl_layout_add_hide() - Return: 0, -EINVAL, -EEXIST, -ENOSPC, -ENOMEM. */
PCL_EXPORT int pcl_layout_add_hide(struct pcl_layout *layout, int space,
				   uint16_t id);

/** pcl_layout_keep_count() - Return: the number of kept IDs of @space. */
PCL_EXPORT size_t pcl_layout_keep_count(const struct pcl_layout *layout,
					int space);

/** pcl_layout_keep() - Return: kept ID @index of @space (sorted), or -1. */
PCL_EXPORT int32_t pcl_layout_keep(const struct pcl_layout *layout, int space,
				   size_t index);

/** pcl_layout_add_keep() - Return: 0, -EINVAL, -EEXIST, -ENOSPC, -ENOMEM. */
PCL_EXPORT int pcl_layout_add_keep(struct pcl_layout *layout, int space,
				   uint16_t id);

/* Names used by the format (static strings). */

/**
 * pcl_layout_cap_name() - Return: the format-1 name of (@space, @id), e.g.
 * "pasid", or NULL when format 1 has none (the file then writes "0x…").
 * Format 1 freezes its name table: names are never added, removed or
 * changed, so that a file means the same to every reader.
 */
PCL_EXPORT const char *pcl_layout_cap_name(int space, uint16_t id);

/**
 * pcl_layout_cap_label() - a name for messages: the format-1 name of
 * (@space, @id), or "0x…" in @buf when it has none.
 * @space: an enum pcl_space value.
 * @id: capability ID.
 * @buf: room for the number (8 bytes suffice).
 * @size: size of @buf.
 *
 * Return: the static name or @buf.
 */
PCL_EXPORT const char *pcl_layout_cap_label(int space, uint16_t id, char *buf,
					    size_t size);

/**
 * pcl_layout_cap_parse() - parse a format-1 capability name or "0x…" ID.
 * Return: 0 with *@id set, or -EINVAL (unknown name, bad number, or an ID
 * too wide for @space).
 */
PCL_EXPORT int pcl_layout_cap_parse(int space, const char *text, uint16_t *id);

/**
 * pcl_layout_cap_default_length() - Return: the length format 1 assumes for
 * a physical entry of (@space, @id) without "length", or 0 when the entry
 * must give one (the capability's size depends on its registers).
 */
PCL_EXPORT uint32_t pcl_layout_cap_default_length(int space, uint16_t id);

/**
 * pcl_layout_cap_fixed_length() - whether format 1 fixes the length of
 * (@space, @id) whatever its registers say (e.g. pm 8, msix 12, pasid 8).
 * @space: an enum pcl_space value.
 * @id: capability ID.
 * @length: if not NULL and the length is fixed, set to it.
 *
 * Return: true when fixed.
 */
PCL_EXPORT bool pcl_layout_cap_fixed_length(int space, uint16_t id,
					    uint32_t *length);

/** pcl_unclaimed_name() - Return: "passthrough", "zero", "ones" or NULL. */
PCL_EXPORT const char *pcl_unclaimed_name(int policy);

/** pcl_prov_rule_name() - Return: "user", "database", ... or NULL. */
PCL_EXPORT const char *pcl_prov_rule_name(int rule);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_LAYOUT_H */
