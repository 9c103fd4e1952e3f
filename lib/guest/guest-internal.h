/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest-internal.h - the guest view's representation, shared by the table
 * code, the builder and the engine. Nothing here is exported.
 */
#ifndef PCL_GUEST_INTERNAL_H
#define PCL_GUEST_INTERNAL_H

#include <errno.h>

#include <pcilayout/image.h>
#include <pcilayout/vdev.h>

struct pcl_guest_hook {
	uint8_t hook;   /* enum pcl_hook */
	uint8_t width;  /* 1, 2 or 4 */
	uint16_t offset;
};

struct pcl_guest {
	struct pcl_ctx *ctx;
	uint8_t image[PCL_CFG_SIZE];
	struct pcl_guest_rule rule[PCL_CFG_SIZE];
	/* End (exclusive) of the segment holding each byte. */
	uint16_t seg_end[PCL_CFG_SIZE];
	struct pcl_guest_hook hooks[PCL_GUEST_MAX_HOOKS];
	uint32_t nhooks;
	char fingerprint[PCL_GUEST_FINGERPRINT_SIZE];
};

/*
 * Check one rule on its own and against the view's hooks (for byte @off):
 * 0 or -EINVAL. Inline: pcl_vdev_new() checks all 4096 bytes with it.
 */
static inline int pcl_guest_rule_check(const struct pcl_guest *g,
				       uint32_t off,
				       const struct pcl_guest_rule *r)
{
	uint32_t hook;

	switch (r->source) {
	case PCL_GUEST_CONST:
		if (r->wmask || r->w1c || r->vmask || r->hook ||
		    (r->flags & ~PCL_GUEST_UNCLAIMED))
			return -EINVAL;
		return 0;
	case PCL_GUEST_SHADOW:
		if ((r->w1c & ~r->wmask) || r->vmask)
			return -EINVAL;
		if (r->flags & ~(PCL_GUEST_WRITE_THROUGH | PCL_GUEST_DEVICE_FACT))
			return -EINVAL;
		if ((r->flags & PCL_GUEST_WRITE_THROUGH) &&
		    (r->w1c || r->phys >= PCL_CFG_SIZE))
			return -EINVAL;
		break;
	case PCL_GUEST_PHYS:
		if ((r->flags & ~(PCL_GUEST_REPLAY | PCL_GUEST_UNCLAIMED)) ||
		    (r->w1c & r->vmask) || r->phys >= PCL_CFG_SIZE)
			return -EINVAL;
		/* An unclaimed byte holds no state. */
		if ((r->flags & PCL_GUEST_UNCLAIMED) &&
		    (r->vmask || r->hook || (r->flags & PCL_GUEST_REPLAY)))
			return -EINVAL;
		/* A hook reports bits the engine keeps: emulated or settings. */
		if (r->hook && !r->vmask && !(r->flags & PCL_GUEST_REPLAY))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	hook = r->hook; /* a copy: what is checked is what is used */
	if (hook) {
		const struct pcl_guest_hook *h;

		if (hook > g->nhooks)
			return -EINVAL;
		h = &g->hooks[hook - 1];
		if (off < h->offset || off >= (uint32_t)h->offset + h->width)
			return -EINVAL;
	}
	return 0;
}

/*
 * Check one hooked register: a known kind, 1, 2 or 4 bytes (FLR: 1) inside
 * one dword of config space. 0 or -EINVAL.
 */
int pcl_guest_hook_check(const struct pcl_guest_hook *h);

/*
 * perm.c: the kernel's vfio-pci permissions of each byte of a presented
 * physical capability, from its first byte (the header's entries are the
 * builder's to override).
 */
#define PCL_PERM_SETTING  0x01u /* writable device bits are settings */
#define PCL_PERM_HOOK_PM  0x02u /* part of the PM Control/Status hook */
#define PCL_PERM_HOOK_FLR 0x04u /* the byte holding an Initiate FLR bit */

struct pcl_perm {
	uint8_t write; /* bits a guest may write */
	uint8_t virt;  /* bits the engine emulates */
	uint8_t w1c;   /* device bits a written 1 clears */
	uint8_t zero;  /* emulated bits that start at 0, not the device's */
	uint8_t flags; /* PCL_PERM_* */
};

void pcl_guest_cap_perms(int space, uint16_t id, uint32_t len,
			 struct pcl_perm *perm);

/*
 * The engine (vdev.c: access path; state.c: save, load, replay). Each
 * byte's rule is kept in the form the access path needs.
 */

/*
 * Per-offset facts (struct pcl_vdev.fast): which naturally aligned accesses
 * starting there the engine serves from the shadow alone. The bit of an
 * access of @len bytes is @len itself (1, 2, 4), so that the fast paths
 * test it with one AND; any other length has none (masked with 7: a
 * length of 16 must not find FAST_WRITE(1)). The read bits are published
 * (vdev.h, struct pcl_vdev_fastpath): their meaning is ABI.
 */
/* A read: no byte needs the device. A write: it only masks the shadow. */
#define FAST_READ(len)  PCL_VDEV_FAST_READ(len)
#define FAST_WRITE(len) ((uint8_t)(((len) & 7u) << 4))
/*
 * A read that needs the device: its device bytes are one naturally aligned
 * run on the device, so one backend piece (read_slow()'s short way). Bit
 * 3 for 2 bytes, bit 7 for 4; a device byte alone always is one piece.
 */
#define ONE_PIECE(len)  ((uint8_t)((((len) & 2u) << 2) | (((len) & 4u) << 5)))

/* Per-byte facts (struct vbyte.flags). */
/* VB_HWREAD stays bit 0: vdev.c's dword maps and one-piece read take
 * flags & VB_HWREAD as a 0/1 value (no _Static_assert: proof/'s Frama-C
 * parses this header as C99). */
#define VB_HWREAD  0x01u /* reads need the device */
#define VB_HWWRITE 0x02u /* writes reach the device */
#define VB_RMW     0x04u /* ... and need its current value first */
#define VB_REPLAY  0x08u /* PHYS: the writable device bits are settings */
#define VB_FACT    0x10u /* SHADOW: PCL_GUEST_DEVICE_FACT */
#define VB_MSICTL  0x20u /* MSI control: clamp Multiple Message Enable */
#define VB_UNCLAIMED 0x40u /* PCL_GUEST_UNCLAIMED: no state, any rule */

struct vbyte {
	uint8_t src;
	uint8_t smask;  /* bits a write changes in the shadow */
	uint8_t w1c;
	uint8_t vmask;
	uint8_t hwmask; /* PHYS: bits a write passes to the device */
	uint8_t flags;  /* VB_* */
	uint8_t hook;
	uint8_t trig;   /* FLR bits: a 1 written there resets the engine */
	uint16_t phys;  /* below 4096; 0 where no read or write uses it */
	uint16_t seg_end;
};

struct pcl_vdev {
	/* Published (pcl_vdev_fastpath()): this engine's fast and shadow. */
	struct pcl_vdev_fastpath fastpath;
	struct pcl_ctx *ctx;
	struct pcl_vdev_backend be;
	pcl_vdev_notify_fn notify;
	void *notify_opaque;
	uint8_t shadow[PCL_CFG_SIZE];
	uint8_t init[PCL_CFG_SIZE];
	uint8_t kept[PCL_CFG_SIZE]; /* vbyte_kept() of each byte */
	struct vbyte b[PCL_CFG_SIZE];
	/* Per offset: FAST_* bits, for the fast paths of aligned accesses. */
	uint8_t fast[PCL_CFG_SIZE];
	struct pcl_guest_hook hooks[PCL_GUEST_MAX_HOOKS];
	/* Per hook: its kept bits, in place in the dword that holds it. */
	uint32_t hook_mask[PCL_GUEST_MAX_HOOKS];
	uint32_t nhooks;
	char fingerprint[PCL_GUEST_FINGERPRINT_SIZE];
	/* The state's header and records that name the emulation (state.c),
	 * and where the data of RULE, SEGS and HOOK sit in them. */
	uint8_t *rec;
	size_t rec_len, rule_at, rule_len, segs_at, segs_len, hook_at;
	uint32_t rec_crc; /* CRC-32 of the state's header and those records */
	/* Bit k: bytes [64k, 64k + 64) hold one a replay writes (state.c). */
	uint64_t replay_blocks;
};

#define REPLAY_BLOCK (PCL_CFG_SIZE / 64u)

/*
 * The functions that go over a guest table's or an engine's bytes one by
 * one (setting a table's bytes, making an engine, saving, loading) are
 * PCL_NO_COVERAGE (internal.h): what they branch on is the shape of a table
 * the builder's covered code made, or a state that passed its CRC.
 */

/* Serialize v->rec once the engine's rules are final: 0 or -ENOMEM. */
int pcl_vdev_state_init(struct pcl_vdev *v);

/* A copy of engine @v with its own memory; the context, backend and
 * notifier are @v's (vdev.c). */
struct pcl_vdev *pcl_vdev_dup(const struct pcl_vdev *v);

/*
 * Bits of byte @b that are the guest's state, which the engine keeps in
 * its shadow: all of an emulated byte; of a PHYS byte its emulated bits
 * and settings bits; none of an unclaimed byte.
 */
static inline uint8_t vbyte_kept(const struct vbyte *b)
{
	if (b->flags & VB_UNCLAIMED)
		return 0;
	if (b->src != PCL_GUEST_PHYS)
		return 0xff;
	return (uint8_t)(b->vmask | ((b->flags & VB_REPLAY) ?
				     b->hwmask & ~b->w1c : 0));
}

/* The settings bits of byte @b (none unless VB_REPLAY). */
static inline uint8_t vbyte_replayed(const struct vbyte *b)
{
	return (b->flags & VB_REPLAY) ? (uint8_t)(b->hwmask & ~b->w1c) : 0;
}

/*
 * Hook @k's value in @shadow: its kept bits, little-endian. A register
 * never crosses a dword, so one aligned load serves it.
 */
static inline uint32_t pcl_vdev_hook_value(const struct pcl_vdev *v,
					   uint32_t k, const uint8_t *shadow)
{
	uint32_t off = v->hooks[k].offset;
	uint32_t dw = (uint32_t)shadow[off & ~3u] |
		      (uint32_t)shadow[(off & ~3u) + 1] << 8 |
		      (uint32_t)shadow[(off & ~3u) + 2] << 16 |
		      (uint32_t)shadow[(off & ~3u) + 3] << 24;

	return (dw & v->hook_mask[k]) >> (8 * (off & 3u));
}

/* Read or write @n bytes at physical @phys in aligned pieces; -EIO. */
int pcl_vdev_hw_read(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
		     uint8_t *buf);
int pcl_vdev_hw_write(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
		      const uint8_t *buf);

/* Report a hooked register's change to the notify callback, if any. */
void pcl_vdev_report(const struct pcl_vdev *v, uint32_t index, uint32_t old,
		     uint32_t now);

/*
 * CRC-32 (IEEE 802.3, as zlib's) of @len bytes, continuing @crc:
 * libdeflate's, which folds with PCLMULQDQ where the CPU has it (state.c).
 */
uint32_t pcl_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * The VFIO backend with an injectable ioctl, so tests can drive it with a
 * regular file standing in for the device fd.
 */
struct pcl_backend *pcl_backend_vfio_new_with(int fd, pcl_ioctl_fn ioctl_fn,
					      struct pcl_error *err);

#endif /* PCL_GUEST_INTERNAL_H */
