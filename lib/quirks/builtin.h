/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builtin.h - the shipped quirk files, compiled into the library.
 *
 * Loading and validating the ten shipped files took ~3.2M instructions,
 * most of a cold `plan` (BENCHMARKS.md, item 2), for a database of which a
 * device matches one file at most. So the build (quirkgen.c) validates each
 * shipped file with the library's own loader and compiles in its bytes and
 * its match. The files on disk stay the truth: a file identical to its
 * built-in copy is parsed, from the copy, only when a device matches it;
 * any other file (edited, added, malformed) is parsed as it is read.
 */
#ifndef PCL_QUIRKS_BUILTIN_H
#define PCL_QUIRKS_BUILTIN_H

#include <stddef.h>

#include <pcilayout/layout.h>

/**
 * struct pcl_builtin_quirk - one shipped quirk file.
 * @base: its file name, the key a directory's file is compared under.
 * @name: its "name" (for the "quirk:NAME" source of its ranges).
 * @text: its bytes, exactly as shipped.
 * @len: number of bytes of @text.
 * @match: its "match", as the loader reads it.
 */
struct pcl_builtin_quirk {
	const char *base;
	const char *name;
	const unsigned char *text;
	size_t len;
	struct pcl_layout_match match;
};

/* Sorted by @base; generated (quirks-builtin.c), or none (builtin-none.c,
 * for quirkgen itself). */
extern const struct pcl_builtin_quirk pcl_builtin_quirks[];
extern const size_t pcl_builtin_quirk_count;

#endif
