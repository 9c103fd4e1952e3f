/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * map-common.h - what `map` and `gaps` share: the --quirks / --free
 * options, loading the quirk database once, and building each function's
 * walk and occupancy map with the quirk and user ranges applied.
 */
#ifndef PCILAYOUT_MAP_COMMON_H
#define PCILAYOUT_MAP_COMMON_H

#include "cli.h"
#include "json-writer.h"

struct mapcli {
	const char *quirk_dirs[16];
	size_t n_quirk_dirs;
	bool no_default_quirks;
	bool strict; /* --strict: a missing quirk database is an error */
	const char *free_text;
	struct pcl_quirks *db;
	struct pcl_range *free_ranges;
	size_t n_free;
};

/* Record a --quirks DIR; reports and returns -1 when too many. */
int mapcli_add_quirk_dir(struct mapcli *m, const char *dir);

/*
 * getopt codes of the long-only --quirks DIR and --no-default-quirks, and
 * of --strict (map, gaps, plan, check: a missing quirk database, finding
 * "quirks-missing", stops the command with exit 2 instead of a warning).
 */
enum { MAPCLI_OPT_QUIRKS = 0x1000, MAPCLI_OPT_NDQ, MAPCLI_OPT_STRICT,
       MAPCLI_OPT_FREE };
#define MAPCLI_QUIRK_OPTIONS \
	{ "quirks", required_argument, NULL, MAPCLI_OPT_QUIRKS }, \
	{ "no-default-quirks", no_argument, NULL, MAPCLI_OPT_NDQ }
#define MAPCLI_STRICT_OPTION { "strict", no_argument, NULL, MAPCLI_OPT_STRICT }
/* --free RANGES for map and gaps (plan has its own, repeatable). */
#define MAPCLI_FREE_OPTION { "free", required_argument, NULL, MAPCLI_OPT_FREE }
#define MAPCLI_STRICT_USAGE \
	"      --strict           a missing quirk database is an error (exit 2),\n" \
	"                         not a warning\n"

/*
 * Take getopt's @c when it is one of MAPCLI_QUIRK_OPTIONS,
 * MAPCLI_STRICT_OPTION or MAPCLI_FREE_OPTION: returns 1 when taken, 0 when
 * not ours, -1 after reporting an error.
 */
int mapcli_option(struct mapcli *m, int c, const char *arg);

/*
 * Load the quirk database and parse --free. Reports, and prints the
 * database's own findings as warnings (errors with --strict); returns 0
 * or -1.
 */
int mapcli_init(struct mapcli *m);
void mapcli_fini(struct mapcli *m);
/*
 * mapcli_init(), then every SOURCE of @args into @src. Reports; returns 0
 * or -1. Either way the caller frees @src and calls mapcli_fini().
 */
int mapcli_load(struct mapcli *m, struct cli_sources *src, char **args,
		int n);

/* Walk @cfg and map it as read, with the matching quirks and the --free
 * ranges: who owns each byte of the device (`map`). */
int mapcli_build(struct mapcli *m, const struct pcl_cfg *cfg,
		 struct pcl_walk **walk, struct pcl_map **map);

/*
 * The one hazard map the planner places against (pcl_hazard_map_new()):
 * the device as vfio-pci shows it, with the quirks, the --free ranges and
 * its free-space DVSECs. Reports; NULL on failure.
 */
struct pcl_map *mapcli_hazards(struct mapcli *m, const struct pcl_cfg *cfg);

/* "0000:03:00.0 8086:1889 (file:12)": a one-line device title. */
void mapcli_title(const struct pcl_cfg *cfg, char *buf, size_t size);

/* JSON of a device's source and identity, shared by map and gaps. */
json_t *mapcli_device_json(const struct pcl_cfg *cfg);
json_t *mapcli_finding_json(const struct pcl_finding *f);

/*
 * struct mapcli_hidden - suspected hidden registers, coalesced: the
 * unclaimed non-zero bytes of consecutive dwords (registers are dwords),
 * from the first such byte @start to the last @end, @nonzero of them.
 */
struct mapcli_hidden {
	uint32_t start, end, nonzero;
};

/*
 * The map's findings with its per-run "hidden-register" findings replaced
 * by coalesced ones (with a "length"), in offset order: as JSON objects
 * (@json not NULL: the elements of the array being written) or printed
 * as text lines.
 */
void mapcli_findings(const struct pcl_map *map, struct jw *json);

#endif
