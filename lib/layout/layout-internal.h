/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * layout-internal.h - what the layout module's files share: the layout
 * object itself, the error list, the position index of a JSON text, and
 * the format-1 name table. Nothing here is exported.
 */
#ifndef PCL_LAYOUT_INTERNAL_H
#define PCL_LAYOUT_INTERNAL_H

#include <jansson.h>

#include "internal.h"

/* Format limits: bound everything an untrusted file can make us allocate. */
#define LAYOUT_NAME_MAX 64
#define LAYOUT_TEXT_MAX 256      /* reason, source */
#define LAYOUT_DESC_MAX 4096     /* description, provenance reason */
#define LAYOUT_MACHINES_MAX 64
#define LAYOUT_RESERVED_MAX 256
#define LAYOUT_STD_ENTRIES_MAX 64
#define LAYOUT_EXT_ENTRIES_MAX 1024
#define LAYOUT_IDLIST_MAX 256

/* A position in the text: 1-based line and column (0 = unknown). */
struct lpos {
	uint32_t line;
	uint32_t column;
};

struct pcl_layout_idlist {
	uint16_t *ids;
	size_t count;
};

struct pcl_layout {
	struct pcl_ctx *ctx;
	int kind;
	char *source;
	char *name;
	uint32_t revision;
	char *description;
	char *profile;
	struct pcl_layout_match match;
	char **machines;
	size_t n_machines;
	int unclaimed;
	int links; /* enum pcl_links */
	struct pcl_layout_reserved *reserved;
	size_t n_reserved;
	struct pcl_layout_entry *entries[2];
	size_t n_entries[2];
	struct pcl_layout_placement *placements;
	size_t n_placements;
	struct pcl_layout_idlist hide[2];
	struct pcl_layout_idlist keep[2];
	/* Where the top-level object starts, for errors about it (0 = built). */
	struct lpos root_pos;
};

/* PCL_LINKS_ASCENDING again once both chains are in offset order. */
void pcl_layout_normalize_links(struct pcl_layout *layout);

/* A diagnostic at a position of the text. */
static inline PCL_PRINTF(4, 5) void
pcl_diag_add_pos(struct pcl_diag *diag, const char *source, struct lpos pos,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pcl_diag_vadd(diag, source, pos.line, pos.column, -1, fmt, ap);
	va_end(ap);
}

/* names.c: the frozen format-1 name table. */
struct capname {
	uint8_t space;
	uint8_t fixed;   /* 1: the length is always @length */
	uint16_t id;
	uint16_t length; /* default length, 0 = must be given */
	const char *name;
};
const struct capname *pcl_capname_by_id(int space, uint16_t id);
const struct capname *pcl_capname_by_name(int space, const char *name);
size_t pcl_capname_count(void);
const struct capname *pcl_capname_get(size_t index);

/*
 * jpos.c: positions of keys and values, by path ("extended[3].at"), and
 * the integers jansson cannot hold. Built before jansson parses the text:
 * it never fails on bad syntax (jansson reports that), only on -ENOMEM.
 */
struct jpos_index;
int pcl_jpos_build(const char *buf, size_t len, struct jpos_index **index);
void pcl_jpos_free(struct jpos_index *index);
/* Position of byte @off of @buf. */
struct lpos pcl_jpos_at(const char *buf, size_t off);
/* Position of the value at @path, or of its key when @key is true. */
struct lpos pcl_jpos_get(const struct jpos_index *index, const char *path,
			 bool key);

/* A JSON integer exactly as the text wrote it (jansson holds int64_t only). */
struct jint {
	bool neg;      /* below zero */
	bool wide;     /* more than 64 bits: outside every field */
	uint64_t mag;  /* |value|, unless @wide */
	char text[44]; /* the value in decimal, cut short with "..." */
};
/* If the value at @path is an integer outside int64_t, read it into @value
 * and return true. */
bool pcl_jpos_bigint(const struct jpos_index *index, const char *path,
		     struct jint *value);
/*
 * The text for jansson: *@out = NULL when @buf can be parsed as it is, else
 * a copy of @len bytes with each integer outside int64_t replaced by "0"
 * and spaces. Return: 0 or -ENOMEM.
 */
int pcl_jpos_patch(const struct jpos_index *index, const char *buf,
		   size_t len, char **out);

/* layout.c */
int pcl_layout_validate_entry(const struct pcl_layout *layout,
			      const struct pcl_layout_entry *e, char *why,
			      size_t size);
/*
 * Insert a copy of @e: a presented entry before the first presented entry
 * above it (so ascending chains stay ascending), or after every presented
 * one when @listed (the loader, reading a chain in its link order); a
 * hidden entry in selector order after them.
 */
int pcl_layout_insert_entry(struct pcl_layout *layout, bool listed,
			    const struct pcl_layout_entry *e, struct lpos pos);
/*
 * pcl_layout_add_entry(), keeping @reason (heap, NUL-terminated) as the
 * entry's reason instead of a copy of @e->prov_reason: the planner hands
 * over the text it built. @reason is the layout's on success, freed on
 * failure; NULL: as pcl_layout_add_entry().
 */
int pcl_layout_add_entry_taking(struct pcl_layout *layout,
				const struct pcl_layout_entry *e, char *reason);
/* pcl_layout_fingerprint() of a layout pcl_layout_validate() has just
 * accepted (the guest builder validates first): not validated again. */
int pcl_layout_fingerprint_validated(const struct pcl_layout *layout,
				     char out[PCL_FINGERPRINT_SIZE]);
int pcl_layout_add_reserved_at(struct pcl_layout *layout, uint32_t offset,
			       uint32_t length, const char *reason,
			       const char *source, struct lpos pos);
/* @partial: bit (1 << space) when the loader refused an entry of that
 * chain that may be presented: the chain-head rule is then not judged. */
int pcl_layout_validate_loaded(const struct pcl_layout *layout,
			       struct pcl_diag *diag, unsigned int partial);
/*
 * Read @path ("-": standard input, named "<stdin>" in @diag) into a new
 * buffer (NULL when empty) of at most PCL_LAYOUT_MAX_SIZE + 1 bytes: one
 * past the limit is enough for pcl_layout_load_string() to refuse it.
 * pcl_layout_load_file() is this and that; the quirk database reads first
 * because a file identical to a built-in quirk needs no parse.
 */
int pcl_layout_read_file(const char *path, char **buf, size_t *len,
			 struct pcl_diag *diag);
/*
 * The fields of a layout's "match" object, the one list the loader and the
 * canonical writer use: key, PCL_MATCH_* bit (0 for "vendor", which every
 * match has) and hex digits (the loader's bound, the writer's width). In
 * strcmp order of the keys, the order the canonical writer writes them;
 * ended by a NULL key.
 */
struct pcl_match_field {
	const char *key;
	uint32_t bit;
	unsigned int digits;
};
extern const struct pcl_match_field pcl_match_fields[];
/* The value of field @bit of @m (0: the vendor), and setting it (and its
 * bit). */
uint32_t pcl_layout_match_get(const struct pcl_layout_match *m, uint32_t bit);
void pcl_layout_match_set(struct pcl_layout_match *m, uint32_t bit,
			  uint32_t value);

/* Whether @m matches these IDs: the one home of the match rules. */
bool pcl_layout_match_ids(const struct pcl_layout_match *m, uint16_t vendor,
			  uint16_t device, uint16_t subsystem_vendor,
			  uint16_t subsystem, uint8_t revision,
			  uint32_t class_code);
bool pcl_layout_name_ok(const char *s);
bool pcl_layout_text_ok(const char *s, size_t max);
bool pcl_layout_pattern_ok(const char *s);

#endif /* PCL_LAYOUT_INTERNAL_H */
