// SPDX-License-Identifier: BSD-3-Clause
/*
 * replay.c - main() for builds without libFuzzer: run a fuzz target's
 * LLVMFuzzerTestOneInput over the files (or the files in the directories)
 * named on the command line. Meson runs it over the generated seeds and
 * tests/regressions/ in every build, so the targets keep compiling and
 * every crash ever found stays fixed, with or without clang.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Far above any -max_len fuzz/run.sh uses; it only bounds memory. */
#define REPLAY_MAX_INPUT (64u << 20)

static int replay_file(const char *path, size_t *runs)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *in;
	size_t n;

	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if ((uint64_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: larger than %u bytes\n", path,
			REPLAY_MAX_INPUT);
		fclose(f);
		return -1;
	}
	/* Exactly the input's size, so ASan sees any read past its end. */
	in = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!in) {
		fclose(f);
		fprintf(stderr, "replay: out of memory\n");
		return -1;
	}
	n = fread(in, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(in);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	(*runs)++;
	return 0;
}

static int replay_path(const char *path, size_t *runs)
{
	struct stat st;
	struct dirent **ents;
	int n, ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, runs);
	/* Sorted, so a failing run is reproducible in the same order. */
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.' &&
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
				     ents[i]->d_name) < sizeof(sub) &&
		    replay_path(sub, runs) < 0)
			ret = -1;
		free(ents[i]);
	}
	free(ents);
	return ret;
}

int main(int argc, char **argv)
{
	size_t runs = 0;
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n"
			"Run the fuzz target over each input once; any crash or\n"
			"sanitizer report is a failure.\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &runs) < 0)
			ret = 1;
	printf("%s: %zu inputs replayed\n", argv[0], runs);
	/* Replaying nothing would pass vacuously: a broken seed step. */
	if (runs == 0) {
		fprintf(stderr, "%s: no inputs found\n", argv[0]);
		ret = 1;
	}
	return ret;
}
