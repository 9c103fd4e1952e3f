// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-gaps.c - `pcilayout gaps SOURCE --size N`: where could a structure
 * of N bytes go? Lists the distinct gaps of one space (a gap: candidate
 * windows that overlap or touch), best first, each with its best window,
 * that window's safety class and the reason for its rank
 * (docs/free-space.md), on the one hazard map the planner places against;
 * --all lists every window. Exit status 1 means
 * "some function has no window", so scripts can test for room.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "map-common.h"

#define GAPS_SHOWN 10

static const char gaps_usage[] =
	"Usage: pcilayout gaps [options] --size N SOURCE...\n"
	"List the gaps of config space where a structure of N bytes could be\n"
	"placed, safest first, each with its best window: advertised free, then\n"
	"unclaimed zero bytes far from any suspected hidden register, orphan,\n"
	"reserved or unread byte, then those near one. Bytes of the header, of\n"
	"a capability, of an orphan or reserved range, non-zero and unread\n"
	"bytes are never offered. Windows that overlap or touch are one gap.\n"
	"The device is seen as vfio-pci shows it to a VMM (a capability it\n"
	"hides is an orphan), with the hazard map the planner places against.\n\n"
	"Options:\n"
	"  -n, --size N             window size in bytes (required)\n"
	"      --align A            alignment, a power of two >= 4 (default 4)\n"
	"  -S, --space SPACE        'extended' (0x100-0xfff, the default) or\n"
	"                           'standard' (0x40-0xff)\n"
	CLI_SELECT_USAGE
	"      --quirks DIR         also load quirk files from DIR (repeatable)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	"      --strict             a missing quirk database is an error (exit 2),\n"
	"                           not a warning\n"
	"      --free RANGES        ranges advertised free, e.g. 0xf00-0xfff\n"
	"  -A, --all                list every window, not only each gap's best\n"
	"  -j, --json               print JSON\n"
	"  -h, --help               show this help\n\n"
	"Exit status: 0 every function has a window, 1 some function has none,\n"
	"2 bad usage, unreadable input, or (--strict) no quirk database.\n";

static int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || *end || n > 0xffffffffull)
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

/* A gap: candidate windows that overlap or touch, and the best of them. */
struct gap_group {
	size_t best;        /* index into the ranked windows */
	uint32_t start, end; /* inclusive */
	size_t windows;
};

static const struct pcl_gap *by_offset_base;

static int offset_cmp(const void *a, const void *b)
{
	const struct pcl_gap *x = &by_offset_base[*(const size_t *)a];
	const struct pcl_gap *y = &by_offset_base[*(const size_t *)b];

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int best_cmp(const void *a, const void *b)
{
	const struct gap_group *x = a, *y = b;

	return x->best < y->best ? -1 : x->best > y->best;
}

/*
 * Group the @n ranked windows of @g into gaps, best gap first: the gap
 * whose best window ranks highest. Returns the number of gaps (0 with
 * *@out NULL when @n is 0), or -1 when out of memory.
 */
static long group_windows(const struct pcl_gap *g, size_t n,
			  struct gap_group **out)
{
	size_t *idx = malloc((n + 1) * sizeof(*idx)), k = 0;
	struct gap_group *grp = calloc(n + 1, sizeof(*grp));

	*out = NULL;
	if (!idx || !grp) {
		free(idx);
		free(grp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	by_offset_base = g;
	if (n)
		qsort(idx, n, sizeof(*idx), offset_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct pcl_gap *w = &g[idx[i]];
		uint32_t end = w->offset + w->length - 1;

		if (k && w->offset <= grp[k - 1].end + 1) {
			struct gap_group *cur = &grp[k - 1];

			if (end > cur->end)
				cur->end = end;
			if (idx[i] < cur->best)
				cur->best = idx[i];
			cur->windows++;
			continue;
		}
		grp[k++] = (struct gap_group){ idx[i], w->offset, end, 1 };
	}
	free(idx);
	if (k)
		qsort(grp, k, sizeof(*grp), best_cmp);
	*out = grp;
	return (long)k;
}

/* The gap that holds window @i. */
static const struct gap_group *gap_of(const struct gap_group *grp, long ng,
				      const struct pcl_gap *w)
{
	for (long k = 0; k < ng; k++)
		if (w->offset >= grp[k].start && w->offset <= grp[k].end)
			return &grp[k];
	return NULL;
}

static json_t *gap_json(const struct pcl_map *map, const struct pcl_gap *g,
			const struct gap_group *grp)
{
	json_t *o = json_object(), *gj = json_object();
	char why[256];

	json_object_set_new(o, "rank", json_integer(g->rank));
	json_object_set_new(o, "offset", cli_json_hex(g->offset));
	json_object_set_new(o, "length", json_integer(g->length));
	json_object_set_new(o, "class", json_string(pcl_gap_class_name(g->klass)));
	json_object_set_new(o, "distance", g->distance >= 0 ?
			    json_integer(g->distance) : json_null());
	json_object_set_new(o, "hazard", g->hazard >= 0 ?
			    cli_json_hex((unsigned long)g->hazard) : json_null());
	json_object_set_new(o, "hazard_owner", g->hazard_owner >= 0 ?
			    json_string(pcl_owner_name(g->hazard_owner)) :
			    json_null());
	json_object_set_new(o, "reason",
			    json_string(pcl_gap_reason(map, g, why, sizeof(why))));
	json_object_set_new(gj, "start", cli_json_hex(grp->start));
	json_object_set_new(gj, "length", json_integer(grp->end - grp->start + 1));
	json_object_set_new(gj, "windows", json_integer((json_int_t)grp->windows));
	json_object_set_new(o, "gap", gj);
	return o;
}

struct gaps_view {
	const struct pcl_gap *g;     /* ranked windows */
	size_t n;
	const struct gap_group *grp; /* gaps, best first */
	long ngaps;
	bool all;                    /* every window, not each gap's best */
};

/* The @k-th line to show: a gap's best window, or with --all any window. */
static const struct pcl_gap *view_item(const struct gaps_view *v, size_t k)
{
	return v->all ? &v->g[k] : &v->g[v->grp[k].best];
}

static size_t view_count(const struct gaps_view *v)
{
	size_t n = v->all ? v->n : (size_t)v->ngaps;

	return v->all || n < GAPS_SHOWN ? n : GAPS_SHOWN;
}

static void print_gaps(const struct pcl_cfg *cfg, const struct pcl_map *map,
		       const struct gaps_view *v, int space, uint32_t size,
		       uint32_t align)
{
	char title[512], why[256];
	size_t shown = view_count(v);

	mapcli_title(cfg, title, sizeof(title));
	printf("%s\n", title);
	printf("  %u-byte windows in %s space, aligned to %u: %zu candidate%s in %ld gap%s",
	       size, pcl_space_name(space), align, v->n, v->n == 1 ? "" : "s",
	       v->ngaps, v->ngaps == 1 ? "" : "s");
	if (!v->all && shown < (size_t)v->ngaps)
		printf(" (best %zu shown; --all lists every window)", shown);
	printf("\n");
	if (!v->n) {
		printf("  no window: every %u-byte stretch covers a byte that is not free\n\n",
		       size);
		return;
	}
	printf("  %4s  %-13s  %-20s  %-10s  %s\n", "rank", "window", "in gap",
	       "class", "reason");
	for (size_t i = 0; i < shown; i++) {
		const struct pcl_gap *w = view_item(v, i);
		const struct gap_group *gr = gap_of(v->grp, v->ngaps, w);
		char win[32], gap[40];

		snprintf(win, sizeof(win), "0x%03x-0x%03x", w->offset,
			 w->offset + w->length - 1);
		snprintf(gap, sizeof(gap), "0x%03x-0x%03x (%u)", gr->start,
			 gr->end, gr->end - gr->start + 1);
		printf("  %4d  %-13s  %-20s  %-10s  %s\n", w->rank, win, gap,
		       pcl_gap_class_name(w->klass),
		       pcl_gap_reason(map, w, why, sizeof(why)));
	}
	putchar('\n');
}

static json_t *gaps_json(const struct pcl_cfg *cfg, const struct pcl_map *map,
			 const struct gaps_view *v)
{
	json_t *dev = mapcli_device_json(cfg), *wins = json_array();

	json_object_set_new(dev, "count", json_integer((json_int_t)v->n));
	json_object_set_new(dev, "gaps", json_integer(v->ngaps));
	for (size_t k = 0; k < view_count(v); k++) {
		const struct pcl_gap *w = view_item(v, k);

		json_array_append_new(wins, gap_json(map, w,
						      gap_of(v->grp, v->ngaps, w)));
	}
	json_object_set_new(dev, "windows", wins);
	return dev;
}

/* One function's gaps, printed or appended to @devs. 0, or -1 reported. */
static int gaps_one(struct mapcli *m, const struct pcl_cfg *cfg, int space,
		    uint32_t size, uint32_t align, bool all, json_t *devs,
		    size_t *found)
{
	struct pcl_error err = { 0 };
	struct gaps_view v = { .all = all };
	struct gap_group *grp = NULL;
	struct pcl_gap *g = NULL;
	struct pcl_map *map = mapcli_hazards(m, cfg);
	int r = -1;

	if (!map)
		return -1;
	if (pcl_map_gaps(map, space, size, align, &g, &v.n, &err)) {
		cli_error("%s: %s", pcl_cfg_source(cfg), err.message);
		goto out;
	}
	v.g = g;
	v.ngaps = group_windows(g, v.n, &grp);
	if (v.ngaps < 0) {
		cli_error("out of memory");
		goto out;
	}
	v.grp = grp;
	*found = v.n;
	if (devs)
		json_array_append_new(devs, gaps_json(cfg, map, &v));
	else
		print_gaps(cfg, map, &v, space, size, align);
	r = 0;
out:
	free(grp);
	free(g);
	pcl_map_free(map);
	return r;
}

int cmd_gaps(int argc, char **argv)
{
	enum { OPT_ALIGN = 0x100 };
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 'n' },
		{ "align", required_argument, NULL, OPT_ALIGN },
		{ "space", required_argument, NULL, 'S' },
		MAPCLI_QUIRK_OPTIONS,
		MAPCLI_STRICT_OPTION,
		MAPCLI_FREE_OPTION,
		CLI_SELECT_OPTIONS,
		{ "all", no_argument, NULL, 'A' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_error err = { 0 };
	struct cli_sources src = { 0 };
	struct mapcli m = { 0 };
	bool json = false, all = false, have_size = false;
	uint32_t size = 0, align = 4;
	int c, r, space = PCL_SPACE_EXTENDED, ret = EXIT_OK;
	json_t *doc = NULL, *devs = NULL;

	while ((c = getopt_long(argc, argv, "n:S:s:d:Ajh", opts, NULL)) != -1) {
		r = ccli_option(NULL, &m, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'n':
			if (parse_u32(optarg, &size)) {
				cli_error("--size '%s' is not a number", optarg);
				return EXIT_USAGE;
			}
			have_size = true;
			break;
		case OPT_ALIGN:
			if (parse_u32(optarg, &align)) {
				cli_error("--align '%s' is not a number", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			if (strcmp(optarg, "standard") == 0 ||
			    strcmp(optarg, "std") == 0) {
				space = PCL_SPACE_STANDARD;
			} else if (strcmp(optarg, "extended") == 0 ||
				   strcmp(optarg, "ext") == 0) {
				space = PCL_SPACE_EXTENDED;
			} else {
				cli_error("--space '%s': use 'standard' or 'extended'",
					  optarg);
				return EXIT_USAGE;
			}
			break;
		case 'A':
			all = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			cli_usage(stdout, gaps_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, gaps_usage);
		}
	}
	if (!have_size) {
		cli_error("gaps: --size N is required (see 'pcilayout gaps -h')");
		return EXIT_USAGE;
	}
	if (pcl_gaps_validate(space, size, align, &err)) {
		cli_error("gaps: %s", err.message);
		return EXIT_USAGE;
	}
	if (optind == argc && !cli_select_active()) {
		cli_error("gaps: missing SOURCE (see 'pcilayout gaps -h')");
		return EXIT_USAGE;
	}
	if (mapcli_load(&m, &src, argv + optind, argc - optind) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (json) {
		json_t *req = json_object();

		json_object_set_new(req, "space", json_string(pcl_space_name(space)));
		json_object_set_new(req, "size", json_integer(size));
		json_object_set_new(req, "align", json_integer(align));
		doc = cli_doc_new("gaps");
		devs = json_array();
		json_object_set_new(doc, "request", req);
		json_object_set_new(doc, "devices", devs);
	}
	for (size_t i = 0; i < src.count; i++) {
		size_t n = 0;

		if (gaps_one(&m, src.cfgs[i], space, size, align, all, devs,
			     &n) < 0) {
			ret = EXIT_USAGE;
			break;
		}
		/* "Is there room?" is answered for every function given. */
		if (!n && ret == EXIT_OK)
			ret = EXIT_FINDING;
	}
	if (json && ret != EXIT_USAGE)
		cli_doc_print(doc);
	else
		json_decref(doc);
out:
	cli_sources_free(&src);
	mapcli_fini(&m);
	return ret;
}
