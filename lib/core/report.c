// SPDX-License-Identifier: BSD-3-Clause
/*
 * report.c - the reasons behind a yes/no answer (check, unify, survey): a
 * growable list of findings whose messages the report owns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct pcl_report {
	struct pcl_finding *items;
	size_t count, alloc;
	bool oom;
};

struct pcl_report *pcl_report_new(void)
{
	return calloc(1, sizeof(struct pcl_report));
}

PCL_EXPORT void pcl_report_free(struct pcl_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++)
		free((char *)r->items[i].message);
	free(r->items);
	free(r);
}

static int push(struct pcl_report *r, int severity, int space, int32_t offset,
		const char *code, char *msg)
{
	if (!msg) {
		r->oom = true;
		return -ENOMEM;
	}
	if (r->count == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 8;
		struct pcl_finding *g = realloc(r->items, n * sizeof(*g));

		if (!g) {
			free(msg);
			r->oom = true;
			return -ENOMEM;
		}
		r->items = g;
		r->alloc = n;
	}
	r->items[r->count++] = (struct pcl_finding){
		.severity = severity, .space = space, .offset = offset,
		.code = code, .message = msg,
	};
	return 0;
}

int pcl_report_add(struct pcl_report *r, int severity, int space,
		   int32_t offset, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	return push(r, severity, space, offset, code, n < 0 ? NULL : msg);
}

int pcl_report_append(struct pcl_report *to, const struct pcl_report *from)
{
	for (size_t i = 0; i < from->count; i++) {
		const struct pcl_finding *f = &from->items[i];
		int r = push(to, f->severity, f->space, f->offset, f->code,
			     strdup(f->message));

		if (r < 0)
			return r;
	}
	return 0;
}

bool pcl_report_oom(const struct pcl_report *r)
{
	return r->oom;
}

PCL_EXPORT bool pcl_report_ok(const struct pcl_report *r)
{
	if (!r)
		return false;
	for (size_t i = 0; i < r->count; i++)
		if (r->items[i].severity >= PCL_SEVERITY_ERROR)
			return false;
	return true;
}

PCL_EXPORT size_t pcl_report_count(const struct pcl_report *r)
{
	return r ? r->count : 0;
}

PCL_EXPORT const struct pcl_finding *pcl_report_get(const struct pcl_report *r,
						    size_t index)
{
	return r && index < r->count ? &r->items[index] : NULL;
}
