// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_image.c - the guest view built from a layout: the image's chains
 * (checked by walking the image with the library's own walker), relocation,
 * hidden capabilities and orphans (headers emulated, registers passed
 * through under the default policy) and old homes of moved capabilities
 * unreachable through the engine (a spy around the simulated device records
 * every device access), virtual PASID and DSN, MSI/MSI-X emulation, BAR
 * sizing, the unclaimed policies, and the errors for layouts a device
 * cannot realize. Then, for every corpus dump with extended space, an
 * identity layout must give back the same chains.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"
#include "corpus.h"
#include "internal.h"

/* Spy: forwards to the simulated device, remembers touched device bytes. */
struct spy {
	struct pcl_vdev_backend inner;
	uint8_t touched[PCL_CFG_SIZE];
};

static int spy_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct spy *s = opaque;

	for (uint32_t i = 0; i < len && off + i < PCL_CFG_SIZE; i++)
		s->touched[off + i] = 1;
	return s->inner.read(s->inner.opaque, off, len, val);
}

static int spy_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct spy *s = opaque;

	for (uint32_t i = 0; i < len && off + i < PCL_CFG_SIZE; i++)
		s->touched[off + i] = 2;
	return s->inner.write(s->inner.opaque, off, len, val);
}

static void add(struct pcl_layout *l, int space, uint16_t id, int32_t at,
		uint32_t len, int kind)
{
	struct pcl_layout_entry e;

	pcl_layout_entry_init(&e);
	e.space = (uint8_t)space;
	e.id = id;
	e.at = at;
	e.length = len;
	e.kind = (uint8_t)kind;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
}

/*
 * The device: pm 0x40, msi 0x50 (64-bit, per-vector masks), msix 0x70,
 * exp 0x80; extended: aer 0x100, sriov 0x140 (to hide), ats 0x180 (to
 * relocate), an unlinked PASID at 0x1c0, a register at 0x300.
 */
static struct pcl_cfg *device(struct pcl_ctx *ctx)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x10ca, 0, 4096);
	tb_w16(&b, 0x04, 0x0406);
	tb_w32(&b, 0x10, 0xf0000000);
	tb_w32(&b, 0x14, 0x0000000c); /* 64-bit BAR1/2 */
	tb_std(&b, 0x40, 0x01);
	tb_w16(&b, 0x42, 0xf803); /* PME from every state */
	tb_std(&b, 0x50, 0x05);
	tb_w16(&b, 0x52, 0x0180);
	tb_std(&b, 0x70, 0x11);
	tb_w16(&b, 0x72, 0x0003);
	tb_w32(&b, 0x74, 0x00000003);
	tb_pcie(&b, 0x80, 2, 0);
	tb_ext(&b, 0x100, 0x0001, 2);
	tb_w32(&b, 0x104, 0x11111111);
	tb_ext(&b, 0x140, 0x0010, 1);
	tb_w32(&b, 0x144, 0x22222222);
	tb_ext(&b, 0x180, 0x000f, 1);
	tb_w16(&b, 0x184, 0x0020);
	tb_w32(&b, 0x1c0, 0x0001001b);
	tb_w32(&b, 0x1c4, 0x00001406);
	tb_w32(&b, 0x300, 0xdeadbeef);
	return tb_cfg(ctx, &b);
}

/* A layout named "test" with no entries, unclaimed bytes under @policy. */
static struct pcl_layout *empty_layout(struct pcl_ctx *ctx, int policy)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);

	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, "test"), 0);
	assert_int_equal(pcl_layout_set_unclaimed(l, policy), 0);
	return l;
}

static struct pcl_layout *layout(struct pcl_ctx *ctx, int policy, bool exec)
{
	struct pcl_layout *l = empty_layout(ctx, policy);
	struct pcl_layout_entry e;

	add(l, 0, 0x01, 0x40, 0, PCL_ENTRY_PHYSICAL);
	add(l, 0, 0x11, 0x60, 0, PCL_ENTRY_PHYSICAL);  /* from 0x70 */
	add(l, 0, 0x10, 0x80, 0x3c, PCL_ENTRY_PHYSICAL);
	add(l, 0, 0x05, 0xc0, 24, PCL_ENTRY_PHYSICAL); /* from 0x50 */
	add(l, 1, 0x0001, 0x100, 0, PCL_ENTRY_PHYSICAL);
	add(l, 1, 0x000f, 0x200, 0, PCL_ENTRY_PHYSICAL); /* from 0x180 */
	add(l, 1, 0x0010, -1, 0, PCL_ENTRY_HIDDEN);
	pcl_layout_entry_init(&e);
	e.space = 1;
	e.id = 0x1b;
	e.at = 0xff8;
	e.kind = PCL_ENTRY_VIRTUAL;
	e.generator = PCL_GEN_PASID;
	e.params[PCL_PASID_MAX_WIDTH] = 16;
	e.params[PCL_PASID_EXEC] = exec;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	pcl_layout_entry_init(&e);
	e.space = 1;
	e.id = 0x3;
	e.at = 0x240;
	e.kind = PCL_ENTRY_VIRTUAL;
	e.generator = PCL_GEN_DSN;
	e.params[PCL_DSN_SERIAL] = 0x1122334455667788ull;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	return l;
}

/*
 * The chains a guest walks in @img are @want; the only orphans are the
 * headers QEMU leaves too: the hidden SR-IOV's (ID and version, next
 * pointer 0) and the PASID the kernel unlinks (raw; once its registers
 * have been written with ones, the walker may not call it one).
 */
static void expect_chain(const uint8_t *img, struct pcl_ctx *ctx,
			 const uint16_t *want, size_t n)
{
	struct pcl_cfg *cfg = pcl_cfg_new(ctx, img, PCL_CFG_SIZE, "guest");
	struct pcl_walk *w;

	assert_non_null(cfg);
	w = pcl_walk_new(cfg);
	assert_non_null(w);
	assert_int_equal(pcl_walk_cap_count(w), n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pcl_walk_cap(w, i)->offset, want[i]);
	assert_true(pcl_walk_orphan_count(w) >= 1);
	assert_int_equal(pcl_walk_orphan(w, 0)->offset, 0x140);
	for (size_t i = 1; i < pcl_walk_orphan_count(w); i++)
		assert_int_equal(pcl_walk_orphan(w, i)->offset, 0x1c0);
	assert_true(pcl_walk_max_severity(w) < PCL_SEVERITY_WARNING);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
}

static void test_build(void **state)
{
	static const uint16_t chain[] = { 0x40, 0x60, 0x80, 0xc0,
					  0x100, 0x200, 0x240, 0xff8 };
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_cfg *cfg = device(ctx);
	struct pcl_layout *l = layout(ctx, PCL_UNCLAIMED_PASSTHROUGH, false);
	struct pcl_guest_options opts;
	struct pcl_guest *g = NULL;
	struct pcl_backend *be;
	struct pcl_vdev *v;
	struct spy s;
	struct pcl_error err;
	const uint8_t *img;
	char fp[PCL_FINGERPRINT_SIZE];
	uint32_t val;

	memset(&opts, 0, sizeof(opts));
	opts.bar_size[0] = 0x10000;
	opts.bar_size[1] = 0x100000000ull;
	assert_int_equal(pcl_guest_build(ctx, l, cfg, &opts, &g, &err), 0);
	img = pcl_guest_image(g);
	expect_chain(img, ctx, chain, 8);
	/* pcl_guest_rules() is pcl_guest_rule() of every byte at once. */
	assert_null(pcl_guest_rules(NULL));
	assert_int_equal(errno, EINVAL);
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		struct pcl_guest_rule r;

		assert_int_equal(pcl_guest_rule(g, i, &r), 0);
		assert_memory_equal(&pcl_guest_rules(g)[i], &r, sizeof(r));
	}
	assert_int_equal(img[0x34], 0x40);
	assert_int_equal(img[0x06] & 0x10, 0x10);
	assert_int_equal(pcl_le16(img + 0x04), 0); /* command after reset */
	/* Relocated bodies hold the device's bytes. */
	assert_int_equal(pcl_le16(img + 0x62), 0x0003);
	assert_int_equal(pcl_le16(img + 0x204), 0x0020);
	/* Virtual capabilities. */
	assert_int_equal(pcl_le32(img + 0xff8), 0x0001001b);
	assert_int_equal(pcl_le16(img + 0xffc), 0x1000);
	assert_int_equal(pcl_le32(img + 0x244), 0x55667788);
	assert_int_equal(pcl_le32(img + 0x248), 0x11223344);
	/* Hidden capabilities and orphans, as QEMU shows them (layout-format
	 * 5.4): the hidden SR-IOV's header keeps its ID and version, its next
	 * pointer reads 0; the orphan's header passes; the registers pass
	 * through; old homes of moved capabilities read 0; other registers
	 * pass. */
	assert_int_equal(pcl_le32(img + 0x140), 0x00010010);
	assert_int_equal(pcl_le32(img + 0x144), 0x22222222);
	assert_int_equal(pcl_le32(img + 0x1c0), 0x0001001b);
	assert_int_equal(pcl_le32(img + 0x1c4), 0x00001406);
	assert_int_equal(pcl_le16(img + 0x72), 0);
	assert_int_equal(pcl_le32(img + 0x180), 0);
	assert_int_equal(pcl_le32(img + 0x184), 0);
	assert_int_equal(pcl_le32(img + 0x300), 0xdeadbeef);
	assert_int_equal(pcl_layout_fingerprint(l, fp), 0);
	assert_string_equal(pcl_guest_fingerprint(g), fp);

	/* Through the engine, reading every dword and byte. */
	be = pcl_backend_sim_new(cfg);
	assert_non_null(be);
	memset(&s, 0, sizeof(s));
	pcl_backend_ops(be, &s.inner);
	{
		struct pcl_vdev_backend ops = { spy_read, spy_write, &s };

		v = pcl_vdev_new(g, &ops, &err);
	}
	assert_non_null(v);
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off++) {
		assert_int_equal(pcl_vdev_read(v, off, 1, &val), 0);
		assert_int_equal(val, img[off]);
	}
	/* Ones everywhere, but Initiate FLR (0x88 bit 15): a reset would
	 * undo the writes before it. */
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off += 4)
		pcl_vdev_write(v, off, 4, off == 0x88 ? 0xffff7fff : 0xffffffff);
	/* No access ever reached the header of a hidden capability, the old
	 * home of a moved MSI or MSI-X or its header (ATS), nor the header's
	 * identity. The orphan's header is unassigned to vfio-pci: read and
	 * written raw. */
	for (uint32_t i = 0x140; i < 0x144; i++)
		assert_int_equal(s.touched[i], 0);
	for (uint32_t i = 0x1c0; i < 0x1c4; i++)
		assert_int_equal(s.touched[i], 2);
	for (uint32_t i = 0x70; i < 0x7c; i++)
		assert_int_equal(s.touched[i], 0);
	for (uint32_t i = 0x50; i < 0x68; i++)
		assert_int_equal(s.touched[i], 0);
	for (uint32_t i = 0x180; i < 0x184; i++) /* its header */
		assert_int_equal(s.touched[i], 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(s.touched[i], 0);
	/* The hidden SR-IOV's registers are read only (vfio-pci makes
	 * SR-IOV read-only), the orphan's are written (unassigned). */
	assert_int_equal(s.touched[0x144], 1);
	assert_int_equal(s.touched[0x1c4], 2);
	/* Writing ones everywhere changed only writable bits: the chains
	 * are intact. */
	{
		uint8_t now[PCL_CFG_SIZE];

		for (uint32_t off = 0; off < PCL_CFG_SIZE; off += 4) {
			assert_int_equal(pcl_vdev_read(v, off, 4, &val), 0);
			pcl_put_le32(now + off, val);
		}
		expect_chain(now, ctx, chain, 8);
		/* BAR sizing from the options: 64 KiB, then 4 GiB 64-bit. */
		assert_int_equal(pcl_le32(now + 0x10), 0xffff0000);
		assert_int_equal(pcl_le32(now + 0x14), 0x0000000c);
		assert_int_equal(pcl_le32(now + 0x18), 0xffffffff);
		assert_int_equal(pcl_le32(now + 0x1c), 0);
		/* MSI-X: only enable and function mask. */
		assert_int_equal(pcl_le16(now + 0x62), 0xc003);
		/* MSI: enable, and MME clamped to MMC (1 vector, as
		 * vfio-pci clamps it); address, data, mask; pending stays. */
		assert_int_equal(pcl_le16(now + 0xc2), 0x0181);
		assert_int_equal(pcl_le32(now + 0xc4), 0xfffffffc);
		assert_int_equal(pcl_le16(now + 0xcc), 0xffff);
		assert_int_equal(pcl_le32(now + 0xd0), 0xffffffff);
		assert_int_equal(pcl_le32(now + 0xd4), 0);
		/* PASID control: enable only (no exec/priv advertised). */
		assert_int_equal(pcl_le16(now + 0xffe), 0x0001);
		/* DSN is read-only. */
		assert_int_equal(pcl_le32(now + 0x244), 0x55667788);
		/* Command: the writable bits only. */
		assert_int_equal(pcl_le16(now + 0x04), 0x0547);
	}
	pcl_vdev_free(v);
	pcl_backend_free(be);
	pcl_guest_free(g);
	pcl_layout_free(l);

	/* Exec supported: the guest may enable it. */
	l = layout(ctx, PCL_UNCLAIMED_ZERO, true);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err), 0);
	v = pcl_vdev_new(g, NULL, NULL); /* has PHYS bytes: refused */
	assert_null(v);
	be = pcl_backend_sim_new(cfg);
	pcl_backend_ops(be, &s.inner);
	v = pcl_vdev_new(g, &s.inner, &err);
	assert_non_null(v);
	assert_int_equal(pcl_vdev_write(v, 0xffe, 2, 0xffff), 0);
	assert_int_equal(pcl_vdev_read(v, 0xffe, 2, &val), 0);
	assert_int_equal(val, 0x0003);
	/* "zero": the register at 0x300 is not passed through. */
	assert_int_equal(pcl_vdev_read(v, 0x300, 4, &val), 0);
	assert_int_equal(val, 0);
	/* Without BAR sizes, BARs are read-only copies. */
	assert_int_equal(pcl_vdev_write(v, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(pcl_vdev_read(v, 0x10, 4, &val), 0);
	assert_int_equal(val, 0xf0000000);
	pcl_vdev_free(v);
	pcl_backend_free(be);
	pcl_guest_free(g);
	pcl_layout_free(l);

	l = layout(ctx, PCL_UNCLAIMED_ONES, false);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err), 0);
	img = pcl_guest_image(g);
	assert_int_equal(pcl_le32(img + 0x300), 0xffffffff);
	assert_int_equal(pcl_le32(img + 0x144), 0xffffffff); /* hidden */
	assert_int_equal(img[0xfe], 0xff);
	pcl_guest_free(g);
	pcl_layout_free(l);

	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

/* A layout presenting the test device's capabilities where they are. */
static struct pcl_layout *in_place(struct pcl_ctx *ctx)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);

	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, "in-place"), 0);
	add(l, 0, 0x01, 0x40, 0, PCL_ENTRY_PHYSICAL);
	add(l, 0, 0x05, 0x50, 24, PCL_ENTRY_PHYSICAL);
	add(l, 0, 0x11, 0x70, 0, PCL_ENTRY_PHYSICAL);
	add(l, 0, 0x10, 0x80, 0x3c, PCL_ENTRY_PHYSICAL);
	add(l, 1, 0x0001, 0x100, 0, PCL_ENTRY_PHYSICAL);
	add(l, 1, 0x0010, 0x140, 0x40, PCL_ENTRY_PHYSICAL);
	add(l, 1, 0x000f, 0x180, 0, PCL_ENTRY_PHYSICAL);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	return l;
}

static uint32_t dev32(const struct pcl_backend *be, uint32_t off)
{
	return pcl_le32(pcl_backend_sim_data(be) + off);
}

static uint32_t gread(const struct pcl_vdev *v, uint32_t off, uint32_t len)
{
	uint32_t val = 0xdeadbeef;

	assert_int_equal(pcl_vdev_read(v, off, len, &val), 0);
	return val;
}

/*
 * The kernel's vfio-pci permissions on presented capabilities, register by
 * register (the differential test in test_perm.c covers every bit of every
 * corpus device): what reaches the device, what is emulated.
 */
static void test_permissions(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_cfg *cfg = device(ctx);
	struct pcl_layout *l = in_place(ctx);
	struct pcl_guest *g = NULL;
	struct pcl_backend *be = pcl_backend_sim_new(cfg);
	struct pcl_vdev_backend ops;
	struct pcl_vdev *v;
	uint8_t bytes[4];

	assert_non_null(be);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, NULL), 0);
	pcl_backend_ops(be, &ops);
	v = pcl_vdev_new(g, &ops, NULL);
	assert_non_null(v);

	/* Status: read-only (vfio-pci drops the write), errors stay. */
	bytes[0] = 0xf9;
	assert_int_equal(pcl_backend_sim_poke(be, 0x07, bytes, 1), 0);
	assert_int_equal(pcl_vdev_write(v, 0x06, 2, 0xffff), 0);
	assert_int_equal(pcl_backend_sim_data(be)[0x07], 0xf9);
	/* Cache line size and latency timer reach the device. */
	assert_int_equal(pcl_vdev_write(v, 0x0c, 2, 0x4010), 0);
	assert_int_equal(pcl_le16(pcl_backend_sim_data(be) + 0x0c), 0x4010);
	/* PM: PME_Support reads 0; the power state and data select reach
	 * the device, PME_En and PME_Status do not. */
	assert_int_equal(gread(v, 0x42, 2), 0x0003);
	assert_int_equal(pcl_vdev_write(v, 0x44, 2, 0xffff), 0);
	assert_int_equal(pcl_le16(pcl_backend_sim_data(be) + 0x44), 0x1e03);
	assert_int_equal(gread(v, 0x44, 2), 0x1e03);
	assert_int_equal(pcl_vdev_write(v, 0x44, 2, 0), 0);
	/* Device Control: all but Phantom Functions; Max_Payload_Size
	 * emulated (the guest reads what it wrote, the device keeps its);
	 * Initiate FLR never reaches the device (tested with the events). */
	assert_int_equal(pcl_vdev_write(v, 0x88, 2, 0x7fff), 0);
	assert_int_equal(pcl_le16(pcl_backend_sim_data(be) + 0x88), 0x7d1f);
	assert_int_equal(gread(v, 0x88, 2), 0x7dff);
	/* Device Status: read-only. */
	bytes[0] = 0x0f;
	assert_int_equal(pcl_backend_sim_poke(be, 0x8a, bytes, 1), 0);
	assert_int_equal(pcl_vdev_write(v, 0x8a, 2, 0x000f), 0);
	assert_int_equal(pcl_backend_sim_data(be)[0x8a], 0x0f);
	/* Link Control (Link Disable, ASPM, retrain...): read-only. */
	assert_int_equal(pcl_vdev_write(v, 0x90, 2, 0xffff), 0);
	assert_int_equal(pcl_le16(pcl_backend_sim_data(be) + 0x90), 0);
	/* Device Control 2: all but ARI Forwarding Enable. */
	assert_int_equal(pcl_vdev_write(v, 0xa8, 2, 0xffff), 0);
	assert_int_equal(pcl_le16(pcl_backend_sim_data(be) + 0xa8), 0xffdf);
	/* AER: status bits the kernel lists are cleared, the rest stay;
	 * masks take the listed bits only. */
	memset(bytes, 0xff, 4);
	assert_int_equal(pcl_backend_sim_poke(be, 0x104, bytes, 4), 0);
	assert_int_equal(pcl_vdev_write(v, 0x104, 4, 0xffffffff), 0);
	assert_int_equal(dev32(be, 0x104), 0xfc000fce);
	assert_int_equal(pcl_vdev_write(v, 0x108, 4, 0xffffffff), 0);
	assert_int_equal(dev32(be, 0x108), 0x03fff031);
	assert_int_equal(pcl_vdev_write(v, 0x118, 4, 0xffffffff), 0);
	assert_int_equal(dev32(be, 0x118), 0x00000140);
	/* SR-IOV and ATS: read-only, as vfio-pci passes them. */
	assert_int_equal(pcl_vdev_write(v, 0x148, 4, 0xffffffff), 0);
	assert_int_equal(dev32(be, 0x148), 0);
	assert_int_equal(pcl_vdev_write(v, 0x184, 4, 0xffffffff), 0);
	assert_int_equal(dev32(be, 0x184), 0x00000020);
	/* An orphan's header and registers pass through, raw. */
	assert_int_equal(gread(v, 0x1c0, 4), 0x0001001b);
	assert_int_equal(gread(v, 0x1c4, 4), 0x00001406);
	assert_int_equal(pcl_vdev_write(v, 0x1c4, 4, 0x12345678), 0);
	assert_int_equal(dev32(be, 0x1c4), 0x12345678);
	assert_int_equal(pcl_vdev_write(v, 0x1c0, 4, 0xffffffff), 0);
	assert_int_equal(dev32(be, 0x1c0), 0x0001001b); /* read-only there */
	pcl_vdev_free(v);
	pcl_guest_free(g);
	pcl_backend_free(be);
	pcl_layout_free(l);
	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

static void test_build_errors(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_cfg *cfg = device(ctx);
	struct pcl_layout *l;
	struct pcl_guest *g = (struct pcl_guest *)1;
	struct pcl_guest_options opts;
	struct pcl_error err;
	struct pcl_layout_entry e;

	/* A capability the device lacks. */
	l = layout(ctx, PCL_UNCLAIMED_PASSTHROUGH, false);
	add(l, 1, 0x000e, 0x280, 0, PCL_ENTRY_PHYSICAL); /* ARI */
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err),
			 -EINVAL);
	assert_null(g);
	assert_non_null(strstr(err.message, "no ari"));
	pcl_layout_free(l);

	/* Pinned at another physical offset. */
	l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	pcl_layout_set_name(l, "pinned");
	pcl_layout_entry_init(&e);
	e.space = 0;
	e.id = 0x01;
	e.at = 0x40;
	e.phys = 0x48;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "pinned"));
	pcl_layout_free(l);

	/* A body that would expose the next capability (exp over 0xc0). */
	{
		struct tb b;
		struct pcl_cfg *c2;

		tb_init(&b, 0x8086, 0x10ca, 0, 4096);
		tb_pcie(&b, 0x90, 2, 0);
		tb_std(&b, 0xb0, 0x05); /* inside exp's nominal 0x3c */
		c2 = tb_cfg(ctx, &b);
		l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
		pcl_layout_set_name(l, "overlap");
		add(l, 0, 0x10, 0x40, 0x3c, PCL_ENTRY_PHYSICAL);
		assert_int_equal(pcl_guest_build(ctx, l, c2, NULL, &g, &err),
				 -EINVAL);
		assert_non_null(strstr(err.message, "would include"));
		pcl_layout_free(l);
		pcl_cfg_free(c2);
	}

	/* DSN from the PF without the PF's serial. */
	l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	pcl_layout_set_name(l, "dsn");
	pcl_layout_entry_init(&e);
	e.space = 1;
	e.id = 3;
	e.at = 0x100;
	e.kind = PCL_ENTRY_VIRTUAL;
	e.generator = PCL_GEN_DSN;
	e.params[PCL_DSN_FROM_PF] = 1;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err),
			 -EINVAL);
	assert_non_null(strstr(err.message, "PF's serial"));
	memset(&opts, 0, sizeof(opts));
	opts.flags = PCL_GUEST_OPT_PF_SERIAL;
	opts.pf_serial = 42;
	assert_int_equal(pcl_guest_build(ctx, l, cfg, &opts, &g, &err), 0);
	assert_int_equal(pcl_le32(pcl_guest_image(g) + 0x104), 42);
	pcl_guest_free(g);
	/* Impossible BAR sizes. */
	opts.bar_size[0] = 0x3000;
	assert_int_equal(pcl_guest_build(ctx, l, cfg, &opts, &g, &err),
			 -EINVAL);
	opts.bar_size[0] = 0x100000000ull; /* BAR0 is 32-bit */
	assert_int_equal(pcl_guest_build(ctx, l, cfg, &opts, &g, &err),
			 -EINVAL);
	pcl_layout_free(l);

	/* A quirk has no guest view; an invalid layout is refused. */
	l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_QUIRK);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err),
			 -EINVAL);
	pcl_layout_free(l);
	l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT); /* no name */
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, &err),
			 -EINVAL);
	assert_int_equal(pcl_guest_build(ctx, NULL, cfg, NULL, &g, &err),
			 -EINVAL);
	pcl_layout_free(l);
	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

/* vfio-pci's view of @cfg (pcl_walk_vfio_view()); the caller frees it. */
static struct pcl_cfg *vfio_view(const struct pcl_cfg *cfg)
{
	struct pcl_walk *w = pcl_walk_new(cfg);
	struct pcl_cfg *view = NULL;

	assert_non_null(w);
	assert_int_equal(pcl_walk_vfio_view(w, &view, NULL), 0);
	pcl_walk_free(w);
	return view;
}

/*
 * Build the guest of @l on the device read in full (@cfg) and on vfio-pci's
 * view of it (@view) into *@ga and *@gb, and fail unless both have the same
 * image and rule at every byte.
 */
static void same_guest_both_reads(struct pcl_ctx *ctx,
				  const struct pcl_layout *l,
				  const struct pcl_cfg *cfg,
				  const struct pcl_cfg *view,
				  struct pcl_guest **ga, struct pcl_guest **gb)
{
	struct pcl_error err;

	if (pcl_guest_build(ctx, l, cfg, NULL, ga, &err) ||
	    pcl_guest_build(ctx, l, view, NULL, gb, &err))
		fail_msg("%s", err.message);
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		struct pcl_guest_rule ra, rb;

		pcl_guest_rule(*ga, i, &ra);
		pcl_guest_rule(*gb, i, &rb);
		if (pcl_guest_image(*ga)[i] != pcl_guest_image(*gb)[i] ||
		    memcmp(&ra, &rb, sizeof(ra)))
			fail_msg("0x%03x: read in full source %u, write mask %02x; as vfio-pci shows it source %u, write mask %02x",
				 i, ra.source, ra.wmask, rb.source, rb.wmask);
	}
}

/*
 * The bytes a presented capability spans on the device read the fill
 * beyond its entry, and how far they reach is measured on vfio-pci's view,
 * which the plan is made on: so the guest is the same whether the device
 * was read in full or through vfio-pci. Here MFVC at 0x1b0 overlaps LTR at
 * 0x1c0, whose header is also MFVC's first VC resource register, and the
 * port arbitration table offset there is LTR's next pointer; vfio-pci
 * unlinks L1SS at 0x1d0, rewriting that pointer, so the view measures MFVC
 * longer than the device read in full (fuzz_walk found the two guests
 * differing there: the device's bytes, writable, against the fill).
 */
static void test_span_as_vfio_shows(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *l;
	struct pcl_cfg *cfg, *view;
	struct pcl_walk *w, *vw;
	struct pcl_guest *ga = NULL, *gb = NULL;
	uint32_t full_end, view_end;
	struct tb b;

	(void)state;
	tb_init(&b, 0x8086, 0x1889, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	tb_ext(&b, 0x100, PCL_EXT_CAP_ID_AER, 2);
	tb_ext(&b, 0x1b0, PCL_EXT_CAP_ID_MFVC, 1);
	tb_ext(&b, 0x1c0, PCL_EXT_CAP_ID_LTR, 1);
	tb_ext(&b, 0x1d0, PCL_EXT_CAP_ID_L1SS, 1);
	tb_ext(&b, 0x1f0, PCL_EXT_CAP_ID_REBAR, 1);
	tb_w32(&b, 0x1f8, 1u << 5); /* one BAR */
	cfg = tb_cfg(ctx, &b);
	assert_true(pcl_catalog_vfio_hides(PCL_SPACE_EXTENDED,
					   PCL_EXT_CAP_ID_L1SS));
	view = vfio_view(cfg);
	w = pcl_walk_new(cfg);
	assert_non_null(w);
	vw = pcl_walk_new(view);
	assert_non_null(vw);
	assert_non_null(pcl_walk_find(w, PCL_SPACE_EXTENDED, PCL_EXT_CAP_ID_MFVC, 0));
	assert_non_null(pcl_walk_find(vw, PCL_SPACE_EXTENDED, PCL_EXT_CAP_ID_MFVC, 0));
	full_end = 0x1b0 + pcl_walk_find(w, PCL_SPACE_EXTENDED,
					 PCL_EXT_CAP_ID_MFVC, 0)->length;
	view_end = 0x1b0 + pcl_walk_find(vw, PCL_SPACE_EXTENDED,
					 PCL_EXT_CAP_ID_MFVC, 0)->length;
	assert_true(full_end < view_end); /* the two reads measure apart */
	pcl_walk_free(vw);
	pcl_walk_free(w);

	l = empty_layout(ctx, PCL_UNCLAIMED_PASSTHROUGH);
	add(l, 0, PCL_CAP_ID_EXP, 0x40, 0x3c, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_AER, 0x100, 0, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_MFVC, 0x1b0, 16, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_LTR, 0x1c0, 0, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_REBAR, 0x1f0, 12, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_L1SS, -1, 0, PCL_ENTRY_HIDDEN);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	same_guest_both_reads(ctx, l, cfg, view, &ga, &gb);
	/* MFVC's tail as the view measures it reads the fill. */
	for (uint32_t i = full_end; i < view_end; i++) {
		struct pcl_guest_rule ra;

		pcl_guest_rule(ga, i, &ra);
		assert_int_equal(ra.source, PCL_GUEST_CONST);
		assert_int_equal(pcl_guest_image(ga)[i], 0);
	}
	pcl_guest_free(ga);
	pcl_guest_free(gb);
	pcl_layout_free(l);
	pcl_cfg_free(view);
	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

/*
 * Where a capability vfio-pci unlinks lies inside one it links, and the
 * layout presents neither, the linked one's permissions hold there, as in
 * the kernel's map and in the guest of the view (where the unlinked one
 * is no structure at all). Here L1SS at 0x1d0, which vfio-pci hides, lies
 * inside SR-IOV at 0x1c0, which it passes and QEMU drops; fuzz_walk found
 * the guest of the full read writing L1SS's bytes raw, the view's as
 * SR-IOV's read-only ones.
 */
static void test_unlinked_inside_linked(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *l;
	struct pcl_cfg *cfg, *view;
	struct pcl_guest *ga = NULL, *gb = NULL;
	struct tb b;

	(void)state;
	tb_init(&b, 0x8086, 0x1889, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	tb_ext(&b, 0x100, PCL_EXT_CAP_ID_AER, 2);
	tb_ext(&b, 0x1c0, PCL_EXT_CAP_ID_SRIOV, 1);
	tb_ext(&b, 0x1d0, PCL_EXT_CAP_ID_L1SS, 1);
	tb_ext(&b, 0x220, PCL_EXT_CAP_ID_LTR, 1);
	cfg = tb_cfg(ctx, &b);
	assert_true(pcl_catalog_vfio_hides(PCL_SPACE_EXTENDED,
					   PCL_EXT_CAP_ID_L1SS));
	assert_false(pcl_catalog_vfio_hides(PCL_SPACE_EXTENDED,
					    PCL_EXT_CAP_ID_SRIOV));
	view = vfio_view(cfg);

	l = empty_layout(ctx, PCL_UNCLAIMED_PASSTHROUGH);
	add(l, 0, PCL_CAP_ID_EXP, 0x40, 0x3c, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_AER, 0x100, 0, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_LTR, 0x220, 0, PCL_ENTRY_PHYSICAL);
	add(l, 1, PCL_EXT_CAP_ID_SRIOV, -1, 0, PCL_ENTRY_HIDDEN);
	add(l, 1, PCL_EXT_CAP_ID_L1SS, -1, 0, PCL_ENTRY_HIDDEN);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	same_guest_both_reads(ctx, l, cfg, view, &ga, &gb);
	pcl_guest_free(ga);
	pcl_guest_free(gb);
	pcl_layout_free(l);
	pcl_cfg_free(view);
	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

/*
 * Under "passthrough" the header of a capability vfio-pci links in and the
 * layout hides reads as QEMU drops it (ID, next 0), also where the body of
 * another hidden one overlaps it: two SATA capabilities, the first with
 * its index/data pair inline (16 bytes) over the second's header
 * (fuzz_vdev found it at 0xf4/0xfc; the body passed the header through).
 */
static void test_hidden_header_inside_hidden_body(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *l;
	struct pcl_guest *g = NULL;
	struct pcl_guest_rule rule;
	struct pcl_error err;
	struct pcl_cfg *cfg;
	struct tb b;

	(void)state;
	tb_init(&b, 0x8086, 0x2922, 0, 256);
	/* The chain reaches the second first: its header is taken back
	 * before the first's body. */
	tb_std(&b, 0x58, PCL_CAP_ID_SATA);
	tb_std(&b, 0x50, PCL_CAP_ID_SATA);
	tb_w32(&b, 0x50 + PCL_SATA_CR1, PCL_SATA_CR1_BAR_INLINE);
	cfg = tb_cfg(ctx, &b);
	l = empty_layout(ctx, PCL_UNCLAIMED_PASSTHROUGH);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	if (pcl_guest_build(ctx, l, cfg, NULL, &g, &err))
		fail_msg("%s", err.message);
	for (uint32_t i = 0x58; i < 0x5a; i++) {
		pcl_guest_rule(g, i, &rule);
		if (rule.source == PCL_GUEST_PHYS)
			fail_msg("0x%03x, the hidden header, passes through", i);
	}
	assert_int_equal(pcl_guest_image(g)[0x58], PCL_CAP_ID_SATA);
	assert_int_equal(pcl_guest_image(g)[0x59], 0);
	pcl_guest_free(g);
	pcl_layout_free(l);
	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

/* Identity layouts of real devices give their chains back, in order. */
static void test_corpus_identity(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	unsigned int tried = 0, built = 0;
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char name[256];

	/* 4 KiB type 0/1 functions (not one reading all ones). */
	if (!corpus_open(&it, 1)) {
		pcl_ctx_free(ctx); /* cmocka's skip() does not return */
		skip();
	}
	while ((cfg = corpus_next(&it, ctx, name, sizeof(name)))) {
		struct pcl_walk *w = pcl_walk_new(cfg);
		struct pcl_layout *l = layout_in_place(ctx, cfg);
		struct pcl_guest *g = NULL;
		struct pcl_error err;

		assert_non_null(w);
		tried++;
		if (l) {
			struct pcl_cfg *gc;
			struct pcl_walk *gw;

			/* Identity layouts of clean chains always realize. */
			if (pcl_guest_build(ctx, l, cfg, NULL, &g, &err))
				fail_msg("%s: %s", name, err.message);
			/* The walk lists chains in chain order; a layout in
			 * offset order: compare as sets. */
			gc = pcl_cfg_new(ctx, pcl_guest_image(g), PCL_CFG_SIZE,
					 "g");
			gw = pcl_walk_new(gc);
			assert_int_equal(pcl_walk_cap_count(gw),
					 pcl_walk_cap_count(w));
			for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
				bool found = false;

				for (size_t k = 0; k < pcl_walk_cap_count(gw); k++)
					found |= pcl_walk_cap(gw, k)->offset ==
						 pcl_walk_cap(w, i)->offset;
				if (!found)
					fail_msg("%s: 0x%x lost", name,
						 pcl_walk_cap(w, i)->offset);
			}
			pcl_walk_free(gw);
			pcl_cfg_free(gc);
			pcl_guest_free(g);
			built++;
		}
		pcl_layout_free(l);
		pcl_walk_free(w);
		pcl_cfg_free(cfg);
	}
	print_message("corpus: %u 4 KiB devices, %u identity layouts built\n",
		      tried, built);
	assert_true(built >= tried / 2);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_span_as_vfio_shows),
		cmocka_unit_test(test_unlinked_inside_linked),
		cmocka_unit_test(test_hidden_header_inside_hidden_body),
		cmocka_unit_test(test_corpus_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
