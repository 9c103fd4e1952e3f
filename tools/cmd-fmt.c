// SPDX-License-Identifier: BSD-3-Clause
/*
 * cmd-fmt.c - `pcilayout fmt`: print a layout file in its canonical form,
 * rewrite it in place (atomically, through the library), or check that it
 * already is canonical. A file that is not valid is never rewritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"

static const char fmt_usage[] =
	"Usage: pcilayout fmt [options] FILE...\n"
	"Print a layout file in canonical form (sorted keys, two-space indent,\n"
	"lower-case hex strings, defaults left out, final newline).\n"
	"Without -i or --check exactly one FILE is allowed; it may be '-'.\n\n"
	"Options:\n"
	"  -i, --in-place  rewrite each FILE atomically (only when it changes)\n"
	"      --check     change nothing; exit 1 when a FILE is not canonical\n"
	"  -j, --json      print {file, valid, canonical, rewritten, errors}\n"
	"                  for each FILE (and the canonical \"layout\" without\n"
	"                  -i or --check)\n"
	"  -h, --help      show this help\n\n"
	"Exit status: 0 ok, 1 a file is invalid (or not canonical with --check),\n"
	"2 bad usage or a file cannot be read or written.\n";

/* The file's bytes, to compare with the canonical form; NULL on error. */
static char *slurp(const char *path, size_t *len)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = PCL_LAYOUT_MAX_SIZE + 1, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf && n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		n += (size_t)r;
	}
	if (!is_stdin)
		close(fd);
	*len = n;
	return buf;
}

/* {"file", "valid", "canonical", "rewritten", "errors"} of one FILE. */
static json_t *file_json(const char *path, bool valid, int canonical,
			 bool rewritten, struct pcl_diag *diag)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", json_string(path));
	json_object_set_new(o, "valid", json_boolean(valid));
	json_object_set_new(o, "canonical", canonical < 0 ? json_null() :
			    json_boolean(canonical));
	json_object_set_new(o, "rewritten", json_boolean(rewritten));
	json_object_set_new(o, "errors", cli_diag_json(diag));
	return o;
}

/* One FILE; its JSON goes to @files when not NULL. Returns the status. */
static int fmt_one(const char *path, int mode, struct pcl_diag *diag,
		   json_t *files)
{
	struct pcl_layout *layout = NULL;
	char *orig, *canon = NULL;
	size_t len, clen;
	int r, status = EXIT_OK, canonical = -1;
	bool rewritten = false;
	json_t *fj;

	orig = slurp(path, &len);
	if (!orig) {
		cli_error("%s: %s", path, strerror(errno));
		if (files)
			json_array_append_new(files, file_json(path, false, -1,
							       false, diag));
		return EXIT_USAGE;
	}
	r = pcl_layout_load_string(cli_ctx, orig, len,
				   strcmp(path, "-") ? path : "<stdin>",
				   &layout, diag);
	if (r) {
		if (files)
			json_array_append_new(files, file_json(path, false, -1,
							       false, diag));
		cli_flush_diag(diag);
		free(orig);
		return r == -EINVAL || r == -EFBIG ? EXIT_FINDING : EXIT_USAGE;
	}
	r = pcl_layout_to_string(layout, &canon, &clen);
	if (!r)
		canonical = clen == len && !memcmp(canon, orig, len);
	if (r) {
		cli_error("%s: %s", path, strerror(-r));
		status = EXIT_USAGE;
	} else if (mode == 'c') {
		if (!canonical) {
			if (!files)
				fprintf(stderr, "%s: not in canonical form\n", path);
			status = EXIT_FINDING;
		}
	} else if (mode == 'i') {
		if (!canonical) {
			r = pcl_layout_save_file(layout, path);
			if (r) {
				cli_error("%s: cannot rewrite: %s", path,
					  strerror(-r));
				status = EXIT_USAGE;
			}
			rewritten = !r;
		}
	} else if (!files) {
		fwrite(canon, 1, clen, stdout);
	}
	if (files) {
		fj = file_json(path, true, canonical, rewritten, diag);
		if (!mode && canon)
			json_object_set_new(fj, "layout", json_loads(canon, 0, NULL));
		json_array_append_new(files, fj);
	}
	free(canon);
	free(orig);
	pcl_layout_free(layout);
	return status;
}

int cmd_fmt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "in-place", no_argument, NULL, 'i' },
		{ "check", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcl_diag *diag;
	json_t *doc = NULL, *files = NULL;
	bool json = false;
	int c, mode = 0, status = EXIT_OK;

	while ((c = getopt_long(argc, argv, "ijh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'i':
		case 'c':
			if (mode && mode != c) {
				cli_error("fmt: -i and --check exclude each other");
				return EXIT_USAGE;
			}
			mode = c;
			break;
		case 'h':
			cli_usage(stdout, fmt_usage);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, fmt_usage);
		}
	}
	if (optind >= argc || (!mode && argc - optind != 1)) {
		cli_error("fmt: %s", optind >= argc ? "no FILE given" :
			  "only one FILE without -i or --check");
		cli_usage(stderr, fmt_usage);
		return EXIT_USAGE;
	}
	if (mode == 'i') {
		for (int i = optind; i < argc; i++)
			if (strcmp(argv[i], "-") == 0) {
				cli_error("fmt: -i cannot rewrite standard input");
				return EXIT_USAGE;
			}
	}
	diag = pcl_diag_new();
	if (!diag) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	if (json) {
		doc = cli_doc_new("fmt");
		files = json_array();
		json_object_set_new(doc, "files", files);
	}
	for (int i = optind; i < argc; i++) {
		int r = fmt_one(argv[i], mode, diag, files);

		if (r > status)
			status = r;
	}
	pcl_diag_free(diag);
	if (json)
		cli_doc_print(doc);
	return status;
}
