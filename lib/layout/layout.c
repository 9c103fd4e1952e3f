// SPDX-License-Identifier: BSD-3-Clause
/*
 * layout.c - the layout object: construction, accessors, and the rules of
 * format 1 that a layout must satisfy whether it was loaded or built.
 *
 * Invariants kept by every setter: strings are copied and within their
 * limits; each chain's entries are in canonical order (presented entries
 * in link order - by guest offset unless the layout's links are "listed" -
 * then hidden entries by selector), so accessors, the writer, the guest
 * builder and the fingerprint never sort; lists of IDs are sorted and
 * free of duplicates. Rules that relate values to each other (overlaps,
 * the chain head, duplicate selectors) are checked by pcl_layout_validate()
 * so that a loader can report all of them at once.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "layout-internal.h"
#include "vcap/vcap.h"

/* The entry is ABI for bindings (Rust VMMs): no implicit padding. */
_Static_assert(offsetof(struct pcl_layout_entry, params) == 32,
	       "struct pcl_layout_entry layout changed");
_Static_assert(sizeof(struct pcl_layout_entry) == 88,
	       "struct pcl_layout_entry layout changed");

#define SPACE_OK(s) ((s) == PCL_SPACE_STANDARD || (s) == PCL_SPACE_EXTENDED)

bool pcl_layout_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > LAYOUT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z');

		if (!alnum && (i == 0 || !strchr("._+-", c)))
			return false;
	}
	return true;
}

/*
 * Are the eight bytes of @v all printable ASCII (0x20-0x7e)? The tests
 * for "some byte below n" ((x - n * 0x01..) & ~x & 0x80.., exact as a
 * whole for n <= 0x80) and "some byte zero" (n = 1, on v ^ 0x7f..) tell
 * control characters and DEL, the top bits the rest. Plan entries'
 * reasons run to hundreds of bytes and a plan is validated each time it
 * is fingerprinted, checked or built: a byte at a time was 5 % of
 * fuzz_walk's instructions.
 */
static bool printable8(uint64_t v)
{
	uint64_t high = v & PCL_BYTES8(0x80);
	uint64_t ctl = (v - PCL_BYTES8(0x20)) & ~v & PCL_BYTES8(0x80);
	uint64_t del = ((v ^ PCL_BYTES8(0x7f)) - PCL_BYTES8(0x01)) &
		       ~(v ^ PCL_BYTES8(0x7f)) & PCL_BYTES8(0x80);

	return !(high | ctl | del);
}

/* Non-empty, bounded, valid UTF-8 (jansson checks it), no control chars. */
bool pcl_layout_text_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0, i = 0;
	bool ascii = true;
	json_t *probe;
	uint64_t v;

	if (n == 0 || n > max)
		return false;
	/* Plain ASCII eight bytes at a time; the rest, and any word that is
	 * not, a byte at a time. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, s + i, sizeof(v));
		if (!printable8(v))
			break;
	}
	for (; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
		ascii &= (unsigned char)s[i] < 0x80;
	}
	/* ASCII is UTF-8: only other text needs jansson's check (and its
	 * copy), which was a tenth of loading a layout file. */
	if (ascii)
		return true;
	probe = json_string(s);
	if (!probe)
		return false;
	json_decref(probe);
	return true;
}

bool pcl_layout_pattern_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > LAYOUT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

PCL_EXPORT void pcl_layout_entry_init(struct pcl_layout_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = PCL_ENTRY_PHYSICAL;
	e->at = -1;
	e->phys = -1;
	e->vendor = -1;
	e->vsec_id = -1;
}

PCL_EXPORT struct pcl_layout *pcl_layout_new(struct pcl_ctx *ctx, int kind)
{
	struct pcl_layout *l;

	if (kind != PCL_LAYOUT_KIND_LAYOUT && kind != PCL_LAYOUT_KIND_QUIRK) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		errno = ENOMEM;
		return NULL;
	}
	l->ctx = ctx;
	l->kind = kind;
	l->revision = 1;
	l->unclaimed = PCL_UNCLAIMED_PASSTHROUGH;
	return l;
}

static void entry_release(struct pcl_layout_entry *e)
{
	free((void *)e->data);
	free((void *)e->prov_reason);
}

PCL_EXPORT void pcl_layout_free(struct pcl_layout *layout)
{
	if (!layout)
		return;
	free(layout->source);
	free(layout->name);
	free(layout->description);
	free(layout->profile);
	for (size_t i = 0; i < layout->n_machines; i++)
		free(layout->machines[i]);
	free(layout->machines);
	for (size_t i = 0; i < layout->n_reserved; i++) {
		free((void *)layout->reserved[i].reason);
		free((void *)layout->reserved[i].source);
	}
	free(layout->reserved);
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < layout->n_entries[s]; i++)
			entry_release(&layout->entries[s][i]);
		free(layout->entries[s]);
		free(layout->hide[s].ids);
		free(layout->keep[s].ids);
	}
	free(layout->placements);
	free(layout);
}

static int set_string(char **dst, const char *src)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (!copy)
			return -ENOMEM;
	}
	free(*dst);
	*dst = copy;
	return 0;
}

PCL_EXPORT int pcl_layout_kind(const struct pcl_layout *layout)
{
	return layout->kind;
}

PCL_EXPORT const char *pcl_layout_source(const struct pcl_layout *layout)
{
	return layout->source ? layout->source : "";
}

PCL_EXPORT const char *pcl_layout_name(const struct pcl_layout *layout)
{
	return layout->name;
}

PCL_EXPORT int pcl_layout_set_name(struct pcl_layout *layout, const char *name)
{
	if (!pcl_layout_name_ok(name))
		return -EINVAL;
	return set_string(&layout->name, name);
}

PCL_EXPORT uint32_t pcl_layout_revision(const struct pcl_layout *layout)
{
	return layout->revision;
}

PCL_EXPORT int pcl_layout_set_revision(struct pcl_layout *layout,
				       uint32_t revision)
{
	if (revision > INT32_MAX ||
	    layout->kind != PCL_LAYOUT_KIND_LAYOUT)
		return -EINVAL;
	layout->revision = revision;
	return 0;
}

PCL_EXPORT const char *pcl_layout_description(const struct pcl_layout *layout)
{
	return layout->description;
}

PCL_EXPORT int pcl_layout_set_description(struct pcl_layout *layout,
					  const char *text)
{
	if (text && !pcl_layout_text_ok(text, LAYOUT_DESC_MAX))
		return -EINVAL;
	return set_string(&layout->description, text);
}

PCL_EXPORT const char *pcl_layout_profile(const struct pcl_layout *layout)
{
	return layout->profile;
}

PCL_EXPORT int pcl_layout_set_profile(struct pcl_layout *layout,
				      const char *profile)
{
	if (profile && (!pcl_layout_name_ok(profile) ||
			layout->kind != PCL_LAYOUT_KIND_LAYOUT))
		return -EINVAL;
	return set_string(&layout->profile, profile);
}

PCL_EXPORT const struct pcl_layout_match *
pcl_layout_match(const struct pcl_layout *layout)
{
	return &layout->match;
}

PCL_EXPORT int pcl_layout_set_match(struct pcl_layout *layout,
				    const struct pcl_layout_match *match)
{
	if (!match) {
		memset(&layout->match, 0, sizeof(layout->match));
		return 0;
	}
	if (match->class_code > 0xffffff || match->revision > 0xff ||
	    (match->fields & ~0x1fu))
		return -EINVAL;
	layout->match = *match;
	layout->match.present = 1;
	return 0;
}

const struct pcl_match_field pcl_match_fields[] = {
	{ "class", PCL_MATCH_CLASS, 6 },
	{ "device", PCL_MATCH_DEVICE, 4 },
	{ "revision", PCL_MATCH_REVISION, 2 },
	{ "subsystem", PCL_MATCH_SUBSYSTEM, 4 },
	{ "subsystem_vendor", PCL_MATCH_SUBSYSTEM_VENDOR, 4 },
	{ "vendor", 0, 4 },
	{ NULL, 0, 0 },
};

uint32_t pcl_layout_match_get(const struct pcl_layout_match *m, uint32_t bit)
{
	switch (bit) {
	case PCL_MATCH_DEVICE: return m->device;
	case PCL_MATCH_SUBSYSTEM_VENDOR: return m->subsystem_vendor;
	case PCL_MATCH_SUBSYSTEM: return m->subsystem;
	case PCL_MATCH_REVISION: return m->revision;
	case PCL_MATCH_CLASS: return m->class_code;
	default: return m->vendor;
	}
}

void pcl_layout_match_set(struct pcl_layout_match *m, uint32_t bit,
			  uint32_t value)
{
	switch (bit) {
	case PCL_MATCH_DEVICE:
		m->device = (uint16_t)value;
		break;
	case PCL_MATCH_SUBSYSTEM_VENDOR:
		m->subsystem_vendor = (uint16_t)value;
		break;
	case PCL_MATCH_SUBSYSTEM:
		m->subsystem = (uint16_t)value;
		break;
	case PCL_MATCH_REVISION:
		m->revision = value;
		break;
	case PCL_MATCH_CLASS:
		m->class_code = value;
		break;
	default:
		m->vendor = (uint16_t)value;
		break;
	}
	m->fields |= bit;
}

bool pcl_layout_match_ids(const struct pcl_layout_match *m, uint16_t vendor,
			  uint16_t device, uint16_t subsystem_vendor,
			  uint16_t subsystem, uint8_t revision,
			  uint32_t class_code)
{
	if (!m->present)
		return true;
	return m->vendor == vendor &&
	       (!(m->fields & PCL_MATCH_DEVICE) || m->device == device) &&
	       (!(m->fields & PCL_MATCH_SUBSYSTEM_VENDOR) ||
		m->subsystem_vendor == subsystem_vendor) &&
	       (!(m->fields & PCL_MATCH_SUBSYSTEM) ||
		m->subsystem == subsystem) &&
	       (!(m->fields & PCL_MATCH_REVISION) || m->revision == revision) &&
	       (!(m->fields & PCL_MATCH_CLASS) || m->class_code == class_code);
}

PCL_EXPORT bool pcl_layout_matches(const struct pcl_layout *layout,
				   uint16_t vendor, uint16_t device,
				   uint16_t subsystem_vendor,
				   uint16_t subsystem, uint8_t revision,
				   uint32_t class_code)
{
	return pcl_layout_match_ids(&layout->match, vendor, device,
				    subsystem_vendor, subsystem, revision,
				    class_code);
}

PCL_EXPORT size_t pcl_layout_machine_count(const struct pcl_layout *layout)
{
	return layout->n_machines;
}

PCL_EXPORT const char *pcl_layout_machine(const struct pcl_layout *layout,
					  size_t index)
{
	return index < layout->n_machines ? layout->machines[index] : NULL;
}

PCL_EXPORT int pcl_layout_add_machine(struct pcl_layout *layout,
				      const char *pattern)
{
	char **grown, *copy;
	size_t i;

	if (!pcl_layout_pattern_ok(pattern) ||
	    layout->kind != PCL_LAYOUT_KIND_LAYOUT)
		return -EINVAL;
	if (layout->n_machines >= LAYOUT_MACHINES_MAX)
		return -ENOSPC;
	/* Keep them sorted by bytes: that is the canonical order. */
	for (i = 0; i < layout->n_machines; i++) {
		int c = strcmp(layout->machines[i], pattern);

		if (c == 0)
			return -EEXIST;
		if (c > 0)
			break;
	}
	grown = realloc(layout->machines,
			(layout->n_machines + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	layout->machines = grown;
	copy = strdup(pattern);
	if (!copy)
		return -ENOMEM;
	memmove(&grown[i + 1], &grown[i],
		(layout->n_machines - i) * sizeof(*grown));
	grown[i] = copy;
	layout->n_machines++;
	return 0;
}

PCL_EXPORT bool pcl_layout_machine_matches(const struct pcl_layout *layout,
					   const char *machine)
{
	if (!layout->n_machines)
		return true;
	for (size_t i = 0; i < layout->n_machines; i++)
		if (fnmatch(layout->machines[i], machine, 0) == 0)
			return true;
	return false;
}

PCL_EXPORT int pcl_layout_unclaimed(const struct pcl_layout *layout)
{
	return layout->unclaimed;
}

PCL_EXPORT int pcl_layout_set_unclaimed(struct pcl_layout *layout, int policy)
{
	if (!pcl_unclaimed_name(policy) ||
	    (layout->kind != PCL_LAYOUT_KIND_LAYOUT &&
	     policy != PCL_UNCLAIMED_PASSTHROUGH))
		return -EINVAL;
	layout->unclaimed = policy;
	return 0;
}

PCL_EXPORT size_t pcl_layout_reserved_count(const struct pcl_layout *layout)
{
	return layout->n_reserved;
}

PCL_EXPORT const struct pcl_layout_reserved *
pcl_layout_reserved(const struct pcl_layout *layout, size_t index)
{
	return index < layout->n_reserved ? &layout->reserved[index] : NULL;
}

static int add_reserved(struct pcl_layout *layout, uint32_t offset,
			uint32_t length, const char *reason, const char *source,
			struct lpos pos)
{
	struct pcl_layout_reserved *grown, *r;
	size_t i;

	if (offset < PCL_STD_CAP_START || offset >= PCL_EXT_SPACE_END ||
	    length < 1 || length > PCL_EXT_SPACE_END - offset ||
	    (offset < PCL_STD_SPACE_END &&
	     offset + length > PCL_STD_SPACE_END) ||
	    !pcl_layout_text_ok(reason, LAYOUT_TEXT_MAX) ||
	    (source && !pcl_layout_text_ok(source, LAYOUT_TEXT_MAX)))
		return -EINVAL;
	if (layout->n_reserved >= LAYOUT_RESERVED_MAX)
		return -ENOSPC;
	grown = realloc(layout->reserved,
			(layout->n_reserved + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	layout->reserved = grown;
	/* Canonical order: by offset, then length. */
	for (i = 0; i < layout->n_reserved; i++)
		if (grown[i].offset > offset ||
		    (grown[i].offset == offset && grown[i].length > length))
			break;
	memmove(&grown[i + 1], &grown[i],
		(layout->n_reserved - i) * sizeof(*grown));
	r = &grown[i];
	memset(r, 0, sizeof(*r));
	r->offset = offset;
	r->length = length;
	r->line = pos.line;
	r->column = pos.column;
	r->reason = strdup(reason);
	r->source = source ? strdup(source) : NULL;
	layout->n_reserved++;
	if (!r->reason || (source && !r->source))
		return -ENOMEM; /* the half-filled range is freed with the layout */
	return 0;
}

PCL_EXPORT int pcl_layout_add_reserved(struct pcl_layout *layout,
				       uint32_t offset, uint32_t length,
				       const char *reason, const char *source)
{
	return add_reserved(layout, offset, length, reason, source,
			    (struct lpos){ 0, 0 });
}

int pcl_layout_add_reserved_at(struct pcl_layout *layout, uint32_t offset,
			       uint32_t length, const char *reason,
			       const char *source, struct lpos pos)
{
	return add_reserved(layout, offset, length, reason, source, pos);
}

PCL_EXPORT size_t pcl_layout_entry_count(const struct pcl_layout *layout,
					 int space)
{
	return SPACE_OK(space) ? layout->n_entries[space] : 0;
}

PCL_EXPORT const struct pcl_layout_entry *
pcl_layout_entry(const struct pcl_layout *layout, int space, size_t index)
{
	if (!SPACE_OK(space) || index >= layout->n_entries[space])
		return NULL;
	return &layout->entries[space][index];
}

/* Entry name for messages: the capability's name or its ID in hex. */
static const char *entry_name(const struct pcl_layout_entry *e, char *buf,
			      size_t size)
{
	const char *name = pcl_layout_cap_name(e->space, e->id);

	if (name)
		return name;
	snprintf(buf, size, "0x%x", e->id);
	return buf;
}

/* Space, ID and provenance: what every entry kind has. */
static int check_common(const struct pcl_layout_entry *e, char *why,
			size_t size)
{
	if (!SPACE_OK(e->space)) {
		snprintf(why, size, "invalid space %u", e->space);
		return 9;
	}
	if (e->space == PCL_SPACE_STANDARD && e->id > 0xff) {
		snprintf(why, size,
			 "capability ID 0x%x does not fit the standard space's 8 bits",
			 e->id);
		return 8;
	}
	if (e->prov_rule != PCL_PROV_NONE && !pcl_prov_rule_name(e->prov_rule)) {
		snprintf(why, size, "invalid provenance rule %u", e->prov_rule);
		return 7;
	}
	if ((e->prov_rule != PCL_PROV_NONE) !=
		    (e->prov_reason != NULL) ||
	    (e->prov_reason &&
	     !pcl_layout_text_ok(e->prov_reason, LAYOUT_DESC_MAX))) {
		snprintf(why, size,
			 "provenance needs both a rule and a reason of 1 to %d bytes",
			 LAYOUT_DESC_MAX);
		return 7;
	}
	return 0;
}

/* The guest offset: none for a hidden entry, an aligned one inside its
 * space for the others. */
static int check_place(const struct pcl_layout_entry *e, const char *name,
		       char *why, size_t size)
{
	if (e->kind == PCL_ENTRY_HIDDEN) {
		if (e->at != -1) {
			snprintf(why, size, "hidden entry '%s' cannot have a guest offset", name);
			return 1;
		}
		if (e->length) {
			snprintf(why, size, "hidden entry '%s' cannot have a length", name);
			return 2;
		}
		if (e->generator != PCL_GEN_NONE) {
			snprintf(why, size, "hidden entry '%s' cannot be virtual", name);
			return 6;
		}
		return 0;
	}
	if (e->kind != PCL_ENTRY_PHYSICAL && e->kind != PCL_ENTRY_VIRTUAL) {
		snprintf(why, size, "invalid entry kind %u", e->kind);
		return 9;
	}
	if (e->at < 0) {
		snprintf(why, size, "entry '%s' needs a guest offset (\"at\")", name);
		return 9;
	}
	if (e->at & 3) {
		snprintf(why, size, "offset 0x%x of '%s' is not dword-aligned",
			 (unsigned int)e->at, name);
		return 1;
	}
	if ((uint32_t)e->at < pcl_space_start(e->space) ||
	    (uint32_t)e->at >= pcl_space_end(e->space)) {
		snprintf(why, size,
			 "offset 0x%x of '%s' is outside the %s space (0x%x-0x%x)",
			 (unsigned int)e->at, name, pcl_space_name(e->space),
			 pcl_space_start(e->space), pcl_space_end(e->space) - 1);
		return 1;
	}
	return 0;
}

/* A virtual entry: its generator's rules; *@len is its length. */
static int check_virtual(const struct pcl_layout_entry *e, const char *name,
			 uint32_t *len, char *why, size_t size)
{
	if (e->phys != -1 || e->instance || e->vendor != -1 ||
	    e->vsec_id != -1) {
		snprintf(why, size,
			 "virtual entry '%s' cannot select a device capability (phys, instance, vendor, vsec_id)",
			 name);
		return 9;
	}
	if (vcap_check(e, why, size))
		return 6;
	if (e->generator != PCL_GEN_BYTES && e->length &&
	    e->length != vcap_length(e)) {
		snprintf(why, size,
			 "virtual '%s' is %u bytes long; its length cannot be set",
			 name, vcap_length(e));
		return 2;
	}
	*len = vcap_length(e);
	return 0;
}

/* How a physical or hidden entry selects the device's capability. */
static int check_selector(const struct pcl_layout_entry *e, const char *name,
			  char *why, size_t size)
{
	if (e->generator != PCL_GEN_NONE) {
		snprintf(why, size, "only virtual entries have a generator");
		return 6;
	}
	for (size_t i = 0; i < PCL_VCAP_MAX_PARAMS; i++)
		if (e->params[i]) {
			snprintf(why, size,
				 "only virtual entries have generator parameters");
			return 6;
		}
	if (e->phys != -1) {
		if (e->phys & 3 ||
		    (uint32_t)e->phys < pcl_space_start(e->space) ||
		    (uint32_t)e->phys >= pcl_space_end(e->space)) {
			snprintf(why, size,
				 "physical offset 0x%x of '%s' is not a dword-aligned offset of the %s space",
				 (unsigned int)e->phys, name,
				 pcl_space_name(e->space));
			return 3;
		}
		if (e->instance) {
			snprintf(why, size,
				 "\"phys\" and \"instance\" both select a capability of '%s'; give one",
				 name);
			return 4;
		}
	}
	if (e->instance > 0xffff) {
		snprintf(why, size, "instance %u is too large", e->instance);
		return 4;
	}
	if ((e->vendor != -1 || e->vsec_id != -1) &&
	    !pcl_is_vendor_cap(e->space, e->id)) {
		snprintf(why, size,
			 "only 'vsec' and 'dvsec' entries select by vendor and vsec_id, not '%s'",
			 name);
		return 5;
	}
	if (e->vendor < -1 || e->vendor > 0xffff || e->vsec_id < -1 ||
	    e->vsec_id > 0xffff) {
		snprintf(why, size, "vendor and vsec_id are 16-bit values");
		return 5;
	}
	return 0;
}

/* A physical entry's length: its own, or the catalogue's. */
static int check_physical_length(const struct pcl_layout_entry *e,
				 const char *name, uint32_t *len, char *why,
				 size_t size)
{
	const struct capname *cn = pcl_capname_by_id(e->space, e->id);

	*len = e->length ? e->length : cn ? cn->length : 0;
	if (!*len) {
		snprintf(why, size,
			 "'%s' needs a \"length\": its size depends on its registers, and a layout does not depend on a device",
			 name);
		return 9;
	}
	if (cn && cn->fixed && *len != cn->length) {
		snprintf(why, size, "'%s' is always %u bytes long, not %u",
			 name, cn->length, *len);
		return 2;
	}
	if (*len < pcl_cap_hdr_size(e->space)) {
		snprintf(why, size, "length %u of '%s' is shorter than a capability header",
			 *len, name);
		return 2;
	}
	return 0;
}

/*
 * The rules an entry must satisfy on its own. On failure, @why says which
 * and the return value says which key is wrong (for the loader's position):
 * 1 "at", 2 "length", 3 "phys", 4 "instance", 5 "vendor"/"vsec_id",
 * 6 "virtual", 7 "provenance", 8 "id", 9 the entry itself.
 */
int pcl_layout_validate_entry(const struct pcl_layout *layout,
			      const struct pcl_layout_entry *e, char *why,
			      size_t size)
{
	char idbuf[16];
	const char *name;
	uint32_t len = 0;
	int r;

	r = check_common(e, why, size);
	if (r)
		return r;
	name = entry_name(e, idbuf, sizeof(idbuf));
	r = check_place(e, name, why, size);
	if (r)
		return r;
	if (e->kind == PCL_ENTRY_VIRTUAL) {
		r = check_virtual(e, name, &len, why, size);
		if (r)
			return r;
	} else {
		r = check_selector(e, name, why, size);
		if (r || e->kind == PCL_ENTRY_HIDDEN)
			return r;
		r = check_physical_length(e, name, &len, why, size);
		if (r)
			return r;
	}
	if (len > pcl_space_end(e->space) - (uint32_t)e->at) {
		snprintf(why, size,
			 "'%s' at 0x%x runs past the end of the %s space (%u bytes, ends at 0x%x)",
			 name, (unsigned int)e->at, pcl_space_name(e->space), len,
			 (unsigned int)e->at + len);
		return e->length ? 2 : 1;
	}
	return 0;
}

/* Canonical order of hidden entries; -1 selectors sort first. */
static int hidden_cmp(const struct pcl_layout_entry *a,
		      const struct pcl_layout_entry *b)
{
#define CMP(f) do { if (a->f != b->f) return a->f < b->f ? -1 : 1; } while (0)
	CMP(id);
	CMP(vendor);
	CMP(vsec_id);
	CMP(phys);
	CMP(instance);
#undef CMP
	return 0;
}

/* Where @e goes among the @count entries of its chain (see the header). */
static size_t insert_index(const struct pcl_layout_entry *es, size_t count,
			   const struct pcl_layout_entry *e, bool listed)
{
	size_t i = 0;

	if (e->kind == PCL_ENTRY_HIDDEN) {
		while (i < count && (es[i].kind != PCL_ENTRY_HIDDEN ||
				     hidden_cmp(&es[i], e) <= 0))
			i++;
		return i;
	}
	while (i < count && es[i].kind != PCL_ENTRY_HIDDEN &&
	       (listed || es[i].at <= e->at))
		i++;
	return i;
}

/*
 * Room an entry array of @count entries has: 8, then the next power of
 * two. It grows by doubling, not by one entry per insertion (a plan adds
 * its entries one by one), and the room of a count never shrinks, so it is
 * kept by no field: removing entries leaves at least the room of the
 * smaller count.
 */
static size_t entries_room(size_t count)
{
	size_t room = 8;

	while (room < count)
		room *= 2;
	return room;
}

static int insert_entry(struct pcl_layout *layout, bool listed,
			const struct pcl_layout_entry *e, struct lpos pos,
			char *reason);

int pcl_layout_insert_entry(struct pcl_layout *layout, bool listed,
			    const struct pcl_layout_entry *e, struct lpos pos)
{
	char *reason = NULL;

	if (e->prov_reason && !(reason = strdup(e->prov_reason)))
		return -ENOMEM;
	return insert_entry(layout, listed, e, pos, reason);
}

/* Insert @e with @reason (the layout's on success, freed on failure). */
static int insert_entry(struct pcl_layout *layout, bool listed,
			const struct pcl_layout_entry *e, struct lpos pos,
			char *reason)
{
	size_t max = e->space == PCL_SPACE_STANDARD ? LAYOUT_STD_ENTRIES_MAX :
						       LAYOUT_EXT_ENTRIES_MAX;
	struct pcl_layout_entry *grown, *n;
	size_t count = layout->n_entries[e->space], i;
	uint8_t *data = NULL;

	if (count >= max) {
		free(reason);
		return -ENOSPC;
	}
	if (e->generator == PCL_GEN_BYTES) {
		data = malloc(e->length);
		if (!data) {
			free(reason);
			return -ENOMEM;
		}
		memcpy(data, e->data, e->length);
	}
	grown = layout->entries[e->space];
	if (count == 0 || count + 1 > entries_room(count)) {
		n = realloc(grown, entries_room(count + 1) * sizeof(*grown));
		if (!n) {
			free(data);
			free(reason);
			return -ENOMEM;
		}
		layout->entries[e->space] = grown = n;
	}
	i = insert_index(grown, count, e, listed);
	memmove(&grown[i + 1], &grown[i], (count - i) * sizeof(*grown));
	n = &grown[i];
	*n = *e;
	n->data = data;
	n->prov_reason = reason;
	n->line = pos.line;
	n->column = pos.column;
	if (n->kind == PCL_ENTRY_VIRTUAL)
		n->length = vcap_length(e);
	else if (n->kind == PCL_ENTRY_PHYSICAL && !n->length)
		n->length = pcl_layout_cap_default_length(n->space, n->id);
	layout->n_entries[e->space]++;
	return 0;
}

PCL_EXPORT int pcl_layout_add_entry(struct pcl_layout *layout,
				    const struct pcl_layout_entry *e)
{
	return pcl_layout_add_entry_taking(layout, e, NULL);
}

int pcl_layout_add_entry_taking(struct pcl_layout *layout,
				const struct pcl_layout_entry *e, char *reason)
{
	char why[256];

	if (layout->kind != PCL_LAYOUT_KIND_LAYOUT ||
	    pcl_layout_validate_entry(layout, e, why, sizeof(why))) {
		if (layout->kind == PCL_LAYOUT_KIND_LAYOUT)
			pcl_dbg(layout->ctx, "rejected entry: %s", why);
		free(reason);
		return -EINVAL;
	}
	if (!reason)
		return pcl_layout_insert_entry(layout, false, e,
					       (struct lpos){ 0, 0 });
	return insert_entry(layout, false, e, (struct lpos){ 0, 0 }, reason);
}

PCL_EXPORT const struct pcl_layout_entry *
pcl_layout_find_virtual(const struct pcl_layout *layout, int gen)
{
	for (int s = 0; layout && s < 2; s++)
		for (size_t i = 0; i < layout->n_entries[s]; i++) {
			const struct pcl_layout_entry *e = &layout->entries[s][i];

			if (e->kind == PCL_ENTRY_VIRTUAL && e->generator == gen)
				return e;
		}
	return NULL;
}

PCL_EXPORT int pcl_layout_links(const struct pcl_layout *layout)
{
	return layout->links;
}

PCL_EXPORT int pcl_layout_format(const struct pcl_layout *layout)
{
	return layout->links == PCL_LINKS_LISTED ||
	       (layout->kind == PCL_LAYOUT_KIND_LAYOUT && !layout->revision) ?
		       2 : 1;
}

static bool chain_ascending(const struct pcl_layout *l, int space)
{
	const struct pcl_layout_entry *es = l->entries[space];

	for (size_t i = 1; i < l->n_entries[space]; i++)
		if (es[i].kind != PCL_ENTRY_HIDDEN && es[i - 1].at > es[i].at)
			return false;
	return true;
}

void pcl_layout_normalize_links(struct pcl_layout *layout)
{
	if (chain_ascending(layout, PCL_SPACE_STANDARD) &&
	    chain_ascending(layout, PCL_SPACE_EXTENDED))
		layout->links = PCL_LINKS_ASCENDING;
}

/* Index of the presented entry of @space at @at, or @n when none. */
static size_t presented_at(const struct pcl_layout_entry *es, size_t n,
			   uint32_t at)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (es[i].kind != PCL_ENTRY_HIDDEN && (uint32_t)es[i].at == at)
			break;
	return i;
}

PCL_EXPORT int pcl_layout_set_chain_order(struct pcl_layout *layout, int space,
					  const uint32_t *at, size_t n)
{
	struct pcl_layout_entry *es, *sorted;
	size_t count, presented = 0;

	if (!layout || layout->kind != PCL_LAYOUT_KIND_LAYOUT ||
	    !SPACE_OK(space) || (n && !at))
		return -EINVAL;
	es = layout->entries[space];
	count = layout->n_entries[space];
	while (presented < count && es[presented].kind != PCL_ENTRY_HIDDEN)
		presented++;
	if (n != presented ||
	    (space == PCL_SPACE_EXTENDED && n && at[0] != PCL_EXT_CAP_START))
		return -EINVAL;
	/* A permutation: each offset names a presented entry, none twice
	 * (offsets of presented entries are distinct in a valid layout, and
	 * a duplicate here would leave one out). */
	for (size_t i = 0; i < n; i++) {
		if (presented_at(es, n, at[i]) == n)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (at[j] == at[i])
				return -EINVAL;
	}
	if (!n)
		return 0;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = es[presented_at(es, n, at[i])];
	memcpy(es, sorted, n * sizeof(*sorted));
	free(sorted);
	layout->links = PCL_LINKS_LISTED;
	pcl_layout_normalize_links(layout);
	return 0;
}

PCL_EXPORT int pcl_layout_remove_entry(struct pcl_layout *layout, int space,
				       size_t index)
{
	if (!SPACE_OK(space) || index >= layout->n_entries[space])
		return -ENOENT;
	entry_release(&layout->entries[space][index]);
	memmove(&layout->entries[space][index],
		&layout->entries[space][index + 1],
		(layout->n_entries[space] - index - 1) *
			sizeof(layout->entries[space][0]));
	layout->n_entries[space]--;
	return 0;
}

PCL_EXPORT size_t pcl_layout_placement_count(const struct pcl_layout *layout)
{
	return layout->n_placements;
}

PCL_EXPORT const struct pcl_layout_placement *
pcl_layout_placement(const struct pcl_layout *layout, size_t index)
{
	return index < layout->n_placements ? &layout->placements[index] : NULL;
}

PCL_EXPORT int pcl_layout_add_placement(struct pcl_layout *layout, int space,
					uint16_t id, uint32_t at)
{
	struct pcl_layout_placement *grown;
	size_t i;

	if (layout->kind != PCL_LAYOUT_KIND_QUIRK || !SPACE_OK(space) ||
	    (space == PCL_SPACE_STANDARD && id > 0xff) || (at & 3) ||
	    at < pcl_space_start(space) || at >= pcl_space_end(space))
		return -EINVAL;
	if (layout->n_placements >= LAYOUT_IDLIST_MAX)
		return -ENOSPC;
	for (i = 0; i < layout->n_placements; i++) {
		const struct pcl_layout_placement *p = &layout->placements[i];

		if (p->space == space && p->id == id)
			return -EEXIST;
		if (p->space > space || (p->space == space && p->id > id))
			break;
	}
	grown = realloc(layout->placements,
			(layout->n_placements + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	layout->placements = grown;
	memmove(&grown[i + 1], &grown[i],
		(layout->n_placements - i) * sizeof(*grown));
	grown[i] = (struct pcl_layout_placement){ .space = (uint8_t)space,
						  .id = id, .at = at };
	layout->n_placements++;
	return 0;
}

static int idlist_add(struct pcl_layout *layout, struct pcl_layout_idlist *l,
		      int space, uint16_t id)
{
	uint16_t *grown;
	size_t i;

	if (layout->kind != PCL_LAYOUT_KIND_QUIRK ||
	    (space == PCL_SPACE_STANDARD && id > 0xff))
		return -EINVAL;
	if (l->count >= LAYOUT_IDLIST_MAX)
		return -ENOSPC;
	for (i = 0; i < l->count && l->ids[i] < id; i++)
		;
	if (i < l->count && l->ids[i] == id)
		return -EEXIST;
	grown = realloc(l->ids, (l->count + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	l->ids = grown;
	memmove(&grown[i + 1], &grown[i], (l->count - i) * sizeof(*grown));
	grown[i] = id;
	l->count++;
	return 0;
}

PCL_EXPORT size_t pcl_layout_hide_count(const struct pcl_layout *layout,
					int space)
{
	return SPACE_OK(space) ? layout->hide[space].count : 0;
}

PCL_EXPORT int32_t pcl_layout_hide(const struct pcl_layout *layout, int space,
				   size_t index)
{
	if (!SPACE_OK(space) || index >= layout->hide[space].count)
		return -1;
	return layout->hide[space].ids[index];
}

PCL_EXPORT int pcl_layout_add_hide(struct pcl_layout *layout, int space,
				   uint16_t id)
{
	if (!SPACE_OK(space))
		return -EINVAL;
	return idlist_add(layout, &layout->hide[space], space, id);
}

PCL_EXPORT size_t pcl_layout_keep_count(const struct pcl_layout *layout,
					int space)
{
	return SPACE_OK(space) ? layout->keep[space].count : 0;
}

PCL_EXPORT int32_t pcl_layout_keep(const struct pcl_layout *layout, int space,
				   size_t index)
{
	if (!SPACE_OK(space) || index >= layout->keep[space].count)
		return -1;
	return layout->keep[space].ids[index];
}

PCL_EXPORT int pcl_layout_add_keep(struct pcl_layout *layout, int space,
				   uint16_t id)
{
	if (!SPACE_OK(space))
		return -EINVAL;
	return idlist_add(layout, &layout->keep[space], space, id);
}

PCL_EXPORT const char *pcl_layout_entry_label(const struct pcl_layout_entry *e,
					      char *buf, size_t size)
{
	char nb[16];
	const char *n = pcl_layout_cap_label(e->space, e->id, nb, sizeof(nb));
	int len = snprintf(buf, size, "%s", n);

	if (len >= 0 && (size_t)len < size && (e->vendor != -1 || e->vsec_id != -1))
		len += snprintf(buf + len, size - (size_t)len, " %04x/%04x",
				e->vendor == -1 ? 0 : (unsigned int)e->vendor,
				e->vsec_id == -1 ? 0 : (unsigned int)e->vsec_id);
	if (len >= 0 && (size_t)len < size && e->kind != PCL_ENTRY_VIRTUAL) {
		if (e->phys != -1)
			snprintf(buf + len, size - (size_t)len, " (phys 0x%x)",
				 (unsigned int)e->phys);
		else if (e->instance)
			snprintf(buf + len, size - (size_t)len, " #%u",
				 (unsigned int)e->instance);
	}
	return buf;
}

/* "'pasid' at 0xff8" or "hidden 'ari'", for messages. */
static const char *describe(const struct pcl_layout_entry *e, char *buf,
			    size_t size)
{
	const char *name = pcl_layout_cap_name(e->space, e->id);
	char idbuf[16];

	if (!name) {
		snprintf(idbuf, sizeof(idbuf), "0x%x", e->id);
		name = idbuf;
	}
	if (e->kind == PCL_ENTRY_HIDDEN)
		snprintf(buf, size, "hidden '%s'", name);
	else
		snprintf(buf, size, "'%s' at 0x%x", name, (unsigned int)e->at);
	return buf;
}

static struct lpos epos(const struct pcl_layout_entry *e)
{
	return (struct lpos){ e->line, e->column };
}

/* The ID first: it tells most pairs apart (validate_chain() compares each
 * hidden entry with every earlier one). */
static bool same_selector(const struct pcl_layout_entry *a,
			  const struct pcl_layout_entry *b)
{
	return a->id == b->id && a->kind != PCL_ENTRY_VIRTUAL &&
	       b->kind != PCL_ENTRY_VIRTUAL && a->vendor == b->vendor &&
	       a->vsec_id == b->vsec_id && a->phys == b->phys &&
	       a->instance == b->instance;
}

static int validate_chain(const struct pcl_layout *l, int space,
			  struct pcl_diag *diag, bool partial)
{
	const struct pcl_layout_entry *es = l->entries[space];
	size_t n = l->n_entries[space];
	const char *src = l->source;
	const struct pcl_layout_entry *first = NULL;
	char a[64], b[64], why[256];
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pcl_layout_entry *e = &es[i];

		if (pcl_layout_validate_entry(l, e, why, sizeof(why))) {
			pcl_diag_add_pos(diag, src, epos(e), "%s", why);
			bad++;
			continue;
		}
		if (e->kind == PCL_ENTRY_HIDDEN) {
			for (size_t j = 0; j < i; j++)
				if (same_selector(&es[j], e)) {
					pcl_diag_add_pos(diag, src, epos(e),
						     "%s selects the same device capability as %s",
						     describe(e, a, sizeof(a)),
						     describe(&es[j], b, sizeof(b)));
					bad++;
					break;
				}
			continue;
		}
		if (!first)
			first = e;
		/* Entries are in link order, not always by offset: compare
		 * both ways with every earlier one. */
		for (size_t j = 0; j < i; j++) {
			const struct pcl_layout_entry *p = &es[j];

			if (p->kind == PCL_ENTRY_HIDDEN)
				continue;
			if ((uint32_t)p->at + p->length > (uint32_t)e->at &&
			    (uint32_t)e->at + e->length > (uint32_t)p->at) {
				pcl_diag_add_pos(diag, src, epos(e),
					     "%s overlaps %s (0x%x-0x%x)",
					     describe(e, a, sizeof(a)),
					     describe(p, b, sizeof(b)),
					     (unsigned int)p->at,
					     (unsigned int)p->at + p->length - 1);
				bad++;
			}
			if (same_selector(p, e)) {
				pcl_diag_add_pos(diag, src, epos(e),
					     "%s selects the same device capability as %s",
					     describe(e, a, sizeof(a)),
					     describe(p, b, sizeof(b)));
				bad++;
			}
		}
		for (size_t k = 0; k < l->n_reserved; k++) {
			const struct pcl_layout_reserved *r = &l->reserved[k];

			if (r->offset < (uint32_t)e->at + e->length &&
			    (uint32_t)e->at < r->offset + r->length) {
				pcl_diag_add_pos(diag, src, epos(e),
					     "%s covers reserved bytes 0x%x-0x%x (%s)",
					     describe(e, a, sizeof(a)), r->offset,
					     r->offset + r->length - 1, r->reason);
				bad++;
			}
		}
	}
	if (space == PCL_SPACE_EXTENDED && first &&
	    first->at != PCL_EXT_CAP_START && !partial) {
		pcl_diag_add_pos(diag, src, epos(first),
			     "the first extended entry must be at 0x100, where the chain starts; %s is the first (add a virtual 'null' entry at 0x100 if nothing else belongs there)",
			     describe(first, a, sizeof(a)));
		bad++;
	}
	return bad;
}

/*
 * @loading: the loader has already reported missing keys at their
 * positions; report only the rules it leaves to us. @partial: as for
 * pcl_layout_validate_loaded().
 */
static int validate(const struct pcl_layout *layout, struct pcl_diag *diag,
		    bool loading, unsigned int partial)
{
	const char *src = layout->source;
	struct lpos root = layout->root_pos;
	int bad = 0;

	if (!loading && !layout->name) {
		pcl_diag_add_pos(diag, src, root, "missing key \"name\"");
		bad++;
	}
	if (!loading && layout->kind == PCL_LAYOUT_KIND_QUIRK &&
	    !layout->match.present) {
		pcl_diag_add_pos(diag, src, root, "a quirk needs a \"match\"");
		bad++;
	}
	for (size_t i = 1; i < layout->n_reserved; i++) {
		const struct pcl_layout_reserved *p = &layout->reserved[i - 1];
		const struct pcl_layout_reserved *r = &layout->reserved[i];

		if (p->offset + p->length > r->offset) {
			pcl_diag_add_pos(diag, src, (struct lpos){ r->line, r->column },
				     "reserved range 0x%x-0x%x overlaps reserved range 0x%x-0x%x",
				     r->offset, r->offset + r->length - 1,
				     p->offset, p->offset + p->length - 1);
			bad++;
		}
	}
	for (int s = 0; s < 2; s++) {
		bad += validate_chain(layout, s, diag, partial & (1u << s));
		for (size_t i = 0; !loading && i < layout->hide[s].count; i++)
			for (size_t j = 0; j < layout->keep[s].count; j++)
				if (layout->hide[s].ids[i] ==
				    layout->keep[s].ids[j]) {
					pcl_diag_add_pos(diag, src, root,
						     "%s capability 0x%x is both hidden and kept",
						     pcl_space_name(s),
						     layout->hide[s].ids[i]);
					bad++;
				}
	}
	pcl_diag_sort(diag);
	return bad ? -EINVAL : 0;
}

PCL_EXPORT int pcl_layout_validate(const struct pcl_layout *layout,
				   struct pcl_diag *diag)
{
	return validate(layout, diag, false, 0);
}

int pcl_layout_validate_loaded(const struct pcl_layout *layout,
			       struct pcl_diag *diag, unsigned int partial)
{
	return validate(layout, diag, true, partial);
}

PCL_EXPORT long pcl_layout_entry_find(const struct pcl_layout_entry *e,
				      const struct pcl_walk *walk)
{
	const struct pcl_cap *c;
	uint32_t seen = 0;

	for (size_t i = 0; (c = pcl_walk_cap_or_orphan(walk, i)); i++) {
		if (c->space != e->space || c->id != e->id)
			continue;
		if (e->vendor != -1 && c->vendor != e->vendor)
			continue;
		if (e->vsec_id != -1 && c->vsec_id != e->vsec_id)
			continue;
		if (e->phys != -1) {
			if (c->offset == e->phys)
				return (long)i;
			continue;
		}
		if (seen++ == e->instance)
			return (long)i;
	}
	return -1;
}
