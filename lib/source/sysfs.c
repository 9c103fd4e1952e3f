// SPDX-License-Identifier: BSD-3-Clause
/*
 * sysfs.c - live functions read straight from sysfs (config, resource,
 * the VF attributes). $PCILAYOUT_SYSFS names another directory to read as
 * if it were /sys: a copy of a host's tree, for tests and for collecting a
 * host's facts from a saved tree (docs/testing.md).
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "source.h"

#define SYSFS_DEVICES "/bus/pci/devices"

/* The sysfs mount point: /sys, or $PCILAYOUT_SYSFS. */
static const char *sysfs_root(void)
{
	const char *env = secure_getenv("PCILAYOUT_SYSFS");

	return env && *env ? env : "/sys";
}

/*
 * Read what the kernel serves of the config file: the whole config space
 * (4096 or 256 bytes) for CAP_SYS_ADMIN, the first 64 bytes (128 for a
 * CardBus bridge) for anyone else; reads past that return end of file.
 */
static int read_config_file(const char *path, uint8_t *buf, uint32_t *len)
{
	uint32_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < PCL_CFG_SIZE) {
		ssize_t n = pread(fd, buf + got, PCL_CFG_SIZE - got, got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (uint32_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

/* A sysfs attribute of the function that holds one hex number ("0x1b36\n"). */
static int read_attr_hex(const char *slot, const char *attr, uint64_t *val)
{
	char path[PATH_MAX], buf[64], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s" SYSFS_DEVICES "/%s/%s", sysfs_root(),
		 slot, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	errno = 0;
	*val = strtoull(buf, &end, 16);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EIO;
	return 0;
}

/*
 * Resource flags of the kernel's "resource" attribute (include/linux/
 * ioport.h; the attribute prints them as a third column since 2.6).
 */
#define IORESOURCE_IO 0x00000100u
#define IORESOURCE_MEM 0x00000200u
#define IORESOURCE_PREFETCH 0x00002000u
#define IORESOURCE_MEM_64 0x00100000u

/*
 * BAR types and sizes from "resource": one "start end flags" line per
 * resource, BAR0..BAR5 then the ROM first. The kernel knows a VF's BARs
 * (from its PF's SR-IOV capability) although the VF's registers read 0.
 */
static void read_resources(const char *slot, struct pcl_bar *bar)
{
	char path[PATH_MAX], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s" SYSFS_DEVICES "/%s/resource",
		 sysfs_root(), slot);
	f = fopen(path, "re");
	if (!f)
		return;
	for (uint32_t i = 0; i < PCL_CFG_BARS && fgets(line, sizeof(line), f);
	     i++) {
		unsigned long long v[3];
		unsigned long long start, end, flags;
		uint32_t fl = PCL_BAR_PRESENT;
		char *p = line, *e;
		int n;

		/* "0x%016llx 0x%016llx 0x%016llx\n" */
		for (n = 0; n < 3; n++, p = e) {
			errno = 0;
			v[n] = strtoull(p, &e, 16);
			if (e == p || errno)
				break;
		}
		if (n != 3)
			break;
		start = v[0];
		end = v[1];
		flags = v[2];
		if (!(flags & (IORESOURCE_IO | IORESOURCE_MEM)) || end <= start)
			continue;
		if (flags & IORESOURCE_IO)
			fl |= PCL_BAR_IO;
		if ((flags & IORESOURCE_MEM_64) && i + 1 < PCI_STD_NUM_BARS)
			fl |= PCL_BAR_MEM64;
		if (flags & IORESOURCE_PREFETCH)
			fl |= PCL_BAR_PREFETCH;
		bar[i].flags = fl | PCL_BAR_SIZE_KNOWN;
		bar[i].size = end - start + 1;
		if ((fl & PCL_BAR_MEM64) && i + 1 < PCL_CFG_BARS) {
			bar[i + 1] = (struct pcl_bar){
				.flags = PCL_BAR_PRESENT | PCL_BAR_UPPER };
			i++;
			if (!fgets(line, sizeof(line), f))
				break;
		}
	}
	fclose(f);
}

/* "../../../devices/pci0000:00/0000:00:03.0" -> "0000:00:03.0" */
static void read_physfn(const char *slot, char *pf, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	uint32_t dom;
	uint8_t b, d, f;
	const char *base;
	ssize_t n;

	pf[0] = '\0';
	snprintf(path, sizeof(path), "%s" SYSFS_DEVICES "/%s/physfn",
		 sysfs_root(), slot);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (pcl_slot_parse(base, strlen(base), &dom, &b, &d, &f) == 0 &&
	    size >= PCL_SLOT_MAX)
		pcl_slot_format(pf, dom, b, d, f);
}

static bool is_vf(const char *slot)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s" SYSFS_DEVICES "/%s/physfn",
		 sysfs_root(), slot);
	return lstat(path, &st) == 0;
}

void pcl_cfg_read_sysfs_vf(struct pcl_cfg *c)
{
	uint64_t vendor = 0, device = 0;

	if (!c->slot[0] || !is_vf(c->slot))
		return;
	c->id.is_vf = 1;
	read_physfn(c->slot, c->pf_slot, sizeof(c->pf_slot));
	/* The kernel gives a VF its PF's vendor and the VF Device ID. */
	if (read_attr_hex(c->slot, "vendor", &vendor) == 0 &&
	    read_attr_hex(c->slot, "device", &device) == 0 &&
	    vendor <= 0xffff && device <= 0xffff)
		pcl_cfg_set_vf_ids(c, (uint16_t)vendor, (uint16_t)device);
}

PCL_EXPORT int pcl_cfg_read_device(struct pcl_ctx *ctx, const char *address,
				   struct pcl_cfg **cfg, struct pcl_error *err)
{
	char slot[PCL_SLOT_MAX], path[PATH_MAX];
	uint8_t buf[PCL_CFG_SIZE];
	struct pcl_cfg *c;
	uint32_t domain, len = 0;
	uint8_t bus, dev, fn;
	int ret;

	if (!cfg)
		return pcl_set_error(err, -EINVAL, address, 0, 0, -1,
				     "invalid arguments");
	*cfg = NULL;
	if (!address ||
	    pcl_slot_parse(address, strlen(address), &domain, &bus, &dev, &fn))
		return pcl_set_error(err, -EINVAL, address, 0, 0, -1,
				     "not a PCI address: expected "
				     "[dddd:]bb:dd.f, e.g. 0000:3b:00.0");
	pcl_slot_format(slot, domain, bus, dev, fn);

	snprintf(path, sizeof(path), "%s" SYSFS_DEVICES "/%s/config",
		 sysfs_root(), slot);
	memset(buf, 0, sizeof(buf));
	ret = read_config_file(path, buf, &len);
	if (ret == -ENOENT)
		return pcl_set_error(err, -ENODEV, slot, 0, 0, -1,
				     "no such PCI function");
	if (ret < 0)
		return pcl_set_error(err, ret == -EACCES ? -EACCES : -EIO, slot,
				     0, 0, -1, "cannot read %s: %s", path,
				     strerror(-ret));
	if (!len)
		return pcl_set_error(err, -EIO, slot, 0, 0, -1,
				     "%s: the kernel returned no bytes", path);

	c = pcl_cfg_alloc(ctx, slot);
	if (!c)
		return pcl_set_error(err, -ENOMEM, slot, 0, 0, -1,
				     "out of memory");
	memcpy(c->data, buf, len);
	pcl_cfg_mark_read(c, 0, len);
	memcpy(c->slot, slot, sizeof(c->slot));
	pcl_cfg_finish(c);
	read_resources(c->slot, c->bar);
	pcl_cfg_read_sysfs_vf(c);
	pcl_dbg(ctx, "%s: read %u bytes of config space%s", slot, len,
		c->id.is_vf ? " (VF)" : "");
	*cfg = c;
	return 0;
}

struct slot_ent {
	uint64_t key;
	char name[PCL_SLOT_MAX];
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot_ent *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

PCL_EXPORT int pcl_cfg_read_all_devices(struct pcl_ctx *ctx,
					struct pcl_cfg ***cfgs, size_t *count,
					struct pcl_error *err)
{
	struct slot_ent *ents = NULL;
	struct pcl_cfg **v = NULL;
	size_t n = 0, cap = 0, nv = 0;
	char list[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	if (!cfgs || !count)
		return pcl_set_error(err, -EINVAL, "sysfs", 0, 0, -1,
				     "invalid arguments");
	*cfgs = NULL;
	*count = 0;
	snprintf(list, sizeof(list), "%s" SYSFS_DEVICES, sysfs_root());
	/* Our own listing, not pci_scan_bus(): that one may run only once. */
	dir = opendir(list);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return pcl_set_error(err, errno == EACCES ? -EACCES : -EIO,
				     list, 0, 0, -1, "cannot list: %s",
				     strerror(errno));
	}
	while ((de = readdir(dir)) != NULL) {
		uint32_t dom;
		uint8_t b, d, f;

		if (pcl_slot_parse(de->d_name, strlen(de->d_name), &dom, &b, &d,
				   &f))
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct slot_ent *ne = realloc(ents, ncap * sizeof(*ne));

			if (!ne) {
				ret = -ENOMEM;
				break;
			}
			ents = ne;
			cap = ncap;
		}
		ents[n].key = ((uint64_t)dom << 16) | ((uint64_t)b << 8) |
			      (uint64_t)(d << 3) | f;
		pcl_slot_format(ents[n].name, dom, b, d, f);
		n++;
	}
	closedir(dir);
	if (ret < 0) {
		free(ents);
		return pcl_set_error(err, ret, list, 0, 0, -1,
				     "out of memory");
	}
	if (n) {
		qsort(ents, n, sizeof(*ents), slot_cmp);
		v = calloc(n, sizeof(*v));
		if (!v) {
			free(ents);
			return pcl_set_error(err, -ENOMEM, list, 0, 0,
					     -1, "out of memory");
		}
	}
	for (size_t i = 0; i < n; i++) {
		ret = pcl_cfg_read_device(ctx, ents[i].name, &v[nv], err);
		/* A function removed since the listing is no error. */
		if (ret == -ENODEV) {
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		nv++;
	}
	free(ents);
	if (ret < 0) {
		pcl_cfg_list_free(v, nv);
		return ret;
	}
	*cfgs = v;
	*count = nv;
	return 0;
}
