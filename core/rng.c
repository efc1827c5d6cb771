#include "core/rng.h"

#include <math.h>

/* Multipliers and Weyl key increments from the Philox paper. */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox_round(uint32_t c[4], const uint32_t k[2]) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0];
    uint32_t n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

static void philox4x32_10(uint64_t block, uint64_t seed, uint32_t out[4]) {
    uint32_t c[4] = {(uint32_t)block, (uint32_t)(block >> 32), 0, 0};
    uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (int r = 0; r < 10; r++) {
        philox_round(c, k);
        k[0] += PHILOX_W0;
        k[1] += PHILOX_W1;
    }
    for (int i = 0; i < 4; i++) out[i] = c[i];
}

void rng_init(rng *r, uint64_t seed) {
    r->seed = seed;
    r->counter = 0;
}

uint32_t rng_u32_at(uint64_t seed, uint64_t index) {
    uint32_t out[4];
    philox4x32_10(index >> 2, seed, out);
    return out[index & 3];
}

double rng_uniform_at(uint64_t seed, uint64_t index) {
    return ((double)rng_u32_at(seed, index) + 0.5) * (1.0 / 4294967296.0);
}

double rng_uniform(rng *r) { return rng_uniform_at(r->seed, r->counter++); }

double rng_normal(rng *r) {
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

bool rng_bernoulli(rng *r, double p) { return rng_uniform(r) < p; }

uint64_t rng_reserve(rng *r, uint64_t n) {
    uint64_t first = r->counter;
    r->counter += n;
    return first;
}
