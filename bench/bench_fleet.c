// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench_fleet.c - fleet scale: time and peak memory of unify (one device
 * model on H hosts with a few firmware variants) and survey (every corpus
 * model across H hosts) for H = 100 .. 100,000, a least-squares line through
 * the times, and the peak resident set, which must follow the number of
 * distinct layouts, not of hosts, because unify and survey stream.
 *
 * Each measurement runs in a child process, so that its peak resident set
 * (wait4's ru_maxrss) is its own; a child that adds no host gives the
 * baseline that is subtracted.
 *
 * Hosts are analysed apart from the pool (pcl_fleet_host_new()), a batch
 * at a time, and then added: the two columns say how a host's time splits
 * between the part any number of threads can do at once and the part the
 * pool does one host after another (what bounds `unify --threads`).
 *
 * --write DIR instead writes the same fleets as files, for timing the tool
 * (`pcilayout unify DIR`, BENCHMARKS.md item 3): DIR/unify-text,
 * DIR/survey-text and DIR/unify-bin, each of HOSTS files (the first -n),
 * 1,000 to a subdirectory (a directory lists at most 65,536 entries);
 * lspci -xxxx text or 4 KiB binary config spaces.
 *
 * unify and survey may be built after this program was written: their
 * entry points are weak references, and when the library does not have
 * them the program says so instead of printing a number.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pcilayout/compat.h>

#include "bench-common.h"

/* Resolved to NULL when the library has no compat stage yet. */
#pragma weak pcl_unify_new
#pragma weak pcl_unify_free
#pragma weak pcl_unify_set_quirks
#pragma weak pcl_unify_add_pasid
#pragma weak pcl_unify_add_host
#pragma weak pcl_unify_run
#pragma weak pcl_unify_joined
#pragma weak pcl_unify_group_count
#pragma weak pcl_survey_new
#pragma weak pcl_survey_free
#pragma weak pcl_survey_set_quirks
#pragma weak pcl_survey_add_host
#pragma weak pcl_survey_run
#pragma weak pcl_survey_group_count
#pragma weak pcl_fleet_host_new
#pragma weak pcl_fleet_host_free
#pragma weak pcl_unify_add_fleet_host
#pragma weak pcl_survey_add_fleet_host

/* Hosts analysed before they are added: a bound on what is in flight. */
#define BATCH 32

enum op { OP_BASELINE, OP_UNIFY, OP_SURVEY };

struct result {
	double seconds;
	double analyse_s, pool_s;	/* of the hosts, when split */
	long maxrss_kib;
	size_t groups;
	size_t joined;
	int status;
};

/*
 * Host @i's function: template @tmpl, in one of four
 * firmware variants - as shipped, BAR0 elsewhere, another interrupt line,
 * and a vendor register left non-zero in free space (which changes the
 * map, so that variant is a distinct host class).
 */
static void unify_host(const struct bench_corpus *c, size_t tmpl, size_t i,
		       struct bench_dev *d)
{
	*d = c->dev[tmpl];
	switch ((i * 2654435761u >> 7) % 4) {
	case 1:
		d->bytes[0x13] ^= 0x40;
		break;
	case 2:
		d->bytes[0x3c] = (uint8_t)(i & 0xff);
		break;
	case 3:
		if (d->size == PCL_CFG_SIZE && !d->bytes[0xfe4])
			d->bytes[0xfe4] = 0x5a;
		break;
	}
}

/* Host @i's device: unify's model or one of survey's, in a variant. */
static void host_dev(const struct bench_corpus *c, size_t tmpl, enum op op,
		     size_t i, struct bench_dev *d)
{
	/* survey: host i has one of the corpus models, in a variant. */
	unify_host(c, op == OP_UNIFY ? tmpl :
		   (size_t)((i * 40503u) >> 3) % c->count, i, d);
}

/* Host @i's name and config space. */
static struct pcl_cfg *host_cfg(struct pcl_ctx *ctx, const struct bench_corpus *c,
				size_t tmpl, enum op op, size_t i)
{
	struct bench_dev d;
	char name[32];

	host_dev(c, tmpl, op, i, &d);
	snprintf(name, sizeof(name), "host%zu", i);
	return pcl_cfg_new(ctx, d.bytes, d.size, name);
}

static bool have_split(void)
{
	return pcl_fleet_host_new && pcl_fleet_host_free &&
	       pcl_unify_add_fleet_host && pcl_survey_add_fleet_host;
}

/*
 * Hosts @first .. @first + @n - 1: analysed, then added (the times of each
 * part go to @res); with a library that cannot split them, added whole.
 */
static int add_batch(struct pcl_ctx *ctx, const struct bench_corpus *c,
		     size_t tmpl, enum op op, size_t first, size_t n,
		     const struct pcl_quirks *q, struct pcl_unify *u,
		     struct pcl_survey *s, struct result *res)
{
	struct pcl_fleet_host *h[BATCH];
	uint64_t t0 = bench_now_ns(), t1;
	int r = 0;

	for (size_t k = 0; k < n; k++) {
		struct pcl_cfg *cfg = host_cfg(ctx, c, tmpl, op, first + k);

		if (!cfg)
			r = -ENOMEM;
		else if (!have_split())
			r = op == OP_UNIFY ? pcl_unify_add_host(u, cfg, NULL) :
					     pcl_survey_add_host(s, cfg, NULL);
		else if (!(h[k] = pcl_fleet_host_new(cfg, q)))
			r = -errno;
		if (r < 0) {
			while (have_split() && k--)
				pcl_fleet_host_free(h[k]);
			return r;
		}
	}
	t1 = bench_now_ns();
	for (size_t k = 0; k < n && have_split(); k++) {
		int e = op == OP_UNIFY ? pcl_unify_add_fleet_host(u, h[k], NULL) :
					 pcl_survey_add_fleet_host(s, h[k], NULL);

		r = r ? r : e;
	}
	res->analyse_s += (double)(t1 - t0) / 1e9;
	res->pool_s += (double)(bench_now_ns() - t1) / 1e9;
	return r;
}

static int child(struct pcl_ctx *ctx, const struct bench_corpus *c,
		 size_t tmpl, enum op op, size_t hosts, struct result *res)
{
	struct pcl_quirks *q = pcl_quirks_new(ctx);
	struct pcl_unify *u = NULL;
	struct pcl_survey *s = NULL;
	const struct pcl_layout *l;
	uint64_t t0;
	int r = 0;

	if (!q || pcl_quirks_add_defaults(q, NULL) < 0)
		return -ENOMEM;
	t0 = bench_now_ns();
	if (op == OP_UNIFY) {
		struct pcl_plan_pasid pasid = {
			.flags = PCL_PLAN_PASID_IOMMU, .iommu_max_width = 20,
		};

		u = pcl_unify_new(ctx);
		if (!u)
			return -ENOMEM;
		pcl_unify_set_quirks(u, q);
		pcl_unify_add_pasid(u, &pasid);
	} else if (op == OP_SURVEY) {
		s = pcl_survey_new(ctx);
		if (!s)
			return -ENOMEM;
		pcl_survey_set_quirks(s, q);
	}
	for (size_t i = 0; i < hosts && op != OP_BASELINE; i += BATCH) {
		r = add_batch(ctx, c, tmpl, op, i, hosts - i < BATCH ? hosts - i : BATCH,
			      q, u, s, res);
		if (r < 0)
			return r;
	}
	if (op == OP_UNIFY) {
		r = pcl_unify_run(u, &l);
		res->groups = pcl_unify_group_count(u);
		res->joined = pcl_unify_joined(u);
	} else if (op == OP_SURVEY) {
		r = pcl_survey_run(s);
		res->groups = pcl_survey_group_count(s);
	}
	res->seconds = (double)(bench_now_ns() - t0) / 1e9;
	if (u)
		pcl_unify_free(u);
	if (s)
		pcl_survey_free(s);
	pcl_quirks_free(q);
	return r;
}

/* Files per subdirectory of a written fleet. */
#define FILES_PER_DIR 1000

/*
 * One fleet of @hosts files under @dir: @op's devices, as lspci -xxxx text
 * or (@binary) as the 4 KiB config space itself.
 */
static int write_fleet(const struct bench_corpus *c, size_t tmpl, enum op op,
		       bool binary, size_t hosts, const char *dir)
{
	struct bench_buf b = { 0 };
	char path[4200];
	int r = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	for (size_t i = 0; i < hosts && !r; i++) {
		struct bench_dev d;

		if (i % FILES_PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%03zu", dir,
				 i / FILES_PER_DIR);
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				r = -1;
		}
		host_dev(c, tmpl, op, i, &d);
		snprintf(path, sizeof(path), "%s/d%03zu/host%06zu.%s", dir,
			 i / FILES_PER_DIR, i, binary ? "bin" : "lspci");
		b.len = 0;
		if (binary)
			r = bench_write_file(path, d.bytes, d.size);
		else if (bench_dump_append(&b, c, i, &d) < 0)
			r = -1;
		else
			r = bench_write_file(path, b.data, b.len);
	}
	bench_buf_free(&b);
	if (r)
		fprintf(stderr, "bench_fleet: cannot write %s\n", path);
	return r;
}

/* --write: unify's fleet as text and binary, survey's as text. */
static int write_fleets(const struct bench_corpus *c, size_t tmpl,
			size_t hosts, const char *dir)
{
	char sub[4096];

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "bench_fleet: cannot make %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s/unify-text", dir);
	if (write_fleet(c, tmpl, OP_UNIFY, false, hosts, sub) < 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s/survey-text", dir);
	if (write_fleet(c, tmpl, OP_SURVEY, false, hosts, sub) < 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s/unify-bin", dir);
	if (write_fleet(c, tmpl, OP_UNIFY, true, hosts, sub) < 0)
		return -1;
	printf("wrote %zu hosts each to %s/{unify-text,survey-text,unify-bin}\n",
	       hosts, dir);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * --smoke: --write of a few hosts into a fresh directory, which must then
 * hold them all, removed again; so that --write cannot rot.
 */
static int smoke_write(const struct bench_corpus *c, size_t tmpl)
{
	char dir[] = "/tmp/bench_fleet.XXXXXX", path[64];
	struct stat st;
	int r;

	if (!mkdtemp(dir))
		return -1;
	r = write_fleets(c, tmpl, 3, dir);
	for (int k = 0; !r && k < 3; k++) {
		static const char *const what[] = { "unify-text/d000/host000002.lspci",
						    "survey-text/d000/host000002.lspci",
						    "unify-bin/d000/host000002.bin" };

		snprintf(path, sizeof(path), "%s/%s", dir, what[k]);
		if (stat(path, &st) || !st.st_size ||
		    (k == 2 && st.st_size != c->dev[tmpl].size))
			r = -1;
	}
	if (nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS) && !r)
		r = -1;
	if (r)
		fprintf(stderr, "bench_fleet: --write failed in %s\n", dir);
	return r;
}

/* Run one measurement in a child; its peak RSS comes from wait4(). */
static int measure(struct pcl_ctx *ctx, const struct bench_corpus *c,
		   size_t tmpl, enum op op, size_t hosts, struct result *res)
{
	struct rusage ru;
	int fd[2], status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(fd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct result r = { 0 };

		close(fd[0]);
		r.status = child(ctx, c, tmpl, op, hosts, &r);
		if (write(fd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], res, sizeof(*res)) != (ssize_t)sizeof(*res))
		res->status = -EIO;
	close(fd[0]);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	res->maxrss_kib = ru.ru_maxrss;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "write", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t hosts[8] = { 100, 1000, 10000, 100000 }, nh = 4, tmpl = 0;
	int repeats = 3, c, have_unify, have_survey, fails = 0;
	struct pcl_ctx *ctx;
	struct bench_corpus corpus;
	struct result base;
	const char *write_dir = NULL;
	bool smoke = false;
	char load[64];

	while ((c = getopt_long(argc, argv, "n:r:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (nh == 4 && hosts[3] == 100000)
				nh = 0;
			if (nh < 8)
				hosts[nh++] = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		case 's':
			smoke = true;
			hosts[0] = 20;
			hosts[1] = 60;
			nh = 2;
			repeats = 1;
			break;
		case 'w':
			write_dir = optarg;
			break;
		case 'h':
			printf("Usage: bench_fleet [-n HOSTS]... [-r REPEATS] [--smoke]\n"
			       "       bench_fleet --write DIR [-n HOSTS]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (repeats < 1 || repeats > 16)
		repeats = 3;
	ctx = pcl_ctx_new();
	if (!ctx || bench_corpus_load(&corpus, ctx, bench_corpus_dir()) < 0)
		return 2;
	/* unify's model: the first 4 KiB device with an extended chain. */
	for (size_t i = 0; i < corpus.count; i++)
		if (corpus.dev[i].size == PCL_CFG_SIZE &&
		    (corpus.dev[i].bytes[0x100] || corpus.dev[i].bytes[0x101])) {
			tmpl = i;
			break;
		}
	if (write_dir) {
		/* With no -n, the largest fleet of the table. */
		c = write_fleets(&corpus, tmpl, hosts[nh == 4 ? 3 : 0], write_dir);
		bench_corpus_free(&corpus);
		pcl_ctx_free(ctx);
		return c < 0 ? 1 : 0;
	}
	bench_loadavg(load, sizeof(load));
	printf("== Fleet scale (median of %d; peak RSS above a no-host baseline)\n",
	       repeats);
	printf("load average at start: %s\n", load);
	have_unify = pcl_unify_new && pcl_unify_free && pcl_unify_set_quirks &&
		     pcl_unify_add_pasid && pcl_unify_add_host && pcl_unify_run &&
		     pcl_unify_joined && pcl_unify_group_count;
	have_survey = pcl_survey_new && pcl_survey_free && pcl_survey_set_quirks &&
		      pcl_survey_add_host && pcl_survey_run &&
		      pcl_survey_group_count;
	if (measure(ctx, &corpus, tmpl, OP_BASELINE, 0, &base) < 0)
		return 2;
	printf("baseline (context, quirk database, no host): %ld KiB\n",
	       base.maxrss_kib);

	for (enum op op = OP_UNIFY; op <= OP_SURVEY; op++) {
		const char *name = op == OP_UNIFY ? "unify" : "survey";
		double x[8], y[8], m[8], a, r2, slope, mslope;

		if (!(op == OP_UNIFY ? have_unify : have_survey)) {
			printf("\n%s: NOT MEASURED - the library has no %s yet "
			       "(lib/compat has not landed)\n", name, name);
			continue;
		}
		if (op == OP_UNIFY)
			printf("\nunify: %s on every host, 4 firmware variants, "
			       "virtual PASID requested\n", corpus.name[tmpl]);
		else
			printf("\nsurvey: %zu device models across the hosts, "
			       "each in the same 4 firmware variants\n",
			       corpus.count);
		printf("%10s %12s %12s %14s %8s %8s %12s %12s\n", "hosts",
		       "seconds", "us/host", "peak RSS KiB", "classes", "joined",
		       "analyse us/h", "pool us/h");
		for (size_t k = 0; k < nh; k++) {
			double t[16], rss[16], an[16], po[16];
			struct result res = { 0 };

			for (int r = 0; r < repeats; r++) {
				if (measure(ctx, &corpus, tmpl, op, hosts[k], &res) < 0 ||
				    res.status < 0) {
					printf("%10zu failed (%s)\n", hosts[k],
					       strerror(res.status ? -res.status : EIO));
					fails++;
					break;
				}
				t[r] = res.seconds;
				rss[r] = (double)(res.maxrss_kib - base.maxrss_kib);
				an[r] = res.analyse_s;
				po[r] = res.pool_s;
			}
			x[k] = (double)hosts[k];
			y[k] = bench_median(t, (size_t)repeats);
			m[k] = bench_median(rss, (size_t)repeats);
			printf("%10zu %12.4f %12.2f %14.0f %8zu %8zu", hosts[k],
			       y[k], y[k] * 1e6 / x[k], m[k], res.groups,
			       op == OP_UNIFY ? res.joined : hosts[k]);
			if (have_split())
				printf(" %12.2f %12.2f\n",
				       bench_median(an, (size_t)repeats) * 1e6 / x[k],
				       bench_median(po, (size_t)repeats) * 1e6 / x[k]);
			else
				printf(" %12s %12s\n", "-", "-");
		}
		slope = bench_fit(x, y, nh, &a, &r2);
		mslope = bench_fit(x, m, nh, NULL, NULL);
		printf("%s: time = %.4f s + %.2f us/host x hosts (least squares, "
		       "r^2 = %.4f); memory slope %.3f KiB/host\n", name, a,
		       slope * 1e6, r2, mslope);
	}
	if (smoke && smoke_write(&corpus, tmpl))
		fails++;
	bench_loadavg(load, sizeof(load));
	printf("load average at end: %s\n", load);
	bench_corpus_free(&corpus);
	pcl_ctx_free(ctx);
	return fails ? 1 : 0;
}
