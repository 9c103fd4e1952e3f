/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * output.h - where the tool's output and messages go: standard output
 * through a stream that remembers why a write failed, the versioned JSON
 * documents of --json, and messages that become JSON on standard output
 * under --json instead of text on standard error. docs/schemas/ holds one
 * JSON Schema per document format.
 */
#ifndef PCILAYOUT_OUTPUT_H
#define PCILAYOUT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <pcilayout/pcilayout.h>

/*
 * The version of every document format; a format changes its version when
 * a consumer written for the old one could misread the new one (a key
 * removed or its meaning changed; added keys do not count).
 */
#define CLI_DOC_VERSION 1

/*
 * Replace stdout with a stream that keeps the errno of the first failed
 * write or close. Called once, before anything is written.
 */
void cli_stdout_init(void);

/*
 * Flush and close stdout. Return: 0, or the errno of the first failure
 * (ENOSPC, EPIPE, EIO, ...), so the caller can name the real cause.
 */
int cli_stdout_close(void);

/* --json: from now on, messages are kept for the JSON on stdout. */
void cli_set_json(bool on);
bool cli_json(void);

/*
 * A message: "error" or "warning". In JSON mode it is kept (and printed
 * in the next document, or in the error document at exit); otherwise it
 * goes to stderr as "pcilayout: [warning: ]TEXT". @err, when not NULL,
 * adds its location (source, line, column, offset) to the JSON form.
 */
void cli_message(const char *severity, const struct pcl_error *err,
		 const char *text);

/* {"format": "pcilayout-NAME", "version": CLI_DOC_VERSION}: a new document. */
json_t *cli_doc_new(const char *name);

/*
 * Add the kept messages to @doc as "messages", print it (two-space indent,
 * sorted keys, final newline) and free it. Return: 0, or -1 when @doc is
 * NULL (out of memory; reported).
 */
int cli_doc_print(json_t *doc);

/*
 * The same document written to @path instead (atomically, through
 * pcl_file_replace(): the old file or the whole new one, never a part).
 * Return: 0, or -1 with the error reported (@path untouched).
 */
int cli_doc_save(json_t *doc, const char *path);

/*
 * Take the kept messages as a JSON array (new reference), for a document
 * written without jansson (show --json), and record that the document is
 * on its way, as cli_doc_print() does.
 */
json_t *cli_doc_take_messages(void);

struct jw;

/*
 * A streamed document of a list of devices (show --json, map --json):
 * the head `{"devices": [`, and the tail that closes the list and adds,
 * in key order, what cli_doc_new() and cli_doc_print() add to a jansson
 * document ("format", "messages", "version") and its final newline.
 */
void cli_doc_stream_begin(struct jw *w);
void cli_doc_stream_end(struct jw *w, const char *name);

/*
 * End of a command: under --json with nothing printed, the error document
 * {"format": "pcilayout-error", "command", "exit", "messages"} goes to
 * stdout; messages kept after a document was printed go to stderr. Then
 * stdout is closed: a failure is reported on stderr with its cause and
 * turns @status into 2, except a closed pipe (EPIPE), which ends quietly
 * with status 2. Return: the exit status.
 */
int cli_finish(const char *command, int status);

/* Hex strings, lower case: an offset or other number without padding. */
json_t *cli_json_hex(unsigned long v);
/* IDs as sysfs writes them: 0x%04x (vendor, device, subsystem IDs). */
json_t *cli_json_id(uint16_t v);
/* A class code as sysfs writes it: 0x%06x. */
json_t *cli_json_class(uint32_t v);
/* A revision ID: 0x%02x. */
json_t *cli_json_rev(uint8_t v);

#endif /* PCILAYOUT_OUTPUT_H */
