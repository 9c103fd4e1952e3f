// SPDX-License-Identifier: BSD-3-Clause
/*
 * save.c - the canonical form, saving (through core's atomic writer) and the
 * fingerprint.
 *
 * The canonical form is a pure function of the layout: jansson's dump with
 * sorted keys and a two-space indent, members equal to their default left
 * out, hex strings in lower case with the widths the spec gives each field,
 * and a final newline. Because every string is free of control characters
 * (the loader and setters refuse them), jansson only ever escapes '"' and
 * '\', so another implementation can reproduce these bytes exactly.
 *
 * The fingerprint hashes the same writer's output in "fingerprint mode":
 * without description, provenance and hidden entries, and with capability
 * IDs as numbers, so that it identifies what the guest sees and not how it
 * was explained, which names the writer knew, or which device
 * capabilities the layout names to hide (a VMM reading the device through
 * VFIO cannot always tell: the kernel erases the ID of a hidden first
 * extended capability).
 */
#include <stdio.h>
#include <stdlib.h>

#include "layout-internal.h"
#include "vcap/vcap.h"

/* json_object_set_new() that remembers a failure instead of checking each. */
static void set(json_t *o, const char *key, json_t *v, bool *oom)
{
	if (!v || json_object_set_new(o, key, v))
		*oom = true;
}

static json_t *hex(unsigned long long v, int width)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%0*llx", width, v);
	return json_string(buf);
}

static json_t *capid(int space, uint16_t id, bool numeric)
{
	const char *name = numeric ? NULL : pcl_layout_cap_name(space, id);

	return name ? json_string(name) : hex(id, 1);
}

/* One parameter, as its generator's table row spells it (vcap/). */
static json_t *param_json(const struct vcap_param *p,
			  const struct pcl_layout_entry *e, bool *oom)
{
	uint64_t v = e->params[p->index];
	json_t *j;
	char *s;

	switch (p->type) {
	case VP_UINT:
		return json_integer((json_int_t)v);
	case VP_BOOL:
		return v ? json_true() : NULL; /* false is the default */
	case VP_SERIAL:
		return p->word && e->params[p->word_index] ?
			json_string(p->word) : hex(v, 16);
	default:
		s = malloc(e->length * 2 + 1);
		if (!s) {
			*oom = true;
			return NULL;
		}
		for (uint32_t i = 0; i < e->length; i++)
			snprintf(s + 2 * i, 3, "%02x", e->data[i]);
		j = json_string(s);
		free(s);
		return j;
	}
}

static json_t *virtual_json(const struct pcl_layout_entry *e, bool *oom)
{
	const struct vcap_gen *g = vcap_get(e->generator);
	json_t *v = json_object();

	if (!v || !g) {
		*oom = true;
		json_decref(v);
		return NULL;
	}
	set(v, "generator", json_string(g->name), oom);
	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];
		json_t *j;

		if (!p->key)
			continue;
		j = param_json(p, e, oom);
		if (j)
			set(v, p->key, j, oom);
	}
	return v;
}

static json_t *entry_json(const struct pcl_layout_entry *e, bool fp, bool *oom)
{
	json_t *o = json_object(), *v;

	if (!o) {
		*oom = true;
		return NULL;
	}
	set(o, "id", capid(e->space, e->id, fp), oom);
	if (e->kind == PCL_ENTRY_HIDDEN)
		set(o, "hidden", json_true(), oom);
	else
		set(o, "at", hex((unsigned int)e->at, 1), oom);
	if (e->kind == PCL_ENTRY_PHYSICAL &&
	    e->length != pcl_layout_cap_default_length(e->space, e->id))
		set(o, "length", json_integer(e->length), oom);
	if (e->phys != -1)
		set(o, "phys", hex((unsigned int)e->phys, 1), oom);
	if (e->instance)
		set(o, "instance", json_integer(e->instance), oom);
	if (e->vendor != -1)
		set(o, "vendor", hex((unsigned int)e->vendor, 4), oom);
	if (e->vsec_id != -1)
		set(o, "vsec_id", hex((unsigned int)e->vsec_id, 1), oom);
	if (e->kind == PCL_ENTRY_VIRTUAL)
		set(o, "virtual", virtual_json(e, oom), oom);
	if (!fp && e->prov_rule != PCL_PROV_NONE) {
		v = json_object();
		if (v) {
			set(v, "rule",
			    json_string(pcl_prov_rule_name(e->prov_rule)), oom);
			set(v, "reason", json_string(e->prov_reason), oom);
		}
		set(o, "provenance", v, oom);
	}
	return o;
}

static json_t *match_json(const struct pcl_layout_match *m, bool *oom)
{
	json_t *o = json_object();

	if (!o) {
		*oom = true;
		return NULL;
	}
	set(o, "vendor", hex(m->vendor, 4), oom);
	if (m->fields & PCL_MATCH_DEVICE)
		set(o, "device", hex(m->device, 4), oom);
	if (m->fields & PCL_MATCH_SUBSYSTEM_VENDOR)
		set(o, "subsystem_vendor", hex(m->subsystem_vendor, 4), oom);
	if (m->fields & PCL_MATCH_SUBSYSTEM)
		set(o, "subsystem", hex(m->subsystem, 4), oom);
	if (m->fields & PCL_MATCH_REVISION)
		set(o, "revision", hex(m->revision, 2), oom);
	if (m->fields & PCL_MATCH_CLASS)
		set(o, "class", hex(m->class_code, 6), oom);
	return o;
}

static json_t *idlists_json(const struct pcl_layout_idlist *lists, bool fp,
			    bool *oom)
{
	json_t *o;

	if (!lists[0].count && !lists[1].count)
		return NULL;
	o = json_object();
	if (!o) {
		*oom = true;
		return NULL;
	}
	for (int s = 0; s < 2; s++) {
		json_t *a;

		if (!lists[s].count)
			continue;
		a = json_array();
		for (size_t i = 0; a && i < lists[s].count; i++)
			if (json_array_append_new(a, capid(s, lists[s].ids[i], fp)))
				*oom = true;
		set(o, pcl_space_name(s), a, oom);
	}
	return o;
}

json_t *pcl_layout_to_json(const struct pcl_layout *l, bool fp)
{
	json_t *root = json_object(), *a;
	bool oom = false;

	if (!root)
		return NULL;
	set(root, "pcilayout", json_integer(pcl_layout_format(l)), &oom);
	if (l->kind == PCL_LAYOUT_KIND_QUIRK)
		set(root, "kind", json_string("quirk"), &oom);
	set(root, "name", json_string(l->name), &oom);
	if (l->kind == PCL_LAYOUT_KIND_LAYOUT)
		set(root, "revision", json_integer(l->revision), &oom);
	if (l->description && !fp)
		set(root, "description", json_string(l->description), &oom);
	if (l->match.present)
		set(root, "match", match_json(&l->match, &oom), &oom);
	if (l->n_machines) {
		a = json_array();
		for (size_t i = 0; a && i < l->n_machines; i++)
			if (json_array_append_new(a, json_string(l->machines[i])))
				oom = true;
		set(root, "machines", a, &oom);
	}
	if (l->profile)
		set(root, "profile", json_string(l->profile), &oom);
	if (l->unclaimed != PCL_UNCLAIMED_PASSTHROUGH)
		set(root, "unclaimed",
		    json_string(pcl_unclaimed_name(l->unclaimed)), &oom);
	if (l->links == PCL_LINKS_LISTED)
		set(root, "links", json_string("listed"), &oom);
	if (l->n_reserved) {
		a = json_array();
		for (size_t i = 0; a && i < l->n_reserved; i++) {
			const struct pcl_layout_reserved *r = &l->reserved[i];
			json_t *o = json_object();

			if (!o) {
				oom = true;
				break;
			}
			set(o, "offset", hex(r->offset, 1), &oom);
			set(o, "length", json_integer(r->length), &oom);
			set(o, "reason", json_string(r->reason), &oom);
			if (r->source)
				set(o, "source", json_string(r->source), &oom);
			if (json_array_append_new(a, o))
				oom = true;
		}
		set(root, "reserved", a, &oom);
	}
	for (int s = 0; s < 2; s++) {
		a = json_array();
		for (size_t i = 0; a && i < l->n_entries[s]; i++) {
			const struct pcl_layout_entry *e = &l->entries[s][i];

			if (fp && e->kind == PCL_ENTRY_HIDDEN)
				continue;
			if (json_array_append_new(a, entry_json(e, fp, &oom)))
				oom = true;
		}
		if (!a || json_array_size(a))
			set(root, pcl_space_name(s), a, &oom);
		else
			json_decref(a);
	}
	if (l->n_placements) {
		json_t *o = json_object();

		for (int s = 0; o && s < 2; s++) {
			json_t *m = NULL;

			for (size_t i = 0; i < l->n_placements; i++) {
				const struct pcl_layout_placement *p =
					&l->placements[i];
				json_t *k;

				if (p->space != s)
					continue;
				if (!m)
					m = json_object();
				k = capid(s, p->id, fp);
				if (!m || !k)
					oom = true;
				else
					set(m, json_string_value(k),
					    hex(p->at, 1), &oom);
				json_decref(k);
			}
			if (m)
				set(o, pcl_space_name(s), m, &oom);
		}
		set(root, "placements", o, &oom);
	}
	a = idlists_json(l->hide, fp, &oom);
	if (a)
		set(root, "hide", a, &oom);
	a = idlists_json(l->keep, fp, &oom);
	if (a)
		set(root, "keep", a, &oom);
	if (oom) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static int serialize(const struct pcl_layout *layout, bool fp, char **out,
		     size_t *len)
{
	json_t *root;
	char *s, *t;
	size_t n;

	if (pcl_layout_validate(layout, NULL))
		return -EINVAL;
	root = pcl_layout_to_json(layout, fp);
	if (!root)
		return -ENOMEM;
	s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!s)
		return -ENOMEM;
	n = strlen(s);
	t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return -ENOMEM;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	*out = t;
	if (len)
		*len = n + 1;
	return 0;
}

PCL_EXPORT int pcl_layout_to_string(const struct pcl_layout *layout,
				    char **out, size_t *len)
{
	return serialize(layout, false, out, len);
}

PCL_EXPORT int pcl_layout_save(const struct pcl_layout *layout, FILE *f)
{
	size_t len;
	char *s;
	int ret = serialize(layout, false, &s, &len);

	if (ret)
		return ret;
	if (fwrite(s, 1, len, f) != len || fflush(f))
		ret = -EIO;
	free(s);
	return ret;
}

static int write_text(FILE *f, void *opaque)
{
	const char *text = opaque;
	size_t len = strlen(text);

	return fwrite(text, 1, len, f) == len ? 0 : -EIO;
}

PCL_EXPORT int pcl_layout_save_file(const struct pcl_layout *layout,
				    const char *path)
{
	char *text = NULL;
	int ret = serialize(layout, false, &text, NULL);

	if (!ret)
		ret = pcl_file_replace(path, write_text, text);
	free(text);
	return ret;
}

PCL_EXPORT int pcl_layout_fingerprint(const struct pcl_layout *layout,
				      char out[PCL_FINGERPRINT_SIZE])
{
	size_t len;
	char *s;
	int ret = serialize(layout, true, &s, &len);

	if (ret)
		return ret;
	pcl_fingerprint_of(s, len, out);
	free(s);
	return 0;
}
