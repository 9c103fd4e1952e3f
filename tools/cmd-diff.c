// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-diff.c - `pcilayout diff A B`: are two layouts migration-compatible?
 * A and B are layout files, or devices (dumps, binaries, addresses) that
 * are planned on the fly with the planner's defaults (plus --add). Prints
 * every difference with its class and the verdict; exit 0 identical or
 * compatible, 1 incompatible, 2 bad usage or input.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "map-common.h"

static const char diff_usage[] =
	"Usage: pcilayout diff [options] A B\n"
	"Compare two layouts semantically and say whether a guest running on\n"
	"A's layout can migrate to a host realizing B's: identical, compatible\n"
	"(differences a migration tolerates) or incompatible. A and B are\n"
	"layout files, or device sources (dumps, host bundles, addresses)\n"
	"planned on the fly with the planner's defaults.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"                         (the function of each device source)\n"
	"      --machine TYPE     the guest's machine type: QEMU 9.0 and older\n"
	"                         compare vendor-specific capability bodies\n"
	"      --vsc RULE         auto (default), consistent or strict\n"
	"  -a, --add LIST         devices: add virtual capabilities (pasid)\n"
	"      --pasid-width N    devices: the IOMMU's max PASID width\n"
	"      --pasid-exec       devices: the IOMMU allows execute permission\n"
	"      --pasid-priv       devices: the IOMMU allows privileged mode\n"
	"      --quirks DIR       devices: add a quirk directory (repeatable)\n"
	"      --no-default-quirks  devices: load only the --quirks directories\n"
	CLI_ALLOW_HELP
	"  -v, --verbose          also print changes that are not guest-visible\n"
	"  -j, --json             print the diff as JSON\n"
	"  -h, --help             show this help\n\n"
	"Exit status: 0 identical or compatible, 1 incompatible, 2 bad usage or\n"
	"unreadable input.\n";

enum { OPT_MACHINE = 256, OPT_VSC, OPT_ALLOW };

struct dopts {
	bool add_pasid;
	uint32_t allow;
	struct ccli_pasid pa;
	struct mapcli m;
};

/*
 * A JSON file starts with '{' after blanks; anything else is a device. A
 * host bundle is JSON too, and a device source.
 */
static bool is_layout_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : NULL;
	json_t *j;
	bool bundle;
	int ch;

	if (!f)
		return false;
	do
		ch = fgetc(f);
	while (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
	fclose(f);
	if (ch != '{')
		return false;
	j = json_load_file(path, 0, NULL);
	bundle = j && !strcmp(json_string_value(json_object_get(j, "format")) ?
			      json_string_value(json_object_get(j, "format")) : "",
			      "pcilayout-bundle");
	json_decref(j);
	return !bundle;
}

static struct pcl_layout *plan_device(struct dopts *o, const char *arg)
{
	struct cli_sources s = { 0 };
	struct pcl_plan_request *req = NULL;
	struct pcl_diag *diag = pcl_diag_new();
	struct pcl_layout *l = NULL;
	struct pcl_plan_pasid p;
	int r;

	if (!diag || !cli_sources_one(&s, arg, NULL))
		goto out;
	req = pcl_plan_request_new(cli_ctx);
	if (!req) {
		cli_error("out of memory");
		goto out;
	}
	pcl_plan_request_set_cfg(req, s.cfgs[0], NULL);
	pcl_plan_request_set_quirks(req, o->m.db);
	pcl_plan_request_allow(req, o->allow);
	if (o->add_pasid) {
		ccli_pasid_get(&o->pa, &p);
		pcl_plan_request_add_pasid(req, &p);
	}
	r = pcl_plan(req, &l, diag);
	if (r < 0) {
		cli_report_diag(diag);
		if (!pcl_diag_count(diag))
			cli_error("%s: cannot plan: %s", arg, strerror(-r));
		l = NULL;
	}
out:
	pcl_plan_request_free(req);
	pcl_diag_free(diag);
	cli_sources_free(&s);
	return l;
}

static struct pcl_layout *load_side(struct dopts *o, const char *arg,
				    bool *planned)
{
	struct pcl_diag *diag;
	struct pcl_layout *l = NULL;

	*planned = false;
	if (!is_layout_file(arg)) {
		*planned = true;
		return plan_device(o, arg);
	}
	diag = pcl_diag_new();
	if (!diag) {
		cli_error("out of memory");
		return NULL;
	}
	if (pcl_layout_load_file(cli_ctx, arg, &l, diag) < 0) {
		cli_report_diag(diag);
		l = NULL;
	} else if (pcl_layout_kind(l) != PCL_LAYOUT_KIND_LAYOUT) {
		cli_error("%s: a quirk file is not a layout", arg);
		pcl_layout_free(l);
		l = NULL;
	}
	pcl_diag_free(diag);
	return l;
}

static json_t *entry_json(const struct pcl_layout_entry *e)
{
	json_t *o;
	char nb[16];
	const char *n;

	if (!e)
		return json_null();
	o = json_object();
	n = pcl_layout_cap_name(e->space, e->id);
	if (!n) {
		snprintf(nb, sizeof(nb), "0x%x", e->id);
		n = nb;
	}
	json_object_set_new(o, "id", json_string(n));
	json_object_set_new(o, "kind", json_string(e->kind == PCL_ENTRY_HIDDEN ? "hidden" :
						   e->kind == PCL_ENTRY_VIRTUAL ? "virtual" :
										  "physical"));
	json_object_set_new(o, "at", e->at >= 0 ? cli_json_hex((unsigned long)e->at) :
				   json_null());
	json_object_set_new(o, "length", json_integer(e->length));
	return o;
}

static json_t *side_json(const char *arg, const struct pcl_layout *l,
			 bool planned)
{
	json_t *o = json_object();
	char fp[PCL_FINGERPRINT_SIZE] = "";

	pcl_layout_fingerprint(l, fp);
	json_object_set_new(o, "source", json_string(arg));
	json_object_set_new(o, "planned", json_boolean(planned));
	json_object_set_new(o, "name", json_string(pcl_layout_name(l)));
	json_object_set_new(o, "revision", json_integer(pcl_layout_revision(l)));
	json_object_set_new(o, "fingerprint", json_string(fp));
	return o;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "machine", required_argument, NULL, OPT_MACHINE },
		{ "vsc", required_argument, NULL, OPT_VSC },
		{ "add", required_argument, NULL, 'a' },
		CCLI_PASID_OPTIONS,
		MAPCLI_QUIRK_OPTIONS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		CLI_SELECT_OPTIONS,
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dopts o = { .pa = { .width = -1 } };
	struct pcl_layout *a = NULL, *b = NULL;
	struct pcl_diff *d = NULL;
	const char *machine = NULL, *why = NULL;
	bool json = false, verbose = false, pa_planned = false, pb_planned = false;
	int vsc = PCL_VSC_AUTO, c, r, ret = EXIT_USAGE, verdict;

	while ((c = getopt_long(argc, argv, "a:vjs:d:h", opts, NULL)) != -1) {
		r = ccli_option(&o.pa, &o.m, c, optarg);
		if (r < 0)
			goto out;
		if (r)
			continue;
		switch (c) {
		case OPT_MACHINE:
			machine = optarg;
			break;
		case OPT_VSC:
			if (!strcmp(optarg, "auto")) {
				vsc = PCL_VSC_AUTO;
			} else if (!strcmp(optarg, "consistent")) {
				vsc = PCL_VSC_CONSISTENT;
			} else if (!strcmp(optarg, "strict")) {
				vsc = PCL_VSC_STRICT;
			} else {
				cli_error("--vsc '%s': auto, consistent or strict", optarg);
				goto out;
			}
			break;
		case 'a':
			if (strcmp(optarg, "pasid") != 0) {
				cli_error("--add '%s': diff plans devices with pasid only", optarg);
				goto out;
			}
			o.add_pasid = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'j':
			json = true;
			break;
		case OPT_ALLOW:
			if (cli_parse_allow(optarg, &o.allow) < 0)
				goto out;
			break;
		case 'h':
			cli_usage(stdout, diff_usage);
			ret = EXIT_OK;
			goto out;
		default:
			ret = cli_bad_option(argv, diff_usage);
			goto out;
		}
	}
	if (argc - optind != 2) {
		cli_error("diff needs two layouts or devices, A and B");
		cli_usage(stderr, diff_usage);
		goto out;
	}
	if (o.pa.width >= 0)
		o.add_pasid = true;
	if (mapcli_init(&o.m) < 0)
		goto out;
	a = load_side(&o, argv[optind], &pa_planned);
	if (!a)
		goto out;
	b = load_side(&o, argv[optind + 1], &pb_planned);
	if (!b)
		goto out;
	r = pcl_diff(a, b, vsc, machine, &d);
	if (r < 0) {
		cli_error("diff: %s", strerror(-r));
		goto out;
	}
	verdict = pcl_diff_verdict(d);
	pcl_diff_vsc_rule(d, &why);
	if (json) {
		json_t *j = cli_doc_new("diff"), *ch = json_array();

		json_object_set_new(j, "a", side_json(argv[optind], a, pa_planned));
		json_object_set_new(j, "b", side_json(argv[optind + 1], b, pb_planned));
		json_object_set_new(j, "verdict", json_string(pcl_verdict_name(verdict)));
		json_object_set_new(j, "vsc_rule", json_string(
			pcl_diff_vsc_rule(d, NULL) == PCL_VSC_STRICT ? "strict" : "consistent"));
		json_object_set_new(j, "vsc_reason", json_string(why));
		for (size_t i = 0; i < pcl_diff_count(d); i++) {
			const struct pcl_diff_change *x = pcl_diff_get(d, i);
			json_t *e = json_object();

			json_object_set_new(e, "severity", json_string(pcl_severity_name(x->severity)));
			json_object_set_new(e, "code", json_string(x->code));
			json_object_set_new(e, "space", x->space < 0 ? json_null() :
						json_string(x->space ? "extended" : "standard"));
			json_object_set_new(e, "a", entry_json(x->a));
			json_object_set_new(e, "b", entry_json(x->b));
			json_object_set_new(e, "message", json_string(x->message));
			json_array_append_new(ch, e);
		}
		json_object_set_new(j, "changes", ch);
		cli_doc_print(j);
	} else {
		size_t shown = 0;

		printf("A: %s revision %u (%s%s)\nB: %s revision %u (%s%s)\n",
		       pcl_layout_name(a), pcl_layout_revision(a), argv[optind],
		       pa_planned ? ", planned" : "", pcl_layout_name(b),
		       pcl_layout_revision(b), argv[optind + 1],
		       pb_planned ? ", planned" : "");
		for (size_t i = 0; i < pcl_diff_count(d); i++) {
			const struct pcl_diff_change *x = pcl_diff_get(d, i);

			if (x->severity == PCL_SEVERITY_INFO && !verbose)
				continue;
			printf("  %-9s %-16s %s\n", x->severity == PCL_SEVERITY_ERROR ? "breaks" :
			       x->severity == PCL_SEVERITY_WARNING ? "tolerated" : "note",
			       x->code, x->message);
			shown++;
		}
		if (!shown && pcl_diff_count(d))
			printf("  (%zu change%s that the guest cannot see; -v lists them)\n",
			       pcl_diff_count(d), pcl_diff_count(d) == 1 ? "" : "s");
		printf("Vendor-specific bodies: %s (%s).\n",
		       pcl_diff_vsc_rule(d, NULL) == PCL_VSC_STRICT ? "strict" : "consistent",
		       why);
		printf("Verdict: %s\n", verdict == PCL_VERDICT_IDENTICAL ?
		       "identical: the guest sees the same config space" :
		       verdict == PCL_VERDICT_COMPATIBLE ?
		       "compatible: the differences are ones a migration tolerates" :
		       "incompatible: a guest on A cannot migrate to B");
	}
	ret = verdict == PCL_VERDICT_INCOMPATIBLE ? EXIT_FINDING : EXIT_OK;
out:
	pcl_diff_free(d);
	pcl_layout_free(a);
	pcl_layout_free(b);
	mapcli_fini(&o.m);
	return ret;
}
