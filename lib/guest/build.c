// SPDX-License-Identifier: BSD-3-Clause
/*
 * build.c - the guest view a layout gives a device: the initial image and
 * the access table the engine enforces (the rules are listed with
 * pcl_guest_build() in image.h).
 *
 * Order matters and is the whole algorithm:
 *  1. every byte gets the layout's unclaimed policy;
 *  2. the device's own capabilities are taken back from it where the
 *     policy would pass them through: a capability the layout presents
 *     entirely (so the old home of a relocated one, and MSI or MSI-X,
 *     which are emulated, are never reached at their physical offset);
 *     a hidden one and one the layout does not mention only by their
 *     header, which reads as QEMU leaves a capability it drops (under
 *     "passthrough": ID and version kept, next pointer 0) or the fill
 *     (layout-format 5.4), while their registers pass through as vfio-pci
 *     lets them: a hidden ID's raw, like unassigned bytes, a known ID's
 *     with vfio-pci's write permissions for it (perm.c); an orphan of
 *     vfio-pci's view passes whole, as vfio-pci and QEMU pass it;
 *  3. the header gets its fixed rules;
 *  4. each presented entry is laid over its guest range, with its header
 *     (ID and next pointer) rewritten to the layout's link order, and its
 *     body given vfio-pci's permissions (perm.c) or emulated (MSI, MSI-X,
 *     virtual capabilities).
 * Later steps overwrite earlier ones, so the passthrough set is exactly
 * what step 1 left and step 4 added back.
 *
 * Bytes whose initial value is a fact of this device (identity, MSI-X
 * table location, ...) are marked PCL_GUEST_DEVICE_FACT, device settings a
 * guest owns PCL_GUEST_REPLAY: together they make engine state portable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "internal.h"
#include "guest-internal.h"
#include "layout/layout-internal.h"
#include "vcap/vcap.h"
#include "walk/memo.h"

struct build {
	struct pcl_guest *g;
	const struct pcl_layout *layout;
	const struct pcl_cfg *cfg;
	const uint8_t *data;
	/* The device's walk and its walk as vfio-pci shows it (the same
	 * when vfio-pci changes nothing): the ones the cfg keeps. */
	const struct pcl_walk *walk;
	const struct pcl_walk *view_walk;
	/* Per capability or orphan of @walk (pcl_walk_cap_or_orphan() index,
	 * @nfound of them): the physical entry that selects it, or NULL. */
	const struct pcl_layout_entry **found;
	size_t nfound;
	const struct pcl_guest_options *opts;
	struct pcl_error *err;
	uint8_t fill; /* 0, or 0xff under "ones" */
};

static int set(struct build *b, uint32_t off, uint32_t len,
	       const struct pcl_guest_rule *r, const uint8_t *init)
{
	int ret = pcl_guest_set(b->g, off, len, r, init);

	if (ret)
		return pcl_set_error(b->err, ret, pcl_layout_source(b->layout),
				     0, 0, (int32_t)off,
				     "internal: invalid rule at 0x%03x", off);
	return 0;
}

/* @len bytes of rule @r that read @val. */
static int set_fill(struct build *b, uint32_t off, uint32_t len,
		    const struct pcl_guest_rule *r, uint8_t val)
{
	int ret = set(b, off, len, r, NULL);

	if (!ret)
		memset(b->g->image + off, val, len);
	return ret;
}

static int set_const(struct build *b, uint32_t off, uint32_t len, uint8_t val)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_CONST };

	return set_fill(b, off, len, &r, val);
}

/* Unclaimed bytes that read @val (the policy's fill, or 0). */
static int set_unclaimed(struct build *b, uint32_t off, uint32_t len,
			 uint8_t val)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_CONST,
				    .flags = PCL_GUEST_UNCLAIMED };

	return set_fill(b, off, len, &r, val);
}

/* Emulated read-only bytes with the given initial values. */
static int set_ro(struct build *b, uint32_t off, uint32_t len,
		  const uint8_t *init)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_SHADOW };

	return set(b, off, len, &r, init);
}

/* Emulated read-only copies of the device's registers (device facts). */
static int set_fact(struct build *b, uint32_t off, uint32_t len,
		    const uint8_t *init)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_SHADOW,
				    .flags = PCL_GUEST_DEVICE_FACT };

	return set(b, off, len, &r, init);
}

static int set_shadow(struct build *b, uint32_t off, uint8_t wmask,
		      uint8_t init, int hook)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_SHADOW, .wmask = wmask,
				    .hook = (uint8_t)hook };

	return set(b, off, 1, &r, &init);
}

/* An emulated byte whose read-only bits are the device's. */
static int set_shadow_fact(struct build *b, uint32_t off, uint8_t wmask,
			   uint8_t init, int hook)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_SHADOW, .wmask = wmask,
				    .flags = PCL_GUEST_DEVICE_FACT,
				    .hook = (uint8_t)hook };

	return set(b, off, 1, &r, &init);
}

/* Device bytes: read from the device, @wmask written to it. */
static int set_phys(struct build *b, uint32_t off, uint32_t len,
		    uint8_t wmask, uint8_t flags)
{
	struct pcl_guest_rule r = { .source = PCL_GUEST_PHYS, .wmask = wmask,
				    .flags = flags, .phys = (uint16_t)off };

	return set(b, off, len, &r, b->data + off);
}

static int add_hook(struct build *b, int hook, uint32_t off, uint32_t width)
{
	int h = pcl_guest_add_hook(b->g, hook, off, width);

	if (h < 0)
		return pcl_set_error(b->err, h, pcl_layout_source(b->layout),
				     0, 0, (int32_t)off,
				     "too many hooked registers");
	return h + 1;
}

/*
 * b->found: the first physical entry (standard space first, in layout
 * order) that selects each capability or orphan of b->walk. Looked up
 * once per build: entry_of() is asked for every capability by the base
 * policy and, for each physical entry, by overlaps_other(), and each
 * pcl_layout_entry_find() goes over the walk (~7 % of fuzz_walk's time).
 * 0 or -ENOMEM.
 */
static int find_entries(struct build *b)
{
	b->nfound = pcl_walk_cap_count(b->walk) +
		    pcl_walk_orphan_count(b->walk);
	b->found = calloc(b->nfound ? b->nfound : 1, sizeof(*b->found));
	if (!b->found)
		return -ENOMEM;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < pcl_layout_entry_count(b->layout, s); i++) {
			const struct pcl_layout_entry *e =
				pcl_layout_entry(b->layout, s, i);
			long k;

			if (e->kind != PCL_ENTRY_PHYSICAL)
				continue;
			k = pcl_layout_entry_find(e, b->walk);
			if (k >= 0 && (size_t)k < b->nfound && !b->found[k])
				b->found[k] = e;
		}
	return 0;
}

/* The physical entry of the layout that selects the device's capability
 * @k (pcl_walk_cap_or_orphan() index), or NULL. An index check, asked for
 * every capability several times: PCL_BYTE_LOOP. */
static PCL_BYTE_LOOP const struct pcl_layout_entry *entry_of(struct build *b,
							      size_t k)
{
	return k < b->nfound ? b->found[k] : NULL;
}

static bool presented(struct build *b, size_t k)
{
	return entry_of(b, k) != NULL;
}

#define BODY_PERMS_STACK 64 /* bytes: a PCIe capability's 0x3c fits */

/*
 * The body of the device's capability @space/@id at physical @phys, as
 * vfio-pci's permissions for its ID give it (perm.c). Presented at @at
 * with image @img: emulated bits, settings and hooks as the table says.
 * Not presented (@img NULL, at its own offset): the device's bytes, written
 * only as vfio-pci lets them be, nothing emulated - the guest has no such
 * capability.
 */
static int body_rules(struct build *b, int space, uint16_t id, uint32_t at,
		      uint32_t phys, uint32_t len, uint8_t *img)
{
	uint32_t hdr = space == PCL_SPACE_STANDARD ? 2 : 4;
	/* Most capabilities are short: their permissions fit on the stack
	 * (one allocation fewer per capability of every build). */
	struct pcl_perm small[BODY_PERMS_STACK];
	struct pcl_perm *perm = len <= BODY_PERMS_STACK ?
					small : malloc(len * sizeof(*perm));
	int pm = 0, h = 0, r = 0;

	if (!perm)
		return pcl_set_error(b->err, -ENOMEM, "", 0, 0, -1,
				     "out of memory");
	pcl_guest_cap_perms(space, id, len, perm); /* sets every byte's */
	for (uint32_t i = hdr; i < len && !r; i++) {
		struct pcl_guest_rule rule = {
			.source = PCL_GUEST_PHYS, .wmask = perm[i].write,
			.vmask = perm[i].virt, .w1c = perm[i].w1c,
			.phys = (uint16_t)(phys + i),
		};

		if (!img) {
			rule.wmask &= (uint8_t)~rule.vmask;
			rule.vmask = 0;
			rule.flags = PCL_GUEST_UNCLAIMED;
			r = set(b, at + i, 1, &rule, b->data + phys + i);
			continue;
		}
		if (perm[i].flags & PCL_PERM_SETTING)
			rule.flags = PCL_GUEST_REPLAY;
		/* The PM register is 2 bytes; an FLR register 1. */
		if (perm[i].flags & PCL_PERM_HOOK_PM)
			h = pm = pm ? pm : add_hook(b, PCL_HOOK_PM, at + i, 2);
		else if (perm[i].flags & PCL_PERM_HOOK_FLR)
			h = add_hook(b, PCL_HOOK_FLR, at + i, 1);
		else
			h = 0;
		rule.hook = (uint8_t)(h > 0 ? h : 0);
		img[i] &= (uint8_t)~perm[i].zero;
		r = h < 0 ? h : set(b, at + i, 1, &rule, img + i);
	}
	if (perm != small)
		free(perm);
	return r;
}

/* Does vfio-pci link @c into its chain (rather than unlink it)? */
static bool vfio_links(struct build *b, const struct pcl_cap *c)
{
	for (size_t i = 0; i < pcl_walk_cap_count(b->view_walk); i++) {
		const struct pcl_cap *v = pcl_walk_cap(b->view_walk, i);

		if (v->space == c->space && v->offset == c->offset &&
		    v->id == c->id)
			return true;
	}
	return false;
}

/*
 * The header of a capability vfio-pci links in but the layout does not
 * present, under "passthrough": its ID (and version) as the device has
 * them, its next pointer 0 - the bytes QEMU leaves when it drops one
 * (vfio_add_ext_cap(): "left with config space from the physical device
 * ... but with the next pointer masked to zero"), read-only.
 */
static int dropped_header(struct build *b, const struct pcl_cap *c)
{
	const uint8_t *d = b->data + c->offset;
	uint32_t n = pcl_cap_hdr_size(c->space), h = pcl_le32(d);
	uint8_t hdr[4] = { d[PCI_CAP_LIST_ID], 0, 0, 0 }; /* next: 0 */
	int r = 0;

	if (c->space == PCL_SPACE_EXTENDED)
		pcl_put_le32(hdr, PCI_EXT_CAP_ID(h) | PCI_EXT_CAP_VER(h) << 16);
	/* Unclaimed: bytes of the device, not of the layout's view, so they
	 * take no part in the engine's portable state. */
	for (uint32_t i = 0; i < n && !r; i++)
		r = set_unclaimed(b, c->offset + i, 1, hdr[i]);
	return r;
}

/*
 * The bytes the device's capability or orphan @c spans, as measured on
 * vfio-pci's view of the device where the view has it. A length the
 * catalogue computes from a register that is also the header of a
 * capability vfio-pci links in (a broken device: they overlap) differs
 * between the two reads, as vfio-pci rewrites that header's next pointer;
 * the plan is made on the view, so its guest takes back what the view
 * measures, the device read in full or read through vfio-pci alike.
 */
static uint32_t span_length(struct build *b, const struct pcl_cap *c)
{
	const struct pcl_cap *v;

	for (size_t i = 0; (v = pcl_walk_cap_or_orphan(b->view_walk, i)); i++)
		if (v->space == c->space && v->offset == c->offset &&
		    v->id == c->id)
			return v->length;
	return c->length;
}

/*
 * Step 2 for the device's capability or orphan @c: a presented one's bytes
 * (@home) read the fill. Another's header reads the fill under "zero" and
 * "ones"; under "passthrough" it reads as QEMU shows it: dropped_header()
 * where vfio-pci links it in (set by base_policy() after every body), the
 * device's own bytes where the kernel already unlinks it (an orphan of its
 * view, which vfio-pci passes raw as any unassigned byte). The body
 * follows the policy.
 */
static int take_back(struct build *b, const struct pcl_cap *c, bool home,
		     bool orphan)
{
	uint32_t len = span_length(b, c), hdr = pcl_cap_hdr_size(c->space);
	bool pass = pcl_layout_unclaimed(b->layout) == PCL_UNCLAIMED_PASSTHROUGH;

	if (c->offset >= PCL_CFG_SIZE)
		return 0;
	if (len > PCL_CFG_SIZE - (uint32_t)c->offset)
		len = PCL_CFG_SIZE - (uint32_t)c->offset;
	if (home)
		return len ? set_unclaimed(b, c->offset, len, b->fill) : 0;
	if (!pass)
		return set_unclaimed(b, c->offset, hdr < len ? hdr : len, b->fill);
	/* A linked one's header is dropped by base_policy(), after every
	 * body. */
	if (orphan || len <= hdr)
		return 0;
	return body_rules(b, c->space, c->id, c->offset, c->offset, len, NULL);
}

/* Step 1 and 2. */
static int base_policy(struct build *b)
{
	int policy = pcl_layout_unclaimed(b->layout);
	uint32_t ext_limit = pcl_cfg_size(b->cfg) > 0x100 ? PCL_CFG_SIZE : 0x100;
	struct pcl_guest_rule pass = { .source = PCL_GUEST_PHYS, .wmask = 0xff,
				       .flags = PCL_GUEST_UNCLAIMED };
	size_t ncaps = pcl_walk_cap_count(b->walk);
	int r;

	if (policy == PCL_UNCLAIMED_PASSTHROUGH) {
		r = set(b, 0, ext_limit, &pass, b->data);
		/*
		 * A function whose extended space was never seen (a
		 * conventional device, or a 256-byte dump) gets none: a guest
		 * probing 0x100 must read "no capability", not fail.
		 */
		if (!r && ext_limit < PCL_CFG_SIZE)
			r = set_unclaimed(b, 0x100, PCL_CFG_SIZE - 0x100, 0);
	} else {
		r = set_unclaimed(b, 0, PCL_CFG_SIZE, b->fill);
	}
	/* Orphans and capabilities not shown first, so that the home of
	 * a presented one wins wherever they overlap; of those, the ones
	 * vfio-pci unlinks (orphans of its view, or inside another
	 * capability there) before the ones it links, so that where they
	 * overlap the linked one's rules win, as in the kernel's map and in
	 * the guest of the view. */
	for (size_t i = 0; !r && i < pcl_walk_orphan_count(b->walk); i++)
		r = take_back(b, pcl_walk_orphan(b->walk, i), false, true);
	for (int linked = 0; linked < 2; linked++) {
		for (size_t i = 0; !r && i < ncaps; i++) {
			const struct pcl_cap *c = pcl_walk_cap(b->walk, i);

			if (!presented(b, i) && vfio_links(b, c) == (linked == 1))
				r = take_back(b, c, false, false);
		}
	}
	/*
	 * The header of each one vfio-pci links in then reads as dropped,
	 * once, after all bodies: also where another's body overlaps it
	 * (fuzz_vdev: SATA at 0xf4, 16 bytes, over the header of SATA at
	 * 0xfc passed it through raw): a hidden capability's header is never
	 * the device's.
	 */
	for (size_t i = 0; !r && policy == PCL_UNCLAIMED_PASSTHROUGH &&
			   i < ncaps; i++) {
		const struct pcl_cap *c = pcl_walk_cap(b->walk, i);

		if (!presented(b, i) && vfio_links(b, c) &&
		    span_length(b, c) >= pcl_cap_hdr_size(c->space))
			r = dropped_header(b, c);
	}
	for (size_t i = 0; !r && i < ncaps; i++)
		if (presented(b, i))
			r = take_back(b, pcl_walk_cap(b->walk, i), true, false);
	return r;
}

/*
 * BAR type bits as a guest reads them after reset: from what the source
 * knows (the register, the kernel's resource flags, a VF's PF), so that a
 * VF, whose own BAR registers read 0, shows its real types as vfio-pci
 * virtualizes them.
 */
static uint32_t bar_type_bits(const struct pcl_bar *bar)
{
	if (bar->flags & PCL_BAR_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;
	return (bar->flags & PCL_BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
	       (bar->flags & PCL_BAR_PREFETCH ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
}

/* The sizes to emulate: the VMM's when it gave any, else the source's. */
static void bar_sizes(struct build *b, uint64_t size[PCL_CFG_BARS])
{
	const struct pcl_guest_options *o = b->opts;
	bool given = o->rom_size != 0;

	for (int i = 0; i < 6; i++)
		given |= o->bar_size[i] != 0;
	for (uint32_t i = 0; i < PCL_CFG_BARS; i++) {
		struct pcl_bar bar;

		if (given) {
			size[i] = i == PCL_CFG_BAR_ROM ? o->rom_size : o->bar_size[i];
			continue;
		}
		pcl_cfg_bar(b->cfg, i, &bar);
		size[i] = (bar.flags & PCL_BAR_SIZE_KNOWN) &&
			  !(o->flags & PCL_GUEST_OPT_NO_BAR_SIZING) ? bar.size : 0;
	}
}

/* BAR sizing for every BAR whose size is known, or read-only copies. */
static int header_bars(struct build *b)
{
	uint64_t sizes[PCL_CFG_BARS];
	bool sized = false;
	int r;

	bar_sizes(b, sizes);
	for (int i = 0; i < PCL_CFG_BARS; i++)
		sized |= sizes[i] != 0;
	if (!sized) {
		r = set_fact(b, 0x10, 0x18, b->data + 0x10);
		return r ? r : set_fact(b, 0x30, 4, b->data + 0x30);
	}
	for (uint32_t i = 0; i < 6; i++) {
		uint32_t off = PCI_BASE_ADDRESS_0 + 4 * i;
		struct pcl_bar bar;
		uint64_t size = sizes[i];
		bool io, is64;
		uint64_t mask;
		uint8_t init[4];
		int h;

		pcl_cfg_bar(b->cfg, i, &bar);
		io = bar.flags & PCL_BAR_IO;
		is64 = bar.flags & PCL_BAR_MEM64;
		if (!size) {
			if ((r = set_const(b, off, 4, 0)))
				return r;
			continue;
		}
		if (size & (size - 1) || size < (io ? 4u : 16u) ||
		    (!is64 && size > 0x80000000ull) || (is64 && i == 5))
			return pcl_set_error(b->err, -EINVAL, "options", 0, 0,
					     (int32_t)off, "BAR %u: size 0x%llx "
					     "is impossible for its type", i,
					     (unsigned long long)size);
		mask = ~(size - 1);
		/* Type bits from the device, address bits start at 0. */
		pcl_put_le32(init, bar_type_bits(&bar));
		h = add_hook(b, PCL_HOOK_BAR, off, 4);
		if (h < 0)
			return h;
		for (uint32_t k = 0; k < 4; k++) {
			uint8_t w = (uint8_t)(mask >> (8 * k));

			if (k == 0)
				w &= io ? 0xfc : 0xf0;
			/* The type bits (byte 0) are the device's. */
			if ((r = k ? set_shadow(b, off + k, w, init[k], h) :
				     set_shadow_fact(b, off, w, init[k], h)))
				return r;
		}
		if (is64) {
			off += 4;
			h = add_hook(b, PCL_HOOK_BAR, off, 4);
			if (h < 0)
				return h;
			for (uint32_t k = 0; k < 4; k++)
				if ((r = set_shadow(b, off + k,
						    (uint8_t)(mask >> (32 + 8 * k)),
						    0, h)))
					return r;
			i++;
		}
	}
	if (!sizes[PCL_CFG_BAR_ROM])
		return set_const(b, 0x30, 4, 0);
	if (sizes[PCL_CFG_BAR_ROM] & (sizes[PCL_CFG_BAR_ROM] - 1) ||
	    sizes[PCL_CFG_BAR_ROM] < 0x800 ||
	    sizes[PCL_CFG_BAR_ROM] > 0x80000000ull)
		return pcl_set_error(b->err, -EINVAL, "options", 0, 0, 0x30,
				     "ROM size 0x%llx is impossible",
				     (unsigned long long)sizes[PCL_CFG_BAR_ROM]);
	{
		uint32_t mask = (uint32_t)~(sizes[PCL_CFG_BAR_ROM] - 1) &
				0xfffff801u;
		int h = add_hook(b, PCL_HOOK_BAR, 0x30, 4);

		if (h < 0)
			return h;
		for (uint32_t k = 0; k < 4; k++)
			if ((r = set_shadow(b, 0x30 + k, (uint8_t)(mask >> (8 * k)),
					    0, h)))
				return r;
	}
	return 0;
}

/*
 * Step 3, identification and control: the identity, class and header type
 * emulated copies; the command register emulated, written through and
 * hooked; the status register the device's, read-only as vfio-pci makes
 * it, but Capabilities List ours; cache line size, latency timer and BIST
 * the device's and writable, as vfio-pci lets them through (the first two
 * are settings a migrated guest keeps).
 */
static int header_control(struct build *b, bool cap_list)
{
	struct pcl_guest_rule cmd = { .source = PCL_GUEST_SHADOW,
				      .flags = PCL_GUEST_WRITE_THROUGH };
	struct pcl_guest_rule st = { .source = PCL_GUEST_PHYS, .vmask = 0x10,
				     .phys = PCI_STATUS };
	const uint8_t *d = b->data;
	uint8_t status = (uint8_t)((d[PCI_STATUS] & ~PCI_STATUS_CAP_LIST) |
				   (cap_list ? PCI_STATUS_CAP_LIST : 0));
	uint8_t zero = 0, ids[4];
	struct pcl_identity id;
	int h, r;

	/* The identity, not the registers: a VF's read 0xffff, and the
	 * guest sees the IDs the kernel gives it, as vfio-pci shows them. */
	pcl_cfg_identity(b->cfg, &id);
	pcl_put_le16(ids, id.vendor_id);
	pcl_put_le16(ids + 2, id.device_id);
	if ((r = set_fact(b, PCI_VENDOR_ID, 4, ids)) ||
	    (r = set_fact(b, PCI_CLASS_REVISION, 4, d + PCI_CLASS_REVISION)) ||
	    (r = set_fact(b, PCI_HEADER_TYPE, 1, d + PCI_HEADER_TYPE)) ||
	    (r = set_phys(b, PCI_BIST, 1, 0xff, 0)) ||
	    (r = set_phys(b, PCI_CACHE_LINE_SIZE, 2, 0xff, PCL_GUEST_REPLAY)))
		return r;
	/* Command: starts at 0 as after reset; I/O, memory, bus master,
	 * parity, SERR and INTx disable are the guest's to set. */
	h = add_hook(b, PCL_HOOK_COMMAND, PCI_COMMAND, 2);
	if (h < 0)
		return h;
	cmd.hook = (uint8_t)h;
	cmd.wmask = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		    PCI_COMMAND_PARITY;
	cmd.phys = PCI_COMMAND;
	if ((r = set(b, PCI_COMMAND, 1, &cmd, &zero)))
		return r;
	cmd.wmask = (PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE) >> 8;
	cmd.phys = PCI_COMMAND + 1;
	if ((r = set(b, PCI_COMMAND + 1, 1, &cmd, &zero)) ||
	    (r = set(b, PCI_STATUS, 1, &st, &status)))
		return r;
	if ((r = set_phys(b, PCI_STATUS + 1, 1, 0, 0)))
		return r;
	/* A VF has no INTx (SR-IOV 1.1, 3.5.12); vfio-pci shows pin 0 even
	 * where the VF claims one ("gratuitous for good VFs"). */
	if ((r = set_fact(b, PCI_INTERRUPT_PIN, 3, d + PCI_INTERRUPT_PIN)) ||
	    (id.is_vf && (r = set_fact(b, PCI_INTERRUPT_PIN, 1, &zero))))
		return r;
	return 0;
}

/* Step 3: the type 0 (or 1) header. */
static int header(struct build *b, uint8_t cap_ptr, bool cap_list)
{
	const uint8_t *d = b->data;
	bool endpoint = (d[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_NORMAL;
	int r;

	if ((r = header_control(b, cap_list)))
		return r;
	if (endpoint) {
		if ((r = header_bars(b)) ||
		    (r = set_fact(b, PCI_CARDBUS_CIS, 8, d + PCI_CARDBUS_CIS)))
			return r;
	} else {
		/* Bridges: nothing to size here; keep the window registers
		 * as the device showed them. */
		if ((r = set_fact(b, PCI_BASE_ADDRESS_0, 0x24,
				  d + PCI_BASE_ADDRESS_0)) ||
		    (r = set_fact(b, PCI_ROM_ADDRESS1, 4, d + PCI_ROM_ADDRESS1)))
			return r;
	}
	/* (0x38 is reserved in a type 0 header.) */
	if ((r = set_ro(b, PCI_CAPABILITY_LIST, 1, &cap_ptr)) ||
	    (r = set_const(b, PCI_CAPABILITY_LIST + 1, 3, 0)) ||
	    (endpoint && (r = set_const(b, PCI_ROM_ADDRESS1, 4, 0))) ||
	    (r = set_shadow(b, PCI_INTERRUPT_LINE, 0xff, d[PCI_INTERRUPT_LINE],
			    0)))
		return r;
	return 0;
}

/* The device capability a physical entry means (layout-format 4.3), or NULL. */
static const struct pcl_cap *find_cap(struct build *b,
				      const struct pcl_layout_entry *e)
{
	long i = pcl_layout_entry_find(e, b->walk);

	return i < 0 ? NULL : pcl_walk_cap_or_orphan(b->walk, (size_t)i);
}

static const char *entry_name(const struct pcl_layout_entry *e, char *buf,
			      size_t size)
{
	return pcl_layout_cap_label(e->space, e->id, buf, size);
}

/* Does [off, off + len) of the device hold bytes of a capability other
 * than @self (chain members and orphans)? */
static const struct pcl_cap *overlaps_other(struct build *b,
					    const struct pcl_cap *self,
					    uint32_t off, uint32_t len)
{
	const struct pcl_cap *c;

	for (size_t i = 0; (c = pcl_walk_cap_or_orphan(b->walk, i)); i++) {
		const struct pcl_layout_entry *e;
		uint32_t clen = c->length;

		if (c == self || c->space != self->space)
			continue;
		/* A presented one reaches as far as its entry: a planner cuts
		 * a capability that overlaps the next (broken devices). */
		if ((e = entry_of(b, i)) && e->length && e->length < clen)
			clen = e->length;
		/* One that starts before @self and runs into it is cut short
		 * at @self, as the planner cuts the earlier of two that
		 * overlap (lib/plan/claim.c): the bytes they share are
		 * @self's, whose header the chain reaches there. */
		if (c->offset < self->offset &&
		    (uint32_t)c->offset + clen > (uint32_t)self->offset)
			clen = (uint32_t)(self->offset - c->offset);
		/* One the plan does not present that starts inside @self on
		 * the device itself (a broken device: they overlap) leaves the
		 * bytes they share to @self, as the planner keeps the earlier
		 * of two when its length is fixed (lib/plan/claim.c), as long
		 * as only @self's own bytes are passed through. */
		if (!entry_of(b, i) && c->offset > self->offset &&
		    c->offset < (uint32_t)self->offset + self->length &&
		    off + len <= (uint32_t)self->offset + self->length)
			continue;
		/* One vfio-pci hides that starts inside a capability it shows
		 * is part of it where they share bytes, as the kernel maps
		 * them (vfio_cap_init() maps the shown one's length and no
		 * byte of the hidden one): not a neighbour, whether or not it
		 * runs on past it (its header is then in the shown one's
		 * body, as every VMM reading through vfio-pci sees it). The
		 * device read through vfio-pci has no such capability at all,
		 * so this is also what keeps the guest view the same however
		 * the device was read. */
		if (pcl_catalog_vfio_hides(c->space, c->id) &&
		    !pcl_catalog_vfio_hides(self->space, self->id) &&
		    c->offset > self->offset)
			continue;
		if (c->offset < off + len && off < (uint32_t)c->offset + clen)
			return c;
	}
	return NULL;
}

static uint32_t entry_length(const struct pcl_layout_entry *e)
{
	if (e->kind == PCL_ENTRY_VIRTUAL)
		return vcap_length(e);
	return e->length ? e->length :
	       pcl_layout_cap_default_length(e->space, e->id);
}

/*
 * MSI: emulated, as a VMM does (QEMU's msi.c); the VMM programs the real
 * vectors. Control: enable and Multiple Message Enable writable, the
 * engine clamping the latter to Multiple Message Capable as vfio-pci does
 * (hook PCL_HOOK_MSI); the rest of it the device's. Address, data and the
 * mask bits writable, pending bits read-only, all 0 after reset.
 */
static int msi_rules(struct build *b, uint32_t at, uint32_t len,
		     const uint8_t *img)
{
	uint16_t ctrl = pcl_le16(img + PCI_MSI_FLAGS);
	bool is64 = ctrl & PCI_MSI_FLAGS_64BIT, pvm = ctrl & PCI_MSI_FLAGS_MASKBIT;
	uint32_t data = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	uint32_t mask = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
	uint8_t wctl = PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE;
	int h, r;

	h = add_hook(b, PCL_HOOK_MSI, at + PCI_MSI_FLAGS, 2);
	if (h < 0)
		return h;
	if ((r = set_shadow_fact(b, at + PCI_MSI_FLAGS, wctl,
				 (uint8_t)(img[PCI_MSI_FLAGS] & ~wctl), h)) ||
	    (r = set_shadow_fact(b, at + PCI_MSI_FLAGS + 1, 0,
				 img[PCI_MSI_FLAGS + 1], h)))
		return r;
	for (uint32_t i = PCI_MSI_ADDRESS_LO; i < len; i++) {
		uint8_t w = 0;

		if (i < PCI_MSI_ADDRESS_LO + 4)
			w = i == PCI_MSI_ADDRESS_LO ? 0xfc : 0xff;
		else if ((is64 && i < PCI_MSI_ADDRESS_HI + 4) ||
			 (i >= data && i < data + 2) ||
			 (pvm && i >= mask && i < mask + 4))
			w = 0xff;
		if ((r = set_shadow(b, at + i, w, 0, 0)))
			return r;
	}
	return 0;
}

/*
 * MSI-X: enable and function mask are the guest's; table size and the
 * table's and PBA's locations are the device's, read-only.
 */
static int msix_rules(struct build *b, uint32_t at, uint32_t len,
		      const uint8_t *img)
{
	uint8_t wctl = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
	int h = add_hook(b, PCL_HOOK_MSIX, at + PCI_MSIX_FLAGS, 2), r;

	if (h < 0)
		return h;
	if ((r = set_shadow_fact(b, at + PCI_MSIX_FLAGS, 0,
				 img[PCI_MSIX_FLAGS], h)) ||
	    (r = set_shadow_fact(b, at + PCI_MSIX_FLAGS + 1, wctl,
				 (uint8_t)(img[PCI_MSIX_FLAGS + 1] & ~wctl), h)))
		return r;
	return len > PCI_MSIX_TABLE ? set_fact(b, at + PCI_MSIX_TABLE,
					       len - PCI_MSIX_TABLE,
					       img + PCI_MSIX_TABLE) : 0;
}

static int physical_entry(struct build *b, const struct pcl_layout_entry *e,
			  uint32_t len, uint8_t *img)
{
	const char *src = pcl_layout_source(b->layout);
	const struct pcl_cap *c = find_cap(b, e), *o;
	char nb[16];

	if (!c && e->phys >= 0)
		return pcl_set_error(b->err, -EINVAL, src, e->line, e->column,
				     e->at, "%s is pinned at physical 0x%x but "
				     "the device has no such capability there",
				     entry_name(e, nb, sizeof(nb)), e->phys);
	if (!c)
		return pcl_set_error(b->err, -EINVAL, src, e->line, e->column,
				     e->at, "the device has no %s capability "
				     "(instance %u) for the entry at 0x%x",
				     entry_name(e, nb, sizeof(nb)), e->instance,
				     e->at);
	if ((uint32_t)c->offset + len > PCL_CFG_SIZE ||
	    !pcl_cfg_is_read(b->cfg, c->offset, len))
		return pcl_set_error(b->err, -EINVAL, src, e->line, e->column,
				     e->at, "%s at physical 0x%x: %u bytes were "
				     "not all read from the device",
				     entry_name(e, nb, sizeof(nb)), c->offset,
				     len);
	/*
	 * Passing the body through must not expose a neighbour (a hidden
	 * one, or one presented elsewhere): a PCI Express capability with
	 * the next capability inside its nominal size needs a shorter length.
	 */
	if ((o = overlaps_other(b, c, c->offset, len)))
		return pcl_set_error(b->err, -EINVAL, src, e->line, e->column,
				     e->at, "%s at physical 0x%x: %u bytes "
				     "would include the capability at 0x%x",
				     entry_name(e, nb, sizeof(nb)), c->offset,
				     len, o->offset);
	if (len != c->length)
		pcl_dbg(b->g->ctx,
			"%s: layout length %u, device length %u",
			entry_name(e, nb, sizeof(nb)), len, c->length);
	memcpy(img, b->data + c->offset, len);
	if (e->space == PCL_SPACE_STANDARD && e->id == PCI_CAP_ID_MSI)
		return msi_rules(b, (uint32_t)e->at, len, img);
	if (e->space == PCL_SPACE_STANDARD && e->id == PCI_CAP_ID_MSIX)
		return msix_rules(b, (uint32_t)e->at, len, img);
	return body_rules(b, e->space, e->id, (uint32_t)e->at, c->offset, len,
			  img);
}

/* The generator's bytes and rules (lib/vcap), laid over the guest range. */
static int virtual_entry(struct build *b, const struct pcl_layout_entry *e,
			 uint32_t len, uint32_t hdr, uint8_t *img)
{
	const struct vcap_gen *g = vcap_get(e->generator);
	struct pcl_guest_rule rules[PCL_CFG_SIZE];
	struct vcap_synth out = { .img = img, .rule = rules };
	uint32_t at = (uint32_t)e->at;
	char why[256];
	int h = 0, r;

	if (!g)
		snprintf(why, sizeof(why), "unknown generator");
	if (!g || g->synth(e, b->opts, &out, why, sizeof(why)))
		return pcl_set_error(b->err, -EINVAL,
				     pcl_layout_source(b->layout), e->line,
				     e->column, e->at, "%s", why);
	if (out.hook.type) {
		h = add_hook(b, out.hook.type, at + out.hook.offset,
			     out.hook.width);
		if (h < 0)
			return h;
	}
	for (uint32_t i = hdr; i < len; i++) {
		if (rules[i].hook)
			rules[i].hook = (uint8_t)h;
		if ((r = set(b, at + i, 1, &rules[i], &img[i])))
			return r;
	}
	return 0;
}

/* Step 4 for one space: entries, then the chain through their headers. */
static int chain(struct build *b, int space)
{
	size_t n = pcl_layout_entry_count(b->layout, space);
	const struct pcl_layout_entry *prev = NULL;
	uint32_t hdr = pcl_cap_hdr_size(space);
	uint8_t img[PCL_CFG_SIZE];
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct pcl_layout_entry *e =
			pcl_layout_entry(b->layout, space, i);
		uint32_t len = entry_length(e);
		uint32_t at = (uint32_t)e->at;
		uint32_t head;
		size_t k;

		if (e->kind == PCL_ENTRY_HIDDEN)
			continue;
		if (e->at < 0 || len < hdr || at % 4 ||
		    len > PCL_CFG_SIZE - at ||
		    (space == PCL_SPACE_STANDARD && (at < 0x40 || at + len > 0x100)) ||
		    (space == PCL_SPACE_EXTENDED && at < 0x100))
			return pcl_set_error(b->err, -EINVAL,
					     pcl_layout_source(b->layout),
					     e->line, e->column, e->at,
					     "entry at 0x%x does not fit its "
					     "space", e->at);
		memset(img, 0, len);
		r = e->kind == PCL_ENTRY_PHYSICAL ? physical_entry(b, e, len, img)
						  : virtual_entry(b, e, len, hdr, img);
		if (r)
			return r;
		/* The header: the entry's ID, the next presented entry. */
		for (k = i + 1; k < n; k++)
			if (pcl_layout_entry(b->layout, space, k)->kind !=
			    PCL_ENTRY_HIDDEN)
				break;
		head = k < n ? (uint32_t)pcl_layout_entry(b->layout, space,
							  k)->at : 0;
		if (space == PCL_SPACE_STANDARD) {
			img[0] = (uint8_t)e->id;
			img[1] = (uint8_t)head;
		} else {
			uint32_t ver = PCI_EXT_CAP_VER(pcl_le32(img));

			pcl_put_le32(img, e->id | ver << 16 | head << 20);
		}
		if ((r = set_ro(b, at, hdr, img)) ||
		    (r = pcl_guest_set_segment(b->g, at, len)))
			return r;
		/* A physical capability's version (bits 19:16) is the
		 * device's: format 1 does not fix it. */
		if (space == PCL_SPACE_EXTENDED &&
		    e->kind == PCL_ENTRY_PHYSICAL &&
		    (r = set_fact(b, at + 2, 1, img + 2)))
			return r;
		/* Rules of the body were set with the image bytes already. */
		if (!prev && space == PCL_SPACE_EXTENDED && at != 0x100) {
			/* No entry at 0x100: a Null capability anchors the
			 * chain there (pcl_layout_validate() normally
			 * requires an explicit one). */
			uint8_t anchor[4];

			pcl_put_le32(anchor, at << 20);
			if ((r = set_ro(b, 0x100, 4, anchor)))
				return r;
		}
		prev = e;
	}
	if (!prev && space == PCL_SPACE_EXTENDED)
		return set_const(b, 0x100, 4, 0); /* "no extended caps" */
	return 0;
}

static const struct pcl_layout_entry *first_presented(const struct pcl_layout *l,
						      int space)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, space); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if (e->kind != PCL_ENTRY_HIDDEN)
			return e;
	}
	return NULL;
}

int pcl_guest_build(struct pcl_ctx *ctx, const struct pcl_layout *layout,
		    const struct pcl_cfg *cfg,
		    const struct pcl_guest_options *opts,
		    struct pcl_guest **guest, struct pcl_error *err)
{
	static const struct pcl_guest_options no_opts;
	const struct pcl_layout_entry *first;
	char fp[PCL_FINGERPRINT_SIZE];
	struct build b = {
		.layout = layout,
		.cfg = cfg,
		.opts = opts ? opts : &no_opts,
		.err = err,
	};
	int r;

	if (!layout || !cfg || !guest)
		return pcl_set_error(err, -EINVAL, "", 0, 0, -1,
				     "no layout, cfg or result pointer");
	*guest = NULL;
	if (pcl_layout_kind(layout) != PCL_LAYOUT_KIND_LAYOUT)
		return pcl_set_error(err, -EINVAL, pcl_layout_source(layout),
				     0, 0, -1, "a quirk has no guest view");
	if (pcl_layout_validate(layout, NULL))
		return pcl_set_error(err, -EINVAL, pcl_layout_source(layout),
				     0, 0, -1, "the layout is not valid "
				     "(see 'pcilayout layout check')");
	r = pcl_layout_fingerprint_validated(layout, fp);
	if (r)
		return pcl_set_error(err, r, pcl_layout_source(layout), 0, 0,
				     -1, "cannot fingerprint the layout");
	if (!pcl_cfg_is_read(cfg, 0, 64))
		return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg), 0, 0,
				     -1, "the device's header was not read");
	if ((pcl_cfg_data(cfg)[0x0e] & 0x7f) > 1)
		return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg), 0, 0,
				     0x0e, "header type 0x%02x is neither an "
				     "endpoint nor a bridge (a CardBus bridge, "
				     "or a device that reads as all ones)",
				     pcl_cfg_data(cfg)[0x0e] & 0x7f);
	b.data = pcl_cfg_data(cfg);
	b.fill = pcl_layout_unclaimed(layout) == PCL_UNCLAIMED_ONES ? 0xff : 0;
	b.g = pcl_guest_new(ctx);
	b.walk = pcl_cfg_walk(cfg);
	if (b.walk && pcl_cfg_view_walk(cfg, &b.view_walk) == 0 &&
	    !b.view_walk)
		b.view_walk = b.walk;
	if (!b.g || !b.walk || !b.view_walk || find_entries(&b)) {
		r = pcl_set_error(err, -ENOMEM, "", 0, 0, -1, "out of memory");
		goto fail;
	}
	first = first_presented(layout, PCL_SPACE_STANDARD);
	if ((r = base_policy(&b)) ||
	    (r = header(&b, first ? (uint8_t)first->at : 0, first != NULL)) ||
	    (r = chain(&b, PCL_SPACE_STANDARD)) ||
	    (r = chain(&b, PCL_SPACE_EXTENDED)))
		goto fail;
	pcl_guest_set_fingerprint(b.g, fp);
	free(b.found);
	*guest = b.g;
	return 0;
fail:
	free(b.found);
	pcl_guest_free(b.g);
	return r;
}
