// SPDX-License-Identifier: BSD-3-Clause
/*
 * output.c - standard output, JSON documents and messages.
 *
 * Why stdout is replaced: stdio reports a failed write only as a flag
 * (ferror()), and discards its buffer, so by the time a command ends the
 * cause (ENOSPC on a full disk, EIO, EPIPE) is gone and the last fflush()
 * may even succeed. A management stack that gets a truncated document with
 * exit status 0 has no way to know. stdout is therefore a fopencookie()
 * stream (glibc documents stdout as an assignable variable) whose write
 * and close functions remember the first errno; every command's output,
 * whether from printf(), jansson or the library writing to a FILE *,
 * passes through it, and cli_finish() turns a failure into exit status 2
 * with its real cause.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json-writer.h"

static int out_errno;        /* first failure of a write or the close */
static bool json_mode;       /* --json */
static bool doc_printed;     /* a document went (or is going) to stdout */
static json_t *kept;         /* messages kept for JSON, or NULL */

static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(STDOUT_FILENO, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!out_errno)
				out_errno = w < 0 ? errno : EIO;
			/* fopencookie(3): 0 is the write function's error. */
			return 0;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int out_close(void *cookie)
{
	/* close(2) is where NFS and some FUSE file systems report ENOSPC. */
	if (close(STDOUT_FILENO) < 0 && errno != EINTR && !out_errno)
		out_errno = errno;
	return out_errno ? -1 : 0;
}

/*
 * A standard descriptor that is not open would be taken by the next
 * open(): output meant for stdout would land in a dump being read. Hold it
 * with /dev/null opened read-only, so that writes fail with EBADF.
 */
static void hold_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (nfd >= 0 && nfd != fd) {
			/* Lower descriptors are open, so nfd == fd. */
			close(nfd);
		}
	}
}

void cli_stdout_init(void)
{
	static const cookie_io_functions_t io = {
		.write = out_write,
		.close = out_close,
	};
	FILE *f;

	hold_std_fds();
	f = fopencookie(NULL, "w", io);
	if (!f)
		return; /* keep the plain stream: flags, without the cause */
	/* A terminal sees each line as it comes; anything else gets blocks. */
	setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, 1u << 16);
	stdout = f;
}

int cli_stdout_close(void)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0)
		bad = 1;
	stdout = NULL;
	if (!bad)
		return 0;
	return out_errno ? out_errno : EIO;
}

void cli_set_json(bool on)
{
	json_mode = on;
}

bool cli_json(void)
{
	return json_mode;
}

static void keep(const char *severity, const struct pcl_error *err,
		 const char *text)
{
	json_t *m = json_object(), *s;

	if (!kept)
		kept = json_array();
	if (!m || !kept) {
		json_decref(m);
		fprintf(stderr, "%s: %s\n", cli_prog, text);
		return;
	}
	json_object_set_new(m, "severity", json_string(severity));
	/* Messages may quote input bytes; a string jansson refuses is
	 * replaced, never dropped. */
	s = json_string(text);
	json_object_set_new(m, "message",
			    s ? s : json_string("(a message that is not UTF-8)"));
	if (err && err->source[0])
		json_object_set_new(m, "source", json_string(err->source));
	if (err && err->line)
		json_object_set_new(m, "line", json_integer(err->line));
	if (err && err->column)
		json_object_set_new(m, "column", json_integer(err->column));
	if (err && err->offset >= 0)
		json_object_set_new(m, "offset",
				    cli_json_hex((unsigned long)err->offset));
	json_array_append_new(kept, m);
}

void cli_message(const char *severity, const struct pcl_error *err,
		 const char *text)
{
	if (json_mode) {
		keep(severity, err, text);
		return;
	}
	fprintf(stderr, "%s: %s%s\n", cli_prog,
		strcmp(severity, "warning") == 0 ? "warning: " : "", text);
}

json_t *cli_doc_new(const char *name)
{
	json_t *doc = json_object();
	char format[64];

	if (!doc)
		return NULL;
	snprintf(format, sizeof(format), "pcilayout-%s", name);
	json_object_set_new(doc, "format", json_string(format));
	json_object_set_new(doc, "version", json_integer(CLI_DOC_VERSION));
	return doc;
}

json_t *cli_doc_take_messages(void)
{
	json_t *m = kept ? kept : json_array();

	kept = NULL;
	doc_printed = true;
	return m;
}

void cli_doc_stream_begin(struct jw *w)
{
	jw_begin_object(w);
	jw_key(w, "devices");
	jw_begin_array(w);
}

void cli_doc_stream_end(struct jw *w, const char *name)
{
	char format[64];
	json_t *messages;

	snprintf(format, sizeof(format), "pcilayout-%s", name);
	jw_end_array(w);
	jw_key(w, "format");
	jw_string(w, format);
	jw_key(w, "messages");
	messages = cli_doc_take_messages();
	jw_json(w, messages);
	json_decref(messages);
	jw_key(w, "version");
	jw_int(w, CLI_DOC_VERSION);
	jw_end_object(w);
	jw_raw(w, "\n", 1);
}

int cli_doc_print(json_t *doc)
{
	if (!doc) {
		cli_message("error", NULL, "out of memory");
		return -1;
	}
	json_object_set_new(doc, "messages", cli_doc_take_messages());
	json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
	json_decref(doc);
	return 0;
}

static int write_doc(FILE *f, void *doc)
{
	if (json_dumpf(doc, f, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
	    fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}

int cli_doc_save(json_t *doc, const char *path)
{
	int r;

	if (!doc) {
		cli_message("error", NULL, "out of memory");
		return -1;
	}
	json_object_set_new(doc, "messages", cli_doc_take_messages());
	r = pcl_file_replace(path, write_doc, doc);
	json_decref(doc);
	if (r < 0) {
		cli_error("%s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

/* Messages kept after the document went out: stderr is all that is left. */
static void flush_kept(void)
{
	for (size_t i = 0; kept && i < json_array_size(kept); i++) {
		json_t *m = json_array_get(kept, i);
		const char *sev = json_string_value(json_object_get(m, "severity"));

		fprintf(stderr, "%s: %s%s\n", cli_prog,
			sev && strcmp(sev, "warning") == 0 ? "warning: " : "",
			json_string_value(json_object_get(m, "message")));
	}
	json_decref(kept);
	kept = NULL;
}

int cli_finish(const char *command, int status)
{
	int e;

	if (json_mode && !doc_printed && (status != 0 || kept)) {
		json_t *doc = cli_doc_new("error");

		if (doc) {
			json_object_set_new(doc, "command", json_string(command));
			json_object_set_new(doc, "exit", json_integer(status));
		}
		cli_doc_print(doc);
	}
	flush_kept();
	e = cli_stdout_close();
	if (!e)
		return status;
	if (e != EPIPE)
		fprintf(stderr, "%s: cannot write standard output: %s\n",
			cli_prog, strerror(e));
	return EXIT_USAGE;
}

json_t *cli_json_hex(unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%lx", v);
	return json_string(buf);
}

json_t *cli_json_id(uint16_t v)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "0x%04x", v);
	return json_string(buf);
}

json_t *cli_json_class(uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%06x", v & 0xffffffu);
	return json_string(buf);
}

json_t *cli_json_rev(uint8_t v)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "0x%02x", v);
	return json_string(buf);
}
