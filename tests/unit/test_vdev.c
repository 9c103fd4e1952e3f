// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_vdev.c - the runtime engine against a deliberately naive reference
 * model, plus argument, hook, failure and save/restore tests.
 *
 * The reference model below is written from the rules in image.h, byte by
 * byte and bit by bit, sharing no code with lib/guest/vdev.c. Random access
 * tables are run through both with random accesses (offset 0..4099, length
 * 0..8, random values); a spy backend records every device access. For each
 * access we assert: the same result and return code, the same device bytes,
 * the same hook events, device accesses only at offsets the table passes
 * through for the bytes accessed, every byte that must reach the device
 * written exactly once, aligned passthrough reads in one call; and
 * periodically the same saved state and no bit changed outside a write
 * mask. The model covers settings kept for replay, hooks on device bytes,
 * MSI's Multiple Message Enable clamp and the reset an FLR bit triggers.
 * Then targeted tests: arguments, failures, saving and loading (on
 * another device too), replay, lifecycle events; and over every corpus
 * dump, that every aligned access costs exactly the backend calls it must
 * (one read, one write), wherever capabilities end.
 *
 * PCL_VDEV_ITERATIONS sets the number of random accesses (default 300000;
 * the suite also runs under ASan and valgrind); PCL_VDEV_SEED the seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "corpus.h"
#include "internal.h"
#include "guest/guest-internal.h"

#define N PCL_CFG_SIZE
/* A state blob: a random table has up to one rule run (12 bytes) a byte. */
#define BLOB_MAX (N * 12 + 2 * N)

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from PCL_VDEV_SEED. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

/* ---- the spy backend: a device with RW1C bits, recording accesses ---- */

struct spy_call {
	uint32_t off, len;
	int write;
	uint32_t val;
};

struct spy {
	uint8_t dev[N];
	uint8_t dev_w1c[N];
	struct spy_call log[64];
	uint32_t nlog;
	uint32_t fail_at; /* fail the call with this number (1-based), 0 never */
	uint32_t calls;
	int bad; /* a call the engine must never make */
};

static void dev_apply(uint8_t *d, uint8_t w1c, uint8_t in)
{
	/* Plain memory, except that RW1C bits clear when written with 1. */
	*d = (uint8_t)((in & ~w1c) | (*d & w1c & ~in));
}

static int spy_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct spy *s = opaque;
	uint32_t v = 0;

	if ((len != 1 && len != 2 && len != 4) || off % len || off + len > N) {
		s->bad = 1;
		return -EINVAL;
	}
	if (s->nlog < 64)
		s->log[s->nlog++] = (struct spy_call){ off, len, 0, 0 };
	if (++s->calls == s->fail_at)
		return -EIO;
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)s->dev[off + i] << (8 * i);
	/* Garbage above @len bytes: the engine must ignore it. */
	*val = len < 4 ? v | (0xa5a5a5a5u & ~((1u << (8 * len)) - 1u)) : v;
	return 0;
}

static int spy_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct spy *s = opaque;

	if ((len != 1 && len != 2 && len != 4) || off % len || off + len > N) {
		s->bad = 1;
		return -EINVAL;
	}
	if (s->nlog < 64)
		s->log[s->nlog++] = (struct spy_call){ off, len, 1, val };
	if (++s->calls == s->fail_at)
		return -EIO;
	for (uint32_t i = 0; i < len; i++)
		dev_apply(&s->dev[off + i], s->dev_w1c[off + i],
			  (uint8_t)(val >> (8 * i)));
	return 0;
}

/* ---- the reference model ---- */

struct ref {
	struct pcl_guest_rule rule[N];
	uint16_t seg_end[N];
	struct { int kind; uint32_t off, width; } hooks[PCL_GUEST_MAX_HOOKS];
	uint32_t nhooks;
	uint8_t init[N];
	uint8_t shadow[N];
	uint8_t dev[N];
	uint8_t dev_w1c[N];
};

static uint8_t bit(uint8_t v, int b)
{
	return (uint8_t)((v >> b) & 1u);
}

/* PHYS bits a guest writes to the device that the engine keeps (REPLAY). */
static uint8_t ref_settings(const struct pcl_guest_rule *r)
{
	if (r->source != PCL_GUEST_PHYS || !(r->flags & PCL_GUEST_REPLAY))
		return 0;
	return (uint8_t)(r->wmask & ~r->vmask & ~r->w1c);
}

/* Bits of a byte that are the guest's state (not device bits; none of an
 * unclaimed byte). */
static uint8_t ref_kept(const struct pcl_guest_rule *r)
{
	if (r->flags & PCL_GUEST_UNCLAIMED)
		return 0;
	if (r->source != PCL_GUEST_PHYS)
		return 0xff;
	return (uint8_t)(r->vmask | ref_settings(r));
}

/* The hook (index) whose register starts at @g with kind @kind, or -1. */
static int ref_hook_at(const struct ref *m, uint32_t g, int kind)
{
	for (uint32_t h = 0; h < m->nhooks; h++)
		if (m->hooks[h].off == g && m->hooks[h].kind == kind)
			return (int)h;
	return -1;
}

static uint8_t ref_read_byte(const struct ref *m, uint32_t g)
{
	const struct pcl_guest_rule *r = &m->rule[g];
	uint8_t out = 0;

	if (r->source != PCL_GUEST_PHYS)
		return m->shadow[g];
	for (int b = 0; b < 8; b++) {
		uint8_t from = bit(r->vmask, b) ? m->shadow[g] : m->dev[r->phys];

		out |= (uint8_t)(bit(from, b) << b);
	}
	return out;
}

/* Which device bytes a write of guest byte @g sends, and what. */
static int ref_hw_write(const struct ref *m, uint32_t g, uint8_t x,
			uint8_t new_shadow, uint8_t *out)
{
	const struct pcl_guest_rule *r = &m->rule[g];
	uint8_t d = 0;
	int any = 0;

	if (r->source == PCL_GUEST_SHADOW) {
		if (!(r->flags & PCL_GUEST_WRITE_THROUGH))
			return 0;
		*out = new_shadow;
		return 1;
	}
	if (r->source != PCL_GUEST_PHYS)
		return 0;
	for (int b = 0; b < 8; b++) {
		int hw_writable = bit(r->wmask, b) && !bit(r->vmask, b);

		any |= hw_writable;
		if (hw_writable)
			d |= (uint8_t)(bit(x, b) << b);
		else if (bit(r->w1c, b))
			d |= 0; /* never write back a 1 to an RW1C bit */
		else
			d |= (uint8_t)(bit(m->dev[r->phys], b) << b);
	}
	*out = d;
	return any;
}

static uint8_t changeable(const struct pcl_guest_rule *r);

static uint8_t ref_shadow_after(const struct ref *m, uint32_t g, uint8_t x)
{
	const struct pcl_guest_rule *r = &m->rule[g];
	uint8_t old = m->shadow[g], out = 0;

	for (int b = 0; b < 8; b++) {
		uint8_t nb = bit(old, b);
		int writable = bit(r->wmask, b);

		if (r->source == PCL_GUEST_CONST)
			writable = 0;
		if (r->source == PCL_GUEST_PHYS && !bit(r->vmask, b) &&
		    !bit(ref_settings(r), b))
			writable = 0; /* that bit lives in the device */
		if (writable) {
			if (r->source == PCL_GUEST_SHADOW && bit(r->w1c, b))
				nb = bit(x, b) ? 0 : nb;
			else
				nb = bit(x, b);
		}
		out |= (uint8_t)(nb << b);
	}
	/* MSI control: Multiple Message Enable at most Capable, where the
	 * guest may write it. */
	if (ref_hook_at(m, g, PCL_HOOK_MSI) >= 0 &&
	    ((out >> 4) & 7) > ((out >> 1) & 7)) {
		uint8_t clamped = (uint8_t)((out & 0x8f) |
					    (((out >> 1) & 7) << 4));

		out = (uint8_t)((out & ~changeable(r)) |
				(clamped & changeable(r)));
	}
	return out;
}

static int ref_check(uint32_t off, uint32_t len)
{
	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	if (off + len > N)
		return -EFAULT;
	return 0;
}

static uint32_t ref_hook_value(const struct ref *m, uint32_t h)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < m->hooks[h].width; i++) {
		uint32_t g = m->hooks[h].off + i;

		v |= (uint32_t)(m->shadow[g] & ref_kept(&m->rule[g])) << (8 * i);
	}
	return v;
}

/* An FLR register's trigger bits: its emulated writable ones. */
static uint8_t ref_trigger(const struct ref *m, uint32_t h)
{
	const struct pcl_guest_rule *r = &m->rule[m->hooks[h].off];

	return r->source == PCL_GUEST_PHYS ? (uint8_t)(r->wmask & r->vmask) :
	       r->wmask;
}

/* Naturally aligned pieces of 1, 2, 4 bytes covering [phys, phys + n). */
static uint32_t ref_pieces(uint32_t phys, uint32_t n)
{
	uint32_t count = 0;

	while (n) {
		uint32_t k = (n >= 4 && phys % 4 == 0) ? 4 :
			     (n >= 2 && phys % 2 == 0) ? 2 : 1;

		phys += k;
		n -= k;
		count++;
	}
	return count;
}

/*
 * Backend calls a read must make: device-read bytes that follow each other
 * in device space share calls, whatever dword or segment they are in.
 */
static uint32_t ref_read_calls(const struct ref *m, uint32_t off, uint32_t len)
{
	uint32_t calls = 0, run = 0, start = 0;

	for (uint32_t i = 0; i <= len; i++) {
		uint32_t g = off + i;
		const struct pcl_guest_rule *r = i < len ? &m->rule[g] : NULL;
		int dev = r && r->source == PCL_GUEST_PHYS && r->vmask != 0xff;

		if (run && (!dev || r->phys != m->rule[g - 1].phys + 1u)) {
			calls += ref_pieces(start, run);
			run = 0;
		}
		if (dev) {
			if (!run)
				start = r->phys;
			run++;
		}
	}
	return calls;
}

/* ---- engine + model pair ---- */

struct events {
	struct pcl_vdev_event ev[40]; /* an FLR reports every hook */
	uint32_t n;
};

static void on_event(void *opaque, const struct pcl_vdev_event *e)
{
	struct events *evs = opaque;

	assert_true(evs->n < 40);
	evs->ev[evs->n++] = *e;
}

static void random_rule(struct pcl_guest_rule *r, uint32_t g, int32_t delta)
{
	static const uint8_t masks[] = { 0x00, 0xff, 0x00, 0xff, 0x0f, 0xf0 };
	uint32_t pick = rnd_below(10);
	int32_t phys = (int32_t)g + delta;

	memset(r, 0, sizeof(*r));
	if (phys < 0 || phys >= N)
		phys = (int32_t)rnd_below(N);
	r->phys = (uint16_t)phys;
	if (pick < 2) {
		r->source = PCL_GUEST_CONST;
		r->phys = 0;
		if (rnd_below(2))
			r->flags = PCL_GUEST_UNCLAIMED;
		return;
	}
	r->wmask = rnd_below(3) ? masks[rnd_below(6)] : (uint8_t)rnd();
	if (pick < 6) {
		r->source = PCL_GUEST_SHADOW;
		if (rnd_below(4) == 0)
			r->flags = PCL_GUEST_DEVICE_FACT;
		if (rnd_below(5) == 0) {
			r->flags |= PCL_GUEST_WRITE_THROUGH;
		} else {
			r->w1c = rnd_below(3) == 0 ? (uint8_t)(rnd() & r->wmask) : 0;
			r->phys = 0;
		}
		return;
	}
	r->source = PCL_GUEST_PHYS;
	r->vmask = rnd_below(3) ? 0 : rnd_below(4) ? (uint8_t)rnd() : 0xff;
	r->w1c = rnd_below(3) == 0 ? (uint8_t)(rnd() & ~r->vmask) : 0;
	if (rnd_below(3) == 0)
		r->flags = PCL_GUEST_REPLAY;
	else if (!r->vmask && rnd_below(3) == 0)
		r->flags = PCL_GUEST_UNCLAIMED;
}

/* Build a random guest view and the model's copy of it. */
static struct pcl_guest *random_view(struct pcl_ctx *ctx, struct ref *m)
{
	struct pcl_guest *g = pcl_guest_new(ctx);
	struct pcl_guest_rule r;

	assert_non_null(g);
	memset(m, 0, sizeof(*m));
	for (uint32_t i = 0; i < N; i++)
		m->init[i] = (uint8_t)rnd();
	for (uint32_t off = 0; off < N;) {
		uint32_t len = 1 + rnd_below(16);
		int32_t delta;

		if (len > N - off)
			len = N - off;
		/* Mostly identity or dword-relocated, sometimes anything. */
		switch (rnd_below(4)) {
		case 0:
		case 1:
			delta = 0;
			break;
		case 2:
			delta = 4 * ((int32_t)rnd_below(64) - 32);
			break;
		default:
			delta = (int32_t)rnd_below(N) - (int32_t)off;
			break;
		}
		random_rule(&r, off, delta);
		/* pcl_guest_set gives byte i phys + i: keep it in range. */
		if (r.phys + len > N)
			r.phys = (uint16_t)(N - len);
		assert_int_equal(pcl_guest_set(g, off, len, &r, m->init + off),
				 0);
		for (uint32_t i = 0; i < len; i++) {
			m->rule[off + i] = r;
			m->rule[off + i].phys = (uint16_t)(r.phys + i);
		}
		off += len;
	}
	for (int k = 0; k < 300; k++) {
		uint32_t off = rnd_below(N), len = 1 + rnd_below(40);

		if (len > N - off)
			len = N - off;
		assert_int_equal(pcl_guest_set_segment(g, off, len), 0);
	}
	for (uint32_t i = 0; i < N; i++)
		m->seg_end[i] = (uint16_t)pcl_guest_segment_end(g, i);
	/* Hooks on registers whose value the engine keeps: SHADOW bytes,
	 * PHYS bytes with emulated or settings bits. Every kind, FLR too. */
	for (int tries = 0; tries < 400 && m->nhooks < PCL_GUEST_MAX_HOOKS;
	     tries++) {
		static const uint32_t widths[] = { 1, 2, 4 };
		int kind = 1 + (int)rnd_below(PCL_HOOK_FLR);
		uint32_t w = kind == PCL_HOOK_FLR ? 1 : widths[rnd_below(3)];
		uint32_t off = rnd_below(N / w) * w;
		int ok = 1, idx;

		for (uint32_t i = 0; i < w; i++) {
			const struct pcl_guest_rule *q = &m->rule[off + i];

			ok &= !q->hook && (q->source == PCL_GUEST_SHADOW ||
					   (q->source == PCL_GUEST_PHYS &&
					    (q->vmask ||
					     (q->flags & PCL_GUEST_REPLAY))));
		}
		if (!ok)
			continue;
		idx = pcl_guest_add_hook(g, kind, off, w);
		assert_true(idx >= 0);
		m->hooks[m->nhooks].kind = kind;
		m->hooks[m->nhooks].off = off;
		m->hooks[m->nhooks].width = w;
		m->nhooks++;
		for (uint32_t i = 0; i < w; i++) {
			r = m->rule[off + i];
			r.hook = (uint8_t)(idx + 1);
			assert_int_equal(pcl_guest_set(g, off + i, 1, &r, NULL),
					 0);
			m->rule[off + i].hook = r.hook;
		}
	}
	memcpy(m->shadow, m->init, N);
	return g;
}

static void random_device(struct ref *m, struct spy *s)
{
	memset(s, 0, sizeof(*s));
	for (uint32_t i = 0; i < N; i++) {
		s->dev[i] = (uint8_t)rnd();
		s->dev_w1c[i] = rnd_below(4) == 0 ? (uint8_t)rnd() : 0;
	}
	memcpy(m->dev, s->dev, N);
	memcpy(m->dev_w1c, s->dev_w1c, N);
}

static const uint8_t *saved_shadow(const struct pcl_vdev *v, uint8_t *blob,
				   size_t size)
{
	size_t need = 0, n;

	assert_int_equal(pcl_vdev_save(v, blob, size, &need), 0);
	/* Walk the records to the shadow, as a reader of the format would. */
	for (n = 16; n + 8 <= need - 4;) {
		uint32_t len = pcl_le32(blob + n + 4);

		if (!memcmp(blob + n, "SHDW", 4))
			return blob + n + 8;
		n += 8 + ((len + 3u) & ~3u);
	}
	fail_msg("no shadow record");
	return NULL;
}

/* Bits a guest could ever change in the shadow of byte @g. */
static uint8_t changeable(const struct pcl_guest_rule *r)
{
	if (r->source == PCL_GUEST_SHADOW)
		return r->wmask;
	if (r->source == PCL_GUEST_PHYS)
		return (uint8_t)((r->wmask & r->vmask) | ref_settings(r));
	return 0;
}

static void compare_state(const struct pcl_vdev *v, const struct ref *m,
			  const struct spy *s)
{
	static uint8_t blob[BLOB_MAX];
	const uint8_t *sh = saved_shadow(v, blob, sizeof(blob));

	for (uint32_t i = 0; i < N; i++) {
		/* The saved state never carries a device's own bits. */
		if (sh[i] != (m->shadow[i] & ref_kept(&m->rule[i])))
			fail_msg("saved state differs at 0x%03x: engine %02x "
				 "model %02x", i, sh[i],
				 m->shadow[i] & ref_kept(&m->rule[i]));
		if ((sh[i] ^ (m->init[i] & ref_kept(&m->rule[i]))) &
		    ~changeable(&m->rule[i]))
			fail_msg("bit outside the write mask changed at 0x%03x",
				 i);
	}
	assert_memory_equal(s->dev, m->dev, N);
}

static void expect_event(const struct ref *m, const struct events *evs,
			 uint32_t *n, uint32_t h, uint32_t old, uint32_t now)
{
	assert_true(*n < evs->n);
	assert_int_equal(evs->ev[*n].hook, m->hooks[h].kind);
	assert_int_equal(evs->ev[*n].index, h);
	assert_int_equal(evs->ev[*n].offset, m->hooks[h].off);
	assert_int_equal(evs->ev[*n].width, m->hooks[h].width);
	assert_int_equal(evs->ev[*n].old_value, old);
	assert_int_equal(evs->ev[*n].new_value, now);
	(*n)++;
}

/*
 * The events of a write the model has applied: each hooked register it
 * touched that changed, in access order (FLR registers aside); then, if
 * it set an FLR bit, the model resets and expects each hook the reset
 * changed, in index order, and the FLR with the value written.
 */
static void write_events(struct ref *m, const struct events *evs,
			 const uint32_t *order, uint32_t norder,
			 const uint32_t *hook_old)
{
	uint32_t n = 0, before[PCL_GUEST_MAX_HOOKS];
	int flr = -1;

	for (uint32_t k = 0; k < norder; k++) {
		uint32_t h = order[k], now = ref_hook_value(m, h);

		if (m->hooks[h].kind == PCL_HOOK_FLR) {
			if (flr < 0 && (m->shadow[m->hooks[h].off] &
					ref_trigger(m, h)))
				flr = (int)h;
		} else if (now != hook_old[h]) {
			expect_event(m, evs, &n, h, hook_old[h], now);
		}
	}
	if (flr >= 0) {
		uint32_t written = ref_hook_value(m, (uint32_t)flr);

		for (uint32_t h = 0; h < m->nhooks; h++)
			before[h] = ref_hook_value(m, h);
		memcpy(m->shadow, m->init, N);
		for (uint32_t h = 0; h < m->nhooks; h++)
			if (m->hooks[h].kind != PCL_HOOK_FLR &&
			    ref_hook_value(m, h) != before[h])
				expect_event(m, evs, &n, h, before[h],
					     ref_hook_value(m, h));
		if (written != hook_old[flr])
			expect_event(m, evs, &n, (uint32_t)flr,
				     hook_old[flr], written);
	}
	assert_int_equal(evs->n, n);
}

/*
 * One random access through both; returns nothing, asserts everything.
 * The per-access expectations on device traffic are computed from the
 * model's rules for exactly the bytes accessed.
 */
static void one_access(struct pcl_vdev *v, struct ref *m, struct spy *s,
		       struct events *evs, uint64_t *calls1)
{
	uint32_t off = rnd_below(N + 4), len = rnd_below(9);
	uint32_t val = rnd(), got = 0x5a5a5a5a;
	int write = (int)rnd_below(2), ret, want;
	uint8_t may_read[N / 8] = { 0 }, must_write[N / 8] = { 0 };
	uint32_t wrote[16], nwrote = 0;

	if (off < 64 && rnd_below(2))
		off = rnd_below(64); /* the header is where guests live */
	if (rnd_below(2))
		len = 1u << rnd_below(3); /* mostly valid lengths */
	if (rnd_below(2) && len)
		off &= ~(len - 1); /* mostly aligned, like real guests */
	s->nlog = 0;
	evs->n = 0;
	want = ref_check(off, len);
	if (write)
		ret = pcl_vdev_write(v, off, len, val);
	else if (rnd_below(2)) /* the fast path inline (vdev.h), or not */
		ret = pcl_vdev_fastpath_read(pcl_vdev_fastpath(v), off, len,
					     &got);
	else
		ret = pcl_vdev_read(v, off, len, &got);
	assert_int_equal(ret, want);
	assert_false(s->bad);
	if (want) {
		assert_int_equal(s->nlog, 0);
		assert_int_equal(evs->n, 0);
		if (!write)
			assert_int_equal(got, 0x5a5a5a5a);
		return;
	}

	if (!write) {
		uint32_t exp = 0;
		int one_run = 1;

		for (uint32_t i = 0; i < len; i++) {
			const struct pcl_guest_rule *r = &m->rule[off + i];

			exp |= (uint32_t)ref_read_byte(m, off + i) << (8 * i);
			if (r->source == PCL_GUEST_PHYS && r->vmask != 0xff)
				may_read[r->phys / 8] |= (uint8_t)(1u << (r->phys % 8));
			else
				one_run = 0;
			if (i && r->phys != m->rule[off + i - 1].phys + 1u)
				one_run = 0;
		}
		assert_int_equal(got, exp);
		assert_int_equal(s->nlog, ref_read_calls(m, off, len));
		for (uint32_t c = 0; c < s->nlog; c++) {
			assert_false(s->log[c].write);
			for (uint32_t i = 0; i < s->log[c].len; i++) {
				uint32_t p = s->log[c].off + i;

				if (!(may_read[p / 8] & (1u << (p % 8))))
					fail_msg("read of device byte 0x%03x "
						 "not passed through", p);
			}
		}
		/* An aligned passthrough read costs exactly one call. */
		if (one_run && off % len == 0 && m->rule[off].phys % len == 0) {
			assert_int_equal(s->nlog, 1);
			(*calls1)++;
		}
		return;
	}

	/* Write: model it byte by byte, then compare the device traffic. */
	uint8_t new_sh[4], hw[4];
	int hw_on[4];
	uint32_t hook_old[PCL_GUEST_MAX_HOOKS];
	int hook_hit[PCL_GUEST_MAX_HOOKS] = { 0 };
	uint32_t order[4], norder = 0;

	for (uint32_t h = 0; h < m->nhooks; h++)
		hook_old[h] = ref_hook_value(m, h);
	for (uint32_t i = 0; i < len; i++) {
		uint32_t g = off + i;
		uint8_t x = (uint8_t)(val >> (8 * i));
		const struct pcl_guest_rule *r = &m->rule[g];

		new_sh[i] = ref_shadow_after(m, g, x);
		hw_on[i] = ref_hw_write(m, g, x, new_sh[i], &hw[i]);
		if (hw_on[i]) {
			must_write[r->phys / 8] |= (uint8_t)(1u << (r->phys % 8));
			may_read[r->phys / 8] |= (uint8_t)(1u << (r->phys % 8));
		}
		if (r->hook && !hook_hit[r->hook - 1]) {
			hook_hit[r->hook - 1] = 1;
			order[norder++] = r->hook - 1u;
		}
	}
	for (uint32_t c = 0; c < s->nlog; c++) {
		for (uint32_t i = 0; i < s->log[c].len; i++) {
			uint32_t p = s->log[c].off + i;
			uint8_t *set = s->log[c].write ? must_write : may_read;

			if (!(set[p / 8] & (1u << (p % 8))))
				fail_msg("%s of device byte 0x%03x outside the "
					 "bytes this write passes through",
					 s->log[c].write ? "write" : "read", p);
			if (s->log[c].write) {
				assert_true(nwrote < 16);
				wrote[nwrote++] = p;
			}
		}
	}
	/* Each byte that must reach the device is written exactly once. */
	for (uint32_t i = 0; i < len; i++) {
		uint32_t p = m->rule[off + i].phys, times = 0, want_n = 0;

		if (!hw_on[i])
			continue;
		/* A hand-made table may map two guest bytes to one. */
		for (uint32_t k = 0; k < len; k++)
			want_n += hw_on[k] && m->rule[off + k].phys == p;
		for (uint32_t k = 0; k < nwrote; k++)
			times += wrote[k] == p;
		if (times != want_n)
			fail_msg("device byte 0x%03x written %u times, not %u",
				 p, times, want_n);
	}
	/* Apply to the model: device first (values computed before). */
	for (uint32_t i = 0; i < len; i++)
		if (hw_on[i])
			dev_apply(&m->dev[m->rule[off + i].phys],
				  m->dev_w1c[m->rule[off + i].phys], hw[i]);
	for (uint32_t i = 0; i < len; i++)
		m->shadow[off + i] = new_sh[i];
	write_events(m, evs, order, norder, hook_old);
	/* Device bytes touched by this write must match the model now. */
	for (uint32_t c = 0; c < s->nlog; c++)
		for (uint32_t i = 0; i < s->log[c].len; i++)
			assert_int_equal(s->dev[s->log[c].off + i],
					 m->dev[s->log[c].off + i]);
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *e = getenv(name);

	return e && *e ? strtoul(e, NULL, 0) : def;
}

static void test_differential(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	unsigned long iters = env_ul("PCL_VDEV_ITERATIONS", 300000);
	static struct ref m;
	static struct spy s;
	struct events evs;
	uint64_t calls1 = 0;
	unsigned long done = 0;

	rng_state = env_ul("PCL_VDEV_SEED", 0x9e3779b97f4a7c15ul) | 1;
	while (done < iters) {
		struct pcl_guest *g = random_view(ctx, &m);
		struct pcl_vdev_backend be = { spy_read, spy_write, &s };
		struct pcl_vdev *v;

		random_device(&m, &s);
		v = pcl_vdev_new(g, &be, NULL);
		assert_non_null(v);
		pcl_guest_free(g);
		pcl_vdev_set_notify(v, on_event, &evs);
		for (unsigned long k = 0; k < 20000 && done < iters; k++) {
			one_access(v, &m, &s, &evs, &calls1);
			if (++done % 2048 == 0)
				compare_state(v, &m, &s);
		}
		compare_state(v, &m, &s);
		pcl_vdev_free(v);
	}
	/* The single-call property must really have been exercised. */
	assert_true(iters < 10000 || calls1 > iters / 100);
	print_message("differential: %lu accesses, %llu one-call reads\n",
		      done, (unsigned long long)calls1);
	pcl_ctx_free(ctx);
}

/* A small hand-written view used by the targeted tests below. */
static struct pcl_guest *small_view(struct pcl_ctx *ctx)
{
	struct pcl_guest *g = pcl_guest_new(ctx);
	struct pcl_guest_rule r;
	uint8_t init[16] = { 0x86, 0x80, 0x34, 0x12, 0x00, 0x00, 0x10, 0x00 };
	int h;

	assert_non_null(g);
	/* 0x00: identity, read-only. */
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW };
	assert_int_equal(pcl_guest_set(g, 0, 4, &r, init), 0);
	/* 0x04: command, write-through, hooked. */
	h = pcl_guest_add_hook(g, PCL_HOOK_COMMAND, 4, 2);
	assert_int_equal(h, 0);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW, .wmask = 0x07,
				     .flags = PCL_GUEST_WRITE_THROUGH,
				     .hook = 1, .phys = 4 };
	assert_int_equal(pcl_guest_set(g, 4, 1, &r, init + 4), 0);
	r.wmask = 0x04;
	r.phys = 5;
	assert_int_equal(pcl_guest_set(g, 5, 1, &r, init + 5), 0);
	/* 0x06: status from the device, CAP_LIST emulated, RW1C errors. */
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_PHYS, .vmask = 0x10,
				     .phys = 6 };
	assert_int_equal(pcl_guest_set(g, 6, 1, &r, init + 6), 0);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_PHYS, .wmask = 0xf9,
				     .w1c = 0xf9, .phys = 7 };
	assert_int_equal(pcl_guest_set(g, 7, 1, &r, init + 7), 0);
	/* 0x100..0x1ff passthrough, relocated from 0x200. */
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_PHYS, .wmask = 0xff,
				     .phys = 0x200 };
	assert_int_equal(pcl_guest_set(g, 0x100, 0x100, &r, NULL), 0);
	assert_int_equal(pcl_guest_set_segment(g, 0x100, 0x100), 0);
	/* 0x40: an emulated RW1C byte. */
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW, .wmask = 0xff,
				     .w1c = 0xf0 };
	init[8] = 0xff;
	assert_int_equal(pcl_guest_set(g, 0x40, 1, &r, init + 8), 0);
	assert_int_equal(pcl_guest_set_fingerprint(g, "sha256:small"), 0);
	return g;
}

/*
 * pcl_vdev_fastpath_read() answers every access as pcl_vdev_read() does:
 * the same return, value and backend calls, for every length from 0 to 8
 * and 16 at every offset up to 4 past the end and near UINT32_MAX; and
 * the engine's published tables are where they were (@fp).
 */
static void check_fastpath(const struct pcl_vdev *v,
			   const struct pcl_vdev_fastpath *fp, struct spy *s)
{
	static const uint32_t far[] = { UINT32_MAX, UINT32_MAX - 1,
					UINT32_MAX - 3, 1u << 31, N * 2 };

	assert_ptr_equal(pcl_vdev_fastpath(v), fp);
	assert_ptr_equal(fp->vdev, v);
	for (uint32_t len = 0; len <= 16; len = len == 8 ? 16 : len + 1) {
		for (uint32_t k = 0; k < N + 4 + sizeof(far) / sizeof(far[0]); k++) {
			uint32_t off = k < N + 4 ? k : far[k - N - 4];
			uint32_t a = 0x5a5a5a5a, b = 0x5a5a5a5a, na;
			int ra, rb;

			s->nlog = 0;
			ra = pcl_vdev_read(v, off, len, &a);
			na = s->nlog;
			s->nlog = 0;
			rb = pcl_vdev_fastpath_read(fp, off, len, &b);
			if (ra != rb || a != b || na != s->nlog)
				fail_msg("offset 0x%x, %u bytes: pcl_vdev_read() "
					 "%d 0x%08x (%u calls), inline %d 0x%08x "
					 "(%u calls)", off, len, ra, a, na, rb, b,
					 s->nlog);
		}
	}
}

/* The inline read over an engine's life: new, writes, reset, load,
 * replay; NULL arguments as pcl_vdev_read() has them. */
static void test_fastpath(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_guest *g = small_view(ctx);
	static struct spy s;
	static uint8_t blob[BLOB_MAX];
	struct pcl_vdev_backend be = { spy_read, spy_write, &s };
	struct pcl_vdev *v = pcl_vdev_new(g, &be, NULL);
	struct pcl_vdev *w = pcl_vdev_new(g, &be, NULL);
	const struct pcl_vdev_fastpath *fp, *fw;
	const uint8_t *read, *image;
	uint32_t val = 7;
	size_t len = 0;

	assert_non_null(v);
	assert_non_null(w);
	memset(&s, 0, sizeof(s));
	for (uint32_t i = 0; i < N; i++)
		s.dev[i] = (uint8_t)(i * 7 + 3);
	assert_null(pcl_vdev_fastpath(NULL));
	assert_int_equal(pcl_vdev_fastpath_read(NULL, 0, 4, &val), -EINVAL);
	fp = pcl_vdev_fastpath(v);
	fw = pcl_vdev_fastpath(w);
	assert_non_null(fp);
	assert_non_null(fw);
	assert_int_equal(pcl_vdev_fastpath_read(fp, 0, 4, NULL), -EINVAL);
	assert_int_equal(val, 7);
	read = fp->read;
	image = fp->image;
	/* Two engines of one view share nothing. */
	assert_ptr_not_equal(fw->image, image);
	assert_ptr_not_equal(fw->read, read);
	/* Identity and the emulated RW1C byte are served inline. */
	assert_true(read[0] & PCL_VDEV_FAST_READ(4));
	assert_true(read[0x40] & PCL_VDEV_FAST_READ(1));
	/* Status reads the device, passthrough too: never inline. */
	assert_false(read[4] & PCL_VDEV_FAST_READ(4));
	assert_false(read[6] & PCL_VDEV_FAST_READ(2));
	assert_false(read[0x100] & PCL_VDEV_FAST_READ(1));
	check_fastpath(v, fp, &s);
	assert_int_equal(pcl_vdev_write(v, 4, 2, 0x0407), 0);
	assert_int_equal(pcl_vdev_write(v, 0x40, 1, 0x3c), 0);
	assert_int_equal(pcl_vdev_write(v, 0x104, 4, 0xcafef00d), 0);
	assert_int_equal(pcl_vdev_fastpath_read(fp, 0x40, 1, &val), 0);
	assert_int_equal(val, 0xcc);
	check_fastpath(v, fp, &s);
	/* Another engine's state, loaded: new bytes, same tables. */
	assert_int_equal(pcl_vdev_save(v, blob, sizeof(blob), &len), 0);
	assert_int_equal(pcl_vdev_load(w, blob, len, NULL), 0);
	assert_int_equal(pcl_vdev_fastpath_read(fw, 0x40, 1, &val), 0);
	assert_int_equal(val, 0xcc);
	assert_ptr_equal(pcl_vdev_fastpath(w), fw);
	check_fastpath(w, fw, &s);
	assert_int_equal(pcl_vdev_replay(w), 0);
	check_fastpath(w, fw, &s);
	pcl_vdev_reset(v);
	assert_int_equal(pcl_vdev_fastpath_read(fp, 0x40, 1, &val), 0);
	assert_int_equal(val, 0xff);
	check_fastpath(v, fp, &s);
	assert_ptr_equal(fp->read, read);
	assert_ptr_equal(fp->image, image);
	pcl_vdev_free(w);
	pcl_vdev_free(v);
	pcl_guest_free(g);
	pcl_ctx_free(ctx);
}

static void test_bad_access(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_guest *g = small_view(ctx);
	static struct spy s;
	struct pcl_vdev_backend be = { spy_read, spy_write, &s };
	struct pcl_vdev *v = pcl_vdev_new(g, &be, NULL);
	uint32_t val = 7;

	assert_non_null(v);
	memset(&s, 0, sizeof(s));
	assert_int_equal(pcl_vdev_read(v, 0, 3, &val), -EINVAL);
	assert_int_equal(pcl_vdev_read(v, 0, 0, &val), -EINVAL);
	assert_int_equal(pcl_vdev_read(v, 0, 8, &val), -EINVAL);
	assert_int_equal(pcl_vdev_read(v, 4096, 1, &val), -EFAULT);
	assert_int_equal(pcl_vdev_read(v, 4094, 4, &val), -EFAULT);
	assert_int_equal(pcl_vdev_read(v, UINT32_MAX, 4, &val), -EFAULT);
	assert_int_equal(pcl_vdev_read(v, UINT32_MAX - 1, 2, &val), -EFAULT);
	assert_int_equal(pcl_vdev_read(v, 0, 4, NULL), -EINVAL);
	assert_int_equal(pcl_vdev_read(NULL, 0, 4, &val), -EINVAL);
	assert_int_equal(pcl_vdev_write(v, 4093, 4, 0), -EFAULT);
	assert_int_equal(pcl_vdev_write(v, 4, 3, 0), -EINVAL);
	assert_int_equal(pcl_vdev_write(NULL, 4, 2, 0), -EINVAL);
	/* Powers of two the fast paths' one-bit test must not take for 1, 2
	 * or 4 (fuzz_vdev found 16 read as 1 byte). */
	for (uint32_t len = 8; len; len <<= 1) {
		for (uint32_t off = 0; off < N; off += 16) {
			assert_int_equal(pcl_vdev_read(v, off, len, &val), -EINVAL);
			assert_int_equal(pcl_vdev_write(v, off, len, 0), -EINVAL);
		}
	}
	assert_int_equal(val, 7);
	assert_int_equal(s.nlog, 0);
	/* The last byte is reachable with len 1. */
	assert_int_equal(pcl_vdev_read(v, 4095, 1, &val), 0);
	/* A view with physical bytes needs a backend. */
	assert_null(pcl_vdev_new(g, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	/* Invalid rules are refused and change nothing. */
	struct pcl_guest_rule r = { .source = PCL_GUEST_CONST, .wmask = 1 };

	assert_int_equal(pcl_guest_set(g, 0x80, 1, &r, NULL), -EINVAL);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW, .wmask = 1,
				     .w1c = 2 };
	assert_int_equal(pcl_guest_set(g, 0x80, 1, &r, NULL), -EINVAL);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_PHYS, .vmask = 1,
				     .w1c = 1 };
	assert_int_equal(pcl_guest_set(g, 0x80, 1, &r, NULL), -EINVAL);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_PHYS, .phys = 4095 };
	assert_int_equal(pcl_guest_set(g, 0x80, 2, &r, NULL), -EINVAL);
	r = (struct pcl_guest_rule){ .source = 9 };
	assert_int_equal(pcl_guest_set(g, 0x80, 1, &r, NULL), -EINVAL);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW, .hook = 1 };
	assert_int_equal(pcl_guest_set(g, 0x80, 1, &r, NULL), -EINVAL);
	r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW };
	assert_int_equal(pcl_guest_set(g, 4095, 2, &r, NULL), -EINVAL);
	assert_int_equal(pcl_guest_add_hook(g, PCL_HOOK_MSI, 0x42, 4), -EINVAL);
	assert_int_equal(pcl_guest_add_hook(g, 99, 0x40, 4), -EINVAL);
	assert_int_equal(pcl_guest_set_segment(g, 4000, 200), -EINVAL);
	pcl_vdev_free(v);
	pcl_guest_free(g);
	pcl_ctx_free(ctx);
}

static void test_semantics(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_guest *g = small_view(ctx);
	static struct spy s;
	struct pcl_vdev_backend be = { spy_read, spy_write, &s };
	struct pcl_vdev *v = pcl_vdev_new(g, &be, NULL);
	struct events evs = { .n = 0 };
	uint32_t val;

	assert_non_null(v);
	memset(&s, 0, sizeof(s));
	pcl_vdev_set_notify(v, on_event, &evs);
	/* Identity is emulated: no device access, value from the image. */
	assert_int_equal(pcl_vdev_read(v, 0, 4, &val), 0);
	assert_int_equal(val, 0x12348086);
	assert_int_equal(s.nlog, 0);
	/* Status: device value, CAP_LIST from the shadow. */
	s.dev[6] = 0x08;
	s.dev[7] = 0x90;
	s.dev_w1c[7] = 0xf9;
	assert_int_equal(pcl_vdev_read(v, 6, 2, &val), 0);
	assert_int_equal(val, 0x9018);
	assert_int_equal(s.nlog, 1);
	/* Clearing one RW1C bit clears only that one. */
	s.nlog = 0;
	assert_int_equal(pcl_vdev_write(v, 6, 2, 0x8000), 0);
	assert_int_equal(s.dev[7], 0x10);
	assert_int_equal(s.dev[6], 0x08);
	/* Command: write-through and a hook event on change only. */
	assert_int_equal(pcl_vdev_write(v, 4, 2, 0xffff), 0);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].hook, PCL_HOOK_COMMAND);
	assert_int_equal(evs.ev[0].old_value, 0);
	assert_int_equal(evs.ev[0].new_value, 0x0407);
	assert_int_equal(s.dev[4], 0x07);
	assert_int_equal(s.dev[5], 0x04);
	assert_int_equal(pcl_vdev_write(v, 4, 2, 0x0407), 0);
	assert_int_equal(evs.n, 1);
	/* Relocated passthrough: guest 0x100 is device 0x200, one call. */
	s.nlog = 0;
	assert_int_equal(pcl_vdev_write(v, 0x104, 4, 0xcafef00d), 0);
	assert_int_equal(pcl_le32(s.dev + 0x204), 0xcafef00d);
	assert_int_equal(s.nlog, 1);
	s.nlog = 0;
	assert_int_equal(pcl_vdev_read(v, 0x104, 4, &val), 0);
	assert_int_equal(val, 0xcafef00d);
	assert_int_equal(s.nlog, 1);
	/* Unaligned 4 bytes at 0x1fe: split at the dword and the segment. */
	s.nlog = 0;
	assert_int_equal(pcl_vdev_read(v, 0x1fe, 4, &val), 0);
	assert_int_equal(s.nlog, 1); /* 0x200 on is CONST 0: no call */
	assert_int_equal(val >> 16, 0);
	/* Emulated RW1C. */
	assert_int_equal(pcl_vdev_write(v, 0x40, 1, 0x3c), 0);
	assert_int_equal(pcl_vdev_read(v, 0x40, 1, &val), 0);
	assert_int_equal(val, 0xcc); /* low nibble written, 0x30 cleared */
	/* Reset returns to the image. */
	pcl_vdev_reset(v);
	assert_int_equal(pcl_vdev_read(v, 0x40, 1, &val), 0);
	assert_int_equal(val, 0xff);
	pcl_vdev_free(v);
	pcl_guest_free(g);
	pcl_ctx_free(ctx);
}

/* Backend call @k of @s was a read of @len bytes at @off. */
static void assert_read_call(const struct spy *s, uint32_t k, uint32_t off,
			     uint32_t len)
{
	assert_true(k < s->nlog);
	assert_int_equal(s->log[k].write, 0);
	assert_int_equal(s->log[k].off, off);
	assert_int_equal(s->log[k].len, len);
}

/* Read @len bytes at @off of @v, which must give @want: the backend calls
 * it made (@s's log holds them). */
static uint32_t read_logged(struct pcl_vdev *v, struct spy *s, uint32_t off,
			    uint32_t len, uint32_t want)
{
	uint32_t val = 0;

	s->nlog = 0;
	assert_int_equal(pcl_vdev_read(v, off, len, &val), 0);
	assert_int_equal(val, want);
	return s->nlog;
}

/*
 * Reads whose device bytes form one naturally aligned piece on the device
 * (the engine's short way: one call, the bytes merged by masks) and reads
 * whose device bytes do not (a run misaligned on the device, two runs):
 * the values byte by byte as the rules say, and one call per piece.
 */
static void test_one_piece(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_guest *g = pcl_guest_new(ctx);
	struct pcl_guest_rule emu = { .source = PCL_GUEST_SHADOW };
	struct pcl_guest_rule dev = { .source = PCL_GUEST_PHYS };
	const uint8_t img[4] = { 0x11, 0x22, 0x33, 0x44 };
	static struct spy s;
	struct pcl_vdev_backend be = { spy_read, spy_write, &s };
	struct pcl_vdev *v;

	(void)state;
	assert_non_null(g);
	/* 0x40: two emulated bytes, two device bytes at 0x82. */
	assert_int_equal(pcl_guest_set(g, 0x40, 2, &emu, img), 0);
	dev.phys = 0x82;
	assert_int_equal(pcl_guest_set(g, 0x42, 2, &dev, img + 2), 0);
	/* 0x44: four device bytes at 0x91: contiguous, not aligned. */
	dev.phys = 0x91;
	assert_int_equal(pcl_guest_set(g, 0x44, 4, &dev, img), 0);
	/* 0x48: four device bytes at 0xa8, the second's low nibble
	 * emulated. */
	dev.phys = 0xa8;
	assert_int_equal(pcl_guest_set(g, 0x48, 4, &dev, img), 0);
	dev.phys = 0xa9;
	dev.vmask = 0x0f;
	assert_int_equal(pcl_guest_set(g, 0x49, 1, &dev, img + 1), 0);
	dev.vmask = 0;
	/* 0x4c: device, emulated, two device bytes: two runs. */
	dev.phys = 0xb0;
	assert_int_equal(pcl_guest_set(g, 0x4c, 1, &dev, img), 0);
	assert_int_equal(pcl_guest_set(g, 0x4d, 1, &emu, img + 1), 0);
	dev.phys = 0xb2;
	assert_int_equal(pcl_guest_set(g, 0x4e, 2, &dev, img + 2), 0);
	v = pcl_vdev_new(g, &be, NULL);
	assert_non_null(v);
	memset(&s, 0, sizeof(s));
	for (uint32_t i = 0; i < N; i++)
		s.dev[i] = (uint8_t)(7 * i + 1);

	assert_int_equal(read_logged(v, &s, 0x40, 4,
				     0x2211u | (uint32_t)s.dev[0x82] << 16 |
					     (uint32_t)s.dev[0x83] << 24), 1);
	assert_read_call(&s, 0, 0x82, 2);
	assert_int_equal(read_logged(v, &s, 0x42, 2, pcl_le16(s.dev + 0x82)), 1);
	assert_read_call(&s, 0, 0x82, 2);
	assert_int_equal(read_logged(v, &s, 0x43, 1, s.dev[0x83]), 1);
	assert_read_call(&s, 0, 0x83, 1);
	/* 0x44: a run misaligned on the device: three pieces. */
	assert_int_equal(read_logged(v, &s, 0x44, 4, pcl_le32(s.dev + 0x91)), 3);
	assert_read_call(&s, 0, 0x91, 1);
	assert_read_call(&s, 1, 0x92, 2);
	assert_read_call(&s, 2, 0x94, 1);
	/* 0x48: one piece with emulated bits in it. */
	assert_int_equal(read_logged(v, &s, 0x48, 4,
				     (pcl_le32(s.dev + 0xa8) & ~0x0f00u) |
					     0x0200u), 1);
	assert_read_call(&s, 0, 0xa8, 4);
	/* 0x4c: two runs, two pieces. */
	assert_int_equal(read_logged(v, &s, 0x4c, 4,
				     s.dev[0xb0] | 0x2200u |
					     (uint32_t)pcl_le16(s.dev + 0xb2)
						     << 16), 2);
	assert_read_call(&s, 0, 0xb0, 1);
	assert_read_call(&s, 1, 0xb2, 2);
	assert_false(s.bad);
	pcl_vdev_free(v);
	pcl_guest_free(g);
	pcl_ctx_free(ctx);
}

/* A failing backend: -EIO and the emulated state stays as it was. */
static void test_backend_failure(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	static struct ref m;
	static struct spy s;
	static uint8_t before[BLOB_MAX], after[BLOB_MAX];
	struct events evs = { .n = 0 };
	struct pcl_vdev_backend be = { spy_read, spy_write, &s };
	unsigned long fails = 0;
	size_t blen = 0;

	rng_state = 0x1234567887654321ull;
	for (int round = 0; round < 4; round++) {
		struct pcl_guest *g = random_view(ctx, &m);
		struct pcl_vdev *v;

		random_device(&m, &s);
		v = pcl_vdev_new(g, &be, NULL);
		assert_non_null(v);
		pcl_guest_free(g);
		pcl_vdev_set_notify(v, on_event, &evs);
		for (int k = 0; k < 20000; k++) {
			uint32_t len = 1u << rnd_below(3);
			uint32_t off = rnd_below(N - 3) & ~(len - 1);
			uint32_t val;
			int r, write = (int)rnd_below(2);

			/* Randomize state first so failures hit real state. */
			pcl_vdev_write(v, off, len, rnd());
			s.calls = 0;
			s.fail_at = 1 + rnd_below(3);
			evs.n = 0;
			assert_int_equal(pcl_vdev_save(v, before,
						       sizeof(before), &blen), 0);
			r = write ? pcl_vdev_write(v, off, len, rnd())
				  : pcl_vdev_read(v, off, len, &val);
			s.fail_at = 0;
			if (r == 0)
				continue;
			assert_int_equal(r, -EIO);
			fails++;
			assert_int_equal(evs.n, 0);
			assert_int_equal(pcl_vdev_save(v, after,
						       sizeof(after), NULL), 0);
			assert_memory_equal(before, after, blen);
		}
		pcl_vdev_free(v);
	}
	assert_true(fails > 1000);
	pcl_ctx_free(ctx);
}

/* A copy of a view (the test knows its representation). */
static struct pcl_guest *clone_view(struct pcl_ctx *ctx,
				    const struct pcl_guest *g)
{
	struct pcl_guest *c = pcl_guest_new(ctx);

	assert_non_null(c);
	memcpy(c, g, sizeof(*c));
	return c;
}

static void test_save_load(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	static struct ref m;
	static struct spy s;
	static uint8_t blob[BLOB_MAX], bad[BLOB_MAX];
	struct pcl_vdev_backend be = { spy_read, spy_write, &s };
	struct pcl_guest *g;
	struct pcl_vdev *v, *w;
	struct pcl_error err;
	size_t len = 0;

	rng_state = 0x0badc0ffee0ddf00ull;
	g = random_view(ctx, &m);
	random_device(&m, &s);
	assert_int_equal(pcl_guest_set_fingerprint(g, "sha256:aaaa"), 0);
	v = pcl_vdev_new(g, &be, NULL);
	w = pcl_vdev_new(g, &be, NULL);
	assert_non_null(v);
	assert_non_null(w);
	for (int k = 0; k < 50000; k++) {
		uint32_t l = 1u << rnd_below(3);

		pcl_vdev_write(v, rnd_below(N - 3), l, rnd());
	}
	/* The checksum is zlib's CRC-32 (docs/vdev-state.md): its check
	 * value, and in two calls. */
	assert_int_equal(pcl_crc32(0, "123456789", 9), 0xcbf43926);
	assert_int_equal(pcl_crc32(pcl_crc32(0, "1234", 4), "56789", 5),
			 0xcbf43926);
	assert_int_equal(pcl_vdev_save(v, NULL, 0, &len), -ENOSPC);
	assert_true(len > 4096 && len <= sizeof(blob));
	assert_int_equal(pcl_vdev_save(v, blob, len - 1, NULL), -ENOSPC);
	assert_int_equal(pcl_vdev_save(v, blob, len, NULL), 0);
	assert_int_equal(pcl_vdev_load(w, blob, len, &err), 0);
	/* Every read, every offset and length, answers the same. */
	for (uint32_t l = 1; l <= 4; l *= 2)
		for (uint32_t off = 0; off + l <= N; off++) {
			uint32_t a, b;

			assert_int_equal(pcl_vdev_read(v, off, l, &a), 0);
			assert_int_equal(pcl_vdev_read(w, off, l, &b), 0);
			if (a != b)
				fail_msg("restored engine differs at 0x%x/%u",
					 off, l);
		}

	/* Every truncation fails cleanly and leaves @w as it was. */
	for (size_t n = 0; n < len; n += (n < 64 ? 1 : 97))
		assert_int_equal(pcl_vdev_load(w, blob, n, &err), -EINVAL);
	/* Every single-byte corruption is caught. */
	for (size_t i = 0; i < len; i += (i < 128 ? 1 : 61)) {
		memcpy(bad, blob, len);
		bad[i] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(pcl_vdev_load(w, bad, len, &err), -EINVAL);
	}
	/* Another layout: a clear message. */
	{
		struct pcl_guest *g2 = random_view(ctx, &m);
		struct pcl_vdev *x;

		assert_int_equal(pcl_guest_set_fingerprint(g2, "sha256:bbbb"),
				 0);
		x = pcl_vdev_new(g2, &be, NULL);
		assert_non_null(x);
		assert_int_equal(pcl_vdev_load(x, blob, len, &err), -EINVAL);
		assert_non_null(strstr(err.message, "sha256:aaaa"));
		assert_non_null(strstr(err.message, "sha256:bbbb"));
		/* Same fingerprint, other hooks. */
		assert_int_equal(pcl_guest_set_fingerprint(g2, "sha256:aaaa"),
				 0);
		pcl_vdev_free(x);
		x = pcl_vdev_new(g2, &be, NULL);
		assert_int_equal(pcl_vdev_load(x, blob, len, &err), -EINVAL);
		assert_non_null(strstr(err.message, "hooked register"));
		pcl_vdev_free(x);
		pcl_guest_free(g2);
	}
	/* Same fingerprint and hooks, one byte's rule other: the message
	 * names that byte. */
	{
		struct pcl_guest *g2 = clone_view(ctx, g);
		struct pcl_guest_rule r;
		struct pcl_vdev *x;

		assert_int_equal(pcl_guest_rule(g2, 0x123, &r), 0);
		r.wmask ^= 0x10;
		r.w1c &= r.wmask;
		if (r.source == PCL_GUEST_CONST)
			r = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW,
						     .wmask = 0x10 };
		assert_int_equal(pcl_guest_set(g2, 0x123, 1, &r, NULL), 0);
		x = pcl_vdev_new(g2, &be, NULL);
		assert_non_null(x);
		assert_int_equal(pcl_vdev_load(x, blob, len, &err), -EINVAL);
		assert_non_null(strstr(err.message, "emulation rule"));
		assert_int_equal(err.offset, 0x123);
		pcl_vdev_free(x);
		pcl_guest_free(g2);
	}
	/* A well-framed state that changes a read-only bit is refused. */
	{
		struct pcl_guest_rule r = { .source = PCL_GUEST_SHADOW };
		uint32_t ro = 0;
		uint8_t *sh;

		/* (m now models another view: ask @g for its rules.) */
		while (ro < N && !pcl_guest_rule(g, ro, &r) &&
		       r.source != PCL_GUEST_CONST)
			ro++;
		assert_true(ro < N);
		memcpy(bad, blob, len);
		sh = (uint8_t *)saved_shadow(v, bad, sizeof(bad));
		sh[ro] ^= 1;
		pcl_put_le32(bad + len - 4, pcl_crc32(0, bad, len - 4));
		assert_int_equal(pcl_vdev_load(w, bad, len, &err), -EINVAL);
		assert_int_equal(err.offset, (int32_t)ro);
	}
	/* Unknown records: optional ones skipped, required ones refused. */
	{
		size_t n2 = len + 12;
		uint8_t *p = bad;

		memcpy(p, blob, len - 4);
		memcpy(p + len - 4, "xtra", 4);
		pcl_put_le32(p + len, 4);
		memcpy(p + len + 4, "1234", 4);
		pcl_put_le32(p + 12, (uint32_t)n2);
		pcl_put_le32(p + n2 - 4, pcl_crc32(0, p, n2 - 4));
		assert_int_equal(pcl_vdev_load(w, p, n2, &err), 0);
		p[len - 4] = 'X';
		pcl_put_le32(p + n2 - 4, pcl_crc32(0, p, n2 - 4));
		assert_int_equal(pcl_vdev_load(w, p, n2, &err), -EINVAL);
		assert_non_null(strstr(err.message, "Xtra"));
	}
	/* Another version. */
	memcpy(bad, blob, len);
	pcl_put_le32(bad + 8, 1);
	pcl_put_le32(bad + len - 4, pcl_crc32(0, bad, len - 4));
	assert_int_equal(pcl_vdev_load(w, bad, len, &err), -EINVAL);
	assert_non_null(strstr(err.message, "version 1"));
	/* Nothing above changed @w: it still equals @v. */
	{
		static uint8_t b1[BLOB_MAX], b2[BLOB_MAX];

		assert_int_equal(pcl_vdev_save(v, b1, sizeof(b1), NULL), 0);
		assert_int_equal(pcl_vdev_save(w, b2, sizeof(b2), NULL), 0);
		assert_memory_equal(b1, b2, len);
	}
	pcl_vdev_free(v);
	pcl_vdev_free(w);
	pcl_guest_free(g);
	pcl_ctx_free(ctx);
}

/* ---- backend calls per aligned access, over the corpus ---- */

struct call_tally {
	unsigned long accesses, one_run_reads, one_run_writes, rmw;
	unsigned long split_reads, split_writes; /* an emulated byte between */
};

/*
 * The runs an access of @len bytes at @off makes on the device, by the
 * rules: bytes read from the device (@rd), bytes written to it (@wr) and
 * those of them with bits to keep (@rmw), each counted in runs of bytes
 * consecutive in the guest and on the device.
 */
struct runs {
	uint32_t rd, wr, rmw;
};

static struct runs access_runs(const struct pcl_guest *g, uint32_t off,
			       uint32_t len)
{
	struct pcl_guest_rule r, prev = { 0 };
	bool prev_rd = false, prev_wr = false, run_rmw = false;
	struct runs n = { 0 };

	for (uint32_t i = off; i < off + len; i++) {
		uint8_t hw;
		bool rd, wr, next;

		assert_int_equal(pcl_guest_rule(g, i, &r), 0);
		hw = r.source == PCL_GUEST_PHYS ? (uint8_t)(r.wmask & ~r.vmask) :
		     0;
		rd = r.source == PCL_GUEST_PHYS && r.vmask != 0xff;
		wr = hw || (r.source == PCL_GUEST_SHADOW &&
			    (r.flags & PCL_GUEST_WRITE_THROUGH));
		next = r.phys == prev.phys + 1u;
		n.rd += rd && !(prev_rd && next);
		if (wr && !(prev_wr && next)) {
			n.wr++;
			run_rmw = false;
		}
		if (wr && hw && hw != 0xff && !run_rmw) {
			n.rmw++;
			run_rmw = true;
		}
		prev = r;
		prev_rd = rd;
		prev_wr = wr;
	}
	return n;
}

/*
 * Every aligned access of 1, 2 and 4 bytes of an engine built from @l on a
 * simulated @cfg: a read costs one backend read per run of device bytes
 * (one for a passthrough access, none for an emulated one); writing back
 * what it read, one backend write per run, with one read first where bits
 * must be kept. An emulated byte between two device bytes (the header
 * type between latency timer and BIST) is never read or written.
 */
static void count_calls(struct pcl_ctx *ctx, const struct pcl_layout *l,
			struct pcl_cfg *cfg, const char *name,
			struct call_tally *t)
{
	struct pcl_backend *be = pcl_backend_sim_new(cfg);
	struct pcl_vdev_backend ops;
	struct pcl_guest *g = NULL;
	struct pcl_vdev *v;

	assert_non_null(be);
	assert_int_equal(pcl_guest_build(ctx, l, cfg, NULL, &g, NULL), 0);
	pcl_backend_ops(be, &ops);
	v = pcl_vdev_new(g, &ops, NULL);
	assert_non_null(v);
	for (uint32_t len = 1; len <= 4; len *= 2) {
		for (uint32_t off = 0; off < N; off += len) {
			struct pcl_backend_stats s0, s1, s2;
			struct runs want = access_runs(g, off, len);
			uint64_t rd, wr_rd, wr;
			uint32_t val;

			pcl_backend_stats(be, &s0);
			assert_int_equal(pcl_vdev_read(v, off, len, &val), 0);
			pcl_backend_stats(be, &s1);
			assert_int_equal(pcl_vdev_write(v, off, len, val), 0);
			pcl_backend_stats(be, &s2);
			rd = s1.reads - s0.reads;
			wr_rd = s2.reads - s1.reads;
			wr = s2.writes - s1.writes;
			if (rd != want.rd || s1.writes != s0.writes ||
			    wr != want.wr || wr_rd != want.rmw)
				fail_msg("%s: %u bytes at 0x%03x: read: %llu "
					 "backend reads (want %u), write: %llu "
					 "reads (want %u), %llu writes (want %u)",
					 name, len, off, (unsigned long long)rd,
					 want.rd, (unsigned long long)wr_rd,
					 want.rmw, (unsigned long long)wr,
					 want.wr);
			t->accesses++;
			t->one_run_reads += want.rd == 1;
			t->one_run_writes += want.wr == 1;
			t->split_reads += want.rd > 1;
			t->split_writes += want.wr > 1;
			t->rmw += want.rmw;
		}
	}
	pcl_vdev_free(v);
	pcl_guest_free(g);
	pcl_backend_free(be);
}

static void test_corpus_calls(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct call_tally t = { 0 };
	unsigned int engines = 0;
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char file[256], name[400];

	(void)state;
	if (!corpus_open(&it, 1)) {
		pcl_ctx_free(ctx); /* cmocka's skip() does not return */
		skip();
	}
	while ((cfg = corpus_next(&it, ctx, file, sizeof(file)))) {
		struct pcl_plan_request *req = pcl_plan_request_new(ctx);
		struct pcl_layout *l = NULL;

		assert_int_equal(pcl_plan_request_set_cfg(req, cfg, NULL), 0);
		if (pcl_plan(req, &l, NULL) == 0) {
			snprintf(name, sizeof(name), "%s, default plan", file);
			count_calls(ctx, l, cfg, name, &t);
			engines++;
			pcl_layout_free(l);
		}
		pcl_plan_request_free(req);
		/* Every capability where it is: capability ends mid-dword. */
		if ((l = layout_in_place(ctx, cfg))) {
			snprintf(name, sizeof(name), "%s, everything presented",
				 file);
			count_calls(ctx, l, cfg, name, &t);
			engines++;
			pcl_layout_free(l);
		}
		pcl_cfg_free(cfg);
	}
	print_message("backend calls: %u engines, %lu aligned accesses, each "
		      "read and written back: %lu reads and %lu writes of one "
		      "run of device bytes, each one call (%lu writes read "
		      "first); %lu reads and %lu writes with an emulated byte "
		      "between device bytes, one call per run\n",
		      engines, t.accesses, t.one_run_reads, t.one_run_writes,
		      t.rmw, t.split_reads, t.split_writes);
	assert_true(engines >= 100);
	assert_true(t.one_run_reads > 10000 && t.rmw > 0);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_access),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_one_piece),
		cmocka_unit_test(test_fastpath),
		cmocka_unit_test(test_backend_failure),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_corpus_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
