/* rng.h: explicit random state (xoshiro256**, seeded by splitmix64).
 *
 * There is no hidden global generator: every function that draws takes an Rng.
 * The session owns one, reseeded by `set seed N`; long jobs derive their own
 * stream with rng_fork so the result does not depend on what ran before. */
#ifndef UNTANGLE_RNG_H
#define UNTANGLE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
/* A new independent stream determined by r's seed and a purpose tag (r unchanged). */
Rng rng_fork(const Rng *r, uint64_t tag);
double rng_uniform(Rng *r);                       /* [0, 1) */
float rng_uniform_range(Rng *r, float lo, float hi);
double rng_normal(Rng *r);                        /* N(0, 1), Box-Muller */
uint64_t rng_below(Rng *r, uint64_t n);           /* uniform in [0, n), n > 0, unbiased */
void rng_shuffle_indices(Rng *r, uint32_t *idx, size_t n); /* Fisher-Yates */

#endif
