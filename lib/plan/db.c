// SPDX-License-Identifier: BSD-3-Clause
/*
 * db.c - the layout database: directories of full layouts, and the one
 * deterministic rule that picks the layout for a device, a machine type and
 * a profile (issue 9 part 4: revisions tied to machine types). The choice
 * is explained candidate by candidate, because "why did my VM get
 * revision 1?" is the question an operator will ask.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "plan-internal.h"


struct pcl_layout_db {
	struct pcl_ctx *ctx;
	struct pcl_layout **items;
	size_t count;
	size_t alloc;
};

PCL_EXPORT struct pcl_layout_db *pcl_layout_db_new(struct pcl_ctx *ctx)
{
	struct pcl_layout_db *db = calloc(1, sizeof(*db));

	if (!db) {
		errno = ENOMEM;
		return NULL;
	}
	db->ctx = ctx;
	return db;
}

PCL_EXPORT void pcl_layout_db_free(struct pcl_layout_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->count; i++)
		pcl_layout_free(db->items[i]);
	free(db->items);
	free(db);
}

PCL_EXPORT int pcl_layout_db_add(struct pcl_layout_db *db,
				 struct pcl_layout *layout)
{
	if (!db || !layout || pcl_layout_kind(layout) != PCL_LAYOUT_KIND_LAYOUT)
		return -EINVAL;
	if (db->count >= PCL_DIR_MAX_ENTRIES)
		return -EFBIG;
	if (db->count == db->alloc) {
		size_t n = db->alloc ? db->alloc * 2 : 8;
		struct pcl_layout **grown = realloc(db->items, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		db->items = grown;
		db->alloc = n;
	}
	db->items[db->count++] = layout;
	return 0;
}

PCL_EXPORT size_t pcl_layout_db_count(const struct pcl_layout_db *db)
{
	return db ? db->count : 0;
}

PCL_EXPORT const struct pcl_layout *pcl_layout_db_get(const struct pcl_layout_db *db,
						      size_t index)
{
	return db && index < db->count ? db->items[index] : NULL;
}

/* One file of a database directory: loaded, and refused if a quirk. */
static int add_file(struct pcl_layout_db *db, const char *path,
		    struct pcl_diag *diag)
{
	struct pcl_layout *l = NULL;
	int r = pcl_layout_load_file(db->ctx, path, &l, diag);

	if (r == 0 && pcl_layout_kind(l) != PCL_LAYOUT_KIND_LAYOUT) {
		pcl_diag_add(diag, path, 0, 0, -1,
			     "a quirk file is not a layout; put it in a quirk directory (--quirks)");
		r = -EINVAL;
	} else if (r == 0) {
		r = pcl_layout_db_add(db, l);
		if (!r)
			return 0;
	}
	pcl_layout_free(l);
	return r;
}

PCL_EXPORT int pcl_layout_db_add_dir(struct pcl_layout_db *db, const char *dir,
				     struct pcl_diag *diag)
{
	struct pcl_dir_entry *e;
	size_t n;
	int first = 0, r;

	if (!db || !dir)
		return -EINVAL;
	r = pcl_dir_list(dir, ".json", 0, &e, &n);
	if (r)
		return r;
	/* Every file is tried, so that every error is listed. */
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind != PCL_DIR_FILE)
			continue; /* not a *.json file: not a layout */
		r = add_file(db, e[i].path, diag);
		if (r == -ENOMEM || r == -EFBIG) {
			first = r;
			break;
		}
		if (r && !first)
			first = r;
	}
	pcl_dir_list_free(e, n);
	return first;
}

static unsigned int match_specificity(const struct pcl_layout *l)
{
	const struct pcl_layout_match *m = pcl_layout_match(l);
	unsigned int n = 0;

	for (uint32_t f = m->fields; f; f &= f - 1)
		n++;
	return n;
}

static const char *file_of(const struct pcl_layout *l)
{
	const char *s = pcl_layout_source(l);

	return s && *s ? s : "<memory>";
}

/* Order of qualifying layouts: better first. */
static int better(const struct pcl_layout *a, const struct pcl_layout *b)
{
	uint32_t ra = pcl_layout_revision(a), rb = pcl_layout_revision(b);
	unsigned int sa = match_specificity(a), sb = match_specificity(b);
	const char *na = pcl_layout_name(a), *nb = pcl_layout_name(b);
	int c;

	if (ra != rb)
		return ra > rb ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	c = strcmp(na ? na : "", nb ? nb : "");
	if (c)
		return c;
	return strcmp(file_of(a), file_of(b));
}

/* Why @l does not qualify, or NULL when it does. */
static const char *disqualify(const struct pcl_layout *l,
			      const struct pcl_identity *id,
			      const char *machine, const char *profile,
			      char *buf, size_t size)
{
	const char *lp = pcl_layout_profile(l);

	if (!pcl_layout_match(l)->present)
		return "it has no \"match\" (a database layout must name its devices)";
	if (!pcl_layout_matches(l, id->vendor_id, id->device_id,
				id->subsys_vendor_id, id->subsys_id,
				id->revision, id->class_code))
		return "its match does not accept this device";
	if (machine && !pcl_layout_machine_matches(l, machine)) {
		snprintf(buf, size, "its machine types (%s%s) do not include %s",
			 pcl_layout_machine(l, 0),
			 pcl_layout_machine_count(l) > 1 ? ", ..." : "",
			 machine);
		return buf;
	}
	if (profile && (!lp || strcmp(lp, profile) != 0)) {
		snprintf(buf, size, "its profile is %s%s%s, not %s",
			 lp ? "'" : "", lp ? lp : "none", lp ? "'" : "",
			 profile);
		return buf;
	}
	if (!profile && lp) {
		snprintf(buf, size,
			 "it is for profile '%s' and no profile was asked for",
			 lp);
		return buf;
	}
	return NULL;
}

#define DB_LIST_MAX 8

PCL_EXPORT const struct pcl_layout *
pcl_layout_db_select(const struct pcl_layout_db *db,
		     const struct pcl_identity *id, const char *machine,
		     const char *profile, char *why, size_t size)
{
	const struct pcl_layout *best = NULL;
	struct pcl_strbuf ok = { 0 }, no = { 0 }, out = { 0 };
	size_t n_ok = 0, n_no = 0;
	char buf[256];

	if (!db || !id) {
		if (why && size)
			why[0] = '\0';
		return NULL;
	}
	for (size_t i = 0; i < db->count; i++) {
		const struct pcl_layout *l = db->items[i];
		const char *r = disqualify(l, id, machine, profile, buf,
					   sizeof(buf));

		if (r) {
			if (n_no++ < DB_LIST_MAX)
				pcl_strbuf_add(&no, "%s%s rev %u (%s): %s",
					     n_no > 1 ? "; " : "",
					     pcl_layout_name(l),
					     pcl_layout_revision(l),
					     file_of(l), r);
			continue;
		}
		n_ok++;
		if (!best || better(l, best) < 0)
			best = l;
	}
	if (!why || !size)
		goto out;
	/* The others that qualified, for the explanation. */
	for (size_t i = 0, k = 0; best && i < db->count; i++) {
		const struct pcl_layout *l = db->items[i];

		if (l == best || disqualify(l, id, machine, profile, buf,
					    sizeof(buf)))
			continue;
		if (k++ < DB_LIST_MAX)
			pcl_strbuf_add(&ok, "%s%s rev %u (%s)", k > 1 ? ", " : "",
				     pcl_layout_name(l),
				     pcl_layout_revision(l), file_of(l));
	}
	if (best) {
		pcl_strbuf_add(&out,
			     "layout %s revision %u (%s) selected for %04x:%04x",
			     pcl_layout_name(best), pcl_layout_revision(best),
			     file_of(best), id->vendor_id, id->device_id);
	} else {
		pcl_strbuf_add(&out, "no layout in the database for %04x:%04x",
			     id->vendor_id, id->device_id);
	}
	if (machine)
		pcl_strbuf_add(&out, " on %s", machine);
	if (profile)
		pcl_strbuf_add(&out, " with profile %s", profile);
	if (best && n_ok > 1)
		pcl_strbuf_add(&out,
			     ": the highest revision of %zu qualifying layouts (the others: %s%s)",
			     n_ok, pcl_strbuf_get(&ok),
			     n_ok - 1 > DB_LIST_MAX ? ", ..." : "");
	else if (best)
		pcl_strbuf_add(&out, ": the only qualifying layout");
	if (!db->count)
		pcl_strbuf_add(&out, " (the database is empty)");
	else if (n_no)
		pcl_strbuf_add(&out, "%s%zu not qualifying: %s%s",
			     best ? "; " : " (", n_no, pcl_strbuf_get(&no),
			     n_no > DB_LIST_MAX ? "; ..." : "");
	if (!best && n_no)
		pcl_strbuf_add(&out, ")");
	pcl_strlcpy(why, out.oom ? "out of memory" : pcl_strbuf_get(&out), size);
out:
	pcl_strbuf_free(&ok);
	pcl_strbuf_free(&no);
	pcl_strbuf_free(&out);
	return best;
}
