// SPDX-License-Identifier: BSD-3-Clause
/*
 * literal.c - the two generators without registers of their own: the Null
 * capability (ID 0: in extended space the anchor of a chain whose first
 * capability is hidden or moved, as QEMU and the kernel place it) and
 * literal bytes, a capability written out in the layout file itself.
 * Their bytes are read-only for the guest.
 */
#include <stdio.h>

#include <pcilayout/layout.h>

#include "vcap/vcap.h"

static void read_only(struct pcl_guest_rule *r, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		r[i] = (struct pcl_guest_rule){ .source = PCL_GUEST_SHADOW };
}

static int null_synth(const struct pcl_layout_entry *e,
		      const struct pcl_guest_options *opts,
		      struct vcap_synth *out, char *why, size_t size)
{
	uint32_t len = pcl_cap_hdr_size(e->space);

	memset(out->img, 0, len);
	read_only(out->rule, len);
	return 0;
}

const struct vcap_gen vcap_gen_null = {
	.generator = PCL_GEN_NULL,
	.name = "null",
	.space = -1,
	.id = 0,
	.reads_id = -1,
	.synth = null_synth,
};

/* The data holds a whole capability: its own ID first, a zero next
 * pointer (all of it: its low two bits too). */
static int bytes_check(const struct pcl_layout_entry *e, char *why, size_t size)
{
	uint32_t hdr = pcl_cap_hdr_size(e->space);
	uint32_t room = pcl_space_end(e->space) - pcl_space_start(e->space);
	char nb[16];
	const char *name = vcap_cap_label(e->space, e->id, nb, sizeof(nb));
	bool bad_hdr;

	if (!e->data || e->length < hdr || e->length > room) {
		snprintf(why, size, "bytes of '%s' must hold %u to %u bytes",
			 name, hdr, room);
		return -EINVAL;
	}
	if (e->space == PCL_SPACE_STANDARD)
		bad_hdr = e->data[PCL_CAP_ID] != e->id || e->data[PCL_CAP_NEXT];
	else
		bad_hdr = PCL_EXT_CAP_HDR_ID(pcl_le32(e->data)) != e->id ||
			  PCL_EXT_CAP_HDR_NEXT_RAW(pcl_le32(e->data)) != 0;
	if (bad_hdr) {
		snprintf(why, size,
			 "bytes of '%s' must start with its own capability ID and a zero next pointer",
			 name);
		return -EINVAL;
	}
	return 0;
}

static int bytes_synth(const struct pcl_layout_entry *e,
		       const struct pcl_guest_options *opts,
		       struct vcap_synth *out, char *why, size_t size)
{
	if (!e->data) {
		snprintf(why, size, "literal bytes without data");
		return -EINVAL;
	}
	memcpy(out->img, e->data, e->length);
	read_only(out->rule, e->length);
	return 0;
}

static const struct vcap_param bytes_params[] = {
	{ .key = "data", .index = 0, .type = VP_DATA, .merge = VM_EQUAL,
	  .required = true },
};

const struct vcap_gen vcap_gen_bytes = {
	.generator = PCL_GEN_BYTES,
	.name = "bytes",
	.space = -1,
	.id = -1,
	.params = bytes_params,
	.n_params = PCL_ARRAY_SIZE(bytes_params),
	.reads_id = -1,
	.check = bytes_check,
	.synth = bytes_synth,
};
