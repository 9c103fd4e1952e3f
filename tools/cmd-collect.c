// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-collect.c - `pcilayout collect`: one JSON bundle per host
 * (docs/schemas/bundle-1.schema.json) with everything the migration
 * commands need from it, so that a fleet is surveyed, unified and checked
 * from files: the selected functions' config spaces, each VF's PF, their
 * IOMMU groups, IOMMUs and drivers, each IOMMU's PASID support as sysfs
 * gives it, and the kernel, host name and time. check, diff, survey and
 * unify (every command that reads a SOURCE) read bundles back (bundle.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char collect_usage[] =
	"Usage: pcilayout collect [options] [-o HOST.json]\n"
	"Write this host's bundle, one JSON document: the config spaces of its\n"
	"PCI functions (every one, or those -s/-d select) with each VF's PF, the\n"
	"functions' IOMMU groups, IOMMUs and drivers, each IOMMU's PASID support\n"
	"as its sysfs attributes give it (Intel VT-d ecap, AMD EFR), the kernel\n"
	"release, the host name and the time. check, diff, survey and unify read\n"
	"bundles as SOURCE. Run it as root: the kernel gives anyone else only\n"
	"the first 64 bytes of a config space.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"  -o, --output FILE      write the bundle to FILE (atomically) instead\n"
	"                         of standard output\n"
	"  -j, --json             accepted: the bundle is JSON\n"
	"  -h, --help             show this help\n\n"
	"Exit status: 0 written, 2 bad usage, sysfs unreadable, or output that\n"
	"cannot be written.\n";

/* The read prefix of @cfg as lower-case hex (sysfs reads a prefix). */
static json_t *config_hex(const struct pcl_cfg *cfg, uint32_t *len)
{
	const uint8_t *d = pcl_cfg_data(cfg);
	uint32_t n = pcl_cfg_size(cfg);
	char *hex;
	json_t *j;

	while (n && !pcl_cfg_is_read(cfg, 0, n))
		n--;
	hex = malloc(2 * (size_t)n + 1);
	if (!hex)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[2 * n] = '\0';
	j = json_string(hex);
	free(hex);
	*len = n;
	return j;
}

static json_t *function_json(const struct pcl_cfg *cfg, bool selected)
{
	const char *slot = pcl_cfg_slot(cfg), *pf = pcl_cfg_pf_slot(cfg);
	json_t *o = json_object();
	struct pcl_identity id;
	char iommu[64], driver[64];
	uint32_t len = 0;
	long group;

	pcl_cfg_identity(cfg, &id);
	host_function(slot, iommu, sizeof(iommu), &group, driver, sizeof(driver));
	json_object_set_new(o, "slot", json_string(slot));
	json_object_set_new(o, "vendor", cli_json_id(id.vendor_id));
	json_object_set_new(o, "device", cli_json_id(id.device_id));
	json_object_set_new(o, "subsystem_vendor", cli_json_id(id.subsys_vendor_id));
	json_object_set_new(o, "subsystem", cli_json_id(id.subsys_id));
	json_object_set_new(o, "class", cli_json_class(id.class_code));
	json_object_set_new(o, "revision", cli_json_rev(id.revision));
	json_object_set_new(o, "vf", json_boolean(id.is_vf));
	json_object_set_new(o, "pf", pf ? json_string(pf) : json_null());
	json_object_set_new(o, "iommu", iommu[0] ? json_string(iommu) : json_null());
	json_object_set_new(o, "iommu_group", group >= 0 ? json_integer(group) :
			    json_null());
	json_object_set_new(o, "driver", driver[0] ? json_string(driver) : json_null());
	json_object_set_new(o, "selected", json_boolean(selected));
	json_object_set_new(o, "config", config_hex(cfg, &len));
	json_object_set_new(o, "config_size", json_integer(len));
	return o;
}

static bool has_slot(const struct cli_sources *s, const char *slot)
{
	for (size_t i = 0; i < s->count; i++)
		if (pcl_cfg_slot(s->cfgs[i]) &&
		    !strcmp(pcl_cfg_slot(s->cfgs[i]), slot))
			return true;
	return false;
}

/* The selected functions, then each selected VF's PF not among them. */
static json_t *functions_json(const struct cli_sources *s)
{
	json_t *a = json_array(), *pfs = json_object();

	for (size_t i = 0; i < s->count; i++)
		json_array_append_new(a, function_json(s->cfgs[i], true));
	for (size_t i = 0; i < s->count; i++) {
		const char *pf = pcl_cfg_pf_slot(s->cfgs[i]);
		struct pcl_error err = { 0 };
		struct pcl_cfg *cfg = NULL;

		if (!pf || has_slot(s, pf) || json_object_get(pfs, pf))
			continue;
		if (pcl_cfg_read_device(cli_ctx, pf, &cfg, &err) < 0) {
			cli_report(&err);
			continue;
		}
		json_object_set_new(pfs, pf, json_true());
		json_array_append_new(a, function_json(cfg, false));
		pcl_cfg_free(cfg);
	}
	json_decref(pfs);
	return a;
}

static json_t *host_json(void)
{
	json_t *o = json_object(), *k = json_object();
	struct utsname u;
	char when[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "name", json_string(u.nodename));
	json_object_set_new(k, "release", json_string(u.release));
	json_object_set_new(k, "version", json_string(u.version));
	json_object_set_new(k, "machine", json_string(u.machine));
	json_object_set_new(o, "kernel", k);
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "root", json_boolean(geteuid() == 0));
	return o;
}

static json_t *iommus_json(void)
{
	json_t *names = host_iommu_names(), *a = json_array();

	for (size_t i = 0; i < json_array_size(names); i++)
		json_array_append_new(a, host_iommu_json(
			json_string_value(json_array_get(names, i)), NULL));
	json_decref(names);
	return a;
}

int cmd_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_SELECT_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_sources src = { 0 };
	const char *output = NULL;
	char tool[64];
	json_t *doc;
	int c, r, ret = EXIT_USAGE;

	/* The bundle is JSON, and so are its messages and errors. */
	cli_set_json(true);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:d:jo:h", opts, NULL)) != -1) {
		r = cli_select_option(c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r || c == 'j')
			continue;
		if (c == 'o') {
			output = optarg;
			continue;
		}
		if (c == 'h') {
			cli_usage(stdout, collect_usage);
			return EXIT_OK;
		}
		return cli_bad_option(argv, collect_usage);
	}
	if (optind < argc) {
		cli_error("collect reads this host only; it takes no SOURCE (select with -s/-d)");
		cli_usage(stderr, collect_usage);
		return EXIT_USAGE;
	}
	if (cli_sources_live(&src) < 0)
		goto out;
	if (geteuid() != 0)
		cli_warn("not root: the kernel gives only the first 64 bytes of each config space");
	doc = cli_doc_new("bundle");
	if (!doc) {
		cli_doc_print(NULL);
		goto out;
	}
	snprintf(tool, sizeof(tool), "pcilayout %s", pcl_version());
	json_object_set_new(doc, "tool", json_string(tool));
	json_object_set_new(doc, "host", host_json());
	json_object_set_new(doc, "selection", cli_select_active() ?
			    json_string(cli_select_text()) : json_null());
	json_object_set_new(doc, "iommus", iommus_json());
	json_object_set_new(doc, "functions", functions_json(&src));
	r = output ? cli_doc_save(doc, output) : cli_doc_print(doc);
	ret = r < 0 ? EXIT_USAGE : EXIT_OK;
out:
	cli_sources_free(&src);
	return ret;
}
