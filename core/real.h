#ifndef GANC_REAL_H
#define GANC_REAL_H

/* The CPU code compiles with `real` as float (the shipped build) or as double
 * (-DGANC_REAL_DOUBLE), so gradient checks can run with tight tolerances. */
#ifdef GANC_REAL_DOUBLE
typedef double real;
#define REAL_IS_DOUBLE 1
#define REAL_NAME "float64"
#else
typedef float real;
#define REAL_IS_DOUBLE 0
#define REAL_NAME "float32"
#endif

#endif
