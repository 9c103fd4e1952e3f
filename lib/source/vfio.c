// SPDX-License-Identifier: BSD-3-Clause
/*
 * vfio.c - a function as VFIO shows it: opening it (through its IOMMU group
 * and a type1 container, or through a device cdev bound to iommufd), and
 * reading its config region as a source.
 *
 * Opening is where users meet the kernel's preconditions (vfio-pci loaded,
 * the device bound to it, an IOMMU group, permissions, interrupt
 * remapping), so every failure says which one is missing and what to do,
 * checked in the order a user would fix them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "source.h"

#define SYSFS_DEVICES "/sys/bus/pci/devices"
#define SYSFS_VFIO_PCI "/sys/bus/pci/drivers/vfio-pci"
#define VFIO_CONTAINER "/dev/vfio/vfio"
#define IOMMUFD_DEV "/dev/iommu"

/*
 * The device cdev and iommufd binding (Linux 6.6) postdate the uapi headers
 * of older distributions; the ABI is fixed, so define what is missing.
 */
#ifndef VFIO_DEVICE_BIND_IOMMUFD
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
#endif

struct pcl_vfio {
	struct pcl_ctx *ctx;
	int container_fd; /* group path: the type1 container, else -1 */
	int group_fd;     /* group path: /dev/vfio/N, else -1 */
	int iommufd;      /* cdev path: /dev/iommu, else -1 */
	int device_fd;
	char address[PCL_SLOT_MAX];
};

static int real_ioctl(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg);
}

int pcl_vfio_region_info(int fd, pcl_ioctl_fn ioctl_fn, uint32_t index,
			 uint64_t *offset, uint64_t *size, uint32_t *flags)
{
	struct vfio_region_info info;

	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	info.index = index;
	if ((ioctl_fn ? ioctl_fn : real_ioctl)(fd, VFIO_DEVICE_GET_REGION_INFO,
					       &info) < 0)
		return -(errno ? errno : ENOTTY);
	*offset = info.offset;
	*size = info.size;
	*flags = info.flags;
	return 0;
}

/* The last path element of the symlink @dir/@name into @buf, or "". */
static void link_base(const char *dir, const char *name, char *buf,
		      size_t size)
{
	char path[PATH_MAX + 32], link[PATH_MAX];
	const char *base;
	ssize_t n;
	int len;

	buf[0] = '\0';
	len = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return;
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	pcl_strlcpy(buf, base ? base + 1 : link, size);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A small decimal sysfs attribute of the function, or -1. */
static long read_attr_long(const char *dev, const char *name)
{
	char path[PATH_MAX + 32], buf[32];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 0);
	fclose(f);
	return v;
}

/* vfio loaded with enable_unsafe_noiommu_mode: groups appear at binding. */
static bool noiommu_mode(void)
{
	FILE *f = fopen("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
			"re");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == 'Y' || c == '1';
}

/*
 * The sysfs preconditions of the group path, in the order a user fixes
 * them: the function exists, it has an IOMMU group (vfio-pci binds nothing
 * without one), vfio-pci is loaded, the function is bound to it (or to a
 * vfio variant driver). Fills @group with the group's name.
 */
static int check_sysfs(const char *slot, char *group, size_t size,
		       struct pcl_error *err)
{
	char dev[PATH_MAX], drv[64];

	snprintf(dev, sizeof(dev), SYSFS_DEVICES "/%s", slot);
	if (!path_exists(dev))
		return pcl_set_error(err, -ENODEV, slot, 0, 0, -1,
				     "no such PCI function");
	link_base(dev, "iommu_group", group, size);
	if (!group[0] && !noiommu_mode())
		return pcl_set_error(err, -ENODEV, slot, 0, 0, -1,
				     "no IOMMU group: turn the IOMMU on (boot "
				     "with intel_iommu=on or amd_iommu=on, and "
				     "VT-d/AMD-Vi enabled in the firmware)");
	link_base(dev, "driver", drv, sizeof(drv));
	if (!drv[0] && !path_exists(SYSFS_VFIO_PCI))
		return pcl_set_error(err, -ENOENT, slot, 0, 0, -1,
				     "the vfio-pci driver is not loaded: run "
				     "'modprobe vfio-pci' (as root)");
	/* vfio-pci refuses a PF whose VFs exist (vfio_pci_core). */
	if (!drv[0] && read_attr_long(dev, "sriov_numvfs") > 0)
		return pcl_set_error(err, -EBUSY, slot, 0, 0, -1,
				     "vfio-pci does not bind a PF whose VFs "
				     "are enabled: 'echo 0 > %s/sriov_numvfs' "
				     "first, then bind it", dev);
	if (!drv[0])
		return pcl_set_error(err, -ENXIO, slot, 0, 0, -1,
				     "not bound to any driver: bind it to "
				     "vfio-pci with 'echo vfio-pci > %s/"
				     "driver_override; echo %s > /sys/bus/pci/"
				     "drivers_probe'", dev, slot);
	/* vfio-pci itself, or a variant driver built on vfio-pci-core. */
	if (!strstr(drv, "vfio"))
		return pcl_set_error(err, -EBUSY, slot, 0, 0, -1,
				     "bound to the %s driver, not vfio-pci: "
				     "'echo vfio-pci > %s/driver_override; "
				     "echo %s > %s/driver/unbind; echo %s > "
				     "/sys/bus/pci/drivers_probe' (as root; "
				     "the host loses the device)", drv, dev,
				     slot, dev, slot);
	/* Bound in no-IOMMU mode: the group exists now. */
	if (!group[0])
		link_base(dev, "iommu_group", group, size);
	if (!group[0])
		return pcl_set_error(err, -ENODEV, slot, 0, 0, -1,
				     "no IOMMU group although bound to %s", drv);
	return 0;
}

/* open(2) a /dev/vfio node, explaining the usual failures. */
static int open_node(const char *path, const char *slot, struct pcl_error *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC), e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == EACCES || e == EPERM)
		return pcl_set_error(err, -EACCES, slot, 0, 0, -1,
				     "%s: permission denied: run as root, or "
				     "give this user the device node (as "
				     "libvirt does for its VMs)", path);
	if (e == EBUSY)
		return pcl_set_error(err, -EBUSY, slot, 0, 0, -1,
				     "%s is in use by another process (a "
				     "running VM?): VFIO lets one process "
				     "open a group at a time", path);
	if (e == ENOENT)
		return pcl_set_error(err, -ENOENT, slot, 0, 0, -1,
				     "%s does not exist: load the vfio "
				     "modules ('modprobe vfio-pci')", path);
	return pcl_set_error(err, -e, slot, 0, 0, -1, "cannot open %s: %s",
			     path, strerror(e));
}

/* The group's devices, for the "not viable" message. */
static void group_members(const char *group, char *buf, size_t size)
{
	char path[PATH_MAX];
	struct dirent **names = NULL;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
		 group);
	n = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && used + 16 < size)
			used += (size_t)snprintf(buf + used, size - used, "%s%s",
						 used ? " " : "",
						 names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

/* Group, container, IOMMU, device fd: the classic VFIO sequence. */
static int open_group(struct pcl_vfio *v, struct pcl_error *err)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char group[32], node[64], members[256];
	bool noiommu;
	int type, r;

	r = check_sysfs(v->address, group, sizeof(group), err);
	if (r < 0)
		return r;
	v->container_fd = open_node(VFIO_CONTAINER, v->address, err);
	if (v->container_fd < 0)
		return v->container_fd;
	if (ioctl(v->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return pcl_set_error(err, -EINVAL, v->address, 0, 0, -1,
				     "the kernel's VFIO API version is not %d",
				     VFIO_API_VERSION);
	/* A no-IOMMU group (enable_unsafe_noiommu_mode) has its own node. */
	snprintf(node, sizeof(node), "/dev/vfio/%s", group);
	noiommu = !path_exists(node);
	if (noiommu)
		snprintf(node, sizeof(node), "/dev/vfio/noiommu-%s", group);
	v->group_fd = open_node(node, v->address, err);
	if (v->group_fd < 0)
		return v->group_fd;
	if (ioctl(v->group_fd, VFIO_GROUP_GET_STATUS, &status) < 0)
		return pcl_set_error(err, -errno, v->address, 0, 0, -1,
				     "VFIO_GROUP_GET_STATUS: %s",
				     strerror(errno));
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		group_members(group, members, sizeof(members));
		return pcl_set_error(err, -EBUSY, v->address, 0, 0, -1,
				     "IOMMU group %s is not viable: every "
				     "function in it (%s) must be bound to "
				     "vfio-pci or to no driver", group, members);
	}
	if (ioctl(v->group_fd, VFIO_GROUP_SET_CONTAINER, &v->container_fd) < 0)
		return pcl_set_error(err, -errno, v->address, 0, 0, -1,
				     "VFIO_GROUP_SET_CONTAINER: %s",
				     strerror(errno));
	type = noiommu ? VFIO_NOIOMMU_IOMMU :
	       ioctl(v->container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0 ?
			 VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	if (ioctl(v->container_fd, VFIO_SET_IOMMU, type) < 0) {
		int e = errno;

		if (e == EPERM)
			return pcl_set_error(err, -EPERM, v->address, 0, 0, -1,
					     "VFIO_SET_IOMMU refused: the IOMMU "
					     "has no interrupt remapping; load "
					     "vfio_iommu_type1 with "
					     "allow_unsafe_interrupts=1 only if "
					     "you accept the risk");
		return pcl_set_error(err, -e, v->address, 0, 0, -1,
				     "VFIO_SET_IOMMU: %s", strerror(e));
	}
	v->device_fd = ioctl(v->group_fd, VFIO_GROUP_GET_DEVICE_FD, v->address);
	if (v->device_fd < 0)
		return pcl_set_error(err, -errno, v->address, 0, 0, -1,
				     "VFIO_GROUP_GET_DEVICE_FD: %s",
				     strerror(errno));
	return 0;
}

/* /dev/vfio/devices/vfioN: bind to a fresh iommufd; no IOAS is needed to
 * reach config space. */
static int open_cdev(struct pcl_vfio *v, const char *path,
		     struct pcl_error *err)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char sys[PATH_MAX], slot[64];
	const char *base = strrchr(path, '/');
	uint32_t dom;
	uint8_t b, d, f;

	base = base ? base + 1 : path;
	snprintf(sys, sizeof(sys), "/sys/class/vfio-dev/%s", base);
	link_base(sys, "device", slot, sizeof(slot));
	if (pcl_slot_parse(slot, strlen(slot), &dom, &b, &d, &f) == 0)
		pcl_slot_format(v->address, dom, b, d, f);
	if (!path_exists(path) && !path_exists("/dev/vfio/devices"))
		return pcl_set_error(err, -ENOENT, path, 0, 0, -1,
				     "no VFIO device cdevs here: they need "
				     "Linux 6.6 or later built with "
				     "CONFIG_VFIO_DEVICE_CDEV; give the PCI "
				     "address instead");
	v->device_fd = open_node(path, path, err);
	if (v->device_fd < 0)
		return v->device_fd;
	v->iommufd = open_node(IOMMUFD_DEV, path, err);
	if (v->iommufd < 0)
		return v->iommufd;
	bind.iommufd = v->iommufd;
	if (ioctl(v->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0)
		return pcl_set_error(err, -errno, path, 0, 0, -1,
				     "VFIO_DEVICE_BIND_IOMMUFD: %s",
				     strerror(errno));
	return 0;
}

PCL_EXPORT int pcl_vfio_open(struct pcl_ctx *ctx, const char *spec,
			     struct pcl_vfio **vfio, struct pcl_error *err)
{
	struct pcl_vfio *v;
	uint32_t dom;
	uint8_t b, d, f;
	int r;

	if (!vfio || !spec)
		return pcl_set_error(err, -EINVAL, spec, 0, 0, -1,
				     "invalid arguments");
	*vfio = NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return pcl_set_error(err, -ENOMEM, spec, 0, 0, -1,
				     "out of memory");
	v->ctx = ctx;
	v->container_fd = v->group_fd = v->iommufd = v->device_fd = -1;
	if (spec[0] == '/') {
		r = open_cdev(v, spec, err);
	} else if (pcl_slot_parse(spec, strlen(spec), &dom, &b, &d, &f) == 0) {
		pcl_slot_format(v->address, dom, b, d, f);
		r = open_group(v, err);
	} else {
		r = pcl_set_error(err, -EINVAL, spec, 0, 0, -1,
				  "not a PCI address ([dddd:]bb:dd.f) or a "
				  "VFIO device path (/dev/vfio/devices/vfioN)");
	}
	if (r < 0) {
		pcl_vfio_close(v);
		return r;
	}
	pcl_dbg(ctx, "%s: VFIO device fd %d", spec, v->device_fd);
	*vfio = v;
	return 0;
}

PCL_EXPORT int pcl_vfio_device_fd(const struct pcl_vfio *vfio)
{
	return vfio ? vfio->device_fd : -1;
}

PCL_EXPORT const char *pcl_vfio_address(const struct pcl_vfio *vfio)
{
	return vfio && vfio->address[0] ? vfio->address : NULL;
}

PCL_EXPORT void pcl_vfio_close(struct pcl_vfio *vfio)
{
	if (!vfio)
		return;
	/* Device first: the group cannot leave its container while open. */
	if (vfio->device_fd >= 0)
		close(vfio->device_fd);
	if (vfio->group_fd >= 0)
		close(vfio->group_fd);
	if (vfio->container_fd >= 0)
		close(vfio->container_fd);
	if (vfio->iommufd >= 0)
		close(vfio->iommufd);
	free(vfio);
}

/*
 * BAR sizes from the region sizes; types from the BAR registers as
 * vfio-pci virtualizes them (it writes each implemented BAR's type bits,
 * also for a VF, whose own registers read 0).
 */
static void read_bar_regions(struct pcl_cfg *c, int fd, pcl_ioctl_fn ioctl_fn)
{
	for (uint32_t i = 0; i < PCL_CFG_BARS; i++) {
		uint32_t index = i == PCL_CFG_BAR_ROM ? VFIO_PCI_ROM_REGION_INDEX :
			VFIO_PCI_BAR0_REGION_INDEX + i;
		uint64_t off = 0, size = 0;
		uint32_t flags = 0;

		if (c->bar[i].flags & PCL_BAR_UPPER)
			continue;
		if (pcl_vfio_region_info(fd, ioctl_fn, index, &off, &size,
					 &flags) < 0 || !size)
			continue;
		c->bar[i].flags |= PCL_BAR_PRESENT | PCL_BAR_SIZE_KNOWN;
		c->bar[i].size = size;
	}
}

struct overlay {
	struct pcl_cfg *dst;
	const struct pcl_cfg *raw;
	int space;
};

/* pcl_cfg_each_cap() callback: copy one header from the raw view. */
static int copy_header(void *opaque, uint32_t pos)
{
	struct overlay *o = opaque;
	uint32_t len = o->space == PCL_SPACE_EXTENDED ? 4 : 2;

	memcpy(o->dst->data + pos, o->raw->data + pos, len);
	return 0;
}

/*
 * vfio-pci unlinks the capabilities it hides by rewriting next pointers in
 * its virtual config space, and erases the ID and version (or, when it
 * hides every extended capability, the whole header) at 0x100; the bytes
 * of the hidden capabilities stay. A layout must not depend on that
 * (docs/design.md), so when this process may read the whole config space
 * through sysfs, the chains' headers are taken from there: the device's
 * own links. Without that access the cfg is the kernel's view.
 */
static void restore_chains(struct pcl_cfg *c)
{
	struct pcl_cfg *raw = NULL;
	struct overlay o = { .dst = c };

	if (pcl_cfg_read_device(c->ctx, c->slot, &raw, NULL) < 0)
		return;
	if (pcl_cfg_size(raw) < c->size) {
		pcl_info(c->ctx, "%s: sysfs gives %u bytes (not root): the "
			 "capability chains are as vfio-pci shows them",
			 c->slot, pcl_cfg_size(raw));
		pcl_cfg_free(raw);
		return;
	}
	o.raw = raw;
	c->data[PCI_CAPABILITY_LIST] = raw->data[PCI_CAPABILITY_LIST];
	c->data[PCI_STATUS] = (uint8_t)((c->data[PCI_STATUS] &
					 ~PCI_STATUS_CAP_LIST) |
					(raw->data[PCI_STATUS] &
					 PCI_STATUS_CAP_LIST));
	for (o.space = PCL_SPACE_STANDARD; o.space <= PCL_SPACE_EXTENDED;
	     o.space++)
		pcl_cfg_each_cap(raw, o.space, copy_header, &o);
	/* An empty extended chain: vfio-pci's 0 at 0x100 may hide one. */
	memcpy(c->data + PCI_CFG_SPACE_SIZE, raw->data + PCI_CFG_SPACE_SIZE, 4);
	pcl_dbg(c->ctx, "%s: capability headers restored from sysfs", c->slot);
	pcl_cfg_free(raw);
}

/* Whole config region, or as much of it as exists, into @c. */
static int read_region(struct pcl_cfg *c, int fd, uint64_t base,
		       uint64_t size)
{
	uint32_t len = size < PCL_CFG_SIZE ? (uint32_t)size : PCL_CFG_SIZE;
	uint32_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, c->data + got, len - got,
				  (off_t)(base + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (uint32_t)n;
	}
	if (!got)
		return -EIO;
	pcl_cfg_mark_read(c, 0, got);
	return 0;
}

int pcl_cfg_read_vfio_with(struct pcl_ctx *ctx, int fd, pcl_ioctl_fn ioctl_fn,
			   const char *address, struct pcl_cfg **cfg,
			   struct pcl_error *err)
{
	const char *name = address ? address : "vfio";
	uint64_t base = 0, size = 0;
	uint32_t flags = 0, dom = 0;
	uint8_t b, d, f;
	struct pcl_cfg *c;
	int r;

	if (!cfg || fd < 0)
		return pcl_set_error(err, fd < 0 ? -EBADF : -EINVAL, name, 0, 0,
				     -1, "invalid arguments");
	*cfg = NULL;
	if (address && pcl_slot_parse(address, strlen(address), &dom, &b, &d,
				      &f))
		return pcl_set_error(err, -EINVAL, name, 0, 0, -1,
				     "not a PCI address: expected "
				     "[dddd:]bb:dd.f");
	r = pcl_vfio_region_info(fd, ioctl_fn, VFIO_PCI_CONFIG_REGION_INDEX,
				 &base, &size, &flags);
	if (r < 0)
		return pcl_set_error(err, r, name, 0, 0, -1,
				     "VFIO_DEVICE_GET_REGION_INFO(config): %s%s",
				     strerror(-r), r == -ENOTTY ?
				     " (not a VFIO device)" : "");
	if (!(flags & VFIO_REGION_INFO_FLAG_READ) || size < PCI_STD_HEADER_SIZEOF)
		return pcl_set_error(err, -EINVAL, name, 0, 0, -1,
				     "config region is not readable or too "
				     "small (flags 0x%x, size %llu)", flags,
				     (unsigned long long)size);
	c = pcl_cfg_alloc(ctx, address ? address : "vfio");
	if (!c)
		return pcl_set_error(err, -ENOMEM, name, 0, 0, -1,
				     "out of memory");
	r = read_region(c, fd, base, size);
	if (r < 0) {
		pcl_cfg_free(c);
		return pcl_set_error(err, r, name, 0, 0, -1,
				     "reading the config region: %s",
				     strerror(-r));
	}
	if (address)
		pcl_slot_format(c->slot, dom, b, d, f);
	pcl_cfg_finish(c);
	if (address && c->size > PCI_STD_HEADER_SIZEOF) {
		restore_chains(c);
		pcl_cfg_finish(c);
	}
	read_bar_regions(c, fd, ioctl_fn);
	if (address)
		pcl_cfg_read_sysfs_vf(c);
	*cfg = c;
	return 0;
}

PCL_EXPORT int pcl_cfg_read_vfio(struct pcl_ctx *ctx, int device_fd,
				 const char *address, struct pcl_cfg **cfg,
				 struct pcl_error *err)
{
	return pcl_cfg_read_vfio_with(ctx, device_fd, NULL, address, cfg, err);
}
