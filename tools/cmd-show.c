// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-show.c - `pcilayout show SOURCE...`: walk each function's capability
 * chains and print what was found, lspci -v style or as stable JSON. The
 * exit status is 1 when any finding has error severity, so scripts can gate
 * on a broken device without parsing output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "json-writer.h"

static const char show_usage[] =
	"Usage: pcilayout show [options] [SOURCE...]\n"
	"Walk the standard and extended capability chains of each function.\n\n"
	"SOURCE is an lspci -x/-xxx/-xxxx dump (one or more devices), a binary\n"
	"config space of 64, 256 or 4096 bytes, a host bundle (pcilayout\n"
	"collect), '-' for standard input, or a PCI address (0000:3b:00.0 or\n"
	"3b:00.0) read through sysfs. Without SOURCE, every function of this\n"
	"machine is shown.\n\n"
	"Options:\n"
	CLI_SELECT_USAGE
	"  -j, --json             print a JSON document instead of text\n"
	"  -q, --quiet            print device lines and findings only\n"
	"  -x, --hex              also print the bytes read, as lspci -xxxx does\n"
	"                         (the output reads back as a dump: keep how a\n"
	"                         source, e.g. vfio:ADDRESS, showed a function)\n"
	"  -h, --help             show this help\n\n"
	"Exit status: 0 ok, 1 a finding of severity error, 2 bad usage or\n"
	"unreadable input.\n";

/*
 * The JSON document is streamed (json-writer.c says why it is not built
 * with jansson). Members are written in the order JSON_SORT_KEYS gives,
 * which is byte order of the keys; members jansson would drop (a string
 * that is NULL or not UTF-8) are dropped by jw_member_string().
 */
static void identity_json(struct jw *w, const struct pcl_cfg *cfg)
{
	struct pcl_identity id;

	pcl_cfg_identity(cfg, &id);
	jw_key(w, "identity");
	jw_begin_object(w);
	jw_key(w, "class");
	jw_hex_pad(w, id.class_code, 6);
	jw_key(w, "device");
	jw_hex_pad(w, id.device_id, 4);
	jw_key(w, "header_type");
	jw_int(w, id.header_type);
	jw_key(w, "ids_from_pf");
	jw_bool(w, id.ids_from_pf);
	jw_key(w, "multifunction");
	jw_bool(w, id.multifunction);
	jw_key(w, "pcie_type");
	if (id.pcie_type >= 0)
		jw_int(w, id.pcie_type);
	else
		jw_null(w);
	jw_key(w, "revision");
	jw_hex_pad(w, id.revision, 2);
	jw_key(w, "subsystem");
	jw_hex_pad(w, id.subsys_id, 4);
	jw_key(w, "subsystem_vendor");
	jw_hex_pad(w, id.subsys_vendor_id, 4);
	jw_key(w, "vendor");
	jw_hex_pad(w, id.vendor_id, 4);
	jw_key(w, "vf");
	jw_bool(w, id.is_vf);
	jw_end_object(w);
}

static void cap_json(struct jw *w, const struct pcl_cap *c)
{
	bool vsec = c->space == PCL_SPACE_EXTENDED &&
		    (c->id == PCL_EXT_CAP_ID_VNDR || c->id == PCL_EXT_CAP_ID_DVSEC);

	jw_begin_object(w);
	jw_key(w, "id");
	jw_hex(w, c->id);
	jw_key(w, "instance");
	jw_int(w, c->instance);
	jw_key(w, "length");
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN)
		jw_null(w);
	else
		jw_int(w, c->length);
	jw_member_string(w, "name", c->name);
	jw_key(w, "offset");
	jw_hex(w, c->offset);
	if (c->flags & PCL_CAP_OVERLAP) {
		jw_key(w, "overlap");
		jw_bool(w, true);
	}
	jw_member_string(w, "space", pcl_space_name(c->space));
	if (c->flags & PCL_CAP_TRUNCATED) {
		jw_key(w, "truncated");
		jw_bool(w, true);
	}
	jw_key(w, "version");
	jw_int(w, c->version);
	if (vsec) {
		jw_key(w, "vsec_id");
		jw_hex(w, c->vsec_id);
		jw_key(w, "vsec_rev");
		jw_int(w, c->vsec_rev);
		jw_key(w, "vsec_vendor");
		jw_hex_pad(w, c->vendor, 4);
	}
	jw_end_object(w);
}

/*
 * An orphan is listed once, with the capabilities (as "orphans"), not a
 * second time as an "orphan" finding of the walk.
 */
static bool shown_as_orphan(const struct pcl_finding *f)
{
	return f->code && strcmp(f->code, "orphan") == 0;
}

static void finding_json(struct jw *w, const struct pcl_finding *f)
{
	jw_begin_object(w);
	jw_member_string(w, "code", f->code);
	jw_member_string(w, "message", f->message);
	jw_key(w, "offset");
	if (f->offset >= 0)
		jw_hex(w, (unsigned long)f->offset);
	else
		jw_null(w);
	jw_member_string(w, "severity", pcl_severity_name(f->severity));
	if (f->space >= 0)
		jw_member_string(w, "space", pcl_space_name(f->space));
	jw_end_object(w);
}

static void device_json(struct jw *out, const struct pcl_cfg *cfg,
			const struct pcl_walk *w)
{
	const char *slot = pcl_cfg_slot(cfg);

	jw_begin_object(out);
	jw_key(out, "capabilities");
	jw_begin_array(out);
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		cap_json(out, pcl_walk_cap(w, i));
	jw_end_array(out);
	jw_key(out, "findings");
	jw_begin_array(out);
	for (size_t i = 0; i < pcl_walk_finding_count(w); i++)
		if (!shown_as_orphan(pcl_walk_finding(w, i)))
			finding_json(out, pcl_walk_finding(w, i));
	jw_end_array(out);
	identity_json(out, cfg);
	if (pcl_cfg_line(cfg)) {
		jw_key(out, "line");
		jw_int(out, pcl_cfg_line(cfg));
	}
	jw_key(out, "orphans");
	jw_begin_array(out);
	for (size_t i = 0; i < pcl_walk_orphan_count(w); i++)
		cap_json(out, pcl_walk_orphan(w, i));
	jw_end_array(out);
	jw_key(out, "size");
	jw_int(out, pcl_cfg_size(cfg));
	if (slot) {
		jw_member_string(out, "slot", slot);
	} else {
		jw_key(out, "slot");
		jw_null(out);
	}
	jw_member_string(out, "source", pcl_cfg_source(cfg));
	jw_end_object(out);
}

static void print_cap(struct jw *out, const struct pcl_cap *c)
{
	const struct pcl_capdef *def = pcl_catalog_lookup(c->space, c->id);

	/* "\t[%03x] %s len %4u %-2s  %-8s %s" */
	jw_text(out, "\t[");
	jw_text_hex(out, c->offset, 3);
	jw_text(out, c->space == PCL_SPACE_STANDARD ? "] std len " :
						      "] ext len ");
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN)
		jw_text(out, "   ?");
	else
		jw_text_dec(out, c->length, 4);
	jw_text(out, " ");
	/* Only extended capabilities and PCI Express carry a version field
	 * the walker decodes; "v0" elsewhere would read as a real value. */
	if (c->space == PCL_SPACE_EXTENDED || c->version) {
		jw_text(out, "v");
		jw_text_dec(out, c->version, 0);
	} else {
		jw_text(out, "  ");
	}
	jw_text(out, "  ");
	jw_text_pad(out, c->name, 8);
	jw_text(out, " ");
	jw_text(out, def ? def->long_name : "Unknown capability");
	if (!def) {
		jw_text(out, " (id 0x");
		jw_text_hex(out, c->id, 1);
		jw_text(out, ")");
	}
	if (c->space == PCL_SPACE_EXTENDED && c->id == PCL_EXT_CAP_ID_VNDR) {
		jw_text(out, " [id ");
		jw_text_hex(out, c->vsec_id, 4);
		jw_text(out, " rev ");
		jw_text_dec(out, c->vsec_rev, 0);
		jw_text(out, "]");
	} else if (c->space == PCL_SPACE_EXTENDED &&
		   c->id == PCL_EXT_CAP_ID_DVSEC) {
		jw_text(out, " [vendor ");
		jw_text_hex(out, c->vendor, 4);
		jw_text(out, " id ");
		jw_text_hex(out, c->vsec_id, 4);
		jw_text(out, " rev ");
		jw_text_dec(out, c->vsec_rev, 0);
		jw_text(out, "]");
	}
	if (c->flags & PCL_CAP_TRUNCATED)
		jw_text(out, " <truncated>");
	if (c->flags & PCL_CAP_OVERLAP)
		jw_text(out, " <overlap>");
	jw_text(out, "\n");
}

/* The bytes read, in rows the dump reader takes back. */
static void print_hex(struct jw *out, const struct pcl_cfg *cfg)
{
	static const char digit[] = "0123456789abcdef";
	const uint8_t *d = pcl_cfg_data(cfg);
	char row[16 * 3 + 1];

	for (uint32_t off = 0; off < pcl_cfg_size(cfg); off += 16) {
		for (uint32_t i = 0; i < 16; i++) {
			row[3 * i] = ' ';
			row[3 * i + 1] = digit[d[off + i] >> 4];
			row[3 * i + 2] = digit[d[off + i] & 0xf];
		}
		row[48] = '\n';
		jw_text_hex(out, off, 2);
		jw_text(out, ":");
		jw_raw(out, row, sizeof(row));
	}
}

/* "%s %s: %s [%04x:%04x] (rev %02x)%s\n" */
static void print_title(struct jw *out, const struct pcl_cfg *cfg,
			const struct pcl_identity *id)
{
	char dname[256], cname[128];
	const char *slot = pcl_cfg_slot(cfg);

	pcl_names_class(cli_ctx, id->class_code, cname, sizeof(cname));
	pcl_names_device(cli_ctx, id->vendor_id, id->device_id, dname,
			 sizeof(dname));
	jw_text(out, slot ? slot : "-");
	jw_text(out, " ");
	jw_text(out, cname);
	jw_text(out, ": ");
	jw_text(out, dname);
	jw_text(out, " [");
	jw_text_hex(out, id->vendor_id, 4);
	jw_text(out, ":");
	jw_text_hex(out, id->device_id, 4);
	jw_text(out, "] (rev ");
	jw_text_hex(out, id->revision, 2);
	jw_text(out, id->is_vf ? ") (VF)\n" : ")\n");
}

/* "\tSource: %s[:%u], %u bytes read[, PF %s]\n" */
static void print_source(struct jw *out, const struct pcl_cfg *cfg,
			 const struct pcl_identity *id)
{
	jw_text(out, "\tSource: ");
	jw_text(out, pcl_cfg_source(cfg));
	if (pcl_cfg_line(cfg)) {
		jw_text(out, ":");
		jw_text_dec(out, pcl_cfg_line(cfg), 0);
	}
	jw_text(out, ", ");
	jw_text_dec(out, pcl_cfg_size(cfg), 0);
	jw_text(out, " bytes read");
	if (id->is_vf && pcl_cfg_pf_slot(cfg)) {
		jw_text(out, ", PF ");
		jw_text(out, pcl_cfg_pf_slot(cfg));
	}
	jw_text(out, "\n");
}

/* "\t%-7s [%03x] %s: %s\n", without the offset where there is none. */
static void print_finding(struct jw *out, const struct pcl_finding *f)
{
	jw_text(out, "\t");
	jw_text_pad(out, pcl_severity_name(f->severity), 7);
	jw_text(out, " ");
	if (f->offset >= 0) {
		jw_text(out, "[");
		jw_text_hex(out, (unsigned int)f->offset, 3);
		jw_text(out, "] ");
	}
	jw_text(out, f->code);
	jw_text(out, ": ");
	jw_text(out, f->message);
	jw_text(out, "\n");
}

static void print_device(struct jw *out, const struct pcl_cfg *cfg,
			 const struct pcl_walk *w, bool quiet, bool hex)
{
	struct pcl_identity id;
	size_t n;

	pcl_cfg_identity(cfg, &id);
	print_title(out, cfg, &id);
	if (!quiet) {
		print_source(out, cfg, &id);
		n = pcl_walk_cap_count(w);
		jw_text(out, n ? "\tCapabilities:\n" : "\tNo capabilities\n");
		for (size_t i = 0; i < n; i++)
			print_cap(out, pcl_walk_cap(w, i));
		n = pcl_walk_orphan_count(w);
		if (n)
			jw_text(out, "\tOrphans (headers no chain reaches: occupied, not free):\n");
		for (size_t i = 0; i < n; i++)
			print_cap(out, pcl_walk_orphan(w, i));
	}
	n = 0;
	for (size_t i = 0; i < pcl_walk_finding_count(w); i++) {
		const struct pcl_finding *f = pcl_walk_finding(w, i);

		if (shown_as_orphan(f) && !quiet)
			continue;
		if (!n++)
			jw_text(out, "\tFindings:\n");
		print_finding(out, f);
	}
	if (hex)
		print_hex(out, cfg);
	jw_text(out, "\n");
}

/* How the functions are printed: as JSON, or as text with its options. */
struct show_how {
	bool json;
	bool quiet;
	bool hex;
};

/* One run of show: where it prints and what it found so far. */
struct show_run {
	struct jw out;
	const struct show_how *how;
	int ret;
	/*
	 * After a walk fails (out of memory), the rest is not walked: the
	 * message is printed once every SOURCE has been read, where it came
	 * when all were read before any was walked.
	 */
	char walk_error[4352];
};

/* Walk and print one function as it is read (cli_sources.each), free it. */
static void show_one(void *opaque, struct pcl_cfg *cfg)
{
	struct show_run *run = opaque;
	struct pcl_walk *w = run->walk_error[0] ? NULL : pcl_walk_new(cfg);

	if (w) {
		if (pcl_walk_max_severity(w) >= PCL_SEVERITY_ERROR &&
		    run->ret == EXIT_OK)
			run->ret = EXIT_FINDING;
		if (run->how->json)
			device_json(&run->out, cfg, w);
		else
			print_device(&run->out, cfg, w, run->how->quiet,
				     run->how->hex);
		pcl_walk_free(w);
	} else if (!run->walk_error[0]) {
		snprintf(run->walk_error, sizeof(run->walk_error),
			 "%s: cannot walk: %s", pcl_cfg_source(cfg),
			 strerror(errno));
		run->ret = EXIT_USAGE;
	}
	pcl_cfg_free(cfg);
}

/*
 * Each function is walked and printed as soon as it has been read, and
 * freed, so that the next one reuses its memory: holding a 4,000-device
 * dump's cfgs, ~19 MB, cost a page fault a device, half of show's time
 * (BENCHMARKS.md). Nothing reaches stdout until every SOURCE has been
 * read, so that an unreadable one leaves it empty: files are read twice
 * for that (cli_sources_rereadable()), the first time only to see that
 * they read, which costs less than holding the output (~1.9 KB of JSON a
 * device: without transparent huge pages, another half a page fault a
 * device). A file that changed in between and no longer reads is
 * reported after what was written. The output of other SOURCEs (standard
 * input, addresses, this machine) is held instead.
 */
static int show_sources(int nargs, char **args, const struct show_how *how)
{
	struct show_run run = { .how = how, .ret = EXIT_OK };
	bool twice = cli_sources_rereadable(args, nargs);

	if (twice && cli_sources_each(args, nargs, NULL, NULL) < 0)
		return EXIT_USAGE;
	jw_init(&run.out, stdout);
	jw_hold(&run.out, !twice);
	if (how->json)
		cli_doc_stream_begin(&run.out);
	if (cli_sources_each(args, nargs, show_one, &run) < 0) {
		jw_discard(&run.out);
		return EXIT_USAGE;
	}
	jw_hold(&run.out, false);
	if (run.walk_error[0])
		cli_error("%s", run.walk_error);
	if (how->json)
		cli_doc_stream_end(&run.out, "show");
	/* A write error is caught when stdout is closed (cli_finish()). */
	jw_finish(&run.out);
	return run.ret;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "hex", no_argument, NULL, 'x' },
		CLI_SELECT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct show_how how = { 0 };
	int c, r;

	while ((c = getopt_long(argc, argv, "jqxs:d:h", opts, NULL)) != -1) {
		r = cli_select_option(c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r)
			continue;
		switch (c) {
		case 'j':
			how.json = true;
			break;
		case 'q':
			how.quiet = true;
			break;
		case 'x':
			how.hex = true;
			break;
		case 'h':
			cli_usage(stdout, show_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, show_usage);
		}
	}
	return show_sources(argc - optind, argv + optind, &how);
}
