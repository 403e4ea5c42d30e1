/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear latency histogram: bucket bounds, merge, percentiles, iteration (see hist.h). */
#include <math.h>
#include <string.h>
#include "iopath/hist.h"

void
iop_hist_init(struct iop_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t
iop_hist_bucket_lo(unsigned int idx)
{
	unsigned int g = idx >> IOP_HIST_SUB_BITS;

	if (g < 2) {
		return idx;
	}
	return (uint64_t)(IOP_HIST_SUB + (idx & (IOP_HIST_SUB - 1))) << (g - 1);
}

uint64_t
iop_hist_bucket_hi(unsigned int idx)
{
	unsigned int g = idx >> IOP_HIST_SUB_BITS;

	if (g < 2) {
		return idx;
	}
	return iop_hist_bucket_lo(idx) + ((1ull << (g - 1)) - 1);
}

uint64_t
iop_hist_bucket_mid(unsigned int idx)
{
	uint64_t lo = iop_hist_bucket_lo(idx);

	return lo + (iop_hist_bucket_hi(idx) - lo) / 2;
}

void
iop_hist_merge(struct iop_hist *dst, const struct iop_hist *src)
{
	if (!src->count) {
		return;
	}
	for (unsigned int i = 0; i < IOP_HIST_NR_BUCKETS; i++) {
		dst->buckets[i] += src->buckets[i];
	}
	dst->count += src->count;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	if (src->min < dst->min) {
		dst->min = src->min;
	}
	if (src->max > dst->max) {
		dst->max = src->max;
	}
}

uint64_t
iop_hist_percentile(const struct iop_hist *h, double p)
{
	uint64_t rank, cum = 0, v;

	if (!h->count) {
		return 0;
	}
	if (p <= 0) {
		return h->min;
	}
	if (p >= 100) {
		return h->max;
	}
	rank = (uint64_t)ceil(p / 100.0 * (double)h->count);
	if (rank == 0) {
		rank = 1;
	}
	if (rank > h->count) {
		rank = h->count;
	}
	for (unsigned int i = 0; i < IOP_HIST_NR_BUCKETS; i++) {
		cum += h->buckets[i];
		if (cum >= rank) {
			v = iop_hist_bucket_mid(i);
			if (v < h->min) {
				v = h->min;
			}
			if (v > h->max) {
				v = h->max;
			}
			return v;
		}
	}
	return h->max; /* buckets hold fewer values than count (corrupt input): best effort */
}

double
iop_hist_mean(const struct iop_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

double
iop_hist_stdev(const struct iop_hist *h)
{
	double mean, var;

	if (h->count < 2) {
		return 0.0;
	}
	mean = iop_hist_mean(h);
	var = h->sumsq / (double)h->count - mean * mean;
	return var > 0 ? sqrt(var) : 0.0;
}

uint64_t
iop_hist_min(const struct iop_hist *h)
{
	return h->count ? h->min : 0;
}

int
iop_hist_foreach(const struct iop_hist *h,
		 int (*fn)(uint64_t lo, uint64_t hi, uint64_t count, void *arg), void *arg)
{
	for (unsigned int i = 0; i < IOP_HIST_NR_BUCKETS; i++) {
		if (h->buckets[i]) {
			int rc = fn(iop_hist_bucket_lo(i), iop_hist_bucket_hi(i), h->buckets[i],
				    arg);

			if (rc) {
				return rc;
			}
		}
	}
	return 0;
}

void
iop_hist_add_bin(struct iop_hist *h, uint64_t v, uint64_t count)
{
	h->buckets[iop_hist_index(v)] += count;
	h->count += count;
}
