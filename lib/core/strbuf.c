// SPDX-License-Identifier: BSD-3-Clause
/*
 * strbuf.c - the library's one growable string. Reasons, explanations and
 * digest inputs are built piece by piece; a failed allocation leaves the
 * text as it was and sets @oom, so a builder checks once at the end
 * instead of after every piece.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* A reason is a sentence or two: most texts fit their first buffer. */
#define STRBUF_FIRST 256

/* Room for @want bytes in @b; false (and @b->oom) when out of memory. */
static bool grow(struct pcl_strbuf *b, size_t want)
{
	size_t a = b->alloc ? b->alloc : STRBUF_FIRST;
	char *grown;

	while (a < want)
		a *= 2;
	grown = realloc(b->s, a);
	if (!grown) {
		b->oom = true;
		return false;
	}
	if (!b->s)
		grown[0] = '\0';
	b->s = grown;
	b->alloc = a;
	return true;
}

void pcl_strbuf_vadd(struct pcl_strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return;
	/* Print straight into a first buffer rather than measure first: one
	 * vsnprintf() for most texts, not two. */
	if (!b->s && !grow(b, STRBUF_FIRST))
		return;
	for (;;) {
		size_t room = b->alloc - b->len;

		va_copy(aq, ap);
		n = vsnprintf(b->s + b->len, room, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		if (!grow(b, b->len + (size_t)n + 1))
			return;
	}
}

void pcl_strbuf_add(struct pcl_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pcl_strbuf_vadd(b, fmt, ap);
	va_end(ap);
}

void pcl_strbuf_truncate(struct pcl_strbuf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->s[len] = '\0';
	}
}

const char *pcl_strbuf_get(const struct pcl_strbuf *b)
{
	return b->s ? b->s : "";
}

char *pcl_strbuf_steal(struct pcl_strbuf *b)
{
	char *s = b->oom ? NULL : b->s;

	if (b->oom)
		free(b->s);
	else if (!s)
		s = calloc(1, 1);
	*b = (struct pcl_strbuf){ 0 };
	return s;
}

void pcl_strbuf_free(struct pcl_strbuf *b)
{
	free(b->s);
	*b = (struct pcl_strbuf){ 0 };
}
