/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: PRNG determinism, bounds, and coverage of aligned random offsets over a range. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/prng.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

static void
test_deterministic(void)
{
	struct iop_prng a, b, c;
	int same = 0;

	iop_prng_seed(&a, 42);
	iop_prng_seed(&b, 42);
	iop_prng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = iop_prng_next(&a);

		CU_ASSERT_EQUAL(x, iop_prng_next(&b));
		same += x == iop_prng_next(&c);
	}
	CU_ASSERT_EQUAL(same, 0);
	/* seed 0 works (not a stuck all-zero state) */
	iop_prng_seed(&a, 0);
	CU_ASSERT_NOT_EQUAL(iop_prng_next(&a) | iop_prng_next(&a), 0);
}

static void
test_bits_balanced(void)
{
	struct iop_prng p;
	unsigned int ones[64] = {0};
	const int n = 100000;

	iop_prng_seed(&p, 5);
	for (int i = 0; i < n; i++) {
		uint64_t x = iop_prng_next(&p);

		for (int b = 0; b < 64; b++) {
			ones[b] += (x >> b) & 1;
		}
	}
	for (int b = 0; b < 64; b++) {
		/* 50% +- 1.5% (about 10 sigma at n=1e5) */
		CU_ASSERT(ones[b] > n * 0.485 && ones[b] < n * 0.515);
	}
}

static void
test_below(void)
{
	struct iop_prng p;
	static const uint64_t ns[] = {1, 2, 3, 7, 100, 1000003, 1ull << 40, UINT64_MAX};

	iop_prng_seed(&p, 9);
	for (size_t k = 0; k < IOP_ARRAY_SIZE(ns); k++) {
		for (int i = 0; i < 10000; i++) {
			CU_ASSERT(iop_prng_below(&p, ns[k]) < ns[k]);
		}
	}
}

/* Every block of [base, base+size) is hit, nothing outside, all aligned, roughly uniform. */
static void
check_coverage(uint64_t base, uint64_t size, uint64_t bs, uint64_t seed)
{
	uint64_t nblk = size / bs, draws = nblk * 200;
	unsigned int *hits = calloc(nblk, sizeof(*hits));
	struct iop_prng p;
	uint64_t min_hits = UINT64_MAX, max_hits = 0;
	bool aligned = true, inside = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(hits);
	iop_prng_seed(&p, seed);
	for (uint64_t i = 0; i < draws; i++) {
		uint64_t off = iop_prng_offset(&p, base, size, bs);

		if ((off - base) % bs) {
			aligned = false;
		}
		if (off < base || off + bs > base + size) {
			inside = false;
			continue;
		}
		hits[(off - base) / bs]++;
	}
	for (uint64_t b = 0; b < nblk; b++) {
		min_hits = IOP_MIN(min_hits, hits[b]);
		max_hits = IOP_MAX(max_hits, hits[b]);
	}
	CU_ASSERT(aligned);
	CU_ASSERT(inside);
	CU_ASSERT(min_hits > 0);
	/* mean 200, sd ~14: [120, 280] is > 5 sigma either way */
	CU_ASSERT(min_hits >= 120);
	CU_ASSERT(max_hits <= 280);
	free(hits);
}

static void
test_offset_coverage(void)
{
	/* Test1: power-of-two range at a non-zero base */
	check_coverage(1 << 20, 256 * 4096, 4096, 1);
	/* Test2: odd number of blocks, 512-byte blocks */
	check_coverage(4096, 777 * 512, 512, 2);
	/* Test3: range not a multiple of bs: the partial tail block is never chosen */
	check_coverage(0, 100 * 8192 + 4096, 8192, 3);
	/* Test4: a single block */
	check_coverage(65536, 4096, 4096, 4);
}

IOP_UT_MAIN("prng", IOP_UT(test_deterministic), IOP_UT(test_bits_balanced), IOP_UT(test_below),
	    IOP_UT(test_offset_coverage))
