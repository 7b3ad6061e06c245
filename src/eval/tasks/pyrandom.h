/* Python's random.Random, as far as lm-eval's few-shot sampler uses it:
 * the MT19937 generator seeded from an int (init_by_array on the absolute
 * value's 32-bit words), getrandbits, _randbelow and Random.sample's
 * index choices (CPython 3.x algorithm, both the pool and the set branch).
 * Written from the algorithm's description; tested against /usr/bin/python3. */
#ifndef DUSK_PYRANDOM_H
#define DUSK_PYRANDOM_H

#include <stdint.h>

typedef struct {
    uint32_t mt[624];
    int index;
} PyRandom;

/* random.Random(seed) for a non-negative seed below 2^64. */
void pyrandom_seed(PyRandom *r, uint64_t seed);
/* random.getrandbits(k), 1 <= k <= 32. */
uint32_t pyrandom_getrandbits(PyRandom *r, int k);
/* random._randbelow(n), n >= 1: getrandbits(n.bit_length()) until < n. */
uint32_t pyrandom_randbelow(PyRandom *r, uint32_t n);
/* The indices random.sample(range(n), k) picks, in order, into out[k]
 * (0 <= k <= n). sample(population, k) returns population[out[i]]. */
void pyrandom_sample(PyRandom *r, int n, int k, int *out);

#endif
