// SPDX-License-Identifier: BSD-3-Clause
/*
 * pasid.c - the virtual PASID capability (PCIe Base 6.x, 7.8.8): what a VMM
 * shows a guest because vfio-pci hides the device's own (a VF shares its
 * PF's PASID configuration, so it cannot be passed through). This file is
 * the only one that knows the PASID registers.
 *
 * Derive: Max PASID Width is the smallest of every source's, Execute and
 * Privileged are offered only when every source allows them. The sources
 * are the PF (for a VF), the device's own PASID capability (a PF read in
 * full or through vfio-pci, which leaves it unlinked), and what the IOMMU
 * reports (IOMMU_GET_HW_INFO: out_max_pasid_log2, IOMMU_HW_CAP_PCI_PASID_*).
 *
 * A VF shares its PF's PASID configuration: the kernel lets a VF use PASID
 * only when the PF's is enabled, with the features the PF enabled
 * (pci_enable_pasid() for a VF; pci_pasid_status() reads the PF's PASID
 * Control, which is also where iommufd takes the execute and privileged
 * bits it reports). So for a VF the width is the PF's capability, but
 * Execute and Privileged are what the PF's PASID Control enables, and a PF
 * whose PASID is disabled is refused unless allowed.
 *
 * Synth: the capability register is constant; PASID Control is emulated,
 * with Enable writable and Execute/Privileged Enable writable only when
 * advertised, and hooked so the VMM can program the IOMMU.
 */
#include <stdio.h>

#include <pcilayout/walk.h>
#include <pcilayout/layout.h>

#include "vcap/vcap.h"

#define PASID_VERSION	1
#define PASID_CAP	0x04 /* PASID Capability register, 16 bits */
#define  PASID_CAP_EXEC	0x0002 /* Execute Permission Supported */
#define  PASID_CAP_PRIV	0x0004 /* Privileged Mode Supported */
#define  PASID_CAP_WIDTH(v) (((v) >> 8) & 0x1f) /* Max PASID Width */
#define PASID_CTRL	0x06 /* PASID Control register, 16 bits */
#define  PASID_CTRL_ENABLE 0x0001
#define  PASID_CTRL_EXEC   0x0002
#define  PASID_CTRL_PRIV   0x0004
#define PASID_SIZE	8
#define PASID_WIDTH_MAX	20 /* the PCIe specification's limit */

static const char *yn(uint64_t v)
{
	return v ? "yes" : "no";
}

/*
 * What a PASID capability of @w allows; false when it has none readable.
 * @ctrl, when not NULL, receives its PASID Control, or -1 when unread.
 */
static bool read_cap(const struct pcl_walk *w, uint32_t *off, uint64_t *p,
		     int *ctrl)
{
	const struct pcl_cfg *cfg = pcl_walk_cfg(w);
	const struct pcl_cap *c =
		vcap_find_cap(w, PCL_SPACE_EXTENDED, PCL_EXT_CAP_ID_PASID);
	uint16_t reg;

	if (!c || !pcl_cfg_is_read(cfg, c->offset + PASID_CAP, 2))
		return false;
	reg = pcl_le16(pcl_cfg_data(cfg) + c->offset + PASID_CAP);
	*off = c->offset;
	p[PCL_PASID_MAX_WIDTH] = PASID_CAP_WIDTH(reg) > PASID_WIDTH_MAX ?
		PASID_WIDTH_MAX : PASID_CAP_WIDTH(reg);
	p[PCL_PASID_EXEC] = !!(reg & PASID_CAP_EXEC);
	p[PCL_PASID_PRIV] = !!(reg & PASID_CAP_PRIV);
	if (ctrl)
		*ctrl = pcl_cfg_is_read(cfg, c->offset + PASID_CTRL, 2) ?
			pcl_le16(pcl_cfg_data(cfg) + c->offset + PASID_CTRL) : -1;
	return true;
}

/*
 * A VF's side: the PF's capability for the width, its PASID Control for
 * what is enabled. -1 refused, 1 found.
 */
static int pf_source(const struct vcap_inputs *in, uint64_t *s,
		     struct pcl_strbuf *why, struct pcl_diag *diag)
{
	uint32_t off;
	int ctrl = -1;

	if (!read_cap(in->pf_walk, &off, s, &ctrl)) {
		pcl_diag_add(diag, in->src, 0, 0, -1,
			     "the PF (%s) has no readable PASID capability, so its VF cannot use PASID",
			     pcl_cfg_source(in->pf));
		return -1;
	}
	if (ctrl < 0 || !(ctrl & PASID_CTRL_ENABLE)) {
		if (!in->allow_pasid_disabled) {
			pcl_diag_add(diag, in->src, 0, 0, -1,
				     "the PF's PASID at 0x%x is %s (PASID Control Enable clear): the kernel lets no VF use PASID until the PF's driver enables it; --allow pasid-disabled plans from what the PF can do",
				     off, ctrl < 0 ? "of unknown state (its control register was not read)" : "disabled");
			return -1;
		}
		pcl_strbuf_add(why, "the PF's PASID capability at 0x%x allows width %llu, execute %s, privileged %s, though it is disabled (allowed)",
			       off, (unsigned long long)s[PCL_PASID_MAX_WIDTH],
			       yn(s[PCL_PASID_EXEC]), yn(s[PCL_PASID_PRIV]));
		return 1;
	}
	s[PCL_PASID_EXEC] &= !!(ctrl & PASID_CTRL_EXEC);
	s[PCL_PASID_PRIV] &= !!(ctrl & PASID_CTRL_PRIV);
	pcl_strbuf_add(why, "the PF's PASID at 0x%x has width %llu and is enabled with execute %s, privileged %s",
		       off, (unsigned long long)s[PCL_PASID_MAX_WIDTH],
		       yn(s[PCL_PASID_EXEC]), yn(s[PCL_PASID_PRIV]));
	return 1;
}

/* Fold one source's values into @p: the smallest width, the common bits. */
static void meet(uint64_t *p, const uint64_t *s)
{
	if (s[PCL_PASID_MAX_WIDTH] < p[PCL_PASID_MAX_WIDTH])
		p[PCL_PASID_MAX_WIDTH] = s[PCL_PASID_MAX_WIDTH];
	p[PCL_PASID_EXEC] &= s[PCL_PASID_EXEC];
	p[PCL_PASID_PRIV] &= s[PCL_PASID_PRIV];
}

static void said(struct pcl_strbuf *why, const char *who, const uint64_t *s)
{
	pcl_strbuf_add(why, "%s%s allows width %llu, execute %s, privileged %s",
		       why->len ? "; " : "", who,
		       (unsigned long long)s[PCL_PASID_MAX_WIDTH],
		       yn(s[PCL_PASID_EXEC]), yn(s[PCL_PASID_PRIV]));
}

/* The device side: its PF's PASID, or its own. -1 refused, 0 none, 1 found.
 * A PF planned for itself takes what its capability allows: its PASID is
 * enabled for it by the IOMMU driver when it is assigned. */
static int device_source(const struct vcap_inputs *in, uint64_t *s,
			 struct pcl_strbuf *why, struct pcl_diag *diag)
{
	char who[96];
	uint32_t off;

	if (in->pf)
		return pf_source(in, s, why, diag);
	if (in->is_vf || !read_cap(in->walk, &off, s, NULL))
		return 0;
	snprintf(who, sizeof(who),
		 "the device's own PASID capability at 0x%x (hidden by vfio-pci)",
		 off);
	said(why, who, s);
	return 1;
}

static int derive(const struct vcap_inputs *in, uint64_t *p,
		  struct pcl_strbuf *why, struct pcl_diag *diag)
{
	uint64_t s[PCL_VCAP_MAX_PARAMS] = { 0 };
	int any = device_source(in, s, why, diag);

	if (any < 0)
		return -EINVAL;
	p[PCL_PASID_MAX_WIDTH] = PASID_WIDTH_MAX;
	p[PCL_PASID_EXEC] = p[PCL_PASID_PRIV] = 1;
	if (any)
		meet(p, s);
	if (in->iommu.given) {
		if (!in->iommu.max_width) {
			pcl_diag_add(diag, in->src, 0, 0, -1,
				     "the IOMMU reports no PASID support (out_max_pasid_log2 = 0), so no virtual PASID can be offered");
			return -EINVAL;
		}
		s[PCL_PASID_MAX_WIDTH] = in->iommu.max_width > PASID_WIDTH_MAX ?
			PASID_WIDTH_MAX : in->iommu.max_width;
		s[PCL_PASID_EXEC] = in->iommu.exec;
		s[PCL_PASID_PRIV] = in->iommu.priv;
		said(why, "the IOMMU", s);
		meet(p, s);
		any = 1;
	}
	if (!any) {
		pcl_diag_add(diag, in->src, 0, 0, -1,
			     "no source for the virtual PASID's capability register: give the PF (--pf) or what the IOMMU reports (--pasid-width, --pasid-exec, --pasid-priv)");
		return -EINVAL;
	}
	pcl_strbuf_add(why, "; so Max PASID Width %llu, Execute Permission %s, Privileged Mode %s (the smallest width, and only what every source allows)",
		       (unsigned long long)p[PCL_PASID_MAX_WIDTH],
		       p[PCL_PASID_EXEC] ? "on" : "off",
		       p[PCL_PASID_PRIV] ? "on" : "off");
	return why->oom ? -ENOMEM : 0;
}

static void rule(struct pcl_guest_rule *r, uint8_t wmask, uint8_t hook)
{
	*r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW,
				      .wmask = wmask, .hook = hook };
}

static int synth(const struct pcl_layout_entry *e,
		 const struct pcl_guest_options *opts, struct vcap_synth *out,
		 char *why, size_t size)
{
	uint8_t en = (uint8_t)(PASID_CTRL_ENABLE |
			       (e->params[PCL_PASID_EXEC] ? PASID_CTRL_EXEC : 0) |
			       (e->params[PCL_PASID_PRIV] ? PASID_CTRL_PRIV : 0));
	uint16_t cap = (uint16_t)((e->params[PCL_PASID_EXEC] ? PASID_CAP_EXEC : 0) |
				  (e->params[PCL_PASID_PRIV] ? PASID_CAP_PRIV : 0) |
				  (e->params[PCL_PASID_MAX_WIDTH] & 0x1f) << 8);

	pcl_put_le32(out->img, PCL_EXT_CAP_HDR(PCL_EXT_CAP_ID_PASID,
					       PASID_VERSION, 0));
	pcl_put_le16(out->img + PASID_CAP, cap);
	pcl_put_le16(out->img + PASID_CTRL, 0); /* disabled, as after reset */
	for (uint32_t i = 0; i < PASID_SIZE; i++)
		rule(&out->rule[i], 0, 0);
	rule(&out->rule[PASID_CTRL], en, 1);
	rule(&out->rule[PASID_CTRL + 1], 0, 1);
	out->hook = (struct vcap_hook){ .type = PCL_HOOK_PASID,
					.offset = PASID_CTRL, .width = 2 };
	return 0;
}

static const struct vcap_param params[] = {
	{ .key = "max_width", .code = "pasid-width", .index = PCL_PASID_MAX_WIDTH,
	  .type = VP_UINT, .merge = VM_MIN, .required = true,
	  .max = PASID_WIDTH_MAX },
	{ .key = "exec", .code = "pasid-exec", .index = PCL_PASID_EXEC,
	  .type = VP_BOOL, .merge = VM_MIN },
	{ .key = "priv", .code = "pasid-priv", .index = PCL_PASID_PRIV,
	  .type = VP_BOOL, .merge = VM_MIN },
};

const struct vcap_gen vcap_gen_pasid = {
	.generator = PCL_GEN_PASID,
	.name = "pasid",
	.source_code = "pasid-source",
	.space = PCL_SPACE_EXTENDED,
	.id = PCL_EXT_CAP_ID_PASID,
	.length = PASID_SIZE,
	.params = params,
	.n_params = PCL_ARRAY_SIZE(params),
	.reads_id = PCL_EXT_CAP_ID_PASID,
	/* hw/vfio/pci.c: "in the good hope" nothing lives there */
	.qemu_at = PCL_EXT_SPACE_END - PASID_SIZE,
	.derive = derive,
	.synth = synth,
};
