// SPDX-License-Identifier: BSD-3-Clause
/*
 * save.c - the canonical form, saving (through core's atomic writer) and the
 * fingerprint.
 *
 * The canonical form is a pure function of the layout: jansson's dump with
 * sorted keys and a two-space indent (docs/layout-format.md §6), members
 * equal to their default left out, hex strings in lower case with the
 * widths the spec gives each field, and a final newline. The writer below
 * produces those bytes directly into one growing buffer, without building
 * a jansson tree (a tree cost ~170 allocations per fingerprint, and plans
 * are fingerprinted often); tests/unit/test_canon.c proves the bytes equal
 * jansson's dump of the same content for every shipped layout, corpus plan
 * and edge case.
 *
 * Keys are written in strcmp order: the format's own keys in the order
 * written below, keys that come from tables (generator parameters,
 * capability names of placements) sorted at run time. Every string is
 * valid UTF-8 free of control characters (the loader, the setters and
 * pcl_layout_validate() refuse others), so only '"' and '\' are escaped in
 * practice; control characters are escaped as jansson would all the same.
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

/* Deepest container: root > chain > entry > virtual or provenance. */
#define CANON_DEPTH 8
/* The fingerprint's text fits here for all but the largest layouts. */
#define CANON_STACK 4096

/* The text being written. A failed allocation sets @oom and stops it. */
struct canon {
	char *s;
	size_t len;
	size_t size;
	bool heap; /* @s was allocated here (else it is the caller's) */
	bool oom;
	bool fp;   /* fingerprint mode */
	unsigned int depth;
	bool members[CANON_DEPTH]; /* the open container at a depth has some */
};

/* Grow @c for @n more bytes and a NUL: false (@c->oom) if out of memory. */
static bool grow(struct canon *c, size_t n)
{
	size_t size = c->size ? c->size : 1024;
	char *grown;

	if (c->oom)
		return false;
	while (size - c->len <= n)
		size *= 2;
	grown = c->heap ? realloc(c->s, size) : malloc(size);
	if (!grown) {
		c->oom = true;
		return false;
	}
	if (!c->heap && c->len)
		memcpy(grown, c->s, c->len);
	c->s = grown;
	c->size = size;
	c->heap = true;
	return true;
}

/*
 * Room for @n more bytes and a NUL. One test where there is room (the
 * writer asks for every piece, a byte loop's worth: no comparison hooks):
 * once @c->oom is set the text is dropped, so what is still written into
 * the room left does not matter.
 */
static PCL_BYTE_LOOP bool reserve(struct canon *c, size_t n)
{
	return c->size - c->len > n || grow(c, n);
}

static void put(struct canon *c, const char *p, size_t n)
{
	if (reserve(c, n)) {
		memcpy(c->s + c->len, p, n);
		c->len += n;
	}
}

static void putch(struct canon *c, char ch)
{
	if (reserve(c, 1))
		c->s[c->len++] = ch;
}

/* A JSON string: jansson escapes '"', '\' and control characters only. */
static void put_str(struct canon *c, const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";

	if (!s) {
		c->oom = true; /* as json_string(NULL) did */
		return;
	}
	putch(c, '"');
	for (;;) {
		size_t run = 0;
		unsigned char ch;

		while ((ch = (unsigned char)s[run]) >= 0x20 && ch != '"' &&
		       ch != '\\')
			run++;
		put(c, s, run);
		s += run;
		if (!ch)
			break;
		s++;
		putch(c, '\\');
		switch (ch) {
		case '"': case '\\': putch(c, (char)ch); break;
		case '\b': putch(c, 'b'); break;
		case '\f': putch(c, 'f'); break;
		case '\n': putch(c, 'n'); break;
		case '\r': putch(c, 'r'); break;
		case '\t': putch(c, 't'); break;
		default:
			put(c, "u00", 3);
			putch(c, hexd[ch >> 4]);
			putch(c, hexd[ch & 0xf]);
			break;
		}
	}
	putch(c, '"');
}

/* A JSON integer, as jansson prints json_int_t ("%lld"). */
static void put_int(struct canon *c, long long v)
{
	unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v :
				       (unsigned long long)v;
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		buf[--i] = '-';
	put(c, buf + i, sizeof(buf) - i);
}

/* "0x" and at least @width lower-case digits ("0x%0*llx"), unquoted. */
static size_t fmt_hex(char *buf, unsigned long long v, int width)
{
	char digits[16];
	int n = 0;
	size_t len = 2;

	do {
		digits[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = n; i < width; i++)
		buf[len++] = '0';
	while (n)
		buf[len++] = digits[--n];
	return len;
}

static void put_hex(struct canon *c, unsigned long long v, int width)
{
	char buf[24];
	size_t n;

	buf[0] = '"';
	n = fmt_hex(buf + 1, v, width) + 1;
	buf[n++] = '"';
	put(c, buf, n);
}

/* A newline and the indent of the current depth. */
static void newline(struct canon *c)
{
	size_t n = 2 * (size_t)c->depth;

	if (reserve(c, n + 1)) {
		c->s[c->len++] = '\n';
		memset(c->s + c->len, ' ', n);
		c->len += n;
	}
}

static void enter(struct canon *c, char ch)
{
	putch(c, ch);
	c->depth++;
	c->members[c->depth] = false;
}

/* "{}" and "[]" when empty, else the closing bracket on its own line. */
static void leave(struct canon *c, char ch)
{
	bool any = c->members[c->depth];

	c->depth--;
	if (any)
		newline(c);
	putch(c, ch);
}

/* The start of an array item or object member: ",\n" or "\n", indent. */
static void item(struct canon *c)
{
	if (c->members[c->depth])
		putch(c, ',');
	c->members[c->depth] = true;
	newline(c);
}

static void key(struct canon *c, const char *k)
{
	item(c);
	put_str(c, k);
	put(c, ": ", 2);
}

static void put_capid(struct canon *c, int space, uint16_t id)
{
	const char *name = c->fp ? NULL : pcl_layout_cap_name(space, id);

	if (name)
		put_str(c, name);
	else
		put_hex(c, id, 1);
}

/*
 * Members whose keys come from tables, in strcmp order. Equal keys keep
 * the last member given, as json_object_set_new() would; @index orders
 * them and says which member the caller means.
 */
struct member {
	const char *key;
	size_t index;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sort @m; return how many remain once equal keys keep only the last. */
static size_t members_sort(struct member *m, size_t n)
{
	size_t out = 0;

	qsort(m, n, sizeof(*m), member_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && !strcmp(m[i].key, m[i + 1].key))
			continue;
		m[out++] = m[i];
	}
	return out;
}

/* One parameter, as its generator's table row spells it (vcap/). */
static void put_param(struct canon *c, const struct vcap_param *p,
		      const struct pcl_layout_entry *e)
{
	uint64_t v = e->params[p->index];

	switch (p->type) {
	case VP_UINT:
		put_int(c, (long long)v);
		break;
	case VP_BOOL:
		put(c, "true", 4);
		break;
	case VP_SERIAL:
		if (p->word && e->params[p->word_index])
			put_str(c, p->word);
		else
			put_hex(c, v, 16);
		break;
	default:
		if (!reserve(c, 2 * (size_t)e->length + 2))
			break;
		c->s[c->len++] = '"';
		for (uint32_t i = 0; i < e->length; i++) {
			c->s[c->len++] = "0123456789abcdef"[e->data[i] >> 4];
			c->s[c->len++] = "0123456789abcdef"[e->data[i] & 0xf];
		}
		c->s[c->len++] = '"';
		break;
	}
}

/* "generator" and the parameters with keys; a false bool is the default. */
static void put_virtual(struct canon *c, const struct pcl_layout_entry *e)
{
	const struct vcap_gen *g = vcap_get(e->generator);
	struct member m[PCL_VCAP_MAX_PARAMS + 1];
	size_t n = 0;

	if (!g || g->n_params > PCL_VCAP_MAX_PARAMS) {
		c->oom = true;
		return;
	}
	m[n++] = (struct member){ "generator", 0 };
	for (size_t i = 0; i < g->n_params; i++) {
		const struct vcap_param *p = &g->params[i];

		if (p->key && (p->type != VP_BOOL || e->params[p->index]))
			m[n++] = (struct member){ p->key, i + 1 };
	}
	n = members_sort(m, n);
	enter(c, '{');
	for (size_t i = 0; i < n; i++) {
		key(c, m[i].key);
		if (m[i].index)
			put_param(c, &g->params[m[i].index - 1], e);
		else
			put_str(c, g->name);
	}
	leave(c, '}');
}

static void put_entry(struct canon *c, const struct pcl_layout_entry *e)
{
	enter(c, '{');
	if (e->kind != PCL_ENTRY_HIDDEN) {
		key(c, "at");
		put_hex(c, (unsigned int)e->at, 1);
	} else {
		key(c, "hidden");
		put(c, "true", 4);
	}
	key(c, "id");
	put_capid(c, e->space, e->id);
	if (e->instance) {
		key(c, "instance");
		put_int(c, e->instance);
	}
	if (e->kind == PCL_ENTRY_PHYSICAL &&
	    e->length != pcl_layout_cap_default_length(e->space, e->id)) {
		key(c, "length");
		put_int(c, e->length);
	}
	if (e->phys != -1) {
		key(c, "phys");
		put_hex(c, (unsigned int)e->phys, 1);
	}
	if (!c->fp && e->prov_rule != PCL_PROV_NONE) {
		const char *rule = pcl_prov_rule_name(e->prov_rule);

		if (!rule || !e->prov_reason)
			c->oom = true; /* validation refuses both */
		key(c, "provenance");
		enter(c, '{');
		key(c, "reason");
		put_str(c, e->prov_reason ? e->prov_reason : "");
		key(c, "rule");
		put_str(c, rule ? rule : "");
		leave(c, '}');
	}
	if (e->vendor != -1) {
		key(c, "vendor");
		put_hex(c, (unsigned int)e->vendor, 4);
	}
	if (e->kind == PCL_ENTRY_VIRTUAL) {
		key(c, "virtual");
		put_virtual(c, e);
	}
	if (e->vsec_id != -1) {
		key(c, "vsec_id");
		put_hex(c, (unsigned int)e->vsec_id, 1);
	}
	leave(c, '}');
}

static void put_match(struct canon *c, const struct pcl_layout_match *m)
{
	enter(c, '{');
	for (const struct pcl_match_field *f = pcl_match_fields; f->key; f++) {
		if (f->bit && !(m->fields & f->bit))
			continue;
		key(c, f->key);
		put_hex(c, pcl_layout_match_get(m, f->bit), (int)f->digits);
	}
	leave(c, '}');
}

/* The spaces in the order of their names ("extended" < "standard"). */
static const int space_order[2] = { PCL_SPACE_EXTENDED, PCL_SPACE_STANDARD };

/* "hide" or "keep": per space, the IDs in their (numeric) list order. */
static void put_idlists(struct canon *c, const char *name,
			const struct pcl_layout_idlist *lists)
{
	if (!lists[0].count && !lists[1].count)
		return;
	key(c, name);
	enter(c, '{');
	for (int i = 0; i < 2; i++) {
		int s = space_order[i];

		if (!lists[s].count)
			continue;
		key(c, pcl_space_name(s));
		enter(c, '[');
		for (size_t j = 0; j < lists[s].count; j++) {
			item(c);
			put_capid(c, s, lists[s].ids[j]);
		}
		leave(c, ']');
	}
	leave(c, '}');
}

/* Per space, the placements keyed by capability name (or hex ID). */
static void put_placements(struct canon *c, const struct pcl_layout *l)
{
	size_t n = l->n_placements;
	struct member *m;
	char (*hex)[8];

	if (!n)
		return;
	m = malloc(n * (sizeof(*m) + sizeof(*hex)));
	if (!m) {
		c->oom = true;
		return;
	}
	hex = (char (*)[8])(m + n);
	key(c, "placements");
	enter(c, '{');
	for (int i = 0; i < 2; i++) {
		int s = space_order[i];
		size_t k = 0;

		for (size_t j = 0; j < n; j++) {
			const struct pcl_layout_placement *p = &l->placements[j];
			const char *name;

			if (p->space != s)
				continue;
			name = c->fp ? NULL : pcl_layout_cap_name(s, p->id);
			if (!name) {
				hex[j][fmt_hex(hex[j], p->id, 1)] = '\0';
				name = hex[j];
			}
			m[k++] = (struct member){ name, j };
		}
		if (!k)
			continue;
		k = members_sort(m, k);
		key(c, pcl_space_name(s));
		enter(c, '{');
		for (size_t j = 0; j < k; j++) {
			key(c, m[j].key);
			put_hex(c, l->placements[m[j].index].at, 1);
		}
		leave(c, '}');
	}
	leave(c, '}');
	free(m);
}

/* A chain's entries; none (or only hidden ones in fingerprint mode): no key. */
static void put_chain(struct canon *c, const struct pcl_layout *l, int s)
{
	bool any = false;

	for (size_t i = 0; i < l->n_entries[s]; i++) {
		const struct pcl_layout_entry *e = &l->entries[s][i];

		if (c->fp && e->kind == PCL_ENTRY_HIDDEN)
			continue;
		if (!any) {
			key(c, pcl_space_name(s));
			enter(c, '[');
			any = true;
		}
		item(c);
		put_entry(c, e);
	}
	if (any)
		leave(c, ']');
}

static void put_reserved(struct canon *c, const struct pcl_layout *l)
{
	if (!l->n_reserved)
		return;
	key(c, "reserved");
	enter(c, '[');
	for (size_t i = 0; i < l->n_reserved; i++) {
		const struct pcl_layout_reserved *r = &l->reserved[i];

		item(c);
		enter(c, '{');
		key(c, "length");
		put_int(c, r->length);
		key(c, "offset");
		put_hex(c, r->offset, 1);
		key(c, "reason");
		put_str(c, r->reason);
		if (r->source) {
			key(c, "source");
			put_str(c, r->source);
		}
		leave(c, '}');
	}
	leave(c, ']');
}

/* The root's members, in strcmp order of their keys. */
static void put_layout(struct canon *c, const struct pcl_layout *l)
{
	const char *unclaimed = pcl_unclaimed_name(l->unclaimed);

	enter(c, '{');
	if (l->description && !c->fp) {
		key(c, "description");
		put_str(c, l->description);
	}
	put_chain(c, l, PCL_SPACE_EXTENDED);
	put_idlists(c, "hide", l->hide);
	put_idlists(c, "keep", l->keep);
	if (l->kind == PCL_LAYOUT_KIND_QUIRK) {
		key(c, "kind");
		put_str(c, "quirk");
	}
	if (l->links == PCL_LINKS_LISTED) {
		key(c, "links");
		put_str(c, "listed");
	}
	if (l->n_machines) {
		key(c, "machines");
		enter(c, '[');
		for (size_t i = 0; i < l->n_machines; i++) {
			item(c);
			put_str(c, l->machines[i]);
		}
		leave(c, ']');
	}
	if (l->match.present) {
		key(c, "match");
		put_match(c, &l->match);
	}
	key(c, "name");
	put_str(c, l->name);
	key(c, "pcilayout");
	put_int(c, pcl_layout_format(l));
	put_placements(c, l);
	if (l->profile) {
		key(c, "profile");
		put_str(c, l->profile);
	}
	put_reserved(c, l);
	if (l->kind == PCL_LAYOUT_KIND_LAYOUT) {
		key(c, "revision");
		put_int(c, l->revision);
	}
	put_chain(c, l, PCL_SPACE_STANDARD);
	if (l->unclaimed != PCL_UNCLAIMED_PASSTHROUGH) {
		if (!unclaimed)
			c->oom = true; /* as json_string(NULL) did */
		key(c, "unclaimed");
		put_str(c, unclaimed ? unclaimed : "");
	}
	leave(c, '}');
	put(c, "\n", 2); /* with the terminating NUL, not counted below */
	c->len--;
}

/*
 * The canonical text into @c (which may start with the caller's buffer):
 * 0, -EINVAL when the layout does not validate, -ENOMEM. On failure any
 * buffer allocated here is freed.
 */
static int serialize(const struct pcl_layout *layout, struct canon *c,
		     bool validated)
{
	if (!validated && pcl_layout_validate(layout, NULL))
		return -EINVAL;
	put_layout(c, layout);
	if (!c->oom)
		return 0;
	if (c->heap)
		free(c->s);
	return -ENOMEM;
}

static int to_text(const struct pcl_layout *layout, char **out, size_t *len)
{
	struct canon c = { 0 };
	int ret = serialize(layout, &c, false);

	if (ret)
		return ret;
	*out = c.s;
	if (len)
		*len = c.len;
	return 0;
}

PCL_EXPORT int pcl_layout_to_string(const struct pcl_layout *layout,
				    char **out, size_t *len)
{
	return to_text(layout, out, len);
}

PCL_EXPORT int pcl_layout_save(const struct pcl_layout *layout, FILE *f)
{
	size_t len;
	char *s;
	int ret = to_text(layout, &s, &len);

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
	int ret = to_text(layout, &text, NULL);

	if (!ret)
		ret = pcl_file_replace(path, write_text, text);
	free(text);
	return ret;
}

static int fingerprint(const struct pcl_layout *layout,
		       char out[PCL_FINGERPRINT_SIZE], bool validated)
{
	char stack[CANON_STACK];
	struct canon c = { .s = stack, .size = sizeof(stack), .fp = true };
	int ret = serialize(layout, &c, validated);

	if (ret)
		return ret;
	pcl_fingerprint_of(c.s, c.len, out);
	if (c.heap)
		free(c.s);
	return 0;
}

PCL_EXPORT int pcl_layout_fingerprint(const struct pcl_layout *layout,
				      char out[PCL_FINGERPRINT_SIZE])
{
	return fingerprint(layout, out, false);
}

int pcl_layout_fingerprint_validated(const struct pcl_layout *layout,
				     char out[PCL_FINGERPRINT_SIZE])
{
	return fingerprint(layout, out, true);
}
