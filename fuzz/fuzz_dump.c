// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_dump.c - the source parsers: lspci -x/-xxx/-xxxx text (any number of
 * devices) and raw binary images, through pcl_cfg_parse(), which is what
 * pcl_cfg_load() runs on a file's contents. Every cfg that comes out is
 * checked and walked, so a parser that accepts garbage feeds the walker
 * exactly what a hostile dump file would. pcl_cfg_parse_each() must give
 * the same functions one at a time and the same error, and stop where its
 * callback says.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

/* What pcl_cfg_parse() gave, for pcl_cfg_parse_each() to match. */
struct each_check {
	struct pcl_cfg **cfgs;
	size_t count; /* of @cfgs */
	size_t seen;  /* functions the callback took */
	size_t stop;  /* return -ECANCELED at this one */
};

static int each_same(void *opaque, struct pcl_cfg *cfg)
{
	struct each_check *c = opaque;
	const struct pcl_cfg *want;

	FUZZ_CHECK(c->seen < c->count);
	want = c->cfgs[c->seen++];
	FUZZ_CHECK(pcl_cfg_size(cfg) == pcl_cfg_size(want));
	FUZZ_CHECK(pcl_cfg_line(cfg) == pcl_cfg_line(want));
	FUZZ_CHECK(memcmp(pcl_cfg_data(cfg), pcl_cfg_data(want), 4096) == 0);
	/* Byte by byte up to the equal sizes: past them nothing was read. */
	for (uint32_t off = 0; off < pcl_cfg_size(want); off++)
		FUZZ_CHECK(pcl_cfg_is_read(cfg, off, 1) ==
			   pcl_cfg_is_read(want, off, 1));
	FUZZ_CHECK(!pcl_cfg_slot(cfg) == !pcl_cfg_slot(want));
	FUZZ_CHECK(!pcl_cfg_slot(cfg) ||
		   strcmp(pcl_cfg_slot(cfg), pcl_cfg_slot(want)) == 0);
	pcl_cfg_free(cfg);
	return c->seen == c->stop ? -ECANCELED : 0;
}

/* The functions of an error's input up to the error: all freed. */
static int each_free(void *opaque, struct pcl_cfg *cfg)
{
	(*(size_t *)opaque)++;
	pcl_cfg_free(cfg);
	return 0;
}

static void check_each(struct pcl_ctx *ctx, const uint8_t *data, size_t size,
		       int ret, const struct pcl_error *err,
		       struct pcl_cfg **cfgs, size_t count)
{
	struct each_check c = { .cfgs = cfgs, .count = count };
	struct pcl_error e2;
	size_t taken = 0;
	int r;

	memset(&e2, 0x5a, sizeof(e2));
	if (ret < 0) {
		r = pcl_cfg_parse_each(ctx, data, size, "fuzz", each_free,
				       &taken, &e2);
		FUZZ_CHECK(r == ret);
		FUZZ_CHECK(e2.line == err->line && e2.column == err->column);
		FUZZ_CHECK(strcmp(e2.message, err->message) == 0);
		return;
	}
	r = pcl_cfg_parse_each(ctx, data, size, "fuzz", each_same, &c, &e2);
	FUZZ_CHECK(r == 0 && c.seen == count);
	/* Stopped at the last function but one: nothing after it read. */
	if (count < 2)
		return;
	c.seen = 0;
	c.stop = count - 1;
	r = pcl_cfg_parse_each(ctx, data, size, "fuzz", each_same, &c, &e2);
	FUZZ_CHECK(r == -ECANCELED && c.seen == count - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcl_ctx *ctx = fuzz_ctx();
	struct pcl_cfg **cfgs = NULL;
	struct pcl_error err;
	size_t count = 0;
	int ret;

	/* Garbage in the record must not leak into a successful call. */
	memset(&err, 0x5a, sizeof(err));
	ret = pcl_cfg_parse(ctx, data, size, "fuzz", &cfgs, &count, &err);
	if (ret < 0) {
		fuzz_check_error(ret, &err);
		check_each(ctx, data, size, ret, &err, NULL, 0);
		return 0;
	}
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(count >= 1 && cfgs != NULL);
	/* Each function needs at least a device line or a binary image. */
	FUZZ_CHECK(count <= size / 4 + 1);
	for (size_t i = 0; i < count; i++) {
		FUZZ_CHECK(cfgs[i] != NULL);
		FUZZ_CHECK(pcl_cfg_ctx(cfgs[i]) == ctx);
		fuzz_check_cfg(cfgs[i]);
		FUZZ_CHECK(strcmp(pcl_cfg_source(cfgs[i]), "fuzz") == 0);
		pcl_walk_free(fuzz_walk_and_check(cfgs[i]));
	}
	check_each(ctx, data, size, ret, &err, cfgs, count);
	pcl_cfg_list_free(cfgs, count);
	return 0;
}
