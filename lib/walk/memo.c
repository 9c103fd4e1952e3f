// SPDX-License-Identifier: BSD-3-Clause
/*
 * memo.c - the walk and the vfio-pci view a cfg keeps (memo.h), made
 * together on first use: nearly every caller of one needs the other.
 */
#include <stdlib.h>

#include "internal.h"
#include "source/source.h"
#include "walk/memo.h"

struct walk_memo {
	struct pcl_cfg_lazy lazy; /* first: the cfg frees the memo by it */
	struct pcl_walk *walk;
	struct pcl_cfg *view;	     /* NULL when it is the device as read */
	struct pcl_walk *view_walk;
};

static void memo_destroy(struct pcl_cfg_lazy *self)
{
	struct walk_memo *m = (struct walk_memo *)self;

	pcl_walk_free(m->view_walk);
	pcl_cfg_free(m->view);
	pcl_walk_free(m->walk);
	free(m);
}

static struct pcl_cfg_lazy *memo_make(const struct pcl_cfg *cfg)
{
	struct walk_memo *m = calloc(1, sizeof(*m));
	bool changed = false;
	int r;

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->lazy.destroy = memo_destroy;
	if (!(m->walk = pcl_walk_new(cfg)))
		goto fail;
	r = pcl_walk_vfio_view(m->walk, &m->view, &changed);
	if (r == -EINVAL || (!r && !changed)) {
		/* No header to predict from, or nothing vfio-pci changes. */
		pcl_cfg_free(m->view);
		m->view = NULL;
		return &m->lazy;
	}
	if (!r && (m->view_walk = pcl_walk_new(m->view)))
		return &m->lazy;
fail:
	memo_destroy(&m->lazy);
	errno = ENOMEM;
	return NULL;
}

const struct pcl_walk *pcl_cfg_walk(const struct pcl_cfg *cfg)
{
	struct pcl_cfg_lazy *l = pcl_cfg_lazy(cfg, PCL_CFG_LAZY_WALK, memo_make);

	return l ? ((const struct walk_memo *)l)->walk : NULL;
}

int pcl_cfg_view_walk(const struct pcl_cfg *cfg, const struct pcl_walk **out)
{
	struct pcl_cfg_lazy *l = pcl_cfg_lazy(cfg, PCL_CFG_LAZY_WALK, memo_make);

	*out = l ? ((const struct walk_memo *)l)->view_walk : NULL;
	return l ? 0 : -ENOMEM;
}
