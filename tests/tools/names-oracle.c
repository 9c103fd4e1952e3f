// SPDX-License-Identifier: BSD-3-Clause
/*
 * names-oracle - libpci's pci_lookup_name() is the oracle for our pci.ids
 * reader: for every query on stdin, both name it from the same FILE and
 * must print the same text. libpci's own fallback wording (numbers, no
 * hwdb) is lspci's, which is what pcl_names_device()/pcl_names_class()
 * promise.
 *
 * Queries, one per line:   D vvvv dddd   a vendor and device
 *                          C cccccc      a 24-bit class code
 * Prints "N queries, M differ" and the first differences; exits 1 when
 * any differ. Usage: names-oracle FILE < QUERIES. Test-only; it may exit
 * on libpci errors, unlike the library.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>
#include <pcilayout/pcilayout.h>

int main(int argc, char **argv)
{
	char line[128], theirs[1024], ours[1024], *res;
	unsigned long queries = 0, differ = 0;
	struct pci_access *acc;
	struct pcl_ctx *ctx;

	if (argc != 2) {
		fprintf(stderr, "usage: names-oracle FILE < QUERIES\n");
		return 2;
	}
	if (setenv("PCILAYOUT_PCI_IDS", argv[1], 1))
		return 2;
	ctx = pcl_ctx_new();
	acc = pci_alloc();
	if (!ctx || !acc)
		return 2;
	pci_set_name_list_path(acc, argv[1], 0);
	pci_init(acc);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned int a, b;
		int r;

		if (sscanf(line, "D %x %x", &a, &b) == 2) {
			res = pci_lookup_name(acc, theirs, sizeof(theirs),
					      PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE |
						      PCI_LOOKUP_NO_HWDB,
					      (int)a, (int)b);
			r = pcl_names_device(ctx, (uint16_t)a, (uint16_t)b,
					     ours, sizeof(ours));
		} else if (sscanf(line, "C %x", &a) == 1) {
			res = pci_lookup_name(acc, theirs, sizeof(theirs),
					      PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_HWDB,
					      (int)(a >> 8));
			r = pcl_names_class(ctx, a, ours, sizeof(ours));
		} else {
			fprintf(stderr, "bad query: %s", line);
			return 2;
		}
		queries++;
		if (r != 0 && r != -ENOENT) {
			fprintf(stderr, "%.*s: returned %d\n",
				(int)strcspn(line, "\n"), line, r);
			return 2;
		}
		if (strcmp(res, ours) == 0)
			continue;
		if (differ++ < 20)
			printf("%.*s: libpci '%s', ours '%s'\n",
			       (int)strcspn(line, "\n"), line, res, ours);
	}
	printf("%lu queries, %lu differ\n", queries, differ);
	pci_cleanup(acc);
	pcl_ctx_free(ctx);
	return differ || !queries ? 1 : 0;
}
