// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench_analysis.c - analysis throughput: devices per second for read
 * (parse) -> walk -> map, for the work of `show --json`, and for the full
 * `plan --add pasid` with canonical JSON out, over fleets of N config spaces,
 * single-threaded in one process. Beside it, in the same run, the processes
 * `pcilayout show --json FILE` and `lspci -F FILE -vvv` on the same N devices
 * as one dump file, so that the ratio is measured under one machine load.
 *
 * Every stage is timed in every repeat, interleaved, and the medians are
 * reported: the machine is shared, and a ratio taken within one run is
 * what can be compared.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bench-common.h"

enum stage {
	ST_PIPELINE,  /* parse -> walk -> map, end to end */
	ST_PARSE,
	ST_WALK,
	ST_WALKMAP,
	ST_SHOWJSON,  /* walk + the show --json document, serialized */
	ST_PLAN,      /* plan --add pasid + canonical JSON */
	ST_TOOL_TEXT, /* process: pcilayout show FILE... */
	ST_TOOL_SHOW, /* process: pcilayout show --json FILE... */
	ST_TOOL_MAP,  /* process: pcilayout map --json FILE... */
	ST_LSPCI,     /* process: lspci -F FILE -vvv */
	ST_COUNT,
};

/* The process stages, compared with lspci in the same repeat. */
#define ST_FIRST_TOOL ST_TOOL_TEXT
#define ST_LAST_TOOL ST_TOOL_MAP

static const char *const stage_name[ST_COUNT] = {
	"read->walk->map (in process)",
	"  read (parse the dump)",
	"  walk",
	"  walk + map",
	"walk + jansson show document",
	"plan --add pasid + canonical JSON",
	"process: pcilayout show",
	"process: pcilayout show --json",
	"process: pcilayout map --json",
	"process: lspci -F -vvv",
};

/* The tool's arguments before the files, per process stage. */
static const char *const tool_args[ST_COUNT][2] = {
	[ST_TOOL_TEXT] = { "show", NULL },
	[ST_TOOL_SHOW] = { "show", "--json" },
	[ST_TOOL_MAP] = { "map", "--json" },
};

/* What the issue asks of each process stage against lspci -vvv. */
static const double tool_goal[ST_COUNT] = {
	[ST_TOOL_TEXT] = 20, [ST_TOOL_SHOW] = 20, [ST_TOOL_MAP] = 10,
};

struct opts {
	size_t n[8];
	size_t n_count;
	int repeats;
	const char *tool;
	const char *lspci;
	const char *tmpdir;
	int no_plan;
	const char *only; /* profile one stage: walk, walkmap, showjson, plan */
	const char *write; /* write the fleet's dump there, run nothing */
	int cold;          /* repeats of the cold one-device processes */
};

/* What the show command prints for a device: the same keys and values. */
static json_t *hex(unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%lx", v);
	return json_string(buf);
}

static json_t *cap_json(const struct pcl_cap *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "space", json_string(pcl_space_name(c->space)));
	json_object_set_new(o, "id", hex(c->id));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "version", json_integer(c->version));
	json_object_set_new(o, "offset", hex(c->offset));
	json_object_set_new(o, "length", c->flags & PCL_CAP_LENGTH_UNKNOWN ?
			    json_null() : json_integer(c->length));
	json_object_set_new(o, "instance", json_integer(c->instance));
	if (c->vendor || c->vsec_id) {
		json_object_set_new(o, "vsec_vendor", hex(c->vendor));
		json_object_set_new(o, "vsec_id", hex(c->vsec_id));
		json_object_set_new(o, "vsec_rev", json_integer(c->vsec_rev));
	}
	if (c->flags & PCL_CAP_TRUNCATED)
		json_object_set_new(o, "truncated", json_true());
	if (c->flags & PCL_CAP_OVERLAP)
		json_object_set_new(o, "overlap", json_true());
	return o;
}

static json_t *device_json(const struct pcl_cfg *cfg,
			   const struct pcl_walk *w)
{
	json_t *dev = json_object(), *caps = json_array(), *orph = json_array(),
	       *finds = json_array(), *idj = json_object();
	struct pcl_identity id;
	const char *slot = pcl_cfg_slot(cfg);

	pcl_cfg_identity(cfg, &id);
	json_object_set_new(idj, "vendor", hex(id.vendor_id));
	json_object_set_new(idj, "device", hex(id.device_id));
	json_object_set_new(idj, "subsystem_vendor", hex(id.subsys_vendor_id));
	json_object_set_new(idj, "subsystem", hex(id.subsys_id));
	json_object_set_new(idj, "class", hex(id.class_code));
	json_object_set_new(idj, "revision", hex(id.revision));
	json_object_set_new(idj, "header_type", json_integer(id.header_type));
	json_object_set_new(idj, "multifunction", json_boolean(id.multifunction));
	json_object_set_new(idj, "vf", json_boolean(id.is_vf));
	json_object_set_new(idj, "pcie_type", id.pcie_type >= 0 ?
			    json_integer(id.pcie_type) : json_null());
	json_object_set_new(dev, "identity", idj);
	json_object_set_new(dev, "source", json_string(pcl_cfg_source(cfg)));
	json_object_set_new(dev, "slot", slot ? json_string(slot) : json_null());
	json_object_set_new(dev, "line", json_integer(pcl_cfg_line(cfg)));
	json_object_set_new(dev, "size", json_integer(pcl_cfg_size(cfg)));
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		json_array_append_new(caps, cap_json(pcl_walk_cap(w, i)));
	for (size_t i = 0; i < pcl_walk_orphan_count(w); i++)
		json_array_append_new(orph, cap_json(pcl_walk_orphan(w, i)));
	for (size_t i = 0; i < pcl_walk_finding_count(w); i++) {
		const struct pcl_finding *f = pcl_walk_finding(w, i);
		json_t *o = json_object();

		json_object_set_new(o, "severity",
				    json_string(pcl_severity_name(f->severity)));
		json_object_set_new(o, "code", json_string(f->code));
		json_object_set_new(o, "offset", f->offset >= 0 ?
				    hex((unsigned long)f->offset) : json_null());
		json_object_set_new(o, "message", json_string(f->message));
		json_array_append_new(finds, o);
	}
	json_object_set_new(dev, "capabilities", caps);
	json_object_set_new(dev, "orphans", orph);
	json_object_set_new(dev, "findings", finds);
	return dev;
}

static int count_bytes(const char *buf, size_t size, void *data)
{
	*(size_t *)data += size;
	return 0;
}

/* A checksum of what a stage produced, so the compiler cannot drop it. */
static volatile size_t sink;

/*
 * The reader refuses inputs over 64 MiB, so the fleet's dump is held (and
 * written for the tool) in chunks of CHUNK_DEVICES devices; lspci gets
 * them all in one file.
 */
#define CHUNK_DEVICES 4000

struct fleet_text {
	struct bench_buf *chunk;
	size_t count;
	size_t bytes;
};

static double stage_parse(struct pcl_ctx *ctx, const struct fleet_text *text,
			  struct pcl_cfg ***cfgs, size_t *count)
{
	struct pcl_error err = { 0 };
	uint64_t t0 = bench_now_ns();
	struct pcl_cfg **all = NULL, **part;
	size_t n = 0, np;

	for (size_t k = 0; k < text->count; k++) {
		if (pcl_cfg_parse(ctx, text->chunk[k].data, text->chunk[k].len,
				  "fleet", &part, &np, &err) < 0) {
			fprintf(stderr, "bench_analysis: parse: %s\n", err.message);
			exit(2);
		}
		if (k == 0) {
			all = part;
			n = np;
			continue;
		}
		all = realloc(all, (n + np) * sizeof(*all));
		if (!all)
			exit(2);
		memcpy(all + n, part, np * sizeof(*part));
		n += np;
		free(part); /* the array only: its cfgs now belong to @all */
	}
	*cfgs = all;
	*count = n;
	return (double)(bench_now_ns() - t0);
}

static double stage_walk(struct pcl_cfg **cfgs, size_t n, int with_map)
{
	uint64_t t0 = bench_now_ns();
	size_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		struct pcl_walk *w = pcl_walk_new(cfgs[i]);
		struct pcl_map *m = NULL;

		if (!w)
			exit(2);
		acc += pcl_walk_cap_count(w);
		if (with_map) {
			m = pcl_map_new(w, NULL, 0);
			if (!m)
				exit(2);
			acc += pcl_map_run_count(m);
			pcl_map_free(m);
		}
		pcl_walk_free(w);
	}
	sink += acc;
	return (double)(bench_now_ns() - t0);
}

static double stage_show_json(struct pcl_cfg **cfgs, size_t n)
{
	uint64_t t0 = bench_now_ns();
	json_t *doc = json_object(), *devs = json_array();
	size_t bytes = 0;

	json_object_set_new(doc, "devices", devs);
	for (size_t i = 0; i < n; i++) {
		struct pcl_walk *w = pcl_walk_new(cfgs[i]);

		if (!w)
			exit(2);
		json_array_append_new(devs, device_json(cfgs[i], w));
		pcl_walk_free(w);
	}
	json_dump_callback(doc, count_bytes, &bytes,
			   JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	sink += bytes;
	return (double)(bench_now_ns() - t0);
}

/*
 * The planner as `plan --add pasid --pasid-width 20 SOURCE` runs it: the
 * default quirk database, a virtual PASID whose values the IOMMU gives
 * (so devices without a PASID capability of their own can be planned),
 * and the canonical layout file as the output.
 */
static double stage_plan(struct pcl_ctx *ctx, const struct pcl_quirks *q,
			 struct pcl_cfg **cfgs, size_t n, size_t *planned)
{
	struct pcl_plan_pasid pasid = {
		.flags = PCL_PLAN_PASID_IOMMU, .iommu_max_width = 20,
	};
	uint64_t t0 = bench_now_ns();
	size_t ok = 0, bytes = 0;

	for (size_t i = 0; i < n; i++) {
		struct pcl_plan_request *req = pcl_plan_request_new(ctx);
		struct pcl_layout *l = NULL;
		char *s = NULL;
		size_t len = 0;

		if (!req)
			exit(2);
		pcl_plan_request_set_cfg(req, cfgs[i], NULL);
		pcl_plan_request_set_quirks(req, q);
		pcl_plan_request_add_pasid(req, &pasid);
		if (pcl_plan(req, &l, NULL) == 0 &&
		    pcl_layout_to_string(l, &s, &len) == 0) {
			ok++;
			bytes += len;
		}
		free(s);
		pcl_layout_free(l);
		pcl_plan_request_free(req);
	}
	*planned = ok;
	sink += bytes;
	return (double)(bench_now_ns() - t0);
}

static double stage_process(char *const argv[], int *status, double *faults)
{
	struct bench_usage use = { 0 };
	uint64_t ns = 0;

	*status = bench_run(argv, &ns, &use);
	*faults = (double)(use.minflt + use.majflt);
	return *status < 0 ? -1 : (double)ns;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bench_analysis [-n N]... [-r REPEATS] [--tool PATH]\n"
		"                      [--lspci PATH|none] [--no-plan] [--smoke]\n"
		"                      [--only walk|walkmap|showjson|plan]\n"
		"                      [--write FILE] [--cold R]\n"
		"Devices per second for parse, walk, map, show --json and plan\n"
		"--add pasid over N mutated corpus devices, beside the processes\n"
		"pcilayout show --json and lspci -F -vvv on the same dump file.\n"
		"Defaults: -n 10000 -n 100000 -r 5. $PCL_CORPUS names the corpus.\n"
		"--only runs one stage R times on the parsed fleet (for perf and\n"
		"callgrind) and prints its rate. --write writes the first N's dump\n"
		"to FILE (in pieces FILE.0, FILE.1, ... past 4,000 devices) and\n"
		"exits. --cold R (default 30; 0: skip) times R cold processes of\n"
		"plan and check on one device against lspci -vvv of it.\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "tool", required_argument, NULL, 't' },
		{ "lspci", required_argument, NULL, 'l' },
		{ "no-plan", no_argument, NULL, 'P' },
		{ "only", required_argument, NULL, 'o' },
		{ "smoke", no_argument, NULL, 's' },
		{ "write", required_argument, NULL, 'w' },
		{ "cold", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->repeats = 5;
	o->cold = 30;
#ifdef PCL_BENCH_TOOL
	o->tool = PCL_BENCH_TOOL;
#endif
	o->lspci = "lspci";
	o->tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	while ((c = getopt_long(argc, argv, "n:r:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (o->n_count < 8)
				o->n[o->n_count++] = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o->repeats = atoi(optarg);
			break;
		case 't':
			o->tool = optarg;
			break;
		case 'l':
			o->lspci = optarg;
			break;
		case 'P':
			o->no_plan = 1;
			break;
		case 'o':
			o->only = optarg;
			break;
		case 's':
			o->n[0] = 300;
			o->n_count = 1;
			o->repeats = 1;
			o->cold = 2;
			break;
		case 'w':
			o->write = optarg;
			break;
		case 'c':
			o->cold = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (!o->n_count) {
		o->n[0] = 10000;
		o->n[1] = 100000;
		o->n_count = 2;
	}
	if (o->repeats < 1)
		o->repeats = 1;
	for (size_t i = 0; i < o->n_count; i++)
		if (!o->n[i])
			return -1;
	return 0;
}

static void print_rate(double ns, size_t n)
{
	if (ns < 0)
		printf(" %14s %10s", "n/a", "");
	else
		printf(" %14.0f %10.2f", (double)n / (ns / 1e9), ns / 1e3 / (double)n);
}

/* The fleet of N devices, in memory and as files for the processes. */
struct fleet_files {
	struct fleet_text text;
	char path[4096];       /* every device: lspci's input */
	char *chunk_path[64];  /* the same in CHUNK_DEVICES pieces: the tool's */
};

static int fleet_make(const struct bench_corpus *corpus, size_t n,
		      const char *path, struct fleet_files *f)
{
	struct fleet_text *text = &f->text;
	struct bench_dev d;
	FILE *lf;

	memset(f, 0, sizeof(*f));
	text->count = (n + CHUNK_DEVICES - 1) / CHUNK_DEVICES;
	if (text->count > 64) {
		fprintf(stderr, "bench_analysis: N is at most %d\n",
			64 * CHUNK_DEVICES);
		return -1;
	}
	text->chunk = calloc(text->count, sizeof(*text->chunk));
	if (!text->chunk)
		return -1;
	for (size_t i = 0; i < n; i++) {
		bench_fleet_device(corpus, i, &d);
		if (bench_dump_append(&text->chunk[i / CHUNK_DEVICES], corpus,
				      i, &d) < 0)
			return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	lf = fopen(path, "w");
	for (size_t k = 0; lf && k < text->count; k++) {
		char cp[4200];

		text->bytes += text->chunk[k].len;
		if (fwrite(text->chunk[k].data, 1, text->chunk[k].len, lf) !=
		    text->chunk[k].len)
			break;
		if (text->count == 1) {
			f->chunk_path[k] = strdup(path);
			continue;
		}
		snprintf(cp, sizeof(cp), "%s.%zu", path, k);
		f->chunk_path[k] = strdup(cp);
		if (f->chunk_path[k] &&
		    bench_write_file(cp, text->chunk[k].data,
				     text->chunk[k].len) < 0) {
			free(f->chunk_path[k]);
			f->chunk_path[k] = NULL;
		}
		if (!f->chunk_path[k])
			break;
	}
	/* A piece not written leaves its name NULL. */
	if (!lf || fclose(lf) || !f->chunk_path[text->count - 1]) {
		fprintf(stderr, "bench_analysis: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

static void fleet_remove(struct fleet_files *f, bool keep_files)
{
	if (!keep_files)
		unlink(f->path);
	for (size_t k = 0; k < f->text.count; k++) {
		if (!keep_files && strcmp(f->chunk_path[k], f->path))
			unlink(f->chunk_path[k]);
		free(f->chunk_path[k]);
		bench_buf_free(&f->text.chunk[k]);
	}
	free(f->text.chunk);
}

/* --only: one stage, R times, on the parsed fleet (perf, callgrind). */
static int run_only(struct pcl_ctx *ctx, const struct pcl_quirks *q,
		    const struct opts *o, const struct fleet_text *text,
		    size_t n)
{
	struct pcl_cfg **cfgs = NULL;
	size_t count = 0, planned = 0;
	double ns = 0;

	stage_parse(ctx, text, &cfgs, &count);
	for (int r = 0; r < o->repeats; r++) {
		if (!strcmp(o->only, "walk"))
			ns += stage_walk(cfgs, count, 0);
		else if (!strcmp(o->only, "walkmap"))
			ns += stage_walk(cfgs, count, 1);
		else if (!strcmp(o->only, "showjson"))
			ns += stage_show_json(cfgs, count);
		else if (!strcmp(o->only, "plan"))
			ns += stage_plan(ctx, q, cfgs, count, &planned);
		else
			return -1;
	}
	printf("%s: %.0f devices/s\n", o->only, (double)n * o->repeats / (ns / 1e9));
	pcl_cfg_list_free(cfgs, count);
	return 0;
}

/* Per repeat and stage: the time in ns (-1: not run) and page faults. */
struct timings {
	double t[ST_COUNT][64];
	double faults[ST_COUNT][64];
	double ratio[ST_COUNT][64]; /* lspci / tool, same repeat */
	size_t planned;
};

/* One process stage; @ok_max is the highest exit status that is success. */
static double run_process(char *const argv[], int ok_max, double *faults,
			  int *fails)
{
	int status;
	double ns = stage_process(argv, &status, faults);

	if (ns >= 0 && status <= ok_max)
		return ns;
	printf("%s %s failed (exit %d)\n", argv[0], argv[1], status);
	(*fails)++;
	return -1;
}

static int run_repeat(struct pcl_ctx *ctx, const struct pcl_quirks *q,
		      const struct opts *o, struct fleet_files *f, size_t n,
		      const char *tool, const char *lspci, int r,
		      struct timings *tm, int *fails)
{
	struct pcl_cfg **cfgs = NULL;
	size_t count = 0;
	char *lspci_argv[] = { (char *)lspci, "-F", f->path, "-vvv", NULL };
	char *argv[64 + 4] = { (char *)tool };

	/* End to end, then each stage alone on the parsed set. */
	tm->t[ST_PIPELINE][r] = stage_parse(ctx, &f->text, &cfgs, &count);
	tm->t[ST_PIPELINE][r] += stage_walk(cfgs, count, 1);
	pcl_cfg_list_free(cfgs, count);
	tm->t[ST_PARSE][r] = stage_parse(ctx, &f->text, &cfgs, &count);
	if (count != n) {
		fprintf(stderr, "bench_analysis: parsed %zu of %zu\n", count, n);
		return -1;
	}
	tm->t[ST_WALK][r] = stage_walk(cfgs, n, 0);
	tm->t[ST_WALKMAP][r] = stage_walk(cfgs, n, 1);
	tm->t[ST_SHOWJSON][r] = stage_show_json(cfgs, n);
	tm->t[ST_PLAN][r] = o->no_plan ? -1 :
		stage_plan(ctx, q, cfgs, n, &tm->planned);
	pcl_cfg_list_free(cfgs, n);
	tm->t[ST_LSPCI][r] = !lspci ? -1 :
		run_process(lspci_argv, 0, &tm->faults[ST_LSPCI][r], fails);
	for (int s = ST_FIRST_TOOL; s <= ST_LAST_TOOL; s++) {
		int a = 1;

		tm->t[s][r] = -1;
		tm->ratio[s][r] = -1;
		if (!tool)
			continue;
		for (int k = 0; k < 2 && tool_args[s][k]; k++)
			argv[a++] = (char *)tool_args[s][k];
		for (size_t k = 0; k < f->text.count; k++)
			argv[a++] = f->chunk_path[k];
		argv[a] = NULL;
		/* show and map exit 1 when a device has an error finding. */
		tm->t[s][r] = run_process(argv, 1, &tm->faults[s][r], fails);
		if (tm->t[s][r] > 0 && tm->t[ST_LSPCI][r] > 0)
			tm->ratio[s][r] = tm->t[ST_LSPCI][r] / tm->t[s][r];
	}
	return 0;
}

static void print_table(const struct opts *o, const struct fleet_files *f,
			size_t n, int reps, struct timings *tm)
{
	double med[ST_COUNT];

	for (int s = 0; s < ST_COUNT; s++)
		med[s] = tm->t[s][0] < 0 ? -1 : bench_median(tm->t[s], (size_t)reps);
	printf("\nN = %zu devices (dump file %.1f MiB)\n", n,
	       (double)f->text.bytes / 1048576.0);
	printf("%-36s %14s %10s %12s\n", "stage", "devices/s", "us/device",
	       "faults/dev");
	for (int s = 0; s < ST_COUNT; s++) {
		if (s == ST_PLAN && o->no_plan)
			continue;
		printf("%-36s", stage_name[s]);
		print_rate(med[s], n);
		if (s >= ST_FIRST_TOOL && med[s] >= 0)
			printf(" %12.2f", bench_median(tm->faults[s],
						       (size_t)reps) / (double)n);
		putchar('\n');
	}
	if (!o->no_plan)
		printf("plan: %zu of %zu devices planned (the others have "
		       "no extended space to place PASID in)\n", tm->planned, n);
	for (int s = ST_FIRST_TOOL; s <= ST_LAST_TOOL; s++) {
		double rm;

		if (tm->ratio[s][0] < 0) {
			printf("ratio %s: n/a (a process could not run)\n",
			       stage_name[s] + 9);
			continue;
		}
		rm = bench_median(tm->ratio[s], (size_t)reps);
		printf("ratio lspci -vvv / %s (same repeat, median): %.1fx "
		       "(goal >= %.0fx: %s)\n", stage_name[s] + 9, rm,
		       tool_goal[s], rm >= tool_goal[s] ? "met" : "NOT met");
	}
	printf("walk + map: %.0f devices/s per core (goal >= 200000: %s)\n",
	       (double)n / (med[ST_WALKMAP] / 1e9),
	       (double)n / (med[ST_WALKMAP] / 1e9) >= 200000 ? "met" : "NOT met");
}

/*
 * Cold processes on one device (issue 22): `plan --add pasid` and `check`
 * of the layout it printed, each a fresh process (dynamic linking, quirk
 * database, everything), against `lspci -F FILE -vvv` of the same device,
 * interleaved, R times; medians and the median of per-round ratios.
 */
enum cold_stage { CO_PLAN, CO_CHECK, CO_LSPCI, CO_TRUE, CO_COUNT };

static int cold_layout(const char *tool, const char *dev, const char *layout)
{
	char cmd[12800];

	/* The layout check reads: what plan prints for this device. */
	snprintf(cmd, sizeof(cmd), "'%s' plan --add pasid --pasid-width 20 '%s' > '%s' 2>/dev/null",
		 tool, dev, layout);
	return system(cmd) == 0 ? 0 : -1;
}

static int run_cold(const struct bench_corpus *corpus, const struct opts *o,
		    const char *tool, const char *lspci)
{
	char dev[4096], layout[4200];
	struct bench_buf b = { 0 };
	struct bench_dev d;
	double t[CO_COUNT][256], flt[CO_COUNT][256], ratio[2][256];
	int reps = o->cold > 256 ? 256 : o->cold, fails = 0, rc = 0;
	static const char *const name[CO_COUNT] = {
		"pcilayout plan --add pasid", "pcilayout check LAYOUT DEV",
		"lspci -F DEV -vvv", "true (an empty process, the floor)",
	};
	char *true_path = bench_which("true") ? strdup(bench_which("true")) : NULL;
	char *true_argv[] = { true_path, NULL };

	if (reps <= 0 || !tool || !lspci)
		return 0;
	snprintf(dev, sizeof(dev), "%s/pcl-bench-%ld-one.lspci", o->tmpdir,
		 (long)getpid());
	snprintf(layout, sizeof(layout), "%s.json", dev);
	/* The first device of the fleet that can be planned with a PASID. */
	for (size_t i = 0; i < corpus->count; i++) {
		bench_fleet_device(corpus, i, &d);
		b.len = 0;
		if (d.size != PCL_CFG_SIZE)
			continue;
		if (bench_dump_append(&b, corpus, i, &d) < 0 ||
		    bench_write_file(dev, b.data, b.len) < 0)
			break;
		if (cold_layout(tool, dev, layout) == 0)
			goto ready;
	}
	fprintf(stderr, "bench_analysis: cannot prepare the cold runs\n");
	rc = -1;
	goto out;
ready:
	for (int r = 0; r < reps; r++) {
		char *plan_argv[] = { (char *)tool, "plan", "--add", "pasid",
				      "--pasid-width", "20", dev, NULL };
		char *check_argv[] = { (char *)tool, "check", "--pasid-width",
				       "20", layout, dev, NULL };
		char *lspci_argv[] = { (char *)lspci, "-F", dev, "-vvv", NULL };

		t[CO_PLAN][r] = run_process(plan_argv, 0, &flt[CO_PLAN][r], &fails);
		t[CO_CHECK][r] = run_process(check_argv, 0, &flt[CO_CHECK][r], &fails);
		t[CO_LSPCI][r] = run_process(lspci_argv, 0, &flt[CO_LSPCI][r], &fails);
		t[CO_TRUE][r] = !true_path ? -1 :
			run_process(true_argv, 0, &flt[CO_TRUE][r], &fails);
		for (int s = 0; s < 2; s++)
			ratio[s][r] = t[s][r] > 0 && t[CO_LSPCI][r] > 0 ?
				t[CO_LSPCI][r] / t[s][r] : -1;
	}
	printf("\nCold process, one device (%s), median of %d\n",
	       corpus->name[d.template], reps);
	printf("%-36s %10s %12s %14s\n", "process", "us", "page faults",
	       "lspci / this");
	for (int s = 0; s < CO_COUNT; s++) {
		if (t[s][0] < 0)
			continue;
		printf("%-36s %10.0f %12.0f", name[s],
		       bench_median(t[s], (size_t)reps) / 1e3,
		       bench_median(flt[s], (size_t)reps));
		if (s < 2)
			printf(" %13.1fx (goal >= 10x: %s)",
			       bench_median(ratio[s], (size_t)reps),
			       bench_median(ratio[s], (size_t)reps) >= 10 ?
			       "met" : "NOT met");
		putchar('\n');
	}
	rc = fails ? -1 : 0;
out:
	unlink(dev);
	unlink(layout);
	bench_buf_free(&b);
	free(true_path);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct pcl_ctx *ctx;
	struct bench_corpus corpus;
	struct pcl_quirks *quirks;
	char load[64], *lspci = NULL, *tool = NULL;
	int fails = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	ctx = pcl_ctx_new();
	quirks = pcl_quirks_new(ctx);
	if (!ctx || !quirks || pcl_quirks_add_defaults(quirks, NULL) < 0) {
		fprintf(stderr, "bench_analysis: cannot load the quirk database\n");
		return 2;
	}
	if (bench_corpus_load(&corpus, ctx, bench_corpus_dir()) < 0)
		return 2;
	if (o.write) {
		struct fleet_files f;

		if (fleet_make(&corpus, o.n[0], o.write, &f) < 0)
			return 2;
		fleet_remove(&f, true);
		bench_corpus_free(&corpus);
		pcl_quirks_free(quirks);
		pcl_ctx_free(ctx);
		return 0;
	}
	if (strcmp(o.lspci, "none") && bench_which(o.lspci))
		lspci = strdup(bench_which(o.lspci));
	if (o.tool && access(o.tool, X_OK) == 0)
		tool = strdup(o.tool);
	bench_loadavg(load, sizeof(load));
	printf("== Analysis throughput (single thread, devices/s; median of %d)\n",
	       o.repeats);
	printf("fleet: %s, %zu templates, replicated and mutated\n",
	       corpus.synthetic ? "synthetic (no corpus found)" : "corpus",
	       corpus.count);
	printf("load average at start: %s\n", load);
	if (!lspci)
		printf("lspci: not found; its column is n/a\n");
	if (!tool)
		printf("pcilayout tool: not found; its column is n/a\n");

	for (size_t ni = 0; ni < o.n_count; ni++) {
		size_t n = o.n[ni];
		struct fleet_files f;
		struct timings *tm = calloc(1, sizeof(*tm));
		char path[4096];
		int reps = o.repeats > 64 ? 64 : o.repeats;

		snprintf(path, sizeof(path), "%s/pcl-bench-%ld-%zu.lspci",
			 o.tmpdir, (long)getpid(), n);
		if (!tm || fleet_make(&corpus, n, path, &f) < 0)
			return 2;
		if (o.only) {
			if (run_only(ctx, quirks, &o, &f.text, n) < 0)
				return 2;
			reps = 0;
		}
		for (int r = 0; r < reps; r++)
			if (run_repeat(ctx, quirks, &o, &f, n, tool, lspci, r,
				       tm, &fails) < 0)
				return 2;
		fleet_remove(&f, false);
		if (!o.only)
			print_table(&o, &f, n, reps, tm);
		free(tm);
	}
	if (!o.only && run_cold(&corpus, &o, tool, lspci) < 0)
		fails++;
	bench_loadavg(load, sizeof(load));
	printf("load average at end: %s\n", load);
	free(lspci);
	free(tool);
	bench_corpus_free(&corpus);
	pcl_quirks_free(quirks);
	pcl_ctx_free(ctx);
	return fails ? 1 : 0;
}
