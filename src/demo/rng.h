/* A small deterministic pseudo-random generator for demo data: xoshiro256** seeded through
 * splitmix64. Not for secrets (those come from libsodium). */
#ifndef DEMO_RNG_H
#define DEMO_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct demo_rng {
    uint64_t s[4];
};

/* A stream for (seed, a, b): the same triple always gives the same sequence, and different
 * triples give unrelated ones, so each branch or member can draw from its own stream and the
 * order of generation does not change the data. */
void demo_rng_init(struct demo_rng *r, uint64_t seed, uint64_t a, uint64_t b);
uint64_t demo_rng_next(struct demo_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t demo_rng_below(struct demo_rng *r, uint64_t n);
/* Uniform integer in [lo, hi]. */
int demo_rng_range(struct demo_rng *r, int lo, int hi);
/* Uniform in [0, 1). */
double demo_rng_unit(struct demo_rng *r);
/* True with probability p (p <= 0 never, p >= 1 always). */
bool demo_rng_chance(struct demo_rng *r, double p);
/* Roughly normal with mean 0 and standard deviation 1 (sum of four uniforms), in [-3.5, 3.5]. */
double demo_rng_normal(struct demo_rng *r);
/* Index into weights[0..n) chosen with probability proportional to the weight. */
int demo_rng_pick(struct demo_rng *r, const int *weights, int n);

#endif
