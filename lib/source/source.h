/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.h - private to lib/source: the layout of struct pcl_cfg and the
 * helpers the readers (dump.c, sysfs.c) use to fill one before it is handed
 * out. Once returned to a caller a cfg is never modified again, except by
 * pcl_cfg_set_vf().
 */
#ifndef PCL_SOURCE_H
#define PCL_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* "dddd:bb:dd.f" with a domain of up to 8 hex digits, plus NUL. */
#define PCL_SLOT_MAX 20

/*
 * Sized for holding many at once (a fleet survey keeps ~100,000): the data
 * and a one-bit-per-byte read map inline, the source name in the same
 * allocation, no other heap pointers.
 */
struct pcl_cfg {
	uint8_t data[PCL_CFG_SIZE];
	uint8_t read[PCL_CFG_SIZE / 8];
	struct pcl_ctx *ctx;
	struct pcl_identity id;
	uint32_t line;
	uint32_t size;
	uint32_t read_prefix; /* bytes [0, read_prefix) all read: the fast path */
	char slot[PCL_SLOT_MAX];
	char pf_slot[PCL_SLOT_MAX];
	char source[]; /* NUL-terminated */
};

/* A zeroed cfg with nothing read; NULL with errno = ENOMEM. */
struct pcl_cfg *pcl_cfg_alloc(struct pcl_ctx *ctx, const char *source);

/* Mark [off, off + len) read; the caller has stored the bytes in data[]. */
void pcl_cfg_mark_read(struct pcl_cfg *cfg, uint32_t off, uint32_t len);

/* Compute the size and decode the identity, once all bytes are in. */
void pcl_cfg_finish(struct pcl_cfg *cfg);

/*
 * Parse a PCI address "[dddd:]bb:dd.f" occupying exactly @len bytes of @s.
 * The domain has 4..8 hex digits, bus and device exactly 2, function one
 * octal digit; device <= 0x1f. Returns 0 and the fields, or -EINVAL.
 */
int pcl_slot_parse(const char *s, size_t len, uint32_t *domain, uint8_t *bus,
		   uint8_t *dev, uint8_t *fn);

/* Format the canonical "dddd:bb:dd.f" into @buf (PCL_SLOT_MAX bytes). */
void pcl_slot_format(char *buf, uint32_t domain, uint8_t bus, uint8_t dev,
		     uint8_t fn);

#endif /* PCL_SOURCE_H */
