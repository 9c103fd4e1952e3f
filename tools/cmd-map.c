// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-map.c - `pcilayout map SOURCE`: a picture of who owns each byte of a
 * function's config space. Text is a 16-bytes-per-row grid with one letter
 * per byte (coloured on a terminal); extended-space rows that are entirely
 * unclaimed zero (or non-zero, or unread) and repeat are folded into one
 * line. --json gives the runs, --svg FILE a standalone picture for a bug
 * report, written atomically.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "compat-cli.h"
#include "map-common.h"

static const char map_usage[] =
	"Usage: pcilayout map [options] SOURCE...\n"
	"Show who owns each byte of the config space: the header, each\n"
	"capability, orphans (unlinked capabilities), quirk-reserved ranges,\n"
	"advertised-free ranges, and unclaimed bytes that read zero, read\n"
	"non-zero (a suspected hidden register) or were not read.\n\n"
	"SOURCE is a dump file, a binary image, a host bundle, '-' or a PCI\n"
	"address; without SOURCE, -s/-d select functions of this machine.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"      --quirks DIR         also load quirk files from DIR (repeatable;\n"
	"                           searched before $PCILAYOUT_QUIRKS and the\n"
	"                           shipped quirks)\n"
	"      --no-default-quirks  load only the --quirks directories\n"
	"      --strict             a missing quirk database is an error (exit 2),\n"
	"                           not a warning\n"
	"      --free RANGES        ranges advertised free, e.g. 0xf00-0xfff,0x80+16\n"
	"                           (inclusive ends)\n"
	"  -j, --json               print the map as runs {start, length, owner,\n"
	"                           detail}\n"
	"      --svg FILE           also write the picture of the first selected\n"
	"                           function as an SVG file\n"
	"      --no-color           never use colours\n"
	"  -h, --help               show this help\n\n"
	"Exit status: 0 ok, 2 bad usage, unreadable input, or (--strict) no quirk\n"
	"database.\n";

/* Letters for the fixed owners; capabilities use a..z in walk order. */
static char owner_letter(uint8_t owner, uint32_t detail)
{
	switch (owner) {
	case PCL_OWNER_HEADER:
		return 'H';
	case PCL_OWNER_CAP:
		return (char)('a' + detail % 26);
	case PCL_OWNER_ORPHAN:
		return 'O';
	case PCL_OWNER_RESERVED:
		return 'R';
	case PCL_OWNER_FREE:
		return 'F';
	case PCL_OWNER_NONZERO:
		return '!';
	case PCL_OWNER_ZERO:
		return '.';
	default:
		return '?';
	}
}

/* ANSI SGR per owner; capabilities alternate two colours to show borders. */
static const char *owner_sgr(uint8_t owner, uint32_t detail)
{
	switch (owner) {
	case PCL_OWNER_HEADER:
		return "30;47";
	case PCL_OWNER_CAP:
		return detail % 2 ? "30;46" : "30;42";
	case PCL_OWNER_ORPHAN:
		return "97;45";
	case PCL_OWNER_RESERVED:
		return "97;41";
	case PCL_OWNER_FREE:
		return "97;44";
	case PCL_OWNER_NONZERO:
		return "1;30;43";
	case PCL_OWNER_ZERO:
		return "2";
	default:
		return "2;90";
	}
}

static const char *const owner_words[PCL_OWNER_COUNT] = {
	[PCL_OWNER_HEADER] = "header",
	[PCL_OWNER_CAP] = "capability",
	[PCL_OWNER_ORPHAN] = "orphan: a capability no chain reaches",
	[PCL_OWNER_RESERVED] = "reserved",
	[PCL_OWNER_FREE] = "advertised free",
	[PCL_OWNER_NONZERO] = "unclaimed non-zero: suspected hidden register",
	[PCL_OWNER_ZERO] = "unclaimed zero",
	[PCL_OWNER_UNREAD] = "not read",
};

/* A row that is one foldable owner throughout, or -1. */
static int row_fold_owner(const uint8_t *own, uint32_t row)
{
	uint8_t o = own[row];

	if (o != PCL_OWNER_ZERO && o != PCL_OWNER_NONZERO &&
	    o != PCL_OWNER_UNREAD)
		return -1;
	for (uint32_t i = row + 1; i < row + 16; i++)
		if (own[i] != o)
			return -1;
	return o;
}

/* Rows from @row that fold with it (0 or 1 means: do not fold). */
static uint32_t fold_rows(const uint8_t *own, uint32_t row)
{
	int o = row >= PCL_STD_SPACE_END ? row_fold_owner(own, row) : -1;
	uint32_t n = 0;

	if (o < 0)
		return 0;
	while (row + 16 * n < PCL_CFG_SIZE &&
	       row_fold_owner(own, row + 16 * n) == o)
		n++;
	return n;
}

static void print_cell(const struct pcl_map *map, uint32_t off, bool color)
{
	uint32_t detail = 0;
	int owner = pcl_map_owner(map, off, &detail);
	char ch = owner_letter((uint8_t)owner, detail);

	if (color)
		printf(" \033[%sm%c\033[0m", owner_sgr((uint8_t)owner, detail),
		       ch);
	else
		printf(" %c", ch);
}

static void print_legend(const struct pcl_map *map, bool color)
{
	const struct pcl_walk *w = pcl_map_walk(map);
	size_t i;

	printf("Legend:\n");
	printf("  H  %-36s 0x000-0x03f\n", "header");
	for (i = 0; i < pcl_walk_cap_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		char what[64];

		snprintf(what, sizeof(what), "%s (%s 0x%02x%s)", c->name,
			 c->space ? "ext" : "std", c->id,
			 c->flags & PCL_CAP_LENGTH_UNKNOWN ? ", length unknown" : "");
		printf("  %c  %-36s 0x%03x", owner_letter(PCL_OWNER_CAP, i),
		       what, c->offset);
		if (!(c->flags & PCL_CAP_LENGTH_UNKNOWN))
			printf("-0x%03x", c->offset + c->length - 1);
		putchar('\n');
	}
	for (i = 0; i < pcl_walk_orphan_count(w); i++) {
		const struct pcl_cap *c = pcl_walk_orphan(w, i);
		char what[64];

		snprintf(what, sizeof(what), "orphan %s (0x%02x)", c->name,
			 c->id);
		printf("  O  %-36s 0x%03x\n", what, c->offset);
	}
	for (i = 0; i < pcl_map_range_count(map); i++) {
		const struct pcl_range *r = pcl_map_range(map, i);

		printf("  %c  %s 0x%03x-0x%03x: %s (%s)%s\n",
		       r->kind == PCL_RANGE_FREE ? 'F' : 'R',
		       r->kind == PCL_RANGE_FREE ? "free" : "reserved", r->start,
		       r->start + r->length - 1,
		       r->reason ? r->reason : "no reason given",
		       r->source ? r->source : "no source",
		       r->flags & PCL_RANGE_UNTRUSTED ? " [not trusted]" : "");
	}
	for (int o = PCL_OWNER_NONZERO; o <= PCL_OWNER_UNREAD; o++) {
		if (color)
			printf("  \033[%sm%c\033[0m  %s\n",
			       owner_sgr((uint8_t)o, 0),
			       owner_letter((uint8_t)o, 0), owner_words[o]);
		else
			printf("  %c  %s\n", owner_letter((uint8_t)o, 0),
			       owner_words[o]);
	}
}

static void print_map(const struct pcl_cfg *cfg, const struct pcl_map *map,
		      bool color)
{
	const uint8_t *own = pcl_map_owners(map);
	char title[512];
	size_t i;

	mapcli_title(cfg, title, sizeof(title));
	printf("%s\n\n     ", title);
	for (i = 0; i < 16; i++)
		printf(" %zx", i);
	putchar('\n');
	for (uint32_t row = 0; row < PCL_CFG_SIZE; row += 16) {
		uint32_t fold = fold_rows(own, row);

		if (row == PCL_STD_SPACE_END)
			printf("     extended space\n");
		if (fold >= 2) {
			printf("%03x-%03x  %s, %u rows\n", row,
			       row + 16 * fold - 1, owner_words[own[row]],
			       fold);
			row += 16 * (fold - 1);
			continue;
		}
		printf("%03x  ", row);
		for (uint32_t b = row; b < row + 16; b++)
			print_cell(map, b, color);
		putchar('\n');
	}
	putchar('\n');
	print_legend(map, color);
	if (pcl_map_finding_count(map))
		printf("Findings:\n");
	mapcli_findings(map, NULL);
	putchar('\n');
}

/*
 * map --json is streamed (json-writer.h): members in key order, those
 * jansson would drop (a string that is not UTF-8) dropped the same way.
 */

/* A string member that is null when @s is NULL. */
static void string_or_null(struct jw *w, const char *key, const char *s)
{
	if (s) {
		jw_member_string(w, key, s);
	} else {
		jw_key(w, key);
		jw_null(w);
	}
}

static void detail_json(struct jw *w, const struct pcl_map *map,
			const struct pcl_map_run *run)
{
	const struct pcl_walk *pw = pcl_map_walk(map);
	const struct pcl_range *r;
	const struct pcl_cap *c;

	switch (run->owner) {
	case PCL_OWNER_CAP:
	case PCL_OWNER_ORPHAN:
		c = run->owner == PCL_OWNER_CAP ? pcl_walk_cap(pw, run->detail)
						: pcl_walk_orphan(pw, run->detail);
		if (!c)
			break;
		jw_begin_object(w);
		jw_key(w, "id");
		jw_hex(w, c->id);
		jw_key(w, "index");
		jw_int(w, run->detail);
		jw_member_string(w, "name", c->name);
		jw_key(w, "offset");
		jw_hex(w, c->offset);
		jw_end_object(w);
		return;
	case PCL_OWNER_RESERVED:
	case PCL_OWNER_FREE:
		r = pcl_map_range(map, run->detail);
		if (!r)
			break;
		jw_begin_object(w);
		jw_key(w, "index");
		jw_int(w, run->detail);
		string_or_null(w, "reason", r->reason);
		string_or_null(w, "source", r->source);
		jw_end_object(w);
		return;
	default:
		break;
	}
	jw_null(w);
}

static void run_json(struct jw *w, const struct pcl_map *map,
		     const struct pcl_map_run *run)
{
	jw_begin_object(w);
	jw_key(w, "detail");
	detail_json(w, map, run);
	jw_key(w, "length");
	jw_int(w, run->length);
	jw_member_string(w, "owner", pcl_owner_name(run->owner));
	jw_key(w, "start");
	jw_hex(w, run->start);
	jw_end_object(w);
}

static void range_json(struct jw *w, const struct pcl_range *r)
{
	jw_begin_object(w);
	jw_member_string(w, "kind", r->kind == PCL_RANGE_FREE ? "free"
							      : "reserved");
	jw_key(w, "length");
	jw_int(w, r->length);
	string_or_null(w, "reason", r->reason);
	string_or_null(w, "source", r->source);
	jw_key(w, "start");
	jw_hex(w, r->start);
	jw_key(w, "trusted");
	jw_bool(w, !(r->flags & PCL_RANGE_UNTRUSTED));
	jw_end_object(w);
}

/* One device: mapcli_device_json()'s members, and the map's. */
static void map_json(struct jw *w, const struct pcl_cfg *cfg,
		     const struct pcl_map *map)
{
	struct pcl_identity id;
	const char *slot = pcl_cfg_slot(cfg);

	pcl_cfg_identity(cfg, &id);
	jw_begin_object(w);
	jw_key(w, "class");
	jw_hex_pad(w, id.class_code & 0xffffffu, 6);
	jw_key(w, "device");
	jw_hex_pad(w, id.device_id, 4);
	jw_key(w, "findings");
	jw_begin_array(w);
	mapcli_findings(map, w);
	jw_end_array(w);
	if (pcl_cfg_line(cfg)) {
		jw_key(w, "line");
		jw_int(w, pcl_cfg_line(cfg));
	}
	jw_key(w, "ranges");
	jw_begin_array(w);
	for (size_t i = 0; i < pcl_map_range_count(map); i++)
		range_json(w, pcl_map_range(map, i));
	jw_end_array(w);
	jw_key(w, "runs");
	jw_begin_array(w);
	for (size_t i = 0; i < pcl_map_run_count(map); i++)
		run_json(w, map, pcl_map_run(map, i));
	jw_end_array(w);
	jw_key(w, "size");
	jw_int(w, pcl_cfg_size(cfg));
	string_or_null(w, "slot", slot);
	jw_member_string(w, "source", pcl_cfg_source(cfg));
	jw_key(w, "vendor");
	jw_hex_pad(w, id.vendor_id, 4);
	jw_end_object(w);
}

/* ---- SVG ---------------------------------------------------------------- */

#define SVG_CELL_W 24
#define SVG_CELL_H 16
#define SVG_LEFT 64
#define SVG_TOP 56
#define SVG_GRID_W (16 * SVG_CELL_W)
#define SVG_LEGEND_X (SVG_LEFT + SVG_GRID_W + 32)
/* Legend lines are cut to fit the picture; text and JSON keep them whole. */
#define SVG_LEGEND_CHARS 88
#define SVG_WIDTH (SVG_LEGEND_X + 20 + SVG_LEGEND_CHARS * 7)

static const char *svg_fill(uint8_t owner, uint32_t detail)
{
	/* Neighbouring capabilities differ; none looks like the fixed
	 * owner colours below (orange non-zero, red reserved, magenta orphan). */
	static const char *const caps[] = { "#8dd3c7", "#80b1d3", "#b3de69",
					    "#bebada", "#fccde5", "#e5d8bd",
					    "#b3cde3" };

	switch (owner) {
	case PCL_OWNER_HEADER:
		return "#bdbdbd";
	case PCL_OWNER_CAP:
		return caps[detail % (sizeof(caps) / sizeof(caps[0]))];
	case PCL_OWNER_ORPHAN:
		return "#d95fd9";
	case PCL_OWNER_RESERVED:
		return "#e34a33";
	case PCL_OWNER_FREE:
		return "#3182bd";
	case PCL_OWNER_NONZERO:
		return "#fec44f";
	case PCL_OWNER_ZERO:
		return "#f7f7f7";
	default:
		return "#636363";
	}
}

static void svg_text(FILE *f, const char *s);

/* A legend line, cut at SVG_LEGEND_CHARS characters with an ellipsis. */
static void svg_legend_text(FILE *f, const char *s)
{
	char buf[SVG_LEGEND_CHARS + 4];

	if (strlen(s) <= SVG_LEGEND_CHARS) {
		svg_text(f, s);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*s...", SVG_LEGEND_CHARS - 3, s);
	svg_text(f, buf);
}

static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, f);
		}
	}
}

/* Draw one 16-byte row as one rectangle per same-owner stretch. */
static void svg_row(FILE *f, const struct pcl_map *map, uint32_t row, int y)
{
	const struct pcl_walk *w = pcl_map_walk(map);
	uint32_t b = row;

	while (b < row + 16) {
		uint32_t d0 = 0, d = 0, e = b + 1;
		int o = pcl_map_owner(map, b, &d0);
		int x = SVG_LEFT + (int)(b - row) * SVG_CELL_W;

		while (e < row + 16 && pcl_map_owner(map, e, &d) == o && d == d0)
			e++;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%u\" height=\"%d\" fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\"/>\n",
			x, y, (e - b) * SVG_CELL_W, SVG_CELL_H,
			svg_fill((uint8_t)o, d0));
		/* Name a capability where it starts, if there is room. */
		if (o == PCL_OWNER_CAP || o == PCL_OWNER_ORPHAN) {
			const struct pcl_cap *c = o == PCL_OWNER_CAP
							  ? pcl_walk_cap(w, d0)
							  : pcl_walk_orphan(w, d0);

			if (c && (c->offset == b || b == row)) {
				fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cap\">",
					x + 3, y + 12);
				if ((e - b) * SVG_CELL_W >= 7 * strlen(c->name) + 6)
					svg_text(f, c->name);
				else
					fputc(owner_letter((uint8_t)o, d0), f);
				fputs("</text>\n", f);
			}
		} else if (o == PCL_OWNER_NONZERO) {
			fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cap\">!</text>\n",
				x + 9, y + 12);
		}
		b = e;
	}
}

static int svg_write(FILE *f, const struct pcl_cfg *cfg,
		     const struct pcl_map *map)
{
	const uint8_t *own = pcl_map_owners(map);
	const struct pcl_walk *w = pcl_map_walk(map);
	char title[512];
	int y = SVG_TOP, height, ly, rows = 0;
	size_t i;

	/* Count the drawn rows first: the height goes in the root element. */
	for (uint32_t row = 0; row < PCL_CFG_SIZE; row += 16) {
		uint32_t fold = fold_rows(own, row);

		rows++;
		if (fold >= 2)
			row += 16 * (fold - 1);
	}
	height = SVG_TOP + (rows + 1) * SVG_CELL_H + 40;
	ly = 16 * (int)(pcl_walk_cap_count(w) + pcl_walk_orphan_count(w) +
			pcl_map_range_count(map) + 6) + SVG_TOP + 40;
	if (ly > height)
		height = ly;

	mapcli_title(cfg, title, sizeof(title));
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"11\">\n"
		   "<style>.cap{font-size:10px} .axis{fill:#333} .fold{fill:#555;font-style:italic}</style>\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		   "<text x=\"8\" y=\"20\" font-size=\"13\">",
		SVG_WIDTH, height, SVG_WIDTH, height);
	svg_text(f, title);
	fputs("</text>\n", f);
	for (i = 0; i < 16; i++)
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\">%zx</text>\n",
			SVG_LEFT + (int)i * SVG_CELL_W + 9, SVG_TOP - 6, i);

	for (uint32_t row = 0; row < PCL_CFG_SIZE; row += 16) {
		uint32_t fold = fold_rows(own, row);

		if (row == PCL_STD_SPACE_END) {
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>\n",
				SVG_LEFT - 40, y, SVG_LEFT + SVG_GRID_W, y);
		}
		if (fold >= 2) {
			fprintf(f, "<text x=\"8\" y=\"%d\" class=\"axis\">%03x</text>\n",
				y + 12, row);
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#555\" stroke-dasharray=\"3 2\" stroke-width=\"0.5\"/>\n",
				SVG_LEFT, y, SVG_GRID_W, SVG_CELL_H,
				svg_fill(own[row], 0));
			fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"fold\">0x%03x-0x%03x %s (%u rows)</text>\n",
				SVG_LEFT + 6, y + 12, row, row + 16 * fold - 1,
				owner_words[own[row]], fold);
			row += 16 * (fold - 1);
		} else {
			fprintf(f, "<text x=\"8\" y=\"%d\" class=\"axis\">%03x</text>\n",
				y + 12, row);
			svg_row(f, map, row, y);
		}
		y += SVG_CELL_H;
	}

	/* Legend: fixed owners, then each capability, orphan and range. */
	ly = SVG_TOP;
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\">Legend</text>\n",
		SVG_LEGEND_X, ly - 6);
	for (int o = 0; o < PCL_OWNER_COUNT; o++) {
		if (o == PCL_OWNER_CAP || o == PCL_OWNER_ORPHAN ||
		    o == PCL_OWNER_RESERVED || o == PCL_OWNER_FREE)
			continue;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\"/>\n<text x=\"%d\" y=\"%d\">",
			SVG_LEGEND_X, ly, svg_fill((uint8_t)o, 0),
			SVG_LEGEND_X + 20, ly + 10);
		svg_text(f, owner_words[o]);
		fputs("</text>\n", f);
		ly += 16;
	}
	for (i = 0; i < pcl_walk_cap_count(w) + pcl_walk_orphan_count(w); i++) {
		bool orphan = i >= pcl_walk_cap_count(w);
		size_t k = orphan ? i - pcl_walk_cap_count(w) : i;
		const struct pcl_cap *c = orphan ? pcl_walk_orphan(w, k)
						 : pcl_walk_cap(w, k);
		char what[96];

		snprintf(what, sizeof(what), "%s%s (%s 0x%02x) at 0x%03x",
			 orphan ? "orphan " : "", c->name,
			 c->space ? "ext" : "std", c->id, c->offset);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\"/>\n<text x=\"%d\" y=\"%d\">",
			SVG_LEGEND_X, ly,
			svg_fill(orphan ? PCL_OWNER_ORPHAN : PCL_OWNER_CAP,
				 (uint32_t)k),
			SVG_LEGEND_X + 20, ly + 10);
		svg_legend_text(f, what);
		fputs("</text>\n", f);
		ly += 16;
	}
	for (i = 0; i < pcl_map_range_count(map); i++) {
		const struct pcl_range *r = pcl_map_range(map, i);
		char what[160];

		snprintf(what, sizeof(what), "%s 0x%03x-0x%03x: %s%s",
			 r->kind == PCL_RANGE_FREE ? "free" : "reserved",
			 r->start, r->start + r->length - 1,
			 r->reason ? r->reason : (r->source ? r->source : ""),
			 r->flags & PCL_RANGE_UNTRUSTED ? " (not trusted)" : "");
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\"/>\n<text x=\"%d\" y=\"%d\">",
			SVG_LEGEND_X, ly,
			svg_fill(r->kind == PCL_RANGE_FREE ? PCL_OWNER_FREE
							   : PCL_OWNER_RESERVED, 0),
			SVG_LEGEND_X + 20, ly + 10);
		svg_legend_text(f, what);
		fputs("</text>\n", f);
		ly += 16;
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

struct svg_job {
	const struct pcl_cfg *cfg;
	const struct pcl_map *map;
};

static int svg_job_write(FILE *f, void *opaque)
{
	const struct svg_job *j = opaque;

	return svg_write(f, j->cfg, j->map);
}

/* Through the library's atomic writer: never a torn file. */
static int svg_save(const char *path, const struct pcl_cfg *cfg,
		    const struct pcl_map *map)
{
	struct svg_job j = { .cfg = cfg, .map = map };

	return pcl_file_replace(path, svg_job_write, &j);
}

/*
 * Map @cfg: as text (@json NULL) or into @json, and also as an SVG picture
 * when *@svg names a file (cleared once written; *@svg_failed set when it
 * could not be). -1 when its map could not be built (out of memory).
 */
static int map_one(struct mapcli *m, const struct pcl_cfg *cfg,
		   struct jw *json, bool color, const char **svg,
		   bool *svg_failed)
{
	struct pcl_walk *w;
	struct pcl_map *map;
	int r;

	if (mapcli_build(m, cfg, &w, &map))
		return -1;
	if (json)
		map_json(json, cfg, map);
	else
		print_map(cfg, map, color);
	if (*svg) {
		r = svg_save(*svg, cfg, map);
		if (r) {
			cli_error("%s: cannot write: %s", *svg, strerror(-r));
			*svg_failed = true;
		}
		*svg = NULL;
	}
	pcl_map_free(map);
	pcl_walk_free(w);
	return 0;
}

/*
 * Map each function of @src, the first one also as an SVG picture when
 * *@svg names a file. -1 when a map could not be built: the rest is not
 * mapped; nor is it after the picture could not be written (the command
 * fails then; --json prints no document).
 */
static int map_batch(struct mapcli *m, const struct cli_sources *src,
		     struct jw *json, bool color, const char **svg,
		     bool *svg_failed)
{
	for (size_t i = 0; i < src->count && !*svg_failed; i++)
		if (map_one(m, src->cfgs[i], json, color, svg, svg_failed))
			return -1;
	return 0;
}

/* map --json of files read twice: mapping each function as it is read. */
struct map_stream {
	struct mapcli *m;
	struct jw *json;
	const char **svg;
	bool svg_failed;
	bool failed; /* a map could not be built: the rest is not mapped */
};

static void map_each(void *opaque, struct pcl_cfg *cfg)
{
	struct map_stream *ms = opaque;

	if (!ms->failed && !ms->svg_failed)
		ms->failed = map_one(ms->m, cfg, ms->json, false, ms->svg,
				     &ms->svg_failed) < 0;
	pcl_cfg_free(cfg);
}

/*
 * map --json streams its document: every SOURCE is read first, so that an
 * unreadable one leaves stdout empty, and then each function is mapped and
 * written through the writer's buffer. Files are read twice for that, the
 * first time only to see that they read, and mapped the second time as
 * they are read: holding their cfgs meanwhile, ~4.7 KB a function, cost a
 * page fault a function, more than reading them again (and holding the
 * document, ~13 KB a function, cost three; BENCHMARKS.md). A file that
 * changed in between and no longer reads is reported after what was
 * written. Other SOURCEs (standard input, addresses) are read once and
 * held. Building a jansson document of a fleet cost 2.76M instructions a
 * device.
 */
static int map_json_sources(struct mapcli *m, char **args, int nargs,
			    const char **svg)
{
	struct map_stream ms = { .m = m, .svg = svg };
	struct cli_sources src = { 0 };
	bool twice = cli_sources_rereadable(args, nargs);
	bool svg_failed = false;
	struct jw out;
	int ret = EXIT_OK;

	if ((twice ? cli_sources_each(args, nargs, NULL, NULL) :
		     cli_sources_args(&src, args, nargs, true)) < 0) {
		cli_sources_free(&src);
		return EXIT_USAGE;
	}
	jw_init(&out, stdout);
	cli_doc_stream_begin(&out);
	ms.json = &out;
	/* Out of memory: the document ends with what was mapped. */
	if (twice && cli_sources_each(args, nargs, map_each, &ms) < 0) {
		jw_discard(&out);
		return EXIT_USAGE;
	}
	if (twice) {
		svg_failed = ms.svg_failed;
		ret = ms.failed ? EXIT_USAGE : EXIT_OK;
	} else if (map_batch(m, &src, &out, false, svg, &svg_failed) < 0) {
		ret = EXIT_USAGE;
	}
	cli_sources_free(&src);
	/* The SVG is of the first function: nothing was written yet. */
	if (svg_failed) {
		jw_discard(&out);
		return EXIT_USAGE;
	}
	cli_doc_stream_end(&out, "map");
	/* A write error is caught when stdout is closed (cli_finish()). */
	jw_finish(&out);
	return ret;
}

int cmd_map(int argc, char **argv)
{
	enum { OPT_NO_COLOR = 0x100, OPT_SVG };
	static const struct option opts[] = {
		MAPCLI_QUIRK_OPTIONS,
		MAPCLI_STRICT_OPTION,
		MAPCLI_FREE_OPTION,
		CLI_SELECT_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_sources src = { 0 };
	struct mapcli m = { 0 };
	bool json = false, no_color = false, svg_failed = false;
	const char *svg = NULL;
	int c, r, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "js:d:h", opts, NULL)) != -1) {
		r = ccli_option(NULL, &m, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'j':
			json = true;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_NO_COLOR:
			no_color = true;
			break;
		case 'h':
			cli_usage(stdout, map_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, map_usage);
		}
	}
	if (optind == argc && !cli_select_active()) {
		cli_error("map: missing SOURCE (see 'pcilayout map -h')");
		return EXIT_USAGE;
	}
	if (json) {
		ret = mapcli_init(&m) ? EXIT_USAGE :
			map_json_sources(&m, argv + optind, argc - optind, &svg);
	} else if (mapcli_load(&m, &src, argv + optind, argc - optind) < 0 ||
		   map_batch(&m, &src, NULL, cli_use_color(no_color), &svg,
			     &svg_failed) < 0 || svg_failed) {
		ret = EXIT_USAGE;
	}
	cli_sources_free(&src);
	mapcli_fini(&m);
	return ret;
}
