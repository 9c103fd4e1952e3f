// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_dump.c - the source parsers: lspci -x/-xxx/-xxxx text (any number of
 * devices) and raw binary images, through pcl_cfg_parse(), which is what
 * pcl_cfg_load() runs on a file's contents. Every cfg that comes out is
 * checked and walked, so a parser that accepts garbage feeds the walker
 * exactly what a hostile dump file would.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

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
	pcl_cfg_list_free(cfgs, count);
	return 0;
}
