// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-dvsec.c - `pcilayout dvsec encode|decode|inject`: the free-space DVSEC
 * (docs/dvsec-free-space.md) from the command line. encode prints the bytes
 * of a structure, decode shows what a device advertises and whether the
 * occupancy map believes it, inject writes a copy of a config space with the
 * DVSEC linked in - what a vfio-pci variant driver would expose - so the
 * whole flow can be tried on a real dump.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const char dvsec_usage[] =
	"Usage: pcilayout dvsec encode --range R... [options]\n"
	"       pcilayout dvsec decode [options] SOURCE...\n"
	"       pcilayout dvsec inject SOURCE --range R... -o OUT [options]\n"
	"The free-space DVSEC: a Designated Vendor-Specific Extended Capability\n"
	"listing the config space nothing uses (docs/dvsec-free-space.md).\n\n"
	"  encode   print the bytes of a DVSEC advertising the ranges\n"
	"  decode   show the free-space DVSECs of each function, and whether\n"
	"           each advertised range is believed\n"
	"  inject   write a copy of SOURCE (one function, 4096 bytes read)\n"
	"           with the DVSEC linked at the end of its extended chain\n\n"
	"Ranges: comma-separated A-B (inclusive), A+LEN or A; whole dwords,\n"
	"inside 0x40-0xff or 0x100-0xfff. Options may repeat.\n\n"
	"Options:\n"
	"  -r, --range R        ranges free for any use (also --ranges)\n"
	"      --vcap-range R   ranges free for capability structures only\n"
	"      --stable         the ranges are free on every firmware of the model\n"
	"      --vendor V       DVSEC vendor id (default 0xffff, provisional)\n"
	"      --id I           DVSEC id (default 0x0000, provisional)\n"
	"      --any            decode: recognize the signature under any vendor/id\n"
	"      --at OFF         where the DVSEC sits (encode: checked only;\n"
	"                       inject: default is the best free window)\n"
	"      --force          inject even ranges that are not free (test fixtures)\n"
	"  -o, --output FILE    encode: write binary; inject: the new dump\n"
	"  -f, --format F       inject: lspci (default) or binary\n"
	"      --binary         encode: write the raw bytes to stdout\n"
	CLI_SELECT_USAGE
	"                       (decode, inject)\n"
	"  -j, --json           print JSON (encode: the bytes; decode: every\n"
	"                       DVSEC; inject: where it went)\n"
	"  -h, --help           show this help\n\n"
	"Exit status: 0 ok; 1 decode found a malformed DVSEC or an untrusted\n"
	"range, or inject found no room or a range that is not free; 2 bad usage\n"
	"or unreadable input.\n";

enum {
	OPT_VCAP = 0x100,
	OPT_STABLE,
	OPT_VENDOR,
	OPT_ID,
	OPT_ANY,
	OPT_AT,
	OPT_FORCE,
	OPT_BINARY,
};

struct dvsec_args {
	struct pcl_range *ranges;
	size_t count;
	bool have_ranges, stable, any, force, binary, json, have_ident;
	struct pcl_dvsec_id ident;
	int32_t at;
	const char *output;
	const char *format;
};

static int parse_u32(const char *what, const char *s, uint32_t max,
		     uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || n > max) {
		cli_error("%s: '%s' is not a number in 0..0x%x", what, s, max);
		return -1;
	}
	*v = (uint32_t)n;
	return 0;
}

static int add_ranges(struct dvsec_args *a, const char *text, uint32_t flags)
{
	struct pcl_range *list = NULL, *grown;
	struct pcl_error err = { 0 };
	size_t n = 0;

	if (pcl_range_parse(text, PCL_RANGE_FREE, NULL, &list, &n, &err) < 0) {
		cli_report(&err);
		return -1;
	}
	a->have_ranges = true;
	if (!n)
		return 0;
	grown = realloc(a->ranges, (a->count + n) * sizeof(*grown));
	if (!grown) {
		pcl_range_list_free(list, n);
		cli_error("out of memory");
		return -1;
	}
	a->ranges = grown;
	for (size_t i = 0; i < n; i++) {
		grown[a->count + i] = list[i];
		grown[a->count + i].source = NULL;
		grown[a->count + i].flags = flags;
	}
	a->count += n;
	pcl_range_list_free(list, n);
	return 0;
}

static int cmp_start(const void *x, const void *y)
{
	const struct pcl_range *p = x, *q = y;

	return p->start < q->start ? -1 : p->start > q->start;
}

/* Sort ranges from several options and apply --stable; then check them. */
static int finish_ranges(struct dvsec_args *a)
{
	struct pcl_error err = { 0 };

	if (a->count > 1)
		qsort(a->ranges, a->count, sizeof(*a->ranges), cmp_start);
	for (size_t i = 0; i < a->count; i++)
		if (a->stable)
			a->ranges[i].flags |= PCL_RANGE_STABLE;
	if (pcl_dvsec_check_ranges(a->ranges, a->count, a->at, &err) < 0) {
		cli_report(&err);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct dvsec_args *a)
{
	static const struct option opts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "ranges", required_argument, NULL, 'r' },
		{ "vcap-range", required_argument, NULL, OPT_VCAP },
		{ "stable", no_argument, NULL, OPT_STABLE },
		{ "vendor", required_argument, NULL, OPT_VENDOR },
		{ "id", required_argument, NULL, OPT_ID },
		{ "any", no_argument, NULL, OPT_ANY },
		{ "at", required_argument, NULL, OPT_AT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		CLI_SELECT_OPTIONS,
		{ "binary", no_argument, NULL, OPT_BINARY },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_vendor = false, have_id = false;
	uint32_t v;
	int c;

	a->at = -1;
	a->ident = (struct pcl_dvsec_id){ PCL_DVSEC_FREE_VENDOR,
					  PCL_DVSEC_FREE_ID };
	while ((c = getopt_long(argc, argv, "r:o:f:s:d:jh", opts, NULL)) != -1) {
		int r = cli_select_option(c, optarg);

		if (r < 0)
			return -1;
		if (r)
			continue;
		switch (c) {
		case 'r':
			if (add_ranges(a, optarg, 0))
				return -1;
			break;
		case OPT_VCAP:
			if (add_ranges(a, optarg, PCL_RANGE_VCAP_ONLY))
				return -1;
			break;
		case OPT_STABLE:
			a->stable = true;
			break;
		case OPT_VENDOR:
			if (parse_u32("--vendor", optarg, 0xffff, &v))
				return -1;
			a->ident.vendor = (uint16_t)v;
			have_vendor = true;
			break;
		case OPT_ID:
			if (parse_u32("--id", optarg, 0xffff, &v))
				return -1;
			a->ident.id = (uint16_t)v;
			have_id = true;
			break;
		case OPT_ANY:
			a->any = true;
			break;
		case OPT_AT:
			if (parse_u32("--at", optarg, 0xfff, &v))
				return -1;
			a->at = (int32_t)v;
			break;
		case OPT_FORCE:
			a->force = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "lspci") && strcmp(optarg, "binary")) {
				cli_error("--format: '%s' is not lspci or binary",
					  optarg);
				return -1;
			}
			a->format = optarg;
			break;
		case OPT_BINARY:
			a->binary = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			cli_usage(stdout, dvsec_usage);
			return 1;
		default:
			cli_bad_option(argv, dvsec_usage);
			return -1;
		}
	}
	if (have_vendor != have_id) {
		cli_error("--vendor and --id go together (a DVSEC id means nothing without its vendor)");
		return -1;
	}
	a->have_ident = have_vendor;
	return 0;
}

struct bytes_job {
	const void *data;
	size_t len;
};

static int bytes_job_write(FILE *f, void *opaque)
{
	const struct bytes_job *j = opaque;

	return fwrite(j->data, 1, j->len, f) == j->len ? 0 : -EIO;
}

/* @len bytes to @path through the library's atomic writer; "-" is stdout. */
static int write_atomic(const char *path, const void *data, size_t len)
{
	struct bytes_job j = { .data = data, .len = len };
	int r;

	if (!strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			cli_error("writing standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	r = pcl_file_replace(path, bytes_job_write, &j);
	if (r < 0) {
		cli_error("%s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

static void print_hex(const uint8_t *b, size_t len, uint32_t base)
{
	for (size_t i = 0; i < len; i += 16) {
		printf(base + i < PCL_STD_SPACE_END ? "%02zx:" : "%03zx:", base + i);
		for (size_t j = i; j < len && j < i + 16; j++)
			printf(" %02x", b[j]);
		putchar('\n');
	}
}

static int do_encode(struct dvsec_args *a, int argc, char **argv)
{
	struct pcl_error err = { 0 };
	uint8_t buf[PCL_DVSEC_FREE_SIZE(PCL_DVSEC_FREE_MAX_RANGES)];
	size_t len;

	if (optind != argc) {
		cli_error("encode takes no SOURCE");
		return EXIT_USAGE;
	}
	if (!a->have_ranges) {
		cli_error("encode needs --range (an empty list is --range '')");
		return EXIT_USAGE;
	}
	if (finish_ranges(a))
		return EXIT_USAGE;
	if (pcl_dvsec_encode(a->ranges, a->count, &a->ident, a->at, buf,
			     sizeof(buf), &len, &err) < 0) {
		cli_report(&err);
		return EXIT_USAGE;
	}
	if (a->output && write_atomic(a->output, buf, len))
		return EXIT_USAGE;
	if (a->json) {
		json_t *doc = cli_doc_new("dvsec");
		char hex[2 * sizeof(buf) + 1];

		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", buf[i]);
		hex[2 * len] = '\0';
		json_object_set_new(doc, "action", json_string("encode"));
		json_object_set_new(doc, "at", a->at >= 0 ?
				    cli_json_hex((unsigned long)a->at) : json_null());
		json_object_set_new(doc, "length", json_integer((json_int_t)len));
		json_object_set_new(doc, "bytes", json_string(hex));
		json_object_set_new(doc, "output", a->output ?
				    json_string(a->output) : json_null());
		return cli_doc_print(doc) ? EXIT_USAGE : EXIT_OK;
	}
	if (a->output)
		return EXIT_OK;
	if (a->binary)
		return write_atomic("-", buf, len) ? EXIT_USAGE : EXIT_OK;
	print_hex(buf, len, a->at >= 0 ? (uint32_t)a->at : 0);
	return EXIT_OK;
}

static void flag_words(uint32_t flags, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s",
		 flags & PCL_RANGE_VCAP_ONLY ? "vcap-only" : "any-use",
		 flags & PCL_RANGE_STABLE ? ",stable" : "");
}

/* Why the map refused @r: its first byte that is not free. */
static void untrusted_reason(const struct pcl_map *m, const struct pcl_range *r,
			     char *buf, size_t size)
{
	char what[128];

	snprintf(buf, size, "not believed");
	for (uint32_t b = r->start; b < r->start + r->length; b++) {
		int owner = pcl_map_owner(m, b, NULL);

		/* A rejected range leaves its good bytes unclaimed zero. */
		if (owner == PCL_OWNER_FREE || owner == PCL_OWNER_ZERO)
			continue;
		pcl_map_describe(m, b, what, sizeof(what));
		snprintf(buf, size, "byte 0x%x is %s", b, what);
		return;
	}
}

/* The map's verdict on range @r of the DVSEC at @src, or NULL. */
static const struct pcl_range *map_copy(const struct pcl_map *m,
					const struct pcl_range *r)
{
	for (size_t i = 0; m && i < pcl_map_range_count(m); i++) {
		const struct pcl_range *c = pcl_map_range(m, i);

		if (c->kind == PCL_RANGE_FREE && c->start == r->start &&
		    c->length == r->length && c->source && r->source &&
		    !strcmp(c->source, r->source))
			return c;
	}
	return NULL;
}

static const char *status_name(int status)
{
	switch (status) {
	case PCL_DVSEC_VALID:
		return "valid";
	case PCL_DVSEC_MALFORMED:
		return "malformed";
	case PCL_DVSEC_CONFLICT:
		return "conflict";
	}
	return "unknown";
}

static json_t *finding_json(const struct pcl_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "severity",
			    json_string(pcl_severity_name(f->severity)));
	json_object_set_new(o, "code", json_string(f->code));
	json_object_set_new(o, "offset", f->offset >= 0 ?
				    cli_json_hex((unsigned long)f->offset) :
				    json_null());
	json_object_set_new(o, "message", json_string(f->message));
	return o;
}

/* One function: print (or append to @devs) and return its exit status. */
static int decode_one(const struct pcl_cfg *cfg, const struct dvsec_args *a,
		      json_t *devs)
{
	struct pcl_dvsec_opts o = { .flags = a->any ? PCL_DVSEC_ANY_ID : 0 };
	struct pcl_walk *w;
	struct pcl_dvsec_scan *s = NULL;
	struct pcl_map *m = NULL;
	const struct pcl_range *rs;
	const char *slot = pcl_cfg_slot(cfg);
	json_t *dev = NULL, *list = NULL, *findings = NULL;
	size_t n;
	int ret = EXIT_OK;

	if (a->have_ident) {
		o.accept = &a->ident;
		o.naccept = 1;
	}
	w = pcl_walk_new(cfg);
	s = w ? pcl_dvsec_scan_new(w, &o) : NULL;
	if (s) {
		rs = pcl_dvsec_scan_ranges(s, &n);
		m = pcl_map_new(w, rs, n);
	}
	if (!w || !s || !m) {
		cli_error("%s: %s", pcl_cfg_source(cfg), strerror(errno));
		ret = EXIT_USAGE;
		goto out;
	}
	if (devs) {
		dev = json_object();
		list = json_array();
		findings = json_array();
		json_object_set_new(dev, "source",
				    json_string(pcl_cfg_source(cfg)));
		json_object_set_new(dev, "slot",
				    slot ? json_string(slot) : json_null());
		json_object_set_new(dev, "dvsecs", list);
		json_object_set_new(dev, "findings", findings);
		json_array_append_new(devs, dev);
	} else {
		printf("%s (%s)\n", slot ? slot : "-", pcl_cfg_source(cfg));
		if (!pcl_dvsec_scan_count(s))
			printf("\tno free-space DVSEC\n");
	}
	for (size_t i = 0; i < pcl_dvsec_scan_count(s); i++) {
		const struct pcl_dvsec_info *d = pcl_dvsec_scan_get(s, i);
		json_t *jd = NULL, *jr = NULL;

		if (d->status != PCL_DVSEC_VALID)
			ret = EXIT_FINDING;
		if (list) {
			jd = json_object();
			jr = json_array();
			json_object_set_new(jd, "offset", cli_json_hex(d->offset));
			json_object_set_new(jd, "vendor", cli_json_id(d->vendor));
			json_object_set_new(jd, "id", cli_json_hex(d->id));
			json_object_set_new(jd, "dvsec_rev",
					    json_integer(d->dvsec_rev));
			json_object_set_new(jd, "length", json_integer(d->length));
			json_object_set_new(jd, "format", json_integer(d->format));
			json_object_set_new(jd, "count", json_integer(d->declared));
			json_object_set_new(jd, "status",
					    json_string(status_name(d->status)));
			json_object_set_new(jd, "code", d->code ?
					    json_string(d->code) : json_null());
			json_object_set_new(jd, "message", d->message ?
					    json_string(d->message) : json_null());
			json_object_set_new(jd, "ranges", jr);
			json_array_append_new(list, jd);
		} else {
			printf("\tDVSEC at 0x%03x: vendor %04x id %04x rev %u len %u, format %u, %u ranges: %s\n",
			       d->offset, d->vendor, d->id, d->dvsec_rev,
			       d->length, d->format, d->declared,
			       status_name(d->status));
			if (d->message)
				printf("\t\t%s: %s\n", d->code, d->message);
		}
		for (size_t j = 0; j < d->range_count; j++) {
			const struct pcl_range *r = &d->ranges[j];
			const struct pcl_range *c = d->status == PCL_DVSEC_VALID ?
						    map_copy(m, r) : NULL;
			bool trusted = c && !(c->flags & PCL_RANGE_UNTRUSTED);
			char words[32], why[192] = "";

			if (c && !trusted) {
				untrusted_reason(m, r, why, sizeof(why));
				ret = EXIT_FINDING;
			}
			flag_words(r->flags, words, sizeof(words));
			if (jr) {
				json_t *o2 = json_object();

				json_object_set_new(o2, "start",
						    cli_json_hex(r->start));
				json_object_set_new(o2, "end",
						    cli_json_hex(r->start + r->length - 1));
				json_object_set_new(o2, "length",
						    json_integer(r->length));
				json_object_set_new(o2, "vcap_only",
						    json_boolean(r->flags & PCL_RANGE_VCAP_ONLY));
				json_object_set_new(o2, "stable",
						    json_boolean(r->flags & PCL_RANGE_STABLE));
				json_object_set_new(o2, "trusted",
						    json_boolean(trusted));
				json_object_set_new(o2, "reason", why[0] ?
						    json_string(why) : json_null());
				json_array_append_new(jr, o2);
			} else {
				printf("\t\t0x%03x-0x%03x %5u bytes  %-16s %s%s%s\n",
				       r->start, r->start + r->length - 1,
				       r->length, words,
				       trusted ? "trusted" :
				       c ? "NOT TRUSTED" : "unused",
				       why[0] ? ": " : "", why);
			}
		}
	}
	for (size_t i = 0; i < pcl_dvsec_scan_finding_count(s); i++) {
		const struct pcl_finding *f = pcl_dvsec_scan_finding(s, i);

		if (findings) {
			json_array_append_new(findings, finding_json(f));
		} else {
			printf("\t%-7s ", pcl_severity_name(f->severity));
			if (f->offset >= 0)
				printf("[%03x] ", (unsigned int)f->offset);
			printf("%s: %s\n", f->code, f->message);
		}
	}
out:
	pcl_map_free(m);
	pcl_dvsec_scan_free(s);
	pcl_walk_free(w);
	return ret;
}

static int do_decode(struct dvsec_args *a, int argc, char **argv)
{
	struct cli_sources src = { 0 };
	json_t *doc = NULL, *devs = NULL;
	int ret = EXIT_OK;

	if (optind == argc && !cli_select_active()) {
		cli_error("decode needs a SOURCE (or -s/-d)");
		return EXIT_USAGE;
	}
	if (cli_sources_args(&src, argv + optind, argc - optind, false) < 0) {
		cli_sources_free(&src);
		return EXIT_USAGE;
	}
	if (a->json) {
		doc = cli_doc_new("dvsec");
		devs = json_array();
		json_object_set_new(doc, "action", json_string("decode"));
		json_object_set_new(doc, "devices", devs);
	}
	for (size_t i = 0; i < src.count; i++) {
		int r = decode_one(src.cfgs[i], a, devs);

		if (r > ret)
			ret = r;
	}
	if (doc)
		cli_doc_print(doc);
	cli_sources_free(&src);
	return ret;
}

/* lspci -xxxx text: a device line, then 16 bytes a row. */
static char *lspci_text(const struct pcl_cfg *cfg, size_t *len)
{
	const uint8_t *d = pcl_cfg_data(cfg);
	const char *slot = pcl_cfg_slot(cfg);
	struct pcl_identity id;
	char cname[128], dname[256];
	char *buf;
	size_t size = 512 + (PCL_CFG_SIZE / 16) * (6 + 16 * 3 + 1), n;

	buf = malloc(size);
	if (!buf)
		return NULL;
	pcl_cfg_identity(cfg, &id);
	pcl_names_class(cli_ctx, id.class_code, cname, sizeof(cname));
	pcl_names_device(cli_ctx, id.vendor_id, id.device_id, dname,
			 sizeof(dname));
	n = (size_t)snprintf(buf, size, "%s %s: %s (rev %02x)\n",
			     slot ? slot : "00:00.0", cname, dname,
			     id.revision);
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off += 16) {
		n += (size_t)snprintf(buf + n, size - n,
				      off < PCL_STD_SPACE_END ? "%02x:" : "%03x:", off);
		for (uint32_t j = 0; j < 16; j++)
			n += (size_t)snprintf(buf + n, size - n, " %02x",
					      d[off + j]);
		n += (size_t)snprintf(buf + n, size - n, "\n");
	}
	n += (size_t)snprintf(buf + n, size - n, "\n");
	*len = n;
	return buf;
}

static int do_inject(struct dvsec_args *a, int argc, char **argv)
{
	struct pcl_dvsec_inject_opts o = { .ident = a->ident, .at = a->at };
	struct cli_sources src = { 0 };
	struct pcl_error err = { 0 };
	struct pcl_walk *w = NULL;
	struct pcl_cfg *out = NULL;
	struct pcl_cfg *cfg;
	const char *name;
	uint32_t at = 0;
	int ret = EXIT_USAGE, r;

	if (optind + 1 < argc || (optind == argc && !cli_select_active())) {
		cli_error("inject takes exactly one SOURCE (or -s/-d on this machine)");
		return EXIT_USAGE;
	}
	if (!a->output) {
		cli_error("inject needs -o OUT ('-' for standard output)");
		return EXIT_USAGE;
	}
	if (a->json && !strcmp(a->output, "-")) {
		cli_error("inject: -j and -o - both want standard output");
		return EXIT_USAGE;
	}
	if (!a->have_ranges) {
		cli_error("inject needs --range (an empty list is --range '')");
		return EXIT_USAGE;
	}
	if (finish_ranges(a))
		return EXIT_USAGE;
	cfg = cli_sources_one(&src, optind < argc ? argv[optind] : NULL, NULL);
	if (!cfg)
		goto out;
	name = pcl_cfg_source(cfg);
	w = pcl_walk_new(cfg);
	if (!w) {
		cli_error("%s: cannot walk: %s", name, strerror(errno));
		goto out;
	}
	if (a->force)
		o.flags |= PCL_DVSEC_INJECT_UNCHECKED;
	r = pcl_dvsec_inject(w, a->ranges, a->count, &o, &out, &at, &err);
	if (r < 0) {
		if (!err.source[0])
			snprintf(err.source, sizeof(err.source), "%s", name);
		cli_report(&err);
		ret = r == -ENOMEM ? EXIT_USAGE : EXIT_FINDING;
		goto out;
	}
	if (a->format && !strcmp(a->format, "binary")) {
		r = write_atomic(a->output, pcl_cfg_data(out), PCL_CFG_SIZE);
	} else {
		size_t len = 0;
		char *text = lspci_text(out, &len);

		r = text ? write_atomic(a->output, text, len) : -1;
		if (!text)
			cli_error("out of memory");
		free(text);
	}
	if (r)
		goto out;
	if (a->json) {
		json_t *doc = cli_doc_new("dvsec");

		json_object_set_new(doc, "action", json_string("inject"));
		json_object_set_new(doc, "at", cli_json_hex(at));
		json_object_set_new(doc, "length",
				    json_integer(PCL_DVSEC_FREE_SIZE(a->count)));
		json_object_set_new(doc, "ranges", json_integer((json_int_t)a->count));
		json_object_set_new(doc, "output", json_string(a->output));
		cli_doc_print(doc);
	} else if (strcmp(a->output, "-")) {
		fprintf(stderr, "%s: free-space DVSEC (%u bytes, %zu ranges) at 0x%03x in %s\n",
			cli_prog, PCL_DVSEC_FREE_SIZE(a->count), a->count, at,
			a->output);
	}
	ret = EXIT_OK;
out:
	pcl_cfg_free(out);
	pcl_walk_free(w);
	cli_sources_free(&src);
	return ret;
}

int cmd_dvsec(int argc, char **argv)
{
	struct dvsec_args a = { 0 };
	const char *verb;
	int r;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_usage(argc < 2 ? stderr : stdout, dvsec_usage);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	verb = argv[1];
	if (strcmp(verb, "encode") && strcmp(verb, "decode") &&
	    strcmp(verb, "inject")) {
		cli_error("dvsec: unknown action '%s' (encode, decode, inject)",
			  verb);
		return EXIT_USAGE;
	}
	/* Options follow the action: parse argv[1..] as a command line. */
	optind = 0;
	r = parse_args(argc - 1, argv + 1, &a);
	if (r) {
		free(a.ranges);
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (!strcmp(verb, "encode"))
		r = do_encode(&a, argc - 1, argv + 1);
	else if (!strcmp(verb, "decode"))
		r = do_decode(&a, argc - 1, argv + 1);
	else
		r = do_inject(&a, argc - 1, argv + 1);
	free(a.ranges);
	return r;
}
