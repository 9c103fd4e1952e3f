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

struct pcl_guest *pcl_guest_new(struct pcl_ctx *ctx)
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

int pcl_guest_rule_check(const struct pcl_guest *g, uint32_t off,
			 const struct pcl_guest_rule *r)
{
	uint32_t hook;

	switch (r->source) {
	case PCL_GUEST_CONST:
		if (r->wmask || r->w1c || r->vmask || r->hook ||
		    (r->flags & ~PCL_GUEST_UNCLAIMED))
			return -EINVAL;
		return 0;
	case PCL_GUEST_SHADOW:
		if ((r->w1c & ~r->wmask) || r->vmask)
			return -EINVAL;
		if (r->flags & ~(PCL_GUEST_WRITE_THROUGH | PCL_GUEST_DEVICE_FACT))
			return -EINVAL;
		if ((r->flags & PCL_GUEST_WRITE_THROUGH) &&
		    (r->w1c || r->phys >= PCL_CFG_SIZE))
			return -EINVAL;
		break;
	case PCL_GUEST_PHYS:
		if ((r->flags & ~(PCL_GUEST_REPLAY | PCL_GUEST_UNCLAIMED)) ||
		    (r->w1c & r->vmask) || r->phys >= PCL_CFG_SIZE)
			return -EINVAL;
		/* An unclaimed byte holds no state. */
		if ((r->flags & PCL_GUEST_UNCLAIMED) &&
		    (r->vmask || r->hook || (r->flags & PCL_GUEST_REPLAY)))
			return -EINVAL;
		/* A hook reports bits the engine keeps: emulated or settings. */
		if (r->hook && !r->vmask && !(r->flags & PCL_GUEST_REPLAY))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	hook = r->hook; /* a copy: what is checked is what is used */
	if (hook) {
		const struct pcl_guest_hook *h;

		if (hook > g->nhooks)
			return -EINVAL;
		h = &g->hooks[hook - 1];
		if (off < h->offset || off >= (uint32_t)h->offset + h->width)
			return -EINVAL;
	}
	return 0;
}

int pcl_guest_set(struct pcl_guest *guest, uint32_t off, uint32_t len,
		  const struct pcl_guest_rule *rule, const uint8_t *init)
{
	struct pcl_guest_rule r;

	if (!guest || !rule || len == 0 || off >= PCL_CFG_SIZE ||
	    len > PCL_CFG_SIZE - off)
		return -EINVAL;
	/* Check every byte before changing any, so a failure changes nothing. */
	for (uint32_t i = 0; i < len; i++) {
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

uint32_t pcl_crc32(uint32_t crc, const void *buf, size_t len)
{
	/* The reflected polynomial 0xedb88320 applied to each nibble. */
	static const uint32_t nibble[16] = {
		0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
		0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
		0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
		0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};
	const uint8_t *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ nibble[crc & 15u];
		crc = (crc >> 4) ^ nibble[crc & 15u];
	}
	return ~crc;
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
