/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compat-cli.h - what check, diff, unify and survey share: the PASID
 * options, streaming SOURCE... / DIR arguments into a pool
 * (compat-stream.c), and printing reports and host groups.
 */
#ifndef PCILAYOUT_COMPAT_CLI_H
#define PCILAYOUT_COMPAT_CLI_H

#include "cli.h"
#include "map-common.h"

/* --pasid-width / --pasid-exec / --pasid-priv. */
struct ccli_pasid {
	long width;	/* -1 = not given */
	bool exec, priv;
};

/* Parse --pasid-width's argument; reports and returns -1 on error. */
int ccli_pasid_width(struct ccli_pasid *p, const char *arg);
/* Fill @out; false when no IOMMU values were given. */
bool ccli_pasid_get(const struct ccli_pasid *p, struct pcl_plan_pasid *out);
/* --pasid-exec or --pasid-priv without --pasid-width: reports, returns -1. */
int ccli_pasid_check(const struct ccli_pasid *p);

/* getopt codes of the long-only PASID options. */
enum { CCLI_OPT_PW = 0x1100, CCLI_OPT_PX, CCLI_OPT_PP, CCLI_OPT_THREADS };
#define CCLI_PASID_OPTIONS \
	{ "pasid-width", required_argument, NULL, CCLI_OPT_PW }, \
	{ "pasid-exec", no_argument, NULL, CCLI_OPT_PX }, \
	{ "pasid-priv", no_argument, NULL, CCLI_OPT_PP }

/*
 * Take getopt's @c when it is one of CCLI_PASID_OPTIONS (into @p),
 * MAPCLI_QUIRK_OPTIONS, MAPCLI_STRICT_OPTION or MAPCLI_FREE_OPTION (into
 * @m), or -s/-d (CLI_SELECT_OPTIONS); @p and @m may be NULL when the
 * command has no such options. Returns 1 when taken, 0 when not ours, -1
 * after reporting an error.
 */
int ccli_option(struct ccli_pasid *p, struct mapcli *m, int c,
		const char *arg);

/*
 * struct ccli_pool - where ccli_stream() puts what it reads.
 * @pool: the unify or survey pool, given to @add and @fail.
 * @quirks: the pool's quirk database (pcl_fleet_host_new()), or NULL.
 * @add: takes each function, analysed, and its name; a negative errno is
 *       fatal.
 * @fail: takes each input that cannot be read, with the message.
 * @threads: threads that read and analyse inputs, the calling one among
 *           them (0 or 1: only it).
 */
struct ccli_pool {
	void *pool;
	const struct pcl_quirks *quirks;
	int (*add)(void *pool, struct pcl_fleet_host *host, const char *name);
	int (*fail)(void *pool, const char *name, const char *message);
	unsigned int threads;
};

/*
 * Stream every function of every SOURCE (a file - a dump, a binary or a
 * host bundle - or a directory whose regular files are read in name
 * order, subdirectories included; names starting with '.' are skipped,
 * anything else not read is named on stderr) that -s and -d select into
 * @pool; without SOURCE (@n 0), this machine's. An unreadable or
 * malformed file is reported on stderr and given to @pool's fail, and
 * the others are still read. Whatever the number of threads, the pool
 * gets the functions and the failures, and stderr the messages, in the
 * order of the arguments and of the files in each directory
 * (compat-stream.c). Returns the number of functions added, or -1 on a
 * fatal error (reported).
 */
long ccli_stream(char **args, int n, const struct ccli_pool *pool,
		 size_t *failures);

/*
 * --threads N. The default is the number of online CPUs, at most
 * CCLI_THREADS_MAX: reading and analysing a host is CPU work on a warm
 * page cache, so more threads than CPUs only take turns. The cap bounds
 * memory on big machines (each thread adds ~3.5 MiB: its jobs in flight
 * and its heap); the pool's serial part (0.2-0.4 us of a host's ~15)
 * would allow more, but only 2 CPUs were measured (BENCHMARKS.md).
 * --threads accepts up to CCLI_THREADS_LIMIT.
 */
#define CCLI_THREADS_MAX 8
#define CCLI_THREADS_LIMIT 64
unsigned int ccli_default_threads(void);
/* Parse --threads' argument; reports and returns -1 on error. */
int ccli_threads(const char *arg, unsigned int *threads);
#define CCLI_THREADS_OPTION \
	{ "threads", required_argument, NULL, CCLI_OPT_THREADS }
#define CCLI_THREADS_USAGE \
	"      --threads N        read and analyse N files at once (default: the\n" \
	"                         online CPUs, at most 8); the output is the same\n"

json_t *ccli_finding_json(const struct pcl_finding *f);
json_t *ccli_report_json(const struct pcl_report *r);
/* Findings, one a line, indented; infos only when @verbose. */
void ccli_print_report(const struct pcl_report *r, bool verbose,
		       const char *indent);
json_t *ccli_group_json(const struct pcl_host_group *g);
/* An input a fleet command could not read: {"source", "message"}. */
json_t *ccli_failure_json(const struct pcl_input_failure *f);
/* A layout's canonical JSON as a JSON value, or null. */
json_t *ccli_layout_json(const struct pcl_layout *l);

#endif
