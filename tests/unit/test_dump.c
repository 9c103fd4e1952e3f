// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_dump.c - the lspci text dump and binary reader: good inputs of every
 * shape lspci prints, every rejection with the line (and column) it must
 * name, format detection, and the input size limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "internal.h"
#include "source/source.h"

static struct pcl_ctx *ctx;

static int setup(void **state)
{
	ctx = pcl_ctx_new();
	return ctx ? 0 : -1;
}

static int teardown(void **state)
{
	pcl_ctx_free(ctx);
	return 0;
}

/* Parse @text; assert success and @n devices. */
static struct pcl_cfg **parse_ok(const char *text, size_t n)
{
	struct pcl_error err = { 0 };
	struct pcl_cfg **cfgs = NULL;
	size_t count = 0;
	int r = pcl_cfg_parse(ctx, text, strlen(text), "t.lspci", &cfgs, &count,
			      &err);

	if (r)
		print_error("unexpected: %s:%u:%u: %s\n", err.source, err.line,
			    err.column, err.message);
	assert_int_equal(r, 0);
	assert_int_equal(count, n);
	assert_non_null(cfgs);
	return cfgs;
}

/* Parse @len bytes; assert -EINVAL at @line:@col with @msg in the text. */
static void parse_bad_n(const char *text, size_t len, uint32_t line,
			uint32_t col, const char *msg)
{
	struct pcl_error err = { 0 };
	struct pcl_cfg **cfgs = (struct pcl_cfg **)&err;
	size_t count = 7;
	int r = pcl_cfg_parse(ctx, text, len, "bad.lspci", &cfgs, &count,
			      &err);

	assert_int_equal(r, -EINVAL);
	assert_null(cfgs);
	assert_int_equal(count, 0);
	assert_string_equal(err.source, "bad.lspci");
	if (err.line != line || err.column != col || !strstr(err.message, msg))
		print_error("got %u:%u: %s\n", err.line, err.column,
			    err.message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, col);
	assert_non_null(strstr(err.message, msg));
}

static void parse_bad(const char *text, uint32_t line, uint32_t col,
		      const char *msg)
{
	parse_bad_n(text, strlen(text), line, col, msg);
}

/* Rows of an lspci dump of @b[0..len) ("%02x:" up to 256, "%03x:" above). */
static char *dump_text(const char *devline, const uint8_t *b, size_t len,
		       const char *eol)
{
	size_t cap = 64 + strlen(devline) + (len / 16 + 1) * (56 + 2);
	char *s = malloc(cap), *p = s;

	assert_non_null(s);
	p += sprintf(p, "%s%s", devline, eol);
	for (size_t o = 0; o < len; o += 16) {
		p += sprintf(p, len > 256 ? "%03zx:" : "%02zx:", o);
		for (size_t i = o; i < o + 16 && i < len; i++)
			p += sprintf(p, " %02x", b[i]);
		p += sprintf(p, "%s", eol);
	}
	assert_true((size_t)(p - s) < cap);
	return s;
}

/* A deterministic image with a PCIe capability (type @type) at 0x40. */
static void make_image(uint8_t *b, size_t len, uint8_t type)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	memset(b, 0, 0x40 < len ? 0x40 : len);
	b[0x00] = 0x86, b[0x01] = 0x80, b[0x02] = 0xc9, b[0x03] = 0x10;
	b[0x06] = 0x10; /* CAP_LIST */
	b[0x08] = 0x01;
	b[0x09] = 0x00, b[0x0a] = 0x00, b[0x0b] = 0x02;
	b[0x0e] = 0x80;
	b[0x2c] = 0x86, b[0x2d] = 0x80, b[0x2e] = 0x3c, b[0x2f] = 0xa0;
	b[0x34] = 0x40;
	if (len > 0x43) {
		b[0x40] = 0x10, b[0x41] = 0x00;
		b[0x42] = (uint8_t)(0x02 | (type << 4)), b[0x43] = 0;
	}
}

static void check_bytes(const struct pcl_cfg *cfg, const uint8_t *b,
			size_t len)
{
	assert_memory_equal(pcl_cfg_data(cfg), b, len);
	assert_true(pcl_cfg_is_read(cfg, 0, (uint32_t)len));
	if (len < PCL_CFG_SIZE) {
		assert_false(pcl_cfg_is_read(cfg, (uint32_t)len, 1));
		for (size_t i = len; i < PCL_CFG_SIZE; i++)
			assert_int_equal(pcl_cfg_data(cfg)[i], 0);
	}
}

/* -x, -xxx and -xxxx: 64, 256 and 4096 bytes read, and nothing else. */
static void test_sizes(void **state)
{
	static const size_t sizes[] = { 64, 256, 4096 };
	uint8_t b[4096];

	for (size_t k = 0; k < 3; k++) {
		char *t;
		struct pcl_cfg **c;
		struct pcl_identity id;

		make_image(b, sizes[k], 4);
		t = dump_text("00:1c.0 PCI bridge: x", b, sizes[k], "\n");
		c = parse_ok(t, 1);
		check_bytes(c[0], b, sizes[k]);
		assert_int_equal(pcl_cfg_size(c[0]), sizes[k]);
		assert_string_equal(pcl_cfg_slot(c[0]), "0000:00:1c.0");
		assert_string_equal(pcl_cfg_source(c[0]), "t.lspci");
		assert_int_equal(pcl_cfg_line(c[0]), 1);
		assert_null(pcl_cfg_pf_slot(c[0]));
		assert_ptr_equal(pcl_cfg_ctx(c[0]), ctx);
		pcl_cfg_identity(c[0], &id);
		assert_int_equal(id.vendor_id, 0x8086);
		assert_int_equal(id.device_id, 0x10c9);
		assert_int_equal(id.class_code, 0x020000);
		assert_int_equal(id.revision, 1);
		assert_int_equal(id.header_type, 0);
		assert_int_equal(id.multifunction, 1);
		assert_int_equal(id.subsys_vendor_id, 0x8086);
		assert_int_equal(id.subsys_id, 0xa03c);
		assert_int_equal(id.is_vf, 0);
		/* With -x the capability at 0x40 was never read. */
		assert_int_equal(id.pcie_type, sizes[k] == 64 ? -1 : 4);
		pcl_cfg_list_free(c, 1);
		free(t);
	}
}

/* CRLF, trailing blanks and tabs read to the same bytes as plain LF. */
static void test_crlf_trailing(void **state)
{
	uint8_t b[256];
	char *lf, *crlf, *trail;
	struct pcl_cfg **a, **c, **d;

	make_image(b, sizeof(b), 0);
	lf = dump_text("3b:00.0 Ethernet", b, sizeof(b), "\n");
	crlf = dump_text("3b:00.0 Ethernet", b, sizeof(b), "\r\n");
	trail = dump_text("3b:00.0 Ethernet", b, sizeof(b), " \t \r\n");
	a = parse_ok(lf, 1);
	c = parse_ok(crlf, 1);
	d = parse_ok(trail, 1);
	assert_memory_equal(pcl_cfg_data(a[0]), pcl_cfg_data(c[0]),
			    PCL_CFG_SIZE);
	assert_memory_equal(pcl_cfg_data(a[0]), pcl_cfg_data(d[0]),
			    PCL_CFG_SIZE);
	assert_int_equal(pcl_cfg_size(c[0]), 256);
	assert_int_equal(pcl_cfg_size(d[0]), 256);
	assert_string_equal(pcl_cfg_slot(c[0]), "0000:3b:00.0");
	pcl_cfg_list_free(a, 1);
	pcl_cfg_list_free(c, 1);
	pcl_cfg_list_free(d, 1);
	free(lf);
	free(crlf);
	free(trail);

	/* No final newline, CR at the very end, blank lines around. */
	a = parse_ok("\n\n00:02.0 VGA\n00: 86 80 12 34\r", 1);
	assert_int_equal(pcl_cfg_line(a[0]), 3);
	assert_true(pcl_cfg_is_read(a[0], 0, 4));
	assert_false(pcl_cfg_is_read(a[0], 4, 1));
	assert_int_equal(pcl_cfg_data(a[0])[3], 0x34);
	pcl_cfg_list_free(a, 1);

	/* Upper-case hex, several blanks between bytes. */
	a = parse_ok("00:02.0 VGA\n00:  AB\tcd  Ef\n", 1);
	assert_memory_equal(pcl_cfg_data(a[0]), "\xab\xcd\xef", 3);
	pcl_cfg_list_free(a, 1);
}

static void test_multi(void **state)
{
	const char *t = "00:00.0 Host bridge\n"
			"00: 86 80 30 3e\n"
			"\n"
			"0000:00:1f.3 Audio\r\n"
			"00: 86 80 c8 a3\r\n"
			"10: 01\r\n"
			"\r\n"
			"\r\n"
			"10000:e1:1f.7 Other\n"
			"00: de c0 ad 0b\n";
	struct pcl_cfg **c = parse_ok(t, 3);

	assert_string_equal(pcl_cfg_slot(c[0]), "0000:00:00.0");
	assert_string_equal(pcl_cfg_slot(c[1]), "0000:00:1f.3");
	assert_string_equal(pcl_cfg_slot(c[2]), "10000:e1:1f.7");
	assert_int_equal(pcl_cfg_line(c[0]), 1);
	assert_int_equal(pcl_cfg_line(c[1]), 4);
	assert_int_equal(pcl_cfg_line(c[2]), 9);
	assert_true(pcl_cfg_is_read(c[1], 0x10, 1));
	assert_false(pcl_cfg_is_read(c[1], 0x04, 12));
	assert_false(pcl_cfg_is_read(c[0], 0x10, 1));
	assert_int_equal(pcl_le16(pcl_cfg_data(c[2]) + 2), 0x0bad);
	pcl_cfg_list_free(c, 3);
}

/*
 * Device lines that are no PCI address give no slot; lspci -v detail lines
 * (indented) are skipped, so lspci -vvv -xxx output reads as is.
 */
static void test_device_lines(void **state)
{
	const char *t = "My odd device\n"
			"00: 01 02\n"
			"\n"
			"00:1f.9 bad function\n"
			"00: 03\n"
			"\n"
			"00:01.0 Unassigned class [ffff]: Red Hat, Inc. Virtio\n"
			"\tSubsystem: Red Hat, Inc. Virtio 1.0 memory balloon\n"
			"\tCapabilities: [40] Vendor Specific Information\n"
			"\t\tAD: 00 11\n"
			"00: f4 1a 45 10\n"
			"\n";
	struct pcl_cfg **c = parse_ok(t, 3);

	assert_null(pcl_cfg_slot(c[0]));
	assert_null(pcl_cfg_slot(c[1]));
	assert_string_equal(pcl_cfg_slot(c[2]), "0000:00:01.0");
	assert_int_equal(pcl_cfg_line(c[2]), 7);
	assert_int_equal(pcl_cfg_data(c[2])[0], 0xf4);
	assert_int_equal(pcl_cfg_size(c[2]), 64);
	pcl_cfg_list_free(c, 3);
}

/* Rows out of order and gaps: bytes not in any row are unread zeros. */
static void test_gaps(void **state)
{
	const char *t = "01:00.0 x\n"
			"f0: ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff\n"
			"00: 86 80 01 02 03 04 05 06\n"
			"ff0: aa bb\n";
	struct pcl_cfg **c = parse_ok(t, 1);
	const uint8_t *d = pcl_cfg_data(c[0]);

	assert_true(pcl_cfg_is_read(c[0], 0, 8));
	assert_false(pcl_cfg_is_read(c[0], 0, 9));
	assert_false(pcl_cfg_is_read(c[0], 8, 1));
	assert_int_equal(d[8], 0);
	assert_true(pcl_cfg_is_read(c[0], 0xf0, 16));
	assert_false(pcl_cfg_is_read(c[0], 0xef, 2));
	assert_false(pcl_cfg_is_read(c[0], 0x100, 1));
	assert_true(pcl_cfg_is_read(c[0], 0xff0, 2));
	assert_false(pcl_cfg_is_read(c[0], 0xff0, 3));
	assert_int_equal(d[0xff1], 0xbb);
	/* The end of the highest read byte, rounded up to 64. */
	assert_int_equal(pcl_cfg_size(c[0]), 4096);
	/* Empty ranges are read; ranges past 4096 never are. */
	assert_true(pcl_cfg_is_read(c[0], 4096, 0));
	assert_false(pcl_cfg_is_read(c[0], 4096, 1));
	assert_false(pcl_cfg_is_read(c[0], 4097, 0));
	assert_false(pcl_cfg_is_read(c[0], 0xff0, UINT32_MAX));
	assert_false(pcl_cfg_is_read(c[0], UINT32_MAX, 2));
	pcl_cfg_list_free(c, 1);

	c = parse_ok("01:00.0 x\n40: 01\n", 1);
	assert_int_equal(pcl_cfg_size(c[0]), 128);
	pcl_cfg_list_free(c, 1);
}

static void test_errors(void **state)
{
	char row17[128];

	parse_bad("00: 86 80\n", 1, 1, "before any device line");
	parse_bad("\n\n00:1f.2 x\n00: 86 8g 00\n", 4, 9,
		  "invalid character 'g'");
	parse_bad("d\n00: 86 80 0\n", 2, 11, "odd number of hex digits");
	parse_bad("d\n00: 86 8\n", 2, 8, "odd number of hex digits");
	parse_bad("d\n00: 86 8 80\n", 2, 8, "odd number of hex digits");
	parse_bad("d\n00: 8680\n", 2, 5, "separated by spaces");
	parse_bad("d\n00: 86,80\n", 2, 7, "invalid character ','");
	parse_bad("d\n00: 86\xe9" "80\n", 2, 7, "invalid character 0xe9");
	parse_bad("d\n00: 86\r80\n", 2, 7, "invalid character 0x0d");
	strcpy(row17, "d\n10:");
	for (int i = 0; i < 17; i++)
		strcat(row17, " 00");
	strcat(row17, "\n");
	parse_bad(row17, 2, 4 + 16 * 3 + 1, "more than 16 bytes");
	parse_bad("d\n08: 00\n", 2, 1, "not a multiple of 16");
	parse_bad("d\n101: 00\n", 2, 1, "not a multiple of 16");
	parse_bad("d\n1000: 00\n", 2, 1, "past the end of config space");
	parse_bad("d\nfffffffffffffff0: 00\n", 2, 1, "past the end");
	parse_bad("d\n0: 00\n", 2, 1, "2 or 3 hex digits");
	parse_bad("d\n0010: 00\n", 2, 1, "2 or 3 hex digits");
	parse_bad("d\n00:\n", 2, 4, "without bytes");
	parse_bad("d\n00:   \r\n", 2, 7, "without bytes");
	parse_bad("d\n00: 00\n10: 00\n00: 01\n", 4, 1,
		  "already given at line 2");
	parse_bad("d\n100: 00\n0f0: 00\n100: 01\n", 4, 1,
		  "0x100 already given at line 2");
	/* A device without rows: named at its own line. */
	parse_bad("dev1\ndev2\n00: 00\n", 1, 0, "no hex rows");
	parse_bad("dev1\n00: 00\n\ndev2\n\n", 4, 0, "no hex rows");
	parse_bad("dev1\n\tdetail only\n", 1, 0, "no hex rows");
	parse_bad("00:1f.2 a\n00: 00\n0000:00:1f.2 b\n00: 00\n", 3, 1,
		  "duplicate device 0000:00:1f.2 (first at line 1)");
	parse_bad("00:1f.2 a\n00: 00\n00:1f.3 b\n00: 00\n\n00:1f.2 c\n00: 0\n",
		  6, 1, "first at line 1");
	parse_bad("d\n00: 00\n\n10: 00\n", 4, 1, "outside a device");
	parse_bad("  indented\n", 1, 3, "indented line outside a device");
	parse_bad("", 0, 0, "no device found");
	parse_bad("\n \n\r\n", 0, 0, "no device found");
	/* Line numbers stay right with CRLF and in a later device. */
	parse_bad("a\r\n00: 00\r\n\r\nb\r\n00: 00\r\n10: 0x\r\n", 6, 6,
		  "invalid character 'x'");
}

static void test_binary(void **state)
{
	static const size_t sizes[] = { 64, 256, 4096 };
	uint8_t b[4096 + 1];
	struct pcl_error err = { 0 };
	struct pcl_cfg **c;
	size_t n;

	for (size_t k = 0; k < 3; k++) {
		struct pcl_identity id;

		make_image(b, sizes[k], 5);
		assert_int_equal(pcl_cfg_parse(ctx, b, sizes[k], "cfg.bin", &c,
					       &n, &err),
				 0);
		assert_int_equal(n, 1);
		check_bytes(c[0], b, sizes[k]);
		assert_int_equal(pcl_cfg_size(c[0]), sizes[k]);
		assert_null(pcl_cfg_slot(c[0]));
		assert_int_equal(pcl_cfg_line(c[0]), 0);
		assert_string_equal(pcl_cfg_source(c[0]), "cfg.bin");
		pcl_cfg_identity(c[0], &id);
		assert_int_equal(id.pcie_type, sizes[k] == 64 ? -1 : 5);
		pcl_cfg_list_free(c, n);
	}

	/* Wrong sizes of non-text bytes. */
	make_image(b, sizeof(b), 0);
	parse_bad_n((const char *)b, 100, 0, 0,
		    "binary config space must be 64, 256 or 4096 bytes, got "
		    "100");
	parse_bad_n((const char *)b, 4097, 0, 0, "got 4097");
	parse_bad_n((const char *)b + 4, 1, 0, 0, "got 1");

	/* 256 bytes of plain text lines are text, and rejected as such. */
	memset(b, 'a', 256);
	b[100] = '\n';
	parse_bad_n((const char *)b, 256, 1, 0, "no hex rows");

	/*
	 * Without a single line feed the same bytes are a binary space: a
	 * device that is gone reads all ones, which is "printable" too.
	 */
	for (size_t k = 0; k < 3; k++) {
		memset(b, k == 0 ? 'a' : k == 1 ? 0xff : 0x55, 256);
		assert_int_equal(pcl_cfg_parse(ctx, b, 256, "flat.bin", &c, &n,
					       &err),
				 0);
		assert_int_equal(n, 1);
		assert_int_equal(pcl_cfg_line(c[0]), 0);
		check_bytes(c[0], b, 256);
		pcl_cfg_list_free(c, n);
	}

	/* Text with a stray control byte is reported by size, not by line. */
	parse_bad("00:1f.2 a\x02\n00: 0z\n", 0, 0, "got 18");
}

/* pcl_cfg_load_each()'s callback: check each function's bytes, count. */
struct each_count {
	const uint8_t *bytes;
	size_t len;
	size_t seen;
	size_t stop; /* stop with -ECANCELED at this many, 0: never */
};

static int each_counted(void *opaque, struct pcl_cfg *cfg)
{
	struct each_count *e = opaque;

	check_bytes(cfg, e->bytes, e->len);
	pcl_cfg_free(cfg);
	return ++e->seen == e->stop ? -ECANCELED : 0;
}

/* A callback that stops with a positive value, which is not an errno. */
static int each_positive(void *opaque, struct pcl_cfg *cfg)
{
	(*(int *)opaque)++;
	pcl_cfg_free(cfg);
	return 1;
}

/* A positive stop is -ECANCELED, for text and binary input alike. */
static void test_each_positive(void **state)
{
	static const char two[] = "00:00.0 a\n00: 86 80\n\n"
				  "00:01.0 b\n00: 86 80\n";
	uint8_t bin[256] = { 0x86, 0x80 };
	struct pcl_error err = { 0 };
	int calls = 0;

	(void)state;
	assert_int_equal(pcl_cfg_parse_each(ctx, two, strlen(two), "two",
					    each_positive, &calls, &err),
			 -ECANCELED);
	assert_int_equal(calls, 1);
	assert_int_equal(pcl_cfg_parse_each(ctx, bin, sizeof(bin), "bin",
					    each_positive, &calls, &err),
			 -ECANCELED);
	assert_int_equal(calls, 2);
}

static char *write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/pcl-test-dump-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/*
 * A file over 1 MiB goes through the windowed reader (a reused buffer, rows
 * may straddle two windows): the same bytes as an in-memory parse, and an
 * error near the end still names its line.
 */
static void test_load_large(void **state)
{
	enum { DEVICES = 300 };
	uint8_t b[PCL_CFG_SIZE];
	size_t total = 0, one_len;
	struct pcl_error err = { 0 }, err2;
	struct each_count each = { 0 };
	struct pcl_cfg **c = NULL;
	char *one, *all, *path, *p, devline[64];
	size_t n = 0;

	make_image(b, sizeof(b), 0);
	one = dump_text("00:00.0 x", b, sizeof(b), "\n");
	one_len = strlen(one);
	all = malloc(DEVICES * (one_len + 16) + 64);
	assert_non_null(all);
	p = all;
	for (int i = 0; i < DEVICES; i++) {
		/* distinct slots, so the duplicate-slot rule stays quiet */
		snprintf(devline, sizeof(devline), "%02x:%02x.%x x", i / 32,
			 i % 32, 0);
		p += sprintf(p, "%s%s", devline, strchr(one, '\n'));
	}
	total = (size_t)(p - all);
	assert_true(total > (1u << 20));
	path = write_temp(all, total);
	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), 0);
	assert_int_equal(n, DEVICES);
	for (size_t i = 0; i < n; i++)
		check_bytes(c[i], b, sizeof(b));
	assert_string_equal(pcl_cfg_slot(c[DEVICES - 1]), "0000:09:0b.0");
	pcl_cfg_list_free(c, n);
	/* One at a time: the same functions; a stop reads no further. */
	each.bytes = b;
	each.len = sizeof(b);
	assert_int_equal(pcl_cfg_load_each(ctx, path, each_counted, &each,
					   &err), 0);
	assert_int_equal(each.seen, DEVICES);
	each.seen = 0;
	each.stop = DEVICES / 2;
	assert_int_equal(pcl_cfg_load_each(ctx, path, each_counted, &each,
					   &err), -ECANCELED);
	assert_int_equal(each.seen, DEVICES / 2);
	unlink(path);
	free(path);

	/* Break the last row of the last device: the line is still exact. */
	assert_true(all[total - 2] != ' ');
	all[total - 2] = 'z';
	path = write_temp(all, total);
	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), -EINVAL);
	assert_string_equal(err.source, path);
	assert_int_equal(err.line, DEVICES * (1 + PCL_CFG_SIZE / 16));
	/*
	 * One at a time, the functions before the fault have been given and
	 * the error is the same, found again over the whole file without
	 * giving them twice.
	 */
	memset(&err2, 0, sizeof(err2));
	each.seen = 0;
	each.stop = 0;
	assert_int_equal(pcl_cfg_load_each(ctx, path, each_counted, &each,
					   &err2), -EINVAL);
	assert_int_equal(each.seen, DEVICES - 1);
	assert_string_equal(err2.message, err.message);
	assert_int_equal(err2.line, err.line);
	assert_int_equal(err2.column, err.column);
	unlink(path);
	free(path);
	free(all);
	free(one);
}

static void test_load(void **state)
{
	const char *t = "3b:00.0 x\n00: 86 80\n";
	struct pcl_error err = { 0 };
	struct pcl_cfg **c = NULL;
	char *path = write_temp(t, strlen(t));
	size_t n = 0;
	int saved, fd;

	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pcl_cfg_source(c[0]), path);
	assert_string_equal(pcl_cfg_slot(c[0]), "0000:3b:00.0");
	pcl_cfg_list_free(c, n);

	/* "-" is standard input. */
	saved = dup(STDIN_FILENO);
	fd = open(path, O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	assert_int_equal(pcl_cfg_load(ctx, "-", &c, &n, &err), 0);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_string_equal(pcl_cfg_source(c[0]), "<stdin>");
	assert_int_equal(pcl_cfg_data(c[0])[1], 0x80);
	pcl_cfg_list_free(c, n);
	unlink(path);
	free(path);

	/* Errors name the file. */
	path = write_temp("d\n00: 0\n", 8);
	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), -EINVAL);
	assert_string_equal(err.source, path);
	assert_int_equal(err.line, 2);
	unlink(path);
	free(path);

	assert_int_equal(pcl_cfg_load(ctx, "/nonexistent/x.lspci", &c, &n,
				      &err),
			 -ENOENT);
	assert_string_equal(err.source, "/nonexistent/x.lspci");
	assert_int_equal(pcl_cfg_load(ctx, "/tmp", &c, &n, &err), -EISDIR);
	assert_int_equal(pcl_cfg_load(ctx, "/tmp", &c, &n, NULL), -EISDIR);
}

/* A sparse file over 64 MiB is refused from its size, without reading. */
static void test_limit(void **state)
{
	char path[] = "/tmp/pcl-test-big-XXXXXX";
	struct pcl_error err = { 0 };
	struct pcl_cfg **c = NULL;
	struct timespec t0, t1;
	size_t n = 0;
	int fd = mkstemp(path);
	double ms;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (64 << 20) + 1), 0);
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), -EFBIG);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unlink(path);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 50.0);
	assert_null(c);
	assert_non_null(strstr(err.message, "64 MiB"));

	/* In memory, the length alone is checked before any byte is. */
	assert_int_equal(pcl_cfg_parse(ctx, "x", (64u << 20) + 1, "big", &c,
				       &n, &err),
			 -EFBIG);
}

/* The fixtures in tests/fixtures/dumps, through pcl_cfg_load. */
static void test_fixtures(void **state)
{
	const char *src = getenv("PCL_SRCDIR");
	struct pcl_error err = { 0 };
	struct pcl_identity id;
	struct pcl_cfg **c;
	char path[4096];
	size_t n;

	if (!src) {
		print_message("PCL_SRCDIR unset\n");
		fail();
	}
	snprintf(path, sizeof(path), "%s/tests/fixtures/dumps/multi.lspci",
		 src);
	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pcl_cfg_size(c[0]), 64);
	assert_int_equal(pcl_cfg_size(c[1]), 256);
	assert_int_equal(pcl_cfg_size(c[2]), 4096);
	assert_int_equal(pcl_cfg_line(c[0]), 1);
	assert_int_equal(pcl_cfg_line(c[1]), 7);
	assert_int_equal(pcl_cfg_line(c[2]), 25);
	assert_string_equal(pcl_cfg_slot(c[2]), "0000:01:00.0");
	pcl_cfg_identity(c[0], &id);
	assert_int_equal(id.pcie_type, -1);
	assert_int_equal(id.subsys_id, 0x085c);
	pcl_cfg_identity(c[1], &id);
	assert_int_equal(id.header_type, 1);
	assert_int_equal(id.multifunction, 1);
	assert_int_equal(id.class_code, 0x060400);
	assert_int_equal(id.subsys_vendor_id, 0);
	assert_int_equal(id.pcie_type, 4);
	pcl_cfg_identity(c[2], &id);
	assert_int_equal(id.vendor_id, 0x144d);
	assert_int_equal(id.class_code, 0x010802);
	assert_int_equal(id.pcie_type, 0);
	assert_int_equal(pcl_le16(pcl_cfg_data(c[2]) + 0x14c), 0x5678);
	pcl_cfg_list_free(c, n);

	snprintf(path, sizeof(path),
		 "%s/tests/fixtures/dumps/synth-nic-xxx.lspci", src);
	assert_int_equal(pcl_cfg_load(ctx, path, &c, &n, &err), 0);
	assert_int_equal(n, 1);
	pcl_cfg_identity(c[0], &id);
	assert_int_equal(id.device_id, 0x10c9);
	assert_int_equal(id.subsys_id, 0xa03c);
	assert_int_equal(id.pcie_type, 0);
	assert_int_equal(pcl_cfg_size(c[0]), 256);
	pcl_cfg_list_free(c, n);
}

/* Every corpus dump reads (the oracle test compares the bytes). */
static void test_corpus(void **state)
{
	const char *dir = getenv("PCL_CORPUS");
	char cmd[4200];
	FILE *ls;
	char line[4096];
	size_t files = 0;

	if (!dir || access(dir, R_OK) != 0) {
		skip();
		return;
	}
	snprintf(cmd, sizeof(cmd), "ls '%s'/*.lspci '%s'/*.bin", dir, dir);
	ls = popen(cmd, "r");
	assert_non_null(ls);
	while (fgets(line, sizeof(line), ls)) {
		struct pcl_error err = { 0 };
		struct pcl_cfg **c;
		size_t n;
		uint32_t size;

		line[strcspn(line, "\n")] = '\0';
		if (pcl_cfg_load(ctx, line, &c, &n, &err))
			print_error("%s:%u: %s\n", err.source, err.line,
				    err.message);
		assert_int_equal(err.message[0], 0);
		assert_int_equal(n, 1);
		size = pcl_cfg_size(c[0]);
		assert_true(size == 256 || size == 4096);
		assert_true(pcl_cfg_is_read(c[0], 0, size));
		pcl_cfg_list_free(c, n);
		files++;
	}
	pclose(ls);
	assert_true(files >= 100);
}

/* Check every way of decoding a whole row on @t against the scalar one. */
static void rows_agree(const char *t)
{
	uint8_t want[16], got[16];
	bool ok;

	memset(want, 0xa5, sizeof(want));
	ok = pcl_dump_row16(t, want, PCL_ROW_SCALAR);
	for (int impl = PCL_ROW_SSE2; impl <= PCL_ROW_VBMI; impl++) {
		if (!pcl_dump_row_supported(impl))
			continue;
		memset(got, 0xa5, sizeof(got));
		assert_int_equal(pcl_dump_row16(t, got, impl), ok);
		/* Taken: the same bytes. Refused: nothing written. */
		assert_memory_equal(got, want, sizeof(got));
	}
}

/*
 * The row decoders (dump.c: scalar, SSE2, SSSE3, VBMI) agree on every byte value
 * in every one of a row's 48 positions, on rows of every digit in both
 * cases, and on a pseudo-random stream of rows; a refused row leaves the
 * bytes alone, and a taken row gives the bytes its text names.
 */
static void test_row_decoders(void **state)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	char t[3 * 16 + 1];
	uint8_t got[16];
	uint32_t seed = 1;

	for (int i = 0; i < 16; i++)
		snprintf(t + 3 * i, 4, " %02x", (unsigned int)(i * 17));
	assert_true(pcl_dump_row16(t, got, PCL_ROW_SCALAR));
	for (int i = 0; i < 16; i++)
		assert_int_equal(got[i], i * 17);
	for (size_t pos = 0; pos < 48; pos++) {
		for (int c = 0; c < 256; c++) {
			char u[sizeof(t)];

			memcpy(u, t, sizeof(t));
			u[pos] = (char)c;
			rows_agree(u);
		}
	}
	for (size_t d = 0; d < sizeof(digits) - 1; d++) {
		for (int i = 0; i < 16; i++) {
			t[3 * i + 1] = digits[d];
			t[3 * i + 2] = digits[(d + (size_t)i) % (sizeof(digits) - 1)];
		}
		rows_agree(t);
	}
	for (int n = 0; n < 20000; n++) {
		for (size_t pos = 0; pos < 48; pos++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly well-formed, so that both answers come up. */
			if (pos % 3 == 0)
				t[pos] = (seed >> 24) < 250 ? ' ' : (char)(seed >> 16);
			else
				t[pos] = (seed >> 24) < 250 ?
					 digits[(seed >> 8) % (sizeof(digits) - 1)] :
					 (char)(seed >> 16);
		}
		rows_agree(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_crlf_trailing),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_device_lines),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_large),
		cmocka_unit_test(test_each_positive),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_row_decoders),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
