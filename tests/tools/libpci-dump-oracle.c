// SPDX-License-Identifier: BSD-3-Clause
/*
 * libpci-dump-oracle - print what libpci's own dump reader (PCI_ACCESS_DUMP)
 * reads from an lspci -x file, in the format pcl-dump-print uses for ours:
 *
 *   SLOT len N
 *   SLOT OFF: hh hh ...      (rows of 16 over [0, N))
 *
 * libpci keeps per device one length, the end of the highest byte any row
 * gave (bytes it was not given inside that range read as 0xff), and fails a
 * read that runs past it. The length is not public, so it is found by
 * bisection with pci_read_block(), which is all-or-nothing.
 *
 * Usage: libpci-dump-oracle [-q] FILE     (-q: read only, print nothing)
 * Test-only; it may exit on libpci errors, unlike the library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

static int readable(struct pci_dev *d, int len)
{
	unsigned char buf[4096];

	return len == 0 || pci_read_block(d, 0, buf, len);
}

int main(int argc, char **argv)
{
	struct pci_access *acc;
	struct pci_dev **devs = NULL, *d;
	unsigned char buf[4096];
	size_t n = 0;
	int quiet = 0, argi = 1;

	if (argc > 1 && strcmp(argv[1], "-q") == 0)
		quiet = 1, argi++;
	if (argc != argi + 1) {
		fprintf(stderr, "usage: %s [-q] FILE\n", argv[0]);
		return 2;
	}
	acc = pci_alloc();
	acc->method = PCI_ACCESS_DUMP;
	if (pci_set_param(acc, "dump.name", argv[argi]) < 0) {
		fprintf(stderr, "libpci has no dump.name parameter\n");
		return 2;
	}
	pci_init(acc);
	pci_scan_bus(acc);
	/* libpci prepends each device: collect, then print in file order. */
	for (d = acc->devices; d; d = d->next) {
		struct pci_dev **v = realloc(devs, (n + 1) * sizeof(*v));

		if (!v)
			return 2;
		devs = v;
		devs[n++] = d;
	}
	while (n--) {
		int lo = 0, hi = 4096;
		char slot[32];

		d = devs[n];
		/* Largest len with [0, len) readable. */
		while (lo < hi) {
			int mid = (lo + hi + 1) / 2;

			if (readable(d, mid))
				lo = mid;
			else
				hi = mid - 1;
		}
		if (quiet)
			continue;
		snprintf(slot, sizeof(slot), "%04x:%02x:%02x.%u", d->domain,
			 d->bus, d->dev, d->func);
		printf("%s len %d\n", slot, lo);
		if (lo && !pci_read_block(d, 0, buf, lo))
			return 2;
		for (int o = 0; o < lo; o += 16) {
			printf("%s %03x:", slot, o);
			for (int i = o; i < o + 16 && i < lo; i++)
				printf(" %02x", buf[i]);
			printf("\n");
		}
	}
	free(devs);
	pci_cleanup(acc);
	return 0;
}
