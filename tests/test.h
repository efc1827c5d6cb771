#ifndef GANC_TEST_H
#define GANC_TEST_H

/* A small test framework: TEST(name) registers a test at load time; CHECK
 * records a failure with file:line and goes on; SKIP ends a test as skipped
 * with a reason (a missing GPU or reference tool is a skip, never a pass). */

#include <math.h>
#include <stdbool.h>

typedef struct test_ctx {
    int failures;
    int checks;
    bool skipped;
    char skip_reason[256];
} test_ctx;

typedef void (*test_fn)(test_ctx *tc);
void test_register(const char *name, test_fn fn);
void test_fail(test_ctx *tc, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void test_skip(test_ctx *tc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define TEST(name)                                                                     \
    static void name(test_ctx *tc);                                                    \
    __attribute__((constructor)) static void register_##name(void) { test_register(#name, name); } \
    static void name(test_ctx *tc)

#define CHECK(cond)                                                        \
    do {                                                                   \
        tc->checks++;                                                      \
        if (!(cond)) test_fail(tc, __FILE__, __LINE__, "CHECK(%s)", #cond); \
    } while (0)

#define CHECK_MSG(cond, ...)                                    \
    do {                                                        \
        tc->checks++;                                           \
        if (!(cond)) test_fail(tc, __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                          \
    do {                                                                                               \
        double a_ = (double)(a), b_ = (double)(b);                                                     \
        tc->checks++;                                                                                  \
        if (!(fabs(a_ - b_) <= (tol)))                                                                 \
            test_fail(tc, __FILE__, __LINE__, "%s = %.9g, %s = %.9g, differ by more than %g", #a, a_, #b, b_, \
                      (double)(tol));                                                                  \
    } while (0)

/* Ends the test when cond fails (for preconditions whose failure makes the rest meaningless). */
#define REQUIRE(cond)                                                                 \
    do {                                                                              \
        tc->checks++;                                                                 \
        if (!(cond)) {                                                                \
            test_fail(tc, __FILE__, __LINE__, "REQUIRE(%s): %s", #cond, ganc_error_message()); \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define SKIP(...)                   \
    do {                            \
        test_skip(tc, __VA_ARGS__); \
        return;                     \
    } while (0)

#endif
