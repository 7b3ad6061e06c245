/* RMSNorm as HF LlamaRMSNorm: statistics in fp32, weight applied after. */
#include <math.h>
#include <stdlib.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/parallel.h"
#include "util/err.h"

void cpu_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c, float eps) {
#pragma omp parallel for schedule(static) if ((long)n * c >= OPS_PARALLEL_MIN)
    for (int i = 0; i < n; i++) {
        const float *x = inp + (size_t)i * c;
        float *y = out + (size_t)i * c;
        float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
        for (int j = 0; j < c; j++) ss += x[j] * x[j];
        float r = 1.0f / sqrtf(ss / (float)c + eps);
        for (int j = 0; j < c; j++) y[j] = x[j] * r * w[j];
        if (rstd) rstd[i] = r;
    }
}

/* y_j = w_j r x_j with r = (mean(x^2)+eps)^-1/2, so
 * dx_k = r w_k dy_k - r^3 x_k / c * sum_j dy_j w_j x_j, and dw_j = sum over
 * rows of dy_j x_j r. One pass over the rows for both (each row of dy and x
 * read once: they come from memory in a train step's backward; tiny step:
 * ~0.2 ms a call in two passes). dw goes through partial column sums over
 * a fixed number of row chunks (contiguous rows), added in chunk order: the
 * result does not depend on the thread count. */
void cpu_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                      const float *rstd, int n, int c) {
    enum { CHUNKS = 16 };
    float *part = dw ? xcalloc((size_t)CHUNKS * c, sizeof(float)) : NULL;
    int per = (n + CHUNKS - 1) / CHUNKS;
#pragma omp parallel for schedule(static)
    for (int k = 0; k < CHUNKS; k++)
        for (int i = k * per; i < n && i < (k + 1) * per; i++) {
            const float *x = inp + (size_t)i * c, *dy = dout + (size_t)i * c;
            float r = rstd[i];
            if (dinp) {
                float *dx = dinp + (size_t)i * c, dot = 0.0f;
#pragma omp simd reduction(+ : dot)
                for (int j = 0; j < c; j++) dot += dy[j] * w[j] * x[j];
                float coef = r * r * r * dot / (float)c;
                for (int j = 0; j < c; j++) dx[j] += r * w[j] * dy[j] - coef * x[j];
            }
            if (dw) {
                float *acc = part + (size_t)k * c;
#pragma omp simd
                for (int j = 0; j < c; j++) acc[j] += dy[j] * x[j] * r;
            }
        }
    if (!dw) return;
    for (int k = 0; k < CHUNKS; k++)
        for (int j = 0; j < c; j++) dw[j] += part[(size_t)k * c + j];
    free(part);
}
