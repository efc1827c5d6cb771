#ifndef GANC_TOOLS_DEMO_DATA_H
#define GANC_TOOLS_DEMO_DATA_H

/* Paired demo data: each identity of the synthetic face world rendered as a
 * photo and as a cartoon, as float (N,3,S,S) batches in [-1, 1]. */

#include "core/error.h"
#include "core/real.h"

typedef struct {
    int shape[4]; /* (N,3,S,S) */
    real *photos;
    real *cartoons;
} demo_set;

ganc_status demo_set_init(demo_set *s, int n, int size);
void demo_set_free(demo_set *s);
/* Renders identities first .. first+N-1 of the stream `seed`. */
ganc_status demo_set_fill(demo_set *s, unsigned long seed, unsigned long first);
/* Mean |photo - cartoon|: the error of a model that copies its input. */
double demo_set_l1(const demo_set *s);
/* PNG grid, one row per image: photo | generated | cartoon, 3x enlarged. */
ganc_status demo_write_grid(const char *path, const demo_set *s, const real *generated /* (N,3,S,S) */);

#endif
