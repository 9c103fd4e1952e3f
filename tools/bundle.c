// SPDX-License-Identifier: BSD-3-Clause
/*
 * bundle.c - reading a host bundle back into cfgs. A bundle is untrusted
 * input like any dump: every field is checked, and an error names the file
 * and the JSON path of the bad value (functions[3].config).
 *
 * Each function's config space goes through the library's own dump reader
 * (as lspci -xxxx text with the function's address on its device line),
 * so that a bundle's function is exactly what the same bytes in a dump
 * would be, slot included. The device line is put at the line of the
 * function's "slot" in the bundle, so messages point into the bundle.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cli.h"

#define BUNDLE_FORMAT "pcilayout-bundle"
#define BUNDLE_MAX_CONFIG_HEX (2 * PCL_CFG_SIZE)

struct iommu_fact {
	const char *name;
	struct host_pasid pasid;
};

bool bundle_sniff(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
		    text[i] == '\r')
			continue;
		return text[i] == '{';
	}
	return false;
}

static void berr(struct pcl_error *err, const char *name, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));

/* Say why @name is not a valid bundle, in @err (its first reason only). */
static void berr(struct pcl_error *err, const char *name, const char *fmt,
		 ...)
{
	va_list ap;

	if (err->message[0])
		return;
	snprintf(err->source, sizeof(err->source), "%s", name);
	err->offset = -1;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void bundle_free(struct bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->count; i++)
		pcl_cfg_free(b->fn[i].cfg);
	free(b->fn);
	free(b);
}

/*
 * The line of `"slot": "SLOT"` in @text, or 1. Keys and values may be
 * spaced as any JSON writer spaces them.
 */
static unsigned int slot_line(const char *text, size_t len, const char *slot)
{
	size_t sl = strlen(slot);

	for (size_t i = 1; i + sl + 1 < len; i++) {
		size_t k;

		if (text[i - 1] != '"' || memcmp(text + i, slot, sl) ||
		    text[i + sl] != '"')
			continue;
		k = i - 1;
		while (k > 0 && strchr(" \t\r\n", text[k - 1]))
			k--;
		if (k == 0 || text[k - 1] != ':')
			continue;
		k--;
		while (k > 0 && strchr(" \t\r\n", text[k - 1]))
			k--;
		if (k < 6 || memcmp(text + k - 6, "\"slot\"", 6))
			continue;
		unsigned int line = 1;

		for (size_t j = 0; j < i; j++)
			line += text[j] == '\n';
		return line;
	}
	return 1;
}

/* Config-space hex of @hex into lspci -xxxx text for the dump reader. */
static char *dump_text(const char *slot, const char *hex, unsigned int line,
		       size_t *len)
{
	size_t nbytes = strlen(hex) / 2;
	size_t cap = line + strlen(slot) + 2 + (nbytes / 16 + 1) * 56;
	char *t = malloc(cap), *p;

	if (!t)
		return NULL;
	memset(t, '\n', line - 1);
	p = t + line - 1;
	p += sprintf(p, "%s\n", slot);
	for (size_t off = 0; off < nbytes; off += 16) {
		p += sprintf(p, "%03zx:", off);
		for (size_t i = off; i < nbytes && i < off + 16; i++)
			p += sprintf(p, " %c%c", hex[2 * i], hex[2 * i + 1]);
		*p++ = '\n';
	}
	*len = (size_t)(p - t);
	return t;
}

static bool is_hex_text(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 || n > BUNDLE_MAX_CONFIG_HEX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static bool is_slot(const char *s)
{
	unsigned long d, b, v, f;

	return strlen(s) < 20 && cli_slot_parse(s, &d, &b, &v, &f);
}

/* "iommus": [{"name", "pasid": {"known", "max_width", "reason"}}] */
static int read_iommus(const char *name, json_t *arr, struct iommu_fact **out,
		       size_t *n, struct pcl_error *err)
{
	size_t i;
	json_t *o;

	*out = NULL;
	*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		berr(err, name, "iommus: not an array");
		return -1;
	}
	*out = calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out) {
		berr(err, name, "out of memory");
		return -1;
	}
	json_array_foreach(arr, i, o) {
		json_t *p = json_object_get(o, "pasid");
		json_t *known = json_object_get(p, "known");
		json_t *w = json_object_get(p, "max_width");
		const char *why = json_string_value(json_object_get(p, "reason"));
		struct iommu_fact *f = &(*out)[*n];

		f->name = json_string_value(json_object_get(o, "name"));
		if (!f->name || !json_is_boolean(known) ||
		    (json_is_true(known) &&
		     (!json_is_integer(w) || json_integer_value(w) < 0 ||
		      json_integer_value(w) > 20))) {
			berr(err, name, "iommus[%zu]: needs \"name\" and \"pasid\": {\"known\": boolean, \"max_width\": 0 to 20 when known}",
			     i);
			return -1;
		}
		f->pasid.known = json_is_true(known);
		f->pasid.width = f->pasid.known ? (int)json_integer_value(w) : 0;
		snprintf(f->pasid.why, sizeof(f->pasid.why), "%s: %s", f->name,
			 why ? why : "(no reason given)");
		(*n)++;
	}
	return 0;
}

static void fn_pasid(struct bundle_fn *fn, const char *iommu,
		     const struct iommu_fact *facts, size_t n)
{
	memset(&fn->pasid, 0, sizeof(fn->pasid));
	if (!iommu) {
		fn->pasid.known = true;
		snprintf(fn->pasid.why, sizeof(fn->pasid.why),
			 "no IOMMU serves this function on the bundle's host: no PASID");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(facts[i].name, iommu)) {
			fn->pasid = facts[i].pasid;
			return;
		}
	}
	snprintf(fn->pasid.why, sizeof(fn->pasid.why),
		 "the bundle names IOMMU %s but does not describe it", iommu);
}

/* One entry of "functions": its cfg, or -1 after reporting. */
static int read_function(const char *name, const char *text, size_t len,
			 size_t i, json_t *o, struct bundle_fn *fn,
			 struct pcl_error *err)
{
	const char *slot = json_string_value(json_object_get(o, "slot"));
	const char *hex = json_string_value(json_object_get(o, "config"));
	json_t *sel = json_object_get(o, "selected");
	struct pcl_cfg **cfgs = NULL;
	size_t tlen = 0, n = 0;
	char *t;
	int r;

	if (!json_is_object(o) || !slot || !is_slot(slot)) {
		berr(err, name, "functions[%zu].slot: not a PCI address dddd:bb:dd.f", i);
		return -1;
	}
	if (!hex || !is_hex_text(hex)) {
		berr(err, name, "functions[%zu].config: not 1 to %d bytes as hex digits",
		     i, PCL_CFG_SIZE);
		return -1;
	}
	if (sel && !json_is_boolean(sel)) {
		berr(err, name, "functions[%zu].selected: not a boolean", i);
		return -1;
	}
	fn->selected = !sel || json_is_true(sel);
	t = dump_text(slot, hex, slot_line(text, len, slot), &tlen);
	if (!t) {
		berr(err, name, "out of memory");
		return -1;
	}
	r = pcl_cfg_parse(cli_ctx, t, tlen, name, &cfgs, &n, err);
	free(t);
	if (r < 0 || n != 1) {
		if (r >= 0)
			berr(err, name, "functions[%zu]: not one function", i);
		pcl_cfg_list_free(cfgs, n);
		return -1;
	}
	fn->cfg = cfgs[0];
	free(cfgs);
	return 0;
}

/* A VF takes the identity its PF gives it, as it had on the host. */
static int link_pfs(const char *name, json_t *fns, struct bundle *b,
		    struct pcl_error *err)
{
	for (size_t i = 0; i < b->count; i++) {
		json_t *pj = json_object_get(json_array_get(fns, i), "pf");
		const char *pf = json_string_value(pj);
		struct pcl_error perr = { 0 };

		if (!pj || json_is_null(pj))
			continue;
		if (!pf || !is_slot(pf)) {
			berr(err, name, "functions[%zu].pf: not a PCI address or null", i);
			return -1;
		}
		for (size_t k = 0; k < b->count && !b->fn[i].pf; k++) {
			const char *s = pcl_cfg_slot(b->fn[k].cfg);

			if (k != i && s && !strcmp(s, pf) &&
			    pcl_cfg_set_pf(b->fn[i].cfg, b->fn[k].cfg, &perr) == 0)
				b->fn[i].pf = b->fn[k].cfg;
		}
		if (!b->fn[i].pf && pcl_cfg_set_vf(b->fn[i].cfg, pf) < 0) {
			berr(err, name, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int read_functions(const char *name, const char *text, size_t len,
			  json_t *root, struct bundle *b, struct pcl_error *err)
{
	json_t *fns = json_object_get(root, "functions"), *o;
	struct iommu_fact *facts = NULL;
	size_t nfacts = 0, i;
	int r = -1;

	if (!json_is_array(fns)) {
		berr(err, name, "functions: missing, or not an array");
		return -1;
	}
	if (read_iommus(name, json_object_get(root, "iommus"), &facts, &nfacts,
			err))
		goto out;
	b->fn = calloc(json_array_size(fns) + 1, sizeof(*b->fn));
	if (!b->fn) {
		berr(err, name, "out of memory");
		goto out;
	}
	json_array_foreach(fns, i, o) {
		if (read_function(name, text, len, i, o, &b->fn[i], err))
			goto out;
		b->count++;
		fn_pasid(&b->fn[i], json_string_value(json_object_get(o, "iommu")),
			 facts, nfacts);
	}
	r = link_pfs(name, fns, b, err);
out:
	free(facts);
	return r;
}

int bundle_parse(const char *name, const char *text, size_t len,
		 struct bundle **b, struct pcl_error *err)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *fmt;
	struct bundle *nb;

	*b = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* Not JSON: a binary config space may start with '{'. A
		 * damaged bundle still says what it is. */
		if (!memmem(text, len, "\"" BUNDLE_FORMAT "\"",
			    strlen(BUNDLE_FORMAT) + 2))
			return 0;
		berr(err, name, "%s", jerr.text);
		err->line = jerr.line > 0 ? (uint32_t)jerr.line : 0;
		err->column = jerr.column > 0 ? (uint32_t)jerr.column : 0;
		return -1;
	}
	fmt = json_string_value(json_object_get(root, "format"));
	if (!fmt || strcmp(fmt, BUNDLE_FORMAT)) {
		berr(err, name, "a JSON document%s%s%s, not a host bundle (\"format\": \"" BUNDLE_FORMAT "\"; made by pcilayout collect)",
		     fmt ? " of format \"" : "", fmt ? fmt : "", fmt ? "\"" : "");
		json_decref(root);
		return -1;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != CLI_DOC_VERSION) {
		berr(err, name, "bundle version %s: this pcilayout reads version %d",
		     json_is_integer(v) ? "other than 1" : "missing",
		     CLI_DOC_VERSION);
		json_decref(root);
		return -1;
	}
	nb = calloc(1, sizeof(*nb));
	if (!nb) {
		berr(err, name, "out of memory");
		json_decref(root);
		return -1;
	}
	if (read_functions(name, text, len, root, nb, err)) {
		bundle_free(nb);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	*b = nb;
	return 1;
}
