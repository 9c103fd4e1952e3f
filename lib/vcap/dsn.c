// SPDX-License-Identifier: BSD-3-Clause
/*
 * dsn.c - the virtual Device Serial Number capability (PCIe Base 6.x,
 * 7.9.3): a serial the user chooses, or the PF's ("from-pf"), which the
 * SR-IOV specification allows a VF to report. This file is the only one
 * that knows the DSN registers.
 *
 * The serial is the user's choice, so derive only checks that it can be
 * had: "from-pf" needs the PF and a DSN capability on it.
 */
#include <stdio.h>

#include <pcilayout/walk.h>
#include <pcilayout/layout.h>

#include "vcap/vcap.h"

#define DSN_VERSION	1
#define DSN_LOW		0x04 /* serial bits 31:0 */
#define DSN_HIGH	0x08 /* serial bits 63:32 */
#define DSN_SIZE	12

static int derive(const struct vcap_inputs *in, uint64_t *p,
		  struct pcl_strbuf *why, struct pcl_diag *diag)
{
	const struct pcl_cap *c;

	if (!in->asked) {
		pcl_diag_add(diag, in->src, 0, 0, -1,
			     "a virtual DSN needs a serial: a number, or \"from-pf\"");
		return -EINVAL;
	}
	if (!in->asked[PCL_DSN_FROM_PF]) {
		p[PCL_DSN_SERIAL] = in->asked[PCL_DSN_SERIAL];
		pcl_strbuf_add(why, "the serial is the one the user gave (0x%016llx), not the host's",
			       (unsigned long long)p[PCL_DSN_SERIAL]);
		return why->oom ? -ENOMEM : 0;
	}
	if (!in->pf) {
		pcl_diag_add(diag, in->src, 0, 0, -1,
			     "a serial \"from-pf\" needs the PF's config space (--pf)");
		return -EINVAL;
	}
	c = vcap_find_cap(in->pf_walk, PCL_SPACE_EXTENDED, PCL_EXT_CAP_ID_DSN);
	if (!c) {
		pcl_diag_add(diag, in->src, 0, 0, -1,
			     "the PF (%s) has no Device Serial Number capability to take the serial from",
			     pcl_cfg_source(in->pf));
		return -EINVAL;
	}
	p[PCL_DSN_FROM_PF] = 1;
	pcl_strbuf_add(why, "the serial is the PF's (its DSN capability at 0x%x), as the SR-IOV specification allows for a VF",
		       c->offset);
	return why->oom ? -ENOMEM : 0;
}

static void note(const struct pcl_layout_entry *e, const struct vcap_inputs *in,
		 struct pcl_report *rep)
{
	if (e->params[PCL_DSN_FROM_PF])
		pcl_report_add(rep, PCL_SEVERITY_WARNING, e->space, e->at,
			       "dsn-from-pf",
			       "virtual dsn at 0x%x: the serial is this host's PF's; a guest migrating in from another host saw that host's serial, and the two differ",
			       (unsigned int)e->at);
}

static int synth(const struct pcl_layout_entry *e,
		 const struct pcl_guest_options *opts, struct vcap_synth *out,
		 char *why, size_t size)
{
	uint64_t serial = e->params[PCL_DSN_SERIAL];

	if (e->params[PCL_DSN_FROM_PF]) {
		if (!(opts->flags & PCL_GUEST_OPT_PF_SERIAL)) {
			snprintf(why, size,
				 "the virtual DSN at 0x%x takes the PF's serial number, which was not given",
				 (unsigned int)e->at);
			return -EINVAL;
		}
		serial = opts->pf_serial;
	}
	pcl_put_le32(out->img, PCL_EXT_CAP_HDR(PCL_EXT_CAP_ID_DSN,
					       DSN_VERSION, 0));
	pcl_put_le32(out->img + DSN_LOW, (uint32_t)serial);
	pcl_put_le32(out->img + DSN_HIGH, (uint32_t)(serial >> 32));
	/* A PF's serial is this host's: a restored guest keeps its own. */
	for (uint32_t i = 0; i < DSN_SIZE; i++)
		out->rule[i] = (struct pcl_guest_rule){
			.source = PCL_GUEST_SHADOW,
			.flags = e->params[PCL_DSN_FROM_PF] ?
					 PCL_GUEST_DEVICE_FACT : 0,
		};
	return 0;
}

static const struct vcap_param params[] = {
	{ .key = "serial", .code = "dsn-serial", .index = PCL_DSN_SERIAL,
	  .type = VP_SERIAL, .merge = VM_EQUAL, .required = true,
	  .word = "from-pf", .word_index = PCL_DSN_FROM_PF },
	{ .key = NULL, .code = "dsn-from-pf", .index = PCL_DSN_FROM_PF,
	  .type = VP_BOOL, .merge = VM_EQUAL },
};

const struct vcap_gen vcap_gen_dsn = {
	.generator = PCL_GEN_DSN,
	.name = "dsn",
	.source_code = "dsn-source",
	.space = PCL_SPACE_EXTENDED,
	.id = PCL_EXT_CAP_ID_DSN,
	.length = DSN_SIZE,
	.flags = VCAP_ASKED,
	.params = params,
	.n_params = PCL_ARRAY_SIZE(params),
	.reads_id = PCL_EXT_CAP_ID_DSN,
	.derive = derive,
	.note = note,
	.synth = synth,
};
