// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_ids.c - the pci.ids reader (lib/names/ids.c). The file's path can
 * come from $PCILAYOUT_PCI_IDS, so its text is input like any other. Checks
 * beyond "no crash": parsing is deterministic, every name found is a
 * non-empty single line, and no more lines are counted malformed (or names
 * kept) than the text has lines.
 */
#include <string.h>

#include "fuzz.h"
#include "names/names-internal.h"

static void check_name(const char *name)
{
	if (!name)
		return;
	FUZZ_CHECK(name[0] != '\0');
	FUZZ_CHECK(strchr(name, '\n') == NULL && strchr(name, '\r') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pcl_ids *a, *b;
	size_t lines = 1;
	uint32_t first;

	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	if (pcl_ids_parse(text, size, &a) < 0)
		return 0;
	FUZZ_CHECK(pcl_ids_parse(text, size, &b) == 0);
	FUZZ_CHECK(pcl_ids_count(a) == pcl_ids_count(b));
	FUZZ_CHECK(pcl_ids_count(a) <= lines);
	FUZZ_CHECK(pcl_ids_malformed(a, &first) <= lines);
	FUZZ_CHECK(pcl_ids_malformed(a, NULL) == pcl_ids_malformed(b, NULL));
	FUZZ_CHECK(first <= lines);
	/* IDs the input spells with its first bytes, and fixed ones. */
	for (size_t i = 0; i + 1 < size && i < 64; i++) {
		uint16_t v = (uint16_t)(data[i] | data[i + 1] << 8);

		check_name(pcl_ids_vendor(a, v));
		check_name(pcl_ids_device(a, v, (uint16_t)~v));
		check_name(pcl_ids_class(a, data[i]));
		check_name(pcl_ids_subclass(a, data[i], data[i + 1]));
	}
	check_name(pcl_ids_vendor(a, 0x0001));
	check_name(pcl_ids_device(a, 0x0001, 0x0001));
	check_name(pcl_ids_subclass(a, 0x02, 0x00));
	pcl_ids_free(a);
	pcl_ids_free(b);
	return 0;
}
