// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_cfg.c - the cfg object: construction bounds, the read map, identity
 * decoding (including the bounded PCI Express capability search), VF
 * marking, and live functions through sysfs. Names: test_names.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"
#include "internal.h"
#include "source/source.h"

static struct pcl_ctx *ctx;

static int setup(void **state)
{
	ctx = pcl_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	pcl_ctx_free(ctx);
	return 0;
}

static void test_new_bounds(void **state)
{
	uint8_t b[PCL_CFG_SIZE + 1];
	struct pcl_cfg *c;
	char name[] = "mine";

	memset(b, 0x5a, sizeof(b));
	errno = 0;
	assert_null(pcl_cfg_new(ctx, b, 0, "x"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(pcl_cfg_new(ctx, b, PCL_CFG_SIZE + 1, "x"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(pcl_cfg_new(ctx, NULL, 64, "x"));
	assert_int_equal(errno, EINVAL);

	c = pcl_cfg_new(ctx, b, 1, name);
	assert_non_null(c);
	name[0] = 'X'; /* the name was copied */
	assert_string_equal(pcl_cfg_source(c), "mine");
	assert_true(pcl_cfg_is_read(c, 0, 1));
	assert_false(pcl_cfg_is_read(c, 0, 2));
	assert_int_equal(pcl_cfg_data(c)[0], 0x5a);
	assert_int_equal(pcl_cfg_data(c)[1], 0);
	assert_int_equal(pcl_cfg_size(c), 64);
	assert_null(pcl_cfg_slot(c));
	assert_null(pcl_cfg_pf_slot(c));
	assert_int_equal(pcl_cfg_line(c), 0);
	assert_ptr_equal(pcl_cfg_ctx(c), ctx);
	pcl_cfg_free(c);

	c = pcl_cfg_new(ctx, b, 100, NULL);
	assert_non_null(c);
	assert_string_equal(pcl_cfg_source(c), "");
	assert_int_equal(pcl_cfg_size(c), 128);
	assert_true(pcl_cfg_is_read(c, 0, 100));
	assert_false(pcl_cfg_is_read(c, 99, 2));
	pcl_cfg_free(c);

	c = pcl_cfg_new(ctx, b, PCL_CFG_SIZE, "full");
	assert_non_null(c);
	assert_int_equal(pcl_cfg_size(c), PCL_CFG_SIZE);
	assert_true(pcl_cfg_is_read(c, 0, PCL_CFG_SIZE));
	assert_true(pcl_cfg_is_read(c, 4095, 1));
	assert_false(pcl_cfg_is_read(c, 4095, 2));
	pcl_cfg_free(c);

	pcl_cfg_free(NULL);
	pcl_cfg_list_free(NULL, 3);
}

static struct pcl_identity ident(const struct tb *b)
{
	struct pcl_cfg *c = tb_cfg(ctx, b);
	struct pcl_identity id;

	pcl_cfg_identity(c, &id);
	pcl_cfg_free(c);
	return id;
}

static void test_identity(void **state)
{
	struct pcl_identity id;
	struct tb b;

	tb_init(&b, 0x15b3, 0x1019, 0x80, 256);
	tb_w8(&b, 0x08, 0x2a);
	tb_w8(&b, 0x09, 0x01);
	tb_w8(&b, 0x0a, 0x80);
	tb_w16(&b, 0x2c, 0x15b3);
	tb_w16(&b, 0x2e, 0x0008);
	id = ident(&b);
	assert_int_equal(id.vendor_id, 0x15b3);
	assert_int_equal(id.device_id, 0x1019);
	assert_int_equal(id.revision, 0x2a);
	assert_int_equal(id.class_code, 0x028001);
	assert_int_equal(id.header_type, 0);
	assert_int_equal(id.multifunction, 1);
	assert_int_equal(id.subsys_vendor_id, 0x15b3);
	assert_int_equal(id.subsys_id, 0x0008);
	assert_int_equal(id.is_vf, 0);
	assert_int_equal(id.pcie_type, -1);

	/* A bridge has no subsystem at 0x2c (that is its I/O base upper). */
	tb_init(&b, 0x8086, 0x1234, 0x01, 256);
	tb_w16(&b, 0x2c, 0x1111);
	tb_w16(&b, 0x2e, 0x2222);
	id = ident(&b);
	assert_int_equal(id.header_type, 1);
	assert_int_equal(id.multifunction, 0);
	assert_int_equal(id.subsys_vendor_id, 0);
	assert_int_equal(id.subsys_id, 0);

	/* Only 8 bytes read: the rest of the identity is zero, not garbage. */
	tb_init(&b, 0x8086, 0x1234, 0x00, 8);
	tb_w8(&b, 0x0b, 0x02);
	id = ident(&b);
	assert_int_equal(id.vendor_id, 0x8086);
	assert_int_equal(id.class_code, 0);
	assert_int_equal(id.pcie_type, -1);
}

static void test_pcie_type(void **state)
{
	static const uint8_t types[] = { 0, 1, 4, 5, 6, 7, 8, 9, 10, 15 };
	struct tb b;

	for (size_t i = 0; i < sizeof(types); i++) {
		tb_init(&b, 0x8086, 0x1, 0, 256);
		tb_std(&b, 0x40, 0x01);
		tb_std(&b, 0x50, 0x05);
		tb_pcie(&b, 0xc0, 2, types[i]);
		assert_int_equal(ident(&b).pcie_type, types[i]);
	}

	/* Status.CAP_LIST clear: no chain at all. */
	tb_init(&b, 0x8086, 0x1, 0, 256);
	tb_pcie(&b, 0x40, 2, 4);
	tb_w8(&b, 0x06, 0);
	assert_int_equal(ident(&b).pcie_type, -1);

	/* Next pointers are masked with ~3. */
	tb_init(&b, 0x8086, 0x1, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_pcie(&b, 0x60, 2, 6);
	tb_std_next(&b, 0x40, 0x63);
	assert_int_equal(ident(&b).pcie_type, 6);

	/* A loop ends after 48 hops. */
	tb_init(&b, 0x8086, 0x1, 0, 256);
	tb_std(&b, 0x40, 0x01);
	tb_std(&b, 0x50, 0x05);
	tb_std_next(&b, 0x50, 0x40);
	tb_pcie(&b, 0x60, 2, 4); /* linked from 0x50, then unlinked */
	tb_std_next(&b, 0x50, 0x40);
	assert_int_equal(ident(&b).pcie_type, -1);

	/* A pointer into the header is no capability. */
	tb_init(&b, 0x8086, 0x1, 0, 256);
	tb_w8(&b, 0x06, 0x10);
	tb_w8(&b, 0x34, 0x20);
	tb_w8(&b, 0x20, 0x10);
	tb_w8(&b, 0x22, 0x42);
	assert_int_equal(ident(&b).pcie_type, -1);

	/* The capability lies in bytes that were not read. */
	tb_init(&b, 0x8086, 0x1, 0, 64);
	tb_pcie(&b, 0x40, 2, 4);
	assert_int_equal(ident(&b).pcie_type, -1);
	tb_init(&b, 0x8086, 0x1, 0, 0x42);
	tb_pcie(&b, 0x40, 2, 4);
	assert_int_equal(ident(&b).pcie_type, -1);
	tb_init(&b, 0x8086, 0x1, 0, 0x43);
	tb_pcie(&b, 0x40, 2, 4);
	assert_int_equal(ident(&b).pcie_type, 4);

	/* CardBus: the head is at 0x14. */
	tb_init(&b, 0x1217, 0x7134, 2, 256);
	tb_pcie(&b, 0x80, 1, 0);
	assert_int_equal(b.cfg[0x14], 0x80);
	assert_int_equal(b.cfg[0x34], 0);
	assert_int_equal(ident(&b).pcie_type, 0);
}

static void test_set_vf(void **state)
{
	struct pcl_identity id;
	struct pcl_cfg *c;
	struct tb b;
	char pf[] = "0000:3b:00.0";

	tb_init(&b, 0x8086, 0x1889, 0, 256);
	c = tb_cfg(ctx, &b);
	pcl_cfg_identity(c, &id);
	assert_int_equal(id.is_vf, 0);
	assert_int_equal(pcl_cfg_set_vf(c, pf), 0);
	pf[0] = 'X';
	pcl_cfg_identity(c, &id);
	assert_int_equal(id.is_vf, 1);
	assert_int_equal(id.device_id, 0x1889);
	assert_string_equal(pcl_cfg_pf_slot(c), "0000:3b:00.0");
	assert_int_equal(pcl_cfg_set_vf(c, NULL), 0);
	pcl_cfg_identity(c, &id);
	assert_int_equal(id.is_vf, 1);
	assert_null(pcl_cfg_pf_slot(c));
	pcl_cfg_free(c);
}


/* A PF with SR-IOV at 0x160: VF Device ID 0x10ca, VF BAR0 64-bit prefetch,
 * VF BAR3 I/O; and a VF whose ID registers read 0xffff, as they do. */
static struct pcl_cfg *sriov_pf(uint16_t vf_device)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x10c9, 0, 4096);
	tb_ext(&b, 0x100, PCI_EXT_CAP_ID_ERR, 2);
	tb_ext(&b, 0x160, PCI_EXT_CAP_ID_SRIOV, 1);
	tb_w16(&b, 0x160 + PCI_SRIOV_VF_DID, vf_device);
	tb_w32(&b, 0x160 + PCI_SRIOV_BAR, PCI_BASE_ADDRESS_MEM_TYPE_64 |
		   PCI_BASE_ADDRESS_MEM_PREFETCH);
	tb_w32(&b, 0x160 + PCI_SRIOV_BAR + 12, PCI_BASE_ADDRESS_SPACE_IO);
	return tb_cfg(ctx, &b);
}

static struct pcl_cfg *raw_vf(uint16_t vendor, uint16_t device)
{
	struct tb b;

	tb_init(&b, vendor, device, 0, 4096);
	tb_ext(&b, 0x100, PCI_EXT_CAP_ID_ERR, 2);
	return tb_cfg(ctx, &b);
}

static void test_set_pf(void **state)
{
	struct pcl_cfg *pf = sriov_pf(0x10ca), *vf = raw_vf(0xffff, 0xffff);
	struct pcl_cfg *other = raw_vf(0x8086, 0x1234), *same;
	struct pcl_error err = { 0 };
	struct pcl_identity id;
	struct pcl_bar bar;

	pcl_cfg_identity(vf, &id);
	assert_int_equal(id.vendor_id, 0xffff);
	assert_int_equal(id.ids_from_pf, 0);
	assert_int_equal(pcl_cfg_bar(vf, 0, &bar), 0);
	assert_int_equal(bar.flags, 0);

	assert_int_equal(pcl_cfg_set_pf(vf, pf, &err), 0);
	pcl_cfg_identity(vf, &id);
	assert_int_equal(id.vendor_id, 0x8086);
	assert_int_equal(id.device_id, 0x10ca);
	assert_int_equal(id.is_vf, 1);
	assert_int_equal(id.ids_from_pf, 1);
	/* The raw registers are what was read. */
	assert_int_equal(pcl_cfg_data(vf)[0], 0xff);
	assert_int_equal(pcl_cfg_bar(vf, 0, &bar), 0);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_MEM64 |
				    PCL_BAR_PREFETCH);
	assert_int_equal(pcl_cfg_bar(vf, 1, &bar), 0);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_UPPER);
	assert_int_equal(pcl_cfg_bar(vf, 2, &bar), 0);
	assert_int_equal(bar.flags, 0);
	assert_int_equal(pcl_cfg_bar(vf, 3, &bar), 0);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_IO);
	assert_int_equal(pcl_cfg_bar(vf, PCL_CFG_BARS, &bar), -EINVAL);

	/* A function with other real IDs is not this PF's VF. */
	assert_int_equal(pcl_cfg_set_pf(other, pf, &err), -EINVAL);
	assert_non_null(strstr(err.message, "not its physical function"));
	pcl_cfg_identity(other, &id);
	assert_int_equal(id.is_vf, 0);
	/* One whose IDs are already the VF's (VFIO shows them) is. */
	same = raw_vf(0x8086, 0x10ca);
	assert_int_equal(pcl_cfg_set_pf(same, pf, &err), 0);
	/* A PF without SR-IOV is no PF. */
	assert_int_equal(pcl_cfg_set_pf(vf, other, &err), -EINVAL);
	assert_non_null(strstr(err.message, "no SR-IOV capability"));
	assert_int_equal(pcl_cfg_set_pf(NULL, pf, NULL), -EINVAL);
	pcl_cfg_free(same);
	pcl_cfg_free(other);
	pcl_cfg_free(vf);
	pcl_cfg_free(pf);
}

static void test_bars_from_registers(void **state)
{
	struct pcl_bar bar;
	struct pcl_cfg *c;
	struct tb b;

	tb_init(&b, 0x8086, 0x1521, 0, 256);
	tb_w32(&b, PCI_BASE_ADDRESS_0, 0xfe00000c); /* 64-bit prefetch */
	tb_w32(&b, PCI_BASE_ADDRESS_2, 0x0000e001); /* I/O */
	tb_w32(&b, PCI_BASE_ADDRESS_5, 0xfd000004); /* 64-bit in the last slot */
	tb_w32(&b, PCI_ROM_ADDRESS, 0xfc000000);
	c = tb_cfg(ctx, &b);
	pcl_cfg_bar(c, 0, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_MEM64 |
				    PCL_BAR_PREFETCH);
	assert_int_equal(bar.size, 0);
	pcl_cfg_bar(c, 1, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_UPPER);
	pcl_cfg_bar(c, 2, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_IO);
	pcl_cfg_bar(c, 3, &bar);
	assert_int_equal(bar.flags, 0);
	/* Broken: no room for an upper half. */
	pcl_cfg_bar(c, 5, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT);
	pcl_cfg_bar(c, PCL_CFG_BAR_ROM, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT);
	pcl_cfg_free(c);

	/* Bridges have no BARs of this kind here. */
	tb_init(&b, 0x8086, 0x1521, 1, 256);
	tb_w32(&b, PCI_BASE_ADDRESS_0, 0xfe00000c);
	c = tb_cfg(ctx, &b);
	pcl_cfg_bar(c, 0, &bar);
	assert_int_equal(bar.flags, 0);
	pcl_cfg_free(c);
}

/* A fake VFIO device: a file with config space at FAKE_CFG, BAR regions
 * as the table below says. */
#define FAKE_CFG 0x70000u
static int fake_errno;
static uint64_t fake_bar_size[VFIO_PCI_NUM_REGIONS];

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
	struct vfio_region_info *info = arg;

	if (fake_errno) {
		errno = fake_errno;
		return -1;
	}
	if (request != VFIO_DEVICE_GET_REGION_INFO ||
	    info->argsz < sizeof(*info) || info->index >= VFIO_PCI_NUM_REGIONS) {
		errno = EINVAL;
		return -1;
	}
	info->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	if (info->index == VFIO_PCI_CONFIG_REGION_INDEX) {
		info->offset = FAKE_CFG;
		info->size = 4096;
	} else {
		info->offset = (uint64_t)info->index << 40;
		info->size = fake_bar_size[info->index];
	}
	return 0;
}

static void test_read_vfio(void **state)
{
	char path[] = "/tmp/pcl-fake-vfio-XXXXXX";
	struct pcl_error err = { 0 };
	struct pcl_cfg *c = NULL;
	struct pcl_identity id;
	struct pcl_bar bar;
	struct tb b;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	/* A VF as vfio-pci shows it: real IDs, BAR type bits, no address. */
	tb_init(&b, 0x1b36, 0x0010, 0, 4096);
	tb_w32(&b, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_64);
	tb_ext(&b, 0x100, PCI_EXT_CAP_ID_ARI, 1);
	assert_int_equal(pwrite(fd, b.cfg, 4096, FAKE_CFG), 4096);
	memset(fake_bar_size, 0, sizeof(fake_bar_size));
	fake_bar_size[VFIO_PCI_BAR0_REGION_INDEX] = 1ull << 34; /* 16 GiB */

	assert_int_equal(pcl_cfg_read_vfio_with(ctx, fd, fake_ioctl, NULL, &c,
						&err), 0);
	assert_memory_equal(pcl_cfg_data(c), b.cfg, 4096);
	assert_int_equal(pcl_cfg_size(c), 4096);
	assert_string_equal(pcl_cfg_source(c), "vfio");
	assert_null(pcl_cfg_slot(c));
	pcl_cfg_identity(c, &id);
	assert_int_equal(id.vendor_id, 0x1b36);
	pcl_cfg_bar(c, 0, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_MEM64 |
				    PCL_BAR_SIZE_KNOWN);
	assert_true(bar.size == 1ull << 34);
	pcl_cfg_bar(c, 1, &bar);
	assert_int_equal(bar.flags, PCL_BAR_PRESENT | PCL_BAR_UPPER);
	pcl_cfg_bar(c, 2, &bar);
	assert_int_equal(bar.flags, 0);
	pcl_cfg_free(c);

	/* An address names the cfg; a malformed one is refused. */
	assert_int_equal(pcl_cfg_read_vfio_with(ctx, fd, fake_ioctl,
						"ff:1f.7", &c, &err), 0);
	assert_string_equal(pcl_cfg_slot(c), "0000:ff:1f.7");
	pcl_cfg_free(c);
	assert_int_equal(pcl_cfg_read_vfio_with(ctx, fd, fake_ioctl, "nope",
						&c, &err), -EINVAL);
	assert_null(c);

	/* Not a VFIO device: the ioctl fails. */
	fake_errno = ENOTTY;
	assert_int_equal(pcl_cfg_read_vfio_with(ctx, fd, fake_ioctl, NULL, &c,
						&err), -ENOTTY);
	assert_non_null(strstr(err.message, "not a VFIO device"));
	fake_errno = 0;
	assert_int_equal(pcl_cfg_read_vfio(ctx, fd, NULL, &c, &err), -ENOTTY);
	assert_int_equal(pcl_cfg_read_vfio(ctx, -1, NULL, &c, &err), -EBADF);
	close(fd);
}

/* An empty layout: the header rules are all that is tested with it. */
static struct pcl_guest *header_only(struct pcl_cfg *c)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_guest *g = NULL;

	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, "header"), 0);
	assert_int_equal(pcl_guest_build(ctx, l, c, NULL, &g, NULL), 0);
	pcl_layout_free(l);
	return g;
}

/* What the guest sees of a VF's header: vfio-pci's view of it. */
static void test_vf_guest_header(void **state)
{
	struct pcl_cfg *pf = sriov_pf(0x10ca), *vf = raw_vf(0xffff, 0xffff);
	struct pcl_guest *g;
	const uint8_t *img;

	assert_int_equal(pcl_cfg_set_pf(vf, pf, NULL), 0);
	g = header_only(vf);
	img = pcl_guest_image(g);
	assert_int_equal(pcl_le16(img + PCI_VENDOR_ID), 0x8086);
	assert_int_equal(pcl_le16(img + PCI_DEVICE_ID), 0x10ca);
	assert_int_equal(img[PCI_INTERRUPT_PIN], 0);
	pcl_guest_free(g);
	pcl_cfg_free(vf);
	pcl_cfg_free(pf);
}

/* BAR sizes the source knows are emulated, above 4 GiB too. */
static void test_guest_bar_sizing(void **state)
{
	char path[] = "/tmp/pcl-fake-vfio-XXXXXX";
	struct pcl_vdev_backend ops;
	struct pcl_backend *be;
	struct pcl_guest *g;
	struct pcl_vdev *v;
	struct pcl_cfg *c = NULL;
	struct tb b;
	uint32_t lo, hi;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	tb_init(&b, 0x1b36, 0x0010, 0, 4096);
	tb_w32(&b, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_MEM_TYPE_64 |
		   PCI_BASE_ADDRESS_MEM_PREFETCH);
	assert_int_equal(pwrite(fd, b.cfg, 4096, FAKE_CFG), 4096);
	memset(fake_bar_size, 0, sizeof(fake_bar_size));
	fake_bar_size[VFIO_PCI_BAR0_REGION_INDEX] = 1ull << 34;
	fake_bar_size[VFIO_PCI_ROM_REGION_INDEX] = 1u << 16;
	assert_int_equal(pcl_cfg_read_vfio_with(ctx, fd, fake_ioctl, NULL, &c,
						NULL), 0);
	g = header_only(c);
	be = pcl_backend_sim_new(c);
	pcl_backend_ops(be, &ops);
	v = pcl_vdev_new(g, &ops, NULL);
	assert_non_null(v);
	/* Type bits from the start, no host address. */
	assert_int_equal(pcl_vdev_read(v, PCI_BASE_ADDRESS_0, 4, &lo), 0);
	assert_int_equal(lo, PCI_BASE_ADDRESS_MEM_TYPE_64 |
			     PCI_BASE_ADDRESS_MEM_PREFETCH);
	/* Sizing: all ones in, the size mask out, in both halves. */
	pcl_vdev_write(v, PCI_BASE_ADDRESS_0, 4, 0xffffffffu);
	pcl_vdev_write(v, PCI_BASE_ADDRESS_1, 4, 0xffffffffu);
	pcl_vdev_read(v, PCI_BASE_ADDRESS_0, 4, &lo);
	pcl_vdev_read(v, PCI_BASE_ADDRESS_1, 4, &hi);
	assert_int_equal(lo, 0x0000000c);
	assert_int_equal(hi, 0xfffffffc); /* 16 GiB */
	pcl_vdev_write(v, PCI_ROM_ADDRESS, 4, 0xfffff800u);
	pcl_vdev_read(v, PCI_ROM_ADDRESS, 4, &lo);
	assert_int_equal(lo, 0xffff0000);
	/* A BAR nobody sized stays 0. */
	pcl_vdev_write(v, PCI_BASE_ADDRESS_2, 4, 0xffffffffu);
	pcl_vdev_read(v, PCI_BASE_ADDRESS_2, 4, &lo);
	assert_int_equal(lo, 0);
	pcl_vdev_free(v);
	pcl_backend_free(be);
	pcl_guest_free(g);
	pcl_cfg_free(c);
	close(fd);
}

static void test_vfio_open_errors(void **state)
{
	struct pcl_error err = { 0 };
	struct pcl_vfio *v = (struct pcl_vfio *)&err;

	assert_int_equal(pcl_vfio_open(ctx, "not-an-address", &v, &err),
			 -EINVAL);
	assert_null(v);
	assert_int_equal(pcl_vfio_open(ctx, "ffff:ff:1f.7", &v, &err), -ENODEV);
	assert_string_equal(err.message, "no such PCI function");
	assert_int_equal(pcl_vfio_open(ctx, "/nonexistent/vfio0", &v, &err),
			 -ENOENT);
	assert_int_equal(pcl_vfio_open(ctx, NULL, &v, &err), -EINVAL);
	assert_int_equal(pcl_vfio_device_fd(NULL), -1);
	assert_null(pcl_vfio_address(NULL));
	pcl_vfio_close(NULL);
}

static void test_address_errors(void **state)
{
	static const char *const bad[] = {
		"",	       "garbage",	"3b:00",	 "3b:00.",
		"3b:00.8",     "3b:20.0",	"3b:0.0",	 "3b:000.0",
		"g3b:00.0",    "000:3b:00.0",	"0000:3b:00.0 ", " 3b:00.0",
		"0000;3b:00.0", "123456789:3b:00.0", "3b-00.0",	 "3b:00.0.0",
	};
	struct pcl_error err = { 0 };
	struct pcl_cfg *c = (struct pcl_cfg *)&err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(pcl_cfg_read_device(ctx, bad[i], &c, &err),
				 -EINVAL);
		assert_null(c);
		assert_string_equal(err.source, bad[i]);
		assert_non_null(strstr(err.message, "not a PCI address"));
	}
	assert_int_equal(pcl_cfg_read_device(ctx, NULL, &c, NULL), -EINVAL);
	/* Well-formed, but no such function on any machine we run on. */
	assert_int_equal(pcl_cfg_read_device(ctx, "fffe:ff:1f.7", &c, &err),
			 -ENODEV);
	assert_string_equal(err.source, "fffe:ff:1f.7");
	assert_non_null(strstr(err.message, "no such PCI function"));
}

/* Live functions: compare with a plain read of sysfs config. */
static void test_sysfs(void **state)
{
	struct pcl_error err = { 0 };
	struct pcl_cfg **c = NULL;
	size_t n = 0;

	assert_int_equal(pcl_cfg_read_all_devices(ctx, &c, &n, &err), 0);
	if (!n) {
		skip();
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *slot = pcl_cfg_slot(c[i]);
		char path[256], link[256];
		uint8_t raw[PCL_CFG_SIZE];
		struct pcl_identity id;
		struct pcl_cfg *one;
		ssize_t got;
		int fd;

		assert_non_null(slot);
		assert_string_equal(pcl_cfg_source(c[i]), slot);
		assert_int_equal(pcl_cfg_line(c[i]), 0);
		if (i)
			assert_true(strcmp(pcl_cfg_slot(c[i - 1]), slot) < 0);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config",
			 slot);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		got = pread(fd, raw, sizeof(raw), 0);
		close(fd);
		assert_true(got >= 64);
		/* Whatever the kernel gave, we have: no more, no less. */
		assert_int_equal(pcl_cfg_size(c[i]), (uint32_t)got);
		assert_true(pcl_cfg_is_read(c[i], 0, (uint32_t)got));
		assert_memory_equal(pcl_cfg_data(c[i]), raw, 64);
		pcl_cfg_identity(c[i], &id);
		assert_int_equal(id.vendor_id, raw[0] | (raw[1] << 8));
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/physfn",
			 slot);
		got = readlink(path, link, sizeof(link));
		assert_int_equal(id.is_vf, got > 0);
		if (!id.is_vf)
			assert_null(pcl_cfg_pf_slot(c[i]));

		/* The short form of the address reads the same function. */
		if (strncmp(slot, "0000:", 5) == 0) {
			assert_int_equal(pcl_cfg_read_device(ctx, slot + 5,
							     &one, &err),
					 0);
			assert_string_equal(pcl_cfg_slot(one), slot);
			assert_memory_equal(pcl_cfg_data(one),
					    pcl_cfg_data(c[i]), 64);
			pcl_cfg_free(one);
		}
	}
	pcl_cfg_list_free(c, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_bounds),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_pcie_type),
		cmocka_unit_test(test_set_vf),
		cmocka_unit_test(test_set_pf),
		cmocka_unit_test(test_bars_from_registers),
		cmocka_unit_test(test_read_vfio),
		cmocka_unit_test(test_vf_guest_header),
		cmocka_unit_test(test_guest_bar_sizing),
		cmocka_unit_test(test_vfio_open_errors),
		cmocka_unit_test(test_address_errors),
		cmocka_unit_test(test_sysfs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
