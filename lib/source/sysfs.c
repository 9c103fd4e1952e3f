// SPDX-License-Identifier: BSD-3-Clause
/*
 * sysfs.c - live functions read straight from sysfs (config, resource,
 * the VF attributes), and names from pci.ids through libpci, the only use
 * of libpci left and the only file that includes <pci/pci.h>.
 *
 * libpci reports fatal problems through acc->error, which is declared
 * noreturn and whose default calls exit(1). A library must not exit its
 * caller, so every call into libpci runs under a guard: our error hook
 * records the message and longjmp()s back to the guard, which turns it into
 * an errno. After such a jump the pci_access is in an unknown state, so it
 * is dropped from the context (see lp_poison()). The guard is found through
 * a thread-local pointer because libpci's hooks take no opaque argument.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <pci/pci.h>

#include "source.h"

#define SYSFS_DEVICES "/sys/bus/pci/devices"

struct lp_guard {
	jmp_buf env;
	struct pcl_ctx *ctx;
	struct lp_guard *prev;
	char msg[256];
};

static __thread struct lp_guard *lp_current;

static void lp_error(char *msg, ...) PCI_PRINTF(1, 2) PCI_NONRET;
static void lp_warning(char *msg, ...) PCI_PRINTF(1, 2);
static void lp_debug(char *msg, ...) PCI_PRINTF(1, 2);

static void lp_error(char *msg, ...)
{
	struct lp_guard *g = lp_current;
	va_list ap;

	/*
	 * Every call into libpci is guarded; reaching here without a guard
	 * is a bug in this file, and returning is not allowed.
	 */
	if (!g)
		abort();
	va_start(ap, msg);
	vsnprintf(g->msg, sizeof(g->msg), msg, ap);
	va_end(ap);
	longjmp(g->env, 1);
}

static void lp_vlog(int prio, const char *msg, va_list ap) PCL_PRINTF(2, 0);

static void lp_vlog(int prio, const char *msg, va_list ap)
{
	struct lp_guard *g = lp_current;
	char buf[256];
	size_t n;

	if (!g || !g->ctx || pcl_ctx_get_log_priority(g->ctx) < prio)
		return;
	vsnprintf(buf, sizeof(buf), msg, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	pcl_log(g->ctx, prio, "libpci: %s", buf);
}

static void lp_warning(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	lp_vlog(LOG_WARNING, msg, ap);
	va_end(ap);
}

static void lp_debug(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	lp_vlog(LOG_DEBUG, msg, ap);
	va_end(ap);
}

/*
 * Usage:  lp_enter(&g, ctx);
 *         if (setjmp(g.env) == 0) { ...libpci calls...; lp_leave(&g); }
 *         else { lp_leave(&g); ...error path, message in g.msg... }
 * setjmp() stands alone in the controlling expression, as C requires, and
 * locals changed inside the guarded block and read after a jump are
 * volatile.
 */
static void lp_enter(struct lp_guard *g, struct pcl_ctx *ctx)
{
	g->ctx = ctx;
	g->msg[0] = '\0';
	g->prev = lp_current;
	lp_current = g;
}

static void lp_leave(struct lp_guard *g)
{
	lp_current = g->prev;
}

static void lp_cleanup(void *p)
{
	struct pci_access *acc = p;
	struct lp_guard g;

	lp_enter(&g, NULL);
	if (setjmp(g.env) == 0)
		pci_cleanup(acc);
	/* If libpci failed half-way, what is left of it is leaked. */
	lp_leave(&g);
}

/* Forget a pci_access that libpci bailed out of; it may be inconsistent. */
static void lp_poison(struct pcl_ctx *ctx)
{
	pcl_warn(ctx, "libpci failed; dropping its state");
	pcl_ctx_set_libpci(ctx, NULL, NULL);
}

/* The context's pci_access, created on first use. */
static struct pci_access *lp_get(struct pcl_ctx *ctx, struct pcl_error *err,
				 const char *what)
{
	struct pci_access *volatile acc = pcl_ctx_libpci(ctx);
	struct lp_guard g;

	if (acc)
		return acc;
	lp_enter(&g, ctx);
	if (setjmp(g.env) == 0) {
		acc = pci_alloc();
		acc->error = lp_error;
		acc->warning = lp_warning;
		acc->debug = lp_debug;
		acc->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_init(acc);
		lp_leave(&g);
	} else {
		lp_leave(&g);
		/* A half-initialised access is leaked, not freed blind. */
		pcl_set_error(err, -EIO, what, 0, 0, -1,
			      "libpci initialisation failed: %s", g.msg);
		errno = EIO;
		return NULL;
	}
	pcl_ctx_set_libpci(ctx, acc, lp_cleanup);
	return acc;
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

	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/%s", slot, attr);
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

	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/resource", slot);
	f = fopen(path, "re");
	if (!f)
		return;
	for (uint32_t i = 0; i < PCL_CFG_BARS && fgets(line, sizeof(line), f);
	     i++) {
		unsigned long long start, end, flags;
		uint32_t fl = PCL_BAR_PRESENT;

		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
			break;
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
	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/physfn", slot);
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

	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/physfn", slot);
	return lstat(path, &st) == 0;
}

void pcl_cfg_read_sysfs_vf(struct pcl_cfg *c)
{
	uint64_t vendor, device;

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

	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/config", slot);
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
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	if (!cfgs || !count)
		return pcl_set_error(err, -EINVAL, SYSFS_DEVICES, 0, 0, -1,
				     "invalid arguments");
	*cfgs = NULL;
	*count = 0;
	/* Our own listing, not pci_scan_bus(): that one may run only once. */
	dir = opendir(SYSFS_DEVICES);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return pcl_set_error(err, errno == EACCES ? -EACCES : -EIO,
				     SYSFS_DEVICES, 0, 0, -1, "cannot list: %s",
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
		return pcl_set_error(err, ret, SYSFS_DEVICES, 0, 0, -1,
				     "out of memory");
	}
	if (n) {
		qsort(ents, n, sizeof(*ents), slot_cmp);
		v = calloc(n, sizeof(*v));
		if (!v) {
			free(ents);
			return pcl_set_error(err, -ENOMEM, SYSFS_DEVICES, 0, 0,
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

/*
 * Look a name up into @out, from pci.ids only: udev's hwdb differs from
 * machine to machine (and libpci 3.9 leaks a udev handle per lookup when
 * hwdb is absent), while the file gives the same answer everywhere. libpci
 * marks truncation with "..." or returns an error text when its buffer is
 * too small, so it always gets a large one and we truncate ourselves.
 * Returns 0, -ENOENT (not in pci.ids) or -EIO.
 */
static int lp_name(struct pcl_ctx *ctx, int flags, int a1, int a2, char *out,
		   size_t size)
{
	struct pci_access *acc = lp_get(ctx, NULL, "pci.ids");
	char buf[512];
	char *volatile res = NULL;
	struct lp_guard g;

	if (!acc)
		return -EIO;
	lp_enter(&g, ctx);
	if (setjmp(g.env) == 0) {
		res = pci_lookup_name(acc, buf, (int)sizeof(buf),
				      flags | PCI_LOOKUP_NO_NUMBERS |
					      PCI_LOOKUP_NO_HWDB,
				      a1, a2);
		lp_leave(&g);
	} else {
		lp_leave(&g);
		pcl_warn(ctx, "libpci name lookup failed: %s", g.msg);
		lp_poison(ctx);
		return -EIO;
	}
	if (!res)
		return -ENOENT;
	pcl_strlcpy(out, res, size);
	return 0;
}

PCL_EXPORT int pcl_names_device(struct pcl_ctx *ctx, uint16_t vendor_id,
				uint16_t device_id, char *buf, size_t size)
{
	char vendor[256];

	if (!buf || !size)
		return -EINVAL;
	if (lp_name(ctx, PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE, vendor_id,
		    device_id, buf, size) == 0)
		return 0;
	/* lspci's wording: "Vendor Device 10c9", else "Device 8086:10c9". */
	if (lp_name(ctx, PCI_LOOKUP_VENDOR, vendor_id, 0, vendor,
		    sizeof(vendor)) == 0)
		snprintf(buf, size, "%s Device %04x", vendor, device_id);
	else
		snprintf(buf, size, "Device %04x:%04x", vendor_id, device_id);
	return -ENOENT;
}

PCL_EXPORT int pcl_names_class(struct pcl_ctx *ctx, uint32_t class_code,
			       char *buf, size_t size)
{
	unsigned int cls = (class_code >> 8) & 0xffff;

	if (!buf || !size)
		return -EINVAL;
	if (lp_name(ctx, PCI_LOOKUP_CLASS, (int)cls, 0, buf, size) == 0)
		return 0;
	snprintf(buf, size, "Class %04x", cls);
	return -ENOENT;
}
