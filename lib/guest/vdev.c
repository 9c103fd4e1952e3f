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
 * writes; (3) commit the shadow and report changed hooked registers. All of
 * it works on fixed arrays of at most 4 bytes: the access path never
 * allocates, locks or formats a message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "guest-internal.h"

/* Per-dword facts (struct pcl_vdev.dw). */
#define DW_NO_HWREAD  0x01u /* a read of it needs no backend call */
#define DW_PLAIN_WRITE 0x02u /* a write of it touches only the shadow */

/* Precomputed per-byte facts (struct vbyte.flags). */
#define VB_HWREAD  0x01u /* reads need the device */
#define VB_HWWRITE 0x02u /* writes reach the device */
#define VB_RMW     0x04u /* ... and need its current value first */

struct vbyte {
	uint8_t src;
	uint8_t smask;  /* bits a write changes in the shadow */
	uint8_t w1c;
	uint8_t vmask;
	uint8_t hwmask; /* PHYS: bits a write passes to the device */
	uint8_t flags;
	uint8_t hook;
	uint8_t reserved;
	uint16_t phys;
	uint16_t seg_end;
};

struct pcl_vdev {
	struct pcl_ctx *ctx;
	struct pcl_vdev_backend be;
	pcl_vdev_notify_fn notify;
	void *notify_opaque;
	uint8_t shadow[PCL_CFG_SIZE];
	uint8_t init[PCL_CFG_SIZE];
	struct vbyte b[PCL_CFG_SIZE];
	/* Per dword: DW_* bits, for the fast paths of aligned accesses. */
	uint8_t dw[PCL_CFG_SIZE / 4];
	struct pcl_guest_hook hooks[PCL_GUEST_MAX_HOOKS];
	uint32_t nhooks;
	char fingerprint[PCL_GUEST_FINGERPRINT_SIZE];
	uint8_t digest[32];
};

struct pcl_vdev *pcl_vdev_new(const struct pcl_guest *guest,
			      const struct pcl_vdev_backend *backend,
			      struct pcl_error *err)
{
	struct pcl_vdev *v;
	bool needs_be = false;

	if (!guest) {
		pcl_set_error(err, -EINVAL, "vdev", 0, 0, -1, "no guest view");
		errno = EINVAL;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		errno = ENOMEM;
		return NULL;
	}
	v->ctx = guest->ctx;
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		const struct pcl_guest_rule *g = &guest->rule[i];
		struct vbyte *b = &v->b[i];

		/* The setters keep rules valid; re-check, it is cheap here. */
		if (pcl_guest_rule_check(guest, i, g) ||
		    guest->seg_end[i] <= i || guest->seg_end[i] > PCL_CFG_SIZE) {
			pcl_set_error(err, -EINVAL, "vdev", 0, 0, (int32_t)i,
				      "invalid access rule");
			free(v);
			errno = EINVAL;
			return NULL;
		}
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
			break;
		default:
			break;
		}
		if (b->flags)
			needs_be = true;
	}
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
	if (needs_be && (!backend || !backend->read || !backend->write)) {
		pcl_set_error(err, -EINVAL, "vdev", 0, 0, -1,
			      "the view passes bytes through but no backend "
			      "was given");
		free(v);
		errno = EINVAL;
		return NULL;
	}
	if (backend)
		v->be = *backend;
	memcpy(v->init, guest->image, sizeof(v->init));
	memcpy(v->shadow, guest->image, sizeof(v->shadow));
	memcpy(v->hooks, guest->hooks, sizeof(v->hooks));
	v->nhooks = guest->nhooks;
	pcl_strlcpy(v->fingerprint, guest->fingerprint, sizeof(v->fingerprint));
	pcl_guest_digest(guest, v->digest);
	return v;
}

void pcl_vdev_free(struct pcl_vdev *vdev)
{
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

static int hw_read(const struct pcl_vdev *v, uint32_t phys, uint32_t n,
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
		if (hw_read(v, v->b[g + j].phys, k, hw + j))
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
		if (rmw && hw_read(v, phys, k, hw + j))
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

static uint32_t hook_value(const struct pcl_vdev *v,
			   const struct pcl_guest_hook *h)
{
	uint32_t val = 0;

	for (uint32_t i = 0; i < h->width; i++)
		val |= (uint32_t)v->shadow[h->offset + i] << (8 * i);
	return val;
}

int pcl_vdev_write(struct pcl_vdev *vdev, uint32_t off, uint32_t len,
		   uint32_t val)
{
	uint8_t in[4], sh[4];
	struct hw_op ops[4];
	uint32_t nops = 0, nhook = 0;
	uint8_t hook_idx[4];
	uint32_t hook_old[4];
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
	/* Pass 3: remember hooked registers' values, then commit. */
	for (uint32_t i = 0; i < len; i++) {
		uint8_t h = vdev->b[off + i].hook;
		bool seen = false;

		if (!h)
			continue;
		for (uint32_t k = 0; k < nhook; k++)
			seen |= hook_idx[k] == h;
		if (seen)
			continue;
		hook_idx[nhook] = h;
		hook_old[nhook] = hook_value(vdev, &vdev->hooks[h - 1]);
		nhook++;
	}
	memcpy(vdev->shadow + off, sh, len);
	for (uint32_t k = 0; k < nhook && vdev->notify; k++) {
		const struct pcl_guest_hook *h = &vdev->hooks[hook_idx[k] - 1];
		struct pcl_vdev_event ev = {
			.hook = h->hook,
			.index = hook_idx[k] - 1u,
			.offset = h->offset,
			.width = h->width,
			.old_value = hook_old[k],
			.new_value = hook_value(vdev, h),
		};

		if (ev.old_value != ev.new_value)
			vdev->notify(vdev->notify_opaque, &ev);
	}
	return 0;
}

/*
 * State blob, version 1 (docs/vdev-state.md). All integers little-endian.
 *
 *   0   8  magic "PCLVDEV\0"
 *   8   4  version (1)
 *   12  4  total length, CRC included
 *   16  .  records: tag (4 ASCII bytes), data length (4), data, zero
 *          padding to 4. An unknown tag starting with a lower-case letter
 *          is optional and skipped; any other unknown tag is refused.
 *          "FPRT" fingerprint text (no NUL), "TDIG" 32-byte table digest,
 *          "SHDW" the 4096 shadow bytes.
 *   end-4  CRC-32 of every byte before it.
 */
#define STATE_MAGIC "PCLVDEV"
#define STATE_VERSION 1u
#define STATE_HDR 16u

static size_t pad4(size_t n)
{
	return (n + 3u) & ~(size_t)3u;
}

static size_t put_record(uint8_t *p, const char *tag, const void *data,
			 uint32_t len)
{
	memcpy(p, tag, 4);
	pcl_put_le32(p + 4, len);
	memcpy(p + 8, data, len);
	memset(p + 8 + len, 0, pad4(len) - len);
	return 8 + pad4(len);
}

int pcl_vdev_save(const struct pcl_vdev *vdev, void *buf, size_t size,
		  size_t *needed)
{
	uint32_t flen;
	size_t total, n;
	uint8_t *p = buf;

	if (!vdev)
		return -EINVAL;
	flen = (uint32_t)strlen(vdev->fingerprint);
	total = STATE_HDR + 8 + pad4(flen) + 8 + 32 + 8 + PCL_CFG_SIZE + 4;
	if (needed)
		*needed = total;
	if (!buf || size < total)
		return -ENOSPC;
	memcpy(p, STATE_MAGIC, 8);
	pcl_put_le32(p + 8, STATE_VERSION);
	pcl_put_le32(p + 12, (uint32_t)total);
	n = STATE_HDR;
	n += put_record(p + n, "FPRT", vdev->fingerprint, flen);
	n += put_record(p + n, "TDIG", vdev->digest, 32);
	n += put_record(p + n, "SHDW", vdev->shadow, PCL_CFG_SIZE);
	pcl_put_le32(p + n, pcl_crc32(0, p, n));
	return 0;
}

#define load_error(err, ...) \
	pcl_set_error(err, -EINVAL, "vdev state", 0, 0, -1, __VA_ARGS__)

int pcl_vdev_load(struct pcl_vdev *vdev, const void *buf, size_t len,
		  struct pcl_error *err)
{
	const uint8_t *p = buf;
	const uint8_t *shadow = NULL, *digest = NULL, *fprt = NULL;
	uint32_t flen = 0, total;
	size_t n;

	if (!vdev || !buf)
		return load_error(err, "no engine or no state");
	if (len < STATE_HDR + 4 || memcmp(p, STATE_MAGIC, 8) != 0)
		return load_error(err, "not a pcilayout engine state "
				       "(bad magic or too short)");
	if (pcl_le32(p + 8) != STATE_VERSION)
		return load_error(err, "state version %u is not supported "
				       "(this library reads version %u)",
				  pcl_le32(p + 8), STATE_VERSION);
	total = pcl_le32(p + 12);
	if (total != len)
		return load_error(err, "state is %zu bytes but says %u: "
				       "truncated or padded", len, total);
	if (pcl_crc32(0, p, len - 4) != pcl_le32(p + len - 4))
		return load_error(err, "state checksum mismatch: corrupted");
	for (n = STATE_HDR; n < len - 4;) {
		const uint8_t *tag = p + n;
		uint32_t rlen;

		if (len - 4 - n < 8)
			return load_error(err, "record header at byte %zu is "
					       "truncated", n);
		rlen = pcl_le32(p + n + 4);
		if (rlen > len - 4 - n - 8 || pad4(rlen) > len - 4 - n - 8)
			return load_error(err, "record at byte %zu runs past "
					       "the end", n);
		if (!memcmp(tag, "FPRT", 4)) {
			if (rlen >= PCL_GUEST_FINGERPRINT_SIZE)
				return load_error(err, "fingerprint too long");
			fprt = tag + 8;
			flen = rlen;
		} else if (!memcmp(tag, "TDIG", 4)) {
			if (rlen != 32)
				return load_error(err, "table digest has %u "
						       "bytes, not 32", rlen);
			digest = tag + 8;
		} else if (!memcmp(tag, "SHDW", 4)) {
			if (rlen != PCL_CFG_SIZE)
				return load_error(err, "shadow has %u bytes, "
						       "not 4096", rlen);
			shadow = tag + 8;
		} else if (!(tag[0] >= 'a' && tag[0] <= 'z')) {
			return load_error(err, "unknown required record "
					       "\"%.4s\"", (const char *)tag);
		}
		n += 8 + pad4(rlen);
	}
	if (!fprt || !digest || !shadow)
		return load_error(err, "state lacks a %s record",
				  !fprt ? "fingerprint" :
				  !digest ? "table digest" : "shadow");
	if (flen != strlen(vdev->fingerprint) ||
	    memcmp(fprt, vdev->fingerprint, flen) != 0)
		return load_error(err, "state was saved for layout \"%.*s\", "
				       "this engine runs \"%s\"", (int)flen,
				  (const char *)fprt, vdev->fingerprint);
	if (memcmp(digest, vdev->digest, 32) != 0)
		return load_error(err, "state was saved for the same layout "
				       "but another access table (another "
				       "device or other BAR sizes)");
	/* Only states a guest could have reached are accepted. */
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++) {
		const struct vbyte *b = &vdev->b[i];
		uint8_t diff = shadow[i] ^ vdev->init[i];

		if ((diff & ~b->smask) ||
		    (shadow[i] & ~vdev->init[i] & b->w1c & b->smask))
			return pcl_set_error(err, -EINVAL, "vdev state", 0, 0,
					     (int32_t)i, "state changes "
					     "read-only bits at 0x%03x", i);
	}
	memcpy(vdev->shadow, shadow, PCL_CFG_SIZE);
	return 0;
}
