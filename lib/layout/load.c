// SPDX-License-Identifier: BSD-3-Clause
/*
 * load.c - the strict reader of format 1.
 *
 * jpos.c first indexes where every key and value is, and reads the
 * integers jansson cannot hold; jansson then parses (rejecting duplicate
 * keys, NUL escapes, trailing bytes and nesting deeper than its limit). This file walks the tree, checks every key and type and turns
 * the file into a struct pcl_layout; cross-value rules are left to
 * pcl_layout_validate() so that both built and loaded layouts obey the
 * same code. Every problem is reported, not only the first: a value with
 * an error is skipped, the rest of the file is still checked.
 *
 * A file announcing a newer format version is refused without looking at
 * its other keys: they may be legitimate in that version, and listing them
 * as "unknown" would mislead.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout-internal.h"
#include "vcap/vcap.h"

struct loader {
	const char *src;
	struct pcl_diag *diag;
	struct jpos_index *ix;
	struct pcl_layout *l;
	int errors;
	int version; /* the file's "pcilayout" */
	/* Bit per space: an entry that may be presented was refused, so the
	 * chain's lowest offset is unknown (the head rule cannot be judged). */
	unsigned int partial;
};

#define PATH_MAX_LEN 512 /* as jpos.c: a longer path is never looked up */

static void PCL_PRINTF(4, 5) err_at(struct loader *ld, const char *path,
				    bool key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pcl_diag_add_pos(ld->diag, ld->src, pcl_jpos_get(ld->ix, path, key), "%s",
		     msg);
	ld->errors++;
}

/*
 * "parent.key" or "key" at the top. A path is made for every value loaded
 * (errors name it), so without snprintf(), which was a tenth of a load.
 */
static void join(char *out, const char *parent, const char *key)
{
	size_t p = strlen(parent), k = strlen(key), dot = p ? 1 : 0;

	if (p + dot + k >= PATH_MAX_LEN) {
		strcpy(out, "\x01");
		return;
	}
	memmove(out, parent, p);
	out[p] = '.';
	memcpy(out + p + dot, key, k + 1);
}

/* "parent[index]" */
static void join_index(char *out, const char *parent, size_t index)
{
	char digits[24], *d = digits + sizeof(digits);
	size_t p = strlen(parent), n;

	*--d = '\0';
	do
		*--d = (char)('0' + index % 10);
	while ((index /= 10) != 0);
	n = (size_t)(digits + sizeof(digits) - 1 - d);
	if (p + n + 2 >= PATH_MAX_LEN) {
		strcpy(out, "\x01");
		return;
	}
	memmove(out, parent, p);
	out[p] = '[';
	memcpy(out + p + 1, d, n);
	out[p + 1 + n] = ']';
	out[p + 2 + n] = '\0';
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Report every key of @obj that is not in @allowed (NULL-terminated). */
static void unknown_key(struct loader *ld, const char *path, const char *key,
			const char *what)
{
	char p[PATH_MAX_LEN];

	join(p, path, key);
	err_at(ld, p, true, "unknown key \"%.64s\"%s%s", key,
	       what ? " in " : "", what ? what : "");
}

static void check_keys(struct loader *ld, json_t *obj, const char *path,
		       const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = true;
		if (!ok)
			unknown_key(ld, path, key, what);
	}
}

/*
 * The integer @v exactly: jansson holds int64_t only, and saw 0 in place
 * of the integers jpos.c read from the text.
 */
static void int_value(struct loader *ld, json_t *v, const char *path,
		      struct jint *n)
{
	json_int_t i = json_integer_value(v);

	if (pcl_jpos_bigint(ld->ix, path, n))
		return;
	n->neg = i < 0;
	n->wide = false;
	n->mag = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
	snprintf(n->text, sizeof(n->text), "%lld", (long long)i);
}

/*
 * A hex string "0x" + 1..16 digits of either case, or a non-negative JSON
 * integer. Returns 0 and sets *out, or reports and returns -1.
 */
static int get_hex(struct loader *ld, json_t *v, const char *path,
		   uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (json_is_integer(v)) {
		struct jint n;

		int_value(ld, v, path, &n);
		if (n.neg) {
			err_at(ld, path, false, "%s is negative", n.text);
			return -1;
		}
		if (n.wide) {
			err_at(ld, path, false, "%s is too large (at most 0x%llx)",
			       n.text, (unsigned long long)max);
			return -1;
		}
		x = n.mag;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);

		if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x' ||
		    strspn(s + 2, "0123456789abcdefABCDEF") != n - 2) {
			err_at(ld, path, false,
			       "\"%.24s\" is not a hex number (\"0x\" and 1 to 16 hex digits)",
			       s);
			return -1;
		}
		for (size_t i = 2; i < n; i++) {
			char c = s[i];

			x = x << 4 | (uint64_t)(c <= '9' ? c - '0' :
							   (c | 0x20) - 'a' + 10);
		}
	} else {
		err_at(ld, path, false,
		       "expected a hex string such as \"0x40\" or an integer, not %s",
		       type_name(v));
		return -1;
	}
	if (x > max) {
		err_at(ld, path, false, "0x%llx is too large (at most 0x%llx)",
		       (unsigned long long)x, (unsigned long long)max);
		return -1;
	}
	*out = x;
	return 0;
}

/* An integer in [@min, @max] (decimal only: lengths, counts, versions). */
static int get_int(struct loader *ld, json_t *v, const char *path,
		   long long min, long long max, long long *out)
{
	struct jint n;
	long long i;

	if (!json_is_integer(v)) {
		err_at(ld, path, false, "expected an integer, not %s",
		       type_name(v));
		return -1;
	}
	int_value(ld, v, path, &n);
	i = n.wide || n.mag > (uint64_t)LLONG_MAX ? LLONG_MIN :
	    n.neg ? -(long long)n.mag : (long long)n.mag;
	if (i == LLONG_MIN || i < min || i > max) {
		err_at(ld, path, false, "%s is out of range (%lld to %lld)",
		       n.text, min, max);
		return -1;
	}
	*out = i;
	return 0;
}

static int get_bool(struct loader *ld, json_t *v, const char *path, bool *out)
{
	if (!json_is_boolean(v)) {
		err_at(ld, path, false, "expected true or false, not %s",
		       type_name(v));
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

static const char *get_text(struct loader *ld, json_t *v, const char *path,
			    size_t max)
{
	if (!json_is_string(v)) {
		err_at(ld, path, false, "expected a string, not %s", type_name(v));
		return NULL;
	}
	if (!pcl_layout_text_ok(json_string_value(v), max)) {
		err_at(ld, path, false,
		       "expected 1 to %zu bytes of text without control characters",
		       max);
		return NULL;
	}
	return json_string_value(v);
}

static const char *get_name(struct loader *ld, json_t *v, const char *path)
{
	if (!json_is_string(v)) {
		err_at(ld, path, false, "expected a string, not %s", type_name(v));
		return NULL;
	}
	if (!pcl_layout_name_ok(json_string_value(v))) {
		err_at(ld, path, false,
		       "\"%.64s\" is not a valid name (1 to 64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit)",
		       json_string_value(v));
		return NULL;
	}
	return json_string_value(v);
}

/* Index of @s in @names (NULL-terminated), or report and return -1. */
static int get_enum(struct loader *ld, json_t *v, const char *path,
		    const char *const *names, const char *choices)
{
	if (!json_is_string(v)) {
		err_at(ld, path, false, "expected one of %s, not %s", choices,
		       type_name(v));
		return -1;
	}
	for (int i = 0; names[i]; i++)
		if (names[i][0] && strcmp(names[i], json_string_value(v)) == 0)
			return i;
	err_at(ld, path, false, "\"%.32s\" is not one of %s",
	       json_string_value(v), choices);
	return -1;
}

static int get_capid(struct loader *ld, json_t *v, const char *path,
		     int space, uint16_t *id)
{
	uint64_t x;

	if (json_is_string(v) && strncmp(json_string_value(v), "0x", 2) != 0) {
		const char *s = json_string_value(v);
		int other = !space;

		if (pcl_layout_cap_parse(space, s, id) == 0)
			return 0;
		if (pcl_capname_by_name(other, s))
			err_at(ld, path, false,
			       "'%.32s' is a capability of the %s space, not of the %s space",
			       s, pcl_space_name(other), pcl_space_name(space));
		else
			err_at(ld, path, false,
			       "unknown capability name \"%.32s\" (format 1 names, or \"0x…\" for an ID)",
			       s);
		return -1;
	}
	if (get_hex(ld, v, path, space == PCL_SPACE_STANDARD ? 0xff : 0xffff,
		    &x))
		return -1;
	*id = (uint16_t)x;
	return 0;
}

static bool want_object(struct loader *ld, json_t *v, const char *path,
			const char *what)
{
	if (json_is_object(v))
		return true;
	err_at(ld, path, false, "%s must be an object, not %s", what,
	       type_name(v));
	return false;
}

static bool want_array(struct loader *ld, json_t *v, const char *path,
		       const char *what, size_t max)
{
	if (!json_is_array(v)) {
		err_at(ld, path, false, "%s must be an array, not %s", what,
		       type_name(v));
		return false;
	}
	if (json_array_size(v) > max) {
		err_at(ld, path, false, "%s has %zu items; at most %zu are allowed",
		       what, json_array_size(v), max);
		return false;
	}
	return true;
}

static void load_match(struct loader *ld, json_t *m)
{
	struct pcl_layout_match match = { .present = 1 };
	const struct pcl_match_field *f;
	char p[PATH_MAX_LEN];
	const char *key;
	uint64_t x;
	json_t *v;

	if (!want_object(ld, m, "match", "\"match\""))
		return;
	json_object_foreach(m, key, v) {
		for (f = pcl_match_fields; f->key && strcmp(f->key, key);)
			f++;
		if (!f->key)
			unknown_key(ld, "match", key, "\"match\"");
	}
	for (f = pcl_match_fields; f->key; f++) {
		uint64_t max = (UINT64_C(1) << (4 * f->digits)) - 1;

		v = json_object_get(m, f->key);
		join(p, "match", f->key);
		if (!v && !f->bit)
			err_at(ld, "match", false,
			       "\"match\" needs a \"vendor\"");
		if (v && !get_hex(ld, v, p, max, &x))
			pcl_layout_match_set(&match, f->bit, (uint32_t)x);
	}
	pcl_layout_set_match(ld->l, &match);
}

static void load_machines(struct loader *ld, json_t *a)
{
	char p[PATH_MAX_LEN];
	size_t i;
	json_t *v;

	if (!want_array(ld, a, "machines", "\"machines\"", LAYOUT_MACHINES_MAX))
		return;
	json_array_foreach(a, i, v) {
		join_index(p, "machines", i);
		if (!json_is_string(v)) {
			err_at(ld, p, false, "expected a string, not %s",
			       type_name(v));
			continue;
		}
		switch (pcl_layout_add_machine(ld->l, json_string_value(v))) {
		case 0:
			break;
		case -EEXIST:
			err_at(ld, p, false, "machine pattern \"%.64s\" is listed twice",
			       json_string_value(v));
			break;
		case -ENOMEM:
			err_at(ld, p, false, "out of memory");
			break;
		default:
			err_at(ld, p, false,
			       "\"%.64s\" is not a machine pattern (1 to 64 printable ASCII characters, no spaces)",
			       json_string_value(v));
		}
	}
}

static void load_reserved(struct loader *ld, json_t *a)
{
	static const char *const keys[] = { "offset", "length", "reason",
					    "source", NULL };
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	size_t i;
	json_t *r;

	if (!want_array(ld, a, "reserved", "\"reserved\"", LAYOUT_RESERVED_MAX))
		return;
	json_array_foreach(a, i, r) {
		const char *reason = NULL, *source = NULL;
		uint64_t off = 0;
		long long len = 0;
		int before = ld->errors;
		json_t *v;

		join_index(p, "reserved", i);
		if (!want_object(ld, r, p, "a reserved range"))
			continue;
		check_keys(ld, r, p, keys, "a reserved range");
		join(q, p, "offset");
		v = json_object_get(r, "offset");
		if (!v)
			err_at(ld, p, false, "a reserved range needs an \"offset\"");
		else if (!get_hex(ld, v, q, 0xffff, &off) &&
			 (off < PCL_STD_CAP_START || off >= PCL_EXT_SPACE_END))
			err_at(ld, q, false,
			       "reserved offset 0x%llx is outside 0x40-0xfff",
			       (unsigned long long)off);
		join(q, p, "length");
		v = json_object_get(r, "length");
		if (!v)
			err_at(ld, p, false, "a reserved range needs a \"length\"");
		else if (!get_int(ld, v, q, 1, 0xfc0, &len) && ld->errors == before &&
			 ((off < PCL_STD_SPACE_END &&
			   off + (uint64_t)len > PCL_STD_SPACE_END) ||
			  off + (uint64_t)len > PCL_EXT_SPACE_END))
			err_at(ld, q, false,
			       "reserved range 0x%llx-0x%llx crosses the end of the %s space",
			       (unsigned long long)off,
			       (unsigned long long)off + (unsigned long long)len - 1,
			       off < PCL_STD_SPACE_END ? "standard" : "extended");
		join(q, p, "reason");
		v = json_object_get(r, "reason");
		if (!v)
			err_at(ld, p, false, "a reserved range needs a \"reason\"");
		else
			reason = get_text(ld, v, q, LAYOUT_TEXT_MAX);
		join(q, p, "source");
		v = json_object_get(r, "source");
		if (v) {
			source = get_text(ld, v, q, LAYOUT_TEXT_MAX);
			if (!source)
				continue;
		}
		if (ld->errors != before || !reason)
			continue;
		if (pcl_layout_add_reserved_at(ld->l, (uint32_t)off,
					       (uint32_t)len, reason, source,
					       pcl_jpos_get(ld->ix, p, false)))
			err_at(ld, p, false, "cannot add this reserved range");
	}
}

static int load_provenance(struct loader *ld, json_t *o, const char *path,
			   struct pcl_layout_entry *e)
{
	static const char *const keys[] = { "rule", "reason", NULL };
	static const char *const rules[] = { "", "user", "database", "quirk",
		"dvsec", "gap", "physical", "default", NULL };
	char q[PATH_MAX_LEN];
	int before = ld->errors, rule;
	json_t *v;

	if (!want_object(ld, o, path, "\"provenance\""))
		return -1;
	check_keys(ld, o, path, keys, "\"provenance\"");
	join(q, path, "rule");
	v = json_object_get(o, "rule");
	if (!v) {
		err_at(ld, path, false, "\"provenance\" needs a \"rule\"");
	} else {
		rule = get_enum(ld, v, q, rules,
				"user, database, quirk, dvsec, gap, physical, default");
		if (rule > 0)
			e->prov_rule = (uint8_t)rule;
	}
	join(q, path, "reason");
	v = json_object_get(o, "reason");
	if (!v)
		err_at(ld, path, false, "\"provenance\" needs a \"reason\"");
	else
		e->prov_reason = get_text(ld, v, q, LAYOUT_DESC_MAX);
	return ld->errors == before ? 0 : -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "data": pairs of hex digits into @buf, the entry's data and length. */
static void load_data(struct loader *ld, json_t *v, const char *q,
		      struct pcl_layout_entry *e, uint8_t *buf)
{
	const char *s;
	size_t len;

	if (!json_is_string(v)) {
		err_at(ld, q, false, "expected a string of hex digits, not %s",
		       type_name(v));
		return;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len % 2 || len / 2 > 0xf00 || len < 4) {
		err_at(ld, q, false,
		       "data must be 2 to 3840 bytes written as pairs of hex digits");
		return;
	}
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0) {
			err_at(ld, q, false,
			       "data holds a character that is not a hex digit at byte %zu",
			       i / 2);
			return;
		}
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	e->data = buf;
	e->length = (uint32_t)(len / 2);
}

/* One parameter of a generator, as its table row describes it (vcap/). */
static void load_param(struct loader *ld, json_t *v, const char *q,
		       const struct vcap_param *p, struct pcl_layout_entry *e,
		       uint8_t *buf)
{
	long long n;
	uint64_t x;
	bool b;

	switch (p->type) {
	case VP_UINT:
		if (!get_int(ld, v, q, 0, (long long)p->max, &n))
			e->params[p->index] = (uint64_t)n;
		break;
	case VP_BOOL:
		if (!get_bool(ld, v, q, &b))
			e->params[p->index] = b;
		break;
	case VP_SERIAL:
		if (p->word && json_is_string(v) &&
		    strcmp(json_string_value(v), p->word) == 0)
			e->params[p->word_index] = 1;
		else if (!get_hex(ld, v, q, UINT64_MAX, &x))
			e->params[p->index] = x;
		break;
	default:
		load_data(ld, v, q, e, buf);
		break;
	}
}

/* The "virtual" object; fills the generator fields of @e. @buf holds bytes. */
static int load_virtual(struct loader *ld, json_t *o, const char *path,
			struct pcl_layout_entry *e, uint8_t *buf)
{
	const char *keys[PCL_VCAP_MAX_PARAMS + 2] = { "generator" };
	char q[PATH_MAX_LEN], what[48], names[64] = "", alts[64] = "";
	const struct vcap_gen *g;
	int before = ld->errors;
	size_t nk = 1;
	json_t *v;

	if (!want_object(ld, o, path, "\"virtual\""))
		return -1;
	/* "pasid, dsn, null, bytes" and "pasid, dsn, null or bytes" */
	for (size_t i = 0, n = 0; i < vcap_count(); i++) {
		if (!vcap_at(i))
			continue;
		snprintf(alts + strlen(alts), sizeof(alts) - strlen(alts), "%s%s",
			 !n ? "" : i + 1 < vcap_count() ? ", " : " or ",
			 vcap_at(i)->name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names),
			 "%s%s", n++ ? ", " : "", vcap_at(i)->name);
	}
	join(q, path, "generator");
	v = json_object_get(o, "generator");
	if (!v) {
		err_at(ld, path, false,
		       "\"virtual\" needs a \"generator\" (%s)", alts);
		return -1;
	}
	if (!json_is_string(v)) {
		err_at(ld, q, false, "expected one of %s, not %s", names,
		       type_name(v));
		return -1;
	}
	g = vcap_by_name(json_string_value(v));
	if (!g) {
		err_at(ld, q, false, "\"%.32s\" is not one of %s",
		       json_string_value(v), names);
		return -1;
	}
	e->kind = PCL_ENTRY_VIRTUAL;
	e->generator = (uint8_t)g->generator;
	snprintf(what, sizeof(what), "generator '%s'", g->name);
	for (size_t i = 0; i < g->n_params; i++)
		if (g->params[i].key)
			keys[nk++] = g->params[i].key;
	keys[nk] = NULL;
	check_keys(ld, o, path, keys, what);
	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];

		if (!p->key)
			continue;
		join(q, path, p->key);
		v = json_object_get(o, p->key);
		if (v)
			load_param(ld, v, q, p, e, buf);
		else if (p->required)
			err_at(ld, path, false, "generator '%s' needs %s\"%s\"",
			       g->name, p->type == VP_SERIAL ? "a " : "", p->key);
	}
	return ld->errors == before ? 0 : -1;
}

/* Which key a pcl_layout_validate_entry() code blames. */
static const char *blamed_key(int code, const struct pcl_layout_entry *e)
{
	switch (code) {
	case 1: return "at";
	case 2: return "length";
	case 3: return "phys";
	case 4: return "instance";
	case 5: return e->vendor != -1 ? "vendor" : "vsec_id";
	case 6: return "virtual";
	case 7: return "provenance";
	case 8: return "id";
	default: return NULL;
	}
}

static void load_entry(struct loader *ld, json_t *o, const char *path,
		       int space, uint8_t *buf)
{
	static const char *const keys[] = { "id", "at", "hidden", "length",
		"phys", "instance", "vendor", "vsec_id", "virtual",
		"provenance", NULL };
	struct pcl_layout_entry e;
	char q[PATH_MAX_LEN], why[256], label[16];
	int before = ld->errors, code;
	bool hidden = false;
	long long n;
	uint64_t x;
	json_t *v;

	pcl_layout_entry_init(&e);
	e.space = (uint8_t)space;
	if (!want_object(ld, o, path, "an entry"))
		return;
	check_keys(ld, o, path, keys, "an entry");
	v = json_object_get(o, "id");
	join(q, path, "id");
	if (!v)
		err_at(ld, path, false, "an entry needs an \"id\"");
	else
		get_capid(ld, v, q, space, &e.id);
	join(q, path, "hidden");
	v = json_object_get(o, "hidden");
	if (v && !get_bool(ld, v, q, &hidden) && hidden)
		e.kind = PCL_ENTRY_HIDDEN;
	join(q, path, "at");
	v = json_object_get(o, "at");
	if (v && hidden)
		err_at(ld, q, true, "a hidden entry has no \"at\": the guest does not see it");
	else if (v && !get_hex(ld, v, q, 0xffff, &x))
		e.at = (int32_t)x;
	else if (!v && !hidden && !json_object_get(o, "hidden"))
		err_at(ld, path, false,
		       "an entry needs an \"at\" (its guest offset) or \"hidden\": true");
	join(q, path, "length");
	v = json_object_get(o, "length");
	if (v && hidden)
		err_at(ld, q, true, "a hidden entry has no \"length\"");
	else if (v && json_object_get(o, "virtual"))
		err_at(ld, q, true,
		       "a virtual entry's length comes from its generator; remove \"length\"");
	else if (v && !get_int(ld, v, q, 1, 0xf00, &n))
		e.length = (uint32_t)n;
	join(q, path, "phys");
	v = json_object_get(o, "phys");
	if (v && !get_hex(ld, v, q, 0xfff, &x))
		e.phys = (int32_t)x;
	/* Checked on the key, not the value: an explicit "instance": 0 is
	 * as wrong as any other where no instance may be given. */
	join(q, path, "instance");
	v = json_object_get(o, "instance");
	if (v && json_object_get(o, "virtual"))
		err_at(ld, q, true,
		       "a virtual entry does not select a device capability; remove \"instance\"");
	else if (v && json_object_get(o, "phys"))
		err_at(ld, q, true,
		       "\"phys\" and \"instance\" both select a capability of '%s'; give one",
		       pcl_layout_cap_label(space, e.id, label, sizeof(label)));
	else if (v && !get_int(ld, v, q, 0, 0xffff, &n))
		e.instance = (uint32_t)n;
	join(q, path, "vendor");
	v = json_object_get(o, "vendor");
	if (v && !get_hex(ld, v, q, 0xffff, &x))
		e.vendor = (int32_t)x;
	join(q, path, "vsec_id");
	v = json_object_get(o, "vsec_id");
	if (v && !get_hex(ld, v, q, 0xffff, &x))
		e.vsec_id = (int32_t)x;
	join(q, path, "virtual");
	v = json_object_get(o, "virtual");
	if (v && hidden)
		err_at(ld, q, true, "a hidden entry cannot be virtual");
	else if (v)
		load_virtual(ld, v, q, &e, buf);
	join(q, path, "provenance");
	v = json_object_get(o, "provenance");
	if (v)
		load_provenance(ld, v, q, &e);
	if (ld->errors != before) {
		if (!hidden)
			ld->partial |= 1u << space;
		return;
	}

	code = pcl_layout_validate_entry(ld->l, &e, why, sizeof(why));
	if (code) {
		const char *key = blamed_key(code, &e);

		if (key && json_object_get(o, key))
			join(q, path, key);
		else
			snprintf(q, sizeof(q), "%s", path);
		err_at(ld, q, false, "%s", why);
		if (!hidden)
			ld->partial |= 1u << space;
		return;
	}
	if (pcl_layout_insert_entry(ld->l, ld->l->links == PCL_LINKS_LISTED, &e,
				    pcl_jpos_get(ld->ix, path, false)))
		err_at(ld, path, false, "out of memory");
}

static void load_chain(struct loader *ld, json_t *a, int space)
{
	const char *name = pcl_space_name(space);
	char p[PATH_MAX_LEN], what[24];
	uint8_t *buf;
	size_t i;
	json_t *o;

	snprintf(what, sizeof(what), "\"%s\"", name);
	if (!want_array(ld, a, name, what,
			space == PCL_SPACE_STANDARD ? LAYOUT_STD_ENTRIES_MAX :
						      LAYOUT_EXT_ENTRIES_MAX))
		return;
	buf = malloc(0x1000); /* scratch for "bytes" data; entries copy it */
	if (!buf) {
		err_at(ld, name, false, "out of memory");
		return;
	}
	json_array_foreach(a, i, o) {
		join_index(p, name, i);
		load_entry(ld, o, p, space, buf);
	}
	free(buf);
}

static void load_placements(struct loader *ld, json_t *o)
{
	static const char *const keys[] = { "standard", "extended", NULL };
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	if (!want_object(ld, o, "placements", "\"placements\""))
		return;
	check_keys(ld, o, "placements", keys, "\"placements\"");
	for (int s = 0; s < 2; s++) {
		json_t *m = json_object_get(o, pcl_space_name(s)), *v;
		const char *key;

		if (!m)
			continue;
		join(p, "placements", pcl_space_name(s));
		if (!want_object(ld, m, p, p))
			continue;
		json_object_foreach(m, key, v) {
			json_t *k = json_string(key);
			uint16_t id;
			uint64_t at;
			int r;

			join(q, p, key);
			if (!k) {
				err_at(ld, q, true, "out of memory");
				continue;
			}
			r = get_capid(ld, k, q, s, &id);
			json_decref(k);
			if (r || get_hex(ld, v, q, 0xffff, &at))
				continue;
			r = pcl_layout_add_placement(ld->l, s, id, (uint32_t)at);
			if (r == -EEXIST)
				err_at(ld, q, true,
				       "capability 0x%x has two placements", id);
			else if (r == -EINVAL)
				err_at(ld, q, false,
				       "placement 0x%llx is not a dword-aligned offset of the %s space",
				       (unsigned long long)at, pcl_space_name(s));
			else if (r)
				err_at(ld, q, false, "too many placements");
		}
	}
}

static void load_idlists(struct loader *ld, json_t *o, const char *what,
			 int (*add)(struct pcl_layout *, int, uint16_t))
{
	static const char *const keys[] = { "standard", "extended", NULL };
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], w[32];

	snprintf(w, sizeof(w), "\"%s\"", what);
	if (!want_object(ld, o, what, w))
		return;
	check_keys(ld, o, what, keys, w);
	for (int s = 0; s < 2; s++) {
		json_t *a = json_object_get(o, pcl_space_name(s)), *v;
		size_t i;

		if (!a)
			continue;
		join(p, what, pcl_space_name(s));
		if (!want_array(ld, a, p, p, LAYOUT_IDLIST_MAX))
			continue;
		json_array_foreach(a, i, v) {
			uint16_t id;
			int r;

			join_index(q, p, i);
			if (get_capid(ld, v, q, s, &id))
				continue;
			r = add(ld->l, s, id);
			if (r == 0 && add == pcl_layout_add_keep) {
				for (size_t k = 0; k < ld->l->hide[s].count; k++)
					if (ld->l->hide[s].ids[k] == id)
						err_at(ld, q, false,
						       "capability 0x%x is both hidden and kept",
						       id);
			}
			if (r == -EEXIST)
				err_at(ld, q, false,
				       "capability 0x%x is listed twice", id);
			else if (r)
				err_at(ld, q, false, "cannot add this capability");
		}
	}
}

/* 1 and up; 0 (an imported layout) from format 2 on. */
static void load_revision(struct loader *ld, json_t *v)
{
	long long n;

	if (ld->version < 2 && json_is_integer(v) && !json_integer_value(v))
		err_at(ld, "revision", false,
		       "revision 0 (an imported view) needs format 2 (\"pcilayout\": 2)");
	else if (!get_int(ld, v, "revision", ld->version >= 2 ? 0 : 1,
			  INT32_MAX, &n))
		ld->l->revision = (uint32_t)n;
}

static void load_root(struct loader *ld, json_t *root)
{
	static const char *const layout_keys[] = { "pcilayout", "kind", "name",
		"revision", "description", "match", "machines", "profile",
		"unclaimed", "links", "reserved", "standard", "extended", NULL };
	static const char *const quirk_keys[] = { "pcilayout", "kind", "name",
		"description", "match", "reserved", "placements", "hide",
		"keep", NULL };
	static const char *const kinds[] = { "layout", "quirk", NULL };
	static const char *const unclaimed[] = { "passthrough", "zero", "ones",
						 NULL };
	static const char *const links[] = { "ascending", "listed", NULL };
	struct pcl_layout *l = ld->l;
	json_t *v;
	int kind = PCL_LAYOUT_KIND_LAYOUT;

	v = json_object_get(root, "kind");
	if (v) {
		kind = get_enum(ld, v, "kind", kinds, "layout, quirk");
		if (kind < 0)
			kind = PCL_LAYOUT_KIND_LAYOUT;
	}
	l->kind = kind;
	check_keys(ld, root, "",
		   kind == PCL_LAYOUT_KIND_QUIRK ? quirk_keys : layout_keys,
		   kind == PCL_LAYOUT_KIND_QUIRK ? "a quirk" : "a layout");

	v = json_object_get(root, "name");
	if (!v)
		err_at(ld, "", false, "missing key \"name\"");
	else if (get_name(ld, v, "name") &&
		 pcl_layout_set_name(l, json_string_value(v)))
		err_at(ld, "name", false, "out of memory");
	v = json_object_get(root, "revision");
	if (kind == PCL_LAYOUT_KIND_LAYOUT && !v)
		err_at(ld, "", false, "missing key \"revision\"");
	else if (v && kind == PCL_LAYOUT_KIND_LAYOUT)
		load_revision(ld, v);
	v = json_object_get(root, "description");
	if (v && get_text(ld, v, "description", LAYOUT_DESC_MAX) &&
	    pcl_layout_set_description(l, json_string_value(v)))
		err_at(ld, "description", false, "out of memory");
	v = json_object_get(root, "match");
	if (v)
		load_match(ld, v);
	else if (kind == PCL_LAYOUT_KIND_QUIRK)
		err_at(ld, "", false, "a quirk needs a \"match\"");
	v = json_object_get(root, "reserved");
	if (v)
		load_reserved(ld, v);
	if (kind == PCL_LAYOUT_KIND_LAYOUT) {
		v = json_object_get(root, "machines");
		if (v)
			load_machines(ld, v);
		v = json_object_get(root, "profile");
		if (v && get_name(ld, v, "profile") &&
		    pcl_layout_set_profile(l, json_string_value(v)))
			err_at(ld, "profile", false, "out of memory");
		v = json_object_get(root, "unclaimed");
		if (v) {
			int u = get_enum(ld, v, "unclaimed", unclaimed,
					 "passthrough, zero, ones");

			if (u >= 0)
				l->unclaimed = u;
		}
		/* Before the chains: "listed" keeps their entries in order. */
		v = json_object_get(root, "links");
		if (v && ld->version < 2)
			err_at(ld, "links", true,
			       "\"links\" needs format 2 (\"pcilayout\": 2)");
		else if (v) {
			int k = get_enum(ld, v, "links", links,
					 "ascending, listed");

			if (k >= 0)
				l->links = k;
		}
		for (int s = 0; s < 2; s++) {
			v = json_object_get(root, pcl_space_name(s));
			if (v)
				load_chain(ld, v, s);
		}
		pcl_layout_normalize_links(l);
	} else {
		v = json_object_get(root, "placements");
		if (v)
			load_placements(ld, v);
		v = json_object_get(root, "hide");
		if (v)
			load_idlists(ld, v, "hide", pcl_layout_add_hide);
		v = json_object_get(root, "keep");
		if (v)
			load_idlists(ld, v, "keep", pcl_layout_add_keep);
	}
}

/* Check "pcilayout" first. Return: 0 to go on, -1 to stop. */
static int check_version(struct loader *ld, json_t *root)
{
	json_t *v = json_object_get(root, "pcilayout");
	struct jint ver;

	if (!v) {
		err_at(ld, "", false,
		       "missing key \"pcilayout\" (the format version; this reader reads versions 1 to %d)",
		       PCL_LAYOUT_FORMAT);
		return -1;
	}
	if (!json_is_integer(v)) {
		err_at(ld, "pcilayout", false,
		       "the format version must be an integer, not %s",
		       type_name(v));
		return -1;
	}
	int_value(ld, v, "pcilayout", &ver);
	if (!ver.neg && (ver.wide || ver.mag > PCL_LAYOUT_FORMAT)) {
		err_at(ld, "pcilayout", false,
		       "format version %s is newer than this reader, which reads version %d; upgrade pcilayout",
		       ver.text, PCL_LAYOUT_FORMAT);
		return -1;
	}
	if (ver.neg || ver.mag < 1) {
		err_at(ld, "pcilayout", false,
		       "format version %s does not exist; versions start at 1",
		       ver.text);
		return -1;
	}
	ld->version = (int)ver.mag;
	return 0;
}

PCL_EXPORT int pcl_layout_load_string(struct pcl_ctx *ctx, const void *buf,
				      size_t len, const char *name,
				      struct pcl_layout **layout,
				      struct pcl_diag *diag)
{
	struct loader ld = { .src = name ? name : "<string>", .diag = diag };
	const char *nul;
	char *patched;
	json_error_t jerr;
	json_t *root;
	int ret;

	*layout = NULL;
	if (len > PCL_LAYOUT_MAX_SIZE) {
		pcl_diag_add_pos(diag, ld.src, (struct lpos){ 1, 1 },
			     "file is too large: a layout file holds at most %d bytes",
			     PCL_LAYOUT_MAX_SIZE);
		return -EFBIG;
	}
	/* jansson skips a NUL after a number, and a reader built on C strings
	 * would stop at one: no JSON text holds a NUL byte, so refuse it. */
	nul = memchr(buf, '\0', len);
	if (nul) {
		pcl_diag_add_pos(diag, ld.src,
				 pcl_jpos_at(buf, (size_t)(nul - (const char *)buf)),
				 "a NUL byte, which no JSON text holds");
		return -EINVAL;
	}
	ret = pcl_jpos_build(buf, len, &ld.ix);
	if (ret)
		return ret;
	ret = pcl_jpos_patch(ld.ix, buf, len, &patched);
	if (ret) {
		pcl_jpos_free(ld.ix);
		return ret;
	}
	root = json_loadb(patched ? patched : buf, len, JSON_REJECT_DUPLICATES,
			  &jerr);
	free(patched);
	if (!root) {
		/* jansson counts the column of the character it stopped on,
		 * 0 before the first one (e.g. an empty file). */
		struct lpos pos = { jerr.line > 0 ? (uint32_t)jerr.line : 1,
				    jerr.column > 0 ? (uint32_t)jerr.column : 1 };

		pcl_diag_add_pos(diag, ld.src, pos, "%s", jerr.text);
		pcl_jpos_free(ld.ix);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		pcl_diag_add_pos(diag, ld.src, (struct lpos){ 1, 1 },
			     "the top level must be a JSON object, not %s",
			     type_name(root));
		json_decref(root);
		pcl_jpos_free(ld.ix);
		return -EINVAL;
	}
	ld.l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	if (!ld.l) {
		ret = -ENOMEM;
		goto out;
	}
	ld.l->source = strdup(ld.src);
	if (!ld.l->source) {
		ret = -ENOMEM;
		goto out;
	}
	ld.l->root_pos = pcl_jpos_get(ld.ix, "", false);
	if (check_version(&ld, root) == 0) {
		load_root(&ld, root);
		if (pcl_layout_validate_loaded(ld.l, diag, ld.partial))
			ld.errors++;
	}
	ret = ld.errors ? -EINVAL : 0;
out:
	pcl_diag_sort(diag);
	json_decref(root);
	pcl_jpos_free(ld.ix);
	if (ret) {
		pcl_layout_free(ld.l);
		return ret;
	}
	*layout = ld.l;
	return 0;
}

int pcl_layout_read_file(const char *path, char **bufp, size_t *lenp,
			 struct pcl_diag *diag)
{
	size_t cap = 64 * 1024, len = 0;
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	char *buf = NULL;
	struct stat st;
	int fd, ret = 0;

	*bufp = NULL;
	*lenp = 0;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pcl_diag_add_pos(diag, name, (struct lpos){ 0, 0 }, "%s",
			     strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) != 0)
		st.st_mode = 0; /* unknown: read it as a stream */
	if (S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		pcl_diag_add_pos(diag, name, (struct lpos){ 0, 0 }, "%s",
			     strerror(EISDIR));
		goto out;
	}
	/* A file's size is a hint (it may grow while read): one byte more
	 * lets the first read find the end, and touches no spare pages. */
	if (S_ISREG(st.st_mode) && st.st_size >= 0 &&
	    st.st_size < PCL_LAYOUT_MAX_SIZE)
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* Read at most one byte past the limit: enough to know it is too big. */
	while (len < PCL_LAYOUT_MAX_SIZE + 1) {
		ssize_t n;

		if (len == cap) {
			char *grown;

			cap = 2 * cap > PCL_LAYOUT_MAX_SIZE + 1 ?
			      PCL_LAYOUT_MAX_SIZE + 1 : 2 * cap;
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			pcl_diag_add_pos(diag, name, (struct lpos){ 0, 0 }, "%s",
				     strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* All of the size fstat() gave: no read of 0 bytes to learn
		 * the end (a quirk directory is ten files). Not on a short
		 * read alone: /proc and sysfs files are "regular" too. */
		if (S_ISREG(st.st_mode) && st.st_size > 0 &&
		    len == (size_t)st.st_size)
			break;
	}
out:
	if (!is_stdin)
		close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

PCL_EXPORT int pcl_layout_load_file(struct pcl_ctx *ctx, const char *path,
				    struct pcl_layout **layout,
				    struct pcl_diag *diag)
{
	char *buf;
	size_t len;
	int ret;

	*layout = NULL;
	ret = pcl_layout_read_file(path, &buf, &len, diag);
	if (ret)
		return ret;
	ret = pcl_layout_load_string(ctx, buf ? buf : "", len,
				     strcmp(path, "-") == 0 ? "<stdin>" : path,
				     layout, diag);
	free(buf);
	return ret;
}
