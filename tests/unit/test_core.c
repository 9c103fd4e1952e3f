// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_core.c - lib/core, below every stage: the growable string (its
 * out-of-memory contract aside, which needs an allocator hook), diagnostic
 * lists (bounded, sorted), reports (ok = no error), and the one atomic file
 * writer: content replaced whole, an existing file's mode kept, a new
 * file's mode from the umask, a failing writer leaving the old file and
 * no temporary behind, a directory refused; and the one directory lister.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

static void test_strbuf(void **state)
{
	struct pcl_strbuf b = { 0 };
	char *s;

	(void)state;
	assert_string_equal(pcl_strbuf_get(&b), "");
	for (int i = 0; i < 1000; i++)
		pcl_strbuf_add(&b, "%d,", i % 10);
	assert_false(b.oom);
	assert_int_equal(b.len, 2000);
	assert_int_equal(strncmp(pcl_strbuf_get(&b), "0,1,2,", 6), 0);
	pcl_strbuf_truncate(&b, 3);
	assert_string_equal(pcl_strbuf_get(&b), "0,1");
	s = pcl_strbuf_steal(&b);
	assert_string_equal(s, "0,1");
	assert_null(b.s);
	free(s);
	s = pcl_strbuf_steal(&b); /* empty: "" not NULL */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	pcl_strbuf_free(&b);
}

static void test_diag(void **state)
{
	struct pcl_diag *d = pcl_diag_new();

	(void)state;
	assert_non_null(d);
	assert_int_equal(pcl_diag_add(d, "b", 2, 1, -1, "second %d", 2), 0);
	assert_int_equal(pcl_diag_add(d, "a", 9, 9, -1, "first"), 0);
	pcl_diag_sort(d);
	assert_string_equal(pcl_diag_get(d, 0)->source, "a");
	assert_string_equal(pcl_diag_get(d, 1)->message, "second 2");
	for (int i = 0; i < PCL_DIAG_MAX + 10; i++)
		pcl_diag_add(d, "x", 1, 1, -1, "m");
	assert_int_equal(pcl_diag_count(d), PCL_DIAG_MAX);
	assert_non_null(strstr(pcl_diag_get(d, PCL_DIAG_MAX - 1)->message,
			       "too many"));
	assert_int_equal(pcl_diag_add(NULL, "x", 0, 0, -1, "m"), -EINVAL);
	pcl_diag_free(d);
}

static void test_report(void **state)
{
	struct pcl_report *r = pcl_report_new(), *t = pcl_report_new();

	(void)state;
	assert_true(pcl_report_ok(r));
	pcl_report_add(r, PCL_SEVERITY_WARNING, 1, 0x100, "w", "a %s", "warning");
	assert_true(pcl_report_ok(r));
	pcl_report_add(r, PCL_SEVERITY_ERROR, -1, -1, "e", "an error");
	assert_false(pcl_report_ok(r));
	assert_int_equal(pcl_report_append(t, r), 0);
	assert_int_equal(pcl_report_count(t), 2);
	assert_string_equal(pcl_report_get(t, 0)->message, "a warning");
	assert_null(pcl_report_get(t, 2));
	assert_false(pcl_report_ok(NULL));
	pcl_report_free(r);
	pcl_report_free(t);
}

static int write_str(FILE *f, void *opaque)
{
	return fputs(opaque, f) < 0 ? -EIO : 0;
}

static int write_fail(FILE *f, void *opaque)
{
	(void)opaque;
	fputs("partial", f);
	return -EPROTO;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of @dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || (de->d_name[1] && de->d_name[1] != '.');
	closedir(d);
	return n;
}

static void test_file_replace(void **state)
{
	char dir[] = "/tmp/pcl-core-XXXXXX", path[64];
	struct stat st;
	mode_t um;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	um = umask(022);
	assert_int_equal(pcl_file_replace(path, write_str, "one"), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_string_equal(slurp(path), "one");
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(pcl_file_replace(path, write_str, "two"), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_string_equal(slurp(path), "two");
	assert_int_equal(pcl_file_replace(path, write_fail, NULL), -EPROTO);
	assert_string_equal(slurp(path), "two");
	assert_int_equal(entries(dir), 1); /* no temporary left */
	assert_int_equal(pcl_file_replace(dir, write_str, "x"), -EISDIR);
	snprintf(path, sizeof(path), "%s/no/such", dir);
	assert_int_equal(pcl_file_replace(path, write_str, "x"), -ENOENT);
	umask(um);
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
}

static void touch(const char *dir, const char *name)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
}

static const char *tail(const struct pcl_dir_entry *e, const char *dir)
{
	return e->path + strlen(dir) + 1;
}

/* Sorted, dot names skipped, suffix for files only, the rest named; a
 * recursive listing descends in place and does not follow a loop. */
static void test_dir_list(void **state)
{
	char dir[] = "/tmp/pcl-dir-XXXXXX", p[128], cmd[160];
	struct pcl_dir_entry *e;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	touch(dir, "b.json");
	touch(dir, "a.json");
	touch(dir, ".hidden.json");
	touch(dir, "c.txt");
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	touch(p, "d.json");
	snprintf(p, sizeof(p), "%s/sub/loop", dir);
	assert_int_equal(symlink("..", p), 0);
	snprintf(p, sizeof(p), "%s/dangling", dir);
	assert_int_equal(symlink("nowhere", p), 0);

	assert_int_equal(pcl_dir_list(dir, ".json", 0, &e, &n), 0);
	assert_int_equal(n, 4); /* c.txt is not a *.json file */
	assert_string_equal(tail(&e[0], dir), "a.json");
	assert_int_equal(e[0].kind, PCL_DIR_FILE);
	assert_string_equal(tail(&e[1], dir), "b.json");
	assert_string_equal(tail(&e[2], dir), "dangling");
	assert_int_equal(e[2].kind, PCL_DIR_OTHER);
	assert_string_equal(tail(&e[3], dir), "sub");
	assert_int_equal(e[3].kind, PCL_DIR_DIR);
	pcl_dir_list_free(e, n);

	assert_int_equal(pcl_dir_list(dir, NULL, PCL_DIR_RECURSE, &e, &n), 0);
	assert_int_equal(n, 6); /* a, b, c.txt, dangling, sub/d, sub/loop */
	assert_string_equal(tail(&e[2], dir), "c.txt");
	assert_string_equal(tail(&e[4], dir), "sub/d.json");
	assert_string_equal(tail(&e[5], dir), "sub/loop");
	assert_int_equal(e[5].kind, PCL_DIR_DIR); /* a loop: named, not read */
	pcl_dir_list_free(e, n);

	assert_int_equal(pcl_dir_list(p, NULL, 0, &e, &n), -ENOENT);
	snprintf(p, sizeof(p), "%s/a.json", dir);
	assert_int_equal(pcl_dir_list(p, NULL, 0, &e, &n), -ENOTDIR);
	assert_int_equal(pcl_dir_list(dir, NULL, 0x80, &e, &n), -EINVAL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_diag),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_file_replace),
		cmocka_unit_test(test_dir_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
