// SPDX-License-Identifier: BSD-3-Clause
/*
 * builtin-none.c - no built-in quirks: what quirkgen links, since it is the
 * program that makes the built-in table (every file it reads is parsed).
 */
#include "quirks/builtin.h"

const struct pcl_builtin_quirk pcl_builtin_quirks[1];
const size_t pcl_builtin_quirk_count;
