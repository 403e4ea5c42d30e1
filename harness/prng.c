/* SPDX-License-Identifier: BSD-3-Clause */
/* PRNG seeding: splitmix64 expands a 64-bit seed into the xoshiro256** state (see prng.h). */
#include "iopath/prng.h"

static uint64_t
prng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
iop_prng_seed(struct iop_prng *p, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < 4; i++) {
		p->s[i] = prng_splitmix64(&x);
	}
	/* an all-zero state would be stuck; splitmix64 never yields four zeros: be explicit */
	if (!(p->s[0] | p->s[1] | p->s[2] | p->s[3])) {
		p->s[0] = 1;
	}
}
