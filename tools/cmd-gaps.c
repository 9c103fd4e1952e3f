// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-gaps.c - `pcilayout gaps SOURCE --size N`: where could a structure
 * of N bytes go? Lists the candidate windows of one space, best first, each
 * with its safety class and the reason for its rank (docs/free-space.md).
 * Exit status 1 means "some function has no window", so scripts can test
 * for room.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "map-common.h"

#define GAPS_SHOWN 10

static const char gaps_usage[] =
	"Usage: pcilayout gaps [options] --size N SOURCE...\n"
	"List the windows of config space where a structure of N bytes could\n"
	"be placed, safest first: advertised free, then unclaimed zero bytes\n"
	"far from any suspected hidden register, orphan, reserved or unread\n"
	"byte, then those near one. Bytes of the header, of a capability, of\n"
	"an orphan or reserved range, non-zero and unread bytes are never\n"
	"offered.\n\n"
	"Options:\n"
	"  -n, --size N             window size in bytes (required)\n"
	"  -a, --align A            alignment, a power of two >= 4 (default 4)\n"
	"  -S, --space SPACE        'extended' (0x100-0xfff, the default) or\n"
	"                           'standard' (0x40-0xff)\n"
	"  -q, --quirks DIR         also load quirk files from DIR (repeatable)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	"      --strict             a missing quirk database is an error (exit 2),\n"
	"                           not a warning\n"
	"  -f, --free RANGES        ranges advertised free, e.g. 0xf00-0xfff\n"
	"  -A, --all                list every window, not only the best 10\n"
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

static json_t *gap_json(const struct pcl_map *map, const struct pcl_gap *g)
{
	json_t *o = json_object();
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
	return o;
}

static void print_gaps(const struct pcl_cfg *cfg, const struct pcl_map *map,
		       const struct pcl_gap *g, size_t n, size_t shown,
		       int space, uint32_t size, uint32_t align)
{
	char title[512], why[256];

	mapcli_title(cfg, title, sizeof(title));
	printf("%s\n", title);
	printf("  %u-byte windows in %s space, aligned to %u: %zu candidate%s",
	       size, pcl_space_name(space), align, n, n == 1 ? "" : "s");
	if (shown < n)
		printf(" (best %zu shown; --all lists every one)", shown);
	printf("\n");
	if (!n) {
		printf("  no window: every %u-byte stretch covers a byte that is not free\n\n",
		       size);
		return;
	}
	printf("  %4s  %-13s  %-10s  %s\n", "rank", "window", "class", "reason");
	for (size_t i = 0; i < shown; i++) {
		char win[32];

		snprintf(win, sizeof(win), "0x%03x-0x%03x", g[i].offset,
			 g[i].offset + g[i].length - 1);
		printf("  %4d  %-13s  %-10s  %s\n", g[i].rank, win,
		       pcl_gap_class_name(g[i].klass),
		       pcl_gap_reason(map, &g[i], why, sizeof(why)));
	}
	putchar('\n');
}

int cmd_gaps(int argc, char **argv)
{
	enum { OPT_NO_DEFAULT_QUIRKS = 0x100 };
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 'n' },
		{ "align", required_argument, NULL, 'a' },
		{ "space", required_argument, NULL, 'S' },
		{ "quirks", required_argument, NULL, 'q' },
		{ "no-default-quirks", no_argument, NULL, OPT_NO_DEFAULT_QUIRKS },
		MAPCLI_STRICT_OPTION,
		{ "free", required_argument, NULL, 'f' },
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
	int c, space = PCL_SPACE_EXTENDED, ret = EXIT_OK;
	json_t *doc = NULL, *devs = NULL;

	while ((c = getopt_long(argc, argv, "n:a:S:q:f:Ajh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u32(optarg, &size)) {
				cli_error("--size '%s' is not a number", optarg);
				return EXIT_USAGE;
			}
			have_size = true;
			break;
		case 'a':
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
		case 'q':
			if (mapcli_add_quirk_dir(&m, optarg))
				return EXIT_USAGE;
			break;
		case OPT_NO_DEFAULT_QUIRKS:
			m.no_default_quirks = true;
			break;
		case MAPCLI_OPT_STRICT:
			m.strict = true;
			break;
		case 'f':
			m.free_text = optarg;
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
			cli_usage(stderr, gaps_usage);
			return EXIT_USAGE;
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
	if (optind == argc) {
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
		doc = json_object();
		devs = json_array();
		json_object_set_new(doc, "request", req);
		json_object_set_new(doc, "devices", devs);
	}
	for (size_t i = 0; i < src.count; i++) {
		struct pcl_walk *w;
		struct pcl_map *map;
		struct pcl_gap *g = NULL;
		size_t n = 0, shown;

		if (mapcli_build(&m, src.cfgs[i], &w, &map)) {
			ret = EXIT_USAGE;
			break;
		}
		if (pcl_map_gaps(map, space, size, align, &g, &n, &err)) {
			cli_error("%s: %s", pcl_cfg_source(src.cfgs[i]),
				  err.message);
			pcl_map_free(map);
			pcl_walk_free(w);
			ret = EXIT_USAGE;
			break;
		}
		/* "Is there room?" is answered for every function given. */
		if (!n && ret == EXIT_OK)
			ret = EXIT_FINDING;
		shown = all || n < GAPS_SHOWN ? n : GAPS_SHOWN;
		if (json) {
			json_t *dev = mapcli_device_json(src.cfgs[i]);
			json_t *wins = json_array();

			json_object_set_new(dev, "count", json_integer((json_int_t)n));
			for (size_t k = 0; k < shown; k++)
				json_array_append_new(wins, gap_json(map, &g[k]));
			json_object_set_new(dev, "windows", wins);
			json_array_append_new(devs, dev);
		} else {
			print_gaps(src.cfgs[i], map, g, n, shown, space, size,
				   align);
		}
		free(g);
		pcl_map_free(map);
		pcl_walk_free(w);
	}
	if (json) {
		cli_print_json(doc);
		json_decref(doc);
	}
out:
	cli_sources_free(&src);
	mapcli_fini(&m);
	return ret;
}
