#ifndef GANC_RNG_H
#define GANC_RNG_H

/* Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11): the
 * n-th number of a stream is a pure function of (seed, n), so a run is
 * reproducible from its seed, resumable from (seed, counter), and a GPU
 * kernel draws exactly what the CPU draws for the same element. */

#include <stdbool.h>
#include <stdint.h>

#include "core/real.h"

typedef struct rng {
    uint64_t seed;
    uint64_t counter; /* index of the next number */
} rng;

void rng_init(rng *r, uint64_t seed);

/* Pure functions of (seed, index). */
uint32_t rng_u32_at(uint64_t seed, uint64_t index);
/* Uniform in (0, 1): never 0, so log() of it is finite. */
double rng_uniform_at(uint64_t seed, uint64_t index);

double rng_uniform(rng *r);
/* Standard normal by Box-Muller over two consecutive uniforms. */
double rng_normal(rng *r);
bool rng_bernoulli(rng *r, double p);
/* Reserves n consecutive indices (for a kernel) and returns the first. */
uint64_t rng_reserve(rng *r, uint64_t n);

#endif
