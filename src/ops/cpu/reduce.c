#include "ops/reduce.h"

#define DET_CHUNKS 64

double det_sum(size_t n, double (*f)(const void *ctx, size_t i), const void *ctx) {
    double part[DET_CHUNKS] = {0};
    size_t per = (n + DET_CHUNKS - 1) / DET_CHUNKS;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < DET_CHUNKS; c++) {
        size_t lo = (size_t)c * per, hi = lo + per < n ? lo + per : n;
        double s = 0.0;
        for (size_t i = lo; i < hi; i++) s += f(ctx, i);
        part[c] = s;
    }
    double total = 0.0;
    for (int c = 0; c < DET_CHUNKS; c++) total += part[c];
    return total;
}

/* Eight independent accumulators per chunk so the loop pipelines without
 * reassociating anything the compiler would need -ffast-math for. */
static double chunk_squares(const float *x, size_t n) {
    double acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += (double)x[i + j] * x[i + j];
    for (; i < n; i++) acc[0] += (double)x[i] * x[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

double det_sum_squares(const float *x, size_t n) {
    double part[DET_CHUNKS] = {0};
    size_t per = (n + DET_CHUNKS - 1) / DET_CHUNKS;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < DET_CHUNKS; c++) {
        size_t lo = (size_t)c * per, hi = lo + per < n ? lo + per : n;
        part[c] = lo < hi ? chunk_squares(x + lo, hi - lo) : 0.0;
    }
    double total = 0.0;
    for (int c = 0; c < DET_CHUNKS; c++) total += part[c];
    return total;
}
