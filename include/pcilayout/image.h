/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * image.h - the guest view of a device's config space: the initial 4096
 * guest-visible bytes (the "guest image") and, for every byte, the rule that
 * says where guest reads come from and what guest writes may change (the
 * "access table"). The runtime engine (vdev.h) executes a guest view; the
 * synth command writes its image for lspci -F.
 *
 * A guest view is normally built from a layout and the device's cfg with
 * pcl_guest_build(). It can also be built byte by byte with pcl_guest_new()
 * and pcl_guest_set(), for a VMM that has its own notion of a layout, and for
 * tests. The engine enforces the table; it never second-guesses it.
 *
 * Per-byte model (one struct pcl_guest_rule per config byte):
 *
 *   source   where reads come from:
 *            SHADOW  the engine's copy (initialised from the image);
 *            PHYS    the device, at physical offset @phys, except the bits
 *                    in @vmask, which come from the shadow (e.g. CAP_LIST
 *                    in the status register);
 *            CONST   the image byte, forever (hidden and unclaimed bytes).
 *   wmask    bits a guest write may change; every other bit is kept.
 *   w1c      write-1-to-clear bits. SHADOW: a subset of @wmask, cleared in
 *            the shadow when the guest writes 1. PHYS: bits the device
 *            clears when written with 1; the engine passes the guest's bit
 *            when it is in @wmask and writes 0 otherwise, so that a
 *            read-modify-write never clears a bit the guest did not ask to.
 *   flags    PCL_GUEST_WRITE_THROUGH (SHADOW only): every guest write
 *            that covers the byte also writes the byte's new shadow value
 *            to the device at @phys (the command register works this way).
 *            PCL_GUEST_REPLAY (PHYS only): the device bits a guest may
 *            write (@wmask, not @vmask, not @w1c) are settings (Device
 *            Control, AER masks, the power state): the engine keeps the
 *            guest's value of them in its state, so that they migrate and
 *            pcl_vdev_replay() can write them to another device.
 *            PCL_GUEST_DEVICE_FACT (SHADOW only): the initial value copies
 *            a register of this device or host (an identity register, the
 *            MSI-X table's location, a PF's serial number): another device
 *            that realizes the same layout may show another value, and a
 *            restored state keeps the value the guest saw.
 *            PCL_GUEST_UNCLAIMED (CONST or PHYS, no @vmask): the byte is
 *            outside what the layout presents (layout-format 5.5), so its
 *            rule is the unclaimed policy on this device - its bytes, the
 *            fill, or the header of a capability it does not show as QEMU
 *            leaves it - and may differ on another device; it holds no
 *            state.
 *   hook     a registered hook (pcl_guest_add_hook()) whose register holds
 *            this byte; the engine tells the VMM when its value changes.
 *            A hooked PHYS byte's value is its @vmask bits and, with
 *            PCL_GUEST_REPLAY, its settings bits (the rest reads 0).
 *
 * Writes to PHYS bytes reach the device only for bits in @wmask and not in
 * @vmask; bytes with no such bit are never written to the device.
 */
#ifndef PCILAYOUT_IMAGE_H
#define PCILAYOUT_IMAGE_H

#include <stdio.h>

#include <pcilayout/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;
struct pcl_layout;

/** struct pcl_guest - a guest view: image + access table (opaque). */
struct pcl_guest;

/** enum pcl_guest_source - where a byte's guest reads come from. */
enum pcl_guest_source {
	PCL_GUEST_CONST = 0,  /* the image byte; never changes */
	PCL_GUEST_SHADOW = 1, /* the engine's emulated copy */
	PCL_GUEST_PHYS = 2,   /* the device at @phys (bits in @vmask: shadow) */
};

/* Bits of struct pcl_guest_rule.flags (see the top of this file). */
#define PCL_GUEST_WRITE_THROUGH 0x01u /* SHADOW: mirror writes to @phys */
#define PCL_GUEST_REPLAY 0x02u        /* PHYS: writable device bits are settings */
#define PCL_GUEST_DEVICE_FACT 0x04u   /* SHADOW: initial value is the device's */
#define PCL_GUEST_UNCLAIMED 0x08u     /* CONST, PHYS: the unclaimed policy */

/**
 * enum pcl_hook - registers whose changes a VMM must act on.
 * @PCL_HOOK_NONE: no hook.
 * @PCL_HOOK_COMMAND: the command register (0x04, 2 bytes): memory/IO
 *                    decode, bus master, INTx disable.
 * @PCL_HOOK_MSI: MSI Message Control (cap + 2, 2 bytes): enable, vectors.
 * @PCL_HOOK_MSIX: MSI-X Message Control (cap + 2, 2 bytes): enable and
 *                 function mask.
 * @PCL_HOOK_PASID: PASID Control (cap + 6, 2 bytes) of a virtual PASID.
 * @PCL_HOOK_BAR: a base address register (4 bytes) or the ROM BAR.
 * @PCL_HOOK_PM: Power Management Control/Status (cap + 4, 2 bytes): the
 *               power state (bits 1:0) and the data select.
 * @PCL_HOOK_FLR: a 1-byte register holding an Initiate Function Level
 *                Reset bit (PCI Express Device Control + 1, Advanced
 *                Features Control): its emulated writable bits (SHADOW:
 *                @wmask; PHYS: @wmask & @vmask) are the FLR bits. Writing
 *                1 to one resets the engine's emulated state instead of
 *                changing the register (see pcl_vdev_write()); it reads 0.
 *
 * For an MSI hook the engine also clamps Multiple Message Enable (bits
 * 6:4 of the register's first byte) to Multiple Message Capable (bits
 * 3:1), as the kernel's vfio-pci does.
 */
enum pcl_hook {
	PCL_HOOK_NONE = 0,
	PCL_HOOK_COMMAND = 1,
	PCL_HOOK_MSI = 2,
	PCL_HOOK_MSIX = 3,
	PCL_HOOK_PASID = 4,
	PCL_HOOK_BAR = 5,
	PCL_HOOK_PM = 6,
	PCL_HOOK_FLR = 7,
};

/** PCL_GUEST_MAX_HOOKS - hooked registers one guest view can have. */
#define PCL_GUEST_MAX_HOOKS 32

/**
 * struct pcl_guest_rule - the access rule of one config byte (see the top
 * of this file).
 * @source: an enum pcl_guest_source value.
 * @wmask: guest-writable bits.
 * @w1c: write-1-to-clear bits.
 * @vmask: PHYS: bits served from the shadow; 0 for other sources.
 * @flags: PCL_GUEST_* bits.
 * @hook: 0, or 1 + the index returned by pcl_guest_add_hook().
 * @phys: PHYS, and SHADOW with PCL_GUEST_WRITE_THROUGH: physical offset.
 */
struct pcl_guest_rule {
	uint8_t source;
	uint8_t wmask;
	uint8_t w1c;
	uint8_t vmask;
	uint8_t flags;
	uint8_t hook;
	uint16_t phys;
};

/**
 * pcl_guest_new() - an empty guest view: every byte CONST 0, one segment.
 * @ctx: library context (borrowed; must outlive the view).
 *
 * Return: a view that the caller frees with pcl_guest_free(), or NULL with
 * errno ENOMEM.
 */
PCL_EXPORT struct pcl_guest *pcl_guest_new(struct pcl_ctx *ctx);

/** pcl_guest_free() - free a guest view. NULL is accepted. */
PCL_EXPORT void pcl_guest_free(struct pcl_guest *guest);

/**
 * pcl_guest_set() - give bytes [@off, @off + @len) a rule and initial values.
 * @guest: the view.
 * @off: first byte, below 4096.
 * @len: number of bytes; @off + @len <= 4096.
 * @rule: the rule of the first byte; byte i gets the same rule with
 *        @rule->phys + i as its physical offset.
 * @init: @len initial image bytes, or NULL to keep the current ones.
 *
 * Return: 0, or -EINVAL when the range or the rule is invalid: an unknown
 * source or flag; CONST with any mask, hook or flag but
 * PCL_GUEST_UNCLAIMED; SHADOW with @w1c outside @wmask, with @vmask, with
 * PCL_GUEST_REPLAY or PCL_GUEST_UNCLAIMED, or write-through with @w1c;
 * PHYS with write-through, PCL_GUEST_DEVICE_FACT or @w1c overlapping
 * @vmask; PCL_GUEST_UNCLAIMED with @vmask, PCL_GUEST_REPLAY or a hook; a
 * physical offset past 4095; a hook outside its registered register, or
 * on a PHYS byte with neither @vmask nor PCL_GUEST_REPLAY.
 */
PCL_EXPORT int pcl_guest_set(struct pcl_guest *guest, uint32_t off,
			     uint32_t len, const struct pcl_guest_rule *rule,
			     const uint8_t *init);

/**
 * pcl_guest_set_segment() - make [@off, @off + @len) one segment: the span
 * of one capability of the view. The segments are part of what an engine's
 * saved state records and a load checks (docs/vdev-state.md); they do not
 * split accesses (pcl_vdev_read()). Bytes never put in a segment form one
 * segment per dword.
 *
 * Return: 0, or -EINVAL for an empty or out-of-range span.
 */
PCL_EXPORT int pcl_guest_set_segment(struct pcl_guest *guest, uint32_t off,
				     uint32_t len);

/**
 * pcl_guest_add_hook() - register a hooked register.
 * @guest: the view.
 * @hook: an enum pcl_hook value other than PCL_HOOK_NONE.
 * @off: the register's first byte.
 * @width: 1, 2 or 4; the register may not cross a dword boundary.
 *
 * Then give the register's bytes the returned index + 1 in their rule's
 * @hook (pcl_guest_set() checks they are inside the register). A
 * %PCL_HOOK_FLR register is 1 byte wide.
 *
 * Return: the hook's index (0..%PCL_GUEST_MAX_HOOKS - 1), -EINVAL, or
 * -ENOSPC when the view has %PCL_GUEST_MAX_HOOKS hooks.
 */
PCL_EXPORT int pcl_guest_add_hook(struct pcl_guest *guest, int hook,
				  uint32_t off, uint32_t width);

/**
 * pcl_guest_set_fingerprint() - name the layout this view realizes (copied,
 * at most %PCL_GUEST_FINGERPRINT_SIZE - 1 characters). Saved engine state
 * carries it, and loading checks it. pcl_guest_build() sets it to the
 * layout's fingerprint.
 *
 * Return: 0, or -EINVAL when too long.
 */
PCL_EXPORT int pcl_guest_set_fingerprint(struct pcl_guest *guest,
					 const char *fingerprint);

/** PCL_GUEST_FINGERPRINT_SIZE - room for a fingerprint with its NUL. */
#define PCL_GUEST_FINGERPRINT_SIZE 72

/** pcl_guest_fingerprint() - Return: the fingerprint ("" when unset). */
PCL_EXPORT const char *pcl_guest_fingerprint(const struct pcl_guest *guest);

/**
 * pcl_guest_image() - Return: the 4096 initial guest-visible bytes
 * (borrowed, valid until the view changes or is freed). PHYS bytes hold the
 * device's value when the view was built (from the cfg), so the image is
 * what a guest would read first.
 */
PCL_EXPORT const uint8_t *pcl_guest_image(const struct pcl_guest *guest);

/**
 * pcl_guest_rule() - copy the rule of byte @off into @rule.
 * Return: 0, or -EINVAL when @off > 4095.
 */
PCL_EXPORT int pcl_guest_rule(const struct pcl_guest *guest, uint32_t off,
			      struct pcl_guest_rule *rule);

/**
 * pcl_guest_rules() - the rules of all 4096 bytes at once, in offset order:
 * what pcl_guest_rule() copies out one by one, for a caller that compiles
 * the table into its own form or compares two views.
 * Return: the array (borrowed, valid until the view changes or is freed),
 * or NULL with errno EINVAL when @guest is NULL.
 */
PCL_EXPORT const struct pcl_guest_rule *
pcl_guest_rules(const struct pcl_guest *guest);

/**
 * pcl_guest_segment_end() - Return: the end (exclusive) of the segment that
 * holds byte @off, or 0 when @off > 4095.
 */
PCL_EXPORT uint32_t pcl_guest_segment_end(const struct pcl_guest *guest,
					  uint32_t off);

/**
 * struct pcl_guest_options - what the layout and the cfg cannot say.
 * @bar_size: size in bytes of each BAR, from the VMM. For a 64-bit BAR give
 *            the size at its low index and 0 at the high one. All zero
 *            (and @rom_size 0): the sizes the cfg knows (pcl_cfg_bar():
 *            sysfs and VFIO sources know them), unless
 *            %PCL_GUEST_OPT_NO_BAR_SIZING. A BAR without a size is not
 *            emulated: with no size at all, BARs are read-only copies of
 *            the image and the VMM handles 0x10-0x27 and 0x30-0x33 itself.
 * @rom_size: size of the expansion ROM, or 0 (see @bar_size).
 * @pf_serial: the PF's Device Serial Number, used by a virtual DSN entry
 *             with "from-pf".
 * @flags: PCL_GUEST_OPT_* bits.
 *
 * Initialise with memset() to 0: that is the neutral value of every field.
 */
struct pcl_guest_options {
	uint64_t bar_size[6];
	uint64_t rom_size;
	uint64_t pf_serial;
	uint32_t flags;
	uint32_t reserved;
};

/* Bits of struct pcl_guest_options.flags. */
#define PCL_GUEST_OPT_PF_SERIAL 0x01u /* @pf_serial is valid */
#define PCL_GUEST_OPT_NO_BAR_SIZING 0x02u /* ignore the cfg's BAR sizes */

/**
 * pcl_guest_build() - the guest view a layout gives a device.
 * @ctx: library context.
 * @layout: a valid layout (borrowed; only read during the call).
 * @cfg: the device's config space (borrowed; only read during the call).
 * @opts: optional (NULL = all defaults).
 * @guest: on success, a new view that the caller frees with
 *         pcl_guest_free().
 * @err: optional; says what in the layout the device cannot realize.
 *
 * The image: header copied from @cfg; presented physical capabilities
 * copied from their physical offsets to their guest offsets; the
 * capability pointer and every next pointer rewritten to the layout's
 * link order (docs/layout-format.md 4.4); virtual capabilities
 * synthesized; hidden capabilities absent from the chains;
 * Status.CAP_LIST set exactly when the standard chain is not empty; a Null
 * extended capability at 0x100 when the layout puts nothing there but has
 * extended entries. Bytes outside
 * presented entries follow the layout's unclaimed policy
 * (PCL_GUEST_UNCLAIMED; docs/layout-format.md 5.4, 5.5): those of a hidden
 * or unmentioned capability and of an orphan too, a hidden capability's
 * registers being written only as vfio-pci lets them be for its ID; its
 * header (2 bytes, extended: 4) reads the fill under "zero" and "ones",
 * and under "passthrough" as QEMU shows it: the device's ID and version
 * with next pointer 0 where vfio-pci links the capability in, the device's
 * bytes where vfio-pci unlinks it (an orphan of its view); the physical bytes of a presented capability are reached
 * only through its entry (the old home of a relocated one reads the
 * fill). How far a capability's bytes reach is measured on vfio-pci's
 * view of @cfg where the view has it (the view a plan is made on), so a
 * device read in full and read through vfio-pci give the same view.
 *
 * The table (what the engine enforces): the kernel's vfio-pci permissions
 * (drivers/vfio/pci/vfio_pci_config.c), with what a VMM emulates on top.
 *  - header: IDs, revision, class, header type, subsystem, interrupt pin
 *    emulated read-only copies (device facts); capability pointer
 *    emulated; command emulated with write-through and a hook (writable:
 *    I/O, memory, bus master, parity, SERR, INTx disable); status from the
 *    device, read-only, with CAP_LIST emulated; cache line size, latency
 *    timer (settings) and BIST from and to the device; interrupt line
 *    emulated read-write; BARs and ROM: see struct pcl_guest_options.
 *  - capability headers (ID and next; the whole first dword of an
 *    extended one) emulated read-only.
 *  - presented physical capabilities, by ID: PM (PME_Support, PME_En and
 *    PME_Status emulated as 0; the power state and data select written to
 *    the device, settings, hook %PCL_HOOK_PM); PCI Express (Device Control
 *    but Phantom Functions writable, Max_Payload_Size emulated, Initiate
 *    FLR emulated with hook %PCL_HOOK_FLR; Device Control 2 but ARI;
 *    settings; the rest read-only, Link Control included); Advanced
 *    Features (FLR, %PCL_HOOK_FLR); AER (status bits cleared, masks,
 *    severities and ECRC enables written, as the kernel lists them); VPD
 *    address and data, PCI-X command and ECC, Power Budgeting data
 *    writable; vendor-specific, VSEC, DVSEC and the IDs the kernel hides
 *    read and written through; every other ID read-only. MSI (emulated;
 *    enable, Multiple Message Enable - clamped to Capable - address, data
 *    and mask writable; hook) and MSI-X (emulated; enable and function
 *    mask writable; hook): a VMM programs the real interrupts itself, as
 *    QEMU does.
 *  - virtual capabilities: emulated; PASID Control's enable bit and, when
 *    the capability register advertises them, execute and privileged
 *    enables are writable (hook); everything else read-only.
 *  - the policy bytes "zero" and "ones", and the fill: constant.
 *
 * Return: 0; -EINVAL when the layout is invalid, is a quirk, or names a
 * physical capability the device does not have (or at another offset than
 * pinned, or with a different length); -ENOMEM.
 */
PCL_EXPORT int pcl_guest_build(struct pcl_ctx *ctx,
			       const struct pcl_layout *layout,
			       const struct pcl_cfg *cfg,
			       const struct pcl_guest_options *opts,
			       struct pcl_guest **guest, struct pcl_error *err);

/**
 * pcl_guest_write_lspci() - write the image as an "lspci -xxxx" dump that
 * "lspci -F" reads back.
 * @guest: the view.
 * @f: destination stream.
 * @slot: the device line's address, e.g. "00:02.0"; NULL = "00:00.0".
 *
 * Return: 0, or -EIO when writing fails.
 */
PCL_EXPORT int pcl_guest_write_lspci(const struct pcl_guest *guest, FILE *f,
				     const char *slot);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_IMAGE_H */
