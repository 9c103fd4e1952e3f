// SPDX-License-Identifier: BSD-3-Clause
/*
 * dump.c - files and standard input: lspci -x/-xxx/-xxxx text dumps (one or
 * many devices) and raw binary config spaces of 64, 256 or 4096 bytes.
 *
 * libpci has a reader for the text format, but it spends ~160 us per device
 * in per-byte sscanf() and its errors name no line, so this is a strict
 * one-pass reader with a table-driven hex decoder (whole rows 16 bytes at a
 * time with SSE2/SSSE3 on x86-64: row16()). Every error it reports
 * names the line and, inside a hex row, the column.
 *
 * The grammar, one line at a time (CRLF and trailing blanks tolerated):
 *   blank line     ends the current device
 *   hex row        "xx: hh hh ..." - 2 or 3 hex digits, ':', then 1..16 bytes
 *                  of exactly two hex digits separated by blanks; the offset
 *                  is a multiple of 16 below 4096 and unique in its device
 *   indented line  lspci -v detail ("\tSubsystem: ..."): ignored inside a
 *                  device, so that lspci -vvv -xxx output reads as well
 *   anything else  a device line; it starts a device and gives its slot
 *                  when its first word is a PCI address [dddd:]bb:dd.f
 * A device needs at least one row; a slot may appear once per input.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__) && !defined(PCL_NO_SIMD)
#define ROW_SIMD 1
#include <immintrin.h>
#include <stdatomic.h>
#endif

#include "source.h"

#define DUMP_MAX_INPUT (64u << 20)
#define ROW_BYTES 16
#define ROWS (PCL_CFG_SIZE / ROW_BYTES)

/* Hex digit value + 1; 0 for anything that is not a hex digit. */
static const uint8_t hexval1[256] = {
	['0'] = 1,  ['1'] = 2,	['2'] = 3,  ['3'] = 4,	['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,	['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Slots already seen, to report a duplicate at its second line. */
struct slot_set {
	uint64_t *keys; /* 0 = empty; otherwise slot + 1 */
	uint32_t *lines;
	size_t cap;
	size_t used;
};

/* Where the devices go: to @each, or into an array when it is NULL. */
struct sink {
	pcl_cfg_each_fn each;
	void *opaque;
	struct pcl_cfg ***cfgs;
	size_t *count;
};

struct reader {
	struct pcl_ctx *ctx;
	const char *name;
	struct pcl_error *err;
	const char *end;
	uint32_t line;
	struct pcl_cfg **cfgs;
	size_t count;
	size_t cap;
	struct pcl_cfg *cur; /* open device, NULL after a blank line */
	bool cur_rows;
	size_t devices; /* closed so far */
	/*
	 * With @to->each (pcl_cfg_parse_each(), pcl_cfg_load_each()), each
	 * device goes to it as it closes instead of into @cfgs, and the open
	 * one is the reader's own until then.
	 */
	const struct sink *to;
	int stopped; /* what @to->each returned to stop, else 0 */
	uint32_t row_line[ROWS]; /* line of each row of cur, 0 = none */
	struct slot_set slots;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A CR counts as a line end only right before LF or the end of input. */
static bool at_eol(const struct reader *r, const char *p)
{
	return p == r->end || *p == '\n' ||
	       (*p == '\r' && (p + 1 == r->end || p[1] == '\n'));
}

static const char *next_line(const struct reader *r, const char *p)
{
	const char *nl = memchr(p, '\n', (size_t)(r->end - p));

	return nl ? nl + 1 : r->end;
}

static int fail(struct reader *r, int ret, const char *ls, const char *at,
		int32_t offset, const char *fmt, ...) PCL_PRINTF(6, 7);

static int fail(struct reader *r, int ret, const char *ls, const char *at,
		int32_t offset, const char *fmt, ...)
{
	char msg[sizeof(r->err->message)];
	uint32_t col = at ? (uint32_t)(at - ls) + 1 : 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pcl_dbg(r->ctx, "%s:%u:%u: %s", r->name, r->line, col, msg);
	return pcl_set_error(r->err, ret, r->name, r->line, col, offset, "%s",
			     msg);
}

static uint64_t slot_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* Returns the line @key was first seen on, or 0 after inserting it. */
static int slot_seen(struct slot_set *s, uint64_t key, uint32_t line,
		     uint32_t *first)
{
	size_t i;

	if (2 * (s->used + 1) > s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 64;
		uint64_t *nk = calloc(ncap, sizeof(*nk));
		uint32_t *nl = calloc(ncap, sizeof(*nl));

		if (!nk || !nl) {
			free(nk);
			free(nl);
			return -ENOMEM;
		}
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->keys[j])
				continue;
			i = slot_hash(s->keys[j]) & (ncap - 1);
			while (nk[i])
				i = (i + 1) & (ncap - 1);
			nk[i] = s->keys[j];
			nl[i] = s->lines[j];
		}
		free(s->keys);
		free(s->lines);
		s->keys = nk;
		s->lines = nl;
		s->cap = ncap;
	}
	key++;
	for (i = slot_hash(key) & (s->cap - 1); s->keys[i];
	     i = (i + 1) & (s->cap - 1)) {
		if (s->keys[i] == key) {
			*first = s->lines[i];
			return 0;
		}
	}
	s->keys[i] = key;
	s->lines[i] = line;
	s->used++;
	*first = 0;
	return 0;
}

static int push(struct reader *r, struct pcl_cfg *cfg)
{
	if (r->count == r->cap) {
		size_t ncap = r->cap ? 2 * r->cap : 8;
		struct pcl_cfg **n = realloc(r->cfgs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->cfgs = n;
		r->cap = ncap;
	}
	r->cfgs[r->count++] = cfg;
	return 0;
}

/* End the open device, if any: it must have had rows. */
static int close_device(struct reader *r)
{
	struct pcl_cfg *cur = r->cur;

	if (!cur)
		return 0;
	r->cur = NULL;
	if (!r->cur_rows) {
		uint32_t line = cur->line;

		if (r->to->each)
			pcl_cfg_free(cur);
		return pcl_set_error(r->err, -EINVAL, r->name, line, 0, -1,
				     "device has no hex rows (expected \"00: "
				     "hh hh ...\" lines after its device line)");
	}
	pcl_cfg_finish(cur);
	r->devices++;
	if (r->to->each) {
		int ret = r->to->each(r->to->opaque, cur);

		if (ret) {
			/* Never > 0: that is load_windowed()'s "start over". */
			r->stopped = ret < 0 ? ret : -ECANCELED;
			return r->stopped;
		}
	}
	return 0;
}

static int device_line(struct reader *r, const char *ls)
{
	const char *p = ls;
	struct pcl_cfg *cfg;
	uint32_t domain, first;
	uint8_t bus, dev, fn;
	int ret;

	ret = close_device(r);
	if (ret < 0)
		return ret;
	cfg = pcl_cfg_alloc(r->ctx, r->name);
	if (!cfg || (!r->to->each && push(r, cfg) < 0)) {
		free(cfg);
		return pcl_set_error(r->err, -ENOMEM, r->name, r->line, 0, -1,
				     "out of memory");
	}
	cfg->line = r->line;
	r->cur = cfg;
	r->cur_rows = false;
	memset(r->row_line, 0, sizeof(r->row_line));

	/* The first word, if it is a PCI address, names the device. */
	while (p < r->end && !is_blank(*p) && !at_eol(r, p) && p - ls < 32)
		p++;
	if (pcl_slot_parse(ls, (size_t)(p - ls), &domain, &bus, &dev, &fn))
		return 0;
	pcl_slot_format(cfg->slot, domain, bus, dev, fn);
	ret = slot_seen(&r->slots,
			((uint64_t)domain << 16) | ((uint64_t)bus << 8) |
				(uint64_t)(dev << 3) | fn,
			r->line, &first);
	if (ret < 0)
		return pcl_set_error(r->err, ret, r->name, r->line, 0, -1,
				     "out of memory");
	if (first)
		return fail(r, -EINVAL, ls, ls, -1,
			    "duplicate device %s (first at line %u)", cfg->slot,
			    first);
	return 0;
}

static int bad_char(struct reader *r, const char *ls, const char *p)
{
	unsigned char c = (unsigned char)*p;

	if (c > 0x20 && c < 0x7f)
		return fail(r, -EINVAL, ls, p, -1,
			    "invalid character '%c' in hex row", c);
	return fail(r, -EINVAL, ls, p, -1,
		    "invalid character 0x%02x in hex row", c);
}

/*
 * The fastest path, for a whole row as lspci prints it: sixteen " hh" at
 * @t. It accepts exactly the rows that the per-byte loop of hex_row()
 * would take sixteen times in a row, and returns true having stored them
 * in @dst. For anything else it returns false with @dst untouched (a
 * row's offset is new in its device, so its bytes are zero), and that
 * loop, which owns every error message, parses the row from its first
 * byte: a row it takes with fewer than 16 bytes (" 12  34", two blanks)
 * must leave the rest as unread bytes are, zero (fuzz_dump found this).
 * @t and @dst never overlap (text and cfg are separate allocations).
 *
 * Rows are nearly all of parsing, and parsing three quarters of `show`
 * over a fleet. Four ways, one result (test_dump compares them on every
 * byte value in every position of a row):
 *   scalar  hexval1[] - 1 is a digit's value or -1, so OR-ing the bytes
 *           leaves a bit above the low 8 set for a non-digit; each
 *           separator XOR ' ', shifted up, does the same. ~250
 *           instructions a row (callgrind, gcc 12 -O3).
 *   SSE2    (every x86-64) 16 bytes at a time: a space where a separator
 *           goes and a hex digit elsewhere, checked as two bit masks;
 *           each digit's value joined with the next one's; the 16 bytes
 *           then picked out one by one: ~150.
 *   SSSE3   (x86-64 from 2006 on, asked of the CPU at run time) the same,
 *           with the 16 bytes picked by three byte shuffles: ~115
 *           (the 2-operand SSE forms cost register copies).
 *   VBMI    (AVX-512 VBMI: Ice Lake, Zen 4 and later; asked at run time)
 *           the 48 bytes as two 256-bit registers, each check a mask
 *           register, and one two-register byte permute for the digits:
 *           ~30. In 256-bit registers: no 512-bit frequency licence.
 */
static bool row16_scalar(const unsigned char *restrict t,
			 uint8_t *restrict dst)
{
	uint8_t row[ROW_BYTES];
	int bad = 0;

	for (unsigned int i = 0; i < ROW_BYTES; i++, t += 3) {
		int b = ((hexval1[t[1]] - 1) * 16) | (hexval1[t[2]] - 1);

		bad |= b | ((t[0] ^ ' ') << 8);
		row[i] = (uint8_t)b;
	}
	if (bad & ~0xff)
		return false;
	memcpy(dst, row, ROW_BYTES);
	return true;
}

#ifdef ROW_SIMD
#define ROW_SPACES 0x249249249249ull	/* bytes 0, 3, ..., 45 of the row */
#define ROW_DIGITS 0xdb6db6db6db6ull	/* the other 32 of the 48 */

/* 0xff in the bytes of @x that are hex digits, either case. */
static inline __m128i hex_digits(__m128i x)
{
	__m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)),
				 _mm_set1_epi8('a'));

	/* unsigned d <= 9 or l <= 5: min() leaves such a byte as it is */
	return _mm_or_si128(
		_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d),
		_mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l));
}

/* Bits 16 * @k to 16 * @k + 15: the bytes of @x where @is is true. */
static inline uint64_t row_mask(__m128i is, int k)
{
	return (uint64_t)(uint16_t)_mm_movemask_epi8(is) << (16 * k);
}

/* The value of each hex digit of @x ('a' and 'A' are 0x61, 0x41). */
static inline __m128i digit_values(__m128i x)
{
	__m128i letter = _mm_cmpgt_epi8(x, _mm_set1_epi8('9'));

	return _mm_add_epi8(_mm_and_si128(x, _mm_set1_epi8(0x0f)),
			    _mm_and_si128(letter, _mm_set1_epi8(9)));
}

/*
 * Check the 48 bytes at @t; if they are a row, set pair[k] so that byte
 * i of the row's text, with the next, is byte i % 16 of pair[i / 16]:
 * its value << 4 | the next one's. Byte 3j + 1 is then row byte j.
 */
static inline __attribute__((always_inline)) bool
row_pairs(const unsigned char *t, __m128i pair[3])
{
	__m128i x[3], v[3];
	uint64_t spaces = 0, digits = 0;

	for (int k = 0; k < 3; k++) {
		x[k] = _mm_loadu_si128((const __m128i *)(const void *)(t + 16 * k));
		spaces |= row_mask(_mm_cmpeq_epi8(x[k], _mm_set1_epi8(' ')), k);
		digits |= row_mask(hex_digits(x[k]), k);
	}
	if (spaces != ROW_SPACES || digits != ROW_DIGITS)
		return false;
	for (int k = 0; k < 3; k++)
		v[k] = digit_values(x[k]);
	/* A value fits its low nibble: shifting 16-bit lanes left by 4
	 * moves nothing across bytes. */
	for (int k = 0; k < 3; k++) {
		__m128i next = _mm_srli_si128(v[k], 1);

		if (k < 2)
			next = _mm_or_si128(next, _mm_slli_si128(v[k + 1], 15));
		pair[k] = _mm_or_si128(_mm_slli_epi16(v[k], 4), next);
	}
	return true;
}

static bool row16_sse2(const unsigned char *restrict t, uint8_t *restrict dst)
{
	uint8_t b[3 * 16];
	__m128i pair[3];

	if (!row_pairs(t, pair))
		return false;
	for (int k = 0; k < 3; k++)
		_mm_storeu_si128((__m128i *)(void *)(b + 16 * k), pair[k]);
	/* 16 loads and stores once unrolled; -O2 keeps a loop otherwise. */
#pragma GCC unroll 16
	for (unsigned int i = 0; i < ROW_BYTES; i++)
		dst[i] = b[3 * i + 1];
	return true;
}

__attribute__((target("ssse3"))) static bool
row16_ssse3(const unsigned char *restrict t, uint8_t *restrict dst)
{
	/* Row byte j is text byte 3j + 1: 1, 4, ..., 13 of pair[0], then
	 * 16 + 0, 3, ..., 15 of pair[1], then 32 + 2, 5, ..., 14. -1 zeroes. */
	const __m128i pick0 = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1,
					    -1, -1, -1, -1, -1, -1, -1);
	const __m128i pick1 = _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, 9,
					    12, 15, -1, -1, -1, -1, -1);
	const __m128i pick2 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1,
					    -1, -1, -1, 2, 5, 8, 11, 14);
	__m128i pair[3];

	if (!row_pairs(t, pair))
		return false;
	_mm_storeu_si128((__m128i *)(void *)dst,
			 _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(pair[0], pick0),
						   _mm_shuffle_epi8(pair[1], pick1)),
				      _mm_shuffle_epi8(pair[2], pick2)));
	return true;
}

#define ROW_VBMI_TARGET "avx512f,avx512bw,avx512vl,avx512vbmi"

/* 0xff in the bytes of @x that are hex digits, and their values in @v. */
__attribute__((target(ROW_VBMI_TARGET))) static inline __mmask32
digits_vbmi(__m256i x, __m256i *v)
{
	__m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8('0'));
	__m256i l = _mm256_sub_epi8(_mm256_or_si256(x, _mm256_set1_epi8(0x20)),
				    _mm256_set1_epi8('a'));
	__mmask32 isd = _mm256_cmple_epu8_mask(d, _mm256_set1_epi8(9));
	__mmask32 isl = _mm256_cmple_epu8_mask(l, _mm256_set1_epi8(5));

	/* a letter's value is l + 10; what is neither is never used */
	*v = _mm256_mask_blend_epi8(isd,
				    _mm256_add_epi8(l, _mm256_set1_epi8(10)), d);
	return isd | isl;
}

__attribute__((target(ROW_VBMI_TARGET))) static bool
row16_vbmi(const unsigned char *restrict t, uint8_t *restrict dst)
{
	/* Row byte j's digits are text bytes 3j + 1 and 3j + 2: indexes
	 * into the 64 bytes of a then b, high digits first. */
	const __m256i pick = _mm256_setr_epi8(
		1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46,
		2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47);
	__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)t);
	/* The last 16 bytes only, the rest zero: the text may end there. */
	__m256i b = _mm256_maskz_loadu_epi8(0xffff, t + 32);
	__m256i va, vb, p;
	uint64_t spaces, digits;
	__m128i row;

	spaces = (uint32_t)_mm256_cmpeq_epi8_mask(a, _mm256_set1_epi8(' ')) |
		 (uint64_t)_mm256_cmpeq_epi8_mask(b, _mm256_set1_epi8(' ')) << 32;
	digits = (uint32_t)digits_vbmi(a, &va) |
		 (uint64_t)digits_vbmi(b, &vb) << 32;
	if (spaces != ROW_SPACES || digits != ROW_DIGITS)
		return false;
	p = _mm256_permutex2var_epi8(va, pick, vb);
	/* Values fit their low nibble: a 16-bit shift moves no bit across. */
	row = _mm_or_si128(_mm_slli_epi16(_mm256_castsi256_si128(p), 4),
			   _mm256_extracti128_si256(p, 1));
	_mm_storeu_si128((__m128i *)(void *)dst, row);
	return true;
}
#endif /* ROW_SIMD */

bool pcl_dump_row_supported(enum pcl_row_impl impl)
{
#ifdef ROW_SIMD
	if (impl == PCL_ROW_SSSE3)
		return __builtin_cpu_supports("ssse3");
	if (impl == PCL_ROW_VBMI)
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl") &&
		       __builtin_cpu_supports("avx512vbmi");
#endif
	/* Scalar and SSE2 everywhere (without SIMD, every one is scalar). */
	return impl >= PCL_ROW_SCALAR && impl <= PCL_ROW_VBMI;
}

bool pcl_dump_row16(const char *t, uint8_t *dst, enum pcl_row_impl impl)
{
	const unsigned char *u = (const unsigned char *)t;

	switch (impl) {
#ifdef ROW_SIMD
	case PCL_ROW_VBMI:
		return row16_vbmi(u, dst);
	case PCL_ROW_SSSE3:
		return row16_ssse3(u, dst);
	case PCL_ROW_SSE2:
		return row16_sse2(u, dst);
#endif
	default:
		return row16_scalar(u, dst);
	}
}

#ifdef ROW_SIMD
/* The best way this machine has, asked once (pcl_dump_row_supported()). */
static bool row16_pick(const unsigned char *restrict t, uint8_t *restrict dst);
static bool (*_Atomic row16_best)(const unsigned char *restrict,
				  uint8_t *restrict) = row16_pick;

static bool row16_pick(const unsigned char *restrict t, uint8_t *restrict dst)
{
	bool (*best)(const unsigned char *restrict, uint8_t *restrict) =
		pcl_dump_row_supported(PCL_ROW_VBMI)  ? row16_vbmi :
		pcl_dump_row_supported(PCL_ROW_SSSE3) ? row16_ssse3 :
							row16_sse2;

	/* Every thread that gets here stores the same pointer. */
	atomic_store_explicit(&row16_best, best, memory_order_relaxed);
	return best(t, dst);
}
#endif

/* The best of the four this machine runs. */
static inline bool row16(const unsigned char *restrict t,
			 uint8_t *restrict dst)
{
#ifdef ROW_SIMD
	return atomic_load_explicit(&row16_best, memory_order_relaxed)(t, dst);
#else
	return row16_scalar(t, dst);
#endif
}

/*
 * A hex row; @digits hex digits, whose value is @wide, and a ':' start the
 * line. Bytes go straight into the open cfg: on any error the whole input
 * is rejected anyway.
 */
static int hex_row(struct reader *r, const char *ls, size_t digits,
		   uint64_t wide, const char **next)
{
	const char *p = ls + digits + 1;
	uint32_t off, n = 0;
	uint8_t *dst;

	if (!r->cur)
		return fail(r, -EINVAL, ls, ls, -1,
			    r->devices ? "hex row outside a device (rows after "
					 "a blank line need a new device line)"
				       : "hex row before any device line");
	if (wide >= PCL_CFG_SIZE)
		return fail(r, -EINVAL, ls, ls, -1,
			    "row offset 0x%llx is past the end of config "
			    "space (0x1000)",
			    (unsigned long long)wide);
	off = (uint32_t)wide;
	if (digits < 2 || digits > 3)
		return fail(r, -EINVAL, ls, ls, (int32_t)off,
			    "row offset must have 2 or 3 hex digits");
	if (off & (ROW_BYTES - 1))
		return fail(r, -EINVAL, ls, ls, (int32_t)off,
			    "row offset 0x%02x is not a multiple of 16", off);
	if (r->row_line[off / ROW_BYTES])
		return fail(r, -EINVAL, ls, ls, (int32_t)off,
			    "row offset 0x%02x already given at line %u", off,
			    r->row_line[off / ROW_BYTES]);

	dst = r->cur->data + off;
	/* Fastest path: a whole row as lspci prints it (see row16()). */
	if (r->end - p >= 3 * ROW_BYTES &&
	    (r->end - p == 3 * ROW_BYTES || is_blank(p[3 * ROW_BYTES]) ||
	     p[3 * ROW_BYTES] == '\n' || p[3 * ROW_BYTES] == '\r') &&
	    row16((const unsigned char *)p, dst)) {
		n = ROW_BYTES;
		p += 3 * ROW_BYTES;
	}
	/*
	 * Fast path for what lspci prints, " hh" sixteen times: two table
	 * lookups per byte. It stops at anything else, and the general loop
	 * below takes over from there (and owns every error message).
	 */
	while (n < ROW_BYTES && r->end - p >= 3 && p[0] == ' ') {
		unsigned int hi = hexval1[(unsigned char)p[1]];
		unsigned int lo = hexval1[(unsigned char)p[2]];

		if (!hi || !lo ||
		    (r->end - p > 3 && !is_blank(p[3]) && p[3] != '\n' &&
		     p[3] != '\r'))
			break;
		dst[n++] = (uint8_t)(((hi - 1) << 4) | (lo - 1));
		p += 3;
	}
	for (;;) {
		const char *tok;
		unsigned int v = 0;
		unsigned int h;

		while (p < r->end && is_blank(*p))
			p++;
		if (at_eol(r, p))
			break;
		tok = p;
		/* The common case: exactly two digits and a separator. */
		while (p < r->end && (h = hexval1[(unsigned char)*p]) != 0) {
			v = (v << 4) | (h - 1);
			p++;
		}
		if (!at_eol(r, p) && !is_blank(*p))
			return bad_char(r, ls, p);
		if (p - tok != 2) {
			if ((p - tok) & 1)
				return fail(r, -EINVAL, ls, tok, -1,
					    "odd number of hex digits: a byte "
					    "needs two");
			return fail(r, -EINVAL, ls, tok, -1,
				    "%d hex digits: bytes must be separated "
				    "by spaces",
				    (int)(p - tok));
		}
		if (n == ROW_BYTES)
			return fail(r, -EINVAL, ls, tok, (int32_t)off,
				    "more than 16 bytes in a row");
		dst[n++] = (uint8_t)v;
	}
	if (!n)
		return fail(r, -EINVAL, ls, p, (int32_t)off,
			    "hex row without bytes");
	/* A whole row is two bytes of the read map (off is 16-aligned). */
	if (n == ROW_BYTES)
		memset(&r->cur->read[off / 8], 0xff, ROW_BYTES / 8);
	else
		pcl_cfg_mark_read(r->cur, off, n);
	r->row_line[off / ROW_BYTES] = r->line;
	r->cur_rows = true;
	/* Most rows end right after their last byte. */
	*next = p < r->end && *p == '\n' ? p + 1 : next_line(r, p);
	return 0;
}

/*
 * The line at @ls when it is a whole row of the open device exactly as
 * lspci -xxxx writes it - 2 or 3 offset digits, ':', sixteen " hh", LF -
 * at an offset not yet given: stored as hex_row() would store it, with the
 * line counted, and true with *@next at the next line. false, with
 * nothing changed, for any other line, which parse_lines() then parses
 * the general way (and that way alone gives every error). A dump is
 * nearly all such lines, and the general way spent ~40 % of its time
 * finding out which kind of line it has (BENCHMARKS.md, item 3).
 */
static inline bool lspci_row(struct reader *r, const char *ls,
			     const char **next)
{
	const unsigned char *u = (const unsigned char *)ls;
	unsigned int h0, h1, h2, off;
	const char *p;

	if (r->end - ls < 3 + 3 * ROW_BYTES + 1)
		return false;
	h0 = hexval1[u[0]];
	h1 = hexval1[u[1]];
	if (!h0 || !h1)
		return false;
	if (u[2] == ':') {
		off = (h0 - 1) * 16 + h1 - 1;
		p = ls + 3;
	} else if ((h2 = hexval1[u[2]]) != 0 && u[3] == ':') {
		off = ((h0 - 1) * 16 + h1 - 1) * 16 + h2 - 1;
		p = ls + 4;
	} else {
		return false;
	}
	if (r->end - p < 3 * ROW_BYTES + 1 || p[3 * ROW_BYTES] != '\n' ||
	    (off & (ROW_BYTES - 1)) || r->row_line[off / ROW_BYTES] ||
	    !row16((const unsigned char *)p, r->cur->data + off))
		return false;
	r->line++;
	memset(&r->cur->read[off / 8], 0xff, ROW_BYTES / 8);
	r->row_line[off / ROW_BYTES] = r->line;
	r->cur_rows = true;
	*next = p + 3 * ROW_BYTES + 1;
	return true;
}

/*
 * The lines of @text up to r->end. Every line is parsed from its own bytes
 * only, and all state between lines is in @r, so text may come in pieces
 * that each end with a line feed (see load_windowed()).
 */
static int parse_lines(struct reader *r, const char *text)
{
	const char *ls = text;
	int ret;

	while (ls < r->end) {
		const char *p = ls;
		size_t digits = 0;
		uint64_t wide = 0;
		unsigned int h;

		if (r->cur && lspci_row(r, ls, &ls))
			continue;
		r->line++;
		/* The row offset's value as its digits go by; at most 16
		 * digits: no overflow. */
		while (p < r->end && digits < 16 &&
		       (h = hexval1[(unsigned char)*p]) != 0) {
			wide = wide * 16 + h - 1u;
			p++, digits++;
		}
		if (digits && p < r->end && *p == ':' &&
		    (at_eol(r, p + 1) || is_blank(p[1]))) {
			ret = hex_row(r, ls, digits, wide, &ls);
			if (ret < 0)
				return ret;
			continue;
		}
		if (at_eol(r, ls) || is_blank(*ls)) {
			p = ls;
			while (p < r->end && is_blank(*p))
				p++;
			if (at_eol(r, p)) {
				ret = close_device(r);
			} else if (!r->cur) {
				ret = fail(r, -EINVAL, ls, p, -1,
					   "indented line outside a device");
			} else {
				/* lspci -v detail of the open device */
				ret = 0;
			}
		} else {
			ret = device_line(r, ls);
		}
		if (ret < 0)
			return ret;
		ls = next_line(r, ls);
	}
	return 0;
}

/* After the last line: close the open device; no device is an error. */
static int parse_end(struct reader *r)
{
	int ret = close_device(r);

	if (ret < 0)
		return ret;
	if (!r->devices)
		return pcl_set_error(r->err, -EINVAL, r->name, 0, 0, -1,
				     "no device found: expected an lspci -x "
				     "dump or a 64, 256 or 4096-byte binary");
	return 0;
}

static struct reader *reader_new(struct pcl_ctx *ctx, const char *name,
				 const struct sink *to, struct pcl_error *err)
{
	struct reader *r = calloc(1, sizeof(*r));

	if (r) {
		r->ctx = ctx;
		r->name = name;
		r->err = err;
		r->to = to;
	}
	return r;
}

/* Hand the cfgs over when @ret is 0, else free them; free @r. */
static int reader_done(struct reader *r, int ret)
{
	const struct sink *to = r->to;

	if (to->each)
		pcl_cfg_free(r->cur); /* a device an error left open */
	if (ret < 0) {
		pcl_cfg_list_free(r->cfgs, r->count);
	} else {
		if (to->cfgs) {
			*to->cfgs = r->cfgs;
			*to->count = r->count;
		}
		pcl_dbg(r->ctx, "%s: %zu device(s) in %u lines", r->name,
			r->devices, r->line);
	}
	free(r->slots.keys);
	free(r->slots.lines);
	free(r);
	return ret;
}

/* Bytes that never occur in text: C0 controls other than TAB, LF, CR; DEL. */
static const char *find_binary_byte(const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = d[i];

		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			return (const char *)d + i;
	}
	return NULL;
}

static int parse_binary(struct pcl_ctx *ctx, const uint8_t *d, size_t len,
			const char *name, const struct sink *to,
			struct pcl_error *err)
{
	struct pcl_cfg **v = to->each ? NULL : malloc(sizeof(*v));
	struct pcl_cfg *cfg = pcl_cfg_new(ctx, d, len, name);

	if ((!to->each && !v) || !cfg) {
		free(v);
		pcl_cfg_free(cfg);
		return pcl_set_error(err, -ENOMEM, name, 0, 0, -1,
				     "out of memory");
	}
	pcl_dbg(ctx, "%s: binary config space of %zu bytes", name, len);
	if (to->each) {
		int ret = to->each(to->opaque, cfg);

		return ret > 0 ? -ECANCELED : ret;
	}
	v[0] = cfg;
	*to->cfgs = v;
	*to->count = 1;
	return 0;
}

/* pcl_cfg_parse() and pcl_cfg_parse_each(), @name and @to checked. */
static int parse(struct pcl_ctx *ctx, const void *data, size_t len,
		 const char *name, const struct sink *to,
		 struct pcl_error *err)
{
	const uint8_t *d = data;
	struct reader *r;
	const char *bin;
	int ret;

	if (len > DUMP_MAX_INPUT)
		return pcl_set_error(err, -EFBIG, name, 0, 0, -1,
				     "input of %zu bytes is larger than the "
				     "64 MiB limit",
				     len);
	/*
	 * A config space of the right size is binary when it holds a byte no
	 * text has, or no line feed at all: every lspci dump has at least a
	 * device line and a row, while an all-ones or 0x55/0xaa space is
	 * otherwise "printable" (bytes >= 0x80 may be UTF-8 in device names).
	 */
	if (len == 64 || len == 256 || len == PCL_CFG_SIZE) {
		if (find_binary_byte(d, len) || !memchr(d, '\n', len))
			return parse_binary(ctx, d, len, name, to, err);
	}

	r = reader_new(ctx, name, to, err);
	if (!r)
		return pcl_set_error(err, -ENOMEM, name, 0, 0, -1,
				     "out of memory");
	r->end = (const char *)d + len;
	ret = parse_lines(r, (const char *)d);
	if (ret == 0)
		ret = parse_end(r);
	/*
	 * Looking for binary bytes only once the text reader failed keeps the
	 * good path to one pass; the size message is the useful one then.
	 */
	if (ret == -EINVAL && !r->stopped && len != 64 && len != 256 &&
	    len != PCL_CFG_SIZE && (bin = find_binary_byte(d, len)) != NULL)
		ret = pcl_set_error(err, -EINVAL, name, 0, 0, -1,
				    "binary config space must be 64, 256 or "
				    "4096 bytes, got %zu (byte 0x%02x at %zu is "
				    "not text)",
				    len, (unsigned char)*bin,
				    (size_t)(bin - (const char *)d));
	return reader_done(r, ret);
}

PCL_EXPORT int pcl_cfg_parse(struct pcl_ctx *ctx, const void *data, size_t len,
			     const char *name, struct pcl_cfg ***cfgs,
			     size_t *count, struct pcl_error *err)
{
	const struct sink to = { .cfgs = cfgs, .count = count };

	if (!name)
		name = "<string>";
	if (!cfgs || !count || (!data && len))
		return pcl_set_error(err, -EINVAL, name, 0, 0, -1,
				     "invalid arguments");
	*cfgs = NULL;
	*count = 0;
	return parse(ctx, data, len, name, &to, err);
}

PCL_EXPORT int pcl_cfg_parse_each(struct pcl_ctx *ctx, const void *data,
				  size_t len, const char *name,
				  pcl_cfg_each_fn fn, void *opaque,
				  struct pcl_error *err)
{
	const struct sink to = { .each = fn, .opaque = opaque };

	if (!name)
		name = "<string>";
	if (!fn || (!data && len))
		return pcl_set_error(err, -EINVAL, name, 0, 0, -1,
				     "invalid arguments");
	return parse(ctx, data, len, name, &to, err);
}

static int errno_ret(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -ENOENT;
	case EACCES:
	case EPERM:
		return -EACCES;
	case EISDIR:
		return -EISDIR;
	case ENOMEM:
		return -ENOMEM;
	case EFBIG:
	case EOVERFLOW:
		return -EFBIG;
	default:
		return -EIO;
	}
}

/* Read all of @fd, refusing more than DUMP_MAX_INPUT bytes. */
static int slurp(int fd, const char *name, size_t hint, uint8_t **out,
		 size_t *out_len, struct pcl_error *err)
{
	size_t cap = hint + 1 > 4096 ? hint + 1 : 65536, len = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return pcl_set_error(err, -ENOMEM, name, 0, 0, -1,
				     "out of memory");
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap * 2;
			uint8_t *nb;

			if (ncap > DUMP_MAX_INPUT + 1)
				ncap = DUMP_MAX_INPUT + 1;
			nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return pcl_set_error(err, -ENOMEM, name, 0, 0,
						     -1, "out of memory");
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return pcl_set_error(err, errno_ret(e), name, 0, 0, -1,
					     "read failed: %s", strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > DUMP_MAX_INPUT) {
			free(buf);
			return pcl_set_error(err, -EFBIG, name, 0, 0, -1,
					     "input is larger than the 64 MiB "
					     "limit");
		}
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/*
 * Files above this size are read and parsed one window at a time. Reading
 * a whole 40 MiB dump into a fresh buffer cost more than parsing it: the
 * kernel zeroes and maps every page of the buffer on first touch (~1/4
 * of `show --json` time over 4,000-device files, in perf). A reused
 * window is mapped once per file; at 128 KiB that is 32 page faults, and
 * a read(2) per ~12 devices.
 */
#define DUMP_WINDOW (128u << 10)

/*
 * Parse the regular file @fd of about @size bytes window by window; each
 * window is cut after its last line feed and the rest carried over, so
 * parse_lines() sees whole lines only and gives what one pass over the
 * whole text would. Return: 0 with the cfgs, what @to's callback
 * returned to stop, or 1 when the file should be read the ordinary way
 * instead: on any other error, so that the error (and its message, which
 * may look at the whole input) is exactly that path's. *@handed_over says
 * how many devices went to the callback before.
 */
static int load_windowed(struct pcl_ctx *ctx, int fd, const char *name,
			 const struct sink *to, size_t *handed_over)
{
	struct pcl_error scratch = { 0 };
	size_t cap = DUMP_WINDOW, have = 0, total = 0;
	char *buf = malloc(cap);
	struct reader *r = reader_new(ctx, name, to, &scratch);
	int ret = 0, stopped;

	if (!buf || !r) {
		free(buf);
		free(r);
		return 1;
	}
	for (;;) {
		const char *nl;
		ssize_t n;

		if (have == cap) {
			/* A line longer than the window: widen it. */
			char *nb = cap < DUMP_MAX_INPUT ?
				realloc(buf, 2 * cap) : NULL;

			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -EIO;
			break;
		}
		total += (size_t)n;
		if (total > DUMP_MAX_INPUT) {
			ret = -EFBIG;
			break;
		}
		have += (size_t)n;
		if (n == 0) {
			r->end = buf + have;
			ret = parse_lines(r, buf);
			break;
		}
		nl = memrchr(buf, '\n', have);
		if (!nl)
			continue;
		r->end = nl + 1;
		ret = parse_lines(r, buf);
		if (ret < 0)
			break;
		have -= (size_t)(r->end - buf);
		memmove(buf, r->end, have);
	}
	free(buf);
	if (ret == 0)
		ret = parse_end(r);
	stopped = r->stopped;
	*handed_over = to->each ? r->devices : 0;
	ret = reader_done(r, ret);
	return stopped ? stopped : ret < 0 ? 1 : 0;
}

/*
 * After the windowed reader failed past devices it handed over: parse
 * @buf, the whole file, only for the error, which the callback must not
 * see the same devices again to get.
 */
static int parse_for_error(struct pcl_ctx *ctx, const uint8_t *buf,
			   size_t len, const char *name,
			   struct pcl_error *err)
{
	struct pcl_cfg **cfgs = NULL;
	size_t count = 0;
	const struct sink to = { .cfgs = &cfgs, .count = &count };
	int ret = parse(ctx, buf, len, name, &to, err);

	if (ret < 0)
		return ret;
	pcl_cfg_list_free(cfgs, count);
	return pcl_set_error(err, -EIO, name, 0, 0, -1,
			     "changed while it was read");
}

/* pcl_cfg_load() and pcl_cfg_load_each(), @path and @to checked. */
static int load(struct pcl_ctx *ctx, const char *path, const struct sink *to,
		struct pcl_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	size_t hint = 0, len = 0, handed_over = 0;
	uint8_t *buf = NULL;
	struct stat st;
	int fd, ret;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		return pcl_set_error(err, errno_ret(e), name, 0, 0, -1,
				     "cannot open: %s", strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		ret = pcl_set_error(err, errno_ret(e), name, 0, 0, -1,
				    "cannot stat: %s", strerror(e));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = pcl_set_error(err, -EISDIR, name, 0, 0, -1,
				    "is a directory");
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		/* Refuse before reading: a huge file must not cost its size. */
		if ((uint64_t)st.st_size > DUMP_MAX_INPUT) {
			ret = pcl_set_error(err, -EFBIG, name, 0, 0, -1,
					    "input of %lld bytes is larger "
					    "than the 64 MiB limit",
					    (long long)st.st_size);
			goto out;
		}
		hint = (size_t)st.st_size;
		if (hint > DUMP_WINDOW) {
			ret = load_windowed(ctx, fd, name, to, &handed_over);
			if (ret <= 0)
				goto out;
			/* Start over the ordinary way, for its error. */
			if (lseek(fd, 0, SEEK_SET) < 0) {
				int e = errno;

				ret = pcl_set_error(err, errno_ret(e), name, 0,
						    0, -1, "cannot seek: %s",
						    strerror(e));
				goto out;
			}
		}
	}
	ret = slurp(fd, name, hint, &buf, &len, err);
	if (ret == 0 && handed_over)
		ret = parse_for_error(ctx, buf, len, name, err);
	else if (ret == 0)
		ret = parse(ctx, buf, len, name, to, err);
	free(buf);
out:
	if (!is_stdin)
		close(fd);
	return ret;
}

PCL_EXPORT int pcl_cfg_load(struct pcl_ctx *ctx, const char *path,
			    struct pcl_cfg ***cfgs, size_t *count,
			    struct pcl_error *err)
{
	const struct sink to = { .cfgs = cfgs, .count = count };

	if (!path || !cfgs || !count)
		return pcl_set_error(err, -EINVAL, path, 0, 0, -1,
				     "invalid arguments");
	*cfgs = NULL;
	*count = 0;
	return load(ctx, path, &to, err);
}

PCL_EXPORT int pcl_cfg_load_each(struct pcl_ctx *ctx, const char *path,
				 pcl_cfg_each_fn fn, void *opaque,
				 struct pcl_error *err)
{
	const struct sink to = { .each = fn, .opaque = opaque };

	if (!path || !fn)
		return pcl_set_error(err, -EINVAL, path, 0, 0, -1,
				     "invalid arguments");
	return load(ctx, path, &to, err);
}

/*
 * The writer of the format this file reads, so that what is written reads
 * back to the same bytes (lspci -F reads it too): "slot text" then rows
 * "xx: hh ...". A row of 4096-byte space has three offset digits, as lspci
 * -xxxx writes them.
 */
int pcl_lspci_write(FILE *f, const char *slot, const char *text,
		    const uint8_t *bytes, uint32_t len)
{
	fprintf(f, "%s %s\n", slot, text);
	for (uint32_t row = 0; row < len; row += 16) {
		fprintf(f, "%02x:", row);
		for (uint32_t i = 0; i < 16 && row + i < len; i++)
			fprintf(f, " %02x", bytes[row + i]);
		fputc('\n', f);
	}
	fputc('\n', f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

PCL_EXPORT int pcl_cfg_write_lspci(const struct pcl_cfg *cfg, FILE *f)
{
	char text[64];
	const uint8_t *d;

	if (!cfg || !f)
		return -EINVAL;
	d = cfg->data;
	/* What lspci -xxxx -n writes: class and IDs, no names. */
	snprintf(text, sizeof(text), "%02x%02x: %04x:%04x", d[0x0b], d[0x0a],
		 cfg->id.vendor_id, cfg->id.device_id);
	return pcl_lspci_write(f, cfg->slot[0] ? cfg->slot : "00:00.0", text,
			       d, cfg->size);
}
