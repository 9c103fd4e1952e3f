// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_canon.c - the canonical writer (lib/layout/save.c) against jansson.
 * For every shipped layout and quirk file, a plan of every corpus dump,
 * hand-made edge cases and seeded random layouts and quirks, in normal
 * and fingerprint mode:
 *  - the text equals the reference: the jansson tree writer save.c used
 *    before it wrote the text directly (below, test code only), dumped
 *    with JSON_INDENT(2) | JSON_SORT_KEYS plus a newline;
 *  - the text is a fixed point of that dump: parsed by jansson and dumped
 *    again it gives the same bytes;
 *  - the fingerprint is SHA-256 of the reference's fingerprint-mode text;
 *  - a layout the writer refuses, the reference refused with the same code.
 * Control characters, which no setter lets in, are put into a layout
 * object directly to check the writer escapes them as jansson does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "corpus.h"
#include "props.h"
#include "layout/layout-internal.h"
#include "vcap/vcap.h"

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS)

static struct pcl_ctx *ctx;

static int setup(void **state)
{
	ctx = pcl_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	pcl_ctx_free(ctx);
	return 0;
}

/* ---- The reference: the tree writer of save.c before it wrote text. ---- */

static void ref_set(json_t *o, const char *key, json_t *v, bool *oom)
{
	if (!v || json_object_set_new(o, key, v))
		*oom = true;
}

static json_t *ref_hex(unsigned long long v, int width)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%0*llx", width, v);
	return json_string(buf);
}

static json_t *ref_capid(int space, uint16_t id, bool numeric)
{
	const char *name = numeric ? NULL : pcl_layout_cap_name(space, id);

	return name ? json_string(name) : ref_hex(id, 1);
}

static json_t *ref_param(const struct vcap_param *p,
			 const struct pcl_layout_entry *e, bool *oom)
{
	uint64_t v = e->params[p->index];
	json_t *j;
	char *s;

	switch (p->type) {
	case VP_UINT:
		return json_integer((json_int_t)v);
	case VP_BOOL:
		return v ? json_true() : NULL;
	case VP_SERIAL:
		return p->word && e->params[p->word_index] ?
			json_string(p->word) : ref_hex(v, 16);
	default:
		s = malloc(e->length * 2 + 1);
		if (!s) {
			*oom = true;
			return NULL;
		}
		s[0] = '\0';
		for (uint32_t i = 0; i < e->length; i++)
			snprintf(s + 2 * i, 3, "%02x", e->data[i]);
		j = json_string(s);
		free(s);
		return j;
	}
}

static json_t *ref_virtual(const struct pcl_layout_entry *e, bool *oom)
{
	const struct vcap_gen *g = vcap_get(e->generator);
	json_t *v = json_object();

	if (!v || !g) {
		*oom = true;
		json_decref(v);
		return NULL;
	}
	ref_set(v, "generator", json_string(g->name), oom);
	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];
		json_t *j;

		if (!p->key)
			continue;
		j = ref_param(p, e, oom);
		if (j)
			ref_set(v, p->key, j, oom);
	}
	return v;
}

static json_t *ref_entry(const struct pcl_layout_entry *e, bool fp, bool *oom)
{
	json_t *o = json_object(), *v;

	if (!o) {
		*oom = true;
		return NULL;
	}
	ref_set(o, "id", ref_capid(e->space, e->id, fp), oom);
	if (e->kind == PCL_ENTRY_HIDDEN)
		ref_set(o, "hidden", json_true(), oom);
	else
		ref_set(o, "at", ref_hex((unsigned int)e->at, 1), oom);
	if (e->kind == PCL_ENTRY_PHYSICAL &&
	    e->length != pcl_layout_cap_default_length(e->space, e->id))
		ref_set(o, "length", json_integer(e->length), oom);
	if (e->phys != -1)
		ref_set(o, "phys", ref_hex((unsigned int)e->phys, 1), oom);
	if (e->instance)
		ref_set(o, "instance", json_integer(e->instance), oom);
	if (e->vendor != -1)
		ref_set(o, "vendor", ref_hex((unsigned int)e->vendor, 4), oom);
	if (e->vsec_id != -1)
		ref_set(o, "vsec_id", ref_hex((unsigned int)e->vsec_id, 1), oom);
	if (e->kind == PCL_ENTRY_VIRTUAL)
		ref_set(o, "virtual", ref_virtual(e, oom), oom);
	if (!fp && e->prov_rule != PCL_PROV_NONE) {
		v = json_object();
		if (v) {
			ref_set(v, "rule",
				json_string(pcl_prov_rule_name(e->prov_rule)), oom);
			ref_set(v, "reason", json_string(e->prov_reason), oom);
		}
		ref_set(o, "provenance", v, oom);
	}
	return o;
}

static json_t *ref_match(const struct pcl_layout_match *m, bool *oom)
{
	json_t *o = json_object();

	if (!o) {
		*oom = true;
		return NULL;
	}
	ref_set(o, "vendor", ref_hex(m->vendor, 4), oom);
	if (m->fields & PCL_MATCH_DEVICE)
		ref_set(o, "device", ref_hex(m->device, 4), oom);
	if (m->fields & PCL_MATCH_SUBSYSTEM_VENDOR)
		ref_set(o, "subsystem_vendor", ref_hex(m->subsystem_vendor, 4), oom);
	if (m->fields & PCL_MATCH_SUBSYSTEM)
		ref_set(o, "subsystem", ref_hex(m->subsystem, 4), oom);
	if (m->fields & PCL_MATCH_REVISION)
		ref_set(o, "revision", ref_hex(m->revision, 2), oom);
	if (m->fields & PCL_MATCH_CLASS)
		ref_set(o, "class", ref_hex(m->class_code, 6), oom);
	return o;
}

static json_t *ref_idlists(const struct pcl_layout_idlist *lists, bool fp,
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
			if (json_array_append_new(a, ref_capid(s, lists[s].ids[i], fp)))
				*oom = true;
		ref_set(o, pcl_space_name(s), a, oom);
	}
	return o;
}

static json_t *ref_tree(const struct pcl_layout *l, bool fp)
{
	json_t *root = json_object(), *a;
	bool oom = false;

	if (!root)
		return NULL;
	ref_set(root, "pcilayout", json_integer(pcl_layout_format(l)), &oom);
	if (l->kind == PCL_LAYOUT_KIND_QUIRK)
		ref_set(root, "kind", json_string("quirk"), &oom);
	ref_set(root, "name", json_string(l->name), &oom);
	if (l->kind == PCL_LAYOUT_KIND_LAYOUT)
		ref_set(root, "revision", json_integer(l->revision), &oom);
	if (l->description && !fp)
		ref_set(root, "description", json_string(l->description), &oom);
	if (l->match.present)
		ref_set(root, "match", ref_match(&l->match, &oom), &oom);
	if (l->n_machines) {
		a = json_array();
		for (size_t i = 0; a && i < l->n_machines; i++)
			if (json_array_append_new(a, json_string(l->machines[i])))
				oom = true;
		ref_set(root, "machines", a, &oom);
	}
	if (l->profile)
		ref_set(root, "profile", json_string(l->profile), &oom);
	if (l->unclaimed != PCL_UNCLAIMED_PASSTHROUGH)
		ref_set(root, "unclaimed",
			json_string(pcl_unclaimed_name(l->unclaimed)), &oom);
	if (l->links == PCL_LINKS_LISTED)
		ref_set(root, "links", json_string("listed"), &oom);
	if (l->n_reserved) {
		a = json_array();
		for (size_t i = 0; a && i < l->n_reserved; i++) {
			const struct pcl_layout_reserved *r = &l->reserved[i];
			json_t *o = json_object();

			if (!o) {
				oom = true;
				break;
			}
			ref_set(o, "offset", ref_hex(r->offset, 1), &oom);
			ref_set(o, "length", json_integer(r->length), &oom);
			ref_set(o, "reason", json_string(r->reason), &oom);
			if (r->source)
				ref_set(o, "source", json_string(r->source), &oom);
			if (json_array_append_new(a, o))
				oom = true;
		}
		ref_set(root, "reserved", a, &oom);
	}
	for (int s = 0; s < 2; s++) {
		a = json_array();
		for (size_t i = 0; a && i < l->n_entries[s]; i++) {
			const struct pcl_layout_entry *e = &l->entries[s][i];

			if (fp && e->kind == PCL_ENTRY_HIDDEN)
				continue;
			if (json_array_append_new(a, ref_entry(e, fp, &oom)))
				oom = true;
		}
		if (!a || json_array_size(a))
			ref_set(root, pcl_space_name(s), a, &oom);
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
				k = ref_capid(s, p->id, fp);
				if (!m || !k)
					oom = true;
				else
					ref_set(m, json_string_value(k),
						ref_hex(p->at, 1), &oom);
				json_decref(k);
			}
			if (m)
				ref_set(o, pcl_space_name(s), m, &oom);
		}
		ref_set(root, "placements", o, &oom);
	}
	a = ref_idlists(l->hide, fp, &oom);
	if (a)
		ref_set(root, "hide", a, &oom);
	a = ref_idlists(l->keep, fp, &oom);
	if (a)
		ref_set(root, "keep", a, &oom);
	if (oom) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* The reference text (malloc'ed) in *@out, or its error code. */
static int ref_text(const struct pcl_layout *l, bool fp, char **out)
{
	json_t *root;
	char *s;

	*out = NULL;
	if (pcl_layout_validate(l, NULL))
		return -EINVAL;
	root = ref_tree(l, fp);
	if (!root)
		return -ENOMEM;
	s = json_dumps(root, DUMP_FLAGS);
	json_decref(root);
	if (!s)
		return -ENOMEM;
	*out = malloc(strlen(s) + 2);
	assert_non_null(*out);
	strcpy(*out, s);
	strcat(*out, "\n");
	free(s);
	return 0;
}

/* ---- The checks. ---- */

static size_t checked, refused;

static void same_text(const char *what, const char *mode, const char *got,
		      size_t len, const char *want)
{
	size_t i = 0;

	if (len == strlen(want) && !memcmp(got, want, len))
		return;
	while (i < len && got[i] == want[i])
		i++;
	fail_msg("%s (%s): the writer differs from %s at byte %zu:\n"
		 "--- writer ---\n%.*s\n--- %s ---\n%s", what, mode,
		 mode[0] == 'f' ? "jansson's dump of its own text" : "the reference",
		 i, (int)len, got, mode[0] == 'f' ? "dump" : "reference", want);
}

/* @text parsed by jansson and dumped again, plus a newline. */
static char *redump(const char *text, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb(text, len, 0, &err);
	char *s, *out;

	if (!j)
		fail_msg("jansson cannot parse the writer's text: %s (line %d)\n%s",
			 err.text, err.line, text);
	s = json_dumps(j, DUMP_FLAGS);
	json_decref(j);
	assert_non_null(s);
	out = malloc(strlen(s) + 2);
	assert_non_null(out);
	strcpy(out, s);
	strcat(out, "\n");
	free(s);
	return out;
}

static void check_layout(const struct pcl_layout *l, const char *what)
{
	char fp[PCL_FINGERPRINT_SIZE], want_fp[PCL_FINGERPRINT_SIZE];
	char *out = NULL, *ref = NULL, *again;
	size_t len = 0;
	int r = pcl_layout_to_string(l, &out, &len);
	int rr = ref_text(l, false, &ref);

	if (r != rr)
		fail_msg("%s: the writer returns %d, the reference %d", what, r, rr);
	assert_int_equal(pcl_layout_fingerprint(l, fp), r);
	if (r) {
		assert_null(ref);
		refused++;
		return;
	}
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	same_text(what, "text", out, len, ref);
	again = redump(out, len);
	same_text(what, "fixed point", out, len, again);
	free(again);
	free(ref);
	free(out);

	assert_int_equal(ref_text(l, true, &ref), 0);
	again = redump(ref, strlen(ref));
	assert_string_equal(again, ref);
	free(again);
	pcl_fingerprint_of(ref, strlen(ref), want_fp);
	if (strcmp(fp, want_fp))
		fail_msg("%s: fingerprint %s, the reference's text gives %s:\n%s",
			 what, fp, want_fp, ref);
	free(ref);
	checked++;
}

/* Text with every kind of character the format allows a string to hold. */
static const char *const texts[] = {
	"plain",
	"quote \" backslash \\ slash / end",
	"\\\\\"\"",
	"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xe4\xb8\xad\xe6\x96\x87",
	"\"",
	"~\x7e{}[]:,",
};

/* @l and, where its kind allows, variants with awkward descriptions. */
static void check_variants(struct pcl_layout *l, const char *what)
{
	char buf[512];

	check_layout(l, what);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(pcl_layout_set_description(l, texts[i]), 0);
		snprintf(buf, sizeof(buf), "%s with description %zu", what, i);
		check_layout(l, buf);
	}
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Every .json under @dir that loads as a layout or quirk; return their count. */
static size_t check_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[4096];
		struct pcl_layout *l = NULL;
		struct stat st;
		size_t len;
		char *text;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += check_tree(path);
			continue;
		}
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		text = read_all(path, &len);
		assert_non_null(text);
		if (!pcl_layout_load_string(ctx, text, len, path, &l, NULL)) {
			check_variants(l, path);
			pcl_layout_free(l);
			n++;
		}
		free(text);
	}
	closedir(d);
	return n;
}

/* Every shipped layout and quirk, the examples and the test fixtures. */
static void test_canon_files(void **state)
{
	static const char *const dirs[] = { "data", "examples", "tests/fixtures" };
	const char *src = getenv("PCL_SRCDIR");
	size_t n[3];

	if (!src)
		skip();
	for (size_t i = 0; i < 3; i++) {
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/%s", src, dirs[i]);
		n[i] = check_tree(dir);
	}
	print_message("%zu in data, %zu in examples, %zu in tests/fixtures\n",
		      n[0], n[1], n[2]);
	/* data/quirks: 10 files; examples/layouts: 4; fixtures: dozens. */
	assert_true(n[0] >= 10);
	assert_true(n[1] >= 4);
	assert_true(n[2] >= 10);
}

/* A plan of every corpus dump (with and without a virtual PASID), and the
 * layout presenting its capabilities in place. */
static void test_canon_corpus(void **state)
{
	const uint32_t allow = PCL_PLAN_ALLOW_BROKEN | PCL_PLAN_ALLOW_STANDARD_ONLY;
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	size_t dumps = 0, plans = 0;
	char name[256];

	if (!corpus_open(&it, 2))
		skip();
	while ((cfg = corpus_next(&it, ctx, name, sizeof(name)))) {
		struct pcl_layout *l;
		char what[512];

		for (int pasid = 0; pasid < 2; pasid++) {
			if (prop_plan(cfg, pasid, allow, &l))
				continue;
			snprintf(what, sizeof(what), "plan of %s%s", name,
				 pasid ? " with PASID" : "");
			check_layout(l, what);
			pcl_layout_free(l);
			plans++;
		}
		l = layout_in_place(ctx, cfg);
		if (l) {
			snprintf(what, sizeof(what), "%s in place", name);
			check_layout(l, what);
			pcl_layout_free(l);
		}
		pcl_cfg_free(cfg);
		dumps++;
	}
	print_message("%zu dumps, %zu plans\n", dumps, plans);
	assert_true(dumps >= 50);
	assert_true(plans >= dumps);
}

static struct pcl_layout *load(const char *text)
{
	struct pcl_diag *d = pcl_diag_new();
	struct pcl_layout *l = NULL;
	char buf[512];

	assert_non_null(d);
	if (pcl_layout_load_string(ctx, text, strlen(text), "edge", &l, d)) {
		pcl_error_format(pcl_diag_get(d, 0), buf, sizeof(buf));
		fail_msg("edge case does not load: %s\n%s", buf, text);
	}
	pcl_diag_free(d);
	return l;
}

/* Hand-made layouts with every member the format has. */
static const char *const edge_texts[] = {
	/* Every root member of a layout, every match field, every entry
	 * member, every generator with its parameters, provenance. */
	"{ \"pcilayout\": 1, \"name\": \"all\", \"revision\": 7,"
	"  \"description\": \"caf\xc3\xa9 \\\"q\\\" \\\\ / \xe2\x82\xac\","
	"  \"profile\": \"p-1\", \"unclaimed\": \"zero\","
	"  \"machines\": [ \"pc-q35-*\", \"pc-i440fx-9.2\", \"virt\" ],"
	"  \"match\": { \"vendor\": \"0x8086\", \"device\": \"0x1889\","
	"    \"subsystem_vendor\": \"0x8086\", \"subsystem\": \"0x0000\","
	"    \"revision\": \"0x02\", \"class\": \"0x020000\" },"
	"  \"reserved\": [ { \"offset\": \"0x48\", \"length\": 4, \"reason\": \"r \\\"1\\\"\" },"
	"    { \"offset\": \"0xfc\", \"length\": 4, \"reason\": \"r2\", \"source\": \"s \\\\ \xc3\xa9\" } ],"
	"  \"standard\": ["
	"    { \"id\": \"pm\", \"at\": \"0x40\", \"phys\": \"0x50\","
	"      \"provenance\": { \"rule\": \"user\", \"reason\": \"because \\\"so\\\"\" } },"
	"    { \"id\": \"msi\", \"at\": \"0x50\", \"length\": 24, \"instance\": 1 },"
	"    { \"id\": \"vndr\", \"at\": \"0x70\", \"length\": 8 },"
	"    { \"id\": \"0x0\", \"at\": \"0x80\", \"virtual\": { \"generator\": \"null\" } },"
	"    { \"id\": \"0x9\", \"at\": \"0x84\", \"virtual\": { \"generator\": \"bytes\", \"data\": \"0900060102ff\" } },"
	"    { \"id\": \"msix\", \"hidden\": true },"
	"    { \"id\": \"0xfe\", \"hidden\": true, \"instance\": 2 } ],"
	"  \"extended\": ["
	"    { \"id\": \"aer\", \"at\": \"0x100\", \"phys\": \"0x140\" },"
	"    { \"id\": \"dsn\", \"at\": \"0x180\", \"virtual\": { \"generator\": \"dsn\", \"serial\": \"0x00000000deadbeef\" },"
	"      \"provenance\": { \"rule\": \"database\", \"reason\": \"x\" } },"
	"    { \"id\": \"dsn\", \"at\": \"0x190\", \"virtual\": { \"generator\": \"dsn\", \"serial\": \"from-pf\" } },"
	"    { \"id\": \"pasid\", \"at\": \"0x1a0\", \"virtual\": { \"generator\": \"pasid\", \"max_width\": 20, \"exec\": true, \"priv\": true } },"
	"    { \"id\": \"pasid\", \"at\": \"0x1b0\", \"virtual\": { \"generator\": \"pasid\", \"max_width\": 0, \"exec\": false, \"priv\": true } },"
	"    { \"id\": \"0x0\", \"at\": \"0x1c0\", \"virtual\": { \"generator\": \"null\" } },"
	"    { \"id\": \"vsec\", \"at\": \"0x200\", \"length\": 16, \"vendor\": \"0x1af4\", \"vsec_id\": \"0x10\" },"
	"    { \"id\": \"dvsec\", \"at\": \"0x300\", \"length\": 24, \"vendor\": \"0x8086\", \"vsec_id\": \"0x0\", \"instance\": 3 },"
	"    { \"id\": \"0x3ff\", \"at\": \"0x400\", \"length\": 8 },"
	"    { \"id\": \"ari\", \"hidden\": true, \"phys\": \"0x150\" },"
	"    { \"id\": \"vsec\", \"hidden\": true, \"vendor\": \"0x8086\" },"
	"    { \"id\": \"0x7ff\", \"hidden\": true } ] }",
	/* No entries at all; revision 0 (format 2); unclaimed "ones". */
	"{ \"pcilayout\": 2, \"name\": \"empty\", \"revision\": 0, \"unclaimed\": \"ones\" }",
	/* Only hidden entries: fingerprint mode drops both chains. */
	"{ \"pcilayout\": 1, \"name\": \"hidden-only\", \"revision\": 1,"
	"  \"standard\": [ { \"id\": \"msi\", \"hidden\": true } ],"
	"  \"extended\": [ { \"id\": \"sriov\", \"hidden\": true } ] }",
	/* Chains linked out of offset order. */
	"{ \"pcilayout\": 2, \"name\": \"listed\", \"revision\": 3, \"links\": \"listed\","
	"  \"standard\": [ { \"id\": \"exp\", \"at\": \"0x80\" }, { \"id\": \"pm\", \"at\": \"0x40\" } ],"
	"  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\" }, { \"id\": \"ari\", \"at\": \"0x300\" },"
	"    { \"id\": \"dsn\", \"at\": \"0x200\" } ] }",
	/* A quirk with every member: placements in both spaces (named and
	 * unnamed IDs, whose names and hex spellings sort differently),
	 * hide and keep lists in both spaces. */
	"{ \"pcilayout\": 1, \"kind\": \"quirk\", \"name\": \"q\","
	"  \"description\": \"\\\\\","
	"  \"match\": { \"vendor\": \"0x10de\", \"class\": \"0x030000\" },"
	"  \"reserved\": [ { \"offset\": \"0x40\", \"length\": 1, \"reason\": \"one\" } ],"
	"  \"placements\": { \"standard\": { \"vndr\": \"0xd4\", \"msi\": \"0x60\", \"0xe0\": \"0x80\", \"0x7\": \"0x84\", \"pm\": \"0x40\" },"
	"    \"extended\": { \"pasid\": \"0xff8\", \"0x100\": \"0x200\", \"0x2a\": \"0x300\", \"aer\": \"0x100\", \"0x9\": \"0x400\" } },"
	"  \"hide\": { \"standard\": [ \"vndr\", \"0xe0\" ], \"extended\": [ \"sriov\", \"0x7ff\", \"ari\" ] },"
	"  \"keep\": { \"standard\": [ \"msix\" ], \"extended\": [ \"dvsec\", \"0x30\" ] } }",
	/* A quirk with only a match; with placements of one space only. */
	"{ \"pcilayout\": 1, \"kind\": \"quirk\", \"name\": \"bare\", \"match\": { \"vendor\": \"0x0000\" } }",
	"{ \"pcilayout\": 1, \"kind\": \"quirk\", \"name\": \"one\", \"match\": { \"vendor\": \"0xffff\", \"revision\": \"0x00\" },"
	"  \"placements\": { \"extended\": { \"dsn\": \"0x140\" } }, \"keep\": { \"standard\": [ \"0x0\" ] } }",
};

static void test_canon_edge(void **state)
{
	char what[64];

	for (size_t i = 0; i < sizeof(edge_texts) / sizeof(edge_texts[0]); i++) {
		struct pcl_layout *l = load(edge_texts[i]);

		snprintf(what, sizeof(what), "edge case %zu", i);
		check_variants(l, what);
		pcl_layout_free(l);
	}
}

/*
 * Control characters: every setter and the loader refuse them, so no layout
 * holds one; written into the object directly here, they show the writer
 * escapes them as jansson does (short forms, else \u with upper-case hex).
 */
static void test_canon_control(void **state)
{
	struct pcl_layout *l = load(edge_texts[0]);
	char text[64];
	size_t n = 0;

	for (int ch = 1; ch < 0x20; ch++) {
		text[n++] = (char)ch;
		if (ch % 8 == 0)
			text[n++] = 'x';
	}
	text[n++] = 0x7f;
	text[n] = '\0';
	free(l->description);
	l->description = strdup(text);
	assert_non_null(l->description);
	check_layout(l, "a description of control characters");
	pcl_layout_free(l);
}

/* Layouts the writer refuses: the reference refused them alike. */
static void test_canon_refused(void **state)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_layout_entry e;
	char *s = NULL;
	size_t before = refused;

	assert_non_null(l);
	check_layout(l, "a layout without a name");
	assert_int_equal(pcl_layout_to_string(l, &s, NULL), -EINVAL);
	assert_null(s);
	assert_int_equal(pcl_layout_set_name(l, "x"), 0);
	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_STANDARD;
	e.id = 0x01; /* pm: 8 bytes */
	e.at = 0x40;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	e.at = 0x44;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	check_layout(l, "overlapping entries");
	pcl_layout_free(l);
	l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_QUIRK);
	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, "q"), 0);
	check_layout(l, "a quirk without a match");
	pcl_layout_free(l);
	assert_int_equal(refused - before, 3);
}

/* ---- Seeded random layouts and quirks. ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* A capability ID: named ones often, any other sometimes. */
static uint16_t rnd_id(int space)
{
	if (space == PCL_SPACE_STANDARD)
		return rnd(4) ? (uint16_t)rnd(0x16) : (uint16_t)rnd(0x100);
	return rnd(4) ? (uint16_t)rnd(0x30) : (uint16_t)rnd(0x10000);
}

static void rnd_text(char *buf, size_t size)
{
	static const char *const bits[] = {
		"a", "Z", "0", " ", "/", "\"", "\\", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9f\x98\x80", "{", "}", ":", ",", "~",
	};
	size_t n = 1 + rnd(12), len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *b = bits[rnd(sizeof(bits) / sizeof(bits[0]))];

		if (len + strlen(b) + 1 > size)
			break;
		strcpy(buf + len, b);
		len += strlen(b);
	}
}

static void rnd_match(struct pcl_layout *l)
{
	struct pcl_layout_match m = {
		.fields = rnd(0x20), .vendor = (uint16_t)rnd(0x10000),
		.device = (uint16_t)rnd(0x10000),
		.subsystem_vendor = (uint16_t)rnd(0x10000),
		.subsystem = (uint16_t)rnd(0x10000), .revision = rnd(0x100),
		.class_code = rnd(0x1000000),
	};

	assert_int_equal(pcl_layout_set_match(l, &m), 0);
}

static void rnd_reserved(struct pcl_layout *l)
{
	uint32_t off = 0x40;
	char reason[64], source[64];

	for (uint32_t n = rnd(4); n && off < 0xf00; n--) {
		uint32_t len = 1 + rnd(16);

		off += rnd(0x80);
		if ((off < 0x100) != (off + len - 1 < 0x100))
			off = 0x100;
		rnd_text(reason, sizeof(reason));
		rnd_text(source, sizeof(source));
		assert_int_equal(pcl_layout_add_reserved(l, off, len, reason,
							 rnd(2) ? source : NULL), 0);
		off += len;
	}
}

static struct pcl_layout *rnd_quirk(void)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_QUIRK);
	char text[64];

	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, "rq"), 0);
	rnd_match(l);
	if (rnd(2)) {
		rnd_text(text, sizeof(text));
		assert_int_equal(pcl_layout_set_description(l, text), 0);
	}
	if (rnd(2))
		rnd_reserved(l);
	for (uint32_t n = rnd(2) ? rnd(40) : 0; n; n--) {
		int s = (int)rnd(2);
		uint32_t start = pcl_space_start(s);
		uint32_t at = start + 4 * rnd((pcl_space_end(s) - start) / 4);

		(void)pcl_layout_add_placement(l, s, rnd_id(s), at);
	}
	for (int s = 0; s < 2; s++) {
		for (uint32_t n = rnd(3) ? rnd(10) : 0; n; n--)
			(void)pcl_layout_add_hide(l, s, rnd_id(s));
		for (uint32_t n = rnd(3) ? rnd(10) : 0; n; n--) {
			uint16_t id = rnd_id(s);
			bool hidden = false;

			for (size_t i = 0; i < pcl_layout_hide_count(l, s); i++)
				hidden |= pcl_layout_hide(l, s, i) == id;
			if (!hidden)
				(void)pcl_layout_add_keep(l, s, id);
		}
	}
	return l;
}

/* Entries of @s one after the other from the start of the space. */
static void rnd_chain(struct pcl_layout *l, int s)
{
	uint32_t at = pcl_space_start(s), end = pcl_space_end(s);
	char reason[64];
	uint8_t data[64];

	for (uint32_t n = rnd(12); n && at + 0x40 < end; n--) {
		struct pcl_layout_entry e;
		uint32_t kind = rnd(6);

		pcl_layout_entry_init(&e);
		e.space = (uint8_t)s;
		e.id = rnd_id(s);
		if (rnd(3) == 0) {
			e.prov_rule = (uint8_t)(1 + rnd(PCL_PROV_DEFAULT));
			rnd_text(reason, sizeof(reason));
			e.prov_reason = reason;
		}
		if (kind == 0) { /* hidden, with selectors */
			e.kind = PCL_ENTRY_HIDDEN;
			if (rnd(2))
				e.phys = (int32_t)(pcl_space_start(s) + 4 * rnd(32));
			else
				e.instance = rnd(3);
			if (pcl_is_vendor_cap(s, e.id) && rnd(2)) {
				e.vendor = (int32_t)rnd(0x10000);
				e.vsec_id = (int32_t)rnd(0x10000);
			}
		} else if (kind == 1) { /* virtual */
			e.kind = PCL_ENTRY_VIRTUAL;
			switch (rnd(4)) {
			case 0:
				e.generator = PCL_GEN_NULL;
				e.id = 0;
				break;
			case 1:
				e.generator = PCL_GEN_BYTES;
				e.length = pcl_cap_hdr_size(s) + 4 * rnd(8);
				for (uint32_t i = 0; i < e.length; i++)
					data[i] = (uint8_t)rnd(0x100);
				if (s == PCL_SPACE_STANDARD) {
					data[0] = (uint8_t)e.id;
					data[1] = 0;
				} else {
					data[0] = (uint8_t)e.id;
					data[1] = (uint8_t)(e.id >> 8);
					data[2] &= 0x0f;
					data[3] = 0;
				}
				e.data = data;
				break;
			case 2:
				e.generator = PCL_GEN_PASID;
				e.id = PCL_EXT_CAP_ID_PASID;
				e.params[PCL_PASID_MAX_WIDTH] = rnd(21);
				e.params[PCL_PASID_EXEC] = rnd(2);
				e.params[PCL_PASID_PRIV] = rnd(2);
				break;
			default:
				e.generator = PCL_GEN_DSN;
				e.id = PCL_EXT_CAP_ID_DSN;
				e.params[PCL_DSN_FROM_PF] = rnd(2);
				if (!e.params[PCL_DSN_FROM_PF])
					e.params[PCL_DSN_SERIAL] =
						((uint64_t)rnd(0xffffffffu) << 32) |
						rnd(0xffffffffu);
				break;
			}
		} else { /* physical */
			if (rnd(3) == 0 || !pcl_layout_cap_default_length(s, e.id))
				e.length = pcl_cap_hdr_size(s) + 4 * rnd(16);
			if (rnd(4) == 0)
				e.phys = (int32_t)(pcl_space_start(s) + 4 * rnd(64));
			else if (rnd(4) == 0)
				e.instance = 1 + rnd(3);
		}
		if (e.kind != PCL_ENTRY_HIDDEN)
			e.at = (int32_t)at;
		if (pcl_layout_add_entry(l, &e))
			continue;
		if (e.kind != PCL_ENTRY_HIDDEN) {
			const struct pcl_layout_entry *added = NULL;

			for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++)
				if (pcl_layout_entry(l, s, i)->at == e.at)
					added = pcl_layout_entry(l, s, i);
			assert_non_null(added);
			at += (added->length + 3) & ~3u;
			at += 4 * rnd(8);
		}
	}
}

static struct pcl_layout *rnd_layout(void)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	char text[64];

	assert_non_null(l);
	assert_int_equal(pcl_layout_set_name(l, rnd(2) ? "r" : "Rand-1.x_y+z"), 0);
	assert_int_equal(pcl_layout_set_revision(l, rnd(4) ? rnd(1000) : 0x7fffffff), 0);
	if (rnd(2)) {
		rnd_text(text, sizeof(text));
		assert_int_equal(pcl_layout_set_description(l, text), 0);
	}
	if (rnd(3) == 0)
		assert_int_equal(pcl_layout_set_profile(l, "prof"), 0);
	if (rnd(3) == 0)
		rnd_match(l);
	for (uint32_t n = rnd(2) ? rnd(5) : 0; n; n--) {
		static const char *const pats[] = { "pc-q35-*", "virt-9.2",
			"pc-i440fx-*", "a", "Z~!", "microvm" };

		(void)pcl_layout_add_machine(l, pats[rnd(6)]);
	}
	assert_int_equal(pcl_layout_set_unclaimed(l, (int)rnd(3)), 0);
	if (rnd(2))
		rnd_reserved(l);
	rnd_chain(l, PCL_SPACE_STANDARD);
	rnd_chain(l, PCL_SPACE_EXTENDED);
	return l;
}

/* Reverse the presented entries of a chain: links become "listed". */
static void relink(struct pcl_layout *l, int s)
{
	uint32_t at[1024];
	size_t n = 0;

	for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, s, i);

		if (e->kind != PCL_ENTRY_HIDDEN)
			at[n++] = (uint32_t)e->at;
	}
	for (size_t i = s == PCL_SPACE_EXTENDED, j = n; i + 1 < j; i++, j--) {
		uint32_t t = at[i];

		at[i] = at[j - 1];
		at[j - 1] = t;
	}
	(void)pcl_layout_set_chain_order(l, s, at, n);
}

static void test_canon_random(void **state)
{
	size_t before = checked, listed = 0;
	char what[64];

	for (int i = 0; i < 3000; i++) {
		bool quirk = i % 3 == 0;
		struct pcl_layout *l = quirk ? rnd_quirk() : rnd_layout();

		if (!quirk && rnd(3) == 0) {
			relink(l, PCL_SPACE_STANDARD);
			relink(l, PCL_SPACE_EXTENDED);
			listed += pcl_layout_links(l) == PCL_LINKS_LISTED;
		}
		snprintf(what, sizeof(what), "random %s %d",
			 quirk ? "quirk" : "layout", i);
		check_layout(l, what);
		pcl_layout_free(l);
	}
	print_message("%zu valid, %zu of them linked out of order\n",
		      checked - before, listed);
	/* Most are valid, and some of them linked out of order. */
	assert_true(checked - before >= 2000);
	assert_true(listed >= 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_files),
		cmocka_unit_test(test_canon_corpus),
		cmocka_unit_test(test_canon_edge),
		cmocka_unit_test(test_canon_control),
		cmocka_unit_test(test_canon_refused),
		cmocka_unit_test(test_canon_random),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
