// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-plan.c - `pcilayout plan SOURCE`: compute the layout a guest should
 * see for a device, with virtual PASID/DSN placed by the policy cascade,
 * and print it (canonical layout file), explain it (--explain, or the
 * decisions of -j), or turn it into a VMM's words (--emit, emit.c). Exit 1
 * means "cannot place" (every rule is listed) or, with --emit, a part the
 * target cannot express; 2 bad usage or input the plan contradicts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "emit.h"
#include "map-common.h"

static const char plan_usage[] =
	"Usage: pcilayout plan [options] [SOURCE]\n"
	"Compute the config-space layout a guest sees for an assigned device,\n"
	"and why: physical capabilities where they are (minus those a VMM\n"
	"hides), virtual ones placed by the cascade user -> layout database ->\n"
	"quirk -> free-space DVSEC -> gap. Prints the canonical layout file.\n\n"
	"SOURCE is a dump, a binary config space, a host bundle, '-' or a PCI\n"
	"address; -s/-d pick one function of it (or, without SOURCE, of this\n"
	"machine). For a VF read through sysfs or from a bundle, its PF is read\n"
	"too.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"  -a, --add LIST         add virtual capabilities: pasid, dsn (comma-separated)\n"
	"  -p, --place CAP@OFF    put a virtual capability there, or move a physical one\n"
	"      --free RANGES      the only config space virtual capabilities may use,\n"
	"                         e.g. 0xf00-0xfff (repeatable)\n"
	"      --hide CAP         hide a capability (name, or std:ID / ext:ID)\n"
	"      --keep CAP         present a capability that is hidden by default\n"
	"      --layout FILE      a layout that defines the base guest view\n"
	"      --layouts DIR      a layout database directory (repeatable)\n"
	"      --machine TYPE     the VM's machine type (selects database revisions)\n"
	"      --profile NAME     the profile (selects database layouts)\n"
	"      --quirks DIR       add a quirk directory (repeatable)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	MAPCLI_STRICT_USAGE
	"      --pf SOURCE        the PF of this VF\n"
	"      --pasid-width N    the IOMMU's max PASID width (out_max_pasid_log2)\n"
	"      --pasid-exec       the IOMMU allows PASID execute permission\n"
	"      --pasid-priv       the IOMMU allows PASID privileged mode\n"
	"      --dsn SERIAL|from-pf  the virtual DSN's serial\n"
	"      --name NAME        the layout's name\n"
	"      --import qemu      the view stock QEMU's vfio-pci gives this device\n"
	"                         today, as revision 0, to check and diff a running\n"
	"                         guest like a planned one (no database, quirks or\n"
	"                         requests)\n"
	CLI_ALLOW_HELP
	"      --explain          print every decision and its reason\n"
	"      --emit TARGET      print the plan for a VMM stack: qemu (-device\n"
	"                         vfio-pci properties), qemu-json (-device JSON\n"
	"                         and QMP device_add) or libvirt (<hostdev> with\n"
	"                         <qemu:override>)\n"
	"      --allow-partial    with --emit, exit 0 although part of the plan\n"
	"                         cannot be expressed (it is still listed)\n"
	"  -j, --json             print the layout, its fingerprint and every\n"
	"                         decision as one JSON document\n"
	"  -o, --output FILE      write the layout to FILE (atomically)\n"
	"  -h, --help             show this help\n\n"
	"With --explain, --emit or --json, the layout goes only to -o FILE.\n"
	"Exit status: 0 planned, 1 a capability cannot be placed or (--emit)\n"
	"something the target cannot express, 2 bad usage, unreadable input, a\n"
	"request the device contradicts, or (--strict) no quirk database.\n";

enum {
	OPT_FREE = 256, OPT_HIDE, OPT_KEEP, OPT_LAYOUT, OPT_LAYOUTS,
	OPT_MACHINE, OPT_PROFILE, OPT_PF,
	OPT_PASID_WIDTH, OPT_PASID_EXEC, OPT_PASID_PRIV, OPT_DSN, OPT_NAME,
	OPT_EXPLAIN, OPT_EMIT, OPT_ALLOW_PARTIAL, OPT_ALLOW, OPT_IMPORT,
};

#define MAX_LIST 64

struct plan_opts {
	bool add_pasid, add_dsn;
	const char *places[MAX_LIST];
	size_t n_places;
	char *free_text;
	const char *hide[MAX_LIST], *keep[MAX_LIST];
	size_t n_hide, n_keep;
	const char *layout_file;
	const char *layout_dirs[16];
	size_t n_layout_dirs;
	const char *machine, *profile, *pf, *dsn, *name, *output;
	struct mapcli m;
	long pasid_width;
	bool pasid_exec, pasid_priv, explain, emit, allow_partial, json;
	bool import;
	uint32_t allow;
	enum emit_kind emit_kind;
};

static int parse_add(struct plan_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int r = 0;

	if (!copy) {
		cli_error("out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "pasid") == 0) {
			o->add_pasid = true;
		} else if (strcmp(tok, "dsn") == 0) {
			o->add_dsn = true;
		} else {
			cli_error("--add: unknown virtual capability '%s' (known: pasid, dsn)",
				  tok);
			r = -1;
			break;
		}
	}
	free(copy);
	return r;
}

static int append_free(struct plan_opts *o, const char *arg)
{
	size_t old = o->free_text ? strlen(o->free_text) : 0;
	char *grown = realloc(o->free_text, old + strlen(arg) + 2);

	if (!grown) {
		cli_error("out of memory");
		return -1;
	}
	if (old)
		grown[old++] = ',';
	strcpy(grown + old, arg);
	o->free_text = grown;
	return 0;
}

/* "name", "std:name", "ext:0x10": apply @fn to every space it names. */
static int apply_cap(struct pcl_plan_request *req, const char *arg, bool hide)
{
	int spaces[2], ns = 0, done = 0;
	const char *text = arg;
	uint16_t id;

	if (strncmp(arg, "std:", 4) == 0) {
		spaces[ns++] = PCL_SPACE_STANDARD;
		text = arg + 4;
	} else if (strncmp(arg, "ext:", 4) == 0) {
		spaces[ns++] = PCL_SPACE_EXTENDED;
		text = arg + 4;
	} else {
		if (arg[0] >= '0' && arg[0] <= '9') {
			cli_error("--%s %s: a number is ambiguous; write std:%s or ext:%s",
				  hide ? "hide" : "keep", arg, arg, arg);
			return -1;
		}
		spaces[ns++] = PCL_SPACE_STANDARD;
		spaces[ns++] = PCL_SPACE_EXTENDED;
	}
	for (int i = 0; i < ns; i++) {
		int r;

		if (pcl_layout_cap_parse(spaces[i], text, &id) < 0)
			continue;
		r = hide ? pcl_plan_request_hide(req, spaces[i], id) :
			   pcl_plan_request_keep(req, spaces[i], id);
		if (r == -EEXIST) {
			cli_error("--%s %s: already hidden or kept", hide ? "hide" : "keep",
				  arg);
			return -1;
		}
		if (r < 0) {
			cli_error("--%s %s: %s", hide ? "hide" : "keep", arg,
				  strerror(-r));
			return -1;
		}
		done++;
	}
	if (!done) {
		cli_error("--%s: '%s' is not a capability name or ID",
			  hide ? "hide" : "keep", arg);
		return -1;
	}
	return 0;
}

static const char *entry_name(const struct pcl_layout_entry *e, char *buf,
			      size_t size)
{
	return pcl_layout_cap_label(e->space, e->id, buf, size);
}

/* The planner's warnings (an override it was allowed, ...), unless
 * --explain prints every note anyway. */
static void print_notes(const struct pcl_report *notes, bool warnings)
{
	for (size_t i = 0; warnings && i < pcl_report_count(notes); i++) {
		const struct pcl_finding *f = pcl_report_get(notes, i);

		if (f->severity >= PCL_SEVERITY_WARNING)
			cli_warn("%s", f->message);
	}
}

/* The planner's reason for the database layout it chose, if it had one. */
static const char *database_note(const struct pcl_report *notes)
{
	for (size_t i = 0; i < pcl_report_count(notes); i++)
		if (!strcmp(pcl_report_get(notes, i)->code, "database"))
			return pcl_report_get(notes, i)->message;
	return NULL;
}

static void print_explain(const struct pcl_layout *l,
			  const struct pcl_cfg *cfg,
			  const struct pcl_report *notes)
{
	struct pcl_identity id;
	const char *slot = pcl_cfg_slot(cfg);
	char nb[16];

	pcl_cfg_identity(cfg, &id);
	printf("Plan for %s %04x:%04x%s (%s)\n", slot ? slot : "-",
	       id.vendor_id, id.device_id, id.is_vf ? " VF" : "",
	       pcl_cfg_source(cfg));
	for (size_t i = 0; i < pcl_report_count(notes); i++) {
		const struct pcl_finding *f = pcl_report_get(notes, i);

		if (!strcmp(f->code, "database"))
			printf("Layout database: %s.\n", f->message);
		else
			printf("Note (%s): %s.\n", f->code, f->message);
	}
	for (int s = 0; s < 2; s++) {
		size_t n = pcl_layout_entry_count(l, s);

		printf("%s space:\n", s == 0 ? "Standard" : "Extended");
		if (!n)
			printf("  (nothing)\n");
		for (size_t i = 0; i < n; i++) {
			const struct pcl_layout_entry *e = pcl_layout_entry(l, s, i);
			const char *kind = e->kind == PCL_ENTRY_HIDDEN ? "hidden" :
					   e->kind == PCL_ENTRY_VIRTUAL ? "virtual" :
									  "physical";

			if (e->kind == PCL_ENTRY_HIDDEN)
				printf("  %-6s ", "-");
			else
				printf("  0x%03x  ", (unsigned int)e->at);
			printf("%-8s %-9s rule %s\n", entry_name(e, nb, sizeof(nb)),
			       kind, pcl_prov_rule_name(e->prov_rule) ?
					     pcl_prov_rule_name(e->prov_rule) : "none");
			if (e->prov_reason)
				printf("         %s\n", e->prov_reason);
		}
	}
}

/* The decisions of --explain, as JSON: one object per entry. */
static json_t *decisions_json(const struct pcl_layout *l)
{
	json_t *a = json_array();
	char nb[16];

	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++) {
			const struct pcl_layout_entry *e = pcl_layout_entry(l, s, i);
			json_t *o = json_object();
			const char *rule = pcl_prov_rule_name(e->prov_rule);

			json_object_set_new(o, "space", json_string(pcl_space_name(s)));
			json_object_set_new(o, "id", json_string(entry_name(e, nb, sizeof(nb))));
			json_object_set_new(o, "kind", json_string(
				e->kind == PCL_ENTRY_HIDDEN ? "hidden" :
				e->kind == PCL_ENTRY_VIRTUAL ? "virtual" : "physical"));
			json_object_set_new(o, "at", e->kind == PCL_ENTRY_HIDDEN ?
					    json_null() : cli_json_hex((unsigned long)e->at));
			json_object_set_new(o, "rule", rule ? json_string(rule) : json_null());
			json_object_set_new(o, "reason", e->prov_reason ?
					    json_string(e->prov_reason) : json_null());
			json_array_append_new(a, o);
		}
	}
	return a;
}

/*
 * A layout is shared between hosts, so it names where it was planned
 * from without the host's directories: the planner writes the source as
 * the cfg names it; a file keeps only its base name.
 */
static int strip_host_path(struct pcl_layout *l, const struct pcl_cfg *cfg)
{
	const char *desc = pcl_layout_description(l), *src = pcl_cfg_source(cfg);
	const char *base = strrchr(src, '/'), *at;
	char buf[4096];

	if (!desc || !base || !(at = strstr(desc, src)))
		return 0;
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - desc), desc, base + 1,
		 at + strlen(src));
	return pcl_layout_set_description(l, buf);
}

/*
 * --import describes what a running VM already sees, so nothing may change
 * it: what would is refused rather than ignored.
 */
static int import_conflict(const struct plan_opts *o)
{
	const char *what = o->add_pasid || o->add_dsn ? "--add" :
			   o->n_places ? "--place" :
			   o->free_text ? "--free" :
			   o->n_hide ? "--hide" :
			   o->n_keep ? "--keep" :
			   o->layout_file ? "--layout" :
			   o->n_layout_dirs ? "--layouts" :
			   o->m.n_quirk_dirs ? "--quirks" :
			   o->profile ? "--profile" : NULL;

	if (what)
		cli_error("--import writes the view the VMM gives today; %s would change it",
			  what);
	return what ? -1 : 0;
}

/* Revision 0 (layout-format 8.1) and a description that says so. */
static int mark_imported(struct pcl_layout *l, const struct pcl_cfg *cfg)
{
	struct pcl_identity id;
	char desc[512];
	int r;

	pcl_cfg_identity(cfg, &id);
	snprintf(desc, sizeof(desc),
		 "The guest view stock QEMU's vfio-pci gives %04x:%04x%s (checked byte for byte against QEMU 7.2, docs/planner.md), imported by pcilayout from %s.",
		 id.vendor_id, id.device_id, id.is_vf ? " (VF)" : "",
		 pcl_cfg_source(cfg));
	r = pcl_layout_set_revision(l, 0);
	return r ? r : pcl_layout_set_description(l, desc);
}

static int print_json(const struct pcl_layout *l, const struct pcl_cfg *cfg,
		      const struct pcl_report *notes, const char *output)
{
	json_t *doc = cli_doc_new("plan");
	char fp[PCL_FINGERPRINT_SIZE] = "";

	if (!doc)
		return cli_doc_print(NULL);
	pcl_layout_fingerprint(l, fp);
	json_object_set_new(doc, "device", mapcli_device_json(cfg));
	json_object_set_new(doc, "layout", ccli_layout_json(l));
	json_object_set_new(doc, "fingerprint", json_string(fp));
	json_object_set_new(doc, "decisions", decisions_json(l));
	const char *dbwhy = database_note(notes);

	json_object_set_new(doc, "database", dbwhy ? json_string(dbwhy) : json_null());
	json_object_set_new(doc, "output", output ? json_string(output) : json_null());
	return cli_doc_print(doc);
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "add", required_argument, NULL, 'a' },
		{ "place", required_argument, NULL, 'p' },
		{ "free", required_argument, NULL, OPT_FREE },
		{ "hide", required_argument, NULL, OPT_HIDE },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "layout", required_argument, NULL, OPT_LAYOUT },
		{ "layouts", required_argument, NULL, OPT_LAYOUTS },
		{ "machine", required_argument, NULL, OPT_MACHINE },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		MAPCLI_QUIRK_OPTIONS,
		MAPCLI_STRICT_OPTION,
		{ "pf", required_argument, NULL, OPT_PF },
		{ "pasid-width", required_argument, NULL, OPT_PASID_WIDTH },
		{ "pasid-exec", no_argument, NULL, OPT_PASID_EXEC },
		{ "pasid-priv", no_argument, NULL, OPT_PASID_PRIV },
		{ "dsn", required_argument, NULL, OPT_DSN },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "emit", required_argument, NULL, OPT_EMIT },
		{ "allow-partial", no_argument, NULL, OPT_ALLOW_PARTIAL },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "import", required_argument, NULL, OPT_IMPORT },
		{ "json", no_argument, NULL, 'j' },
		CLI_SELECT_OPTIONS,
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct plan_opts o = { .pasid_width = -1 };
	struct cli_sources src = { 0 }, pfsrc = { 0 };
	struct pcl_plan_request *req = NULL;
	struct pcl_layout_db *db = NULL;
	struct pcl_layout *user = NULL, *out = NULL;
	struct pcl_diag *diag = pcl_diag_new();
	struct pcl_cfg *cfg, *pf = NULL;
	struct pcl_error err;
	struct pcl_report *notes = NULL;
	int c, r, ret = EXIT_USAGE;
	char *end;

	while ((c = getopt_long(argc, argv, "a:p:o:js:d:h", opts, NULL)) != -1) {
		r = ccli_option(NULL, &o.m, c, optarg);
		if (r < 0)
			goto out;
		if (r)
			continue;
		switch (c) {
		case 'a':
			if (parse_add(&o, optarg) < 0)
				goto out;
			break;
		case 'p':
		case OPT_HIDE:
		case OPT_KEEP: {
			const char **l = c == 'p' ? o.places : c == OPT_HIDE ? o.hide : o.keep;
			size_t *n = c == 'p' ? &o.n_places : c == OPT_HIDE ? &o.n_hide : &o.n_keep;

			if (*n >= MAX_LIST) {
				cli_error("too many %s options", c == 'p' ? "--place" :
					  c == OPT_HIDE ? "--hide" : "--keep");
				goto out;
			}
			l[(*n)++] = optarg;
			break;
		}
		case OPT_FREE:
			if (append_free(&o, optarg) < 0)
				goto out;
			break;
		case OPT_LAYOUT:
			o.layout_file = optarg;
			break;
		case OPT_LAYOUTS:
			if (o.n_layout_dirs >= 16) {
				cli_error("too many --layouts directories");
				goto out;
			}
			o.layout_dirs[o.n_layout_dirs++] = optarg;
			break;
		case OPT_MACHINE:
			o.machine = optarg;
			break;
		case OPT_PROFILE:
			o.profile = optarg;
			break;
		case OPT_PF:
			o.pf = optarg;
			break;
		case OPT_PASID_WIDTH:
			errno = 0;
			o.pasid_width = strtol(optarg, &end, 0);
			if (errno || *end || end == optarg ||
			    o.pasid_width < 0 || o.pasid_width > 255) {
				cli_error("--pasid-width '%s': not a number from 0 to 255 (out_max_pasid_log2)",
					  optarg);
				goto out;
			}
			o.add_pasid = true;
			break;
		case OPT_PASID_EXEC:
			o.pasid_exec = true;
			break;
		case OPT_PASID_PRIV:
			o.pasid_priv = true;
			break;
		case OPT_DSN:
			o.dsn = optarg;
			o.add_dsn = true;
			break;
		case OPT_NAME:
			o.name = optarg;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case OPT_EMIT:
			if (emit_parse(optarg, &o.emit_kind) < 0)
				goto out;
			o.emit = true;
			break;
		case OPT_ALLOW_PARTIAL:
			o.allow_partial = true;
			break;
		case OPT_ALLOW:
			if (cli_parse_allow(optarg, &o.allow) < 0)
				goto out;
			break;
		case OPT_IMPORT:
			if (strcmp(optarg, "qemu")) {
				cli_error("--import '%s': the VMM whose view to import; known: qemu",
					  optarg);
				goto out;
			}
			o.import = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'h':
			cli_usage(stdout, plan_usage);
			ret = EXIT_OK;
			goto out;
		default:
			ret = cli_bad_option(argv, plan_usage);
			goto out;
		}
	}
	if (optind < argc - 1 || (optind == argc && !cli_select_active())) {
		if (optind >= argc)
			cli_error("plan needs one SOURCE (or -s/-d on this machine)");
		else
			cli_error("plan takes one SOURCE, not %d", argc - optind);
		cli_usage(stderr, plan_usage);
		goto out;
	}
	/* --emit qemu-json is a JSON document already. */
	if (o.json && o.emit && o.emit_kind == EMIT_QEMU_JSON)
		o.json = false;
	if (o.json && o.emit) {
		cli_error("--emit prints its own format; -j prints the plan document");
		goto out;
	}
	if (o.allow_partial && !o.emit) {
		cli_error("--allow-partial goes with --emit");
		goto out;
	}
	if (o.import && import_conflict(&o))
		goto out;
	if ((o.pasid_exec || o.pasid_priv) && o.pasid_width < 0) {
		cli_error("--pasid-exec and --pasid-priv need --pasid-width (what the IOMMU reports)");
		goto out;
	}
	if (!diag) {
		cli_error("out of memory");
		goto out;
	}
	o.m.free_text = o.free_text;
	o.m.no_default_quirks |= o.import;
	if (mapcli_init(&o.m) < 0)
		goto out;
	if (cli_sources_with_pf(&src, &pfsrc, optind < argc ? argv[optind] : NULL,
				o.pf, &cfg, &pf) < 0)
		goto out;
	req = pcl_plan_request_new(cli_ctx);
	if (!req) {
		cli_error("out of memory");
		goto out;
	}
	pcl_plan_request_set_cfg(req, cfg, NULL);
	pcl_plan_request_set_pf(req, pf);
	pcl_plan_request_allow(req, o.allow);
	/* Stock QEMU knows none of pcilayout's quirks. */
	pcl_plan_request_set_quirks(req, o.import ? NULL : o.m.db);
	if (o.m.n_free &&
	    pcl_plan_request_add_ranges(req, o.m.free_ranges, o.m.n_free) < 0) {
		cli_error("--free: too many ranges");
		goto out;
	}
	if (o.layout_file) {
		if (pcl_layout_load_file(cli_ctx, o.layout_file, &user, diag) < 0) {
			cli_report_diag(diag);
			goto out;
		}
		if (pcl_plan_request_set_layout(req, user) < 0) {
			cli_error("%s: a quirk file is not a layout", o.layout_file);
			goto out;
		}
	}
	if (o.n_layout_dirs) {
		db = pcl_layout_db_new(cli_ctx);
		if (!db) {
			cli_error("out of memory");
			goto out;
		}
		for (size_t i = 0; i < o.n_layout_dirs; i++) {
			r = pcl_layout_db_add_dir(db, o.layout_dirs[i], diag);
			if (r < 0) {
				cli_report_diag(diag);
				if (!pcl_diag_count(diag))
					cli_error("--layouts %s: %s", o.layout_dirs[i],
						  strerror(-r));
				goto out;
			}
		}
		pcl_plan_request_set_database(req, db);
	}
	if (o.machine && pcl_plan_request_set_machine(req, o.machine) < 0) {
		cli_error("--machine '%s': 1 to 64 printable characters without blanks",
			  o.machine);
		goto out;
	}
	if (o.profile && pcl_plan_request_set_profile(req, o.profile) < 0) {
		cli_error("--profile '%s': letters, digits and ._+- (at most 64)",
			  o.profile);
		goto out;
	}
	if (o.name && pcl_plan_request_set_name(req, o.name) < 0) {
		cli_error("--name '%s': letters, digits and ._+- (at most 64)",
			  o.name);
		goto out;
	}
	for (size_t i = 0; i < o.n_places; i++) {
		memset(&err, 0, sizeof(err));
		if (pcl_plan_request_place_string(req, o.places[i], &err) < 0) {
			cli_error("--place %s", err.message);
			goto out;
		}
	}
	for (size_t i = 0; i < o.n_hide; i++)
		if (apply_cap(req, o.hide[i], true) < 0)
			goto out;
	for (size_t i = 0; i < o.n_keep; i++)
		if (apply_cap(req, o.keep[i], false) < 0)
			goto out;
	if (o.add_pasid) {
		struct pcl_plan_pasid p = { 0 };

		if (o.pasid_width >= 0) {
			p.flags = PCL_PLAN_PASID_IOMMU;
			p.iommu_max_width = (uint8_t)o.pasid_width;
			p.iommu_exec = o.pasid_exec;
			p.iommu_priv = o.pasid_priv;
		}
		pcl_plan_request_add_pasid(req, &p);
	}
	if (o.add_dsn) {
		struct pcl_plan_dsn d = { 0 };
		unsigned long long v;

		if (!o.dsn && !pf) {
			cli_error("--add dsn needs --dsn SERIAL, or --dsn from-pf with the PF (--pf)");
			goto out;
		}
		if (!o.dsn || strcmp(o.dsn, "from-pf") == 0) {
			d.from_pf = 1;
		} else {
			errno = 0;
			v = strtoull(o.dsn, &end, 0);
			if (errno || *end || o.dsn[0] == '-' || !o.dsn[0]) {
				cli_error("--dsn '%s': a 64-bit number or from-pf", o.dsn);
				goto out;
			}
			d.serial = v;
		}
		pcl_plan_request_add_dsn(req, &d);
	}

	r = pcl_plan_run(req, &out, &notes, diag);
	if (r < 0) {
		cli_report_diag(diag);
		if (!pcl_diag_count(diag))
			cli_error("%s: cannot plan: %s", pcl_cfg_source(cfg),
				  strerror(-r));
		ret = r == -ENOSPC ? EXIT_FINDING : EXIT_USAGE;
		goto out;
	}
	print_notes(notes, !o.explain);
	if (o.import && (r = mark_imported(out, cfg)) < 0) {
		cli_error("%s", strerror(-r));
		goto out;
	}
	if (strip_host_path(out, cfg) < 0) {
		cli_error("out of memory");
		goto out;
	}
	if (o.output) {
		r = pcl_layout_save_file(out, o.output);
		if (r < 0) {
			cli_error("%s: %s", o.output, strerror(-r));
			goto out;
		}
	}
	ret = EXIT_OK;
	if (o.json) {
		if (print_json(out, cfg, notes, o.output) < 0)
			ret = EXIT_USAGE;
		goto out;
	}
	if (o.explain)
		print_explain(out, cfg, notes);
	if (o.emit) {
		long missing;

		if (o.explain)
			putchar('\n');
		missing = emit_print(o.emit_kind, out, cfg);
		if (missing < 0)
			ret = EXIT_USAGE;
		else if (missing && !o.allow_partial)
			ret = EXIT_FINDING;
		if (ret == EXIT_FINDING)
			cli_error("%ld part%s of the plan cannot be expressed (listed in the output; --allow-partial accepts that)",
				  missing, missing == 1 ? "" : "s");
	}
	if (!o.output && !o.explain && !o.emit && pcl_layout_save(out, stdout) < 0) {
		cli_error("cannot write the layout: %s", strerror(errno));
		ret = EXIT_USAGE;
	}
out:
	pcl_report_free(notes);
	pcl_layout_free(out);
	pcl_layout_free(user);
	pcl_layout_db_free(db);
	pcl_plan_request_free(req);
	pcl_diag_free(diag);
	cli_sources_free(&src);
	cli_sources_free(&pfsrc);
	mapcli_fini(&o.m);
	free(o.free_text);
	return ret;
}
