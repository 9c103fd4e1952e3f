/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map.h - the occupancy map and the gap finder.
 *
 * The map says, for each of the 4096 config-space bytes, who owns it: the
 * header, a capability of the walk, an orphan (an unlinked capability), a
 * reserved range (quirk or user), an advertised-free range (user list or a
 * free-space DVSEC), or nobody - and then whether the unowned byte reads as
 * zero, reads as non-zero (a suspected hidden register) or was not read at
 * all. "Looks free" is not "is free": only bytes that are unowned and zero,
 * or advertised free and verified, can ever be offered by the gap finder.
 *
 * Ranges (struct pcl_range) are the common currency for everything that
 * names a part of config space from outside the bytes: quirk reserved
 * ranges, the user's --free list, DVSEC-advertised ranges. pcl_range_parse()
 * is the one parser of the "0xf00-0xfff,0x80-0x8f" text syntax, shared by
 * every command that takes ranges.
 *
 * A map is immutable once built; gaps are computed from it on demand and
 * never stored. See docs/free-space.md for the precedence and ranking rules.
 */
#ifndef PCILAYOUT_MAP_H
#define PCILAYOUT_MAP_H

#include <pcilayout/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_walk;

/**
 * enum pcl_owner - who owns a config-space byte, strongest first. When two
 * claims cover one byte the stronger one is kept (lower value wins), except
 * that advertised free never displaces anything: it is only accepted over
 * bytes that would otherwise be PCL_OWNER_ZERO (see pcl_map_new()).
 */
enum pcl_owner {
	PCL_OWNER_HEADER = 0,   /* 0x00-0x3f (0x00-0x47 for a CardBus bridge) */
	PCL_OWNER_CAP = 1,      /* detail: index in pcl_walk_cap() */
	PCL_OWNER_ORPHAN = 2,   /* detail: index in pcl_walk_orphan() */
	PCL_OWNER_RESERVED = 3, /* detail: index in pcl_map_range() */
	PCL_OWNER_FREE = 4,     /* advertised free; detail: pcl_map_range() */
	PCL_OWNER_NONZERO = 5,  /* unowned, reads non-zero: hidden register? */
	PCL_OWNER_ZERO = 6,     /* unowned, reads zero */
	PCL_OWNER_UNREAD = 7,   /* unowned and never read: contents unknown */
	PCL_OWNER_COUNT = 8,
};

/** pcl_owner_name() - Return: "header", "cap", "orphan", "reserved",
 * "free", "nonzero", "zero", "unread" (static; stable, used in JSON), or
 * "unknown". */
PCL_EXPORT const char *pcl_owner_name(int owner);

/** enum pcl_range_kind - what a struct pcl_range claims. */
enum pcl_range_kind {
	PCL_RANGE_RESERVED = 0, /* in use: never place anything here */
	PCL_RANGE_FREE = 1,     /* advertised as unused by its source */
};

/* Flags of struct pcl_range. */
#define PCL_RANGE_UNTRUSTED 0x0001u /* set by the map: free range rejected */

/**
 * struct pcl_range - a byte range of config space named from outside.
 * @start: first byte, 0..0xfff.
 * @length: number of bytes, 1..4096 - @start.
 * @kind: an enum pcl_range_kind value.
 * @flags: PCL_RANGE_* bits.
 * @source: who says so: "user", "dvsec", "quirk:FILE", ...; may be NULL.
 * @reason: why, in words; may be NULL.
 *
 * Ranges handed to the library are copied (strings included); ranges the
 * library hands out are borrowed from the object that returned them.
 */
struct pcl_range {
	uint32_t start;
	uint32_t length;
	uint32_t kind;
	uint32_t flags;
	const char *source;
	const char *reason;
};

/**
 * pcl_range_parse() - parse a range list.
 * @text: comma-separated items, each "A-B" (inclusive: "0xf00-0xfff" is
 *        256 bytes), "A+N" (N bytes from A) or "A" (one byte). Numbers are
 *        C integers: 0x.. hex, 0.. octal, else decimal. Blanks around items
 *        are ignored.
 * @kind: the kind given to every parsed range.
 * @source: the source given to every range (copied); may be NULL.
 * @ranges: on success, a new array sorted by @start; free it with
 *          pcl_range_list_free(). NULL when @count is 0.
 * @count: on success, the number of ranges.
 * @err: optional; on failure says what is wrong, with @column pointing at
 *       the offending item (1-based) and @source "<ranges>".
 *
 * Every range must lie within 0x000-0xfff; ranges must not overlap each
 * other. An empty @text gives an empty list.
 *
 * Return: 0, -EINVAL (syntax, order, bounds, overlap) or -ENOMEM.
 */
PCL_EXPORT int pcl_range_parse(const char *text, int kind, const char *source,
			       struct pcl_range **ranges, size_t *count,
			       struct pcl_error *err);

/** pcl_range_list_free() - free a list from pcl_range_parse() or
 * pcl_quirks_reserved(); NULL is accepted. */
PCL_EXPORT void pcl_range_list_free(struct pcl_range *ranges, size_t count);

/** struct pcl_map - a per-byte owner map of one cfg (opaque, immutable). */
struct pcl_map;

/**
 * struct pcl_map_run - a maximal run of bytes with one owner and detail,
 * never crossing 0x100 (so a run lies in one space).
 * @start: first byte.
 * @length: number of bytes.
 * @owner: an enum pcl_owner value.
 * @space: enum pcl_space of @start (0 standard incl. header, 1 extended).
 * @detail: for CAP, ORPHAN, RESERVED and FREE the index described in enum
 *          pcl_owner; 0 otherwise.
 */
struct pcl_map_run {
	uint16_t start;
	uint16_t length;
	uint8_t owner;
	uint8_t space;
	uint16_t detail;
};

/**
 * pcl_map_new() - build the occupancy map of a walked cfg.
 * @walk: the walk (borrowed; it and its cfg must outlive the map).
 * @ranges: reserved and advertised-free ranges (copied), or NULL.
 * @count: number of @ranges.
 *
 * Precedence, strongest first: header, capability (in walk order: the
 * earlier one keeps a byte two capabilities claim), orphan, reserved range
 * (earlier range first), then the byte's own state. A capability whose
 * length is unknown occupies every byte up to the next capability or orphan
 * of its space (or the end of the space). Bytes that are not read stay
 * PCL_OWNER_UNREAD unless a structure claims them.
 *
 * An advertised-free range is trusted only when every one of its bytes
 * would otherwise be PCL_OWNER_ZERO: a range that touches a capability, an
 * orphan, a reserved range, the header, a non-zero or an unread byte is
 * rejected as a whole (its copy gets PCL_RANGE_UNTRUSTED and the map a
 * "free-range-rejected" warning finding), because a source that is wrong
 * about one byte is not believed about the others.
 *
 * Problems are findings (pcl_map_finding()), not failures: "hidden-register"
 * (info, one per run of non-zero unowned bytes), "free-range-rejected"
 * (warning), "reserved-overlap" (info: a reserved range covers bytes of a
 * stronger owner), "length-unknown-extent" (info: the span assumed for a
 * capability of unknown length).
 *
 * Return: a new map that the caller frees with pcl_map_free(), or NULL with
 * errno EINVAL (NULL @walk, a range outside 0..0xfff or of length 0, a bad
 * kind) or ENOMEM.
 */
PCL_EXPORT struct pcl_map *pcl_map_new(const struct pcl_walk *walk,
				       const struct pcl_range *ranges,
				       size_t count);

/** pcl_map_free() - free a map. NULL is accepted. */
PCL_EXPORT void pcl_map_free(struct pcl_map *map);

/** pcl_map_walk() - Return: the walk the map was built from (borrowed). */
PCL_EXPORT const struct pcl_walk *pcl_map_walk(const struct pcl_map *map);

/**
 * pcl_map_owner() - the owner of byte @offset.
 * @map: the map.
 * @offset: 0..4095.
 * @detail: optional; receives the detail as in struct pcl_map_run.
 *
 * Return: an enum pcl_owner value, or -EINVAL for an offset out of range.
 */
PCL_EXPORT int pcl_map_owner(const struct pcl_map *map, uint32_t offset,
			     uint32_t *detail);

/** pcl_map_owners() - Return: the 4096 owner bytes, one enum pcl_owner value
 * per config-space byte (borrowed, valid as long as @map). */
PCL_EXPORT const uint8_t *pcl_map_owners(const struct pcl_map *map);

/** pcl_map_run_count() - Return: the number of runs (in offset order). */
PCL_EXPORT size_t pcl_map_run_count(const struct pcl_map *map);

/** pcl_map_run() - Return: run @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_map_run *pcl_map_run(const struct pcl_map *map,
						 size_t index);

/** pcl_map_range_count() - Return: the number of ranges given to the map. */
PCL_EXPORT size_t pcl_map_range_count(const struct pcl_map *map);

/** pcl_map_range() - Return: range @index (the map's copy, with
 * PCL_RANGE_UNTRUSTED set where it was rejected; borrowed), or NULL. */
PCL_EXPORT const struct pcl_range *pcl_map_range(const struct pcl_map *map,
						 size_t index);

/** pcl_map_finding_count() - Return: number of findings, in offset order. */
PCL_EXPORT size_t pcl_map_finding_count(const struct pcl_map *map);

/** pcl_map_finding() - Return: finding @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_finding *pcl_map_finding(const struct pcl_map *map,
						     size_t index);

/**
 * pcl_map_finding_code() - the code of finding @index, without writing its
 * message: for callers that filter findings by code. pcl_map_finding()
 * formats a message on first use, which costs more than most filters save.
 * Return: the code (static string), or NULL if @index is out of range.
 */
PCL_EXPORT const char *pcl_map_finding_code(const struct pcl_map *map,
					    size_t index);

/**
 * pcl_map_describe() - a short human description of who owns @offset, e.g.
 * "cap msix (std #2)", "orphan pasid", "reserved: GMCH graphics control
 * (quirk:intel-igd.json)", "unclaimed non-zero".
 * @map: the map.
 * @offset: 0..4095.
 * @buf: destination, always NUL-terminated when @size > 0.
 * @size: size of @buf.
 *
 * Return: @buf.
 */
PCL_EXPORT const char *pcl_map_describe(const struct pcl_map *map,
					uint32_t offset, char *buf,
					size_t size);

/**
 * enum pcl_gap_class - the safety class of a candidate window, best first.
 * @PCL_GAP_ADVERTISED: every byte is advertised free (and verified zero).
 * @PCL_GAP_CLEAR: every byte is free or unclaimed zero and no hazard byte
 *                 (non-zero unclaimed, orphan, reserved, unread) lies within
 *                 PCL_GAP_MARGIN bytes of the window in its space.
 * @PCL_GAP_NEAR: as CLEAR, but a hazard is closer than PCL_GAP_MARGIN.
 */
enum pcl_gap_class {
	PCL_GAP_ADVERTISED = 0,
	PCL_GAP_CLEAR = 1,
	PCL_GAP_NEAR = 2,
};

/** PCL_GAP_MARGIN - bytes of clean space that make a window "clear". */
#define PCL_GAP_MARGIN 16

/** pcl_gap_class_name() - Return: "advertised", "clear", "near" (static). */
PCL_EXPORT const char *pcl_gap_class_name(int klass);

/**
 * struct pcl_gap - one candidate window.
 * @offset: first byte; a multiple of the requested alignment.
 * @length: the requested size.
 * @klass: an enum pcl_gap_class value.
 * @rank: 1 for the best window, 2 for the next, ... (position in the list).
 * @distance: clean bytes between the window and the nearest hazard byte of
 *            its space, or -1 when the space holds no hazard.
 * @hazard: the nearest hazard byte's offset, or -1.
 * @hazard_owner: the enum pcl_owner of @hazard, or -1.
 * @free_range: for ADVERTISED, the index (pcl_map_range()) of the range
 *              holding @offset; else -1.
 */
struct pcl_gap {
	uint32_t offset;
	uint32_t length;
	int32_t klass;
	int32_t rank;
	int32_t distance;
	int32_t hazard;
	int32_t hazard_owner;
	int32_t free_range;
};

/**
 * pcl_map_gaps() - list the candidate windows for a structure of @size
 * bytes, best first.
 * @map: the map.
 * @space: PCL_SPACE_STANDARD (0x40-0xff) or PCL_SPACE_EXTENDED
 *         (0x100-0xfff).
 * @size: window size in bytes, 1..the size of the space (192 or 3840).
 * @align: window alignment: a power of two, 4..the size of the space; 0
 *         means 4 (a dword, the alignment every capability needs).
 * @gaps: on success a new array (NULL when @count is 0) that the caller
 *        frees with free().
 * @count: on success the number of windows; 0 is not an error.
 * @err: optional; says which argument is wrong.
 *
 * A window is a candidate only when each of its bytes is PCL_OWNER_FREE or
 * PCL_OWNER_ZERO. The order is: class (advertised, clear, near); within
 * "near", the larger @distance first; then the higher @offset first - the
 * end of a space is where chains grow last, and in extended space it is
 * where QEMU places its virtual PASID (0xff8), so the two agree whenever
 * that is safe. The order is total, hence deterministic.
 *
 * Return: 0, -EINVAL (bad space, size or alignment) or -ENOMEM.
 */
PCL_EXPORT int pcl_map_gaps(const struct pcl_map *map, int space,
			    uint32_t size, uint32_t align,
			    struct pcl_gap **gaps, size_t *count,
			    struct pcl_error *err);

/**
 * pcl_gaps_validate() - check the arguments of pcl_map_gaps() without a
 * map, so that a caller can reject bad input before reading any device.
 * @space: as for pcl_map_gaps().
 * @size: as for pcl_map_gaps().
 * @align: as for pcl_map_gaps().
 * @err: optional; says which argument is wrong and why.
 *
 * Return: 0 or -EINVAL.
 */
PCL_EXPORT int pcl_gaps_validate(int space, uint32_t size, uint32_t align,
				 struct pcl_error *err);

/**
 * pcl_gap_reason() - say in words why @gap is ranked where it is, e.g.
 * "unclaimed zero; nearest hazard: non-zero byte at 0xf40, 180 bytes away".
 * @map: the map the gap came from.
 * @gap: the window.
 * @buf: destination, always NUL-terminated when @size > 0.
 * @size: size of @buf.
 *
 * Return: @buf.
 */
PCL_EXPORT const char *pcl_gap_reason(const struct pcl_map *map,
				      const struct pcl_gap *gap, char *buf,
				      size_t size);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_MAP_H */
