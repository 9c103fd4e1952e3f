// SPDX-License-Identifier: BSD-3-Clause
/*
 * diag.c - a bounded list of struct pcl_error records: the diagnostics of
 * every stage that reports more than one problem (the layout loader, the
 * quirk database, the planner). A linter wants every
 * problem of a file at once; an attacker-made file must not make us keep
 * millions of them, so the list stops at PCL_DIAG_MAX with a final record
 * saying so.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

struct pcl_diag {
	struct pcl_error *recs;
	size_t count;
	size_t alloc;
	bool overflowed;
};

PCL_EXPORT struct pcl_diag *pcl_diag_new(void)
{
	struct pcl_diag *d = calloc(1, sizeof(*d));

	if (!d)
		errno = ENOMEM;
	return d;
}

PCL_EXPORT void pcl_diag_free(struct pcl_diag *diag)
{
	if (!diag)
		return;
	free(diag->recs);
	free(diag);
}

PCL_EXPORT void pcl_diag_clear(struct pcl_diag *diag)
{
	if (!diag)
		return;
	diag->count = 0;
	diag->overflowed = false;
}

PCL_EXPORT size_t pcl_diag_count(const struct pcl_diag *diag)
{
	return diag ? diag->count : 0;
}

PCL_EXPORT const struct pcl_error *pcl_diag_get(const struct pcl_diag *diag,
						size_t index)
{
	if (!diag || index >= diag->count)
		return NULL;
	return &diag->recs[index];
}

/* Append one record; the shared body of the public and internal adders. */
int pcl_diag_vadd(struct pcl_diag *diag, const char *source, uint32_t line,
		  uint32_t column, int32_t offset, const char *fmt, va_list ap)
{
	struct pcl_error *e;

	if (!diag || diag->overflowed)
		return diag ? -ENOSPC : -EINVAL;
	if (diag->count == diag->alloc) {
		size_t n = diag->alloc ? diag->alloc * 2 : 8;
		struct pcl_error *grown;

		if (n > PCL_DIAG_MAX)
			n = PCL_DIAG_MAX;
		grown = realloc(diag->recs, n * sizeof(*grown));
		if (!grown) {
			/* Keep what we have; the caller still gets -EINVAL. */
			diag->overflowed = true;
			return -ENOMEM;
		}
		diag->recs = grown;
		diag->alloc = n;
	}
	e = &diag->recs[diag->count++];
	pcl_strlcpy(e->source, source ? source : "", sizeof(e->source));
	e->line = line;
	e->column = column;
	e->offset = offset;
	if (diag->count == PCL_DIAG_MAX) {
		snprintf(e->message, sizeof(e->message),
			 "too many errors; stopping after %d",
			 PCL_DIAG_MAX - 1);
		diag->overflowed = true;
		return -ENOSPC;
	}
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	return 0;
}

PCL_EXPORT int pcl_diag_add(struct pcl_diag *diag, const char *source,
			    uint32_t line, uint32_t column, int32_t offset,
			    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = pcl_diag_vadd(diag, source, line, column, offset, fmt, ap);
	va_end(ap);
	return r;
}

static int cmp_error(const void *a, const void *b)
{
	const struct pcl_error *x = a, *y = b;
	int c = strcmp(x->source, y->source);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

/*
 * Sort by position so that output reads top to bottom. Insertion sort:
 * stable (two errors at one position keep the order they were found in),
 * and the list is bounded by PCL_DIAG_MAX.
 */
void pcl_diag_sort(struct pcl_diag *diag)
{
	if (!diag)
		return;
	/* The overflow note must stay last whatever its position. */
	size_t n = diag->overflowed && diag->count == PCL_DIAG_MAX ?
		diag->count - 1 : diag->count;

	for (size_t i = 1; i < n; i++) {
		struct pcl_error t = diag->recs[i];
		size_t j = i;

		while (j > 0 && cmp_error(&diag->recs[j - 1], &t) > 0) {
			diag->recs[j] = diag->recs[j - 1];
			j--;
		}
		diag->recs[j] = t;
	}
}
