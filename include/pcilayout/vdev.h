/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdev.h - the runtime engine a VMM embeds to answer a guest's config-space
 * reads and writes for an assigned device, and the backends that reach the
 * physical device.
 *
 * Embedding it (see examples/vmm/ for a complete program):
 *
 *   struct pcl_guest *g;        // pcl_guest_build(ctx, layout, cfg, ...)
 *   struct pcl_vdev_backend be; // e.g. pcl_backend_ops() of a VFIO backend
 *   struct pcl_vdev *v = pcl_vdev_new(g, &be, &err);
 *   pcl_guest_free(g);          // the engine keeps its own copy
 *   pcl_vdev_set_notify(v, on_change, vmm);
 *   ...
 *   // in the VMM's config-space trap handler, under its lock:
 *   r = is_write ? pcl_vdev_write(v, off, len, val)
 *                : pcl_vdev_read(v, off, len, &val);
 *
 * or, for reads with the fast path inline in the VMM (no call for an
 * emulated read; see pcl_vdev_fastpath_read()):
 *
 *   const struct pcl_vdev_fastpath *fp = pcl_vdev_fastpath(v); // once
 *   r = pcl_vdev_fastpath_read(fp, off, len, &val);
 *
 * Threading. One engine per device. The engine takes no lock and never
 * allocates, logs or blocks on the guest-access path (pcl_vdev_read(),
 * pcl_vdev_write()); it calls only the backend and the notify callback.
 *  - pcl_vdev_read() (and pcl_vdev_fastpath_read(), the same read with
 *    its fast path inline) only reads the engine, so any number of reads
 *    may run concurrently, provided the backend's read is thread-safe
 *    (the ones here are: pread(2) on a file descriptor, or memory for the
 *    simulated device when it is not written at the same time).
 *  - pcl_vdev_write(), pcl_vdev_load(), pcl_vdev_replay(),
 *    pcl_vdev_reset() and pcl_vdev_set_notify() modify the engine or the
 *    device: each needs exclusive access
 *    (no other call on the same engine at the same time). A VMM that
 *    serializes config accesses per device with one mutex, as VMMs do,
 *    needs nothing more; a read-write lock lets reads proceed in parallel.
 *    Reads of emulated bytes are not lock-free against writes: the shadow
 *    is plain memory, so a reader racing a writer is a data race.
 *  - pcl_vdev_save() and pcl_vdev_hook() only read the engine (never the
 *    device) and may run concurrently with reads.
 *  - Different engines share nothing and may be used from any threads.
 *
 * The guest is untrusted: whatever offset, length and value it uses, the
 * engine never reads or writes outside its tables, never changes a bit
 * outside the write mask, never shows a hidden capability, and never calls
 * the backend for a physical offset the table does not pass through.
 *
 * Live migration (docs/vdev-state.md has the format and the order):
 *
 *   // source, with the device stopped:
 *   pcl_vdev_save(v, NULL, 0, &len); ... pcl_vdev_save(v, buf, len, NULL);
 *   // destination: the same layout on its own device
 *   pcl_check(layout, cfg, pf, quirks, iommu, &report);  // refuse if not ok
 *   pcl_guest_build(...); w = pcl_vdev_new(...); pcl_vdev_set_notify(w, ...);
 *   pcl_vdev_load(w, buf, len, &err);   // checks everything, no device I/O
 *   pcl_vdev_replay(w);                 // device settings + notifications
 */
#ifndef PCILAYOUT_VDEV_H
#define PCILAYOUT_VDEV_H

#include <pcilayout/cfg.h> /* PCL_CFG_SIZE, for the inline fast path */
#include <pcilayout/common.h>
#include <pcilayout/image.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_cfg;

/**
 * struct pcl_vdev_backend - how the engine reaches the physical device.
 * @read: read @len bytes at physical offset @off into *@val (little-endian
 *        value, the low @len bytes). Return 0 or a negative errno.
 * @write: write the low @len bytes of @val at @off. Return 0 or -errno.
 * @opaque: passed back to both unchanged.
 *
 * The engine only makes naturally aligned accesses of 1, 2 or 4 bytes
 * below 4096, and only at offsets its table passes through. A failing call
 * makes the guest access fail with -EIO.
 */
struct pcl_vdev_backend {
	int (*read)(void *opaque, uint32_t off, uint32_t len, uint32_t *val);
	int (*write)(void *opaque, uint32_t off, uint32_t len, uint32_t val);
	void *opaque;
};

/** struct pcl_vdev - one device's emulation engine (opaque). */
struct pcl_vdev;

/**
 * pcl_vdev_new() - create an engine running @guest.
 * @guest: the guest view; the engine copies what it needs, so @guest may be
 *         freed (or changed) afterwards.
 * @backend: the device's backend (copied; its @opaque must stay valid for
 *           the engine's life). NULL is accepted for a view without any
 *           physical byte (every access then stays in the engine); with
 *           PHYS or write-through bytes, NULL is -EINVAL.
 * @err: optional.
 *
 * Return: an engine that the caller frees with pcl_vdev_free(), or NULL
 * with errno EINVAL or ENOMEM.
 */
PCL_EXPORT struct pcl_vdev *pcl_vdev_new(const struct pcl_guest *guest,
					 const struct pcl_vdev_backend *backend,
					 struct pcl_error *err);

/** pcl_vdev_free() - free an engine. NULL is accepted. */
PCL_EXPORT void pcl_vdev_free(struct pcl_vdev *vdev);

/**
 * pcl_vdev_read() - a guest config read.
 * @vdev: the engine.
 * @off: config offset.
 * @len: 1, 2 or 4. The access may be unaligned.
 * @val: on success the value, little-endian, zero-extended.
 *
 * Emulated bytes cost no backend call. The physical bytes are read by runs
 * contiguous on the device, each in naturally aligned pieces: an aligned
 * access costs one backend call, even where it spans two capabilities, as
 * QEMU makes one pread() per guest access (the kernel's vfio-pci splits at
 * the device's own capability boundaries).
 *
 * Return: 0; -EINVAL for a NULL argument or a length other than 1, 2, 4;
 * -EFAULT when [@off, @off + @len) is not inside 0..4095; -EIO when the
 * backend fails. On failure *@val is not written.
 */
PCL_EXPORT int pcl_vdev_read(const struct pcl_vdev *vdev, uint32_t off,
			     uint32_t len, uint32_t *val);

/*
 * The read fast path, inline in the caller (issue 22). Through the shared
 * library every pcl_vdev_read() is a call through the PLT, which on its own
 * costs about as much as the fast path (BENCHMARKS.md, section 2). A VMM
 * that wants the emulated reads without a call gets, once per engine, the
 * engine's published read tables, and reads through them:
 *
 *   const struct pcl_vdev_fastpath *fp = pcl_vdev_fastpath(v);
 *   ...
 *   r = pcl_vdev_fastpath_read(fp, off, len, &val); // as pcl_vdev_read()
 *
 * pcl_vdev_fastpath_read() answers an aligned read whose bytes are all
 * emulated with a load from the engine's image, and calls pcl_vdev_read()
 * for everything else: its results, errors and backend calls are
 * pcl_vdev_read()'s, and so are its threading rules (it only reads the
 * engine). pcl_vdev_read() makes the same test with the same inline code.
 * What it reads is ABI: the layout of struct pcl_vdev_fastpath and the
 * meaning of the read bits below never change within a soname.
 */

/**
 * PCL_VDEV_FAST_READ() - the bit of struct pcl_vdev_fastpath's @read[off]
 * that says an aligned read of @len bytes (1, 2 or 4) at @off is served
 * from @image alone: the value of @len itself. Other lengths have no bit
 * (masked with 7: a length of 16 must not find the bit of another); the
 * bits above bit 2 are the engine's own.
 */
#define PCL_VDEV_FAST_READ(len) ((uint8_t)((len) & 7u))

/* The inline fast path's hint: a 4-byte read is the common one. */
#if defined(__GNUC__)
#define PCL_VDEV_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define PCL_VDEV_LIKELY(x) (x)
#endif

/**
 * struct pcl_vdev_fastpath - an engine's read tables, published for
 * pcl_vdev_fastpath_read().
 * @read: PCL_CFG_SIZE bytes, PCL_VDEV_FAST_READ() bits per offset; fixed
 *        for the engine's life.
 * @image: PCL_CFG_SIZE bytes: what the guest reads at each offset where
 *         @read says so (other bytes are the engine's own).
 * @vdev: the engine, for every other read.
 *
 * Owned by the engine: valid, at the same address and with the same
 * pointers, from pcl_vdev_new() to pcl_vdev_free(); pcl_vdev_write(),
 * pcl_vdev_reset(), pcl_vdev_load() and pcl_vdev_replay() change bytes of
 * @image, never where it is. Read-only for the caller.
 */
struct pcl_vdev_fastpath {
	const uint8_t *read;
	const uint8_t *image;
	const struct pcl_vdev *vdev;
};

/**
 * pcl_vdev_fastpath() - the read tables of @vdev, for
 * pcl_vdev_fastpath_read().
 * @vdev: the engine.
 *
 * Return: the engine's tables (see struct pcl_vdev_fastpath for how long
 * they stay valid), or NULL for a NULL @vdev.
 */
PCL_EXPORT const struct pcl_vdev_fastpath *
pcl_vdev_fastpath(const struct pcl_vdev *vdev);

/**
 * pcl_vdev_fastpath_load() - the test and load of the read fast path:
 * whether an aligned read of @len bytes at @off is served from @image
 * alone by @read, and if so its value in *@val. The one definition of it,
 * shared by pcl_vdev_fastpath_read() and pcl_vdev_read(); a caller uses
 * pcl_vdev_fastpath_read().
 * @read: PCL_CFG_SIZE bytes of PCL_VDEV_FAST_READ() bits.
 * @image: PCL_CFG_SIZE bytes.
 * @off: any offset.
 * @len: any length.
 * @val: where to store the value, little-endian, zero-extended.
 *
 * Return: true with *@val written, or false with *@val untouched.
 */
static inline bool pcl_vdev_fastpath_load(const uint8_t *read,
					  const uint8_t *image, uint32_t off,
					  uint32_t len, uint32_t *val)
{
	const uint8_t *p;

	/* Inside config space, a power of two, aligned to it, and its bit. */
	if (!(off < PCL_CFG_SIZE && !((off | len) & (len - 1u)) &&
	      (read[off] & PCL_VDEV_FAST_READ(len))))
		return false;
	p = image + off;
	/* Config space is little-endian, whatever the host is. */
	if (PCL_VDEV_LIKELY(len == 4))
		*val = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	else if (len == 2)
		*val = (uint32_t)p[0] | (uint32_t)p[1] << 8;
	else
		*val = p[0];
	return true;
}

/**
 * pcl_vdev_fastpath_read() - pcl_vdev_read(), with its fast path inline.
 * @fp: pcl_vdev_fastpath() of the engine; NULL reads as a NULL engine.
 * @off: config offset.
 * @len: 1, 2 or 4.
 * @val: on success the value.
 *
 * Return: what pcl_vdev_read(@fp->vdev, @off, @len, @val) returns.
 */
static inline int pcl_vdev_fastpath_read(const struct pcl_vdev_fastpath *fp,
					 uint32_t off, uint32_t len,
					 uint32_t *val)
{
	if (PCL_VDEV_LIKELY(fp && val &&
			    pcl_vdev_fastpath_load(fp->read, fp->image, off,
						   len, val)))
		return 0;
	return pcl_vdev_read(fp ? fp->vdev : NULL, off, len, val);
}

/**
 * pcl_vdev_write() - a guest config write.
 * @vdev: the engine.
 * @off: config offset.
 * @len: 1, 2 or 4 (split as for pcl_vdev_read()).
 * @val: the value; bits above @len bytes are ignored.
 *
 * Bits outside the write mask are kept; RW1C bits are cleared by writing 1.
 * Physical bytes whose writable bits are a part of the byte are written with
 * a read-modify-write. MSI Multiple Message Enable is clamped to Multiple
 * Message Capable. Hooked registers whose value changed are reported to
 * the notify callback after the whole access is applied, in offset order.
 *
 * A 1 written to an Initiate FLR bit (%PCL_HOOK_FLR) resets the function
 * as far as the engine goes: every emulated byte and every kept setting
 * returns to its initial value (as pcl_vdev_reset()); each hooked register
 * that changed is reported (e.g. MSI-X disabled, the BARs cleared, bus
 * master off), then the %PCL_HOOK_FLR event itself, whose @new_value has
 * the FLR bit set. The FLR bit never reaches the device: on that event the
 * VMM resets the device (VFIO_DEVICE_RESET, which is what the kernel's
 * vfio-pci does for its own FLR bit). The bit reads 0.
 *
 * Return: 0; -EINVAL, -EFAULT as for pcl_vdev_read(); -EIO when the
 * backend fails. On failure the emulated state is unchanged (no part of the
 * access is applied to it) and no callback runs; when a split access
 * fails after an earlier part reached the device, that part stays written,
 * as on a real bus.
 */
PCL_EXPORT int pcl_vdev_write(struct pcl_vdev *vdev, uint32_t off,
			      uint32_t len, uint32_t val);

/**
 * struct pcl_vdev_event - a hooked register changed.
 * @hook: an enum pcl_hook value.
 * @index: which hook of the view (as returned by pcl_guest_add_hook()).
 * @offset: the register's config offset (e.g. the MSI-X capability + 2).
 * @width: the register's width in bytes.
 * @old_value: its value before the write (pcl_vdev_replay(),
 *             pcl_vdev_hook(): its initial value, the one after reset).
 * @new_value: its value after the write.
 *
 * A value holds the bits the engine keeps (image.h): of a %PCL_HOOK_PM
 * register, the power state (bits 1:0) and the data select; the device's
 * own bits read 0 there.
 */
struct pcl_vdev_event {
	uint32_t hook;
	uint32_t index;
	uint32_t offset;
	uint32_t width;
	uint32_t old_value;
	uint32_t new_value;
};

/**
 * typedef pcl_vdev_notify_fn - called from pcl_vdev_write() for each hooked
 * register the write changed, and from pcl_vdev_replay(). The engine is
 * consistent when it runs: the callback may call pcl_vdev_read() (e.g. to
 * fetch the MSI address) and pcl_vdev_hook(), but not pcl_vdev_write(),
 * pcl_vdev_load() or pcl_vdev_replay() on the same engine.
 */
typedef void (*pcl_vdev_notify_fn)(void *opaque,
				   const struct pcl_vdev_event *event);

/** pcl_vdev_set_notify() - install (or with NULL remove) the callback. */
PCL_EXPORT void pcl_vdev_set_notify(struct pcl_vdev *vdev,
				    pcl_vdev_notify_fn fn, void *opaque);

/**
 * pcl_vdev_reset() - return every emulated byte and every kept setting to
 * its initial value, as a function-level reset does. Does not touch the
 * device and reports nothing (the caller is the one resetting).
 */
PCL_EXPORT void pcl_vdev_reset(struct pcl_vdev *vdev);

/**
 * pcl_vdev_hook() - enumerate the hooked registers and their state.
 * @vdev: the engine.
 * @index: 0 .. the number of hooks - 1.
 * @ev: receives the register (@hook, @index, @offset, @width), its initial
 *      value in @old_value and its current value in @new_value.
 *
 * What a VMM must establish for the current state, whenever it wants it
 * (pcl_vdev_replay() reports the same through the notify callback). Never
 * touches the device.
 *
 * Return: 0, -ENOENT when @index is past the last hook, -EINVAL for NULL.
 */
PCL_EXPORT int pcl_vdev_hook(const struct pcl_vdev *vdev, uint32_t index,
			     struct pcl_vdev_event *ev);

/** pcl_vdev_fingerprint() - Return: the fingerprint of the view (borrowed). */
PCL_EXPORT const char *pcl_vdev_fingerprint(const struct pcl_vdev *vdev);

/**
 * pcl_vdev_save() - the guest's state as a self-describing blob.
 * @vdev: the engine.
 * @buf: destination, or NULL to ask for the size.
 * @size: size of @buf.
 * @needed: on return (success or -ENOSPC), the blob's size.
 *
 * The blob (format in docs/vdev-state.md): magic "PCLVDEV\0", version 2,
 * length, then tagged records - the layout's fingerprint, every guest
 * byte's emulation rule, the hooked registers, the guest's state (each
 * emulated byte as the guest last saw it and each setting it wrote) - and
 * a CRC-32 of all of it. It holds no pointer, no host-endian value, no
 * physical offset and no byte the device serves itself, so it can move to
 * another device. Never touches the device.
 *
 * Return: 0, -EINVAL, or -ENOSPC when @buf is NULL or too small.
 */
PCL_EXPORT int pcl_vdev_save(const struct pcl_vdev *vdev, void *buf,
			     size_t size, size_t *needed);

/**
 * pcl_vdev_load() - restore state saved by pcl_vdev_save(), possibly on
 * another device.
 * @vdev: an engine built from the same layout, on this host's device
 *        (which pcl_check() accepts for the layout).
 * @buf: the blob.
 * @len: its length.
 * @err: optional; says what is wrong, with the guest offset where one is
 *       involved.
 *
 * The blob is checked in full before anything is changed: its framing and
 * checksum; the fingerprint against @vdev's (the same layout); the hooked
 * registers and every guest byte's rule against @vdev's (the same
 * emulation: these differ between devices check accepts only when the
 * BARs have other sizes); every saved bit a guest could not have written
 * must equal @vdev's initial value, except a device fact's
 * (%PCL_GUEST_DEVICE_FACT), which keeps the value the guest saw. Device
 * bytes differing between the two devices never matter. The device is not
 * touched: call pcl_vdev_replay() next.
 *
 * Return: 0; -EINVAL (truncated, corrupted, another version, another
 * layout or other rules, unreachable state), with @vdev unchanged.
 */
PCL_EXPORT int pcl_vdev_load(struct pcl_vdev *vdev, const void *buf,
			     size_t len, struct pcl_error *err);

/**
 * pcl_vdev_replay() - re-establish the loaded state on this device and tell
 * the VMM what it must re-establish itself.
 * @vdev: the engine, after pcl_vdev_load() (or at any time: it replays the
 *        current state).
 *
 * In this order (docs/vdev-state.md):
 *  1. every device setting the guest owns (PCL_GUEST_REPLAY bytes: cache
 *     line size, latency timer, PCI Express Device Control and Device
 *     Control 2, AER masks and severities, ...) except the power state is
 *     written to the device, by offset, each byte read-modify-write;
 *  2. each BAR, then MSI, MSI-X and PASID control register whose value
 *     differs from its initial one is reported to the notify callback
 *     (old value: the initial one), by offset: the VMM maps the BARs and
 *     sets up the interrupts and PASID binding;
 *  3. the write-through registers (the command register) are written to
 *     the device, then reported: memory and I/O decoding and bus mastering
 *     start once the rest is in place;
 *  4. the power state (and data select) is written, then reported: a
 *     D3hot entered last cannot undo the settings.
 * The device is assumed in D0, as VFIO leaves a device it opens.
 *
 * Return: 0, -EINVAL for NULL, or -EIO when the backend fails (what was
 * written stays written; the engine is unchanged).
 */
PCL_EXPORT int pcl_vdev_replay(struct pcl_vdev *vdev);


/*
 * Backends. A struct pcl_backend owns whatever reaches the device (memory,
 * a file descriptor); pcl_backend_ops() gives the function table for
 * pcl_vdev_new(). Backends, like engines, are one per device.
 */

/** struct pcl_backend - a device backend (opaque). */
struct pcl_backend;

/**
 * pcl_backend_sim_new() - a simulated device holding the bytes of @cfg.
 * @cfg: the initial contents (copied; bytes that were not read are 0).
 *
 * The simulation models what tests and demos need, not a whole device:
 * the identity registers, the capability pointer, interrupt pin, and every
 * capability header found by walking @cfg are read-only; the status
 * register's error bits (0x07: bits 8, 11-15), the PCI Express Device
 * Status error bits and the AER Uncorrectable and Correctable Error Status
 * registers are RW1C; every other byte reads and writes like memory.
 *
 * Return: a backend that the caller frees with pcl_backend_free(), or NULL
 * with errno EINVAL or ENOMEM.
 */
PCL_EXPORT struct pcl_backend *pcl_backend_sim_new(const struct pcl_cfg *cfg);

/**
 * pcl_backend_sim_data() - Return: the simulated device's 4096 current
 * bytes (borrowed; NULL when @be is not simulated).
 */
PCL_EXPORT const uint8_t *pcl_backend_sim_data(const struct pcl_backend *be);

/**
 * pcl_backend_sim_poke() - change device bytes as the device itself would
 * (e.g. raise a status bit), bypassing the read-only and RW1C rules.
 * Return: 0, or -EINVAL (not simulated, or out of range).
 */
PCL_EXPORT int pcl_backend_sim_poke(struct pcl_backend *be, uint32_t off,
				    const uint8_t *bytes, uint32_t len);

/**
 * struct pcl_backend_stats - accesses a backend has served.
 * @reads: read calls.
 * @writes: write calls.
 * @errors: calls that failed.
 */
struct pcl_backend_stats {
	uint64_t reads;
	uint64_t writes;
	uint64_t errors;
};

/** pcl_backend_stats() - copy the access counters of @be into @stats. */
PCL_EXPORT void pcl_backend_stats(const struct pcl_backend *be,
				  struct pcl_backend_stats *stats);

/* Flags of pcl_backend_sysfs_new(). */
#define PCL_BACKEND_WRITABLE 0x01u /* open for writing too (needs root) */

/**
 * pcl_backend_sysfs_new() - the device's sysfs "config" file.
 * @address: "dddd:bb:dd.f" or "bb:dd.f".
 * @flags: PCL_BACKEND_WRITABLE to allow writes. Without it the backend is
 *         read-only and every write fails with -EPERM (-EIO to the guest).
 * @err: optional; names the file on failure.
 *
 * Without root, the kernel serves only the first 64 bytes of the file
 * (the rest reads as nothing): reads there fail with -EIO rather than
 * inventing bytes.
 *
 * Return: a backend that the caller frees with pcl_backend_free(), or NULL
 * with errno EINVAL, ENODEV, EACCES, or another open(2) error.
 */
PCL_EXPORT struct pcl_backend *pcl_backend_sysfs_new(const char *address,
						     uint32_t flags,
						     struct pcl_error *err);

/**
 * pcl_backend_vfio_new() - the config region of a VFIO device.
 * @fd: a VFIO device file descriptor (VFIO_GROUP_GET_DEVICE_FD or a cdev);
 *      borrowed: the caller keeps it open for the backend's life and
 *      closes it.
 * @err: optional.
 *
 * Finds the region with VFIO_DEVICE_GET_REGION_INFO (index
 * VFIO_PCI_CONFIG_REGION_INDEX), then reads and writes with pread(2) and
 * pwrite(2) at the region's offset plus the physical offset. The kernel
 * applies its own permissions below this backend.
 *
 * Return: a backend that the caller frees with pcl_backend_free(), or NULL
 * with errno EBADF, ENOTTY (not a VFIO device), EINVAL (no readable config
 * region), ENOMEM.
 */
PCL_EXPORT struct pcl_backend *pcl_backend_vfio_new(int fd,
						    struct pcl_error *err);

/**
 * pcl_backend_ops() - fill @ops with the function table of @be, for
 * pcl_vdev_new(). @ops->opaque points to @be.
 */
PCL_EXPORT void pcl_backend_ops(struct pcl_backend *be,
				struct pcl_vdev_backend *ops);

/** pcl_backend_free() - free a backend. NULL is accepted. */
PCL_EXPORT void pcl_backend_free(struct pcl_backend *be);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_VDEV_H */
