// SPDX-License-Identifier: BSD-3-Clause
/*
 * cfg.c - the cfg object every source produces: bytes, which of them were
 * read, and the identity decoded once so that later stages never re-parse
 * the header.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/pci_regs.h>

#include "source.h"

/* Standard chain bounds (PCI 3.0 6.7; Linux PCI_FIND_CAP_TTL). */
#define STD_CAP_TTL 48
#define STD_CAP_MIN 0x40
#define STD_CAP_MAX 0xff
/* Extended chain: at least 8 bytes per capability (Linux pci_find_next_ext_capability). */
#define EXT_CAP_TTL ((PCL_CFG_SIZE - PCI_CFG_SPACE_SIZE) / 8)
/* What a VF's Vendor and Device ID registers read (PCIe SR-IOV 3.4.1.1-2). */
#define VF_ID_REGISTER 0xffff

struct pcl_cfg *pcl_cfg_alloc(struct pcl_ctx *ctx, const char *source)
{
	size_t n = source ? strlen(source) : 0;
	struct pcl_cfg *cfg = calloc(1, sizeof(*cfg) + n + 1);

	if (!cfg) {
		errno = ENOMEM;
		return NULL;
	}
	cfg->ctx = ctx;
	if (n)
		memcpy(cfg->source, source, n);
	cfg->id.pcie_type = -1;
	return cfg;
}

void pcl_cfg_mark_read(struct pcl_cfg *cfg, uint32_t off, uint32_t len)
{
	uint32_t end = off + len;

	if (off >= PCL_CFG_SIZE || len > PCL_CFG_SIZE - off)
		return;
	/* Leading bits up to a byte boundary, whole bytes, trailing bits. */
	while (off < end && (off & 7))
		cfg->read[off >> 3] |= (uint8_t)(1u << (off & 7)), off++;
	if (end - off >= 8) {
		memset(&cfg->read[off >> 3], 0xff, (end - off) >> 3);
		off += (end - off) & ~7u;
	}
	while (off < end)
		cfg->read[off >> 3] |= (uint8_t)(1u << (off & 7)), off++;
}

static bool byte_read(const struct pcl_cfg *cfg, uint32_t off)
{
	return cfg->read[off >> 3] & (1u << (off & 7));
}

int pcl_cfg_each_cap(const struct pcl_cfg *cfg, int space,
		     int (*fn)(void *opaque, uint32_t pos), void *opaque)
{
	const uint8_t *d = cfg->data;
	uint32_t pos;
	int r;

	if (space == PCL_SPACE_EXTENDED) {
		pos = PCI_CFG_SPACE_SIZE;
		for (uint32_t hop = 0; hop < EXT_CAP_TTL; hop++) {
			uint32_t hdr;

			if (pos < PCI_CFG_SPACE_SIZE ||
			    !pcl_cfg_is_read(cfg, pos, 4))
				return 0;
			hdr = pcl_le32(d + pos);
			if (!hdr || hdr == 0xffffffffu)
				return 0;
			if ((r = fn(opaque, pos)))
				return r;
			pos = PCI_EXT_CAP_NEXT(hdr);
		}
		return 0;
	}
	/* Cardbus bridges keep their capability pointer at 0x14. */
	pos = (d[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) ==
			PCI_HEADER_TYPE_CARDBUS ? PCI_CB_CAPABILITY_LIST :
						  PCI_CAPABILITY_LIST;
	if (!pcl_cfg_is_read(cfg, PCI_STATUS, 2) ||
	    !(pcl_le16(d + PCI_STATUS) & PCI_STATUS_CAP_LIST) ||
	    !byte_read(cfg, pos))
		return 0;
	pos = d[pos] & ~3u;
	for (int hop = 0; hop < STD_CAP_TTL; hop++) {
		if (pos < STD_CAP_MIN || pos > STD_CAP_MAX ||
		    !pcl_cfg_is_read(cfg, pos, 2))
			return 0;
		if ((r = fn(opaque, pos)))
			return r;
		pos = d[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
	return 0;
}

struct cap_match {
	const struct pcl_cfg *cfg;
	uint16_t id;
	int space;
};

/* pcl_cfg_each_cap() callback: stop at @id, returning its offset. */
static int match_id(void *opaque, uint32_t pos)
{
	const struct cap_match *m = opaque;
	const uint8_t *d = m->cfg->data + pos;
	uint16_t id = m->space == PCL_SPACE_EXTENDED ?
		(uint16_t)PCI_EXT_CAP_ID(pcl_le32(d)) : d[0];

	return id == m->id ? (int)pos : 0;
}

uint32_t pcl_cfg_find_cap(const struct pcl_cfg *cfg, int space, uint16_t id)
{
	struct cap_match m = { .cfg = cfg, .id = id, .space = space };

	return (uint32_t)pcl_cfg_each_cap(cfg, space, match_id, &m);
}

/*
 * The Device/Port Type lives in the PCI Express capability, which only a
 * walk of the standard chain finds; unread bytes are no evidence of
 * anything, so the walk uses read bytes only.
 */
static int32_t find_pcie_type(const struct pcl_cfg *cfg)
{
	uint32_t pos = pcl_cfg_find_cap(cfg, PCL_SPACE_STANDARD, PCI_CAP_ID_EXP);

	if (!pos || !pcl_cfg_is_read(cfg, pos + PCI_EXP_FLAGS, 1))
		return -1;
	return (cfg->data[pos + PCI_EXP_FLAGS] & PCI_EXP_FLAGS_TYPE) >> 4;
}

/* Type bits of a memory or I/O BAR register value @v (nonzero). */
static uint32_t bar_type_flags(uint32_t v)
{
	if (v & PCI_BASE_ADDRESS_SPACE_IO)
		return PCL_BAR_PRESENT | PCL_BAR_IO;
	return PCL_BAR_PRESENT |
	       ((v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				PCI_BASE_ADDRESS_MEM_TYPE_64 ? PCL_BAR_MEM64 : 0) |
	       (v & PCI_BASE_ADDRESS_MEM_PREFETCH ? PCL_BAR_PREFETCH : 0);
}

/*
 * BAR types from six consecutive BAR registers at @regs (a type 0 header's
 * BARs, or an SR-IOV capability's VF BARs) into @bar, for the BARs whose
 * type is not known yet. A register that reads 0 tells nothing.
 */
static void decode_bars(const struct pcl_cfg *cfg, uint32_t regs,
			struct pcl_bar *bar)
{
	for (uint32_t i = 0; i < PCI_STD_NUM_BARS; i++) {
		uint32_t off = regs + 4 * i, v, f;

		if (!pcl_cfg_is_read(cfg, off, 4))
			continue;
		v = pcl_le32(cfg->data + off);
		if (bar[i].flags || !v)
			continue;
		f = bar_type_flags(v);
		/* A 64-bit BAR in the last slot has no upper half: broken. */
		if ((f & PCL_BAR_MEM64) && i + 1 == PCI_STD_NUM_BARS)
			f &= ~PCL_BAR_MEM64;
		bar[i].flags = f;
		if (f & PCL_BAR_MEM64)
			bar[++i].flags = PCL_BAR_PRESENT | PCL_BAR_UPPER;
	}
}

/* One past the highest read byte, scanning the map from the top one byte
 * at a time (a byte loop: PCL_BYTE_LOOP). */
static PCL_BYTE_LOOP uint32_t highest_read(const struct pcl_cfg *cfg)
{
	for (uint32_t i = PCL_CFG_SIZE / 8; i-- > 0;) {
		if (cfg->read[i]) {
			uint32_t b = 7;

			while (!(cfg->read[i] & (1u << b)))
				b--;
			return i * 8 + b + 1;
		}
	}
	return 0;
}

void pcl_cfg_finish(struct pcl_cfg *cfg)
{
	const uint8_t *d = cfg->data;
	struct pcl_identity *id = &cfg->id;
	uint8_t is_vf = id->is_vf;
	uint32_t last = highest_read(cfg);

	cfg->size = (last + 63) & ~63u;
	cfg->read_end = last;

	/* Length of the fully read prefix, for pcl_cfg_is_read()'s fast path:
	 * 64 bytes (8 bytes of the map) at a time first, as a dump of 4 KiB
	 * is read whole (a byte at a time it was ~1 % of reading a fleet). */
	cfg->read_prefix = 0;
	for (;;) {
		uint64_t m;

		if (cfg->read_prefix + 64 > PCL_CFG_SIZE)
			break;
		memcpy(&m, &cfg->read[cfg->read_prefix >> 3], sizeof(m));
		if (m != UINT64_MAX)
			break;
		cfg->read_prefix += 64;
	}
	while (cfg->read_prefix < PCL_CFG_SIZE &&
	       cfg->read[cfg->read_prefix >> 3] == 0xff)
		cfg->read_prefix += 8;
	while (cfg->read_prefix < PCL_CFG_SIZE &&
	       byte_read(cfg, cfg->read_prefix))
		cfg->read_prefix++;

	/* Unread bytes are 0, so a partial header decodes to zeros. */
	memset(id, 0, sizeof(*id));
	id->vendor_id = pcl_le16(d + 0x00);
	id->device_id = pcl_le16(d + 0x02);
	id->revision = d[0x08];
	id->class_code = (uint32_t)d[0x09] | ((uint32_t)d[0x0a] << 8) |
			 ((uint32_t)d[0x0b] << 16);
	id->header_type = d[0x0e] & 0x7f;
	id->multifunction = (d[0x0e] & 0x80) ? 1 : 0;
	if (id->header_type == 0) {
		id->subsys_vendor_id = pcl_le16(d + 0x2c);
		id->subsys_id = pcl_le16(d + 0x2e);
	}
	id->is_vf = is_vf;
	id->pcie_type = find_pcie_type(cfg);

	memset(cfg->bar, 0, sizeof(cfg->bar));
	if (id->header_type == PCI_HEADER_TYPE_NORMAL) {
		decode_bars(cfg, PCI_BASE_ADDRESS_0, cfg->bar);
		if (pcl_cfg_is_read(cfg, PCI_ROM_ADDRESS, 4) &&
		    pcl_le32(d + PCI_ROM_ADDRESS))
			cfg->bar[PCL_CFG_BAR_ROM].flags = PCL_BAR_PRESENT;
	}
}

void pcl_cfg_read_extent(const struct pcl_cfg *cfg, uint32_t *prefix,
			 uint32_t *end)
{
	*prefix = cfg->read_prefix;
	*end = cfg->read_end;
}

struct pcl_cfg_lazy *pcl_cfg_lazy(const struct pcl_cfg *cfg,
				  enum pcl_cfg_lazy_slot slot,
				  struct pcl_cfg_lazy *(*make)(const struct pcl_cfg *))
{
	/* A cache in a const object: its bytes stay as they are. */
	_Atomic(struct pcl_cfg_lazy *) *at =
		&((struct pcl_cfg *)cfg)->lazy[slot];
	struct pcl_cfg_lazy *obj = atomic_load_explicit(at,
							memory_order_acquire);
	struct pcl_cfg_lazy *none = NULL;

	if (obj)
		return obj;
	obj = make(cfg);
	if (!obj)
		return NULL;
	if (!atomic_compare_exchange_strong_explicit(at, &none, obj,
						     memory_order_acq_rel,
						     memory_order_acquire)) {
		obj->destroy(obj);
		return none;
	}
	return obj;
}

/*
 * A change of identity: what was derived before no longer describes it.
 * The list is last in, first out: a later slot's object, which may borrow
 * an earlier one's, is freed first.
 */
static void retire_lazy(struct pcl_cfg *cfg)
{
	for (int i = 0; i < PCL_CFG_LAZY_COUNT; i++) {
		struct pcl_cfg_lazy *obj = atomic_exchange(&cfg->lazy[i], NULL);

		if (obj) {
			obj->retired = cfg->retired;
			cfg->retired = obj;
		}
	}
}

void pcl_cfg_set_vf_ids(struct pcl_cfg *cfg, uint16_t vendor, uint16_t device)
{
	retire_lazy(cfg);
	cfg->id.is_vf = 1;
	cfg->id.vendor_id = vendor;
	cfg->id.device_id = device;
	cfg->id.ids_from_pf = 1;
}

PCL_EXPORT struct pcl_cfg *pcl_cfg_new(struct pcl_ctx *ctx,
				       const uint8_t *bytes, size_t len,
				       const char *source)
{
	struct pcl_cfg *cfg;

	if (!bytes || len < 1 || len > PCL_CFG_SIZE) {
		errno = EINVAL;
		return NULL;
	}
	cfg = pcl_cfg_alloc(ctx, source);
	if (!cfg)
		return NULL;
	memcpy(cfg->data, bytes, len);
	pcl_cfg_mark_read(cfg, 0, (uint32_t)len);
	pcl_cfg_finish(cfg);
	return cfg;
}

PCL_EXPORT void pcl_cfg_free(struct pcl_cfg *cfg)
{
	struct pcl_cfg_lazy *obj;

	if (!cfg)
		return;
	retire_lazy(cfg);
	while ((obj = cfg->retired)) {
		cfg->retired = obj->retired;
		obj->destroy(obj);
	}
	free(cfg);
}

PCL_EXPORT void pcl_cfg_list_free(struct pcl_cfg **cfgs, size_t count)
{
	if (!cfgs)
		return;
	for (size_t i = 0; i < count; i++)
		pcl_cfg_free(cfgs[i]);
	free(cfgs);
}

PCL_EXPORT const uint8_t *pcl_cfg_data(const struct pcl_cfg *cfg)
{
	return cfg->data;
}

PCL_EXPORT bool pcl_cfg_is_read(const struct pcl_cfg *cfg, uint32_t offset,
				uint32_t len)
{
	uint32_t end;

	if (offset > PCL_CFG_SIZE || len > PCL_CFG_SIZE - offset)
		return false;
	end = offset + len;
	/* Every source reads a prefix (64, 256 or 4096 bytes); the walker asks
	 * this for every header it looks at, so answer that case at once, and
	 * the bytes past what was read as fast. */
	if (end <= cfg->read_prefix)
		return true;
	if (len && end > cfg->read_end)
		return false;
	while (offset < end && (offset & 7))
		if (!byte_read(cfg, offset++))
			return false;
	for (; end - offset >= 8; offset += 8)
		if (cfg->read[offset >> 3] != 0xff)
			return false;
	while (offset < end)
		if (!byte_read(cfg, offset++))
			return false;
	return true;
}

PCL_EXPORT uint32_t pcl_cfg_size(const struct pcl_cfg *cfg)
{
	return cfg->size;
}

PCL_EXPORT void pcl_cfg_identity(const struct pcl_cfg *cfg,
				 struct pcl_identity *id)
{
	*id = cfg->id;
}

PCL_EXPORT const char *pcl_cfg_source(const struct pcl_cfg *cfg)
{
	return cfg->source;
}

PCL_EXPORT const char *pcl_cfg_slot(const struct pcl_cfg *cfg)
{
	return cfg->slot[0] ? cfg->slot : NULL;
}

PCL_EXPORT const char *pcl_cfg_pf_slot(const struct pcl_cfg *cfg)
{
	return cfg->pf_slot[0] ? cfg->pf_slot : NULL;
}

PCL_EXPORT uint32_t pcl_cfg_line(const struct pcl_cfg *cfg)
{
	return cfg->line;
}

PCL_EXPORT struct pcl_ctx *pcl_cfg_ctx(const struct pcl_cfg *cfg)
{
	return cfg->ctx;
}

PCL_EXPORT int pcl_cfg_bar(const struct pcl_cfg *cfg, uint32_t index,
			   struct pcl_bar *bar)
{
	if (!cfg || !bar || index >= PCL_CFG_BARS)
		return -EINVAL;
	*bar = cfg->bar[index];
	return 0;
}

PCL_EXPORT int pcl_cfg_set_pf(struct pcl_cfg *vf, const struct pcl_cfg *pf,
			      struct pcl_error *err)
{
	const char *src = vf ? vf->source : NULL;
	uint32_t sriov;
	uint16_t vendor, device;

	if (!vf || !pf)
		return pcl_set_error(err, -EINVAL, src, 0, 0, -1,
				     "invalid arguments");
	sriov = pcl_cfg_find_cap(pf, PCL_SPACE_EXTENDED, PCI_EXT_CAP_ID_SRIOV);
	if (!sriov || !pcl_cfg_is_read(pf, sriov, PCI_SRIOV_BAR + 4 * PCI_STD_NUM_BARS))
		return pcl_set_error(err, -EINVAL, pf->source, pf->line, 0, -1,
				     "%s has no SR-IOV capability, so it is "
				     "no VF's physical function",
				     pf->slot[0] ? pf->slot : pf->source);
	vendor = pf->id.vendor_id;
	device = pcl_le16(pf->data + sriov + PCI_SRIOV_VF_DID);
	/* A VF whose identity is already known must be the one this PF makes. */
	if ((vf->id.vendor_id != VF_ID_REGISTER ||
	     vf->id.device_id != VF_ID_REGISTER) &&
	    (vf->id.vendor_id != vendor || vf->id.device_id != device))
		return pcl_set_error(err, -EINVAL, vf->source, vf->line, 0, -1,
				     "%s is %04x:%04x, but the VFs of %s are "
				     "%04x:%04x: not its physical function",
				     vf->slot[0] ? vf->slot : vf->source,
				     vf->id.vendor_id, vf->id.device_id,
				     pf->slot[0] ? pf->slot : pf->source,
				     vendor, device);
	pcl_cfg_set_vf_ids(vf, vendor, device);
	pcl_strlcpy(vf->pf_slot, pf->slot, sizeof(vf->pf_slot));
	decode_bars(pf, sriov + PCI_SRIOV_BAR, vf->bar);
	return 0;
}

PCL_EXPORT int pcl_cfg_set_vf(struct pcl_cfg *cfg, const char *pf_slot)
{
	retire_lazy(cfg);
	cfg->id.is_vf = 1;
	if (pf_slot)
		pcl_strlcpy(cfg->pf_slot, pf_slot, sizeof(cfg->pf_slot));
	else
		cfg->pf_slot[0] = '\0';
	return 0;
}

int pcl_slot_parse(const char *s, size_t len, uint32_t *domain, uint8_t *bus,
		   uint8_t *dev, uint8_t *fn)
{
	int64_t dom = 0, b, d;
	size_t dlen;

	/* The tail is always "bb:dd.f": 7 characters. */
	if (len < 7)
		return -EINVAL;
	dlen = len - 7;
	if (dlen) {
		/* "dddd:" .. "dddddddd:" */
		if (dlen < 5 || dlen > 9 || s[dlen - 1] != ':')
			return -EINVAL;
		dom = pcl_hex_field(s, dlen - 1);
		if (dom < 0)
			return -EINVAL;
		s += dlen;
	}
	b = pcl_hex_field(s, 2);
	d = pcl_hex_field(s + 3, 2);
	if (b < 0 || s[2] != ':' || d < 0 || d > 0x1f || s[5] != '.' ||
	    s[6] < '0' || s[6] > '7')
		return -EINVAL;
	*domain = (uint32_t)dom;
	*bus = (uint8_t)b;
	*dev = (uint8_t)d;
	*fn = (uint8_t)(s[6] - '0');
	return 0;
}

/*
 * "%04x:%02x:%02x.%u" without printf: every device line of a dump names
 * its slot, and snprintf() was ~2 % of reading a fleet of one-device
 * files (BENCHMARKS.md, item 3). At most 8 + 1 + 2 + 1 + 2 + 1 + 3
 * characters: PCL_SLOT_MAX always holds it.
 */
void pcl_slot_format(char *buf, uint32_t domain, uint8_t bus, uint8_t dev,
		     uint8_t fn)
{
	static const char hex[] = "0123456789abcdef";
	int digits = 4;
	char *o = buf;

	while (digits < 8 && domain >> (4 * digits))
		digits++;
	while (digits--)
		*o++ = hex[(domain >> (4 * digits)) & 0xf];
	*o++ = ':';
	*o++ = hex[bus >> 4];
	*o++ = hex[bus & 0xf];
	*o++ = ':';
	*o++ = hex[dev >> 4];
	*o++ = hex[dev & 0xf];
	*o++ = '.';
	if (fn >= 100)
		*o++ = (char)('0' + fn / 100);
	if (fn >= 10)
		*o++ = (char)('0' + fn / 10 % 10);
	*o++ = (char)('0' + fn % 10);
	*o = '\0';
}
