// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_names.c - names from pci.ids: lspci's wording and fallbacks over a
 * fixture we wrote (tests/fixtures/names/pci.ids) and over the system's
 * file, the reader's handling of malformed text, a missing file, and the
 * per-context cache. tests/cli/names-oracle.sh compares every name with
 * libpci's; tests/unit/test_threads.c races first lookups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "names/names-internal.h"

static char fixture[4096];

static int setup(void **state)
{
	const char *src = getenv("PCL_SRCDIR");

	snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/names/pci.ids",
		 src ? src : ".");
	return 0;
}

/* A new context reading @path (NULL: the built-in path). */
static struct pcl_ctx *ctx_for(const char *path)
{
	struct pcl_ctx *ctx;

	if (path)
		assert_int_equal(setenv("PCILAYOUT_PCI_IDS", path, 1), 0);
	else
		assert_int_equal(unsetenv("PCILAYOUT_PCI_IDS"), 0);
	ctx = pcl_ctx_new();
	assert_non_null(ctx);
	return ctx;
}

static void expect_device(struct pcl_ctx *ctx, uint16_t v, uint16_t d, int ret,
			  const char *text)
{
	char buf[256];

	assert_int_equal(pcl_names_device(ctx, v, d, buf, sizeof(buf)), ret);
	assert_string_equal(buf, text);
}

static void expect_class(struct pcl_ctx *ctx, uint32_t cls, int ret,
			 const char *text)
{
	char buf[256];

	assert_int_equal(pcl_names_class(ctx, cls, buf, sizeof(buf)), ret);
	assert_string_equal(buf, text);
}

static void test_fixture_devices(void **state)
{
	struct pcl_ctx *ctx = ctx_for(fixture);

	expect_device(ctx, 0x0001, 0x0001, 0, "Alpha Devices Widget One");
	expect_device(ctx, 0x0001, 0x0002, 0,
		      "Alpha Devices Widget Two  (two  spaces  inside)");
	/* Hex digits of either case in the file. */
	expect_device(ctx, 0x0001, 0x00ab, 0, "Alpha Devices Mixed Case Widget");
	expect_device(ctx, 0xabcd, 0xef01, 0,
		      "Upper Case Vendor Upper Case Device");
	/* A tab after the ID, a trailing blank, CR LF line ends. */
	expect_device(ctx, 0x00fb, 1, -ENOENT, "Tab Separated Vendor Device 0001");
	expect_device(ctx, 0x00fc, 1, -ENOENT, "Trailing Blank Vendor Device 0001");
	expect_device(ctx, 0x00fd, 1, 0,
		      "Carriage Return Vendor Carriage Return Device");
	/* Fallbacks: a vendor without this device, an unknown vendor. */
	expect_device(ctx, 0x0001, 0xffff, -ENOENT, "Alpha Devices Device ffff");
	expect_device(ctx, 0x00fe, 0x0001, -ENOENT,
		      "Vendor Without Devices Device 0001");
	expect_device(ctx, 0x1111, 0x2222, -ENOENT, "Device 1111:2222");
	/* Subsystem lines and "S" blocks name no device. */
	expect_device(ctx, 0x0001, 0x0003, -ENOENT, "Alpha Devices Device 0003");
	expect_device(ctx, 0x0001, 0x0042, -ENOENT, "Alpha Devices Device 0042");
	pcl_ctx_free(ctx);
}

static void test_fixture_classes(void **state)
{
	struct pcl_ctx *ctx = ctx_for(fixture);

	expect_class(ctx, 0x020000, 0, "Ethernet controller");
	expect_class(ctx, 0x0c0330, 0, "USB controller");
	expect_class(ctx, 0x028000, 0, "Network controller");
	/* A known class, an unknown subclass: lspci adds the number. */
	expect_class(ctx, 0x0203ff, 0, "Network controller [0203]");
	expect_class(ctx, 0xff0000, 0, "Unassigned class [ff00]");
	/* A prog-if line is not a subclass. */
	expect_class(ctx, 0x020100, 0, "Network controller [0201]");
	expect_class(ctx, 0x123456, -ENOENT, "Class 1234");
	/* The unknown block's nested line is no subclass of class 0x12. */
	expect_class(ctx, 0x123400, -ENOENT, "Class 1234");
	pcl_ctx_free(ctx);
}

static void test_arguments_and_truncation(void **state)
{
	struct pcl_ctx *ctx = ctx_for(fixture);
	char buf[64], small[8];

	assert_int_equal(pcl_names_device(ctx, 1, 2, NULL, 8), -EINVAL);
	assert_int_equal(pcl_names_device(ctx, 1, 2, buf, 0), -EINVAL);
	assert_int_equal(pcl_names_device(NULL, 1, 2, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(pcl_names_class(ctx, 0, NULL, 8), -EINVAL);
	assert_int_equal(pcl_names_class(NULL, 0, buf, sizeof(buf)), -EINVAL);
	/* Cut, still terminated, same return as with room. */
	assert_int_equal(pcl_names_device(ctx, 1, 1, small, sizeof(small)), 0);
	assert_string_equal(small, "Alpha D");
	assert_int_equal(pcl_names_device(ctx, 0xabc0, 0x1234, small,
					  sizeof(small)),
			 -ENOENT);
	assert_string_equal(small, "Device ");
	assert_int_equal(pcl_names_class(ctx, 0x020000, small, sizeof(small)),
			 0);
	assert_string_equal(small, "Etherne");
	assert_int_equal(pcl_names_class(ctx, 0xfe0000, small, 1), -ENOENT);
	assert_string_equal(small, "");
	pcl_ctx_free(ctx);
}

struct logged {
	int count;
	char last[512];
};

static void log_fn(void *opaque, int prio, const char *file, int line,
		   const char *fn, const char *msg)
{
	struct logged *l = opaque;

	l->count++;
	snprintf(l->last, sizeof(l->last), "%s", msg);
}

/* No file, or a directory: numbers, one warning, and no retry per lookup. */
static void test_missing_file(void **state)
{
	const char *bad[] = { "/nonexistent/pci.ids", "/" };

	for (size_t i = 0; i < 2; i++) {
		struct pcl_ctx *ctx = ctx_for(bad[i]);
		struct logged l = { 0 };

		pcl_ctx_set_log_fn(ctx, log_fn, &l);
		pcl_ctx_set_log_priority(ctx, LOG_DEBUG);
		expect_device(ctx, 0x8086, 0x10c9, -ENOENT, "Device 8086:10c9");
		expect_class(ctx, 0x020000, -ENOENT, "Class 0200");
		assert_int_equal(l.count, 1);
		assert_non_null(strstr(l.last, bad[i]));
		assert_non_null(strstr(l.last, "fall back to numbers"));
		pcl_ctx_free(ctx);
	}
}

/* Loaded once per context: a later change of the variable is not seen. */
static void test_cached_per_context(void **state)
{
	struct pcl_ctx *a = ctx_for(fixture), *b;

	expect_device(a, 1, 1, 0, "Alpha Devices Widget One");
	assert_int_equal(setenv("PCILAYOUT_PCI_IDS", "/nonexistent", 1), 0);
	expect_device(a, 1, 1, 0, "Alpha Devices Widget One");
	b = ctx_for("/nonexistent");
	expect_device(b, 1, 1, -ENOENT, "Device 0001:0001");
	pcl_ctx_free(b);
	pcl_ctx_free(a);
}

/* The installed pci.ids (Debian's pci.ids package) through the default path. */
static void test_system_file(void **state)
{
	struct pcl_ctx *ctx = ctx_for(NULL);
	char buf[256];

	if (access("/usr/share/misc/pci.ids", R_OK) != 0) {
		pcl_ctx_free(ctx);
		skip();
		return;
	}
	assert_int_equal(pcl_names_device(ctx, 0x8086, 0x10c9, buf,
					  sizeof(buf)),
			 0);
	assert_non_null(strstr(buf, "Intel"));
	assert_non_null(strstr(buf, "82576"));
	expect_device(ctx, 0x8086, 0xfffe, -ENOENT,
		      "Intel Corporation Device fffe");
	expect_class(ctx, 0x020000, 0, "Ethernet controller");
	expect_class(ctx, 0x010802, 0, "Non-Volatile memory controller");
	pcl_ctx_free(ctx);
}

static size_t parse_count(const char *text, size_t len, size_t *bad,
			  uint32_t *first, struct pcl_ids **out)
{
	assert_int_equal(pcl_ids_parse(text, len, out), 0);
	*bad = pcl_ids_malformed(*out, first);
	return pcl_ids_count(*out);
}

/* Malformed lines are skipped and counted; the good ones still count. */
static void test_malformed(void **state)
{
	static const char text[] =
		"zzzz  not hex\n"           /* 1 bad vendor */
		"\t0001  orphan device\n"   /* 2 under nothing */
		"0001  One\n"
		"\t12  short device id\n"   /* 4 */
		"\t0002\n"                  /* 5 no name */
		"\t0003  Three\n"
		"\t\t\t0004  three tabs\n"  /* 7 */
		"0001  Second name, dropped\n"
		"\t0003  Three again, dropped\n"
		"0002\n"                    /* 10 no name */
		"C 1  short class\n"        /* 11 */
		"C 02  Net\n"
		"\t0x  bad subclass\n"      /* 13 */
		"\t80  Other\n"
		"0003 \0 NUL inside\n"      /* 15 */
		"0004  Four";               /* no final line feed */
	struct pcl_ids *ids;
	uint32_t first;
	size_t bad;

	assert_int_equal(parse_count(text, sizeof(text) - 1, &bad, &first,
				     &ids),
			 5);
	assert_int_equal(bad, 9);
	assert_int_equal(first, 1);
	assert_string_equal(pcl_ids_vendor(ids, 1), "One");
	assert_string_equal(pcl_ids_device(ids, 1, 3), "Three");
	assert_null(pcl_ids_device(ids, 1, 2));
	assert_null(pcl_ids_device(ids, 1, 4));
	assert_null(pcl_ids_vendor(ids, 2));
	assert_null(pcl_ids_vendor(ids, 3));
	assert_string_equal(pcl_ids_vendor(ids, 4), "Four");
	assert_string_equal(pcl_ids_class(ids, 2), "Net");
	assert_string_equal(pcl_ids_subclass(ids, 2, 0x80), "Other");
	assert_null(pcl_ids_class(ids, 1));
	pcl_ids_free(ids);

	/* Nothing at all, and text that ends inside an ID. */
	assert_int_equal(parse_count("", 0, &bad, &first, &ids), 0);
	assert_int_equal(bad, 0);
	pcl_ids_free(ids);
	assert_int_equal(parse_count("0001  x", 3, &bad, &first, &ids), 0);
	assert_int_equal(bad, 1);
	pcl_ids_free(ids);
}

/*
 * A file whose IDs are out of order (hand-edited): every kind is still
 * found, and a repeated ID keeps the name of its first line, as in a
 * sorted file, where the reader takes a faster path.
 */
static void test_unsorted(void **state)
{
	static const char text[] =
		"00ff  Last first\n"
		"\t0002  D2\n"
		"\t0001  D1\n"
		"0010  Middle\n"
		"00ff  Last again, dropped\n"
		"\t0001  D1 again, dropped\n"
		"0001  First\n"
		"C 0c  Serial\n"
		"\t03  USB\n"
		"C 02  Net\n"
		"\t80  Other\n"
		"\t00  Ethernet\n";
	struct pcl_ids *ids;
	uint32_t first;
	size_t bad;

	assert_int_equal(parse_count(text, sizeof(text) - 1, &bad, &first,
				     &ids),
			 10);
	assert_int_equal(bad, 0);
	assert_string_equal(pcl_ids_vendor(ids, 0x00ff), "Last first");
	assert_string_equal(pcl_ids_vendor(ids, 0x0010), "Middle");
	assert_string_equal(pcl_ids_vendor(ids, 0x0001), "First");
	assert_string_equal(pcl_ids_device(ids, 0x00ff, 1), "D1");
	assert_string_equal(pcl_ids_device(ids, 0x00ff, 2), "D2");
	assert_null(pcl_ids_device(ids, 0x0010, 1));
	assert_string_equal(pcl_ids_class(ids, 0x0c), "Serial");
	assert_string_equal(pcl_ids_class(ids, 0x02), "Net");
	assert_string_equal(pcl_ids_subclass(ids, 0x02, 0x00), "Ethernet");
	assert_string_equal(pcl_ids_subclass(ids, 0x02, 0x80), "Other");
	assert_string_equal(pcl_ids_subclass(ids, 0x0c, 0x03), "USB");
	pcl_ids_free(ids);
}

/* Every byte value in every position of a line: bounded, never a crash. */
static void test_hostile_bytes(void **state)
{
	static const char base[] = "C 02  N\n\t80  O\n0001  V\n\t0002  D\n";
	char text[sizeof(base)];
	struct pcl_ids *ids;

	for (size_t pos = 0; pos < sizeof(base) - 1; pos++) {
		for (int c = 0; c < 256; c++) {
			memcpy(text, base, sizeof(base));
			text[pos] = (char)c;
			assert_int_equal(pcl_ids_parse(text, sizeof(base) - 1,
						       &ids),
					 0);
			assert_true(pcl_ids_count(ids) <= 4);
			pcl_ids_free(ids);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_devices),
		cmocka_unit_test(test_fixture_classes),
		cmocka_unit_test(test_arguments_and_truncation),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_cached_per_context),
		cmocka_unit_test(test_system_file),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_hostile_bytes),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
