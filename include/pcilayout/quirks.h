/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quirks.h - the quirk database: what is known about particular devices
 * that their bytes do not say. A quirk is a layout file of kind "quirk"
 * (docs/layout-format.md): a device match, reserved ranges (registers that
 * live outside every capability), preferred placements and hide/keep lists.
 * The database is a list of directories of such files, searched like this
 * (docs/free-space.md):
 *
 *   1. directories the caller adds (the CLI's --quirks DIR), in order;
 *   2. the directories in $PCILAYOUT_QUIRKS (colon-separated), in order;
 *   3. the installed directory ($datadir/pcilayout/quirks, fixed when the
 *      library is built; the library reads no other path of its own).
 *
 * With neither 2 nor 3 there is no database: the "quirks-missing" finding
 * (docs/findings.md) says so, since without it a device's reserved
 * registers (an Intel IGD's, say) would silently be treated as free.
 *
 * Within a directory the *.json files load in name order. A file name seen
 * in an earlier directory masks the same name in later ones, so a user can
 * replace a shipped quirk file by writing one with its name.
 *
 * The shipped files are also compiled into the library, validated when it
 * is built. A file read from any directory that is byte for byte a shipped
 * one is therefore not parsed when added: it is parsed from the built-in
 * copy the first time a device matches it (or pcl_quirks_get() asks for
 * it). Every other file is parsed and checked when added. A database may
 * be shared by threads once built; that first parse is thread-safe.
 */
#ifndef PCILAYOUT_QUIRKS_H
#define PCILAYOUT_QUIRKS_H

#include <pcilayout/common.h>
#include <pcilayout/layout.h>
#include <pcilayout/map.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;

/** struct pcl_quirks - a quirk database (opaque). */
struct pcl_quirks;

/**
 * pcl_quirks_new() - an empty database.
 * @ctx: library context (borrowed; must outlive the database).
 *
 * Return: a database that the caller frees with pcl_quirks_free(), or NULL
 * with errno ENOMEM.
 */
PCL_EXPORT struct pcl_quirks *pcl_quirks_new(struct pcl_ctx *ctx);

/** pcl_quirks_free() - free the database and its quirks. NULL is accepted. */
PCL_EXPORT void pcl_quirks_free(struct pcl_quirks *db);

/**
 * pcl_quirks_add_file() - load one quirk file.
 * @db: the database.
 * @path: the file.
 * @diag: optional; receives every error as file:line:column: message.
 *
 * The file must be a valid layout file of kind "quirk" with a match. Its
 * reserved ranges must not overlap (the layout validator checks this too).
 *
 * Return: 0; -EINVAL (malformed, see @diag); -ENOENT, -EACCES, -EIO;
 * -ENOMEM.
 */
PCL_EXPORT int pcl_quirks_add_file(struct pcl_quirks *db, const char *path,
				   struct pcl_diag *diag);

/**
 * pcl_quirks_add_dir() - load every *.json file of @dir, in name order,
 * except those whose name an earlier call already loaded (masking).
 * @db: the database.
 * @dir: the directory.
 * @diag: optional; receives the errors of every malformed file.
 *
 * All files are tried even when one fails, so that every error is listed.
 *
 * Return: 0; -ENOENT / -ENOTDIR / -EACCES when @dir cannot be read; the
 * first file's error otherwise (see pcl_quirks_add_file()).
 */
PCL_EXPORT int pcl_quirks_add_dir(struct pcl_quirks *db, const char *dir,
				  struct pcl_diag *diag);

/**
 * pcl_quirks_add_defaults() - add $PCILAYOUT_QUIRKS's directories, then
 * the shipped directory (steps 2 and 3 above). Directories of
 * $PCILAYOUT_QUIRKS must exist; a missing shipped directory is skipped.
 * When neither gives a directory, @db records the warning finding
 * "quirks-missing" (pcl_quirks_finding()) and the log callback gets it.
 * @db: the database.
 * @diag: optional.
 *
 * Return: as pcl_quirks_add_dir(); a missing database alone is 0.
 */
PCL_EXPORT int pcl_quirks_add_defaults(struct pcl_quirks *db,
				       struct pcl_diag *diag);

/**
 * pcl_quirks_default_dir() - Return: the installed quirk directory when it
 * exists, else NULL. Static string.
 */
PCL_EXPORT const char *pcl_quirks_default_dir(void);

/**
 * pcl_quirks_finding_count() - Return: the number of findings about the
 * database itself (0 or 1 today: "quirks-missing", a warning, after
 * pcl_quirks_add_defaults() found no database).
 */
PCL_EXPORT size_t pcl_quirks_finding_count(const struct pcl_quirks *db);

/**
 * pcl_quirks_finding() - Return: finding @index (borrowed from @db), or NULL.
 * Its space and offset are -1: it is about no particular byte.
 */
PCL_EXPORT const struct pcl_finding *
pcl_quirks_finding(const struct pcl_quirks *db, size_t index);

/** pcl_quirks_count() - Return: the number of quirks loaded. */
PCL_EXPORT size_t pcl_quirks_count(const struct pcl_quirks *db);

/**
 * pcl_quirks_get() - Return: quirk @index in load order (borrowed), or NULL
 * with errno EINVAL (no such index) or ENOMEM (parsing a built-in copy).
 */
PCL_EXPORT const struct pcl_layout *pcl_quirks_get(const struct pcl_quirks *db,
						   size_t index);

/**
 * pcl_quirks_match() - the quirks that apply to @cfg.
 * @db: the database.
 * @cfg: the device (its identity is compared with each quirk's match).
 * @matches: on success, a new array of borrowed quirk pointers in load
 *           order that the caller frees with free(); NULL when none.
 * @count: on success, the number of matches (0 is not an error).
 *
 * Return: 0 or -ENOMEM (also from parsing a matching built-in copy).
 */
PCL_EXPORT int pcl_quirks_match(const struct pcl_quirks *db,
				const struct pcl_cfg *cfg,
				const struct pcl_layout ***matches,
				size_t *count);

/**
 * pcl_quirks_reserved() - the reserved ranges of every quirk matching @cfg,
 * ready for pcl_map_new().
 * @db: the database.
 * @cfg: the device.
 * @ranges: on success, a new list sorted by start (ranges of different
 *          quirks may overlap), each of kind PCL_RANGE_RESERVED with
 *          @source "quirk:NAME" and the range's reason; free it with
 *          pcl_range_list_free(). The strings are borrowed from @db.
 * @count: on success, the number of ranges.
 *
 * Return: 0 or -ENOMEM.
 */
PCL_EXPORT int pcl_quirks_reserved(const struct pcl_quirks *db,
				   const struct pcl_cfg *cfg,
				   struct pcl_range **ranges, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_QUIRKS_H */
