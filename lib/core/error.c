// SPDX-License-Identifier: BSD-3-Clause
/*
 * error.c - struct pcl_error filling and formatting, and severity names.
 * Messages never carry the location: the formatter adds it, so every caller
 * prints the same "file:line:column: message" shape.
 */
#include <stdio.h>

#include "internal.h"

size_t pcl_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int pcl_set_error(struct pcl_error *err, int ret, const char *source,
		  uint32_t line, uint32_t column, int32_t offset,
		  const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return ret;
	pcl_strlcpy(err->source, source ? source : "", sizeof(err->source));
	err->line = line;
	err->column = column;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return ret;
}

PCL_EXPORT const char *pcl_error_format(const struct pcl_error *err, char *buf,
					size_t size)
{
	char loc[300] = "";
	int n = 0;

	if (!size)
		return buf;
	if (err->source[0]) {
		n = snprintf(loc, sizeof(loc), "%s:", err->source);
		if (err->line && n >= 0 && (size_t)n < sizeof(loc))
			n += snprintf(loc + n, sizeof(loc) - (size_t)n, "%u:",
				      err->line);
		if (err->line && err->column && n >= 0 &&
		    (size_t)n < sizeof(loc))
			n += snprintf(loc + n, sizeof(loc) - (size_t)n, "%u:",
				      err->column);
		if (err->offset >= 0 && !err->line && n >= 0 &&
		    (size_t)n < sizeof(loc))
			snprintf(loc + n, sizeof(loc) - (size_t)n, "0x%03x:",
				 (unsigned int)err->offset);
	}
	snprintf(buf, size, "%s%s%s", loc, loc[0] ? " " : "", err->message);
	return buf;
}

PCL_EXPORT const char *pcl_severity_name(int severity)
{
	switch (severity) {
	case PCL_SEVERITY_INFO:
		return "info";
	case PCL_SEVERITY_WARNING:
		return "warning";
	case PCL_SEVERITY_ERROR:
		return "error";
	default:
		return "unknown";
	}
}
