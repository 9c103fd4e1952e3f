// SPDX-License-Identifier: BSD-3-Clause
/*
 * perm.c - what a guest may do with the body of a capability the layout
 * presents from the device: the kernel's vfio-pci permission tables
 * (drivers/vfio/pci/vfio_pci_config.c, the init_pci_*_perm() functions;
 * research/upstream.md 3.2), restated per byte as the engine's terms.
 *
 * The kernel gives each capability ID one of three treatments:
 *  - a table of writable and virtualized ("emulated") bits for the IDs
 *    below; every other bit of the capability is read-only;
 *  - read-only, read from the device, for the other IDs it knows (its
 *    pci_cap_length[] / pci_ext_cap_length[] entry is not 0);
 *  - raw read and write for the IDs it hides: their bytes are unassigned
 *    to it, like the gaps between capabilities (so a layout that presents
 *    one gets what vfio-pci gives its bytes). The vendor-specific ones
 *    (standard 0x09, VSEC, DVSEC) are raw too, by their writefn.
 * MSI and MSI-X are the VMM's to emulate (build.c), as QEMU does.
 *
 * Where the engine departs from the table, the entry says why: it never
 * lets more reach the device than the kernel does.
 */
#include <linux/pci_regs.h>

#include "internal.h"
#include "guest-internal.h"

/* Uncorrectable and correctable AER bits the kernel lets a guest write. */
#define AER_UNC_WRITABLE 0x03fff031u /* UND DLP SURPDN POISON..TLPPRE */
#define AER_COR_WRITABLE 0x0000f1c1u /* RCVR BAD_TLP BAD_DLLP ... LOG_OVER */

struct perm_field {
	uint8_t space;
	uint8_t id;
	uint8_t off;    /* in the capability */
	uint8_t len;    /* 1, 2 or 4 */
	uint32_t write; /* PCL_PERM_* masks, little-endian over @len bytes */
	uint32_t virt;
	uint32_t w1c;
	uint32_t zero;
	uint8_t flags;
};

#define STD PCL_SPACE_STANDARD
#define EXT PCL_SPACE_EXTENDED

static const struct perm_field fields[] = {
	/* PM: PME_Support emulated as 0 (the guest cannot take PMEs); the
	 * power state is the guest's, which the kernel carries out
	 * (vfio_pm_config_write()); PME_En and PME_Status emulated as 0.
	 * The kernel also lets the rest of the dword through, which the PM
	 * specification makes read-only or reserved: not written here. */
	{ STD, PCI_CAP_ID_PM, PCI_PM_PMC, 2, 0, PCI_PM_CAP_PME_MASK, 0,
	  PCI_PM_CAP_PME_MASK, 0 },
	{ STD, PCI_CAP_ID_PM, PCI_PM_CTRL, 2,
	  PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_DATA_SEL_MASK,
	  PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS, 0,
	  PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS,
	  PCL_PERM_SETTING | PCL_PERM_HOOK_PM },
	/* VPD: address and data; the kernel runs the transfer itself, a
	 * VFIO backend reaches that, sysfs the device's own protocol. */
	{ STD, PCI_CAP_ID_VPD, PCI_VPD_ADDR, 2, 0xffff, 0, 0, 0, 0 },
	{ STD, PCI_CAP_ID_VPD, PCI_VPD_DATA, 4, 0xffffffffu, 0, 0, 0, 0 },
	/* PCI-X: command and ECC control/status. */
	{ STD, PCI_CAP_ID_PCIX, PCI_X_CMD, 2, 0xffff, 0, 0, 0,
	  PCL_PERM_SETTING },
	{ STD, PCI_CAP_ID_PCIX, PCI_X_ECC_CSR, 4, 0xffffffffu, 0, 0, 0, 0 },
	/* PCI Express Device Control: all but Phantom Functions (which could
	 * confuse the IOMMU); Max_Payload_Size emulated (it is the fabric's);
	 * Initiate FLR emulated, a reset. Max_Read_Request_Size goes to the
	 * device (through VFIO the kernel floors it at MPS). Device Control
	 * 2: all but ARI Forwarding. Link Control and the rest: read-only. */
	{ STD, PCI_CAP_ID_EXP, PCI_EXP_DEVCTL, 1, 0xff, PCI_EXP_DEVCTL_PAYLOAD,
	  0, 0, PCL_PERM_SETTING },
	{ STD, PCI_CAP_ID_EXP, PCI_EXP_DEVCTL + 1, 1,
	  (uint8_t)(~PCI_EXP_DEVCTL_PHANTOM >> 8),
	  PCI_EXP_DEVCTL_BCR_FLR >> 8, 0, PCI_EXP_DEVCTL_BCR_FLR >> 8,
	  PCL_PERM_SETTING | PCL_PERM_HOOK_FLR },
	{ STD, PCI_CAP_ID_EXP, PCI_EXP_DEVCTL2, 2,
	  (uint16_t)~PCI_EXP_DEVCTL2_ARI, 0, 0, 0, PCL_PERM_SETTING },
	/* Advanced Features: the FLR bit, a reset. */
	{ STD, PCI_CAP_ID_AF, PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR, PCI_AF_CTRL_FLR,
	  0, PCI_AF_CTRL_FLR, PCL_PERM_HOOK_FLR },
	/* AER: status bits cleared, masks, severities and ECRC enables set. */
	{ EXT, PCI_EXT_CAP_ID_ERR, PCI_ERR_UNCOR_STATUS, 4, AER_UNC_WRITABLE,
	  0, 0xffffffffu, 0, 0 },
	{ EXT, PCI_EXT_CAP_ID_ERR, PCI_ERR_UNCOR_MASK, 4, AER_UNC_WRITABLE,
	  0, 0, 0, PCL_PERM_SETTING },
	{ EXT, PCI_EXT_CAP_ID_ERR, PCI_ERR_UNCOR_SEVER, 4, AER_UNC_WRITABLE,
	  0, 0, 0, PCL_PERM_SETTING },
	{ EXT, PCI_EXT_CAP_ID_ERR, PCI_ERR_COR_STATUS, 4, AER_COR_WRITABLE,
	  0, 0xffffffffu, 0, 0 },
	{ EXT, PCI_EXT_CAP_ID_ERR, PCI_ERR_COR_MASK, 4, AER_COR_WRITABLE,
	  0, 0, 0, PCL_PERM_SETTING },
	{ EXT, PCI_EXT_CAP_ID_ERR, PCI_ERR_CAP, 4,
	  PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE, 0, 0, 0,
	  PCL_PERM_SETTING },
	/* Power Budgeting: the kernel's table makes the Data register (+8)
	 * writable, not the Data Select (+4) its comment names; as it is. */
	{ EXT, PCI_EXT_CAP_ID_PWR, PCI_PWR_DATA, 1, 0xff, 0, 0, 0, 0 },
};

/* Capabilities whose whole body the kernel passes raw. */
static bool raw_vendor(int space, uint16_t id)
{
	return space == STD ? id == PCI_CAP_ID_VNDR :
	       id == PCI_EXT_CAP_ID_VNDR || id == PCI_EXT_CAP_ID_DVSEC;
}

/*
 * Does the kernel's vfio-pci unlink this ID (so its bytes are unassigned)?
 * pcl_plan_default_hidden() is the kernel's list plus QEMU's drops; ARI and
 * SR-IOV are QEMU's alone (lib/plan/hide.c), the kernel keeps them.
 */
static bool kernel_hides(int space, uint16_t id)
{
	if (space == EXT && (id == PCI_EXT_CAP_ID_ARI ||
			     id == PCI_EXT_CAP_ID_SRIOV))
		return false;
	return pcl_plan_default_hidden(space, id, NULL);
}

void pcl_guest_cap_perms(int space, uint16_t id, uint32_t len,
			 struct pcl_perm *perm)
{
	bool raw = raw_vendor(space, id) || kernel_hides(space, id);

	for (uint32_t i = 0; i < len; i++)
		perm[i] = (struct pcl_perm){ .write = raw ? 0xff : 0 };
	if (raw)
		return;
	for (size_t f = 0; f < PCL_ARRAY_SIZE(fields); f++) {
		const struct perm_field *p = &fields[f];

		if (p->space != space || p->id != id)
			continue;
		for (uint32_t k = 0; k < p->len && p->off + k < len; k++) {
			struct pcl_perm *b = &perm[p->off + k];

			b->write = (uint8_t)(p->write >> (8 * k));
			b->virt = (uint8_t)(p->virt >> (8 * k));
			b->w1c = (uint8_t)(p->w1c >> (8 * k));
			b->zero = (uint8_t)(p->zero >> (8 * k));
			b->flags = p->flags;
		}
	}
}
