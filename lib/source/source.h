/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * source.h - private to lib/source: the layout of struct pcl_cfg and the
 * helpers the readers (dump.c, sysfs.c) use to fill one before it is handed
 * out, and the read map's extent (lib/walk). Once returned to a caller a
 * cfg's bytes and read map never change; pcl_cfg_set_vf() and
 * pcl_cfg_set_pf() change its identity.
 */
#ifndef PCL_SOURCE_H
#define PCL_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* "dddd:bb:dd.f" with a domain of up to 8 hex digits, plus NUL. */
#define PCL_SLOT_MAX 20

/* What a cfg keeps of what later stages derive from it (pcl_cfg_lazy()). */
enum pcl_cfg_lazy_slot {
	PCL_CFG_LAZY_WALK,    /* its walk and vfio-pci view (lib/walk/memo.c) */
	PCL_CFG_LAZY_HAZARDS, /* its own hazards (lib/hazard/hazard.c) */
	PCL_CFG_LAZY_COUNT
};

/*
 * Sized for holding many at once (a fleet survey keeps ~100,000): the data
 * and a one-bit-per-byte read map inline, the source name in the same
 * allocation, no other heap pointers.
 */
struct pcl_cfg {
	uint8_t data[PCL_CFG_SIZE];
	uint8_t read[PCL_CFG_SIZE / 8];
	struct pcl_ctx *ctx;
	struct pcl_identity id;
	struct pcl_bar bar[PCL_CFG_BARS];
	uint32_t line;
	uint32_t size;
	uint32_t read_prefix; /* bytes [0, read_prefix) all read: the fast path */
	uint32_t read_end;    /* no byte at or past it was read: the other one */
	char slot[PCL_SLOT_MAX];
	char pf_slot[PCL_SLOT_MAX];
	/* See pcl_cfg_lazy(). */
	_Atomic(struct pcl_cfg_lazy *) lazy[PCL_CFG_LAZY_COUNT];
	struct pcl_cfg_lazy *retired;
	char source[]; /* NUL-terminated */
};

/*
 * What a later stage derives from a cfg alone, made on first use and kept
 * with the cfg, so that the planner, the hazard map, check and the guest
 * builder, called one after another on the same cfg, do not each derive
 * it again. The object begins with this header; @destroy frees it. A
 * change of identity (pcl_cfg_set_vf(), pcl_cfg_set_pf()) retires the
 * objects rather than freeing them: what was derived from them may still
 * be borrowed (a hazard map borrows the walk), so retired objects live
 * until pcl_cfg_free(), which frees the later slot's first (a slot's
 * object may borrow an earlier slot's, never the other way round).
 */
struct pcl_cfg_lazy {
	void (*destroy)(struct pcl_cfg_lazy *self);
	struct pcl_cfg_lazy *retired; /* the next one on the cfg's list */
};

/*
 * pcl_cfg_lazy() - @cfg's object of @slot, made by @make(@cfg) on the
 * first call.
 * Threads may make their first calls at once: each makes one, the first
 * to publish it wins, the others destroy theirs. Return: the object, or
 * NULL with errno set when @make failed (nothing kept: the next call tries
 * again).
 */
struct pcl_cfg_lazy *pcl_cfg_lazy(const struct pcl_cfg *cfg,
				  enum pcl_cfg_lazy_slot slot,
				  struct pcl_cfg_lazy *(*make)(const struct pcl_cfg *));

/* A zeroed cfg with nothing read; NULL with errno = ENOMEM. */
struct pcl_cfg *pcl_cfg_alloc(struct pcl_ctx *ctx, const char *source);

/* Mark [off, off + len) read; the caller has stored the bytes in data[]. */
void pcl_cfg_mark_read(struct pcl_cfg *cfg, uint32_t off, uint32_t len);

/*
 * Compute the size and decode the identity and BAR types from the header,
 * once all bytes are in. Sources that know more (the kernel's VF identity,
 * BAR sizes) record it afterwards.
 */
void pcl_cfg_finish(struct pcl_cfg *cfg);

/*
 * The read map's extent: every byte below *@prefix was read, none at or
 * past *@end was (lib/walk's vfio-pci view keeps the prefix, and differs
 * from the device when read bytes lie past it).
 */
void pcl_cfg_read_extent(const struct pcl_cfg *cfg, uint32_t *prefix,
			 uint32_t *end);

/* Record the identity the kernel gives a VF (see struct pcl_identity). */
void pcl_cfg_set_vf_ids(struct pcl_cfg *cfg, uint16_t vendor, uint16_t device);

/*
 * Call @fn(@opaque, offset) for each capability header of chain @space
 * (PCL_SPACE_STANDARD or PCL_SPACE_EXTENDED) in @cfg's read bytes, in
 * chain order, with the bounds of Linux's walkers (48 and 480 hops), until
 * @fn returns nonzero; returns that value, or 0. For the few facts a source
 * needs (identity, a PF's SR-IOV capability, vfio-pci's rewritten headers);
 * everything else uses lib/walk, which also reports what is broken.
 */
int pcl_cfg_each_cap(const struct pcl_cfg *cfg, int space,
		     int (*fn)(void *opaque, uint32_t pos), void *opaque);

/* Offset of the first capability @id of chain @space, or 0. */
uint32_t pcl_cfg_find_cap(const struct pcl_cfg *cfg, int space, uint16_t id);

/*
 * Parse a PCI address "[dddd:]bb:dd.f" occupying exactly @len bytes of @s.
 * The domain has 4..8 hex digits, bus and device exactly 2, function one
 * octal digit; device <= 0x1f. Returns 0 and the fields, or -EINVAL.
 */
int pcl_slot_parse(const char *s, size_t len, uint32_t *domain, uint8_t *bus,
		   uint8_t *dev, uint8_t *fn);

/* Format the canonical "dddd:bb:dd.f" into @buf (PCL_SLOT_MAX bytes). */
void pcl_slot_format(char *buf, uint32_t domain, uint8_t bus, uint8_t dev,
		     uint8_t fn);

/*
 * For a cfg whose slot is a VF in sysfs: mark it a VF, record its PF's slot
 * (the physfn link) and the identity the kernel gives it. No-op otherwise.
 */
void pcl_cfg_read_sysfs_vf(struct pcl_cfg *cfg);

/*
 * The ways the dump reader decodes a whole hex row (dump.c says why there
 * are four); pcl_dump_row16() runs one by name, for tests that compare
 * them. On a machine without SIMD, or with PCL_NO_SIMD, all are scalar.
 * The caller makes sure the CPU has the one it asks for
 * (pcl_dump_row_supported()).
 */
enum pcl_row_impl { PCL_ROW_SCALAR, PCL_ROW_SSE2, PCL_ROW_SSSE3, PCL_ROW_VBMI };
bool pcl_dump_row_supported(enum pcl_row_impl impl);
bool pcl_dump_row16(const char *t, uint8_t *dst, enum pcl_row_impl impl);

/* pcl_cfg_read_vfio() with an injectable ioctl (tests). */
int pcl_cfg_read_vfio_with(struct pcl_ctx *ctx, int fd, pcl_ioctl_fn ioctl_fn,
			   const char *address, struct pcl_cfg **cfg,
			   struct pcl_error *err);

#endif /* PCL_SOURCE_H */
