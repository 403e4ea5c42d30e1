/* SPDX-License-Identifier: BSD-3-Clause */
/* Description: histogram buckets, percentiles vs exact order statistics (uniform, exponential,
 * constant), the <1% error bound, merge == combined recording, iteration and bins. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "iopath/hist.h"
#include "iopath/prng.h"
#include "iopath/util.h"
#include "tests/common/ut.h"

#define NSAMP 200000

static const double g_pcts[] = {1, 10, 50, 90, 99, 99.9, 99.99, 100};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Exact percentile with the histogram's rank rule: the ceil(p/100*n)-th smallest value. */
static uint64_t
exact_pct(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1) {
		rank = 1;
	}
	return sorted[rank - 1];
}

static struct iop_hist *
hist_new(void)
{
	struct iop_hist *h = malloc(sizeof(*h));

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	iop_hist_init(h);
	return h;
}

static void
check_against_exact(uint64_t *v, size_t n)
{
	struct iop_hist *h = hist_new();
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		iop_hist_record(h, v[i]);
		sum += (double)v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	CU_ASSERT_EQUAL(h->count, n);
	CU_ASSERT_EQUAL(iop_hist_min(h), v[0]);
	CU_ASSERT_EQUAL(h->max, v[n - 1]);
	CU_ASSERT_DOUBLE_EQUAL(iop_hist_mean(h), sum / (double)n, 1e-6 * sum / (double)n);
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_pcts); i++) {
		uint64_t ex = exact_pct(v, n, g_pcts[i]);
		uint64_t got = iop_hist_percentile(h, g_pcts[i]);
		double err = ex ? fabs((double)got - (double)ex) / (double)ex : (double)got;

		/* the header promises < 1% (0.39% by construction) */
		CU_ASSERT(err < 0.0039 + 1e-12);
		if (!(err < 0.0039 + 1e-12)) {
			fprintf(stderr, "p%g: exact %llu got %llu err %.4f%%\n", g_pcts[i],
				(unsigned long long)ex, (unsigned long long)got, err * 100);
		}
	}
	free(h);
}

static void
test_bucket_bounds(void)
{
	struct iop_prng p;

	/* Test1: small values are exact */
	for (uint64_t v = 0; v < 256; v++) {
		CU_ASSERT_EQUAL(iop_hist_index(v), v);
		CU_ASSERT_EQUAL(iop_hist_bucket_lo((unsigned int)v), v);
		CU_ASSERT_EQUAL(iop_hist_bucket_hi((unsigned int)v), v);
	}
	/* Test2: buckets tile the range with no gap, width/lo <= 1/128 */
	for (unsigned int i = 1; i < IOP_HIST_NR_BUCKETS; i++) {
		uint64_t lo = iop_hist_bucket_lo(i), hi = iop_hist_bucket_hi(i);

		CU_ASSERT_EQUAL(lo, iop_hist_bucket_hi(i - 1) + 1);
		CU_ASSERT(hi >= lo);
		if (i < 256) {
			CU_ASSERT_EQUAL(hi, lo); /* exact */
		} else {
			CU_ASSERT((double)(hi - lo + 1) / (double)lo <= 1.0 / 128 + 1e-15);
		}
		CU_ASSERT_EQUAL(iop_hist_index(lo), i);
		CU_ASSERT_EQUAL(iop_hist_index(hi), i);
	}
	CU_ASSERT_EQUAL(iop_hist_bucket_hi(IOP_HIST_NR_BUCKETS - 1), UINT64_MAX);
	CU_ASSERT_EQUAL(iop_hist_index(UINT64_MAX), IOP_HIST_NR_BUCKETS - 1);
	/* Test3: random values of every magnitude land in a bucket that contains them and the
	 * midpoint is within 1/256 */
	iop_prng_seed(&p, 7);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = iop_prng_next(&p) >> (iop_prng_next(&p) % 64);
		unsigned int idx = iop_hist_index(v);
		uint64_t mid = iop_hist_bucket_mid(idx);

		CU_ASSERT_FATAL(idx < IOP_HIST_NR_BUCKETS);
		CU_ASSERT(iop_hist_bucket_lo(idx) <= v && v <= iop_hist_bucket_hi(idx));
		if (v) {
			CU_ASSERT(fabs((double)mid - (double)v) / (double)v <= 1.0 / 256 + 1e-12);
		}
	}
}

static void
test_uniform(void)
{
	uint64_t *v = malloc(NSAMP * sizeof(*v));
	struct iop_prng p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	iop_prng_seed(&p, 1);
	for (size_t i = 0; i < NSAMP; i++) {
		v[i] = 1000 + iop_prng_below(&p, 10000000); /* 1 us .. 10 ms */
	}
	check_against_exact(v, NSAMP);
	free(v);
}

static void
test_exponential(void)
{
	uint64_t *v = malloc(NSAMP * sizeof(*v));
	struct iop_prng p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	iop_prng_seed(&p, 2);
	for (size_t i = 0; i < NSAMP; i++) {
		double u = ((double)(iop_prng_next(&p) >> 11) + 0.5) / 9007199254740992.0;

		v[i] = (uint64_t)(-log(u) * 20000.0); /* mean 20 us, long tail */
	}
	check_against_exact(v, NSAMP);
	free(v);
}

static void
test_constant(void)
{
	struct iop_hist *h = hist_new();

	for (int i = 0; i < 1000; i++) {
		iop_hist_record(h, 123457);
	}
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_pcts); i++) {
		CU_ASSERT_EQUAL(iop_hist_percentile(h, g_pcts[i]), 123457); /* clamped to min=max */
	}
	CU_ASSERT_DOUBLE_EQUAL(iop_hist_mean(h), 123457.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(iop_hist_stdev(h), 0.0, 1e-3);
	free(h);
}

static void
test_stdev_and_empty(void)
{
	struct iop_hist *h = hist_new();

	/* Test1: empty histogram reports zeros, not UINT64_MAX */
	CU_ASSERT_EQUAL(iop_hist_percentile(h, 50), 0);
	CU_ASSERT_EQUAL(iop_hist_min(h), 0);
	CU_ASSERT_DOUBLE_EQUAL(iop_hist_mean(h), 0.0, 0);
	/* Test2: {100, 300} -> mean 200, population stdev 100 */
	iop_hist_record(h, 100);
	iop_hist_record(h, 300);
	CU_ASSERT_DOUBLE_EQUAL(iop_hist_mean(h), 200.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(iop_hist_stdev(h), 100.0, 1e-6);
	CU_ASSERT_EQUAL(iop_hist_percentile(h, 50), 100);
	CU_ASSERT_EQUAL(iop_hist_percentile(h, 50.1), 300);
	free(h);
}

static void
test_merge(void)
{
	struct iop_hist *a = hist_new(), *b = hist_new(), *all = hist_new();
	struct iop_prng p;

	iop_prng_seed(&p, 3);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = iop_prng_below(&p, 1ull << (10 + i % 30));

		iop_hist_record(all, v);
		iop_hist_record(i % 3 ? a : b, v);
	}
	iop_hist_merge(a, b);
	CU_ASSERT_EQUAL(a->count, all->count);
	CU_ASSERT_EQUAL(a->min, all->min);
	CU_ASSERT_EQUAL(a->max, all->max);
	CU_ASSERT_EQUAL(a->sum, all->sum);
	CU_ASSERT_DOUBLE_EQUAL(a->sumsq, all->sumsq, all->sumsq * 1e-12);
	CU_ASSERT_EQUAL(memcmp(a->buckets, all->buckets, sizeof(a->buckets)), 0);
	for (size_t i = 0; i < IOP_ARRAY_SIZE(g_pcts); i++) {
		CU_ASSERT_EQUAL(iop_hist_percentile(a, g_pcts[i]),
				iop_hist_percentile(all, g_pcts[i]));
	}
	/* merging an empty histogram changes nothing (min stays) */
	iop_hist_init(b);
	iop_hist_merge(a, b);
	CU_ASSERT_EQUAL(a->min, all->min);
	free(a);
	free(b);
	free(all);
}

struct visit {
	uint64_t total, last_lo, calls;
	bool ordered;
};

static int
visit_bin(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	struct visit *v = arg;

	CU_ASSERT(count > 0);
	CU_ASSERT(hi >= lo);
	if (v->calls && lo <= v->last_lo) {
		v->ordered = false;
	}
	v->last_lo = lo;
	v->total += count;
	v->calls++;
	return 0;
}

static int
stop_at_first(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	(*(int *)arg)++;
	return 42;
}

static void
test_foreach_and_bins(void)
{
	struct iop_hist *h = hist_new(), *r = hist_new();
	struct visit v = {.ordered = true};
	int calls = 0;

	for (uint64_t x = 1; x < 5000000; x = x * 3 + 1) {
		iop_hist_record(h, x);
		iop_hist_record(h, x);
	}
	CU_ASSERT_EQUAL(iop_hist_foreach(h, visit_bin, &v), 0);
	CU_ASSERT_EQUAL(v.total, h->count);
	CU_ASSERT(v.ordered);
	CU_ASSERT_EQUAL(iop_hist_foreach(h, stop_at_first, &calls), 42);
	CU_ASSERT_EQUAL(calls, 1);
	/* rebuild from (lo, count) pairs as the JSON reader does */
	for (unsigned int i = 0; i < IOP_HIST_NR_BUCKETS; i++) {
		if (h->buckets[i]) {
			iop_hist_add_bin(r, iop_hist_bucket_lo(i), h->buckets[i]);
		}
	}
	CU_ASSERT_EQUAL(memcmp(r->buckets, h->buckets, sizeof(h->buckets)), 0);
	CU_ASSERT_EQUAL(r->count, h->count);
	free(h);
	free(r);
}

IOP_UT_MAIN("hist", IOP_UT(test_bucket_bounds), IOP_UT(test_uniform), IOP_UT(test_exponential),
	    IOP_UT(test_constant), IOP_UT(test_stdev_and_empty), IOP_UT(test_merge),
	    IOP_UT(test_foreach_and_bins))
