// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-lint.c - `pcilayout lint FILE...`: check layout and quirk files
 * against format 1 and list every error, one per line, as
 * "file:line:column: message" on standard error (the shape compilers use,
 * so editors can jump to each one). Every file is checked even after one
 * fails.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char lint_usage[] =
	"Usage: pcilayout lint [options] FILE...\n"
	"Check layout and quirk files (format 1, docs/layout-format.md) and list\n"
	"every error as file:line:column: message on standard error.\n"
	"FILE may be '-' for standard input.\n\n"
	"Options:\n"
	"  -q, --quiet    print nothing for valid files (the default prints\n"
	"                 \"FILE: ok\" on standard output)\n"
	"  -j, --json     print every file's verdict and errors as JSON\n"
	"  -h, --help     show this help\n\n"
	"Exit status: 0 all files valid, 1 a file is invalid, 2 bad usage or a\n"
	"file cannot be read.\n";

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_diag *diag;
	bool quiet = false, json = false;
	json_t *doc = NULL, *files = NULL;
	int c, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, "qjh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			cli_usage(stdout, lint_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, lint_usage);
		}
	}
	if (optind >= argc) {
		cli_error("lint: no FILE given");
		cli_usage(stderr, lint_usage);
		return EXIT_USAGE;
	}
	diag = pcl_diag_new();
	if (!diag) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (json) {
		doc = cli_doc_new("lint");
		files = json_array();
		json_object_set_new(doc, "files", files);
	}
	for (int i = optind; i < argc; i++) {
		struct pcl_layout *layout = NULL;
		int r = pcl_layout_load_file(cli_ctx, argv[i], &layout, diag);

		if (json) {
			json_t *f = json_object();

			json_object_set_new(f, "file", json_string(argv[i]));
			json_object_set_new(f, "valid", json_boolean(r == 0));
			json_object_set_new(f, "kind", r ? json_null() : json_string(
				pcl_layout_kind(layout) == PCL_LAYOUT_KIND_QUIRK ?
				"quirk" : "layout"));
			json_object_set_new(f, "errors", cli_diag_json(diag));
			json_array_append_new(files, f);
		}
		cli_flush_diag(diag);
		if (r == 0) {
			if (!quiet && !json)
				printf("%s: ok\n", argv[i]);
		} else if (r == -EINVAL || r == -EFBIG) {
			if (status == EXIT_OK)
				status = EXIT_FINDING;
		} else {
			if (r == -ENOMEM)
				cli_error("%s: %s", argv[i], strerror(-r));
			status = EXIT_USAGE;
		}
		pcl_layout_free(layout);
	}
	pcl_diag_free(diag);
	if (json)
		cli_doc_print(doc);
	return status;
}
