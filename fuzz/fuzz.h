/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h - shared by the fuzz targets: the libFuzzer entry point, an
 * invariant check that aborts (so libFuzzer and the replay programs both
 * report it as a crash with the failing input saved), and checks of the
 * library's outputs that every target reuses.
 */
#ifndef PCL_FUZZ_H
#define PCL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcilayout/pcilayout.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Not assert(): it must stay on in release builds, and the message names
 * the invariant so a crash report is readable without a debugger.
 */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",      \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* A silent context shared by all inputs of one process (never freed). */
struct pcl_ctx *fuzz_ctx(void);

/* A failed call must leave a usable, NUL-terminated error record. */
void fuzz_check_error(int ret, const struct pcl_error *err);

/*
 * Structural checks of one cfg (size, read map, unread bytes are zero).
 * Returns pcl_cfg_is_read(@cfg, off, 1) for every off, as it found it:
 * valid until the next call (the read map is a pure function of the cfg,
 * so a harness asks once per input, not once per check).
 */
const bool *fuzz_check_cfg(const struct pcl_cfg *cfg);

/*
 * Walk @cfg and check what every consumer of a walk relies on: each
 * capability lies inside the 4096 bytes and inside its chain's range, no
 * offset is reported twice, instances count correctly, findings are well
 * formed, and a second walk gives the same answer. Returns the walk
 * checked, for the caller to go on with and free.
 */
struct pcl_walk *fuzz_walk_and_check(const struct pcl_cfg *cfg);

#endif /* PCL_FUZZ_H */
