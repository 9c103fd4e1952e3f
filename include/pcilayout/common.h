/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * common.h - the library context, logging, and the records every stage
 * reports through: errors, findings, diagnostics (a list of errors) and
 * reports (a list of findings). Include <pcilayout/pcilayout.h>,
 * which pulls in every stage header:
 *
 *   regs.h     named registers, bits and capability IDs
 *   cfg.h      sources -> one function's config space (bytes, read map, identity)
 *   vfio.h     opening a function through VFIO (group or cdev)
 *   catalog.h  every capability ID the library knows and its length rule
 *   walk.h     robust walk of the standard and extended chains, with findings
 *   map.h      per-byte occupancy map, ranges and the gap finder
 *   quirks.h   the quirk database (device-specific reserved ranges, placements)
 *   dvsec.h    the free-space DVSEC: encode, decode, scan, inject
 *   layout.h   the layout file: model, load, validate, save, fingerprint
 *   plan.h     the policy cascade: a device and a request -> a layout
 *   image.h    the guest image and per-byte access rules built from a layout
 *   vdev.h     the runtime engine a VMM embeds, its backends and state
 *   compat.h   migration: check, diff, unify, survey
 *
 * Conventions (the same in every header):
 *  - Functions returning int return 0 on success or a negative errno.
 *    Functions returning a pointer return NULL and set errno on failure.
 *  - The library never prints and never exits. It reports through return
 *    values, optional struct pcl_error records, findings lists, and the
 *    context's log callback (silent unless the caller installs one).
 *  - Objects are opaque; each constructor documents who frees what.
 *  - No global mutable state. Threads:
 *      . A context may be shared by any number of threads, which may call
 *        any function with it at the same time (pci.ids is loaded once
 *        even when first name lookups race), except
 *        pcl_ctx_set_log_fn() and pcl_ctx_set_log_priority(): call them
 *        before sharing the context, or while no other call uses it.
 *      . The log callback may then be called from several threads at once.
 *      . An object may be used by several threads at once as long as none
 *        of them changes it: functions that take it as a const pointer only
 *        read it (a map formats its findings on first use, safely). A
 *        function that takes it as a non-const pointer needs it alone.
 *        vdev.h says what an engine allows beyond this.
 *    tests/unit/test_threads.c checks this under ThreadSanitizer.
 *  - All multi-byte config-space fields are little-endian on the wire and are
 *    decoded explicitly; the library is endian-neutral.
 *
 * ABI: soname libpcilayout.so.0; only the PCL_EXPORT functions are
 * exported, each in the version node of the release that added it.
 * docs/abi.md says when the soname and the nodes change.
 */
#ifndef PCILAYOUT_COMMON_H
#define PCILAYOUT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PCL_EXPORT __attribute__((visibility("default")))
#else
#define PCL_EXPORT
#endif

/**
 * struct pcl_ctx - library context: logging settings and user data.
 *
 * Every object created from a context keeps a borrowed pointer to it; the
 * context must outlive them.
 */
struct pcl_ctx;

/**
 * typedef pcl_log_fn - log callback.
 * @opaque: the pointer given to pcl_ctx_set_log_fn().
 * @priority: a syslog(3) priority (LOG_ERR = 3 ... LOG_DEBUG = 7).
 * @file: source file of the library that logged.
 * @line: line in @file.
 * @fn: function that logged.
 * @msg: the message, without a trailing newline.
 */
typedef void (*pcl_log_fn)(void *opaque, int priority, const char *file,
			   int line, const char *fn, const char *msg);

/**
 * pcl_ctx_new() - create a library context.
 *
 * Logging is off until pcl_ctx_set_log_fn() installs a callback. The
 * priority starts at LOG_ERR, or at the value of $PCILAYOUT_LOG ("err",
 * "warning", "info", "debug" or a number) when set.
 *
 * Return: a new context that the caller frees with pcl_ctx_free(), or NULL
 * with errno = ENOMEM.
 */
PCL_EXPORT struct pcl_ctx *pcl_ctx_new(void);

/**
 * pcl_ctx_free() - free a context. NULL is accepted.
 * @ctx: the context; no object created from it may be used afterwards.
 */
PCL_EXPORT void pcl_ctx_free(struct pcl_ctx *ctx);

/**
 * pcl_ctx_set_log_fn() - install (or with NULL remove) the log callback.
 * @ctx: the context.
 * @fn: the callback, or NULL for silence.
 * @opaque: passed back to @fn unchanged.
 */
PCL_EXPORT void pcl_ctx_set_log_fn(struct pcl_ctx *ctx, pcl_log_fn fn,
				   void *opaque);

/**
 * pcl_ctx_set_log_priority() - set the highest priority that is logged.
 * @ctx: the context.
 * @priority: a syslog(3) priority; messages above it are not formatted.
 */
PCL_EXPORT void pcl_ctx_set_log_priority(struct pcl_ctx *ctx, int priority);

/** pcl_ctx_get_log_priority() - Return: the current log priority of @ctx. */
PCL_EXPORT int pcl_ctx_get_log_priority(const struct pcl_ctx *ctx);

/** pcl_version() - Return: the library version, e.g. "0.1.0" (static string). */
PCL_EXPORT const char *pcl_version(void);

/**
 * struct pcl_error - where and why an input was rejected.
 * @source: file name, "<stdin>", a PCI address, or "<string>"; "" if none.
 * @line: 1-based line in a text input, 0 if not applicable.
 * @column: 1-based column in a text input, 0 if not applicable.
 * @offset: config-space offset the error concerns, or -1.
 * @message: human-readable text, without the location prefix.
 *
 * Functions that take a struct pcl_error * accept NULL. On failure they fill
 * it (when not NULL) and return a negative errno naming the category:
 * -ENOENT missing, -EACCES permission, -EINVAL malformed, -EFBIG too large,
 * -ENOMEM, -EIO.
 */
struct pcl_error {
	char source[256];
	uint32_t line;
	uint32_t column;
	int32_t offset;
	char message[256];
};

/**
 * pcl_error_format() - format @err as "source:line:column: message" (the
 * parts that are known) into @buf.
 * @err: the error record.
 * @buf: destination.
 * @size: size of @buf; the result is always NUL-terminated when @size > 0.
 *
 * Return: @buf.
 */
PCL_EXPORT const char *pcl_error_format(const struct pcl_error *err, char *buf,
					size_t size);

/** enum pcl_severity - how bad a finding is. */
enum pcl_severity {
	PCL_SEVERITY_INFO = 0,    /* noteworthy but legal (e.g. backward pointer) */
	PCL_SEVERITY_WARNING = 1, /* suspicious; the result is still usable */
	PCL_SEVERITY_ERROR = 2,   /* broken; part of the result is missing */
};

/**
 * struct pcl_finding - one observation about an input.
 * @severity: an enum pcl_severity value.
 * @space: 0 standard, 1 extended, -1 not tied to a chain.
 * @offset: config-space offset concerned, or -1.
 * @code: stable machine-readable code (e.g. "chain-loop"); see
 *        docs/findings.md. Static string.
 * @message: human-readable text, owned by the object that returned the
 *           finding and valid as long as it lives.
 */
struct pcl_finding {
	int32_t severity;
	int32_t space;
	int32_t offset;
	const char *code;
	const char *message;
};

/** pcl_severity_name() - Return: "info", "warning" or "error" (static). */
PCL_EXPORT const char *pcl_severity_name(int severity);

/* ------------------------------------------------------------------ */
/* Diagnostics: every problem of an input, not only the first          */
/* ------------------------------------------------------------------ */

/**
 * struct pcl_diag - a list of errors (opaque). Loading and validating report
 * every problem they find, not only the first, so that a linter can list
 * them all; the list is kept sorted by source, line and column.
 */
struct pcl_diag;

/**
 * pcl_diag_new() - Return: an empty list that the caller frees with
 * pcl_diag_free(), or NULL with errno ENOMEM.
 */
PCL_EXPORT struct pcl_diag *pcl_diag_new(void);

/** pcl_diag_free() - free @diag and its records. NULL is accepted. */
PCL_EXPORT void pcl_diag_free(struct pcl_diag *diag);

/** pcl_diag_clear() - forget every record, keep the list for reuse. */
PCL_EXPORT void pcl_diag_clear(struct pcl_diag *diag);

/**
 * pcl_diag_count() - Return: the number of records. At most
 * %PCL_DIAG_MAX are kept; the last one then says that more were dropped.
 */
PCL_EXPORT size_t pcl_diag_count(const struct pcl_diag *diag);

/** PCL_DIAG_MAX - the most records a list keeps. */
#define PCL_DIAG_MAX 200

/**
 * pcl_diag_get() - Return: record @index (borrowed, valid until the list is
 * cleared or freed), or NULL when out of range. Format it with
 * pcl_error_format().
 */
PCL_EXPORT const struct pcl_error *pcl_diag_get(const struct pcl_diag *diag,
						size_t index);

/**
 * pcl_diag_add() - append a record to @diag, for stages that report into
 * the same list as the layout loader (the quirk database, the planner).
 * @diag: the list.
 * @source: file or object the record is about (copied); may be NULL.
 * @line: 1-based line, 0 when not tied to a text position.
 * @column: 1-based column, 0 when unknown.
 * @offset: config-space offset, or -1.
 * @fmt: printf-style message, without the location.
 *
 * Return: 0; -ENOSPC once the list is full (its last record says so);
 * -ENOMEM; -EINVAL for a NULL @diag.
 */
PCL_EXPORT int pcl_diag_add(struct pcl_diag *diag, const char *source,
			    uint32_t line, uint32_t column, int32_t offset,
			    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

/* ------------------------------------------------------------------ */
/* Reports: a list of findings behind a yes/no answer                 */
/* ------------------------------------------------------------------ */

/**
 * struct pcl_report - the reasons behind a yes/no answer of check, unify
 * and survey (opaque): a list of findings in the order they were found.
 * An error-severity finding means "no"; warnings and infos explain a
 * "yes". Finding codes are listed in docs/migration.md.
 */
struct pcl_report;

/** pcl_report_free() - free a report. NULL is accepted. */
PCL_EXPORT void pcl_report_free(struct pcl_report *report);

/** pcl_report_ok() - Return: true when no finding has error severity. */
PCL_EXPORT bool pcl_report_ok(const struct pcl_report *report);

/** pcl_report_count() - Return: the number of findings. */
PCL_EXPORT size_t pcl_report_count(const struct pcl_report *report);

/**
 * pcl_report_get() - Return: finding @index (borrowed, valid as long as
 * the report), or NULL when out of range.
 */
PCL_EXPORT const struct pcl_finding *
pcl_report_get(const struct pcl_report *report, size_t index);

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

/**
 * typedef pcl_write_fn - writes a file's content for pcl_file_replace().
 * @f: the stream to write to (do not close it).
 * @opaque: the pointer given to pcl_file_replace().
 *
 * Return: 0, or a negative errno to abandon the file.
 */
typedef int (*pcl_write_fn)(FILE *f, void *opaque);

/**
 * pcl_file_replace() - replace @path atomically with what @write_fn writes.
 * @path: the destination; a directory is refused.
 * @write_fn: writes the content.
 * @opaque: passed to @write_fn.
 *
 * A temporary file in the same directory is written, flushed to disk and
 * renamed over @path, so readers see the old or the new file, never a
 * part; on any failure (of @write_fn too) the temporary file is removed
 * and @path is untouched. An existing file keeps its mode; a new file gets
 * 0666 minus the umask, as a plain create would.
 *
 * Return: 0, @write_fn's error, or a negative errno of the failing call
 * (-EIO when a write or flush fails).
 */
PCL_EXPORT int pcl_file_replace(const char *path, pcl_write_fn write_fn,
				void *opaque);

/** PCL_DIR_MAX_ENTRIES - the most entries pcl_dir_list() returns. */
#define PCL_DIR_MAX_ENTRIES 65536

/* Flags of pcl_dir_list(). */
#define PCL_DIR_RECURSE 0x0001u /* descend into subdirectories (8 deep) */

/** enum pcl_dir_kind - what a listed entry is (after symlinks). */
enum pcl_dir_kind {
	PCL_DIR_FILE = 0,  /* a regular file whose name has the suffix */
	PCL_DIR_DIR = 1,   /* a directory not descended into */
	PCL_DIR_OTHER = 2, /* a socket, device, FIFO or dangling symlink */
};

/**
 * struct pcl_dir_entry - one entry of pcl_dir_list().
 * @path: "DIR/NAME" (for a descended subdirectory "DIR/SUB/NAME").
 * @kind: an enum pcl_dir_kind value.
 */
struct pcl_dir_entry {
	char *path;
	int kind;
};

/**
 * pcl_dir_list() - list a directory the way every part of the library
 * does: names starting with '.' skipped, the rest in byte-wise name order.
 * @dir: the directory.
 * @suffix: regular files are listed only when their name ends with it
 *          (e.g. ".json"); NULL lists every regular file.
 * @flags: PCL_DIR_RECURSE to descend into subdirectories, in place of
 *         their name, at most 8 deep (a symlink loop is not followed).
 * @entries: on success, a new array; free it with pcl_dir_list_free().
 * @count: on success, the number of entries.
 *
 * Entries that are not regular files are listed too, with their kind, so
 * that a caller can say what it does not read instead of dropping it in
 * silence: subdirectories that were not descended (not asked to, too
 * deep, a loop, or unreadable), and everything that is neither a file nor
 * a directory.
 *
 * Return: 0; -ENOENT, -ENOTDIR, -EACCES for @dir;
 * -EFBIG (more than %PCL_DIR_MAX_ENTRIES entries); -ENOMEM; -EINVAL.
 */
PCL_EXPORT int pcl_dir_list(const char *dir, const char *suffix,
			    uint32_t flags, struct pcl_dir_entry **entries,
			    size_t *count);

/** pcl_dir_list_free() - free a list of pcl_dir_list(). NULL is accepted. */
PCL_EXPORT void pcl_dir_list_free(struct pcl_dir_entry *entries, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_COMMON_H */
