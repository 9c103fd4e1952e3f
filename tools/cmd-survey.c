// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-survey.c - `pcilayout survey DIR`: a fleet's functions grouped by
 * device model and by the fingerprint of their default layout, with the
 * pools of groups that can migrate to each other - the table an operator
 * acts on. Exit 0 when every model is one pool and every file was read.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "map-common.h"

static const char survey_usage[] =
	"Usage: pcilayout survey [options] SOURCE...|DIR...\n"
	"Group a fleet's config spaces (dumps, binaries, host bundles, or\n"
	"directories of them) by device model and by the fingerprint of their\n"
	"default layout, and say which groups can migrate to each other (the\n"
	"same pool) and which need `pcilayout unify` first.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"      --quirks DIR       add a quirk directory (repeatable)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	"  -j, --json             print the survey as JSON (every group, also\n"
	"                         the models the text summarises in one line)\n"
	CCLI_THREADS_USAGE
	"  -h, --help             show this help\n\n"
	"Exit status: 0 every device model forms one migration pool and every\n"
	"input was read, 1 some model is split or some input was unreadable,\n"
	"2 bad usage or nothing readable.\n";

static int add_host(void *pool, struct pcl_fleet_host *host, const char *name)
{
	return pcl_survey_add_fleet_host(pool, host, name);
}

static int add_fail(void *pool, const char *name, const char *msg)
{
	return pcl_survey_add_failure(pool, name, msg);
}

/* Pools per model: the highest pool number among its groups. */
static int32_t model_pools(struct pcl_survey *s, size_t i)
{
	const struct pcl_host_group *g = pcl_survey_group(s, i);
	int32_t pools = 0;

	for (size_t k = 0; k < pcl_survey_group_count(s); k++) {
		const struct pcl_host_group *o = pcl_survey_group(s, k);

		if (o->vendor == g->vendor && o->device == g->device &&
		    o->is_vf == g->is_vf && o->status > pools)
			pools = o->status;
	}
	return pools;
}

/* Hosts of the model of group @i, over all its groups. */
static size_t model_hosts(struct pcl_survey *s, size_t i)
{
	const struct pcl_host_group *g = pcl_survey_group(s, i);
	size_t hosts = 0;

	for (size_t k = 0; k < pcl_survey_group_count(s); k++) {
		const struct pcl_host_group *o = pcl_survey_group(s, k);

		if (o->vendor == g->vendor && o->device == g->device &&
		    o->is_vf == g->is_vf)
			hosts += o->hosts;
	}
	return hosts;
}

static bool same_model(const struct pcl_host_group *a,
		       const struct pcl_host_group *b)
{
	return a->vendor == b->vendor && a->device == b->device &&
	       a->is_vf == b->is_vf;
}

static int print_survey_json(struct pcl_survey *s)
{
	json_t *o = cli_doc_new("survey"), *gs = json_array(), *fs = json_array();

	if (!o)
		return cli_doc_print(NULL);
	json_object_set_new(o, "hosts", json_integer((json_int_t)pcl_survey_host_count(s)));
	for (size_t i = 0; i < pcl_survey_group_count(s); i++) {
		const struct pcl_host_group *g = pcl_survey_group(s, i);
		json_t *j = ccli_group_json(g);

		json_object_set_new(j, "pool", g->status ? json_integer(g->status) :
							   json_null());
		json_object_set_new(j, "pools_of_model", json_integer(model_pools(s, i)));
		json_object_set_new(j, "layout_name", g->layout ?
				    json_string(pcl_layout_name(g->layout)) : json_null());
		json_array_append_new(gs, j);
	}
	json_object_set_new(o, "groups", gs);
	for (size_t i = 0; i < pcl_survey_failure_count(s); i++)
		json_array_append_new(fs, ccli_failure_json(pcl_survey_failure(s, i)));
	json_object_set_new(o, "unreadable", fs);
	return cli_doc_print(o);
}

/*
 * The table lists the models seen on more than one host, where the
 * question of migrating arises; the others are summarised in one line.
 */
static void print_survey_text(struct pcl_survey *s)
{
	size_t single = 0, rows = 0;

	for (size_t i = 0; i < pcl_survey_group_count(s); i++) {
		const struct pcl_host_group *g = pcl_survey_group(s, i);
		char dev[24], pool[8], fp[24];

		if (model_hosts(s, i) == 1 && g->layout) {
			single++;
			continue;
		}
		if (!rows++)
			printf("%-14s %-5s %6s  %-19s %s\n", "DEVICE", "POOL",
			       "HOSTS", "LAYOUT", "EXAMPLES");
		snprintf(dev, sizeof(dev), "%04x:%04x%s", g->vendor, g->device,
			 g->is_vf ? " VF" : "");
		snprintf(pool, sizeof(pool), g->status ? "%d" : "-", g->status);
		snprintf(fp, sizeof(fp), "%.19s", g->layout ? g->fingerprint :
			 "(cannot plan)");
		printf("%-14s %-5s %6zu  %-19s ", dev, pool, g->hosts, fp);
		for (size_t k = 0; k < g->n_examples; k++)
			printf("%s%s", k ? ", " : "", g->examples[k]);
		printf("%s\n", g->hosts > g->n_examples ? ", ..." : "");
		if (!g->layout)
			ccli_print_report(g->reasons, false, "    ");
	}
	if (rows)
		printf("\n");
	for (size_t i = 0; i < pcl_survey_group_count(s); i++) {
		const struct pcl_host_group *g = pcl_survey_group(s, i);
		int32_t pools = model_pools(s, i);

		if ((i && same_model(g, pcl_survey_group(s, i - 1))) ||
		    (model_hosts(s, i) == 1 && g->layout))
			continue;
		if (pools <= 1)
			printf("%04x:%04x%s: one pool: every host can migrate to every other.\n",
			       g->vendor, g->device, g->is_vf ? " VF" : "");
		else
			printf("%04x:%04x%s: %d pools: guests cannot migrate between pools; `pcilayout unify -d %04x:%04x` computes one layout for all.\n",
			       g->vendor, g->device, g->is_vf ? " VF" : "", pools,
			       g->vendor, g->device);
	}
	if (single) {
		size_t shown = 0;

		printf("%zu device model%s seen on one host only (nothing to migrate between):",
		       single, single == 1 ? "" : "s");
		for (size_t i = 0; i < pcl_survey_group_count(s); i++) {
			const struct pcl_host_group *g = pcl_survey_group(s, i);

			if (model_hosts(s, i) != 1 || !g->layout)
				continue;
			if (shown++ == 8) {
				printf(", ... (-j lists every one)");
				break;
			}
			printf("%s %04x:%04x%s", shown > 1 ? "," : "", g->vendor,
			       g->device, g->is_vf ? " VF" : "");
		}
		printf(".\n");
	}
	if (pcl_survey_failure_count(s))
		printf("%zu input%s could not be read (listed on stderr).\n",
		       pcl_survey_failure_count(s),
		       pcl_survey_failure_count(s) == 1 ? "" : "s");
}

int cmd_survey(int argc, char **argv)
{
	static const struct option opts[] = {
		MAPCLI_QUIRK_OPTIONS,
		CLI_SELECT_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		CCLI_THREADS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mapcli m = { 0 };
	struct pcl_survey *s = pcl_survey_new(cli_ctx);
	bool json = false, split = false;
	struct ccli_pool pool = { .pool = s, .add = add_host, .fail = add_fail,
				  .threads = ccli_default_threads() };
	size_t failures = 0;
	long added;
	int c, r, ret = EXIT_USAGE;

	if (!s) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	while ((c = getopt_long(argc, argv, "js:d:h", opts, NULL)) != -1) {
		r = ccli_option(NULL, &m, c, optarg);
		if (r < 0)
			goto out;
		if (r)
			continue;
		switch (c) {
		case 'j':
			json = true;
			break;
		case CCLI_OPT_THREADS:
			if (ccli_threads(optarg, &pool.threads) < 0)
				goto out;
			break;
		case 'h':
			cli_usage(stdout, survey_usage);
			ret = EXIT_OK;
			goto out;
		default:
			ret = cli_bad_option(argv, survey_usage);
			goto out;
		}
	}
	if (optind >= argc && !cli_select_active()) {
		cli_error("survey needs at least one SOURCE or directory (or -s/-d on this machine)");
		cli_usage(stderr, survey_usage);
		goto out;
	}
	if (mapcli_init(&m) < 0)
		goto out;
	pcl_survey_set_quirks(s, m.db);
	pool.quirks = m.db;
	added = ccli_stream(argv + optind, argc - optind, &pool, &failures);
	if (added < 0)
		goto out;
	if (!added) {
		cli_error("no readable config space among the sources%s",
			  failures ? " (every input failed)" : "");
		goto out;
	}
	r = pcl_survey_run(s);
	if (r < 0) {
		cli_error("survey: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < pcl_survey_group_count(s); i++)
		if (model_pools(s, i) > 1 || !pcl_survey_group(s, i)->layout)
			split = true;
	ret = split || failures ? EXIT_FINDING : EXIT_OK;
	if (json && print_survey_json(s) < 0)
		ret = EXIT_USAGE;
	else if (!json)
		print_survey_text(s);
out:
	pcl_survey_free(s);
	mapcli_fini(&m);
	return ret;
}
