// SPDX-License-Identifier: BSD-3-Clause
/*
 * builder.c - test-only config-space builder (see builder.h). It writes what
 * it is told, including broken chains: tests rely on it to build bad input.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "builder.h"

void tb_w8(struct tb *b, uint32_t off, uint8_t v)
{
	assert_true(off < PCL_CFG_SIZE);
	b->cfg[off] = v;
}

void tb_w16(struct tb *b, uint32_t off, uint16_t v)
{
	tb_w8(b, off, (uint8_t)v);
	tb_w8(b, off + 1, (uint8_t)(v >> 8));
}

void tb_w32(struct tb *b, uint32_t off, uint32_t v)
{
	tb_w16(b, off, (uint16_t)v);
	tb_w16(b, off + 2, (uint16_t)(v >> 16));
}

void tb_init(struct tb *b, uint16_t vendor, uint16_t device,
	     uint8_t header_type, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->len = len;
	tb_w16(b, 0x00, vendor);
	tb_w16(b, 0x02, device);
	tb_w8(b, 0x0b, 0x02); /* network controller */
	tb_w8(b, 0x0e, header_type);
}

void tb_std(struct tb *b, uint8_t off, uint8_t id)
{
	uint8_t head = (b->cfg[0x0e] & 0x7f) == 2 ? 0x14 : 0x34;

	if (b->std_tail)
		tb_w8(b, b->std_tail + 1u, off);
	else
		tb_w8(b, head, off);
	b->cfg[0x06] |= 0x10; /* Status.CAP_LIST */
	tb_w8(b, off, id);
	tb_w8(b, off + 1u, 0);
	b->std_tail = off;
}

void tb_ext(struct tb *b, uint16_t off, uint16_t id, uint8_t version)
{
	if (b->ext_tail)
		tb_ext_next(b, b->ext_tail, off);
	tb_w32(b, off, (uint32_t)id | ((uint32_t)(version & 0xf) << 16));
	b->ext_tail = off;
}

void tb_pcie(struct tb *b, uint8_t off, uint8_t version, uint8_t type)
{
	tb_std(b, off, 0x10);
	tb_w16(b, off + 2u, (uint16_t)((version & 0xf) | ((type & 0xf) << 4)));
}

void tb_std_next(struct tb *b, uint8_t off, uint8_t next)
{
	tb_w8(b, off + 1u, next);
}

void tb_ext_next(struct tb *b, uint16_t off, uint16_t next)
{
	uint32_t v = b->cfg[off] | (b->cfg[off + 1] << 8) |
		     ((uint32_t)b->cfg[off + 2] << 16) |
		     ((uint32_t)b->cfg[off + 3] << 24);

	v = (v & 0x000fffffu) | ((uint32_t)(next & 0xfff) << 20);
	tb_w32(b, off, v);
}

struct pcl_cfg *tb_cfg(struct pcl_ctx *ctx, const struct tb *b)
{
	struct pcl_cfg *cfg = pcl_cfg_new(ctx, b->cfg, b->len, "builder");

	assert_non_null(cfg);
	return cfg;
}

struct pcl_cfg *tb_cfg_matching(struct pcl_ctx *ctx,
				const struct pcl_layout_match *m)
{
	struct tb b;

	tb_init(&b, m->vendor, m->fields & PCL_MATCH_DEVICE ? m->device : 0,
		0, 4096);
	if (m->fields & PCL_MATCH_SUBSYSTEM_VENDOR)
		tb_w16(&b, PCL_REG_SUBSYS_VENDOR, m->subsystem_vendor);
	if (m->fields & PCL_MATCH_SUBSYSTEM)
		tb_w16(&b, PCL_REG_SUBSYS_ID, m->subsystem);
	if (m->fields & PCL_MATCH_REVISION)
		tb_w8(&b, PCL_REG_REVISION, (uint8_t)m->revision);
	if (m->fields & PCL_MATCH_CLASS) {
		tb_w8(&b, PCL_REG_CLASS_PROG, (uint8_t)m->class_code);
		tb_w16(&b, PCL_REG_CLASS_PROG + 1,
		       (uint16_t)(m->class_code >> 8));
	}
	return tb_cfg(ctx, &b);
}
