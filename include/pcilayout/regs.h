/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * regs.h - named PCI configuration-space registers, bits and capability
 * IDs: the vocabulary every stage uses instead of raw numbers, in the
 * spirit of pciutils' lib/header.h and Linux's <linux/pci_regs.h>.
 *
 * Every name carries the PCL_ prefix, so this header can be included next
 * to <linux/pci_regs.h> or <pci/header.h> without clashes. Only what the
 * library and its tools read is named here; the registers of a virtual
 * capability the library synthesizes (PASID, DSN) are named only in that
 * capability's generator (lib/vcap/), its one home.
 */
#ifndef PCILAYOUT_REGS_H
#define PCILAYOUT_REGS_H

#include <stdint.h>

/* ---- Spaces ---- */
#define PCL_STD_HEADER_SIZE    0x40   /* type 0/1 header: 0x00-0x3f */
#define PCL_STD_CAP_START      0x40   /* standard capabilities: 0x40-0xff */
#define PCL_STD_SPACE_END      0x100  /* end of PCI (conventional) space */
#define PCL_EXT_CAP_START      0x100  /* extended capabilities: 0x100-0xfff */
#define PCL_EXT_SPACE_END      0x1000 /* end of PCI Express space */
#define PCL_STD_CAP_HDR_SIZE   2      /* ID, next */
#define PCL_EXT_CAP_HDR_SIZE   4      /* ID[15:0] version[19:16] next[31:20] */
#define PCL_STD_CAP_MAX_HOPS   48     /* (256 - 64) / 4: the kernel's bound */

/* ---- Header (type 0 endpoint, type 1 bridge, type 2 CardBus) ---- */
#define PCL_REG_VENDOR_ID      0x00  /* 16 bits */
#define PCL_REG_DEVICE_ID      0x02  /* 16 bits */
#define PCL_REG_COMMAND        0x04  /* 16 bits */
#define  PCL_COMMAND_IO        0x0001
#define  PCL_COMMAND_MEMORY    0x0002
#define  PCL_COMMAND_MASTER    0x0004
#define  PCL_COMMAND_PARITY    0x0040
#define  PCL_COMMAND_SERR      0x0100
#define  PCL_COMMAND_INTX_DISABLE 0x0400
#define PCL_REG_STATUS         0x06  /* 16 bits */
#define  PCL_STATUS_CAP_LIST   0x0010 /* bit 4: a standard chain exists */
#define PCL_REG_REVISION       0x08
#define PCL_REG_CLASS_PROG     0x09  /* 24-bit class code: 0x09-0x0b */
#define PCL_REG_CACHE_LINE     0x0c
#define PCL_REG_LATENCY        0x0d
#define PCL_REG_HEADER_TYPE    0x0e
#define  PCL_HEADER_TYPE_MASK  0x7f
#define  PCL_HEADER_TYPE_NORMAL  0
#define  PCL_HEADER_TYPE_BRIDGE  1
#define  PCL_HEADER_TYPE_CARDBUS 2
#define  PCL_HEADER_MULTIFUNCTION 0x80
#define PCL_REG_BIST           0x0f
#define PCL_REG_BAR0           0x10  /* six 32-bit BARs: 0x10-0x27 */
#define PCL_REG_SUBSYS_VENDOR  0x2c  /* type 0 */
#define PCL_REG_SUBSYS_ID      0x2e  /* type 0 */
#define PCL_REG_ROM            0x30  /* type 0 expansion ROM BAR */
#define PCL_REG_CAP_PTR        0x34  /* head of the standard chain */
#define PCL_REG_CARDBUS_CAP_PTR 0x14 /* the same for a CardBus bridge */
#define PCL_REG_INT_LINE       0x3c
#define PCL_REG_INT_PIN        0x3d

/* ---- Standard capability header ---- */
#define PCL_CAP_ID             0     /* byte: capability ID */
#define PCL_CAP_NEXT           1     /* byte: next pointer (low 2 bits reserved) */

/* ---- Standard capability IDs (PCI Code and ID Assignment, 7.x) ---- */
#define PCL_CAP_ID_NULL        0x00
#define PCL_CAP_ID_PM          0x01
#define PCL_CAP_ID_AGP         0x02
#define PCL_CAP_ID_VPD         0x03
#define PCL_CAP_ID_SLOTID      0x04
#define PCL_CAP_ID_MSI         0x05
#define PCL_CAP_ID_CHSWP       0x06
#define PCL_CAP_ID_PCIX        0x07
#define PCL_CAP_ID_HT          0x08
#define PCL_CAP_ID_VNDR        0x09
#define PCL_CAP_ID_DBG         0x0a
#define PCL_CAP_ID_CCRC        0x0b
#define PCL_CAP_ID_SHPC        0x0c
#define PCL_CAP_ID_SSVID       0x0d
#define PCL_CAP_ID_AGP3        0x0e
#define PCL_CAP_ID_SECDEV      0x0f
#define PCL_CAP_ID_EXP         0x10
#define PCL_CAP_ID_MSIX        0x11
#define PCL_CAP_ID_SATA        0x12
#define PCL_CAP_ID_AF          0x13
#define PCL_CAP_ID_EA          0x14
#define PCL_CAP_ID_FPB         0x15

/* ---- Extended capability header ---- */
#define PCL_EXT_CAP_HDR_ID(h)      ((h) & 0xffffu)
#define PCL_EXT_CAP_HDR_VER(h)     (((h) >> 16) & 0xfu)
#define PCL_EXT_CAP_HDR_NEXT(h)    (((h) >> 20) & 0xffcu)
#define PCL_EXT_CAP_HDR_NEXT_RAW(h) ((h) >> 20)
#define PCL_EXT_CAP_HDR(id, ver, next) \
	((uint32_t)(id) | (uint32_t)(ver) << 16 | (uint32_t)(next) << 20)

/* ---- Extended capability IDs (PCI Code and ID Assignment, 7.x) ---- */
#define PCL_EXT_CAP_ID_NULL    0x00
#define PCL_EXT_CAP_ID_AER     0x01
#define PCL_EXT_CAP_ID_VC      0x02
#define PCL_EXT_CAP_ID_DSN     0x03
#define PCL_EXT_CAP_ID_PWR     0x04
#define PCL_EXT_CAP_ID_RCLINK  0x05
#define PCL_EXT_CAP_ID_RCILC   0x06
#define PCL_EXT_CAP_ID_RCEC    0x07
#define PCL_EXT_CAP_ID_MFVC    0x08
#define PCL_EXT_CAP_ID_VC9     0x09
#define PCL_EXT_CAP_ID_RCRB    0x0a
#define PCL_EXT_CAP_ID_VNDR    0x0b  /* VSEC */
#define PCL_EXT_CAP_ID_CAC     0x0c
#define PCL_EXT_CAP_ID_ACS     0x0d
#define PCL_EXT_CAP_ID_ARI     0x0e
#define PCL_EXT_CAP_ID_ATS     0x0f
#define PCL_EXT_CAP_ID_SRIOV   0x10
#define PCL_EXT_CAP_ID_MRIOV   0x11
#define PCL_EXT_CAP_ID_MCAST   0x12
#define PCL_EXT_CAP_ID_PRI     0x13
#define PCL_EXT_CAP_ID_AMD     0x14
#define PCL_EXT_CAP_ID_REBAR   0x15
#define PCL_EXT_CAP_ID_DPA     0x16
#define PCL_EXT_CAP_ID_TPH     0x17
#define PCL_EXT_CAP_ID_LTR     0x18
#define PCL_EXT_CAP_ID_SECPCIE 0x19
#define PCL_EXT_CAP_ID_PMUX    0x1a
#define PCL_EXT_CAP_ID_PASID   0x1b
#define PCL_EXT_CAP_ID_LNR     0x1c
#define PCL_EXT_CAP_ID_DPC     0x1d
#define PCL_EXT_CAP_ID_L1SS    0x1e
#define PCL_EXT_CAP_ID_PTM     0x1f
#define PCL_EXT_CAP_ID_MPCIE   0x20
#define PCL_EXT_CAP_ID_FRS     0x21
#define PCL_EXT_CAP_ID_RTR     0x22
#define PCL_EXT_CAP_ID_DVSEC   0x23
#define PCL_EXT_CAP_ID_VF_REBAR 0x24
#define PCL_EXT_CAP_ID_DLF     0x25
#define PCL_EXT_CAP_ID_PL16GT  0x26
#define PCL_EXT_CAP_ID_LMR     0x27
#define PCL_EXT_CAP_ID_HIER_ID 0x28
#define PCL_EXT_CAP_ID_NPEM    0x29
#define PCL_EXT_CAP_ID_PL32GT  0x2a
#define PCL_EXT_CAP_ID_ALT_PROTO 0x2b
#define PCL_EXT_CAP_ID_SFI     0x2c
#define PCL_EXT_CAP_ID_SHADOW  0x2d
#define PCL_EXT_CAP_ID_DOE     0x2e
#define PCL_EXT_CAP_ID_DEV3    0x2f
#define PCL_EXT_CAP_ID_IDE     0x30
#define PCL_EXT_CAP_ID_PL64GT  0x31
#define PCL_EXT_CAP_ID_FLIT_LOG 0x32
#define PCL_EXT_CAP_ID_FLIT_PERF 0x33
#define PCL_EXT_CAP_ID_FLIT_ERR_INJ 0x34

/* ---- PCI Express capability (standard ID 0x10) ---- */
#define PCL_EXP_FLAGS          0x02  /* 16 bits */
#define  PCL_EXP_FLAGS_VERS    0x000f
#define  PCL_EXP_FLAGS_TYPE    0x00f0 /* Device/Port Type, >> 4 */
#define   PCL_EXP_TYPE_ENDPOINT   0x0
#define   PCL_EXP_TYPE_LEG_END    0x1
#define   PCL_EXP_TYPE_ROOT_PORT  0x4
#define   PCL_EXP_TYPE_UPSTREAM   0x5
#define   PCL_EXP_TYPE_DOWNSTREAM 0x6
#define   PCL_EXP_TYPE_RC_END     0x9
#define   PCL_EXP_TYPE_RC_EC      0xa
#define PCL_EXP_LNKCAP         0x0c  /* 32 bits */
#define  PCL_EXP_LNKCAP_MLW    0x000003f0 /* Maximum Link Width, >> 4 */
#define PCL_EXP_V1_SIZEOF      0x14  /* version 1: up to Root Status */
#define PCL_EXP_DEVCAP2        0x24  /* 32 bits */
#define  PCL_EXP_DEVCAP2_EE_PREFIX 0x00200000 /* End-End TLP Prefix */
#define PCL_EXP_LNKCAP2        0x2c  /* 32 bits */
#define PCL_EXP_V2_SIZEOF      0x34  /* version 2: up to Slot Status 2 */

/* ---- MSI (standard ID 0x05) ---- */
#define PCL_MSI_FLAGS          0x02  /* 16 bits */
#define  PCL_MSI_FLAGS_ENABLE  0x0001
#define  PCL_MSI_FLAGS_QMASK   0x000e /* Multiple Message Capable */
#define  PCL_MSI_FLAGS_QSIZE   0x0070 /* Multiple Message Enable */
#define  PCL_MSI_FLAGS_64BIT   0x0080
#define  PCL_MSI_FLAGS_MASKBIT 0x0100 /* per-vector masking */

/* ---- MSI-X (standard ID 0x11) ---- */
#define PCL_MSIX_FLAGS         0x02  /* 16 bits */
#define  PCL_MSIX_FLAGS_MASKALL 0x4000
#define  PCL_MSIX_FLAGS_ENABLE 0x8000

/* ---- Vendor-specific capabilities ---- */
#define PCL_VNDR_LEN           0x02  /* standard: byte, length incl. header */
#define PCL_VSEC_HDR           0x04  /* extended VSEC: ID[15:0] rev[19:16] len[31:20] */
#define PCL_DVSEC_HDR1         0x04  /* DVSEC: vendor[15:0] rev[19:16] len[31:20] */
#define PCL_DVSEC_HDR2         0x08  /* DVSEC: DVSEC ID[15:0] */

/* ---- Registers that size a capability (the catalogue's measures) ---- */
#define PCL_PCIX_COMMAND       0x02  /* 16 bits; version in 13:12 */
#define  PCL_PCIX_COMMAND_VERSION 0x3000
#define PCL_HT_CMD_TYPE        0x03  /* byte: capability type in 7:3 */
#define  PCL_HT_TYPE_MSI_MAPPING 0x15 /* (type >> 3) */
#define PCL_SATA_CR1           0x04  /* 32 bits; BAR location 3:0 */
#define  PCL_SATA_CR1_BAR_INLINE 0xf
#define PCL_EA_NUM_ENTRIES     0x02  /* byte; entries in 5:0 */
#define  PCL_EA_NUM_ENTRIES_MASK 0x3f
#define  PCL_EA_ENTRY_SIZE_MASK 0x7  /* entry dword 0: extra dwords */
#define PCL_VC_PORT_CAP1       0x04  /* 32 bits */
#define  PCL_VC_CAP1_EVCC      0x00000007 /* Extended VC Count */
#define  PCL_VC_CAP1_ARB_SIZE  0x00000c00 /* Port Arbitration Table Entry Size */
#define PCL_VC_PORT_CAP2       0x08  /* 32 bits; VC Arb. Table Offset 31:24 */
#define PCL_VC_RES_CAP         0x10  /* 32 bits, one per VC, 12 bytes apart */
#define PCL_VC_RES_STRIDE      0x0c
#define PCL_RCLINK_ESD_LINKS   0x05  /* byte: Number of Link Entries */
#define PCL_RCLINK_ENTRIES     0x10  /* link entries, 16 bytes each */
#define PCL_ACS_CAP            0x04  /* 16 bits */
#define  PCL_ACS_CAP_EGRESS    0x0020 /* Egress Control */
#define  PCL_ACS_CAP_VECTOR    0xff00 /* Egress Control Vector Size, >> 8 */
#define PCL_REBAR_CTRL         0x08  /* 32 bits, of the first BAR */
#define  PCL_REBAR_CTRL_NBAR   0x000000e0 /* Number of Resizable BARs, >> 5 */
#define PCL_DPA_CAP            0x04  /* 32 bits */
#define  PCL_DPA_CAP_SUBSTATE_MAX 0x0000001f
#define PCL_TPH_CAP            0x04  /* 32 bits */
#define  PCL_TPH_CAP_LOC       0x00000600 /* ST Table Location, >> 9 */
#define   PCL_TPH_LOC_CAP      1      /* the table is in the capability */
#define  PCL_TPH_CAP_ST_SIZE   0x07ff0000 /* ST Table Size - 1, >> 16 */
#define PCL_DPC_CAP            0x04  /* 16 bits */
#define  PCL_DPC_CAP_RP_EXT    0x0020 /* RP Extensions for DPC */
#define  PCL_DPC_CAP_PIO_LOG   0x0f00 /* RP PIO Log Size, >> 8 */

/* ---- SR-IOV (extended ID 0x10) ---- */
#define PCL_SRIOV_CTRL         0x08  /* 16 bits */
#define  PCL_SRIOV_CTRL_VFE    0x0001 /* VF Enable */
#define PCL_SRIOV_TOTAL_VF     0x0e  /* 16 bits */
#define PCL_SRIOV_NUM_VF       0x10  /* 16 bits */
#define PCL_SRIOV_VF_OFFSET    0x14  /* 16 bits */
#define PCL_SRIOV_VF_STRIDE    0x16  /* 16 bits */
#define PCL_SRIOV_VF_DID       0x1a  /* 16 bits: VF Device ID */
#define PCL_SRIOV_BAR          0x24  /* six VF BARs: 0x24-0x3b */

#endif /* PCILAYOUT_REGS_H */
