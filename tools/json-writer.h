/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json-writer.h - a small streaming JSON emitter for the one document whose
 * size grows with the fleet: `pcilayout show --json`. It writes the same
 * bytes as jansson's json_dumpf(JSON_INDENT(2) | JSON_SORT_KEYS) without
 * building a tree; the caller emits object members in sorted key order.
 * Everything else in the tool keeps using jansson (see json-writer.c for
 * why this exists at all).
 */
#ifndef PCILAYOUT_JSON_WRITER_H
#define PCILAYOUT_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

/* Deep enough for show's document (4 levels); deeper nesting is a bug. */
#define JW_MAX_DEPTH 16

/* A buffer of output held back (jw_hold()). */
struct jw_chunk {
	char *buf;
	size_t len;
	size_t cap;
	bool mapped; /* from mmap(), not malloc() */
};

struct jw {
	FILE *out;
	char *buf;
	size_t len;
	size_t cap;
	bool mapped;               /* @buf is from mmap(), not malloc() */
	struct jw_chunk *held;     /* full buffers held, oldest first */
	size_t nheld;
	int depth;
	bool hold;                 /* keep full buffers rather than write */
	bool after_key;            /* a key was written; its value is next */
	bool empty[JW_MAX_DEPTH];  /* no member or element yet at this level */
	bool failed;               /* out of memory or a write error */
};

/* Start writing to @out through an internal buffer. */
void jw_init(struct jw *w, FILE *out);
/* Flush and free the buffer. Return: 0, or -1 on a write error. */
int jw_finish(struct jw *w);
/* Free the buffer, writing nothing more. */
void jw_discard(struct jw *w);
/*
 * While @hold is set, nothing is written: full buffers are kept, and a new
 * one is taken (if memory runs out, what is held is written after all).
 * Clearing it lets the held buffers go out with the next full one.
 */
void jw_hold(struct jw *w, bool hold);

void jw_begin_object(struct jw *w);
void jw_end_object(struct jw *w);
void jw_begin_array(struct jw *w);
void jw_end_array(struct jw *w);

/*
 * An object member's key: a constant, plain ASCII name needing no escape.
 * Inline so that the length of a literal key is known when compiling.
 */
void jw_key_n(struct jw *w, const char *key, size_t n);
static inline void jw_key(struct jw *w, const char *key)
{
	jw_key_n(w, key, strlen(key));
}

/*
 * Values: after jw_key() for a member, or alone for an array element.
 * jw_hex() writes the string "0x%lx", the form of cli_json_hex();
 * jw_hex_pad() "0x%0*lx" with @digits digits at least (cli_json_id(),
 * cli_json_class(), cli_json_rev()).
 */
void jw_null(struct jw *w);
void jw_bool(struct jw *w, bool v);
void jw_int(struct jw *w, long long v);
void jw_hex(struct jw *w, unsigned long v);
void jw_hex_pad(struct jw *w, unsigned long v, int digits);
void jw_string(struct jw *w, const char *s);

/*
 * true when jansson's json_string() accepts @s: not NULL and valid UTF-8.
 * When it refuses, json_object_set_new() drops the member, so a caller
 * keeping jansson's output must drop it too.
 */
bool jw_string_ok(const char *s);

/*
 * A jansson value, written as json_dumpf(JSON_INDENT(2) | JSON_SORT_KEYS)
 * would write it at this place (for the few members built with jansson:
 * the messages). Reals are not supported (none is ever built).
 */
void jw_json(struct jw *w, const json_t *v);

/* @n bytes as they are, outside the document (a final newline). */
void jw_raw(struct jw *w, const char *s, size_t n);

/*
 * Text outside any document, for `show` without --json, without parsing a
 * format per call (fmt.h says why): @s ("%s"); @s padded with spaces to
 * @width ("%-*s"); @v in hex, @digits at least ("%0*lx"); @v in decimal,
 * right-aligned in @width ("%*llu").
 */
void jw_text(struct jw *w, const char *s);
void jw_text_pad(struct jw *w, const char *s, size_t width);
void jw_text_hex(struct jw *w, unsigned long v, int digits);
void jw_text_dec(struct jw *w, unsigned long long v, size_t width);

/* A string member, left out exactly when jansson would leave it out. */
void jw_member_string(struct jw *w, const char *key, const char *s);

#endif /* PCILAYOUT_JSON_WRITER_H */
