/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - what every pcilayout subcommand shares: exit codes, messages
 * prefixed with the program name, turning SOURCE arguments into cfgs, and
 * JSON output. Subcommands use only the library's public API.
 */
#ifndef PCILAYOUT_CLI_H
#define PCILAYOUT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>
#include <pcilayout/pcilayout.h>

/* Exit codes shared by every subcommand. */
enum {
	EXIT_OK = 0,       /* success */
	EXIT_FINDING = 1,  /* ran, and found an error-severity problem / "no" */
	EXIT_USAGE = 2,    /* bad usage or unreadable input */
};

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

extern const char *cli_prog;
extern struct pcl_ctx *cli_ctx;

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a library error record as "prog: file:line:col: message". */
void cli_report(const struct pcl_error *err);

/* A growable list of cfgs gathered from SOURCE arguments. */
struct cli_sources {
	struct pcl_cfg **cfgs;
	size_t count;
};

/* The SOURCE prefix that reads a function through VFIO. */
#define CLI_VFIO_PREFIX "vfio:"

/*
 * Add every function named by @arg: an existing file (dump or binary), "-"
 * for stdin, a PCI address read through sysfs, or "vfio:" followed by a
 * PCI address or a VFIO device cdev path, read through VFIO. Reports
 * errors itself. Returns 0, or -1 after reporting.
 */
int cli_sources_add(struct cli_sources *s, const char *arg);
void cli_sources_free(struct cli_sources *s);

/*
 * Add @arg to the empty @s and return its one function; reports and
 * returns NULL when it cannot be read or holds more or fewer than one.
 * @what names the argument in that message ("SOURCE", "--pf"), or is NULL.
 */
struct pcl_cfg *cli_sources_one(struct cli_sources *s, const char *arg,
				const char *what);

/*
 * Load the one function of @arg into @src and its PF into @pfsrc: @pfarg
 * when given (and then make the function its VF), else the PF that sysfs
 * names for a VF, else none (*pf = NULL). Reports; returns 0 or -1.
 */
int cli_sources_with_pf(struct cli_sources *src, struct cli_sources *pfsrc,
			const char *arg, const char *pfarg,
			struct pcl_cfg **cfg, struct pcl_cfg **pf);

/* cli_report() every record of @diag. */
void cli_report_diag(const struct pcl_diag *diag);
/*
 * Print every record of @diag on stderr as "file:line:col: message" alone
 * (the shape compilers use, without the program name), then clear @diag.
 */
void cli_flush_diag(struct pcl_diag *diag);

/* Print @json to stdout, indented, with sorted keys and a final newline. */
int cli_print_json(json_t *json);

/* "0x1f0" in lower case, the form used by JSON output and layout files. */
json_t *cli_json_hex(unsigned long v);

/* true when stdout is a terminal and colour is not disabled. */
bool cli_use_color(bool no_color_flag);

/* Standard "-h/--help" handling: print @usage to stdout. */
void cli_usage(FILE *f, const char *usage);

#endif /* PCILAYOUT_CLI_H */
