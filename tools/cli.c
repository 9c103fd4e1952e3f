// SPDX-License-Identifier: BSD-3-Clause
/*
 * cli.c - shared plumbing for the subcommands: messages, SOURCE arguments,
 * JSON output. A SOURCE is a file first (so a dump named like an address
 * still works), then "-", then a PCI address.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char *cli_prog = "pcilayout";
struct pcl_ctx *cli_ctx;

static void vmsg(const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", cli_prog, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void cli_report(const struct pcl_error *err)
{
	char buf[640];

	cli_error("%s", pcl_error_format(err, buf, sizeof(buf)));
}

void cli_report_diag(const struct pcl_diag *diag)
{
	for (size_t i = 0; i < pcl_diag_count(diag); i++)
		cli_report(pcl_diag_get(diag, i));
}

void cli_flush_diag(struct pcl_diag *diag)
{
	char buf[640];

	for (size_t i = 0; i < pcl_diag_count(diag); i++)
		fprintf(stderr, "%s\n",
			pcl_error_format(pcl_diag_get(diag, i), buf, sizeof(buf)));
	pcl_diag_clear(diag);
}

static int append(struct cli_sources *s, struct pcl_cfg **cfgs, size_t n)
{
	struct pcl_cfg **grown;

	grown = realloc(s->cfgs, (s->count + n) * sizeof(*grown));
	if (!grown) {
		pcl_cfg_list_free(cfgs, n);
		cli_error("out of memory");
		return -1;
	}
	if (n)
		memcpy(grown + s->count, cfgs, n * sizeof(*cfgs));
	s->cfgs = grown;
	s->count += n;
	free(cfgs);
	return 0;
}

static bool looks_like_address(const char *arg)
{
	/* [dddd:]bb:dd.f - hex digits, colons and one dot, nothing else */
	size_t colons = 0, dots = 0;

	for (const char *p = arg; *p; p++) {
		if (*p == ':')
			colons++;
		else if (*p == '.')
			dots++;
		else if (!strchr("0123456789abcdefABCDEF", *p))
			return false;
	}
	return dots == 1 && (colons == 1 || colons == 2);
}

/* "vfio:ADDRESS" or "vfio:/dev/vfio/devices/vfioN": the function as VFIO
 * shows it. */
static int read_vfio(const char *spec, struct pcl_cfg **cfg,
		     struct pcl_error *err)
{
	struct pcl_vfio *v = NULL;
	int r = pcl_vfio_open(cli_ctx, spec, &v, err);

	if (r == 0)
		r = pcl_cfg_read_vfio(cli_ctx, pcl_vfio_device_fd(v),
				      pcl_vfio_address(v), cfg, err);
	pcl_vfio_close(v);
	return r;
}

int cli_sources_add(struct cli_sources *s, const char *arg)
{
	struct pcl_error err = { 0 };
	struct pcl_cfg **cfgs = NULL;
	struct stat st;
	size_t n = 0;
	int r;
	bool vfio = strncmp(arg, CLI_VFIO_PREFIX, strlen(CLI_VFIO_PREFIX)) == 0;

	if (!vfio && (strcmp(arg, "-") == 0 || stat(arg, &st) == 0 ||
		      !looks_like_address(arg))) {
		r = pcl_cfg_load(cli_ctx, arg, &cfgs, &n, &err);
	} else {
		struct pcl_cfg *cfg = NULL;

		r = vfio ? read_vfio(arg + strlen(CLI_VFIO_PREFIX), &cfg, &err) :
			   pcl_cfg_read_device(cli_ctx, arg, &cfg, &err);
		if (r == 0) {
			cfgs = malloc(sizeof(*cfgs));
			if (!cfgs) {
				pcl_cfg_free(cfg);
				cli_error("out of memory");
				return -1;
			}
			cfgs[0] = cfg;
			return append(s, cfgs, 1);
		}
	}
	if (r < 0) {
		if (!err.message[0])
			snprintf(err.message, sizeof(err.message), "%s",
				 strerror(-r));
		if (!err.source[0])
			snprintf(err.source, sizeof(err.source), "%s", arg);
		cli_report(&err);
		return -1;
	}
	return append(s, cfgs, n);
}

void cli_sources_free(struct cli_sources *s)
{
	pcl_cfg_list_free(s->cfgs, s->count);
	s->cfgs = NULL;
	s->count = 0;
}

struct pcl_cfg *cli_sources_one(struct cli_sources *s, const char *arg,
				const char *what)
{
	if (cli_sources_add(s, arg) < 0)
		return NULL;
	if (s->count != 1) {
		if (what)
			cli_error("%s %s holds %zu functions; give a file with one",
				  what, arg, s->count);
		else
			cli_error("%s holds %zu functions; give a file with one",
				  arg, s->count);
		return NULL;
	}
	return s->cfgs[0];
}

int cli_sources_with_pf(struct cli_sources *src, struct cli_sources *pfsrc,
			const char *arg, const char *pfarg,
			struct pcl_cfg **cfg, struct pcl_cfg **pf)
{
	*pf = NULL;
	*cfg = cli_sources_one(src, arg, "SOURCE");
	if (!*cfg)
		return -1;
	if (pfarg) {
		*pf = cli_sources_one(pfsrc, pfarg, "--pf");
		if (!*pf)
			return -1;
		struct pcl_error err = { 0 };

		if (pcl_cfg_set_pf(*cfg, *pf, &err) < 0) {
			cli_report(&err);
			return -1;
		}
	} else if (pcl_cfg_pf_slot(*cfg)) {
		/* A VF read through sysfs: its PF is one read away. */
		*pf = cli_sources_one(pfsrc, pcl_cfg_pf_slot(*cfg), "PF");
		if (!*pf)
			return -1;
	}
	return 0;
}

int cli_print_json(json_t *json)
{
	int r = json_dumpf(json, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);

	fputc('\n', stdout);
	return r;
}

json_t *cli_json_hex(unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%lx", v);
	return json_string(buf);
}

bool cli_use_color(bool no_color_flag)
{
	const char *nc = getenv("NO_COLOR");

	if (no_color_flag || (nc && *nc))
		return false;
	return isatty(STDOUT_FILENO);
}

void cli_usage(FILE *f, const char *usage)
{
	fprintf(f, "%s", usage);
}
