/* Seeded pseudo-random numbers: splitmix64 seeding a xoshiro256** stream.
 * Every random choice in dusk goes through this so a seed fixes a run. */
#ifndef DUSK_RNG_H
#define DUSK_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
/* Uniform in [0, 1) with 24 random bits (exact in float). */
float rng_uniform(Rng *r);
/* Uniform integer in [0, n) without modulo bias. */
uint64_t rng_below(Rng *r, uint64_t n);
/* Standard normal (Box-Muller in double). */
double rng_normal(Rng *r);

#endif
