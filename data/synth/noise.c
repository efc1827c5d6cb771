/* Texture noise: a tileable lattice of Philox draws, interpolated with a
 * smoothstep so that skin, fur and hair get soft structure at any size. */
#include "core/rng.h"
#include "data/synth/synth_internal.h"

void noise_init(noise_tex *n, uint64_t seed, uint64_t stream) {
    uint64_t key = synth_key(seed, stream);
    for (int i = 0; i < NOISE_N * NOISE_N; i++) n->v[i] = (float)(2 * rng_uniform_at(key, (uint64_t)i) - 1);
}

