// SPDX-License-Identifier: BSD-3-Clause
/*
 * hookcount.c - counting stand-ins for the comparison hooks that
 * -fsanitize=fuzzer-no-link plants in every instrumented object
 * (__sanitizer_cov_trace_*cmp*, switch, div, gep). In a libFuzzer binary
 * each records its operands for the mutator; they were the largest item of
 * fuzz_walk's and fuzz_vdev's profiles, and their number per function is a
 * figure the shared machine's load does not disturb (BENCHMARKS.md, item
 * 5). fuzz/hookcount.sh links this into a fuzzing build's replay program,
 * whose runtime defines the hooks only weakly. At exit the counts per
 * call site go to $HOOKOUT: a line "total N", then "COUNT ADDRESS" lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SITES (1u << 20) /* a power of two, far above any build's sites */

static uintptr_t site[SITES];
static unsigned long long calls[SITES];
static unsigned long long total;

/* Open addressing on the caller's address; the table never fills. */
static void count(uintptr_t pc)
{
	uintptr_t h = (uintptr_t)((pc * 0x9e3779b97f4a7c15ull) >> 44);

	total++;
	for (;; h = (h + 1) & (SITES - 1)) {
		if (site[h] == pc) {
			calls[h]++;
			return;
		}
		if (!site[h]) {
			site[h] = pc;
			calls[h] = 1;
			return;
		}
	}
}

#define CALLER ((uintptr_t)__builtin_return_address(0))
#define CMP(name, type)                                                        \
	void name(type a, type b);                                             \
	void name(type a, type b)                                              \
	{                                                                      \
		(void)a;                                                       \
		(void)b;                                                       \
		count(CALLER);                                                 \
	}

CMP(__sanitizer_cov_trace_cmp1, uint8_t)
CMP(__sanitizer_cov_trace_cmp2, uint16_t)
CMP(__sanitizer_cov_trace_cmp4, uint32_t)
CMP(__sanitizer_cov_trace_cmp8, uint64_t)
CMP(__sanitizer_cov_trace_const_cmp1, uint8_t)
CMP(__sanitizer_cov_trace_const_cmp2, uint16_t)
CMP(__sanitizer_cov_trace_const_cmp4, uint32_t)
CMP(__sanitizer_cov_trace_const_cmp8, uint64_t)

void __sanitizer_cov_trace_switch(uint64_t val, const uint64_t *cases);
void __sanitizer_cov_trace_switch(uint64_t val, const uint64_t *cases)
{
	(void)val;
	(void)cases;
	count(CALLER);
}

void __sanitizer_cov_trace_div4(uint32_t val);
void __sanitizer_cov_trace_div4(uint32_t val)
{
	(void)val;
	count(CALLER);
}

void __sanitizer_cov_trace_div8(uint64_t val);
void __sanitizer_cov_trace_div8(uint64_t val)
{
	(void)val;
	count(CALLER);
}

void __sanitizer_cov_trace_gep(uintptr_t idx);
void __sanitizer_cov_trace_gep(uintptr_t idx)
{
	(void)idx;
	count(CALLER);
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("HOOKOUT");
	FILE *f = fopen(path ? path : "hookcount.txt", "w");

	if (!f)
		return;
	fprintf(f, "total %llu\n", total);
	for (uint32_t i = 0; i < SITES; i++)
		if (site[i])
			fprintf(f, "%llu %lx\n", calls[i],
				(unsigned long)site[i]);
	if (fclose(f))
		perror("hookcount");
}
