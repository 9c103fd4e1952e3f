// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-unify.c - `pcilayout unify SOURCE...|DIR`: one layout every host of
 * a mixed-firmware pool can realize, and the hosts that cannot join, with
 * their reasons. Sources are streamed one file at a time. Prints the
 * layout (or writes it with -o); --explain and --json print the report.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "map-common.h"

static const char unify_usage[] =
	"Usage: pcilayout unify [options] SOURCE...|DIR...\n"
	"Compute one layout that every host of a pool can realize, from the\n"
	"config spaces of the same device model on many hosts (dumps, binaries,\n"
	"host bundles, or directories of them), and list the hosts that cannot\n"
	"join and why.\n"
	"Capabilities keep the physical offset most hosts have; hosts whose\n"
	"firmware puts them elsewhere get them relocated; virtual capabilities\n"
	"go in a window that is free on every host.\n\n"
	"Options:\n"
	"  -a, --add LIST         add virtual capabilities: pasid, dsn\n"
	"      --pasid-width N    the IOMMU's max PASID width (out_max_pasid_log2)\n"
	"      --pasid-exec       the IOMMU allows PASID execute permission\n"
	"      --pasid-priv       the IOMMU allows PASID privileged mode\n"
	"      --dsn SERIAL       the virtual DSN's serial (required with dsn)\n"
	"      --hide-missing     hide a capability some hosts lack instead of\n"
	"                         excluding those hosts (default: a capability\n"
	"                         more than half the hosts have is kept)\n"
	"  -d, --device VEN:DEV   unify this device model (default: the most\n"
	"                         common); -d and -s select as for lspci\n"
	"  -s, --slot [[DOM:]BUS:][DEV][.FN]  only functions at these addresses\n"
	"      --name NAME        the layout's name\n"
	"      --machine TYPE     a machine-type pattern for the layout\n"
	"      --quirks DIR       add a quirk directory (repeatable)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	"      --explain          print the hosts, groups and every decision\n"
	"  -j, --json             print the report and the layout as JSON\n"
	"  -o, --output FILE      write the layout to FILE (atomically)\n"
	CCLI_THREADS_USAGE
	"  -h, --help             show this help\n\n"
	"With --explain or --json, the layout goes only to -o FILE.\n"
	"Exit status: 0 every host can join, 1 some host cannot (or none can),\n"
	"2 bad usage or no readable input of the device model.\n";

enum { OPT_DSN = 256, OPT_HIDE, OPT_NAME, OPT_MACHINE, OPT_EXPLAIN };

static int add_host(void *pool, struct pcl_fleet_host *host, const char *name)
{
	return pcl_unify_add_fleet_host(pool, host, name);
}

static int add_fail(void *pool, const char *name, const char *msg)
{
	return pcl_unify_add_failure(pool, name, msg);
}

static const char *status_word(int status)
{
	return status > 0 ? "joins" : status == 0 ? "excluded" : "ignored";
}

static void explain(struct pcl_unify *u, const struct pcl_layout *l)
{
	char fp[PCL_FINGERPRINT_SIZE] = "";

	printf("Pool: %zu host%s of the device model, %zu can realize the layout",
	       pcl_unify_host_count(u), pcl_unify_host_count(u) == 1 ? "" : "s",
	       pcl_unify_joined(u));
	if (pcl_unify_ignored(u))
		printf("; %zu function%s of other models ignored",
		       pcl_unify_ignored(u), pcl_unify_ignored(u) == 1 ? "" : "s");
	printf(".\n");
	if (l) {
		pcl_layout_fingerprint(l, fp);
		printf("Layout %s revision %u (%s)\n", pcl_layout_name(l),
		       pcl_layout_revision(l), fp);
		for (int s = 0; s < 2; s++) {
			for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++) {
				const struct pcl_layout_entry *e = pcl_layout_entry(l, s, i);
				const char *n = pcl_layout_cap_name(s, e->id);
				char nb[16];

				if (!n) {
					snprintf(nb, sizeof(nb), "0x%x", e->id);
					n = nb;
				}
				if (e->kind == PCL_ENTRY_HIDDEN)
					printf("  %-6s %-8s hidden\n", "-", n);
				else
					printf("  0x%03x  %-8s %s\n", (unsigned int)e->at, n,
					       e->kind == PCL_ENTRY_VIRTUAL ? "virtual" : "physical");
				if (e->prov_reason)
					printf("         %s\n", e->prov_reason);
			}
		}
	}
	printf("Host groups:\n");
	for (size_t i = 0; i < pcl_unify_group_count(u); i++) {
		const struct pcl_host_group *g = pcl_unify_group(u, i);

		if (g->status < 0)
			continue;
		printf("  %-8s %zu host%s  %04x:%04x%s  e.g. ", status_word(g->status),
		       g->hosts, g->hosts == 1 ? " " : "s", g->vendor, g->device,
		       g->is_vf ? " VF" : "");
		for (size_t k = 0; k < g->n_examples; k++)
			printf("%s%s", k ? ", " : "", g->examples[k]);
		printf("%s\n", g->hosts > g->n_examples ? ", ..." : "");
		ccli_print_report(g->reasons, false, "      ");
	}
	for (size_t i = 0; i < pcl_unify_failure_count(u); i++) {
		const struct pcl_input_failure *f = pcl_unify_failure(u, i);

		printf("  %-8s %s: %s\n", "unread", f->name, f->message);
	}
}

static json_t *report_json(struct pcl_unify *u, const struct pcl_layout *l)
{
	json_t *o = cli_doc_new("unify"), *gs = json_array(), *fs = json_array();
	char fp[PCL_FINGERPRINT_SIZE] = "";

	json_object_set_new(o, "hosts", json_integer((json_int_t)pcl_unify_host_count(u)));
	json_object_set_new(o, "joined", json_integer((json_int_t)pcl_unify_joined(u)));
	json_object_set_new(o, "ignored", json_integer((json_int_t)pcl_unify_ignored(u)));
	if (l)
		pcl_layout_fingerprint(l, fp);
	json_object_set_new(o, "fingerprint", l ? json_string(fp) : json_null());
	json_object_set_new(o, "layout", ccli_layout_json(l));
	for (size_t i = 0; i < pcl_unify_group_count(u); i++) {
		const struct pcl_host_group *g = pcl_unify_group(u, i);
		json_t *j;

		if (g->status < 0)
			continue;
		j = ccli_group_json(g);
		json_object_set_new(j, "status", json_string(status_word(g->status)));
		json_array_append_new(gs, j);
	}
	json_object_set_new(o, "groups", gs);
	for (size_t i = 0; i < pcl_unify_failure_count(u); i++)
		json_array_append_new(fs, ccli_failure_json(pcl_unify_failure(u, i)));
	json_object_set_new(o, "unreadable", fs);
	return o;
}

int cmd_unify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "add", required_argument, NULL, 'a' },
		CCLI_PASID_OPTIONS,
		{ "dsn", required_argument, NULL, OPT_DSN },
		{ "hide-missing", no_argument, NULL, OPT_HIDE },
		CLI_SELECT_OPTIONS,
		{ "name", required_argument, NULL, OPT_NAME },
		{ "machine", required_argument, NULL, OPT_MACHINE },
		MAPCLI_QUIRK_OPTIONS,
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		CCLI_THREADS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ccli_pasid pa = { .width = -1 };
	struct mapcli m = { 0 };
	struct pcl_unify *u = pcl_unify_new(cli_ctx);
	const struct pcl_layout *l = NULL;
	const char *output = NULL, *dsn = NULL, *name = NULL, *machine = NULL;
	bool add_pasid = false, add_dsn = false, hide = false, json = false,
	     expl = false;
	uint16_t ven = 0, dev = 0;
	struct ccli_pool pool = { .pool = u, .add = add_host, .fail = add_fail,
				  .threads = ccli_default_threads() };
	size_t failures = 0;
	long added;
	int c, r, ret = EXIT_USAGE;

	if (!u) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	while ((c = getopt_long(argc, argv, "a:o:js:d:h", opts, NULL)) != -1) {
		r = ccli_option(&pa, &m, c, optarg);
		if (r < 0)
			goto out;
		if (r)
			continue;
		switch (c) {
		case 'a': {
			char *copy = strdup(optarg), *save = NULL, *tok;

			for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, "pasid")) {
					add_pasid = true;
				} else if (!strcmp(tok, "dsn")) {
					add_dsn = true;
				} else {
					cli_error("--add: unknown virtual capability '%s' (known: pasid, dsn)",
						  tok);
					free(copy);
					goto out;
				}
			}
			free(copy);
			break;
		}
		case OPT_DSN:
			dsn = optarg;
			add_dsn = true;
			break;
		case OPT_HIDE:
			hide = true;
			break;
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_MACHINE:
			machine = optarg;
			break;
		case OPT_EXPLAIN:
			expl = true;
			break;
		case 'j':
			json = true;
			break;
		case 'o':
			output = optarg;
			break;
		case CCLI_OPT_THREADS:
			if (ccli_threads(optarg, &pool.threads) < 0)
				goto out;
			break;
		case 'h':
			cli_usage(stdout, unify_usage);
			ret = EXIT_OK;
			goto out;
		default:
			ret = cli_bad_option(argv, unify_usage);
			goto out;
		}
	}
	if (optind >= argc && !cli_select_active()) {
		cli_error("unify needs at least one SOURCE or directory (or -s/-d on this machine)");
		cli_usage(stderr, unify_usage);
		goto out;
	}
	if (ccli_pasid_check(&pa) < 0)
		goto out;
	if (pa.width >= 0)
		add_pasid = true;
	if (add_dsn) {
		unsigned long long v;
		char *end;

		if (!dsn || !strcmp(dsn, "from-pf")) {
			cli_error("--add dsn needs --dsn SERIAL: a from-pf serial differs on every host, so a pool cannot share it");
			goto out;
		}
		errno = 0;
		v = strtoull(dsn, &end, 0);
		if (errno || *end || dsn[0] == '-' || !dsn[0]) {
			cli_error("--dsn '%s': a 64-bit number", dsn);
			goto out;
		}
		pcl_unify_add_dsn(u, v);
	}
	if (add_pasid) {
		struct pcl_plan_pasid p;

		ccli_pasid_get(&pa, &p);
		pcl_unify_add_pasid(u, &p);
	}
	if (name && pcl_unify_set_name(u, name) < 0) {
		cli_error("--name '%s': letters, digits and ._+- (at most 64)", name);
		goto out;
	}
	if (machine && pcl_unify_set_machine(u, machine) < 0) {
		cli_error("--machine '%s': 1 to 64 printable characters", machine);
		goto out;
	}
	if (cli_select_ids(&ven, &dev))
		pcl_unify_set_device(u, ven, dev);
	pcl_unify_set_missing(u, hide ? PCL_UNIFY_MISSING_HIDE :
				      PCL_UNIFY_MISSING_MAJORITY);
	if (mapcli_init(&m) < 0)
		goto out;
	pcl_unify_set_quirks(u, m.db);
	pool.quirks = m.db;
	added = ccli_stream(argv + optind, argc - optind, &pool, &failures);
	if (added < 0)
		goto out;
	if (!added) {
		cli_error("no readable config space among the sources%s",
			  failures ? " (every input failed)" : "");
		goto out;
	}
	r = pcl_unify_run(u, &l);
	if (r == -ENODATA) {
		cli_error("no function of device %04x:%04x among the sources (%s)",
			  ven, dev, cli_select_text());
		goto out;
	}
	if (r < 0 && r != -ENOSPC) {
		cli_error("unify: %s", strerror(-r));
		goto out;
	}
	if (output && l) {
		r = pcl_layout_save_file(l, output);
		if (r < 0) {
			cli_error("%s: %s", output, strerror(-r));
			goto out;
		}
	}
	if (!json && !expl && pcl_unify_joined(u) < pcl_unify_host_count(u))
		cli_warn("%zu of %zu hosts cannot realize the layout (--explain says why)",
			 pcl_unify_host_count(u) - pcl_unify_joined(u),
			 pcl_unify_host_count(u));
	if (!l)
		cli_error("no host can join the pool (--explain says why)");
	ret = l && pcl_unify_joined(u) == pcl_unify_host_count(u) ? EXIT_OK :
								      EXIT_FINDING;
	if (json) {
		if (cli_doc_print(report_json(u, l)) < 0)
			ret = EXIT_USAGE;
	} else if (expl) {
		explain(u, l);
	} else if (!output && l && pcl_layout_save(l, stdout) < 0) {
		cli_error("cannot write the layout");
		ret = EXIT_USAGE;
	}
out:
	pcl_unify_free(u);
	mapcli_fini(&m);
	return ret;
}
