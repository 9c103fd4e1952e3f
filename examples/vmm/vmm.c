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
 *  4. at migration: save the engine's state on the source and load it on
 *     the destination into an engine built from the same layout.
 *
 * This program does all four against the simulated backend, replaying a
 * recorded trace of guest accesses (what Linux's PCI probe and a NIC
 * driver's probe do), and prints what the guest sees. It uses only the
 * public API, as a real VMM would.
 *
 * Usage: pcl-example-vmm LAYOUT DEVICE TRACE
 * Trace lines: "r LEN OFF", "w LEN OFF VALUE", "poke OFF BYTE..." (the
 * device itself changes a byte, e.g. raises an error bit), "migrate",
 * "# comment" (echoed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcilayout/pcilayout.h>

struct vmm_device {
	struct pcl_vdev *vdev;
	struct pcl_backend *backend;
	struct pcl_guest *guest; /* kept to build the migration target */
};

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
	default:
		return "?";
	}
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
	default:
		break;
	}
	putchar('\n');
}

/* Step 1. */
static int realize(struct pcl_ctx *ctx, const char *layout_path,
		   const char *dev_path, struct vmm_device *d)
{
	struct pcl_guest_options opts;
	struct pcl_vdev_backend ops;
	struct pcl_layout *layout = NULL;
	struct pcl_cfg **cfgs = NULL;
	struct pcl_error err;
	char msg[600];
	size_t n = 0;
	int r;

	r = pcl_layout_load_file(ctx, layout_path, &layout, NULL);
	if (r) {
		fprintf(stderr, "%s: cannot load (%s)\n", layout_path,
			strerror(-r));
		return r;
	}
	r = pcl_cfg_load(ctx, dev_path, &cfgs, &n, &err);
	if (r) {
		fprintf(stderr, "%s\n", pcl_error_format(&err, msg, sizeof(msg)));
		pcl_layout_free(layout);
		return r;
	}
	/* VFIO reports BAR sizes with VFIO_DEVICE_GET_REGION_INFO; the
	 * example device has a 32 MiB BAR0 and a 64 KiB BAR3. */
	memset(&opts, 0, sizeof(opts));
	opts.bar_size[0] = 32u << 20;
	opts.bar_size[3] = 64u << 10;
	opts.pf_serial = 0x0123456789abcdefull; /* from the PF's DSN */
	opts.flags = PCL_GUEST_OPT_PF_SERIAL;
	r = pcl_guest_build(ctx, layout, cfgs[0], &opts, &d->guest, &err);
	if (r) {
		fprintf(stderr, "%s\n", pcl_error_format(&err, msg, sizeof(msg)));
		goto out;
	}
	/* A real VMM would use pcl_backend_vfio_new(device_fd, &err). */
	d->backend = pcl_backend_sim_new(cfgs[0]);
	if (!d->backend) {
		r = -errno;
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
	pcl_cfg_list_free(cfgs, n);
	pcl_layout_free(layout);
	return r;
}

/* Step 4: save on the "source", load into a fresh "destination". */
static int migrate(struct vmm_device *d)
{
	struct pcl_vdev_backend ops;
	struct pcl_error err;
	struct pcl_vdev *dst;
	size_t len = 0;
	uint8_t *blob;
	char msg[600];
	int r;

	pcl_vdev_save(d->vdev, NULL, 0, &len);
	blob = malloc(len);
	if (!blob)
		return -ENOMEM;
	r = pcl_vdev_save(d->vdev, blob, len, &len);
	pcl_backend_ops(d->backend, &ops);
	dst = pcl_vdev_new(d->guest, &ops, &err);
	if (!r && !dst)
		r = -errno;
	if (!r)
		r = pcl_vdev_load(dst, blob, len, &err);
	if (r) {
		fprintf(stderr, "migrate: %s\n",
			pcl_error_format(&err, msg, sizeof(msg)));
		pcl_vdev_free(dst);
		free(blob);
		return r;
	}
	/* The destination must answer every read as the source did. */
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off += 4) {
		uint32_t a = 0, b = 0;

		pcl_vdev_read(d->vdev, off, 4, &a);
		pcl_vdev_read(dst, off, 4, &b);
		if (a != b) {
			fprintf(stderr, "migrate: 0x%03x differs\n", off);
			r = -EINVAL;
		}
	}
	printf("migrate: %zu-byte state saved and restored, every dword "
	       "identical\n", len);
	pcl_vdev_set_notify(dst, on_change, d);
	pcl_vdev_free(d->vdev);
	d->vdev = dst;
	free(blob);
	return r;
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

/* Step 2: the trap handler, driven by the trace. */
static int replay(struct vmm_device *d, FILE *f)
{
	char line[256];
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
		} else if (sscanf(line, "poke %x", &off) == 1) {
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
			if (migrate(d))
				bad = 1;
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
	FILE *trace;
	int ret = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s LAYOUT DEVICE TRACE\n", argv[0]);
		return 2;
	}
	ctx = pcl_ctx_new();
	if (!ctx)
		return 1;
	trace = fopen(argv[3], "r");
	if (!trace) {
		perror(argv[3]);
		goto out;
	}
	if (realize(ctx, argv[1], argv[2], &d) == 0) {
		ret = replay(&d, trace);
		print_view(&d);
		pcl_backend_stats(d.backend, &st);
		printf("backend: %llu reads, %llu writes, %llu errors\n",
		       (unsigned long long)st.reads,
		       (unsigned long long)st.writes,
		       (unsigned long long)st.errors);
	}
	fclose(trace);
out:
	pcl_vdev_free(d.vdev);
	pcl_backend_free(d.backend);
	pcl_guest_free(d.guest);
	pcl_ctx_free(ctx);
	return ret;
}
