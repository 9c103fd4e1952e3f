// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-check.c - `pcilayout check LAYOUT SOURCE`: can this device (run it on
 * the migration destination) realize this layout? Prints the answer and
 * every reason; exit 0 compatible, 1 not, 2 bad usage or input. On a live
 * host (or a host's bundle) the IOMMU's PASID width is read from sysfs
 * (host.c), unless --pasid-width gives it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "map-common.h"

static const char check_usage[] =
	"Usage: pcilayout check [options] LAYOUT [SOURCE]\n"
	"Say whether the device SOURCE (typically on a migration destination)\n"
	"can realize LAYOUT, and why: identity, every physical capability (at\n"
	"least as long as the layout says; relocation is fine), no moved or\n"
	"virtual capability on a suspected hidden register, orphan, reserved or\n"
	"unread byte, and the inputs of virtual capabilities. For a function of\n"
	"this host (a PCI address, or -s/-d without SOURCE) or of a host bundle,\n"
	"the IOMMU's PASID width is the one the kernel reports in sysfs.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"      --pf SOURCE        the PF of this VF (verifies a vPASID's or a\n"
	"                         from-pf serial's source)\n"
	"      --pasid-width N    the IOMMU's max PASID width (out_max_pasid_log2),\n"
	"                         instead of what sysfs or the bundle says\n"
	"      --pasid-exec       the IOMMU allows PASID execute permission\n"
	"      --pasid-priv       the IOMMU allows PASID privileged mode\n"
	"      --quirks DIR       add a quirk directory (repeatable)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	MAPCLI_STRICT_USAGE
	"  -v, --verbose          also print notes (relocations, covered bytes)\n"
	"  -j, --json             print the answer as JSON\n"
	"  -h, --help             show this help\n\n"
	"Exit status: 0 compatible, 1 not compatible, 2 bad usage, unreadable\n"
	"input, or (--strict) no quirk database.\n";

enum { OPT_PF = 256 };

/*
 * The IOMMU values for pcl_check(): --pasid-width when given, else what
 * sysfs or the bundle says of function @i; @from and @why say where they
 * came from ("" when nothing says). Returns whether there are values.
 */
static bool iommu_values(const struct ccli_pasid *pa,
			 const struct cli_sources *src, struct pcl_plan_pasid *v,
			 const char **from, char *why, size_t size)
{
	struct host_pasid hp;

	*from = "";
	why[0] = '\0';
	if (ccli_pasid_get(pa, v)) {
		*from = "option";
		snprintf(why, size, "--pasid-width %ld", pa->width);
		return true;
	}
	if (!cli_sources_pasid(src, 0, &hp))
		return false;
	*from = src->fn[0].bundled ? "bundle" : "sysfs";
	snprintf(why, size, "%s", hp.why);
	if (!hp.known)
		return false;
	/*
	 * IOMMU_GET_HW_INFO's execute and privileged bits mirror the
	 * device's own PASID control register, which pcl_check() verifies
	 * through the device's or its PF's PASID capability: the IOMMU adds
	 * only its width.
	 */
	*v = (struct pcl_plan_pasid){ .flags = PCL_PLAN_PASID_IOMMU,
				      .iommu_max_width = (uint8_t)hp.width,
				      .iommu_exec = 1, .iommu_priv = 1 };
	return true;
}

static json_t *iommu_json(bool have, const struct pcl_plan_pasid *v,
			  const char *from, const char *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "from", from[0] ? json_string(from) : json_null());
	json_object_set_new(o, "max_width", have ? json_integer(v->iommu_max_width) :
			    json_null());
	json_object_set_new(o, "reason", why[0] ? json_string(why) : json_null());
	return o;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pf", required_argument, NULL, OPT_PF },
		CCLI_PASID_OPTIONS,
		MAPCLI_QUIRK_OPTIONS,
		MAPCLI_STRICT_OPTION,
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		CLI_SELECT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ccli_pasid pa = { .width = -1 };
	struct pcl_plan_pasid iommu;
	struct mapcli m = { 0 };
	struct cli_sources src = { 0 }, pfsrc = { 0 };
	struct pcl_diag *diag = pcl_diag_new();
	struct pcl_layout *layout = NULL;
	struct pcl_report *rep = NULL;
	struct pcl_cfg *cfg, *pf = NULL;
	const char *pfarg = NULL, *from;
	bool json = false, verbose = false, have_iommu;
	char fp[PCL_FINGERPRINT_SIZE] = "", why[512];
	int c, r, ret = EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "vjs:d:h", opts, NULL)) != -1) {
		r = ccli_option(&pa, &m, c, optarg);
		if (r < 0)
			goto out;
		if (r)
			continue;
		switch (c) {
		case OPT_PF:
			pfarg = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			cli_usage(stdout, check_usage);
			ret = EXIT_OK;
			goto out;
		default:
			ret = cli_bad_option(argv, check_usage);
			goto out;
		}
	}
	if (argc - optind > 2 || argc - optind < 1 ||
	    (argc - optind == 1 && !cli_select_active())) {
		cli_error("check needs LAYOUT and SOURCE (or -s/-d on this machine)");
		cli_usage(stderr, check_usage);
		goto out;
	}
	if (ccli_pasid_check(&pa) < 0)
		goto out;
	if (!diag) {
		cli_error("out of memory");
		goto out;
	}
	if (pcl_layout_load_file(cli_ctx, argv[optind], &layout, diag) < 0) {
		cli_report_diag(diag);
		goto out;
	}
	if (pcl_layout_kind(layout) != PCL_LAYOUT_KIND_LAYOUT) {
		cli_error("%s: a quirk file is not a layout", argv[optind]);
		goto out;
	}
	if (mapcli_init(&m) < 0)
		goto out;
	if (cli_sources_with_pf(&src, &pfsrc, optind + 1 < argc ?
				argv[optind + 1] : NULL, pfarg, &cfg, &pf) < 0)
		goto out;
	have_iommu = iommu_values(&pa, &src, &iommu, &from, why, sizeof(why));
	r = pcl_check(layout, cfg, pf, m.db, have_iommu ? &iommu : NULL, &rep);
	if (r < 0) {
		cli_error("check: %s", strerror(-r));
		goto out;
	}
	pcl_layout_fingerprint(layout, fp);
	if (json) {
		json_t *o = cli_doc_new("check"), *l = json_object();

		json_object_set_new(l, "file", json_string(argv[optind]));
		json_object_set_new(l, "name", json_string(pcl_layout_name(layout)));
		json_object_set_new(l, "revision", json_integer(pcl_layout_revision(layout)));
		json_object_set_new(l, "fingerprint", json_string(fp));
		json_object_set_new(o, "layout", l);
		json_object_set_new(o, "device", mapcli_device_json(cfg));
		json_object_set_new(o, "compatible", json_boolean(pcl_report_ok(rep)));
		json_object_set_new(o, "findings", ccli_report_json(rep));
		json_object_set_new(o, "iommu", iommu_json(have_iommu, &iommu,
							   from, why));
		cli_doc_print(o);
	} else {
		char title[256];
		size_t errors = 0;

		for (size_t i = 0; i < pcl_report_count(rep); i++)
			errors += pcl_report_get(rep, i)->severity >= PCL_SEVERITY_ERROR;
		mapcli_title(cfg, title, sizeof(title));
		printf("Layout %s revision %u (%s)\non %s\n",
		       pcl_layout_name(layout), pcl_layout_revision(layout), fp,
		       title);
		if (from[0])
			printf("IOMMU (%s): %s\n", !strcmp(from, "option") ?
			       "given" : from, why);
		if (pcl_report_ok(rep))
			printf("compatible: the device can realize this layout\n");
		else
			printf("NOT compatible: %zu reason%s\n", errors,
			       errors == 1 ? "" : "s");
		ccli_print_report(rep, verbose, "  ");
	}
	ret = pcl_report_ok(rep) ? EXIT_OK : EXIT_FINDING;
out:
	pcl_report_free(rep);
	pcl_layout_free(layout);
	pcl_diag_free(diag);
	cli_sources_free(&src);
	cli_sources_free(&pfsrc);
	mapcli_fini(&m);
	return ret;
}
