// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_ids.c - the pci.ids reader (lib/names/ids.c). The file's path can
 * come from $PCILAYOUT_PCI_IDS, so its text is input like any other. Checks
 * beyond "no crash": parsing is deterministic, every name found is a
 * non-empty single line, no more lines are counted malformed (or names
 * kept) than the text has lines, and the text read in pieces, as the file
 * reader reads it, gives the same index.
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

/* A name of the index read whole, and of the one read in pieces. */
static void check_same(const char *name, const char *piecewise)
{
	check_name(name);
	FUZZ_CHECK(!name == !piecewise);
	FUZZ_CHECK(!name || strcmp(name, piecewise) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pcl_ids *a, *b;
	size_t lines = 1;
	uint32_t first, piece_first;

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
	pcl_ids_free(b);
	/* As the file reader reads it: in pieces, lines carried over. */
	FUZZ_CHECK(pcl_ids_parse_pieces(text, size, size ? 1 + data[0] % 64 : 1,
					&b) == 0);
	FUZZ_CHECK(pcl_ids_count(a) == pcl_ids_count(b));
	FUZZ_CHECK(pcl_ids_malformed(b, &piece_first) ==
		   pcl_ids_malformed(a, NULL));
	FUZZ_CHECK(piece_first == first);
	/* IDs the input spells with its first bytes, and fixed ones. */
	for (size_t i = 0; i + 1 < size && i < 64; i++) {
		uint16_t v = (uint16_t)(data[i] | data[i + 1] << 8);

		check_same(pcl_ids_vendor(a, v), pcl_ids_vendor(b, v));
		check_same(pcl_ids_device(a, v, (uint16_t)~v),
			   pcl_ids_device(b, v, (uint16_t)~v));
		check_same(pcl_ids_class(a, data[i]), pcl_ids_class(b, data[i]));
		check_same(pcl_ids_subclass(a, data[i], data[i + 1]),
			   pcl_ids_subclass(b, data[i], data[i + 1]));
	}
	check_name(pcl_ids_vendor(a, 0x0001));
	check_name(pcl_ids_device(a, 0x0001, 0x0001));
	check_name(pcl_ids_subclass(a, 0x02, 0x00));
	pcl_ids_free(a);
	pcl_ids_free(b);
	return 0;
}
