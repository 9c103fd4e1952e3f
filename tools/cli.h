/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cli.h - what every pcilayout subcommand shares: exit codes, messages
 * (text on stderr, or JSON under --json: output.h), turning SOURCE
 * arguments into cfgs (with lspci's selection: select.h; host bundles:
 * bundle.h). Subcommands use only the library's public API.
 */
#ifndef PCILAYOUT_CLI_H
#define PCILAYOUT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>
#include <pcilayout/pcilayout.h>

#include "host.h"
#include "output.h"
#include "select.h"

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

/* A message (output.h's cli_message()) of severity error or warning. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library error record: "prog: file:line:col: message", or its JSON. */
void cli_report(const struct pcl_error *err);

/*
 * struct cli_fn - where a function of a cli_sources came from.
 * @live: read from this host (sysfs or VFIO): its IOMMU is in sysfs.
 * @bundled: read from a bundle: @pf and @pasid are the bundle's.
 * @pf: a VF's PF from the same bundle (owned by the cli_sources), or NULL.
 * @pasid: a bundled function's IOMMU PASID support.
 */
struct cli_fn {
	bool live;
	bool bundled;
	struct pcl_cfg *pf;
	struct host_pasid pasid;
};

/*
 * A growable list of cfgs gathered from SOURCE arguments, narrowed by -s
 * and -d (select.h). @spare keeps a bundle's other functions alive for
 * the @pf pointers.
 *
 * With @each set, each selected function goes to @each(@each_opaque,
 * cfg), which takes it, as soon as it has been read, instead of into
 * @cfgs: a command that prints a function and frees it then keeps one
 * function's memory, not a fleet's (~4.7 KB a function, each page of it
 * a page fault). A file it cannot read has then given @each the
 * functions before the fault.
 */
struct cli_sources {
	struct pcl_cfg **cfgs;
	struct cli_fn *fn;
	size_t count;
	struct pcl_cfg **spare;
	size_t nspare;
	void (*each)(void *opaque, struct pcl_cfg *cfg);
	void *each_opaque;
};

/* The SOURCE prefix that reads a function through VFIO. */
#define CLI_VFIO_PREFIX "vfio:"

/*
 * Add every function named by @arg that -s and -d select: an existing file
 * (dump, binary or bundle), "-" for stdin, a PCI address read through
 * sysfs, or "vfio:" followed by a PCI address or a VFIO device cdev path,
 * read through VFIO. Reports errors itself. Returns 0, or -1 after
 * reporting.
 */
int cli_sources_add(struct cli_sources *s, const char *arg);

/*
 * cli_sources_add() for a file or "-", without printing anything, so that
 * reader threads may call it (compat-stream.c): why it cannot be read goes
 * to @err; an empty message is out of memory, for the caller to report.
 * 0 or -1.
 */
int cli_sources_load(struct cli_sources *s, const char *path,
		     struct pcl_error *err);

/*
 * The dump or binary config space @buf (@len bytes, read from @path; not a
 * bundle) parsed into @s as cli_sources_load() would, messages included.
 * For readers that read the file themselves. 0 or -1.
 */
int cli_sources_parse(struct cli_sources *s, const char *path,
		      const char *buf, size_t len, struct pcl_error *err);

/*
 * A regular file of at most 1 MiB (a host's dump or bundle) on @fd, which
 * it closes, read whole into *@buf: grown to *@cap bytes when too small,
 * the caller's to keep or free. One fstat and one read of a byte more than
 * its size, so a file that grew is not taken. false for anything else.
 */
bool cli_read_small_fd(int fd, char **buf, size_t *cap, size_t *len);

/*
 * Whether there are SOURCEs in @args and each is a regular file, which
 * reads the same twice: a command that prints nothing when any SOURCE is
 * unreadable reads them all once only to see that they read, and again
 * printing each function as it comes, rather than holding what it would
 * print (show, map --json).
 */
bool cli_sources_rereadable(char **args, int n);

/*
 * Every SOURCE of @args (none: this machine's functions), each selected
 * function handed to @each (which takes it) as soon as it has been read;
 * NULL @each: read and freed, to see that they read. Reports; 0 or -1.
 */
int cli_sources_each(char **args, int n,
		     void (*each)(void *opaque, struct pcl_cfg *cfg),
		     void *opaque);

/* Add the functions of this machine that -s and -d select. 0 or -1. */
int cli_sources_live(struct cli_sources *s);

/*
 * Every SOURCE of @args; with none, the live system when -s or -d is given
 * (or @live_default is set), else a "missing SOURCE" error. 0 or -1.
 */
int cli_sources_args(struct cli_sources *s, char **args, int n,
		     bool live_default);
void cli_sources_free(struct cli_sources *s);

/*
 * Add @arg (NULL: the live system) to the empty @s and return its one
 * selected function; reports and returns NULL when it cannot be read or
 * -s and -d leave more or fewer than one. @what names the argument in
 * that message ("SOURCE", "--pf"), or is NULL.
 */
struct pcl_cfg *cli_sources_one(struct cli_sources *s, const char *arg,
				const char *what);

/*
 * The PASID support of the IOMMU serving function @i of @s: the bundle's
 * word for a bundled function, sysfs for a live one. false when nothing
 * says (a dump).
 */
bool cli_sources_pasid(const struct cli_sources *s, size_t i,
		       struct host_pasid *p);

/*
 * Load the one function of @arg into @src and its PF into @pfsrc: @pfarg
 * when given (and then make the function its VF), else the PF that sysfs
 * names for a VF, else none (*pf = NULL). Reports; returns 0 or -1.
 */
int cli_sources_with_pf(struct cli_sources *src, struct cli_sources *pfsrc,
			const char *arg, const char *pfarg,
			struct pcl_cfg **cfg, struct pcl_cfg **pf);

/*
 * Every record of @diag as JSON {"source", "line", "column", "message"}
 * (the known parts), then clear @diag.
 */
json_t *cli_diag_json(struct pcl_diag *diag);

/* cli_report() every record of @diag. */
void cli_report_diag(const struct pcl_diag *diag);
/*
 * Print every record of @diag on stderr as "file:line:col: message" alone
 * (the shape compilers use, without the program name), then clear @diag.
 */
void cli_flush_diag(struct pcl_diag *diag);

/* true when stdout is a terminal and colour is not disabled. */
bool cli_use_color(bool no_color_flag);

/*
 * --allow NAME[,NAME...]: add the named overrides of the planner
 * (pcl_plan_request_allow()) to *@allow. Reports; returns 0 or -1.
 */
int cli_parse_allow(const char *arg, uint32_t *allow);
#define CLI_ALLOW_HELP \
	"      --allow WHAT       plan what is refused as unsafe (comma-separated):\n" \
	"                         broken (a chain with errors), standard-only (a\n" \
	"                         PCIe function read to 0xff only), hide-essential\n" \
	"                         (hiding pm, msi, msix or exp), pasid-disabled\n" \
	"                         (a PF whose PASID is disabled)\n"

/*
 * -h/--help prints @usage on stdout; a usage error prints it on stderr,
 * except under --json, where the error message says it all.
 */
void cli_usage(FILE *f, const char *usage);

/*
 * getopt's '?' for a bad option: report it as a message (getopt's own
 * is silenced with opterr = 0, so that --json can carry it). @usage is
 * printed as for cli_usage(stderr, ...). Returns EXIT_USAGE.
 */
int cli_bad_option(char **argv, const char *usage);

#endif /* PCILAYOUT_CLI_H */
