// SPDX-License-Identifier: BSD-3-Clause
/*
 * backend.c - ways to reach a physical device's config space from the
 * engine: a simulated device (memory with read-only and RW1C bytes), the
 * sysfs "config" file, and a VFIO device's config region.
 *
 * Each backend checks its own bounds: the engine only asks for aligned
 * 1/2/4-byte accesses below 4096, but a VMM may call these functions
 * directly, and an out-of-range request must never reach memory or a file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "internal.h"
#include "guest-internal.h"
#include "walk/memo.h"

enum backend_kind { BE_SIM, BE_FD };

struct pcl_backend {
	int kind;
	int fd;          /* BE_FD: sysfs file or VFIO device */
	bool own_fd;     /* close it on free (sysfs) */
	bool writable;
	uint64_t base;   /* BE_FD: file offset of config byte 0 */
	uint64_t limit;  /* BE_FD: bytes of config space in the file */
	struct pcl_backend_stats stats;
	/* BE_SIM */
	uint8_t data[PCL_CFG_SIZE];
	uint8_t ro[PCL_CFG_SIZE];   /* bits writes never change */
	uint8_t w1c[PCL_CFG_SIZE];  /* bits a written 1 clears */
};

static bool range_ok(uint32_t off, uint32_t len)
{
	return (len == 1 || len == 2 || len == 4) && off < PCL_CFG_SIZE &&
	       len <= PCL_CFG_SIZE - off;
}

static int sim_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct pcl_backend *be = opaque;
	uint32_t v = 0;

	if (!range_ok(off, len) || !val) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)be->data[off + i] << (8 * i);
	*val = v;
	__atomic_fetch_add(&be->stats.reads, 1, __ATOMIC_RELAXED);
	return 0;
}

static int sim_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct pcl_backend *be = opaque;

	if (!range_ok(off, len)) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t in = (uint8_t)(val >> (8 * i));
		uint8_t *d = &be->data[off + i];
		uint8_t ro = be->ro[off + i], c = be->w1c[off + i];
		uint8_t rw = (uint8_t)~(ro | c);

		*d = (uint8_t)((*d & ro) | (in & rw) | (*d & c & ~in));
	}
	__atomic_fetch_add(&be->stats.writes, 1, __ATOMIC_RELAXED);
	return 0;
}

static void sim_mark(struct pcl_backend *be, uint32_t off, uint32_t len,
		     uint8_t ro, uint8_t w1c)
{
	for (uint32_t i = off; i < off + len && i < PCL_CFG_SIZE; i++) {
		be->ro[i] |= ro;
		be->w1c[i] |= w1c;
	}
}

struct pcl_backend *pcl_backend_sim_new(const struct pcl_cfg *cfg)
{
	struct pcl_backend *be;
	const struct pcl_walk *walk;

	if (!cfg) {
		errno = EINVAL;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	if (!be) {
		errno = ENOMEM;
		return NULL;
	}
	be->kind = BE_SIM;
	be->fd = -1;
	memcpy(be->data, pcl_cfg_data(cfg), PCL_CFG_SIZE);
	/* Header: identity, revision/class, header type, subsystem, cap
	 * pointer, interrupt pin are read-only; status is RO + RW1C. */
	sim_mark(be, 0x00, 4, 0xff, 0);
	sim_mark(be, 0x06, 1, 0xff, 0);
	sim_mark(be, 0x07, 1, 0x06, 0xf9);
	sim_mark(be, 0x08, 4, 0xff, 0);
	sim_mark(be, 0x0e, 1, 0xff, 0);
	sim_mark(be, 0x2c, 4, 0xff, 0);
	sim_mark(be, 0x34, 1, 0xff, 0);
	sim_mark(be, 0x3d, 1, 0xff, 0);

	walk = pcl_cfg_walk(cfg);
	if (!walk) {
		free(be);
		return NULL;
	}
	for (size_t i = 0; i < pcl_walk_cap_count(walk); i++) {
		const struct pcl_cap *c = pcl_walk_cap(walk, i);

		if (c->space == PCL_SPACE_STANDARD) {
			sim_mark(be, c->offset, 2, 0xff, 0);
			/* PCIe Device Status: error detected bits. */
			if (c->id == 0x10 && c->length >= 0x0c)
				sim_mark(be, c->offset + 0x0au, 1, 0, 0x0f);
		} else {
			sim_mark(be, c->offset, 4, 0xff, 0);
			/* AER Uncorrectable and Correctable Error Status. */
			if (c->id == 0x01 && c->length >= 0x14) {
				sim_mark(be, c->offset + 0x04u, 4, 0, 0xff);
				sim_mark(be, c->offset + 0x10u, 4, 0, 0xff);
			}
		}
	}
	for (size_t i = 0; i < pcl_walk_orphan_count(walk); i++) {
		const struct pcl_cap *c = pcl_walk_orphan(walk, i);

		sim_mark(be, c->offset, 4, 0xff, 0);
	}
	/* RW1C wins over RO where both were marked. */
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		be->ro[i] &= (uint8_t)~be->w1c[i];
	return be;
}

const uint8_t *pcl_backend_sim_data(const struct pcl_backend *be)
{
	return be && be->kind == BE_SIM ? be->data : NULL;
}

int pcl_backend_sim_poke(struct pcl_backend *be, uint32_t off,
			 const uint8_t *bytes, uint32_t len)
{
	if (!be || be->kind != BE_SIM || !bytes || off >= PCL_CFG_SIZE ||
	    len > PCL_CFG_SIZE - off)
		return -EINVAL;
	memcpy(be->data + off, bytes, len);
	return 0;
}

void pcl_backend_stats(const struct pcl_backend *be,
		       struct pcl_backend_stats *stats)
{
	if (!stats)
		return;
	if (be) {
		/* Counters are bumped atomically by concurrent readers. */
		stats->reads = __atomic_load_n(&be->stats.reads,
					       __ATOMIC_RELAXED);
		stats->writes = __atomic_load_n(&be->stats.writes,
						__ATOMIC_RELAXED);
		stats->errors = __atomic_load_n(&be->stats.errors,
						__ATOMIC_RELAXED);
	} else
		memset(stats, 0, sizeof(*stats));
}

/* sysfs and VFIO: the same pread/pwrite at base + offset. */
static int fd_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct pcl_backend *be = opaque;
	uint8_t buf[4];
	ssize_t n;
	uint32_t v = 0;

	if (!range_ok(off, len) || !val || off + len > be->limit) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return -EINVAL;
	}
	n = pread(be->fd, buf, len, (off_t)(be->base + off));
	if (n != (ssize_t)len) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return n < 0 ? -errno : -EIO;
	}
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)buf[i] << (8 * i);
	*val = v;
	__atomic_fetch_add(&be->stats.reads, 1, __ATOMIC_RELAXED);
	return 0;
}

static int fd_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct pcl_backend *be = opaque;
	uint8_t buf[4];
	ssize_t n;

	if (!range_ok(off, len) || off + len > be->limit) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return -EINVAL;
	}
	if (!be->writable) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return -EPERM;
	}
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	n = pwrite(be->fd, buf, len, (off_t)(be->base + off));
	if (n != (ssize_t)len) {
		__atomic_fetch_add(&be->stats.errors, 1, __ATOMIC_RELAXED);
		return n < 0 ? -errno : -EIO;
	}
	__atomic_fetch_add(&be->stats.writes, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Exactly @n hex digits at @s, value in *@val. sscanf("%x") would also take
 * a sign, spaces and "0x", and the address becomes a sysfs path: only the
 * characters a kernel device name has may pass.
 */
static bool hex_field(const char *s, size_t n, unsigned long *val)
{
	char buf[8], *end;

	if (n >= sizeof(buf))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*val = strtoul(buf, &end, 16);
	return errno == 0 && *end == '\0';
}

/* "dddd:bb:dd.f" or "bb:dd.f", nothing before or after. */
static bool address_ok(const char *a)
{
	size_t len = strlen(a);
	unsigned long dom, bus, dev, fn;
	const char *bdf = a;

	if (len == 12) {
		if (!hex_field(a, 4, &dom) || a[4] != ':')
			return false;
		bdf = a + 5;
	} else if (len != 7) {
		return false;
	}
	return hex_field(bdf, 2, &bus) && bdf[2] == ':' &&
	       hex_field(bdf + 3, 2, &dev) && bdf[5] == '.' &&
	       hex_field(bdf + 6, 1, &fn) && dev < 32 && fn < 8;
}

struct pcl_backend *pcl_backend_sysfs_new(const char *address, uint32_t flags,
					  struct pcl_error *err)
{
	char path[96];
	struct pcl_backend *be;
	int fd, e;

	if (!address || !address_ok(address) ||
	    (flags & ~PCL_BACKEND_WRITABLE)) {
		pcl_set_error(err, -EINVAL, address ? address : "", 0, 0, -1,
			      "not a PCI address (dddd:bb:dd.f or bb:dd.f)");
		errno = EINVAL;
		return NULL;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s%s/config",
		 strlen(address) == 7 ? "0000:" : "", address);
	fd = open(path, (flags & PCL_BACKEND_WRITABLE ? O_RDWR : O_RDONLY) |
			O_CLOEXEC);
	if (fd < 0) {
		e = errno == ENOENT ? ENODEV : errno;
		pcl_set_error(err, -e, path, 0, 0, -1, "cannot open: %s",
			      strerror(e));
		errno = e;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	if (!be) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	be->kind = BE_FD;
	be->fd = fd;
	be->own_fd = true;
	be->writable = flags & PCL_BACKEND_WRITABLE;
	be->limit = PCL_CFG_SIZE;
	return be;
}

struct pcl_backend *pcl_backend_vfio_new_with(int fd, pcl_ioctl_fn ioctl_fn,
					      struct pcl_error *err)
{
	struct pcl_backend *be;
	uint64_t base, size;
	uint32_t flags;
	int r;

	if (fd < 0) {
		pcl_set_error(err, -EBADF, "vfio", 0, 0, -1,
			      "no device file descriptor");
		errno = EBADF;
		return NULL;
	}
	r = pcl_vfio_region_info(fd, ioctl_fn, VFIO_PCI_CONFIG_REGION_INDEX,
				 &base, &size, &flags);
	if (r < 0) {
		pcl_set_error(err, r, "vfio", 0, 0, -1,
			      "VFIO_DEVICE_GET_REGION_INFO(config): %s",
			      strerror(-r));
		errno = -r;
		return NULL;
	}
	if (!(flags & VFIO_REGION_INFO_FLAG_READ) || size < 64 ||
	    base > UINT64_MAX - PCL_CFG_SIZE) {
		pcl_set_error(err, -EINVAL, "vfio", 0, 0, -1,
			      "config region is not readable or too small "
			      "(flags 0x%x, size %llu)", flags,
			      (unsigned long long)size);
		errno = EINVAL;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	if (!be) {
		errno = ENOMEM;
		return NULL;
	}
	be->kind = BE_FD;
	be->fd = fd;
	be->writable = flags & VFIO_REGION_INFO_FLAG_WRITE;
	be->base = base;
	be->limit = size < PCL_CFG_SIZE ? (uint32_t)size : PCL_CFG_SIZE;
	return be;
}

struct pcl_backend *pcl_backend_vfio_new(int fd, struct pcl_error *err)
{
	return pcl_backend_vfio_new_with(fd, NULL, err);
}

void pcl_backend_ops(struct pcl_backend *be, struct pcl_vdev_backend *ops)
{
	if (!ops)
		return;
	memset(ops, 0, sizeof(*ops));
	if (!be)
		return;
	ops->read = be->kind == BE_SIM ? sim_read : fd_read;
	ops->write = be->kind == BE_SIM ? sim_write : fd_write;
	ops->opaque = be;
}

void pcl_backend_free(struct pcl_backend *be)
{
	if (!be)
		return;
	if (be->own_fd && be->fd >= 0)
		close(be->fd);
	free(be);
}
