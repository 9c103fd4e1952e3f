// SPDX-License-Identifier: BSD-3-Clause
/*
 * vdev.c - the runtime engine: executes a guest view's access table for
 * guest config reads and writes, and saves and restores its state.
 *
 * Every access is first bounds-checked as a whole, then split into parts
 * that never cross a dword or a segment boundary (the kernel's
 * vfio_config_do_rw() does the same at capability boundaries). Within a
 * part, bytes that the table sends to the device and that are contiguous in
 * physical space form a run; a run is issued as naturally aligned backend
 * accesses, so an aligned access of up to 4 physical bytes costs one call.
 *
 * A write is applied in three passes so that a failing backend leaves the
 * emulated state untouched: (1) compute the new shadow bytes and the device
 * writes, doing the reads a read-modify-write needs; (2) issue the device
 * writes; (3) commit the shadow and report changed hooked registers, then,
 * when the write set an Initiate FLR bit, reset the emulated state. All of
 * it works on fixed arrays of at most 4 bytes (and one per hooked register
 * for a reset): the access path never allocates, locks or formats a
 * message. Saving, loading and replaying state are in state.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "guest-internal.h"

/* The engine's form of byte @i's rule (pcl_guest_rule_check() passed). */
static void vbyte_from_rule(struct vbyte *b, const struct pcl_guest *guest,
			    uint32_t i)
{
	const struct pcl_guest_rule *g = &guest->rule[i];

	memset(b, 0, sizeof(*b));
	if (g->flags & PCL_GUEST_UNCLAIMED)
		b->flags = VB_UNCLAIMED;
	b->src = g->source;
	b->w1c = g->w1c;
	b->vmask = g->vmask;
	b->hook = g->hook;
	b->phys = g->phys;
	b->seg_end = guest->seg_end[i];
	switch (g->source) {
	case PCL_GUEST_SHADOW:
		b->smask = g->wmask;
		if (g->flags & PCL_GUEST_WRITE_THROUGH) {
			b->flags = VB_HWWRITE;
			b->hwmask = 0xff;
		}
		if (g->flags & PCL_GUEST_DEVICE_FACT)
			b->flags |= VB_FACT;
		break;
	case PCL_GUEST_PHYS:
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
static void mark_hooks(struct pcl_vdev *v)
{
	for (uint32_t k = 0; k < v->nhooks; k++) {
		struct vbyte *b = &v->b[v->hooks[k].offset];
		uint32_t off = v->hooks[k].offset;

		v->hook_mask[k] = 0;
		for (uint32_t i = 0; i < v->hooks[k].width; i++)
			v->hook_mask[k] |= (uint32_t)v->kept[off + i]
					   << (8 * ((off & 3u) + i));

		if (v->hooks[k].hook == PCL_HOOK_MSI)
			b->flags |= VB_MSICTL;
		else if (v->hooks[k].hook == PCL_HOOK_FLR)
			b->trig = b->src == PCL_GUEST_PHYS ?
				  (uint8_t)(b->smask & b->vmask) : b->smask;
	}
}

/* Per-dword fast-path facts. */
static void mark_dwords(struct pcl_vdev *v)
{
	for (uint32_t d = 0; d < PCL_CFG_SIZE / 4; d++) {
		uint8_t f = DW_NO_HWREAD | DW_PLAIN_WRITE;

		for (uint32_t i = 4 * d; i < 4 * d + 4; i++) {
			if (v->b[i].flags & VB_HWREAD)
				f &= (uint8_t)~DW_NO_HWREAD;
			if ((v->b[i].flags & VB_HWWRITE) || v->b[i].hook)
				f &= (uint8_t)~DW_PLAIN_WRITE;
		}
		v->dw[d] = f;
	}
}

static struct pcl_vdev *new_fail(struct pcl_vdev *v, struct pcl_error *err,
				 int32_t off, const char *msg)
{
	pcl_set_error(err, -EINVAL, "vdev", 0, 0, off, "%s", msg);
	free(v);
	errno = EINVAL;
	return NULL;
}

struct pcl_vdev *pcl_vdev_new(const struct pcl_guest *guest,
			      const struct pcl_vdev_backend *backend,
			      struct pcl_error *err)
{
	struct pcl_vdev *v;
	bool needs_be = false;

	if (!guest)
		return new_fail(NULL, err, -1, "no guest view");
	v = calloc(1, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	v->ctx = guest->ctx;
	memcpy(v->hooks, guest->hooks, sizeof(v->hooks));
	v->nhooks = guest->nhooks;
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		/* The setters keep rules valid; re-check, it is cheap here. */
		if (pcl_guest_rule_check(guest, i, &guest->rule[i]) ||
		    guest->seg_end[i] <= i || guest->seg_end[i] > PCL_CFG_SIZE)
			return new_fail(v, err, (int32_t)i, "invalid access rule");
		vbyte_from_rule(&v->b[i], guest, i);
		v->kept[i] = vbyte_kept(&v->b[i]);
		needs_be |= (v->b[i].flags & (VB_HWREAD | VB_HWWRITE)) != 0;
	}
	mark_hooks(v);
	mark_dwords(v);
	if (needs_be && (!backend || !backend->read || !backend->write))
		return new_fail(v, err, -1, "the view passes bytes through but "
				"no backend was given");
	if (backend)
		v->be = *backend;
	memcpy(v->init, guest->image, sizeof(v->init));
	memcpy(v->shadow, guest->image, sizeof(v->shadow));
	pcl_strlcpy(v->fingerprint, guest->fingerprint, sizeof(v->fingerprint));
	if (pcl_vdev_state_init(v)) {
		free(v);
		errno = ENOMEM;
		return NULL;
	}
	return v;
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

/* Length of the part starting at @off: stop at a dword or segment end. */
static uint32_t part_len(const struct pcl_vdev *v, uint32_t off, uint32_t left)
{
	uint32_t n = 4 - (off & 3u);
	uint32_t seg = (uint32_t)v->b[off].seg_end - off;

	if (n > seg)
		n = seg;
	return n < left ? n : left;
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

int pcl_vdev_hw_read(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
		     uint8_t *buf)
{
	while (n) {
		uint32_t k = piece_len(phys, n), val = 0;

		if (v->be.read(v->be.opaque, phys, k, &val))
			return -EIO;
		for (uint32_t i = 0; i < k; i++)
			buf[i] = (uint8_t)(val >> (8 * i));
		phys += k;
		buf += k;
		n -= k;
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
 * within @n bytes, contiguous in physical space.
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

static int read_part(const struct pcl_vdev *v, uint32_t g, uint32_t n,
		     uint8_t *out)
{
	uint8_t hw[4] = { 0 };

	for (uint32_t j = 0; j < n;) {
		uint32_t k;

		if (!(v->b[g + j].flags & VB_HWREAD)) {
			j++;
			continue;
		}
		k = run_len(v, g + j, n - j, VB_HWREAD);
		if (pcl_vdev_hw_read(v, v->b[g + j].phys, k, hw + j))
			return -EIO;
		j += k;
	}
	for (uint32_t j = 0; j < n; j++) {
		const struct vbyte *b = &v->b[g + j];

		if (b->src == PCL_GUEST_PHYS)
			out[j] = (uint8_t)((hw[j] & ~b->vmask) |
					   (v->shadow[g + j] & b->vmask));
		else
			out[j] = v->shadow[g + j];
	}
	return 0;
}

int pcl_vdev_read(const struct pcl_vdev *vdev, uint32_t off, uint32_t len,
		  uint32_t *val)
{
	uint8_t out[4];
	uint32_t r;
	int ret;

	if (!vdev || !val)
		return -EINVAL;
	ret = check_access(off, len);
	if (ret)
		return ret;
	/*
	 * Fast path: an aligned access to a dword no byte of which needs the
	 * device is a load from the shadow (splitting cannot matter).
	 */
	if (!(off & (len - 1)) && (vdev->dw[off >> 2] & DW_NO_HWREAD)) {
		const uint8_t *p = vdev->shadow + off;

		*val = len == 4 ? pcl_le32(p) : len == 2 ? pcl_le16(p) : p[0];
		return 0;
	}
	for (uint32_t i = 0; i < len;) {
		uint32_t n = part_len(vdev, off + i, len - i);

		ret = read_part(vdev, off + i, n, out + i);
		if (ret)
			return ret;
		i += n;
	}
	r = 0;
	for (uint32_t i = 0; i < len; i++)
		r |= (uint32_t)out[i] << (8 * i);
	*val = r;
	return 0;
}

/* A planned device write: a naturally aligned piece of a run. */
struct hw_op {
	uint16_t phys;
	uint8_t len;
	uint32_t val;
};

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
 * Pass 1 for one part: the new shadow bytes, and the device writes with
 * their values (reading the device first where bits must be preserved).
 */
static int plan_part(const struct pcl_vdev *v, uint32_t g, uint32_t n,
		     const uint8_t *in, uint8_t *sh, struct hw_op *ops,
		     uint32_t *nops)
{
	uint8_t hw[4] = { 0 }; /* read first wherever a byte keeps device bits (VB_RMW) */

	for (uint32_t j = 0; j < n; j++) {
		const struct vbyte *b = &v->b[g + j];
		uint8_t old = v->shadow[g + j];

		/* Written bits, and RW1C bits cleared where 1 was written. */
		sh[j] = (uint8_t)((old & ~b->smask) |
				  (in[j] & b->smask & ~b->w1c) |
				  (old & b->w1c & b->smask & ~in[j]));
		if (b->flags & VB_MSICTL) /* only ever a writable bit */
			sh[j] = (uint8_t)((sh[j] & ~b->smask) |
					  (msi_clamp(sh[j]) & b->smask));
	}
	for (uint32_t j = 0; j < n;) {
		uint32_t k, phys;
		bool rmw = false;

		if (!(v->b[g + j].flags & VB_HWWRITE)) {
			j++;
			continue;
		}
		k = run_len(v, g + j, n - j, VB_HWWRITE);
		phys = v->b[g + j].phys;
		for (uint32_t i = j; i < j + k; i++)
			rmw |= (v->b[g + i].flags & VB_RMW) != 0;
		if (rmw && pcl_vdev_hw_read(v, phys, k, hw + j))
			return -EIO;
		for (uint32_t i = j; i < j + k; i++) {
			const struct vbyte *b = &v->b[g + i];

			if (b->src == PCL_GUEST_SHADOW) /* write-through */
				hw[i] = sh[i];
			else if (b->hwmask == 0xff)
				hw[i] = in[i];
			else /* never write back a 1 the device would clear */
				hw[i] = (uint8_t)((in[i] & b->hwmask) |
						  (hw[i] & ~b->hwmask &
						   ~b->w1c));
		}
		for (uint32_t i = j; i < j + k;) {
			uint32_t p = piece_len(phys + (i - j), j + k - i);
			struct hw_op *op = &ops[(*nops)++];

			op->phys = (uint16_t)(phys + (i - j));
			op->len = (uint8_t)p;
			op->val = 0;
			for (uint32_t q = 0; q < p; q++)
				op->val |= (uint32_t)hw[i + q] << (8 * q);
			i += p;
		}
		j += k;
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
	uint32_t before[PCL_GUEST_MAX_HOOKS];
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
 * Pass 3: commit the shadow, report the hooked registers the write
 * changed (FLR registers excepted), then act on an FLR bit it set.
 */
static void commit(struct pcl_vdev *v, uint32_t off, uint32_t len,
		   const uint8_t *sh)
{
	uint8_t idx[4];
	uint32_t old[4], n = 0;
	int flr = -1;

	for (uint32_t i = 0; i < len; i++) {
		uint8_t h = v->b[off + i].hook;
		bool seen = false;

		if (!h)
			continue;
		for (uint32_t k = 0; k < n; k++)
			seen |= idx[k] == h;
		if (seen)
			continue;
		idx[n] = h;
		old[n] = pcl_vdev_hook_value(v, h - 1u, v->shadow);
		n++;
	}
	memcpy(v->shadow + off, sh, len);
	for (uint32_t k = 0; k < n; k++) {
		const struct pcl_guest_hook *h = &v->hooks[idx[k] - 1];

		if (h->hook != PCL_HOOK_FLR)
			pcl_vdev_report(v, idx[k] - 1u, old[k],
					pcl_vdev_hook_value(v, idx[k] - 1u,
							    v->shadow));
		else if (flr < 0 &&
			 (v->shadow[h->offset] & v->b[h->offset].trig))
			flr = (int)k;
	}
	if (flr >= 0)
		flr_reset(v, idx[flr] - 1u, old[flr]);
}

int pcl_vdev_write(struct pcl_vdev *vdev, uint32_t off, uint32_t len,
		   uint32_t val)
{
	uint8_t in[4], sh[4];
	struct hw_op ops[4];
	uint32_t nops = 0;
	int ret;

	if (!vdev)
		return -EINVAL;
	ret = check_access(off, len);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < 4; i++)
		in[i] = (uint8_t)(val >> (8 * i));
	/* Fast path: an aligned access to a dword that is pure shadow with
	 * no hook: apply the masks in place. */
	if (!(off & (len - 1)) && (vdev->dw[off >> 2] & DW_PLAIN_WRITE)) {
		for (uint32_t i = 0; i < len; i++) {
			const struct vbyte *b = &vdev->b[off + i];
			uint8_t *sp = &vdev->shadow[off + i];

			*sp = (uint8_t)((*sp & ~b->smask) |
					(in[i] & b->smask & ~b->w1c) |
					(*sp & b->w1c & b->smask & ~in[i]));
		}
		return 0;
	}

	/* Pass 1: plan every part; nothing has changed yet. */
	for (uint32_t i = 0; i < len;) {
		uint32_t n = part_len(vdev, off + i, len - i);

		ret = plan_part(vdev, off + i, n, in + i, sh + i, ops, &nops);
		if (ret)
			return ret;
		i += n;
	}
	/* Pass 2: the device. A failure leaves the shadow as it was. */
	for (uint32_t i = 0; i < nops; i++)
		if (vdev->be.write(vdev->be.opaque, ops[i].phys, ops[i].len,
				   ops[i].val))
			return -EIO;
	commit(vdev, off, len, sh);
	return 0;
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
