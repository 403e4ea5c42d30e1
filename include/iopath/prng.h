/* SPDX-License-Identifier: BSD-3-Clause */
/* Fast PRNG for offsets and read/write mixes: xoshiro256** seeded through splitmix64. */
#ifndef IOPATH_PRNG_H
#define IOPATH_PRNG_H

#include <stdint.h>

/* xoshiro256** (Blackman & Vigna, public domain algorithm): 256-bit state, period 2^256-1,
 * ~1 ns per value; not cryptographic. One state per thread. */
struct iop_prng {
	uint64_t s[4];
};

/** Seed from a 64-bit value (expanded with splitmix64, so seed 0 is fine). */
void iop_prng_seed(struct iop_prng *p, uint64_t seed);

static inline uint64_t
iop_prng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/** Next 64 random bits. */
static inline uint64_t
iop_prng_next(struct iop_prng *p)
{
	uint64_t *s = p->s;
	uint64_t r = iop_prng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = iop_prng_rotl(s[3], 45);
	return r;
}

/** Uniform integer in [0, n) (multiply-shift, bias < n/2^64). n must be > 0. */
static inline uint64_t
iop_prng_below(struct iop_prng *p, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)iop_prng_next(p) * n) >> 64);
}

/**
 * Random offset aligned to bs inside [base, base + size): base + k * bs with k uniform in
 * [0, size / bs). size must be >= bs.
 */
static inline uint64_t
iop_prng_offset(struct iop_prng *p, uint64_t base, uint64_t size, uint64_t bs)
{
	return base + iop_prng_below(p, size / bs) * bs;
}

#endif
