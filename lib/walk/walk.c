// SPDX-License-Identifier: BSD-3-Clause
/*
 * walk.c - walk the standard and extended capability chains of an untrusted
 * config space, measure every capability with the catalogue, and find
 * orphans: extended headers no chain reaches.
 *
 * Invariants, because the bytes may be anything:
 *  - every byte is tested with pcl_cfg_is_read() before it is looked at, and
 *    no offset leaves its space (0x40..0xff standard, 0x100..0xfff extended);
 *  - each chain keeps a visited map of dword slots and a hop limit (48 and
 *    480, the kernel's TTLs), so no input makes a walk loop;
 *  - a problem is a finding, never a failure. A walk stops only where the
 *    chain stops making sense (a loop, a pointer into the header, an invalid
 *    ID); everything found before that point is kept.
 *
 * The extended chain is walked only for functions with a PCI Express
 * capability (as lspci does) or a PCI-X 2.0 capability (whose mode 2 also
 * gives 4 KiB of config space). For others, data at 0x100 is noted but not
 * trusted: conventional PCI devices often decode only 8 address bits, and
 * their "extended space" is the standard space again.
 *
 * Findings about a pointer carry the offset of the register holding it: the
 * pointer byte itself in the standard chain (0x34, 0x14 or cap + 1), the
 * header dword of the capability in the extended chain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "walk/walk-internal.h"

#define STD_TTL 48  /* (256 - 64) / 4 dword slots */
#define EXT_TTL 480 /* (4096 - 256) / 8, the kernel's bound */

struct pcl_walk {
	const struct pcl_cfg *cfg;
	struct pcl_cap *caps;
	size_t ncaps, acaps;
	struct pcl_cap *orphans;
	size_t norphans, aorphans;
	struct pcl_finding *findings;
	size_t nfindings, afindings;
	/*
	 * A walk records each finding's facts; its message is text that only
	 * a reader of findings needs, and formatting it was a third of a
	 * walk (the planner, the hazard map and the guest builder each walk
	 * the device and read no message). pcl_walk_finding() makes the
	 * messages on first use by walking the same bytes again with @texts
	 * set, which gives the same findings in the same order (they depend
	 * on the cfg's bytes, read map and header type, which never change;
	 * pcl_cfg_set_pf() changes only the VSEC vendor a walk records), and
	 * publishes that walk in @texted. In it, @text holds the messages
	 * one after another with their NULs and @text_at where each starts.
	 */
	bool texts;
	_Atomic(struct pcl_walk *) texted;
	struct pcl_strbuf text;
	size_t *text_at, atext_at;
	bool oom;
	bool has_exp;      /* a PCI Express capability is on the std chain */
	bool has_pcix2;    /* a PCI-X 2.0 device capability is on it */
	bool ext_trusted;  /* extended space was walked: scan it for orphans */
	uint8_t ext_visited[PCL_CFG_SIZE / 4];
};

/* A finding's message when even its text could not be made. */
static const char no_text[] = "(no message: out of memory)";

static bool grow(void **arr, size_t *alloc, size_t n, size_t size)
{
	size_t na;
	void *p;

	if (n < *alloc)
		return true;
	/* Fuzzed spaces make ~60 findings a walk: start where few regrow. */
	na = *alloc ? *alloc * 2 : 64;
	p = realloc(*arr, na * size);
	if (!p)
		return false;
	*arr = p;
	*alloc = na;
	return true;
}

static void PCL_PRINTF(6, 7)
finding(struct pcl_walk *w, int severity, int space, int32_t offset,
	const char *code, const char *fmt, ...)
{
	struct pcl_finding *f;
	va_list ap;

	if (w->oom)
		return;
	if (!grow((void **)&w->findings, &w->afindings, w->nfindings,
		  sizeof(*w->findings))) {
		w->oom = true;
		return;
	}
	if (w->texts) {
		if (!grow((void **)&w->text_at, &w->atext_at, w->nfindings,
			  sizeof(*w->text_at))) {
			w->oom = true;
			return;
		}
		w->text_at[w->nfindings] = w->text.len;
		va_start(ap, fmt);
		pcl_strbuf_vadd(&w->text, fmt, ap);
		va_end(ap);
		if (w->text.oom) {
			w->oom = true;
			return;
		}
		w->text.len++; /* keep the NUL pcl_strbuf_vadd() wrote */
	}
	f = &w->findings[w->nfindings++];
	f->severity = severity;
	f->space = space;
	f->offset = offset;
	f->code = code;
	f->message = no_text; /* the text's, once it is made and stays put */
}

#define INFO(w, sp, off, code, ...)                                            \
	finding(w, PCL_SEVERITY_INFO, sp, off, code, __VA_ARGS__)
#define WARN(w, sp, off, code, ...)                                            \
	finding(w, PCL_SEVERITY_WARNING, sp, off, code, __VA_ARGS__)
#define ERROR(w, sp, off, code, ...)                                           \
	finding(w, PCL_SEVERITY_ERROR, sp, off, code, __VA_ARGS__)

#define STD PCL_SPACE_STANDARD
#define EXT PCL_SPACE_EXTENDED

/* Returns the index of a new zeroed capability, or -1 on ENOMEM. */
static long add_cap(struct pcl_walk *w, bool orphan)
{
	struct pcl_cap **arr = orphan ? &w->orphans : &w->caps;
	size_t *n = orphan ? &w->norphans : &w->ncaps;
	size_t *a = orphan ? &w->aorphans : &w->acaps;

	if (!grow((void **)arr, a, *n, sizeof(**arr))) {
		w->oom = true;
		return -1;
	}
	memset(&(*arr)[*n], 0, sizeof(**arr));
	return (long)(*n)++;
}

static const char *cap_name(int space, uint16_t id)
{
	const struct pcl_capdef *def = pcl_catalog_lookup(space, id);

	return def ? def->name : "unknown";
}

static bool is_read(const struct pcl_walk *w, uint32_t off, uint32_t len)
{
	return pcl_cfg_is_read(w->cfg, off, len);
}

/* The header is all ones: the device is gone or the read failed. */
static bool header_all_ones(struct pcl_walk *w)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint32_t i, end = pcl_cfg_size(w->cfg);

	if (!is_read(w, 0, PCL_STD_HEADER_SIZE))
		return false;
	for (i = 0; i < PCL_STD_HEADER_SIZE; i++)
		if (d[i] != 0xff)
			return false;
	for (i = PCL_STD_HEADER_SIZE; i < end; i++)
		if (is_read(w, i, 1) && d[i] != 0xff)
			break;
	if (i >= end)
		ERROR(w, -1, 0, "all-ones",
		      "config space reads all ones: the device is gone or could not be read");
	else
		ERROR(w, -1, 0, "all-ones",
		      "header (0x00-0x3f) reads all ones: the device is gone or hidden; chains not walked");
	return true;
}

static void walk_std(struct pcl_walk *w)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint8_t visited[256] = { 0 };
	uint32_t head, loc, raw, ptr, hops, prev = 0;
	uint8_t htype;
	long k;

	if (!is_read(w, PCL_REG_STATUS, 2) || !is_read(w, PCL_REG_HEADER_TYPE, 1))
		return;
	htype = d[PCL_REG_HEADER_TYPE] & PCL_HEADER_TYPE_MASK;
	if (htype > PCL_HEADER_TYPE_CARDBUS) {
		WARN(w, STD, PCL_REG_HEADER_TYPE, "header-type-unknown",
		     "header type 0x%02x is not 0, 1 or 2: the capability pointer's place is unknown; standard chain not walked",
		     htype);
		return;
	}
	head = htype == PCL_HEADER_TYPE_CARDBUS ? PCL_REG_CARDBUS_CAP_PTR :
						   PCL_REG_CAP_PTR;
	if (!is_read(w, head, 1)) {
		if (d[PCL_REG_STATUS] & PCL_STATUS_CAP_LIST)
			WARN(w, STD, (int32_t)head, "pointer-unread",
			     "Status.CAP_LIST is set but the capability pointer at 0x%02x was not read",
			     head);
		return;
	}
	raw = d[head];
	if (!(d[PCL_REG_STATUS] & PCL_STATUS_CAP_LIST)) {
		if (raw)
			INFO(w, STD, (int32_t)head, "pointer-without-cap-list",
			     "capability pointer at 0x%02x holds 0x%02x but Status.CAP_LIST is clear: ignored",
			     head, raw);
		return;
	}
	if (!(raw & ~3u)) {
		WARN(w, STD, (int32_t)head, "cap-list-without-pointer",
		     "Status.CAP_LIST is set but the capability pointer at 0x%02x is 0x%02x",
		     head, raw);
		return;
	}

	loc = head;
	for (hops = 0;; hops++) {
		if (raw & 3)
			WARN(w, STD, (int32_t)loc, "pointer-misaligned",
			     "pointer 0x%02x at 0x%02x has its low bits set: using 0x%02x",
			     raw, loc, raw & ~3u);
		ptr = raw & ~3u;
		if (!ptr)
			break;
		if (ptr < PCL_STD_CAP_START) {
			ERROR(w, STD, (int32_t)loc, "pointer-into-header",
			      "pointer at 0x%02x points into the header (0x%02x): chain ends",
			      loc, ptr);
			break;
		}
		/* 48 slots: the visited map ends any loop first; kept as a bound. */
		if (hops >= STD_TTL) {
			ERROR(w, STD, (int32_t)loc, "hop-limit",
			      "standard chain exceeds %u capabilities: walk stopped",
			      STD_TTL);
			break;
		}
		if (visited[ptr]) {
			ERROR(w, STD, (int32_t)loc, "chain-loop",
			     "pointer at 0x%02x leads back to 0x%02x: the standard chain loops",
			     loc, ptr);
			break;
		}
		visited[ptr] = 1;
		if (prev && ptr < prev)
			INFO(w, STD, (int32_t)loc, "pointer-backward",
			     "pointer at 0x%02x goes back to 0x%02x (legal)", loc,
			     ptr);
		if (!is_read(w, ptr, 2)) {
			WARN(w, STD, (int32_t)loc, "pointer-unread",
			     "pointer at 0x%02x leads to 0x%02x, which was not read: chain ends",
			     loc, ptr);
			break;
		}
		if (d[ptr] == 0xff) {
			ERROR(w, STD, (int32_t)ptr, "invalid-id",
			      "capability ID 0xff at 0x%02x: the chain is broken",
			      ptr);
			break;
		}
		k = add_cap(w, false);
		if (k < 0)
			return;
		w->caps[k].space = STD;
		w->caps[k].id = d[ptr];
		w->caps[k].offset = (uint16_t)ptr;
		w->caps[k].next = d[ptr + 1];
		if (d[ptr] == PCL_CAP_ID_EXP) {
			w->has_exp = true;
			if (is_read(w, ptr + PCL_EXP_FLAGS, 1))
				w->caps[k].version = d[ptr + PCL_EXP_FLAGS] &
						     PCL_EXP_FLAGS_VERS;
		}
		if (d[ptr] == PCL_CAP_ID_PCIX && htype == PCL_HEADER_TYPE_NORMAL && is_read(w, ptr + 2, 2) &&
		    ((pcl_le16(d + ptr + 2) >> 12) & 3))
			w->has_pcix2 = true;
		prev = ptr;
		loc = ptr + 1;
		raw = d[loc];
	}
}

static void walk_ext(struct pcl_walk *w)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint32_t ptr = PCL_EXT_CAP_START, prev = PCL_EXT_CAP_START, hdr, next, hops;
	long k;

	if (!is_read(w, PCL_EXT_CAP_START, 4))
		return;
	hdr = pcl_le32(d + PCL_EXT_CAP_START);
	if (!w->has_exp && !w->has_pcix2) {
		if (hdr && hdr != 0xffffffffu)
			INFO(w, EXT, PCL_EXT_CAP_START, "ext-without-pcie",
			     "extended space holds data but the function has no PCI Express capability: not walked");
		return;
	}
	if (is_read(w, 0, 2 * PCL_STD_SPACE_END) &&
	    !memcmp(d, d + PCL_EXT_CAP_START, PCL_STD_SPACE_END)) {
		WARN(w, EXT, PCL_EXT_CAP_START, "ext-aliased",
		     "0x100-0x1ff repeats 0x00-0xff: extended space aliases the standard space; not walked");
		return;
	}
	if (hdr == 0xffffffffu) {
		INFO(w, EXT, PCL_EXT_CAP_START, "ext-all-ones",
		     "extended space reads all ones at 0x100: no extended capabilities");
		return;
	}
	w->ext_trusted = true;
	if (!hdr)
		return; /* the spec's "no extended capabilities" */

	for (hops = 0;; hops++) {
		if (hops >= EXT_TTL) {
			ERROR(w, EXT, (int32_t)prev, "hop-limit",
			      "extended chain exceeds %u capabilities: walk stopped",
			      EXT_TTL);
			break;
		}
		if (w->ext_visited[ptr / 4]) {
			ERROR(w, EXT, (int32_t)prev, "chain-loop",
			     "next pointer of 0x%03x leads back to 0x%03x: the extended chain loops",
			     prev, ptr);
			break;
		}
		w->ext_visited[ptr / 4] = 1;
		if (!is_read(w, ptr, 4)) {
			WARN(w, EXT, (int32_t)prev, "pointer-unread",
			     "next pointer of 0x%03x leads to 0x%03x, which was not read: chain ends",
			     prev, ptr);
			break;
		}
		hdr = pcl_le32(d + ptr);
		if (!hdr) {
			WARN(w, EXT, (int32_t)prev, "ext-zero-header",
			     "next pointer of 0x%03x leads to an all-zero header at 0x%03x: chain ends",
			     prev, ptr);
			break;
		}
		if (hdr == 0xffffffffu) {
			ERROR(w, EXT, (int32_t)ptr, "invalid-id",
			      "extended header at 0x%03x reads all ones: the chain is broken",
			      ptr);
			break;
		}
		k = add_cap(w, false);
		if (k < 0)
			return;
		w->caps[k].space = EXT;
		w->caps[k].id = (uint16_t)PCL_EXT_CAP_HDR_ID(hdr);
		w->caps[k].version = (uint8_t)PCL_EXT_CAP_HDR_VER(hdr);
		w->caps[k].offset = (uint16_t)ptr;
		w->caps[k].next = (uint16_t)PCL_EXT_CAP_HDR_NEXT_RAW(hdr);
		next = PCL_EXT_CAP_HDR_NEXT_RAW(hdr);
		if (!PCL_EXT_CAP_HDR_ID(hdr) && ptr == PCL_EXT_CAP_START && next)
			INFO(w, EXT, PCL_EXT_CAP_START, "ext-null-anchor",
			     "Null extended capability at 0x100 links on to 0x%03x (a hidden first capability)",
			     next & ~3u);
		if (next & 3)
			WARN(w, EXT, (int32_t)ptr, "pointer-misaligned",
			     "next pointer 0x%03x of 0x%03x has its low bits set: using 0x%03x",
			     next, ptr, next & ~3u);
		next &= ~3u;
		if (!next)
			break;
		if (next < PCL_EXT_CAP_START) {
			WARN(w, EXT, (int32_t)ptr, "ext-pointer-below-0x100",
			     "next pointer of 0x%03x is 0x%03x, below 0x100: chain ends",
			     ptr, next);
			break;
		}
		if (next < ptr)
			INFO(w, EXT, (int32_t)ptr, "pointer-backward",
			     "next pointer of 0x%03x goes back to 0x%03x (legal)",
			     ptr, next);
		prev = ptr;
		ptr = next;
	}
}

/* The size the kernel shows of a PCIe capability: what a guest relies on. */
static uint32_t exp_kernel_len(const struct pcl_walk *w, const struct pcl_cap *c)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	bool rciep = is_read(w, c->offset + PCL_EXP_FLAGS, 1) &&
		     (d[c->offset + PCL_EXP_FLAGS] & PCL_EXP_FLAGS_TYPE) >> 4 ==
			     PCL_EXP_TYPE_RC_END;

	/* Without the link registers (0x0c-0x13, 0x2c-0x33) for an RCiEP. */
	if (c->version >= 2)
		return rciep ? PCL_EXP_LNKCAP2 : PCL_EXP_V2_SIZEOF;
	return rciep ? PCL_EXP_LNKCAP : PCL_EXP_V1_SIZEOF;
}

/* Start of the nearest chain capability of @space after @off, or @end. */
static uint32_t next_start(const struct pcl_walk *w, int space, uint32_t off,
			   uint32_t end)
{
	size_t i;

	for (i = 0; i < w->ncaps; i++)
		if (w->caps[i].space == space && w->caps[i].offset > off &&
		    w->caps[i].offset < end)
			end = w->caps[i].offset;
	return end;
}

static void measure(struct pcl_walk *w, struct pcl_cap *c, bool orphan)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint32_t hdr = pcl_cap_hdr_size(c->space);
	uint32_t end = pcl_space_end(c->space);
	uint32_t len = 0, lim;
	const char *sp = pcl_space_name(c->space);
	int ret;

	c->name = cap_name(c->space, c->id);
	ret = pcl_catalog_measure(w->cfg, c->space, c->id, c->offset, &len);
	switch (ret) {
	case 0:
		break;
	case -ENOENT:
		c->flags |= PCL_CAP_UNKNOWN_ID | PCL_CAP_LENGTH_UNKNOWN;
		WARN(w, c->space, c->offset, "unknown-id",
		     "%s capability ID 0x%02x at 0x%03x is not in the catalogue: length unknown",
		     sp, c->id, c->offset);
		break;
	case -EOPNOTSUPP:
		c->flags |= PCL_CAP_LENGTH_UNKNOWN;
		INFO(w, c->space, c->offset, "length-unknown",
		     "length of %s at 0x%03x is not known to the catalogue",
		     c->name, c->offset);
		break;
	case -ENODATA:
		c->flags |= PCL_CAP_LENGTH_UNKNOWN;
		WARN(w, c->space, c->offset, "length-unread",
		     "registers giving the length of %s at 0x%03x were not read",
		     c->name, c->offset);
		break;
	default:
		c->flags |= PCL_CAP_LENGTH_UNKNOWN;
		WARN(w, c->space, c->offset, "length-invalid",
		     "registers of %s at 0x%03x give an impossible length",
		     c->name, c->offset);
		break;
	}
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN) {
		c->length = (uint16_t)hdr;
		return;
	}

	/*
	 * Real PCIe capabilities are often shorter than the spec's structure:
	 * the next capability starts inside it, or it sits too close to 0x100.
	 * Believe the device: end it there, and say so.
	 */
	if (c->space == STD && c->id == PCL_CAP_ID_EXP && !orphan) {
		lim = next_start(w, STD, c->offset, PCL_STD_SPACE_END);
		if (c->offset + len > lim) {
			uint32_t klen = exp_kernel_len(w, c);

			finding(w, lim - c->offset < klen ? PCL_SEVERITY_WARNING :
							    PCL_SEVERITY_INFO,
				STD, c->offset, "exp-short",
				"PCI Express capability v%u at 0x%02x spans 0x%x bytes in the spec but %s at 0x%02x: taken as 0x%x bytes%s",
				c->version, c->offset, len,
				lim == PCL_STD_SPACE_END ? "the standard space ends" :
					       "another capability starts",
				lim, lim - c->offset,
				lim - c->offset < klen ?
					", shorter than the registers the kernel exposes" : "");
			len = lim - c->offset;
		}
	}
	c->length = (uint16_t)len;
	if (c->offset + len > end) {
		c->flags |= PCL_CAP_TRUNCATED;
		WARN(w, c->space, c->offset, "length-past-end",
		     "%s at 0x%03x is 0x%x bytes long and runs past the end of %s space (0x%x)",
		     c->name, c->offset, len, sp, end);
	} else if (!is_read(w, c->offset, len)) {
		c->flags |= PCL_CAP_TRUNCATED;
		WARN(w, c->space, c->offset, "length-unread",
		     "%s at 0x%03x is 0x%x bytes long, but not all of them were read",
		     c->name, c->offset, len);
	}

	if (c->space == EXT &&
	    (c->id == PCL_EXT_CAP_ID_VNDR || c->id == PCL_EXT_CAP_ID_DVSEC) &&
	    is_read(w, c->offset + 4u, c->id == PCL_EXT_CAP_ID_DVSEC ? 6 : 4)) {
		uint32_t h1 = pcl_le32(d + c->offset + PCL_VSEC_HDR);
		struct pcl_identity id;

		c->vsec_rev = (h1 >> 16) & 0xf;
		if (c->id == PCL_EXT_CAP_ID_VNDR) {
			pcl_cfg_identity(w->cfg, &id);
			c->vendor = id.vendor_id;
			c->vsec_id = (uint16_t)h1;
		} else {
			c->vendor = (uint16_t)h1;
			c->vsec_id = pcl_le16(d + c->offset + PCL_DVSEC_HDR2);
		}
	}
}

/* [start, end) of a capability as placed, clipped to its space. Asked for
 * each pair of capabilities and each orphan candidate: no branch to learn
 * from (the clip), so no comparison hooks. */
static PCL_BYTE_LOOP void span(const struct pcl_cap *c, uint32_t *s,
			       uint32_t *e)
{
	uint32_t lim = pcl_space_end(c->space);

	*s = c->offset;
	*e = c->offset + c->length;
	if (*e > lim)
		*e = lim;
}

/*
 * Bytes a chain capability claims for the orphan scan. One of unknown length
 * claims everything up to the next chain capability: its body could hold
 * anything, including header-like values. Asked of every candidate against
 * every capability: a byte loop (plausible_orphan() branches on it).
 */
static PCL_BYTE_LOOP bool claimed_by_chain(const struct pcl_walk *w,
					   uint32_t s, uint32_t e)
{
	uint32_t cs, ce;
	size_t i;

	for (i = 0; i < w->ncaps; i++) {
		const struct pcl_cap *c = &w->caps[i];

		if (c->space != EXT)
			continue;
		span(c, &cs, &ce);
		if (c->flags & PCL_CAP_LENGTH_UNKNOWN)
			ce = next_start(w, EXT, c->offset, PCL_CFG_SIZE);
		if (s < ce && cs < e)
			return true;
	}
	return false;
}

/*
 * Devices that decode few address bits repeat their extended space every
 * 0x400 or so: a header whose bytes equal a chain capability's is a mirror.
 */
static bool mirrors_chain(const struct pcl_walk *w, uint32_t off, uint32_t len)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	size_t i;

	for (i = 0; i < w->ncaps; i++) {
		const struct pcl_cap *c = &w->caps[i];

		if (c->space == EXT && pcl_le32(d + c->offset) == pcl_le32(d + off) &&
		    c->offset + len <= PCL_CFG_SIZE &&
		    is_read(w, c->offset, len) &&
		    !memcmp(d + c->offset + 4, d + off + 4, len - 4))
			return true;
	}
	return false;
}

/* Are the @n bytes at @p all zeros or all ones? */
static PCL_BYTE_LOOP bool blank(const uint8_t *p, uint32_t n)
{
	bool zero = true, ones = true;

	for (uint32_t i = 0; i < n; i++) {
		zero &= p[i] == 0;
		ones &= p[i] == 0xff;
	}
	return zero || ones;
}

/*
 * Conservative: a known non-null ID, a version that ID has reached, a
 * dword-aligned next pointer that is 0 or in extended space and not itself,
 * a length the catalogue can compute that stays in read bytes, a body that
 * is neither all zeros nor all ones nor a copy of a chain capability, and
 * no byte shared with the chains.
 */
static bool plausible_orphan(struct pcl_walk *w, uint32_t off, uint32_t *len)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint32_t hdr = pcl_le32(d + off), next = PCL_EXT_CAP_HDR_NEXT_RAW(hdr),
		 ver = PCL_EXT_CAP_HDR_VER(hdr);
	uint16_t id = (uint16_t)hdr;
	if (!id || ver < 1 || ver > pcl_catalog_max_version(EXT, id))
		return false;
	if ((next & 3) || (next && next < PCL_EXT_CAP_START) || next == off)
		return false;
	if (pcl_catalog_measure(w->cfg, EXT, id, off, len) || *len < 8 ||
	    off + *len > PCL_CFG_SIZE || !is_read(w, off, *len))
		return false;
	if (blank(d + off + 4, *len - 4) || mirrors_chain(w, off, *len))
		return false;
	return !claimed_by_chain(w, off, off + *len);
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The first dword at or after @off (dword-aligned, in extended space) that
 * could start an orphan: a non-zero ID, no chain capability's header, read;
 * PCL_CFG_SIZE when none is left.
 */
static PCL_BYTE_LOOP uint32_t next_candidate(const struct pcl_walk *w,
					     uint32_t off)
{
	/* The ID bytes of two dwords, whatever the host's byte order. */
	static const uint8_t id_bytes[8] = { 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0 };
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint64_t id_mask = load64(id_bytes);

	for (; off + 4 <= PCL_CFG_SIZE; off += 4) {
		/*
		 * An ID of 0 is never an orphan (plausible_orphan()), and most
		 * of extended space is zero: skip such dwords four at a time,
		 * before asking the read map, which costs a call per dword
		 * (unread bytes read as 0, so reading them is safe).
		 */
		if (!(off & 15) && off + 16 <= PCL_CFG_SIZE &&
		    !((load64(d + off) | load64(d + off + 8)) & id_mask)) {
			off += 12;
			continue;
		}
		if (!d[off] && !d[off + 1])
			continue;
		if (!w->ext_visited[off / 4] && is_read(w, off, 4))
			return off;
	}
	return PCL_CFG_SIZE;
}

static void find_orphans(struct pcl_walk *w)
{
	const uint8_t *d = pcl_cfg_data(w->cfg);
	uint32_t off, len;
	long k;

	if (!w->ext_trusted)
		return;
	for (off = PCL_EXT_CAP_START;
	     (off = next_candidate(w, off)) < PCL_CFG_SIZE; off += 4) {
		if (!plausible_orphan(w, off, &len))
			continue;
		k = add_cap(w, true);
		if (k < 0)
			return;
		w->orphans[k].space = EXT;
		w->orphans[k].id = (uint16_t)PCL_EXT_CAP_HDR_ID(pcl_le32(d + off));
		w->orphans[k].version = (uint8_t)PCL_EXT_CAP_HDR_VER(pcl_le32(d + off));
		w->orphans[k].offset = (uint16_t)off;
		w->orphans[k].next = (uint16_t)PCL_EXT_CAP_HDR_NEXT_RAW(pcl_le32(d + off));
		w->orphans[k].flags = PCL_CAP_ORPHAN;
		measure(w, &w->orphans[k], true);
		INFO(w, EXT, (int32_t)off, "orphan",
		     "%s v%u header at 0x%03x (0x%x bytes) is reached by no chain: occupied, not free",
		     w->orphans[k].name, w->orphans[k].version, off, len);
		/* Never look for headers inside one we have accepted. */
		off += ((len + 3) & ~3u) - 4;
	}
}

/*
 * Do @a and @b share a byte? Asked of every pair of capabilities (a
 * fuzzed chain has dozens): kept out of the coverage build's comparison
 * hooks, which cost more than the test; report_overlap() keeps the
 * branch that matters, an overlap found, covered.
 */
static PCL_BYTE_LOOP bool overlaps(const struct pcl_cap *a,
				   const struct pcl_cap *b)
{
	uint32_t as, ae, bs, be;

	if (a->space != b->space)
		return false;
	span(a, &as, &ae);
	span(b, &bs, &be);
	return as < be && bs < ae;
}

static void report_overlap(struct pcl_walk *w, struct pcl_cap *a,
			   struct pcl_cap *b)
{
	a->flags |= PCL_CAP_OVERLAP;
	b->flags |= PCL_CAP_OVERLAP;
	if (b->offset < a->offset) { /* name the later one */
		struct pcl_cap *t = a;

		a = b;
		b = t;
	}
	WARN(w, b->space, b->offset, "overlap",
	     "%s at 0x%03x (0x%x bytes) overlaps %s at 0x%03x (0x%x bytes)",
	     b->name, b->offset, b->length, a->name, a->offset, a->length);
}

/* Every pair, in order; report_overlap() keeps an overlap found covered. */
static PCL_BYTE_LOOP void check_overlaps(struct pcl_walk *w)
{
	size_t i, j;

	/* Orphans are placed clear of the chains and of each other. */
	for (i = 0; i < w->ncaps; i++)
		for (j = i + 1; j < w->ncaps; j++)
			if (overlaps(&w->caps[i], &w->caps[j]))
				report_overlap(w, &w->caps[i], &w->caps[j]);
}

static PCL_BYTE_LOOP void number_instances(struct pcl_walk *w)
{
	size_t i, j;

	for (i = 0; i < w->ncaps; i++)
		for (j = 0; j < i; j++)
			if (w->caps[j].space == w->caps[i].space &&
			    w->caps[j].id == w->caps[i].id)
				w->caps[i].instance++;
	for (i = 0; i < w->norphans; i++) {
		for (j = 0; j < w->ncaps; j++)
			if (w->caps[j].space == w->orphans[i].space &&
			    w->caps[j].id == w->orphans[i].id)
				w->orphans[i].instance++;
		for (j = 0; j < i; j++)
			if (w->orphans[j].id == w->orphans[i].id)
				w->orphans[i].instance++;
	}
}

/* A walk of @cfg, with its messages when @texts; NULL when out of memory. */
static struct pcl_walk *walk_run(const struct pcl_cfg *cfg, bool texts)
{
	struct pcl_walk *w = calloc(1, sizeof(*w));
	size_t i;

	if (!w)
		return NULL;
	w->cfg = cfg;
	w->texts = texts;
	if (!header_all_ones(w)) {
		walk_std(w);
		walk_ext(w);
		for (i = 0; i < w->ncaps; i++)
			measure(w, &w->caps[i], false);
		find_orphans(w);
		check_overlaps(w);
		number_instances(w);
	}
	if (w->oom) {
		pcl_walk_free(w);
		return NULL;
	}
	for (i = 0; texts && i < w->nfindings; i++)
		w->findings[i].message = w->text.s + w->text_at[i];
	return w;
}

PCL_EXPORT struct pcl_walk *pcl_walk_new(const struct pcl_cfg *cfg)
{
	struct pcl_walk *w;

	if (!cfg) {
		errno = EINVAL;
		return NULL;
	}
	w = walk_run(cfg, false);
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	pcl_dbg(pcl_cfg_ctx(cfg), "%s: %zu capabilities, %zu orphans, %zu findings",
		pcl_cfg_source(cfg), w->ncaps, w->norphans, w->nfindings);
	return w;
}

PCL_EXPORT void pcl_walk_free(struct pcl_walk *walk)
{
	if (!walk)
		return;
	pcl_walk_free(atomic_load_explicit(&walk->texted,
					   memory_order_acquire));
	pcl_strbuf_free(&walk->text);
	free(walk->text_at);
	free(walk->findings);
	free(walk->caps);
	free(walk->orphans);
	free(walk);
}

PCL_EXPORT const struct pcl_cfg *pcl_walk_cfg(const struct pcl_walk *walk)
{
	return walk ? walk->cfg : NULL;
}

PCL_EXPORT size_t pcl_walk_cap_count(const struct pcl_walk *walk)
{
	return walk ? walk->ncaps : 0;
}

PCL_EXPORT const struct pcl_cap *pcl_walk_cap(const struct pcl_walk *walk,
					      size_t index)
{
	return walk && index < walk->ncaps ? &walk->caps[index] : NULL;
}

PCL_EXPORT const struct pcl_cap *pcl_walk_cap_or_orphan(const struct pcl_walk *walk,
							size_t index)
{
	if (!walk)
		return NULL;
	if (index < walk->ncaps)
		return &walk->caps[index];
	index -= walk->ncaps;
	return index < walk->norphans ? &walk->orphans[index] : NULL;
}

PCL_EXPORT size_t pcl_walk_orphan_count(const struct pcl_walk *walk)
{
	return walk ? walk->norphans : 0;
}

PCL_EXPORT const struct pcl_cap *pcl_walk_orphan(const struct pcl_walk *walk,
						 size_t index)
{
	return walk && index < walk->norphans ? &walk->orphans[index] : NULL;
}

PCL_EXPORT const struct pcl_cap *pcl_walk_find(const struct pcl_walk *walk,
					       int space, uint16_t id,
					       unsigned int instance)
{
	size_t i;

	if (!walk)
		return NULL;
	for (i = 0; i < walk->ncaps; i++)
		if (walk->caps[i].space == space && walk->caps[i].id == id &&
		    walk->caps[i].instance == instance)
			return &walk->caps[i];
	return NULL;
}

PCL_EXPORT size_t pcl_walk_finding_count(const struct pcl_walk *walk)
{
	return walk ? walk->nfindings : 0;
}

/*
 * The walk of the same bytes with messages, made on first use. Threads may
 * ask at once: each makes one, the first to publish it wins, the others
 * free theirs. NULL when out of memory (then nothing is kept).
 */
static const struct pcl_walk *texted(const struct pcl_walk *walk)
{
	struct pcl_walk *t = atomic_load_explicit(
		&((struct pcl_walk *)walk)->texted, memory_order_acquire);
	struct pcl_walk *expect = NULL;

	if (t)
		return t;
	t = walk_run(walk->cfg, true);
	if (!t)
		return NULL;
	/* Only the findings are wanted of it. */
	free(t->caps);
	free(t->orphans);
	t->caps = t->orphans = NULL;
	t->ncaps = t->norphans = 0;
	if (!atomic_compare_exchange_strong_explicit(
		    &((struct pcl_walk *)walk)->texted, &expect, t,
		    memory_order_acq_rel, memory_order_acquire)) {
		pcl_walk_free(t);
		return expect;
	}
	return t;
}

PCL_EXPORT const struct pcl_finding *pcl_walk_finding(const struct pcl_walk *walk,
						      size_t index)
{
	const struct pcl_finding *f, *tf;
	const struct pcl_walk *t;

	if (!walk || index >= walk->nfindings)
		return NULL;
	f = &walk->findings[index];
	t = texted(walk);
	/* The same finding, with its message (never another's). */
	tf = t && index < t->nfindings ? &t->findings[index] : NULL;
	if (tf && tf->code == f->code && tf->offset == f->offset &&
	    tf->severity == f->severity)
		return tf;
	return f;
}

PCL_EXPORT const char *pcl_walk_finding_code(const struct pcl_walk *walk,
					     size_t index)
{
	if (!walk || index >= walk->nfindings)
		return NULL;
	return walk->findings[index].code;
}

PCL_EXPORT int pcl_walk_max_severity(const struct pcl_walk *walk)
{
	int max = -1;
	size_t i;

	for (i = 0; walk && i < walk->nfindings; i++)
		if (walk->findings[i].severity > max)
			max = walk->findings[i].severity;
	return max;
}
