// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_dvsec.c - the free-space DVSEC decoder. A device (or a variant
 * driver) that lies in this structure could steer a VMM into placing a
 * capability over live registers, so besides "no crash" it checks that
 * every range offered is inside config space and does not cover the DVSEC
 * itself, that the scan agrees with decoding each capability alone, and
 * that re-encoding what was decoded decodes to the same ranges.
 *
 * Input: byte 0 picks the mode; the rest is written from 0x100 (mode bit 0:
 * the fuzzer owns the whole extended space) or after a fixed DVSEC header
 * at 0x100 (so the fuzzer spends its effort on the body). Bit 1 asks the
 * scan to recognize the signature under any vendor/id pair.
 */
#include <errno.h>
#include <string.h>

#include <pcilayout/pcilayout.h>
#include <pcilayout/map.h>
#include <pcilayout/dvsec.h>

#include "fuzz.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A PCIe endpoint: the extended chain is only walked on PCIe. */
static void base_image(uint8_t *img)
{
	memset(img, 0, PCL_CFG_SIZE);
	put32(img, 0x7e571af4);
	img[0x06] = 0x10;	/* Status.CAP_LIST */
	img[0x0b] = 0x02;
	img[0x34] = 0x40;
	img[0x40] = 0x10;	/* PCI Express v2, endpoint */
	img[0x42] = 0x02;
}

/*
 * decode(encode(decode(x))) == decode(x): put the re-encoded structure at
 * the same offset of a clean image, linked from a Null capability at 0x100
 * when it is not the head, and decode it again.
 */
static void check_roundtrip(const struct pcl_dvsec_info *info, uint32_t flags)
{
	struct pcl_dvsec_id ident = { info->vendor, info->id };
	struct pcl_range back[PCL_DVSEC_FREE_MAX_RANGES];
	uint8_t img[PCL_CFG_SIZE], buf[PCL_DVSEC_FREE_SIZE(255)];
	char msg[256];
	struct pcl_finding why;
	const struct pcl_cap *cap = NULL;
	struct pcl_cfg *cfg;
	struct pcl_walk *w;
	size_t len = 0, n = 0;
	int ret;

	ret = pcl_dvsec_encode(info->ranges, info->range_count, &ident,
			       info->offset, buf, sizeof(buf), &len, NULL);
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(len == PCL_DVSEC_FREE_SIZE(info->range_count));
	FUZZ_CHECK(info->offset + len <= PCL_CFG_SIZE);
	base_image(img);
	if (info->offset != 0x100)
		put32(img + 0x100, (uint32_t)info->offset << 20);
	memcpy(img + info->offset, buf, len);
	cfg = pcl_cfg_new(fuzz_ctx(), img, sizeof(img), "roundtrip");
	FUZZ_CHECK(cfg != NULL);
	w = pcl_walk_new(cfg);
	FUZZ_CHECK(w != NULL);
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		if (pcl_walk_cap(w, i)->offset == info->offset)
			cap = pcl_walk_cap(w, i);
	FUZZ_CHECK(cap != NULL);
	ret = pcl_dvsec_decode(cfg, cap, &ident, 1, flags, back, &n, &why,
			       msg, sizeof(msg));
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(n == info->range_count);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(back[i].start == info->ranges[i].start);
		FUZZ_CHECK(back[i].length == info->ranges[i].length);
		FUZZ_CHECK((back[i].flags & PCL_RANGE_DVSEC_FLAGS) ==
			   (info->ranges[i].flags & PCL_RANGE_DVSEC_FLAGS));
	}
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
}

static void check_scan(const struct pcl_cfg *cfg, const struct pcl_walk *w,
		       uint32_t flags)
{
	struct pcl_dvsec_opts opts = { NULL, 0, flags };
	struct pcl_dvsec_scan *scan = pcl_dvsec_scan_new(w, &opts);
	const struct pcl_range *all;
	size_t n, nall = 0, valid_ranges = 0, decoded_ok = 0;

	FUZZ_CHECK(scan != NULL);
	n = pcl_dvsec_scan_count(scan);
	for (size_t i = 0; i < n; i++) {
		const struct pcl_dvsec_info *d = pcl_dvsec_scan_get(scan, i);

		FUZZ_CHECK(d != NULL);
		FUZZ_CHECK(d->offset >= 0x100 && d->offset <= 0xffc &&
			   (d->offset & 3) == 0);
		FUZZ_CHECK(d->status <= PCL_DVSEC_CONFLICT);
		FUZZ_CHECK(d->range_count <= PCL_DVSEC_FREE_MAX_RANGES);
		if (d->status == PCL_DVSEC_MALFORMED) {
			FUZZ_CHECK(d->code != NULL && d->message != NULL);
			FUZZ_CHECK(d->range_count == 0);
			continue;
		}
		FUZZ_CHECK(d->range_count == 0 || d->ranges != NULL);
		for (size_t k = 0; k < d->range_count; k++) {
			const struct pcl_range *r = &d->ranges[k];

			FUZZ_CHECK(r->length >= 1);
			FUZZ_CHECK(r->start < PCL_CFG_SIZE &&
				   r->length <= PCL_CFG_SIZE - r->start);
			FUZZ_CHECK(r->kind == PCL_RANGE_FREE);
			/* Never advertises its own bytes as free. */
			FUZZ_CHECK(r->start >= (uint32_t)d->offset + d->length ||
				   r->start + r->length <= d->offset);
		}
		if (d->status == PCL_DVSEC_VALID) {
			valid_ranges += d->range_count;
			check_roundtrip(d, flags);
		}
	}
	FUZZ_CHECK(pcl_dvsec_scan_get(scan, n) == NULL);

	all = pcl_dvsec_scan_ranges(scan, &nall);
	FUZZ_CHECK(nall <= valid_ranges);
	FUZZ_CHECK(nall == 0 || all != NULL);
	for (size_t i = 0; i < nall; i++) {
		FUZZ_CHECK(all[i].length >= 1 && all[i].start < PCL_CFG_SIZE &&
			   all[i].length <= PCL_CFG_SIZE - all[i].start);
		if (i > 0)
			FUZZ_CHECK(all[i - 1].start + all[i - 1].length <=
				   all[i].start);
	}
	for (size_t i = 0; i < pcl_dvsec_scan_finding_count(scan); i++) {
		const struct pcl_finding *f = pcl_dvsec_scan_finding(scan, i);

		FUZZ_CHECK(f != NULL && f->code && f->message);
	}

	/* Decoding each chain capability alone agrees with the scan. */
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		struct pcl_range r[PCL_DVSEC_FREE_MAX_RANGES];
		struct pcl_finding why;
		char msg[256];
		size_t cnt = 0;
		int ret = pcl_dvsec_decode(cfg, c, NULL, 0, flags, r, &cnt,
					   &why, msg, sizeof(msg));

		FUZZ_CHECK(ret == 0 || ret == -ENOMSG || ret == -EBADMSG);
		if (ret == -EBADMSG)
			FUZZ_CHECK(why.code != NULL);
		if (ret == 0) {
			FUZZ_CHECK(c->space == PCL_SPACE_EXTENDED &&
				   c->id == PCL_DVSEC_CAP_ID);
			FUZZ_CHECK(cnt <= PCL_DVSEC_FREE_MAX_RANGES);
			decoded_ok++;
		}
	}
	{
		size_t scanned_ok = 0;

		for (size_t i = 0; i < n; i++)
			if (pcl_dvsec_scan_get(scan, i)->status !=
			    PCL_DVSEC_MALFORMED)
				scanned_ok++;
		FUZZ_CHECK(scanned_ok == decoded_ok);
	}
	pcl_dvsec_scan_free(scan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t img[PCL_CFG_SIZE];
	struct pcl_cfg *cfg;
	struct pcl_walk *w;
	uint32_t flags;
	uint8_t mode;
	size_t at, room;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	flags = (mode & 2) ? PCL_DVSEC_ANY_ID : 0;
	base_image(img);
	if (mode & 1) {
		at = 0x100;
	} else {
		/* DVSEC, version 1, end of chain; Header 1 onwards is input. */
		put32(img + 0x100, PCL_DVSEC_CAP_ID | 1u << 16);
		at = 0x104;
	}
	room = PCL_CFG_SIZE - at;
	memcpy(img + at, data, size < room ? size : room);

	cfg = pcl_cfg_new(fuzz_ctx(), img, sizeof(img), "fuzz");
	FUZZ_CHECK(cfg != NULL);
	w = pcl_walk_new(cfg);
	FUZZ_CHECK(w != NULL);
	check_scan(cfg, w, flags);
	pcl_walk_free(w);
	pcl_cfg_free(cfg);
	return 0;
}
