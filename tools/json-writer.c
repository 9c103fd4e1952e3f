// SPDX-License-Identifier: BSD-3-Clause
/*
 * json-writer.c - the streaming output of show (text and --json) and map
 * --json: JSON tokens, text, and the buffers they go through.
 *
 * Why not jansson here: show --json over a fleet is the throughput path of
 * issue 11 (goal: 20x lspci -vvv per device, i.e. <= ~11.7 us/device).
 * Building the jansson document cost ~100,000 instructions per device
 * (a malloc'd json_t and hashtable entry per capability field) and
 * json_dumpf() with JSON_SORT_KEYS another ~124,000 (qsort of every
 * object's keys, then one fwrite per token through stdio's locks): 43 us
 * per device at N = 100,000, four times the whole budget (BENCHMARKS.md,
 * callgrind). The document's keys are fixed, so they can be emitted
 * already sorted, and no tree is needed: each device is written as soon
 * as it is walked, into large buffers that go out with fwrite().
 * Writing a device now costs ~30,000 instructions.
 *
 * The bytes must stay those of json_dumpf(JSON_INDENT(2) | JSON_SORT_KEYS)
 * (scripts and golden files depend on them), so this mirrors what jansson
 * 2.14 does: a newline and 2 spaces per level before each member or
 * element, ": " after a key, "[]" and "{}" for empty containers, integers
 * as "%lld", and in strings only '"', '\\' and code points below 0x20
 * escaped (\b \f \n \r \t, else \u00XX in upper case); other UTF-8 passes
 * through. Strings jansson refuses (NULL, invalid UTF-8) are reported by
 * jw_string_ok() so that the member can be dropped as json_object_set_new()
 * drops it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fmt.h"
#include "json-writer.h"

/*
 * The first buffer is small, so that a short output (one function) touches
 * a page or two. Once it fills, output goes out through one buffer of 256
 * KiB, a write(2) each (~130 devices of show --json): 64 page faults
 * once, ~11 us each on a VM. Held output (jw_hold()) is kept in buffers of
 * 2 MiB instead, aligned and marked for a transparent huge page: one page
 * fault where 512 ordinary pages cost 512 (BENCHMARKS.md: it was most of
 * what holding an output cost); without huge pages they are ordinary
 * memory. They are kept as a list, never copied to grow.
 */
#define JW_FIRST_SIZE (64u << 10)
#define JW_OUT_SIZE (256u << 10)
#define JW_CHUNK_SIZE (2u << 20)

/* Used when no buffer can be had: slower, still correct. */
static char jw_fallback[4096];

static const char jw_spaces[2 * JW_MAX_DEPTH + 1] =
	"                                ";

void jw_init(struct jw *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->buf = malloc(JW_FIRST_SIZE);
	w->cap = JW_FIRST_SIZE;
	if (!w->buf) {
		w->buf = jw_fallback;
		w->cap = sizeof(jw_fallback);
	}
}

/*
 * A buffer of at least @need bytes, a multiple of JW_CHUNK_SIZE, in
 * *@buf and *@cap; *@mapped when it came from mmap(). false: no memory.
 */
static bool jw_chunk_new(size_t need, char **buf, size_t *cap, bool *mapped)
{
	size_t size = (need + JW_CHUNK_SIZE - 1) / JW_CHUNK_SIZE * JW_CHUNK_SIZE;
	uintptr_t at, aligned;
	char *p;

	if (size < need)
		return false;
	/* Map an extra chunk's worth and keep its aligned middle. */
	p = size <= SIZE_MAX - JW_CHUNK_SIZE ?
		mmap(NULL, size + JW_CHUNK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
	if (p != MAP_FAILED) {
		at = (uintptr_t)p;
		aligned = (at + JW_CHUNK_SIZE - 1) &
			  ~(uintptr_t)(JW_CHUNK_SIZE - 1);
		if (aligned > at)
			munmap(p, aligned - at);
		if (JW_CHUNK_SIZE - (aligned - at))
			munmap((char *)aligned + size,
			       JW_CHUNK_SIZE - (aligned - at));
		/* Advice only: without huge pages, ordinary ones serve. */
		madvise((char *)aligned, size, MADV_HUGEPAGE);
		*buf = (char *)aligned;
		*cap = size;
		*mapped = true;
		return true;
	}
	*buf = malloc(size);
	*cap = size;
	*mapped = false;
	return *buf != NULL;
}

static void jw_buf_free(char *buf, size_t cap, bool mapped)
{
	if (mapped)
		munmap(buf, cap);
	else if (buf != jw_fallback)
		free(buf);
}

/* Write the held buffers (freeing them), then the current one. */
static void jw_flush(struct jw *w)
{
	for (size_t i = 0; i < w->nheld; i++) {
		struct jw_chunk *c = &w->held[i];

		if (fwrite(c->buf, 1, c->len, w->out) != c->len)
			w->failed = true;
		jw_buf_free(c->buf, c->cap, c->mapped);
	}
	free(w->held);
	w->held = NULL;
	w->nheld = 0;
	if (w->len && fwrite(w->buf, 1, w->len, w->out) != w->len)
		w->failed = true;
	w->len = 0;
}

void jw_discard(struct jw *w)
{
	for (size_t i = 0; i < w->nheld; i++)
		jw_buf_free(w->held[i].buf, w->held[i].cap, w->held[i].mapped);
	free(w->held);
	w->held = NULL;
	w->nheld = 0;
	jw_buf_free(w->buf, w->cap, w->mapped);
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
}

int jw_finish(struct jw *w)
{
	jw_flush(w);
	jw_discard(w);
	return w->failed ? -1 : 0;
}

void jw_hold(struct jw *w, bool hold)
{
	w->hold = hold;
}

/*
 * While holding: keep the full buffer and take a new one of at least @n
 * bytes. false, and nothing changed, when memory ran out.
 */
static bool jw_hold_more(struct jw *w, size_t n)
{
	struct jw_chunk *held;
	size_t cap;
	bool mapped;
	char *nb;

	held = realloc(w->held, (w->nheld + 1) * sizeof(*held));
	if (!held)
		return false;
	w->held = held;
	if (!jw_chunk_new(n, &nb, &cap, &mapped))
		return false;
	w->held[w->nheld++] = (struct jw_chunk){ .buf = w->buf, .len = w->len,
						 .cap = w->cap,
						 .mapped = w->mapped };
	w->buf = nb;
	w->cap = cap;
	w->mapped = mapped;
	w->len = 0;
	return true;
}

/*
 * Room for @n more bytes in the buffer. While holding, a new buffer is
 * taken (if memory runs out, what is held is written after all); else the
 * buffer is written, and the first, small one replaced by the output
 * buffer. false when the buffer has no room for @n even so.
 */
static bool jw_room(struct jw *w, size_t n)
{
	char *nb;

	if (w->cap - w->len >= n)
		return true;
	if (w->hold && jw_hold_more(w, n))
		return true;
	jw_flush(w);
	if (w->cap < JW_OUT_SIZE && !w->mapped &&
	    (nb = malloc(JW_OUT_SIZE)) != NULL) {
		jw_buf_free(w->buf, w->cap, w->mapped);
		w->buf = nb;
		w->cap = JW_OUT_SIZE;
	}
	return w->cap - w->len >= n;
}

static void jw_put(struct jw *w, const char *s, size_t n)
{
	if (n > w->cap - w->len && !jw_room(w, n)) {
		/* No buffer this large could be had: it goes out as it is. */
		if (fwrite(s, 1, n, w->out) != n)
			w->failed = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	jw_put(w, s, n);
}

/* What glibc's printf() writes for a NULL "%s": the text stays the same. */
static const char *jw_nonnull(const char *s)
{
	return s ? s : "(null)";
}

void jw_text(struct jw *w, const char *s)
{
	s = jw_nonnull(s);
	jw_put(w, s, strlen(s));
}

void jw_text_pad(struct jw *w, const char *s, size_t width)
{
	size_t n;

	s = jw_nonnull(s);
	n = strlen(s);

	jw_put(w, s, n);
	while (n < width) {
		size_t k = width - n > 2 * JW_MAX_DEPTH ? 2 * JW_MAX_DEPTH :
							  width - n;

		jw_put(w, jw_spaces, k);
		n += k;
	}
}

void jw_text_hex(struct jw *w, unsigned long v, int digits)
{
	char tmp[FMT_NUM_MAX];
	size_t n = (size_t)(fmt_hex(tmp, v, digits) - tmp);

	jw_put(w, tmp, n);
}

void jw_text_dec(struct jw *w, unsigned long long v, size_t width)
{
	char tmp[FMT_NUM_MAX];
	size_t n = (size_t)(fmt_dec(tmp, v) - tmp);

	if (width > n)
		jw_text_pad(w, "", width - n);
	jw_put(w, tmp, n);
}

static void jw_putc(struct jw *w, char c)
{
	if (w->len == w->cap)
		jw_room(w, 1); /* true: a written buffer has room for one */
	w->buf[w->len++] = c;
}

/*
 * What comes before a member or an element at @depth > 0: "," unless it
 * is the first, then jansson's dump_indent(), a newline and two spaces
 * per level; at most 2 + 2 * JW_MAX_DEPTH bytes. Written straight into
 * the buffer when it has room (the common case: one check per token, not
 * one call per byte), else through jw_put().
 */
#define JW_PREFIX_MAX (2 + 2 * JW_MAX_DEPTH)

static void jw_prefix(struct jw *w, bool comma, int depth)
{
	size_t n = (size_t)comma + 1 + 2 * (size_t)depth;
	char *o;

	if (w->cap - w->len < JW_PREFIX_MAX) {
		if (comma)
			jw_putc(w, ',');
		jw_putc(w, '\n');
		jw_put(w, jw_spaces, 2 * (size_t)depth);
		return;
	}
	o = w->buf + w->len;
	o[0] = ',';
	o += comma;
	o[0] = '\n';
	memcpy(o + 1, jw_spaces, 2 * JW_MAX_DEPTH);
	w->len += n;
}

/* What comes before a member or an element: nothing, or ",", then indent. */
static void jw_item(struct jw *w)
{
	bool comma;

	if (w->depth == 0)
		return;
	comma = !w->empty[w->depth];
	w->empty[w->depth] = false;
	jw_prefix(w, comma, w->depth);
}

/* Before a value: a member's value follows its key with no separator. */
static void jw_value(struct jw *w)
{
	if (w->after_key)
		w->after_key = false;
	else
		jw_item(w);
}

static void jw_open(struct jw *w, char c)
{
	jw_value(w);
	jw_putc(w, c);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		/* A programming error; keep the output bounded, mark it bad. */
		w->failed = true;
		return;
	}
	w->depth++;
	w->empty[w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	if (w->depth > 0) {
		if (!w->empty[w->depth])
			jw_prefix(w, false, w->depth - 1);
		w->depth--;
	}
	jw_putc(w, c);
}

void jw_begin_object(struct jw *w)
{
	jw_open(w, '{');
}

void jw_end_object(struct jw *w)
{
	jw_close(w, '}');
}

void jw_begin_array(struct jw *w)
{
	jw_open(w, '[');
}

void jw_end_array(struct jw *w)
{
	jw_close(w, ']');
}

void jw_key_n(struct jw *w, const char *key, size_t n)
{
	jw_item(w);
	if (w->cap - w->len >= n + 4) {
		char *o = w->buf + w->len;

		o[0] = '"';
		memcpy(o + 1, key, n);
		memcpy(o + 1 + n, "\": ", 3);
		w->len += n + 4;
	} else {
		jw_putc(w, '"');
		jw_put(w, key, n);
		jw_put(w, "\": ", 3);
	}
	w->after_key = true;
}

void jw_null(struct jw *w)
{
	jw_value(w);
	jw_put(w, "null", 4);
}

void jw_bool(struct jw *w, bool v)
{
	jw_value(w);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

void jw_int(struct jw *w, long long v)
{
	char tmp[FMT_NUM_MAX + 1], *p = tmp;
	/* Negate as unsigned so that LLONG_MIN does not overflow. */
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v :
				       (unsigned long long)v;

	jw_value(w);
	if (v < 0)
		*p++ = '-';
	p = fmt_dec(p, u);
	jw_put(w, tmp, (size_t)(p - tmp));
}

void jw_hex_pad(struct jw *w, unsigned long v, int digits)
{
	char tmp[FMT_NUM_MAX + 4], *p = tmp;

	jw_value(w);
	*p++ = '"';
	*p++ = '0';
	*p++ = 'x';
	p = fmt_hex(p, v, digits);
	*p++ = '"';
	jw_put(w, tmp, (size_t)(p - tmp));
}

void jw_hex(struct jw *w, unsigned long v)
{
	jw_hex_pad(w, v, 1);
}

bool jw_string_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return false;
	while (*p) {
		uint32_t cp;
		size_t n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		/* C0, C1 (overlong ASCII), continuation bytes and F5+ never
		 * start a sequence. */
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 2;
			cp = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 3;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 4;
			cp = *p & 0x07;
		} else {
			return false;
		}
		/* The terminating NUL fails this test, so p never overruns. */
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
			return false;
		p += n;
	}
	return true;
}

/*
 * The length of @s when it is ASCII from ' ' up with no '"' or '\\': valid
 * UTF-8 that needs no escape, the common case, written with one copy.
 * (size_t)-1 otherwise, or for NULL.
 */
static size_t jw_plain_len(const char *s)
{
	/* 1 for a byte that ends the plain run: NUL, below ' ', '"', '\\',
	 * and 0x80 up. One lookup a byte instead of four compares: this loop
	 * was a tenth of `map --json` (callgrind). */
	static const uint8_t stop[256] = {
		[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
	};
	const unsigned char *p = (const unsigned char *)s;

	if (!s)
		return (size_t)-1;
	while (!stop[*p])
		p++;
	return *p ? (size_t)-1 : (size_t)(p - (const unsigned char *)s);
}

static void jw_plain(struct jw *w, const char *s, size_t n)
{
	jw_value(w);
	if (w->cap - w->len >= n + 2) {
		char *o = w->buf + w->len;

		o[0] = '"';
		memcpy(o + 1, s, n);
		o[n + 1] = '"';
		w->len += n + 2;
	} else {
		jw_putc(w, '"');
		jw_put(w, s, n);
		jw_putc(w, '"');
	}
}

/*
 * @s must have passed jw_string_ok(). Bytes of multi-byte sequences are
 * all >= 0x80, so escaping byte by byte is escaping code point by code
 * point, as jansson does.
 */
void jw_string(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s, *p = s;
	size_t plain = jw_plain_len(s);

	if (plain != (size_t)-1) {
		jw_plain(w, s, plain);
		return;
	}
	jw_value(w);
	jw_putc(w, '"');
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_put(w, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			n = 6;
			break;
		}
		jw_put(w, esc, n);
	}
	jw_put(w, run, (size_t)(p - run));
	jw_putc(w, '"');
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void jw_json(struct jw *w, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = malloc((n + 1) * sizeof(*keys));
		const char *k;
		json_t *m;

		if (!keys) {
			w->failed = true;
			return;
		}
		json_object_foreach((json_t *)v, k, m)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), key_cmp);
		jw_begin_object(w);
		for (i = 0; i < n; i++) {
			jw_key(w, keys[i]);
			jw_json(w, json_object_get(v, keys[i]));
		}
		jw_end_object(w);
		free(keys);
		break;
	}
	case JSON_ARRAY:
		jw_begin_array(w);
		for (size_t i = 0; i < json_array_size(v); i++)
			jw_json(w, json_array_get(v, i));
		jw_end_array(w);
		break;
	case JSON_STRING:
		jw_string(w, json_string_value(v));
		break;
	case JSON_INTEGER:
		jw_int(w, json_integer_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jw_bool(w, json_is_true(v));
		break;
	default:
		jw_null(w);
		break;
	}
}

void jw_member_string(struct jw *w, const char *key, const char *s)
{
	size_t n = jw_plain_len(s);

	if (n != (size_t)-1) {
		jw_key(w, key);
		jw_plain(w, s, n);
		return;
	}
	if (!jw_string_ok(s))
		return;
	jw_key(w, key);
	jw_string(w, s);
}
