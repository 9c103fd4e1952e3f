// SPDX-License-Identifier: BSD-3-Clause
/*
 * table.c - the guest view as data: the initial image, one access rule per
 * byte, segments and hooked registers, built byte range by byte range.
 *
 * Invariants every setter keeps, which the engine relies on instead of
 * re-checking on the guest-access path:
 *  - every rule passes pcl_guest_rule_check(): CONST bytes have no masks,
 *    SHADOW w1c is inside wmask, PHYS w1c never overlaps vmask, physical
 *    offsets are below 4096, hooks sit inside their registered register,
 *    on bytes whose value the engine keeps (SHADOW, or PHYS with emulated
 *    or settings bits);
 *  - seg_end[i] is in (i, 4096] and every byte of a segment has the same
 *    seg_end (the segments are saved with the engine's state);
 *  - at most PCL_GUEST_MAX_HOOKS hooks, each passing pcl_guest_hook_check().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "guest-internal.h"

PCL_NO_COVERAGE struct pcl_guest *pcl_guest_new(struct pcl_ctx *ctx)
{
	struct pcl_guest *g = calloc(1, sizeof(*g));

	if (!g) {
		errno = ENOMEM;
		return NULL;
	}
	g->ctx = ctx;
	/* calloc gives CONST 0 everywhere; one segment per dword. */
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		g->seg_end[i] = (uint16_t)((i | 3u) + 1u);
	return g;
}

void pcl_guest_free(struct pcl_guest *guest)
{
	free(guest);
}

PCL_NO_COVERAGE int pcl_guest_set(struct pcl_guest *guest, uint32_t off,
				  uint32_t len, const struct pcl_guest_rule *rule,
				  const uint8_t *init)
{
	struct pcl_guest_rule r;

	if (!guest || !rule || len == 0 || off >= PCL_CFG_SIZE ||
	    len > PCL_CFG_SIZE - off)
		return -EINVAL;
	/*
	 * Check every byte before changing any, so a failure changes nothing.
	 * The bytes' rules differ only in their device byte (rule->phys + i),
	 * which the check bounds from above, and in the offset, which only a
	 * hook's check reads: without a hook, the last byte's check is every
	 * byte's (the builder sets all 4096 bytes, a layer at a time).
	 */
	for (uint32_t i = rule->hook ? 0 : len - 1; i < len; i++) {
		r = *rule;
		r.phys = (uint16_t)(rule->phys + i);
		if ((uint32_t)rule->phys + i >= 0x10000u ||
		    pcl_guest_rule_check(guest, off + i, &r))
			return -EINVAL;
	}
	for (uint32_t i = 0; i < len; i++) {
		r = *rule;
		r.phys = (uint16_t)(rule->phys + i);
		guest->rule[off + i] = r;
		if (init)
			guest->image[off + i] = init[i];
	}
	return 0;
}

int pcl_guest_set_segment(struct pcl_guest *guest, uint32_t off, uint32_t len)
{
	if (!guest || len == 0 || off >= PCL_CFG_SIZE ||
	    len > PCL_CFG_SIZE - off)
		return -EINVAL;
	/*
	 * A segment that cuts an older one leaves the older one's bytes on
	 * either side as their own segments: those after it keep their end;
	 * those before it now end where it starts.
	 */
	uint32_t end = off + len;

	for (uint32_t i = off; i > 0 && guest->seg_end[i - 1] > off; i--)
		guest->seg_end[i - 1] = (uint16_t)off;
	for (uint32_t i = off; i < end; i++)
		guest->seg_end[i] = (uint16_t)end;
	return 0;
}

uint32_t pcl_guest_segment_end(const struct pcl_guest *guest, uint32_t off)
{
	if (!guest || off >= PCL_CFG_SIZE)
		return 0;
	return guest->seg_end[off];
}

int pcl_guest_hook_check(const struct pcl_guest_hook *h)
{
	if (h->hook <= PCL_HOOK_NONE || h->hook > PCL_HOOK_FLR)
		return -EINVAL;
	if ((h->width != 1 && h->width != 2 && h->width != 4) ||
	    h->offset >= PCL_CFG_SIZE || (h->offset & 3u) + h->width > 4 ||
	    (h->hook == PCL_HOOK_FLR && h->width != 1))
		return -EINVAL;
	return 0;
}

int pcl_guest_add_hook(struct pcl_guest *guest, int hook, uint32_t off,
		       uint32_t width)
{
	struct pcl_guest_hook h = {
		.hook = (uint8_t)hook,
		.width = (uint8_t)width,
		.offset = (uint16_t)off,
	};

	/* Checked before narrowing, then as the engine checks it. */
	if (!guest || hook <= PCL_HOOK_NONE || hook > PCL_HOOK_FLR ||
	    width > 4 || off >= PCL_CFG_SIZE || pcl_guest_hook_check(&h))
		return -EINVAL;
	if (guest->nhooks >= PCL_GUEST_MAX_HOOKS)
		return -ENOSPC;
	guest->hooks[guest->nhooks] = h;
	return (int)guest->nhooks++;
}

int pcl_guest_set_fingerprint(struct pcl_guest *guest, const char *fingerprint)
{
	if (!guest || !fingerprint ||
	    strlen(fingerprint) >= sizeof(guest->fingerprint))
		return -EINVAL;
	pcl_strlcpy(guest->fingerprint, fingerprint, sizeof(guest->fingerprint));
	return 0;
}

const char *pcl_guest_fingerprint(const struct pcl_guest *guest)
{
	return guest ? guest->fingerprint : "";
}

const uint8_t *pcl_guest_image(const struct pcl_guest *guest)
{
	return guest ? guest->image : NULL;
}

int pcl_guest_rule(const struct pcl_guest *guest, uint32_t off,
		   struct pcl_guest_rule *rule)
{
	if (!guest || !rule || off >= PCL_CFG_SIZE)
		return -EINVAL;
	*rule = guest->rule[off];
	return 0;
}

const struct pcl_guest_rule *pcl_guest_rules(const struct pcl_guest *guest)
{
	if (!guest) {
		errno = EINVAL;
		return NULL;
	}
	return guest->rule;
}

int pcl_guest_write_lspci(const struct pcl_guest *guest, FILE *f,
			  const char *slot)
{
	const uint8_t *p;
	char text[64];

	if (!guest || !f)
		return -EINVAL;
	p = guest->image;
	/*
	 * lspci -F only needs "slot something" then rows of 16 bytes; the
	 * class and IDs in the device line are cosmetic, so write what
	 * lspci -xxxx without names would.
	 */
	if (p[PCL_REG_REVISION])
		snprintf(text, sizeof(text), "Class %02x%02x: Device %04x:%04x "
			 "(rev %02x)", p[PCL_REG_CLASS_PROG + 2],
			 p[PCL_REG_CLASS_PROG + 1], pcl_le16(p + PCL_REG_VENDOR_ID),
			 pcl_le16(p + PCL_REG_DEVICE_ID), p[PCL_REG_REVISION]);
	else
		snprintf(text, sizeof(text), "Class %02x%02x: Device %04x:%04x",
			 p[PCL_REG_CLASS_PROG + 2], p[PCL_REG_CLASS_PROG + 1],
			 pcl_le16(p + PCL_REG_VENDOR_ID),
			 pcl_le16(p + PCL_REG_DEVICE_ID));
	return pcl_lspci_write(f, slot ? slot : "00:00.0", text, p,
			       PCL_CFG_SIZE);
}
