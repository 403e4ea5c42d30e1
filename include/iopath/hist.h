/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear latency histogram: O(1) record, exact merge by adding buckets, percentiles. */
#ifndef IOPATH_HIST_H
#define IOPATH_HIST_H

/*
 * EXECUTIVE SUMMARY
 *
 * Values are unsigned 64-bit nanoseconds. The histogram is log-linear (HdrHistogram / fio "plat"
 * style): every power-of-two range [2^k, 2^(k+1)) is split into IOP_HIST_SUB = 128 equal-width
 * sub-buckets, and values below 256 get one bucket each (exact).
 *
 *   index(v) = v                                      for v < 256
 *            = (msb(v) - 6) * 128 + ((v >> (msb(v) - 7)) & 127)   otherwise
 *
 * Error bound: a bucket starting at lo is at most lo/128 wide, so any value reported from a bucket
 * (its midpoint) is within 1/256 = 0.39% of every value that fell into it: under 1% for every
 * percentile, at every magnitude. min, max, mean (exact sum) are exact; stdev is exact up to
 * double rounding (sum of squares kept as a double).
 *
 * Range: the whole uint64_t range (0 ns .. 584 years); nothing is clamped or dropped.
 *
 * Memory: IOP_HIST_NR_BUCKETS = 7424 buckets of uint64_t = 58 KiB per histogram, plus 40 bytes of
 * summary. Keep one per thread per direction (no sharing, no atomics in the hot path), merge at
 * the end by adding buckets (iop_hist_merge), which is exact: merging equals recording everything
 * into one histogram.
 *
 * Cost: iop_hist_record() is a clz, two shifts, an increment and min/max/sum updates (~2 ns).
 */

#include <stdbool.h>
#include <stdint.h>

#define IOP_HIST_SUB_BITS   7
#define IOP_HIST_SUB        (1u << IOP_HIST_SUB_BITS)                    /* 128 */
#define IOP_HIST_NR_BUCKETS (IOP_HIST_SUB * (64 - IOP_HIST_SUB_BITS + 1)) /* 7424 */

struct iop_hist {
	uint64_t count;         /* values recorded */
	uint64_t min;           /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t sum;           /* exact sum (wraps only past 584 years of total latency) */
	double sumsq;           /* sum of squares, for stdev */
	uint64_t buckets[IOP_HIST_NR_BUCKETS];
};

/** Bucket index of value v (see the summary above). */
static inline unsigned int
iop_hist_index(uint64_t v)
{
	unsigned int msb;

	if (v < 2 * IOP_HIST_SUB) {
		return (unsigned int)v;
	}
	msb = 63u - (unsigned int)__builtin_clzll(v);
	return ((msb - (IOP_HIST_SUB_BITS - 1)) << IOP_HIST_SUB_BITS) +
	       (unsigned int)((v >> (msb - IOP_HIST_SUB_BITS)) & (IOP_HIST_SUB - 1));
}

/** Record one value (ns). Never fails; hot path, inline. */
static inline void
iop_hist_record(struct iop_hist *h, uint64_t v)
{
	h->buckets[iop_hist_index(v)]++;
	h->count++;
	h->sum += v;
	h->sumsq += (double)v * (double)v;
	if (v < h->min) {
		h->min = v;
	}
	if (v > h->max) {
		h->max = v;
	}
}

/** Reset to empty (count 0, min UINT64_MAX). */
void iop_hist_init(struct iop_hist *h);

/** Lowest value that falls into bucket idx (idx < IOP_HIST_NR_BUCKETS). */
uint64_t iop_hist_bucket_lo(unsigned int idx);
/** Highest value that falls into bucket idx (inclusive). */
uint64_t iop_hist_bucket_hi(unsigned int idx);
/** Value reported for bucket idx: its midpoint (the <0.39% error bound relies on this). */
uint64_t iop_hist_bucket_mid(unsigned int idx);

/** Add every bucket and the summary of src into dst (exact). */
void iop_hist_merge(struct iop_hist *dst, const struct iop_hist *src);

/**
 * Value at percentile p (0 < p <= 100): the smallest bucket whose cumulative count reaches
 * ceil(p/100 * count), reported as its midpoint clamped to [min, max].
 * \return the value in ns, or 0 when the histogram is empty.
 */
uint64_t iop_hist_percentile(const struct iop_hist *h, double p);

/** \return mean in ns (exact), 0 when empty. */
double iop_hist_mean(const struct iop_hist *h);
/** \return population standard deviation in ns, 0 when fewer than 2 values. */
double iop_hist_stdev(const struct iop_hist *h);
/** \return min in ns, 0 when empty (the struct field holds UINT64_MAX then). */
uint64_t iop_hist_min(const struct iop_hist *h);

/**
 * Call fn for every non-zero bucket in ascending order with its [lo, hi] range and count.
 * fn returns 0 to continue or non-zero to stop; that value is returned.
 * \return 0 when every bucket was visited, else fn's non-zero return.
 */
int iop_hist_foreach(const struct iop_hist *h,
		     int (*fn)(uint64_t lo, uint64_t hi, uint64_t count, void *arg), void *arg);

/**
 * Add count values of bucket-representative value v (used to rebuild a histogram from stored
 * JSON bins). Updates buckets and count only; min/max/sum/sumsq are the caller's to restore.
 */
void iop_hist_add_bin(struct iop_hist *h, uint64_t v, uint64_t count);

#endif
