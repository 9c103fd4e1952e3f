// SPDX-License-Identifier: BSD-3-Clause
/*
 * cli.c - shared plumbing for the subcommands: messages and SOURCE
 * arguments. A SOURCE is a file first (a dump, a binary or a host bundle;
 * so a dump named like an address still works), then "-", then a PCI
 * address; -s and -d keep the functions they select.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"

const char *cli_prog = "pcilayout";
struct pcl_ctx *cli_ctx;

static void vmsg(const char *severity, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vmsg(const char *severity, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	cli_message(severity, NULL, text);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning", fmt, ap);
	va_end(ap);
}

void cli_report(const struct pcl_error *err)
{
	char buf[640];

	pcl_error_format(err, buf, sizeof(buf));
	cli_message("error", err, buf);
}

void cli_report_diag(const struct pcl_diag *diag)
{
	for (size_t i = 0; i < pcl_diag_count(diag); i++)
		cli_report(pcl_diag_get(diag, i));
}

json_t *cli_diag_json(struct pcl_diag *diag)
{
	json_t *a = json_array();

	for (size_t i = 0; i < pcl_diag_count(diag); i++) {
		const struct pcl_error *e = pcl_diag_get(diag, i);
		json_t *o = json_object(), *m = json_string(e->message);

		if (e->source[0])
			json_object_set_new(o, "source", json_string(e->source));
		if (e->line)
			json_object_set_new(o, "line", json_integer(e->line));
		if (e->column)
			json_object_set_new(o, "column", json_integer(e->column));
		json_object_set_new(o, "message",
				    m ? m : json_string("(a message that is not UTF-8)"));
		json_array_append_new(a, o);
	}
	pcl_diag_clear(diag);
	return a;
}

void cli_flush_diag(struct pcl_diag *diag)
{
	char buf[640];

	for (size_t i = 0; i < pcl_diag_count(diag); i++) {
		const struct pcl_error *e = pcl_diag_get(diag, i);

		if (cli_json())
			cli_message("error", e, pcl_error_format(e, buf, sizeof(buf)));
		else
			fprintf(stderr, "%s\n", pcl_error_format(e, buf, sizeof(buf)));
	}
	pcl_diag_clear(diag);
}

/* Set while reading a --pf: the selection is for the function, not its PF. */
static bool select_off;

/* Whether -s and -d keep @cfg. */
static bool selected(const struct pcl_cfg *cfg)
{
	return select_off || cli_select_match(cfg);
}

/* pcl_cfg_each_fn of the sources with an @each. */
static int take_each(void *opaque, struct pcl_cfg *cfg)
{
	struct cli_sources *s = opaque;

	if (selected(cfg))
		s->each(s->each_opaque, cfg);
	else
		pcl_cfg_free(cfg);
	return 0;
}

/*
 * Take @n cfgs (and the array) into @s, keeping those -s and -d select.
 * Prints nothing (unify and survey call it from reader threads): -1 is
 * out of memory, which the caller reports.
 */
static int append(struct cli_sources *s, struct pcl_cfg **cfgs, size_t n,
		  const struct cli_fn *how)
{
	struct pcl_cfg **grown;
	struct cli_fn *fn;

	if (s->each) {
		for (size_t i = 0; i < n; i++)
			take_each(s, cfgs[i]);
		free(cfgs);
		return 0;
	}
	grown = realloc(s->cfgs, (s->count + n + 1) * sizeof(*grown));
	if (grown)
		s->cfgs = grown;
	fn = grown ? realloc(s->fn, (s->count + n + 1) * sizeof(*fn)) : NULL;
	if (!fn) {
		pcl_cfg_list_free(cfgs, n);
		return -1;
	}
	s->fn = fn;
	for (size_t i = 0; i < n; i++) {
		if (!selected(cfgs[i])) {
			pcl_cfg_free(cfgs[i]);
			continue;
		}
		s->cfgs[s->count] = cfgs[i];
		s->fn[s->count++] = *how;
	}
	free(cfgs);
	return 0;
}

/* append() of the one function @cfg, which @s takes in any case. */
static int append_one(struct cli_sources *s, struct pcl_cfg *cfg,
		      const struct cli_fn *how)
{
	struct pcl_cfg **one = malloc(sizeof(*one));

	if (!one) {
		pcl_cfg_free(cfg);
		return -1;
	}
	one[0] = cfg;
	return append(s, one, 1, how);
}

/* append_one() for the callers that report. */
static int append_live(struct cli_sources *s, struct pcl_cfg *cfg)
{
	static const struct cli_fn live = { .live = true };

	if (append_one(s, cfg, &live) == 0)
		return 0;
	cli_error("out of memory");
	return -1;
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

/* A bundle's selected functions into @s, the others into @s->spare. */
static int add_bundle(struct cli_sources *s, struct bundle *b)
{
	struct pcl_cfg **grown = realloc(s->spare, (s->nspare + b->count + 1) *
						   sizeof(*grown));
	int r = 0;

	if (!grown)
		return -1;
	s->spare = grown;
	for (size_t i = 0; i < b->count && !r; i++) {
		struct cli_fn how = { .bundled = true, .pf = b->fn[i].pf,
				      .pasid = b->fn[i].pasid };
		struct pcl_cfg *cfg = b->fn[i].cfg;

		b->fn[i].cfg = NULL;
		if (!b->fn[i].selected || !selected(cfg)) {
			s->spare[s->nspare++] = cfg;
			continue;
		}
		r = append_one(s, cfg, &how);
	}
	return r;
}

static void set_err(struct pcl_error *err, const char *name, const char *msg)
{
	snprintf(err->source, sizeof(err->source), "%s", name);
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

/*
 * A file that may be a bundle, or a pipe on standard input, read whole;
 * at most 64 MiB and one byte, so that pcl_cfg_parse() refuses a larger
 * input with the library's own message.
 */
static char *slurp(FILE *f, const char *name, size_t *len,
		   struct pcl_error *err)
{
	size_t cap = 0, n, max = (64u << 20) + 1;
	char *buf = NULL, *g;

	*len = 0;
	while (*len < max) {
		if (*len == cap) {
			cap = cap ? 2 * cap : 1u << 16;
			if (cap > max)
				cap = max;
			g = realloc(buf, cap);
			if (!g) {
				free(buf);
				set_err(err, name, "out of memory");
				return NULL;
			}
			buf = g;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		set_err(err, name, strerror(errno));
		free(buf);
		return NULL;
	}
	return buf ? buf : malloc(1);
}

/*
 * The first bytes of @path, or of standard input when it is a regular
 * file (read in place, so the library still reads it from the start):
 * whether it may be a bundle. *@pipe is set for a standard input that
 * cannot be read twice.
 */
static bool may_be_bundle(const char *path, bool *pipe)
{
	char head[64];
	struct stat st;
	ssize_t n;
	int fd;

	*pipe = false;
	if (strcmp(path, "-") == 0) {
		if (fstat(STDIN_FILENO, &st) < 0 || !S_ISREG(st.st_mode)) {
			*pipe = true;
			return false;
		}
		n = pread(STDIN_FILENO, head, sizeof(head),
			  lseek(STDIN_FILENO, 0, SEEK_CUR));
		return n > 0 && bundle_sniff(head, (size_t)n);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* pcl_cfg_load() says why */
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= (64 << 20) ? read(fd, head, sizeof(head)) : 0;
	close(fd);
	return n > 0 && bundle_sniff(head, (size_t)n);
}

/*
 * A regular file of at most SMALL_FILE_MAX bytes (a host's dump or bundle)
 * read whole with one open, fstat, read and close: unify and survey read a
 * file per host, and sniffing it for a bundle and then reading it again
 * cost ten system calls a file (BENCHMARKS.md). false when it is anything
 * else or anything went wrong: the caller then takes the ordinary way,
 * whose messages say why.
 */
#define SMALL_FILE_MAX (1u << 20)

bool cli_read_small_fd(int fd, char **buf, size_t *cap, size_t *len)
{
	struct stat st;
	ssize_t n = -1;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= SMALL_FILE_MAX) {
		/* One byte more than its size: a file that grew is caught. */
		size_t want = (size_t)st.st_size + 1;

		if (want > *cap) {
			char *b = realloc(*buf, want);

			if (b) {
				*buf = b;
				*cap = want;
			}
		}
		if (want <= *cap)
			n = read(fd, *buf, want);
	}
	close(fd);
	if (n < 0 || n != st.st_size)
		return false;
	*len = (size_t)n;
	return true;
}

static bool read_small(const char *path, char **buf, size_t *len)
{
	size_t cap = 0;

	*buf = NULL;
	if (strcmp(path, "-") != 0 &&
	    cli_read_small_fd(open(path, O_RDONLY | O_CLOEXEC), buf, &cap, len))
		return true;
	free(*buf);
	*buf = NULL;
	return false;
}

/* Why @path's functions could not be had (@r), where the parser did not say. */
static int load_failed(struct pcl_error *err, int r, const char *path)
{
	if (!err->message[0])
		snprintf(err->message, sizeof(err->message), "%s", strerror(-r));
	if (!err->source[0])
		snprintf(err->source, sizeof(err->source), "%s", path);
	return -1;
}

int cli_sources_parse(struct cli_sources *s, const char *path,
		      const char *buf, size_t len, struct pcl_error *err)
{
	static const struct cli_fn from_file = { 0 };
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct pcl_cfg **cfgs = NULL;
	size_t n = 0;
	int r = s->each ? pcl_cfg_parse_each(cli_ctx, buf, len, name,
					     take_each, s, err) :
			  pcl_cfg_parse(cli_ctx, buf, len, name, &cfgs, &n, err);

	if (r < 0)
		return load_failed(err, r, path);
	return s->each ? 0 : append(s, cfgs, n, &from_file);
}

int cli_sources_load(struct cli_sources *s, const char *path,
		     struct pcl_error *err)
{
	static const struct cli_fn from_file = { 0 };
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct pcl_cfg **cfgs = NULL;
	struct bundle *b = NULL;
	bool pipe = false;
	char *buf = NULL;
	size_t n = 0, len = 0;
	FILE *f = NULL;
	int r = 0;

	if (read_small(path, &buf, &len)) {
		if (bundle_sniff(buf, len))
			r = bundle_parse(name, buf, len, &b, err);
	} else if (may_be_bundle(path, &pipe) || pipe) {
		f = pipe ? stdin : strcmp(path, "-") ? fopen(path, "re") : stdin;
		buf = f ? slurp(f, name, &len, err) : NULL;
		if (f && f != stdin)
			fclose(f);
		if (f && !buf)
			return -1;
		if (bundle_sniff(buf, len) && len <= (64u << 20))
			r = bundle_parse(name, buf, len, &b, err);
	}
	if (r > 0) {
		r = add_bundle(s, b);
		bundle_free(b);
		free(buf);
		return r;
	}
	if (r == 0 && buf) {
		r = cli_sources_parse(s, path, buf, len, err);
	} else if (r == 0 && s->each) {
		r = pcl_cfg_load_each(cli_ctx, path, take_each, s, err);
		r = r < 0 ? load_failed(err, r, path) : 0;
	} else if (r == 0) {
		r = pcl_cfg_load(cli_ctx, path, &cfgs, &n, err);
		r = r < 0 ? load_failed(err, r, path) :
			    append(s, cfgs, n, &from_file);
	} else {
		r = load_failed(err, r, path);
	}
	free(buf);
	return r;
}

static int add_file(struct cli_sources *s, const char *arg)
{
	struct pcl_error err = { .offset = -1 };

	if (cli_sources_load(s, arg, &err) == 0)
		return 0;
	if (err.message[0])
		cli_report(&err);
	else
		cli_error("out of memory");
	return -1;
}

int cli_sources_add(struct cli_sources *s, const char *arg)
{
	struct pcl_error err = { 0 };
	struct pcl_cfg *cfg = NULL;
	struct stat st;
	int r;
	bool vfio = strncmp(arg, CLI_VFIO_PREFIX, strlen(CLI_VFIO_PREFIX)) == 0;

	if (!vfio && (strcmp(arg, "-") == 0 || stat(arg, &st) == 0 ||
		      !looks_like_address(arg)))
		return add_file(s, arg);
	r = vfio ? read_vfio(arg + strlen(CLI_VFIO_PREFIX), &cfg, &err) :
		   pcl_cfg_read_device(cli_ctx, arg, &cfg, &err);
	if (r < 0) {
		if (!err.message[0])
			snprintf(err.message, sizeof(err.message), "%s",
				 strerror(-r));
		if (!err.source[0])
			snprintf(err.source, sizeof(err.source), "%s", arg);
		cli_report(&err);
		return -1;
	}
	return append_live(s, cfg);
}

bool cli_sources_rereadable(char **args, int n)
{
	struct stat st;

	for (int i = 0; i < n; i++)
		if (strncmp(args[i], CLI_VFIO_PREFIX,
			    strlen(CLI_VFIO_PREFIX)) == 0 ||
		    strcmp(args[i], "-") == 0 || stat(args[i], &st) != 0 ||
		    !S_ISREG(st.st_mode))
			return false;
	return n > 0;
}

static void drop(void *opaque, struct pcl_cfg *cfg)
{
	(void)opaque;
	pcl_cfg_free(cfg);
}

int cli_sources_each(char **args, int n,
		     void (*each)(void *opaque, struct pcl_cfg *cfg),
		     void *opaque)
{
	struct cli_sources src = { .each = each ? each : drop,
				   .each_opaque = opaque };
	int r = n ? 0 : cli_sources_live(&src);

	for (int i = 0; i < n && r == 0; i++)
		r = cli_sources_add(&src, args[i]);
	cli_sources_free(&src);
	return r;
}

int cli_sources_live(struct cli_sources *s)
{
	static const struct cli_fn live = { .live = true };
	struct pcl_error err = { 0 };
	struct pcl_cfg **cfgs = NULL;
	size_t n = 0;
	char addr[32];

	/* One function named in full: read it alone. */
	if (cli_select_address(addr, sizeof(addr))) {
		struct pcl_cfg *cfg = NULL;

		if (pcl_cfg_read_device(cli_ctx, addr, &cfg, &err) == 0)
			return append_live(s, cfg);
		/* Not in domain 0 (or gone): look through every function. */
		memset(&err, 0, sizeof(err));
	}
	if (pcl_cfg_read_all_devices(cli_ctx, &cfgs, &n, &err) < 0) {
		cli_report(&err);
		return -1;
	}
	if (append(s, cfgs, n, &live) == 0)
		return 0;
	cli_error("out of memory");
	return -1;
}

int cli_sources_args(struct cli_sources *s, char **args, int n,
		     bool live_default)
{
	if (n == 0) {
		if (!live_default && !cli_select_active()) {
			cli_error("missing SOURCE (or -s/-d to select functions of this machine)");
			return -1;
		}
		return cli_sources_live(s);
	}
	for (int i = 0; i < n; i++)
		if (cli_sources_add(s, args[i]) < 0)
			return -1;
	return 0;
}

void cli_sources_free(struct cli_sources *s)
{
	pcl_cfg_list_free(s->cfgs, s->count);
	pcl_cfg_list_free(s->spare, s->nspare);
	free(s->fn);
	memset(s, 0, sizeof(*s));
}

struct pcl_cfg *cli_sources_one(struct cli_sources *s, const char *arg,
				const char *what)
{
	const char *name = arg ? arg : "this machine";
	char list[256] = "";
	size_t used = 0;

	if ((arg ? cli_sources_add(s, arg) : cli_sources_live(s)) < 0)
		return NULL;
	if (s->count == 1)
		return s->cfgs[0];
	for (size_t i = 0; i < s->count && i < 8; i++) {
		const char *slot = pcl_cfg_slot(s->cfgs[i]);

		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 i ? ", " : "", slot ? slot : "(no address)");
		if (used >= sizeof(list))
			break;
	}
	if (!s->count)
		cli_error("%s%s%s: no function %s", what ? what : "",
			  what ? " " : "", name,
			  cli_select_active() ? "matches the selection" : "");
	else
		cli_error("%s%s%s holds %zu %sfunctions (%s%s); select one with -s, e.g. -s %s",
			  what ? what : "", what ? " " : "", name, s->count,
			  cli_select_active() ? "selected " : "", list,
			  s->count > 8 ? ", ..." : "",
			  pcl_cfg_slot(s->cfgs[0]) ? pcl_cfg_slot(s->cfgs[0]) : "BUS:DEV.FN");
	return NULL;
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
		select_off = true;
		*pf = cli_sources_one(pfsrc, pfarg, "--pf");
		select_off = false;
		if (!*pf)
			return -1;
		struct pcl_error err = { 0 };

		if (pcl_cfg_set_pf(*cfg, *pf, &err) < 0) {
			cli_report(&err);
			return -1;
		}
	} else if (src->fn[0].bundled) {
		/* The bundle's own PF, when it holds one. */
		*pf = src->fn[0].pf;
	} else if (pcl_cfg_pf_slot(*cfg) && src->fn[0].live) {
		/* A VF read through sysfs: its PF is one read away. The
		 * selection is for the VF, not its PF. */
		struct pcl_error err = { 0 };
		struct pcl_cfg *p = NULL;
		int r;

		if (pcl_cfg_read_device(cli_ctx, pcl_cfg_pf_slot(*cfg), &p,
					&err) < 0) {
			cli_report(&err);
			return -1;
		}
		select_off = true;
		r = append_live(pfsrc, p);
		select_off = false;
		if (r < 0)
			return -1;
		*pf = p;
	}
	return 0;
}

bool cli_sources_pasid(const struct cli_sources *s, size_t i,
		       struct host_pasid *p)
{
	const char *slot = pcl_cfg_slot(s->cfgs[i]);

	if (s->fn[i].bundled) {
		*p = s->fn[i].pasid;
		return true;
	}
	if (s->fn[i].live && slot) {
		host_function_pasid(slot, p);
		return true;
	}
	return false;
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
	if (f == stderr && cli_json())
		return;
	fprintf(f, "%s", usage);
}

int cli_bad_option(char **argv, const char *usage)
{
	/* Not in JSON mode, getopt has already said what was wrong. */
	if (cli_json())
		cli_error("%s: bad option '%s' (unknown, or its argument is missing; see 'pcilayout %s -h')",
			  argv[0], argv[optind - 1], argv[0]);
	cli_usage(stderr, usage);
	return EXIT_USAGE;
}

/* --allow NAME[,NAME...]: the named overrides of pcl_plan_request_allow(). */
int cli_parse_allow(const char *arg, uint32_t *allow)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		{ "broken", PCL_PLAN_ALLOW_BROKEN },
		{ "standard-only", PCL_PLAN_ALLOW_STANDARD_ONLY },
		{ "hide-essential", PCL_PLAN_ALLOW_HIDE_ESSENTIAL },
		{ "pasid-disabled", PCL_PLAN_ALLOW_PASID_DISABLED },
	};
	char *copy = strdup(arg), *save = NULL, *tok;
	int r = 0;

	if (!copy) {
		cli_error("out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !r;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(tok, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			cli_error("--allow: unknown override '%s' (known: broken, standard-only, hide-essential, pasid-disabled)",
				  tok);
			r = -1;
		} else {
			*allow |= names[i].bit;
		}
	}
	free(copy);
	return r;
}
