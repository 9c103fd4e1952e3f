// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_layout.c - the layout file: one failing input per validation rule
 * with its exact line:column, syntax errors and hostile inputs, canonical
 * round trips, fingerprints, programmatic construction, atomic saving, and
 * the format-1 name table against the catalogue and the spec's appendix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <pcilayout/pcilayout.h>

#include "layout/layout-internal.h"

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

#define HEAD "{\n  \"pcilayout\": 1,\n  \"name\": \"t\",\n  \"revision\": 1,\n"

/* Load @text; return the first error formatted, or "" when it loads. */
static const char *first_error(const char *text, int *ret, size_t *count)
{
	static char buf[640];
	struct pcl_diag *d = pcl_diag_new();
	struct pcl_layout *l = NULL;
	int r;

	assert_non_null(d);
	r = pcl_layout_load_string(ctx, text, strlen(text), "f", &l, d);
	if (ret)
		*ret = r;
	if (count)
		*count = pcl_diag_count(d);
	buf[0] = '\0';
	if (pcl_diag_count(d))
		pcl_error_format(pcl_diag_get(d, 0), buf, sizeof(buf));
	assert_true((r == 0) == (l != NULL));
	assert_true((r == 0) == (pcl_diag_count(d) == 0));
	pcl_layout_free(l);
	pcl_diag_free(d);
	return buf;
}

/*
 * Each field of "match" at its bound loads, and the canonical form writes
 * it back with as many digits; one past its bound is refused at that
 * field (lib/layout/layout.c's pcl_match_fields, which the loader and the
 * writer share).
 */
static void test_layout_match_bounds(void **state)
{
	static const struct {
		const char *key, *max, *over;
	} f[] = {
		{ "vendor", "0xffff", "0x10000" }, /* first: the only key */
		{ "device", "0xffff", "0x10000" },
		{ "subsystem_vendor", "0xffff", "0x10000" },
		{ "subsystem", "0xffff", "0x10000" },
		{ "revision", "0xff", "0x100" },
		{ "class", "0xffffff", "0x1000000" },
	};
	char text[256], want[64], err[128];
	const char *q, *line;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct pcl_layout *l = NULL;
		char *out = NULL;
		size_t len = 0;
		FILE *mem;

		snprintf(text, sizeof(text), HEAD "  \"match\": { %s\"%s\": \"%s\" }\n}\n",
			 i ? "\"vendor\": \"0x8086\", " : "", f[i].key, f[i].max);
		if (pcl_layout_load_string(ctx, text, strlen(text), "f", &l,
					   NULL))
			fail_msg("%s: %s", text, first_error(text, NULL, NULL));
		mem = open_memstream(&out, &len);
		assert_non_null(mem);
		assert_int_equal(pcl_layout_save(l, mem), 0);
		assert_int_equal(fclose(mem), 0);
		snprintf(want, sizeof(want), "\"%s\": \"%s\"", f[i].key,
			 f[i].max);
		assert_non_null(strstr(out, want));
		free(out);
		pcl_layout_free(l);

		snprintf(text, sizeof(text), HEAD "  \"match\": { %s\"%s\": \"%s\" }\n}\n",
			 i ? "\"vendor\": \"0x8086\", " : "", f[i].key, f[i].over);
		/* Located at the value's opening quote, on line 5 (after
		 * HEAD's four lines). */
		q = strstr(text, f[i].over) - 1;
		for (line = q; line > text && line[-1] != '\n';)
			line--;
		snprintf(err, sizeof(err), "f:5:%d: %s is too large (at most %s)",
			 (int)(q - line) + 1, f[i].over, f[i].max);
		assert_string_equal(first_error(text, NULL, NULL), err);
	}
}

struct rule_case {
	const char *text;
	const char *error; /* the complete first message, location included */
};

/* One input per rule; the message and position are part of the contract. */
static const struct rule_case rules[] = {
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x42\" } ]\n}\n",
	  "f:5:37: offset 0x42 of 'pm' is not dword-aligned" },
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x3c\" } ]\n}\n",
	  "f:5:37: offset 0x3c of 'pm' is outside the standard space (0x40-0xff)" },
	{ HEAD "  \"extended\": [ { \"id\": \"aer\", \"at\": \"0xfc\" } ]\n}\n",
	  "f:5:38: offset 0xfc of 'aer' is outside the extended space (0x100-0xfff)" },
	{ HEAD "  \"standard\": [ { \"id\": \"msix\", \"at\": \"0xf8\" } ]\n}\n",
	  "f:5:39: 'msix' at 0xf8 runs past the end of the standard space (12 bytes, ends at 0x104)" },
	{ HEAD "  \"standard\": [\n    { \"id\": \"msix\", \"at\": \"0x70\" },\n    { \"id\": \"pm\", \"at\": \"0x78\" }\n  ]\n}\n",
	  "f:7:5: 'pm' at 0x78 overlaps 'msix' at 0x70 (0x70-0x7b)" },
	{ HEAD "  \"extended\": [\n    { \"id\": \"aer\", \"at\": \"0x140\" }\n  ]\n}\n",
	  "f:6:5: the first extended entry must be at 0x100, where the chain starts; 'aer' at 0x140 is the first (add a virtual 'null' entry at 0x100 if nothing else belongs there)" },
	{ HEAD "  \"standard\": [ { \"id\": \"msi\", \"at\": \"0x50\" } ]\n}\n",
	  "f:5:17: 'msi' needs a \"length\": its size depends on its registers, and a layout does not depend on a device" },
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x40\", \"length\": 12 } ]\n}\n",
	  "f:5:55: 'pm' is always 8 bytes long, not 12" },
	{ HEAD "  \"colour\": 1\n}\n", "f:5:3: unknown key \"colour\" in a layout" },
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x40\", \"x-note\": 1 } ]\n}\n",
	  "f:5:45: unknown key \"x-note\" in an entry" },
	{ HEAD "  \"name\": \"u\"\n}\n", "f:5:8: duplicate object key near '\"name\"'" },
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x40\", \"at\": \"0x44\" } ]\n}\n",
	  "f:5:48: duplicate object key near '\"at\"'" },
	{ HEAD "  \"standard\": [ { \"id\": \"pmx\", \"at\": \"0x40\" } ]\n}\n",
	  "f:5:25: unknown capability name \"pmx\" (format 1 names, or \"0x…\" for an ID)" },
	{ HEAD "  \"standard\": [ { \"id\": \"aer\", \"at\": \"0x40\" } ]\n}\n",
	  "f:5:25: 'aer' is a capability of the extended space, not of the standard space" },
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x4G\" } ]\n}\n",
	  "f:5:37: \"0x4G\" is not a hex number (\"0x\" and 1 to 16 hex digits)" },
	{ HEAD "  \"standard\": [ { \"id\": \"pm\", \"at\": 1e2 } ]\n}\n",
	  "f:5:37: expected a hex string such as \"0x40\" or an integer, not a real number" },
	{ HEAD "  \"extended\": [ { \"id\": \"aer\", \"hidden\": true, \"at\": \"0x100\" } ]\n}\n",
	  "f:5:48: a hidden entry has no \"at\": the guest does not see it" },
	{ HEAD "  \"extended\": [ { \"id\": \"pasid\", \"at\": \"0x100\", \"virtual\": { \"generator\": \"pasid\", \"max_width\": 21 } } ]\n}\n",
	  "f:5:97: 21 is out of range (0 to 20)" },
	{ HEAD "  \"extended\": [ { \"id\": \"dsn\", \"at\": \"0x100\", \"virtual\": { \"generator\": \"pasid\", \"max_width\": 1 } } ]\n}\n",
	  "f:5:58: generator 'pasid' makes only the extended 'pasid' capability, not 'dsn'" },
	{ HEAD "  \"reserved\": [ { \"offset\": \"0x40\", \"length\": 4, \"reason\": \"r\" } ],\n  \"standard\": [ { \"id\": \"pm\", \"at\": \"0x40\" } ]\n}\n",
	  "f:6:17: 'pm' at 0x40 covers reserved bytes 0x40-0x43 (r)" },
	{ HEAD "  \"extended\": [\n    { \"id\": \"vsec\", \"at\": \"0x100\", \"length\": 3 },\n    { \"id\": \"aer\", \"at\": \"0x140\" }\n  ]\n}\n",
	  "f:6:46: length 3 of 'vsec' is shorter than a capability header" },
	{ HEAD "  \"extended\": [ { \"id\": \"null\", \"at\": \"0x100\", \"instance\": 0, \"virtual\": { \"generator\": \"null\" } } ]\n}\n",
	  "f:5:48: a virtual entry does not select a device capability; remove \"instance\"" },
	{ HEAD "  \"extended\": [ { \"id\": \"ari\", \"hidden\": true, \"phys\": \"0x140\", \"instance\": 0 } ]\n}\n",
	  "f:5:65: \"phys\" and \"instance\" both select a capability of 'ari'; give one" },
	{ HEAD "  \"extended\": [ { \"id\": \"vsec\", \"at\": \"0x100\", \"virtual\": { \"generator\": \"bytes\", \"data\": \"0b00f00f\" } } ]\n}\n",
	  "f:5:59: bytes of 'vsec' must start with its own capability ID and a zero next pointer" },
	{ HEAD "  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\" }, { \"id\": \"aer\", \"at\": \"0x140\" } ]\n}\n",
	  "f:5:49: 'aer' at 0x140 selects the same device capability as 'aer' at 0x100" },
	{ "{\n  \"pcilayout\": 3,\n  \"future\": true\n}\n",
	  "f:2:16: format version 3 is newer than this reader, which reads version 2; upgrade pcilayout" },
	{ "{\n  \"pcilayout\": 1,\n  \"kind\": \"quirk\",\n  \"name\": \"q\"\n}\n",
	  "f:1:1: a quirk needs a \"match\"" },
	{ "", "f:1:1: '[' or '{' expected near end of file" },
	{ "{} {}", "f:1:4: end of file expected near '{'" },
	{ "\"just a string\"", "f:1:15: '[' or '{' expected near '\"just a string\"'" },
	{ "[]", "f:1:1: the top level must be a JSON object, not an array" },
};

static void test_layout_rules(void **state)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		int r;
		const char *got = first_error(rules[i].text, &r, NULL);

		if (strcmp(got, rules[i].error) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, got,
				 rules[i].error);
		assert_int_equal(r, -EINVAL);
	}
}

/* Every error of a file is reported, in file order. */
static void test_layout_all_errors(void **state)
{
	static const char text[] = HEAD
		"  \"standard\": [\n"
		"    { \"id\": \"pm\", \"at\": \"0x41\" },\n"
		"    { \"id\": \"nope\", \"at\": \"0x50\" },\n"
		"    { \"id\": \"msix\", \"at\": \"0x60\", \"bad\": 1 }\n"
		"  ],\n"
		"  \"unclaimed\": \"maybe\"\n}\n";
	struct pcl_diag *d = pcl_diag_new();
	struct pcl_layout *l;
	char buf[640];

	assert_int_equal(pcl_layout_load_string(ctx, text, strlen(text), "f",
						&l, d), -EINVAL);
	assert_null(l);
	assert_int_equal(pcl_diag_count(d), 4);
	assert_string_equal(pcl_error_format(pcl_diag_get(d, 0), buf, sizeof(buf)),
			    "f:6:25: offset 0x41 of 'pm' is not dword-aligned");
	assert_int_equal(pcl_diag_get(d, 1)->line, 7);
	assert_int_equal(pcl_diag_get(d, 2)->line, 8);
	assert_int_equal(pcl_diag_get(d, 2)->column, 35);
	assert_int_equal(pcl_diag_get(d, 3)->line, 10);
	pcl_diag_free(d);
}

/* Integers and upper case are accepted and canonicalized. */
static void test_layout_integers_canonicalized(void **state)
{
	static const char text[] = "{\"pcilayout\":1,\"name\":\"n\",\"revision\":1,"
		"\"match\":{\"vendor\":32902,\"device\":\"0X1\"},"
		"\"standard\":[{\"id\":1,\"at\":64}]}";
	static const char text2[] = "{\"pcilayout\":1,\"name\":\"n\",\"revision\":1,"
		"\"match\":{\"vendor\":32902,\"device\":\"0x00A\"},"
		"\"standard\":[{\"id\":\"0x01\",\"at\":\"0x040\"}]}";
	static const char want[] =
		"{\n  \"match\": {\n    \"device\": \"0x000a\",\n    \"vendor\": \"0x8086\"\n  },\n"
		"  \"name\": \"n\",\n  \"pcilayout\": 1,\n  \"revision\": 1,\n"
		"  \"standard\": [\n    {\n      \"at\": \"0x40\",\n      \"id\": \"pm\"\n    }\n  ]\n}\n";
	struct pcl_layout *l;
	char *out;

	/* "0X1" is not a hex string: the prefix is lower case. */
	assert_int_equal(pcl_layout_load_string(ctx, text, strlen(text), "f",
						&l, NULL), -EINVAL);
	assert_int_equal(pcl_layout_load_string(ctx, text2, strlen(text2), "f",
						&l, NULL), 0);
	assert_int_equal(pcl_layout_to_string(l, &out, NULL), 0);
	assert_string_equal(out, want);
	free(out);
	pcl_layout_free(l);
}

/* Integers beyond int64_t are read exactly, with positions unchanged. */
static void test_layout_big_integers(void **state)
{
	static const char *const serials[] = { "18446744073709551615",
		"9223372036854775808", "9223372036854775807", "-0" };
	static const uint64_t want[] = { UINT64_MAX, 1ULL << 63,
		(1ULL << 63) - 1, 0 };
	const struct pcl_layout_entry *e;
	struct pcl_layout *l;
	char text[256];
	int ret;

	for (size_t i = 0; i < PCL_ARRAY_SIZE(serials); i++) {
		snprintf(text, sizeof(text), HEAD "  \"extended\": [ { \"id\": \"dsn\", \"at\": 256, \"virtual\": { \"generator\": \"dsn\", \"serial\": %s } } ]\n}\n",
			 serials[i]);
		assert_int_equal(pcl_layout_load_string(ctx, text, strlen(text),
							"f", &l, NULL), 0);
		e = pcl_layout_entry(l, PCL_SPACE_EXTENDED, 0);
		assert_non_null(e);
		assert_true(e->params[PCL_DSN_SERIAL] == want[i]);
		pcl_layout_free(l);
	}
	/* Out of range is an error at the value, and later errors still count. */
	assert_string_equal(first_error(HEAD "  \"extended\": [ { \"id\": \"dsn\", \"at\": 256, \"virtual\": { \"generator\": \"dsn\", \"serial\": 18446744073709551616 } } ],\n  \"colour\": 1\n}\n", &ret, NULL),
			    "f:5:86: 18446744073709551616 is too large (at most 0xffffffffffffffff)");
	assert_string_equal(first_error(HEAD "  \"extended\": [ { \"id\": \"aer\", \"at\": 99999999999999999999999999999999999999999999999 } ]\n}\n", &ret, NULL),
			    "f:5:38: 9999999999999999999999999999999999999999... is too large (at most 0xffff)");
	assert_string_equal(first_error("{ \"pcilayout\": 9223372036854775808 }", &ret, NULL),
			    "f:1:16: format version 9223372036854775808 is newer than this reader, which reads version 2; upgrade pcilayout");
	assert_string_equal(first_error(HEAD "  \"colour\": 1\n}\n\0", &ret, NULL),
			    "f:5:3: unknown key \"colour\" in a layout");
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(PCL_LAYOUT_MAX_SIZE + 1);
	*len = fread(buf, 1, PCL_LAYOUT_MAX_SIZE, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* load -> save is the identity on every canonical fixture. */
static void test_layout_round_trip(void **state)
{
	const char *src = getenv("PCL_SRCDIR");
	char dirpath[4096];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;

	if (!src)
		skip();
	snprintf(dirpath, sizeof(dirpath), "%s/tests/fixtures/layouts/valid", src);
	dir = opendir(dirpath);
	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[8192], *text, *out;
		struct pcl_layout *l;
		size_t len, olen;

		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, de->d_name);
		text = read_all(path, &len);
		assert_non_null(text);
		assert_int_equal(pcl_layout_load_string(ctx, text, len, path, &l,
							NULL), 0);
		assert_int_equal(pcl_layout_to_string(l, &out, &olen), 0);
		assert_int_equal(olen, len);
		assert_memory_equal(out, text, len);
		free(out);
		free(text);
		pcl_layout_free(l);
		n++;
	}
	closedir(dir);
	assert_true(n >= 5);
}

static struct pcl_layout *load(const char *text)
{
	struct pcl_layout *l = NULL;

	assert_int_equal(pcl_layout_load_string(ctx, text, strlen(text), "f",
						&l, NULL), 0);
	return l;
}

static void fingerprint_of(const char *text, char out[PCL_FINGERPRINT_SIZE])
{
	struct pcl_layout *l = load(text);

	assert_int_equal(pcl_layout_fingerprint(l, out), 0);
	pcl_layout_free(l);
}

static void test_layout_fingerprint(void **state)
{
	char a[PCL_FINGERPRINT_SIZE], b[PCL_FINGERPRINT_SIZE];
	const char *base = HEAD "  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\" } ]\n}\n";

	fingerprint_of(base, a);
	assert_int_equal(strlen(a), 71);
	assert_memory_equal(a, "sha256:", 7);
	/* Stable, and blind to spelling, description and provenance. */
	fingerprint_of(base, b);
	assert_string_equal(a, b);
	fingerprint_of("{\"extended\":[{\"at\":256,\"id\":\"0x1\",\"provenance\":"
		       "{\"rule\":\"user\",\"reason\":\"why\"}}],\"name\":\"t\","
		       "\"pcilayout\":1,\"revision\":1,\"description\":\"d\"}", b);
	assert_string_equal(a, b);
	/* Guest-visible changes change it. */
	fingerprint_of(HEAD "  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\", \"length\": 56 } ]\n}\n", b);
	assert_string_not_equal(a, b);
	fingerprint_of(HEAD "  \"unclaimed\": \"zero\",\n  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\" } ]\n}\n", b);
	assert_string_not_equal(a, b);
	/* Hidden entries are not part of it: the guest does not see them. */
	fingerprint_of(HEAD "  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\" }, { \"id\": \"ari\", \"hidden\": true } ]\n}\n", b);
	assert_string_equal(a, b);
	fingerprint_of(HEAD "  \"standard\": [ { \"id\": \"msi\", \"hidden\": true, \"phys\": \"0x50\" } ],\n  \"extended\": [ { \"id\": \"aer\", \"at\": \"0x100\" }, { \"id\": \"0x1\", \"hidden\": true, \"instance\": 1 } ]\n}\n", b);
	assert_string_equal(a, b);
	/* The fingerprint is SHA-256 of the documented bytes. */
	fingerprint_of("{\"pcilayout\":1,\"name\":\"t\",\"revision\":1}", a);
	/* sha256 of "{\n  \"name\": \"t\",\n  \"pcilayout\": 1,\n  \"revision\": 1\n}\n" */
	assert_string_equal(a, "sha256:d40b2fb491fd7fa2d4a5c6f85c9297820fb4fa71ce75c7c01b66a4f098778b58");
}

/*
 * The SHA-256 under every fingerprint, against the FIPS 180-4 examples
 * (one block, two blocks, a million bytes) and the empty message.
 */
static void test_fingerprint_sha256_vectors(void **state)
{
	static const struct {
		const char *msg;
		const char *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char out[PCL_FINGERPRINT_SIZE];
	size_t mega = 1000000;
	char *a = malloc(mega);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		pcl_fingerprint_of(v[i].msg, strlen(v[i].msg), out);
		assert_memory_equal(out, "sha256:", 7);
		assert_string_equal(out + 7, v[i].hex);
	}
	assert_non_null(a);
	memset(a, 'a', mega);
	pcl_fingerprint_of(a, mega, out);
	assert_string_equal(out + 7, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Hostile inputs: refused with a position, never a crash. */
static void test_layout_hostile(void **state)
{
	size_t big = 10u << 20, count;
	char *buf = malloc(big + 1);
	struct pcl_diag *d = pcl_diag_new();
	struct pcl_layout *l;
	int r;

	assert_non_null(buf);
	memset(buf, '[', big);
	buf[big] = '\0';
	assert_int_equal(pcl_layout_load_string(ctx, buf, big, "f", &l, d), -EFBIG);
	assert_int_equal(pcl_diag_get(d, 0)->line, 1);
	/* Just under the limit: jansson's depth limit stops it. */
	pcl_diag_clear(d);
	assert_int_equal(pcl_layout_load_string(ctx, buf, PCL_LAYOUT_MAX_SIZE,
						"f", &l, d), -EINVAL);
	assert_string_equal(pcl_diag_get(d, 0)->message,
			    "maximum parsing depth reached near '['");
	/* Binary garbage, NULs included. */
	for (size_t i = 0; i < 4096; i++)
		buf[i] = (char)(i * 37 + 11);
	pcl_diag_clear(d);
	assert_int_equal(pcl_layout_load_string(ctx, buf, 4096, "f", &l, d), -EINVAL);
	assert_true(pcl_diag_count(d) >= 1 && pcl_diag_get(d, 0)->line >= 1);
	/* A valid prefix cut at every length never loads and never crashes. */
	{
		static const char ok[] = HEAD "  \"extended\": [ { \"id\": \"pasid\", \"at\": \"0x100\","
			" \"virtual\": { \"generator\": \"pasid\", \"max_width\": 5 } } ]\n}\n";

		for (size_t n = 0; n < sizeof(ok) - 3; n++) {
			r = pcl_layout_load_string(ctx, ok, n, "f", &l, NULL);
			assert_int_equal(r, -EINVAL);
		}
		assert_int_equal(pcl_layout_load_string(ctx, ok, sizeof(ok) - 1,
							"f", &l, NULL), 0);
		pcl_layout_free(l);
	}
	/* Many errors: the list is bounded and says so. */
	{
		size_t n = 0;

		n += (size_t)sprintf(buf + n, "{\"pcilayout\":1,\"name\":\"t\",\"revision\":1,\"extended\":[");
		for (int i = 0; i < 150; i++)
			n += (size_t)sprintf(buf + n, "%s{\"id\":\"zz\",\"at\":\"0x41\",\"q%d\":1}",
					     i ? "," : "", i);
		n += (size_t)sprintf(buf + n, "]}");
		pcl_diag_clear(d);
		assert_int_equal(pcl_layout_load_string(ctx, buf, n, "f", &l, d),
				 -EINVAL);
		count = pcl_diag_count(d);
		assert_int_equal(count, PCL_DIAG_MAX);
		assert_string_equal(pcl_diag_get(d, count - 1)->message,
				    "too many errors; stopping after 199");
	}
	free(buf);
	pcl_diag_free(d);
}

/* The planner's path: build, validate, save; setters check what they can. */
static void test_layout_build(void **state)
{
	struct pcl_layout *l = pcl_layout_new(ctx, PCL_LAYOUT_KIND_LAYOUT);
	struct pcl_layout_match m = { .fields = PCL_MATCH_DEVICE,
				      .vendor = 0x8086, .device = 0x1889 };
	struct pcl_layout_entry e;
	struct pcl_diag *d = pcl_diag_new();
	const struct pcl_layout_entry *got;
	struct pcl_layout *back;
	char *out;

	assert_non_null(l);
	assert_int_equal(pcl_layout_validate(l, d), -EINVAL); /* no name */
	assert_string_equal(pcl_diag_get(d, 0)->message, "missing key \"name\"");
	assert_int_equal(pcl_layout_set_name(l, "bad name"), -EINVAL);
	assert_int_equal(pcl_layout_set_name(l, "vf"), 0);
	assert_int_equal(pcl_layout_set_match(l, &m), 0);
	assert_int_equal(pcl_layout_add_machine(l, "pc-q35-*"), 0);
	assert_int_equal(pcl_layout_add_machine(l, "pc-q35-*"), -EEXIST);
	assert_int_equal(pcl_layout_add_placement(l, PCL_SPACE_EXTENDED, 0x1b, 0xff8),
			 -EINVAL); /* quirks only */

	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_EXTENDED;
	e.kind = PCL_ENTRY_VIRTUAL;
	e.id = 0x1b;
	e.at = 0xff8;
	e.generator = PCL_GEN_PASID;
	e.params[PCL_PASID_MAX_WIDTH] = 20;
	e.prov_rule = PCL_PROV_GAP;
	e.prov_reason = "default 0xff8 is free";
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	e.at = 0xffa;
	assert_int_equal(pcl_layout_add_entry(l, &e), -EINVAL);

	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_EXTENDED;
	e.id = 0x01;
	e.at = 0x100;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	/* Kept in canonical order, default length filled in. */
	got = pcl_layout_entry(l, PCL_SPACE_EXTENDED, 0);
	assert_int_equal(got->at, 0x100);
	assert_int_equal(got->length, 0x2c);
	got = pcl_layout_entry(l, PCL_SPACE_EXTENDED, 1);
	assert_int_equal(got->generator, PCL_GEN_PASID);
	assert_int_equal(got->length, 8);
	assert_string_equal(got->prov_reason, "default 0xff8 is free");

	/* A relation the entry cannot see alone: caught by validate. */
	pcl_layout_entry_init(&e);
	e.space = PCL_SPACE_EXTENDED;
	e.id = 0x0e;
	e.at = 0xff8;
	assert_int_equal(pcl_layout_add_entry(l, &e), 0);
	pcl_diag_clear(d);
	assert_int_equal(pcl_layout_validate(l, d), -EINVAL);
	assert_int_equal(pcl_diag_count(d), 1);
	assert_string_equal(pcl_diag_get(d, 0)->message,
			    "'ari' at 0xff8 overlaps 'pasid' at 0xff8 (0xff8-0xfff)");
	assert_int_equal(pcl_layout_to_string(l, &out, NULL), -EINVAL);
	assert_int_equal(pcl_layout_remove_entry(l, PCL_SPACE_EXTENDED, 2), 0);
	assert_int_equal(pcl_layout_validate(l, NULL), 0);

	/* Saved and loaded back, it is the same layout. */
	assert_int_equal(pcl_layout_to_string(l, &out, NULL), 0);
	back = load(out);
	assert_int_equal(pcl_layout_entry_count(back, PCL_SPACE_EXTENDED), 2);
	assert_true(pcl_layout_matches(back, 0x8086, 0x1889, 0, 0, 0, 0));
	assert_false(pcl_layout_matches(back, 0x8086, 0x1888, 0, 0, 0, 0));
	assert_true(pcl_layout_machine_matches(back, "pc-q35-10.1"));
	assert_false(pcl_layout_machine_matches(back, "pc-i440fx-9.0"));
	assert_int_equal(pcl_layout_entry(back, PCL_SPACE_EXTENDED, 1)->prov_rule,
			 PCL_PROV_GAP);
	free(out);
	pcl_layout_free(back);
	pcl_layout_free(l);
	pcl_diag_free(d);
}

static void test_layout_quirk(void **state)
{
	struct pcl_layout *q = load("{\"pcilayout\":1,\"kind\":\"quirk\",\"name\":\"q\","
		"\"match\":{\"vendor\":\"0x10de\"},"
		"\"placements\":{\"standard\":{\"vndr\":\"0xd4\"},\"extended\":{\"0x1b\":\"0xff8\"}},"
		"\"hide\":{\"extended\":[\"sriov\",\"ari\"]},\"keep\":{\"standard\":[\"msix\"]}}");

	assert_int_equal(pcl_layout_kind(q), PCL_LAYOUT_KIND_QUIRK);
	assert_int_equal(pcl_layout_placement_count(q), 2);
	assert_int_equal(pcl_layout_placement(q, 0)->space, PCL_SPACE_STANDARD);
	assert_int_equal(pcl_layout_placement(q, 0)->at, 0xd4);
	assert_int_equal(pcl_layout_placement(q, 1)->id, 0x1b);
	assert_int_equal(pcl_layout_hide_count(q, PCL_SPACE_EXTENDED), 2);
	assert_int_equal(pcl_layout_hide(q, PCL_SPACE_EXTENDED, 0), 0x0e);
	assert_int_equal(pcl_layout_keep(q, PCL_SPACE_STANDARD, 0), 0x11);
	assert_int_equal(pcl_layout_keep(q, PCL_SPACE_STANDARD, 1), -1);
	pcl_layout_free(q);
}

static size_t count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_layout_save_file(void **state)
{
	char dir[] = "/tmp/pcl-layout-XXXXXX", path[64], sub[64], inner[80];
	struct pcl_layout *l = load(HEAD "  \"unclaimed\": \"ones\"\n}\n");
	struct pcl_layout *back;
	struct stat st;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/l.json", dir);
	f = fopen(path, "w");
	fputs("old", f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(pcl_layout_save_file(l, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* mode kept */
	assert_int_equal(pcl_layout_load_file(ctx, path, &back, NULL), 0);
	assert_int_equal(pcl_layout_unclaimed(back), PCL_UNCLAIMED_ONES);
	pcl_layout_free(back);
	assert_int_equal(count_dir(dir), 1);

	/* rename() onto a non-empty directory fails even for root: the error
	 * comes back and no temporary file is left. */
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(inner, sizeof(inner), "%s/x", sub);
	f = fopen(inner, "w");
	fclose(f);
	assert_true(pcl_layout_save_file(l, sub) < 0);
	assert_int_equal(count_dir(dir), 2);
	/* A missing directory: an error, nothing created. */
	snprintf(inner, sizeof(inner), "%s/none/l.json", dir);
	assert_int_equal(pcl_layout_save_file(l, inner), -ENOENT);

	unlink(path);
	snprintf(inner, sizeof(inner), "%s/x", sub);
	unlink(inner);
	rmdir(sub);
	rmdir(dir);
	pcl_layout_free(l);
}

/* The frozen table agrees with the catalogue and with the spec appendix. */
static void test_layout_names(void **state)
{
	const char *src = getenv("PCL_SRCDIR");
	char path[4096], *doc = NULL;
	size_t len;

	if (src) {
		snprintf(path, sizeof(path), "%s/docs/layout-format.md", src);
		doc = read_all(path, &len);
		assert_non_null(doc);
	}
	for (size_t i = 0; i < pcl_capname_count(); i++) {
		const struct capname *c = pcl_capname_get(i);
		const struct pcl_capdef *def = pcl_catalog_lookup(c->space, c->id);
		uint16_t id;
		char row[96];

		assert_non_null(def);
		assert_string_equal(def->name, c->name);
		if (c->fixed) {
			assert_int_equal(def->rule, PCL_LEN_FIXED);
			assert_int_equal(def->length, c->length);
		}
		assert_int_equal(pcl_layout_cap_parse(c->space, c->name, &id), 0);
		assert_int_equal(id, c->id);
		if (doc) {
			snprintf(row, sizeof(row), "| %s | `%s` | 0x%02x |",
				 c->space ? "extended" : "standard", c->name, c->id);
			if (!strstr(doc, row))
				fail_msg("docs/layout-format.md lacks the row \"%s\"", row);
		}
	}
	{
		uint16_t id;

		assert_int_equal(pcl_layout_cap_parse(PCL_SPACE_STANDARD, "0x100", &id), -EINVAL);
		assert_int_equal(pcl_layout_cap_parse(PCL_SPACE_EXTENDED, "0x100", &id), 0);
		assert_int_equal(pcl_layout_cap_parse(PCL_SPACE_EXTENDED, "pm", &id), -EINVAL);
	}
	free(doc);
}

/* The text rule a byte at a time: what pcl_layout_text_ok() must say of
 * an ASCII or control byte (others need the UTF-8 check). */
static bool text_byte_ok(unsigned char c)
{
	return c >= 0x20 && c != 0x7f;
}

/*
 * pcl_layout_text_ok() decides plain ASCII eight bytes at a time: every
 * byte value at every position of texts of 1 to 24 bytes (one word, two
 * and a tail), the rest printable ASCII, against the byte rule; and a
 * UTF-8 character, valid or cut short, at each position (jansson's check).
 */
static void test_layout_text_ok_words(void **state)
{
	char s[32];

	(void)state;
	for (size_t n = 1; n <= 24; n++) {
		for (size_t at = 0; at < n; at++) {
			for (unsigned int c = 1; c < 0x80; c++) {
				memset(s, 'a', n);
				s[n] = '\0';
				s[at] = (char)c;
				if (pcl_layout_text_ok(s, 64) != text_byte_ok((unsigned char)c))
					fail_msg("length %zu, byte 0x%02x at %zu", n, c, at);
			}
			if (at + 2 > n)
				continue;
			memset(s, 'a', n);
			s[n] = '\0';
			memcpy(s + at, "\xc3\xa9", 2); /* U+00E9 */
			assert_true(pcl_layout_text_ok(s, 64));
			s[at + 1] = 'a'; /* a lead byte without its continuation */
			assert_false(pcl_layout_text_ok(s, 64));
		}
	}
	assert_false(pcl_layout_text_ok("", 64));
	assert_false(pcl_layout_text_ok(NULL, 64));
	assert_false(pcl_layout_text_ok("abcdefghi", 8));
	assert_true(pcl_layout_text_ok("abcdefgh", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_text_ok_words),
		cmocka_unit_test(test_layout_rules),
		cmocka_unit_test(test_layout_all_errors),
		cmocka_unit_test(test_layout_integers_canonicalized),
		cmocka_unit_test(test_layout_big_integers),
		cmocka_unit_test(test_layout_round_trip),
		cmocka_unit_test(test_layout_fingerprint),
		cmocka_unit_test(test_fingerprint_sha256_vectors),
		cmocka_unit_test(test_layout_hostile),
		cmocka_unit_test(test_layout_build),
		cmocka_unit_test(test_layout_quirk),
		cmocka_unit_test(test_layout_save_file),
		cmocka_unit_test(test_layout_names),
		cmocka_unit_test(test_layout_match_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
