/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-common.h - what the three benchmark programs share: a clock, medians
 * and least-squares fits, a fleet of N config spaces built by replicating and
 * mutating the corpus (or synthetic spaces when the corpus is absent), the
 * fleet as one lspci -xxxx text dump, and timing of an external process.
 *
 * The benchmarks assert no timing: they print what they measured, and a
 * smoke run (tiny N) only checks that they still run.
 */
#ifndef PCL_BENCH_COMMON_H
#define PCL_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <pcilayout/pcilayout.h>

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* Median of @n values (sorts @v in place); 0 for n == 0. */
double bench_median(double *v, size_t n);

/* Least-squares fit y = a + b x; returns b, stores a and r^2 when asked. */
double bench_fit(const double *x, const double *y, size_t n, double *a,
		 double *r2);

/* Peak resident set of this process so far, in KiB (getrusage). */
long bench_maxrss_kib(void);

/* One device of a fleet: its bytes and how much of them was read. */
struct bench_dev {
	uint8_t bytes[PCL_CFG_SIZE];
	uint32_t size;     /* 64, 256 or 4096 */
	uint32_t template; /* index of the corpus device it was made from */
};

/* The devices a fleet is made from. */
struct bench_corpus {
	struct bench_dev *dev;
	char **desc;   /* device line after the slot, e.g. "Ethernet ..." */
	char **name;   /* file name without .lspci, or "synthetic-N" */
	size_t count;
	int synthetic; /* 1: no corpus, synthetic spaces */
};

/*
 * Load every *.lspci file of @dir (one device each); when @dir is NULL or
 * holds none, build a small synthetic set instead, and say so in
 * @c->synthetic. Returns 0 or -1 (out of memory).
 */
int bench_corpus_load(struct bench_corpus *c, struct pcl_ctx *ctx,
		      const char *dir);
void bench_corpus_free(struct bench_corpus *c);

/* The corpus directory: $PCL_CORPUS, else ../shared/corpus of the source. */
const char *bench_corpus_dir(void);

/*
 * Device @i of a fleet: template i mod count, mutated deterministically
 * from @i (BAR addresses, subsystem ID, interrupt line, and for some
 * devices a stray non-zero byte in an all-zero row near the end of
 * extended space, as a hidden register would be).
 */
void bench_fleet_device(const struct bench_corpus *c, size_t i,
			struct bench_dev *out);

/* A growable text buffer. */
struct bench_buf {
	char *data;
	size_t len;
	size_t cap;
};

/*
 * Append device @d as lspci -xxxx text with a unique slot derived from @i
 * (domain:bus:dev.fn), so that lspci -F and pcl_cfg_parse() both read it.
 */
int bench_dump_append(struct bench_buf *b, const struct bench_corpus *c,
		      size_t i, const struct bench_dev *d);
void bench_buf_free(struct bench_buf *b);

/* Write @len bytes to a new file @path. Returns 0 or -1. */
int bench_write_file(const char *path, const void *data, size_t len);

/* What a child process cost besides its wall time. */
struct bench_usage {
	long maxrss_kib; /* peak resident set */
	long minflt;     /* page faults served without I/O */
	long majflt;     /* page faults that needed I/O */
};

/*
 * Run @argv (stdout and stderr to /dev/null) and wait. Returns the exit
 * status (>= 0) and stores the wall time in ns and, when @use is given,
 * the peak RSS and page faults; -1 when it cannot be started (e.g. not
 * installed).
 */
int bench_run(char *const argv[], uint64_t *ns, struct bench_usage *use);

/* Find @name in $PATH; returns a static path or NULL. */
const char *bench_which(const char *name);

/* The load averages of the machine as "1.23 0.98 0.75", for the report. */
void bench_loadavg(char *buf, size_t size);

#endif /* PCL_BENCH_COMMON_H */
