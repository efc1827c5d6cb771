#ifndef GANC_GRADCHECK_CASES_H
#define GANC_GRADCHECK_CASES_H

/* One NULL-terminated list of gradient-check cases per op family,
 * defined in core/gradcheck/cases_<family>.c. */

#include "core/gradcheck/gradcheck.h"

extern const gradcheck_case *const gradcheck_cases_elementwise[];
extern const gradcheck_case *const gradcheck_cases_reduce[];
extern const gradcheck_case *const gradcheck_cases_linalg[];
extern const gradcheck_case *const gradcheck_cases_conv[];
extern const gradcheck_case *const gradcheck_cases_spatial[];
extern const gradcheck_case *const gradcheck_cases_norm[];
extern const gradcheck_case *const gradcheck_cases_shape[];
extern const gradcheck_case *const gradcheck_cases_loss[];
extern const gradcheck_case *const gradcheck_cases_image[];
extern const gradcheck_case *const gradcheck_cases_random[];

/* Shorthand for input specs in case tables. */
#define GC_IN(dist_, ...) {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = dist_}
#define GC_CONST(dist_, param_, ...)                                                                           \
    {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = dist_, .param = param_, \
     .constant = true}

#endif
