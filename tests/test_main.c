/* Runs every registered test (or those whose name contains argv[1]) and
 * prints one line per test and a summary. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/real.h"
#include "tests/test.h"

#define MAX_TESTS 2048

typedef struct {
    const char *name;
    test_fn fn;
} test_entry;
static test_entry tests[MAX_TESTS];
static int n_tests;

void test_register(const char *name, test_fn fn) {
    if (n_tests < MAX_TESTS) tests[n_tests++] = (test_entry){name, fn};
}

void test_fail(test_ctx *tc, const char *file, int line, const char *fmt, ...) {
    tc->failures++;
    if (tc->failures > 5) return; /* the first few say enough */
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "    %s:%d: ", file, line);
    vfprintf(stdout, fmt, ap);
    fprintf(stdout, "\n");
    va_end(ap);
}

void test_skip(test_ctx *tc, const char *fmt, ...) {
    tc->skipped = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tc->skip_reason, sizeof tc->skip_reason, fmt, ap);
    va_end(ap);
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const test_entry *)a)->name, ((const test_entry *)b)->name);
}

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0, skipped = 0;
    qsort(tests, (size_t)n_tests, sizeof tests[0], by_name);
    for (int i = 0; i < n_tests; i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        test_ctx tc = {0};
        ganc_error_clear();
        fflush(stdout);
        tests[i].fn(&tc);
        if (tc.failures) {
            printf("FAIL %s (%d failed checks)\n", tests[i].name, tc.failures);
            failed++;
        } else if (tc.skipped) {
            printf("SKIP %s: %s\n", tests[i].name, tc.skip_reason);
            skipped++;
        } else if (tc.checks == 0) {
            printf("FAIL %s: asserted nothing\n", tests[i].name);
            failed++;
        } else {
            printf("PASS %s\n", tests[i].name);
            passed++;
        }
    }
    printf("[%s runner] %d pass / %d fail / %d skip\n", REAL_NAME, passed, failed, skipped);
    return failed ? 1 : 0;
}
