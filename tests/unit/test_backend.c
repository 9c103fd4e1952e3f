// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_backend.c - the device backends: the simulated device's read-only
 * and RW1C rules, the VFIO backend driven through a regular file standing
 * in for a device fd (with an injected VFIO_DEVICE_GET_REGION_INFO), and
 * the sysfs backend's argument checks (and a live read when this machine
 * has PCI devices).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/vfio.h>

#include <pcilayout/pcilayout.h>

#include "builder.h"
#include "internal.h"
#include "guest/guest-internal.h"

static void test_sim(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct tb b;
	struct pcl_cfg *cfg;
	struct pcl_backend *be;
	struct pcl_vdev_backend ops;
	struct pcl_backend_stats st;
	const uint8_t *d;
	uint32_t v;
	uint8_t raise[2] = { 0x10, 0xf9 };

	tb_init(&b, 0x8086, 0x1889, 0, 4096);
	tb_pcie(&b, 0x40, 2, 0);
	tb_ext(&b, 0x100, 0x0001, 2); /* AER */
	tb_w32(&b, 0x104, 0x00001010);
	cfg = tb_cfg(ctx, &b);
	be = pcl_backend_sim_new(cfg);
	assert_non_null(be);
	pcl_backend_ops(be, &ops);
	d = pcl_backend_sim_data(be);
	assert_non_null(d);

	/* Identity and capability headers are read-only. */
	assert_int_equal(ops.write(ops.opaque, 0, 4, 0xffffffff), 0);
	assert_int_equal(pcl_le32(d), 0x18898086);
	assert_int_equal(ops.write(ops.opaque, 0x40, 2, 0), 0);
	assert_int_equal(d[0x40], 0x10);
	assert_int_equal(ops.write(ops.opaque, 0x100, 4, 0), 0);
	assert_int_equal(pcl_le16(d + 0x100), 0x0001);
	/* Status error bits are RW1C; the rest of status is read-only. */
	assert_int_equal(pcl_backend_sim_poke(be, 0x06, raise, 2), 0);
	assert_int_equal(ops.write(ops.opaque, 0x06, 2, 0x80ff), 0);
	assert_int_equal(pcl_le16(d + 0x06), 0x7910);
	/* AER Uncorrectable Error Status is RW1C. */
	assert_int_equal(ops.write(ops.opaque, 0x104, 4, 0x10), 0);
	assert_int_equal(pcl_le32(d + 0x104), 0x1000);
	/* PCIe Device Status error bits are RW1C. */
	raise[0] = 0x0f;
	assert_int_equal(pcl_backend_sim_poke(be, 0x4a, raise, 1), 0);
	assert_int_equal(ops.write(ops.opaque, 0x4a, 1, 0x01), 0);
	assert_int_equal(d[0x4a], 0x0e);
	/* Other bytes are memory. */
	assert_int_equal(ops.write(ops.opaque, 0x800, 4, 0x12345678), 0);
	assert_int_equal(ops.read(ops.opaque, 0x800, 4, &v), 0);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(ops.read(ops.opaque, 0x802, 2, &v), 0);
	assert_int_equal(v, 0x1234);
	/* Bounds. */
	assert_int_equal(ops.read(ops.opaque, 4095, 2, &v), -EINVAL);
	assert_int_equal(ops.read(ops.opaque, 0, 3, &v), -EINVAL);
	assert_int_equal(ops.write(ops.opaque, 4096, 1, 0), -EINVAL);
	assert_int_equal(pcl_backend_sim_poke(be, 4095, raise, 2), -EINVAL);
	pcl_backend_stats(be, &st);
	assert_int_equal(st.reads, 2);
	assert_int_equal(st.writes, 7);
	assert_int_equal(st.errors, 3);
	pcl_backend_free(be);
	pcl_cfg_free(cfg);
	pcl_ctx_free(ctx);
}

/* A fake VFIO device: a temporary file with config space at 0x30000. */
#define FAKE_BASE 0x30000u
static uint32_t fake_flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
static uint64_t fake_size = 4096;
static int fake_errno;
static unsigned long fake_request;
static uint32_t fake_index;

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
	struct vfio_region_info *info = arg;

	fake_request = request;
	fake_index = info->index;
	if (fake_errno) {
		errno = fake_errno;
		return -1;
	}
	if (info->argsz < sizeof(*info) ||
	    info->index != VFIO_PCI_CONFIG_REGION_INDEX) {
		errno = EINVAL;
		return -1;
	}
	info->flags = fake_flags;
	info->size = fake_size;
	info->offset = FAKE_BASE;
	return 0;
}

static int fake_device(void)
{
	char path[] = "/tmp/pcl-fake-vfio-XXXXXX";
	int fd = mkstemp(path);
	uint8_t cfg[4096];

	assert_true(fd >= 0);
	unlink(path);
	for (int i = 0; i < 4096; i++)
		cfg[i] = (uint8_t)(i * 7);
	/* Bytes before the region must never be touched: fill with 0xee. */
	for (uint32_t off = 0; off < FAKE_BASE; off += 4096) {
		uint8_t junk[4096];

		memset(junk, 0xee, sizeof(junk));
		assert_int_equal(pwrite(fd, junk, 4096, off), 4096);
	}
	assert_int_equal(pwrite(fd, cfg, 4096, FAKE_BASE), 4096);
	return fd;
}

static void test_vfio(void **state)
{
	int fd = fake_device();
	struct pcl_backend *be;
	struct pcl_vdev_backend ops;
	struct pcl_error err;
	uint32_t v;
	uint8_t byte;

	be = pcl_backend_vfio_new_with(fd, fake_ioctl, &err);
	assert_non_null(be);
	assert_int_equal(fake_request, VFIO_DEVICE_GET_REGION_INFO);
	assert_int_equal(fake_index, VFIO_PCI_CONFIG_REGION_INDEX);
	pcl_backend_ops(be, &ops);
	assert_int_equal(ops.read(ops.opaque, 0x10, 4, &v), 0);
	assert_int_equal(v, 0x857e7770u); /* bytes 0x10..0x13 are i * 7 */
	assert_int_equal(ops.write(ops.opaque, 0xffc, 4, 0xa1b2c3d4), 0);
	assert_int_equal(ops.read(ops.opaque, 0xffe, 2, &v), 0);
	assert_int_equal(v, 0xa1b2);
	assert_int_equal(pread(fd, &byte, 1, FAKE_BASE + 0xffc), 1);
	assert_int_equal(byte, 0xd4);
	assert_int_equal(pread(fd, &byte, 1, FAKE_BASE - 1), 1);
	assert_int_equal(byte, 0xee);
	assert_int_equal(ops.read(ops.opaque, 0xffe, 4, &v), -EINVAL);
	assert_int_equal(ops.write(ops.opaque, 0x1000, 1, 0), -EINVAL);
	pcl_backend_free(be);

	/* A config region smaller than 4 KiB (conventional PCI). */
	fake_size = 256;
	be = pcl_backend_vfio_new_with(fd, fake_ioctl, &err);
	assert_non_null(be);
	pcl_backend_ops(be, &ops);
	assert_int_equal(ops.read(ops.opaque, 0xfc, 4, &v), 0);
	assert_int_equal(ops.read(ops.opaque, 0x100, 4, &v), -EINVAL);
	pcl_backend_free(be);
	fake_size = 4096;

	/* A read-only region: writes fail, reads work. */
	fake_flags = VFIO_REGION_INFO_FLAG_READ;
	be = pcl_backend_vfio_new_with(fd, fake_ioctl, &err);
	assert_non_null(be);
	pcl_backend_ops(be, &ops);
	assert_int_equal(ops.write(ops.opaque, 0, 1, 0), -EPERM);
	assert_int_equal(ops.read(ops.opaque, 0, 1, &v), 0);
	pcl_backend_free(be);

	/* No readable region, and not a VFIO device. */
	fake_flags = 0;
	assert_null(pcl_backend_vfio_new_with(fd, fake_ioctl, &err));
	assert_int_equal(errno, EINVAL);
	fake_flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	fake_errno = ENOTTY;
	assert_null(pcl_backend_vfio_new_with(fd, fake_ioctl, &err));
	assert_int_equal(errno, ENOTTY);
	assert_non_null(strstr(err.message, "VFIO_DEVICE_GET_REGION_INFO"));
	fake_errno = 0;
	/* The real ioctl on a regular file is refused. */
	assert_null(pcl_backend_vfio_new(fd, &err));
	assert_null(pcl_backend_vfio_new(-1, &err));
	assert_int_equal(errno, EBADF);

	/* A backend whose fd was closed under it fails with an error. */
	be = pcl_backend_vfio_new_with(fd, fake_ioctl, &err);
	assert_non_null(be);
	pcl_backend_ops(be, &ops);
	close(fd);
	assert_true(ops.read(ops.opaque, 0, 4, &v) < 0);
	pcl_backend_free(be);
}

/* The engine over the VFIO backend: the region offset is applied. */
static void test_vfio_engine(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_guest *g = pcl_guest_new(ctx);
	struct pcl_guest_rule r = { .source = PCL_GUEST_PHYS, .wmask = 0xff };
	int fd = fake_device();
	struct pcl_backend *be = pcl_backend_vfio_new_with(fd, fake_ioctl, NULL);
	struct pcl_vdev_backend ops;
	struct pcl_vdev *v;
	uint32_t val;

	assert_non_null(be);
	assert_int_equal(pcl_guest_set(g, 0, 4096, &r, NULL), 0);
	pcl_backend_ops(be, &ops);
	v = pcl_vdev_new(g, &ops, NULL);
	assert_non_null(v);
	assert_int_equal(pcl_vdev_read(v, 0x20, 4, &val), 0);
	assert_int_equal(val & 0xff, (0x20 * 7) & 0xff);
	assert_int_equal(pcl_vdev_write(v, 0x20, 4, 0x11223344), 0);
	assert_int_equal(pcl_vdev_read(v, 0x20, 4, &val), 0);
	assert_int_equal(val, 0x11223344);
	/* The fd breaks: the guest sees -EIO. */
	close(fd);
	assert_int_equal(pcl_vdev_read(v, 0x20, 4, &val), -EIO);
	assert_int_equal(pcl_vdev_write(v, 0x20, 4, 0), -EIO);
	pcl_vdev_free(v);
	pcl_backend_free(be);
	pcl_guest_free(g);
	pcl_ctx_free(ctx);
}

static void test_sysfs(void **state)
{
	struct pcl_error err;
	struct pcl_backend *be;
	struct pcl_vdev_backend ops;
	DIR *dir;
	struct dirent *de;
	uint32_t v;

	assert_null(pcl_backend_sysfs_new("nonsense", 0, &err));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_backend_sysfs_new("0000:00:00.0/../x", 0, &err));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_backend_sysfs_new("00:1f.9", 0, &err));
	assert_int_equal(errno, EINVAL);
	/* sscanf("%x") used to let a sign, spaces or "0x" into the path. */
	assert_null(pcl_backend_sysfs_new(" 000:00:1f.0", 0, &err));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_backend_sysfs_new("+000:00:1f.0", 0, &err));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_backend_sysfs_new("0x:1f.0", 0, &err));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_backend_sysfs_new("0000:00:20.0", 0, &err));
	assert_int_equal(errno, EINVAL);
	assert_null(pcl_backend_sysfs_new("0000:00:00.0", 0x80, &err));
	assert_null(pcl_backend_sysfs_new("ffff:ff:1f.7", 0, &err));
	assert_int_equal(errno, ENODEV);

	dir = opendir("/sys/bus/pci/devices");
	if (!dir)
		return; /* no PCI here: the checks above are all we can do */
	while ((de = readdir(dir)) && de->d_name[0] == '.')
		;
	if (de && strlen(de->d_name) == 12) {
		char path[300], text[16] = "";
		FILE *f;

		be = pcl_backend_sysfs_new(de->d_name, 0, &err);
		assert_non_null(be);
		pcl_backend_ops(be, &ops);
		assert_int_equal(ops.read(ops.opaque, 0, 2, &v), 0);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(text, sizeof(text), f));
		fclose(f);
		assert_int_equal(v, strtoul(text, NULL, 16));
		/* Opened read-only: writes are refused before the kernel. */
		assert_int_equal(ops.write(ops.opaque, 0x3c, 1, 0), -EPERM);
		pcl_backend_free(be);
	}
	closedir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim),
		cmocka_unit_test(test_vfio),
		cmocka_unit_test(test_vfio_engine),
		cmocka_unit_test(test_sysfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
