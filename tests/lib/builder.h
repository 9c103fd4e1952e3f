/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builder.h - test-only builder of config spaces: set a header, place
 * capabilities with given ids, versions, lengths and next pointers, then
 * turn the image into a pcl_cfg. Chains are linked in call order unless a
 * test overwrites a next pointer on purpose.
 */
#ifndef PCL_TEST_BUILDER_H
#define PCL_TEST_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include <pcilayout/pcilayout.h>

struct tb {
	uint8_t cfg[PCL_CFG_SIZE];
	size_t len;        /* bytes that count as read (64, 256, 4096...) */
	uint16_t std_tail; /* offset of the last standard cap, 0 if none */
	uint16_t ext_tail; /* offset of the last extended cap, 0 if none */
};

/*
 * Start an image: vendor/device, header type (0, 1, 2), class 0x020000, all
 * other bytes 0, @len bytes read.
 */
void tb_init(struct tb *b, uint16_t vendor, uint16_t device,
	     uint8_t header_type, size_t len);

/*
 * Append a standard capability at @off with @id, linking it from 0x34 (or
 * 0x14 for CardBus) or from the previous one, and setting Status.CAP_LIST.
 * Its own next pointer is 0.
 */
void tb_std(struct tb *b, uint8_t off, uint8_t id);

/* Append an extended capability header at @off (id, version, next = 0). */
void tb_ext(struct tb *b, uint16_t off, uint16_t id, uint8_t version);

/* Add a PCI Express capability (id 0x10) at @off: @version, device @type. */
void tb_pcie(struct tb *b, uint8_t off, uint8_t version, uint8_t type);

/* Raw writes, little-endian. */
void tb_w8(struct tb *b, uint32_t off, uint8_t v);
void tb_w16(struct tb *b, uint32_t off, uint16_t v);
void tb_w32(struct tb *b, uint32_t off, uint32_t v);

/* Overwrite the next pointer of the std cap at @off / ext cap at @off. */
void tb_std_next(struct tb *b, uint8_t off, uint8_t next);
void tb_ext_next(struct tb *b, uint16_t off, uint16_t next);

/* A cfg of the image (asserts on failure); free with pcl_cfg_free(). */
struct pcl_cfg *tb_cfg(struct pcl_ctx *ctx, const struct tb *b);

/* A 4 KiB type-0 device that @m matches: its IDs, 0 where @m has none. */
struct pcl_cfg *tb_cfg_matching(struct pcl_ctx *ctx,
				const struct pcl_layout_match *m);

#endif
