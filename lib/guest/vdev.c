// SPDX-License-Identifier: BSD-3-Clause
/*
 * vdev.c - the runtime engine: executes a guest view's access table for
 * guest config reads and writes, and saves and restores its state.
 *
 * Every access is first bounds-checked as a whole. An aligned access whose
 * bytes the engine serves alone (one lookup in a per-offset table says so)
 * is a load from, or a masked store into, the shadow; the read's test is
 * vdev.h's inline pcl_vdev_fastpath_load(), which a VMM can inline in its
 * own code (pcl_vdev_fastpath_read()). Otherwise, bytes that
 * the table sends to the device and that are contiguous in physical space
 * form a run, issued as naturally aligned backend accesses: an aligned
 * access of up to 4 physical bytes costs one call, as QEMU's one pread()
 * per guest access does, even where it spans two capabilities (the
 * kernel's vfio-pci splits at the device's capability boundaries itself).
 * A read whose device bytes are one such piece (the same table says so:
 * ONE_PIECE, the common passthrough read) is that one call and a merge of
 * the device's and the shadow's bits by masks, without the search for runs.
 *
 * A write is applied in two passes so that a failing backend leaves the
 * emulated state untouched: (1) compute the new shadow bytes, do the
 * device reads a read-modify-write needs, then write the device, piece by
 * piece; (2) commit the shadow and report changed
 * hooked registers, then, when the write set an Initiate FLR bit, reset the
 * emulated state. All of it works on fixed arrays of at most 4 bytes (and
 * one per hooked register for a reset): the access path never allocates,
 * locks or formats a message. Saving, loading and replaying state are in
 * state.c.
 *
 * proof/ proves with Frama-C's Eva that no guest access can cause a runtime
 * error here (docs/testing.md). Accesses are walked byte by byte (or, for
 * one piece, by masks of their dword) and every physical offset is taken
 * from the table, not computed, so that this stays evident to the analyzer
 * as well as to a reader; the one piece's length is piece_len()'s, aligned
 * whatever the table holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "guest-internal.h"

/*
 * The engine's form of rule @g (pcl_guest_rule_check() passed) of a byte
 * whose segment ends at @seg_end.
 */
static PCL_NO_COVERAGE void vbyte_from_rule(struct vbyte *b,
					    const struct pcl_guest_rule *g,
					    uint16_t seg_end)
{
	memset(b, 0, sizeof(*b));
	if (g->flags & PCL_GUEST_UNCLAIMED)
		b->flags = VB_UNCLAIMED;
	b->src = g->source;
	b->w1c = g->w1c;
	b->vmask = g->vmask;
	b->hook = g->hook;
	b->seg_end = seg_end;
	switch (g->source) {
	case PCL_GUEST_SHADOW:
		b->smask = g->wmask;
		if (g->flags & PCL_GUEST_WRITE_THROUGH) {
			b->flags |= VB_HWWRITE;
			b->hwmask = 0xff;
			b->phys = g->phys;
		}
		if (g->flags & PCL_GUEST_DEVICE_FACT)
			b->flags |= VB_FACT;
		break;
	case PCL_GUEST_PHYS:
		b->phys = g->phys;
		b->smask = g->wmask & g->vmask;
		b->hwmask = g->wmask & (uint8_t)~g->vmask;
		if (g->vmask != 0xff)
			b->flags |= VB_HWREAD;
		if (b->hwmask)
			b->flags |= VB_HWWRITE;
		if (b->hwmask && b->hwmask != 0xff)
			b->flags |= VB_RMW;
		if (g->flags & PCL_GUEST_REPLAY) {
			b->flags |= VB_REPLAY;
			/* Settings are kept as written, for save and replay. */
			b->smask |= b->hwmask & (uint8_t)~g->w1c;
		}
		break;
	default:
		break;
	}
}

/* What hooks of some kinds make the access path do for their bytes; the
 * kept bits of each hooked register. */
static PCL_NO_COVERAGE void mark_hooks(struct pcl_vdev *v)
{
	for (uint32_t k = 0; k < v->nhooks; k++) {
		struct vbyte *b = &v->b[v->hooks[k].offset];
		uint32_t off = v->hooks[k].offset, dw = off & ~3u;

		/* The register's bytes among the four of its dword. */
		v->hook_mask[k] = 0;
		for (uint32_t i = 0; i < 4; i++)
			if (dw + i >= off && dw + i < off + v->hooks[k].width)
				v->hook_mask[k] |= (uint32_t)v->kept[dw + i]
						   << (8 * i);

		if (v->hooks[k].hook == PCL_HOOK_MSI)
			b->flags |= VB_MSICTL;
		else if (v->hooks[k].hook == PCL_HOOK_FLR)
			b->trig = b->src == PCL_GUEST_PHYS ?
				  (uint8_t)(b->smask & b->vmask) : b->smask;
	}
}

/* The FAST_* bits of an aligned access of @len bytes whose flags OR to @hw. */
static uint8_t fast_bits(uint8_t hw, uint32_t len)
{
	uint8_t bits = 0;

	if (!(hw & VB_HWREAD))
		bits |= FAST_READ(len);
	if (!(hw & (VB_HWWRITE | VB_MSICTL)))
		bits |= FAST_WRITE(len);
	return bits;
}

/* The largest naturally aligned access at @phys that fits in @n bytes. */
static uint32_t piece_len(uint32_t phys, uint32_t n)
{
	if (n >= 4 && !(phys & 3u))
		return 4;
	if (n >= 2 && !(phys & 1u))
		return 2;
	return 1;
}

/* Of a 4-bit map of an access's bytes: the first byte set, how many are. */
static const uint8_t first_of[16] = { 0, 0, 1, 0, 2, 0, 1, 0,
				      3, 0, 1, 0, 2, 0, 1, 0 };
static const uint8_t count_of[16] = { 0, 1, 1, 2, 1, 2, 2, 3,
				      1, 2, 2, 3, 2, 3, 3, 4 };

/*
 * Facts of one dword's bytes, as 4-bit maps (bit i: byte i): which read
 * the device, which sit on the device right after the byte before them,
 * and whose physical offset is 2- or 4-byte aligned.
 */
struct dword_maps {
	uint32_t dev, cont, al2, al4;
};

static inline PCL_NO_COVERAGE struct dword_maps
dword_maps(const struct vbyte *q)
{
	struct dword_maps m = { 0, 0, 0, 0 };

#pragma GCC unroll 4
	for (uint32_t i = 0; i < 4; i++)
		m.dev |= (uint32_t)(q[i].flags & VB_HWREAD) << i;
	if (!m.dev)
		return m; /* no device byte: no piece */
#pragma GCC unroll 4
	for (uint32_t i = 0; i < 4; i++) {
		m.al2 |= (uint32_t)!(q[i].phys & 1u) << i;
		m.al4 |= (uint32_t)!(q[i].phys & 3u) << i;
		if (i)
			m.cont |= (uint32_t)(q[i].phys == q[i - 1].phys + 1u)
				  << i;
	}
	return m;
}

/*
 * ONE_PIECE(@len) when the device bytes of the aligned read of @len bytes
 * at byte @at of a dword with maps @m are one run of guest bytes,
 * contiguous on the device and naturally aligned there: the one piece the
 * general path would read for them too (read_slow()). Else 0. Computed on
 * the maps, not byte by byte: this runs for each of 3 reads of each dword.
 */
static inline PCL_NO_COVERAGE uint8_t one_piece(struct dword_maps m,
						uint32_t at, uint32_t len)
{
	uint32_t dev = (m.dev >> at) & ((1u << len) - 1u);
	uint32_t first = dev & (0u - dev), n = count_of[dev];

	/* Each device byte after the first follows a device byte, on the
	 * device too. */
	if (!dev || ((dev & ~first) & ~((dev << 1) & (m.cont >> at))))
		return 0;
	if (n == 1 || (n == 2 && ((m.al2 >> at) & first)) ||
	    (n == 4 && ((m.al4 >> at) & first)))
		return ONE_PIECE(len);
	return 0;
}

/*
 * Per-offset fast-path facts: FAST_* of each aligned access, dword by
 * dword (a hooked byte's writes take the slow path, to be reported), and
 * the reads whose device bytes are ONE_PIECE(). Each dword's rules are
 * copied out whole, and its four bytes of facts stored at once: per byte,
 * the sanitizers' checks of each field were most of this.
 */
static PCL_NO_COVERAGE void mark_fast(struct pcl_vdev *v)
{
	for (uint32_t d = 0; d < PCL_CFG_SIZE; d += 4) {
		struct vbyte q[4];
		struct dword_maps m;
		uint8_t h[4], f[4];

		memcpy(q, &v->b[d], sizeof(q));
		m = dword_maps(q);
#pragma GCC unroll 4
		for (uint32_t i = 0; i < 4; i++)
			h[i] = (uint8_t)(q[i].flags |
					 (q[i].hook ? VB_HWWRITE : 0));
		f[0] = (uint8_t)(fast_bits(h[0], 1) | fast_bits(h[0] | h[1], 2) |
				 fast_bits(h[0] | h[1] | h[2] | h[3], 4) |
				 one_piece(m, 0, 4) | one_piece(m, 0, 2));
		f[1] = fast_bits(h[1], 1);
		f[2] = (uint8_t)(fast_bits(h[2], 1) | fast_bits(h[2] | h[3], 2) |
				 one_piece(m, 2, 2));
		f[3] = fast_bits(h[3], 1);
		memcpy(&v->fast[d], f, sizeof(f));
	}
}

/* Publish @v's own read tables (pcl_vdev_fastpath()). */
static void set_fastpath(struct pcl_vdev *v)
{
	v->fastpath.read = v->fast;
	v->fastpath.image = v->shadow;
	v->fastpath.vdev = v;
}

static struct pcl_vdev *new_fail(struct pcl_vdev *v, struct pcl_error *err,
				 int32_t off, const char *msg)
{
	pcl_set_error(err, -EINVAL, "vdev", 0, 0, off, "%s", msg);
	free(v);
	errno = EINVAL;
	return NULL;
}

/*
 * What stands in for a backend function the view never needs: the access
 * path then has a function to call whatever the table says.
 */
static int no_device_read(void *opaque, uint32_t off, uint32_t len,
			  uint32_t *val)
{
	(void)opaque;
	(void)off;
	(void)len;
	*val = UINT32_MAX; /* what a bus returns where no device answers */
	return -EIO;
}

static int no_device_write(void *opaque, uint32_t off, uint32_t len,
			   uint32_t val)
{
	(void)opaque;
	(void)off;
	(void)len;
	(void)val;
	return -EIO;
}

/* Copy @guest's hooked registers into @v, checked: 0 or -EINVAL. */
static int take_hooks(struct pcl_vdev *v, const struct pcl_guest *guest)
{
	uint32_t n;

	if (guest->nhooks > PCL_GUEST_MAX_HOOKS)
		return -EINVAL;
	n = guest->nhooks;
	for (uint32_t k = 0; k < n; k++) {
		struct pcl_guest_hook h = guest->hooks[k];

		if (pcl_guest_hook_check(&h))
			return -EINVAL;
		v->hooks[k] = h;
	}
	v->nhooks = n;
	return 0;
}

/*
 * Byte @i of the table, in the engine's form: its VB_* flags, or -EINVAL.
 * The setters keep rules valid (table.c); they are checked again here,
 * where it is cheap, and so is what the access path assumes of every
 * byte whatever the guest does, in the engine's own terms: a physical
 * offset inside config space and a hook among the registered ones (proof/
 * shows that no more is needed). The rule is copied once, checked and
 * converted: what is checked is what is used.
 */
static PCL_NO_COVERAGE int take_byte(struct pcl_vdev *v,
				     const struct pcl_guest *guest, uint32_t i)
{
	struct pcl_guest_rule r = guest->rule[i];
	uint16_t end = guest->seg_end[i];
	struct vbyte b;

	if (pcl_guest_rule_check(guest, i, &r) || end <= i ||
	    end > PCL_CFG_SIZE)
		return -EINVAL;
	vbyte_from_rule(&b, &r, end);
	if (b.phys >= PCL_CFG_SIZE || b.hook > v->nhooks)
		return -EINVAL;
	v->b[i] = b;
	v->kept[i] = vbyte_kept(&b);
	return b.flags;
}

PCL_NO_COVERAGE
struct pcl_vdev *pcl_vdev_new(const struct pcl_guest *guest,
			      const struct pcl_vdev_backend *backend,
			      struct pcl_error *err)
{
	struct pcl_vdev *v;
	uint8_t flags = 0;

	if (!guest)
		return new_fail(NULL, err, -1, "no guest view");
	v = calloc(1, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	v->ctx = guest->ctx;
	if (backend)
		v->be = *backend;
	if (!v->be.read)
		v->be.read = no_device_read;
	if (!v->be.write)
		v->be.write = no_device_write;
	if (take_hooks(v, guest))
		return new_fail(v, err, -1, "invalid hooked register");
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		int f = take_byte(v, guest, i);

		if (f < 0)
			return new_fail(v, err, (int32_t)i, "invalid access rule");
		flags |= (uint8_t)f;
	}
	mark_hooks(v);
	mark_fast(v);
	set_fastpath(v);
	if ((flags & (VB_HWREAD | VB_HWWRITE)) &&
	    (!backend || !backend->read || !backend->write))
		return new_fail(v, err, -1, "the view passes bytes through but "
				"no backend was given");
	memcpy(v->init, guest->image, sizeof(v->init));
	memcpy(v->shadow, guest->image, sizeof(v->shadow));
	/* A string whatever the view holds (calloc() zeroed the last byte). */
	memcpy(v->fingerprint, guest->fingerprint, sizeof(v->fingerprint) - 1);
	if (pcl_vdev_state_init(v)) {
		free(v);
		errno = ENOMEM;
		return NULL;
	}
	return v;
}

/*
 * An engine with @v's state, rules and backend, sharing no memory with it
 * (the context, backend and notifier are @v's); NULL (errno ENOMEM) if out of memory. Of an engine no access has
 * touched, the engine pcl_vdev_new() of the same view and backend makes,
 * at the cost of two copies instead of checking and converting 4096 rules:
 * fuzz_vdev makes two engines an input from a view it keeps.
 */
struct pcl_vdev *pcl_vdev_dup(const struct pcl_vdev *v)
{
	struct pcl_vdev *d = malloc(sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(d, v, sizeof(*d));
	set_fastpath(d);
	d->rec = malloc(v->rec_len);
	if (!d->rec) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(d->rec, v->rec, v->rec_len);
	return d;
}

void pcl_vdev_free(struct pcl_vdev *vdev)
{
	if (vdev)
		free(vdev->rec);
	free(vdev);
}

void pcl_vdev_set_notify(struct pcl_vdev *vdev, pcl_vdev_notify_fn fn,
			 void *opaque)
{
	if (!vdev)
		return;
	vdev->notify = fn;
	vdev->notify_opaque = opaque;
}

void pcl_vdev_reset(struct pcl_vdev *vdev)
{
	if (vdev)
		memcpy(vdev->shadow, vdev->init, sizeof(vdev->shadow));
}

const struct pcl_vdev_fastpath *pcl_vdev_fastpath(const struct pcl_vdev *vdev)
{
	return vdev ? &vdev->fastpath : NULL;
}

const char *pcl_vdev_fingerprint(const struct pcl_vdev *vdev)
{
	return vdev ? vdev->fingerprint : "";
}

static int check_access(uint32_t off, uint32_t len)
{
	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	if (off >= PCL_CFG_SIZE || len > PCL_CFG_SIZE - off)
		return -EFAULT;
	return 0;
}

/*
 * One backend read: the first piece (piece_len()) of the @n bytes at
 * @phys, into @buf. Return its length, or -EIO.
 */
static int hw_read_piece(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
			 uint8_t *buf)
{
	uint32_t k = piece_len(phys, n), val = 0;

	if (v->be.read(v->be.opaque, phys, k, &val))
		return -EIO;
	for (uint32_t i = 0; i < k; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	return (int)k;
}

int pcl_vdev_hw_read(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
		     uint8_t *buf)
{
	while (n) {
		int k = hw_read_piece(v, phys, n, buf);

		if (k < 0)
			return k;
		phys += (uint32_t)k;
		buf += k;
		n -= (uint32_t)k;
	}
	return 0;
}

int pcl_vdev_hw_write(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
		      const uint8_t *buf)
{
	while (n) {
		uint32_t k = piece_len(phys, n), val = 0;

		for (uint32_t i = 0; i < k; i++)
			val |= (uint32_t)buf[i] << (8 * i);
		if (v->be.write(v->be.opaque, phys, k, val))
			return -EIO;
		phys += k;
		buf += k;
		n -= k;
	}
	return 0;
}

/*
 * Length of the run of bytes with @flag starting at @g (which has it),
 * within @n bytes: contiguous in physical space. A run may span two
 * capabilities, as QEMU's one pread() per guest access does: the VFIO
 * backend's kernel splits at the device's own capability boundaries.
 */
static uint32_t run_len(const struct pcl_vdev *v, uint32_t g, uint32_t n,
			uint8_t flag)
{
	uint32_t k = 1;

	while (k < n && (v->b[g + k].flags & flag) &&
	       v->b[g + k].phys == v->b[g + k - 1].phys + 1u)
		k++;
	return k;
}

/* What the guest reads of byte @b: its device bits from @dev, if PHYS. */
static uint8_t guest_byte(const struct vbyte *b, uint8_t dev, uint8_t shadow)
{
	if (b->src != PCL_GUEST_PHYS)
		return shadow;
	return (uint8_t)((dev & ~b->vmask) | (shadow & b->vmask));
}

/*
 * The write fast path's test: @len is a power of two, @off is inside config
 * space and aligned to it, and the access there has FAST_WRITE(@len), which
 * only lengths 1, 2 and 4 have (the read's is pcl_vdev_fastpath_load()).
 */
static bool fast_write(const struct pcl_vdev *v, uint32_t off, uint32_t len)
{
	return off < PCL_CFG_SIZE && !(len & (len - 1u)) &&
	       !(off & (len - 1u)) && (v->fast[off] & FAST_WRITE(len));
}

/*
 * An aligned read of @len bytes at @off (checked) whose device bytes are
 * one piece (ONE_PIECE(), or a 1-byte read of a device byte): one backend
 * call, then every byte's device bits and shadow bits merged at once, with
 * masks taken from the rules of the access's dword (its other bytes are
 * shifted out): a byte the device does not serve is all shadow, a device
 * byte its emulated bits. What the general path below computes byte by
 * byte, run by run, without its loops: in a fuzzing build, their
 * comparisons (each traced) were most of a passthrough read's cost.
 */
static int read_one_piece(const struct pcl_vdev *v, uint32_t off,
			  uint32_t len, uint32_t *val)
{
	/* Shift counts are masked to their range (len is 1, 2 or 4; first
	 * at most 3): the sanitizers then need not check them. */
	uint32_t at = off & 3u, map = 0, emu = 0, dw = 0, dev = 0;
	uint32_t keep = UINT32_MAX >> ((32 - 8 * len) & 31u), first, phys, k;
	struct vbyte b[4];
	uint8_t sh[4];

	/* Copied whole: the loop below then indexes local arrays with
	 * constants, which the sanitizers need not check one by one. */
	memcpy(b, &v->b[off & ~3u], sizeof(b));
	memcpy(sh, &v->shadow[off & ~3u], sizeof(sh));
#pragma GCC unroll 4
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t hw = b[i].flags & VB_HWREAD;
		/* 0 for a device byte, else 0xff: no branch, no compare. */
		uint8_t shadow_only = (uint8_t)(hw - 1u);

		map |= hw << i;
		emu |= (uint32_t)(b[i].vmask | shadow_only) << (8 * i);
		dw |= (uint32_t)sh[i] << (8 * i);
	}
	map = (map >> at) & ((1u << (len & 7u)) - 1u) & 15u;
	emu >>= 8 * at;
	first = first_of[map] & 3u;
	phys = v->b[off + first].phys;
	k = piece_len(phys, count_of[map]);
	if (v->be.read(v->be.opaque, phys, k, &dev))
		return -EIO;
	dev = (dev & (UINT32_MAX >> ((32 - 8 * k) & 31u))) << (8 * first);
	*val = ((dev & ~emu) | ((dw >> (8 * at)) & emu)) & keep;
	return 0;
}

/* A read that needs the device, or is unaligned, or is invalid. */
static PCL_NOINLINE int read_slow(const struct pcl_vdev *vdev, uint32_t off,
				  uint32_t len, uint32_t *val)
{
	uint8_t hw[4] = { 0 };
	uint32_t r = 0;
	int ret = check_access(off, len);

	if (ret)
		return ret;
	if (!(off & (len - 1u)) &&
	    (len == 1 ? vdev->b[off].flags & VB_HWREAD :
			vdev->fast[off] & ONE_PIECE(len)))
		return read_one_piece(vdev, off, len, val);
	/* The device bytes, run by run, in naturally aligned pieces. */
	for (uint32_t i = 0, next = 0; i < len; i++) {
		int k;

		if (i < next || !(vdev->b[off + i].flags & VB_HWREAD))
			continue;
		k = hw_read_piece(vdev, vdev->b[off + i].phys,
				  run_len(vdev, off + i, len - i, VB_HWREAD),
				  hw + i);
		if (k < 0)
			return k;
		next = i + (uint32_t)k;
	}
	for (uint32_t i = 0; i < len; i++)
		r |= (uint32_t)guest_byte(&vdev->b[off + i], hw[i],
					  vdev->shadow[off + i]) << (8 * i);
	*val = r;
	return 0;
}

int pcl_vdev_read(const struct pcl_vdev *vdev, uint32_t off, uint32_t len,
		  uint32_t *val)
{
	if (!vdev || !val)
		return -EINVAL;
	/*
	 * Fast path: an aligned access none of whose bytes needs the device
	 * is a load from the shadow (vdev.h: callers can inline the same
	 * code, pcl_vdev_fastpath_read()). It falls through and saves no
	 * register: every other access is read_slow()'s.
	 */
	if (pcl_likely(pcl_vdev_fastpath_load(vdev->fast, vdev->shadow, off,
					      len, val)))
		return 0;
	return read_slow(vdev, off, len, val);
}

/*
 * MSI Message Control, low byte: Multiple Message Enable (6:4) may not
 * exceed Multiple Message Capable (3:1); the kernel's vfio-pci clamps it
 * the same way (vfio_msi_config_write()).
 */
static uint8_t msi_clamp(uint8_t ctl)
{
	uint8_t mmc = (uint8_t)((ctl >> 1) & 7u), mme = (uint8_t)((ctl >> 4) & 7u);

	if (mme <= mmc)
		return ctl;
	return (uint8_t)((ctl & ~0x70u) | (uint32_t)mmc << 4);
}

/*
 * The shadow byte @old after a guest writes @in to byte @b: written bits,
 * and RW1C bits cleared where 1 was written.
 */
static uint8_t masked_write(const struct vbyte *b, uint8_t old, uint8_t in)
{
	return (uint8_t)((old & ~b->smask) | (in & b->smask & ~b->w1c) |
			 (old & b->w1c & b->smask & ~in));
}

/* ... and with MSI's Multiple Message Enable clamped. */
static uint8_t shadow_written(const struct vbyte *b, uint8_t old, uint8_t in)
{
	uint8_t sh = masked_write(b, old, in);

	if (b->flags & VB_MSICTL) /* only ever a writable bit */
		sh = (uint8_t)((sh & ~b->smask) | (msi_clamp(sh) & b->smask));
	return sh;
}

/*
 * The byte a guest write of @in to byte @b writes to the device: the new
 * shadow byte @sh when it is written through; else the guest's writable
 * bits over the device's current byte @dev (read where VB_RMW says), never
 * writing back a 1 the device would clear.
 */
static uint8_t device_byte(const struct vbyte *b, uint8_t in, uint8_t sh,
			   uint8_t dev)
{
	if (b->src == PCL_GUEST_SHADOW)
		return sh;
	return (uint8_t)((in & b->hwmask) | (dev & ~b->hwmask & ~b->w1c));
}

/*
 * One piece of a write: the first (piece_len()) of a run of @n device
 * bytes, the guest bytes at @g, written @in, with new shadow bytes @sh.
 * Pass 0 reads the piece into @dev when it holds device bits the write
 * must keep (VB_RMW); pass 1 writes it. Return its length, or -EIO.
 */
static int device_piece(const struct pcl_vdev *v, int pass, uint32_t g,
			uint32_t n, const uint8_t *in, const uint8_t *sh,
			uint8_t *dev)
{
	uint32_t phys = v->b[g].phys, k = piece_len(phys, n), val = 0;
	bool rmw = false;

	if (pass == 0) {
		for (uint32_t i = 0; i < k; i++)
			rmw |= (v->b[g + i].flags & VB_RMW) != 0;
		if (rmw && hw_read_piece(v, phys, k, dev) < 0)
			return -EIO;
		return (int)k;
	}
	for (uint32_t i = 0; i < k; i++)
		val |= (uint32_t)device_byte(&v->b[g + i], in[i], sh[i], dev[i])
		       << (8 * i);
	if (v->be.write(v->be.opaque, phys, k, val))
		return -EIO;
	return (int)k;
}

/*
 * Pass 1: the device bytes of a write of @in at @off, whose new shadow
 * bytes are @sh, run by run, in naturally aligned pieces, as reads go:
 * first every read a read-modify-write needs, then the writes, so that a
 * failing read leaves the device as it was. Nothing of the engine changes
 * (pieces already written stay written on the device).
 */
static int write_device(const struct pcl_vdev *v, uint32_t off, uint32_t len,
			const uint8_t *in, const uint8_t *sh)
{
	uint8_t dev[4] = { 0 }, flags = 0;

	for (uint32_t i = 0; i < len; i++)
		flags |= v->b[off + i].flags;
	/* Pass 0 only where some byte needs it. */
	for (int pass = (flags & VB_RMW) ? 0 : 1; pass < 2; pass++) {
		for (uint32_t i = 0, next = 0; i < len; i++) {
			int k;

			if (i < next || !(v->b[off + i].flags & VB_HWWRITE))
				continue;
			k = device_piece(v, pass, off + i,
					 run_len(v, off + i, len - i, VB_HWWRITE),
					 in + i, sh + i, dev + i);
			if (k < 0)
				return k;
			next = i + (uint32_t)k;
		}
	}
	return 0;
}

void pcl_vdev_report(const struct pcl_vdev *v, uint32_t index, uint32_t old,
		     uint32_t now)
{
	const struct pcl_guest_hook *h = &v->hooks[index];
	struct pcl_vdev_event ev = {
		.hook = h->hook,
		.index = index,
		.offset = h->offset,
		.width = h->width,
		.old_value = old,
		.new_value = now,
	};

	if (v->notify && old != now)
		v->notify(v->notify_opaque, &ev);
}

/*
 * A guest wrote 1 to an Initiate FLR bit of hook @index, whose value was
 * @old. The function resets: every emulated byte (and every setting the
 * engine keeps) returns to its initial value; each hooked register the
 * reset changed is reported, then the FLR itself, with the value written,
 * so that the VMM tears down what it set up and then resets the device.
 */
static void flr_reset(struct pcl_vdev *v, uint32_t index, uint32_t old)
{
	uint32_t before[PCL_GUEST_MAX_HOOKS] = { 0 };
	uint32_t written = pcl_vdev_hook_value(v, index, v->shadow);

	for (uint32_t k = 0; k < v->nhooks; k++)
		before[k] = pcl_vdev_hook_value(v, k, v->shadow);
	memcpy(v->shadow, v->init, sizeof(v->shadow));
	for (uint32_t k = 0; k < v->nhooks; k++)
		if (v->hooks[k].hook != PCL_HOOK_FLR)
			pcl_vdev_report(v, k, before[k],
					pcl_vdev_hook_value(v, k, v->shadow));
	pcl_vdev_report(v, index, old, written);
}

/*
 * Pass 2: commit the shadow, report the hooked registers the write
 * changed (FLR registers excepted), then act on an FLR bit it set.
 */
static void commit(struct pcl_vdev *v, uint32_t off, uint32_t len,
		   const uint8_t *sh)
{
	uint8_t idx[4] = { 0 }; /* hook indexes, in the order first written */
	uint32_t old[4] = { 0 }, n = 0;
	int flr = -1;

	for (uint32_t i = 0; i < len; i++) {
		uint8_t h = v->b[off + i].hook;
		bool seen = false;

		if (!h)
			continue;
		for (uint32_t k = 0; k < n; k++)
			seen |= idx[k] == h - 1u;
		if (seen)
			continue;
		idx[n] = (uint8_t)(h - 1u);
		old[n] = pcl_vdev_hook_value(v, idx[n], v->shadow);
		n++;
	}
	for (uint32_t i = 0; i < len; i++)
		v->shadow[off + i] = sh[i];
	for (uint32_t k = 0; k < n; k++) {
		const struct pcl_guest_hook *h = &v->hooks[idx[k]];

		if (h->hook != PCL_HOOK_FLR)
			pcl_vdev_report(v, idx[k], old[k],
					pcl_vdev_hook_value(v, idx[k],
							    v->shadow));
		else if (flr < 0 &&
			 (v->shadow[h->offset] & v->b[h->offset].trig))
			flr = (int)k;
	}
	if (flr >= 0)
		flr_reset(v, idx[flr], old[flr]);
}

/* A write that needs more than the shadow (@off, @len checked). */
static PCL_NOINLINE int write_device_and_commit(struct pcl_vdev *vdev,
						uint32_t off, uint32_t len,
						uint32_t val)
{
	uint8_t in[4], sh[4];

	for (uint32_t i = 0; i < len; i++) {
		in[i] = (uint8_t)(val >> (8 * i));
		sh[i] = shadow_written(&vdev->b[off + i], vdev->shadow[off + i],
				       in[i]);
	}
	if (write_device(vdev, off, len, in, sh))
		return -EIO;
	commit(vdev, off, len, sh);
	return 0;
}

int pcl_vdev_write(struct pcl_vdev *vdev, uint32_t off, uint32_t len,
		   uint32_t val)
{
	int ret;

	if (!vdev)
		return -EINVAL;
	ret = check_access(off, len);
	if (ret)
		return ret;
	/* Fast path: an aligned access to bytes that are pure shadow with
	 * no hook: apply the masks in place. */
	if (fast_write(vdev, off, len)) {
		for (uint32_t i = 0; i < len; i++)
			vdev->shadow[off + i] =
				masked_write(&vdev->b[off + i],
					     vdev->shadow[off + i],
					     (uint8_t)(val >> (8 * i)));
		return 0;
	}
	return write_device_and_commit(vdev, off, len, val);
}

int pcl_vdev_hook(const struct pcl_vdev *vdev, uint32_t index,
		  struct pcl_vdev_event *ev)
{
	const struct pcl_guest_hook *h;

	if (!vdev || !ev)
		return -EINVAL;
	if (index >= vdev->nhooks)
		return -ENOENT;
	h = &vdev->hooks[index];
	*ev = (struct pcl_vdev_event){
		.hook = h->hook,
		.index = index,
		.offset = h->offset,
		.width = h->width,
		.old_value = pcl_vdev_hook_value(vdev, index, vdev->init),
		.new_value = pcl_vdev_hook_value(vdev, index, vdev->shadow),
	};
	return 0;
}
