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
	"  -h, --help     show this help\n\n"
	"Exit status: 0 all files valid, 1 a file is invalid, 2 bad usage or a\n"
	"file cannot be read.\n";

int cmd_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_diag *diag;
	bool quiet = false;
	int c, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			cli_usage(stdout, lint_usage);
			return EXIT_OK;
		default:
			cli_usage(stderr, lint_usage);
			return EXIT_USAGE;
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
	for (int i = optind; i < argc; i++) {
		struct pcl_layout *layout = NULL;
		int r = pcl_layout_load_file(cli_ctx, argv[i], &layout, diag);

		cli_flush_diag(diag);
		if (r == 0) {
			if (!quiet)
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
	return status;
}
