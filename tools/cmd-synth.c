// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-synth.c - `pcilayout synth LAYOUT SOURCE -o OUT`: the initial config
 * space a guest sees when LAYOUT is realized on the device in SOURCE, as a
 * 4096-byte binary or as an lspci -xxxx dump that `lspci -F OUT -vvv`
 * decodes. OUT is replaced atomically: readers see the old file or the
 * new one, never a part.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "map-common.h"

static const char synth_usage[] =
	"Usage: pcilayout synth [options] LAYOUT [SOURCE] -o OUT\n"
	"Write the config space a guest sees when LAYOUT is realized on the\n"
	"device in SOURCE: presented capabilities at their guest offsets,\n"
	"next pointers rewritten, hidden ones gone, virtual ones made.\n\n"
	"SOURCE is a dump, a binary config space, a host bundle or a PCI\n"
	"address; when it holds several functions, -s/-d narrow them and the\n"
	"one LAYOUT matches is used (without SOURCE, of this machine).\n\n"
	"Options:\n"
	"  -o, --output FILE    where to write ('-' for standard output)\n"
	"  -f, --format FMT     binary (4096 bytes, the default) or lspci\n"
	"                       (an lspci -xxxx dump for lspci -F)\n"
	"      --pf-serial N    the PF's serial number, for a virtual DSN\n"
	"                       taken \"from-pf\"\n"
	"      --address ADDR   the address on the dump's device line\n"
	"                       (default 00:00.0)\n"
	"      --force          use a device the layout does not match\n"
	CLI_SELECT_USAGE
	"  -j, --json           print what was written as JSON\n"
	"  -h, --help           show this help\n\n"
	"Exit status: 0 written, 1 the layout cannot be realized on the\n"
	"device, 2 bad usage or unreadable input.\n";

static int write_out(const struct pcl_guest *g, FILE *f, bool lspci,
		     const char *slot)
{
	if (lspci)
		return pcl_guest_write_lspci(g, f, slot);
	if (fwrite(pcl_guest_image(g), 1, PCL_CFG_SIZE, f) != PCL_CFG_SIZE ||
	    fflush(f))
		return -EIO;
	return 0;
}

struct synth_job {
	const struct pcl_guest *g;
	bool lspci;
	const char *slot;
};

static int synth_job_write(FILE *f, void *opaque)
{
	const struct synth_job *j = opaque;

	return write_out(j->g, f, j->lspci, j->slot);
}

/* Through the library's atomic writer: an existing file keeps its mode. */
static int write_atomic(const struct pcl_guest *g, const char *path,
			bool lspci, const char *slot)
{
	struct synth_job j = { .g = g, .lspci = lspci, .slot = slot };

	return pcl_file_replace(path, synth_job_write, &j);
}

static struct pcl_cfg *pick_device(const struct cli_sources *s,
				   const struct pcl_layout *l, bool force)
{
	struct pcl_cfg *found = NULL;
	size_t matches = 0;

	for (size_t i = 0; i < s->count; i++) {
		struct pcl_identity id;

		pcl_cfg_identity(s->cfgs[i], &id);
		if (pcl_layout_matches(l, id.vendor_id, id.device_id,
				       id.subsys_vendor_id, id.subsys_id,
				       id.revision, id.class_code)) {
			if (!found)
				found = s->cfgs[i];
			matches++;
		}
	}
	if (matches == 1 || (matches > 1 && s->count == 1))
		return found;
	if (matches > 1) {
		cli_error("%zu functions in the source match layout '%s'; "
			  "select one with -s", matches, pcl_layout_name(l));
		return NULL;
	}
	if (force && s->count == 1)
		return s->cfgs[0];
	if (!s->count)
		cli_error("no function of the source matches the selection");
	else
		cli_error("layout '%s' does not match %s (use --force to realize it "
			  "anyway)", pcl_layout_name(l),
			  s->count == 1 ? "the device" : "any function of the source");
	return NULL;
}

int cmd_synth(int argc, char **argv)
{
	enum { OPT_PF_SERIAL = 0x100, OPT_ADDRESS, OPT_FORCE };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "pf-serial", required_argument, NULL, OPT_PF_SERIAL },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "json", no_argument, NULL, 'j' },
		CLI_SELECT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_guest_options gopts;
	struct cli_sources src = { 0 };
	struct pcl_layout *layout = NULL;
	struct pcl_guest *guest = NULL;
	struct pcl_diag *diag = NULL;
	struct pcl_error err = { 0 };
	const char *out = NULL, *slot = NULL;
	bool lspci = false, force = false, json = false;
	struct pcl_cfg *cfg;
	int c, r, ret = EXIT_USAGE;
	char *end;

	memset(&gopts, 0, sizeof(gopts));
	while ((c = getopt_long(argc, argv, "o:f:js:d:h", opts, NULL)) != -1) {
		r = cli_select_option(c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "lspci")) {
				lspci = true;
			} else if (!strcmp(optarg, "binary")) {
				lspci = false;
			} else {
				cli_error("unknown format '%s' (binary or "
					  "lspci)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PF_SERIAL:
			errno = 0;
			gopts.pf_serial = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg) {
				cli_error("--pf-serial: '%s' is not a number",
					  optarg);
				return EXIT_USAGE;
			}
			gopts.flags |= PCL_GUEST_OPT_PF_SERIAL;
			break;
		case OPT_ADDRESS:
			slot = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			cli_usage(stdout, synth_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, synth_usage);
		}
	}
	if (argc - optind > 2 || argc - optind < 1 || !out ||
	    (argc - optind == 1 && !cli_select_active())) {
		cli_error("synth needs LAYOUT, SOURCE (or -s/-d on this machine) and -o OUT");
		cli_usage(stderr, synth_usage);
		return EXIT_USAGE;
	}
	if (json && !strcmp(out, "-")) {
		cli_error("synth: -j and -o - both want standard output");
		return EXIT_USAGE;
	}
	diag = pcl_diag_new();
	if (!diag) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	r = pcl_layout_load_file(cli_ctx, argv[optind], &layout, diag);
	if (r) {
		cli_report_diag(diag);
		if (!pcl_diag_count(diag))
			cli_error("%s: %s", argv[optind], strerror(-r));
		goto out;
	}
	if (cli_sources_args(&src, argv + optind + 1, argc - optind - 1, false))
		goto out;
	cfg = pick_device(&src, layout, force);
	if (!cfg) {
		ret = EXIT_FINDING;
		goto out;
	}
	r = pcl_guest_build(cli_ctx, layout, cfg, &gopts, &guest, &err);
	if (r) {
		cli_report(&err);
		ret = r == -ENOMEM ? EXIT_USAGE : EXIT_FINDING;
		goto out;
	}
	if (!strcmp(out, "-"))
		r = write_out(guest, stdout, lspci, slot);
	else
		r = write_atomic(guest, out, lspci, slot);
	if (r) {
		cli_error("%s: %s", out, strerror(-r));
		goto out;
	}
	ret = EXIT_OK;
	if (json) {
		json_t *doc = cli_doc_new("synth"), *lj = json_object();
		char fp[PCL_FINGERPRINT_SIZE] = "";

		pcl_layout_fingerprint(layout, fp);
		json_object_set_new(lj, "name", json_string(pcl_layout_name(layout)));
		json_object_set_new(lj, "revision",
				    json_integer(pcl_layout_revision(layout)));
		json_object_set_new(lj, "fingerprint", json_string(fp));
		json_object_set_new(doc, "layout", lj);
		json_object_set_new(doc, "device", mapcli_device_json(cfg));
		json_object_set_new(doc, "output", json_string(out));
		json_object_set_new(doc, "output_format",
				    json_string(lspci ? "lspci" : "binary"));
		if (cli_doc_print(doc) < 0)
			ret = EXIT_USAGE;
	}
out:
	pcl_guest_free(guest);
	cli_sources_free(&src);
	pcl_layout_free(layout);
	pcl_diag_free(diag);
	return ret;
}
