/* Deterministic parallel sums: OpenMP's reduction clause combines thread
 * partials in an unspecified order, which would make results vary run to run.
 * These split the range into fixed chunks and add the partials in order. */
#ifndef DUSK_REDUCE_H
#define DUSK_REDUCE_H

#include <stddef.h>

/* sum over i in [0, n) of f(ctx, i), in double. */
double det_sum(size_t n, double (*f)(const void *ctx, size_t i), const void *ctx);

/* sum of x[i]^2 over [0, n), in double, same fixed chunking. */
double det_sum_squares(const float *x, size_t n);

#endif
