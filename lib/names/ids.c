// SPDX-License-Identifier: BSD-3-Clause
/*
 * ids.c - our reader of the pci.ids format (the PCI ID Repository's list,
 * which Debian ships as /usr/share/misc/pci.ids): one pass over the text
 * keeps what lspci prints in a function's title - vendor, device, class
 * and subclass names - as one array sorted for binary search, with the
 * names in one string pool. Subsystem and prog-if lines, "S" (generic
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

enum ids_kind { IDS_VENDOR, IDS_DEVICE, IDS_CLASS, IDS_SUBCLASS };

/* The kind in the high half, so that one sort and one search serve all. */
struct ids_ent {
	uint64_t key;
	uint32_t name; /* offset in the pool */
};

struct pcl_ids {
	struct ids_ent *ent;
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
	size_t malformed;
	uint32_t first_malformed;
	bool oom;
};

/* What the last top-level line opened, for the indented lines after it. */
enum ids_block { BLOCK_NONE, BLOCK_VENDOR, BLOCK_CLASS, BLOCK_SKIP };

static uint64_t ids_key(enum ids_kind kind, uint32_t id)
{
	return ((uint64_t)kind << 32) | id;
}

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
	size_t len = (size_t)(end - name);

	if (ids->oom)
		return;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? 2 * ids->cap : 4096;
		struct ids_ent *e = realloc(ids->ent, cap * sizeof(*e));

		if (!e) {
			ids->oom = true;
			return;
		}
		ids->ent = e;
		ids->cap = cap;
	}
	if (!ids->pool || ids->pool_cap - ids->pool_len < len + 1) {
		size_t cap = ids->pool_cap ? 2 * ids->pool_cap : 65536;
		char *p;

		while (cap - ids->pool_len < len + 1)
			cap *= 2;
		p = realloc(ids->pool, cap);
		if (!p) {
			ids->oom = true;
			return;
		}
		ids->pool = p;
		ids->pool_cap = cap;
	}
	ids->ent[ids->n].key = ids_key(kind, id);
	ids->ent[ids->n].name = (uint32_t)ids->pool_len;
	ids->n++;
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

static void parse_line(struct pcl_ids *ids, const char *p, const char *end,
		       uint32_t lineno, enum ids_block *block,
		       uint32_t *parent)
{
	const char *q = p;
	size_t tabs;

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
		malformed(ids, lineno);
		return;
	}
	for (tabs = 0; p + tabs < end && p[tabs] == '\t'; tabs++)
		;
	p += tabs;
	if (tabs == 0) {
		*block = top_line(ids, p, end, parent);
		if (*block == BLOCK_NONE)
			malformed(ids, lineno);
	} else if (tabs == 1) {
		if (!nested_line(ids, *block, *parent, p, end))
			malformed(ids, lineno);
	} else if (tabs > 2) {
		malformed(ids, lineno);
	}
	/* Two tabs: a subsystem or prog-if name; not kept. */
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ids_ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* Pool offsets grow with the line number: the first line sorts first. */
	return x->name < y->name ? -1 : x->name > y->name;
}

/*
 * Sort the entries of each kind, keeping file order among equal keys
 * (stable). pci.ids lists every kind in ascending order, interleaved (a
 * vendor, then its devices), so a stable split by kind is nearly always
 * the whole sort: qsort() of the ~40,000 entries was 8.4M of the 18M
 * instructions of loading the file (callgrind), paid by every `show`.
 * A kind out of order (a hand-edited file) is still sorted.
 */
static int ids_sort(struct pcl_ids *ids)
{
	size_t start[IDS_SUBCLASS + 2] = { 0 };
	struct ids_ent *sorted = malloc(ids->n * sizeof(*sorted));

	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < ids->n; i++)
		start[(ids->ent[i].key >> 32) + 1]++;
	for (size_t k = 1; k <= IDS_SUBCLASS + 1; k++)
		start[k] += start[k - 1];
	for (size_t i = 0; i < ids->n; i++)
		sorted[start[ids->ent[i].key >> 32]++] = ids->ent[i];
	free(ids->ent);
	ids->ent = sorted;
	ids->cap = ids->n;
	for (size_t i = 1; i < ids->n; i++) {
		if (ids->ent[i - 1].key > ids->ent[i].key) {
			qsort(ids->ent, ids->n, sizeof(*ids->ent), ent_cmp);
			break;
		}
	}
	return 0;
}

/* Sort, and keep the first name of a repeated ID. */
static int ids_index(struct pcl_ids *ids)
{
	size_t out = 0;
	int ret;

	if (!ids->n)
		return 0;
	ret = ids_sort(ids);
	if (ret)
		return ret;
	for (size_t i = 0; i < ids->n; i++)
		if (!out || ids->ent[out - 1].key != ids->ent[i].key)
			ids->ent[out++] = ids->ent[i];
	ids->n = out;
	return 0;
}

int pcl_ids_parse(const char *text, size_t len, struct pcl_ids **out)
{
	struct pcl_ids *ids = calloc(1, sizeof(*ids));
	enum ids_block block = BLOCK_NONE;
	const char *p = text, *end = text + len;
	uint32_t parent = 0, lineno = 0;

	*out = NULL;
	if (!ids)
		return -ENOMEM;
	while (p < end && !ids->oom) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		parse_line(ids, p, eol, ++lineno, &block, &parent);
		p = eol + 1;
	}
	if (ids->oom || ids_index(ids)) {
		pcl_ids_free(ids);
		return -ENOMEM;
	}
	*out = ids;
	return 0;
}

/* Read the whole regular file @fd of @size bytes into a new buffer. */
static int read_regular(int fd, size_t size, char **text, size_t *len)
{
	char *buf = malloc(size ? size : 1);
	size_t got = 0;

	if (!buf)
		return -ENOMEM;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (n == 0) /* truncated since fstat(): take what is there */
			break;
		got += (size_t)n;
	}
	*text = buf;
	*len = got;
	return 0;
}

int pcl_ids_load(const char *path, struct pcl_ids **out)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
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
		r = read_regular(fd, (size_t)st.st_size, &text, &len);
	close(fd);
	if (r)
		return r;
	r = pcl_ids_parse(text, len, out);
	free(text);
	return r;
}

void pcl_ids_free(struct pcl_ids *ids)
{
	if (!ids)
		return;
	free(ids->ent);
	free(ids->pool);
	free(ids);
}

size_t pcl_ids_count(const struct pcl_ids *ids)
{
	return ids->n;
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
	uint64_t key = ids_key(kind, id);
	size_t lo = 0, hi = ids->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids->ent[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ids->n && ids->ent[lo].key == key)
		return ids->pool + ids->ent[lo].name;
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
