// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcilayout.c - the command-line tool's entry point: global options, then
 * dispatch to one subcommand through a table (help text comes from it),
 * then cli_finish(): the JSON error document under --json, and the check
 * of every write to standard output.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"
#include "commands.h"

static const struct cli_command commands[] = {
	{ "show", cmd_show, "walk capability chains and report findings" },
	{ "lint", cmd_lint, "check layout files and list every error" },
	{ "fmt", cmd_fmt, "print or rewrite a layout file in canonical form" },
	{ "fingerprint", cmd_fingerprint, "print the SHA-256 fingerprint of layouts" },
	{ "map", cmd_map, "show who owns each config-space byte" },
	{ "gaps", cmd_gaps, "rank the free windows for a new capability" },
	{ "dvsec", cmd_dvsec, "encode, decode or inject the free-space DVSEC" },
	{ "plan", cmd_plan, "compute a device's guest layout and explain it" },
	{ "check", cmd_check, "can this device realize this layout (migration destination)" },
	{ "diff", cmd_diff, "are two layouts migration-compatible" },
	{ "unify", cmd_unify, "one layout for the same device on many hosts" },
	{ "survey", cmd_survey, "group a fleet by device model and layout" },
	{ "synth", cmd_synth, "write the guest's initial config space for a layout" },
	{ "collect", cmd_collect, "write this host's bundle: config spaces, IOMMUs, links" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-hV] COMMAND [ARGS...]\n"
		"Compute, explain and check the PCI config-space layout a VMM\n"
		"shows a guest for an assigned device.\n\n"
		"Commands:\n",
		cli_prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\nRun '%s COMMAND -h' for a command's options.\n"
		   "Exit status: 0 success, 1 an error-severity finding or a "
		   "negative answer,\n2 bad usage or unreadable input.\n",
		cli_prog);
}

/*
 * -j or --json among the command's arguments (before "--"): JSON mode
 * starts before the command parses its options, so that even a bad
 * option is reported in JSON.
 */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			return true;
	}
	return false;
}

static void log_to_stderr(void *opaque, int prio, const char *file, int line,
			  const char *fn, const char *msg)
{
	fprintf(stderr, "%s: libpcilayout: %s: %s\n", cli_prog, fn, msg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	cli_stdout_init();
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return cli_finish("", EXIT_OK);
		case 'V':
			printf("pcilayout %s\n", pcl_version());
			return cli_finish("", EXIT_OK);
		default:
			usage(stderr);
			return cli_finish("", EXIT_USAGE);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return cli_finish("", EXIT_USAGE);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		int first = optind;

		cli_set_json(wants_json(argc - first, argv + first));
		/* getopt's own messages are text; under --json, the command
		 * reports a bad option itself (cli_bad_option()). */
		opterr = !cli_json();
		cli_ctx = pcl_ctx_new();
		if (!cli_ctx) {
			cli_error("out of memory");
			return cli_finish(commands[i].name, EXIT_USAGE);
		}
		pcl_ctx_set_log_fn(cli_ctx, log_to_stderr, NULL);
		/* The subcommand sees argv[0] = its name; optind = 0 makes
		 * GNU getopt start over for it. */
		optind = 0;
		r = commands[i].fn(argc - first, argv + first);
		r = cli_finish(commands[i].name, r);
		pcl_ctx_free(cli_ctx);
		return r;
	}
	cli_error("unknown command '%s' (see '%s -h')", argv[optind], cli_prog);
	return cli_finish("", EXIT_USAGE);
}
