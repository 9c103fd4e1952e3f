/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vcap.h - the table of virtual-capability generators (private to the
 * library). A generator is the one home of everything about one kind of
 * virtual capability:
 *
 *  - what it makes: capability ID, space, length;
 *  - its parameters: their layout-file keys, types and ranges, which is
 *    the JSON codec the layout loader and writer interpret, and how two
 *    hosts' values combine (unify);
 *  - derive: the parameters from the device, its PF and the IOMMU, with
 *    the reason in words (the planner);
 *  - verify: whether a device allows an entry's parameters (check, unify),
 *    which is derive on that device followed by a comparison, so that
 *    check accepts exactly what the planner would have derived;
 *  - synth: the bytes and per-byte access rules of the guest view.
 *
 * The generic parts (codec interpretation, comparison, merging, the
 * verify comparison) are in table.c; each generator's registers are
 * written only in its own file (pasid.c, dsn.c, literal.c). Adding a
 * generator is one such file and one row in table.c.
 */
#ifndef PCL_VCAP_VCAP_H
#define PCL_VCAP_VCAP_H

#include <pcilayout/image.h>

#include "internal.h"

/* How a parameter is written in the "virtual" object of a layout file. */
enum vcap_ptype {
	VP_UINT = 0,   /* a JSON integer 0..max */
	VP_BOOL = 1,   /* true / false; omitted when false */
	VP_SERIAL = 2, /* a 64-bit hex string or integer, or the @word */
	VP_DATA = 3,   /* hex pairs: the entry's data and length (bytes) */
};

/* How unify combines the values of several hosts. */
enum vcap_merge {
	VM_MIN = 0,   /* the smallest: what every host allows */
	VM_EQUAL = 1, /* must be equal on every host */
};

/*
 * One parameter. A parameter with no @key of its own is set through
 * another's @word (DSN's "from-pf" sets PCL_DSN_FROM_PF).
 */
struct vcap_param {
	const char *key;  /* layout-file key, or NULL */
	const char *code; /* check's finding code when a device does not allow it */
	uint8_t index;	  /* in struct pcl_layout_entry.params */
	uint8_t type;	  /* enum vcap_ptype */
	uint8_t merge;	  /* enum vcap_merge */
	bool required;
	uint64_t max;	  /* VP_UINT */
	const char *word; /* VP_SERIAL: the word also accepted */
	uint8_t word_index;
};

/* What the IOMMU reports (IOMMU_GET_HW_INFO), for generators that care. */
struct vcap_iommu {
	bool given;
	uint8_t max_width; /* out_max_pasid_log2; 0 = no PASID support */
	bool exec, priv;
};

/* Everything derive and verify may look at. */
struct vcap_inputs {
	const struct pcl_cfg *cfg;     /* the device */
	const struct pcl_walk *walk;   /* its walk */
	const struct pcl_cfg *pf;      /* its PF, or NULL */
	const struct pcl_walk *pf_walk;
	bool is_vf;
	struct vcap_iommu iommu;
	/* Parameters the user chose (a fixed DSN serial), or NULL. */
	const uint64_t *asked;
	/* A PF whose PASID is disabled is used for what it can do. */
	bool allow_pasid_disabled;
	const char *src;               /* the device's name for messages */
};

/* A register of the synthesized capability a VMM must act on. */
struct vcap_hook {
	int type;	 /* enum pcl_hook, 0 = none */
	uint32_t offset; /* from the capability's start */
	uint32_t width;
};

/* What synth fills: @length bytes of image and rules, from the header on. */
struct vcap_synth {
	uint8_t *img;
	struct pcl_guest_rule *rule; /* hook 1 marks the hooked register */
	struct vcap_hook hook;
};

/* Flags of struct vcap_gen. */
#define VCAP_ASKED 0x01u /* parameters are the user's choice; derive checks them */

struct vcap_gen {
	int generator;	/* enum pcl_generator */
	const char *name;
	const char *source_code; /* check's code when derive refuses a device */
	int space;	/* enum pcl_space, or -1 for either */
	int id;		/* capability ID made, or -1 (bytes: from its data) */
	uint32_t length; /* fixed length, or 0 (null: a header; bytes: data) */
	uint32_t flags;	 /* VCAP_* */
	const struct vcap_param *params;
	size_t n_params;
	/* An extended capability of the device or its PF derive reads, or -1. */
	int reads_id;
	/* The offset QEMU puts it at by default, preferred when safe, or 0. */
	uint32_t qemu_at;
	/* Rules beyond the parameters' ranges (bytes: its header), or NULL. */
	int (*check)(const struct pcl_layout_entry *e, char *why, size_t size);
	/*
	 * Parameters for @in into @params (PCL_VCAP_MAX_PARAMS, zeroed), the
	 * reason appended to @why. Return 0, -EINVAL with a sentence in @diag
	 * when the inputs do not allow the capability, or -ENOMEM. NULL:
	 * nothing to derive (the parameters come from a layout).
	 */
	int (*derive)(const struct vcap_inputs *in, uint64_t *params,
		      struct pcl_strbuf *why, struct pcl_diag *diag);
	/* Notes for check beyond the comparison (may be NULL). */
	void (*note)(const struct pcl_layout_entry *e,
		     const struct vcap_inputs *in, struct pcl_report *rep);
	/* The guest bytes and rules; 0 or -EINVAL with @why. */
	int (*synth)(const struct pcl_layout_entry *e,
		     const struct pcl_guest_options *opts,
		     struct vcap_synth *out, char *why, size_t size);
};

/* table.c */
size_t vcap_count(void);
const struct vcap_gen *vcap_at(size_t index);
/* The generator of @generator, or NULL. */
const struct vcap_gen *vcap_get(int generator);
const struct vcap_gen *vcap_by_name(const char *name);
/* The generator that makes (@space, @id) from parameters (pasid, dsn), or NULL. */
const struct vcap_gen *vcap_for_cap(int space, uint16_t id);
/* The guest length of virtual entry @e. */
uint32_t vcap_length(const struct pcl_layout_entry *e);
/* The rules a virtual entry obeys on its own: 0, or -EINVAL with @why. */
int vcap_check(const struct pcl_layout_entry *e, char *why, size_t size);
bool vcap_params_equal(const struct pcl_layout_entry *a,
		       const struct pcl_layout_entry *b);
/* "max_width 16, exec true, priv false" appended to @out. */
void vcap_describe_params(const struct vcap_gen *g, const uint64_t *params,
			  struct pcl_strbuf *out);
/* Combine @other into @acc (unify); false when they cannot be combined. */
bool vcap_merge(const struct vcap_gen *g, uint64_t *acc, const uint64_t *other);
/*
 * Does the device of @in allow @e? Derive on it and compare; findings go
 * to @rep (error @source_code when derive refuses, the parameter's code
 * when a value is not allowed), then the generator's notes.
 */
void vcap_verify(const struct pcl_layout_entry *e, const struct vcap_inputs *in,
		 struct pcl_report *rep);
/*
 * Is @pf_walk's function the PF of @vf? It must have an SR-IOV capability,
 * and @vf's vendor and device ID, where known (not 0xffff), must be the
 * PF's vendor and its VF Device ID. 0, or -EINVAL with the reason in @why.
 */
int vcap_check_pf(const struct pcl_cfg *vf, const struct pcl_walk *pf_walk,
		  char *why, size_t size);
/* Does some generator read extended capability @id of a device or PF? */
bool vcap_reads(int space, uint16_t id);
/* "pasid", or "0x2a": the catalogue's name of (@space, @id), for messages. */
const char *vcap_cap_label(int space, uint16_t id, char *buf, size_t size);
/* The device's own capability (@space, @id): in the chain, else an orphan. */
const struct pcl_cap *vcap_find_cap(const struct pcl_walk *w, int space,
				    uint16_t id);

/* The generators (one file each). */
extern const struct vcap_gen vcap_gen_pasid;
extern const struct vcap_gen vcap_gen_dsn;
extern const struct vcap_gen vcap_gen_null;
extern const struct vcap_gen vcap_gen_bytes;

#endif /* PCL_VCAP_VCAP_H */
