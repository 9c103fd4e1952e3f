// SPDX-License-Identifier: BSD-3-Clause
/*
 * jpos.c - where each key and value of a JSON text is, by path.
 *
 * jansson reports positions for syntax errors but keeps none in the tree it
 * builds, and a layout file's semantic errors ("misaligned offset") must
 * name a line and column too. So after jansson has accepted a text, this
 * file walks the same bytes once more with a tokenizer (not a second
 * parser: it trusts jansson on syntax and only stops, never guesses, when
 * something is off) and records, for every value down to the depth the
 * format uses, its path ("extended[3].at") with the positions of its key
 * and of its value. The validator builds the same path from the jansson
 * tree and looks the position up.
 *
 * Columns count Unicode characters from 1, as jansson's do, so that syntax
 * and semantic errors agree on what "column" means.
 *
 * The walk also reads the integers jansson cannot: jansson holds int64_t
 * only, and refuses the text outright ("too big integer") when a number is
 * larger, yet a DSN serial may be any 64-bit value (docs/layout-format.md
 * §1). So the loader runs this walk before jansson, hands jansson a copy in
 * which each such integer is blanked to "0" and spaces (same length: every
 * position stays where it was), and reads the true value here, by path.
 */
#include <stdlib.h>

#include "layout-internal.h"

/* Root = 0; "extended" = 1; "extended[3]" = 2; ".virtual" = 3; its keys = 4. */
#define JPOS_MAX_DEPTH 4
#define JPOS_MAX_PATH 512

struct jrec {
	char *path;
	struct lpos key;
	struct lpos val;
	size_t big; /* index in jpos_index.bigs, or SIZE_MAX */
};

/* An integer token outside int64_t: where it is and what it says. */
struct jbig {
	size_t start;
	size_t len;
	struct jint value;
};

struct jpos_index {
	struct jrec *recs;
	size_t count;
	size_t alloc;
	size_t *table; /* open addressing; SIZE_MAX = empty */
	size_t table_size;
	struct jbig *bigs; /* at every depth, in text order */
	size_t n_bigs;
	size_t bigs_alloc;
};

struct frame {
	bool array;
	size_t index;    /* next element number of an array */
	size_t path_len; /* length of the container's own path */
};

struct scan {
	const unsigned char *p;
	const unsigned char *end;
	uint32_t line;
	uint32_t column;
};

static void advance(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->column = 1;
	} else if ((*s->p & 0xc0) != 0x80) {
		/* count the first byte of each UTF-8 sequence only */
		s->column++;
	}
	s->p++;
}

/* Column of the byte at s->p as jansson counts it (characters, from 1). */
static struct lpos here(const struct scan *s)
{
	return (struct lpos){ s->line, s->column };
}

struct lpos pcl_jpos_at(const char *buf, size_t off)
{
	struct scan s = { (const unsigned char *)buf,
			  (const unsigned char *)buf + off, 1, 1 };

	while (s.p < s.end)
		advance(&s);
	return here(&s);
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end &&
	       (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		advance(s);
}

static uint64_t fnv1a(const char *str)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *str; str++)
		h = (h ^ (unsigned char)*str) * 0x100000001b3ULL;
	return h;
}

static int add_rec(struct jpos_index *ix, const char *path, struct lpos key,
		   struct lpos val)
{
	if (ix->count == ix->alloc) {
		size_t n = ix->alloc ? ix->alloc * 2 : 64;
		struct jrec *grown = realloc(ix->recs, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ix->recs = grown;
		ix->alloc = n;
	}
	ix->recs[ix->count].path = strdup(path);
	if (!ix->recs[ix->count].path)
		return -ENOMEM;
	ix->recs[ix->count].key = key;
	ix->recs[ix->count].val = val;
	ix->recs[ix->count].big = SIZE_MAX;
	ix->count++;
	return 0;
}

/*
 * If [p, p + n) is a JSON integer that int64_t cannot hold, describe it in
 * @b. Anything else (reals, smaller integers, malformed tokens) is left to
 * jansson, to read or to refuse with its own message.
 */
static bool classify_bigint(const unsigned char *p, size_t n,
			    struct jint *b)
{
	size_t i = 0, keep;
	uint64_t mag = 0;
	bool wide = false;

	if (n && p[0] == '-')
		i = 1;
	if (i == n || (p[i] == '0' && n - i > 1))
		return false; /* not an integer JSON allows */
	for (size_t k = i; k < n; k++) {
		unsigned int d = (unsigned int)(p[k] - '0');

		if (p[k] < '0' || p[k] > '9')
			return false;
		if (mag > (UINT64_MAX - d) / 10)
			wide = true;
		else
			mag = mag * 10 + d;
	}
	if (!wide && mag <= (i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return false;
	b->neg = i == 1;
	b->wide = wide;
	b->mag = wide ? 0 : mag;
	keep = n < sizeof(b->text) ? n : sizeof(b->text) - 4;
	memcpy(b->text, p, keep);
	if (keep < n)
		memcpy(b->text + keep, "...", 4);
	else
		b->text[keep] = '\0';
	return true;
}

/* Remember the big integer at [start, start + len); @rec: its record. */
static int add_big(struct jpos_index *ix, size_t start, size_t len,
		   const struct jint *value, struct jrec *rec)
{
	if (ix->n_bigs == ix->bigs_alloc) {
		size_t n = ix->bigs_alloc ? ix->bigs_alloc * 2 : 4;
		struct jbig *grown = realloc(ix->bigs, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ix->bigs = grown;
		ix->bigs_alloc = n;
	}
	ix->bigs[ix->n_bigs] = (struct jbig){ start, len, *value };
	if (rec)
		rec->big = ix->n_bigs;
	ix->n_bigs++;
	return 0;
}

static void put_utf8(char *out, size_t *n, size_t cap, uint32_t cp)
{
	unsigned char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	for (size_t i = 0; i < k; i++)
		if (*n + 1 < cap)
			out[(*n)++] = (char)b[i];
}

static int hex4(struct scan *s, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c;

		if (s->p >= s->end)
			return -EINVAL;
		c = *s->p;
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint32_t)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v = *v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
		else
			return -EINVAL;
		advance(s);
	}
	return 0;
}

/*
 * Skip a string starting at its quote; decode it into @out (truncated to
 * @cap) when @out is not NULL, so that keys compare equal to jansson's.
 */
static int scan_string(struct scan *s, char *out, size_t cap, size_t *outlen)
{
	size_t n = 0;

	advance(s); /* opening quote */
	while (s->p < s->end && *s->p != '"') {
		if (*s->p != '\\') {
			if (out && n + 1 < cap)
				out[n++] = (char)*s->p;
			advance(s);
			continue;
		}
		advance(s);
		if (s->p >= s->end)
			return -EINVAL;
		char c = (char)*s->p;
		uint32_t cp;

		advance(s);
		switch (c) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (hex4(s, &cp))
				return -EINVAL;
			if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 &&
			    s->p[0] == '\\' && s->p[1] == 'u') {
				uint32_t lo;

				advance(s);
				advance(s);
				if (hex4(s, &lo))
					return -EINVAL;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			break;
		default:
			cp = (unsigned char)c; /* \" \\ \/ */
			break;
		}
		if (out)
			put_utf8(out, &n, cap, cp);
	}
	if (s->p >= s->end)
		return -EINVAL;
	advance(s); /* closing quote */
	if (out)
		out[n] = '\0';
	if (outlen)
		*outlen = n;
	return 0;
}

static void skip_scalar(struct scan *s)
{
	while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
		advance(s);
}

static int build_table(struct jpos_index *ix)
{
	size_t size = 16;

	while (size < ix->count * 2)
		size *= 2;
	ix->table = malloc(size * sizeof(*ix->table));
	if (!ix->table)
		return -ENOMEM;
	ix->table_size = size;
	for (size_t i = 0; i < size; i++)
		ix->table[i] = SIZE_MAX;
	for (size_t i = 0; i < ix->count; i++) {
		size_t h = (size_t)fnv1a(ix->recs[i].path) & (size - 1);

		while (ix->table[h] != SIZE_MAX)
			h = (h + 1) & (size - 1);
		ix->table[h] = i;
	}
	return 0;
}

/*
 * Set @path to the path of member @key / element @index of the container
 * whose path is the first @base bytes. A path too long to keep becomes
 * "\x01", which no lookup ever asks for.
 */
static void path_set(char *path, size_t base, const char *key, size_t index,
		     bool array)
{
	char digits[24], *d = digits + sizeof(digits);
	size_t n;

	if (array) {
		do
			*--d = (char)('0' + index % 10);
		while ((index /= 10) != 0);
		n = (size_t)(digits + sizeof(digits) - d);
		if (base + n + 2 >= JPOS_MAX_PATH) {
			strcpy(path, "\x01");
			return;
		}
		path[base] = '[';
		memcpy(path + base + 1, d, n);
		path[base + 1 + n] = ']';
		path[base + 2 + n] = '\0';
		return;
	}
	n = strlen(key);
	if (base + (base ? 1 : 0) + n >= JPOS_MAX_PATH) {
		strcpy(path, "\x01");
		return;
	}
	if (base)
		path[base++] = '.';
	memcpy(path + base, key, n + 1);
}

static int push(struct frame **stack, size_t *alloc, size_t depth)
{
	if (depth == *alloc) {
		size_t n = *alloc ? *alloc * 2 : 16;
		struct frame *grown = realloc(*stack, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		*stack = grown;
		*alloc = n;
	}
	return 0;
}

int pcl_jpos_build(const char *buf, size_t len, struct jpos_index **index)
{
	struct scan s = { (const unsigned char *)buf,
			  (const unsigned char *)buf + len, 1, 1 };
	struct jpos_index *ix = calloc(1, sizeof(*ix));
	struct frame *stack = NULL;
	size_t depth = 0, alloc = 0;
	char path[JPOS_MAX_PATH] = "";
	char key[JPOS_MAX_PATH];
	struct lpos keypos = { 0, 0 };
	int ret = -EINVAL;

	if (!ix)
		return -ENOMEM;
	for (;;) {
		/* At a value (of nesting @depth): record it, enter or skip it. */
		skip_ws(&s);
		if (s.p >= s.end)
			goto out;
		if (depth <= JPOS_MAX_DEPTH) {
			ret = add_rec(ix, path, keypos, here(&s));
			if (ret)
				goto out;
			ret = -EINVAL;
		}
		if (*s.p == '{' || *s.p == '[') {
			ret = push(&stack, &alloc, depth);
			if (ret)
				goto out;
			ret = -EINVAL;
			stack[depth].array = *s.p == '[';
			stack[depth].index = 0;
			stack[depth].path_len =
				depth < JPOS_MAX_DEPTH ? strlen(path) : 0;
			depth++;
			advance(&s);
			skip_ws(&s);
			if (s.p < s.end && (*s.p == '}' || *s.p == ']'))
				goto close;
			goto member;
		}
		if (*s.p == '"') {
			if (scan_string(&s, NULL, 0, NULL))
				goto out;
		} else {
			const unsigned char *start = s.p;
			struct jint big;

			skip_scalar(&s);
			if (classify_bigint(start, (size_t)(s.p - start), &big)) {
				ret = add_big(ix, (size_t)(start - (const unsigned char *)buf),
					      (size_t)(s.p - start), &big,
					      depth <= JPOS_MAX_DEPTH ?
						      &ix->recs[ix->count - 1] : NULL);
				if (ret)
					goto out;
				ret = -EINVAL;
			}
		}
after:
		/* After a value: a separator, a close, or the end. */
		skip_ws(&s);
		if (depth == 0) {
			ret = s.p == s.end ? 0 : -EINVAL;
			goto out;
		}
		if (s.p < s.end && *s.p == ',') {
			advance(&s);
			stack[depth - 1].index++;
			goto member;
		}
close:
		if (s.p >= s.end || (*s.p != '}' && *s.p != ']'))
			goto out;
		advance(&s);
		depth--;
		if (depth < JPOS_MAX_DEPTH)
			path[stack[depth].path_len] = '\0';
		goto after;
member:
		skip_ws(&s);
		if (s.p >= s.end)
			goto out;
		keypos = (struct lpos){ 0, 0 };
		if (!stack[depth - 1].array) {
			keypos = here(&s);
			if (*s.p != '"' || scan_string(&s, key, sizeof(key), NULL))
				goto out;
			skip_ws(&s);
			if (s.p >= s.end || *s.p != ':')
				goto out;
			advance(&s);
		}
		if (depth <= JPOS_MAX_DEPTH)
			path_set(path, stack[depth - 1].path_len, key,
				 stack[depth - 1].index, stack[depth - 1].array);
	}
out:
	free(stack);
	/* Syntax is jansson's to judge: keep whatever was indexed. */
	if (ret == -EINVAL)
		ret = 0;
	if (ret == 0)
		ret = build_table(ix);
	if (ret) {
		pcl_jpos_free(ix);
		return ret;
	}
	*index = ix;
	return 0;
}

void pcl_jpos_free(struct jpos_index *index)
{
	if (!index)
		return;
	for (size_t i = 0; i < index->count; i++)
		free(index->recs[i].path);
	free(index->recs);
	free(index->table);
	free(index->bigs);
	free(index);
}

static const struct jrec *find(const struct jpos_index *index,
			       const char *path)
{
	size_t h;

	if (!index || !index->table || strcmp(path, "\x01") == 0)
		return NULL;
	h = (size_t)fnv1a(path) & (index->table_size - 1);
	while (index->table[h] != SIZE_MAX) {
		const struct jrec *r = &index->recs[index->table[h]];

		if (strcmp(r->path, path) == 0)
			return r;
		h = (h + 1) & (index->table_size - 1);
	}
	return NULL;
}

struct lpos pcl_jpos_get(const struct jpos_index *index, const char *path,
			 bool key)
{
	const struct jrec *r = find(index, path);

	if (!r)
		return (struct lpos){ 0, 0 };
	return key && r->key.line ? r->key : r->val;
}

bool pcl_jpos_bigint(const struct jpos_index *index, const char *path,
		     struct jint *value)
{
	const struct jrec *r = find(index, path);

	if (!r || r->big == SIZE_MAX)
		return false;
	*value = index->bigs[r->big].value;
	return true;
}

int pcl_jpos_patch(const struct jpos_index *index, const char *buf,
		   size_t len, char **out)
{
	char *copy;

	*out = NULL;
	if (!index || !index->n_bigs)
		return 0;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	for (size_t i = 0; i < index->n_bigs; i++) {
		const struct jbig *b = &index->bigs[i];

		copy[b->start] = '0';
		memset(copy + b->start + 1, ' ', b->len - 1);
	}
	*out = copy;
	return 0;
}
