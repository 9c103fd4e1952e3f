// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench-common.c - clock, statistics, fleet generation and process timing
 * shared by the benchmark programs (see bench-common.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_fit(const double *x, const double *y, size_t n, double *a,
		 double *r2)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0, b, d, num, den;

	for (size_t i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		sxy += x[i] * y[i];
		syy += y[i] * y[i];
	}
	d = (double)n * sxx - sx * sx;
	b = d != 0 ? ((double)n * sxy - sx * sy) / d : 0;
	if (a)
		*a = n ? (sy - b * sx) / (double)n : 0;
	if (r2) {
		num = (double)n * sxy - sx * sy;
		den = d * ((double)n * syy - sy * sy);
		*r2 = den > 0 ? num * num / den : 1;
	}
	return b;
}

long bench_maxrss_kib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_maxrss;
}

const char *bench_corpus_dir(void)
{
	const char *e = getenv("PCL_CORPUS");

	if (e && *e)
		return e;
#ifdef PCL_BENCH_CORPUS
	return PCL_BENCH_CORPUS;
#else
	return NULL;
#endif
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int lspci_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && ends_with(d->d_name, ".lspci");
}

/* The device line's text after the slot, for lspci's device line. */
static char *first_line_desc(const char *path)
{
	char line[512], *sp, *nl;
	FILE *f = fopen(path, "r");

	if (!f)
		return strdup("Device");
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	sp = strchr(line, ' ');
	return strdup(sp && sp[1] ? sp + 1 : "Device");
}

static int corpus_add(struct bench_corpus *c, const uint8_t *bytes,
		      uint32_t size, char *desc, const char *name)
{
	struct bench_dev *nd;
	char **ndesc, **nname;

	nd = realloc(c->dev, (c->count + 1) * sizeof(*nd));
	if (!nd)
		return -1;
	c->dev = nd;
	ndesc = realloc(c->desc, (c->count + 1) * sizeof(*ndesc));
	if (!ndesc)
		return -1;
	c->desc = ndesc;
	nname = realloc(c->name, (c->count + 1) * sizeof(*nname));
	if (!nname)
		return -1;
	c->name = nname;
	nname[c->count] = strndup(name, strcspn(name, "."));
	memcpy(nd[c->count].bytes, bytes, PCL_CFG_SIZE);
	nd[c->count].size = size;
	nd[c->count].template = (uint32_t)c->count;
	ndesc[c->count] = desc;
	c->count++;
	return 0;
}

static void put16(uint8_t *p, uint32_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t off, uint32_t v)
{
	put16(p, off, (uint16_t)v);
	put16(p, off + 2, (uint16_t)(v >> 16));
}

/*
 * A typical PCIe endpoint: PM, MSI, PCI Express and MSI-X in the standard
 * chain; AER, DSN, ARI and SR-IOV in the extended one. @variant moves the
 * extended chain around, so the synthetic set is not one layout.
 */
static void synth_device(uint8_t *p, unsigned int variant)
{
	uint32_t e = 0x100 + 0x40 * (variant % 4);

	memset(p, 0, PCL_CFG_SIZE);
	put16(p, 0x00, 0x8086);
	put16(p, 0x02, (uint16_t)(0x1500 + variant));
	put16(p, 0x04, 0x0406);
	put16(p, 0x06, 0x0010);             /* capability list */
	put32(p, 0x08, 0x02000001);         /* Ethernet, revision 1 */
	put32(p, 0x10, 0xf7c0000c);         /* 64-bit memory BAR */
	put16(p, 0x2c, 0x8086);
	put16(p, 0x2e, 0x0001);
	p[0x34] = 0x40;
	p[0x3d] = 1;
	put16(p, 0x40, 0x5001);             /* PM -> 0x50 */
	put16(p, 0x42, 0xc823);
	put16(p, 0x50, 0x7005);             /* MSI -> 0x70, 64-bit */
	put16(p, 0x52, 0x0180);
	put16(p, 0x70, 0xb010);             /* PCIe v2 endpoint -> 0xb0 */
	put16(p, 0x72, 0x0002);
	put16(p, 0xb0, 0x0011);             /* MSI-X, end */
	put16(p, 0xb2, 0x003f);
	put32(p, 0xb4, 0x00000003);
	put32(p, 0xb8, 0x00002003);
	if (e != 0x100)
		put32(p, 0x100, (uint32_t)e << 20); /* Null anchor */
	put32(p, e, 0x00010001 | (e + 0x40) << 20);          /* AER */
	put32(p, e + 0x40, 0x00010003 | (e + 0x50) << 20);   /* DSN */
	put32(p, e + 0x44, 0x12345678 + variant);
	put32(p, e + 0x48, 0x9abcdef0);
	put32(p, e + 0x50, 0x0001000e | (e + 0x60) << 20);   /* ARI */
	put32(p, e + 0x60, 0x00010010);                      /* SR-IOV, end */
	put16(p, e + 0x70, 0x0040);                          /* TotalVFs */
}

int bench_corpus_load(struct bench_corpus *c, struct pcl_ctx *ctx,
		      const char *dir)
{
	struct dirent **names = NULL;
	int n = -1;

	memset(c, 0, sizeof(*c));
	if (dir)
		n = scandir(dir, &names, lspci_filter, alphasort);
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct pcl_cfg **cfgs = NULL;
		size_t count = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (pcl_cfg_load(ctx, path, &cfgs, &count, NULL) == 0) {
			for (size_t k = 0; k < count; k++) {
				if (corpus_add(c, pcl_cfg_data(cfgs[k]),
					       pcl_cfg_size(cfgs[k]),
					       first_line_desc(path),
					       names[i]->d_name) < 0) {
					pcl_cfg_list_free(cfgs, count);
					goto nomem;
				}
			}
			pcl_cfg_list_free(cfgs, count);
		}
		free(names[i]);
		names[i] = NULL;
	}
	free(names);
	names = NULL;
	if (c->count)
		return 0;
	c->synthetic = 1;
	for (unsigned int v = 0; v < 16; v++) {
		uint8_t p[PCL_CFG_SIZE];
		char name[32];

		synth_device(p, v);
		snprintf(name, sizeof(name), "synthetic-%u", v);
		if (corpus_add(c, p, PCL_CFG_SIZE,
			       strdup("Ethernet controller: synthetic"), name) < 0)
			return -1;
	}
	return 0;
nomem:
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return -1;
}

void bench_corpus_free(struct bench_corpus *c)
{
	for (size_t i = 0; i < c->count; i++) {
		free(c->desc[i]);
		free(c->name[i]);
	}
	free(c->desc);
	free(c->name);
	free(c->dev);
	memset(c, 0, sizeof(*c));
}

/* xorshift64*: deterministic per device, so every run builds one fleet. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

void bench_fleet_device(const struct bench_corpus *c, size_t i,
			struct bench_dev *out)
{
	const struct bench_dev *t = &c->dev[i % c->count];
	uint64_t s = 0x9e3779b97f4a7c15ull ^ ((uint64_t)i * 0xff51afd7ed558ccdull);
	uint8_t *p = out->bytes;

	*out = *t;
	rnd(&s);
	if ((p[0x0e] & 0x7f) == 0 && out->size >= 64) {
		/* Another host maps BAR0 elsewhere and has another subsystem. */
		if (p[0x10] & 0xf0 || p[0x11] || p[0x12] || p[0x13])
			p[0x13] = (uint8_t)(0x80 | (rnd(&s) & 0x7f));
		if (p[0x2c] || p[0x2d])
			put16(p, 0x2e, (uint16_t)rnd(&s));
	}
	if (out->size >= 64)
		p[0x3c] = (uint8_t)rnd(&s);
	/*
	 * One device in eight gets a stray non-zero byte in an all-zero row
	 * of the last 256 bytes: what a hidden vendor register looks like.
	 */
	if (out->size == PCL_CFG_SIZE && rnd(&s) % 8 == 0) {
		uint32_t row = 0xf00 + (uint32_t)(rnd(&s) % 16) * 16;
		int zero = 1;

		for (uint32_t k = 0; k < 16; k++)
			zero &= p[row + k] == 0;
		if (zero)
			p[row + 4 + (rnd(&s) % 12)] = (uint8_t)(1 + rnd(&s) % 255);
	}
}

static int buf_reserve(struct bench_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 65536;
	char *d;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	d = realloc(b->data, cap);
	if (!d)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

int bench_dump_append(struct bench_buf *b, const struct bench_corpus *c,
		      size_t i, const struct bench_dev *d)
{
	static const char hex[] = "0123456789abcdef";
	const char *desc = c->desc[d->template];
	size_t rows = d->size / 16;
	char *o;
	int n;

	/* A row is at most "fff: " + 16 * " hh" + "\n" = 54 bytes. */
	if (buf_reserve(b, 64 + strlen(desc) + rows * 56 + 2) < 0)
		return -1;
	o = b->data + b->len;
	n = sprintf(o, "%04zx:%02zx:%02zx.%zu %s\n", (i >> 16) & 0xffff,
		    (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7, desc);
	o += n;
	for (size_t r = 0; r < rows; r++) {
		size_t off = r * 16;

		if (off >= 0x100)
			*o++ = hex[(off >> 8) & 0xf];
		*o++ = hex[(off >> 4) & 0xf];
		*o++ = hex[off & 0xf];
		*o++ = ':';
		for (size_t k = 0; k < 16; k++) {
			*o++ = ' ';
			*o++ = hex[d->bytes[off + k] >> 4];
			*o++ = hex[d->bytes[off + k] & 0xf];
		}
		*o++ = '\n';
	}
	*o++ = '\n';
	b->len = (size_t)(o - b->data);
	return 0;
}

void bench_buf_free(struct bench_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int bench_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	if (fclose(f))
		ok = 0;
	return ok ? 0 : -1;
}

/*
 * posix_spawn(), not fork(): glibc spawns with CLONE_VM | CLONE_VFORK, so
 * starting a child does not copy this process's page tables. After the
 * N = 100,000 stages this process has held a gigabyte, and fork() then
 * cost ~24 ms a child, more than a whole cold `plan` (BENCHMARKS.md).
 */
int bench_run(char *const argv[], uint64_t *ns, struct bench_usage *use)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	uint64_t t0;
	int status, r;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa))
		return -1;
	r = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					     O_WRONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO,
						     STDERR_FILENO);
	t0 = bench_now_ns();
	if (!r)
		r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -1;
	if (wait4(pid, &status, 0, &ru) < 0)
		return -1;
	*ns = bench_now_ns() - t0;
	if (use) {
		use->maxrss_kib = ru.ru_maxrss;
		use->minflt = ru.ru_minflt;
		use->majflt = ru.ru_majflt;
	}
	if (!WIFEXITED(status))
		return -1;
	if (WEXITSTATUS(status) == 127)
		return -1;
	return WEXITSTATUS(status);
}

const char *bench_which(const char *name)
{
	static char found[4096];
	const char *path = getenv("PATH");
	const char *p, *q;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? name : NULL;
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path; *p; p = *q ? q + 1 : q) {
		q = strchr(p, ':');
		if (!q)
			q = p + strlen(p);
		snprintf(found, sizeof(found), "%.*s/%s", (int)(q - p), p, name);
		if (access(found, X_OK) == 0)
			return found;
	}
	return NULL;
}

void bench_loadavg(char *buf, size_t size)
{
	double l[3];

	if (getloadavg(l, 3) == 3)
		snprintf(buf, size, "%.2f %.2f %.2f", l[0], l[1], l[2]);
	else
		snprintf(buf, size, "unknown");
}
