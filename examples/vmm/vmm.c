// SPDX-License-Identifier: BSD-3-Clause
/*
 * vmm.c - how a VMM embeds libpcilayout's engine, in one file.
 *
 * A VMM assigning a device does four things with the library:
 *  1. at device realize time: load the layout, read the device's config
 *     space, build the guest view (with the BAR sizes VFIO reported), and
 *     create the engine over a backend that reaches the device;
 *  2. in its config-space trap handler: forward every guest read and write
 *     to the engine (under the VMM's per-device lock);
 *  3. in the notify callback: act on registers the guest changed (map
 *     BARs, program MSI-X vectors with VFIO_DEVICE_SET_IRQS, bind PASIDs);
 *  4. at migration: save the engine's state on the source; on the
 *     destination check the device against the layout, build an engine
 *     from the same layout, load the state and replay it, which writes
 *     the guest's settings to the new device and reports what the VMM
 *     must set up again (docs/vdev-state.md).
 *
 * This program does all four, replaying a trace of guest accesses (what
 * Linux's PCI probe and a NIC driver's probe do), and prints what the
 * guest sees: against the simulated backend of a dump, or against a real
 * device through VFIO (--vfio), where MSI-X enables become
 * VFIO_DEVICE_SET_IRQS as in a real VMM. It uses only the public API.
 *
 * Usage: pcl-example-vmm LAYOUT DEVICE TRACE
 *        pcl-example-vmm --vfio ADDRESS LAYOUT TRACE
 * Trace lines: "r LEN OFF", "w LEN OFF VALUE", "poke OFF BYTE..." (the
 * device itself changes a byte, e.g. raises an error bit; simulated only),
 * "migrate [DEVICE [PF]]" (to another engine on the same device, or to
 * another device: a dump, relative to the trace's directory, or with
 * --vfio a PCI address; PF: its PF, when it is a VF, for check),
 * "enumerate" (a guest's
 * identification, BAR sizing and
 * capability walks, wherever the capabilities are), "msix on|off" (find
 * MSI-X by walking the chain, then enable or disable it), "compare IMAGE"
 * (every byte the guest reads equals the 4096-byte IMAGE, e.g. from
 * `pcilayout synth`), "hold FILE" (create FILE and wait, up to a minute,
 * until someone removes it: a breakpoint for looking at the device while
 * the guest runs), "# comment" (echoed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <pcilayout/pcilayout.h>

#define MAX_VECTORS 64

struct vmm_device {
	struct pcl_vdev *vdev;
	struct pcl_backend *backend;
	struct pcl_guest *guest; /* kept to build the migration target */
	struct pcl_layout *layout;
	struct pcl_vfio *vfio;   /* --vfio: the real device, else NULL */
	int irq_fd[MAX_VECTORS]; /* eventfds of the MSI-X vectors in use */
	uint32_t nirq;
};

/*
 * The guest enabled or disabled MSI-X: give the device real vectors, as a
 * VMM does (one eventfd per vector, which it would route to the guest's
 * vCPUs through KVM irqfds). The kernel then enables MSI-X on the device.
 */
static void vfio_msix(struct vmm_device *d, bool enable, uint32_t table_size)
{
	size_t sz = sizeof(struct vfio_irq_set) + MAX_VECTORS * sizeof(int);
	struct vfio_irq_set *set = calloc(1, sz);
	int fd = pcl_vfio_device_fd(d->vfio);

	if (!set)
		return;
	set->argsz = (uint32_t)sz;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER;
	if (enable) {
		d->nirq = table_size < MAX_VECTORS ? table_size : MAX_VECTORS;
		for (uint32_t i = 0; i < d->nirq; i++)
			d->irq_fd[i] = eventfd(0, EFD_CLOEXEC);
		set->flags |= VFIO_IRQ_SET_DATA_EVENTFD;
		set->count = d->nirq;
		memcpy(set->data, d->irq_fd, d->nirq * sizeof(int));
	} else {
		set->flags |= VFIO_IRQ_SET_DATA_NONE;
		set->count = 0;
	}
	if (ioctl(fd, VFIO_DEVICE_SET_IRQS, set) < 0)
		printf("    VFIO_DEVICE_SET_IRQS: %s\n", strerror(errno));
	else
		printf("    VFIO_DEVICE_SET_IRQS: MSI-X %s, %u vectors\n",
		       enable ? "on" : "off", enable ? d->nirq : 0);
	if (!enable) {
		for (uint32_t i = 0; i < d->nirq; i++)
			close(d->irq_fd[i]);
		d->nirq = 0;
	}
	free(set);
}

static const char *hook_name(uint32_t hook)
{
	switch (hook) {
	case PCL_HOOK_COMMAND:
		return "command";
	case PCL_HOOK_MSI:
		return "MSI control";
	case PCL_HOOK_MSIX:
		return "MSI-X control";
	case PCL_HOOK_PASID:
		return "PASID control";
	case PCL_HOOK_BAR:
		return "BAR";
	case PCL_HOOK_PM:
		return "PM control";
	case PCL_HOOK_FLR:
		return "FLR";
	default:
		return "?";
	}
}

/* The guest asked for a function level reset: the device's is ours. */
static void vfio_reset(struct vmm_device *d)
{
	if (ioctl(pcl_vfio_device_fd(d->vfio), VFIO_DEVICE_RESET) < 0)
		printf("    VFIO_DEVICE_RESET: %s\n", strerror(errno));
	else
		printf("    VFIO_DEVICE_RESET: done\n");
}

/* Step 3: what a VMM would do; here we say it. */
static void on_change(void *opaque, const struct pcl_vdev_event *ev)
{
	struct vmm_device *d = opaque;
	uint32_t v = ev->new_value;

	printf("    hook: %s at 0x%03x: 0x%0*x -> 0x%0*x", hook_name(ev->hook),
	       ev->offset, (int)ev->width * 2, ev->old_value,
	       (int)ev->width * 2, v);
	switch (ev->hook) {
	case PCL_HOOK_COMMAND:
		printf(" (memory %s, bus master %s)", v & 2 ? "on" : "off",
		       v & 4 ? "on" : "off");
		break;
	case PCL_HOOK_MSIX:
		printf(" (MSI-X %s%s: program vectors with "
		       "VFIO_DEVICE_SET_IRQS)", v & 0x8000 ? "enabled" :
		       "disabled", v & 0x4000 ? ", function masked" : "");
		if (d->vfio && ((v ^ ev->old_value) & PCI_MSIX_FLAGS_ENABLE)) {
			putchar('\n');
			vfio_msix(d, v & PCI_MSIX_FLAGS_ENABLE,
				  (v & PCI_MSIX_FLAGS_QSIZE) + 1);
			return;
		}
		break;
	case PCL_HOOK_PASID: {
		uint32_t cap = 0;

		/* The callback may read the engine, e.g. the capability. */
		pcl_vdev_read(d->vdev, ev->offset - 2, 2, &cap);
		printf(" (PASID %s, width %u: bind the guest's PASID table "
		       "in the vIOMMU)", v & 1 ? "enabled" : "disabled",
		       (cap >> 8) & 0x1f);
		break;
	}
	case PCL_HOOK_BAR:
		printf(" (remap the BAR)");
		break;
	case PCL_HOOK_PM:
		printf(" (D%u%s)", v & PCI_PM_CTRL_STATE_MASK,
		       (v & PCI_PM_CTRL_STATE_MASK) == 3 ? "hot" : "");
		break;
	case PCL_HOOK_FLR:
		printf(" (function level reset: the emulated state is reset)");
		if (d->vfio) {
			putchar('\n');
			vfio_reset(d);
			return;
		}
		break;
	default:
		break;
	}
	putchar('\n');
}

/*
 * The device: a dump behind the simulated backend, or a real function
 * through VFIO, whose config region and BAR sizes the library reads itself.
 */
static int open_device(struct pcl_ctx *ctx, const char *dev, bool vfio,
		       struct vmm_device *d, struct pcl_cfg **cfg,
		       struct pcl_guest_options *opts)
{
	struct pcl_cfg **cfgs = NULL;
	struct pcl_error err;
	char msg[600];
	size_t n = 0;
	int r;

	memset(opts, 0, sizeof(*opts));
	if (vfio) {
		r = pcl_vfio_open(ctx, dev, &d->vfio, &err);
		if (!r)
			r = pcl_cfg_read_vfio(ctx, pcl_vfio_device_fd(d->vfio),
					      pcl_vfio_address(d->vfio), cfg,
					      &err);
		if (!r) {
			/* BAR sizes come with the cfg (VFIO region sizes). */
			d->backend = pcl_backend_vfio_new(
				pcl_vfio_device_fd(d->vfio), &err);
			r = d->backend ? 0 : -errno;
		}
		if (r)
			fprintf(stderr, "%s\n",
				pcl_error_format(&err, msg, sizeof(msg)));
		return r;
	}
	r = pcl_cfg_load(ctx, dev, &cfgs, &n, &err);
	if (r) {
		fprintf(stderr, "%s\n", pcl_error_format(&err, msg, sizeof(msg)));
		return r;
	}
	*cfg = cfgs[0];
	for (size_t i = 1; i < n; i++)
		pcl_cfg_free(cfgs[i]);
	free(cfgs);
	/* A dump knows no BAR sizes: say what VFIO would report. The
	 * example device has a 32 MiB BAR0 and a 64 KiB BAR3. */
	opts->bar_size[0] = 32u << 20;
	opts->bar_size[3] = 64u << 10;
	opts->pf_serial = 0x0123456789abcdefull; /* from the PF's DSN */
	opts->flags = PCL_GUEST_OPT_PF_SERIAL;
	d->backend = pcl_backend_sim_new(*cfg);
	return d->backend ? 0 : -errno;
}

/* Step 1. */
static int realize(struct pcl_ctx *ctx, const char *layout_path,
		   const char *dev, bool vfio, struct vmm_device *d)
{
	struct pcl_guest_options opts;
	struct pcl_vdev_backend ops;
	struct pcl_layout *layout = NULL;
	struct pcl_cfg *cfg = NULL;
	struct pcl_error err;
	char msg[600];
	int r;

	r = pcl_layout_load_file(ctx, layout_path, &layout, NULL);
	if (r) {
		fprintf(stderr, "%s: cannot load (%s)\n", layout_path,
			strerror(-r));
		return r;
	}
	r = open_device(ctx, dev, vfio, d, &cfg, &opts);
	if (r)
		goto out;
	r = pcl_guest_build(ctx, layout, cfg, &opts, &d->guest, &err);
	if (r) {
		fprintf(stderr, "%s\n", pcl_error_format(&err, msg, sizeof(msg)));
		goto out;
	}
	pcl_backend_ops(d->backend, &ops);
	d->vdev = pcl_vdev_new(d->guest, &ops, &err);
	if (!d->vdev) {
		r = -errno;
		fprintf(stderr, "%s\n", pcl_error_format(&err, msg, sizeof(msg)));
		goto out;
	}
	pcl_vdev_set_notify(d->vdev, on_change, d);
	printf("realized layout %s\n  fingerprint %s\n", pcl_layout_name(layout),
	       pcl_vdev_fingerprint(d->vdev));
out:
	pcl_cfg_free(cfg);
	d->layout = layout;
	return r;
}

/* The PASID support of the vIOMMU this VMM gives its guests. */
static const struct pcl_plan_pasid viommu = {
	.flags = PCL_PLAN_PASID_IOMMU,
	.iommu_max_width = 20,
};

/* A PF's config space: a dump, or with VFIO a PCI address; NULL if none. */
static struct pcl_cfg *read_pf(struct pcl_ctx *ctx, const char *pf, bool vfio)
{
	struct pcl_cfg **cfgs = NULL, *cfg = NULL;
	size_t n = 0;

	if (!pf)
		return NULL;
	if (vfio) {
		if (pcl_cfg_read_device(ctx, pf, &cfg, NULL))
			fprintf(stderr, "migrate: cannot read the PF %s\n", pf);
		return cfg;
	}
	if (pcl_cfg_load(ctx, pf, &cfgs, &n, NULL) == 0 && n) {
		cfg = cfgs[0];
		for (size_t i = 1; i < n; i++)
			pcl_cfg_free(cfgs[i]);
	}
	free(cfgs);
	return cfg;
}

/* Can this device realize the layout? Check's reasons when not. */
static int check(struct pcl_ctx *ctx, const struct vmm_device *src,
		 const struct pcl_cfg *cfg, const char *pf)
{
	struct pcl_cfg *pfcfg = read_pf(ctx, pf, src->vfio != NULL);
	struct pcl_report *rep = NULL;
	int r = pcl_check(src->layout, cfg, pfcfg, NULL, &viommu, &rep);

	if (!r && !pcl_report_ok(rep)) {
		for (size_t i = 0; i < pcl_report_count(rep); i++) {
			const struct pcl_finding *f = pcl_report_get(rep, i);

			if (f->severity >= PCL_SEVERITY_ERROR)
				fprintf(stderr, "migrate: check: %s: %s\n",
					f->code, f->message);
		}
		r = -EINVAL;
	}
	if (!r)
		printf("migrate: check: the device can realize the layout\n");
	pcl_report_free(rep);
	pcl_cfg_free(pfcfg);
	return r;
}

/*
 * Step 4 on the destination: the device must realize the layout (check
 * says why not), then an engine built from the same layout loads the state
 * and replays it. @dst gets the device (@dev, or the source's when NULL);
 * @pf is its PF, for check, when it is a VF.
 */
static int restore(struct pcl_ctx *ctx, struct vmm_device *src,
		   const char *dev, const char *pf, struct vmm_device *dst,
		   const void *blob, size_t len)
{
	struct pcl_guest_options opts;
	struct pcl_vdev_backend ops;
	struct pcl_cfg *cfg = NULL;
	struct pcl_error err;
	char msg[600];
	int r;

	if (!dev) { /* another engine on the same device */
		pcl_backend_ops(src->backend, &ops);
		dst->vdev = pcl_vdev_new(src->guest, &ops, &err);
		r = dst->vdev ? 0 : -errno;
		goto load;
	}
	r = open_device(ctx, dev, src->vfio != NULL, dst, &cfg, &opts);
	if (!r)
		r = check(ctx, src, cfg, pf);
	if (!r)
		r = pcl_guest_build(ctx, src->layout, cfg, &opts, &dst->guest,
				    &err);
	pcl_cfg_free(cfg);
	if (r)
		return r;
	pcl_backend_ops(dst->backend, &ops);
	dst->vdev = pcl_vdev_new(dst->guest, &ops, &err);
	r = dst->vdev ? 0 : -errno;
load:
	if (!r) {
		pcl_vdev_set_notify(dst->vdev, on_change, dst);
		r = pcl_vdev_load(dst->vdev, blob, len, &err);
	}
	if (r) {
		fprintf(stderr, "migrate: %s\n",
			pcl_error_format(&err, msg, sizeof(msg)));
		return r;
	}
	printf("migrate: %zu-byte state loaded; replay:\n", len);
	return pcl_vdev_replay(dst->vdev);
}

/*
 * The destination must answer every guest read as the source did, but
 * where the guest reads the device itself and the two devices differ (a
 * status bit, a counter): the emulated state may not differ at all.
 */
static int same_reads(const struct vmm_device *a, const struct vmm_device *b,
		      const struct pcl_guest *view)
{
	int own = 0, bad = 0, first = -1;

	for (uint32_t off = 0; off < PCL_CFG_SIZE; off++) {
		struct pcl_guest_rule r;
		uint32_t x = 0, y = 0;

		pcl_vdev_read(a->vdev, off, 1, &x);
		pcl_vdev_read(b->vdev, off, 1, &y);
		if (x == y)
			continue;
		pcl_guest_rule(view, off, &r);
		if (r.source == PCL_GUEST_PHYS && !((x ^ y) & r.vmask)) {
			own++;
			first = first < 0 ? (int)off : first;
		} else if (bad++ < 8) {
			printf("migrate: emulated 0x%03x reads %02x, %02x "
			       "before\n", off, y, x);
		}
	}
	if (!own && !bad)
		printf("migrate: every dword identical\n");
	else if (!bad)
		printf("migrate: identical but %d byte(s) the new device "
		       "serves itself (first 0x%03x)\n", own, first);
	return bad;
}

/*
 * Step 4: save the state on the "source", restore it on the destination
 * (@dev, or the same device), which the VMM then runs.
 */
static int migrate(struct pcl_ctx *ctx, struct vmm_device *d,
		   const char *dev, const char *pf)
{
	struct vmm_device dst = { 0 };
	size_t len = 0;
	uint8_t *blob;
	int r;

	pcl_vdev_save(d->vdev, NULL, 0, &len);
	blob = malloc(len);
	if (!blob)
		return -ENOMEM;
	r = pcl_vdev_save(d->vdev, blob, len, &len);
	if (!r)
		r = restore(ctx, d, dev, pf, &dst, blob, len);
	free(blob);
	if (!r && same_reads(d, &dst, dev ? dst.guest : d->guest))
		r = -EINVAL;
	if (r) {
		pcl_vdev_free(dst.vdev);
		pcl_backend_free(dst.backend);
		pcl_guest_free(dst.guest);
		pcl_vfio_close(dst.vfio);
		return r;
	}
	/* The guest now runs on the destination: release the source. */
	if (d->nirq)
		vfio_msix(d, false, 0);
	pcl_vdev_free(d->vdev);
	d->vdev = dst.vdev;
	if (dev) {
		pcl_backend_free(d->backend);
		pcl_guest_free(d->guest);
		pcl_vfio_close(d->vfio);
		d->backend = dst.backend;
		d->guest = dst.guest;
		d->vfio = dst.vfio;
		memcpy(d->irq_fd, dst.irq_fd, sizeof(d->irq_fd));
		d->nirq = dst.nirq;
	}
	pcl_vdev_set_notify(d->vdev, on_change, d);
	return 0;
}

/* Print the guest's view, read through the engine like a guest would. */
static void print_view(const struct vmm_device *d)
{
	printf("guest view (rows that are not all zero):\n");
	for (uint32_t row = 0; row < PCL_CFG_SIZE; row += 16) {
		uint32_t v[4];
		bool zero = true;

		for (uint32_t i = 0; i < 4; i++) {
			v[i] = 0;
			pcl_vdev_read(d->vdev, row + 4 * i, 4, &v[i]);
			zero &= v[i] == 0;
		}
		if (zero && row >= 0x40)
			continue;
		printf("%03x:", row);
		for (uint32_t i = 0; i < 16; i++)
			printf(" %02x", (v[i / 4] >> (8 * (i % 4))) & 0xff);
		putchar('\n');
	}
}

/* A guest read; 0xffffffff when it fails, as a bus would answer. */
static uint32_t gread(const struct vmm_device *d, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	return pcl_vdev_read(d->vdev, off, len, &v) ? 0xffffffffu : v;
}

/* The guest's pci_find_capability(): the standard chain from 0x34. */
static uint32_t find_std_cap(const struct vmm_device *d, uint8_t id)
{
	uint32_t pos;

	if (!(gread(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = gread(d, PCI_CAPABILITY_LIST, 1) & ~3u;
	for (int ttl = 48; ttl-- && pos >= PCI_STD_HEADER_SIZEOF;) {
		if (gread(d, pos, 1) == id)
			return pos;
		pos = gread(d, pos + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	return 0;
}

/*
 * What a guest kernel does first: identify the function, size its BARs
 * (save, write ones, read the mask, restore), walk both chains. Printed so
 * that a test can compare it with the plan.
 */
static void enumerate(const struct vmm_device *d)
{
	uint32_t pos;

	printf("  id %04x:%04x class %06x pin %u\n", gread(d, PCI_VENDOR_ID, 2),
	       gread(d, PCI_DEVICE_ID, 2), gread(d, PCI_CLASS_REVISION, 4) >> 8,
	       gread(d, PCI_INTERRUPT_PIN, 1));
	for (uint32_t i = 0; i < 7; i++) {
		uint32_t off = i < 6 ? PCI_BASE_ADDRESS_0 + 4 * i : PCI_ROM_ADDRESS;
		uint32_t old = gread(d, off, 4), mask, hi = 0;
		bool is64;
		uint64_t size;

		pcl_vdev_write(d->vdev, off, 4, i < 6 ? 0xffffffffu : 0xfffff800u);
		mask = gread(d, off, 4);
		pcl_vdev_write(d->vdev, off, 4, old);
		is64 = i < 5 && !(mask & 1) &&
		       (mask & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			       PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (is64) {
			uint32_t oldhi = gread(d, off + 4, 4);

			pcl_vdev_write(d->vdev, off + 4, 4, 0xffffffffu);
			hi = gread(d, off + 4, 4);
			pcl_vdev_write(d->vdev, off + 4, 4, oldhi);
		}
		mask &= i == 6 ? PCI_ROM_ADDRESS_MASK :
			(mask & 1) ? PCI_BASE_ADDRESS_IO_MASK :
				     PCI_BASE_ADDRESS_MEM_MASK;
		size = ~(((uint64_t)hi << 32) | mask | (is64 ? 0 : ~0ull << 32)) + 1;
		if (mask || hi)
			printf("  bar %u: %s size 0x%llx\n", i, i == 6 ? "rom" :
			       (mask & 1) ? "io" : is64 ? "mem64" : "mem32",
			       (unsigned long long)size);
		i += is64;
	}
	printf("  std chain:");
	pos = gread(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST ?
		gread(d, PCI_CAPABILITY_LIST, 1) & ~3u : 0;
	for (int ttl = 48; ttl-- && pos >= PCI_STD_HEADER_SIZEOF;) {
		printf(" %02x@%03x", gread(d, pos, 1), pos);
		pos = gread(d, pos + PCI_CAP_LIST_NEXT, 1) & ~3u;
	}
	printf("\n  ext chain:");
	for (int ttl = 480, p = PCI_CFG_SPACE_SIZE; ttl-- && p >= PCI_CFG_SPACE_SIZE;) {
		uint32_t hdr = gread(d, (uint32_t)p, 4);

		if (!hdr || hdr == 0xffffffffu)
			break;
		printf(" %04x@%03x", PCI_EXT_CAP_ID(hdr), p);
		p = (int)PCI_EXT_CAP_NEXT(hdr);
	}
	putchar('\n');
}

/* Every byte the guest reads equals IMAGE (4096 bytes). */
static int compare(const struct vmm_device *d, const char *path)
{
	uint8_t img[PCL_CFG_SIZE];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(img, 1, sizeof(img), f) : 0;
	int diffs = 0;

	if (f)
		fclose(f);
	if (n != sizeof(img)) {
		printf("  compare: %s is not a 4096-byte image\n", path);
		return 1;
	}
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off++) {
		uint32_t v = gread(d, off, 1);

		if (v != img[off] && diffs++ < 16)
			printf("  compare: 0x%03x reads %02x, image has %02x\n",
			       off, v, img[off]);
	}
	printf("  compare: %d of 4096 bytes differ from %s\n", diffs, path);
	return diffs != 0;
}

/* A dump's path in a trace is relative to the trace's directory. */
static void trace_relative(const struct vmm_device *d, const char *trace,
			   const char *arg, char *out, size_t size)
{
	const char *slash = strrchr(trace, '/');

	if (!d->vfio && arg[0] != '/' && slash)
		snprintf(out, size, "%.*s/%s", (int)(slash - trace), trace, arg);
	else
		snprintf(out, size, "%s", arg);
}

/* Step 2: the trap handler, driven by the trace. */
static int replay(struct pcl_ctx *ctx, struct vmm_device *d, FILE *f,
		  const char *trace_path)
{
	char line[256], arg[200];
	unsigned int lineno = 0;
	int bad = 0;

	while (fgets(line, sizeof(line), f)) {
		unsigned int len, off, val;
		uint32_t got = 0;
		int r;

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#') {
			printf("%s\n", line);
			continue;
		}
		if (sscanf(line, "r %u %x", &len, &off) == 2) {
			r = pcl_vdev_read(d->vdev, off, len, &got);
			if (r)
				printf("  read  0x%03x/%u: error %d\n", off, len, r);
			else
				printf("  read  0x%03x/%u = 0x%0*x\n", off, len,
				       (int)len * 2, got);
		} else if (sscanf(line, "w %u %x %x", &len, &off, &val) == 3) {
			printf("  write 0x%03x/%u = 0x%0*x\n", off, len,
			       (int)len * 2, val);
			r = pcl_vdev_write(d->vdev, off, len, val);
			if (r)
				printf("    error %d\n", r);
		} else if (sscanf(line, "poke %x", &off) == 1 && !d->vfio) {
			uint8_t bytes[16];
			unsigned int nb = 0, b;
			char *p = line + 4;

			strtoul(p, &p, 16);
			while (nb < sizeof(bytes) && sscanf(p, " %x", &b) == 1) {
				bytes[nb++] = (uint8_t)b;
				strtoul(p, &p, 16);
			}
			printf("  (the device sets %u byte(s) at 0x%03x)\n", nb,
			       off);
			pcl_backend_sim_poke(d->backend, off, bytes, nb);
		} else if (!strcmp(line, "migrate")) {
			if (migrate(ctx, d, NULL, NULL))
				bad = 1;
		} else if (sscanf(line, "migrate %199s", arg) == 1) {
			char dev[512], pf[512] = "", parg[200];
			bool has_pf = sscanf(line, "migrate %*s %199s", parg) == 1;

			trace_relative(d, trace_path, arg, dev, sizeof(dev));
			if (has_pf)
				trace_relative(d, trace_path, parg, pf,
					       sizeof(pf));
			if (migrate(ctx, d, dev, has_pf ? pf : NULL))
				bad = 1;
		} else if (!strcmp(line, "enumerate")) {
			enumerate(d);
		} else if (sscanf(line, "msix %199s", arg) == 1) {
			uint32_t cap = find_std_cap(d, PCI_CAP_ID_MSIX);
			uint32_t ctl = gread(d, cap + PCI_MSIX_FLAGS, 2);

			if (!cap) {
				printf("  msix: the guest finds no MSI-X\n");
				bad = 1;
				continue;
			}
			ctl = !strcmp(arg, "on") ? ctl | PCI_MSIX_FLAGS_ENABLE :
						   ctl & ~PCI_MSIX_FLAGS_ENABLE;
			printf("  write 0x%03x/2 = 0x%04x (MSI-X control)\n",
			       cap + PCI_MSIX_FLAGS, ctl);
			if (pcl_vdev_write(d->vdev, cap + PCI_MSIX_FLAGS, 2, ctl))
				bad = 1;
		} else if (sscanf(line, "compare %199s", arg) == 1) {
			bad |= compare(d, arg);
		} else if (sscanf(line, "hold %199s", arg) == 1) {
			FILE *h = fopen(arg, "w");

			if (h)
				fclose(h);
			for (int i = 0; h && i < 6000 && !access(arg, F_OK); i++)
				usleep(10000);
			printf("  hold: %s\n", h && access(arg, F_OK) ? "released" :
			       "not released");
		} else if (line[0]) {
			fprintf(stderr, "trace:%u: cannot parse '%s'\n", lineno,
				line);
			bad = 1;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct vmm_device d = { 0 };
	struct pcl_backend_stats st;
	struct pcl_ctx *ctx;
	bool vfio = argc == 5 && !strcmp(argv[1], "--vfio");
	const char *layout, *dev, *trace_path;
	FILE *trace;
	int ret = 1;

	if (argc != 4 && !vfio) {
		fprintf(stderr, "usage: %s LAYOUT DEVICE TRACE\n"
			"       %s --vfio ADDRESS LAYOUT TRACE\n", argv[0],
			argv[0]);
		return 2;
	}
	layout = vfio ? argv[3] : argv[1];
	dev = argv[2];
	trace_path = argv[argc - 1];
	ctx = pcl_ctx_new();
	if (!ctx)
		return 1;
	trace = fopen(trace_path, "r");
	if (!trace) {
		perror(trace_path);
		goto out;
	}
	if (realize(ctx, layout, dev, vfio, &d) == 0) {
		ret = replay(ctx, &d, trace, trace_path);
		print_view(&d);
		pcl_backend_stats(d.backend, &st);
		printf("backend: %llu reads, %llu writes, %llu errors\n",
		       (unsigned long long)st.reads,
		       (unsigned long long)st.writes,
		       (unsigned long long)st.errors);
	}
	fclose(trace);
out:
	if (d.nirq)
		vfio_msix(&d, false, 0);
	pcl_vdev_free(d.vdev);
	pcl_backend_free(d.backend);
	pcl_guest_free(d.guest);
	pcl_layout_free(d.layout);
	pcl_vfio_close(d.vfio);
	pcl_ctx_free(ctx);
	return ret;
}
