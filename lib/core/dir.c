// SPDX-License-Identifier: BSD-3-Clause
/*
 * dir.c - the one directory lister: quirk directories, layout databases
 * and the fleet directories of survey and unify all read their entries
 * here, in one order (byte-wise by name, so the result does not depend on
 * the file system), with one bound on what an untrusted tree can make us
 * hold, and with every entry that is not taken named rather than dropped.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "internal.h"

#define DIR_MAX_DEPTH 8

struct lister {
	const char *suffix;
	uint32_t flags;
	struct pcl_dir_entry *e;
	size_t n, alloc;
	/* The directories being descended, to refuse a symlink loop. */
	dev_t dev[DIR_MAX_DEPTH + 1];
	ino_t ino[DIR_MAX_DEPTH + 1];
};

/* A directory entry's name and the type readdir() gave (d_type). */
struct dname {
	char *name;
	unsigned char type;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct dname *)a)->name,
		      ((const struct dname *)b)->name);
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = suffix ? strlen(suffix) : 0;

	return !suffix || (n > s && strcmp(name + n - s, suffix) == 0);
}

static int push(struct lister *l, char *path, int kind)
{
	struct pcl_dir_entry *g;

	if (l->n >= PCL_DIR_MAX_ENTRIES) {
		free(path);
		return -EFBIG;
	}
	if (l->n == l->alloc) {
		size_t a = l->alloc ? 2 * l->alloc : 32;

		g = realloc(l->e, a * sizeof(*g));
		if (!g) {
			free(path);
			return -ENOMEM;
		}
		l->e = g;
		l->alloc = a;
	}
	l->e[l->n++] = (struct pcl_dir_entry){ .path = path, .kind = kind };
	return 0;
}

/* The names of @dir except those starting with '.', sorted. */
static int read_names(const char *dir, struct dname **names, size_t *n)
{
	size_t alloc = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while (!r && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n >= PCL_DIR_MAX_ENTRIES) {
			r = -EFBIG;
		} else if (*n == alloc) {
			struct dname *g;

			alloc = alloc ? 2 * alloc : 32;
			g = realloc(*names, alloc * sizeof(*g));
			if (g)
				*names = g;
			else
				r = -ENOMEM;
		}
		if (!r && !((*names)[*n].name = strdup(de->d_name)))
			r = -ENOMEM;
		if (!r)
			(*names)[(*n)++].type = de->d_type;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_name);
	return r;
}

static int kind_of(const struct stat *st, bool ok)
{
	if (!ok)
		return PCL_DIR_OTHER; /* a dangling symlink, or unreadable */
	if (S_ISREG(st->st_mode))
		return PCL_DIR_FILE;
	return S_ISDIR(st->st_mode) ? PCL_DIR_DIR : PCL_DIR_OTHER;
}

static int list(struct lister *l, const char *dir, unsigned int depth);

/*
 * One entry of a listed directory: taken, descended, or named. A regular
 * file that readdir() says is one needs no stat(): a fleet directory is
 * thousands of them, and a system call per file counts (BENCHMARKS.md).
 * Anything else is asked about (a symlink is followed, as stat() does;
 * DT_UNKNOWN is what some file systems always say).
 */
static int entry(struct lister *l, const char *dir, const struct dname *de,
		 unsigned int depth)
{
	const char *name = de->name;
	struct stat st;
	char *path;
	bool ok, loop = false;
	int kind;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	if (de->type == DT_REG) {
		kind = PCL_DIR_FILE;
	} else {
		ok = stat(path, &st) == 0;
		kind = kind_of(&st, ok);
	}
	for (unsigned int i = 0; kind == PCL_DIR_DIR && i <= depth; i++)
		loop |= l->dev[i] == st.st_dev && l->ino[i] == st.st_ino;
	if (kind == PCL_DIR_DIR && (l->flags & PCL_DIR_RECURSE) && !loop &&
	    depth < DIR_MAX_DEPTH) {
		int r;

		l->dev[depth + 1] = st.st_dev;
		l->ino[depth + 1] = st.st_ino;
		r = list(l, path, depth + 1);
		/* Unreadable: listed, not descended, so the caller names it. */
		if (r != -ENOMEM && r != -EFBIG && r)
			return push(l, path, PCL_DIR_DIR);
		free(path);
		return r;
	}
	if (kind == PCL_DIR_FILE && !has_suffix(name, l->suffix)) {
		free(path);
		return 0;
	}
	return push(l, path, kind);
}

static int list(struct lister *l, const char *dir, unsigned int depth)
{
	struct dname *names;
	size_t n;
	int r = read_names(dir, &names, &n);

	for (size_t i = 0; i < n; i++) {
		if (!r)
			r = entry(l, dir, &names[i], depth);
		free(names[i].name);
	}
	free(names);
	return r;
}

PCL_EXPORT int pcl_dir_list(const char *dir, const char *suffix,
			    uint32_t flags, struct pcl_dir_entry **entries,
			    size_t *count)
{
	struct lister l = { .suffix = suffix, .flags = flags };
	struct stat st;
	int r;

	if (!dir || !entries || !count || (flags & ~PCL_DIR_RECURSE))
		return -EINVAL;
	*entries = NULL;
	*count = 0;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	l.dev[0] = st.st_dev;
	l.ino[0] = st.st_ino;
	r = list(&l, dir, 0);
	if (r) {
		pcl_dir_list_free(l.e, l.n);
		return r;
	}
	*entries = l.e;
	*count = l.n;
	return 0;
}

PCL_EXPORT void pcl_dir_list_free(struct pcl_dir_entry *entries, size_t count)
{
	for (size_t i = 0; entries && i < count; i++)
		free(entries[i].path);
	free(entries);
}
