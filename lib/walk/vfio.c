// SPDX-License-Identifier: BSD-3-Clause
/*
 * vfio.c - the config space a VMM reads through the kernel's vfio-pci,
 * predicted from the device's own bytes. It follows vfio_config_init(),
 * vfio_cap_init() and vfio_ecap_init() (drivers/vfio/pci/vfio_pci_config.c;
 * research/upstream.md sections 3.1 and 3.7):
 *
 *  - a standard capability the kernel does not pass is unlinked: the
 *    pointer that led to it (0x34, or the previous shown capability's next
 *    pointer) takes its next pointer; Status.CAP_LIST is cleared when none
 *    is left;
 *  - an extended capability the kernel does not pass is unlinked the same
 *    way through the previous shown header's next field; a hidden first
 *    capability stays as a placeholder whose ID and version read 0 and
 *    whose next pointer is kept (it then links on to the rest); when no
 *    extended capability is shown, the dword at 0x100 reads 0;
 *  - a VF reads its real vendor and device ID, Interrupt Pin 0, and
 *    Command.Memory set (vfio-pci sets it in its virtual copy).
 *
 * Every other byte is the device's: vfio-pci leaves the bodies of hidden
 * capabilities in place and passes bytes outside its map through, which is
 * why a hidden capability shows as an orphan. The chains unlinked are the
 * ones this library's walk found; for a broken chain (a loop, a pointer
 * into the header) the kernel's own bounded loop can differ.
 */
#include "internal.h"
#include "source/source.h"

/* vfio_cap_init(): unlink what the kernel hides from the standard chain. */
static bool unlink_std(const struct pcl_walk *w, uint8_t *d)
{
	uint32_t prev = (d[PCL_REG_HEADER_TYPE] & PCL_HEADER_TYPE_MASK) ==
				PCL_HEADER_TYPE_CARDBUS ?
			PCL_REG_CARDBUS_CAP_PTR : PCL_REG_CAP_PTR;
	size_t shown = 0, std = 0;
	bool changed = false;

	for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);

		if (c->space != PCL_SPACE_STANDARD)
			continue;
		std++;
		if (!pcl_catalog_vfio_hides(c->space, c->id)) {
			prev = c->offset + PCL_CAP_NEXT;
			shown++;
			continue;
		}
		d[prev] = (uint8_t)c->next;
		changed = true;
	}
	if (std && !shown) {
		uint16_t st = pcl_le16(d + PCL_REG_STATUS) & ~PCL_STATUS_CAP_LIST;

		pcl_put_le16(d + PCL_REG_STATUS, st);
	}
	return changed;
}

/* vfio_ecap_init(): the same for the extended chain, with its placeholder. */
static bool unlink_ext(const struct pcl_walk *w, uint8_t *d)
{
	long prev = -1;
	size_t shown = 0, ext = 0;
	bool changed = false;

	for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		uint32_t h = pcl_le32(d + c->offset), next = PCL_EXT_CAP_HDR_NEXT(h);

		if (c->space != PCL_SPACE_EXTENDED)
			continue;
		ext++;
		if (!pcl_catalog_vfio_hides(c->space, c->id)) {
			prev = c->offset;
			shown++;
			continue;
		}
		changed = true;
		if (prev >= 0) {
			uint32_t p = pcl_le32(d + prev);

			pcl_put_le32(d + prev, (p & ~(0xffcu << 20)) | next << 20);
			continue;
		}
		/* The first one: a placeholder that keeps the chain's start. */
		pcl_put_le32(d + c->offset, h & (0xffcu << 20));
		prev = c->offset;
	}
	if (ext && !shown) {
		changed |= pcl_le32(d + PCL_EXT_CAP_START) != 0;
		pcl_put_le32(d + PCL_EXT_CAP_START, 0);
	}
	return changed;
}

/* vfio_config_init() for a VF: the IDs and bits the kernel virtualizes. */
static bool vf_header(const struct pcl_cfg *cfg, uint8_t *d)
{
	struct pcl_identity id;
	uint8_t before[PCL_STD_HEADER_SIZE];

	pcl_cfg_identity(cfg, &id);
	if (!id.is_vf)
		return false;
	memcpy(before, d, sizeof(before));
	pcl_put_le16(d + PCL_REG_VENDOR_ID, id.vendor_id);
	pcl_put_le16(d + PCL_REG_DEVICE_ID, id.device_id);
	d[PCL_REG_INT_PIN] = 0;
	pcl_put_le16(d + PCL_REG_COMMAND,
		     pcl_le16(d + PCL_REG_COMMAND) | PCL_COMMAND_MEMORY);
	return memcmp(before, d, sizeof(before)) != 0;
}

PCL_EXPORT int pcl_walk_vfio_view(const struct pcl_walk *walk,
				  struct pcl_cfg **view, bool *changed)
{
	const struct pcl_cfg *cfg;
	struct pcl_identity id;
	uint8_t d[PCL_CFG_SIZE];
	uint32_t len, end;
	bool ch = false;

	if (!walk || !view)
		return -EINVAL;
	*view = NULL;
	cfg = pcl_walk_cfg(walk);
	/* What a config region returns: the part read from 0 on. */
	pcl_cfg_read_extent(cfg, &len, &end);
	if (len < PCL_STD_HEADER_SIZE)
		return -EINVAL; /* no header: nothing a VMM could read */
	memcpy(d, pcl_cfg_data(cfg), PCL_CFG_SIZE);
	ch |= vf_header(cfg, d);
	ch |= unlink_std(walk, d);
	if (len > PCL_EXT_CAP_START)
		ch |= unlink_ext(walk, d);
	/* Bytes read past the prefix are not in the view. */
	ch |= end != len;
	*view = pcl_cfg_new(pcl_cfg_ctx(cfg), d, len, pcl_cfg_source(cfg));
	if (!*view)
		return -errno;
	pcl_cfg_identity(cfg, &id);
	if (id.is_vf && pcl_cfg_set_vf(*view, pcl_cfg_pf_slot(cfg))) {
		pcl_cfg_free(*view);
		*view = NULL;
		return -ENOMEM;
	}
	if (changed)
		*changed = ch;
	return 0;
}
