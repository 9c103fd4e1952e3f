// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_quirks.c - the quirk database: loading directories in name order,
 * masking by file name, matching a cfg's identity, turning reserved ranges
 * into map input, and rejecting malformed, overlapping, match-less and
 * non-quirk files with file:line:column diagnostics. Also loads every
 * shipped quirk file, and checks that the built-in copies of the shipped
 * files (parsed only when a device matches) give what parsing the files
 * gives, that an edited or broken file under a shipped name is read as it
 * is (test_threads.c has threads sharing a database race to parse one).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "builder.h"
#include "corpus.h"
#include "quirks/builtin.h"
#include "quirks/quirk-dirs.h"

struct fx {
	struct pcl_ctx *ctx;
	struct pcl_quirks *db;
	struct pcl_diag *diag;
	char dir[64];
	char dir2[64];
};

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = pcl_ctx_new();
	f->db = pcl_quirks_new(f->ctx);
	f->diag = pcl_diag_new();
	strcpy(f->dir, "/tmp/pcl-quirks-XXXXXX");
	strcpy(f->dir2, "/tmp/pcl-quirks-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_non_null(mkdtemp(f->dir2));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	rm_dir(f->dir);
	rm_dir(f->dir2);
	pcl_diag_free(f->diag);
	pcl_quirks_free(f->db);
	pcl_ctx_free(f->ctx);
	free(f);
	return 0;
}

#define QUIRK(name, match, reserved)                                           \
	"{\n  \"pcilayout\": 1,\n  \"kind\": \"quirk\",\n  \"name\": \"" name \
	"\",\n  \"match\": " match ",\n  \"reserved\": [" reserved "]\n}\n"

static const char q_dev[] = QUIRK("dev", "{\"vendor\": \"0x1234\", \"device\": \"0x5678\"}",
	"{\"offset\": \"0x90\", \"length\": 8, \"reason\": \"doorbell\", \"source\": \"datasheet\"},"
	"{\"offset\": \"0x60\", \"length\": 4, \"reason\": \"scratch\"}");
static const char q_vendor[] = QUIRK("vendor", "{\"vendor\": \"0x1234\"}",
	"{\"offset\": \"0xf00\", \"length\": 256, \"reason\": \"vendor window\"}");
static const char q_other[] = QUIRK("other", "{\"vendor\": \"0x1234\", \"device\": \"0x9999\"}",
	"{\"offset\": \"0x40\", \"length\": 4, \"reason\": \"x\"}");

static struct pcl_cfg *device(struct fx *f, uint16_t dev)
{
	struct tb b;

	tb_init(&b, 0x1234, dev, 0, 4096);
	return tb_cfg(f->ctx, &b);
}

static void test_quirks_match_and_reserved(void **state)
{
	struct fx *f = *state;
	const struct pcl_layout **m;
	struct pcl_range *r;
	struct pcl_cfg *cfg;
	size_t n;

	put(f->dir, "b-dev.json", q_dev);
	put(f->dir, "a-vendor.json", q_vendor);
	put(f->dir, "c-other.json", q_other);
	put(f->dir, "notes.txt", "not a quirk");
	put(f->dir, ".hidden.json", "{");
	assert_int_equal(pcl_quirks_add_dir(f->db, f->dir, f->diag), 0);
	assert_int_equal(pcl_quirks_count(f->db), 3);
	/* Name order. */
	assert_string_equal(pcl_layout_name(pcl_quirks_get(f->db, 0)), "vendor");
	assert_string_equal(pcl_layout_name(pcl_quirks_get(f->db, 1)), "dev");

	cfg = device(f, 0x5678);
	assert_int_equal(pcl_quirks_match(f->db, cfg, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(pcl_layout_name(m[0]), "vendor");
	assert_string_equal(pcl_layout_name(m[1]), "dev");
	free(m);

	assert_int_equal(pcl_quirks_reserved(f->db, cfg, &r, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].start, 0x60);
	assert_int_equal(r[1].start, 0x90);
	assert_int_equal(r[1].length, 8);
	assert_int_equal(r[1].kind, PCL_RANGE_RESERVED);
	assert_string_equal(r[1].source, "quirk:dev");
	assert_string_equal(r[1].reason, "doorbell");
	assert_int_equal(r[2].start, 0xf00);
	assert_string_equal(r[2].source, "quirk:vendor");

	/* Straight into a map. */
	struct pcl_walk *w = pcl_walk_new(cfg);
	struct pcl_map *map = pcl_map_new(w, r, n);

	assert_non_null(map);
	assert_int_equal(pcl_map_owner(map, 0x94, NULL), PCL_OWNER_RESERVED);
	assert_int_equal(pcl_map_owner(map, 0xfff, NULL), PCL_OWNER_RESERVED);
	pcl_map_free(map);
	pcl_walk_free(w);
	pcl_range_list_free(r, n);
	pcl_cfg_free(cfg);

	cfg = device(f, 0x1111);
	assert_int_equal(pcl_quirks_match(f->db, cfg, &m, &n), 0);
	assert_int_equal(n, 1);
	free(m);
	pcl_cfg_free(cfg);
	{
		struct tb b;

		tb_init(&b, 0x8086, 0x5678, 0, 4096);
		cfg = tb_cfg(f->ctx, &b);
	}
	assert_int_equal(pcl_quirks_reserved(f->db, cfg, &r, &n), 0);
	assert_int_equal(n, 0);
	assert_null(r);
	pcl_cfg_free(cfg);
}

/* A file in an earlier directory masks the same name in a later one. */
static void test_quirks_masking(void **state)
{
	struct fx *f = *state;

	put(f->dir, "dev.json", q_other);
	put(f->dir2, "dev.json", q_dev);
	put(f->dir2, "vendor.json", q_vendor);
	assert_int_equal(pcl_quirks_add_dir(f->db, f->dir, f->diag), 0);
	assert_int_equal(pcl_quirks_add_dir(f->db, f->dir2, f->diag), 0);
	assert_int_equal(pcl_quirks_count(f->db), 2);
	assert_string_equal(pcl_layout_name(pcl_quirks_get(f->db, 0)), "other");
	assert_string_equal(pcl_layout_name(pcl_quirks_get(f->db, 1)), "vendor");
}

static bool diag_has(struct fx *f, const char *file, uint32_t line,
		     const char *text)
{
	for (size_t i = 0; i < pcl_diag_count(f->diag); i++) {
		const struct pcl_error *e = pcl_diag_get(f->diag, i);

		if (strstr(e->source, file) && (!line || e->line == line) &&
		    strstr(e->message, text))
			return true;
	}
	return false;
}

static void test_quirks_malformed(void **state)
{
	struct fx *f = *state;

	put(f->dir, "a-type.json", QUIRK("t", "{\"vendor\": \"0x1234\"}",
		"\n    {\"offset\": \"0x60\", \"length\": \"four\", \"reason\": \"r\"}"));
	put(f->dir, "b-overlap.json", QUIRK("o", "{\"vendor\": \"0x1234\"}",
		"\n    {\"offset\": \"0x60\", \"length\": 8, \"reason\": \"a\"},"
		"\n    {\"offset\": \"0x64\", \"length\": 8, \"reason\": \"b\"}"));
	put(f->dir, "c-nomatch.json",
	    "{\n  \"pcilayout\": 1,\n  \"kind\": \"quirk\",\n  \"name\": \"n\"\n}\n");
	put(f->dir, "d-layout.json",
	    "{\n  \"pcilayout\": 1,\n  \"name\": \"l\",\n  \"revision\": 1\n}\n");
	put(f->dir, "e-good.json", q_dev);
	assert_int_equal(pcl_quirks_add_dir(f->db, f->dir, f->diag), -EINVAL);
	/* Every file was tried: the good one is in. */
	assert_int_equal(pcl_quirks_count(f->db), 1);
	assert_true(diag_has(f, "a-type.json", 7, ""));
	assert_true(diag_has(f, "b-overlap.json", 0, "overlap"));
	assert_true(diag_has(f, "c-nomatch.json", 1, "match"));
	assert_true(diag_has(f, "d-layout.json", 1, "not a quirk"));
	for (size_t i = 0; i < pcl_diag_count(f->diag); i++)
		assert_true(pcl_diag_get(f->diag, i)->line > 0);
}

static void test_quirks_missing_dir(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pcl_quirks_add_dir(f->db, "/nonexistent/pcl", f->diag),
			 -ENOENT);
	assert_true(diag_has(f, "/nonexistent/pcl", 0, "cannot read"));
}

/* $PCILAYOUT_QUIRKS comes before the shipped directory and can mask it. */
static void test_quirks_env_and_defaults(void **state)
{
	struct fx *f = *state;
	size_t n;

	put(f->dir, "intel-igd.json", q_other);
	assert_int_equal(setenv("PCILAYOUT_QUIRKS", f->dir, 1), 0);
	assert_int_equal(pcl_quirks_add_defaults(f->db, f->diag), 0);
	unsetenv("PCILAYOUT_QUIRKS");
	assert_string_equal(pcl_layout_name(pcl_quirks_get(f->db, 0)), "other");
	n = pcl_quirks_count(f->db);
	/* The installed directory, if any, comes after; its IGD is masked. */
	assert_true(pcl_quirks_default_dir() ? n > 1 : n == 1);
	for (size_t i = 1; i < n; i++)
		assert_string_not_equal(pcl_layout_name(pcl_quirks_get(f->db, i)),
					"intel-igd");
	/* A database was given: nothing is missing. */
	assert_int_equal(pcl_quirks_finding_count(f->db), 0);
	assert_null(pcl_quirks_finding(f->db, 0));
}

/*
 * No $PCILAYOUT_QUIRKS and nothing installed: the library looks nowhere
 * else (not in its build tree) and says the database is missing.
 */
static void test_quirks_missing_database(void **state)
{
	struct fx *f = *state;
	const struct pcl_finding *fi;

	if (pcl_quirks_default_dir()) {
		/* A pcilayout is installed at this build's prefix. */
		skip();
		return;
	}
	for (int round = 0; round < 2; round++) {
		/* Unset, then empty: the same. */
		if (round)
			assert_int_equal(setenv("PCILAYOUT_QUIRKS", "", 1), 0);
		else
			unsetenv("PCILAYOUT_QUIRKS");
		assert_int_equal(pcl_quirks_add_defaults(f->db, f->diag), 0);
	}
	unsetenv("PCILAYOUT_QUIRKS");
	assert_int_equal(pcl_quirks_count(f->db), 0);
	assert_int_equal(pcl_diag_count(f->diag), 0);
	assert_int_equal(pcl_quirks_finding_count(f->db), 1);
	fi = pcl_quirks_finding(f->db, 0);
	assert_non_null(fi);
	assert_null(pcl_quirks_finding(f->db, 1));
	assert_string_equal(fi->code, "quirks-missing");
	assert_int_equal(fi->severity, PCL_SEVERITY_WARNING);
	assert_int_equal(fi->offset, -1);
	assert_int_equal(fi->space, -1);
	assert_non_null(strstr(fi->message, PCL_QUIRKS_INSTALLED_DIR));
	assert_non_null(strstr(fi->message, "$PCILAYOUT_QUIRKS"));
}

/* Every shipped quirk loads, has a reason and a source for each range. */
static void test_quirks_shipped(void **state)
{
	struct fx *f = *state;
	const char *src = getenv("PCL_SRCDIR");
	char dir[4096];
	size_t n;

	assert_non_null(src);
	snprintf(dir, sizeof(dir), "%s/data/quirks", src);
	assert_int_equal(pcl_quirks_add_dir(f->db, dir, f->diag), 0);
	n = pcl_quirks_count(f->db);
	assert_true(n >= 6);
	for (size_t i = 0; i < n; i++) {
		const struct pcl_layout *l = pcl_quirks_get(f->db, i);

		assert_int_equal(pcl_layout_kind(l), PCL_LAYOUT_KIND_QUIRK);
		assert_true(pcl_layout_reserved_count(l) > 0);
		for (size_t k = 0; k < pcl_layout_reserved_count(l); k++) {
			const struct pcl_layout_reserved *r =
				pcl_layout_reserved(l, k);

			assert_non_null(r->reason);
			assert_non_null(r->source);
		}
	}
}

static void shipped_dir(char *dir, size_t size)
{
	const char *src = getenv("PCL_SRCDIR");

	assert_non_null(src);
	snprintf(dir, size, "%s/data/quirks", src);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 1 << 20, f);
	assert_int_equal(ferror(f), 0);
	fclose(f);
	*len = n;
	return buf;
}

/*
 * The built-in table is the shipped directory, byte for byte and file for
 * file, and each copy loads to a valid quirk with the name and match the
 * table gives without parsing.
 */
static void test_quirks_builtin_table(void **state)
{
	struct fx *f = *state;
	char dir[4096], path[4400];
	size_t n_files = 0;

	shipped_dir(dir, sizeof(dir));
	assert_int_equal(pcl_quirks_add_dir(f->db, dir, f->diag), 0);
	assert_int_equal(pcl_quirks_count(f->db), pcl_builtin_quirk_count);
	for (size_t i = 0; i < pcl_builtin_quirk_count; i++) {
		const struct pcl_builtin_quirk *b = &pcl_builtin_quirks[i];
		struct pcl_layout *l = NULL;
		size_t len;
		char *text;

		if (i)
			assert_true(strcmp(pcl_builtin_quirks[i - 1].base,
					   b->base) < 0);
		snprintf(path, sizeof(path), "%s/%s", dir, b->base);
		text = read_all(path, &len);
		assert_int_equal(len, b->len);
		assert_memory_equal(text, b->text, len);
		free(text);
		n_files++;
		assert_int_equal(pcl_layout_load_string(f->ctx, b->text, b->len,
							b->base, &l, f->diag), 0);
		assert_int_equal(pcl_layout_kind(l), PCL_LAYOUT_KIND_QUIRK);
		assert_string_equal(pcl_layout_name(l), b->name);
		assert_memory_equal(pcl_layout_match(l), &b->match,
				    sizeof(b->match));
		pcl_layout_free(l);
	}
	assert_true(n_files >= 6);
}

/* @lazy and @eager give @cfg the same matches and the same ranges. */
static size_t same_answers(const struct pcl_quirks *lazy,
			   const struct pcl_quirks *eager,
			   const struct pcl_cfg *cfg)
{
	const struct pcl_layout **ml, **me;
	struct pcl_range *rl, *re;
	size_t nl, ne;

	assert_int_equal(pcl_quirks_match(lazy, cfg, &ml, &nl), 0);
	assert_int_equal(pcl_quirks_match(eager, cfg, &me, &ne), 0);
	assert_int_equal(nl, ne);
	for (size_t i = 0; i < nl; i++)
		assert_string_equal(pcl_layout_name(ml[i]),
				    pcl_layout_name(me[i]));
	free(ml);
	free(me);
	assert_int_equal(pcl_quirks_reserved(lazy, cfg, &rl, &nl), 0);
	assert_int_equal(pcl_quirks_reserved(eager, cfg, &re, &ne), 0);
	assert_int_equal(nl, ne);
	for (size_t i = 0; i < nl; i++) {
		assert_int_equal(rl[i].start, re[i].start);
		assert_int_equal(rl[i].length, re[i].length);
		assert_string_equal(rl[i].source, re[i].source);
		assert_string_equal(rl[i].reason, re[i].reason);
	}
	pcl_range_list_free(rl, nl);
	pcl_range_list_free(re, ne);
	return nl;
}

/*
 * Property: a database of the shipped files (built-in copies, parsed on a
 * match) answers as one of the same files each with a space appended (so
 * parsed when added), for a device made to match each shipped quirk and
 * for every corpus dump.
 */
static void test_quirks_builtin_same_as_parsed(void **state)
{
	struct fx *f = *state;
	struct pcl_quirks *eager = pcl_quirks_new(f->ctx);
	struct corpus_iter it;
	struct pcl_cfg *cfg;
	char dir[4096], name[256];
	size_t ranges = 0, dumps = 0;

	assert_non_null(eager);
	shipped_dir(dir, sizeof(dir));
	assert_int_equal(pcl_quirks_add_dir(f->db, dir, f->diag), 0);
	for (size_t i = 0; i < pcl_builtin_quirk_count; i++) {
		const struct pcl_builtin_quirk *b = &pcl_builtin_quirks[i];
		char *text = malloc(b->len + 2);

		assert_non_null(text);
		memcpy(text, b->text, b->len);
		text[b->len] = ' ';
		text[b->len + 1] = '\0';
		put(f->dir, b->base, text);
		free(text);
	}
	assert_int_equal(pcl_quirks_add_dir(eager, f->dir, f->diag), 0);
	assert_int_equal(pcl_diag_count(f->diag), 0);
	for (size_t i = 0; i < pcl_builtin_quirk_count; i++) {
		cfg = tb_cfg_matching(f->ctx, &pcl_builtin_quirks[i].match);
		assert_non_null(cfg);
		/* Every shipped quirk reserves something (test above). */
		assert_true(same_answers(f->db, eager, cfg) > 0);
		pcl_cfg_free(cfg);
	}
	if (corpus_open(&it, 2))
		while ((cfg = corpus_next(&it, f->ctx, name, sizeof(name)))) {
			ranges += same_answers(f->db, eager, cfg);
			dumps++;
			pcl_cfg_free(cfg);
		}
	print_message("built-in vs parsed: %zu shipped quirks, %zu corpus dumps (%zu ranges)\n",
		      pcl_builtin_quirk_count, dumps, ranges);
	pcl_quirks_free(eager);
}

struct log_seen {
	int builtin;
	int loaded;
};

static void count_log(void *opaque, int priority, const char *file, int line,
		      const char *fn, const char *msg)
{
	struct log_seen *seen = opaque;

	if (strstr(msg, "is its built-in copy"))
		seen->builtin++;
	else if (strstr(msg, "loaded from"))
		seen->loaded++;
}

/*
 * Only a byte-identical file is taken from the built-in copy: an edited
 * file under a shipped name is what the database uses, and a broken one
 * is refused with its position, as before there were copies.
 */
static void test_quirks_builtin_only_identical(void **state)
{
	struct fx *f = *state;
	const struct pcl_builtin_quirk *b = &pcl_builtin_quirks[0];
	struct log_seen seen = { 0 };
	struct pcl_range *r;
	struct pcl_cfg *cfg;
	char dir[4096], *text, *at;
	const char *key = "\"reason\": \"";
	size_t n;

	pcl_ctx_set_log_fn(f->ctx, count_log, &seen);
	pcl_ctx_set_log_priority(f->ctx, 7);
	shipped_dir(dir, sizeof(dir));
	assert_int_equal(pcl_quirks_add_dir(f->db, dir, f->diag), 0);
	assert_int_equal(seen.builtin, (int)pcl_builtin_quirk_count);
	assert_int_equal(seen.loaded, 0);

	/* The same file with its first reason's first letter changed. */
	text = malloc(b->len + 1);
	assert_non_null(text);
	memcpy(text, b->text, b->len);
	text[b->len] = '\0';
	at = strstr(text, key);
	assert_non_null(at);
	at[strlen(key)] = at[strlen(key)] == 'X' ? 'Y' : 'X';
	put(f->dir, b->base, text);
	pcl_quirks_free(f->db);
	f->db = pcl_quirks_new(f->ctx);
	seen = (struct log_seen){ 0 };
	assert_int_equal(pcl_quirks_add_dir(f->db, f->dir, f->diag), 0);
	assert_int_equal(seen.builtin, 0);
	assert_int_equal(seen.loaded, 1);
	cfg = tb_cfg_matching(f->ctx, &b->match);
	assert_int_equal(pcl_quirks_reserved(f->db, cfg, &r, &n), 0);
	assert_true(n > 0);
	{
		bool edited = false;

		for (size_t i = 0; i < n; i++)
			edited |= r[i].reason[0] == at[strlen(key)];
		assert_true(edited);
	}
	pcl_range_list_free(r, n);
	pcl_cfg_free(cfg);

	/* Broken under the shipped name: refused with file:line:column. */
	text[b->len / 2] = '\0';
	put(f->dir, b->base, text);
	free(text);
	pcl_quirks_free(f->db);
	f->db = pcl_quirks_new(f->ctx);
	assert_int_equal(pcl_quirks_add_dir(f->db, f->dir, f->diag), -EINVAL);
	assert_int_equal(pcl_quirks_count(f->db), 0);
	assert_true(pcl_diag_count(f->diag) > 0);
	assert_non_null(strstr(pcl_diag_get(f->diag, 0)->source, b->base));
	assert_true(pcl_diag_get(f->diag, 0)->line > 0);
	pcl_ctx_set_log_fn(f->ctx, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_quirks_match_and_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_masking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_missing_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_env_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_missing_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_shipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_builtin_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_builtin_same_as_parsed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quirks_builtin_only_identical, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
