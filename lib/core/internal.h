/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * internal.h - helpers shared by every library file and never exported:
 * logging macros that compile to a priority check before any formatting,
 * explicit little-endian readers, the bounds of the two spaces, the one
 * growable string, and the builders of struct pcl_error, struct pcl_diag
 * and struct pcl_report records. Everything here belongs to lib/core,
 * below every stage.
 */
#ifndef PCL_INTERNAL_H
#define PCL_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <pcilayout/pcilayout.h>

#define PCL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Byte @b in each of a uint64_t's eight bytes (word-at-a-time scans). */
#define PCL_BYTES8(b) (0x0101010101010101ull * (uint8_t)(b))

#if defined(__GNUC__)
#define PCL_PRINTF(f, a) __attribute__((format(printf, f, a)))
/* Keep a slow path out of line, so that its caller's fast path saves
 * no register. */
#define PCL_NOINLINE __attribute__((noinline))
#define pcl_likely(x) __builtin_expect(!!(x), 1)
#else
#define PCL_PRINTF(f, a)
#define PCL_NOINLINE
#define pcl_likely(x) (x)
#endif

/*
 * Functions that go over config bytes, owner bytes or table rows one by
 * one, left out of libFuzzer's coverage instrumentation (clang's
 * -fsanitize=fuzzer-no-link, fuzz/), which calls a hook for every compare
 * in such a loop, UBSan's checks included: what they branch on (is this
 * byte zero, claimed, the same as the last) is no path through the
 * program a fuzzer could learn from, and the hooks were a third of
 * fuzz_walk's and most of fuzz_vdev's time. ASan and UBSan still check
 * them. PCL_NO_COVERAGE marks a function; PCL_BYTE_LOOP a static helper,
 * which a coverage build also keeps out of line, since inlined code is
 * instrumented as the function it lands in (other builds inline it).
 */
#if defined(__clang__) && __clang_major__ >= 13
#define PCL_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#if __has_feature(coverage_sanitizer)
#define PCL_BYTE_LOOP __attribute__((noinline, no_sanitize("coverage")))
#else
#define PCL_BYTE_LOOP
#endif
#else
#define PCL_NO_COVERAGE
#define PCL_BYTE_LOOP
#endif

void pcl_log_(const struct pcl_ctx *ctx, int priority, const char *file,
	      int line, const char *fn, const char *fmt, ...) PCL_PRINTF(6, 7);

/* Only format when someone listens at this priority. */
#define pcl_log(ctx, prio, ...)                                                \
	do {                                                                   \
		if ((ctx) && pcl_ctx_get_log_priority(ctx) >= (prio))          \
			pcl_log_((ctx), (prio), __FILE__, __LINE__, __func__,  \
				 __VA_ARGS__);                                 \
	} while (0)
#define pcl_err(ctx, ...) pcl_log(ctx, LOG_ERR, __VA_ARGS__)
#define pcl_warn(ctx, ...) pcl_log(ctx, LOG_WARNING, __VA_ARGS__)
#define pcl_info(ctx, ...) pcl_log(ctx, LOG_INFO, __VA_ARGS__)
#define pcl_dbg(ctx, ...) pcl_log(ctx, LOG_DEBUG, __VA_ARGS__)

/* Config space is little-endian whatever the host is. */
static inline uint16_t pcl_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t pcl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline void pcl_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void pcl_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Exactly @n hex digits (either case) at @s: their value, or -1. */
static inline int64_t pcl_hex_field(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int h;

		if (c >= '0' && c <= '9')
			h = c - '0';
		else if (c >= 'a' && c <= 'f')
			h = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			h = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Objects a context makes on first use and frees with itself. */
enum pcl_ctx_lazy {
	PCL_CTX_NAMES, /* the pci.ids index (lib/names) */
	PCL_CTX_LAZY_COUNT,
};

/* The spaces: standard 0x40-0xff, extended 0x100-0xfff. */
static inline uint32_t pcl_space_start(int space)
{
	return space == PCL_SPACE_STANDARD ? PCL_STD_CAP_START :
					     PCL_EXT_CAP_START;
}

static inline uint32_t pcl_space_end(int space)
{
	return space == PCL_SPACE_STANDARD ? PCL_STD_SPACE_END :
					     PCL_EXT_SPACE_END;
}

/* The space an offset lies in (the header counts as standard). */
static inline int pcl_space_of(uint32_t offset)
{
	return offset < PCL_STD_SPACE_END ? PCL_SPACE_STANDARD :
					    PCL_SPACE_EXTENDED;
}

/* Size of a capability header: ID and next (standard), one dword (extended). */
static inline uint32_t pcl_cap_hdr_size(int space)
{
	return space == PCL_SPACE_STANDARD ? PCL_STD_CAP_HDR_SIZE :
					     PCL_EXT_CAP_HDR_SIZE;
}

/* VSEC and DVSEC: the capabilities selected by vendor and VSEC ID too. */
static inline bool pcl_is_vendor_cap(int space, uint16_t id)
{
	return space == PCL_SPACE_EXTENDED &&
	       (id == PCL_EXT_CAP_ID_VNDR || id == PCL_EXT_CAP_ID_DVSEC);
}

/*
 * A growable string (strbuf.c). Start from { 0 }. After a failed
 * allocation it keeps the text it had and sets @oom, so a builder checks
 * once at the end.
 */
struct pcl_strbuf {
	char *s;
	size_t len;
	size_t alloc;
	bool oom;
};

void pcl_strbuf_add(struct pcl_strbuf *b, const char *fmt, ...) PCL_PRINTF(2, 3);
void pcl_strbuf_vadd(struct pcl_strbuf *b, const char *fmt, va_list ap)
	PCL_PRINTF(2, 0);
/* Cut the text back to @len bytes (no-op when it is shorter). */
void pcl_strbuf_truncate(struct pcl_strbuf *b, size_t len);
/* The text so far ("" when empty); valid until the next add. */
const char *pcl_strbuf_get(const struct pcl_strbuf *b);
/* Hand the text over (malloc'ed; "" when empty), or NULL after an
 * allocation failure; the buffer is empty afterwards. */
char *pcl_strbuf_steal(struct pcl_strbuf *b);
void pcl_strbuf_free(struct pcl_strbuf *b);

/*
 * diag.c: pcl_diag_add() with a va_list. PCL_PRINTF(6, 0) lets the
 * compiler check callers' formats through the va_list (clang's
 * -Wformat-nonliteral needs it to accept vsnprintf).
 */
int pcl_diag_vadd(struct pcl_diag *diag, const char *source, uint32_t line,
		  uint32_t column, int32_t offset, const char *fmt, va_list ap)
	PCL_PRINTF(6, 0);
/* diag.c: sort by source, line and column (stable; the overflow note last). */
void pcl_diag_sort(struct pcl_diag *diag);

/* report.c */
struct pcl_report *pcl_report_new(void);
/* Append a finding; returns 0 or -ENOMEM (the report then remembers it). */
int pcl_report_add(struct pcl_report *r, int severity, int space,
		   int32_t offset, const char *code, const char *fmt, ...)
	PCL_PRINTF(6, 7);
/* Copy every finding of @from into @to. */
int pcl_report_append(struct pcl_report *to, const struct pcl_report *from);
bool pcl_report_oom(const struct pcl_report *r);

/*
 * pcl_ctx_lazy() - the context's object @which, made by @make(@ctx) on the
 * first call and freed by @destroy with the context. Safe when threads make
 * their first calls at once: @make runs in one of them while the others
 * wait, and everyone gets its object. When @make fails (NULL) nothing is
 * kept, NULL is returned, and the next call tries again.
 */
void *pcl_ctx_lazy(struct pcl_ctx *ctx, enum pcl_ctx_lazy which,
		   void *(*make)(struct pcl_ctx *), void (*destroy)(void *));

/*
 * Write the fingerprint of @len bytes at @data: "sha256:" and 64 lower-case
 * hex digits of their SHA-256, NUL-terminated.
 */
void pcl_fingerprint_of(const void *data, size_t len,
			char out[PCL_FINGERPRINT_SIZE]);

/* Copy with truncation; always NUL-terminates when size > 0. */
size_t pcl_strlcpy(char *dst, const char *src, size_t size);

/*
 * Fill @err (if not NULL): source, line, column, offset (-1 for none) and a
 * formatted message. Returns @ret so callers can write
 * "return pcl_set_error(err, -EINVAL, ...);".
 */
int pcl_set_error(struct pcl_error *err, int ret, const char *source,
		  uint32_t line, uint32_t column, int32_t offset,
		  const char *fmt, ...) PCL_PRINTF(7, 8);

/*
 * ioctl(2), injectable so that tests can stand in for a VFIO device with a
 * regular file (lib/source/vfio.c, lib/guest/backend.c).
 */
typedef int (*pcl_ioctl_fn)(int fd, unsigned long request, void *arg);

/*
 * VFIO_DEVICE_GET_REGION_INFO for region @index of the device @fd
 * (@ioctl_fn NULL = the real ioctl). Returns 0 or -errno.
 */
int pcl_vfio_region_info(int fd, pcl_ioctl_fn ioctl_fn, uint32_t index,
			 uint64_t *offset, uint64_t *size, uint32_t *flags);

/*
 * Write one function in lspci -x format (lib/source/dump.c, the reader's
 * home): "SLOT TEXT", then rows of @len bytes. Returns 0 or -EIO.
 */
int pcl_lspci_write(FILE *f, const char *slot, const char *text,
		    const uint8_t *bytes, uint32_t len);

#endif /* PCL_INTERNAL_H */
