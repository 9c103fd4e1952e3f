// SPDX-License-Identifier: BSD-3-Clause
/*
 * state.c - the engine's state across a live migration: saving it, loading
 * it into an engine on another device, and replaying it onto that device
 * (the format and the replay order are specified in docs/vdev-state.md).
 *
 * The state is portable: it names the layout (its fingerprint) and the
 * emulation rules (each guest byte's rule, the hooked registers), and it
 * carries what the guest owns - the emulated bytes as the guest last saw
 * them and the device settings it wrote - but never the device's own bytes
 * behind passthrough registers (serial numbers, status bits, firmware
 * contents, host BAR addresses) nor where a byte lives on the device. Two
 * devices that realize the same layout with the same rules therefore
 * exchange state however their passthrough bytes and physical offsets
 * differ; what else makes a destination unable to realize the layout is
 * pcl_check()'s to say, before the state is loaded.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>

#include "internal.h"
#include "guest-internal.h"

#define STATE_MAGIC "PCLVDEV"
#define STATE_VERSION 2u
#define STATE_HDR 16u
#define RULE_RUN 10u /* bytes per run of the RULE record */
#define SEG_SIZE 4u  /* bytes per segment of the SEGS record */
#define HOOK_SIZE 4u /* bytes per hooked register of the HOOK record */

/* A byte's rule as the guest sees it: no physical offset, no image. */
struct grule {
	uint8_t source, wmask, w1c, vmask, flags, hook;
};

static struct grule grule_of(const struct vbyte *b)
{
	struct grule r = { .source = b->src, .w1c = b->w1c,
			   .vmask = b->vmask, .hook = b->hook };

	/* An unclaimed byte's rule is the device's: only that it is one
	 * is the emulation's. */
	if (b->flags & VB_UNCLAIMED)
		return (struct grule){ .flags = PCL_GUEST_UNCLAIMED };

	if (b->src == PCL_GUEST_SHADOW) {
		r.wmask = b->smask;
		if (b->flags & VB_HWWRITE)
			r.flags |= PCL_GUEST_WRITE_THROUGH;
		if (b->flags & VB_FACT)
			r.flags |= PCL_GUEST_DEVICE_FACT;
	} else if (b->src == PCL_GUEST_PHYS) {
		r.wmask = (uint8_t)((b->smask & b->vmask) | b->hwmask);
		if (b->flags & VB_REPLAY)
			r.flags |= PCL_GUEST_REPLAY;
	}
	return r;
}

static bool grule_eq(const struct grule *a, const struct grule *b)
{
	return a->source == b->source && a->wmask == b->wmask &&
	       a->w1c == b->w1c && a->vmask == b->vmask &&
	       a->flags == b->flags && a->hook == b->hook;
}

/*
 * The 8 bytes at @p as one word, for comparing two of them at once.
 */
static uint64_t word(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * The loops over all 4096 bytes of a state (save, load) go a block of
 * BLOCK_WORDS words at a time, copied in and out whole with memcpy(): a
 * compiler moves such a block with a few vector loads and stores, which
 * ASan checks once each, where a word at a time cost a check of each word
 * and UBSan's checks of its pointer arithmetic (2.3x faster in the
 * sanitized build, fuzz/; a coverage-instrumented build also traces
 * fewer compares).
 */
#define BLOCK_WORDS 4u
#define BLOCK_BYTES (8u * BLOCK_WORDS)

struct block {
	uint64_t w[BLOCK_WORDS];
};

static struct block block_at(const uint8_t *p)
{
	struct block b;

	memcpy(&b, p, sizeof(b));
	return b;
}

/*
 * Does byte @b have the same rule as @prev, whose rule is @r? Bytes of one
 * run mostly have the same first 8 bytes (all grule_of() reads, and trig),
 * which settles it without deriving the rule.
 */
_Static_assert(offsetof(struct vbyte, trig) == 7 &&
	       offsetof(struct vbyte, phys) == sizeof(uint64_t),
	       "grule_of()'s fields first");
static PCL_NO_COVERAGE bool same_rule(const struct vbyte *b,
				      const struct vbyte *prev,
				      const struct grule *r)
{
	struct grule n;

	if (word((const uint8_t *)b) == word((const uint8_t *)prev))
		return true;
	n = grule_of(b);
	return grule_eq(&n, r);
}

/* The end of byte @i's segment when nothing made it part of another. */
static uint16_t dword_end(uint32_t i)
{
	return (uint16_t)((i | 3u) + 1u);
}

/*
 * Where the runs of the state's records start: bit i set if byte i starts
 * one. Found in one pass over the 4096 bytes, which gives their number
 * (and so the records' size, to allocate them), then written from the map
 * in one step per run, not in a second pass over every byte.
 */
struct starts {
	uint64_t bit[PCL_CFG_SIZE / 64];
};

static void mark_start(struct starts *s, uint32_t i)
{
	s->bit[i / 64] |= UINT64_C(1) << (i % 64);
}

/*
 * Call @fn(@v, @p, n, start, next) for each run of @s in order: n counts
 * them from 0, start is the run's first byte, next the next run's first
 * (PCL_CFG_SIZE after the last).
 */
static void each_start(const struct starts *s, const struct pcl_vdev *v,
		       uint8_t *p,
		       void (*fn)(const struct pcl_vdev *, uint8_t *, uint32_t,
				  uint32_t, uint32_t))
{
	uint32_t k = 0, prev = 0;
	bool any = false;

	for (uint32_t w = 0; w < PCL_CFG_SIZE / 64; w++) {
		for (uint64_t m = s->bit[w]; m; m &= m - 1) {
			uint32_t i = 64 * w + (uint32_t)__builtin_ctzll(m);

			if (any)
				fn(v, p, k++, prev, i);
			prev = i;
			any = true;
		}
	}
	if (any)
		fn(v, p, k, prev, PCL_CFG_SIZE);
}

/*
 * Runs of bytes in one segment other than their dword (the capabilities'
 * spans, and what they cut): (first byte, segment end) each. Their starts
 * go to @s; return their number.
 */
static PCL_NO_COVERAGE uint32_t find_segments(const struct pcl_vdev *v,
					       struct starts *s)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < PCL_CFG_SIZE;) {
		uint16_t end = v->b[i].seg_end;
		uint32_t k = 1;

		if (end == dword_end(i)) {
			i++;
			continue;
		}
		while (i + k < PCL_CFG_SIZE && v->b[i + k].seg_end == end)
			k++;
		mark_start(s, i);
		n++;
		i += k;
	}
	return n;
}

/* Segment @n, which starts at @i (each_start()). */
static void put_segment(const struct pcl_vdev *v, uint8_t *p, uint32_t n,
			uint32_t i, uint32_t next)
{
	(void)next;
	pcl_put_le16(p + SEG_SIZE * n, (uint16_t)i);
	pcl_put_le16(p + SEG_SIZE * n + 2, v->b[i].seg_end);
}

static size_t pad4(size_t n)
{
	return (n + 3u) & ~(size_t)3u;
}

/*
 * Runs of bytes with one rule: their starts go to @s; return their number.
 * Whether a byte continues a run is settled by same_rule().
 */
static PCL_NO_COVERAGE uint32_t find_rules(const struct pcl_vdev *v,
					    struct starts *s)
{
	uint32_t runs = 0;

	for (uint32_t i = 0; i < PCL_CFG_SIZE;) {
		struct grule r = grule_of(&v->b[i]);
		uint32_t k = 1;

		while (i + k < PCL_CFG_SIZE &&
		       same_rule(&v->b[i + k], &v->b[i + k - 1], &r))
			k++;
		mark_start(s, i);
		runs++;
		i += k;
	}
	return runs;
}

/* Rule run @n, bytes @i up to @next (each_start()). */
static void put_rule(const struct pcl_vdev *v, uint8_t *p, uint32_t n,
		     uint32_t i, uint32_t next)
{
	struct grule r = grule_of(&v->b[i]);
	uint8_t *q = p + RULE_RUN * n;

	pcl_put_le16(q, (uint16_t)i);
	pcl_put_le16(q + 2, (uint16_t)(next - i));
	q[4] = r.source;
	q[5] = r.wmask;
	q[6] = r.w1c;
	q[7] = r.vmask;
	q[8] = r.flags;
	q[9] = r.hook;
}

static size_t put_record(uint8_t *p, const char *tag, uint32_t len)
{
	memcpy(p, tag, 4);
	pcl_put_le32(p + 4, len);
	memset(p + 8 + len, 0, pad4(len) - len);
	return 8 + pad4(len);
}

/* The state's size: the engine's fixed part, the shadow, the CRC. */
static size_t state_size(const struct pcl_vdev *v)
{
	return v->rec_len + 8 + PCL_CFG_SIZE + 4;
}

/*
 * The header and the records that describe the emulation (FPRT, RULE,
 * SEGS, HOOK), which never change: serialized once, when the engine is
 * made, with their CRC-32, so that saving copies them and checksums only
 * the shadow, and loading compares them whole.
 */
PCL_NO_COVERAGE int pcl_vdev_state_init(struct pcl_vdev *v)
{
	uint32_t flen = (uint32_t)strlen(v->fingerprint);
	struct starts rule_starts = { { 0 } }, seg_starts = { { 0 } };
	uint32_t runs = find_rules(v, &rule_starts);
	uint32_t segs = find_segments(v, &seg_starts);
	size_t n = STATE_HDR;
	uint8_t *p;

	v->rec_len = STATE_HDR + 8 + pad4(flen) + 8 + pad4(RULE_RUN * runs) +
		     8 + SEG_SIZE * segs + 8 + HOOK_SIZE * v->nhooks;
	p = v->rec = calloc(1, v->rec_len);
	if (!p)
		return -ENOMEM;
	memcpy(p, STATE_MAGIC, 8);
	pcl_put_le32(p + 8, STATE_VERSION);
	pcl_put_le32(p + 12, (uint32_t)state_size(v));
	memcpy(p + n + 8, v->fingerprint, flen);
	n += put_record(p + n, "FPRT", flen);
	v->rule_at = n + 8;
	v->rule_len = RULE_RUN * runs;
	each_start(&rule_starts, v, p + n + 8, put_rule);
	n += put_record(p + n, "RULE", RULE_RUN * runs);
	v->segs_at = n + 8;
	v->segs_len = SEG_SIZE * segs;
	each_start(&seg_starts, v, p + n + 8, put_segment);
	n += put_record(p + n, "SEGS", SEG_SIZE * segs);
	v->hook_at = n + 8;
	for (uint32_t k = 0; k < v->nhooks; k++) {
		uint8_t *q = p + n + 8 + HOOK_SIZE * k;

		q[0] = v->hooks[k].hook;
		q[1] = v->hooks[k].width;
		pcl_put_le16(q + 2, v->hooks[k].offset);
	}
	put_record(p + n, "HOOK", HOOK_SIZE * v->nhooks);
	v->rec_crc = pcl_crc32(0, p, v->rec_len);
	/* Blocks that may hold such a byte (each byte is tested again). */
	v->replay_blocks = 0;
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		if (v->b[i].flags & (VB_REPLAY | VB_HWWRITE))
			v->replay_blocks |= UINT64_C(1) << (i / REPLAY_BLOCK);
	return 0;
}

PCL_NO_COVERAGE int pcl_vdev_save(const struct pcl_vdev *vdev, void *buf,
				  size_t size, size_t *needed)
{
	size_t total, n;
	uint8_t *p = buf;

	if (!vdev)
		return -EINVAL;
	total = state_size(vdev);
	if (needed)
		*needed = total;
	if (!buf || size < total)
		return -ENOSPC;
	memcpy(p, vdev->rec, vdev->rec_len);
	n = vdev->rec_len;
	/* The guest's state: a PHYS byte's device bits are left out. */
	{
		const uint8_t *sh = vdev->shadow, *kept = vdev->kept;
		uint8_t *out = p + n + 8;

		for (uint32_t i = 0; i < PCL_CFG_SIZE; i += BLOCK_BYTES) {
			struct block w = block_at(sh + i), k = block_at(kept + i);

			for (uint32_t j = 0; j < BLOCK_WORDS; j++)
				w.w[j] &= k.w[j];
			memcpy(out + i, &w, sizeof(w));
		}
	}
	n += put_record(p + n, "SHDW", PCL_CFG_SIZE);
	/* The CRC of every byte before it: the copied ones are rec's. */
	pcl_put_le32(p + n, pcl_crc32(vdev->rec_crc, p + vdev->rec_len,
				      n - vdev->rec_len));
	return 0;
}

uint32_t pcl_crc32(uint32_t crc, const void *buf, size_t len)
{
	return libdeflate_crc32(crc, buf, len);
}

/* ---- loading ---------------------------------------------------------- */

struct blob {
	const uint8_t *fprt, *rule, *segs, *hook, *shdw;
	uint32_t flen, rlen, slen, hlen;
};

/* -EINVAL, with the message in @err (as a value the analyzer sees). */
#define load_error(err, ...) \
	(pcl_set_error(err, -EINVAL, "vdev state", 0, 0, -1, __VA_ARGS__), \
	 -EINVAL)

/* One record: remember the known ones, skip optional unknown ones. */
static int take_record(struct blob *s, const uint8_t *tag, uint32_t rlen,
		       struct pcl_error *err)
{
	static const char *const tags[] = { "FPRT", "RULE", "SEGS", "HOOK",
					    "SHDW" };
	const uint8_t **slot[] = { &s->fprt, &s->rule, &s->segs, &s->hook,
				   &s->shdw };
	uint32_t *lens[] = { &s->flen, &s->rlen, &s->slen, &s->hlen, NULL };

	for (size_t t = 0; t < PCL_ARRAY_SIZE(tags); t++) {
		if (memcmp(tag, tags[t], 4))
			continue;
		if (*slot[t])
			return load_error(err, "record \"%s\" appears twice",
					  tags[t]);
		*slot[t] = tag + 8;
		if (lens[t])
			*lens[t] = rlen;
		else if (rlen != PCL_CFG_SIZE)
			return load_error(err, "shadow has %u bytes, not 4096",
					  rlen);
		return 0;
	}
	if (tag[0] >= 'a' && tag[0] <= 'z')
		return 0;
	return load_error(err, "unknown required record \"%.4s\"",
			  (const char *)tag);
}

/*
 * The CRC-32 of the @len bytes at @p. Where they start with this engine's
 * own header and records (a state saved by a like engine), the CRC of
 * that part is already known.
 */
static uint32_t state_crc(const struct pcl_vdev *v, const uint8_t *p,
			  size_t len)
{
	if (len >= v->rec_len && !memcmp(p, v->rec, v->rec_len))
		return pcl_crc32(v->rec_crc, p + v->rec_len, len - v->rec_len);
	return pcl_crc32(0, p, len);
}

/* Framing: magic, version, length, CRC, record bounds, required records. */
static int parse(const struct pcl_vdev *v, const uint8_t *p, size_t len,
		 struct blob *s, struct pcl_error *err)
{
	uint32_t total;
	int r;

	memset(s, 0, sizeof(*s));
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
	if (state_crc(v, p, len - 4) != pcl_le32(p + len - 4))
		return load_error(err, "state checksum mismatch: corrupted");
	for (size_t n = STATE_HDR; n < len - 4;) {
		uint32_t rlen;

		if (len - 4 - n < 8)
			return load_error(err, "record header at byte %zu is "
					       "truncated", n);
		rlen = pcl_le32(p + n + 4);
		if (rlen > len - 4 - n - 8 || pad4(rlen) > len - 4 - n - 8)
			return load_error(err, "record at byte %zu runs past "
					       "the end", n);
		if ((r = take_record(s, p + n, rlen, err)))
			return r;
		n += 8 + pad4(rlen);
	}
	if (!s->fprt || !s->rule || !s->segs || !s->hook || !s->shdw)
		return load_error(err, "state lacks a %s record",
				  !s->fprt ? "fingerprint" : !s->rule ? "rule" :
				  !s->segs ? "segment" : !s->hook ? "hook" :
				  "shadow");
	if (s->flen >= PCL_GUEST_FINGERPRINT_SIZE)
		return load_error(err, "fingerprint too long");
	return 0;
}

static const char *hook_word(uint8_t hook)
{
	static const char *const words[] = {
		"none", "command", "MSI control", "MSI-X control",
		"PASID control", "BAR", "power management", "FLR",
	};

	return hook < PCL_ARRAY_SIZE(words) ? words[hook] : "unknown";
}

static int check_hooks(const struct pcl_vdev *v, const struct blob *s,
		       struct pcl_error *err)
{
	if (s->hlen == HOOK_SIZE * v->nhooks &&
	    !memcmp(s->hook, v->rec + v->hook_at, s->hlen))
		return 0;
	if (s->hlen != HOOK_SIZE * v->nhooks)
		return load_error(err, "the saved state has %u hooked "
				       "registers, this engine %u: the layout "
				       "is realized with other emulated "
				       "registers (BARs, MSI, MSI-X, PASID)",
				  s->hlen / HOOK_SIZE, v->nhooks);
	for (uint32_t k = 0; k < v->nhooks; k++) {
		const uint8_t *q = s->hook + HOOK_SIZE * k;
		const struct pcl_guest_hook *h = &v->hooks[k];

		if (q[0] != h->hook || q[1] != h->width ||
		    pcl_le16(q + 2) != h->offset)
			return load_error(err, "hooked register %u: the saved "
					       "state has %s at 0x%03x (%u "
					       "bytes), this engine %s at "
					       "0x%03x (%u bytes)", k,
					  hook_word(q[0]), pcl_le16(q + 2),
					  q[1], hook_word(h->hook), h->offset,
					  h->width);
	}
	return 0;
}

static void grule_text(const struct grule *r, char *buf, size_t size)
{
	static const char *const src[] = { "constant", "emulated",
					   "from the device" };

	snprintf(buf, size, "%s, writable 0x%02x, emulated bits 0x%02x, "
		 "write-1-to-clear 0x%02x, flags 0x%02x, hook %u",
		 r->source < 3 ? src[r->source] : "invalid", r->wmask,
		 r->vmask, r->w1c, r->flags, r->hook);
}

static int rule_mismatch(uint32_t g, const struct grule *saved,
			 const struct grule *here, struct pcl_error *err)
{
	char a[160], b[160];
	bool bar = (g >= 0x10 && g < 0x28) || (g >= 0x30 && g < 0x34);

	grule_text(saved, a, sizeof(a));
	grule_text(here, b, sizeof(b));
	return pcl_set_error(err, -EINVAL, "vdev state", 0, 0, (int32_t)g,
			     "guest byte 0x%03x has another emulation rule in "
			     "the saved state (%s) than in this engine (%s)%s",
			     g, a, b, bar ? ": the BARs are sized differently "
			     "(BAR sizes come from the device or from struct "
			     "pcl_guest_options; a layout does not fix them, "
			     "so check cannot compare them)" :
			     ": the two engines realize the layout with "
			     "different registers");
}

/* The saved rules, run by run, against this engine's. */
static int check_rules(const struct pcl_vdev *v, const struct blob *s,
		       struct pcl_error *err)
{
	uint32_t next = 0;

	if (s->rlen == v->rule_len && !memcmp(s->rule, v->rec + v->rule_at,
					      s->rlen))
		return 0;
	if (s->rlen % RULE_RUN)
		return load_error(err, "rule record has %u bytes, not a "
				       "multiple of %u", s->rlen, RULE_RUN);
	for (uint32_t k = 0; k < s->rlen / RULE_RUN; k++) {
		const uint8_t *q = s->rule + RULE_RUN * k;
		struct grule r = { .source = q[4], .wmask = q[5], .w1c = q[6],
				   .vmask = q[7], .flags = q[8], .hook = q[9] };
		uint32_t first = pcl_le16(q), count = pcl_le16(q + 2);

		if (first != next || count == 0 || count > PCL_CFG_SIZE - first)
			return load_error(err, "rule run %u (bytes 0x%x+%u) "
					       "does not continue the one "
					       "before: corrupted", k, first,
					  count);
		for (uint32_t g = first; g < first + count; g++) {
			struct grule h = grule_of(&v->b[g]);

			if (!grule_eq(&r, &h))
				return rule_mismatch(g, &r, &h, err);
		}
		next = first + count;
	}
	if (next != PCL_CFG_SIZE)
		return load_error(err, "rule record covers 0x%x bytes, not "
				       "4096", next);
	return 0;
}

/* check_segments() of a record other than this engine's own. */
static PCL_NOINLINE int check_other_segments(const struct pcl_vdev *v,
					     const struct blob *s,
					     struct pcl_error *err)
{
	uint16_t end[PCL_CFG_SIZE];
	uint32_t prev = 0;

	if (s->slen % SEG_SIZE)
		return load_error(err, "segment record has %u bytes, not a "
				       "multiple of %u", s->slen, SEG_SIZE);
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		end[i] = dword_end(i);
	for (uint32_t k = 0; k < s->slen / SEG_SIZE; k++) {
		uint32_t first = pcl_le16(s->segs + SEG_SIZE * k);
		uint32_t last = pcl_le16(s->segs + SEG_SIZE * k + 2);

		if (first < prev || last <= first || last > PCL_CFG_SIZE)
			return load_error(err, "segment %u (0x%x-0x%x) is out "
					       "of order: corrupted", k, first,
					  last);
		for (uint32_t i = first; i < last; i++)
			end[i] = (uint16_t)last;
		prev = last;
	}
	for (uint32_t i = 0; i < PCL_CFG_SIZE; i++)
		if (end[i] != v->b[i].seg_end)
			return pcl_set_error(err, -EINVAL, "vdev state", 0, 0,
					     (int32_t)i, "guest byte 0x%03x "
					     "ends an access part at 0x%03x in "
					     "the saved state, at 0x%03x in this "
					     "engine: the capabilities span "
					     "other bytes", i, end[i],
					     v->b[i].seg_end);
	return 0;
}

/*
 * The saved segments against this engine's: where accesses are split
 * (capability boundaries) is part of the emulation. A record equal to the
 * engine's own is compared whole; only another one is decoded, in a
 * function of its own: its 8 KB array, which ASan surrounds with redzones
 * on each call, is not set up for every load.
 */
static int check_segments(const struct pcl_vdev *v, const struct blob *s,
			  struct pcl_error *err)
{
	if (s->slen == v->segs_len && !memcmp(s->segs, v->rec + v->segs_at,
					      s->slen))
		return 0;
	return check_other_segments(v, s, err);
}

/*
 * Could a guest have brought byte @i to @saved? Emulated bits outside the
 * write mask keep their initial value (an RW1C bit can only have been
 * cleared), except the device facts of a PCL_GUEST_DEVICE_FACT byte; a
 * PHYS byte carries no device bits, an unclaimed byte none at all.
 */
static int check_byte(const struct pcl_vdev *v, uint32_t i, uint8_t saved,
		      struct pcl_error *err)
{
	const struct vbyte *b = &v->b[i];
	uint8_t diff = saved ^ v->init[i], ro;

	if (saved & ~v->kept[i])
		return pcl_set_error(err, -EINVAL, "vdev state", 0, 0,
				     (int32_t)i, "state holds device bits at "
				     "0x%03x, which a saved state never "
				     "carries: corrupted", i);
	if (b->flags & VB_UNCLAIMED)
		return 0;
	ro = b->src == PCL_GUEST_PHYS ? (uint8_t)(b->vmask & ~b->smask) :
	     (uint8_t)~b->smask;
	if (b->flags & VB_FACT)
		ro = 0;
	if ((diff & ro) ||
	    (!(b->flags & VB_FACT) && (saved & ~v->init[i] & b->w1c & b->smask)))
		return pcl_set_error(err, -EINVAL, "vdev state", 0, 0,
				     (int32_t)i, "state changes read-only "
				     "bits at 0x%03x", i);
	return 0;
}

/*
 * check_byte() of every saved byte, in order. A byte equal to the initial
 * one's kept bits passes it whatever its rule (it changes no bit and holds
 * no device bit), so only the 64-byte blocks with another byte are looked
 * at byte by byte.
 */
static PCL_NO_COVERAGE int check_shadow(const struct pcl_vdev *v,
					const uint8_t *shdw,
					struct pcl_error *err)
{
	const uint8_t *init = v->init, *kept = v->kept;

	for (uint32_t w = 0; w < PCL_CFG_SIZE; w += 64) {
		uint64_t diff = 0;
		int r;

		for (uint32_t i = w; i < w + 64; i += BLOCK_BYTES) {
			struct block s = block_at(shdw + i), n = block_at(init + i);
			struct block k = block_at(kept + i);

			for (uint32_t j = 0; j < BLOCK_WORDS; j++)
				diff |= s.w[j] ^ (n.w[j] & k.w[j]);
		}
		if (!diff)
			continue;
		for (uint32_t i = w; i < w + 64; i++)
			if ((r = check_byte(v, i, shdw[i], err)))
				return r;
	}
	return 0;
}

/* Everything checked: take the guest's state, keep our device's. */
static PCL_NO_COVERAGE void take_shadow(struct pcl_vdev *v,
					const uint8_t *shdw)
{
	const uint8_t *init = v->init, *kept = v->kept;
	uint8_t *sh = v->shadow;

	for (uint32_t i = 0; i < PCL_CFG_SIZE; i += BLOCK_BYTES) {
		struct block w = block_at(init + i), k = block_at(kept + i);
		struct block s = block_at(shdw + i);

		for (uint32_t j = 0; j < BLOCK_WORDS; j++)
			w.w[j] = (w.w[j] & ~k.w[j]) | (s.w[j] & k.w[j]);
		memcpy(sh + i, &w, sizeof(w));
	}
}

int pcl_vdev_load(struct pcl_vdev *vdev, const void *buf, size_t len,
		  struct pcl_error *err)
{
	struct blob s;
	int r;

	if (!vdev || !buf)
		return load_error(err, "no engine or no state");
	if ((r = parse(vdev, buf, len, &s, err)))
		return r;
	if (s.flen != strlen(vdev->fingerprint) ||
	    memcmp(s.fprt, vdev->fingerprint, s.flen) != 0)
		return load_error(err, "state was saved for layout \"%.*s\", "
				       "this engine realizes \"%s\": a guest "
				       "keeps its layout (compare the two "
				       "with 'pcilayout diff')", (int)s.flen,
				  (const char *)s.fprt, vdev->fingerprint);
	if ((r = check_hooks(vdev, &s, err)) ||
	    (r = check_rules(vdev, &s, err)) ||
	    (r = check_segments(vdev, &s, err)))
		return r;
	if ((r = check_shadow(vdev, s.shdw, err)))
		return r;
	take_shadow(vdev, s.shdw);
	return 0;
}

/* ---- replay ----------------------------------------------------------- */

static bool in_hook(const struct pcl_vdev *v, const struct vbyte *b, int kind)
{
	return b->hook && v->hooks[b->hook - 1].hook == kind;
}

/*
 * Write the settings of PHYS byte @i to the device: the device's other
 * bits kept, its RW1C bits written 0 so that none is cleared.
 */
static int replay_setting(const struct pcl_vdev *v, uint32_t i)
{
	const struct vbyte *b = &v->b[i];
	uint8_t set = vbyte_replayed(b), dev;

	if (pcl_vdev_hw_read(v, b->phys, 1, &dev))
		return -EIO;
	dev = (uint8_t)((dev & ~set & ~b->w1c) | (v->shadow[i] & set));
	return pcl_vdev_hw_write(v, b->phys, 1, &dev);
}

/* Report the hooks of @kind that differ from reset, by offset. */
static void report_kind(const struct pcl_vdev *v, int kind)
{
	int32_t last = -1;

	for (uint32_t round = 0; round < v->nhooks; round++) {
		int32_t best = -1;

		for (uint32_t k = 0; k < v->nhooks; k++)
			if (v->hooks[k].hook == kind &&
			    (int32_t)v->hooks[k].offset > last &&
			    (best < 0 || v->hooks[k].offset <
					 v->hooks[best].offset))
				best = (int32_t)k;
		if (best < 0)
			return;
		last = v->hooks[best].offset;
		pcl_vdev_report(v, (uint32_t)best,
				pcl_vdev_hook_value(v, (uint32_t)best, v->init),
				pcl_vdev_hook_value(v, (uint32_t)best, v->shadow));
	}
}

/* Steps 1 and 4: the settings outside the PM register, or in it. */
static int replay_settings(const struct pcl_vdev *v, bool pm)
{
	for (uint32_t blk = 0; blk < PCL_CFG_SIZE / REPLAY_BLOCK; blk++) {
		if (!(v->replay_blocks & (UINT64_C(1) << blk)))
			continue;
		for (uint32_t i = blk * REPLAY_BLOCK;
		     i < (blk + 1) * REPLAY_BLOCK; i++)
			if (vbyte_replayed(&v->b[i]) &&
			    in_hook(v, &v->b[i], PCL_HOOK_PM) == pm &&
			    replay_setting(v, i))
				return -EIO;
	}
	return 0;
}

/*
 * Step 3: write-through bytes, in runs contiguous on the device (within a
 * dword, so within a block).
 */
static int replay_write_through(const struct pcl_vdev *v)
{
	for (uint32_t i = 0; i < PCL_CFG_SIZE;) {
		const struct vbyte *b = &v->b[i];
		uint32_t k = 1;

		if (!(v->replay_blocks & (UINT64_C(1) << (i / REPLAY_BLOCK)))) {
			i += REPLAY_BLOCK;
			continue;
		}

		if (b->src != PCL_GUEST_SHADOW || !(b->flags & VB_HWWRITE)) {
			i++;
			continue;
		}
		while ((i + k) % 4 && v->b[i + k].src == PCL_GUEST_SHADOW &&
		       (v->b[i + k].flags & VB_HWWRITE) &&
		       v->b[i + k].phys == b->phys + k)
			k++;
		if (pcl_vdev_hw_write(v, b->phys, k, v->shadow + i))
			return -EIO;
		i += k;
	}
	return 0;
}

int pcl_vdev_replay(struct pcl_vdev *vdev)
{
	static const int emulated[] = { PCL_HOOK_BAR, PCL_HOOK_MSI,
					PCL_HOOK_MSIX, PCL_HOOK_PASID };

	if (!vdev)
		return -EINVAL;
	/* 1. Device settings, by offset (power state last, below). */
	if (replay_settings(vdev, false))
		return -EIO;
	/* 2. What only the VMM can re-establish: mappings, interrupts. */
	for (size_t k = 0; k < PCL_ARRAY_SIZE(emulated); k++)
		report_kind(vdev, emulated[k]);
	/* 3. Decoding and bus mastering, once all that is in place. */
	if (replay_write_through(vdev))
		return -EIO;
	report_kind(vdev, PCL_HOOK_COMMAND);
	/* 4. The power state: a D3hot entered last keeps the rest. */
	if (replay_settings(vdev, true))
		return -EIO;
	report_kind(vdev, PCL_HOOK_PM);
	return 0;
}
