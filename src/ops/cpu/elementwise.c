/* Embedding lookup and its gradient, residual adds, scaling: small kernels,
 * but behind ops.h so that model and trainer never loop over activations
 * or gradients themselves (a GPU backend keeps them on the device). */
#include <omp.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/parallel.h"

void embedding_forward(float *x, const float *table, const int *ids, size_t n, int d) {
#pragma omp parallel for schedule(static) if (n * d >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) memcpy(x + i * d, table + (size_t)ids[i] * d, (size_t)d * sizeof(float));
}

void embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d) {
    /* threads split the columns, so each table entry is added to by one
     * thread, in row order */
#pragma omp parallel if (n * d >= OPS_PARALLEL_MIN)
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int lo = (int)((long)d * t / nt), hi = (int)((long)d * (t + 1) / nt);
        for (size_t i = 0; i < n; i++) {
            float *row = dtable + (size_t)ids[i] * d;
            const float *src = dx + i * d;
            for (int j = lo; j < hi; j++) row[j] += src[j];
        }
    }
}

void add_inplace(float *y, const float *x, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

void scale_inplace(float *x, size_t n, float s) {
#pragma omp parallel for simd schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) x[i] *= s;
}
