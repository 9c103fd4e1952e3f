// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcl-dump-print - print what pcl_cfg_load() read, in libpci-dump-oracle's
 * format: per function "SLOT len N" with N the end of the highest read
 * byte, then rows over [0, N). A byte inside that range that was not read
 * prints as "??", so a gap can never compare equal to libpci's output.
 *
 * Usage: pcl-dump-print [-q] [-r REPEAT] FILE...
 *   -q  print nothing (for timing); -r  load each file REPEAT times and
 *   report microseconds per function on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcilayout/pcilayout.h>

static void print_cfg(const struct pcl_cfg *c)
{
	const uint8_t *d = pcl_cfg_data(c);
	const char *slot = pcl_cfg_slot(c) ? pcl_cfg_slot(c) : "-";
	uint32_t end = PCL_CFG_SIZE;

	while (end && !pcl_cfg_is_read(c, end - 1, 1))
		end--;
	printf("%s len %u\n", slot, end);
	for (uint32_t o = 0; o < end; o += 16) {
		printf("%s %03x:", slot, o);
		for (uint32_t i = o; i < o + 16 && i < end; i++) {
			if (pcl_cfg_is_read(c, i, 1))
				printf(" %02x", d[i]);
			else
				printf(" ??");
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	long repeat = 1;
	int quiet = 0, opt, ret = 0;
	size_t total = 0;
	struct timespec t0, t1;

	while ((opt = getopt(argc, argv, "qr:")) != -1) {
		if (opt == 'q')
			quiet = 1;
		else if (opt == 'r')
			repeat = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (!ctx || optind >= argc || repeat < 1)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int a = optind; a < argc; a++) {
		for (long r = 0; r < repeat; r++) {
			struct pcl_error err = { 0 };
			struct pcl_cfg **cfgs;
			size_t n;
			char msg[600];

			if (pcl_cfg_load(ctx, argv[a], &cfgs, &n, &err) < 0) {
				fprintf(stderr, "%s\n",
					pcl_error_format(&err, msg,
							 sizeof(msg)));
				ret = 1;
				break;
			}
			total += n;
			if (!quiet && r == 0)
				for (size_t i = 0; i < n; i++)
					print_cfg(cfgs[i]);
			pcl_cfg_list_free(cfgs, n);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (repeat > 1 || quiet) {
		double us = (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;

		fprintf(stderr, "%zu functions, %.1f us each\n", total,
			total ? us / (double)total : 0.0);
	}
	pcl_ctx_free(ctx);
	return ret;
}
