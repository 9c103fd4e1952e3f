// SPDX-License-Identifier: BSD-3-Clause
/*
 * compat-cli.c - shared plumbing of the migration commands: options and
 * reports (the streaming of inputs is compat-stream.c's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
