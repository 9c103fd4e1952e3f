// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_lifecycle.c - an engine's life with its device, on built views:
 *  - lifecycle events: the command register (memory, bus master), the
 *    power state, Initiate FLR in PCI Express Device Control and in
 *    Advanced Features (the emulated state resets, what changed is
 *    reported, then the FLR; the bit never reaches the device);
 *  - replay onto another device, in the order vdev.h documents, with a
 *    backend that fails at every step once;
 *  - portable state on real tables: for every corpus device, state saved
 *    on it restores on variants of it that differ in serial number, status
 *    and error bits, vendor-specific contents, BAR addresses, and on one
 *    whose capability sits elsewhere (what check calls "relocated"), with
 *    identical guest reads except where the devices' own bytes differ;
 *  - for every ordered pair of corpus devices, the restore sequence
 *    (pcl_check(), pcl_guest_build(), pcl_vdev_load(), pcl_vdev_replay())
 *    succeeds exactly where check passes and otherwise refuses with
 *    check's reasons.
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

#include "builder.h"
#include "corpus.h"
#include "internal.h"

#define N PCL_CFG_SIZE
#define MAX_DEVS 128

/* ---- a log of device writes and events, in the order they happen ---- */

struct entry {
	char kind;	/* 'w' device write, 'e' event */
	uint32_t off, len, val, hook, old;
};

struct logger {
	struct pcl_vdev_backend inner;
	struct entry e[256];
	uint32_t n;
	uint32_t calls, fail_at; /* fail backend call number fail_at */
};

static int log_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct logger *l = opaque;

	if (++l->calls == l->fail_at)
		return -EIO;
	return l->inner.read(l->inner.opaque, off, len, val);
}

static int log_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct logger *l = opaque;

	if (++l->calls == l->fail_at)
		return -EIO;
	if (l->n < 256)
		l->e[l->n++] = (struct entry){ 'w', off, len, val, 0, 0 };
	return l->inner.write(l->inner.opaque, off, len, val);
}

static void log_event(void *opaque, const struct pcl_vdev_event *ev)
{
	struct logger *l = opaque;

	if (l->n < 256)
		l->e[l->n++] = (struct entry){ 'e', ev->offset, ev->width,
					       ev->new_value, ev->hook,
					       ev->old_value };
}

/* ---- a small PCI Express function with every hook kind ---- */

/*
 * BAR0 32-bit; PM 0x40, MSI-X 0x50, PCI Express 0x60, Advanced Features
 * 0xa0; AER 0x100, DSN 0x140 (serial @serial). Device Control starts at
 * @devctl, the AER uncorrectable mask at @aermask.
 */
static struct pcl_cfg *nic(struct pcl_ctx *ctx, uint64_t serial,
			   uint16_t devctl, uint32_t aermask)
{
	struct tb b;

	tb_init(&b, 0x8086, 0x10d3, 0, N);
	tb_w32(&b, 0x10, 0xfe000000);
	tb_std(&b, 0x40, 0x01);
	tb_w16(&b, 0x42, 0x0003);
	tb_std(&b, 0x50, 0x11);
	tb_w16(&b, 0x52, 0x0004);
	tb_w32(&b, 0x54, 0x00002000);
	tb_w32(&b, 0x58, 0x00003000);
	tb_pcie(&b, 0x60, 2, 0);
	tb_w32(&b, 0x64, 0x10008000); /* DEVCAP: FLR */
	tb_w16(&b, 0x68, devctl);
	tb_std(&b, 0xa0, 0x13);
	tb_w8(&b, 0xa2, 6);
	tb_w8(&b, 0xa3, 0x03);	/* TP, FLR */
	tb_ext(&b, 0x100, 0x0001, 2);
	tb_w32(&b, 0x108, aermask);
	tb_ext(&b, 0x140, 0x0003, 1);
	tb_w32(&b, 0x144, (uint32_t)serial);
	tb_w32(&b, 0x148, (uint32_t)(serial >> 32));
	return tb_cfg(ctx, &b);
}

static void add(struct pcl_layout *l, int space, uint16_t id, int32_t at,
		uint32_t len)
{
	struct pcl_layout_entry e;

	pcl_layout_entry_init(&e);
	e.space = (uint8_t)space;
	e.id = id;
	e.at = at;
	e.length = len;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
}

static struct pcl_layout *nic_layout(struct pcl_ctx *ctx)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);

	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, "nic"), 0);
	add(l, 0, 0x01, 0x40, 0);
	add(l, 0, 0x11, 0x50, 0);
	add(l, 0, 0x10, 0x60, 0x3c);
	add(l, 0, 0x13, 0xa0, 6);
	add(l, 1, 0x0001, 0x100, 0);
	add(l, 1, 0x0003, 0x140, 0);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);
	return l;
}

struct rig {
	struct pcl_cfg *cfg;
	struct pcl_backend *be;
	struct logger log;
	struct pcl_vdev *v;
};

static void rig_up(struct pcl_ctx *ctx, struct rig *r,
		   const struct pcl_layout *l, struct pcl_cfg *cfg)
{
	struct pcl_guest_options o;
	struct pcl_vdev_backend ops = { log_read, log_write, &r->log };
	struct pcl_guest *g = NULL;
	struct pcl_error err;

	memset(r, 0, sizeof(*r));
	memset(&o, 0, sizeof(o));
	o.bar_size[0] = 0x20000;
	r->cfg = cfg;
	r->be = pcl_backend_sim_new(cfg);
	assert_non_null(r->be);
	pcl_backend_ops(r->be, &r->log.inner);
	if (pcl_guest_build(ctx, l, cfg, &o, &g, &err))
		fail_msg("build: %s", err.message);
	r->v = pcl_vdev_new(g, &ops, &err);
	assert_non_null(r->v);
	pcl_guest_free(g);
	pcl_vdev_set_notify(r->v, log_event, &r->log);
}

static void rig_down(struct rig *r)
{
	pcl_vdev_free(r->v);
	pcl_backend_free(r->be);
	pcl_cfg_free(r->cfg);
}

static uint32_t rd(struct rig *r, uint32_t off, uint32_t len)
{
	uint32_t val = 0xdeadbeef;

	assert_int_equal(pcl_vdev_read(r->v, off, len, &val), 0);
	return val;
}

static void wr(struct rig *r, uint32_t off, uint32_t len, uint32_t val)
{
	assert_int_equal(pcl_vdev_write(r->v, off, len, val), 0);
}

static const uint8_t *dev(const struct rig *r)
{
	return pcl_backend_sim_data(r->be);
}

static void expect_event(const struct rig *r, uint32_t i, int hook,
			 uint32_t off, uint32_t old, uint32_t now)
{
	const struct entry *e = &r->log.e[i];

	if (i >= r->log.n || e->kind != 'e' || e->hook != (uint32_t)hook ||
	    e->off != off || e->old != old || e->val != now)
		fail_msg("log entry %u: want event %d at 0x%x %x -> %x; have "
			 "%c %u at 0x%x %x -> %x (%u entries)", i, hook, off,
			 old, now, e->kind, e->hook, e->off, e->old, e->val,
			 r->log.n);
}

/* The index of the @k-th event of the log. */
static uint32_t ev(const struct rig *r, uint32_t k)
{
	for (uint32_t i = 0; i < r->log.n; i++)
		if (r->log.e[i].kind == 'e' && k-- == 0)
			return i;
	return r->log.n;
}

static uint32_t events(const struct rig *r)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < r->log.n; i++)
		n += r->log.e[i].kind == 'e';
	return n;
}

static void test_events(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *l = nic_layout(ctx);
	struct rig r;

	rig_up(ctx, &r, l, nic(ctx, 0x1111, 0x2810, 0));
	/* Memory and bus master enable: the command register's event. */
	wr(&r, 0x04, 2, 0x0006);
	expect_event(&r, ev(&r, 0), PCL_HOOK_COMMAND, 0x04, 0, 6);
	assert_int_equal(pcl_le16(dev(&r) + 0x04), 0x0006);
	r.log.n = 0;
	wr(&r, 0x04, 2, 0x0002);
	expect_event(&r, ev(&r, 0), PCL_HOOK_COMMAND, 0x04, 6, 2);
	wr(&r, 0x04, 2, 0x0006);
	wr(&r, 0x10, 4, 0xfe000000);
	wr(&r, 0x52, 2, 0x8000);
	/* The power state: D3hot and back, on the device, with events. */
	r.log.n = 0;
	wr(&r, 0x44, 2, 0x0003);
	assert_int_equal(r.log.e[0].kind, 'w');
	expect_event(&r, ev(&r, 0), PCL_HOOK_PM, 0x44, 0, 3);
	assert_int_equal(dev(&r)[0x44] & 3, 3);
	wr(&r, 0x44, 2, 0x0000);
	expect_event(&r, ev(&r, 1), PCL_HOOK_PM, 0x44, 3, 0);
	assert_int_equal(dev(&r)[0x44] & 3, 0);
	/* Initiate FLR: every emulated register back to its initial value,
	 * what changed reported in hook order (command, BAR0, MSI-X), then
	 * the FLR; the device never sees the bit, the guest reads it 0. */
	r.log.n = 0;
	wr(&r, 0x69, 1, 0x80 | 0x28);
	for (uint32_t i = 0; i < ev(&r, 0); i++)	/* the other bits */
		assert_int_equal(r.log.e[i].val & 0x80, 0);
	expect_event(&r, ev(&r, 0), PCL_HOOK_COMMAND, 0x04, 6, 0);
	expect_event(&r, ev(&r, 1), PCL_HOOK_BAR, 0x10, 0xfe000000, 0);
	expect_event(&r, ev(&r, 2), PCL_HOOK_MSIX, 0x52, 0x8004, 0x0004);
	expect_event(&r, ev(&r, 3), PCL_HOOK_FLR, 0x69, 0x28, 0xa8);
	assert_int_equal(events(&r), 4);
	assert_int_equal(ev(&r, 3), r.log.n - 1);	/* nothing after */
	assert_int_equal(dev(&r)[0x69] & 0x80, 0);
	assert_int_equal(rd(&r, 0x68, 2) & 0x8000, 0);
	assert_int_equal(rd(&r, 0x04, 2), 0);
	assert_int_equal(rd(&r, 0x10, 4), 0);
	/* The device's own Device Control bits are the device's: the reset
	 * is the VMM's to carry out (VFIO_DEVICE_RESET). */
	assert_int_equal(dev(&r)[0x69], 0x28);
	/* Advanced Features FLR: the same, with nothing else to report. */
	r.log.n = 0;
	wr(&r, 0xa4, 1, 0x01);
	expect_event(&r, 0, PCL_HOOK_FLR, 0xa4, 0, 1);
	assert_int_equal(r.log.n, 1);	/* and no device access */
	assert_int_equal(rd(&r, 0xa4, 1), 0);
	assert_int_equal(dev(&r)[0xa4], 0);
	/* Writing 0 to the FLR bit is no reset. */
	wr(&r, 0x04, 2, 0x0006);
	r.log.n = 0;
	wr(&r, 0x68, 2, 0x2810);
	assert_int_equal(rd(&r, 0x04, 2), 6);
	for (uint32_t i = 0; i < r.log.n; i++)
		assert_int_equal(r.log.e[i].kind, 'w');
	rig_down(&r);
	pcl_layout_free(l);
	pcl_ctx_free(ctx);
}

/* Source state: a driver that programmed everything, then D3hot. */
static void drive(struct rig *r)
{
	wr(r, 0x0c, 1, 0x10);			/* cache line size */
	wr(r, 0x10, 4, 0xfe000000);		/* BAR0 */
	wr(r, 0x52, 2, 0xc000);			/* MSI-X: mask, enable */
	wr(r, 0x52, 2, 0x8000);			/* unmask */
	wr(r, 0x68, 2, 0x221f);			/* errors, RO, phantom */
	wr(r, 0x88, 2, 0x0415);			/* Device Control 2 */
	wr(r, 0x108, 4, 0x00100000);		/* AER: mask UR */
	wr(r, 0x04, 2, 0x0406);			/* memory, master, INTx off */
	wr(r, 0x44, 2, 0x0003);			/* D3hot */
}

static size_t save(const struct pcl_vdev *v, uint8_t **blob)
{
	size_t len = 0;

	assert_int_equal(pcl_vdev_save(v, NULL, 0, &len), -ENOSPC);
	*blob = malloc(len);
	assert_non_null(*blob);
	assert_int_equal(pcl_vdev_save(v, *blob, len, NULL), 0);
	return len;
}

/* The index of the first log entry of @kind at @off, or -1. */
static int find(const struct rig *r, char kind, uint32_t off)
{
	for (uint32_t i = 0; i < r->log.n; i++)
		if (r->log.e[i].kind == kind && r->log.e[i].off == off)
			return (int)i;
	return -1;
}

static void test_replay(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_layout *l = nic_layout(ctx);
	struct pcl_error err;
	struct rig a, b;
	uint8_t *blob;
	size_t len;
	int first_event;

	rig_up(ctx, &a, l, nic(ctx, 0x1111, 0x2810, 0));
	drive(&a);
	len = save(a.v, &blob);
	/* Another device: another serial, other defaults, an error bit. */
	rig_up(ctx, &b, l, nic(ctx, 0x2222, 0x5000, 0x00400000));
	assert_int_equal(pcl_backend_sim_poke(b.be, 0x07, (uint8_t[]){ 0x20 },
					      1), 0);
	assert_int_equal(pcl_vdev_load(b.v, blob, len, &err), 0);
	assert_int_equal(b.log.n, 0);	/* load never touches the device */
	assert_int_equal(pcl_vdev_replay(b.v), 0);
	/* 1. settings, by offset, before any event. */
	first_event = find(&b, 'e', 0x10);
	assert_true(first_event > 0);
	for (int i = 0; i < first_event; i++)
		assert_int_equal(b.log.e[i].kind, 'w');
	assert_true(find(&b, 'w', 0x0c) >= 0 &&
		    find(&b, 'w', 0x0c) < find(&b, 'w', 0x68) &&
		    find(&b, 'w', 0x68) < find(&b, 'w', 0x88) &&
		    find(&b, 'w', 0x88) < find(&b, 'w', 0x108));
	assert_true(find(&b, 'w', 0x108) < first_event);
	/* 2. BAR0, then MSI-X. */
	expect_event(&b, (uint32_t)first_event, PCL_HOOK_BAR, 0x10, 0,
		     0xfe000000);
	expect_event(&b, (uint32_t)first_event + 1, PCL_HOOK_MSIX, 0x52,
		     0x0004, 0x8004);
	/* 3. the command register, written then reported. */
	assert_int_equal(b.log.e[first_event + 2].kind, 'w');
	assert_int_equal(b.log.e[first_event + 2].off, 0x04);
	assert_int_equal(b.log.e[first_event + 2].val, 0x0406);
	expect_event(&b, (uint32_t)first_event + 3, PCL_HOOK_COMMAND, 0x04, 0,
		     0x0406);
	/* 4. the power state (and data select), last. */
	assert_int_equal(b.log.e[first_event + 4].kind, 'w');
	assert_int_equal(b.log.e[first_event + 4].off, 0x44);
	assert_int_equal(b.log.e[first_event + 5].kind, 'w');
	assert_int_equal(b.log.e[first_event + 5].off, 0x45);
	expect_event(&b, (uint32_t)first_event + 6, PCL_HOOK_PM, 0x44, 0, 3);
	assert_int_equal(b.log.n, (uint32_t)first_event + 7);
	/* The destination device holds the guest's settings. */
	assert_int_equal(pcl_le16(dev(&b) + 0x04), 0x0406);
	assert_int_equal(dev(&b)[0x0c], 0x10);
	assert_int_equal(pcl_le16(dev(&b) + 0x68), 0x201f);	/* MPS: ours */
	assert_int_equal(pcl_le16(dev(&b) + 0x88), 0x0415);
	assert_int_equal(pcl_le32(dev(&b) + 0x108), 0x00100000);
	assert_int_equal(dev(&b)[0x44] & 3, 3);
	/* The guest reads the same, but the device's own bytes: the
	 * serial and the error bit. */
	for (uint32_t off = 0; off < N; off++) {
		uint32_t x = rd(&a, off, 1), y = rd(&b, off, 1);

		if (x != y && !(off >= 0x144 && off < 0x14c) && off != 0x07)
			fail_msg("0x%03x reads %02x on the source, %02x on "
				 "the destination", off, x, y);
	}
	/* The enumeration call gives the same registers and values (the
	 * initial ones are each device's own: other Device Control). */
	for (uint32_t k = 0;; k++) {
		struct pcl_vdev_event ea, eb;
		int ra = pcl_vdev_hook(a.v, k, &ea);

		assert_int_equal(pcl_vdev_hook(b.v, k, &eb), ra);
		if (ra) {
			assert_int_equal(ra, -ENOENT);
			assert_int_equal(k, 6); /* command, BAR0, PM, MSI-X, 2 FLR */
			break;
		}
		assert_int_equal(ea.hook, eb.hook);
		assert_int_equal(ea.offset, eb.offset);
		assert_int_equal(ea.width, eb.width);
		assert_int_equal(ea.new_value, eb.new_value);
	}
	/* A device failing at any call: -EIO, the engine unchanged. */
	for (uint32_t at = 1, fails = 0; at < 40; at++) {
		uint8_t *before, *after;
		size_t n1 = save(b.v, &before), n2;
		int ret;

		b.log.calls = 0;
		b.log.fail_at = at;
		ret = pcl_vdev_replay(b.v);
		assert_int_equal(ret, b.log.calls >= at ? -EIO : 0);
		fails += ret != 0;
		assert_true(at < 20 || fails >= 19); /* replay: > 19 calls */
		b.log.fail_at = 0;
		n2 = save(b.v, &after);
		assert_int_equal(n1, n2);
		assert_memory_equal(before, after, n1);
		free(before);
		free(after);
	}
	free(blob);
	rig_down(&a);
	rig_down(&b);
	pcl_layout_free(l);
	pcl_ctx_free(ctx);
}

/* ---- the corpus ---- */

struct corpus {
	char name[MAX_DEVS][256];
	struct pcl_cfg *cfg[MAX_DEVS];
	struct pcl_layout *plan[MAX_DEVS];
	size_t n;
};

/*
 * 4 KiB type 0 functions the planner accepts, with their default plans.
 * Without a corpus the test is skipped, and @ctx freed first: cmocka's
 * skip() does not return.
 */
static void load_corpus(struct pcl_ctx *ctx, struct corpus *c)
{
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char name[256];

	memset(c, 0, sizeof(*c));
	if (!corpus_open(&it, 0)) {
		pcl_ctx_free(ctx);
		skip();
	}
	while ((cfg = corpus_next(&it, ctx, name, sizeof(name)))) {
		struct pcl_plan_request *req = pcl_plan_request_new(ctx);
		struct pcl_layout *l = NULL;

		assert_non_null(req);
		assert_int_equal(pcl_plan_request_set_cfg(req, cfg, NULL), 0);
		if (c->n < MAX_DEVS && pcl_plan(req, &l, NULL) == 0) {
			snprintf(c->name[c->n], sizeof(c->name[0]), "%s", name);
			c->cfg[c->n] = cfg;
			c->plan[c->n++] = l;
		} else {
			pcl_cfg_free(cfg);
		}
		pcl_plan_request_free(req);
	}
}

static void free_corpus(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		pcl_cfg_free(c->cfg[i]);
		pcl_layout_free(c->plan[i]);
	}
}

/* BAR sizes a VMM would give: the types the device shows, 64 KiB each. */
static void sizes(const struct pcl_cfg *cfg, struct pcl_guest_options *o)
{
	memset(o, 0, sizeof(*o));
	for (uint32_t i = 0; i < 6; i++) {
		struct pcl_bar bar;

		pcl_cfg_bar(cfg, i, &bar);
		if (!(bar.flags & PCL_BAR_PRESENT) ||
		    (bar.flags & PCL_BAR_UPPER) ||
		    ((bar.flags & PCL_BAR_MEM64) && i == 5))
			continue;
		o->bar_size[i] = (bar.flags & PCL_BAR_IO) ? 0x40 : 0x10000;
	}
}

/* An engine realizing @l on @cfg over a simulated device. */
struct eng {
	struct pcl_backend *be;
	struct pcl_guest *g;
	struct pcl_vdev *v;
};

static int eng_up(struct pcl_ctx *ctx, struct eng *e,
		  const struct pcl_layout *l, const struct pcl_cfg *cfg,
		  const struct pcl_guest_options *o, struct pcl_error *err)
{
	struct pcl_vdev_backend ops;
	int r;

	memset(e, 0, sizeof(*e));
	r = pcl_guest_build(ctx, l, cfg, o, &e->g, err);
	if (r)
		return r;
	e->be = pcl_backend_sim_new(cfg);
	assert_non_null(e->be);
	pcl_backend_ops(e->be, &ops);
	e->v = pcl_vdev_new(e->g, &ops, err);
	assert_non_null(e->v);
	return 0;
}

static void eng_down(struct eng *e)
{
	pcl_vdev_free(e->v);
	pcl_guest_free(e->g);
	pcl_backend_free(e->be);
}

static uint32_t rng = 0x9e3779b9u;

static uint8_t rnd8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (uint8_t)rng;
}

/*
 * A guest that sets everything it owns to random values, byte by byte:
 * every emulated writable bit and every device setting (not the device's
 * other registers: their state is the device's, which migrates with the
 * device, not with the engine's state); then a driver's enables. Never an
 * Initiate FLR bit: the test plays no VMM that would reset the device.
 */
static void workload(const struct eng *e)
{
	uint8_t flr[N] = { 0 };
	struct pcl_vdev_event ev;

	for (uint32_t k = 0; pcl_vdev_hook(e->v, k, &ev) == 0; k++) {
		struct pcl_guest_rule r;

		pcl_guest_rule(e->g, ev.offset, &r);
		if (ev.hook == PCL_HOOK_FLR)
			flr[ev.offset] = r.source == PCL_GUEST_PHYS ?
					 (uint8_t)(r.wmask & r.vmask) : r.wmask;
	}
	for (uint32_t g = 0; g < N; g++) {
		struct pcl_guest_rule r;
		uint8_t owned = 0;

		pcl_guest_rule(e->g, g, &r);
		if (r.source == PCL_GUEST_SHADOW)
			owned = r.wmask;
		else if (r.source == PCL_GUEST_PHYS)
			owned = (uint8_t)((r.wmask & r.vmask) |
					  ((r.flags & PCL_GUEST_REPLAY) ?
					   r.wmask & ~r.vmask & ~r.w1c : 0));
		if (owned)
			assert_int_equal(pcl_vdev_write(e->v, g, 1,
							rnd8() & ~flr[g]), 0);
	}
	pcl_vdev_write(e->v, 0x04, 2, 0x0006);
}

/* ---- variants: what differs between two hosts' devices of one model -- */

enum variant {
	V_SELF, V_SERIAL, V_STATUS, V_VENDOR, V_BARS, V_MOVED, V_ALL, V_COUNT
};

static const char *const variant_name[V_COUNT] = {
	"itself", "serial number", "status and error bits",
	"vendor-specific contents", "BAR addresses", "a moved capability",
	"all of these",
};

static void scramble(uint8_t *p, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to && i < N; i++)
		p[i] = rnd8();
}

/*
 * Move the last extended capability (not the one at 0x100) to the highest
 * free dword-aligned window of zero bytes, relinking its predecessor: the
 * same device with other firmware. Return false when there is none.
 */
static bool move_last_ext(uint8_t *p, const struct pcl_walk *w)
{
	const struct pcl_cap *last = NULL, *prev = NULL;

	for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);

		if (c->space != PCL_SPACE_EXTENDED)
			continue;
		prev = last;
		last = c;
	}
	if (!last || !prev || last->offset == 0x100 || last->length > 0x100 ||
	    (last->flags & (PCL_CAP_LENGTH_UNKNOWN | PCL_CAP_TRUNCATED)))
		return false;
	for (uint32_t t = (N - last->length) & ~3u; t >= 0x200; t -= 4) {
		bool zero = true;

		for (uint32_t i = t; i < t + 16 + last->length && i < N; i++)
			zero &= p[i] == 0;
		for (uint32_t i = t > 16 ? t - 16 : t; i < t; i++)
			zero &= p[i] == 0;
		if (!zero)
			continue;
		memcpy(p + t, p + last->offset, last->length);
		memset(p + last->offset, 0, last->length);
		pcl_put_le32(p + prev->offset,
			     (pcl_le32(p + prev->offset) & 0x000fffffu) | t << 20);
		return true;
	}
	return false;
}

/* Device bytes of @cfg that change in @v; NULL when the variant has none. */
static struct pcl_cfg *variant(struct pcl_ctx *ctx, const struct pcl_cfg *cfg,
			       enum variant v)
{
	uint8_t p[N];
	struct pcl_walk *w = pcl_walk_new(cfg);
	bool changed = v == V_SELF;

	assert_non_null(w);
	memcpy(p, pcl_cfg_data(cfg), N);
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		uint32_t o = c->offset;

		if ((v == V_SERIAL || v == V_ALL) &&
		    c->space == PCL_SPACE_EXTENDED && c->id == 0x03) {
			scramble(p, o + 4, o + 12);
			changed = true;
		}
		if ((v == V_STATUS || v == V_ALL) &&
		    c->space == PCL_SPACE_STANDARD && c->id == 0x10) {
			p[o + 0x0a] |= 0x0f;		/* Device Status */
			p[o + 0x12] ^= 0x0f;		/* Link Status speed */
			changed = true;
		}
		if ((v == V_STATUS || v == V_ALL) &&
		    c->space == PCL_SPACE_EXTENDED && c->id == 0x01) {
			scramble(p, o + 0x04, o + 0x08);
			scramble(p, o + 0x10, o + 0x14);
			changed = true;
		}
		if ((v == V_VENDOR || v == V_ALL) &&
		    c->space == PCL_SPACE_STANDARD && c->id == 0x09 &&
		    c->length > 3) {
			scramble(p, o + 3, o + c->length);
			changed = true;
		}
		if ((v == V_VENDOR || v == V_ALL) &&
		    c->space == PCL_SPACE_EXTENDED &&
		    (c->id == 0x0b || c->id == 0x23) && c->length > 12) {
			scramble(p, o + 12, o + c->length);
			changed = true;
		}
	}
	if (v == V_STATUS || v == V_ALL) {
		p[0x07] |= 0xf8;
		changed = true;
	}
	if (v == V_BARS || v == V_ALL) {
		for (uint32_t b = 0x10; b < 0x28; b += 4) {
			uint32_t bar = pcl_le32(p + b);

			if (bar)
				pcl_put_le32(p + b, bar ^ 0x00a00000u);
		}
		changed = true;
	}
	if (v == V_MOVED || v == V_ALL)
		changed |= move_last_ext(p, w);
	pcl_walk_free(w);
	return changed ? pcl_cfg_new(ctx, p, N, variant_name[v]) : NULL;
}

static void print_findings(const struct pcl_report *rep)
{
	for (size_t k = 0; k < pcl_report_count(rep); k++) {
		const struct pcl_finding *f = pcl_report_get(rep, k);

		if (f->severity >= PCL_SEVERITY_ERROR)
			print_message("  %s: %s\n", f->code, f->message);
	}
}

/*
 * The restore sequence on @cfg of state @blob saved under layout @l:
 * check, build, load, replay. Return 0, or -1 when check refuses (then
 * @rep holds its reasons). Build and load must not refuse what check
 * accepts.
 */
static int restore(struct pcl_ctx *ctx, const struct pcl_layout *l,
		   const struct pcl_cfg *cfg, const struct pcl_guest_options *o,
		   const uint8_t *blob, size_t len, struct eng *e,
		   struct pcl_report **rep, const char *what)
{
	struct pcl_error err;

	assert_int_equal(pcl_check(l, cfg, NULL, NULL, NULL, rep), 0);
	if (!pcl_report_ok(*rep))
		return -1;
	if (eng_up(ctx, e, l, cfg, o, &err))
		fail_msg("%s: check passes but build refuses: %s", what,
			 err.message);
	if (pcl_vdev_load(e->v, blob, len, &err))
		fail_msg("%s: check passes but load refuses: %s", what,
			 err.message);
	assert_int_equal(pcl_vdev_replay(e->v), 0);
	return 0;
}

/*
 * After a restore, the guest reads on @b what it read on @a, except in
 * bits the device serves that differ between the two devices, and in
 * unclaimed bytes, which are the device's to fill (a capability one device
 * has there and the other not); every emulated bit and every setting is
 * the same. Return the differing bytes.
 */
static uint32_t compare(const struct eng *a, const struct eng *b,
			const char *what)
{
	uint32_t diffs = 0;

	for (uint32_t g = 0; g < N; g++) {
		struct pcl_guest_rule ra, rb;
		uint32_t x = 0, y = 0;
		uint8_t da, db;

		assert_int_equal(pcl_vdev_read(a->v, g, 1, &x), 0);
		assert_int_equal(pcl_vdev_read(b->v, g, 1, &y), 0);
		if (x == y)
			continue;
		pcl_guest_rule(a->g, g, &ra);
		pcl_guest_rule(b->g, g, &rb);
		da = pcl_backend_sim_data(a->be)[ra.phys];
		db = pcl_backend_sim_data(b->be)[rb.phys];
		assert_int_equal(ra.flags & PCL_GUEST_UNCLAIMED,
				 rb.flags & PCL_GUEST_UNCLAIMED);
		if ((rb.flags & PCL_GUEST_UNCLAIMED) &&
		    (ra.source != rb.source || da != db)) {
			diffs++;
			continue;
		}
		if (rb.source != PCL_GUEST_PHYS || ((x ^ y) & rb.vmask) ||
		    da == db)
			fail_msg("%s: guest byte 0x%03x reads %02x, %02x "
				 "before the migration (%s)", what, g, y, x,
				 rb.source != PCL_GUEST_PHYS ? "emulated" :
				 "the devices agree there");
		if ((rb.flags & PCL_GUEST_REPLAY) &&
		    ((x ^ y) & rb.wmask & ~rb.vmask & ~rb.w1c))
			fail_msg("%s: setting at 0x%03x not replayed", what, g);
		diffs++;
	}
	return diffs;
}

static void test_corpus_variants(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	static struct corpus c;
	uint32_t restored[V_COUNT] = { 0 }, diffs[V_COUNT] = { 0 };

	load_corpus(ctx, &c);
	assert_true(c.n >= 20);
	for (size_t i = 0; i < c.n; i++) {
		struct pcl_guest_options o;
		struct eng a;
		uint8_t *blob;
		size_t len;

		sizes(c.cfg[i], &o);
		assert_int_equal(eng_up(ctx, &a, c.plan[i], c.cfg[i], &o, NULL),
				 0);
		workload(&a);
		len = save(a.v, &blob);
		for (int v = 0; v < V_COUNT; v++) {
			struct pcl_cfg *d = variant(ctx, c.cfg[i], (enum variant)v);
			struct pcl_report *rep = NULL;
			char what[320];
			struct eng b;

			if (!d)
				continue;
			snprintf(what, sizeof(what), "%s, %s", c.name[i],
				 variant_name[v]);
			if (restore(ctx, c.plan[i], d, &o, blob, len, &b, &rep,
				    what)) {
				print_findings(rep);
				fail_msg("%s: check refuses", what);
			}
			/* The source's guest-visible state through its own
			 * device, after the settings reached the other. */
			diffs[v] += compare(&a, &b, what);
			restored[v]++;
			eng_down(&b);
			pcl_report_free(rep);
			pcl_cfg_free(d);
		}
		free(blob);
		eng_down(&a);
	}
	for (int v = 0; v < V_COUNT; v++)
		print_message("restored on %-26s %3u devices, %5u guest bytes "
			      "read the other device's own value\n",
			      variant_name[v], restored[v], diffs[v]);
	assert_int_equal(restored[V_SELF], c.n);
	assert_int_equal(diffs[V_SELF], 0);
	assert_int_equal(diffs[V_BARS], 0);	/* BARs are emulated */
	for (int v = V_SERIAL; v < V_COUNT; v++)
		assert_true(restored[v] >= 3);
	free_corpus(&c);
	pcl_ctx_free(ctx);
}

/* Error codes of a report, for the summary. */
struct codes {
	char code[32][32];
	uint32_t count[32];
	uint32_t n;
};

static void count_codes(struct codes *k, const struct pcl_report *rep)
{
	for (size_t i = 0; i < pcl_report_count(rep); i++) {
		const struct pcl_finding *f = pcl_report_get(rep, i);
		uint32_t j;

		if (f->severity < PCL_SEVERITY_ERROR)
			continue;
		for (j = 0; j < k->n && strcmp(k->code[j], f->code); j++)
			;
		if (j == k->n && k->n < 32)
			snprintf(k->code[k->n++], sizeof(k->code[0]), "%s",
				 f->code);
		if (j < 32)
			k->count[j]++;
	}
}

static void test_corpus_pairs(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	static struct corpus c;
	static struct codes k;
	uint32_t pairs = 0, passed = 0, others = 0;

	load_corpus(ctx, &c);
	assert_true(c.n >= 20);
	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i < c.n; i++) {
		struct eng a;
		uint8_t *blob;
		size_t len;

		assert_int_equal(eng_up(ctx, &a, c.plan[i], c.cfg[i], NULL, NULL),
				 0);
		workload(&a);
		len = save(a.v, &blob);
		for (size_t j = 0; j < c.n; j++) {
			struct pcl_report *rep = NULL;
			char what[560];
			struct eng b;

			snprintf(what, sizeof(what), "%s -> %s", c.name[i],
				 c.name[j]);
			pairs++;
			if (restore(ctx, c.plan[i], c.cfg[j], NULL, blob, len,
				    &b, &rep, what)) {
				/* Refused in check's terms: an error. */
				assert_false(pcl_report_ok(rep));
				count_codes(&k, rep);
			} else {
				passed++;
				others += i != j;
				compare(&a, &b, what);
				eng_down(&b);
			}
			pcl_report_free(rep);
		}
		free(blob);
		eng_down(&a);
	}
	print_message("pairs: %u, restored %u (%u onto another device), "
		      "refused %u:", pairs, passed, others, pairs - passed);
	for (uint32_t j = 0; j < k.n; j++)
		print_message(" %s %u", k.code[j], k.count[j]);
	print_message("\n");
	assert_true(passed >= c.n);
	assert_true(pairs - passed > 0 && k.n > 0);
	free_corpus(&c);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_corpus_variants),
		cmocka_unit_test(test_corpus_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
