/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * names-internal.h - private to lib/names: the pci.ids index (ids.c) that
 * names.c turns into lspci's wording. An index is immutable once parsed,
 * so any number of threads may look names up in one.
 */
#ifndef PCL_NAMES_INTERNAL_H
#define PCL_NAMES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/** struct pcl_ids - vendor, device, class and subclass names (opaque). */
struct pcl_ids;

/*
 * Index the pci.ids text @text of @len bytes (need not be NUL-terminated;
 * not kept). Lines that do not parse are skipped and counted. Returns 0
 * with a new index in *@out, -EFBIG past 64 MiB, or -ENOMEM.
 */
int pcl_ids_parse(const char *text, size_t len, struct pcl_ids **out);

/*
 * pcl_ids_parse() the way pcl_ids_load() reads a file: in pieces of at
 * most @piece bytes (> 0), lines carried over between them. For tests
 * that the two give the same index.
 */
int pcl_ids_parse_pieces(const char *text, size_t len, size_t piece,
			 struct pcl_ids **out);

/*
 * Read and index the file at @path, which must be a regular file of at
 * most 64 MiB. Returns 0; -ENOENT, -EACCES, -EISDIR, -EINVAL (not a regular
 * file), -EFBIG, other -errno from open/read; -ENOMEM.
 */
int pcl_ids_load(const char *path, struct pcl_ids **out);

void pcl_ids_free(struct pcl_ids *ids);

/* Number of names kept (after dropping repeated IDs). */
size_t pcl_ids_count(const struct pcl_ids *ids);

/* Number of lines skipped as malformed, and the first one's number. */
size_t pcl_ids_malformed(const struct pcl_ids *ids, uint32_t *first_line);

/* Names, borrowed from the index, or NULL when pci.ids has none. */
const char *pcl_ids_vendor(const struct pcl_ids *ids, uint16_t vendor);
const char *pcl_ids_device(const struct pcl_ids *ids, uint16_t vendor,
			   uint16_t device);
const char *pcl_ids_class(const struct pcl_ids *ids, uint8_t base);
const char *pcl_ids_subclass(const struct pcl_ids *ids, uint8_t base,
			     uint8_t sub);

#endif /* PCL_NAMES_INTERNAL_H */
