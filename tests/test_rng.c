/* The counter-based generator: a published Philox known answer,
 * determinism, resuming from (seed, counter), and the moments of its
 * distributions over 1e5 draws (bounds at about 5 standard errors). */
#include <math.h>
#include <stdint.h>

#include "core/rng.h"
#include "tests/test.h"

#define DRAWS 100000

TEST(rng_philox_known_answer) {
    /* Random123's tests/kat_vectors: philox4x32-10, counter 0, key 0. */
    const uint32_t want[] = {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u};
    for (int i = 0; i < 4; i++) {
        uint32_t got = rng_u32_at(0, (uint64_t)i);
        CHECK_MSG(got == want[i], "word %d: %08x, want %08x", i, got, want[i]);
    }
}

TEST(rng_same_seed_same_stream) {
    rng a, b, c;
    rng_init(&a, 7);
    rng_init(&b, 7);
    rng_init(&c, 8);
    int same = 0, differ_from_other_seed = 0;
    for (int i = 0; i < 1000; i++) {
        double u = rng_uniform(&a);
        same += u == rng_uniform(&b);
        differ_from_other_seed += u != rng_uniform(&c);
    }
    CHECK(same == 1000);
    CHECK(differ_from_other_seed > 990);
    CHECK(a.counter == 1000);
}

TEST(rng_resumes_from_seed_and_counter) {
    rng r;
    rng_init(&r, 123456789012345ull);
    for (int i = 0; i < 101; i++) rng_normal(&r);
    rng saved = r;
    double first[50];
    for (int i = 0; i < 50; i++) first[i] = i % 2 ? rng_normal(&r) : rng_uniform(&r);
    uint64_t first_reserved = rng_reserve(&r, 10);

    rng resumed;
    rng_init(&resumed, saved.seed);
    resumed.counter = saved.counter;
    int equal = 0;
    for (int i = 0; i < 50; i++) equal += first[i] == (i % 2 ? rng_normal(&resumed) : rng_uniform(&resumed));
    CHECK(equal == 50);
    CHECK(rng_reserve(&resumed, 10) == first_reserved);
    CHECK(resumed.counter == r.counter);
}

TEST(rng_uniform_at_matches_stream) {
    rng r;
    rng_init(&r, 99);
    uint64_t first = rng_reserve(&r, 5);
    CHECK(first == 0 && r.counter == 5);
    CHECK(rng_uniform(&r) == rng_uniform_at(99, 5));
    CHECK(rng_uniform_at(99, 3) == ((double)rng_u32_at(99, 3) + 0.5) / 4294967296.0);
}

TEST(rng_uniform_moments) {
    rng r;
    rng_init(&r, 1);
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < DRAWS; i++) {
        double u = rng_uniform(&r);
        sum += u;
        sum_sq += u * u;
    }
    double mean = sum / DRAWS, var = sum_sq / DRAWS - mean * mean;
    CHECK_NEAR(mean, 0.5, 0.005);
    CHECK_NEAR(var, 1.0 / 12, 0.002);
}

TEST(rng_normal_moments) {
    rng r;
    rng_init(&r, 2);
    double sum = 0, sum_sq = 0, sum_4 = 0;
    for (int i = 0; i < DRAWS; i++) {
        double z = rng_normal(&r);
        sum += z;
        sum_sq += z * z;
        sum_4 += z * z * z * z;
    }
    double mean = sum / DRAWS, var = sum_sq / DRAWS - mean * mean;
    CHECK_NEAR(mean, 0, 0.016);
    CHECK_NEAR(var, 1, 0.023);
    CHECK_NEAR(sum_4 / DRAWS, 3, 0.15); /* kurtosis of a normal */
}

TEST(rng_bernoulli_frequency) {
    rng r;
    rng_init(&r, 3);
    int hits = 0;
    for (int i = 0; i < DRAWS; i++) hits += rng_bernoulli(&r, 0.3);
    CHECK_NEAR((double)hits / DRAWS, 0.3, 0.0075);
    int never = 0, always = 0;
    for (int i = 0; i < 1000; i++) {
        never += rng_bernoulli(&r, 0);
        always += rng_bernoulli(&r, 1);
    }
    CHECK(never == 0 && always == 1000);
}

TEST(rng_uniform_at_is_strictly_inside_unit_interval) {
    double lo = 1, hi = 0;
    for (uint64_t i = 0; i < DRAWS; i++) {
        double u = rng_uniform_at(0xfeedfaceull, i);
        lo = fmin(lo, u);
        hi = fmax(hi, u);
    }
    CHECK(lo > 0 && hi < 1);
    CHECK(lo < 1e-3 && hi > 1 - 1e-3); /* and the range is really covered */
}
