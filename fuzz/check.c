// SPDX-License-Identifier: BSD-3-Clause
/*
 * check.c - invariants of the library's outputs, shared by the fuzz targets.
 * They are what later stages rely on without re-checking (the map indexes
 * by cap offset + length, the planner trusts instance numbers), so a
 * violation is a bug even when nothing crashes yet.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "walk/memo.h"

/*
 * Log messages are built from untrusted bytes, so the formatting is part of
 * the attack surface: format everything and touch it, print nothing.
 */
static void swallow_log(void *opaque, int priority, const char *file,
			int line, const char *fn, const char *msg)
{
	size_t *total = opaque;

	*total += strlen(msg) + strlen(file) + strlen(fn) +
		  (size_t)priority + (size_t)line;
}

struct pcl_ctx *fuzz_ctx(void)
{
	static struct pcl_ctx *ctx;
	static size_t total;

	if (!ctx) {
		ctx = pcl_ctx_new();
		FUZZ_CHECK(ctx != NULL);
		pcl_ctx_set_log_fn(ctx, swallow_log, &total);
		pcl_ctx_set_log_priority(ctx, 7); /* LOG_DEBUG */
	}
	return ctx;
}

void fuzz_check_error(int ret, const struct pcl_error *err)
{
	char buf[600];

	FUZZ_CHECK(ret < 0);
	FUZZ_CHECK(ret == -EINVAL || ret == -EFBIG || ret == -ENOMEM ||
		   ret == -EIO || ret == -ERANGE || ret == -ENOENT ||
		   ret == -ENODATA || ret == -ENOTSUP || ret == -EEXIST ||
		   ret == -ENOSPC);
	FUZZ_CHECK(memchr(err->source, '\0', sizeof(err->source)) != NULL);
	FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
	FUZZ_CHECK(err->message[0] != '\0');
	FUZZ_CHECK(err->offset >= -1 && err->offset < PCL_CFG_SIZE);
	pcl_error_format(err, buf, sizeof(buf));
	FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
	pcl_error_format(err, buf, 1);
	FUZZ_CHECK(buf[0] == '\0');
}

const bool *fuzz_check_cfg(const struct pcl_cfg *cfg)
{
	static bool read[PCL_CFG_SIZE];
	const uint8_t *d = pcl_cfg_data(cfg);
	uint32_t size = pcl_cfg_size(cfg);
	struct pcl_identity id;

	FUZZ_CHECK(d != NULL);
	FUZZ_CHECK(size <= PCL_CFG_SIZE);
	FUZZ_CHECK(pcl_cfg_source(cfg) != NULL);
	for (uint32_t off = 0; off < PCL_CFG_SIZE; off++) {
		bool r = pcl_cfg_is_read(cfg, off, 1);

		/* Unread bytes read as 0, and nothing past the size was read. */
		FUZZ_CHECK(r || d[off] == 0);
		FUZZ_CHECK(!r || off < size);
		read[off] = r;
	}
	FUZZ_CHECK(!pcl_cfg_is_read(cfg, PCL_CFG_SIZE - 1, 2));
	FUZZ_CHECK(!pcl_cfg_is_read(cfg, 0xffffffffu, 1));
	FUZZ_CHECK(!pcl_cfg_is_read(cfg, 1, 0xffffffffu));
	pcl_cfg_identity(cfg, &id);
	FUZZ_CHECK(id.header_type <= 0x7f);
	FUZZ_CHECK(id.multifunction <= 1 && id.is_vf <= 1);
	FUZZ_CHECK(id.pcie_type >= -1 && id.pcie_type <= 15);
	FUZZ_CHECK(id.class_code <= 0xffffff);
	return read;
}

static bool code_ok(const char *code)
{
	if (!code || !*code)
		return false;
	for (; *code; code++) {
		if (!((*code >= 'a' && *code <= 'z') ||
		      (*code >= '0' && *code <= '9') || *code == '-'))
			return false;
	}
	return true;
}

static void check_cap(const struct pcl_cfg *cfg, const struct pcl_cap *c)
{
	uint32_t end = (uint32_t)c->offset + c->length;

	FUZZ_CHECK(c->space == PCL_SPACE_STANDARD ||
		   c->space == PCL_SPACE_EXTENDED);
	FUZZ_CHECK(c->name != NULL && c->name[0] != '\0');
	/* Pointers are masked with ~3 in both chains. */
	FUZZ_CHECK((c->offset & 3) == 0);
	if (c->space == PCL_SPACE_STANDARD) {
		FUZZ_CHECK(c->offset >= 0x40 && c->offset <= 0xfc);
		FUZZ_CHECK(c->length >= 2);
	} else {
		FUZZ_CHECK(c->offset >= 0x100 && c->offset <= 0xffc);
		FUZZ_CHECK(c->length >= 4);
	}
	/*
	 * A capability lies inside its space (0x100 or 0x1000) and was read in
	 * full, unless the walk flags it truncated: then @length stays the
	 * catalogue's and every consumer must clip it, so it must at least be
	 * a length the rules can produce (a 12-bit VSEC length at most).
	 */
	if (!(c->flags & (PCL_CAP_TRUNCATED | PCL_CAP_LENGTH_UNKNOWN))) {
		FUZZ_CHECK(end <= (c->space == PCL_SPACE_STANDARD ?
				   0x100u : (uint32_t)PCL_CFG_SIZE));
		FUZZ_CHECK(pcl_cfg_is_read(cfg, c->offset, c->length));
	}
	FUZZ_CHECK(end < 2u * PCL_CFG_SIZE);
	/* Its header was really read: the walk never invents bytes. */
	FUZZ_CHECK(pcl_cfg_is_read(cfg, c->offset,
				   c->space == PCL_SPACE_STANDARD ? 2 : 4));
	if (c->flags & PCL_CAP_LENGTH_UNKNOWN)
		FUZZ_CHECK(c->length ==
			   (c->space == PCL_SPACE_STANDARD ? 2 : 4));
	if (pcl_catalog_lookup(c->space, c->id) == NULL)
		FUZZ_CHECK(c->flags & PCL_CAP_UNKNOWN_ID);
}

static void check_finding(const struct pcl_finding *f)
{
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(f->severity >= PCL_SEVERITY_INFO &&
		   f->severity <= PCL_SEVERITY_ERROR);
	FUZZ_CHECK(f->space >= -1 && f->space <= 1);
	FUZZ_CHECK(f->offset >= -1 && f->offset < PCL_CFG_SIZE);
	FUZZ_CHECK(code_ok(f->code));
	FUZZ_CHECK(f->message != NULL && f->message[0] != '\0');
	FUZZ_CHECK(strlen(f->message) < 4096);
}

static bool cap_equal(const struct pcl_cap *a, const struct pcl_cap *b)
{
	return a->space == b->space && a->id == b->id &&
	       a->version == b->version && a->offset == b->offset &&
	       a->length == b->length && a->instance == b->instance &&
	       a->flags == b->flags && a->vendor == b->vendor &&
	       a->vsec_id == b->vsec_id && a->vsec_rev == b->vsec_rev &&
	       a->next == b->next && strcmp(a->name, b->name) == 0;
}

static void check_walk(const struct pcl_cfg *cfg, const struct pcl_walk *w)
{
	size_t n = pcl_walk_cap_count(w), no = pcl_walk_orphan_count(w);
	size_t nf = pcl_walk_finding_count(w), nstd = 0;
	int maxsev = -1;

	FUZZ_CHECK(pcl_walk_cfg(w) == cfg);
	/* At most 48 standard hops; extended caps are dword-aligned. */
	FUZZ_CHECK(n <= 48 + (PCL_CFG_SIZE - 0x100) / 4);
	for (size_t i = 0; i < n; i++) {
		const struct pcl_cap *c = pcl_walk_cap(w, i);
		unsigned int inst = 0;

		FUZZ_CHECK(c != NULL);
		check_cap(cfg, c);
		FUZZ_CHECK(!(c->flags & PCL_CAP_ORPHAN));
		if (c->space == PCL_SPACE_STANDARD) {
			/* The standard chain comes first. */
			FUZZ_CHECK(nstd == i);
			nstd++;
		}
		for (size_t j = 0; j < i; j++) {
			const struct pcl_cap *p = pcl_walk_cap(w, j);

			/* A loop must end the chain, never repeat a cap. */
			FUZZ_CHECK(p->space != c->space ||
				   p->offset != c->offset);
			if (p->space == c->space && p->id == c->id)
				inst++;
		}
		FUZZ_CHECK(c->instance == inst);
		FUZZ_CHECK(pcl_walk_find(w, c->space, c->id, inst) == c);
	}
	FUZZ_CHECK(nstd <= 48);
	FUZZ_CHECK(pcl_walk_cap(w, n) == NULL);
	for (size_t i = 0; i < no; i++) {
		const struct pcl_cap *o = pcl_walk_orphan(w, i);

		FUZZ_CHECK(o != NULL);
		check_cap(cfg, o);
		FUZZ_CHECK(o->flags & PCL_CAP_ORPHAN);
		/* Offset order, and never a capability a chain reached. */
		if (i > 0) {
			const struct pcl_cap *p = pcl_walk_orphan(w, i - 1);

			FUZZ_CHECK(p->space < o->space ||
				   (p->space == o->space &&
				    p->offset < o->offset));
		}
		for (size_t j = 0; j < n; j++) {
			const struct pcl_cap *c = pcl_walk_cap(w, j);

			FUZZ_CHECK(c->space != o->space ||
				   c->offset != o->offset);
		}
	}
	FUZZ_CHECK(pcl_walk_orphan(w, no) == NULL);
	for (size_t i = 0; i < nf; i++) {
		const struct pcl_finding *f = pcl_walk_finding(w, i);

		check_finding(f);
		if (f->severity > maxsev)
			maxsev = f->severity;
	}
	FUZZ_CHECK(pcl_walk_finding(w, nf) == NULL);
	FUZZ_CHECK(pcl_walk_max_severity(w) == maxsev);
}

struct pcl_walk *fuzz_walk_and_check(const struct pcl_cfg *cfg)
{
	struct pcl_walk *w = pcl_walk_new(cfg);
	const struct pcl_walk *again;

	FUZZ_CHECK(w != NULL);
	check_walk(cfg, w);

	/*
	 * Pure function of the bytes: a second walk agrees exactly. The
	 * second is the one the cfg keeps (walk/memo.h), made here by its
	 * own walk_run() as on any first use, and which the planner, check
	 * and the builder then use: compared by code, which makes no
	 * message (a message walks the bytes a third time).
	 */
	again = pcl_cfg_walk(cfg);
	FUZZ_CHECK(again != NULL && again != w);
	FUZZ_CHECK(pcl_walk_cap_count(w) == pcl_walk_cap_count(again));
	FUZZ_CHECK(pcl_walk_orphan_count(w) == pcl_walk_orphan_count(again));
	FUZZ_CHECK(pcl_walk_finding_count(w) ==
		   pcl_walk_finding_count(again));
	for (size_t i = 0; i < pcl_walk_cap_count(w); i++)
		FUZZ_CHECK(cap_equal(pcl_walk_cap(w, i),
				     pcl_walk_cap(again, i)));
	for (size_t i = 0; i < pcl_walk_finding_count(w); i++)
		FUZZ_CHECK(strcmp(pcl_walk_finding(w, i)->code,
				  pcl_walk_finding_code(again, i)) == 0);
	return w;
}
