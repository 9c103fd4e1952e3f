// SPDX-License-Identifier: BSD-3-Clause
/*
 * consumer.c - a program outside the tree: tests/cli/install.sh builds it
 * against the staged install through pkg-config only, shared and static.
 * It walks the path a VMM embeds, with nothing but the installed headers
 * and library: two dumps -> a plan with a virtual PASID for the VF -> the
 * guest view -> the engine over a simulated device -> a guest read.
 *
 * Usage: consumer PF_DUMP VF_DUMP
 * Prints "VERSION VVVV:DDDD caps=N" for the VF and "pasid at 0xOFF cap
 * 0xCAP" for the PASID the guest reads; exit 1 with the library's message
 * on any failure.
 */
#include <stdio.h>

#include <pcilayout/pcilayout.h>

#define PASID_CAP_REG 4 /* PASID Capability register, from the header */

static struct pcl_cfg *load_one(struct pcl_ctx *ctx, const char *path)
{
	struct pcl_error err;
	struct pcl_cfg **cfgs = NULL, *c;
	size_t n = 0;
	char msg[600];

	if (pcl_cfg_load(ctx, path, &cfgs, &n, &err) < 0) {
		fprintf(stderr, "consumer: %s\n", pcl_error_format(&err, msg, sizeof(msg)));
		return NULL;
	}
	c = cfgs[0];
	cfgs[0] = NULL;
	pcl_cfg_list_free(cfgs, n);
	return c;
}

/* The guest view of @vf with a virtual PASID planned from @pf. */
static struct pcl_guest *plan_guest(struct pcl_ctx *ctx, struct pcl_cfg *vf,
				    const struct pcl_cfg *pf)
{
	struct pcl_plan_pasid pasid = { .flags = PCL_PLAN_PASID_IOMMU,
					.iommu_max_width = 20, .iommu_exec = 1 };
	struct pcl_plan_request *req = pcl_plan_request_new(ctx);
	struct pcl_layout *layout = NULL;
	struct pcl_guest *guest = NULL;
	struct pcl_error err;
	char msg[600];

	if (!req || pcl_cfg_set_pf(vf, pf, NULL) < 0 ||
	    pcl_plan_request_set_cfg(req, vf, NULL) < 0 ||
	    pcl_plan_request_set_pf(req, pf) < 0 ||
	    pcl_plan_request_add_pasid(req, &pasid) < 0 ||
	    pcl_plan(req, &layout, NULL) < 0) {
		fprintf(stderr, "consumer: planning failed\n");
	} else if (pcl_guest_build(ctx, layout, vf, NULL, &guest, &err) < 0) {
		fprintf(stderr, "consumer: %s\n", pcl_error_format(&err, msg, sizeof(msg)));
	}
	pcl_layout_free(layout);
	pcl_plan_request_free(req);
	return guest;
}

/* The offset of extended capability @id, found with guest reads. */
static uint32_t find_ext(const struct pcl_vdev *v, uint32_t id)
{
	uint32_t off = 0x100, hdr;

	for (int i = 0; i < 1024 && off >= 0x100; i++) {
		if (pcl_vdev_read(v, off, 4, &hdr) < 0 || hdr == 0)
			return 0;
		if ((hdr & 0xffff) == id)
			return off;
		off = hdr >> 20;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_cfg *pf = NULL, *vf = NULL;
	struct pcl_guest *guest = NULL;
	struct pcl_backend *be = NULL;
	struct pcl_vdev *v = NULL;
	struct pcl_vdev_backend ops;
	struct pcl_identity id;
	struct pcl_walk *w = NULL;
	uint32_t at, cap;
	int ret = 1;

	if (argc != 3 || !ctx) {
		fprintf(stderr, "usage: consumer PF_DUMP VF_DUMP\n");
		goto out;
	}
	pf = load_one(ctx, argv[1]);
	vf = pf ? load_one(ctx, argv[2]) : NULL;
	w = vf ? pcl_walk_new(vf) : NULL;
	if (!w)
		goto out;
	pcl_cfg_identity(vf, &id);
	printf("%s %04x:%04x caps=%zu\n", pcl_version(), id.vendor_id,
	       id.device_id, pcl_walk_cap_count(w));
	guest = plan_guest(ctx, vf, pf);
	be = guest ? pcl_backend_sim_new(vf) : NULL;
	if (!be)
		goto out;
	pcl_backend_ops(be, &ops);
	v = pcl_vdev_new(guest, &ops, NULL);
	at = v ? find_ext(v, 0x1b) : 0;
	if (!at || pcl_vdev_read(v, at + PASID_CAP_REG, 2, &cap) < 0) {
		fprintf(stderr, "consumer: the guest finds no PASID\n");
		goto out;
	}
	printf("pasid at 0x%x cap 0x%04x\n", at, cap);
	ret = fflush(stdout) == 0 ? 0 : 1;
out:
	pcl_vdev_free(v);
	pcl_backend_free(be);
	pcl_guest_free(guest);
	pcl_walk_free(w);
	pcl_cfg_free(vf);
	pcl_cfg_free(pf);
	pcl_ctx_free(ctx);
	return ret;
}
