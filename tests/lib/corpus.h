/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * corpus.h - test-only access to ../shared/corpus ($PCL_CORPUS): its
 * single-function 4 KiB dumps one by one, and the layout that presents a
 * device's capabilities where they are.
 */
#ifndef PCL_TEST_CORPUS_H
#define PCL_TEST_CORPUS_H

#include <dirent.h>
#include <stddef.h>

#include <pcilayout/pcilayout.h>

struct corpus_iter {
	DIR *dir;
	const char *path;
	int max_header_type;
};

/*
 * Start iterating over the dumps of header type 0..@max_header_type.
 * Return: false (nothing to iterate) when $PCL_CORPUS is unset or absent.
 */
bool corpus_open(struct corpus_iter *it, int max_header_type);

/*
 * The next dump: a cfg that the caller frees, its file name in @name;
 * NULL at the end (the iterator is then closed).
 */
struct pcl_cfg *corpus_next(struct corpus_iter *it, struct pcl_ctx *ctx,
			    char *name, size_t size);

/*
 * A layout presenting every capability of @cfg's chains at its offset,
 * with the walk's lengths; NULL when a capability's length is unknown,
 * truncated or overlapping, or the layout does not validate.
 */
struct pcl_layout *layout_in_place(struct pcl_ctx *ctx,
				   const struct pcl_cfg *cfg);

#endif
