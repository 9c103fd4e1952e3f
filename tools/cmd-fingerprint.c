// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-fingerprint.c - `pcilayout fingerprint FILE...`: print each layout's
 * fingerprint ("sha256:<hex> FILE", like sha256sum), the identity of the
 * guest-visible layout that migration checks and saved device state carry.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char fingerprint_usage[] =
	"Usage: pcilayout fingerprint FILE...\n"
	"Print the fingerprint of each layout file: SHA-256 over its canonical\n"
	"form without descriptions, provenance and hidden entries: what the\n"
	"guest sees (docs/layout-format.md).\n"
	"FILE may be '-' for standard input.\n\n"
	"Options:\n"
	"  -j, --json     print {file, fingerprint, errors} for each FILE\n"
	"  -h, --help     show this help\n\n"
	"Exit status: 0 ok, 1 a file is invalid, 2 bad usage or a file cannot\n"
	"be read.\n";

int cmd_fingerprint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_diag *diag;
	json_t *doc = NULL, *list = NULL;
	bool json = false;
	int c, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			cli_usage(stdout, fingerprint_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, fingerprint_usage);
		}
	}
	if (optind >= argc) {
		cli_error("fingerprint: no FILE given");
		cli_usage(stderr, fingerprint_usage);
		return EXIT_USAGE;
	}
	diag = pcl_diag_new();
	if (!diag) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (json) {
		doc = cli_doc_new("fingerprint");
		list = json_array();
		json_object_set_new(doc, "layouts", list);
	}
	for (int i = optind; i < argc; i++) {
		struct pcl_layout *layout = NULL;
		char fp[PCL_FINGERPRINT_SIZE];
		int r = pcl_layout_load_file(cli_ctx, argv[i], &layout, diag);

		if (r == 0)
			r = pcl_layout_fingerprint(layout, fp);
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "file", json_string(argv[i]));
			json_object_set_new(o, "fingerprint",
					    r ? json_null() : json_string(fp));
			json_object_set_new(o, "errors", cli_diag_json(diag));
			json_array_append_new(list, o);
		}
		cli_flush_diag(diag);
		if (r == 0) {
			if (!json)
				printf("%s %s\n", fp, argv[i]);
		} else if (r == -EINVAL || r == -EFBIG)
			status = status == EXIT_OK ? EXIT_FINDING : status;
		else
			status = EXIT_USAGE;
		pcl_layout_free(layout);
	}
	pcl_diag_free(diag);
	if (json)
		cli_doc_print(doc);
	return status;
}
