// SPDX-License-Identifier: BSD-3-Clause
/*
 * hide.c - the default hide list: the capabilities a VMM does not show a
 * guest today. The kernel's vfio-pci (drivers/vfio/pci/vfio_pci_config.c)
 * unlinks every capability whose entry in pci_cap_length[] or
 * pci_ext_cap_length[] is 0, which includes every ID its tables do not
 * know; QEMU (hw/vfio/pci.c, vfio_add_ext_cap()) additionally drops SR-IOV,
 * ARI and extended ID 0. docs/planner.md lists the table with its sources
 * (research/upstream.md sections 3.1 and 3.5, 2025 trees).
 *
 * The list is an allow-list, like the kernel's: what is not known to pass
 * through is hidden, so a capability defined after these tables were read
 * is hidden too, exactly as a kernel of that time would do.
 */
#include "plan-internal.h"

struct hide_rule {
	uint16_t id;
	const char *why; /* NULL: passed through */
};

/* Standard IDs the kernel passes through (pci_cap_length[] != 0). */
static const uint16_t std_pass[] = {
	0x01, /* PM */
	0x02, /* AGP */
	0x03, /* VPD */
	0x05, /* MSI */
	0x07, /* PCI-X */
	0x08, /* HyperTransport */
	0x09, /* vendor-specific */
	0x10, /* PCI Express */
	0x11, /* MSI-X */
	0x12, /* SATA */
	0x13, /* Advanced Features */
};

/* Extended IDs the kernel passes through (pci_ext_cap_length[] != 0). */
static const uint16_t ext_pass[] = {
	0x01, /* AER */
	0x02, /* VC */
	0x03, /* DSN */
	0x04, /* power budgeting */
	0x08, /* MFVC */
	0x09, /* VC9 */
	0x0b, /* VSEC */
	0x0d, /* ACS */
	0x0f, /* ATS */
	0x12, /* multicast */
	0x13, /* PRI */
	0x15, /* resizable BAR */
	0x16, /* DPA */
	0x17, /* TPH */
	0x18, /* LTR */
	0x23, /* DVSEC (since Linux 6.4) */
};

/* Reasons for the IDs the kernel's tables name explicitly. */
static const struct hide_rule std_named[] = {
	{ 0x00, "the kernel's vfio-pci hides the standard Null capability "
		"(it would conflict with its PCI_CAP_ID_BASIC; "
		"vfio_pci_config.c)" },
	{ 0x04, "the kernel's vfio-pci hides Slot Identification "
		"(pci_cap_length[] = 0: \"bridge - don't care\")" },
	{ 0x06, "the kernel's vfio-pci hides CompactPCI Hot Swap "
		"(pci_cap_length[] = 0)" },
	{ 0x0a, "the kernel's vfio-pci hides the Debug port capability "
		"(pci_cap_length[] = 0)" },
	{ 0x0b, "the kernel's vfio-pci hides CompactPCI central resource "
		"control (pci_cap_length[] = 0)" },
	{ 0x0c, "the kernel's vfio-pci hides the SHPC capability "
		"(pci_cap_length[] = 0)" },
	{ 0x0d, "the kernel's vfio-pci hides Bridge Subsystem Vendor ID "
		"(pci_cap_length[] = 0)" },
	{ 0x0e, "the kernel's vfio-pci hides AGP 8x (pci_cap_length[] = 0)" },
	{ 0x0f, "the kernel's vfio-pci hides Secure Device "
		"(pci_cap_length[] = 0)" },
	{ 0x14, "the kernel's vfio-pci has no length for Enhanced Allocation "
		"in pci_cap_length[], so it hides it" },
};

static const struct hide_rule ext_named[] = {
	{ 0x00, "QEMU drops an extended capability with ID 0 "
		"(\"kernel masked capability\", vfio_add_ext_cap()); a Null "
		"capability is added back at 0x100 when the chain needs an "
		"anchor" },
	{ 0x05, "the kernel's vfio-pci hides Root Complex Link Declaration, "
		"a root-complex structure (pci_ext_cap_length[] = 0)" },
	{ 0x06, "the kernel's vfio-pci hides Root Complex Internal Link "
		"Control (pci_ext_cap_length[] = 0)" },
	{ 0x07, "the kernel's vfio-pci hides Root Complex Event Collector "
		"Endpoint Association (pci_ext_cap_length[] = 0)" },
	{ 0x0a, "the kernel's vfio-pci hides the RCRB header "
		"(pci_ext_cap_length[] = 0)" },
	{ 0x0c, "the kernel's vfio-pci hides Configuration Access "
		"Correlation (pci_ext_cap_length[] = 0: \"obsolete\")" },
	{ 0x0e, "QEMU drops ARI (\"Needs next function virtualization\", "
		"vfio_add_ext_cap()); the kernel passes it through" },
	{ 0x10, "QEMU drops SR-IOV (\"Read-only VF BARs confuse OVMF\", "
		"vfio_add_ext_cap()); the kernel passes it through" },
	{ 0x11, "the kernel's vfio-pci hides MR-IOV "
		"(pci_ext_cap_length[] = 0: \"not yet\")" },
	{ 0x14, "the kernel's vfio-pci hides the AMD-reserved ID 0x14 "
		"(pci_ext_cap_length[] = 0)" },
	{ 0x19, "the kernel's vfio-pci hides Secondary PCI Express "
		"(pci_ext_cap_length[] = 0: \"not yet\")" },
	{ 0x1a, "the kernel's vfio-pci hides Protocol Multiplexing "
		"(pci_ext_cap_length[] = 0)" },
	{ 0x1b, "the kernel's vfio-pci hides PASID "
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

static bool in(const uint16_t *l, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == id)
			return true;
	return false;
}

PCL_EXPORT bool pcl_plan_default_hidden(int space, uint16_t id,
					const char **why)
{
	bool ext = space == PCL_SPACE_EXTENDED;
	const struct hide_rule *named = ext ? ext_named : std_named;
	size_t n = ext ? PCL_ARRAY_SIZE(ext_named) : PCL_ARRAY_SIZE(std_named);

	if (why)
		*why = NULL;
	if (ext ? in(ext_pass, PCL_ARRAY_SIZE(ext_pass), id) :
		  in(std_pass, PCL_ARRAY_SIZE(std_pass), id))
		return false;
	if (why) {
		*why = ext ? ext_unknown : std_unknown;
		for (size_t i = 0; i < n; i++)
			if (named[i].id == id)
				*why = named[i].why;
	}
	return true;
}
