// SPDX-License-Identifier: BSD-3-Clause
/*
 * names.c - pcl_names_device() and pcl_names_class(): names from pci.ids
 * in lspci's wording, fallbacks included, so the tool's titles read like
 * lspci's. The index is built on a context's first lookup and kept until
 * the context is freed (pcl_ctx_lazy(): one load even when threads race to
 * it). A missing or unreadable file is remembered as an empty index, so a
 * host without pci.ids pays for one failed open, not one per lookup.
 */
#include <stdio.h>
#include <stdlib.h>

#include "names-internal.h"
#include "names/pci-ids-path.h"

static void *names_make(struct pcl_ctx *ctx)
{
	const char *env = secure_getenv("PCILAYOUT_PCI_IDS");
	const char *path = env && *env ? env : PCL_PCI_IDS_PATH;
	struct pcl_ids *ids;
	uint32_t first;
	size_t bad;
	int r = pcl_ids_load(path, &ids);

	if (r == -ENOMEM)
		return NULL;
	if (r < 0) {
		pcl_warn(ctx, "%s: %s; names fall back to numbers", path,
			 strerror(-r));
		return pcl_ids_parse("", 0, &ids) == 0 ? ids : NULL;
	}
	bad = pcl_ids_malformed(ids, &first);
	if (bad)
		pcl_warn(ctx, "%s: %zu malformed line%s ignored, the first at line %u",
			 path, bad, bad == 1 ? "" : "s", first);
	pcl_dbg(ctx, "%s: %zu names", path, pcl_ids_count(ids));
	return ids;
}

static void names_destroy(void *ids)
{
	pcl_ids_free(ids);
}

/* The context's index, or NULL when memory ran out. */
static const struct pcl_ids *names_get(struct pcl_ctx *ctx)
{
	return pcl_ctx_lazy(ctx, PCL_CTX_NAMES, names_make, names_destroy);
}

PCL_EXPORT int pcl_names_device(struct pcl_ctx *ctx, uint16_t vendor_id,
				uint16_t device_id, char *buf, size_t size)
{
	const struct pcl_ids *ids;
	const char *vendor = NULL, *device = NULL;

	if (!ctx || !buf || !size)
		return -EINVAL;
	ids = names_get(ctx);
	if (ids) {
		vendor = pcl_ids_vendor(ids, vendor_id);
		device = pcl_ids_device(ids, vendor_id, device_id);
	}
	if (vendor && device) {
		snprintf(buf, size, "%s %s", vendor, device);
		return 0;
	}
	/* lspci's wording: "Vendor Device 10c9", else "Device 8086:10c9". */
	if (vendor)
		snprintf(buf, size, "%s Device %04x", vendor, device_id);
	else
		snprintf(buf, size, "Device %04x:%04x", vendor_id, device_id);
	return -ENOENT;
}

PCL_EXPORT int pcl_names_class(struct pcl_ctx *ctx, uint32_t class_code,
			       char *buf, size_t size)
{
	uint8_t base = (uint8_t)(class_code >> 16), sub = (uint8_t)(class_code >> 8);
	const struct pcl_ids *ids;
	const char *name = NULL;

	if (!ctx || !buf || !size)
		return -EINVAL;
	ids = names_get(ctx);
	if (ids)
		name = pcl_ids_subclass(ids, base, sub);
	if (name) {
		snprintf(buf, size, "%s", name);
		return 0;
	}
	/* A known base class with an unknown subclass: "Name [0c7f]". */
	name = ids ? pcl_ids_class(ids, base) : NULL;
	if (name) {
		snprintf(buf, size, "%s [%02x%02x]", name, base, sub);
		return 0;
	}
	snprintf(buf, size, "Class %02x%02x", base, sub);
	return -ENOENT;
}
