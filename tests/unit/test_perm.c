// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_perm.c - the engine's permissions, bit by bit, on real tables,
 * against the kernel's vfio-pci (drivers/vfio/pci/vfio_pci_config.c).
 *
 * For every corpus device, engines are built with pcl_guest_build() from
 * its default plan (hidden capabilities, the passthrough policy), from a
 * layout presenting every capability it has (so the IDs vfio-pci hides
 * are presented too) and from the default plan under the "zero" policy.
 * Each guest byte is probed through the engine over a spy device: which
 * bits a read takes from the device, which bits a write passes to it,
 * which emulated bits a write changes, which device bits a written 1
 * clears. The expectation comes from a model written here, independently
 * of lib/guest/perm.c, from the kernel's permission tables: its basic
 * header perms, init_pci_cap_*_perm(), init_pci_ext_cap_*_perm(), the raw
 * writefn of the vendor-specific capabilities and unassigned_perms for the
 * bytes of no capability (or of one it hides), plus what a VMM emulates on
 * top of it (QEMU's share: identity, BARs, interrupt line and pin,
 * capability chains, MSI, MSI-X), the body of a capability the layout hides
 * as QEMU shows it (the device's bytes, written as the kernel lets them),
 * and QEMU's rule for headers of capabilities the layout does not show:
 * under "passthrough", one vfio-pci links in reads as the VMM's (ID and
 * version kept, next pointer 0, as QEMU drops one), one vfio-pci unlinks
 * passes raw like any unassigned byte; under "zero" and "ones" they read
 * the fill.
 *
 * Where the engine is stricter than the kernel the model says "may": the
 * kernel's write masks that cover fields the specifications make
 * read-only (the rest of the PM Control/Status dword), Max_Read_Request
 * (the kernel floors it and writes it, the engine passes it), and a
 * presented capability's bytes past the kernel's own length for its ID.
 * Nowhere may the engine be looser.
 *
 * Backend faults are injected at random (1 access in 16): an access that
 * reached the backend fails with -EIO and changes nothing.
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

#define N PCL_CFG_SIZE

/* ---- the spy device ---- */

struct spy {
	uint8_t dev[N];
	uint8_t rw1c[N];	/* bits hardware clears on a written 1 */
	int fail_next;
	unsigned int calls;
};

static int spy_read(void *opaque, uint32_t off, uint32_t len, uint32_t *val)
{
	struct spy *s = opaque;
	uint32_t v = 0;

	s->calls++;
	if (s->fail_next) {
		s->fail_next = 0;
		return -EIO;
	}
	for (uint32_t i = 0; i < len; i++)
		v |= (uint32_t)s->dev[off + i] << (8 * i);
	*val = v;
	return 0;
}

static int spy_write(void *opaque, uint32_t off, uint32_t len, uint32_t val)
{
	struct spy *s = opaque;

	s->calls++;
	if (s->fail_next) {
		s->fail_next = 0;
		return -EIO;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i)), c = s->rw1c[off + i];
		uint8_t *d = &s->dev[off + i];

		*d = (uint8_t)((b & ~c) | (*d & c & ~b));
	}
	return 0;
}

/* ---- the model ---- */

/* What one guest byte must do; bits in no mask are the engine's choice. */
struct want {
	uint8_t read;     /* reads take these bits from the device */
	uint8_t noread;   /* ... and never these */
	uint8_t write;    /* a write passes these bits to the device */
	uint8_t nowrite;  /* ... and never changes these on the device */
	uint8_t emu;      /* emulated bits a write changes */
	uint8_t noemu;    /* bits a write never changes in what is read */
	uint8_t clear;    /* RW1C register: bits a written 1 clears */
	const char *why;
};

static struct want hw_rw(uint8_t bits, const char *why)
{
	return (struct want){ .read = bits, .write = bits, .why = why };
}

static struct want hw_ro(uint8_t bits, const char *why)
{
	return (struct want){ .read = bits, .nowrite = bits, .noemu = bits,
			      .why = why };
}

/* Emulated by the kernel (virt bits) or by the VMM above it. */
static struct want emulated(uint8_t rw, const char *why)
{
	return (struct want){ .noread = 0xff, .nowrite = 0xff, .emu = rw,
			      .noemu = (uint8_t)~rw, .why = why };
}

/* Emulated with the VMM's own write rules (BAR sizing): no device. */
static struct want vmm_only(const char *why)
{
	return (struct want){ .noread = 0xff, .nowrite = 0xff, .why = why };
}

/* The kernel's basic perms (init_pci_cap_basic_perm()) and the VMM's. */
static struct want header(uint32_t g)
{
	if (g < 0x04)
		return emulated(0, "IDs: virtualized");
	if (g == 0x04 || g == 0x05)	/* emulated, written through */
		return (struct want){ .noread = 0xff,
				      .why = "command: the VMM's" };
	if (g == 0x06)	/* CAP_LIST virtual, nothing writable */
		return (struct want){ .read = 0xef, .noread = 0x10,
				      .nowrite = 0xff, .noemu = 0xff,
				      .why = "status: read-only" };
	if (g == 0x07)
		return hw_ro(0xff, "status: read-only, errors not cleared");
	if (g == 0x0c || g == 0x0d || g == 0x0f)
		return hw_rw(0xff, "cache line, latency, BIST: raw");
	if ((g >= 0x10 && g < 0x28) || (g >= 0x30 && g < 0x34))
		return vmm_only("BARs: virtualized, sized");
	if (g == 0x34 || g == 0x3d)
		return emulated(0, "capability pointer, pin: virtual");
	if (g == 0x3c)
		return emulated(0xff, "interrupt line: virtual");
	/* Class, header type, subsystem, reserved, Min_Gnt/Max_Lat: the
	 * kernel reads them from the device, never writes them; the engine
	 * may serve a copy. */
	return (struct want){ .nowrite = 0xff, .noemu = 0xff,
			      .why = "read-only" };
}

/* The RW1C bits of hardware the model knows: AER's status registers. */
static bool rw1c_register(int space, uint16_t id, uint32_t off)
{
	return space == PCL_SPACE_EXTENDED && id == 0x01 &&
	       ((off >= 0x04 && off < 0x08) || (off >= 0x10 && off < 0x14));
}

/* The kernel's length for a fixed-length ID, or 0 (variable, or raw). */
static uint32_t kernel_length(int space, uint16_t id, uint32_t exp_version)
{
	if (space == PCL_SPACE_STANDARD) {
		switch (id) {
		case 0x01: return 8;	/* PCI_PM_SIZEOF */
		case 0x03: return 8;	/* PCI_CAP_VPD_SIZEOF */
		case 0x10: return exp_version == 1 ? 20 : 0x34;
		case 0x13: return 6;	/* PCI_CAP_AF_SIZEOF */
		default: return 0;
		}
	}
	switch (id) {
	case 0x01: return 0x2c;	/* PCI_ERR_ROOT_COMMAND */
	case 0x03: return 12;	/* DSN */
	case 0x04: return 16;	/* power budgeting */
	case 0x0e: return 8;	/* ARI */
	case 0x0f: return 8;	/* ATS */
	case 0x10: return 0x40;	/* SR-IOV */
	case 0x13: return 16;	/* PRI */
	case 0x18: return 8;	/* LTR */
	default: return 0;
	}
}

/* IDs the kernel's tables know (pci_cap_length[], pci_ext_cap_length[]
 * entries that are not 0); every other ID it unlinks, leaving its bytes
 * unassigned. */
static bool kernel_knows(int space, uint16_t id)
{
	static const uint16_t std[] = { 0x01, 0x02, 0x03, 0x05, 0x07, 0x08,
					0x09, 0x10, 0x11, 0x12, 0x13 };
	static const uint16_t ext[] = { 0x01, 0x02, 0x03, 0x04, 0x08, 0x09,
					0x0b, 0x0d, 0x0e, 0x0f, 0x10, 0x12,
					0x13, 0x15, 0x16, 0x17, 0x18, 0x23 };
	const uint16_t *l = space == PCL_SPACE_STANDARD ? std : ext;
	size_t n = space == PCL_SPACE_STANDARD ? PCL_ARRAY_SIZE(std) :
		   PCL_ARRAY_SIZE(ext);

	for (size_t i = 0; i < n; i++)
		if (l[i] == id)
			return true;
	return false;
}

/* A 16- or 32-bit register's byte @k of @mask. */
static uint8_t byte_of(uint32_t mask, uint32_t k)
{
	return (uint8_t)(mask >> (8 * k));
}

/* Standard capabilities with a kernel table, at @off in the capability. */
static struct want std_table(uint16_t id, uint32_t off)
{
	switch (id) {
	case 0x01: /* init_pci_cap_pm_perm() + the PME bits made virtual */
		if (off == 3)
			return (struct want){ .read = 0x07, .noread = 0xf8,
					      .nowrite = 0xff, .noemu = 0xff,
					      .why = "PMC: PME_Support virtual" };
		if (off == 4)	/* state: the kernel's trap writes it */
			return (struct want){ .read = 0xff, .write = 0x03,
					      .noemu = 0x03,
					      .why = "PMCSR: power state" };
		if (off == 5)	/* PME_En, PME_Status virtual, read-only */
			return (struct want){ .read = 0x7e, .noread = 0x81,
					      .write = 0x1e, .nowrite = 0x81,
					      .noemu = 0x81,
					      .why = "PMCSR: data select" };
		if (off >= 6)	/* the kernel's mask: the PM spec's RO */
			return (struct want){ .read = 0xff,
					      .why = "PMCSR: read-only fields" };
		return hw_ro(0xff, "PMC");
	case 0x03: /* init_pci_cap_vpd_perm(): address and data */
		return off >= 2 ? (struct want){ .write = 0xff,
						 .why = "VPD address/data" } :
				  hw_ro(0xff, "VPD");
	case 0x07: /* init_pci_cap_pcix_perm() */
		if (off == 2 || off == 3 || (off >= 8 && off < 12))
			return hw_rw(0xff, "PCI-X command, ECC");
		return hw_ro(0xff, "PCI-X");
	case 0x10: /* init_pci_cap_exp_perm() */
		if (off == 8)	/* MPS virtual */
			return (struct want){ .read = 0x1f, .noread = 0xe0,
					      .write = 0x1f, .nowrite = 0xe0,
					      .emu = 0xe0,
					      .why = "Device Control" };
		if (off == 9)	/* phantom protected, FLR a reset */
			return (struct want){ .read = 0x0f, .noread = 0x80,
					      .write = 0x0d, .nowrite = 0x82,
					      .noemu = 0x82,
					      .why = "Device Control: FLR" };
		if (off == 0x28)
			return (struct want){ .read = 0xff,
					      .write = byte_of(0xffdf, 0),
					      .nowrite = 0x20,
					      .why = "Device Control 2: ARI" };
		if (off == 0x29)
			return hw_rw(0xff, "Device Control 2");
		return hw_ro(0xff, "PCI Express: read-only");
	case 0x13: /* init_pci_cap_af_perm() */
		if (off == 4)
			return (struct want){ .read = 0xfe, .noread = 0x01,
					      .nowrite = 0xff, .noemu = 0xff,
					      .why = "AF Control: FLR" };
		return hw_ro(0xff, "AF");
	default:
		return hw_ro(0xff, "read-only");
	}
}

static struct want ext_table(uint16_t id, uint32_t off)
{
	static const uint32_t unc = 0x03fff031, cor = 0xf1c1;

	if (id == 0x01) { /* init_pci_ext_cap_err_perm() */
		uint32_t k = off & 3, reg = off & ~3u;

		if (reg == 0x04)
			return (struct want){ .read = 0xff,
					      .clear = byte_of(unc, k),
					      .why = "AER uncorrectable status" };
		if (reg == 0x10)
			return (struct want){ .read = 0xff,
					      .clear = byte_of(cor, k),
					      .why = "AER correctable status" };
		if (reg == 0x08 || reg == 0x0c || reg == 0x14 || reg == 0x18) {
			uint32_t m = reg == 0x14 ? cor : reg == 0x18 ? 0x140 : unc;

			return (struct want){ .read = 0xff, .write = byte_of(m, k),
					      .nowrite = (uint8_t)~byte_of(m, k),
					      .why = "AER masks, severity, ECRC" };
		}
		return hw_ro(0xff, "AER");
	}
	if (id == 0x04 && off == 8) /* init_pci_ext_cap_pwr_perm() */
		return hw_rw(0xff, "power budgeting data");
	return hw_ro(0xff, "read-only");
}

/* The kernel's permissions for byte @off of a capability @space/@id. */
static struct want kernel(int space, uint16_t id, uint32_t off,
			  uint32_t exp_version)
{
	uint32_t klen;

	if (!kernel_knows(space, id) ||
	    (space == PCL_SPACE_STANDARD && id == 0x09) ||
	    (space == PCL_SPACE_EXTENDED && (id == 0x0b || id == 0x23)))
		return hw_rw(0xff, "hidden by the kernel, or vendor: raw");
	klen = kernel_length(space, id, exp_version);
	if (klen && off >= klen)
		return (struct want){ .read = 0xff, .noemu = 0xff,
				      .why = "past the kernel's length" };
	return space == PCL_SPACE_STANDARD ? std_table(id, off) :
					   ext_table(id, off);
}

/*
 * A hidden capability's body: QEMU shows it, vfio-pci filters the writes
 * with its permissions for the ID; nothing is emulated (the guest has no
 * such capability), so bits the kernel virtualizes are not written either.
 */
static struct want hidden_body(int space, uint16_t id, uint32_t off,
			       uint32_t exp_version)
{
	struct want k = kernel(space, id, off, exp_version);

	return (struct want){ .read = 0xff, .write = k.write,
			      .nowrite = (uint8_t)(k.nowrite | k.emu),
			      .noemu = 0xff, .clear = k.clear,
			      .why = "hidden: the kernel's permissions" };
}

/*
 * The expectation for guest byte @g of a layout presenting @e (or NULL
 * when no entry covers it); @hdr: @g is the header of a device capability
 * or orphan the layout does not present (HDR_LINKED when vfio-pci links it
 * into its chain, HDR_UNLINKED when it does not); @hidden: the device
 * capability the layout does not present that holds @g, or NULL.
 */
enum { HDR_NONE, HDR_LINKED, HDR_UNLINKED };

static struct want model(uint32_t g, const struct pcl_layout_entry *e,
			 int hdr, const struct pcl_cap *hidden, int policy,
			 uint32_t exp_version)
{
	uint32_t off;

	if (g < 0x40)
		return header(g);
	if (!e && g >= 0x100 && g < 0x104)	/* QEMU emulates it too */
		return emulated(0, "the extended chain's head: the VMM's");
	if (!e) {
		if (policy != PCL_UNCLAIMED_PASSTHROUGH)
			return emulated(0, "unclaimed: the fill");
		if (hdr == HDR_LINKED)
			return emulated(0, "dropped header: the VMM's");
		if (hdr == HDR_UNLINKED)
			return hw_rw(0xff, "header vfio-pci unlinks: raw");
		if (hidden)
			return hidden_body(hidden->space, hidden->id,
					   g - hidden->offset, exp_version);
		return hw_rw(0xff, "unassigned: raw");
	}
	off = g - (uint32_t)e->at;
	if (e->kind == PCL_ENTRY_VIRTUAL)
		return vmm_only("virtual capability");
	if (off < (e->space == PCL_SPACE_STANDARD ? 2u : 4u))
		return emulated(0, "capability header: the chain is the VMM's");
	if (e->space == PCL_SPACE_STANDARD && (e->id == 0x05 || e->id == 0x11))
		return vmm_only("MSI, MSI-X: the VMM's");
	return kernel(e->space, e->id, off, exp_version);
}

/* ---- probing an engine ---- */

struct probe {
	struct spy *spy;
	struct pcl_vdev *v;
	uint32_t faults, accesses;
};

static uint32_t rng = 0x12345678u;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/*
 * One 1-byte access; one in 16 first fails in the backend, which must give
 * -EIO and change nothing (the device byte, what the guest reads).
 */
static uint8_t access(struct probe *p, uint32_t g, bool write, uint8_t val)
{
	uint32_t out = 0, again = 0;
	int r;

	p->accesses++;
	if (rnd() % 16 == 0) {
		uint8_t before = p->spy->dev[g];
		uint32_t seen = 0;

		assert_int_equal(pcl_vdev_read(p->v, g, 1, &seen), 0);
		p->spy->calls = 0;
		p->spy->fail_next = 1;
		r = write ? pcl_vdev_write(p->v, g, 1, val) :
			    pcl_vdev_read(p->v, g, 1, &out);
		if (p->spy->calls) {
			assert_int_equal(r, -EIO);
			assert_int_equal(p->spy->dev[g], before);
			assert_int_equal(pcl_vdev_read(p->v, g, 1, &again), 0);
			assert_int_equal(again, seen);
			p->faults++;
		} else {
			p->spy->fail_next = 0;
			assert_int_equal(r, 0);
			if (!write)
				return (uint8_t)out;
			return 0;
		}
	}
	if (write) {
		assert_int_equal(pcl_vdev_write(p->v, g, 1, val), 0);
		return 0;
	}
	assert_int_equal(pcl_vdev_read(p->v, g, 1, &out), 0);
	return (uint8_t)out;
}

struct seen {
	uint8_t read, write, touch, emu, clear;
};

/* Byte @g's behaviour; the device byte is at @g (layouts in place). */
static struct seen observe(struct probe *p, uint32_t g, uint8_t trig)
{
	struct seen s = { 0 };
	uint8_t *d = &p->spy->dev[g], r0, r1, set1, clr0, ra, rb;

	*d = 0x00;
	r0 = access(p, g, false, 0);
	*d = 0xff;
	r1 = access(p, g, false, 0);
	s.read = r0 ^ r1;
	if (p->spy->rw1c[g]) {
		*d = 0xff;
		access(p, g, true, 0x00);
		assert_int_equal(*d, 0xff); /* a 0 never clears */
		access(p, g, true, 0xff);
		s.clear = (uint8_t)~*d;
		return s;
	}
	*d = 0x00;
	access(p, g, true, (uint8_t)(0xff & ~trig));
	set1 = *d;
	*d = 0x00;
	ra = access(p, g, false, 0);
	*d = 0xff;
	access(p, g, true, 0x00);
	clr0 = (uint8_t)~*d;
	*d = 0xff;
	rb = (uint8_t)(access(p, g, false, 0) ^ 0xff);
	s.write = set1 & clr0;
	s.touch = set1 | clr0;
	/* Emulated bits that followed the write: 1 after ones, 0 after
	 * zeros (the device read 0 then 1, so its bits cancel out). */
	s.emu = (uint8_t)(ra & rb & ~s.read);
	return s;
}

/* Does a physical entry of @l select the device's capability @k? */
static bool presents(const struct pcl_layout *l, const struct pcl_walk *w,
		     size_t k)
{
	for (int sp = 0; sp < 2; sp++)
		for (size_t i = 0; i < pcl_layout_entry_count(l, sp); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(l, sp, i);

			if (e->kind == PCL_ENTRY_PHYSICAL &&
			    pcl_layout_entry_find(e, w) == (long)k)
				return true;
		}
	return false;
}

static const struct pcl_layout_entry *entry_at(const struct pcl_layout *l,
					       uint32_t g, uint32_t *len)
{
	for (int sp = 0; sp < 2; sp++)
		for (size_t i = 0; i < pcl_layout_entry_count(l, sp); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(l, sp, i);
			uint32_t n = e->length ? e->length :
				pcl_layout_cap_default_length(e->space, e->id);

			if (e->kind != PCL_ENTRY_HIDDEN && e->at >= 0 &&
			    g >= (uint32_t)e->at && g < (uint32_t)e->at + n) {
				*len = n;
				return e;
			}
		}
	return NULL;
}

struct tally {
	uint64_t bits, bytes, faults, accesses;
};

/* Every byte of the engine of @l on @cfg against the model. */
static void compare_engine(struct pcl_ctx *ctx, const struct pcl_layout *l,
			   const struct pcl_cfg *cfg, const char *name,
			   struct tally *t)
{
	static struct spy spy;
	static uint8_t hdr[N];
	static const struct pcl_cap *hidden[N];
	struct pcl_vdev_backend be = { spy_read, spy_write, &spy };
	struct pcl_walk *w = pcl_walk_new(cfg);
	const struct pcl_cap *exp = pcl_walk_find(w, PCL_SPACE_STANDARD, 0x10, 0);
	struct pcl_guest *g = NULL;
	struct pcl_error err;
	struct probe p = { &spy, NULL, 0, 0 };
	uint8_t trig[N] = { 0 };

	memset(&spy, 0, sizeof(spy));
	memset(hdr, 0, sizeof(hdr));
	memset(hidden, 0, sizeof(hidden));
	if (pcl_guest_build(ctx, l, cfg, NULL, &g, &err))
		fail_msg("%s: %s", name, err.message);
	p.v = pcl_vdev_new(g, &be, NULL);
	assert_non_null(p.v);
	/* Headers of capabilities the layout does not present; bodies of
	 * those in the chains; AER's RW1C status registers. */
	for (int o = 0; o < 2; o++)
		for (size_t i = 0; i < (o ? pcl_walk_orphan_count(w) :
					    pcl_walk_cap_count(w)); i++) {
			const struct pcl_cap *c = o ? pcl_walk_orphan(w, i) :
						      pcl_walk_cap(w, i);
			uint32_t n = c->space == PCL_SPACE_STANDARD ? 2 : 4;
			bool linked = !o && (kernel_knows(c->space, c->id) ||
					     c->offset == 0x100);

			for (uint32_t b = c->offset; b < c->offset + n && b < N; b++)
				if (!hdr[b])
					hdr[b] = linked ? HDR_LINKED : HDR_UNLINKED;
			for (uint32_t b = c->offset + n; !o &&
			     b < c->offset + c->length && b < N; b++) {
				if (!hidden[b] && !presents(l, w, i))
					hidden[b] = c;
				if (rw1c_register(c->space, c->id, b - c->offset))
					spy.rw1c[b] = 0xff;
			}
		}
	for (uint32_t b = 0; b < N; b++) {
		uint32_t len = 0;
		const struct pcl_layout_entry *e = entry_at(l, b, &len);

		/* Initiate FLR bits are probed with 0 (a reset would undo
		 * the probes of other bytes), then on their own below. */
		if (e && e->kind == PCL_ENTRY_PHYSICAL &&
		    e->space == PCL_SPACE_STANDARD &&
		    ((e->id == 0x10 && b == (uint32_t)e->at + 9) ||
		     (e->id == 0x13 && b == (uint32_t)e->at + 4)))
			trig[b] = e->id == 0x10 ? 0x80 : 0x01;
	}
	for (uint32_t b = 0; b < N; b++) {
		uint32_t len = 0;
		const struct pcl_layout_entry *e = entry_at(l, b, &len);
		struct want m = model(b, e, e ? HDR_NONE : hdr[b], hidden[b],
				      pcl_layout_unclaimed(l),
				      exp ? (pcl_cfg_data(cfg)[exp->offset + 2] & 0xf) : 2);
		struct seen s = observe(&p, b, trig[b]);

		if ((s.read & m.noread) || (m.read & ~s.read) ||
		    (m.write & ~s.write) || (s.touch & m.nowrite) ||
		    (m.emu & ~s.emu) || (s.emu & m.noemu) ||
		    s.clear != m.clear)
			fail_msg("%s, guest byte 0x%03x (%s): reads device bits "
				 "%02x, writes %02x (touches %02x), emulated "
				 "writable %02x, clears %02x; the kernel model "
				 "wants read %02x/not %02x, write %02x/not "
				 "%02x, emulated %02x/not %02x, clear %02x",
				 name, b, m.why, s.read, s.write, s.touch, s.emu,
				 s.clear, m.read, m.noread, m.write, m.nowrite,
				 m.emu, m.noemu, m.clear);
		t->bits += 8;
		t->bytes++;
	}
	/* FLR bits: a 1 never reaches the device and reads back 0. */
	for (uint32_t b = 0; b < N; b++) {
		if (!trig[b])
			continue;
		spy.dev[b] = 0;
		assert_int_equal(pcl_vdev_write(p.v, b, 1, trig[b]), 0);
		assert_int_equal(spy.dev[b] & trig[b], 0);
		assert_int_equal(access(&p, b, false, 0) & trig[b], 0);
	}
	t->faults += p.faults;
	t->accesses += p.accesses;
	pcl_vdev_free(p.v);
	pcl_guest_free(g);
	pcl_walk_free(w);
}

static void test_corpus(void **state)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct tally t = { 0 };
	unsigned int devices = 0, engines = 0;
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char file[256];

	if (!corpus_open(&it, 0)) {
		pcl_ctx_free(ctx); /* cmocka's skip() does not return */
		skip();
	}
	while ((cfg = corpus_next(&it, ctx, file, sizeof(file)))) {
		char name[400];
		struct pcl_plan_request *req = pcl_plan_request_new(ctx);
		struct pcl_layout *l = NULL, *all;

		devices++;
		assert_int_equal(pcl_plan_request_set_cfg(req, cfg, NULL), 0);
		if (pcl_plan(req, &l, NULL) == 0) {
			snprintf(name, sizeof(name), "%s, default plan", file);
			compare_engine(ctx, l, cfg, name, &t);
			assert_int_equal(pcl_layout_set_unclaimed(l,
					 PCL_UNCLAIMED_ZERO), 0);
			snprintf(name, sizeof(name), "%s, default plan, zero",
				 file);
			compare_engine(ctx, l, cfg, name, &t);
			engines += 2;
			pcl_layout_free(l);
		}
		pcl_plan_request_free(req);
		/* Every capability presented, those vfio-pci hides too. */
		if ((all = layout_in_place(ctx, cfg))) {
			snprintf(name, sizeof(name), "%s, everything presented",
				 file);
			compare_engine(ctx, all, cfg, name, &t);
			engines++;
			pcl_layout_free(all);
		}
		pcl_cfg_free(cfg);
	}
	print_message("permissions: %u devices, %u engines, %llu bytes (%llu "
		      "bits) against the kernel model, %llu accesses, %llu "
		      "backend faults injected\n", devices, engines,
		      (unsigned long long)t.bytes, (unsigned long long)t.bits,
		      (unsigned long long)t.accesses,
		      (unsigned long long)t.faults);
	assert_true(engines >= 100);
	assert_true(t.faults > 1000);
	pcl_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
