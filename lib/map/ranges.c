// SPDX-License-Identifier: BSD-3-Clause
/*
 * ranges.c - the one parser of config-space range lists ("0xf00-0xfff,
 * 0x80+16"), used by every command that takes --free or reserved ranges so
 * that they all accept exactly the same text. Ends are inclusive because
 * that is how people write byte ranges of a 4 KiB space (0xf00-0xfff, not
 * 0xf00-0x1000); "A+N" is there for when a length is what one knows.
 */
#include <ctype.h>
#include <stdlib.h>

#include "map-internal.h"

#define RANGE_ERR(err, col, ...)                                               \
	pcl_set_error(err, -EINVAL, "<ranges>", 1, (uint32_t)(col), -1,        \
		      __VA_ARGS__)

/* A C integer at *p (no sign); advances *p. -EINVAL if none or too big. */
static int parse_number(const char **p, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	n = strtoull(*p, &end, 0);
	if (errno || end == *p || n > 0xffffffffull)
		return -EINVAL;
	*p = end;
	*v = (uint32_t)n;
	return 0;
}

static void skip_blanks(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static int cmp_start(const void *a, const void *b)
{
	const struct pcl_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int parse_item(const char **pp, const char *text, uint32_t *start,
		      uint32_t *length, struct pcl_error *err)
{
	const char *p = *pp;
	size_t col = (size_t)(p - text) + 1;
	uint32_t a, b;

	if (parse_number(&p, &a))
		return RANGE_ERR(err, col, "expected a number at '%.16s'", p);
	skip_blanks(&p);
	if (*p == '-') {
		p++;
		skip_blanks(&p);
		if (parse_number(&p, &b))
			return RANGE_ERR(err, col,
					 "expected the inclusive end after '-'");
		if (b < a)
			return RANGE_ERR(err, col,
					 "range 0x%x-0x%x ends before it starts",
					 a, b);
		if (b >= PCL_CFG_SIZE)
			return RANGE_ERR(err, col,
					 "range 0x%x-0x%x ends past 0xfff", a, b);
		*length = b - a + 1;
	} else if (*p == '+') {
		p++;
		skip_blanks(&p);
		if (parse_number(&p, &b))
			return RANGE_ERR(err, col, "expected a length after '+'");
		if (!b)
			return RANGE_ERR(err, col, "range 0x%x+0 is empty", a);
		if (a >= PCL_CFG_SIZE || b > PCL_CFG_SIZE - a)
			return RANGE_ERR(err, col,
					 "range 0x%x+%u ends past 0xfff", a, b);
		*length = b;
	} else {
		*length = 1;
	}
	if (a >= PCL_CFG_SIZE)
		return RANGE_ERR(err, col, "offset 0x%x is past 0xfff", a);
	skip_blanks(&p);
	if (*p && *p != ',')
		return RANGE_ERR(err, (size_t)(p - text) + 1,
				 "unexpected '%c' (write A-B, A+LEN or A, separated by commas)",
				 *p);
	*start = a;
	*pp = p;
	return 0;
}

PCL_EXPORT int pcl_range_parse(const char *text, int kind, const char *source,
			       struct pcl_range **ranges, size_t *count,
			       struct pcl_error *err)
{
	struct pcl_range *list = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = text;
	int r;

	if (!text || !ranges || !count ||
	    (kind != PCL_RANGE_RESERVED && kind != PCL_RANGE_FREE))
		return pcl_set_error(err, -EINVAL, "<ranges>", 0, 0, -1,
				     "invalid arguments");
	*ranges = NULL;
	*count = 0;
	skip_blanks(&p);
	while (*p) {
		uint32_t start = 0, length = 0;

		r = parse_item(&p, text, &start, &length, err);
		if (r)
			goto fail;
		if (n == cap) {
			struct pcl_range *grown;

			cap = cap ? 2 * cap : 4;
			grown = realloc(list, cap * sizeof(*grown));
			if (!grown) {
				r = pcl_set_error(err, -ENOMEM, "<ranges>", 0,
						  0, -1, "out of memory");
				goto fail;
			}
			list = grown;
		}
		list[n] = (struct pcl_range){ .start = start, .length = length,
					      .kind = (uint32_t)kind };
		n++;
		if (*p == ',') {
			p++;
			skip_blanks(&p);
			if (!*p) {
				r = RANGE_ERR(err, (size_t)(p - text),
					      "trailing ',' without a range");
				goto fail;
			}
		}
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_start);
	for (i = 1; i < n; i++) {
		if (list[i].start < list[i - 1].start + list[i - 1].length) {
			r = RANGE_ERR(err, 0,
				      "ranges 0x%x-0x%x and 0x%x-0x%x overlap",
				      list[i - 1].start,
				      list[i - 1].start + list[i - 1].length - 1,
				      list[i].start,
				      list[i].start + list[i].length - 1);
			goto fail;
		}
	}
	/*
	 * The source string lives in the same allocation, after the array, so
	 * that every list the library hands out is freed with one free().
	 */
	if (n) {
		size_t slen = source ? strlen(source) + 1 : 0;
		struct pcl_range *out = malloc(n * sizeof(*out) + slen);

		if (!out) {
			r = pcl_set_error(err, -ENOMEM, "<ranges>", 0, 0, -1,
					  "out of memory");
			goto fail;
		}
		memcpy(out, list, n * sizeof(*out));
		if (source) {
			char *s = (char *)(out + n);

			memcpy(s, source, slen);
			for (i = 0; i < n; i++)
				out[i].source = s;
		}
		free(list);
		list = out;
	}
	*ranges = list;
	*count = n;
	return 0;
fail:
	free(list);
	return r;
}

PCL_EXPORT void pcl_range_list_free(struct pcl_range *ranges, size_t count)
{
	/* Strings, if any, share the array's allocation. */
	free(ranges);
}
