// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_layout.c - the layout-file loader (strict JSON, format 1), with a
 * JSON dictionary (fuzz/layout.dict). Layout files come from users and
 * other hosts, so besides "no crash" it checks the format's promises: what
 * loads is valid, its canonical form loads again, and saving is a fixed
 * point (load -> save is the identity on canonical files) with the same
 * fingerprint. A failure must come with located diagnostics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcilayout/layout.h>

#include "fuzz.h"

static void check_diag(const struct pcl_diag *diag)
{
	size_t n = pcl_diag_count(diag);

	FUZZ_CHECK(n >= 1 && n <= PCL_DIAG_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct pcl_error *e = pcl_diag_get(diag, i);

		FUZZ_CHECK(e != NULL);
		fuzz_check_error(-EINVAL, e);
	}
	FUZZ_CHECK(pcl_diag_get(diag, n) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcl_ctx *ctx = fuzz_ctx();
	struct pcl_diag *diag = pcl_diag_new();
	struct pcl_layout *l = NULL, *again = NULL;
	char *text = NULL, *text2 = NULL;
	char fp[PCL_FINGERPRINT_SIZE], fp2[PCL_FINGERPRINT_SIZE];
	size_t len = 0, len2 = 0;
	int ret;

	FUZZ_CHECK(diag != NULL);
	ret = pcl_layout_load_string(ctx, data, size, "fuzz", &l, diag);
	if (ret < 0) {
		FUZZ_CHECK(ret == -EINVAL || ret == -EFBIG || ret == -ENOMEM);
		FUZZ_CHECK(l == NULL);
		if (ret == -EINVAL)
			check_diag(diag);
		pcl_diag_free(diag);
		return 0;
	}
	FUZZ_CHECK(ret == 0 && l != NULL);
	FUZZ_CHECK(pcl_layout_validate(l, NULL) == 0);
	FUZZ_CHECK(pcl_layout_to_string(l, &text, &len) == 0);
	FUZZ_CHECK(text != NULL && strlen(text) == len);
	FUZZ_CHECK(pcl_layout_fingerprint(l, fp) == 0);
	FUZZ_CHECK(strncmp(fp, "sha256:", 7) == 0);

	/* The canonical form loads and is a fixed point of load -> save. */
	pcl_diag_clear(diag);
	ret = pcl_layout_load_string(ctx, text, len, "canonical", &again, diag);
	if (ret != 0) {
		fprintf(stderr, "canonical form does not load:\n%s\n", text);
		FUZZ_CHECK(ret == 0);
	}
	FUZZ_CHECK(pcl_layout_to_string(again, &text2, &len2) == 0);
	FUZZ_CHECK(len == len2 && memcmp(text, text2, len) == 0);
	FUZZ_CHECK(pcl_layout_fingerprint(again, fp2) == 0);
	FUZZ_CHECK(strcmp(fp, fp2) == 0);
	FUZZ_CHECK(pcl_layout_kind(l) == pcl_layout_kind(again));
	FUZZ_CHECK(pcl_layout_revision(l) == pcl_layout_revision(again));

	free(text);
	free(text2);
	pcl_layout_free(again);
	pcl_layout_free(l);
	pcl_diag_free(diag);
	return 0;
}
