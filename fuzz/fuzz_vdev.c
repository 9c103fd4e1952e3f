// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_vdev.c - the runtime engine under a hostile guest and a hostile
 * device. The guest is the one input a VMM cannot vet: whatever it does,
 * vdev.h promises that the engine never touches the device outside the
 * bytes its table passes through, never changes a bit outside the write
 * mask, never shows a hidden capability, and that save -> load restores
 * the state exactly; that an FLR bit resets the emulated state and that a
 * replay writes exactly the guest's settings. This target checks each
 * promise after every access against a reference model written from
 * image.h and vdev.h, not from vdev.c.
 *
 * Input: [flags][sel][cfg length, 2 bytes LE][cfg bytes][8-byte accesses]
 *   flags bits 0-1: unclaimed policy (3 = passthrough); bit 2: plan a
 *   virtual PASID; bit 3: a virtual DSN; bit 4: BAR and ROM sizes from
 *   @sel; bits 5, 6: PASID execute / privileged from the IOMMU.
 *   The cfg is planned (pcl_plan) and built (pcl_guest_build) as a VMM
 *   would; a device the planner refuses gets an empty layout instead.
 *   Access: [op][offset LE16][value LE32][len]; see run_op().
 * The "device" is a spy: plain memory with the RW1C bits the table names,
 * which fails an invariant on any call the current access may not make.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <pcilayout/pcilayout.h>

#include "fuzz.h"
#include "internal.h"
#include "guest/guest-internal.h"	/* check_image(): the engine's memory */

/* Under ASan, the static buffers below are given the length of what they
 * hold (set_len()). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(FUZZ_ASAN)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define fuzz_poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define fuzz_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define fuzz_poison(p, n) ((void)(p), (void)(n))
#define fuzz_unpoison(p, n) ((void)(p), (void)(n))
#endif

#define MAX_OPS 512
#define OP_SIZE 8
/* A full comparison of all 4096 bytes every this many accesses. */
#define FULL_CHECK_EVERY 64

struct spy {
	uint8_t dev[PCL_CFG_SIZE];  /* the device's registers */
	uint8_t w1c[PCL_CFG_SIZE];  /* device bits a written 1 clears */
	struct pcl_guest_rule rule[PCL_CFG_SIZE];
	/* Guest bytes [lo, hi) of the access in progress; lo == hi: none. */
	uint32_t lo, hi;
	bool writing;
	bool replaying;	/* pcl_vdev_replay() may touch the bytes of rmay */
	const uint8_t *rmay;
	bool fail_next;	/* fail the next backend call (then clear) */
	bool failed;	/* a call was failed during this access */
	unsigned int calls;
};

struct fuzz_vdev {
	struct spy spy;
	uint8_t image[PCL_CFG_SIZE];
	uint8_t model[PCL_CFG_SIZE];	/* expected shadow */
	/* Expected shadow after the write in progress; outside a write,
	 * the model (set_model()). */
	uint8_t next[PCL_CFG_SIZE];
	/* The device as the last access left it (outside a write or a
	 * replay, the device: every other change of it is a poke's). */
	uint8_t devold[PCL_CFG_SIZE];
	struct pcl_vdev *v;
	bool in_write;
	bool flr;			/* the write in progress resets */
	unsigned int events;
	struct pcl_vdev_event hooks[PCL_GUEST_MAX_HOOKS]; /* pcl_vdev_hook() */
	uint32_t nhooks;
	/* Per device byte: the bits a replay may write, and how many guest
	 * bytes write them (static, from the table). */
	uint8_t rmay[PCL_CFG_SIZE];
	uint8_t rusers[PCL_CFG_SIZE];
	/* The guest bytes that alone give their device byte the bits a
	 * replay writes: those do_replay() compares (static, from the table;
	 * listed by the input's first replay, if ralone_ok). */
	uint16_t ralone[PCL_CFG_SIZE];
	uint32_t nralone;
	bool ralone_ok;
	/* check_image(): what the last full comparison saw (seen_ok: there
	 * was one), and per device byte p the guest bytes whose reads use
	 * it, dep[dep_at[p]] up to dep[dep_at[p + 1]]. */
	bool seen_ok;
	struct pcl_vdev seen;
	uint8_t seen_model[PCL_CFG_SIZE];
	uint8_t seen_dev[PCL_CFG_SIZE];
	uint16_t dep_at[PCL_CFG_SIZE + 1];
	uint16_t dep[PCL_CFG_SIZE];
};

/* PHYS bits a guest write to the device is kept for (settings). */
static uint8_t settings(const struct pcl_guest_rule *r)
{
	if (r->source != PCL_GUEST_PHYS || !(r->flags & PCL_GUEST_REPLAY))
		return 0;
	return (uint8_t)(r->wmask & ~r->vmask & ~r->w1c);
}

/* The bits of a byte that are the guest's state rather than the device's. */
static uint8_t kept(const struct pcl_guest_rule *r)
{
	if (r->flags & PCL_GUEST_UNCLAIMED)
		return 0;
	return r->source == PCL_GUEST_PHYS ? (uint8_t)(r->vmask | settings(r)) :
	       0xff;
}

/* The bits of guest byte @r's device byte a replay writes. */
static uint8_t replayed(const struct pcl_guest_rule *r)
{
	if (r->source == PCL_GUEST_SHADOW)
		return (r->flags & PCL_GUEST_WRITE_THROUGH) ? 0xff : 0;
	return settings(r);
}

/* The 8 bytes at @p as one word: byte loops over 4096 bytes that only
 * compare go a word at a time. */
static uint64_t word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static bool is_hwwrite(const struct pcl_guest_rule *r)
{
	if (r->source == PCL_GUEST_SHADOW)
		return r->flags & PCL_GUEST_WRITE_THROUGH;
	return r->source == PCL_GUEST_PHYS && (r->wmask & ~r->vmask);
}

/*
 * May the access in progress touch the device byte of its guest byte with
 * rule @r this way? The device is touched only through a guest byte of the
 * access itself: reads of PHYS bytes whose value is not all shadow; during
 * a write, the bytes the write reaches (a read-modify-write reads them
 * first).
 */
static bool own_byte_allows(const struct spy *s,
			    const struct pcl_guest_rule *r, bool write)
{
	return s->writing ? is_hwwrite(r) :
	       (!write && r->source == PCL_GUEST_PHYS && r->vmask != 0xff);
}

/*
 * The device bytes @off up to @off + @len (at most 4) that the access in
 * progress may touch this way: bit i for byte @off + i. One pass over the
 * access's own bytes for all of them, not one per device byte.
 */
static uint32_t spy_allowed(const struct spy *s, uint32_t off, uint32_t len,
			    bool write)
{
	uint32_t ok = 0;

	for (uint32_t g = s->lo; g < s->hi; g++) {
		uint32_t i = (uint32_t)s->rule[g].phys - off;

		if (i < len && own_byte_allows(s, &s->rule[g], write))
			ok |= 1u << i;
	}
	/* A replay reads and writes the settings and write-through bytes. */
	for (uint32_t i = 0; i < len && s->replaying; i++)
		if (s->rmay[off + i])
			ok |= 1u << i;
	return ok;
}

static int spy_call(struct spy *s, uint32_t off, uint32_t len, bool write)
{
	FUZZ_CHECK(len == 1 || len == 2 || len == 4);
	FUZZ_CHECK(off < PCL_CFG_SIZE && len <= PCL_CFG_SIZE - off);
	FUZZ_CHECK(off % len == 0);	/* naturally aligned (vdev.h) */
	FUZZ_CHECK(!write || s->writing || s->replaying);
	FUZZ_CHECK(spy_allowed(s, off, len, write) == (1u << len) - 1u);
	s->calls++;
	if (s->fail_next) {
		s->fail_next = false;
		s->failed = true;
		return -EIO;
	}
	return 0;
}

static int spy_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct spy *s = opaque;
	uint32_t v = 0;
	int r = spy_call(s, off, len, false);

	if (r)
		return r;
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)s->dev[off + i] << (8 * i);
	*val = v;
	return 0;
}

static int spy_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct spy *s = opaque;
	int r = spy_call(s, off, len, true);

	if (r)
		return r;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i)), *d = &s->dev[off + i];

		*d = (uint8_t)((b & ~s->w1c[off + i]) |
			       (*d & s->w1c[off + i] & ~b));
	}
	return 0;
}

/*
 * What a guest read of a byte with rule @r and model byte @model must
 * return (image.h's per-byte model).
 */
static uint8_t expected_of(const struct fuzz_vdev *f,
			   const struct pcl_guest_rule *r, uint8_t model)
{
	if (r->source == PCL_GUEST_PHYS)
		return (uint8_t)((f->spy.dev[r->phys] & ~r->vmask) |
				 (model & r->vmask));
	return model;
}

/* ... of byte @g. */
static uint8_t expected(const struct fuzz_vdev *f, uint32_t g)
{
	return expected_of(f, &f->spy.rule[g], f->model[g]);
}

static void begin(struct fuzz_vdev *f, uint32_t lo, uint32_t hi, bool wr)
{
	f->spy.lo = lo < PCL_CFG_SIZE ? lo : PCL_CFG_SIZE;
	f->spy.hi = hi < PCL_CFG_SIZE ? hi : PCL_CFG_SIZE;
	f->spy.writing = wr;
	f->spy.failed = false;
	f->spy.calls = 0;
}

static void end(struct fuzz_vdev *f)
{
	f->spy.lo = f->spy.hi = 0;
	f->spy.writing = false;
	f->spy.fail_next = false;
}

/*
 * One dword of the image against the model, as one 4-byte read (the
 * dword's bytes are the access, so the spy still allows only their device
 * bytes): every byte as expected(); a dword of emulated bytes never costs
 * a device access. Reading every byte alone (4,096 reads, not 1,024) made
 * this half of an input's instructions; each access's own bytes are still
 * read one by one (check_bytes()).
 */
static void check_dword(struct fuzz_vdev *f, uint32_t g)
{
	uint32_t val = 0xdeadbeef;
	bool emulated = true;
	/* The dword's rules and model bytes, copied out whole: a check of
	 * every field of 4 rules under ASan cost more than the read. */
	struct pcl_guest_rule r[4];
	uint8_t model[4];

	memcpy(r, &f->spy.rule[g], sizeof(r));
	memcpy(model, &f->model[g], sizeof(model));
	begin(f, g, g + 4, false);
	FUZZ_CHECK(pcl_vdev_read(f->v, g, 4, &val) == 0);
	for (uint32_t i = 0; i < 4; i++) {
		FUZZ_CHECK(((val >> (8 * i)) & 0xff) ==
			   expected_of(f, &r[i], model[i]));
		emulated &= r[i].source != PCL_GUEST_PHYS || r[i].vmask == 0xff;
	}
	if (emulated)
		FUZZ_CHECK(f->spy.calls == 0);
	end(f);
}

/* The guest bytes whose reads use each device byte (f->dep). */
static void index_deps(struct fuzz_vdev *f)
{
	uint16_t at[PCL_CFG_SIZE + 1] = { 0 };

	for (uint32_t g = 0; g < PCL_CFG_SIZE; g++)
		if (f->spy.rule[g].source == PCL_GUEST_PHYS)
			at[f->spy.rule[g].phys + 1]++;
	for (uint32_t p = 0; p < PCL_CFG_SIZE; p++)
		at[p + 1] = (uint16_t)(at[p + 1] + at[p]);
	memcpy(f->dep_at, at, sizeof(at));
	for (uint32_t g = 0; g < PCL_CFG_SIZE; g++)
		if (f->spy.rule[g].source == PCL_GUEST_PHYS)
			f->dep[at[f->spy.rule[g].phys]++] = (uint16_t)g;
}

/*
 * Do the 64 bytes at @a and @b differ? Not memcmp(): ASan's interceptor
 * and libFuzzer's hook behind it cost more than the compare for each of
 * the 64 blocks of 4096 bytes. Copied whole, the blocks are a few vector
 * loads, which ASan checks once each (as state.c's block_at()).
 */
static bool block_differs(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[8], y[8], d = 0;

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	for (uint32_t i = 0; i < 8; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}

/* Mark in @dirty the dwords of the bytes where @a and @b differ. */
static void mark_changed(bool *dirty, const uint8_t *a, const uint8_t *b)
{
	for (uint32_t w = 0; w < PCL_CFG_SIZE; w += 64) {
		if (!block_differs(a + w, b + w))
			continue;
		for (uint32_t i = w; i < w + 64; i++)
			dirty[i / 4] |= a[i] != b[i];
	}
}

/*
 * Does engine @a's published fast path (pcl_vdev_fastpath()) point at its
 * own tables? Then it reads what pcl_vdev_read() reads.
 */
static bool own_fastpath(const struct pcl_vdev *a)
{
	return a->fastpath.read == a->fast && a->fastpath.image == a->shadow &&
	       a->fastpath.vdev == a;
}

/*
 * @dst becomes a copy of engine @src, for same_engine() to compare with
 * later, its fast path pointing at its own tables as @src's at @src's.
 */
static void copy_engine(struct pcl_vdev *dst, const struct pcl_vdev *src)
{
	memcpy(dst, src, sizeof(*dst));
	if (own_fastpath(src)) {
		dst->fastpath.read = dst->fast;
		dst->fastpath.image = dst->shadow;
		dst->fastpath.vdev = dst;
	}
}

/*
 * Do engines @a and @b hold the same bytes, their shadows aside, in all
 * that pcl_vdev_read() uses? That is all of struct pcl_vdev (vdev.c) but
 * the notify callback and the saved state's records, which two engines of
 * one view hold apart, and the fast path's pointers, which are each
 * engine's own (own_fastpath(): checked, not compared, so that two
 * engines at two addresses can be the same).
 */
static bool same_engine(const struct pcl_vdev *a, const struct pcl_vdev *b)
{
	const size_t fp = offsetof(struct pcl_vdev, fastpath) +
			  sizeof(a->fastpath);
	const size_t cb = offsetof(struct pcl_vdev, notify);
	const size_t sh = offsetof(struct pcl_vdev, shadow) + sizeof(a->shadow);
	const size_t rec = offsetof(struct pcl_vdev, rec);
	const size_t end = rec + sizeof(a->rec);
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	_Static_assert(offsetof(struct pcl_vdev, fastpath) == 0,
		       "same_engine(): the fast path comes first");
	return own_fastpath(a) && own_fastpath(b) &&
	       !memcmp(x + fp, y + fp, cb - fp) &&
	       !memcmp(x + sh, y + sh, rec - sh) &&
	       !memcmp(x + end, y + end, sizeof(*a) - end);
}

/*
 * The whole image against the model (check_dword() of every dword): the
 * engine's state has not drifted. A dword's check reads it through
 * pcl_vdev_read(), which uses nothing but the engine's own memory (struct
 * pcl_vdev, vdev.c; same_engine()) and the spy's answers, and compares it
 * with expected(), which uses the model's and the device's bytes and the
 * rules (fixed). So where none of these changed since a comparison passed
 * (f->seen*) - the engine's memory byte for byte, the dword's model bytes
 * and the device bytes its PHYS rules name - the check would make the same
 * calls and compare the same values again, and cannot fail: only the other
 * dwords are read. Any other change of the engine (which no access may
 * make) reads them all.
 */
static void check_image(struct fuzz_vdev *f)
{
	bool dirty[PCL_CFG_SIZE / 4], all;

	all = !f->seen_ok || !same_engine(f->v, &f->seen);
	memset(dirty, all, sizeof(dirty));
	mark_changed(dirty, f->v->shadow, f->seen.shadow);
	mark_changed(dirty, f->model, f->seen_model);
	for (uint32_t w = 0; w < PCL_CFG_SIZE; w += 64) {
		if (!block_differs(f->spy.dev + w, f->seen_dev + w))
			continue;
		for (uint32_t p = w; p < w + 64; p++)
			for (uint32_t k = f->dep_at[p];
			     f->spy.dev[p] != f->seen_dev[p] &&
			     k < f->dep_at[p + 1]; k++)
				dirty[f->dep[k] / 4] = true;
	}
	for (uint32_t d = 0; d < PCL_CFG_SIZE / 4; d++)
		if (dirty[d])
			check_dword(f, 4 * d);
	if (all)
		copy_engine(&f->seen, f->v);
	else
		memcpy(f->seen.shadow, f->v->shadow, sizeof(f->seen.shadow));
	memcpy(f->seen_model, f->model, sizeof(f->seen_model));
	memcpy(f->seen_dev, f->spy.dev, sizeof(f->seen_dev));
	f->seen_ok = true;
}

/* Byte by byte, so that each read is checked against one rule. */
static void check_bytes(struct fuzz_vdev *f, uint32_t lo, uint32_t hi)
{
	for (uint32_t g = lo; g < hi && g < PCL_CFG_SIZE; g++) {
		uint32_t val = 0xdeadbeef;

		begin(f, g, g + 1, false);
		FUZZ_CHECK(pcl_vdev_read(f->v, g, 1, &val) == 0);
		FUZZ_CHECK(val == expected(f, g));
		/* Emulated bytes never cost a device access. */
		if (f->spy.rule[g].source != PCL_GUEST_PHYS ||
		    f->spy.rule[g].vmask == 0xff)
			FUZZ_CHECK(f->spy.calls == 0);
		end(f);
	}
}

/* A hooked register's value in shadow @sh: its kept bits. */
static uint32_t hook_value(const struct fuzz_vdev *f, const uint8_t *sh,
			   uint32_t off, uint32_t width)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < width; i++)
		v |= (uint32_t)(sh[off + i] & kept(&f->spy.rule[off + i]))
		     << (8 * i);
	return v;
}

/*
 * An event of a write is the register's change by the write (model ->
 * next); during a reset also its change by the reset (next -> image), and
 * the FLR event itself. An event of a replay: image -> model.
 */
static void on_change(void *opaque, const struct pcl_vdev_event *ev)
{
	struct fuzz_vdev *f = opaque;
	uint32_t oldv, newv, resetv, now = 0;

	FUZZ_CHECK(f->in_write || f->spy.replaying);
	FUZZ_CHECK(ev->hook >= PCL_HOOK_COMMAND && ev->hook <= PCL_HOOK_FLR);
	FUZZ_CHECK(ev->index < PCL_GUEST_MAX_HOOKS);
	FUZZ_CHECK(ev->width == 1 || ev->width == 2 || ev->width == 4);
	FUZZ_CHECK(ev->offset < PCL_CFG_SIZE &&
		   ev->width <= PCL_CFG_SIZE - ev->offset);
	FUZZ_CHECK(ev->old_value != ev->new_value);
	for (uint32_t i = 0; i < ev->width; i++)
		FUZZ_CHECK(f->spy.rule[ev->offset + i].hook == ev->index + 1);
	oldv = hook_value(f, f->model, ev->offset, ev->width);
	newv = hook_value(f, f->next, ev->offset, ev->width);
	resetv = hook_value(f, f->image, ev->offset, ev->width);
	f->events++;
	if (f->spy.replaying) {
		FUZZ_CHECK(ev->hook != PCL_HOOK_FLR);
		FUZZ_CHECK(ev->old_value == resetv && ev->new_value == oldv);
		return;
	}
	FUZZ_CHECK((ev->old_value == oldv && ev->new_value == newv) ||
		   (f->flr && ev->hook != PCL_HOOK_FLR &&
		    ev->old_value == newv && ev->new_value == resetv));
	FUZZ_CHECK(ev->hook != PCL_HOOK_FLR || f->flr);
	/* vdev.h allows a read from the callback; it sees the engine's
	 * emulated bits as they are now (after a reset: the initial ones). */
	{
		/* The read may reach exactly the register's device bytes. */
		uint32_t lo = f->spy.lo, hi = f->spy.hi;
		bool writing = f->spy.writing, fail_next = f->spy.fail_next;

		f->spy.lo = ev->offset;
		f->spy.hi = ev->offset + ev->width;
		f->spy.writing = false;
		f->spy.fail_next = false;
		FUZZ_CHECK(pcl_vdev_read(f->v, ev->offset, ev->width, &now) == 0);
		f->spy.lo = lo;
		f->spy.hi = hi;
		f->spy.writing = writing;
		f->spy.fail_next = fail_next;
	}
	for (uint32_t i = 0; i < ev->width; i++) {
		const struct pcl_guest_rule *r = &f->spy.rule[ev->offset + i];
		uint8_t emu = r->source == PCL_GUEST_PHYS ? r->vmask : 0xff;
		bool by_write = ev->hook != PCL_HOOK_FLR &&
				ev->old_value == oldv && ev->new_value == newv;
		const uint8_t *after = by_write ? f->next : f->image;

		FUZZ_CHECK((((now >> (8 * i)) ^ after[ev->offset + i]) & emu) ==
			   0);
	}
}

static uint32_t access_len(uint8_t op, uint8_t raw)
{
	static const uint32_t lens[3] = { 1, 2, 4 };
	uint32_t sel = (op >> 3) & 3u;

	return sel < 3 ? lens[sel] : raw;
}

static int expected_ret(uint32_t off, uint32_t len)
{
	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	if (off >= PCL_CFG_SIZE || len > PCL_CFG_SIZE - off)
		return -EFAULT;
	return 0;
}

static void do_read(struct fuzz_vdev *f, uint32_t off, uint32_t len,
		    bool fail, bool inl)
{
	uint32_t val = 0x5a5a5a5a;
	int want = expected_ret(off, len), r;

	begin(f, off, off + len, false);
	f->spy.fail_next = fail;
	r = inl ? pcl_vdev_fastpath_read(pcl_vdev_fastpath(f->v), off, len,
					 &val)
		: pcl_vdev_read(f->v, off, len, &val);
	if (want) {
		FUZZ_CHECK(r == want && f->spy.calls == 0);
		FUZZ_CHECK(val == 0x5a5a5a5a);
	} else if (f->spy.failed) {
		FUZZ_CHECK(r == -EIO && val == 0x5a5a5a5a);
	} else {
		FUZZ_CHECK(r == 0);
		for (uint32_t i = 0; i < len; i++)
			FUZZ_CHECK(((val >> (8 * i)) & 0xff) ==
				   expected(f, off + i));
		FUZZ_CHECK(len == 4 || val >> (8 * len) == 0);
	}
	end(f);
}

/*
 * The device after a write: bytes no guest byte of the access maps to are
 * unchanged; a PHYS byte changes only in its hardware-writable bits
 * (exactly as written, RW1C bits cleared by a 1); a write-through byte
 * holds the new shadow value. After a failed write (@ok false) the changes
 * must still be within those bits: earlier parts may have been written.
 * f->devold is the device before the write; on return, after it.
 */
static void check_device_write(struct fuzz_vdev *f, uint32_t off,
			       uint32_t len, const uint8_t *in, bool ok)
{
	const struct spy *s = &f->spy;
	uint8_t before[4];

	/*
	 * Bytes the access cannot reach: a compare of the whole device with
	 * the one before, where the bytes it may reach are taken as they
	 * are now (their old values kept for the checks below).
	 */
	for (uint32_t g = off; g < off + len; g++)
		before[g - off] = f->devold[s->rule[g].phys];
	for (uint32_t g = off; g < off + len; g++)
		if (is_hwwrite(&s->rule[g]))
			f->devold[s->rule[g].phys] = s->dev[s->rule[g].phys];
	FUZZ_CHECK(memcmp(s->dev, f->devold, sizeof(s->dev)) == 0);

	for (uint32_t g = off; g < off + len; g++) {
		uint32_t p = s->rule[g].phys;
		uint8_t may = 0, old = before[g - off], now = s->dev[p];
		unsigned int users = 0;

		if (!is_hwwrite(&s->rule[g]))
			continue;
		for (uint32_t h = off; h < off + len; h++) {
			const struct pcl_guest_rule *r = &s->rule[h];

			if (r->phys != p || !is_hwwrite(r))
				continue;
			may |= r->source == PCL_GUEST_PHYS ?
			       (uint8_t)(r->wmask & ~r->vmask) : 0xff;
			users++;
		}
		FUZZ_CHECK(((old ^ now) & ~may) == 0);
		if (!ok || users != 1)
			continue;
		if (s->rule[g].source == PCL_GUEST_SHADOW) {
			FUZZ_CHECK(s->w1c[p] || now == f->next[g]);
		} else {
			uint8_t x = in[g - off];

			FUZZ_CHECK((now & may & ~s->w1c[p]) ==
				   (x & may & ~s->w1c[p]));
			FUZZ_CHECK((now & may & s->w1c[p]) ==
				   (old & may & s->w1c[p] & ~x));
		}
	}
}

/* The hook of @kind whose register starts at @g, or NULL. */
static const struct pcl_vdev_event *hook_at(const struct fuzz_vdev *f,
					    uint32_t g, uint32_t kind)
{
	for (uint32_t k = 0; k < f->nhooks; k++)
		if (f->hooks[k].offset == g && f->hooks[k].hook == kind)
			return &f->hooks[k];
	return NULL;
}

/*
 * f->next after a write of @in (image.h: written bits change, RW1C bits
 * clear on a 1, settings are kept; vdev.h: MSI's Multiple Message Enable
 * at most Capable). Return whether it sets an FLR bit, which resets.
 */
static bool model_write(struct fuzz_vdev *f, uint32_t off, uint32_t len,
			const uint8_t *in)
{
	bool flr = false;

	for (uint32_t i = 0; i < len; i++) {
		const struct pcl_guest_rule *ru = &f->spy.rule[off + i];
		uint8_t sm = ru->source == PCL_GUEST_SHADOW ? ru->wmask :
			     ru->source == PCL_GUEST_PHYS ?
			     (uint8_t)((ru->wmask & ru->vmask) | settings(ru)) :
			     0;
		uint8_t old = f->model[off + i], nx;

		nx = (uint8_t)((old & ~sm) | (in[i] & sm & ~ru->w1c) |
			       (old & ru->w1c & sm & ~in[i]));
		if (hook_at(f, off + i, PCL_HOOK_MSI) &&
		    ((nx >> 4) & 7) > ((nx >> 1) & 7))
			nx = (uint8_t)((nx & ~sm) |
				       (((nx & 0x8f) | ((nx >> 1) & 7) << 4) &
					sm));
		f->next[off + i] = nx;
		/* The property itself, independent of the formula. */
		FUZZ_CHECK(((nx ^ old) & ~ru->wmask) == 0);
		if (hook_at(f, off + i, PCL_HOOK_FLR))
			flr |= (nx & (ru->source == PCL_GUEST_PHYS ?
				      ru->wmask & ru->vmask : ru->wmask)) != 0;
	}
	return flr;
}

/* The model (and f->next, its copy outside a write) becomes @sh. */
static void set_model(struct fuzz_vdev *f, const uint8_t *sh)
{
	memcpy(f->model, sh, sizeof(f->model));
	memcpy(f->next, sh, sizeof(f->next));
}

static void do_write(struct fuzz_vdev *f, uint32_t off, uint32_t len,
		     uint32_t val, bool fail)
{
	int want = expected_ret(off, len), r;
	uint8_t in[4];

	/* f->next is the model but where model_write() writes it (the
	 * access's bytes), and f->devold the device: copies, kept so. */
	for (uint32_t i = 0; i < 4; i++)
		in[i] = (uint8_t)(val >> (8 * i));
	if (!want)
		f->flr = model_write(f, off, len, in);
	begin(f, off, off + len, true);
	f->spy.fail_next = fail;
	f->in_write = true;
	r = pcl_vdev_write(f->v, off, len, val);
	f->in_write = false;
	if (want) {
		FUZZ_CHECK(r == want && f->spy.calls == 0);
	} else if (f->spy.failed) {
		FUZZ_CHECK(r == -EIO);
	} else {
		FUZZ_CHECK(r == 0);
	}
	if (!r && f->flr)
		set_model(f, f->image);
	else if (!r)
		memcpy(f->model + off, f->next + off, len);
	else if (!want)
		memcpy(f->next + off, f->model + off, len);
	f->flr = false;
	end(f);
	if (!want)
		check_device_write(f, off, len, in, r == 0);
	else
		FUZZ_CHECK(memcmp(f->devold, f->spy.dev, PCL_CFG_SIZE) == 0);
}

/*
 * Saved states live in static buffers, one per role, not in malloc()'d
 * ones: an input's ~24 save-load operations made ~75 allocations of 5-10 KB
 * each, which ASan fills, quarantines and recycles (with their frees and
 * page faults, ~10 % of this target's time). Each use makes its buffer
 * exactly the state's length to ASan (take_buf()): the bytes after it are
 * poisoned, so a read or write past the state's end is reported as with a
 * buffer of that size from malloc(). It is also filled with a pattern of
 * its own first, so that a byte the library leaves unwritten cannot match
 * the same byte of another buffer by chance.
 */
enum { BUF_BLOB, BUF_COPY, BUF_AGAIN, BUFS };

#define STATE_MAX 65536

/*
 * Make the @cap bytes at @b look @len bytes long to ASan: the rest is
 * poisoned. *@shown is 1 + the length the last call gave (0: none, nothing
 * poisoned yet), so that only the bytes between the two lengths change,
 * not all @cap (64 KB).
 */
static void set_len(const uint8_t *b, size_t cap, size_t *shown, size_t len)
{
	size_t was = *shown ? *shown - 1 : cap;

	FUZZ_CHECK(len < cap);
	fuzz_unpoison(b, len);
	if (was > len)
		fuzz_poison(b + len, was - len);
	*shown = len + 1;
}

/* Buffer @k as @len bytes (below STATE_MAX), filled with its pattern. */
static uint8_t *take_buf(unsigned int k, size_t len)
{
	static uint8_t bufs[BUFS][STATE_MAX];
	static size_t shown[BUFS];

	FUZZ_CHECK(k < BUFS);
	set_len(bufs[k], STATE_MAX, &shown[k], len);
	memset(bufs[k], 0xa5 + 0x11 * (int)k, len);
	return bufs[k];
}

/* The state of @v in buffer @k. */
static uint8_t *save(const struct pcl_vdev *v, size_t *len, unsigned int k)
{
	uint8_t *buf;

	FUZZ_CHECK(pcl_vdev_save(v, NULL, 0, len) == -ENOSPC);
	FUZZ_CHECK(*len > 0 && *len < STATE_MAX);
	buf = take_buf(k, *len);
	FUZZ_CHECK(pcl_vdev_save(v, buf, *len - 1, len) == -ENOSPC);
	FUZZ_CHECK(pcl_vdev_save(v, buf, *len, len) == 0);
	return buf;
}

/*
 * Save, disturb, load: the state comes back byte for byte. A corrupted
 * blob is refused and leaves the engine as it was. The device is never
 * touched (the spy has no access open, so any call fails).
 */
static void do_save_load(struct fuzz_vdev *f, uint32_t val, uint8_t flip)
{
	size_t len, len2;
	uint8_t *blob = save(f->v, &len, BUF_BLOB), *copy, *again;
	struct pcl_error err;

	copy = take_buf(BUF_COPY, len);
	memcpy(copy, blob, len);
	if (flip) {
		copy[val % len] ^= flip;
		FUZZ_CHECK(pcl_vdev_load(f->v, copy, len, &err) == -EINVAL);
		fuzz_check_error(-EINVAL, &err);
		/* Truncated: refused too. */
		FUZZ_CHECK(pcl_vdev_load(f->v, blob, val % len, NULL) ==
			   -EINVAL);
	} else {
		pcl_vdev_reset(f->v);
		FUZZ_CHECK(pcl_vdev_load(f->v, copy, len, &err) == 0);
	}
	again = save(f->v, &len2, BUF_AGAIN);
	FUZZ_CHECK(len2 == len && memcmp(again, blob, len) == 0);
}

/*
 * A replay writes the device's settings bytes and write-through bytes
 * with the guest's values, nothing else, and reports every hooked
 * register (FLR aside) that differs from its initial value.
 */
static void do_replay(struct fuzz_vdev *f, bool fail)
{
	const struct spy *s = &f->spy;
	unsigned int want = 0;
	int r;

	begin(f, 0, 0, false);
	f->spy.replaying = true;
	f->spy.fail_next = fail;
	f->events = 0;
	r = pcl_vdev_replay(f->v);
	f->spy.replaying = false;
	FUZZ_CHECK(r == (f->spy.failed ? -EIO : 0));
	end(f);
	/* Nothing but those bits changed; after a success, each holds the
	 * guest's value (where one guest byte alone writes it). */
	for (uint32_t p = 0; p < PCL_CFG_SIZE; p += 8)
		FUZZ_CHECK(((word(s->dev + p) ^ word(f->devold + p)) &
			    ~word(f->rmay + p)) == 0);
	memcpy(f->devold, s->dev, sizeof(f->devold));
	for (uint32_t g = 0; g < PCL_CFG_SIZE && !f->ralone_ok; g++)
		if (replayed(&s->rule[g]) && f->rusers[s->rule[g].phys] == 1)
			f->ralone[f->nralone++] = (uint16_t)g;
	f->ralone_ok = true;
	for (uint32_t k = 0; k < f->nralone && !r; k++) {
		uint32_t g = f->ralone[k], p = s->rule[g].phys;
		uint8_t may = replayed(&s->rule[g]);

		if (s->rule[g].source == PCL_GUEST_SHADOW)
			FUZZ_CHECK(s->w1c[p] || s->dev[p] == f->model[g]);
		else
			FUZZ_CHECK((s->dev[p] & may) == (f->model[g] & may));
	}
	for (uint32_t k = 0; k < f->nhooks && !r; k++)
		want += f->hooks[k].hook != PCL_HOOK_FLR &&
			hook_value(f, f->model, f->hooks[k].offset,
				   f->hooks[k].width) !=
			hook_value(f, f->image, f->hooks[k].offset,
				   f->hooks[k].width);
	FUZZ_CHECK(r || f->events == want);
}

static void run_op(struct fuzz_vdev *f, const uint8_t *op)
{
	uint32_t off = (uint32_t)op[1] | (uint32_t)op[2] << 8;
	uint32_t val = (uint32_t)op[3] | (uint32_t)op[4] << 8 |
		       (uint32_t)op[5] << 16 | (uint32_t)op[6] << 24;
	uint32_t len = access_len(op[0], op[7]);
	bool fail = op[0] & 0x40;

	/* Mostly in range; bit 5 lets the fuzzer try any 16-bit offset. */
	if (!(op[0] & 0x20))
		off &= PCL_CFG_SIZE - 1;
	switch (op[0] & 7) {
	case 0:
	case 1: /* 1: through vdev.h's inline fast path */
		do_read(f, off, len, fail, op[0] & 1);
		break;
	case 2:
	case 3:
	case 4:
		do_write(f, off, len, val, fail);
		break;
	case 5:
		/* The device changes its own registers (status, a hidden
		 * capability's counters...): the guest sees it only where
		 * the table passes the byte through. */
		off &= PCL_CFG_SIZE - 1;
		for (uint32_t i = 0; i < 4 && off + i < PCL_CFG_SIZE; i++)
			f->spy.dev[off + i] = f->devold[off + i] =
				(uint8_t)(val >> (8 * i));
		return;
	case 6:
		if (val & 1) {
			do_replay(f, fail);
			return;
		}
		pcl_vdev_reset(f->v);
		set_model(f, f->image);
		return;
	default:
		do_save_load(f, val, op[7]);
		return;
	}
	/* The bytes of the access's dwords, one by one. */
	if (off < PCL_CFG_SIZE)
		check_bytes(f, off & ~3u, (off + (len < 4 ? len : 4) + 3) & ~3u);
}

/* Mark the device bytes of every capability the layout presents (@home)
 * and the headers of every other capability and orphan (@hdr). */
enum { HDR_NONE, HDR_LINKED, HDR_UNLINKED };

/* Is @c in the chains of @view (the device as vfio-pci shows it)? */
static bool linked_in(const struct pcl_walk *view, const struct pcl_cap *c)
{
	for (size_t i = 0; view && i < pcl_walk_cap_count(view); i++) {
		const struct pcl_cap *v = pcl_walk_cap(view, i);

		if (v->space == c->space && v->offset == c->offset &&
		    v->id == c->id)
			return true;
	}
	return false;
}

static void device_caps(const struct pcl_layout *l, const struct pcl_walk *w,
			const struct pcl_walk *view, bool *home, uint8_t *hdr)
{
	const struct pcl_cap *c;

	/* Chain members, then orphans: the indexes pcl_layout_entry_find()
	 * gives (an orphan is presented when an entry selects it). */
	for (size_t i = 0; (c = pcl_walk_cap_or_orphan(w, i)); i++) {
		bool shown = false;
		uint32_t len = c->space == PCL_SPACE_STANDARD ? 2 : 4;

		for (int sp = 0; sp < 2; sp++)
			for (size_t k = 0; k < pcl_layout_entry_count(l, sp); k++) {
				const struct pcl_layout_entry *e =
					pcl_layout_entry(l, sp, k);

				shown |= e->kind == PCL_ENTRY_PHYSICAL &&
					 pcl_layout_entry_find(e, w) == (long)i;
			}
		for (uint32_t b = c->offset; b < PCL_CFG_SIZE &&
		     b < (uint32_t)c->offset + (shown ? c->length : len); b++) {
			if (shown)
				home[b] = true;
			else if (!hdr[b])
				hdr[b] = linked_in(view, c) ? HDR_LINKED :
							      HDR_UNLINKED;
		}
	}
}

/* Does a capability of @w other than @c reach into [@o, @o + @n)? */
static bool overlapped(const struct pcl_walk *w, const struct pcl_cap *c,
		       uint32_t o, uint32_t n)
{
	const struct pcl_cap *x;

	for (size_t i = 0; (x = pcl_walk_cap_or_orphan(w, i)); i++)
		if (x != c && x->offset < o + n && o < x->offset + x->length)
			return true;
	return false;
}

/* A header vfio-pci links in, not presented, under "passthrough", where
 * nothing else lies: the device's ID (and version) with next pointer 0,
 * as QEMU drops one. */
static void check_dropped_header(const struct fuzz_vdev *f,
				 const struct pcl_walk *w, const uint8_t *hdr,
				 const bool *covered, const bool *home)
{
	const uint8_t *d = f->spy.dev;
	const struct pcl_cap *c;

	for (size_t i = 0; (c = pcl_walk_cap_or_orphan(w, i)); i++) {
		uint32_t o = c->offset, n = c->space == PCL_SPACE_STANDARD ? 2 : 4;
		bool clear = true;

		if (o >= 0x100 ? o + 4 > PCL_CFG_SIZE : o + 2 > 0x100)
			continue;
		for (uint32_t b = o; b < o + n; b++)
			clear &= !covered[b] && !home[b];
		if (!clear || hdr[o] != HDR_LINKED || o == 0x100 ||
		    overlapped(w, c, o, n))
			continue;
		FUZZ_CHECK(f->image[o] == d[o]);
		if (c->space == PCL_SPACE_STANDARD) {
			FUZZ_CHECK(f->image[o + 1] == 0);
			continue;
		}
		FUZZ_CHECK(f->image[o + 1] == d[o + 1] &&
			   f->image[o + 2] == (d[o + 2] & 0x0f) &&
			   f->image[o + 3] == 0);
	}
}

/*
 * Static checks of the table against the device (layout-format 5.4, 5.5):
 * no byte passes through to a presented capability's bytes except its own
 * entry at the same relative offset, nor to the header of any other
 * capability or orphan vfio-pci links in; the header of a hidden or
 * unmentioned capability that no presented entry covers reads the fill
 * under "zero" and "ones", and under "passthrough" as QEMU shows it: one
 * vfio-pci links in as dropped (check_dropped_header()), one it unlinks
 * (an orphan of its view) raw; other bytes follow the unclaimed policy
 * (passed through at their own offset, or the fill).
 */
static void check_exposure(const struct fuzz_vdev *f,
			   const struct pcl_layout *l,
			   const struct pcl_walk *w)
{
	static int32_t allowed[PCL_CFG_SIZE];
	static bool home[PCL_CFG_SIZE], covered[PCL_CFG_SIZE];
	static uint8_t hdr[PCL_CFG_SIZE];
	int policy = pcl_layout_unclaimed(l);
	uint8_t fill = policy == PCL_UNCLAIMED_ONES ? 0xff : 0;
	struct pcl_cfg *vcfg = NULL;
	struct pcl_walk *view = NULL;

	memset(home, 0, sizeof(home));
	memset(hdr, 0, sizeof(hdr));
	memset(covered, 0, sizeof(covered));
	/*
	 * 0x100 always holds the extended chain's head as the builder wrote
	 * it (an anchor, or "no capabilities"), whatever was there.
	 */
	memset(covered + 0x100, 1, 4);
	for (uint32_t g = 0; g < PCL_CFG_SIZE; g++)
		allowed[g] = -1;
	if (pcl_walk_vfio_view(w, &vcfg, NULL) == 0)
		view = pcl_walk_new(vcfg);
	device_caps(l, w, view, home, hdr);
	pcl_walk_free(view);
	pcl_cfg_free(vcfg);
	for (int sp = PCL_SPACE_STANDARD; sp <= PCL_SPACE_EXTENDED; sp++) {
		for (size_t i = 0; i < pcl_layout_entry_count(l, sp); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(l, sp, i);
			uint32_t len = e->length ? e->length :
				pcl_layout_cap_default_length(e->space, e->id);
			long k;

			if (e->kind == PCL_ENTRY_HIDDEN)
				continue;
			FUZZ_CHECK(e->at >= 0 && len <= PCL_CFG_SIZE &&
				   (uint32_t)e->at <= PCL_CFG_SIZE - len);
			for (uint32_t b = 0; b < len; b++)
				covered[(uint32_t)e->at + b] = true;
			if (e->kind != PCL_ENTRY_PHYSICAL)
				continue;
			k = pcl_layout_entry_find(e, w);
			FUZZ_CHECK(k >= 0);
			for (uint32_t b = 0; b < len; b++)
				allowed[(uint32_t)e->at + b] =
					(int32_t)(pcl_walk_cap_or_orphan(w, (size_t)k)->offset + b);
		}
	}
	for (uint32_t g = 0; g < PCL_CFG_SIZE; g++) {
		const struct pcl_guest_rule *r = &f->spy.rule[g];

		bool raw_hdr = hdr[r->phys] == HDR_UNLINKED &&
			       policy == PCL_UNCLAIMED_PASSTHROUGH;

		if (r->source == PCL_GUEST_PHYS)
			FUZZ_CHECK(allowed[g] == (int32_t)r->phys ||
				   (!home[r->phys] &&
				    (!hdr[r->phys] || raw_hdr) &&
				    r->phys == g));
		if (r->source == PCL_GUEST_SHADOW &&
		    (r->flags & PCL_GUEST_WRITE_THROUGH))
			FUZZ_CHECK(r->phys < 0x40 && !home[r->phys] &&
				   !hdr[r->phys]);
		if (covered[g] || g < 0x40 || home[g])
			continue;
		if (policy != PCL_UNCLAIMED_PASSTHROUGH) {
			FUZZ_CHECK(r->source == PCL_GUEST_CONST);
			FUZZ_CHECK(f->image[g] == fill);
		} else if (hdr[g] == HDR_LINKED) {
			FUZZ_CHECK(r->source != PCL_GUEST_PHYS);
		}
	}
	if (policy == PCL_UNCLAIMED_PASSTHROUGH)
		check_dropped_header(f, w, hdr, covered, home);
}

/* The planned layout, or an empty one when the planner refuses. */
static struct pcl_layout *make_layout(struct pcl_ctx *ctx,
				      const struct pcl_cfg *cfg,
				      const struct pcl_walk *w, uint8_t flags,
				      uint8_t sel)
{
	struct pcl_plan_request *req = pcl_plan_request_new(ctx);
	struct pcl_layout *l = NULL;
	int policy = flags & 3;

	FUZZ_CHECK(req != NULL);
	FUZZ_CHECK(pcl_plan_request_set_cfg(req, cfg, w) == 0);
	if (flags & 4) {
		struct pcl_plan_pasid p = {
			.flags = PCL_PLAN_PASID_IOMMU,
			.iommu_max_width = (uint8_t)(1 + sel % 20),
			.iommu_exec = (flags >> 5) & 1,
			.iommu_priv = (flags >> 6) & 1,
		};

		FUZZ_CHECK(pcl_plan_request_add_pasid(req, &p) == 0);
	}
	if (flags & 8) {
		struct pcl_plan_dsn d = { 0, 0, 0x0123456789abcdefull ^ sel };

		FUZZ_CHECK(pcl_plan_request_add_dsn(req, &d) == 0);
	}
	if (pcl_plan(req, &l, NULL) < 0) {
		pcl_plan_request_free(req);
		/* Without virtual capabilities, then with nothing at all. */
		req = pcl_plan_request_new(ctx);
		FUZZ_CHECK(req != NULL);
		FUZZ_CHECK(pcl_plan_request_set_cfg(req, cfg, w) == 0);
		if (pcl_plan(req, &l, NULL) < 0) {
			l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
			FUZZ_CHECK(l != NULL);
			FUZZ_CHECK(pcl_layout_set_name(l, "fuzz") == 0);
		}
	}
	pcl_plan_request_free(req);
	FUZZ_CHECK(pcl_layout_validate(l, NULL) == 0);
	FUZZ_CHECK(pcl_layout_set_unclaimed(l, policy == 3 ? 0 : policy) == 0);
	return l;
}

static struct pcl_guest *make_guest(struct pcl_ctx *ctx,
				    const struct pcl_layout *l,
				    const struct pcl_cfg *cfg, uint8_t flags,
				    uint8_t sel)
{
	struct pcl_guest_options o;
	struct pcl_guest *g = NULL;
	struct pcl_error err;
	int r;

	memset(&o, 0, sizeof(o));
	if (flags & 0x10) {
		o.bar_size[0] = 16ull << (sel & 31);
		o.rom_size = 0x800ull << (sel >> 5);
	}
	r = pcl_guest_build(ctx, l, cfg, &o, &g, &err);
	if (r && (flags & 0x10))
		r = pcl_guest_build(ctx, l, cfg, NULL, &g, &err);
	if (r) {
		fuzz_check_error(r, &err);
		FUZZ_CHECK(g == NULL);
		return NULL;
	}
	return g;
}

/*
 * The view of one (flags, sel, cfg): planned, built and statically checked
 * once, then kept for the inputs that follow with the same bytes
 * (libFuzzer mutates one input up to five times in a row, and
 * LLVMFuzzerCustomMutator() mostly its accesses alone; 256 views instead
 * of 8 made a new view for 50 % of the inputs instead of 54 %). The
 * planner and the builder are deterministic, so for the same bytes they
 * give the same layout and view again, which would pass the same checks
 * again; fuzz_walk fuzzes both on every input. A view is kept as a copy of
 * its struct (which points at nothing but the shared context) and the
 * device's bytes, and everything the library allocated is freed: an input
 * that makes a view then frees as much as it allocates, so libFuzzer's
 * leak detection needs no second run of it. With it is kept what the first
 * input's engine held when its image had passed check_image(), before any
 * access: the next engines of the view start from that comparison.
 */
#define VIEWS 8

/* The largest saved-state prefix (struct pcl_vdev's rec) a view keeps. */
#define VIEW_REC_MAX 65536

struct view {
	struct pcl_guest g;
	struct pcl_vdev fresh;		/* if fresh_ok */
	/* The engine pcl_vdev_new() made of the view for its first input,
	 * as made (rec pointing at @rec), if tmpl_ok: later ones are its
	 * copies (new_engine()). */
	struct pcl_vdev tmpl;
	uint8_t rec[VIEW_REC_MAX];
	size_t len;			/* of key; 0: unused */
	unsigned long used;		/* when last used, to evict */
	uint8_t key[2 + PCL_CFG_SIZE];	/* flags, sel, the cfg */
	uint8_t dev[PCL_CFG_SIZE];
	bool built;			/* false: the builder refused */
	bool fresh_ok;
	bool tmpl_ok;
	bool facts_ok;
	/* What load_view() derives from the view's rules alone, kept for
	 * the view's next inputs (if facts_ok): struct fuzz_vdev's fields
	 * of the same names. */
	struct {
		struct pcl_guest_rule rule[PCL_CFG_SIZE];
		uint8_t w1c[PCL_CFG_SIZE];
		uint8_t rmay[PCL_CFG_SIZE];
		uint8_t rusers[PCL_CFG_SIZE];
		uint16_t dep_at[PCL_CFG_SIZE + 1];
		uint16_t dep[PCL_CFG_SIZE];
	} facts;
};

/*
 * An engine of view @v with backend @be. The first is pcl_vdev_new()'s,
 * kept as the view's template; the next are copies of it
 * (pcl_vdev_dup()): pcl_vdev_new() is a function of the view and the
 * backend, which are the same, so it would make the same bytes again, at
 * ~0.3 ms an engine in this build (4096 rules checked and converted under
 * ASan and UBSan), two engines an input. Inputs that make a new view (most)
 * still run it. Nothing stays allocated: the template is a copy.
 */
static struct pcl_vdev *new_engine(struct view *v,
				   const struct pcl_vdev_backend *be)
{
	struct pcl_vdev *e;

	if (v->tmpl_ok) {
		e = pcl_vdev_dup(&v->tmpl);
		FUZZ_CHECK(e != NULL);
		return e;
	}
	e = pcl_vdev_new(&v->g, be, NULL);
	FUZZ_CHECK(e != NULL);
	if (e->rec_len <= sizeof(v->rec)) {
		memcpy(&v->tmpl, e, sizeof(v->tmpl));
		memcpy(v->rec, e->rec, e->rec_len);
		v->tmpl.rec = v->rec;
		v->tmpl_ok = true;
	}
	return e;
}

/*
 * A second engine loaded from the first's state reads the same. What the
 * first reads is expected() byte for byte: check_image() has just
 * established it, and nothing changed since. Where the second holds the
 * same bytes as the first (same_engine(), and the shadow), its reads are
 * the first's (see check_image()), so it is read only where it does not.
 */
static void check_restore(struct fuzz_vdev *f, struct view *view,
			  const struct pcl_vdev_backend *be)
{
	struct pcl_vdev *v2 = new_engine(view, be);
	uint8_t *blob, *blob2;
	size_t len, len2;
	bool same;

	FUZZ_CHECK(v2 != NULL);
	blob = save(f->v, &len, BUF_BLOB);
	FUZZ_CHECK(pcl_vdev_load(v2, blob, len, NULL) == 0);
	blob2 = save(v2, &len2, BUF_AGAIN);
	FUZZ_CHECK(len == len2 && memcmp(blob, blob2, len) == 0);
	FUZZ_CHECK(strcmp(pcl_vdev_fingerprint(v2),
			  pcl_vdev_fingerprint(f->v)) == 0);
	same = same_engine(f->v, v2) &&
	       !memcmp(f->v->shadow, v2->shadow, PCL_CFG_SIZE);
	for (uint32_t off = 0; off < PCL_CFG_SIZE && !same; off += 4) {
		uint32_t b = 0xdeadbeef;

		begin(f, off, off + 4, false);
		FUZZ_CHECK(pcl_vdev_read(v2, off, 4, &b) == 0);
		for (uint32_t i = 0; i < 4; i++)
			FUZZ_CHECK(((b >> (8 * i)) & 0xff) == expected(f, off + i));
		end(f);
	}
	pcl_vdev_free(v2);
}

/* The facts of @f that depend on the view's rules alone (struct view). */
static void derive_facts(struct fuzz_vdev *f, const struct view *v)
{
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		FUZZ_CHECK(pcl_guest_rule(&v->g, i, &f->spy.rule[i]) == 0);
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		if (f->spy.rule[i].source == PCL_GUEST_PHYS)
			f->spy.w1c[f->spy.rule[i].phys] |= f->spy.rule[i].w1c;
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		uint8_t may = replayed(&f->spy.rule[i]);

		f->rmay[f->spy.rule[i].phys] |= may;
		f->rusers[f->spy.rule[i].phys] += may != 0;
	}
	index_deps(f);
}

/* @f's facts of the view's rules into @v (@keep), or @v's into @f. */
static void copy_facts(struct fuzz_vdev *f, struct view *v, bool keep)
{
	const struct {
		void *in_f, *in_v;
		size_t size;
	} t[] = {
		{ f->spy.rule, v->facts.rule, sizeof(v->facts.rule) },
		{ f->spy.w1c, v->facts.w1c, sizeof(v->facts.w1c) },
		{ f->rmay, v->facts.rmay, sizeof(v->facts.rmay) },
		{ f->rusers, v->facts.rusers, sizeof(v->facts.rusers) },
		{ f->dep_at, v->facts.dep_at, sizeof(v->facts.dep_at) },
		{ f->dep, v->facts.dep, sizeof(v->facts.dep) },
	};

	for (size_t i = 0; i < PCL_ARRAY_SIZE(t); i++)
		memcpy(keep ? t[i].in_v : t[i].in_f,
		       keep ? t[i].in_f : t[i].in_v, t[i].size);
}

/*
 * The device and the view @v shows of it, as the harness models them. The
 * facts that depend on the view's rules alone are derived for its first
 * input and copied for the next ones.
 */
static void load_view(struct fuzz_vdev *f, struct view *v)
{
	/* The fields after seen_ok are written before they are read. */
	memset(f, 0, offsetof(struct fuzz_vdev, seen));
	f->spy.rmay = f->rmay;
	memcpy(f->spy.dev, v->dev, PCL_CFG_SIZE);
	memcpy(f->image, pcl_guest_image(&v->g), PCL_CFG_SIZE);
	set_model(f, f->image);
	memcpy(f->devold, f->spy.dev, PCL_CFG_SIZE);
	if (!v->facts_ok)
		derive_facts(f, v);
	copy_facts(f, v, !v->facts_ok);
	v->facts_ok = true;
}

/* Plan and build the view of @v->key, check what depends on it alone. */
static void make_view(struct fuzz_vdev *f, struct view *v)
{
	struct pcl_ctx *ctx = fuzz_ctx();
	struct pcl_guest_rule past;
	struct pcl_layout *l;
	struct pcl_guest *g;
	struct pcl_cfg *cfg = pcl_cfg_new(ctx, v->key + 2, v->len - 2, "fuzz");
	struct pcl_walk *w;

	FUZZ_CHECK(cfg != NULL);
	w = pcl_walk_new(cfg);
	FUZZ_CHECK(w != NULL);
	l = make_layout(ctx, cfg, w, v->key[0], v->key[1]);
	g = make_guest(ctx, l, cfg, v->key[0], v->key[1]);
	v->built = g != NULL;
	if (g) {
		v->g = *g;
		memcpy(v->dev, pcl_cfg_data(cfg), PCL_CFG_SIZE);
		load_view(f, v);
		FUZZ_CHECK(pcl_guest_rule(g, PCL_CFG_SIZE, &past) == -EINVAL);
		FUZZ_CHECK(strcmp(pcl_guest_fingerprint(g), "") != 0);
		check_exposure(f, l, w);
	}
	pcl_guest_free(g);
	pcl_layout_free(l);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
}

/*
 * The view of @key (flags, sel, then the cfg; @len bytes in all), loaded
 * into @f: a kept one, or one made now. NULL if the builder refused.
 */
static struct view *get_view(struct fuzz_vdev *f, const uint8_t *key,
			     size_t len)
{
	static struct view views[VIEWS];
	static unsigned long now;
	struct view *v = &views[0];

	now++;
	for (size_t i = 0; i < VIEWS; i++) {
		if (views[i].len == len && !memcmp(views[i].key, key, len)) {
			v = &views[i];
			v->used = now;
			if (v->built)
				load_view(f, v);
			return v->built ? v : NULL;
		}
		if (views[i].used < v->used)
			v = &views[i];
	}
	memcpy(v->key, key, len);
	v->len = len;
	v->used = now;
	v->fresh_ok = false;
	v->tmpl_ok = false;
	v->facts_ok = false;
	make_view(f, v);
	return v->built ? v : NULL;
}

/*
 * The length of an input's device part (flags, sel, cfg length, cfg; the
 * accesses follow), or 0 for an input that describes no device.
 */
static size_t device_len(const uint8_t *data, size_t size)
{
	size_t clen;

	if (size < 4)
		return 0;
	clen = (size_t)data[2] | (size_t)data[3] << 8;
	if (clen > PCL_CFG_SIZE)
		clen = PCL_CFG_SIZE;
	if (clen > size - 4)
		clen = size - 4;
	if (clen < 64)
		return 0;	/* pcl_guest_build() needs the header */
	return 4 + clen;
}

#ifdef FUZZ_LIBFUZZER
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed);

/*
 * Of an input with accesses, three mutations in four change the accesses
 * alone; else the whole input (libFuzzer's own mutators either way). A
 * new device costs a plan, a build, an engine and a full comparison, about
 * 0.7 ms of this build, a kept one (get_view()) copies; a whole-input
 * mutation nearly always changes the device, and four inputs in five made
 * a new one. With this, about one in two does (the inputs without
 * accesses, and the first of libFuzzer's rounds, still mutate whole):
 * more accesses per device, for 1-2 % fewer edges in a 20 s run (as
 * counted then, UBSan's included; fewer devices a second; BENCHMARKS.md,
 * item 5, seventh pass). Every input is
 * still checked in full, and fuzz_walk plans and builds a new device on
 * every input.
 */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed)
{
	size_t dev = device_len(data, size);

	if ((seed & 3) && dev && dev < size)
		return dev + LLVMFuzzerMutate(data + dev, size - dev,
					      max - dev);
	return LLVMFuzzerMutate(data, size, max);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_vdev f;
	static uint8_t key[2 + PCL_CFG_SIZE];
	struct pcl_vdev_backend be = { spy_read, spy_write, &f.spy };
	struct view *view;
	size_t dev = device_len(data, size), nops;

	if (!dev)
		return 0;
	key[0] = data[0];	/* flags */
	key[1] = data[1];	/* sel */
	memcpy(key + 2, data + 4, dev - 4);
	view = get_view(&f, key, dev - 2);
	if (!view)
		return 0;

	f.v = new_engine(view, &be);
	pcl_vdev_set_notify(f.v, on_change, &f);
	while (f.nhooks < PCL_GUEST_MAX_HOOKS &&
	       pcl_vdev_hook(f.v, f.nhooks, &f.hooks[f.nhooks]) == 0)
		f.nhooks++;
	{
		struct pcl_vdev_event past;

		FUZZ_CHECK(pcl_vdev_hook(f.v, f.nhooks, &past) == -ENOENT);
	}
	if (view->fresh_ok) {
		copy_engine(&f.seen, &view->fresh);
		memcpy(f.seen_model, f.image, PCL_CFG_SIZE);
		memcpy(f.seen_dev, view->dev, PCL_CFG_SIZE);
		f.seen_ok = true;
	}
	check_image(&f);
	if (!view->fresh_ok) {
		copy_engine(&view->fresh, f.v);
		view->fresh_ok = true;
	}

	data += dev;
	size -= dev;
	nops = size / OP_SIZE;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	for (size_t i = 0; i < nops; i++) {
		run_op(&f, data + i * OP_SIZE);
		if (i % FULL_CHECK_EVERY == FULL_CHECK_EVERY - 1)
			check_image(&f);
	}
	check_image(&f);
	check_restore(&f, view, &be);
	pcl_vdev_free(f.v);
	f.v = NULL;
	return 0;
}
