// SPDX-License-Identifier: BSD-3-Clause
/*
 * compat-cli.c - shared plumbing of the migration commands. Directories
 * are streamed one file at a time so that a fleet of dumps never has to
 * fit in memory at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compat-cli.h"

int ccli_pasid_width(struct ccli_pasid *p, const char *arg)
{
	char *end;

	errno = 0;
	p->width = strtol(arg, &end, 0);
	if (errno || *end || !*arg || p->width < 0 || p->width > 255) {
		cli_error("--pasid-width '%s': not a number from 0 to 255 (out_max_pasid_log2)",
			  arg);
		return -1;
	}
	return 0;
}

bool ccli_pasid_get(const struct ccli_pasid *p, struct pcl_plan_pasid *out)
{
	memset(out, 0, sizeof(*out));
	if (p->width < 0)
		return false;
	out->flags = PCL_PLAN_PASID_IOMMU;
	out->iommu_max_width = (uint8_t)p->width;
	out->iommu_exec = p->exec;
	out->iommu_priv = p->priv;
	return true;
}

int ccli_pasid_check(const struct ccli_pasid *p)
{
	if ((p->exec || p->priv) && p->width < 0) {
		cli_error("--pasid-exec and --pasid-priv need --pasid-width (what the IOMMU reports)");
		return -1;
	}
	return 0;
}

int ccli_option(struct ccli_pasid *p, struct mapcli *m, int c,
		const char *arg)
{
	if (p) {
		switch (c) {
		case CCLI_OPT_PW:
			return ccli_pasid_width(p, arg) < 0 ? -1 : 1;
		case CCLI_OPT_PX:
			p->exec = true;
			return 1;
		case CCLI_OPT_PP:
			p->priv = true;
			return 1;
		default:
			break;
		}
	}
	if (m) {
		int r = mapcli_option(m, c, arg);

		if (r)
			return r;
	}
	return cli_select_option(c, arg);
}

/* Hand the functions of @s to @add, named after @path. */
static long stream_sources(struct cli_sources *s, const char *path,
			   ccli_add_fn add, void *pool)
{
	long added = 0;

	for (size_t i = 0; i < s->count; i++) {
		char name[4200];
		const char *slot = pcl_cfg_slot(s->cfgs[i]);
		int r;

		if (s->count == 1 && path)
			snprintf(name, sizeof(name), "%s", path);
		else if (slot)
			snprintf(name, sizeof(name), "%s%s%s", path ? path : "",
				 path ? ":" : "", slot);
		else
			snprintf(name, sizeof(name), "%s#%zu", path, i + 1);
		r = add(pool, s->cfgs[i], name);
		s->cfgs[i] = NULL;
		if (r < 0) {
			cli_error("%s: %s", name, strerror(-r));
			return -1;
		}
		added++;
	}
	return added;
}

/* A file's functions (a bundle's too) that -s and -d select. */
static long stream_file(const char *path, ccli_add_fn add, ccli_fail_fn fail,
			void *pool, size_t *failures)
{
	struct pcl_error err = { .offset = -1 };
	struct cli_sources s = { 0 };
	long added;

	if (cli_sources_load(&s, path, &err) < 0) {
		char buf[640];

		cli_sources_free(&s);
		if (!err.message[0])
			return -1; /* out of memory, reported */
		cli_report(&err);
		(*failures)++;
		if (fail(pool, path, pcl_error_format(&err, buf, sizeof(buf))) < 0)
			return -1;
		return 0;
	}
	added = stream_sources(&s, path, add, pool);
	cli_sources_free(&s);
	return added;
}

/*
 * Every regular file under @dir, subdirectories included (a host per
 * subdirectory is a common way to keep a fleet), in name order. What is
 * not read is named on stderr, never dropped in silence.
 */
static long stream_dir(const char *dir, ccli_add_fn add, ccli_fail_fn fail,
		       void *pool, size_t *failures)
{
	struct pcl_dir_entry *e;
	size_t n;
	long total = 0;
	int r = pcl_dir_list(dir, NULL, PCL_DIR_RECURSE, &e, &n);

	if (r) {
		cli_error("%s: %s", dir, strerror(-r));
		return -1;
	}
	for (size_t i = 0; i < n && total >= 0; i++) {
		long got;

		if (e[i].kind != PCL_DIR_FILE) {
			cli_warn("%s: skipped: %s", e[i].path,
				 e[i].kind == PCL_DIR_DIR ?
					 "a directory that was not read (too deep, a loop, or unreadable)" :
					 "not a regular file");
			continue;
		}
		got = stream_file(e[i].path, add, fail, pool, failures);
		total = got < 0 ? -1 : total + got;
	}
	pcl_dir_list_free(e, n);
	return total;
}

long ccli_stream(char **args, int n, ccli_add_fn add, ccli_fail_fn fail,
		 void *pool, size_t *failures)
{
	long total = 0;

	*failures = 0;
	if (n == 0) {
		/* This machine's functions, as -s and -d select them. */
		struct cli_sources s = { 0 };

		total = cli_sources_live(&s) < 0 ? -1 :
			stream_sources(&s, NULL, add, pool);
		cli_sources_free(&s);
		return total;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;
		long r;

		if (strcmp(args[i], "-") && stat(args[i], &st) == 0 &&
		    S_ISDIR(st.st_mode))
			r = stream_dir(args[i], add, fail, pool, failures);
		else
			r = stream_file(args[i], add, fail, pool, failures);
		if (r < 0)
			return -1;
		total += r;
	}
	return total;
}

json_t *ccli_finding_json(const struct pcl_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "severity", json_string(pcl_severity_name(f->severity)));
	json_object_set_new(o, "code", json_string(f->code));
	json_object_set_new(o, "space", f->space < 0 ? json_null() :
				json_string(f->space ? "extended" : "standard"));
	json_object_set_new(o, "offset", f->offset >= 0 ?
			    cli_json_hex((unsigned long)f->offset) : json_null());
	json_object_set_new(o, "message", json_string(f->message));
	return o;
}

json_t *ccli_report_json(const struct pcl_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < pcl_report_count(r); i++)
		json_array_append_new(a, ccli_finding_json(pcl_report_get(r, i)));
	return a;
}

void ccli_print_report(const struct pcl_report *r, bool verbose,
		       const char *indent)
{
	for (size_t i = 0; i < pcl_report_count(r); i++) {
		const struct pcl_finding *f = pcl_report_get(r, i);

		if (f->severity == PCL_SEVERITY_INFO && !verbose)
			continue;
		printf("%s%-7s %-22s %s\n", indent, pcl_severity_name(f->severity),
		       f->code, f->message);
	}
}

json_t *ccli_layout_json(const struct pcl_layout *l)
{
	char *text = NULL;
	json_t *j;

	if (!l || pcl_layout_to_string(l, &text, NULL) < 0)
		return json_null();
	j = json_loads(text, 0, NULL);
	free(text);
	return j ? j : json_null();
}

json_t *ccli_group_json(const struct pcl_host_group *g)
{
	json_t *o = json_object(), *ex = json_array();

	json_object_set_new(o, "vendor", cli_json_id(g->vendor));
	json_object_set_new(o, "device", cli_json_id(g->device));
	json_object_set_new(o, "vf", json_boolean(g->is_vf));
	json_object_set_new(o, "hosts", json_integer((json_int_t)g->hosts));
	for (size_t i = 0; i < g->n_examples; i++)
		json_array_append_new(ex, json_string(g->examples[i]));
	json_object_set_new(o, "examples", ex);
	json_object_set_new(o, "fingerprint", g->fingerprint && g->fingerprint[0] ?
				json_string(g->fingerprint) : json_null());
	json_object_set_new(o, "reasons", ccli_report_json(g->reasons));
	return o;
}

json_t *ccli_failure_json(const struct pcl_input_failure *f)
{
	json_t *j = json_object();

	json_object_set_new(j, "source", json_string(f->name));
	json_object_set_new(j, "message", json_string(f->message));
	return j;
}
