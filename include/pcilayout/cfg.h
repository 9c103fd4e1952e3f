/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg.h - sources: one PCI function's configuration space as the library sees
 * it: up to 4096 bytes, which of them were really read, and the function's
 * identity. Sources are a PCI address (sysfs), a VFIO device, an lspci
 * -x/-xxx/-xxxx text dump (one or several devices), a raw binary image of 64,
 * 256 or 4096 bytes, or standard input holding either.
 *
 * A cfg is immutable once returned: every later stage only reads it.
 */
#ifndef PCILAYOUT_CFG_H
#define PCILAYOUT_CFG_H

#include <stdio.h>

#include <pcilayout/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** PCL_CFG_SIZE - size of PCIe configuration space; every cfg holds this many. */
#define PCL_CFG_SIZE 4096

/** struct pcl_cfg - one function's config space (opaque). */
struct pcl_cfg;

/**
 * struct pcl_identity - who the function is, decoded from its header.
 * @vendor_id: offset 0x00.
 * @device_id: offset 0x02.
 * @subsys_vendor_id: 0x2c for header type 0, 0 otherwise (or if unread).
 * @subsys_id: 0x2e for header type 0, 0 otherwise (or if unread).
 * @class_code: base class << 16 | subclass << 8 | programming interface.
 * @revision: offset 0x08.
 * @header_type: offset 0x0e without the multi-function bit (0, 1 or 2).
 * @multifunction: 1 if bit 7 of 0x0e is set.
 * @is_vf: 1 if the function is an SR-IOV virtual function (sysfs physfn,
 *         or marked by pcl_cfg_set_vf()/pcl_cfg_set_pf()).
 * @ids_from_pf: 1 when @vendor_id and @device_id are a VF's identity as the
 *               kernel gives it (the PF's Vendor ID and the Device ID the
 *               PF's SR-IOV capability assigns its VFs), not the function's
 *               own registers: a VF's Vendor and Device ID registers read
 *               0xffff (PCIe SR-IOV 1.1, 3.4.1.1-2). The raw bytes stay as
 *               read in pcl_cfg_data().
 * @pcie_type: Device/Port Type from the PCI Express capability (0..15), or
 *             -1 when the function has none (or it was not read).
 */
struct pcl_identity {
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t subsys_vendor_id;
	uint16_t subsys_id;
	uint32_t class_code;
	uint8_t revision;
	uint8_t header_type;
	uint8_t multifunction;
	uint8_t is_vf;
	int32_t pcie_type;
	uint8_t ids_from_pf;
	uint8_t reserved[3];
};

/**
 * pcl_cfg_new() - make a cfg from bytes in memory.
 * @ctx: library context (borrowed; must outlive the cfg).
 * @bytes: the config space from offset 0.
 * @len: number of bytes in @bytes that were read, 1..4096. Bytes past @len
 *       are marked unread and hold 0.
 * @source: a name for messages (copied), e.g. a file name; may be NULL.
 *
 * Return: a new cfg that the caller frees with pcl_cfg_free(), or NULL with
 * errno EINVAL (bad length) or ENOMEM.
 */
PCL_EXPORT struct pcl_cfg *pcl_cfg_new(struct pcl_ctx *ctx, const uint8_t *bytes,
				       size_t len, const char *source);

/**
 * pcl_cfg_load() - read every function held in a file.
 * @ctx: library context.
 * @path: a dump file, a binary image, or "-" for standard input. The format
 *        is detected from the content: text in lspci -x format, or a binary
 *        of exactly 64, 256 or 4096 bytes.
 * @cfgs: on success, a new array of @count new cfgs, in file order; free it
 *        with pcl_cfg_list_free().
 * @count: on success, the number of functions (at least 1).
 * @err: optional; on failure names the file and, for dumps, the line.
 *
 * Text dumps: a device line ("00:1f.2 SATA controller: ...") starts a
 * device; each following "xx: hh hh ..." row gives up to 16 bytes at offset
 * xx. A row may repeat no offset. Inputs larger than 64 MiB are refused
 * without being read in full.
 *
 * Return: 0, or -ENOENT, -EACCES, -EISDIR, -EINVAL (malformed), -EFBIG,
 * -ENOMEM, -EIO.
 */
PCL_EXPORT int pcl_cfg_load(struct pcl_ctx *ctx, const char *path,
			    struct pcl_cfg ***cfgs, size_t *count,
			    struct pcl_error *err);

/**
 * pcl_cfg_parse() - like pcl_cfg_load() for an input already in memory.
 * @ctx: library context.
 * @data: the input (text or binary); need not be NUL-terminated.
 * @len: its length in bytes.
 * @name: the name used in messages and as each cfg's source (copied).
 * @cfgs: as for pcl_cfg_load().
 * @count: as for pcl_cfg_load().
 * @err: as for pcl_cfg_load().
 *
 * Return: as for pcl_cfg_load().
 */
PCL_EXPORT int pcl_cfg_parse(struct pcl_ctx *ctx, const void *data, size_t len,
			     const char *name, struct pcl_cfg ***cfgs,
			     size_t *count, struct pcl_error *err);

/**
 * typedef pcl_cfg_each_fn - takes one function from pcl_cfg_load_each() or
 * pcl_cfg_parse_each().
 * @opaque: the caller's pointer.
 * @cfg: a new cfg, now the callee's: it frees it with pcl_cfg_free(),
 *       at once or later.
 *
 * Return: 0 to go on, or a negative errno to stop reading, which the
 * reader then returns (a positive value stops it too, as -ECANCELED).
 */
typedef int (*pcl_cfg_each_fn)(void *opaque, struct pcl_cfg *cfg);

/**
 * pcl_cfg_load_each() - pcl_cfg_load() one function at a time.
 * @ctx: library context.
 * @path: as for pcl_cfg_load().
 * @fn: called with each function, in file order, as soon as it has been
 *      read (a dump's device is complete at the blank line or device line
 *      after it), before the next is read.
 * @opaque: passed to @fn.
 * @err: as for pcl_cfg_load(); left alone when @fn stopped the reader.
 *
 * For a caller that handles each function and lets it go, e.g. a tool
 * printing a fleet's dump: its memory stays that of one function, where
 * pcl_cfg_load() holds them all (~4.7 KB each). An input pcl_cfg_load()
 * refuses gives the same error here, but the functions before the fault
 * have been given to @fn by then: a caller that must act on all or none
 * holds what it makes of them until this returns 0.
 *
 * Return: 0, what @fn returned to stop, or as for pcl_cfg_load().
 */
PCL_EXPORT int pcl_cfg_load_each(struct pcl_ctx *ctx, const char *path,
				 pcl_cfg_each_fn fn, void *opaque,
				 struct pcl_error *err);

/**
 * pcl_cfg_parse_each() - pcl_cfg_parse() one function at a time, as
 * pcl_cfg_load_each() does.
 * @ctx: library context.
 * @data: as for pcl_cfg_parse().
 * @len: as for pcl_cfg_parse().
 * @name: as for pcl_cfg_parse().
 * @fn: as for pcl_cfg_load_each().
 * @opaque: passed to @fn.
 * @err: as for pcl_cfg_load_each().
 *
 * Return: as for pcl_cfg_load_each().
 */
PCL_EXPORT int pcl_cfg_parse_each(struct pcl_ctx *ctx, const void *data,
				  size_t len, const char *name,
				  pcl_cfg_each_fn fn, void *opaque,
				  struct pcl_error *err);

/**
 * pcl_cfg_read_device() - read a live function through sysfs.
 * @ctx: library context.
 * @address: "dddd:bb:dd.f" or "bb:dd.f" (domain 0).
 * @cfg: on success, a new cfg that the caller frees with pcl_cfg_free().
 * @err: optional; on failure names the address.
 *
 * Reads /sys/bus/pci/devices/ADDRESS/config (with $PCILAYOUT_SYSFS set, the
 * same path under that directory instead of /sys: a copy of a host's sysfs
 * tree, for tests). Without root (CAP_SYS_ADMIN)
 * the kernel serves only the first 64 bytes: the rest is marked unread,
 * not invented. The slot is recorded; for a VF, the PF's slot (the physfn
 * link) and the identity the kernel gives the VF (its "vendor" and
 * "device" attributes: see &struct pcl_identity.ids_from_pf). BAR types
 * and sizes come from the "resource" attribute.
 *
 * Return: 0, -EINVAL (address malformed), -ENODEV (no such function),
 * -EACCES, -EIO, -ENOMEM.
 */
PCL_EXPORT int pcl_cfg_read_device(struct pcl_ctx *ctx, const char *address,
				   struct pcl_cfg **cfg, struct pcl_error *err);

/**
 * pcl_cfg_read_all_devices() - read every function on this machine.
 * @ctx: library context.
 * @cfgs: on success, a new array in bus order; free with pcl_cfg_list_free().
 * @count: number of functions (0 when the machine has none or no sysfs).
 * @err: optional.
 *
 * Return: 0 or a negative errno.
 */
PCL_EXPORT int pcl_cfg_read_all_devices(struct pcl_ctx *ctx,
					struct pcl_cfg ***cfgs, size_t *count,
					struct pcl_error *err);

/**
 * pcl_cfg_write_lspci() - write @cfg as lspci -xxxx -n would: a device line
 * (slot, class, IDs) and a row of hex for every 16 bytes up to
 * pcl_cfg_size(), which pcl_cfg_load() and lspci -F read back. For keeping
 * what a source showed, e.g. a function as VFIO shows it.
 * @cfg: the function.
 * @f: destination stream.
 *
 * Return: 0, -EINVAL, or -EIO when writing fails.
 */
PCL_EXPORT int pcl_cfg_write_lspci(const struct pcl_cfg *cfg, FILE *f);

/** pcl_cfg_free() - free a cfg. NULL is accepted. */
PCL_EXPORT void pcl_cfg_free(struct pcl_cfg *cfg);

/** pcl_cfg_list_free() - free @count cfgs and the array. NULL is accepted. */
PCL_EXPORT void pcl_cfg_list_free(struct pcl_cfg **cfgs, size_t count);

/**
 * pcl_cfg_data() - Return: the 4096 config-space bytes (borrowed, valid as
 * long as @cfg). Unread bytes read as 0; test them with pcl_cfg_is_read().
 */
PCL_EXPORT const uint8_t *pcl_cfg_data(const struct pcl_cfg *cfg);

/**
 * pcl_cfg_is_read() - whether every byte of [@offset, @offset + @len) was
 * really read from the source. Ranges past 4096 are never read.
 */
PCL_EXPORT bool pcl_cfg_is_read(const struct pcl_cfg *cfg, uint32_t offset,
				uint32_t len);

/**
 * pcl_cfg_size() - Return: the extent that was read: 64, 256 or 4096 for the
 * usual sources (the end of the highest read byte, rounded up to 64).
 */
PCL_EXPORT uint32_t pcl_cfg_size(const struct pcl_cfg *cfg);

/** pcl_cfg_identity() - copy the decoded identity into @id. */
PCL_EXPORT void pcl_cfg_identity(const struct pcl_cfg *cfg,
				 struct pcl_identity *id);

/** pcl_cfg_source() - Return: the source name (file, "<stdin>", address). */
PCL_EXPORT const char *pcl_cfg_source(const struct pcl_cfg *cfg);

/**
 * pcl_cfg_slot() - Return: the PCI address "dddd:bb:dd.f" (from sysfs or the
 * dump's device line), or NULL when the source gives none.
 */
PCL_EXPORT const char *pcl_cfg_slot(const struct pcl_cfg *cfg);

/** pcl_cfg_pf_slot() - Return: the PF's address for a VF, else NULL. */
PCL_EXPORT const char *pcl_cfg_pf_slot(const struct pcl_cfg *cfg);

/**
 * pcl_cfg_line() - Return: the 1-based line of the dump where this function
 * starts, or 0 for binary and sysfs sources.
 */
PCL_EXPORT uint32_t pcl_cfg_line(const struct pcl_cfg *cfg);

/**
 * pcl_cfg_set_vf() - mark @cfg as an SR-IOV VF whose PF is at @pf_slot
 * (copied; may be NULL when unknown). For sources that cannot tell, such as
 * dumps.
 *
 * Return: 0 or -ENOMEM.
 */
PCL_EXPORT int pcl_cfg_set_vf(struct pcl_cfg *cfg, const char *pf_slot);

/**
 * pcl_cfg_set_pf() - make @vf the SR-IOV VF of the PF @pf and give it the
 * identity the kernel gives a VF: vendor = @pf's Vendor ID, device = the
 * VF Device ID of @pf's SR-IOV capability, and, for BARs whose type @vf
 * does not know yet, the types of @pf's VF BARs (SR-IOV capability
 * 0x24-0x3b). For sources that cannot tell on their own, such as dumps.
 * @vf: the VF's cfg.
 * @pf: the PF's cfg (only read during the call).
 * @err: optional; says why @pf cannot be @vf's PF.
 *
 * Refused, with @vf unchanged: @pf has no readable SR-IOV capability, or
 * @vf already has a real identity (not the 0xffff a VF's registers read)
 * that differs from the one @pf gives its VFs.
 *
 * Return: 0, or -EINVAL.
 */
PCL_EXPORT int pcl_cfg_set_pf(struct pcl_cfg *vf, const struct pcl_cfg *pf,
			      struct pcl_error *err);

/** PCL_CFG_BARS - BARs a cfg describes: BAR0..BAR5 and the ROM (index 6). */
#define PCL_CFG_BARS 7
/** PCL_CFG_BAR_ROM - the index of the expansion ROM BAR. */
#define PCL_CFG_BAR_ROM 6

/* Bits of struct pcl_bar.flags. */
#define PCL_BAR_PRESENT 0x01u    /* the function implements this BAR */
#define PCL_BAR_IO 0x02u         /* I/O space (else memory) */
#define PCL_BAR_MEM64 0x04u      /* 64-bit: with the next BAR as its upper half */
#define PCL_BAR_PREFETCH 0x08u   /* prefetchable memory */
#define PCL_BAR_UPPER 0x10u      /* the upper half of the 64-bit BAR before it */
#define PCL_BAR_SIZE_KNOWN 0x20u /* @size is known (sysfs, VFIO) */

/**
 * struct pcl_bar - what a source knows of one base address register.
 * @size: size in bytes when %PCL_BAR_SIZE_KNOWN (a power of two; may
 *        exceed 4 GiB for 64-bit BARs), else 0.
 * @flags: PCL_BAR_* bits; 0 when the BAR is absent or nothing is known.
 * @reserved: 0.
 *
 * Types come from the BAR register (header type 0), from the kernel's
 * resource flags (sysfs, VFIO), or for a VF from its PF's VF BARs. A dump
 * cannot tell an unprogrammed 32-bit memory BAR (which reads 0) from an
 * absent one: such a BAR is reported absent. Sizes come only from sources
 * that know them: sysfs "resource" and VFIO region sizes.
 */
struct pcl_bar {
	uint64_t size;
	uint32_t flags;
	uint32_t reserved;
};

/**
 * pcl_cfg_bar() - copy what @cfg knows of BAR @index (0..5, or
 * %PCL_CFG_BAR_ROM) into @bar.
 *
 * Return: 0, or -EINVAL when @index is out of range (or @bar is NULL).
 */
PCL_EXPORT int pcl_cfg_bar(const struct pcl_cfg *cfg, uint32_t index,
			   struct pcl_bar *bar);

/**
 * pcl_cfg_read_vfio() - read a function's config space through VFIO.
 * @ctx: library context.
 * @device_fd: a VFIO device file descriptor (from a group's
 *             VFIO_GROUP_GET_DEVICE_FD, or a bound /dev/vfio/devices cdev);
 *             borrowed, only used during the call.
 * @address: the function's PCI address when the caller knows it, or NULL.
 *           With it, the cfg records its slot and, for a VF, its PF's
 *           (through sysfs).
 * @cfg: on success, a new cfg that the caller frees with pcl_cfg_free().
 * @err: optional.
 *
 * Reads the config region (VFIO_PCI_CONFIG_REGION_INDEX) as the kernel's
 * vfio-pci presents it: capabilities it hides are unlinked but their bytes
 * stay, and a VF's Vendor and Device IDs are the real ones. BAR and ROM
 * sizes come from the region sizes, their types from the BAR registers as
 * vfio-pci virtualizes them. Bytes the region does not cover are unread.
 *
 * Return: 0, -EBADF, -ENOTTY (not a VFIO device), -EINVAL (no readable
 * config region), -EIO, -ENOMEM.
 */
PCL_EXPORT int pcl_cfg_read_vfio(struct pcl_ctx *ctx, int device_fd,
				 const char *address, struct pcl_cfg **cfg,
				 struct pcl_error *err);

/**
 * pcl_names_device() - vendor and device names from pci.ids, in lspci's
 * wording.
 * @ctx: library context; its first lookup reads pci.ids (the file given at
 *       build time, /usr/share/misc/pci.ids by default, or the one named by
 *       $PCILAYOUT_PCI_IDS) and keeps an index of it until pcl_ctx_free().
 *       Any number of threads may look names up in one context, first
 *       lookups included.
 * @vendor_id: vendor ID.
 * @device_id: device ID.
 * @buf: destination, e.g. "Intel Corporation 82576 Gigabit Network
 *       Connection"; when pci.ids lacks the device, "Intel Corporation
 *       Device 10c9", and when it lacks the vendor, "Device 8086:10c9".
 *       An unreadable or missing file gives these fallbacks (and a warning
 *       through the log callback).
 * @size: size of @buf; longer text is cut, always NUL-terminated.
 *
 * Return: 0, -ENOENT when a fallback text was used, -EINVAL when @ctx or
 * @buf is NULL or @size is 0.
 */
PCL_EXPORT int pcl_names_device(struct pcl_ctx *ctx, uint16_t vendor_id,
				uint16_t device_id, char *buf, size_t size);

/**
 * pcl_names_class() - class name from pci.ids, in lspci's wording: the
 * subclass name, e.g. "Ethernet controller"; for an unknown subclass of a
 * known class the class name and the number, "Network controller [02ff]";
 * else "Class 02ff". Same rules as pcl_names_device().
 * @ctx: library context.
 * @class_code: 24-bit class code (base, sub, prog-if; prog-if is ignored).
 * @buf: destination.
 * @size: size of @buf.
 *
 * Return: 0, -ENOENT when the "Class 02ff" fallback was used, -EINVAL.
 */
PCL_EXPORT int pcl_names_class(struct pcl_ctx *ctx, uint32_t class_code,
			       char *buf, size_t size);

/** pcl_cfg_ctx() - Return: the context @cfg was created with. */
PCL_EXPORT struct pcl_ctx *pcl_cfg_ctx(const struct pcl_cfg *cfg);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_CFG_H */
