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
	ST_TOOL_SHOW, /* process: pcilayout show --json FILE */
	ST_LSPCI,     /* process: lspci -F FILE -vvv */
	ST_COUNT,
};

static const char *const stage_name[ST_COUNT] = {
	"read->walk->map (in process)",
	"  read (parse the dump)",
	"  walk",
	"  walk + map",
	"walk + jansson show document",
	"plan --add pasid + canonical JSON",
	"process: pcilayout show --json",
	"process: lspci -F -vvv",
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

static double stage_process(char *const argv[], int *status)
{
	uint64_t ns = 0;

	*status = bench_run(argv, &ns, NULL);
	return *status < 0 ? -1 : (double)ns;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: bench_analysis [-n N]... [-r REPEATS] [--tool PATH]\n"
		"                      [--lspci PATH|none] [--no-plan] [--smoke]\n"
		"                      [--only walk|walkmap|showjson|plan]\n"
		"Devices per second for parse, walk, map, show --json and plan\n"
		"--add pasid over N mutated corpus devices, beside the processes\n"
		"pcilayout show --json and lspci -F -vvv on the same dump file.\n"
		"Defaults: -n 10000 -n 100000 -r 5. $PCL_CORPUS names the corpus.\n"
		"--only runs one stage R times on the parsed fleet (for perf and\n"
		"callgrind) and prints its rate.\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "tool", required_argument, NULL, 't' },
		{ "lspci", required_argument, NULL, 'l' },
		{ "no-plan", no_argument, NULL, 'P' },
		{ "only", required_argument, NULL, 'o' },
		{ "smoke", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->repeats = 5;
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

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct pcl_ctx *ctx;
	struct bench_corpus corpus;
	struct pcl_quirks *quirks;
	char load[64], path[4096], *lspci = NULL, *tool = NULL;
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
		size_t n = o.n[ni], planned = 0, cfg_count = 0;
		struct fleet_text text = { 0 };
		struct bench_dev d;
		char *chunk_path[64] = { 0 };
		char *show_argv[64 + 4] = { tool, "show", "--json" };
		FILE *lf;
		double t[ST_COUNT][64], ratio[64], med[ST_COUNT];
		int reps = o.repeats > 64 ? 64 : o.repeats, status;

		text.count = (n + CHUNK_DEVICES - 1) / CHUNK_DEVICES;
		if (text.count > 64) {
			fprintf(stderr, "bench_analysis: N is at most %d\n",
				64 * CHUNK_DEVICES);
			return 2;
		}
		text.chunk = calloc(text.count, sizeof(*text.chunk));
		if (!text.chunk)
			return 2;
		for (size_t i = 0; i < n; i++) {
			bench_fleet_device(&corpus, i, &d);
			if (bench_dump_append(&text.chunk[i / CHUNK_DEVICES],
					      &corpus, i, &d) < 0)
				return 2;
		}
		snprintf(path, sizeof(path), "%s/pcl-bench-%ld-%zu.lspci",
			 o.tmpdir, (long)getpid(), n);
		lf = fopen(path, "w");
		for (size_t k = 0; lf && k < text.count; k++) {
			char cp[4200];

			text.bytes += text.chunk[k].len;
			fwrite(text.chunk[k].data, 1, text.chunk[k].len, lf);
			snprintf(cp, sizeof(cp), "%s.%zu", path, k);
			chunk_path[k] = strdup(cp);
			show_argv[3 + k] = chunk_path[k];
			if (!chunk_path[k] ||
			    bench_write_file(cp, text.chunk[k].data,
					     text.chunk[k].len) < 0) {
				fclose(lf);
				lf = NULL;
			}
		}
		if (!lf || fclose(lf)) {
			fprintf(stderr, "bench_analysis: cannot write %s\n", path);
			return 2;
		}
		if (o.only) {
			struct pcl_cfg **cfgs = NULL;
			double ns = 0;

			stage_parse(ctx, &text, &cfgs, &cfg_count);
			for (int r = 0; r < reps; r++) {
				if (!strcmp(o.only, "walk"))
					ns += stage_walk(cfgs, n, 0);
				else if (!strcmp(o.only, "walkmap"))
					ns += stage_walk(cfgs, n, 1);
				else if (!strcmp(o.only, "showjson"))
					ns += stage_show_json(cfgs, n);
				else if (!strcmp(o.only, "plan"))
					ns += stage_plan(ctx, quirks, cfgs, n, &planned);
				else
					return 2;
			}
			printf("%s: %.0f devices/s\n", o.only,
			       (double)n * reps / (ns / 1e9));
			pcl_cfg_list_free(cfgs, n);
			reps = 0;
		}
		for (int r = 0; r < reps; r++) {
			struct pcl_cfg **cfgs = NULL;
			char *lspci_argv[] = { lspci, "-F", path, "-vvv", NULL };

			/* End to end, then each stage alone on the parsed set. */
			t[ST_PIPELINE][r] = stage_parse(ctx, &text, &cfgs, &cfg_count);
			t[ST_PIPELINE][r] += stage_walk(cfgs, cfg_count, 1);
			pcl_cfg_list_free(cfgs, cfg_count);
			t[ST_PARSE][r] = stage_parse(ctx, &text, &cfgs, &cfg_count);
			if (cfg_count != n) {
				fprintf(stderr, "bench_analysis: parsed %zu of %zu\n",
					cfg_count, n);
				return 2;
			}
			t[ST_WALK][r] = stage_walk(cfgs, n, 0);
			t[ST_WALKMAP][r] = stage_walk(cfgs, n, 1);
			t[ST_SHOWJSON][r] = stage_show_json(cfgs, n);
			t[ST_PLAN][r] = o.no_plan ? -1 :
				stage_plan(ctx, quirks, cfgs, n, &planned);
			pcl_cfg_list_free(cfgs, n);
			t[ST_TOOL_SHOW][r] = -1;
			if (tool) {
				t[ST_TOOL_SHOW][r] = stage_process(show_argv, &status);
				/* show exits 1 when a device has an error finding. */
				if (status > 1) {
					printf("pcilayout show failed (exit %d)\n", status);
					t[ST_TOOL_SHOW][r] = -1;
					fails++;
				}
			}
			t[ST_LSPCI][r] = -1;
			if (lspci) {
				t[ST_LSPCI][r] = stage_process(lspci_argv, &status);
				if (status != 0) {
					printf("lspci failed (exit %d)\n", status);
					t[ST_LSPCI][r] = -1;
					fails++;
				}
			}
			ratio[r] = t[ST_TOOL_SHOW][r] > 0 && t[ST_LSPCI][r] > 0 ?
				t[ST_LSPCI][r] / t[ST_TOOL_SHOW][r] : -1;
		}
		unlink(path);
		for (size_t k = 0; k < text.count; k++) {
			unlink(chunk_path[k]);
			free(chunk_path[k]);
			bench_buf_free(&text.chunk[k]);
		}
		free(text.chunk);
		if (o.only)
			continue;
		for (int s = 0; s < ST_COUNT; s++)
			med[s] = t[s][0] < 0 ? -1 : bench_median(t[s], (size_t)reps);

		printf("\nN = %zu devices (dump file %.1f MiB)\n", n,
		       (double)text.bytes / 1048576.0);
		printf("%-36s %14s %10s\n", "stage", "devices/s", "us/device");
		for (int s = 0; s < ST_COUNT; s++) {
			if (s == ST_PLAN && o.no_plan)
				continue;
			printf("%-36s", stage_name[s]);
			print_rate(med[s], n);
			putchar('\n');
		}
		if (!o.no_plan)
			printf("plan: %zu of %zu devices planned (the others have "
			       "no extended space to place PASID in)\n", planned, n);
		if (ratio[0] > 0) {
			double rm = bench_median(ratio, (size_t)reps);

			printf("ratio show --json / lspci -vvv (per-device "
			       "throughput, median of per-run ratios): %.1fx "
			       "(goal >= 20x: %s)\n", rm, rm >= 20 ? "met" : "NOT met");
		} else {
			printf("ratio show --json / lspci -vvv: n/a (a process "
			       "could not run)\n");
		}
		printf("walk + map: %.0f devices/s per core (goal >= 200000: %s)\n",
		       (double)n / (med[ST_WALKMAP] / 1e9),
		       (double)n / (med[ST_WALKMAP] / 1e9) >= 200000 ? "met" : "NOT met");
	}
	bench_loadavg(load, sizeof(load));
	printf("load average at end: %s\n", load);
	free(lspci);
	free(tool);
	bench_corpus_free(&corpus);
	pcl_quirks_free(quirks);
	pcl_ctx_free(ctx);
	return fails ? 1 : 0;
}
