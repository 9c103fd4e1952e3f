// SPDX-License-Identifier: BSD-3-Clause
/*
 * corpus.c - the corpus as the unit tests read it (see corpus.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

bool corpus_open(struct corpus_iter *it, int max_header_type)
{
	it->path = getenv("PCL_CORPUS");
	it->dir = it->path ? opendir(it->path) : NULL;
	it->max_header_type = max_header_type;
	return it->dir != NULL;
}

struct pcl_cfg *corpus_next(struct corpus_iter *it, struct pcl_ctx *ctx,
			    char *name, size_t size)
{
	struct dirent *de;

	while (it->dir && (de = readdir(it->dir))) {
		char path[1024];
		struct pcl_cfg **cfgs = NULL, *cfg;
		size_t n = 0;

		if (!strstr(de->d_name, ".lspci") || strstr(de->d_name, ".vvv"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", it->path, de->d_name);
		if (pcl_cfg_load(ctx, path, &cfgs, &n, NULL) || n != 1 ||
		    pcl_cfg_size(cfgs[0]) < PCL_CFG_SIZE ||
		    (pcl_cfg_data(cfgs[0])[0x0e] & 0x7f) > it->max_header_type) {
			pcl_cfg_list_free(cfgs, n);
			continue;
		}
		cfg = cfgs[0];
		free(cfgs);
		snprintf(name, size, "%s", de->d_name);
		return cfg;
	}
	if (it->dir)
		closedir(it->dir);
	it->dir = NULL;
	return NULL;
}

struct pcl_layout *layout_in_place(struct pcl_ctx *ctx,
				   const struct pcl_cfg *cfg)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_walk *w = pcl_walk_new(cfg);
	bool ok = l && w && pcl_layout_set_name(l, "in-place") == 0;

	for (size_t i = 0; ok && i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		struct pcl_layout_entry e;

		if (c->flags & (PCL_CAP_LENGTH_UNKNOWN | PCL_CAP_TRUNCATED |
				PCL_CAP_OVERLAP))
			ok = false;
		pcl_layout_entry_init(&e);
		e.space = c->space;
		e.id = c->id;
		e.at = c->offset;
		e.length = c->length;
		e.instance = c->instance;
		ok = ok && pcl_layout_add_entry(l, &e) == 0;
	}
	pcl_walk_free(w);
	if (!ok || pcl_layout_validate(l, NULL)) {
		pcl_layout_free(l);
		return NULL;
	}
	return l;
}
