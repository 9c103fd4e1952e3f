// SPDX-License-Identifier: BSD-3-Clause
/*
 * format.c - the wire format of the free-space DVSEC (docs/dvsec-free-space.md):
 * checking a range list against the format rules, encoding it, and decoding
 * one DVSEC found by the walker. The bytes being decoded are untrusted: the
 * DVSEC Length and the range count are cross-checked and nothing outside
 * the structure, the 4096-byte space or the bytes really read is touched.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "dvsec/dvsec-internal.h"

#define STD_START 0x40u
#define EXT_START 0x100u
#define SPACE_END 0x1000u
/* The largest range: all of extended space. */
#define MAX_RANGE_LEN (SPACE_END - EXT_START)

/* Entry layout: start [11:0], length [23:12], flags [31:24]. */
#define ENTRY_START(e) ((e) & 0xfffu)
#define ENTRY_LENGTH(e) (((e) >> 12) & 0xfffu)
#define ENTRY_FLAGS(e) ((e) >> 24)
#define WIRE_FLAGS_KNOWN (PCL_RANGE_DVSEC_FLAGS >> 8)

const char *pcl_dvsec_check(const struct pcl_range *ranges, size_t count,
			    int32_t at, uint32_t size, char *msg,
			    size_t msgsize, size_t *bad)
{
	uint32_t allowed = PCL_RANGE_DVSEC_FLAGS | PCL_RANGE_UNTRUSTED;

	*bad = count; /* not a range's fault unless a range is named */
	if (count > PCL_DVSEC_FREE_MAX_RANGES) {
		snprintf(msg, msgsize, "%zu ranges; a free-space DVSEC holds at most %u",
			 count, PCL_DVSEC_FREE_MAX_RANGES);
		return "dvsec-free-length";
	}
	if (at >= 0 && ((at & 3) || (uint32_t)at < EXT_START ||
			(uint32_t)at + size > SPACE_END)) {
		snprintf(msg, msgsize,
			 "a %u-byte DVSEC cannot sit at 0x%x: it must be dword-aligned inside 0x100-0xfff",
			 size, (unsigned int)at);
		return "dvsec-free-bounds";
	}
	for (size_t i = 0; i < count; i++) {
		const struct pcl_range *r = &ranges[i];
		uint32_t end = r->start + r->length;

		*bad = i;
		if (r->flags & ~allowed) {
			snprintf(msg, msgsize,
				 "range %zu (0x%x+%u) has unknown flags 0x%x",
				 i + 1, r->start, r->length, r->flags & ~allowed);
			return "dvsec-free-flags";
		}
		if (r->length == 0 || (r->start & 3) || (r->length & 3)) {
			snprintf(msg, msgsize,
				 "range %zu (0x%x+%u) is not whole dwords: start and length must be multiples of 4 and the length at least 4",
				 i + 1, r->start, r->length);
			return "dvsec-free-align";
		}
		if (r->start < STD_START || r->length > MAX_RANGE_LEN ||
		    end > SPACE_END ||
		    (r->start < EXT_START && end > EXT_START)) {
			snprintf(msg, msgsize,
				 "range %zu (0x%x-0x%x) is outside 0x40-0xff and 0x100-0xfff or crosses 0x100",
				 i + 1, r->start, end - 1);
			return "dvsec-free-bounds";
		}
		if (i > 0 && r->start < ranges[i - 1].start + ranges[i - 1].length) {
			snprintf(msg, msgsize,
				 "range %zu (0x%x-0x%x) %s range %zu (0x%x-0x%x)",
				 i + 1, r->start, end - 1,
				 r->start < ranges[i - 1].start ? "comes before" : "overlaps",
				 i, ranges[i - 1].start,
				 ranges[i - 1].start + ranges[i - 1].length - 1);
			return "dvsec-free-order";
		}
		if (at >= 0 && r->start < (uint32_t)at + size &&
		    (uint32_t)at < end) {
			snprintf(msg, msgsize,
				 "range %zu (0x%x-0x%x) covers the DVSEC itself (0x%x-0x%x)",
				 i + 1, r->start, end - 1, (unsigned int)at,
				 (unsigned int)at + size - 1);
			return "dvsec-free-self";
		}
	}
	return NULL;
}

PCL_EXPORT int pcl_dvsec_check_ranges(const struct pcl_range *ranges,
				      size_t count, int32_t at,
				      struct pcl_error *err)
{
	char msg[200];
	const char *code;
	size_t bad;

	if (count && !ranges)
		return pcl_set_error(err, -EINVAL, "<ranges>", 0, 0, -1,
				     "invalid arguments");
	code = pcl_dvsec_check(ranges, count, at,
			       count <= PCL_DVSEC_FREE_MAX_RANGES ?
			       PCL_DVSEC_FREE_SIZE(count) : 0,
			       msg, sizeof(msg), &bad);
	if (!code)
		return 0;
	return pcl_set_error(err, -EINVAL, "<ranges>", 0,
			     bad < count ? (uint32_t)bad + 1 : 0,
			     bad < count ? (int32_t)ranges[bad].start : at,
			     "%s", msg);
}

PCL_EXPORT int pcl_dvsec_encode(const struct pcl_range *ranges, size_t count,
				const struct pcl_dvsec_id *ident, int32_t at,
				uint8_t *buf, size_t size, size_t *len,
				struct pcl_error *err)
{
	uint16_t vendor = ident ? ident->vendor : PCL_DVSEC_FREE_VENDOR;
	uint16_t id = ident ? ident->id : PCL_DVSEC_FREE_ID;
	uint32_t need;
	int r;

	r = pcl_dvsec_check_ranges(ranges, count, at, err);
	if (r)
		return r;
	need = PCL_DVSEC_FREE_SIZE(count);
	if (len)
		*len = need;
	if (!buf || size < need)
		return pcl_set_error(err, -ENOSPC, "<ranges>", 0, 0, at,
				     "the DVSEC needs %u bytes, the buffer has %zu",
				     need, size);
	memset(buf, 0, need);
	/* Extended capability header: id 0x23, version 1, next 0. */
	pcl_put_le32(buf, PCL_DVSEC_CAP_ID | (1u << 16));
	/* Header 1: vendor, DVSEC Revision 0, DVSEC Length. */
	pcl_put_le32(buf + 4, vendor | (need << 20));
	pcl_put_le16(buf + 8, id);
	buf[10] = PCL_DVSEC_FREE_FORMAT;
	buf[11] = (uint8_t)count;
	memcpy(buf + 12, PCL_DVSEC_FREE_SIGNATURE, 4);
	for (size_t i = 0; i < count; i++) {
		uint32_t e = ranges[i].start | (ranges[i].length << 12) |
			     (((ranges[i].flags & PCL_RANGE_DVSEC_FLAGS) >> 8) << 24);

		pcl_put_le32(buf + PCL_DVSEC_FREE_HEADER_SIZE +
				     PCL_DVSEC_FREE_ENTRY_SIZE * i, e);
	}
	return 0;
}

bool pcl_dvsec_accepts(const struct pcl_dvsec_id *accept, size_t naccept,
		       uint16_t vendor, uint16_t id)
{
	if (!accept || !naccept)
		return vendor == PCL_DVSEC_FREE_VENDOR && id == PCL_DVSEC_FREE_ID;
	for (size_t i = 0; i < naccept; i++)
		if (accept[i].vendor == vendor && accept[i].id == id)
			return true;
	return false;
}

static void set_why(struct pcl_finding *why, int severity, uint32_t off,
		    const char *code, const char *msg)
{
	if (!why)
		return;
	why->severity = severity;
	why->space = PCL_SPACE_EXTENDED;
	why->offset = (int32_t)off;
	why->code = code;
	why->message = msg;
}

/* True when [off, off + len) is inside the space and was read. */
static bool readable(const struct pcl_cfg *cfg, uint32_t off, uint32_t len)
{
	return off + len <= SPACE_END && pcl_cfg_is_read(cfg, off, len);
}

PCL_EXPORT int pcl_dvsec_decode(const struct pcl_cfg *cfg,
				const struct pcl_cap *cap,
				const struct pcl_dvsec_id *accept,
				size_t naccept, uint32_t flags,
				struct pcl_range *ranges, size_t *count,
				struct pcl_finding *why, char *msg,
				size_t msgsize)
{
	const uint8_t *d;
	uint32_t off, hdr1, length, need, n, i;
	uint16_t vendor, id;
	bool listed;
	char dummy[1];
	const char *code;
	size_t bad;

	if (!msg || !msgsize) {
		msg = dummy;
		msgsize = sizeof(dummy);
	}
	msg[0] = '\0';
	if (why)
		*why = (struct pcl_finding){ .space = PCL_SPACE_EXTENDED,
					     .offset = -1 };
	if (!cfg || !cap || !ranges || !count)
		return -EINVAL;
	*count = 0;
	off = cap->offset;
	if (cap->space != PCL_SPACE_EXTENDED || cap->id != PCL_DVSEC_CAP_ID ||
	    off < EXT_START || (off & 3) || !readable(cfg, off, 10))
		return -ENOMSG;
	d = pcl_cfg_data(cfg) + off;
	hdr1 = pcl_le32(d + 4);
	vendor = (uint16_t)hdr1;
	length = hdr1 >> 20;
	id = pcl_le16(d + 8);
	listed = pcl_dvsec_accepts(accept, naccept, vendor, id);

	/* Not a pair we were told about: at most an informative note. */
	if (!listed) {
		if (length >= PCL_DVSEC_FREE_HEADER_SIZE &&
		    readable(cfg, off, PCL_DVSEC_FREE_HEADER_SIZE) &&
		    !memcmp(d + 12, PCL_DVSEC_FREE_SIGNATURE, 4)) {
			if (flags & PCL_DVSEC_ANY_ID)
				goto ours;
			snprintf(msg, msgsize,
				 "DVSEC vendor %04x id %04x carries the free-space signature, but that pair is not accepted; ignored",
				 vendor, id);
			set_why(why, PCL_SEVERITY_INFO, off, "dvsec-free-unlisted",
				msg);
		}
		return -ENOMSG;
	}
	if (length < PCL_DVSEC_FREE_HEADER_SIZE) {
		snprintf(msg, msgsize,
			 "DVSEC Length %u is shorter than the %u-byte free-space header; DVSEC ignored",
			 length, PCL_DVSEC_FREE_HEADER_SIZE);
		set_why(why, PCL_SEVERITY_ERROR, off, "dvsec-free-length", msg);
		return -EBADMSG;
	}
	if (!readable(cfg, off, PCL_DVSEC_FREE_HEADER_SIZE)) {
		snprintf(msg, msgsize,
			 "the free-space header 0x%x-0x%x was not read (or runs past 0xfff); DVSEC ignored",
			 off, off + PCL_DVSEC_FREE_HEADER_SIZE - 1);
		set_why(why, PCL_SEVERITY_ERROR, off, "dvsec-free-truncated",
			msg);
		return -EBADMSG;
	}
	if (memcmp(d + 12, PCL_DVSEC_FREE_SIGNATURE, 4)) {
		/* The pair may be reused by a vendor for something else. */
		snprintf(msg, msgsize,
			 "DVSEC vendor %04x id %04x has no \"%s\" signature: not a free-space DVSEC",
			 vendor, id, PCL_DVSEC_FREE_SIGNATURE);
		set_why(why, PCL_SEVERITY_INFO, off, "dvsec-free-signature", msg);
		return -ENOMSG;
	}
ours:
	if (!readable(cfg, off, length)) {
		snprintf(msg, msgsize,
			 "DVSEC Length %u runs %s; DVSEC ignored", length,
			 off + length > SPACE_END ? "past the end of config space" :
						    "into bytes that were not read");
		set_why(why, PCL_SEVERITY_ERROR, off, "dvsec-free-truncated",
			msg);
		return -EBADMSG;
	}
	if (d[10] != PCL_DVSEC_FREE_FORMAT) {
		snprintf(msg, msgsize,
			 "format revision %u is not understood (this reader knows %u); DVSEC ignored",
			 d[10], PCL_DVSEC_FREE_FORMAT);
		set_why(why, PCL_SEVERITY_ERROR, off, "dvsec-free-format", msg);
		return -EBADMSG;
	}
	n = d[11];
	need = PCL_DVSEC_FREE_SIZE(n);
	if (length != need) {
		/* Either the length or the count lies; believe neither. */
		snprintf(msg, msgsize,
			 "DVSEC Length %u does not match the range count %u (which needs %u bytes); DVSEC ignored",
			 length, n, need);
		set_why(why, PCL_SEVERITY_ERROR, off, "dvsec-free-length", msg);
		return -EBADMSG;
	}
	for (i = 0; i < n; i++) {
		uint32_t e = pcl_le32(d + PCL_DVSEC_FREE_HEADER_SIZE +
				      PCL_DVSEC_FREE_ENTRY_SIZE * i);

		ranges[i] = (struct pcl_range){
			.start = ENTRY_START(e),
			.length = ENTRY_LENGTH(e),
			.kind = PCL_RANGE_FREE,
			.flags = (ENTRY_FLAGS(e) & WIRE_FLAGS_KNOWN) << 8,
			.source = "dvsec",
		};
	}
	code = pcl_dvsec_check(ranges, n, (int32_t)off, length, msg, msgsize,
			       &bad);
	if (code) {
		size_t used = strlen(msg);

		snprintf(msg + used, msgsize - used, "; DVSEC ignored");
		set_why(why, PCL_SEVERITY_ERROR, off, code, msg);
		return -EBADMSG;
	}
	/*
	 * Flags this reader does not know may restrict a range in ways it
	 * cannot honour: drop such ranges, keep the rest.
	 */
	*count = 0;
	for (i = 0; i < n; i++) {
		uint32_t e = pcl_le32(d + PCL_DVSEC_FREE_HEADER_SIZE +
				      PCL_DVSEC_FREE_ENTRY_SIZE * i);

		if (ENTRY_FLAGS(e) & ~WIRE_FLAGS_KNOWN) {
			if (!why || !why->code) {
				snprintf(msg, msgsize,
					 "range %u (0x%x-0x%x) has unknown flags 0x%02x; that range is not used",
					 i + 1, ranges[i].start,
					 ranges[i].start + ranges[i].length - 1,
					 ENTRY_FLAGS(e) & ~WIRE_FLAGS_KNOWN);
				set_why(why, PCL_SEVERITY_WARNING, off,
					"dvsec-free-flags", msg);
			}
			continue;
		}
		ranges[(*count)++] = ranges[i];
	}
	return 0;
}
