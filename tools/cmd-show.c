// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-show.c - `pcilayout show SOURCE...`: walk each function's capability
 * chains and print what was found, lspci -v style or as stable JSON. The
 * exit status is 1 when any finding has error severity, so scripts can gate
 * on a broken device without parsing output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char show_usage[] =
	"Usage: pcilayout show [options] [SOURCE...]\n"
	"Walk the standard and extended capability chains of each function.\n\n"
	"SOURCE is an lspci -x/-xxx/-xxxx dump (one or more devices), a binary\n"
	"config space of 64, 256 or 4096 bytes, '-' for standard input, or a PCI\n"
	"address (0000:3b:00.0 or 3b:00.0) read through sysfs. Without SOURCE,\n"
	"every function of this machine is shown.\n\n"
	"Options:\n"
	"  -j, --json     print a JSON document instead of text\n"
	"  -q, --quiet    print device lines and findings only\n"
	"  -h, --help     show this help\n\n"
	"Exit status: 0 ok, 1 a finding of severity error, 2 bad usage or\n"
	"unreadable input.\n";

static void identity_json(json_t *dev, const struct pcl_cfg *cfg)
{
	struct pcl_identity id;
	json_t *o = json_object();

	pcl_cfg_identity(cfg, &id);
	json_object_set_new(o, "vendor", cli_json_hex(id.vendor_id));
	json_object_set_new(o, "device", cli_json_hex(id.device_id));
	json_object_set_new(o, "subsystem_vendor",
			    cli_json_hex(id.subsys_vendor_id));
	json_object_set_new(o, "subsystem", cli_json_hex(id.subsys_id));
	json_object_set_new(o, "class", cli_json_hex(id.class_code));
	json_object_set_new(o, "revision", cli_json_hex(id.revision));
	json_object_set_new(o, "header_type", json_integer(id.header_type));
	json_object_set_new(o, "multifunction",
			    json_boolean(id.multifunction));
	json_object_set_new(o, "vf", json_boolean(id.is_vf));
	if (id.pcie_type >= 0)
		json_object_set_new(o, "pcie_type", json_integer(id.pcie_type));
	else
		json_object_set_new(o, "pcie_type", json_null());
	json_object_set_new(dev, "identity", o);
}

static json_t *cap_json(const struct pcl_cap *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "space", json_string(pcl_space_name(c->space)));
	json_object_set_new(o, "id", cli_json_hex(c->id));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "version", json_integer(c->version));
	json_object_set_new(o, "offset", cli_json_hex(c->offset));
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN)
		json_object_set_new(o, "length", json_null());
	else
		json_object_set_new(o, "length", json_integer(c->length));
	json_object_set_new(o, "instance", json_integer(c->instance));
	if (c->space == PCL_SPACE_EXTENDED &&
	    (c->id == 0x0b || c->id == 0x23)) {
		json_object_set_new(o, "vsec_vendor", cli_json_hex(c->vendor));
		json_object_set_new(o, "vsec_id", cli_json_hex(c->vsec_id));
		json_object_set_new(o, "vsec_rev", json_integer(c->vsec_rev));
	}
	if (c->flags & PCL_CAP_TRUNCATED)
		json_object_set_new(o, "truncated", json_true());
	if (c->flags & PCL_CAP_OVERLAP)
		json_object_set_new(o, "overlap", json_true());
	return o;
}

static json_t *finding_json(const struct pcl_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "severity",
			    json_string(pcl_severity_name(f->severity)));
	json_object_set_new(o, "code", json_string(f->code));
	if (f->space >= 0)
		json_object_set_new(o, "space",
				    json_string(pcl_space_name(f->space)));
	if (f->offset >= 0)
		json_object_set_new(o, "offset",
				    cli_json_hex((unsigned long)f->offset));
	else
		json_object_set_new(o, "offset", json_null());
	json_object_set_new(o, "message", json_string(f->message));
	return o;
}

static json_t *device_json(const struct pcl_cfg *cfg,
			   const struct pcl_walk *w)
{
	json_t *dev = json_object(), *caps = json_array(),
	       *orphans = json_array(), *findings = json_array();
	const char *slot = pcl_cfg_slot(cfg);

	json_object_set_new(dev, "source", json_string(pcl_cfg_source(cfg)));
	json_object_set_new(dev, "slot", slot ? json_string(slot) : json_null());
	if (pcl_cfg_line(cfg))
		json_object_set_new(dev, "line",
				    json_integer(pcl_cfg_line(cfg)));
	identity_json(dev, cfg);
	json_object_set_new(dev, "size", json_integer(pcl_cfg_size(cfg)));
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		json_array_append_new(caps, cap_json(pcl_walk_cap(w, i)));
	for (size_t i = 0; i < pcl_walk_orphan_count(w); i++)
		json_array_append_new(orphans,
				      cap_json(pcl_walk_orphan(w, i)));
	for (size_t i = 0; i < pcl_walk_finding_count(w); i++)
		json_array_append_new(findings,
				      finding_json(pcl_walk_finding(w, i)));
	json_object_set_new(dev, "capabilities", caps);
	json_object_set_new(dev, "orphans", orphans);
	json_object_set_new(dev, "findings", findings);
	return dev;
}

static void print_cap(const struct pcl_cap *c)
{
	const struct pcl_capdef *def = pcl_catalog_lookup(c->space, c->id);
	char len[16], ver[8] = "  ";

	/* Only extended capabilities and PCI Express carry a version field
	 * the walker decodes; "v0" elsewhere would read as a real value. */
	if (c->space == PCL_SPACE_EXTENDED || c->version)
		snprintf(ver, sizeof(ver), "v%u", c->version);
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN)
		snprintf(len, sizeof(len), "%4s", "?");
	else
		snprintf(len, sizeof(len), "%4u", c->length);
	printf("\t[%03x] %s len %s %-2s  %-8s %s", c->offset,
	       c->space == PCL_SPACE_STANDARD ? "std" : "ext", len, ver,
	       c->name, def ? def->long_name : "Unknown capability");
	if (!def)
		printf(" (id 0x%x)", c->id);
	if (c->space == PCL_SPACE_EXTENDED && c->id == 0x0b)
		printf(" [id %04x rev %u]", c->vsec_id, c->vsec_rev);
	else if (c->space == PCL_SPACE_EXTENDED && c->id == 0x23)
		printf(" [vendor %04x id %04x rev %u]", c->vendor, c->vsec_id,
		       c->vsec_rev);
	if (c->flags & PCL_CAP_TRUNCATED)
		printf(" <truncated>");
	if (c->flags & PCL_CAP_OVERLAP)
		printf(" <overlap>");
	putchar('\n');
}

static void print_device(const struct pcl_cfg *cfg, const struct pcl_walk *w,
			 bool quiet)
{
	struct pcl_identity id;
	char dname[256], cname[128];
	const char *slot = pcl_cfg_slot(cfg);
	size_t n;

	pcl_cfg_identity(cfg, &id);
	pcl_names_class(cli_ctx, id.class_code, cname, sizeof(cname));
	pcl_names_device(cli_ctx, id.vendor_id, id.device_id, dname,
			 sizeof(dname));
	printf("%s %s: %s [%04x:%04x] (rev %02x)%s\n", slot ? slot : "-",
	       cname, dname, id.vendor_id, id.device_id, id.revision,
	       id.is_vf ? " (VF)" : "");
	if (!quiet) {
		printf("\tSource: %s", pcl_cfg_source(cfg));
		if (pcl_cfg_line(cfg))
			printf(":%u", pcl_cfg_line(cfg));
		printf(", %u bytes read", pcl_cfg_size(cfg));
		if (id.is_vf && pcl_cfg_pf_slot(cfg))
			printf(", PF %s", pcl_cfg_pf_slot(cfg));
		putchar('\n');
		n = pcl_walk_cap_count(w);
		printf(n ? "\tCapabilities:\n" : "\tNo capabilities\n");
		for (size_t i = 0; i < n; i++)
			print_cap(pcl_walk_cap(w, i));
		n = pcl_walk_orphan_count(w);
		if (n)
			printf("\tOrphans (headers no chain reaches):\n");
		for (size_t i = 0; i < n; i++)
			print_cap(pcl_walk_orphan(w, i));
	}
	n = pcl_walk_finding_count(w);
	if (n)
		printf("\tFindings:\n");
	for (size_t i = 0; i < n; i++) {
		const struct pcl_finding *f = pcl_walk_finding(w, i);

		printf("\t%-7s ", pcl_severity_name(f->severity));
		if (f->offset >= 0)
			printf("[%03x] ", (unsigned int)f->offset);
		printf("%s: %s\n", f->code, f->message);
	}
	putchar('\n');
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_sources src = { 0 };
	bool json = false, quiet = false;
	json_t *doc = NULL, *devs = NULL;
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "jqh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_usage(stdout, show_usage);
			return EXIT_OK;
		default:
			cli_usage(stderr, show_usage);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		struct pcl_error err = { 0 };

		if (pcl_cfg_read_all_devices(cli_ctx, &src.cfgs, &src.count,
					     &err) < 0) {
			cli_report(&err);
			return EXIT_USAGE;
		}
	}
	for (int i = optind; i < argc; i++) {
		if (cli_sources_add(&src, argv[i]) < 0) {
			cli_sources_free(&src);
			return EXIT_USAGE;
		}
	}
	if (json) {
		doc = json_object();
		devs = json_array();
		json_object_set_new(doc, "devices", devs);
	}
	for (size_t i = 0; i < src.count; i++) {
		struct pcl_walk *w = pcl_walk_new(src.cfgs[i]);

		if (!w) {
			cli_error("%s: cannot walk: %s",
				  pcl_cfg_source(src.cfgs[i]), strerror(errno));
			ret = EXIT_USAGE;
			break;
		}
		if (pcl_walk_max_severity(w) >= PCL_SEVERITY_ERROR &&
		    ret == EXIT_OK)
			ret = EXIT_FINDING;
		if (json)
			json_array_append_new(devs,
					      device_json(src.cfgs[i], w));
		else
			print_device(src.cfgs[i], w, quiet);
		pcl_walk_free(w);
	}
	if (json) {
		cli_print_json(doc);
		json_decref(doc);
	}
	cli_sources_free(&src);
	return ret;
}
