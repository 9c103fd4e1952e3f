// SPDX-License-Identifier: BSD-3-Clause
/*
 * hide.c - the default hide list: the capabilities a VMM does not show a
 * guest today. The kernel's vfio-pci unlinks every capability its length
 * tables do not pass (pcl_catalog_vfio_hides(), the one home of that
 * allow-list); QEMU (hw/vfio/pci.c, vfio_add_ext_cap()) additionally drops
 * SR-IOV, ARI and extended ID 0. docs/planner.md lists the table with its
 * sources (research/upstream.md sections 3.1 and 3.5, 2025 trees). This
 * file adds the reasons, in words, for the IDs those tables name.
 */
#include "plan-internal.h"

struct hide_rule {
	uint16_t id;
	const char *why;
};

/* What QEMU drops although the kernel passes it through. */
static const struct hide_rule qemu_ext[] = {
	{ PCL_EXT_CAP_ID_ARI,
	  "QEMU drops ARI (\"Needs next function virtualization\", "
	  "vfio_add_ext_cap()); the kernel passes it through" },
	{ PCL_EXT_CAP_ID_SRIOV,
	  "QEMU drops SR-IOV (\"Read-only VF BARs confuse OVMF\", "
	  "vfio_add_ext_cap()); the kernel passes it through" },
};

/* Reasons for the IDs the kernel's tables name explicitly. */
static const struct hide_rule std_named[] = {
	{ PCL_CAP_ID_NULL, "the kernel's vfio-pci hides the standard Null capability "
		"(it would conflict with its PCI_CAP_ID_BASIC; "
		"vfio_pci_config.c)" },
	{ PCL_CAP_ID_SLOTID, "the kernel's vfio-pci hides Slot Identification "
		"(pci_cap_length[] = 0: \"bridge - don't care\")" },
	{ PCL_CAP_ID_CHSWP, "the kernel's vfio-pci hides CompactPCI Hot Swap "
		"(pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_DBG, "the kernel's vfio-pci hides the Debug port capability "
		"(pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_CCRC, "the kernel's vfio-pci hides CompactPCI central resource "
		"control (pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_SHPC, "the kernel's vfio-pci hides the SHPC capability "
		"(pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_SSVID, "the kernel's vfio-pci hides Bridge Subsystem Vendor ID "
		"(pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_AGP3, "the kernel's vfio-pci hides AGP 8x (pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_SECDEV, "the kernel's vfio-pci hides Secure Device "
		"(pci_cap_length[] = 0)" },
	{ PCL_CAP_ID_EA, "the kernel's vfio-pci has no length for Enhanced Allocation "
		"in pci_cap_length[], so it hides it" },
};

static const struct hide_rule ext_named[] = {
	{ PCL_EXT_CAP_ID_NULL, "QEMU drops an extended capability with ID 0 "
		"(\"kernel masked capability\", vfio_add_ext_cap()); a Null "
		"capability is added back at 0x100 when the chain needs an "
		"anchor" },
	{ PCL_EXT_CAP_ID_RCLINK, "the kernel's vfio-pci hides Root Complex Link Declaration, "
		"a root-complex structure (pci_ext_cap_length[] = 0)" },
	{ PCL_EXT_CAP_ID_RCILC, "the kernel's vfio-pci hides Root Complex Internal Link "
		"Control (pci_ext_cap_length[] = 0)" },
	{ PCL_EXT_CAP_ID_RCEC, "the kernel's vfio-pci hides Root Complex Event Collector "
		"Endpoint Association (pci_ext_cap_length[] = 0)" },
	{ PCL_EXT_CAP_ID_RCRB, "the kernel's vfio-pci hides the RCRB header "
		"(pci_ext_cap_length[] = 0)" },
	{ PCL_EXT_CAP_ID_CAC, "the kernel's vfio-pci hides Configuration Access "
		"Correlation (pci_ext_cap_length[] = 0: \"obsolete\")" },
	{ PCL_EXT_CAP_ID_MRIOV, "the kernel's vfio-pci hides MR-IOV "
		"(pci_ext_cap_length[] = 0: \"not yet\")" },
	{ PCL_EXT_CAP_ID_AMD, "the kernel's vfio-pci hides the AMD-reserved ID 0x14 "
		"(pci_ext_cap_length[] = 0)" },
	{ PCL_EXT_CAP_ID_SECPCIE, "the kernel's vfio-pci hides Secondary PCI Express "
		"(pci_ext_cap_length[] = 0: \"not yet\")" },
	{ PCL_EXT_CAP_ID_PMUX, "the kernel's vfio-pci hides Protocol Multiplexing "
		"(pci_ext_cap_length[] = 0)" },
	{ PCL_EXT_CAP_ID_PASID, "the kernel's vfio-pci hides PASID "
		"(pci_ext_cap_length[PCI_EXT_CAP_ID_PASID] = 0: \"not yet\"); "
		"a VMM synthesizes a virtual PASID instead" },
};

static const char std_unknown[] =
	"the kernel's vfio-pci has no entry for this ID in pci_cap_length[], "
	"so it hides it (IDs newer than the kernel's table are hidden too)";
static const char ext_unknown[] =
	"the kernel's vfio-pci has no entry for this ID in "
	"pci_ext_cap_length[], so it hides it (IDs newer than the kernel's "
	"table are hidden too)";

static const char *lookup(const struct hide_rule *l, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].id == id)
			return l[i].why;
	return NULL;
}

PCL_EXPORT bool pcl_plan_default_hidden(int space, uint16_t id,
					const char **why)
{
	bool ext = space == PCL_SPACE_EXTENDED;
	const char *qemu = ext ? lookup(qemu_ext, PCL_ARRAY_SIZE(qemu_ext), id) :
				 NULL;
	const char *named;

	if (why)
		*why = NULL;
	if (!qemu && !pcl_catalog_vfio_hides(space, id))
		return false;
	named = ext ? lookup(ext_named, PCL_ARRAY_SIZE(ext_named), id) :
		      lookup(std_named, PCL_ARRAY_SIZE(std_named), id);
	if (why)
		*why = qemu ? qemu : named ? named : ext ? ext_unknown : std_unknown;
	return true;
}

PCL_EXPORT bool pcl_plan_essential(int space, uint16_t id, const char **lost)
{
	const char *l = NULL;

	if (space == PCL_SPACE_STANDARD) {
		switch (id) {
		case PCL_CAP_ID_PM:
			l = "its power states";
			break;
		case PCL_CAP_ID_MSI:
		case PCL_CAP_ID_MSIX:
			l = "its message-signalled interrupts";
			break;
		case PCL_CAP_ID_EXP:
			l = "its PCI Express capability and with it the whole extended config space";
			break;
		default:
			break;
		}
	}
	if (lost)
		*lost = l;
	return l != NULL;
}
