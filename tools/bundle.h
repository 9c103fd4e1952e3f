/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bundle.h - the per-host bundle that `pcilayout collect` writes
 * (docs/schemas/bundle-1.schema.json): the config spaces of a host's
 * functions with their PF links, IOMMU groups and IOMMUs, and each IOMMU's
 * PASID support as the kernel reports it. Every command that reads a
 * SOURCE reads a bundle as the functions it holds.
 */
#ifndef PCILAYOUT_BUNDLE_H
#define PCILAYOUT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <pcilayout/pcilayout.h>

#include "host.h"

/*
 * struct bundle_fn - one function of a bundle.
 * @cfg: its config space (owned by the bundle until taken).
 * @selected: collected because it was selected, not only as a VF's PF.
 * @pf: a VF's PF when the bundle holds it (another function's @cfg).
 * @pasid: what the bundle says of the IOMMU serving the function.
 */
struct bundle_fn {
	struct pcl_cfg *cfg;
	bool selected;
	struct pcl_cfg *pf;
	struct host_pasid pasid;
};

struct bundle {
	struct bundle_fn *fn;
	size_t count;
};

/*
 * Whether @text (the first bytes of a file) may be a bundle: its first
 * non-blank character is '{'. Dumps never start so; a binary config space
 * may, so a file that is not JSON is still read as a dump.
 */
bool bundle_sniff(const char *text, size_t len);

/*
 * Read the bundle in @text (@len bytes, named @name in messages). Return:
 * 1 and a new bundle in *@b; 0 when @text is not JSON at all (read it as
 * a dump); -1 with why it is not a valid bundle in @err.
 */
int bundle_parse(const char *name, const char *text, size_t len,
		 struct bundle **b, struct pcl_error *err);

/* Free @b and every cfg it still owns (taken ones are NULL). */
void bundle_free(struct bundle *b);

#endif /* PCILAYOUT_BUNDLE_H */
