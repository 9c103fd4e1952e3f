// SPDX-License-Identifier: BSD-3-Clause
/*
 * ids.c - our reader of the pci.ids format (the PCI ID Repository's list,
 * which Debian ships as /usr/share/misc/pci.ids): one pass over the text
 * keeps what lspci prints in a function's title - vendor, device, class
 * and subclass names - as an array per kind sorted for binary search, with
 * the names in one string pool. Subsystem and prog-if lines, "S" (generic
 * subsystem) blocks and any other top-level "X " block the format may add
 * are skipped.
 *
 * The lines it reads:
 *   vvvv  vendor name          "\tdddd  device name"   (of the last vendor)
 *   C cc  class name           "\tss  subclass name"   (of the last class)
 * and '#' comments, blank lines, "\t\t..." subsystem / prog-if lines.
 *
 * The file is input like any other (its path can come from the
 * environment): a line that does not parse is skipped and counted, a
 * repeated ID keeps its first name, and the text may hold anything without
 * the reader leaving its bounds. On the files the repository publishes this
 * gives the names libpci gives, which tests/cli/names-oracle.sh checks
 * entry by entry.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "names-internal.h"

/* Larger than any pci.ids ever published (1.3 MiB in 2023), by far. */
#define IDS_MAX_SIZE (64u << 20)

/*
 * The file is read in pieces of this size into one reused buffer, not
 * whole: a 1.3 MiB copy was 333 page faults, and with the index's growth
 * ~700 page faults (~7 ms on a VM) of a one-device `show`'s 12 ms
 * (BENCHMARKS.md).
 */
#define IDS_PIECE (64u << 10)

enum ids_kind { IDS_VENDOR, IDS_DEVICE, IDS_CLASS, IDS_SUBCLASS, IDS_KINDS };

/*
 * An entry is one word: the ID above the name's offset in the pool, so
 * that sorting the words sorts by ID and, among equal IDs, by line (pool
 * offsets grow with the line number). The pool holds at most
 * IDS_MAX_SIZE + 1 bytes.
 */
#define IDS_OFF_BITS 27
#define IDS_OFF_MASK ((UINT64_C(1) << IDS_OFF_BITS) - 1)
_Static_assert(IDS_MAX_SIZE + 1 <= IDS_OFF_MASK, "pool offsets fit");

/* Each kind has its array: the file lists each kind in order. */
struct ids_kind_index {
	uint64_t *ent;
	size_t n, cap;
};

struct pcl_ids {
	struct ids_kind_index kind[IDS_KINDS];
	char *pool;
	size_t pool_len, pool_cap;
	size_t malformed;
	uint32_t first_malformed;
	bool oom;
};

/* Where the reader is between lines. */
enum ids_block { BLOCK_NONE, BLOCK_VENDOR, BLOCK_CLASS, BLOCK_SKIP };

struct ids_reader {
	struct pcl_ids *ids;
	enum ids_block block; /* what the last top-level line opened */
	uint32_t parent;      /* its ID */
	uint32_t lineno;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * "@digits hex digits, blanks, a name" at @p in [@p, @end): the ID in @id
 * and the name's start, or NULL when the line does not have that shape.
 */
static const char *id_and_name(const char *p, const char *end, int digits,
			       uint32_t *id)
{
	int64_t v;

	if (end - p <= digits)
		return NULL;
	v = pcl_hex_field(p, (size_t)digits);
	if (v < 0)
		return NULL;
	p += digits;
	if (!is_blank(*p))
		return NULL;
	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return NULL;
	*id = (uint32_t)v;
	return p;
}

static void add(struct pcl_ids *ids, enum ids_kind kind, uint32_t id,
		const char *name, const char *end)
{
	struct ids_kind_index *k = &ids->kind[kind];
	size_t len = (size_t)(end - name);

	if (ids->oom)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		uint64_t *e = realloc(k->ent, cap * sizeof(*e));

		if (!e) {
			ids->oom = true;
			return;
		}
		k->ent = e;
		k->cap = cap;
	}
	/*
	 * Cannot happen: the pool has a byte for each of the text's and one
	 * more (ids_new()). Checked all the same, as the bound of the copy.
	 */
	if (ids->pool_cap - ids->pool_len < len + 1) {
		ids->oom = true;
		return;
	}
	k->ent[k->n++] = (uint64_t)id << IDS_OFF_BITS | ids->pool_len;
	memcpy(ids->pool + ids->pool_len, name, len);
	ids->pool_len += len;
	ids->pool[ids->pool_len++] = '\0';
}

static void malformed(struct pcl_ids *ids, uint32_t lineno)
{
	if (!ids->malformed++)
		ids->first_malformed = lineno;
}

/* A line without its tabs: a vendor or class header, or another block. */
static enum ids_block top_line(struct pcl_ids *ids, const char *p,
			       const char *end, uint32_t *parent)
{
	const char *name;
	uint32_t id;

	if (end - p >= 2 && p[0] == 'C' && p[1] == ' ') {
		name = id_and_name(p + 2, end, 2, &id);
		if (!name)
			return BLOCK_NONE;
		add(ids, IDS_CLASS, id, name, end);
		*parent = id;
		return BLOCK_CLASS;
	}
	/* "S vvvv" generic subsystems, and blocks of kinds not known yet. */
	if (end - p >= 2 && p[0] >= 'A' && p[0] <= 'Z' && p[1] == ' ')
		return BLOCK_SKIP;
	name = id_and_name(p, end, 4, &id);
	if (!name)
		return BLOCK_NONE;
	add(ids, IDS_VENDOR, id, name, end);
	*parent = id;
	return BLOCK_VENDOR;
}

/* A line with one tab: a device of a vendor, or a subclass of a class. */
static bool nested_line(struct pcl_ids *ids, enum ids_block block,
			uint32_t parent, const char *p, const char *end)
{
	const char *name;
	uint32_t id;

	switch (block) {
	case BLOCK_VENDOR:
		name = id_and_name(p, end, 4, &id);
		if (name)
			add(ids, IDS_DEVICE, (parent << 16) | id, name, end);
		return name != NULL;
	case BLOCK_CLASS:
		name = id_and_name(p, end, 2, &id);
		if (name)
			add(ids, IDS_SUBCLASS, (parent << 8) | id, name, end);
		return name != NULL;
	case BLOCK_SKIP:
		return true;
	default:
		return false;
	}
}

static void parse_line(struct ids_reader *r, const char *p, const char *end)
{
	struct pcl_ids *ids = r->ids;
	const char *q = p;
	size_t tabs;

	r->lineno++;
	/* A carriage return ends the line, as it does for libpci. */
	q = memchr(p, '\r', (size_t)(end - p));
	if (q)
		end = q;
	while (end > p && is_blank(end[-1]))
		end--;
	for (q = p; q < end && is_blank(*q); q++)
		;
	if (q == end || *q == '#')
		return;
	/* A name with a NUL inside could not be returned whole. */
	if (memchr(p, '\0', (size_t)(end - p))) {
		malformed(ids, r->lineno);
		return;
	}
	for (tabs = 0; p + tabs < end && p[tabs] == '\t'; tabs++)
		;
	p += tabs;
	if (tabs == 0) {
		r->block = top_line(ids, p, end, &r->parent);
		if (r->block == BLOCK_NONE)
			malformed(ids, r->lineno);
	} else if (tabs == 1) {
		if (!nested_line(ids, r->block, r->parent, p, end))
			malformed(ids, r->lineno);
	} else if (tabs > 2) {
		malformed(ids, r->lineno);
	}
	/* Two tabs: a subsystem or prog-if name; not kept. */
}

/*
 * Parse the whole lines of [@p, @end); with @last, what follows the last
 * line feed is a line too. Returns where the unparsed rest begins.
 */
static const char *parse_lines(struct ids_reader *r, const char *p,
			       const char *end, bool last)
{
	while (p < end && !r->ids->oom) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol) {
			if (!last)
				break;
			eol = end;
		}
		parse_line(r, p, eol);
		p = eol + 1;
	}
	return p < end ? p : end;
}

static int word_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sort a kind's entries and keep the first name of a repeated ID. pci.ids
 * lists every kind in ascending order, so this is nearly always a check:
 * qsort() of the ~20,000 entries was 8.4M of the 18M instructions of
 * loading the file (callgrind), paid by every `show`. A kind out of order
 * (a hand-edited file) is still sorted.
 */
static void kind_index(struct ids_kind_index *k)
{
	size_t out = 0;

	for (size_t i = 1; i < k->n; i++) {
		if (k->ent[i - 1] > k->ent[i]) {
			qsort(k->ent, k->n, sizeof(*k->ent), word_cmp);
			break;
		}
	}
	for (size_t i = 0; i < k->n; i++)
		if (!out || k->ent[out - 1] >> IDS_OFF_BITS !=
				    k->ent[i] >> IDS_OFF_BITS)
			k->ent[out++] = k->ent[i];
	k->n = out;
}

/* An empty index whose pool has room for the names of @len bytes of text. */
static struct pcl_ids *ids_new(size_t len)
{
	struct pcl_ids *ids = calloc(1, sizeof(*ids));

	if (!ids)
		return NULL;
	/*
	 * A name and its NUL take no more than its line: the pool never
	 * grows, and malloc() maps the pages only as the names reach them.
	 */
	ids->pool_cap = len + 1;
	ids->pool = malloc(ids->pool_cap);
	if (!ids->pool) {
		free(ids);
		return NULL;
	}
	return ids;
}

/* Index what was read, or free @ids when memory ran out. */
static int ids_finish(struct pcl_ids *ids, struct pcl_ids **out)
{
	if (ids->oom) {
		pcl_ids_free(ids);
		return -ENOMEM;
	}
	for (int k = 0; k < IDS_KINDS; k++)
		kind_index(&ids->kind[k]);
	*out = ids;
	return 0;
}

int pcl_ids_parse(const char *text, size_t len, struct pcl_ids **out)
{
	struct ids_reader r = { 0 };

	*out = NULL;
	if (len > IDS_MAX_SIZE)
		return -EFBIG;
	r.ids = ids_new(len);
	if (!r.ids)
		return -ENOMEM;
	parse_lines(&r, text, text + len, true);
	return ids_finish(r.ids, out);
}

/*
 * Index @size bytes read by @fill(@src, buf, n) (a count, 0 at the end,
 * or -errno) in pieces of @piece bytes, into one buffer that grows only
 * for a line longer than it. What it gives is what pcl_ids_parse() of the
 * whole text gives (fuzz_ids checks).
 */
static int ids_read(ssize_t (*fill)(void *src, char *buf, size_t n),
		    void *src, size_t size, size_t piece, struct pcl_ids **out)
{
	struct ids_reader r = { 0 };
	size_t cap = piece, have = 0, left = size;
	char *buf = malloc(cap);
	int ret = 0;

	*out = NULL;
	r.ids = buf ? ids_new(size) : NULL;
	if (!r.ids) {
		free(buf);
		return -ENOMEM;
	}
	for (;;) {
		const char *rest;
		ssize_t n = 0;

		if (have == cap) {
			char *nb = realloc(buf, 2 * cap);

			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		/* Never more than fstat() said: the pool is sized by it. */
		if (left)
			n = fill(src, buf + have, cap - have < left ?
							  cap - have : left);
		if (n < 0) {
			ret = (int)n;
			break;
		}
		left -= (size_t)n;
		have += (size_t)n;
		rest = parse_lines(&r, buf, buf + have, n == 0);
		if (n == 0 || r.ids->oom)
			break;
		have -= (size_t)(rest - buf);
		memmove(buf, rest, have);
	}
	free(buf);
	if (ret) {
		pcl_ids_free(r.ids);
		return ret;
	}
	return ids_finish(r.ids, out);
}

/* One read(2) of the file, EINTR retried. */
static ssize_t fill_fd(void *src, char *buf, size_t n)
{
	ssize_t got;

	do
		got = read(*(int *)src, buf, n);
	while (got < 0 && errno == EINTR);
	return got < 0 ? -errno : got;
}

int pcl_ids_load(const char *path, struct pcl_ids **out)
{
	struct stat st;
	int fd, r;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	else if ((uint64_t)st.st_size > IDS_MAX_SIZE)
		r = -EFBIG;
	else
		r = ids_read(fill_fd, &fd, (size_t)st.st_size, IDS_PIECE, out);
	close(fd);
	return r;
}

/* The text a piece at a time (fill_text() of pcl_ids_parse_pieces()). */
struct text_src {
	const char *p;
	size_t left;
	size_t piece;
};

static ssize_t fill_text(void *src, char *buf, size_t n)
{
	struct text_src *t = src;

	if (n > t->piece)
		n = t->piece;
	if (n > t->left)
		n = t->left;
	memcpy(buf, t->p, n);
	t->p += n;
	t->left -= n;
	return (ssize_t)n;
}

int pcl_ids_parse_pieces(const char *text, size_t len, size_t piece,
			 struct pcl_ids **out)
{
	struct text_src t = { .p = text, .left = len, .piece = piece };

	*out = NULL;
	if (len > IDS_MAX_SIZE)
		return -EFBIG;
	if (!piece)
		return -EINVAL;
	return ids_read(fill_text, &t, len, piece, out);
}

void pcl_ids_free(struct pcl_ids *ids)
{
	if (!ids)
		return;
	for (int k = 0; k < IDS_KINDS; k++)
		free(ids->kind[k].ent);
	free(ids->pool);
	free(ids);
}

size_t pcl_ids_count(const struct pcl_ids *ids)
{
	size_t n = 0;

	for (int k = 0; k < IDS_KINDS; k++)
		n += ids->kind[k].n;
	return n;
}

size_t pcl_ids_malformed(const struct pcl_ids *ids, uint32_t *first_line)
{
	if (first_line)
		*first_line = ids->first_malformed;
	return ids->malformed;
}

static const char *lookup(const struct pcl_ids *ids, enum ids_kind kind,
			  uint32_t id)
{
	const struct ids_kind_index *k = &ids->kind[kind];
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->ent[mid] >> IDS_OFF_BITS < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < k->n && k->ent[lo] >> IDS_OFF_BITS == id)
		return ids->pool + (k->ent[lo] & IDS_OFF_MASK);
	return NULL;
}

const char *pcl_ids_vendor(const struct pcl_ids *ids, uint16_t vendor)
{
	return lookup(ids, IDS_VENDOR, vendor);
}

const char *pcl_ids_device(const struct pcl_ids *ids, uint16_t vendor,
			   uint16_t device)
{
	return lookup(ids, IDS_DEVICE, ((uint32_t)vendor << 16) | device);
}

const char *pcl_ids_class(const struct pcl_ids *ids, uint8_t base)
{
	return lookup(ids, IDS_CLASS, base);
}

const char *pcl_ids_subclass(const struct pcl_ids *ids, uint8_t base,
			     uint8_t sub)
{
	return lookup(ids, IDS_SUBCLASS, ((uint32_t)base << 8) | sub);
}
