/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fmt.h - numbers as text, for the output written once per device of a
 * fleet (`show`, `show --json`, `map --json`). snprintf() parses its
 * format on every call: ~800-1,400 instructions for "0x%03x" against ~40
 * here, which was a fifth of `map --json` and of `show` over 4,000 devices
 * (callgrind, BENCHMARKS.md). Everything else keeps printf().
 */
#ifndef PCILAYOUT_FMT_H
#define PCILAYOUT_FMT_H

/* Longest output of either function: 64-bit decimal is 20 digits. */
#define FMT_NUM_MAX 24

/*
 * @v in lower-case hex, at least @digits digits (zero-padded, at most 16),
 * no prefix, at @p. Return: the end of what was written. ("%0*lx")
 */
static inline char *fmt_hex(char *p, unsigned long v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[FMT_NUM_MAX], *t = tmp + sizeof(tmp);
	int n = 0;

	if (digits > 16)
		digits = 16;
	do {
		*--t = hex[v & 0xf];
		v >>= 4;
		n++;
	} while (v || n < digits);
	while (t < tmp + sizeof(tmp))
		*p++ = *t++;
	return p;
}

/* @v in decimal at @p. Return: the end of what was written. ("%llu") */
static inline char *fmt_dec(char *p, unsigned long long v)
{
	char tmp[FMT_NUM_MAX], *t = tmp + sizeof(tmp);

	do {
		*--t = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (t < tmp + sizeof(tmp))
		*p++ = *t++;
	return p;
}

#endif /* PCILAYOUT_FMT_H */
