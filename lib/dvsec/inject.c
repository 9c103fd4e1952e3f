// SPDX-License-Identifier: BSD-3-Clause
/*
 * inject.c - build a copy of a config space with a free-space DVSEC linked
 * into its extended chain: the view a vfio-pci variant driver would give a
 * VMM. The input cfg is never touched; the DVSEC is put where the occupancy
 * map sees unclaimed zeros outside the ranges it advertises, linked from the
 * chain's tail, and the result is decoded again before it is returned.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "dvsec/dvsec-internal.h"

#define EXT_START 0x100u

/* The last capability of the extended chain, or NULL when it is empty. */
static const struct pcl_cap *ext_tail(const struct pcl_walk *walk)
{
	const struct pcl_cap *tail = NULL;

	for (size_t i = 0; i < pcl_walk_cap_count(walk); i++) {
		const struct pcl_cap *c = pcl_walk_cap(walk, i);

		if (c->space == PCL_SPACE_EXTENDED)
			tail = c;
	}
	return tail;
}

/* Every byte of [@off, @off + @len) is unclaimed zero in @map. */
static int window_free(const struct pcl_map *map, uint32_t off, uint32_t len,
		       uint32_t *bad)
{
	for (uint32_t i = off; i < off + len; i++) {
		if (pcl_map_owner(map, i, NULL) != PCL_OWNER_ZERO) {
			*bad = i;
			return 0;
		}
	}
	return 1;
}

/*
 * The advertised ranges must be free in the source: no header, capability
 * or orphan under them, every byte read and zero. @map has them as reserved
 * ranges, so a byte only they claim shows as PCL_OWNER_RESERVED.
 */
static int ranges_free(const struct pcl_map *map, const struct pcl_cfg *cfg,
		       const struct pcl_range *ranges, size_t count,
		       struct pcl_error *err)
{
	const uint8_t *data = pcl_cfg_data(cfg);
	char what[128];

	for (size_t i = 0; i < count; i++) {
		const struct pcl_range *r = &ranges[i];

		for (uint32_t b = r->start; b < r->start + r->length; b++) {
			int owner = pcl_map_owner(map, b, NULL);

			if (owner == PCL_OWNER_RESERVED && data[b] == 0 &&
			    pcl_cfg_is_read(cfg, b, 1))
				continue;
			if (owner == PCL_OWNER_RESERVED)
				snprintf(what, sizeof(what), "%s",
					 data[b] ? "a non-zero byte" : "not read");
			else
				pcl_map_describe(map, b, what, sizeof(what));
			return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg),
					     0, 0, (int32_t)b,
					     "range %zu (0x%x-0x%x) is not free: byte 0x%x is %s",
					     i + 1, r->start,
					     r->start + r->length - 1, b, what);
		}
	}
	return 0;
}

/* The first byte past every capability and orphan of extended space. */
static uint32_t last_structure(const struct pcl_map *map)
{
	uint32_t end = EXT_START;

	for (uint32_t b = EXT_START; b < PCL_CFG_SIZE; b++) {
		int owner = pcl_map_owner(map, b, NULL);

		if (owner == PCL_OWNER_CAP || owner == PCL_OWNER_ORPHAN)
			end = b + 1;
	}
	return end;
}

/* Placement preference: see place(). */
static bool better(const struct pcl_gap *g, const struct pcl_gap *than,
		   uint32_t last)
{
	bool ga = g->offset >= last, ta = than->offset >= last;
	bool g16 = !(g->offset & 15), t16 = !(than->offset & 15);

	if (ga != ta)
		return ga;
	if (!ga)
		return g->rank < than->rank;
	if (g->klass != than->klass)
		return g->klass < than->klass;
	if (g16 != t16)
		return g16;
	return g->offset < than->offset;
}

/* Where the DVSEC goes: the caller's offset, or the best gap of the map. */
static int place(const struct pcl_map *map, const struct pcl_range *ranges,
		 size_t count, int32_t want, uint32_t size, bool empty_chain,
		 uint32_t *at, struct pcl_error *err)
{
	struct pcl_gap *gaps = NULL;
	size_t ngaps = 0, best;
	uint32_t bad, last;
	char what[128];
	int r;

	if (want >= 0) {
		r = pcl_dvsec_check_ranges(ranges, count, want, err);
		if (r)
			return r;
		if (!window_free(map, (uint32_t)want, size, &bad)) {
			pcl_map_describe(map, bad, what, sizeof(what));
			return pcl_set_error(err, -EINVAL, NULL, 0, 0, want,
					     "no room for the %u-byte DVSEC at 0x%x: byte 0x%x is %s",
					     size, (unsigned int)want, bad, what);
		}
		*at = (uint32_t)want;
		return 0;
	}
	r = pcl_map_gaps(map, PCL_SPACE_EXTENDED, size, 4, &gaps, &ngaps, err);
	if (r)
		return r;
	if (!ngaps) {
		free(gaps);
		return pcl_set_error(err, -ENOSPC, NULL, 0, 0, -1,
				     "no room for the %u-byte DVSEC: extended space has no window of unclaimed zeros outside the advertised ranges",
				     size);
	}
	/*
	 * The DVSEC describes the device, so it goes where a vendor would
	 * put one more capability: past the last structure of extended
	 * space, on a 16-byte boundary like most capabilities, as low as
	 * possible so that the top of the space stays for the virtual
	 * capabilities it makes room for (QEMU puts vPASID at 0xff8). Gaps
	 * between capabilities come last, since that is where devices hide
	 * registers; among those the map's order decides. An empty chain
	 * gets the DVSEC at 0x100, where a chain starts.
	 */
	last = last_structure(map);
	best = 0;
	for (size_t i = 1; i < ngaps; i++)
		if (better(&gaps[i], &gaps[best], last))
			best = i;
	*at = gaps[best].offset;
	for (size_t i = 0; empty_chain && i < ngaps; i++)
		if (gaps[i].offset == EXT_START)
			*at = EXT_START;
	free(gaps);
	return 0;
}

/* Decode the result again: the DVSEC must be linked, valid and trusted. */
static int verify(const struct pcl_cfg *out, uint32_t at,
		  const struct pcl_dvsec_id *ident, size_t count,
		  struct pcl_error *err)
{
	struct pcl_dvsec_opts o = { .accept = ident, .naccept = 1 };
	struct pcl_walk *w = NULL;
	struct pcl_dvsec_scan *s = NULL;
	struct pcl_map *m = NULL;
	const struct pcl_range *rs;
	const struct pcl_dvsec_info *mine = NULL;
	size_t n, found = 0;
	int r = -EIO;

	w = pcl_walk_new(out);
	s = w ? pcl_dvsec_scan_new(w, &o) : NULL;
	if (!s) {
		r = -errno;
		goto out;
	}
	for (size_t i = 0; i < pcl_dvsec_scan_count(s); i++)
		if (pcl_dvsec_scan_get(s, i)->offset == at)
			mine = pcl_dvsec_scan_get(s, i);
	if (!mine || mine->status != PCL_DVSEC_VALID ||
	    mine->range_count != count) {
		pcl_set_error(err, -EIO, NULL, 0, 0, (int32_t)at,
			      "the DVSEC at 0x%x does not decode back: %s", at,
			      !mine ? "the walk does not reach it" :
			      mine->message ? mine->message : "ranges lost");
		goto out;
	}
	rs = pcl_dvsec_scan_ranges(s, &n);
	m = pcl_map_new(w, rs, n);
	if (!m) {
		r = -errno;
		goto out;
	}
	for (size_t i = 0; i < pcl_map_range_count(m); i++) {
		const struct pcl_range *mr = pcl_map_range(m, i);

		if (mr->kind != PCL_RANGE_FREE || !mr->source ||
		    strncmp(mr->source, "dvsec@", 6))
			continue;
		if (mr->flags & PCL_RANGE_UNTRUSTED) {
			pcl_set_error(err, -EINVAL, NULL, 0, 0,
				      (int32_t)mr->start,
				      "range 0x%x-0x%x is not trusted once the DVSEC is in place",
				      mr->start, mr->start + mr->length - 1);
			goto out;
		}
		found++;
	}
	r = found >= count ? 0 :
	    pcl_set_error(err, -EIO, NULL, 0, 0, (int32_t)at,
			  "the map kept %zu of %zu advertised ranges", found,
			  count);
out:
	pcl_map_free(m);
	pcl_dvsec_scan_free(s);
	pcl_walk_free(w);
	return r;
}

PCL_EXPORT int pcl_dvsec_inject(const struct pcl_walk *walk,
				const struct pcl_range *ranges, size_t count,
				const struct pcl_dvsec_inject_opts *opts,
				struct pcl_cfg **out, uint32_t *at_out,
				struct pcl_error *err)
{
	struct pcl_dvsec_inject_opts o = { .at = -1 };
	const struct pcl_cfg *cfg;
	const struct pcl_cap *tail;
	struct pcl_range *reserved = NULL;
	struct pcl_map *map = NULL;
	struct pcl_cfg *copy = NULL;
	struct pcl_identity idn;
	uint8_t *bytes = NULL;
	uint32_t size, at = 0, hdr;
	int r;

	if (!walk || !out || (count && !ranges))
		return pcl_set_error(err, -EINVAL, NULL, 0, 0, -1,
				     "invalid arguments");
	*out = NULL;
	if (opts)
		o = *opts;
	if (!o.ident.vendor && !o.ident.id)
		o.ident = (struct pcl_dvsec_id){ PCL_DVSEC_FREE_VENDOR,
						 PCL_DVSEC_FREE_ID };
	cfg = pcl_walk_cfg(walk);
	if (!pcl_cfg_is_read(cfg, 0, PCL_CFG_SIZE))
		return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg), 0, 0,
				     -1,
				     "only %u bytes of config space were read; injecting needs all 4096",
				     pcl_cfg_size(cfg));
	r = pcl_dvsec_check_ranges(ranges, count, -1, err);
	if (r)
		return r;
	size = PCL_DVSEC_FREE_SIZE(count);
	/* Readers only walk extended space where the walker does. */
	if (!pcl_walk_find(walk, PCL_SPACE_STANDARD, PCL_CAP_ID_EXP, 0) &&
	    !pcl_walk_find(walk, PCL_SPACE_STANDARD, PCL_CAP_ID_PCIX, 0))
		return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg), 0, 0,
				     -1,
				     "the function has no PCI Express (or PCI-X) capability, so no extended space to put a DVSEC in");
	for (size_t i = 0; i < pcl_walk_finding_count(walk); i++)
		if (!strcmp(pcl_walk_finding_code(walk, i), "ext-aliased"))
			return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg),
					     0, 0, EXT_START,
					     "extended space aliases the standard space (%s)",
					     pcl_walk_finding(walk, i)->message);

	tail = ext_tail(walk);
	hdr = pcl_le32(pcl_cfg_data(cfg) + EXT_START);
	if (!tail && hdr != 0)
		return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg), 0, 0,
				     EXT_START,
				     "0x100 holds 0x%08x, which starts no extended chain; refusing to overwrite it",
				     hdr);
	if (tail) {
		uint32_t next = (pcl_le32(pcl_cfg_data(cfg) + tail->offset) >>
				 20) & 0xffcu;

		/* A chain cut short by a loop or a bad pointer has no end. */
		if (next >= EXT_START)
			return pcl_set_error(err, -EINVAL, pcl_cfg_source(cfg),
					     0, 0, tail->offset,
					     "the extended chain does not end cleanly: its last capability (%s at 0x%x) points to 0x%x",
					     tail->name, tail->offset, next);
	}

	/* The advertised ranges are reserved for placement: the DVSEC must
	 * not land in the space it gives away. */
	if (count) {
		reserved = malloc(count * sizeof(*reserved));
		if (!reserved)
			return pcl_set_error(err, -ENOMEM, NULL, 0, 0, -1,
					     "out of memory");
		for (size_t i = 0; i < count; i++) {
			reserved[i] = ranges[i];
			reserved[i].kind = PCL_RANGE_RESERVED;
			reserved[i].flags = 0;
			reserved[i].source = "advertised";
			reserved[i].reason = "advertised free by the new DVSEC";
		}
	}
	map = pcl_map_new(walk, reserved, count);
	if (!map) {
		r = pcl_set_error(err, -errno, NULL, 0, 0, -1,
				  "cannot map the config space: %s",
				  strerror(errno));
		goto out;
	}
	if (!(o.flags & PCL_DVSEC_INJECT_UNCHECKED)) {
		r = ranges_free(map, cfg, ranges, count, err);
		if (r)
			goto out;
	}
	r = place(map, ranges, count, o.at, size, !tail, &at, err);
	if (r)
		goto out;
	r = pcl_dvsec_check_ranges(ranges, count, (int32_t)at, err);
	if (r)
		goto out;
	if (!tail && at != EXT_START) {
		uint32_t bad;
		char what[128];

		/* A Null capability at 0x100 anchors a chain elsewhere. */
		if (!window_free(map, EXT_START, 4, &bad)) {
			pcl_map_describe(map, bad, what, sizeof(what));
			r = pcl_set_error(err, -ENOSPC, NULL, 0, 0, EXT_START,
					  "no extended chain, and 0x100 is not free for a Null capability to anchor one (byte 0x%x is %s)",
					  bad, what);
			goto out;
		}
	}

	bytes = malloc(PCL_CFG_SIZE);
	if (!bytes) {
		r = pcl_set_error(err, -ENOMEM, NULL, 0, 0, -1, "out of memory");
		goto out;
	}
	memcpy(bytes, pcl_cfg_data(cfg), PCL_CFG_SIZE);
	r = pcl_dvsec_encode(ranges, count, &o.ident, (int32_t)at, bytes + at,
			     PCL_CFG_SIZE - at, NULL, err);
	if (r)
		goto out;
	if (tail) {
		hdr = pcl_le32(bytes + tail->offset);
		pcl_put_le32(bytes + tail->offset, (hdr & 0x000fffffu) | (at << 20));
	} else if (at != EXT_START) {
		pcl_put_le32(bytes + EXT_START, at << 20);
	}
	copy = pcl_cfg_new(pcl_cfg_ctx(cfg), bytes, PCL_CFG_SIZE,
			   pcl_cfg_source(cfg));
	if (!copy) {
		r = pcl_set_error(err, -errno, NULL, 0, 0, -1,
				  "cannot make the new config space: %s",
				  strerror(errno));
		goto out;
	}
	pcl_cfg_identity(cfg, &idn);
	if (idn.is_vf && pcl_cfg_set_vf(copy, pcl_cfg_pf_slot(cfg))) {
		r = pcl_set_error(err, -ENOMEM, NULL, 0, 0, -1, "out of memory");
		goto out;
	}
	if (!(o.flags & PCL_DVSEC_INJECT_UNCHECKED)) {
		r = verify(copy, at, &o.ident, count, err);
		if (r)
			goto out;
	}
	pcl_dbg(pcl_cfg_ctx(cfg), "free-space DVSEC (%u bytes, %zu ranges) at 0x%x",
		size, count, at);
	*out = copy;
	copy = NULL;
	if (at_out)
		*at_out = at;
out:
	pcl_cfg_free(copy);
	free(bytes);
	pcl_map_free(map);
	free(reserved);
	return r;
}
